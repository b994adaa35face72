"""Reads of open, anonymous counselling, audited. A unit's courses are seen only by its counsellors, caseworkers
and leaders and by the leaders of its parent unit; to anyone else a course does not exist (the same 404 as a
course id never used). A course carries no person until it is converted; after that its events name the child.
Whether a reader sees the case a course became (and the consent, which names a family member) is the case
gatekeeper's decision."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Max, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from helhed.cases.gatekeeper import cases_visible_to
from helhed.cases.policies import UNIT_STAFF_ROLES
from helhed.core import audit
from helhed.core.models import AuditAction
from helhed.core.validation import as_pk
from helhed.organisation.models import CASE_OWNING_KINDS, Role, Unit, UnitKind
from helhed.organisation.selectors import actor_profile, unit_staff

from . import policies
from .models import (
    AgeBand,
    AnonymousCounselling,
    CounsellingContact,
    CounsellingStatus,
    CounsellingStatusChange,
    CounsellingTopic,
    Topic,
)

LIST_LIMIT = 200
COURSE_ROLES = frozenset({Role.COUNSELLOR, Role.CASEWORKER, Role.LEADER})
OBJECT_TYPE = "counselling.anonymouscounselling"


def accessible_unit_ids(actor) -> set[int]:
    """The units whose courses the actor may see and write: staff (counsellor, caseworker, leader) of the unit, or
    leader of it or of its parent unit."""
    profile = actor_profile(actor)
    return profile.unit_ids_with(COURSE_ROLES) | set(profile.led_unit_ids)


def counselling_units(actor) -> list[Unit]:
    """The open counselling units where the actor may record a course."""
    ids = accessible_unit_ids(actor)
    if not ids:
        return []
    return list(Unit.objects.filter(pk__in=sorted(ids), kind=UnitKind.OPEN_COUNSELLING, active=True).order_by("name"))


def conversion_units(actor) -> list[Unit]:
    """The case-owning units the actor can open a case in and then write its journal: staff or leader there."""
    profile = actor_profile(actor)
    ids = profile.unit_ids_with(UNIT_STAFF_ROLES) | set(profile.led_unit_ids)
    if not ids:
        return []
    return list(Unit.objects.filter(pk__in=sorted(ids), kind__in=CASE_OWNING_KINDS, active=True).order_by("name"))


def responsible_candidates(units: list[Unit]) -> list:
    """Staff who can be the responsible caseworker of a case in one of `units` (no audit: staff are not citizens'
    data)."""
    seen: dict[int, object] = {}
    for unit in units:
        for user in unit_staff(unit, [Role.CASEWORKER, Role.COUNSELLOR, Role.LEADER]):
            seen.setdefault(user.pk, user)
    return sorted(seen.values(), key=lambda u: (u.first_name, u.last_name, u.pk))


def counselling_visible_to(actor) -> QuerySet[AnonymousCounselling]:
    ids = accessible_unit_ids(actor)
    if not ids:
        return AnonymousCounselling.objects.none()
    return AnonymousCounselling.objects.filter(unit_id__in=sorted(ids))


def _persons(course: AnonymousCounselling) -> list[int]:
    """After conversion a course is about the child of its case."""
    return [course.case.child_id] if course.case_id and course.case is not None else []


def counselling_for(actor, counselling_id, *, lock: bool = False) -> AnonymousCounselling:
    """One course for the actor; Http404 if it does not exist or the actor may not see it. No audit (the caller
    records its own event)."""
    qs = AnonymousCounselling.objects.select_related("unit", "counsellor", "case")
    if lock:
        qs = qs.select_for_update(of=("self",))
    course = qs.filter(pk=as_pk(counselling_id)).first()
    if course is None:
        raise Http404
    profile = actor_profile(actor)
    if not policies.may_access(
        course.unit_id, staff_unit_ids=profile.unit_ids_with(COURSE_ROLES), led_unit_ids=profile.led_unit_ids
    ):
        raise Http404
    return course


@dataclass
class CounsellingList:
    rows: Sequence[AnonymousCounselling]
    units: list[Unit]
    limit: int


def counselling_list(
    *, actor, status: str | None = CounsellingStatus.OPEN, age_band: str | None = None, topic: str | None = None
) -> CounsellingList:
    """The courses of the actor's units, newest first, filtered by status ("" or None: every status), age band and
    topic. Unknown filter values are ignored. Audited as a list (with the children of converted courses)."""
    qs = counselling_visible_to(actor)
    if status in CounsellingStatus.values:
        qs = qs.filter(status=status)
    if age_band in AgeBand.values:
        qs = qs.filter(age_band=age_band)
    if topic in Topic.values:
        qs = qs.filter(topics__topic=topic)
    rows = list(
        qs.select_related("unit", "counsellor", "case")
        .prefetch_related(Prefetch("topics", queryset=CounsellingTopic.objects.order_by("id")))
        .annotate(contact_count=Count("contacts", distinct=True), last_contact_on=Max("contacts__occurred_on"))
        .order_by("-opened_at", "-id")[:LIST_LIMIT]
    )
    audit.record(
        actor=actor,
        action=AuditAction.LIST,
        object_type=OBJECT_TYPE,
        persons={p for row in rows for p in _persons(row)},
        detail={
            "view": "counselling_list",
            "count": len(rows),
            "filters": {"status": status or "", "age_band": age_band or "", "topic": topic or ""},
        },
    )
    return CounsellingList(rows=rows, units=counselling_units(actor), limit=LIST_LIMIT)


@dataclass
class CounsellingDetail:
    course: AnonymousCounselling
    topics: list[CounsellingTopic]
    contacts: list[CounsellingContact]
    history: list[CounsellingStatusChange]
    case_visible: bool  # whether the reader may see the case the course became (and so the consent)


def counselling_detail(*, actor, counselling_id) -> CounsellingDetail:
    course = counselling_for(actor, counselling_id)
    case_visible = course.case_id is not None and cases_visible_to(actor).filter(pk=course.case_id).exists()
    detail = CounsellingDetail(
        course=course,
        topics=list(course.topics.order_by("id")),
        contacts=list(course.contacts.select_related("recorded_by").order_by("occurred_on", "id")),
        history=list(course.history.select_related("changed_by").order_by("changed_at", "id")),
        case_visible=case_visible,
    )
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=course,
        persons=_persons(course),
        case_id=course.case_id if case_visible else None,
        detail={"view": "counselling", "contacts": len(detail.contacts)},
    )
    return detail


def visible_case_ids(actor, courses) -> set[int]:
    """The ids of the cases `courses` became that the reader may see (one query; the case gatekeeper decides)."""
    ids = sorted({c.case_id for c in courses if c.case_id})
    if not ids:
        return set()
    return set(cases_visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))


@dataclass
class Statistics:
    units: list[Unit]
    since: object
    total: int
    by_topic: list[tuple[str, str, int]]  # (value, label, count) for every topic
    by_age_band: list[tuple[str, str, int]]
    converted: int


def counselling_statistics(*, actor, months: int = 12) -> Statistics:
    """How many courses the actor's counselling units opened in the last `months` months, by topic and by age
    band, and how many became cases. Counts only (no course, no person); the look is audited all the same."""
    units = counselling_units(actor)
    since = timezone.now() - timedelta(days=round(months * 365.25 / 12))
    qs = AnonymousCounselling.objects.filter(unit__in=units, opened_at__gte=since)
    total = qs.count()
    converted = qs.filter(status=CounsellingStatus.CONVERTED).count()
    topic_counts = dict(
        CounsellingTopic.objects.filter(counselling__in=qs)
        .values("topic")
        .annotate(n=Count("id"))
        .values_list("topic", "n")
    )
    band_counts = dict(qs.values("age_band").annotate(n=Count("id")).values_list("age_band", "n"))
    audit.record(
        actor=actor,
        action=AuditAction.LIST,
        object_type="counselling.statistics",
        detail={"units": [u.pk for u in units], "months": months, "total": total},
    )
    return Statistics(
        units=units,
        since=since,
        total=total,
        by_topic=[(value, str(label), topic_counts.get(value, 0)) for value, label in Topic.choices],
        by_age_band=[(value, str(label), band_counts.get(value, 0)) for value, label in AgeBand.choices],
        converted=converted,
    )
