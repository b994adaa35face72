"""Pure access rules and status table of a case. No database: these tests must run without the `db` fixture."""

from __future__ import annotations

import itertools

import pytest

from helhed.cases import policies
from helhed.cases.models import CaseStatus, TeamRole
from helhed.cases.policies import (
    ALL_PERMS,
    LIMITED_PERMS,
    READ_PERMS,
    TRANSITIONS,
    AccessLevel,
    CasePerm,
    CaseRelation,
    access_level,
    journal_number,
    permissions,
    transition_allowed,
)
from helhed.organisation.models import Role

WRITE_PERMS = {CasePerm.WRITE_JOURNAL, CasePerm.UPLOAD_DOCUMENT, CasePerm.MANAGE_TEAM, CasePerm.CHANGE_STATUS}
CLOSED_REMOVES = {CasePerm.WRITE_JOURNAL, CasePerm.UPLOAD_DOCUMENT, CasePerm.MANAGE_TEAM}

FULL_TEAM = [TeamRole.RESPONSIBLE_CASEWORKER, TeamRole.CASEWORKER, TeamRole.COUNSELLOR, TeamRole.LEADER]
LIMITED_TEAM = [r for r in TeamRole if r not in FULL_TEAM]
UNIT_STAFF = [Role.CASEWORKER, Role.COUNSELLOR, Role.LEADER]
NOT_UNIT_STAFF = [r for r in Role if r not in UNIT_STAFF]


def test_constants_are_consistent():
    # The limited set is a strict subset of what may be read; reading never includes a write.
    assert LIMITED_PERMS < READ_PERMS < ALL_PERMS
    assert not (READ_PERMS & WRITE_PERMS)
    assert CasePerm.VIEW_JOURNAL not in LIMITED_PERMS
    assert CasePerm.VIEW_DOCUMENTS not in LIMITED_PERMS
    assert CasePerm.REVEAL_CPR not in LIMITED_PERMS
    assert frozenset(CasePerm) == ALL_PERMS
    # Analysts, administrators and the DPO never sit on a case team.
    assert {Role.ANALYST, Role.ADMINISTRATOR, Role.DPO}.isdisjoint(policies.TEAM_ELIGIBLE_ROLES)


def test_limited_team_roles_cover_the_professionals():
    # Guard against a new team role silently getting full sight: only these four work the case.
    assert set(LIMITED_TEAM) == {
        TeamRole.SCHOOL_SOCIAL_WORKER,
        TeamRole.TEACHER,
        TeamRole.PEDAGOGUE,
        TeamRole.PPR,
        TeamRole.HEALTH_VISITOR,
        TeamRole.EMPLOYMENT_ADVISER,
        TeamRole.PSYCHIATRY,
        TeamRole.OTHER,
    }


# -- no relation -------------------------------------------------------------------------------------


def test_no_relation_gives_nothing():
    rel = CaseRelation()
    assert access_level(rel) is None
    assert permissions(rel) == frozenset()
    assert permissions(rel, status=CaseStatus.CLOSED) == frozenset()


@pytest.mark.parametrize("role", NOT_UNIT_STAFF)
def test_non_staff_role_in_responsible_unit_gives_nothing(role):
    # E.g. an analyst or a teacher who happens to be placed in the case-owning unit.
    rel = CaseRelation(unit_roles=frozenset({role}))
    assert access_level(rel) is None
    assert permissions(rel) == frozenset()


# -- team roles --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", FULL_TEAM)
@pytest.mark.parametrize("status", [CaseStatus.OPEN, CaseStatus.REOPENED])
def test_full_team_roles_get_everything_on_an_active_case(role, status):
    rel = CaseRelation(team_role=role)
    assert access_level(rel) == AccessLevel.FULL
    assert permissions(rel, status=status) == ALL_PERMS


@pytest.mark.parametrize("role", LIMITED_TEAM)
@pytest.mark.parametrize("status", list(CaseStatus))
def test_professionals_on_team_see_summary_team_and_shared_only(role, status):
    rel = CaseRelation(team_role=role)
    assert access_level(rel) == AccessLevel.LIMITED
    perms = permissions(rel, status=status)
    assert perms == {CasePerm.VIEW_SUMMARY, CasePerm.VIEW_TEAM, CasePerm.VIEW_SHARED}
    assert CasePerm.VIEW_JOURNAL not in perms
    assert CasePerm.WRITE_JOURNAL not in perms


def test_professional_on_team_who_is_also_unit_staff_gets_full_access():
    rel = CaseRelation(team_role=TeamRole.TEACHER, unit_roles=frozenset({Role.CASEWORKER}))
    assert access_level(rel) == AccessLevel.FULL
    assert permissions(rel) == ALL_PERMS


# -- staff of the responsible unit and its leaders ---------------------------------------------------


@pytest.mark.parametrize("role", UNIT_STAFF)
def test_unit_staff_get_everything(role):
    rel = CaseRelation(unit_roles=frozenset({role}))
    assert access_level(rel) == AccessLevel.FULL
    assert permissions(rel) == ALL_PERMS


def test_unit_staff_role_mixed_with_other_roles_still_counts():
    rel = CaseRelation(unit_roles=frozenset({Role.ANALYST, Role.CASEWORKER}))
    assert permissions(rel) == ALL_PERMS


def test_leader_of_unit_gets_everything():
    rel = CaseRelation(leads_unit=True)
    assert access_level(rel) == AccessLevel.FULL
    assert permissions(rel) == ALL_PERMS


# -- closed cases ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rel",
    [
        CaseRelation(team_role=TeamRole.RESPONSIBLE_CASEWORKER),
        CaseRelation(team_role=TeamRole.CASEWORKER),
        CaseRelation(unit_roles=frozenset({Role.CASEWORKER})),
        CaseRelation(leads_unit=True),
    ],
    ids=["responsible", "team_caseworker", "unit_caseworker", "leader"],
)
def test_closed_case_takes_no_new_entries_but_can_be_reopened(rel):
    perms = permissions(rel, status=CaseStatus.CLOSED)
    assert perms == ALL_PERMS - CLOSED_REMOVES
    assert CasePerm.CHANGE_STATUS in perms  # otherwise nobody could reopen it
    assert CasePerm.VIEW_JOURNAL in perms
    # Reopening restores the write permissions.
    assert permissions(rel, status=CaseStatus.REOPENED) == ALL_PERMS


# -- break the glass ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(CaseStatus))
def test_break_glass_alone_is_read_only(status):
    rel = CaseRelation(break_glass=True)
    assert access_level(rel) == AccessLevel.FULL
    perms = permissions(rel, status=status)
    assert perms == READ_PERMS
    assert not (perms & WRITE_PERMS)
    assert CasePerm.VIEW_JOURNAL in perms


def test_break_glass_does_not_reduce_access_of_someone_who_works_the_case():
    rel = CaseRelation(team_role=TeamRole.RESPONSIBLE_CASEWORKER, break_glass=True)
    assert permissions(rel) == ALL_PERMS


def test_break_glass_with_limited_team_role_reads_but_never_writes():
    rel = CaseRelation(team_role=TeamRole.SCHOOL_SOCIAL_WORKER, break_glass=True)
    perms = permissions(rel)
    assert perms == READ_PERMS
    assert not (perms & WRITE_PERMS)


def test_break_glass_with_non_staff_unit_role_is_read_only():
    rel = CaseRelation(unit_roles=frozenset({Role.PROFESSIONAL}), break_glass=True)
    assert permissions(rel) == READ_PERMS


# -- status transitions ------------------------------------------------------------------------------

LEGAL = {
    (CaseStatus.OPEN, CaseStatus.CLOSED),
    (CaseStatus.REOPENED, CaseStatus.CLOSED),
    (CaseStatus.CLOSED, CaseStatus.REOPENED),
}


def test_transition_table_is_exactly_the_legal_moves():
    assert set(TRANSITIONS) == LEGAL
    assert TRANSITIONS[(CaseStatus.OPEN, CaseStatus.CLOSED)] == "close"
    assert TRANSITIONS[(CaseStatus.REOPENED, CaseStatus.CLOSED)] == "close"
    assert TRANSITIONS[(CaseStatus.CLOSED, CaseStatus.REOPENED)] == "reopen"


@pytest.mark.parametrize("move", sorted(LEGAL))
def test_legal_moves_are_allowed(move):
    assert transition_allowed(*move)
    # Plain strings (as they come from a form) work the same as the enum members.
    assert transition_allowed(str(move[0].value), str(move[1].value))


@pytest.mark.parametrize(
    "move",
    [m for m in itertools.product(CaseStatus.values, repeat=2) if m not in LEGAL],
)
def test_illegal_moves_are_refused(move):
    # Includes staying put, "closed -> open" (a closed case is reopened, never opened again) and open -> reopened.
    assert not transition_allowed(*move)


@pytest.mark.parametrize("move", [("", "open"), ("open", "archived"), ("deleted", "closed"), ("OPEN", "CLOSED")])
def test_unknown_statuses_are_refused(move):
    assert not transition_allowed(*move)


# -- journal numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("serial", "year", "expected"),
    [
        (5, 2019, "27.24.00-G01-5-19"),
        (1, 2024, "27.24.00-G01-1-24"),
        (12345, 2025, "27.24.00-G01-12345-25"),
        (7, 2000, "27.24.00-G01-7-00"),
        (7, 2009, "27.24.00-G01-7-09"),
        (3, 1999, "27.24.00-G01-3-99"),
    ],
)
def test_journal_number_format(serial, year, expected):
    assert journal_number(kle_code="27.24.00", facet="G01", serial=serial, year=year) == expected


def test_journal_number_uses_the_given_kle_code_and_facet():
    assert journal_number(kle_code="27.24.03", facet="G01", serial=2, year=2024) == "27.24.03-G01-2-24"


def test_journal_numbers_match_the_search_pattern():
    # The person/case search recognises journal numbers by shape; what we issue must be recognised.
    from helhed.people.selectors import looks_like_journal_number

    for serial, year in [(1, 2024), (99999, 2031), (5, 2019)]:
        assert looks_like_journal_number(journal_number(kle_code="27.24.00", facet="G01", serial=serial, year=year))
