"""The services of open, anonymous counselling: record, refuse identifying text, add contacts, close and reopen,
and the handover into a case — refused without consent, complete with it, and never half-saved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from helhed.cases import services as case_services
from helhed.cases.models import Case, JournalNote, TimelineEvent
from helhed.core.errors import Conflict, HelhedError
from helhed.core.models import AuditAction, AuditEvent
from helhed.counselling import services
from helhed.counselling.models import (
    AnonymousCounselling,
    CounsellingContact,
    CounsellingStatus,
    CounsellingTopic,
)
from helhed.flow.models import CaseStage
from helhed.people.models import Person, RelationKind
from helhed.testing.factories import PersonFactory, Role, UnitFactory, UnitKind, staff, synthetic_cpr

from .conftest import consent, contact, course_in

pytestmark = pytest.mark.django_db


# -- recording ---------------------------------------------------------------------------------------------


def test_a_counsellor_records_a_course_without_identity(town):
    course = services.counselling_open(actor=town.counsellor, data=course_in())
    assert course.unit == town.counselling and course.counsellor == town.counsellor
    assert course.status == CounsellingStatus.OPEN and course.version == 1
    assert sorted(course.topics.values_list("topic", flat=True)) == ["school", "wellbeing"]
    assert course.contacts.count() == 1
    assert [h.to_status for h in course.history.all()] == ["open"]
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="counselling.anonymouscounselling")
    assert event.object_id == str(course.pk) and event.person_ids == [] and event.actor == town.counsellor


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"pseudonym": "Karla 010203-1234"}, "pseudonym", "CPR-nummer"),
        ({"pseudonym": "   "}, "pseudonym", "kaldenavn"),
        ({"pseudonym": "x" * 81}, "pseudonym", "for lang"),
        ({"age_band": "99"}, "age_band", "alder"),
        ({"contact_by": "cat"}, "contact_by", "henvendte"),
        ({"topics": []}, "topics", "mindst ét emne"),
        ({"topics": ["school", "astrology"]}, "topics", "Ukendt emne"),
        ({"first_contact": contact(summary="Mors cpr er 0102031234")}, "summary", "CPR-nummer"),
        ({"first_contact": contact(summary="Skriv til mor@example.dk")}, "summary", "e-mailadresse"),
        ({"first_contact": contact(summary="")}, "summary", "resumé"),
        ({"first_contact": contact(duration_minutes=0)}, "duration_minutes", "minutter"),
        ({"first_contact": contact(channel="pigeon")}, "channel", "kontakten foregik"),
        (
            {"first_contact": contact(occurred_on=timezone.localdate() + timedelta(days=1))},
            "occurred_on",
            "fremtiden",
        ),
    ],
)
def test_bad_input_is_refused_in_danish_and_nothing_is_saved(town, change, field, words):
    with pytest.raises(HelhedError) as exc:
        services.counselling_open(actor=town.counsellor, data=course_in(**change))
    assert exc.value.status_code == 400 and exc.value.field == field
    assert words in str(exc.value.message)
    assert not AnonymousCounselling.objects.exists() and not CounsellingContact.objects.exists()


def test_someone_outside_a_counselling_unit_cannot_record_a_course(town):
    with pytest.raises(HelhedError) as exc:
        services.counselling_open(actor=town.caseworker, data=course_in())
    assert "arbejder ikke i en åben anonym rådgivning" in str(exc.value.message)
    with pytest.raises(HelhedError):
        services.counselling_open(actor=town.counsellor, data=course_in(unit_id=town.investigation.pk))


def test_a_double_submit_saves_the_course_once(town):
    services.counselling_open(actor=town.counsellor, data=course_in(), submission_key="k1")
    with pytest.raises(Conflict):
        services.counselling_open(actor=town.counsellor, data=course_in(), submission_key="k1")
    assert AnonymousCounselling.objects.count() == 1


# -- contacts, close and reopen -----------------------------------------------------------------------------


def test_a_contact_is_added_and_bumps_the_version(town, course):
    added = services.contact_add(
        actor=town.counsellor, counselling_id=course.pk, data=contact(channel="online", summary="Chat om venner.")
    )
    course.refresh_from_db()
    assert course.contacts.count() == 2 and added.channel == "online" and course.version == 2
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="counselling.counsellingcontact", object_id=str(added.pk)
    ).exists()


def test_a_contact_with_a_cpr_number_is_refused(town, course):
    with pytest.raises(HelhedError) as exc:
        services.contact_add(actor=town.counsellor, counselling_id=course.pk, data=contact(summary="cpr 0102031234"))
    assert exc.value.field == "summary"
    assert course.contacts.count() == 1


def test_close_and_reopen_with_history(town, course):
    closed = services.counselling_close(actor=town.counsellor, counselling_id=course.pk, note="Fik svar.", version=1)
    assert closed.status == CounsellingStatus.CLOSED and closed.closed_at is not None
    with pytest.raises(Conflict) as exc:
        services.contact_add(actor=town.counsellor, counselling_id=course.pk, data=contact())
    assert "Genåbn" in str(exc.value.message)
    with pytest.raises(Conflict):
        services.counselling_close(actor=town.counsellor, counselling_id=course.pk)
    reopened = services.counselling_reopen(actor=town.counsellor, counselling_id=course.pk, note="Ringede igen.")
    assert reopened.status == CounsellingStatus.OPEN and reopened.closed_at is None
    assert [(h.from_status, h.to_status) for h in course.history.all()] == [
        ("", "open"),
        ("open", "closed"),
        ("closed", "open"),
    ]


def test_a_stale_version_is_refused_with_409(town, course):
    services.contact_add(actor=town.counsellor, counselling_id=course.pk, data=contact())
    with pytest.raises(Conflict) as exc:
        services.counselling_close(actor=town.counsellor, counselling_id=course.pk, version=1)
    assert exc.value.status_code == 409 and "Genindlæs siden" in str(exc.value.message)
    with pytest.raises(Conflict):
        services.counselling_convert(
            actor=town.counsellor, counselling_id=course.pk, consent=consent(), child_id=1, version=1
        )


# -- the handover into a case -------------------------------------------------------------------------------


def test_conversion_without_consent_is_refused(town, course, child):
    for given in (None, services.ConsentIn()):
        with pytest.raises(HelhedError) as exc:
            services.counselling_convert(
                actor=town.counsellor, counselling_id=course.pk, consent=given, child_id=child.pk
            )
        assert exc.value.status_code == 400
        assert str(exc.value.message) == (
            "Forløbet kan kun blive en sag med navn og CPR-nummer, når familien har givet samtykke. "
            "Registrér samtykket."
        )
    course.refresh_from_db()
    assert course.status == CounsellingStatus.OPEN and course.case is None
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"given_by": ""}, "consent_name"),
        ({"relation": "neighbour"}, "consent_relation"),
        ({"given_on": None}, "consent_on"),
        ({"given_on": timezone.localdate() + timedelta(days=1)}, "consent_on"),
        ({"given_on": timezone.localdate() - timedelta(days=30)}, "consent_on"),  # before the course began
        ({"text": " "}, "consent_text"),
    ],
)
def test_an_incomplete_consent_is_refused_field_by_field(town, course, child, change, field):
    with pytest.raises(HelhedError) as exc:
        services.counselling_convert(
            actor=town.counsellor, counselling_id=course.pk, consent=consent(**change), child_id=child.pk
        )
    assert exc.value.field == field and exc.value.status_code == 400
    assert not Case.objects.exists()


def test_conversion_opens_the_case_writes_the_journal_and_records_the_consent(town, course, child):
    services.contact_add(
        actor=town.counsellor, counselling_id=course.pk, data=contact(channel="in_person", summary="Mor var med.")
    )
    result = services.counselling_convert(
        actor=town.counsellor, counselling_id=course.pk, consent=consent(), child_id=child.pk, version=2
    )
    case = result.case
    assert not result.attached
    assert case.child == child and case.responsible_unit == town.counselling and case.is_active
    assert CaseStage.objects.get(case=case, until__isnull=True).stage == "open_counselling.counselling"
    note = JournalNote.objects.get(case=case)
    assert note == result.note and not note.shared_with_team
    assert "Pigen er ked af det i skolen" in note.body and "Mor var med." in note.body
    assert "Mette Testesen (forældremyndighedsindehaver)" in note.body
    assert note.occurred_on == timezone.localdate()
    course.refresh_from_db()
    assert course.status == CounsellingStatus.CONVERTED and course.case == case and course.journal_note_id == note.pk
    assert course.consent_name == "Mette Testesen" and course.consent_relation == "custody_holder"
    assert course.consent_on == timezone.localdate() and course.converted_by == town.counsellor
    assert [h.to_status for h in course.history.all()][-1] == "converted"
    event = AuditEvent.objects.get(
        action=AuditAction.UPDATE, object_type="counselling.anonymouscounselling", object_id=str(course.pk)
    )
    assert event.person_ids == [child.pk] and event.case_id == case.pk
    # A converted course is final.
    with pytest.raises(Conflict):
        services.counselling_convert(actor=town.counsellor, counselling_id=course.pk, consent=consent())
    with pytest.raises(Conflict):
        services.contact_add(actor=town.counsellor, counselling_id=course.pk, data=contact())


def test_conversion_can_create_the_child(town, course):
    cpr = synthetic_cpr()
    result = services.counselling_convert(
        actor=town.counsellor,
        counselling_id=course.pk,
        consent=consent(given_by="Nora Nyesen", relation="young_person"),
        new_child=services.NewChild(first_name="Nora", last_name="Nyesen", cpr=cpr),
    )
    child = result.case.child
    assert child.last_name == "Nyesen" and child.cpr_masked == f"{cpr[:6]}-xxxx"
    assert "Nora Nyesen (den unge selv)" in result.note.body
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="people.person", person_ids=[child.pk])


def test_a_new_child_with_a_bad_cpr_number_saves_nothing(town, course):
    with pytest.raises(HelhedError) as exc:
        services.counselling_convert(
            actor=town.counsellor,
            counselling_id=course.pk,
            consent=consent(),
            new_child=services.NewChild(first_name="Nora", last_name="Nyesen", cpr="321399-1234"),
        )
    assert exc.value.field == "cpr"
    assert not Person.objects.filter(last_name="Nyesen").exists() and not Case.objects.exists()


def test_a_registered_custody_holder_can_be_named_as_consent_giver(town, child):
    from helhed.people import services as people_services

    mother = PersonFactory(first_name="Mette", last_name="Testesen")
    people_services.relation_add(actor=town.counsellor, person=child, relative=mother, kind=RelationKind.CUSTODY_HOLDER)
    stranger = PersonFactory(first_name="Sten", last_name="Fremmed")
    course = services.counselling_open(actor=town.counsellor, data=course_in())
    with pytest.raises(HelhedError) as exc:
        services.counselling_convert(
            actor=town.counsellor,
            counselling_id=course.pk,
            consent=consent(given_by="", relation="", person_id=stranger.pk),
            child_id=child.pk,
        )
    assert exc.value.field == "consent_person" and not Case.objects.exists()
    services.counselling_convert(
        actor=town.counsellor,
        counselling_id=course.pk,
        consent=consent(given_by="", relation="", person_id=mother.pk),
        child_id=child.pk,
    )
    course.refresh_from_db()
    assert course.consent_person == mother and course.consent_name == mother.full_name
    assert course.consent_relation == "custody_holder"


def test_a_child_with_an_open_case_in_the_counsellors_unit_gets_the_course_in_that_case(town, course, child):
    case = case_services.case_open(
        actor=town.counsellor, child=child, responsible_unit=town.counselling, responsible_caseworker=town.counsellor
    )
    result = services.counselling_convert(
        actor=town.counsellor, counselling_id=course.pk, consent=consent(), child_id=child.pk
    )
    assert result.attached and result.case == case
    assert Case.objects.count() == 1 and JournalNote.objects.filter(case=case).count() == 1
    assert not CaseStage.objects.filter(case=case).exists()  # the existing case keeps its stage


def test_nothing_is_half_saved_when_the_child_has_an_open_case_elsewhere(town, course, open_case):
    """The child's case is in the investigation group, where Åse cannot write: refused, and neither the new
    person, nor a case, nor a note, nor the course's conversion is saved."""
    before = AuditEvent.objects.count()
    with pytest.raises(Conflict) as exc:
        services.counselling_convert(
            actor=town.counsellor, counselling_id=course.pk, consent=consent(), child_id=open_case.child_id
        )
    assert exc.value.status_code == 409 and "allerede en åben sag" in str(exc.value.message)
    course.refresh_from_db()
    assert course.status == CounsellingStatus.OPEN and course.case is None and course.consent_name == ""
    assert Case.objects.count() == 1 and not JournalNote.objects.filter(case=open_case).exists()
    assert AuditEvent.objects.count() == before


def test_nothing_is_half_saved_when_a_late_step_fails(town, course, monkeypatch):
    """The journal note fails after the person and the case were created: everything is rolled back."""
    from helhed.counselling import services as module

    def boom(**kwargs):
        raise HelhedError("Journalen kan ikke skrives lige nu.")

    monkeypatch.setattr(module.case_services, "journal_note_add", boom)
    with pytest.raises(HelhedError):
        services.counselling_convert(
            actor=town.counsellor,
            counselling_id=course.pk,
            consent=consent(),
            new_child=services.NewChild(first_name="Nora", last_name="Nyesen", no_cpr_reason="ukendt endnu"),
        )
    assert not Person.objects.filter(last_name="Nyesen").exists()
    assert not Case.objects.exists() and not CaseStage.objects.exists() and not TimelineEvent.objects.exists()
    course.refresh_from_db()
    assert course.status == CounsellingStatus.OPEN and course.version == 1
    assert CounsellingTopic.objects.filter(counselling=course).count() == 2


def test_a_closed_course_must_be_reopened_before_conversion(town, course, child):
    services.counselling_close(actor=town.counsellor, counselling_id=course.pk)
    with pytest.raises(Conflict) as exc:
        services.counselling_convert(
            actor=town.counsellor, counselling_id=course.pk, consent=consent(), child_id=child.pk
        )
    assert "Genåbn" in str(exc.value.message)


def test_the_case_is_opened_only_in_a_unit_the_actor_works_in(town, course, child):
    with pytest.raises(HelhedError) as exc:
        services.counselling_convert(
            actor=town.counsellor,
            counselling_id=course.pk,
            consent=consent(),
            child_id=child.pk,
            responsible_unit_id=town.investigation.pk,
        )
    assert exc.value.field == "responsible_unit"
    with pytest.raises(HelhedError) as exc:
        services.counselling_convert(
            actor=town.counsellor,
            counselling_id=course.pk,
            consent=consent(),
            child_id=child.pk,
            responsible_caseworker_id=town.caseworker.pk,
        )
    assert exc.value.field == "responsible_caseworker"
    assert not Case.objects.exists()


def test_an_unknown_child_is_a_400_not_a_404(town, course):
    with pytest.raises(HelhedError) as exc:
        services.counselling_convert(
            actor=town.counsellor, counselling_id=course.pk, consent=consent(), child_id=999999
        )
    assert exc.value.status_code == 400 and exc.value.field == "child"
    with pytest.raises(HelhedError) as exc:
        services.counselling_convert(actor=town.counsellor, counselling_id=course.pk, consent=consent())
    assert exc.value.field == "child"


# -- access ------------------------------------------------------------------------------------------------


@pytest.fixture
def other_counsellor(town):
    other_unit = UnitFactory(name="Åben rådgivning Syd", kind=UnitKind.OPEN_COUNSELLING, administration=town.sof)
    return staff("ole", Role.COUNSELLOR, other_unit, first_name="Ole", last_name="Syd")


def test_another_units_counsellor_gets_404_on_every_write(town, course, other_counsellor, child):
    for call in (
        lambda: services.contact_add(actor=other_counsellor, counselling_id=course.pk, data=contact()),
        lambda: services.counselling_close(actor=other_counsellor, counselling_id=course.pk),
        lambda: services.counselling_reopen(actor=other_counsellor, counselling_id=course.pk),
        lambda: services.counselling_convert(
            actor=other_counsellor, counselling_id=course.pk, consent=consent(), child_id=child.pk
        ),
    ):
        with pytest.raises(Http404):
            call()
    assert course.contacts.count() == 1


def test_the_leader_of_the_parent_unit_may_work_on_the_course(town, course):
    parent = UnitFactory(name="Rådgivningerne", kind=UnitKind.ADMINISTRATION_OFFICE, administration=town.sof)
    town.counselling.parent = parent
    town.counselling.save(update_fields=["parent"])
    boss = staff("birte", Role.LEADER, parent, first_name="Birte", last_name="Chef")
    services.contact_add(actor=boss, counselling_id=course.pk, data=contact())
    assert course.contacts.count() == 2
