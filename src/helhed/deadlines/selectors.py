"""Reads of deadlines, through the case gatekeeper and audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from helhed.cases.gatekeeper import cases_visible_to
from helhed.core import audit
from helhed.core.models import AuditAction
from helhed.core.validation import fits_db_int

from .models import Deadline, DeadlineStatus

LIMIT = 200


def urgency(deadline: Deadline, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if deadline.due_at < now:
        return "overdue"
    if deadline.due_at < now + timedelta(days=3):
        return "soon"
    return "later"


def my_deadlines(*, actor, limit: int = LIMIT) -> list[Deadline]:
    """The actor's open deadlines on cases they may see, soonest first ('Mine frister')."""
    qs = (
        Deadline.objects.filter(owner=actor, status=DeadlineStatus.OPEN)
        .filter(case__in=cases_visible_to(actor).values("id"))
        .select_related("case", "person")
        .order_by("due_at", "id")
    )
    rows = list(qs[:limit])
    if rows:
        audit.record(
            actor=actor,
            action=AuditAction.LIST,
            object_type="deadlines.deadline",
            persons={d.person_id for d in rows},
            detail={"view": "my_deadlines", "count": len(rows)},
        )
    return rows


def deadline_for(*, actor, deadline_id) -> Deadline:
    """One deadline, if its case is visible to the actor (else the same 404 as a missing one)."""
    from django.http import Http404

    try:
        pk = int(deadline_id)
    except (TypeError, ValueError):
        raise Http404
    if not fits_db_int(pk):
        raise Http404
    deadline = (
        Deadline.objects.filter(pk=pk, case__in=cases_visible_to(actor).values("id"))
        .select_related("case", "person")
        .first()
    )
    if deadline is None:
        raise Http404
    return deadline


def deadlines_of_source(source) -> list[Deadline]:
    """The deadlines an object (e.g. a report of concern) started. The caller has already passed the
    gatekeeper for `source` and audits its own view of it."""
    return list(
        Deadline.objects.filter(source_type=source._meta.label_lower, source_id=str(source.pk)).order_by("due_at", "id")
    )
