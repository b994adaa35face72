"""/api/v1/deadlines: my open deadlines, and closing one."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema

from helhed.core.apiauth import api_requires
from helhed.core.permissions import Perm

from . import selectors, services

router = Router(tags=["deadlines"])


class DeadlineOut(Schema):
    id: int
    rule_id: str
    law: str
    paragraph: str
    title: str
    case_id: int | None
    person_id: int | None
    due_at: datetime
    due_is_date: bool
    explanation: str
    status: str
    urgency: str

    @staticmethod
    def resolve_urgency(obj):
        return selectors.urgency(obj) if obj.status == "open" else ""


class CloseIn(Schema):
    waive: bool = False
    reason: str = ""


@router.get("", response=list[DeadlineOut], summary="My open statutory deadlines, soonest first (audited)")
@api_requires(Perm.CASE_WORK)
def my_deadlines(request):
    return selectors.my_deadlines(actor=request.auth)


@router.post("/{deadline_id}/close", response=DeadlineOut, summary="Close a deadline: met (on time or late) or waived")
@api_requires(Perm.CASE_WORK)
def close_deadline(request, deadline_id: int, payload: CloseIn):
    return services.deadline_close_for(
        actor=request.auth, deadline_id=deadline_id, waive=payload.waive, reason=payload.reason
    )
