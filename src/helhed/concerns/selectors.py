"""Every read of reports of concern, through the concerns gatekeeper and audited.

Who sees a report: the caseworkers, counsellors and leaders of the unit that received it, and those of
the unit responsible for the child's case once the report is matched to one (leaders also of the sub-units
they lead). To anyone else a report does not exist (the same 404 as a missing one). The notifier sees
only what they wrote and the letters addressed to them (`my_reports`), never the assessment: BL § 137
limits what a notifier may learn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from helhed.cases.policies import UNIT_STAFF_ROLES
from helhed.core import audit
from helhed.core.models import AuditAction
from helhed.core.validation import fits_db_int
from helhed.organisation.models import Unit
from helhed.organisation.selectors import actor_profile

from . import policies
from .models import Concern, ConcernAssessment, ConcernAttachment, ConcernLetter, ConcernStatus

LIST_LIMIT = 200


def reception_unit_ids(actor) -> set[int]:
    """The units whose reports the actor works on: units where they are caseworker, counsellor or leader,
    the family unit above a group they work in (its reception), and the units they lead."""
    profile = actor_profile(actor)
    cached = getattr(actor, "_helhed_reception_units", None)
    if cached is not None:
        return cached
    staff = profile.unit_ids_with(UNIT_STAFF_ROLES)
    parents = (
        set(Unit.objects.filter(id__in=staff, parent__isnull=False).values_list("parent_id", flat=True))
        if staff
        else set()
    )
    units = staff | parents | set(profile.led_unit_ids)
    if getattr(actor, "pk", None):
        actor._helhed_reception_units = units
    return units


def concerns_visible_to(actor) -> QuerySet[Concern]:
    units = reception_unit_ids(actor)
    if not units:
        return Concern.objects.none()
    return Concern.objects.filter(Q(receiving_unit_id__in=units) | Q(case__responsible_unit_id__in=units))


def _pk(value) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404
    if not fits_db_int(pk):
        raise Http404
    return pk


def _with_repeats(qs: QuerySet[Concern]) -> QuerySet[Concern]:
    """Annotate how many reports about the same child (matched, or by the CPR number given) arrived in the
    year up to and including this one: subqueries, no per-row queries."""
    window = Concern.objects.filter(received_at__lte=OuterRef("received_at"))
    window = window.filter(received_at__gt=OuterRef("received_at") - timedelta(days=policies.REPEAT_WINDOW_DAYS))
    by_child = (
        window.filter(child_id=OuterRef("child_id")).order_by().values("child_id").annotate(n=Count("id")).values("n")
    )
    by_cpr = (
        window.filter(child__isnull=True, child_cpr_hash=OuterRef("child_cpr_hash"))
        .exclude(child_cpr_hash="")
        .order_by()
        .values("child_cpr_hash")
        .annotate(n=Count("id"))
        .values("n")
    )
    return qs.annotate(
        repeat_count=Coalesce(
            Subquery(by_child, output_field=IntegerField()),
            Subquery(by_cpr, output_field=IntegerField()),
            Value(1),
        )
    )


@dataclass
class ReceptionRow:
    concern: Concern
    due_at: object
    hours_left: float
    overdue: bool


def reception_list(*, actor, status: str | None = None, limit: int = LIST_LIMIT) -> list[ReceptionRow]:
    """The reception's reports: unassessed first with their 24-hour clock, acute track on top."""
    qs = concerns_visible_to(actor).select_related("receiving_unit", "child", "assigned_to", "notifier_unit")
    if status in ConcernStatus.values:
        qs = qs.filter(status=status)
    else:
        qs = qs.exclude(status=ConcernStatus.CLOSED)
    qs = _with_repeats(qs).order_by("status", "-acute_track", "received_at", "id")
    rows = list(qs[:limit])
    now = timezone.now()
    out = []
    for c in rows:
        due = c.received_at + timedelta(hours=24)
        out.append(ReceptionRow(c, due, policies.hours_left(due, now), c.status == "received" and due < now))
    if rows:
        audit.record(
            actor=actor,
            action=AuditAction.LIST,
            object_type="concerns.concern",
            persons={c.child_id for c in rows},
            detail={"view": "reception", "count": len(rows)},
        )
    return out


def concern_for(*, actor, concern_id, audit_view: str | None = "concern", lock: bool = False) -> Concern:
    """One report the actor may work on, or the same 404 as a missing one. Audited unless audit_view is None."""
    pk = _pk(concern_id)
    qs = concerns_visible_to(actor).select_related(
        "receiving_unit", "child", "case", "notifier_user", "notifier_unit", "assigned_to"
    )
    if lock:
        qs = Concern.objects.select_for_update().filter(pk__in=qs.filter(pk=pk).values("pk"))
    concern = qs.filter(pk=pk).first()
    if concern is None:
        raise Http404
    if audit_view:
        audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            obj=concern,
            persons=[concern.child_id],
            case_id=concern.case_id,
            detail={"view": audit_view},
        )
    return concern


@dataclass
class ConcernDetail:
    concern: Concern
    assessment: object
    checklist: dict
    letters: list
    attachments: list
    deadlines: list
    others: list  # other reports about the same child, newest first
    history: list


def concern_detail(*, actor, concern_id) -> ConcernDetail:
    from helhed.deadlines.selectors import deadlines_of_source

    concern = concern_for(actor=actor, concern_id=concern_id)
    assessment = ConcernAssessment.objects.filter(concern=concern).select_related("assessed_by").first()
    others_q = Q(pk__in=[])
    if concern.child_id:
        others_q = Q(child_id=concern.child_id)
    elif concern.child_cpr_hash:
        others_q = Q(child_cpr_hash=concern.child_cpr_hash)
    others = list(concerns_visible_to(actor).filter(others_q).exclude(pk=concern.pk).order_by("-received_at")[:50])
    return ConcernDetail(
        concern=concern,
        assessment=assessment,
        checklist={item.code: item for item in concern.checklist.select_related("done_by")},
        letters=list(concern.letters.all()),
        attachments=list(concern.attachments.all()),
        deadlines=deadlines_of_source(concern),
        others=others,
        history=list(concern.history.select_related("changed_by")),
    )


def my_reports(*, actor, limit: int = LIST_LIMIT) -> list[Concern]:
    """The reports the actor filed, with the letters sent to them; not the assessment (BL § 137)."""
    rows = list(
        Concern.objects.filter(notifier_user=actor)
        .select_related("receiving_unit")
        .prefetch_related(Prefetch("letters", queryset=ConcernLetter.objects.order_by("created_at")))
        .order_by("-received_at", "-id")[:limit]
    )
    if rows:
        audit.record(
            actor=actor,
            action=AuditAction.LIST,
            object_type="concerns.concern",
            persons={c.child_id for c in rows},
            detail={"view": "my_reports", "count": len(rows)},
        )
    return rows


def my_report(*, actor, concern_id) -> Concern:
    """One report the actor filed (or registered for the reception), for its receipt page; the same 404 as
    a missing one otherwise. Only what the notifier wrote and the letters to them (BL § 137)."""
    pk = _pk(concern_id)
    uid = getattr(actor, "pk", None) or 0
    concern = (
        Concern.objects.filter(pk=pk)
        .filter(Q(notifier_user_id=uid) | Q(created_by_id=uid))
        .select_related("receiving_unit")
        .prefetch_related(Prefetch("letters", queryset=ConcernLetter.objects.order_by("created_at")))
        .first()
    )
    if concern is None:
        raise Http404
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=concern,
        persons=[concern.child_id],
        detail={"view": "receipt"},
    )
    return concern


def letter_for_download(*, actor, concern_id, letter_id) -> ConcernLetter:
    """A letter: for the reception, or for the notifier it was written to."""
    pk, lpk = _pk(concern_id), _pk(letter_id)
    visible = concerns_visible_to(actor).filter(pk=pk)
    own = Concern.objects.filter(pk=pk, notifier_user_id=getattr(actor, "pk", None) or 0)
    letter = (
        ConcernLetter.objects.filter(pk=lpk, concern_id=pk)
        .filter(Q(concern__in=visible.values("pk")) | Q(concern__in=own.values("pk")))
        .select_related("concern")
        .first()
    )
    if letter is None:
        raise Http404
    audit.record(
        actor=actor,
        action=AuditAction.DOWNLOAD,
        obj=letter,
        persons=[letter.concern.child_id],
        case_id=letter.concern.case_id,
        detail={"kind": letter.kind, "sha256": letter.sha256},
    )
    return letter


def attachment_for_download(*, actor, concern_id, attachment_id) -> ConcernAttachment:
    concern = concern_for(actor=actor, concern_id=concern_id, audit_view=None)
    attachment = ConcernAttachment.objects.filter(pk=_pk(attachment_id), concern=concern).first()
    if attachment is None:
        raise Http404
    audit.record(
        actor=actor,
        action=AuditAction.DOWNLOAD,
        obj=attachment,
        persons=[concern.child_id],
        case_id=concern.case_id,
        detail={"sha256": attachment.sha256},
    )
    return attachment
