"""The permission map: every URL declares which permission it needs (ADR 0003).

Role-level permissions say what kind of work a user does. Whether a user may see a *particular* case is
decided by the case gatekeeper (`helhed.cases.gatekeeper`) on top of this. A sweep test walks every URL
pattern and every API operation and fails if one does not declare a permission from this map.
"""

from __future__ import annotations

from enum import StrEnum
from functools import wraps

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


_CASE_STAFF = {Role.CASEWORKER, Role.COUNSELLOR, Role.LEADER}
_CONCERN_RECEPTION = frozenset({Perm.CONCERN_REPORT, Perm.CONCERN_RECEIVE})
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
    | _CONCERN_RECEPTION,
    Role.COUNSELLOR: frozenset(
        {Perm.CASE_WORK, Perm.CASE_CREATE, Perm.PERSON_SEARCH, Perm.PERSON_CREATE, Perm.CONCERN_REPORT}
    ),
    Role.LEADER: frozenset(
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
    | _CONCERN_RECEPTION,
    Role.SCHOOL_SOCIAL_WORKER: frozenset({Perm.CASE_WORK, Perm.CONCERN_REPORT}),
    Role.PROFESSIONAL: frozenset({Perm.CASE_WORK, Perm.CONCERN_REPORT}),
    Role.EMPLOYMENT_ADVISER: frozenset({Perm.CASE_WORK, Perm.CONCERN_REPORT}),
    Role.ANALYST: frozenset({Perm.COMPLIANCE_READ}),  # aggregates only, never a person
    Role.ADMINISTRATOR: frozenset({Perm.ORGANISATION_ADMIN}),  # organisation and users, never children's data
    Role.DPO: frozenset({Perm.AUDIT_READ}),
}

# Roles whose users must use a second factor outside demo mode.
MFA_REQUIRED_ROLES = frozenset({Role.LEADER, Role.ADMINISTRATOR, Role.DPO})


def perms_for_roles(roles) -> frozenset[Perm]:
    out: set[Perm] = {Perm.AUTHENTICATED}
    for role in roles:
        out |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(out)


def user_has_perm(user, perm: Perm) -> bool:
    if perm == Perm.PUBLIC:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    from helhed.organisation.selectors import actor_profile

    return perm in perms_for_roles(actor_profile(user).roles)


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
