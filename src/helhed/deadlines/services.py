"""Every write of deadlines: start the deadlines an event triggers, close one (met, late or waived)."""

from __future__ import annotations

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helhed.core import audit
from helhed.core.errors import Conflict, HelhedError
from helhed.core.i18n import record_language
from helhed.core.models import AuditAction

from . import policies
from .models import Deadline, DeadlineStatus, DeadlineStatusChange
from .rules import Notifier, Trigger


@transaction.atomic
def deadlines_start(
    *,
    actor,
    trigger: Trigger,
    at: datetime,
    person=None,
    case=None,
    owner=None,
    unit=None,
    notifier: Notifier | None = None,
    placed: bool = False,
    birth_date: date | None = None,
    source=None,
) -> list[Deadline]:
    """Start every deadline `trigger` sets off for the person (and case). Idempotent per source object.

    `person` may be None for a report of concern about a child not yet identified; `deadlines_attach` gives
    the deadlines their child and case once the reception has matched the report."""
    if timezone.is_naive(at):
        raise HelhedError(_("Tidspunktet mangler tidszone."), field="at")
    if at > timezone.now():
        raise HelhedError(_("Tidspunktet ligger i fremtiden. Skriv hvornår det skete."), field="at")
    source_type = source._meta.label_lower if source is not None else ""
    source_id = str(source.pk) if source is not None else ""
    created = []
    for rule_id in policies.rules_for(trigger, notifier=notifier, placed=placed):
        with record_language():
            due = policies.compute(
                rule_id, at=at, birth_date=birth_date or getattr(person, "birth_date", None), placed=placed
            )
            title = due.rule.title_da
        try:
            with transaction.atomic():
                deadline = Deadline.objects.create(
                    rule_id=rule_id,
                    law=str(due.rule.law),
                    paragraph=due.rule.paragraph,
                    title=title,
                    case=case,
                    person=person,
                    owner=owner,
                    unit=unit if unit is not None else getattr(case, "responsible_unit", None),
                    started_at=at,
                    due_at=policies.due_moment(due.due),
                    due_is_date=not isinstance(due.due, datetime),
                    explanation=due.explanation,
                    source_type=source_type,
                    source_id=source_id,
                )
        except IntegrityError:
            continue  # already started by this source
        created.append(deadline)
    if created:
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="deadlines.deadline",
            object_id=",".join(str(d.pk) for d in created),
            persons=[person] if person is not None else [],
            case_id=case.pk if case is not None else None,
            detail={"trigger": str(trigger), "rules": [d.rule_id for d in created], "source": source_type},
        )
    return created


@transaction.atomic
def deadline_close(*, actor, deadline: Deadline, waive: bool = False, reason: str = "", at=None) -> Deadline:
    """Close an open deadline: met (on time or late, decided by the clock) or waived with a reason."""
    locked = Deadline.objects.select_for_update().get(pk=deadline.pk)
    if locked.status != DeadlineStatus.OPEN:
        raise Conflict(_("Fristen er allerede lukket."), code="closed")
    when = at or timezone.now()
    if waive:
        if not (reason or "").strip():
            raise HelhedError(_("Skriv hvorfor fristen bortfalder."), field="reason")
        to_status = DeadlineStatus.WAIVED
    else:
        to_status = DeadlineStatus(policies.outcome_when_met(locked.due_at, when))
    if (locked.status, to_status) not in policies.TRANSITIONS:
        raise Conflict(_("Fristens status kan ikke ændres sådan."), code="illegal_transition")
    DeadlineStatusChange.objects.create(
        deadline=locked,
        from_status=locked.status,
        to_status=to_status,
        reason=(reason or "").strip(),
        changed_by=actor,
        changed_at=when,
    )
    locked.status, locked.closed_at = to_status, when
    locked.save(update_fields=["status", "closed_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        persons=[locked.person_id] if locked.person_id else [],
        case_id=locked.case_id,
        reason=reason,
        detail={"status": str(to_status)},
    )
    return locked


def deadline_close_for(*, actor, deadline_id, waive: bool = False, reason: str = "") -> Deadline:
    """Close a deadline the actor may work on: its case must allow writing the journal (the gatekeeper)."""
    from helhed.cases.gatekeeper import case_for
    from helhed.cases.policies import CasePerm

    from .selectors import deadline_for

    deadline = deadline_for(actor=actor, deadline_id=deadline_id)
    case_for(actor, deadline.case_id, need=CasePerm.WRITE_JOURNAL, audit_action=None)
    return deadline_close(actor=actor, deadline=deadline, waive=waive, reason=reason)


def _for_source(source):
    return Deadline.objects.filter(source_type=source._meta.label_lower, source_id=str(source.pk))


@transaction.atomic
def deadlines_attach(*, actor, source, person, case=None, owner=None) -> int:
    """Give the deadlines a source started their child, case, owner and (from the case) unit: used when the
    reception matches a report of concern to a child and case. Returns how many deadlines moved."""
    rows = list(_for_source(source).select_for_update())
    if not rows:
        return 0
    for row in rows:
        row.person = person
        if case is not None:
            row.case = case
            row.unit_id = case.responsible_unit_id
        if owner is not None and row.status == DeadlineStatus.OPEN:
            row.owner = owner
    Deadline.objects.bulk_update(rows, ["person", "case", "unit", "owner"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="deadlines.deadline",
        object_id=",".join(str(r.pk) for r in rows),
        persons=[person],
        case_id=case.pk if case is not None else None,
        detail={"attached_to": "case" if case is not None else "person"},
    )
    return len(rows)


def deadlines_meet_for(*, actor, source, rule_ids, at=None) -> list[Deadline]:
    """Mark the open deadlines `source` started under `rule_ids` as met now (on time or late by the clock):
    the event the rule waits for has happened (e.g. the assessment was recorded, the receipt was sent)."""
    closed = []
    for row in _for_source(source).filter(rule_id__in=list(rule_ids), status=DeadlineStatus.OPEN):
        closed.append(deadline_close(actor=actor, deadline=row, at=at))
    return closed

