"""The detection gatekeeper: which schools, and so which pupils, a user works with.

A pupil's absence, alerts, screenings and class reviews are seen by the staff of the pupil's school (its school
social workers, teachers and other professionals and its leaders), by PPR staff for the schools of their
district, and, for a child with a case, by those who may see the case. Nobody else, whatever their role.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from helhed.organisation.models import Role, Unit, UnitKind
from helhed.organisation.selectors import actor_profile

SCHOOL_KINDS = (UnitKind.MUNICIPAL_SCHOOL, UnitKind.PRIVATE_SCHOOL)
SCHOOL_ROLES = frozenset({Role.SCHOOL_SOCIAL_WORKER, Role.PROFESSIONAL, Role.LEADER})


def schools_for(actor) -> QuerySet[Unit]:
    """The schools whose pupils the actor works with: schools where they hold a school role, and for PPR staff
    the schools in their PPR unit's district."""
    profile = actor_profile(actor)
    own = [unit_id for unit_id, role in profile.unit_roles if role in SCHOOL_ROLES]
    if not own:
        return Unit.objects.none()
    units = Unit.objects.filter(pk__in=own)
    ppr_districts = units.filter(kind=UnitKind.PPR).exclude(district__isnull=True).values("district_id")
    return Unit.objects.filter(kind__in=SCHOOL_KINDS).filter(Q(pk__in=own) | Q(district_id__in=ppr_districts))


def school_ids_for(actor) -> set[int]:
    cached = getattr(actor, "_helhed_detection_schools", None)
    if cached is None:
        cached = set(schools_for(actor).values_list("pk", flat=True))
        actor._helhed_detection_schools = cached
    return cached


def all_schools():
    """Every school unit (municipal and private), as a subquery of ids."""
    return Unit.objects.filter(kind__in=SCHOOL_KINDS).values("pk")


def enrolled_at(school_ids, *, on: date | None = None):
    """The person ids of pupils with an enrolment in one of `school_ids` on `on` (as a subquery)."""
    from helhed.people.models import Enrolment

    on = on or timezone.localdate()
    return (
        Enrolment.objects.filter(unit_id__in=school_ids, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .values("person_id")
    )


def current_school(person_id, *, on: date | None = None) -> Unit | None:
    """The school a pupil is enrolled at on `on` (the newest enrolment), or None."""
    from helhed.people.models import Enrolment

    on = on or timezone.localdate()
    row = (
        Enrolment.objects.filter(person_id=person_id, unit__kind__in=SCHOOL_KINDS, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("unit")
        .order_by("-valid_from", "-id")
        .first()
    )
    return row.unit if row else None


def can_see_pupil(actor, person_id, *, school_id: int | None = None) -> bool:
    """Whether the actor works with this pupil: at the pupil's school (today, or `school_id`, the school an
    alert or review names), or on a case of the child they may see."""
    from helhed.cases.gatekeeper import cases_visible_to

    schools = school_ids_for(actor)
    if schools:
        if school_id is not None and school_id in schools:
            return True
        if enrolled_at(schools).filter(person_id=person_id).exists():
            return True
    return cases_visible_to(actor).filter(child_id=person_id).exists()
