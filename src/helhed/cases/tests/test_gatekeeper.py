"""The gatekeeper matrix: actor's relation to the case × what they try to do.

Not visible → Http404, exactly as for a case id that does not exist. Visible but not allowed → Forbidden.
Allowed → the case, and a view event in the audit log with the child as subject.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from helhed.cases import services
from helhed.cases.gatekeeper import case_for, cases_visible_to, cases_with_full_sight
from helhed.cases.models import BreakGlassGrant, CaseStatus, TeamMember, TeamRole
from helhed.cases.policies import CasePerm
from helhed.core.errors import Forbidden
from helhed.core.models import AuditAction, AuditEvent, AuditSubject
from helhed.organisation.models import Membership
from helhed.testing.factories import Role, UnitFactory, UnitKind, staff

OK, FORBIDDEN, NOT_FOUND = "ok", "forbidden", "404"
NEEDS = [
    CasePerm.VIEW_SUMMARY,
    CasePerm.VIEW_JOURNAL,
    CasePerm.WRITE_JOURNAL,
    CasePerm.MANAGE_TEAM,
    CasePerm.CHANGE_STATUS,
]

FULL = dict.fromkeys(NEEDS, OK)
LIMITED = {need: OK if need == CasePerm.VIEW_SUMMARY else FORBIDDEN for need in NEEDS}
GLASS = {need: OK if need in (CasePerm.VIEW_SUMMARY, CasePerm.VIEW_JOURNAL) else FORBIDDEN for need in NEEDS}
NONE = dict.fromkeys(NEEDS, NOT_FOUND)

EXPECTED = {
    "responsible_caseworker": FULL,
    "caseworker_on_team": FULL,  # a caseworker from the sibling action group, there only through the team
    "caseworker_in_unit_not_on_team": FULL,
    "caseworker_other_unit": NONE,
    "leader_of_parent_unit": FULL,
    "leader_other_unit": NONE,
    "school_social_worker_on_team": LIMITED,
    "school_social_worker_not_on_team": NONE,
    "teacher_not_on_team": NONE,
    "teacher_on_team": LIMITED,
    "employment_adviser_not_on_team": NONE,
    "employment_adviser_on_team": LIMITED,
    "analyst": NONE,
    "administrator": NONE,
    "dpo": NONE,
    "break_glass_unexpired": GLASS,
    "break_glass_expired": NONE,
    "former_team_member": NONE,
    "former_unit_caseworker": NONE,
}


@pytest.fixture
def actors(town, open_case):
    """Every actor in EXPECTED, set up in their relation to `open_case` (responsible unit: investigation group)."""
    cw = town.caseworker

    def add(user, role):
        services.team_member_add(actor=cw, case_id=open_case.pk, user=user, role=role)
        return user

    now = timezone.now()
    glass_user = staff("glasbruger", Role.CASEWORKER, town.other_family_unit)
    BreakGlassGrant.objects.create(
        user=glass_user,
        case=open_case,
        reason="Akut henvendelse fra politiet",
        granted_at=now,
        expires_at=now + timedelta(hours=1),
    )
    expired_user = staff("udloebet", Role.CASEWORKER, town.other_family_unit)
    BreakGlassGrant.objects.create(
        user=expired_user,
        case=open_case,
        reason="Akut henvendelse fra politiet",
        granted_at=now - timedelta(hours=3),
        expires_at=now - timedelta(hours=1),
    )
    former_member = staff("tidligere", Role.SCHOOL_SOCIAL_WORKER, town.school)
    member = add(former_member, TeamRole.SCHOOL_SOCIAL_WORKER)
    services.team_member_end(
        actor=cw, case_id=open_case.pk, member_id=TeamMember.objects.get(case=open_case, user=member).pk
    )
    former_staff = staff(
        "fratraadt", Role.CASEWORKER, town.investigation, valid_from=timezone.localdate() - timedelta(days=400)
    )
    Membership.objects.filter(user=former_staff).update(valid_to=timezone.localdate() - timedelta(days=1))

    other_school = UnitFactory(name="Anden Skole", kind=UnitKind.MUNICIPAL_SCHOOL, administration=town.buf)
    return {
        "responsible_caseworker": cw,
        "caseworker_on_team": add(town.caseworker2, TeamRole.CASEWORKER),
        "caseworker_in_unit_not_on_team": staff("ulla", Role.CASEWORKER, town.investigation),
        "caseworker_other_unit": town.other_caseworker,
        "leader_of_parent_unit": town.leader,
        "leader_other_unit": town.other_leader,
        "school_social_worker_on_team": add(town.school_social_worker, TeamRole.SCHOOL_SOCIAL_WORKER),
        "school_social_worker_not_on_team": staff("sven", Role.SCHOOL_SOCIAL_WORKER, other_school),
        "teacher_not_on_team": town.teacher,
        "teacher_on_team": add(staff("tove", Role.PROFESSIONAL, town.school, title="teacher"), TeamRole.TEACHER),
        "employment_adviser_not_on_team": town.employment_adviser,
        "employment_adviser_on_team": add(
            staff("jens", Role.EMPLOYMENT_ADVISER, town.jobcenter), TeamRole.EMPLOYMENT_ADVISER
        ),
        "analyst": town.analyst,
        "administrator": town.administrator,
        "dpo": town.dpo,
        "break_glass_unexpired": glass_user,
        "break_glass_expired": expired_user,
        "former_team_member": former_member,
        "former_unit_caseworker": former_staff,
    }


def _fresh(user):
    """The gatekeeper caches a user's memberships on the object; start every check from the database."""
    return type(user).objects.get(pk=user.pk)


def _outcome(actor, case_id, need):
    try:
        access = case_for(actor, case_id, need=need)
    except Http404 as exc:
        return NOT_FOUND, exc
    except Forbidden as exc:
        return FORBIDDEN, exc
    return OK, access


MATRIX = [(who, need) for who in EXPECTED for need in NEEDS]


@pytest.mark.parametrize(("who", "need"), MATRIX, ids=[f"{w}-{n.value}" for w, n in MATRIX])
def test_matrix(actors, open_case, who, need):
    actor = _fresh(actors[who])
    expected = EXPECTED[who][need]
    events_before = AuditEvent.objects.count()
    subjects_before = AuditSubject.objects.count()

    outcome, result = _outcome(actor, open_case.pk, need)

    assert outcome == expected, f"{who} / {need}: expected {expected}, got {outcome}"
    if outcome == OK:
        assert result.case.pk == open_case.pk
        assert result.can(need)
        event = AuditEvent.objects.order_by("-id").first()
        assert AuditEvent.objects.count() == events_before + 1
        assert event.actor_id == actor.pk
        assert event.actor_username == actor.username
        assert event.action == AuditAction.VIEW
        assert event.object_type == "cases.case"
        assert event.object_id == str(open_case.pk)
        assert event.case_id == open_case.pk
        assert event.person_ids == [open_case.child_id]
        assert list(event.subjects.values_list("person_id", flat=True)) == [open_case.child_id]
        assert event.detail["break_glass"] is (who == "break_glass_unexpired")
    else:
        # Neither a refused nor an invisible look leaves a trace that says "you looked at this child".
        assert AuditEvent.objects.count() == events_before
        assert AuditSubject.objects.count() == subjects_before
    if outcome == FORBIDDEN:
        assert result.status_code == 403
        assert result.code == "forbidden"
        assert str(result) == "Du har ikke adgang til denne del af sagen. Kontakt sagens ansvarlige rådgiver."


@pytest.mark.parametrize("who", list(EXPECTED))
def test_not_visible_is_identical_to_a_case_that_does_not_exist(actors, open_case, who):
    actor = _fresh(actors[who])
    visible = EXPECTED[who][CasePerm.VIEW_SUMMARY] == OK
    missing_id = open_case.pk + 1000
    with pytest.raises(Http404) as missing:
        case_for(actor, missing_id)
    if visible:
        case_for(actor, open_case.pk)
        return
    with pytest.raises(Http404) as hidden:
        case_for(actor, open_case.pk)
    assert type(hidden.value) is type(missing.value) is Http404
    assert hidden.value.args == missing.value.args
    assert str(hidden.value) == str(missing.value)


@pytest.mark.parametrize("who", list(EXPECTED))
def test_cases_visible_to_agrees_with_case_for(actors, open_case, who):
    actor = _fresh(actors[who])
    listed = open_case in cases_visible_to(actor)
    assert listed is (EXPECTED[who][CasePerm.VIEW_SUMMARY] == OK)


@pytest.mark.parametrize("who", list(EXPECTED))
def test_cases_with_full_sight_agrees_with_case_for_the_journal(actors, open_case, who):
    actor = _fresh(actors[who])
    listed = open_case in cases_with_full_sight(actor)
    assert listed is (EXPECTED[who][CasePerm.VIEW_JOURNAL] == OK)


@pytest.mark.parametrize("bad_id", [None, "", "abc", "1.5", [], "0x10"])
def test_garbage_ids_are_404(town, open_case, bad_id):
    with pytest.raises(Http404):
        case_for(town.caseworker, bad_id)


def test_numeric_string_id_works(town, open_case):
    assert case_for(town.caseworker, str(open_case.pk)).case == open_case


def test_anonymous_user_sees_nothing(open_case):
    from django.contrib.auth.models import AnonymousUser

    assert not cases_visible_to(AnonymousUser()).exists()
    with pytest.raises(Http404):
        case_for(AnonymousUser(), open_case.pk)


def test_audit_action_none_records_nothing(town, open_case):
    before = AuditEvent.objects.count()
    case_for(town.caseworker, open_case.pk, audit_action=None)
    assert AuditEvent.objects.count() == before


def test_audit_records_which_view_and_action(town, open_case):
    case_for(
        town.caseworker, open_case.pk, need=CasePerm.VIEW_DOCUMENTS, audit_action=AuditAction.DOWNLOAD, what="document"
    )
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == AuditAction.DOWNLOAD
    assert event.detail["view"] == "document"


def test_closed_case_is_read_only_for_the_team_but_can_be_reopened(town, open_case):
    services.case_change_status(
        actor=town.caseworker, case_id=open_case.pk, to_status=CaseStatus.CLOSED, reason="Afsluttet"
    )
    actor = _fresh(town.caseworker)
    for need in (CasePerm.VIEW_SUMMARY, CasePerm.VIEW_JOURNAL, CasePerm.CHANGE_STATUS):
        case_for(actor, open_case.pk, need=need)
    for need in (CasePerm.WRITE_JOURNAL, CasePerm.UPLOAD_DOCUMENT, CasePerm.MANAGE_TEAM):
        with pytest.raises(Forbidden):
            case_for(actor, open_case.pk, need=need)


def test_leader_of_the_responsible_group_itself(town, open_case):
    group_leader = staff("gitte", Role.LEADER, town.investigation)
    assert case_for(group_leader, open_case.pk, need=CasePerm.CHANGE_STATUS).can(CasePerm.MANAGE_TEAM)


def test_leader_of_a_sub_unit_does_not_see_the_parent_units_cases(town, child):
    # Leadership flows down (family unit -> its groups), never up.
    case = services.case_open(
        actor=town.leader, child=child, responsible_unit=town.family_unit, responsible_caseworker=town.leader
    )
    group_leader = staff("gitte", Role.LEADER, town.action)
    with pytest.raises(Http404):
        case_for(group_leader, case.pk)


def test_staff_of_a_sibling_group_do_not_see_the_case(town, open_case):
    # caseworker2 works in the action group, next to (not in) the investigation group that owns the case.
    with pytest.raises(Http404):
        case_for(town.caseworker2, open_case.pk)
    assert open_case not in cases_visible_to(town.caseworker2)


def test_future_membership_gives_no_access_yet(town, open_case):
    newcomer = staff("nina", Role.CASEWORKER, town.investigation, valid_from=timezone.localdate() + timedelta(days=1))
    with pytest.raises(Http404):
        case_for(newcomer, open_case.pk)


def test_break_glass_grant_for_another_case_does_not_open_this_one(town, open_case):
    from helhed.testing.factories import PersonFactory

    other = services.case_open(
        actor=town.other_caseworker,
        child=PersonFactory(),
        responsible_unit=town.other_family_unit,
        responsible_caseworker=town.other_caseworker,
    )
    now = timezone.now()
    BreakGlassGrant.objects.create(
        user=town.caseworker2,
        case=other,
        reason="Akut henvendelse",
        granted_at=now,
        expires_at=now + timedelta(hours=1),
    )
    assert case_for(town.caseworker2, other.pk, need=CasePerm.VIEW_JOURNAL).relation.break_glass
    with pytest.raises(Http404):
        case_for(town.caseworker2, open_case.pk)
