"""Reads of the organisation. None of this is person data about citizens, so no audit here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils import timezone

from .models import Membership, Role, Unit, User


@dataclass(frozen=True)
class ActorProfile:
    """What the gatekeeper needs to know about a user, loaded once per request."""

    user_id: int
    roles: frozenset[str]
    unit_ids: frozenset[int]
    led_unit_ids: frozenset[int]  # units led, including their sub-units (groups of a family unit)
    administration_codes: frozenset[str]
    unit_roles: frozenset[tuple[int, str]] = frozenset()  # (unit id, role) per active membership
    primary_administration: str = ""  # the administration of the user's first membership

    def has_any_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def unit_ids_with(self, roles) -> set[int]:
        """Units in which the user holds one of `roles`."""
        return {unit_id for unit_id, role in self.unit_roles if role in roles}


def active_memberships(user, on: date | None = None):
    on = on or timezone.localdate()
    return (
        Membership.objects.filter(user=user, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("unit", "unit__administration")
    )


def actor_profile(user) -> ActorProfile:
    cached = getattr(user, "_helhed_profile", None)
    if cached is not None:
        return cached
    if not getattr(user, "is_authenticated", False):
        return ActorProfile(0, frozenset(), frozenset(), frozenset(), frozenset())
    memberships = list(active_memberships(user))
    led = {m.unit_id for m in memberships if m.role == Role.LEADER}
    if led:
        # A leader of a family unit also leads its investigation and action groups.
        led |= set(Unit.objects.filter(parent_id__in=led).values_list("id", flat=True))
    profile = ActorProfile(
        user_id=user.pk,
        roles=frozenset(m.role for m in memberships),
        unit_ids=frozenset(m.unit_id for m in memberships),
        led_unit_ids=frozenset(led),
        administration_codes=frozenset(m.unit.administration.code for m in memberships),
        unit_roles=frozenset((m.unit_id, m.role) for m in memberships),
        primary_administration=memberships[0].unit.administration.code if memberships else "",
    )
    user._helhed_profile = profile
    return profile


def units_for_choice(*, kinds=None):
    qs = Unit.objects.filter(active=True).select_related("administration", "district")
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs.order_by("name")


# -- the administrator's pages and API ------------------------------------------------------------------
# Units and head counts are not personal data. Staff accounts are personal data of employees, so reads of
# them are audited (object type "organisation.user"; no citizen is concerned, so no person ids).

STAFF_PAGE_SIZE = 50


def _active_on(on: date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": on})
    )


def units_with_staff_counts(*, include_inactive: bool = True):
    """Every unit with its administration, district and parent, and how many active staff it has today."""
    from django.db.models import Count

    on = timezone.localdate()
    qs = Unit.objects.select_related("administration", "district", "parent").annotate(
        staff_count=Count(
            "memberships__user",
            filter=_active_on(on, "memberships__") & Q(memberships__user__is_active=True),
            distinct=True,
        )
    )
    if not include_inactive:
        qs = qs.filter(active=True)
    return qs.order_by("administration__code", "name")


def _staff_qs(query: str = ""):
    from django.db.models import Prefetch

    qs = User.objects.all()
    for word in (query or "").split()[:5]:
        qs = qs.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
        )
    memberships = Membership.objects.select_related("unit").order_by("-valid_from", "id")
    return qs.prefetch_related(Prefetch("memberships", queryset=memberships)).order_by(
        "first_name", "last_name", "username"
    )


def staff_search(*, actor, query: str = "", limit: int = STAFF_PAGE_SIZE, offset: int = 0) -> tuple[list, int]:
    """Staff accounts with all their memberships, matching every word of `query` in the username, the
    names or the e-mail address. Returns (one page, total). Audited with the search criterion."""
    from helhed.core import audit
    from helhed.core.errors import HelhedError
    from helhed.core.models import AuditAction
    from helhed.core.validation import MAX_OFFSET

    from .policies import Invalid, plain_text

    try:
        plain_text(query, field="q")
    except Invalid as exc:
        raise HelhedError(exc.message, field="q")
    offset = min(max(offset, 0), MAX_OFFSET)
    qs = _staff_qs(query)
    total = qs.count()
    rows = list(qs[offset : offset + limit])
    query = (query or "").strip()
    audit.record(
        actor=actor,
        action=AuditAction.SEARCH if query else AuditAction.LIST,
        object_type="organisation.user",
        criterion=query[:200],
        detail={"rows": len(rows), "total": total},
    )
    return rows, total


def user_by_username(username: str):
    """The staff account with this username, or None (for an API naming a person by username; the calling
    service checks that the account may take the role it is given)."""
    return User.objects.filter(username=username).first()


def staff_for(*, actor, user_id: int):
    """One staff account with its memberships (Http404 if there is none). Audited."""
    from django.http import Http404

    from helhed.core import audit
    from helhed.core.models import AuditAction
    from helhed.core.validation import fits_db_int

    user = _staff_qs().filter(pk=user_id).first() if fits_db_int(user_id) else None
    if user is None:
        raise Http404
    audit.record(actor=actor, action=AuditAction.VIEW, obj=user)
    return user


def responsible_open_case_count(user) -> int:
    """How many open cases have this user as their responsible caseworker (a count only; no case data).

    The organisation app does not otherwise look into cases; this one question decides whether an account
    can be closed without leaving cases without a responsible caseworker."""
    from helhed.cases.models import ACTIVE_STATUSES, TeamMember, TeamRole

    return (
        TeamMember.objects.filter(
            user=user,
            role=TeamRole.RESPONSIBLE_CASEWORKER,
            valid_to__isnull=True,
            case__status__in=ACTIVE_STATUSES,
        )
        .values("case_id")
        .distinct()
        .count()
    )


def unit_staff(unit, roles, *, with_parent: bool = False, on: date | None = None) -> list:
    """The active users holding one of `roles` in `unit` (and, with `with_parent`, in its parent unit: a family
    unit's leader leads its groups), by name. No audit: staff are not citizens' data."""

    on = on or timezone.localdate()
    unit_ids = [unit.pk] + ([unit.parent_id] if with_parent and unit.parent_id else [])
    user_ids = Membership.objects.filter(
        _active_on(on), unit_id__in=unit_ids, role__in=list(roles), user__is_active=True
    ).values("user_id")
    return list(User.objects.filter(pk__in=user_ids).order_by("first_name", "last_name", "id"))
