"""Reads of the audit log, for the data protection officer. Looking at who saw a person is itself a use
of that person's data, so these reads are audited too."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from . import audit
from .models import AuditAction, AuditEvent

PAGE = 200


def _window(qs: QuerySet, date_from: date | None, date_to: date | None) -> QuerySet:
    tz = timezone.get_current_timezone()
    # A date field accepts 0001-01-01 and 9999-12-31; as times in UTC they fall outside what a datetime can
    # hold. The log has no events before 1900 or after 9000, so such a bound means "no bound".
    if date_from and date_from.year < 1900:
        date_from = None
    if date_to and date_to.year > 9000:
        date_to = None
    if date_from:
        qs = qs.filter(at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(at__lt=datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz))
    return qs


def events_for_person(
    *, actor, person_id: int, date_from=None, date_to=None, limit: int = PAGE, purpose: str = "dpo"
) -> list[AuditEvent]:
    """Who used this person's data, when and why (newest first)."""
    qs = AuditEvent.objects.filter(subjects__person_id=person_id).select_related("actor")
    events = list(_window(qs, date_from, date_to).order_by("-at", "-id")[:limit])
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="core.auditevent",
        persons=[person_id],
        detail={"view": "access_log_for_person", "purpose": purpose, "rows": len(events)},
    )
    return events


def events_for_actor(*, actor, user_id: int, date_from=None, date_to=None, limit: int = PAGE) -> list[AuditEvent]:
    """What a user has used (newest first)."""
    qs = AuditEvent.objects.filter(actor_id=user_id)
    events = list(_window(qs, date_from, date_to).order_by("-at", "-id")[:limit])
    persons = {pid for e in events for pid in e.person_ids}
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="core.auditevent",
        persons=persons,
        detail={"view": "access_log_for_actor", "user_id": user_id, "rows": len(events)},
    )
    return events


def events_query(
    *, actor, person_id: int | None = None, actor_id: int | None = None, limit: int = PAGE, offset: int = 0
) -> list[AuditEvent]:
    qs = AuditEvent.objects.all()
    if person_id:
        qs = qs.filter(subjects__person_id=person_id)
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    events = list(qs.order_by("-at", "-id")[offset : offset + limit])
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="core.auditevent",
        persons=[person_id] if person_id else {p for e in events for p in e.person_ids},
        detail={"view": "api_audit_events", "rows": len(events), "actor_filter": actor_id},
    )
    return events


def break_glass_events(*, actor, limit: int = PAGE) -> list[AuditEvent]:
    events = list(
        AuditEvent.objects.filter(action=AuditAction.BREAK_GLASS).select_related("actor").order_by("-at")[:limit]
    )
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="core.auditevent",
        persons={p for e in events for p in e.person_ids},
        detail={"view": "break_glass_list"},
    )
    return events
