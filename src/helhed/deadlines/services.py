"""Every write of deadlines: start the deadlines an event triggers, close one (met, late or waived), and send
and stamp the overdue notices."""

from __future__ import annotations

import logging
import operator
from collections import defaultdict
from datetime import date, datetime, timedelta
from functools import reduce
from typing import Any

from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from helhed.core import audit
from helhed.core.errors import Conflict, HelhedError
from helhed.core.http import absolute_link
from helhed.core.i18n import record_language
from helhed.core.models import AuditAction

from . import policies
from .models import ComplianceCount, ComplianceSnapshot, Deadline, DeadlineStatus, DeadlineStatusChange
from .rules import Notifier, Trigger

log = logging.getLogger(__name__)


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
    due_on: date | None = None,
    due_reason: str = "",
) -> list[Deadline]:
    """Start every deadline `trigger` sets off for the person (and case). Idempotent per source object.

    `person` may be None for a report of concern about a child not yet identified; `deadlines_attach` gives
    the deadlines their child and case once the reception has matched the report. `due_on` (with `due_reason`)
    sets an earlier due than the rule's latest, e.g. the next plan review chosen at a review."""
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
                rule_id,
                at=at,
                birth_date=birth_date or getattr(person, "birth_date", None),
                placed=placed,
                chosen=due_on,
                reason=due_reason,
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
        compliance_mark_stale([d.due_at for d in created])
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="deadlines.deadline",
            object_id=",".join(str(d.pk) for d in created),
            persons=[person],
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
    compliance_mark_stale([locked.due_at])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        persons=[locked.person_id],
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
    if case is not None:  # the unit that owes them may have changed
        compliance_mark_stale([r.due_at for r in rows])
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


def deadlines_meet_on_case(*, actor, case, rule_ids, at=None) -> list[Deadline]:
    """Mark the case's open deadlines under `rule_ids` as met now (on time or late by the clock), whatever
    started them: e.g. an approved plan meets `plan.create`, a review meets `plan.first_review`/`plan.review`."""
    closed = []
    rows = Deadline.objects.filter(case=case, rule_id__in=list(rule_ids), status=DeadlineStatus.OPEN).order_by("id")
    for row in rows:
        closed.append(deadline_close(actor=actor, deadline=row, at=at))
    return closed


# -- overdue notices ----------------------------------------------------------------------------------------
# The nightly job (`helhed deadlines notify-overdue`, or the task `deadlines.tasks.notify_overdue_task`) tells
# the owner once when a deadline has passed, and the unit's leaders once when it is still open more than two
# working days later. The e-mails name no child and no CPR number: only the case's journal number, the rule and
# the due date, and where to look in Helhed. A notice is stamped on the deadline in the same transaction that
# sends it, so each is sent at most once; one that cannot be sent rolls back and is tried again next run.


def _due_text(deadline: Deadline) -> str:
    due = timezone.localtime(deadline.due_at, policies.COPENHAGEN)
    return f"{due:%d.%m.%Y}" if deadline.due_is_date else f"{due:%d.%m.%Y %H:%M}"


def _notice_line(deadline: Deadline, *, with_owner: bool = False) -> str:
    where = (
        _("Sag %(journal)s") % {"journal": deadline.case.journal_number}
        if deadline.case_id and deadline.case
        else _("Uden sag endnu")
    )
    line = _("- %(where)s: %(title)s (%(law)s %(paragraph)s), frist %(due)s") % {
        "where": where,
        "title": deadline.title,
        "law": deadline.law,
        "paragraph": deadline.paragraph,
        "due": _due_text(deadline),
    }
    if with_owner:
        owner = deadline.owner.get_full_name() or deadline.owner.username if deadline.owner else _("ingen ejer")
        line += _(", ejer: %(owner)s") % {"owner": owner}
    return line


def _privacy_note() -> str:
    return _(
        "Af hensyn til barnet står der hverken navn eller CPR-nummer i denne e-mail. Log ind i Helhed for at se sagen."
    )


def _owner_mail(rows: list[Deadline]) -> tuple[str, str]:
    n = len(rows)
    subject = ngettext("Helhed: en frist er overskredet", "Helhed: %(n)s frister er overskredet", n) % {"n": n}
    body = "\n".join(
        [
            ngettext(
                "Denne frist, som du er ejer af i Helhed, er overskredet:",
                "Disse frister, som du er ejer af i Helhed, er overskredet:",
                n,
            ),
            "",
            *[_notice_line(d) for d in rows],
            "",
            _("Se under Mine frister: %(link)s") % {"link": absolute_link(reverse("deadlines:mine"))},
            "",
            _privacy_note(),
            "",
            _("Venlig hilsen"),
            "Helhed",
        ]
    )
    return subject, body


def _leader_mail(unit_name: str, rows: list[Deadline]) -> tuple[str, str]:
    days, n = policies.LEADER_NOTICE_WORKING_DAYS, len(rows)
    subject = ngettext(
        "Helhed: en frist i %(unit)s er overskredet i mere end %(days)s hverdage",
        "Helhed: %(n)s frister i %(unit)s er overskredet i mere end %(days)s hverdage",
        n,
    ) % {"n": n, "unit": unit_name, "days": days}
    body = "\n".join(
        [
            ngettext(
                "Denne frist i %(unit)s er stadig åben mere end %(days)s hverdage efter fristen:",
                "Disse frister i %(unit)s er stadig åbne mere end %(days)s hverdage efter fristen:",
                n,
            )
            % {"unit": unit_name, "days": days},
            "",
            *[_notice_line(d, with_owner=True) for d in rows],
            "",
            _("Se under Teamets frister: %(link)s") % {"link": absolute_link(reverse("deadlines:team"))},
            "",
            _privacy_note(),
            "",
            _("Venlig hilsen"),
            "Helhed",
        ]
    )
    return subject, body


def _deliverable(user) -> bool:
    return bool(user is not None and user.is_active and (user.email or "").strip())


class NoticeNotSent(Exception):
    """Not one of a batch's e-mails could be sent: the batch rolls back unstamped."""


def _record_notice(
    *, actor, rows: list[Deadline], notice: str, recipients: list[str], refused: list[str] | None = None
) -> None:
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="deadlines.deadline",
        object_id=",".join(str(d.pk) for d in rows),
        persons={d.person_id for d in rows if d.person_id},
        detail={
            "notice": notice,
            "count": len(rows),
            "recipients": recipients,
            **({"refused": refused} if refused else {}),
            "by": getattr(actor, "username", "") or "system",
        },
    )


def _pending_owner_notices(now: datetime):
    return Deadline.objects.filter(status=DeadlineStatus.OPEN, due_at__lt=now, owner_notified_at__isnull=True)


@transaction.atomic
def _notify_owner(*, actor, owner_id: int | None, now: datetime) -> int:
    """One owner's overdue deadlines not yet noticed: one e-mail listing them, and the stamps."""
    rows = list(
        _pending_owner_notices(now)
        .filter(owner_id=owner_id)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("case", "owner")
        .order_by("due_at", "id")
    )
    if not rows:
        return 0
    owner = rows[0].owner
    recipients: list[str] = []
    if _deliverable(owner):
        with translation.override("da"):
            subject, body = _owner_mail(rows)
        send_mail(subject, body, None, [owner.email])
        recipients = [owner.username]
    Deadline.objects.filter(pk__in=[d.pk for d in rows]).update(owner_notified_at=now)
    _record_notice(actor=actor, rows=rows, notice="owner", recipients=recipients)
    return len(rows)


def _unit_leaders(unit_ids, *, on) -> dict[int, list]:
    """The active leaders of each unit, and of its parent unit (a family unit's leader leads its groups)."""
    from helhed.organisation.models import Membership, Role, Unit

    parents = dict(Unit.objects.filter(pk__in=list(unit_ids)).values_list("id", "parent_id"))
    wanted = set(parents) | {p for p in parents.values() if p}
    memberships = (
        Membership.objects.filter(role=Role.LEADER, unit_id__in=wanted, valid_from__lte=on, user__is_active=True)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("user")
        .order_by("user_id")
    )
    by_unit: dict[int, dict[int, Any]] = defaultdict(dict)
    for m in memberships:
        by_unit[m.unit_id][m.user_id] = m.user
    out: dict[int, list] = {}
    for unit_id, parent_id in parents.items():
        leaders = {**by_unit.get(unit_id, {}), **(by_unit.get(parent_id, {}) if parent_id else {})}
        out[unit_id] = [leaders[k] for k in sorted(leaders)]
    return out


@transaction.atomic
def _notify_leaders(*, actor, unit_id: int | None, ids: list[int], leaders: list, now: datetime) -> int:
    """One unit's deadlines overdue by more than two working days: one e-mail to each leader, and the stamps."""
    rows = list(
        Deadline.objects.filter(pk__in=ids, status=DeadlineStatus.OPEN, leader_notified_at__isnull=True)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("case", "owner", "unit")
        .order_by("due_at", "id")
    )
    if not rows:
        return 0
    deliverable = [u for u in leaders if _deliverable(u)]
    sent: list[str] = []
    refused: list[str] = []
    if deliverable:
        with translation.override("da"):
            subject, body = _leader_mail(rows[0].unit.name if rows[0].unit else _("ingen enhed"), rows)
        connection = get_connection()
        for leader in deliverable:
            # One e-mail per leader: a refused address must not make the others' notices go again tomorrow.
            try:
                connection.send_messages([EmailMessage(subject, body, None, [leader.email])])
            except Exception:  # an SMTP error of any kind
                log.exception("overdue notice to a leader (user %s) could not be sent", leader.pk)
                refused.append(leader.username)
            else:
                sent.append(leader.username)
        if not sent:
            raise NoticeNotSent("no leader's notice could be sent")  # rolls back; tried again next run
    Deadline.objects.filter(pk__in=[d.pk for d in rows]).update(leader_notified_at=now)
    _record_notice(actor=actor, rows=rows, notice="leader", recipients=sent, refused=refused)
    return len(rows)


def _send_batch(send, **kw) -> tuple[int, int]:
    """Run one recipient's batch (its own transaction). A batch whose e-mail cannot be sent rolls back
    unstamped and is logged; the others go on, so one refused address cannot hold back everyone's notices.
    Returns (stamped, failed)."""
    try:
        return send(**kw), 0
    except Exception:  # an SMTP error of any kind: retried next run
        log.exception("overdue notice could not be sent; it is tried again on the next run")
        return 0, 1


def notify_overdue(*, actor=None, now: datetime | None = None, calendar=None) -> dict[str, int]:
    """Send the overdue notices that are due and stamp them: to each owner once per deadline past due, and to
    the unit's leaders once per deadline still open more than two working days after it fell due. A deadline
    whose owner (or unit) has nobody with an e-mail address is stamped and counted all the same, so it is not
    looked at again every night. `actor=None` is the system (the nightly job): its audit events carry no user
    and `"by": "system"`. Returns {"owner_notices": n, "leader_notices": m} (deadlines stamped), plus
    "failed": k (e-mails that could not be sent and wait for the next run) when k > 0."""
    now = now or timezone.now()
    owner_ids = set(_pending_owner_notices(now).values_list("owner_id", flat=True).distinct())
    owner_notices = failed = 0
    for owner_id in sorted(owner_ids, key=lambda pk: (pk is None, pk or 0)):
        stamped, fail = _send_batch(_notify_owner, actor=actor, owner_id=owner_id, now=now)
        owner_notices, failed = owner_notices + stamped, failed + fail
    # Working days cannot be counted in SQL: take those at least two calendar days late, then ask the calendar.
    candidates = Deadline.objects.filter(
        status=DeadlineStatus.OPEN, due_at__lt=now - timedelta(days=2), leader_notified_at__isnull=True
    ).values_list("id", "due_at", "unit_id")
    by_unit: dict[int | None, list[int]] = defaultdict(list)
    for pk, due_at, unit_id in candidates:
        if now >= policies.leader_notice_from(due_at, calendar):
            by_unit[unit_id].append(pk)
    # Who leads a unit is asked for today, when the e-mail goes (`now` may be another moment in tests).
    leaders = _unit_leaders([u for u in by_unit if u is not None], on=timezone.localdate())
    leader_notices = 0
    for owing in sorted(by_unit, key=lambda pk: (pk is None, pk or 0)):
        stamped, fail = _send_batch(
            _notify_leaders,
            actor=actor,
            unit_id=owing,
            ids=by_unit[owing],
            leaders=leaders.get(owing, []) if owing is not None else [],
            now=now,
        )
        leader_notices, failed = leader_notices + stamped, failed + fail
    summary = {"owner_notices": owner_notices, "leader_notices": leader_notices}
    if failed:
        summary["failed"] = failed
    return summary


@transaction.atomic
def deadlines_set_owner(*, actor, source, owner) -> int:
    """Make `owner` the owner of the open deadlines `source` started (a reception worker takes a report)."""
    ids = list(_for_source(source).filter(status=DeadlineStatus.OPEN).values_list("pk", flat=True))
    if ids:
        Deadline.objects.filter(pk__in=ids).update(owner=owner)
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="deadlines.deadline",
            object_id=",".join(str(i) for i in ids),
            detail={"owner": owner.pk},
        )
    return len(ids)


# -- stored compliance counts (ADR 0010) --------------------------------------------------------------------
# The compliance report reads the counts of ended months and quarters from `ComplianceCount` and counts only
# the rest live. Every write of a deadline that has fallen due in a bucket that has begun deletes that
# bucket's snapshot in the writer's transaction; the nightly refresh stores it again. On PostgreSQL a writer
# holds a shared advisory lock from its invalidation until it commits and the refresh takes it exclusively
# before it counts, so no write can slip between the refresh's count and its snapshot. SQLite runs one
# write transaction at a time (IMMEDIATE), which gives the same guarantee.

_COMPLIANCE_LOCK = 0x48454C48_0003  # any fixed key; "HELH" and this app's migration number


def _compliance_lock(*, exclusive: bool) -> None:
    if connection.vendor == "postgresql":
        function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s)", [_COMPLIANCE_LOCK])


def compliance_mark_stale(due_ats, *, now: datetime | None = None) -> int:
    """Forget the stored counts of the months and quarters the deadlines `due_ats` fall due in (those that
    have begun; nothing is stored for the future). Call it in the transaction that writes the deadlines.
    Returns how many snapshots were deleted."""
    keys = policies.started_buckets(due_ats, now or timezone.now())
    if not keys:
        return 0
    _compliance_lock(exclusive=False)
    which = reduce(operator.or_, (Q(period=period, bucket=key) for period, key in sorted(keys)))
    deleted, _detail = ComplianceSnapshot.objects.filter(which).delete()
    return deleted


def compliance_refresh(*, actor=None, now: datetime | None = None) -> dict[str, int]:
    """Count and store every ended month and quarter that has no snapshot, from the first deadline's month:
    one transaction per bucket. Idempotent; the nightly job runs it (`helhed deadlines refresh-compliance`, or
    the task `deadlines.tasks.compliance_refresh_task`). Returns {"buckets": n, "cells": m}."""
    now = now or timezone.now()
    first_due = Deadline.objects.aggregate(first=Min("due_at"))["first"]
    buckets = cells = 0
    if first_due is not None:
        this_month = policies.local(now).date().replace(day=1)
        for period in policies.Period:
            spans = [
                span
                for span in policies.bucket_spans(policies.local(first_due).date(), this_month, period)
                if span[2] <= now
            ]
            stored = set(ComplianceSnapshot.objects.filter(period=period).values_list("bucket", flat=True))
            for span in spans:
                if span[0] not in stored:
                    cells += _compliance_store(period, span, now)
                    buckets += 1
    if buckets:
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="deadlines.compliance",
            detail={"view": "compliance_refresh", "buckets": buckets, "cells": cells},
        )
    return {"buckets": buckets, "cells": cells}


@transaction.atomic
def _compliance_store(period: policies.Period, span: tuple[str, datetime, datetime], now: datetime) -> int:
    from .selectors import compliance_counts

    _compliance_lock(exclusive=True)
    rows = compliance_counts(period, [span], now)
    ComplianceCount.objects.filter(period=period, bucket=span[0]).delete()
    ComplianceCount.objects.bulk_create([ComplianceCount(period=period, **row) for row in rows], batch_size=1000)
    ComplianceSnapshot.objects.update_or_create(period=period, bucket=span[0], defaults={"computed_at": now})
    return len(rows)
