"""The pure rules of open, anonymous counselling: transitions, what an anonymous text may not contain, access,
the stage of a converted case, the consent date and the journal note. No database."""

from __future__ import annotations

from datetime import date

import pytest

from helhed.counselling import policies
from helhed.counselling.models import CounsellingStatus as S
from helhed.organisation.models import UnitKind


@pytest.mark.parametrize(
    ("from_status", "to_status", "allowed"),
    [
        (S.OPEN, S.CLOSED, True),
        (S.OPEN, S.CONVERTED, True),
        (S.CLOSED, S.OPEN, True),
        (S.CLOSED, S.CONVERTED, False),  # reopen first
        (S.CONVERTED, S.OPEN, False),  # a converted course is final
        (S.CONVERTED, S.CLOSED, False),
        (S.OPEN, S.OPEN, False),
        (S.CLOSED, S.CLOSED, False),
    ],
)
def test_the_transition_table(from_status, to_status, allowed):
    assert policies.transition_allowed(from_status, to_status) is allowed


def test_the_table_names_exactly_three_moves():
    assert set(policies.TRANSITIONS.values()) == {"close", "convert", "reopen"}


@pytest.mark.parametrize(
    "text",
    [
        "Barnet har cpr 0102031234",
        "010203-1234",
        "010203 – 1234",
        "01.02.03-1234",
        "01 02 03 1234",
        "x0102031234y",
        "nummer 123456789012",
        "０１０２０３１２３４",  # full-width digits
    ],
)
def test_cpr_like_numbers_are_refused(text):
    problem = policies.identity_problem(text)
    assert problem and "CPR-nummer" in problem


def test_an_email_address_is_refused():
    problem = policies.identity_problem("Skriv til mor@example.dk")
    assert problem and "e-mailadresse" in problem


@pytest.mark.parametrize(
    "text",
    [
        "Pigen med cyklen",
        "Samtale 01.02.2026 kl. 10:30 om skolen",
        "Ringede 3 gange, 45 minutter i alt",
        "Telefon 12345678",  # eight digits: not a CPR number (the forms warn about phone numbers)
        "Mødtes i uge 12 2026",
        "",
    ],
)
def test_ordinary_text_passes(text):
    assert policies.identity_problem(text) is None


def test_access_is_for_the_units_staff_and_leaders():
    assert policies.may_access(5, staff_unit_ids={5}, led_unit_ids=set())
    assert policies.may_access(5, staff_unit_ids=set(), led_unit_ids={1, 5})  # leader (also of the parent unit)
    assert not policies.may_access(5, staff_unit_ids={6}, led_unit_ids={7})


@pytest.mark.parametrize(
    ("kind", "stage"),
    [
        (UnitKind.OPEN_COUNSELLING, "open_counselling.counselling"),
        (UnitKind.INVESTIGATION_GROUP, "family_unit.investigation"),
        (UnitKind.FAMILY_UNIT, "family_unit.investigation"),
        (UnitKind.ACTION_GROUP, None),
        (UnitKind.MUNICIPAL_SCHOOL, None),
    ],
)
def test_the_stage_of_a_converted_case(kind, stage):
    assert policies.stage_for(kind) == stage


def test_the_consent_date_must_be_given_and_between_the_start_and_today():
    today, opened = date(2026, 3, 10), date(2026, 3, 1)
    assert policies.consent_date_problem(None, today=today, opened_on=opened)
    assert "fremtiden" in policies.consent_date_problem(date(2026, 3, 11), today=today, opened_on=opened)
    assert "før forløbet begyndte" in policies.consent_date_problem(date(2026, 2, 28), today=today, opened_on=opened)
    assert policies.consent_date_problem(date(2026, 3, 1), today=today, opened_on=opened) is None
    assert policies.consent_date_problem(today, today=today, opened_on=opened) is None


def test_the_journal_note_carries_every_contact_and_the_consent():
    course = policies.NoteCourse(
        pseudonym="Pigen med cyklen",
        unit="Åben anonym rådgivning",
        opened_on=date(2026, 3, 1),
        age_band="13–15 år",
        contact_by="Barnet eller den unge selv",
        topics=("Skole og dagtilbud", "Trivsel og mental sundhed"),
        contacts=(
            policies.NoteContact(date(2026, 3, 1), "Telefon", 25, "Ked af skolen."),
            policies.NoteContact(date(2026, 3, 8), "Personligt fremmøde", 45, "Mor var med."),
        ),
        consent_by="Mette Testesen (forældremyndighedsindehaver)",
        consent_on=date(2026, 3, 9),
        consent_text="At forløbet bliver en sag.",
        recorded_by="Åse Åben",
    )
    body = policies.handover_note_body(course)
    assert '"Pigen med cyklen"' in body and "01.03.2026" in body
    assert "Kontakter (2):" in body
    assert "- 01.03.2026, telefon, 25 min.: Ked af skolen." in body
    assert "- 08.03.2026, personligt fremmøde, 45 min.: Mor var med." in body
    assert "Givet af Mette Testesen (forældremyndighedsindehaver) den 09.03.2026." in body
    assert "Samtykket omfatter: At forløbet bliver en sag." in body
    assert "Registreret af Åse Åben." in body
