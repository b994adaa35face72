"""Pure access rules for a case: which relation to a case gives which permissions. No ORM, no I/O.

The gatekeeper works out the actor's relation to a case (team role, role in the responsible unit,
leadership, break-the-glass) and asks `permissions()` what that relation allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from helhed.organisation.models import Role

from .models import CaseStatus, TeamRole


class CasePerm(StrEnum):
    VIEW_SUMMARY = "view_summary"
    VIEW_TEAM = "view_team"
    VIEW_SHARED = "view_shared"  # journal notes and documents shared with the team
    VIEW_JOURNAL = "view_journal"
    WRITE_JOURNAL = "write_journal"
    VIEW_DOCUMENTS = "view_documents"
    UPLOAD_DOCUMENT = "upload_document"
    MANAGE_TEAM = "manage_team"
    CHANGE_STATUS = "change_status"
    REVEAL_CPR = "reveal_cpr"


class AccessLevel(StrEnum):
    FULL = "full"
    LIMITED = "limited"


# Team roles that do the case work itself and therefore see the whole journal.
FULL_TEAM_ROLES = frozenset(
    {TeamRole.RESPONSIBLE_CASEWORKER, TeamRole.CASEWORKER, TeamRole.COUNSELLOR, TeamRole.LEADER}
)
# Roles in the case's responsible unit that give access to all its cases.
UNIT_STAFF_ROLES = frozenset({Role.CASEWORKER, Role.COUNSELLOR, Role.LEADER})
# Roles that may be put on a case team at all (analysts, administrators and the DPO never are).
TEAM_ELIGIBLE_ROLES = frozenset(
    {
        Role.CASEWORKER,
        Role.COUNSELLOR,
        Role.SCHOOL_SOCIAL_WORKER,
        Role.PROFESSIONAL,
        Role.EMPLOYMENT_ADVISER,
        Role.LEADER,
    }
)

READ_PERMS = frozenset(
    {
        CasePerm.VIEW_SUMMARY,
        CasePerm.VIEW_TEAM,
        CasePerm.VIEW_SHARED,
        CasePerm.VIEW_JOURNAL,
        CasePerm.VIEW_DOCUMENTS,
        CasePerm.REVEAL_CPR,
    }
)
LIMITED_PERMS = frozenset({CasePerm.VIEW_SUMMARY, CasePerm.VIEW_TEAM, CasePerm.VIEW_SHARED})
ALL_PERMS = frozenset(CasePerm)


@dataclass(frozen=True)
class CaseRelation:
    team_role: str | None = None  # the actor's active role on the case team
    unit_roles: frozenset[str] = frozenset()  # the actor's roles in the responsible unit
    leads_unit: bool = False  # leader of the responsible unit or of its parent unit
    break_glass: bool = False  # an unexpired break-the-glass grant
    team_unit_id: int | None = None  # the unit the actor sits on the team for
    team_administration: str | None = None  # that unit's administration


def access_level(rel: CaseRelation) -> AccessLevel | None:
    if rel.leads_unit or rel.unit_roles & UNIT_STAFF_ROLES or rel.team_role in FULL_TEAM_ROLES:
        return AccessLevel.FULL
    if rel.break_glass:
        return AccessLevel.FULL
    if rel.team_role:
        return AccessLevel.LIMITED
    return None


def permissions(rel: CaseRelation, *, status: str = CaseStatus.OPEN) -> frozenset[CasePerm]:
    """What the relation allows. Break-the-glass is read-only; a closed case takes no new entries."""
    level = access_level(rel)
    if level is None:
        return frozenset()
    if level == AccessLevel.LIMITED:
        return LIMITED_PERMS
    works_the_case = rel.leads_unit or bool(rel.unit_roles & UNIT_STAFF_ROLES) or rel.team_role in FULL_TEAM_ROLES
    if not works_the_case:  # full sight only through break-the-glass
        return READ_PERMS
    perms = set(ALL_PERMS)
    if status == CaseStatus.CLOSED:
        perms -= {CasePerm.WRITE_JOURNAL, CasePerm.UPLOAD_DOCUMENT, CasePerm.MANAGE_TEAM}
    return frozenset(perms)


def disclosure_unit(rel: CaseRelation, *, case_administration: str) -> int | None:
    """Whether what the team shares reaches this reader only through a recorded disclosure (consent or legal
    basis): a reader with limited sight who sits on the team for a unit of another administration."""
    if access_level(rel) != AccessLevel.LIMITED or rel.team_administration in (None, case_administration):
        return None
    return rel.team_unit_id


# Case status transitions: (from, to) -> name. Anything else is refused with a clear message.
TRANSITIONS: dict[tuple[str, str], str] = {
    (CaseStatus.OPEN, CaseStatus.CLOSED): "close",
    (CaseStatus.REOPENED, CaseStatus.CLOSED): "close",
    (CaseStatus.CLOSED, CaseStatus.REOPENED): "reopen",
}


def transition_allowed(from_status: str, to_status: str) -> bool:
    return (from_status, to_status) in TRANSITIONS


def journal_number(*, kle_code: str, facet: str, serial: int, year: int) -> str:
    """KLE journal number, e.g. 27.24.00-G01-5-19 (serial 5 in 2019)."""
    return f"{kle_code}-{facet}-{serial}-{year % 100:02d}"
