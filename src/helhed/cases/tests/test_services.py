"""Every write to a case: opening, status, team, journal, documents, break-the-glass.

Each refused write must leave the database as it was; each accepted write leaves an audit event (and a
timeline line where the child's timeline should show it).
"""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from helhed.cases import services
from helhed.cases.gatekeeper import case_for
from helhed.cases.models import (
    BreakGlassGrant,
    Case,
    CaseStatus,
    CaseStatusChange,
    Document,
    JournalAddendum,
    JournalNote,
    JournalNumberCounter,
    NoteKind,
    TeamMember,
    TeamRole,
    TimelineEvent,
)
from helhed.cases.policies import CasePerm
from helhed.core.errors import Conflict, Forbidden, HelhedError
from helhed.core.models import AuditAction, AuditEvent
from helhed.testing.factories import PersonFactory

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
# The first bytes of a Windows executable (DOS header and stub).
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8"
    + b"\x00" * 45
    + b"This program cannot be run in DOS mode.\r\n"
)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _snapshot():
    """Row counts of everything a case write may touch."""
    return {
        model.__name__: model.objects.count()
        for model in (
            Case,
            CaseStatusChange,
            TeamMember,
            JournalNote,
            JournalAddendum,
            Document,
            TimelineEvent,
            BreakGlassGrant,
            AuditEvent,
        )
    } | {"counter": list(JournalNumberCounter.objects.values_list("year", "last"))}


def _last_event():
    return AuditEvent.objects.order_by("-id").first()


def _assert_team_invariants(case):
    active = TeamMember.objects.filter(case=case, valid_to__isnull=True)
    assert active.filter(role=TeamRole.RESPONSIBLE_CASEWORKER).count() == 1
    assert active.filter(is_parent_contact=True).count() == 1


# -- case_open ---------------------------------------------------------------------------------------


def test_case_open_creates_case_team_history_timeline_and_audit(town, child):
    case = services.case_open(
        actor=town.caseworker,
        child=child,
        responsible_unit=town.investigation,
        responsible_caseworker=town.caseworker,
        title="Bekymring fra skolen",
    )
    year = timezone.localdate().year
    assert case.status == CaseStatus.OPEN
    assert case.journal_number == f"27.24.00-G01-1-{year % 100:02d}"
    assert case.created_by == town.caseworker
    assert case.version == 1

    member = TeamMember.objects.get(case=case)
    assert member.user == town.caseworker
    assert member.role == TeamRole.RESPONSIBLE_CASEWORKER
    assert member.is_parent_contact
    assert member.unit == town.investigation
    assert member.valid_to is None

    change = CaseStatusChange.objects.get(case=case)
    assert (change.from_status, change.to_status, change.reason) == ("", CaseStatus.OPEN, "Sagen er oprettet")

    line = TimelineEvent.objects.get(case=case)
    assert line.person_id == child.pk
    assert line.kind == "case_opened"
    assert case.journal_number in line.title
    assert line.administration == "SOF"
    assert line.shared_with_team

    event = _last_event()
    assert (event.action, event.object_type, event.object_id) == (AuditAction.CREATE, "cases.case", str(case.pk))
    assert event.case_id == case.pk
    assert list(event.subjects.values_list("person_id", flat=True)) == [child.pk]


def test_case_open_with_separate_parent_contact(town, child):
    case = services.case_open(
        actor=town.leader,
        child=child,
        responsible_unit=town.investigation,
        responsible_caseworker=town.caseworker,
        parent_contact=town.caseworker2,
    )
    members = {m.user: m for m in TeamMember.objects.filter(case=case)}
    assert members[town.caseworker].role == TeamRole.RESPONSIBLE_CASEWORKER
    assert not members[town.caseworker].is_parent_contact
    assert members[town.caseworker2].role == TeamRole.CASEWORKER
    assert members[town.caseworker2].is_parent_contact
    assert members[town.caseworker2].unit == town.action
    _assert_team_invariants(case)


def test_second_open_case_for_same_child_is_a_conflict_and_changes_nothing(town, open_case):
    before = _snapshot()
    with pytest.raises(Conflict) as exc:
        services.case_open(
            actor=town.caseworker2,
            child=open_case.child,
            responsible_unit=town.action,
            responsible_caseworker=town.caseworker2,
        )
    assert str(exc.value) == "Barnet har allerede en åben sag. Der kan kun være én åben sag pr. barn – brug den."
    assert exc.value.code == "case_exists"
    assert exc.value.status_code == 409
    assert _snapshot() == before


def test_second_case_allowed_once_the_first_is_closed(town, open_case):
    services.case_change_status(actor=town.caseworker, case_id=open_case.pk, to_status=CaseStatus.CLOSED, reason="Slut")
    second = services.case_open(
        actor=town.caseworker,
        child=open_case.child,
        responsible_unit=town.investigation,
        responsible_caseworker=town.caseworker,
    )
    assert second.pk != open_case.pk
    assert second.journal_number != open_case.journal_number


def test_database_refuses_a_second_open_case_too(town, open_case):
    # The rule is a database constraint, not only a check in the service (two concurrent requests).
    for status in (CaseStatus.OPEN, CaseStatus.REOPENED):
        with pytest.raises(IntegrityError), transaction.atomic():
            Case.objects.create(
                child=open_case.child,
                responsible_unit=town.investigation,
                journal_number=f"27.24.00-G01-999-{status}",
                opened_at=timezone.now(),
                created_by=town.caseworker,
                status=status,
            )
    # A closed one beside it is fine.
    Case.objects.create(
        child=open_case.child,
        responsible_unit=town.investigation,
        journal_number="27.24.00-G01-998-99",
        opened_at=timezone.now(),
        created_by=town.caseworker,
        status=CaseStatus.CLOSED,
    )


@pytest.mark.parametrize("unit_name", ["school", "daycare", "jobcenter", "clinic", "office"])
def test_case_open_refuses_a_unit_that_does_not_own_cases(town, child, unit_name):
    before = _snapshot()
    with pytest.raises(HelhedError) as exc:
        services.case_open(
            actor=town.caseworker,
            child=child,
            responsible_unit=getattr(town, unit_name),
            responsible_caseworker=town.caseworker,
        )
    assert exc.value.field == "responsible_unit"
    assert str(exc.value) == "Den ansvarlige enhed skal være en børnefamilieenhed eller åben rådgivning."
    assert _snapshot() == before


def test_case_open_in_open_counselling(town, child):
    case = services.case_open(
        actor=town.counsellor, child=child, responsible_unit=town.counselling, responsible_caseworker=town.counsellor
    )
    assert case.responsible_unit == town.counselling


def test_case_open_without_responsible_caseworker(town, child):
    before = _snapshot()
    with pytest.raises(HelhedError) as exc:
        services.case_open(
            actor=town.caseworker, child=child, responsible_unit=town.investigation, responsible_caseworker=None
        )
    assert exc.value.field == "responsible_caseworker"
    assert str(exc.value) == "Vælg sagens ansvarlige rådgiver. En sag har altid præcis én."
    assert _snapshot() == before


@pytest.mark.parametrize("who", ["teacher", "school_social_worker", "analyst", "dpo"])
def test_responsible_caseworker_must_be_a_caseworker(town, child, who):
    before = _snapshot()
    with pytest.raises(HelhedError) as exc:
        services.case_open(
            actor=town.caseworker,
            child=child,
            responsible_unit=town.investigation,
            responsible_caseworker=getattr(town, who),
        )
    assert exc.value.field == "responsible_caseworker"
    assert _snapshot() == before


def test_parent_contact_without_employment_is_refused_and_nothing_saved(town, child):
    from helhed.testing.factories import UserFactory

    before = _snapshot()
    with pytest.raises(HelhedError) as exc:
        services.case_open(
            actor=town.caseworker,
            child=child,
            responsible_unit=town.investigation,
            responsible_caseworker=town.caseworker,
            parent_contact=UserFactory(username="udenansaettelse"),
        )
    assert exc.value.field == "parent_contact"
    assert _snapshot() == before


def test_case_open_on_a_merged_away_person_is_refused(town, child):
    survivor = PersonFactory()
    child.merged_into = survivor
    child.save()
    with pytest.raises(HelhedError):
        services.case_open(
            actor=town.caseworker,
            child=child,
            responsible_unit=town.investigation,
            responsible_caseworker=town.caseworker,
        )
    assert not Case.objects.exists()


def test_journal_numbers_are_unique_and_sequential(town):
    year = timezone.localdate().year % 100
    numbers = [
        services.case_open(
            actor=town.caseworker,
            child=PersonFactory(),
            responsible_unit=town.investigation,
            responsible_caseworker=town.caseworker,
        ).journal_number
        for _ in range(4)
    ]
    assert numbers == [f"27.24.00-G01-{n}-{year:02d}" for n in (1, 2, 3, 4)]


def test_journal_number_serial_restarts_per_year(town):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    cph = ZoneInfo("Europe/Copenhagen")

    def open_at(at):
        return services.case_open(
            actor=town.caseworker,
            child=PersonFactory(),
            responsible_unit=town.investigation,
            responsible_caseworker=town.caseworker,
            opened_at=at,
        ).journal_number

    assert open_at(datetime(2019, 5, 1, 10, tzinfo=cph)) == "27.24.00-G01-1-19"
    assert open_at(datetime(2019, 12, 31, 23, 30, tzinfo=cph)) == "27.24.00-G01-2-19"
    # 1 January 00:30 in Copenhagen is still 31 December in UTC: the local year decides.
    assert open_at(datetime(2020, 1, 1, 0, 30, tzinfo=cph)) == "27.24.00-G01-1-20"
    assert dict(JournalNumberCounter.objects.values_list("year", "last")) == {2019: 2, 2020: 1}


# -- case_change_status ------------------------------------------------------------------------------


def test_close_and_reopen_with_history(town, open_case):
    case = services.case_change_status(
        actor=town.caseworker,
        case_id=open_case.pk,
        to_status=CaseStatus.CLOSED,
        reason="  Indsatsen er afsluttet  ",
        version=1,
    )
    assert case.status == CaseStatus.CLOSED
    assert case.closed_at is not None
    assert case.version == 2
    event = _last_event()
    assert event.action == AuditAction.UPDATE
    assert event.detail == {"status": ["open", "closed"]}
    assert event.reason.strip() == "Indsatsen er afsluttet"
    assert TimelineEvent.objects.filter(case=open_case, kind="case_closed", title="Sag lukket").count() == 1

    case = services.case_change_status(
        actor=town.leader, case_id=open_case.pk, to_status=CaseStatus.REOPENED, reason="Ny underretning", version=2
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REOPENED
    assert case.closed_at is None
    assert case.version == 3
    assert TimelineEvent.objects.filter(case=open_case, kind="case_reopened", title="Sag genåbnet").count() == 1

    case = services.case_change_status(
        actor=town.caseworker, case_id=open_case.pk, to_status=CaseStatus.CLOSED, reason="Igen slut"
    )
    history = list(
        CaseStatusChange.objects.filter(case=open_case).values_list("from_status", "to_status", "reason", "changed_by")
    )
    assert history == [
        ("", "open", "Sagen er oprettet", town.caseworker.pk),
        ("open", "closed", "Indsatsen er afsluttet", town.caseworker.pk),
        ("closed", "reopened", "Ny underretning", town.leader.pk),
        ("reopened", "closed", "Igen slut", town.caseworker.pk),
    ]


@pytest.mark.parametrize(
    ("setup", "to_status", "message"),
    [
        ([], CaseStatus.REOPENED, "En sag med status 'Åben' kan ikke få status 'Genåbnet'."),
        ([], CaseStatus.OPEN, "En sag med status 'Åben' kan ikke få status 'Åben'."),
        ([CaseStatus.CLOSED], CaseStatus.CLOSED, "En sag med status 'Lukket' kan ikke få status 'Lukket'."),
        ([CaseStatus.CLOSED], CaseStatus.OPEN, "En sag med status 'Lukket' kan ikke få status 'Åben'."),
        (
            [CaseStatus.CLOSED, CaseStatus.REOPENED],
            CaseStatus.REOPENED,
            "En sag med status 'Genåbnet' kan ikke få status 'Genåbnet'.",
        ),
    ],
)
def test_illegal_transition_is_refused_with_danish_message(town, open_case, setup, to_status, message):
    for status in setup:
        services.case_change_status(
            actor=town.caseworker, case_id=open_case.pk, to_status=status, reason="Forberedelse"
        )
    before = _snapshot()
    with pytest.raises(Conflict) as exc:
        services.case_change_status(actor=town.caseworker, case_id=open_case.pk, to_status=to_status, reason="Forsøg")
    assert str(exc.value) == message
    assert exc.value.code == "illegal_transition"
    assert _snapshot() == before


def test_unknown_status_is_refused(town, open_case):
    with pytest.raises(HelhedError) as exc:
        services.case_change_status(actor=town.caseworker, case_id=open_case.pk, to_status="archived", reason="Forsøg")
    assert exc.value.field == "to_status"
    open_case.refresh_from_db()
    assert open_case.status == CaseStatus.OPEN


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_status_change_needs_a_reason(town, open_case, reason):
    before = _snapshot()
    with pytest.raises(HelhedError) as exc:
        services.case_change_status(
            actor=town.caseworker, case_id=open_case.pk, to_status=CaseStatus.CLOSED, reason=reason
        )
    assert exc.value.field == "reason"
    assert str(exc.value) == "Skriv en begrundelse for statusændringen."
    assert _snapshot() == before


def test_stale_version_is_a_conflict(town, open_case):
    # Two people opened the form at version 1; the first one's submit wins.
    services.case_change_status(
        actor=town.caseworker, case_id=open_case.pk, to_status=CaseStatus.CLOSED, reason="Slut", version=1
    )
    before = _snapshot()
    with pytest.raises(Conflict) as exc:
        services.case_change_status(
            actor=town.leader, case_id=open_case.pk, to_status=CaseStatus.CLOSED, reason="Også slut", version=1
        )
    assert exc.value.code == "stale"
    assert str(exc.value) == "Sagen er blevet ændret af en anden, siden du åbnede siden. Genindlæs siden og prøv igen."
    assert _snapshot() == before


def test_reopen_refused_when_child_has_another_open_case(town, open_case):
    services.case_change_status(actor=town.caseworker, case_id=open_case.pk, to_status=CaseStatus.CLOSED, reason="Slut")
    newer = services.case_open(
        actor=town.caseworker,
        child=open_case.child,
        responsible_unit=town.investigation,
        responsible_caseworker=town.caseworker,
    )
    before = _snapshot()
    with pytest.raises(Conflict) as exc:
        services.case_change_status(
            actor=town.caseworker, case_id=open_case.pk, to_status=CaseStatus.REOPENED, reason="Igen"
        )
    assert exc.value.code == "case_exists"
    assert str(exc.value) == "Barnet har allerede en anden åben sag. Der kan kun være én åben sag pr. barn."
    assert _snapshot() == before
    newer.refresh_from_db()
    assert newer.status == CaseStatus.OPEN


@pytest.mark.parametrize("who", ["school_social_worker", "other_caseworker"])
def test_status_change_needs_permission(town, open_case, who):
    services.team_member_add(
        actor=town.caseworker, case_id=open_case.pk, user=town.school_social_worker, role=TeamRole.SCHOOL_SOCIAL_WORKER
    )
    expected = Forbidden if who == "school_social_worker" else Http404
    with pytest.raises(expected):
        services.case_change_status(
            actor=getattr(town, who), case_id=open_case.pk, to_status=CaseStatus.CLOSED, reason="Slut"
        )
    open_case.refresh_from_db()
    assert open_case.status == CaseStatus.OPEN


# -- team --------------------------------------------------------------------------------------------


def test_add_school_social_worker_from_buf(town, open_case):
    member = services.team_member_add(
        actor=town.caseworker,
        case_id=open_case.pk,
        user=town.school_social_worker,
        role=TeamRole.SCHOOL_SOCIAL_WORKER,
        version=1,
    )
    assert member.unit == town.school
    assert member.valid_from == timezone.localdate()
    assert member.added_by == town.caseworker
    assert not member.is_parent_contact
    open_case.refresh_from_db()
    assert open_case.version == 2
    line = TimelineEvent.objects.get(case=open_case, kind="team_added")
    assert line.administration == "BUF"
    assert "Sofie Skolesocialrådgiver" in line.title
    event = _last_event()
    assert (event.action, event.object_type, event.object_id) == (
        AuditAction.CREATE,
        "cases.teammember",
        str(member.pk),
    )
    assert event.detail == {"user": "sofie", "role": "school_social_worker"}
    assert event.person_ids == [open_case.child_id]
    _assert_team_invariants(open_case)


@pytest.mark.parametrize("who", ["analyst", "dpo", "administrator"])
def test_roles_that_never_sit_on_a_team(town, open_case, who):
    before = _snapshot()
    with pytest.raises(HelhedError) as exc:
        services.team_member_add(
            actor=town.caseworker, case_id=open_case.pk, user=getattr(town, who), role=TeamRole.OTHER
        )
    assert exc.value.field == "user"
    assert _snapshot() == before


def test_duplicate_member_is_a_conflict(town, open_case):
    services.team_member_add(actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER)
    before = _snapshot()
    with pytest.raises(Conflict) as exc:
        services.team_member_add(
            actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.PEDAGOGUE
        )
    assert exc.value.code == "duplicate"
    assert _snapshot() == before


def test_add_refuses_responsible_role_and_unknown_role(town, open_case):
    with pytest.raises(HelhedError) as exc:
        services.team_member_add(
            actor=town.caseworker, case_id=open_case.pk, user=town.caseworker2, role=TeamRole.RESPONSIBLE_CASEWORKER
        )
    assert exc.value.field == "role"
    with pytest.raises(HelhedError) as exc:
        services.team_member_add(actor=town.caseworker, case_id=open_case.pk, user=town.caseworker2, role="wizard")
    assert exc.value.field == "role"
    _assert_team_invariants(open_case)
    assert TeamMember.objects.filter(case=open_case).count() == 1


def test_add_refuses_a_unit_the_user_does_not_work_in(town, open_case):
    with pytest.raises(HelhedError) as exc:
        services.team_member_add(
            actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER, unit=town.daycare
        )
    assert exc.value.field == "unit"


def test_add_as_parent_contact_moves_the_contact(town, open_case):
    member = services.team_member_add(
        actor=town.caseworker,
        case_id=open_case.pk,
        user=town.caseworker2,
        role=TeamRole.CASEWORKER,
        is_parent_contact=True,
    )
    _assert_team_invariants(open_case)
    assert TeamMember.objects.get(case=open_case, is_parent_contact=True, valid_to__isnull=True) == member


def test_add_with_stale_version(town, open_case):
    services.team_member_add(
        actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER, version=1
    )
    before = _snapshot()
    with pytest.raises(Conflict) as exc:
        services.team_member_add(
            actor=town.caseworker, case_id=open_case.pk, user=town.caseworker2, role=TeamRole.CASEWORKER, version=1
        )
    assert exc.value.code == "stale"
    assert _snapshot() == before


def test_only_full_members_manage_the_team(town, open_case):
    services.team_member_add(
        actor=town.caseworker, case_id=open_case.pk, user=town.school_social_worker, role=TeamRole.SCHOOL_SOCIAL_WORKER
    )
    with pytest.raises(Forbidden):
        services.team_member_add(
            actor=town.school_social_worker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER
        )
    with pytest.raises(Http404):
        services.team_member_add(
            actor=town.other_caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER
        )
    assert not TeamMember.objects.filter(user=town.teacher).exists()


def test_team_is_frozen_on_a_closed_case(town, open_case):
    services.case_change_status(actor=town.caseworker, case_id=open_case.pk, to_status=CaseStatus.CLOSED, reason="Slut")
    with pytest.raises(Forbidden):
        services.team_member_add(actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER)


def test_end_member(town, open_case):
    member = services.team_member_add(
        actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER
    )
    assert case_for(town.teacher, open_case.pk)
    ended = services.team_member_end(actor=town.caseworker, case_id=open_case.pk, member_id=member.pk)
    assert ended.valid_to == timezone.localdate()
    assert ended.ended_by == town.caseworker
    assert TimelineEvent.objects.filter(case=open_case, kind="team_ended").count() == 1
    event = _last_event()
    assert (event.action, event.object_id, event.detail) == (AuditAction.UPDATE, str(member.pk), {"ended": True})
    # Off the team means the case is gone for them.
    with pytest.raises(Http404):
        case_for(town.teacher, open_case.pk)
    # Ending twice: the member is no longer active.
    with pytest.raises(HelhedError) as exc:
        services.team_member_end(actor=town.caseworker, case_id=open_case.pk, member_id=member.pk)
    assert exc.value.code == "not_found"
    # And they can be put back on later (a new period).
    again = services.team_member_add(
        actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER
    )
    assert again.pk != member.pk
    assert TeamMember.objects.filter(case=open_case, user=town.teacher).count() == 2


def test_cannot_remove_the_responsible_caseworker(town, open_case):
    # Give the parents another contact first, so only the "responsible" rule stands in the way.
    services.team_member_add(
        actor=town.caseworker,
        case_id=open_case.pk,
        user=town.caseworker2,
        role=TeamRole.CASEWORKER,
        is_parent_contact=True,
    )
    responsible = TeamMember.objects.get(case=open_case, role=TeamRole.RESPONSIBLE_CASEWORKER)
    before = _snapshot()
    with pytest.raises(Conflict) as exc:
        services.team_member_end(actor=town.caseworker, case_id=open_case.pk, member_id=responsible.pk)
    assert str(exc.value) == "Sagen skal altid have en ansvarlig rådgiver. Udpeg en ny ansvarlig rådgiver først."
    assert _snapshot() == before
    _assert_team_invariants(open_case)


def test_cannot_remove_the_parent_contact(town, open_case):
    contact = services.team_member_add(
        actor=town.caseworker,
        case_id=open_case.pk,
        user=town.caseworker2,
        role=TeamRole.CASEWORKER,
        is_parent_contact=True,
    )
    before = _snapshot()
    with pytest.raises(Conflict) as exc:
        services.team_member_end(actor=town.caseworker, case_id=open_case.pk, member_id=contact.pk)
    assert str(exc.value) == "Forældrene skal altid have en kontaktperson. Udpeg en ny kontaktperson først."
    assert _snapshot() == before
    _assert_team_invariants(open_case)


def test_set_responsible_to_a_new_person(town, open_case):
    member = services.team_set_responsible(actor=town.leader, case_id=open_case.pk, user=town.caseworker2)
    assert member.role == TeamRole.RESPONSIBLE_CASEWORKER
    assert member.user == town.caseworker2
    assert member.unit == town.action
    previous = TeamMember.objects.get(case=open_case, user=town.caseworker)
    assert previous.role == TeamRole.CASEWORKER and previous.valid_to is None
    assert previous.is_parent_contact  # the parents keep their contact until it is changed
    _assert_team_invariants(open_case)
    assert TimelineEvent.objects.filter(case=open_case, kind="responsible_changed").count() == 1
    assert _last_event().detail == {"responsible": "rasmus"}
    # Now the former responsible caseworker may be taken off once the parents have another contact.
    services.team_set_parent_contact(actor=town.leader, case_id=open_case.pk, member_id=member.pk)
    services.team_member_end(actor=town.leader, case_id=open_case.pk, member_id=previous.pk)
    _assert_team_invariants(open_case)


def test_set_responsible_to_an_existing_member(town, open_case):
    existing = services.team_member_add(
        actor=town.caseworker, case_id=open_case.pk, user=town.caseworker2, role=TeamRole.CASEWORKER
    )
    member = services.team_set_responsible(actor=town.caseworker, case_id=open_case.pk, user=town.caseworker2)
    assert member.pk == existing.pk
    assert TeamMember.objects.filter(case=open_case, valid_to__isnull=True).count() == 2
    _assert_team_invariants(open_case)


def test_set_responsible_to_the_current_one_changes_nothing_but_the_version(town, open_case):
    member = services.team_set_responsible(actor=town.caseworker, case_id=open_case.pk, user=town.caseworker)
    assert member.role == TeamRole.RESPONSIBLE_CASEWORKER
    _assert_team_invariants(open_case)


@pytest.mark.parametrize("who", ["teacher", "school_social_worker", "analyst"])
def test_set_responsible_needs_a_caseworker(town, open_case, who):
    before = _snapshot()
    with pytest.raises(HelhedError) as exc:
        services.team_set_responsible(actor=town.caseworker, case_id=open_case.pk, user=getattr(town, who))
    assert exc.value.field == "user"
    assert _snapshot() == before
    _assert_team_invariants(open_case)


def test_set_parent_contact(town, open_case):
    ssw = services.team_member_add(
        actor=town.caseworker, case_id=open_case.pk, user=town.school_social_worker, role=TeamRole.SCHOOL_SOCIAL_WORKER
    )
    services.team_set_parent_contact(actor=town.caseworker, case_id=open_case.pk, member_id=ssw.pk)
    _assert_team_invariants(open_case)
    assert TeamMember.objects.get(case=open_case, is_parent_contact=True).user == town.school_social_worker
    assert TimelineEvent.objects.filter(case=open_case, kind="parent_contact_changed").count() == 1
    assert _last_event().detail == {"parent_contact": "sofie"}
    with pytest.raises(HelhedError) as exc:
        services.team_set_parent_contact(actor=town.caseworker, case_id=open_case.pk, member_id=999999)
    assert exc.value.code == "not_found"
    _assert_team_invariants(open_case)


def test_set_parent_contact_refuses_a_member_of_another_case(town, open_case):
    other = services.case_open(
        actor=town.caseworker,
        child=PersonFactory(),
        responsible_unit=town.investigation,
        responsible_caseworker=town.caseworker,
    )
    foreign = services.team_member_add(
        actor=town.caseworker, case_id=other.pk, user=town.teacher, role=TeamRole.TEACHER
    )
    with pytest.raises(HelhedError):
        services.team_set_parent_contact(actor=town.caseworker, case_id=open_case.pk, member_id=foreign.pk)
    with pytest.raises(HelhedError):
        services.team_member_end(actor=town.caseworker, case_id=open_case.pk, member_id=foreign.pk)
    _assert_team_invariants(open_case)
    _assert_team_invariants(other)


def test_database_constraints_keep_one_responsible_one_contact_one_membership(town, open_case):
    common = {
        "case": open_case,
        "valid_from": timezone.localdate(),
        "added_by": town.caseworker,
        "added_at": timezone.now(),
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamMember.objects.create(
            user=town.caseworker2, unit=town.action, role=TeamRole.RESPONSIBLE_CASEWORKER, **common
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamMember.objects.create(
            user=town.caseworker2, unit=town.action, role=TeamRole.CASEWORKER, is_parent_contact=True, **common
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamMember.objects.create(user=town.caseworker, unit=town.investigation, role=TeamRole.CASEWORKER, **common)
    # Ended rows do not count: a former responsible caseworker and a former contact may exist beside the current.
    TeamMember.objects.create(
        user=town.caseworker2,
        unit=town.action,
        role=TeamRole.RESPONSIBLE_CASEWORKER,
        is_parent_contact=True,
        **(common | {"valid_from": timezone.localdate() - timedelta(days=30), "valid_to": timezone.localdate()}),
    )
    _assert_team_invariants(open_case)


# -- journal -----------------------------------------------------------------------------------------


def _note(actor, case, **kw):
    args = {
        "kind": NoteKind.PHONE,
        "title": "Samtale med mor",
        "body": "Mor fortæller, at det går bedre.",
        "occurred_on": timezone.localdate(),
    } | kw
    return services.journal_note_add(actor=actor, case_id=case.pk, **args)


def test_journal_note_add(town, open_case):
    note = _note(town.caseworker, open_case, title="  Samtale med mor  ", shared_with_team=True)
    assert note.title == "Samtale med mor"
    assert note.author == town.caseworker
    assert note.kind == NoteKind.PHONE
    line = TimelineEvent.objects.get(case=open_case, kind="journal_phone")
    assert line.title == "Telefonsamtale: Samtale med mor"
    assert line.shared_with_team
    assert line.administration == "SOF"
    assert line.object_id == str(note.pk)
    event = _last_event()
    assert (event.action, event.object_type, event.object_id) == (AuditAction.CREATE, "cases.journalnote", str(note.pk))
    assert event.person_ids == [open_case.child_id]


def test_double_submit_saves_once(town, open_case):
    first = _note(town.caseworker, open_case, submission_key="formular-abc-123")
    before = _snapshot()
    with pytest.raises(Conflict) as exc:
        _note(town.caseworker, open_case, submission_key="formular-abc-123")
    assert exc.value.code == "duplicate_submit"
    assert str(exc.value) == "Notatet er allerede gemt (formularen blev sendt to gange)."
    assert _snapshot() == before
    assert list(JournalNote.objects.values_list("pk", flat=True)) == [first.pk]


def test_notes_without_submission_key_are_independent(town, open_case):
    _note(town.caseworker, open_case, submission_key="")
    _note(town.caseworker, open_case, submission_key=None)
    assert JournalNote.objects.filter(case=open_case).count() == 2


def test_future_occurred_on_is_refused(town, open_case):
    before = _snapshot()
    with pytest.raises(HelhedError) as exc:
        _note(town.caseworker, open_case, occurred_on=timezone.localdate() + timedelta(days=1))
    assert exc.value.field == "occurred_on"
    assert str(exc.value) == "Datoen for hændelsen ligger i fremtiden. Skriv den dato, det skete."
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("title", "body"), [("Overskrift", ""), ("Overskrift", "   \n "), ("", "Tekst"), ("  ", "Tekst")]
)
def test_empty_note_is_refused(town, open_case, title, body):
    before = _snapshot()
    with pytest.raises(HelhedError) as exc:
        _note(town.caseworker, open_case, title=title, body=body)
    assert exc.value.field == "body"
    assert str(exc.value) == "Et journalnotat skal have både en overskrift og en tekst."
    assert _snapshot() == before


def test_unknown_kind_is_refused(town, open_case):
    before = _snapshot()
    with pytest.raises(HelhedError) as exc:
        _note(town.caseworker, open_case, kind="gossip")
    assert exc.value.field == "kind"
    assert _snapshot() == before


@pytest.mark.parametrize("kind", NoteKind.values)
def test_every_note_kind_is_accepted(town, open_case, kind):
    note = _note(town.caseworker, open_case, kind=kind)
    assert TimelineEvent.objects.filter(object_id=str(note.pk), kind=f"journal_{kind}").exists()


def test_limited_member_cannot_write_and_closed_case_takes_no_notes(town, open_case):
    services.team_member_add(
        actor=town.caseworker, case_id=open_case.pk, user=town.school_social_worker, role=TeamRole.SCHOOL_SOCIAL_WORKER
    )
    with pytest.raises(Forbidden):
        _note(town.school_social_worker, open_case)
    services.case_change_status(actor=town.caseworker, case_id=open_case.pk, to_status=CaseStatus.CLOSED, reason="Slut")
    with pytest.raises(Forbidden):
        _note(town.caseworker, open_case)
    assert not JournalNote.objects.exists()


def test_saved_note_can_never_be_edited(town, open_case):
    note = _note(town.caseworker, open_case)
    before = _snapshot()
    with pytest.raises(Conflict) as exc:
        services.journal_note_edit(actor=town.caseworker, case_id=open_case.pk, note_id=note.pk, body="Omskrevet")
    assert exc.value.code == "note_immutable"
    assert str(exc.value) == "Et gemt journalnotat kan ikke ændres. Tilføj i stedet en dateret tilføjelse til notatet."
    assert _snapshot() == before
    note.refresh_from_db()
    assert note.body == "Mor fortæller, at det går bedre."
    # Someone who cannot see the case learns nothing, not even that the note exists.
    with pytest.raises(Http404):
        services.journal_note_edit(actor=town.other_caseworker, case_id=open_case.pk, note_id=note.pk, body="x")


def test_addendum(town, open_case):
    note = _note(town.caseworker, open_case)
    addendum = services.journal_addendum_add(
        actor=town.leader, case_id=open_case.pk, note_id=note.pk, body="  Rettelse: far  "
    )
    assert addendum.body == "Rettelse: far"
    assert addendum.note == note
    assert addendum.author == town.leader
    note.refresh_from_db()
    assert note.body == "Mor fortæller, at det går bedre."
    event = _last_event()
    assert (event.action, event.object_type, event.detail) == (
        AuditAction.CREATE,
        "cases.journaladdendum",
        {"note": note.pk},
    )
    assert event.person_ids == [open_case.child_id]


def test_addendum_refusals(town, open_case):
    note = _note(town.caseworker, open_case)
    with pytest.raises(HelhedError) as exc:
        services.journal_addendum_add(actor=town.caseworker, case_id=open_case.pk, note_id=note.pk, body="  ")
    assert exc.value.field == "body"
    other = services.case_open(
        actor=town.caseworker,
        child=PersonFactory(),
        responsible_unit=town.investigation,
        responsible_caseworker=town.caseworker,
    )
    with pytest.raises(HelhedError) as exc:
        # A note on one case cannot be amended through another case the actor can see.
        services.journal_addendum_add(actor=town.caseworker, case_id=other.pk, note_id=note.pk, body="Tilføjelse")
    assert exc.value.code == "not_found"
    with pytest.raises(Http404):
        services.journal_addendum_add(
            actor=town.other_caseworker, case_id=open_case.pk, note_id=note.pk, body="Tilføjelse"
        )
    assert not JournalAddendum.objects.exists()


# -- documents ---------------------------------------------------------------------------------------


@pytest.fixture
def docroot(settings, tmp_path):
    root = tmp_path / "documents"
    settings.DOCUMENT_ROOT = root
    return root


def _files(root):
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _upload(actor, case, name, content, **kw):
    return services.document_upload(
        actor=actor,
        case_id=case.pk,
        uploaded_file=SimpleUploadedFile(
            name, content, content_type=kw.pop("content_type", "application/octet-stream")
        ),
        title=kw.pop("title", "Skoleudtalelse"),
        kind=kw.pop("kind", "statement"),
        **kw,
    )


def test_pdf_upload_is_stored_under_document_root(town, open_case, docroot):
    import hashlib

    doc = _upload(town.caseworker, open_case, "udtalelse.pdf", MINIMAL_PDF, shared_with_team=True)
    assert doc.content_type == "application/pdf"  # from the content check, not the browser's claim
    assert doc.size == len(MINIMAL_PDF)
    assert doc.sha256 == hashlib.sha256(MINIMAL_PDF).hexdigest()
    assert doc.original_name == "udtalelse.pdf"
    assert doc.storage_name.endswith(".pdf")
    assert "udtalelse" not in doc.storage_name  # never the user's file name on disk
    files = _files(docroot)
    assert len(files) == 1
    assert files[0].name == doc.storage_name
    assert files[0].read_bytes() == MINIMAL_PDF
    assert files[0].resolve().is_relative_to(docroot.resolve())
    line = TimelineEvent.objects.get(case=open_case, kind="document")
    assert line.title == "Dokument: Skoleudtalelse"
    assert line.shared_with_team
    event = _last_event()
    assert (event.action, event.object_type) == (AuditAction.CREATE, "cases.document")
    assert event.detail == {"size": len(MINIMAL_PDF), "type": "application/pdf"}


def test_png_upload_is_accepted(town, open_case, docroot):
    doc = _upload(town.caseworker, open_case, "Tegning.PNG", PNG, kind="other")
    assert doc.content_type == "image/png"
    assert doc.storage_name.endswith(".png")


def _docx(with_word_part=True):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        if with_word_part:
            zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def test_docx_upload_is_accepted(town, open_case, docroot):
    doc = _upload(town.caseworker, open_case, "referat.docx", _docx())
    assert doc.content_type.endswith("wordprocessingml.document")


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("udtalelse.pdf", EXE, "disguised"),  # an .exe renamed .pdf
        ("billede.png", b"<html><script>alert(1)</script></html>", "disguised"),
        ("billede.jpg", MINIMAL_PDF, "disguised"),
        ("referat.docx", _docx(with_word_part=False), "disguised"),  # any zip is not a Word file
        ("program.exe", EXE, "type"),
        ("side.html", b"<html></html>", "type"),
        ("noter.txt", b"hej", "type"),
        ("udtalelse", MINIMAL_PDF, "type"),  # no extension at all
    ],
)
def test_refused_uploads_leave_nothing_behind(town, open_case, docroot, name, content, code):
    before = _snapshot()
    with pytest.raises(HelhedError) as exc:
        _upload(town.caseworker, open_case, name, content)
    assert exc.value.code == code
    assert exc.value.field == "file"
    if code == "disguised":
        assert "Filens indhold passer ikke til filtypen" in str(exc.value)
    else:
        assert str(exc.value).startswith("Filtypen er ikke tilladt. Tilladte typer: PDF, PNG, JPEG")
    assert _files(docroot) == []
    assert _snapshot() == before


def test_oversized_upload_is_refused(town, open_case, docroot, settings):
    settings.DOCUMENT_MAX_BYTES = 2 * 1024 * 1024
    content = MINIMAL_PDF + b"%" + b"x" * (3 * 1024 * 1024)
    before = _snapshot()
    with pytest.raises(HelhedError) as exc:
        _upload(town.caseworker, open_case, "stor.pdf", content)
    assert exc.value.code == "too_large"
    assert str(exc.value) == "Filen er for stor (3.0 MB). Den største tilladte størrelse er 2 MB."
    assert _files(docroot) == []
    assert _snapshot() == before


def test_upload_exactly_at_the_limit_is_accepted(town, open_case, docroot, settings):
    settings.DOCUMENT_MAX_BYTES = len(MINIMAL_PDF)
    _upload(town.caseworker, open_case, "lige.pdf", MINIMAL_PDF)
    settings.DOCUMENT_MAX_BYTES = len(MINIMAL_PDF) - 1
    with pytest.raises(HelhedError):
        _upload(town.caseworker, open_case, "lige.pdf", MINIMAL_PDF)
    assert Document.objects.count() == 1


def test_empty_upload_is_refused(town, open_case, docroot):
    before = _snapshot()
    with pytest.raises(HelhedError) as exc:
        _upload(town.caseworker, open_case, "tom.pdf", b"")
    assert str(exc.value) == "Filen er tom. Vælg filen igen."
    assert _files(docroot) == []
    assert _snapshot() == before


def test_unknown_document_kind_is_refused(town, open_case, docroot):
    with pytest.raises(HelhedError) as exc:
        _upload(town.caseworker, open_case, "udtalelse.pdf", MINIMAL_PDF, kind="secret")
    assert exc.value.field == "kind"
    assert _files(docroot) == []


def test_failure_after_the_file_is_written_removes_the_file(town, open_case, docroot, monkeypatch):
    from helhed.core import audit

    def broken(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record", broken)
    before = _snapshot()
    with pytest.raises(RuntimeError):
        _upload(town.caseworker, open_case, "udtalelse.pdf", MINIMAL_PDF)
    assert _files(docroot) == []
    assert _snapshot() == before


def test_upload_needs_permission(town, open_case, docroot):
    services.team_member_add(
        actor=town.caseworker, case_id=open_case.pk, user=town.school_social_worker, role=TeamRole.SCHOOL_SOCIAL_WORKER
    )
    with pytest.raises(Forbidden):
        _upload(town.school_social_worker, open_case, "udtalelse.pdf", MINIMAL_PDF)
    with pytest.raises(Http404):
        _upload(town.other_caseworker, open_case, "udtalelse.pdf", MINIMAL_PDF)
    assert _files(docroot) == []
    assert not Document.objects.exists()


# -- break the glass ---------------------------------------------------------------------------------


def test_break_glass_gives_time_limited_read_access(town, open_case, settings):
    settings.BREAK_GLASS_MINUTES = 30
    with pytest.raises(Http404):
        case_for(town.other_caseworker, open_case.pk)
    grant = services.break_glass_open(
        actor=town.other_caseworker, case_id=open_case.pk, reason="  Politiet ringer om akut anbringelse  "
    )
    assert grant.expires_at - grant.granted_at == timedelta(minutes=30)
    assert grant.reason == "Politiet ringer om akut anbringelse"
    assert abs((grant.granted_at - timezone.now()).total_seconds()) < 60
    event = _last_event()
    assert event.action == AuditAction.BREAK_GLASS
    assert event.reason == "Politiet ringer om akut anbringelse"
    assert event.case_id == open_case.pk
    assert event.person_ids == [open_case.child_id]
    assert event.detail == {"expires_at": grant.expires_at.isoformat()}

    actor = type(town.other_caseworker).objects.get(pk=town.other_caseworker.pk)
    access = case_for(actor, open_case.pk, need=CasePerm.VIEW_JOURNAL)
    assert access.relation.break_glass
    with pytest.raises(Forbidden):
        _note(actor, open_case)

    BreakGlassGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(Http404):
        case_for(actor, open_case.pk)


def test_break_glass_default_is_two_hours(town, open_case):
    grant = services.break_glass_open(
        actor=town.other_leader, case_id=open_case.pk, reason="Akut henvendelse fra skadestuen"
    )
    assert grant.expires_at - grant.granted_at == timedelta(hours=2)


@pytest.mark.parametrize("reason", ["", "   ", "akut", "123456789", " 12345678 "])
def test_break_glass_needs_a_real_reason(town, open_case, reason):
    before = _snapshot()
    with pytest.raises(HelhedError) as exc:
        services.break_glass_open(actor=town.other_caseworker, case_id=open_case.pk, reason=reason)
    assert exc.value.field == "reason"
    assert str(exc.value) == "Skriv en konkret begrundelse for nødadgangen (mindst 10 tegn)."
    assert _snapshot() == before


@pytest.mark.parametrize(
    "who", ["teacher", "school_social_worker", "employment_adviser", "analyst", "administrator", "dpo", "counsellor"]
)
def test_break_glass_only_for_caseworkers_and_leaders(town, open_case, who):
    before = _snapshot()
    with pytest.raises(Forbidden) as exc:
        services.break_glass_open(
            actor=getattr(town, who), case_id=open_case.pk, reason="Akut henvendelse fra politiet"
        )
    assert str(exc.value) == "Kun rådgivere og ledere kan bruge nødadgang."
    assert _snapshot() == before


def test_break_glass_on_a_missing_case_is_404(town):
    with pytest.raises(Http404):
        services.break_glass_open(actor=town.other_caseworker, case_id=424242, reason="Akut henvendelse fra politiet")
    assert not BreakGlassGrant.objects.exists()
