"""/api/v1/flow: a case's stage and handovers; set the stage; propose, prepare (handover meeting), accept,
reject or withdraw a handover; the handovers coming in to my units. Same services and selectors as the pages."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema, Status

from helhed.core.apiauth import api_requires
from helhed.core.permissions import Perm
from helhed.meetings import services as meeting_services
from helhed.meetings.api import MeetingInSchema

from . import selectors, services

router = Router(tags=["flow"])


class StageOut(Schema):
    stage: str
    since: datetime
    until: datetime | None
    reason: str


class HandoverOut(Schema):
    id: int
    case_id: int
    from_unit_id: int
    to_unit_id: int
    from_stage: str
    to_stage: str
    reason: str
    checklist: dict
    checklist_version: str
    meeting_id: int | None
    status: str
    proposed_at: datetime
    to_caseworker_id: int | None
    decision_note: str
    version: int


class FlowOut(Schema):
    case_id: int
    stage: str | None
    history: list[StageOut]
    handovers: list[HandoverOut]
    next_stages: list[str]


class StageIn(Schema):
    stage: str
    reason: str


class ProposeIn(Schema):
    to_unit_id: int
    to_stage: str
    reason: str
    checklist: dict = {}


class ChecklistIn(Schema):
    checklist: dict
    version: int | None = None


class HandoverMeetingIn(MeetingInSchema):
    kind: str = "handover"
    version: int | None = None


class AcceptIn(Schema):
    to_caseworker_id: int
    note: str = ""
    version: int | None = None


class CloseIn(Schema):
    to_status: str
    note: str
    version: int | None = None


@router.get("/handovers", response=list[HandoverOut], summary="Open handovers to my units (audited)")
@api_requires(Perm.CASE_WORK)
def incoming(request):
    return selectors.incoming_handovers(actor=request.auth)


@router.get("/cases/{case_id}", response=FlowOut, summary="A case's stage, its history and its handovers (audited)")
@api_requires(Perm.CASE_WORK)
def case_flow(request, case_id: int):
    flow = selectors.case_flow(actor=request.auth, case_id=case_id)
    current = next((row for row in flow.history if row.until is None), None)
    return {
        "case_id": flow.access.case.pk,
        "stage": current.stage if current else None,
        "history": flow.history,
        "handovers": flow.handovers,
        "next_stages": [s.key for s in flow.next_stages],
    }


@router.post("/cases/{case_id}/stage", response=StageOut, summary="Put the case in a stage (its own unit)")
@api_requires(Perm.CASE_WORK)
def stage(request, case_id: int, payload: StageIn):
    return services.stage_set(actor=request.auth, case_id=case_id, stage=payload.stage, reason=payload.reason)


@router.post("/cases/{case_id}/handovers", response={201: HandoverOut}, summary="Propose a handover to another unit")
@api_requires(Perm.CASE_WORK)
def propose(request, case_id: int, payload: ProposeIn):
    handover = services.handover_propose(
        actor=request.auth,
        case_id=case_id,
        to_unit_id=payload.to_unit_id,
        to_stage=payload.to_stage,
        reason=payload.reason,
        checklist=payload.checklist,
    )
    return Status(201, handover)


@router.get("/handovers/{handover_id}", response=HandoverOut, summary="One handover (audited)")
@api_requires(Perm.CASE_WORK)
def handover(request, handover_id: int):
    return selectors.handover_detail(actor=request.auth, handover_id=handover_id).handover


@router.post("/handovers/{handover_id}/checklist", response=HandoverOut, summary="Record the handover checklist")
@api_requires(Perm.CASE_WORK)
def checklist(request, handover_id: int, payload: ChecklistIn):
    return services.handover_checklist(
        actor=request.auth, handover_id=handover_id, checklist=payload.checklist, version=payload.version
    )


@router.post("/handovers/{handover_id}/meeting", response=HandoverOut, summary="Plan the handover meeting")
@api_requires(Perm.CASE_WORK)
def meeting(request, handover_id: int, payload: HandoverMeetingIn):
    data = meeting_services.MeetingIn(
        **payload.dict(exclude={"externals", "version"}),
        externals=[meeting_services.ExternalIn(**e.dict()) for e in payload.externals],
    )
    return services.handover_meeting(actor=request.auth, handover_id=handover_id, data=data, version=payload.version)


@router.post("/handovers/{handover_id}/accept", response=HandoverOut, summary="Take the case (the receiving unit)")
@api_requires(Perm.CASE_WORK)
def accept(request, handover_id: int, payload: AcceptIn):
    return services.handover_accept(
        actor=request.auth,
        handover_id=handover_id,
        to_caseworker_id=payload.to_caseworker_id,
        note=payload.note,
        version=payload.version,
    )


@router.post("/handovers/{handover_id}/close", response=HandoverOut, summary="Reject or withdraw a handover")
@api_requires(Perm.CASE_WORK)
def close(request, handover_id: int, payload: CloseIn):
    return services.handover_close(
        actor=request.auth,
        handover_id=handover_id,
        to_status=payload.to_status,
        note=payload.note,
        version=payload.version,
    )
