"""The permission map: every URL declares which permission it needs (ADR 0003).

Role-level permissions say what kind of work a user does. Whether a user may see a *particular* case is
decided by the case gatekeeper (`helhed.cases.gatekeeper`) on top of this. A sweep test walks every URL
pattern and every API operation and fails if one does not declare a permission from this map.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied

from helhed.organisation.models import Role


class Perm(StrEnum):
    PUBLIC = "public"  # no login: the login page, static health check
    AUTHENTICATED = "authenticated"  # any logged-in user: home, own profile, logout
    CASE_WORK = (
        "case_work"  # take part in case work (team member or case-owning unit); case gatekeeper decides the rest
    )
    CASE_CREATE = "case_create"
    PERSON_SEARCH = "person_search"
    PERSON_CREATE = "person_create"
    PERSON_MERGE = "person_merge"
    BREAK_GLASS = "break_glass"
    CONCERN_REPORT = "concern_report"  # file a report of concern from inside Helhed (partner staff)
    CONCERN_RECEIVE = "concern_receive"  # the reception: assess, match and answer reports of concern
    AUDIT_READ = "audit_read"  # data protection officer
    ORGANISATION_ADMIN = "organisation_admin"  # units, staff accounts and memberships; never children's data
    COMPLIANCE_READ = "compliance_read"  # deadline compliance in aggregate (the units in the user's scope)
    COUNSELLING = "counselling"  # open, anonymous counselling (the courses of the user's own counselling units)
    FAMILY_VIEW = "family_view"  # a custody holder's read-only view of their own child (parent accounts only)
    OFFER_VIEW = "offer_view"  # the intervention catalogue, occupancy and waiting-list lengths (no person data)
    OFFER_ADMIN = "offer_admin"  # maintain the catalogue (offers, providers, funding) and the budgets
    VISITATION = "visitation"  # decide applications for offers (leaders; the case gatekeeper decides the rest)
    ECONOMY_READ = "economy_read"  # the cost forecast against budget and the catalogue's reports (sums only)
    # Early detection (issue 6). Which pupils a user sees is decided by the detection gatekeeper (their schools).
    DETECTION = "detection"  # absence alerts and their follow-up, screenings, class reviews
    ABSENCE_IMPORT = "absence_import"  # import absence files from the schools' systems (no pupil data shown)
    DETECTION_ADMIN = "detection_admin"  # screening instruments and which schools run the screening pilot
    DETECTION_STATS = "detection_stats"  # children without a school per district, the pilot evaluation (counts)


_CASE_STAFF = {Role.CASEWORKER, Role.COUNSELLOR, Role.LEADER}
_CONCERN_RECEPTION = frozenset({Perm.CONCERN_REPORT, Perm.CONCERN_RECEIVE})
_COUNSELLING = frozenset({Perm.COUNSELLING})
_OFFERS = frozenset({Perm.OFFER_VIEW})
_DETECTION = frozenset({Perm.DETECTION})
ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.CASEWORKER: frozenset(
        {
            Perm.CASE_WORK,
            Perm.CASE_CREATE,
            Perm.PERSON_SEARCH,
            Perm.PERSON_CREATE,
            Perm.PERSON_MERGE,
            Perm.BREAK_GLASS,
            Perm.COMPLIANCE_READ,
        }
    )
    | _CONCERN_RECEPTION
    | _COUNSELLING
    | _OFFERS
    | _DETECTION,
    Role.COUNSELLOR: frozenset(
        {Perm.CASE_WORK, Perm.CASE_CREATE, Perm.PERSON_SEARCH, Perm.PERSON_CREATE, Perm.CONCERN_REPORT}
    )
    | _COUNSELLING
    | _OFFERS,
    Role.LEADER: frozenset(
        {
            Perm.CASE_WORK,
            Perm.CASE_CREATE,
            Perm.PERSON_SEARCH,
            Perm.PERSON_CREATE,
            Perm.PERSON_MERGE,
            Perm.BREAK_GLASS,
            Perm.COMPLIANCE_READ,
            Perm.OFFER_ADMIN,
            Perm.VISITATION,
            Perm.ECONOMY_READ,
            Perm.ABSENCE_IMPORT,
            Perm.DETECTION_STATS,
        }
    )
    | _CONCERN_RECEPTION
    | _COUNSELLING
    | _OFFERS
    | _DETECTION,
    Role.SCHOOL_SOCIAL_WORKER: frozenset({Perm.CASE_WORK, Perm.CONCERN_REPORT}) | _OFFERS | _DETECTION,
    Role.PROFESSIONAL: frozenset({Perm.CASE_WORK, Perm.CONCERN_REPORT}) | _OFFERS | _DETECTION,
    Role.EMPLOYMENT_ADVISER: frozenset({Perm.CASE_WORK, Perm.CONCERN_REPORT}) | _OFFERS,
    # Aggregates only, never a person.
    Role.ANALYST: frozenset({Perm.COMPLIANCE_READ, Perm.ECONOMY_READ, Perm.DETECTION_STATS}) | _OFFERS,
    # The organisation, users, the catalogue and budgets, absence imports, screening instruments; never
    # children's data.
    Role.ADMINISTRATOR: frozenset(
        {Perm.ORGANISATION_ADMIN, Perm.OFFER_ADMIN, Perm.ABSENCE_IMPORT, Perm.DETECTION_ADMIN}
    )
    | _OFFERS,
    Role.DPO: frozenset({Perm.AUDIT_READ}),
}

# Roles whose users must use a second factor outside demo mode.
MFA_REQUIRED_ROLES = frozenset({Role.LEADER, Role.ADMINISTRATOR, Role.DPO})


def perms_for_roles(roles) -> frozenset[Perm]:
    out: set[Perm] = {Perm.AUTHENTICATED}
    for role in roles:
        out |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(out)


# Principals who are not staff (the parents' view, ADR 0014). An app that logs such a principal in registers a
# function user -> permissions (or None) in its AppConfig.ready(), so core imports no domain app. It is asked only
# about a user without any staff role, what it grants replaces the role permissions, and it can grant nothing
# but these: a staff permission never reaches a parent, and a parent's permission never reaches staff.
PRINCIPAL_PERMISSIONS = frozenset({Perm.FAMILY_VIEW})
_principal_providers: list[Callable[[Any], frozenset[Perm] | None]] = []


def register_principal_perms(provider: Callable[[Any], frozenset[Perm] | None]) -> None:
    if provider not in _principal_providers:
        _principal_providers.append(provider)


def perms_for_user(user) -> frozenset[Perm]:
    """Everything a logged-in user may do by role (or, for a principal without staff roles, what its app grants);
    loaded once per request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_helhed_perms", None)
    if cached is not None:
        return cached
    from helhed.organisation.selectors import actor_profile

    roles = actor_profile(user).roles
    perms = perms_for_roles(roles)
    if not roles:
        for provider in _principal_providers:
            granted = provider(user)
            if granted is not None:
                perms = frozenset({Perm.AUTHENTICATED}) | (granted & PRINCIPAL_PERMISSIONS)
                break
    user._helhed_perms = perms
    return perms


def user_has_perm(user, perm: Perm) -> bool:
    if perm == Perm.PUBLIC:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return perm in perms_for_user(user)


def requires(perm: Perm):
    """Declare and enforce the permission a view needs. Public views also skip the login requirement."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not user_has_perm(request.user, perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.helhed_permission = perm  # type: ignore[attr-defined]
        if perm == Perm.PUBLIC:
            wrapped = login_not_required(wrapped)
        return wrapped

    return decorator
