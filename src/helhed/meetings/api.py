"""/api/v1/meetings: a case's meetings, scheduling with invitations, minutes, attendance, decisions, holding and
cancelling, the minutes as PDF; /api/v1/meetings/tasks: my decisions as tasks. Same services and selectors as the
pages, so the same access rules and audit."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpResponse
from ninja import Router, Schema, Status

from helhed.core.apiauth import api_requires
from helhed.core.permissions import Perm

from . import documents, selectors, services
from .models import Visibility

router = Router(tags=["meetings"])


class ParticipantOut(Schema):
    id: int
    kind: str
    user_id: int | None
    name: str
    role: str
    channels: list[str]
    attendance: str
    email_error: str


class MinutesOut(Schema):
    id: int
    title: str
    body: str
    visibility: str
    written_at: datetime


class DecisionOut(Schema):
    id: int
    meeting_id: int
    case_id: int
    text: str
    binding: bool
    owner_id: int
    administration: str
    due_on: date
    visibility: str
    status: str
    version: int


class MeetingOut(Schema):
    id: int
    case_id: int
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    agenda: str
    status: str
    chair_id: int
    version: int


class MeetingDetailOut(MeetingOut):
    participants: list[ParticipantOut]
    minutes: list[MinutesOut]
    decisions: list[DecisionOut]
    earlier_open_decisions: list[DecisionOut]
    hidden_items: int


class CaseMeetingsOut(Schema):
    upcoming: list[MeetingOut]
    past: list[MeetingOut]
    open_decisions: list[DecisionOut]


class ExternalInSchema(Schema):
    kind: str
    name: str
    role: str = ""
    email: str = ""


class MeetingInSchema(Schema):
    kind: str
    starts_at: datetime
    ends_at: datetime
    location: str
    title: str = ""
    agenda: str = ""
    chair_id: int | None = None
    staff_ids: list[int] = []
    externals: list[ExternalInSchema] = []


class MinutesInSchema(Schema):
    title: str
    body: str
    visibility: str = Visibility.FAMILY


class DecisionInSchema(Schema):
    text: str
    owner_id: int | None = None
    due_on: date | None = None
    administration: str = ""
    binding: bool = True
    visibility: str = Visibility.FAMILY


class VersionIn(Schema):
    version: int | None = None


class CancelIn(VersionIn):
    reason: str


class AttendanceIn(Schema):
    attendance: dict[str, str]


class DecisionStatusIn(VersionIn):
    status: str
    note: str = ""


class TasksOut(Schema):
    open: list[DecisionOut]
    done: list[DecisionOut]


@router.get("/tasks", response=TasksOut, summary="My tasks: the decisions I am responsible for (audited)")
@api_requires(Perm.CASE_WORK)
def my_tasks(request):
    data = selectors.my_tasks(actor=request.auth)
    return {"open": data.open, "done": data.done}


@router.post("/tasks/{decision_id}", response=DecisionOut, summary="Mark a decision done, cancelled or open again")
@api_requires(Perm.CASE_WORK)
def task_status(request, decision_id: int, payload: DecisionStatusIn):
    return services.decision_set_status(
        actor=request.auth, decision_id=decision_id, status=payload.status, note=payload.note, version=payload.version
    )


@router.get("/mine", response=list[MeetingOut], summary="My coming meetings (chaired or invited; audited)")
@api_requires(Perm.CASE_WORK)
def my_meetings(request):
    return selectors.my_meetings(actor=request.auth)


@router.get("/aftaleforum", summary="The Aftaleforum chair's overview: coming meetings, overdue decisions")
@api_requires(Perm.CASE_WORK)
def aftaleforum(request) -> dict:
    data = selectors.chair_overview(actor=request.auth)
    return {
        "meetings": [MeetingOut.from_orm(m).dict() for m in data.meetings],
        "overdue_decisions": [DecisionOut.from_orm(d).dict() for d in data.overdue],
    }


@router.get("/cases/{case_id}", response=CaseMeetingsOut, summary="A case's meetings and open decisions (audited)")
@api_requires(Perm.CASE_WORK)
def case_meetings(request, case_id: int):
    data = selectors.case_meetings(actor=request.auth, case_id=case_id)
    return {"upcoming": data.upcoming, "past": data.past, "open_decisions": data.open_decisions}


@router.post("/cases/{case_id}", response={201: MeetingOut}, summary="Schedule a meeting and invite its participants")
@api_requires(Perm.CASE_WORK)
def schedule(request, case_id: int, payload: MeetingInSchema):
    data = services.MeetingIn(
        **payload.dict(exclude={"externals"}),
        externals=[services.ExternalIn(**e.dict()) for e in payload.externals],
    )
    return Status(201, services.meeting_schedule(actor=request.auth, case_id=case_id, data=data))


def _detail(request, meeting_id) -> dict:
    view = selectors.meeting_detail(actor=request.auth, meeting_id=meeting_id)
    return {
        **MeetingOut.from_orm(view.meeting).dict(),
        "participants": view.participants,
        "minutes": view.minutes,
        "decisions": view.decisions,
        "earlier_open_decisions": view.earlier_open,
        "hidden_items": view.hidden,
    }


@router.get("/{meeting_id}", response=MeetingDetailOut, summary="A meeting with what the reader may read (audited)")
@api_requires(Perm.CASE_WORK)
def meeting(request, meeting_id: int):
    return _detail(request, meeting_id)


@router.post("/{meeting_id}/minutes", response={201: MinutesOut}, summary="Add a point to the minutes")
@api_requires(Perm.CASE_WORK)
def add_minutes(request, meeting_id: int, payload: MinutesInSchema):
    return Status(201, services.minutes_add(actor=request.auth, meeting_id=meeting_id, **payload.dict()))


@router.post("/{meeting_id}/decisions", response={201: DecisionOut}, summary="Record a decision (a task for its owner)")
@api_requires(Perm.CASE_WORK)
def add_decision(request, meeting_id: int, payload: DecisionInSchema):
    decision = services.decision_add(
        actor=request.auth, meeting_id=meeting_id, data=services.DecisionIn(**payload.dict())
    )
    return Status(201, decision)


@router.post("/{meeting_id}/attendance", response=MeetingDetailOut, summary="Record who took part")
@api_requires(Perm.CASE_WORK)
def attendance(request, meeting_id: int, payload: AttendanceIn):
    services.attendance_set(actor=request.auth, meeting_id=meeting_id, attendance=payload.attendance)
    return _detail(request, meeting_id)


@router.post("/{meeting_id}/hold", response=MeetingOut, summary="Mark the meeting as held")
@api_requires(Perm.CASE_WORK)
def hold(request, meeting_id: int, payload: VersionIn):
    return services.meeting_hold(actor=request.auth, meeting_id=meeting_id, version=payload.version)


@router.post("/{meeting_id}/cancel", response=MeetingOut, summary="Cancel the meeting with a reason")
@api_requires(Perm.CASE_WORK)
def cancel(request, meeting_id: int, payload: CancelIn):
    return services.meeting_cancel(
        actor=request.auth, meeting_id=meeting_id, reason=payload.reason, version=payload.version
    )


@router.post("/{meeting_id}/send-minutes", summary="Share the minutes: on the case, and each participant's copy")
@api_requires(Perm.CASE_WORK)
def send_minutes(request, meeting_id: int, payload: VersionIn) -> dict:
    return services.minutes_send(actor=request.auth, meeting_id=meeting_id, version=payload.version)


@router.get("/{meeting_id}/minutes.pdf", summary="The minutes as PDF, as the reader (or a participant) may read them")
@api_requires(Perm.CASE_WORK)
def minutes_pdf(request, meeting_id: int, participant: int | None = None):
    found, level, who = selectors.minutes_copy(actor=request.auth, meeting_id=meeting_id, participant_id=participant)
    response = HttpResponse(documents.minutes_pdf(found, level, who), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="referat-moede-{found.pk}.pdf"'
    return response
