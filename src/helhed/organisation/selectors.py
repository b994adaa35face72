"""Reads of the organisation. None of this is person data about citizens, so no audit here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils import timezone

from .models import Membership, Role, Unit


@dataclass(frozen=True)
class ActorProfile:
    """What the gatekeeper needs to know about a user, loaded once per request."""

    user_id: int
    roles: frozenset[str]
    unit_ids: frozenset[int]
    led_unit_ids: frozenset[int]  # units led, including their sub-units (groups of a family unit)
    administration_codes: frozenset[str]

    def has_any_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


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
    )
    user._helhed_profile = profile
    return profile


def units_for_choice(*, kinds=None):
    qs = Unit.objects.filter(active=True).select_related("administration", "district")
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs.order_by("name")
