"""The pure organisation rules: no database."""

from __future__ import annotations

from datetime import date

import pytest

from helhed.organisation import policies
from helhed.organisation.models import Role, UnitKind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-08-01", date(2024, 8, 1)),
        ("2024-8-1", date(2024, 8, 1)),
        ("01-08-2024", date(2024, 8, 1)),
        ("01.08.2024", date(2024, 8, 1)),
        ("1/8/2024", date(2024, 8, 1)),
        (" 29-02-2024 ", date(2024, 2, 29)),
    ],
)
def test_dates_in_iso_and_danish_order(text, expected):
    assert policies.parse_date(text) == expected


@pytest.mark.parametrize("text", ["31-02-2024", "2024-13-01", "29-02-2023", "01-08-24", "i morgen", "", "2024/08/01"])
def test_impossible_or_unreadable_dates_say_how_to_write_them(text):
    with pytest.raises(policies.Invalid) as exc:
        policies.parse_date(text)
    assert "ÅÅÅÅ-MM-DD" in exc.value.message and "DD-MM-ÅÅÅÅ" in exc.value.message
    assert exc.value.field == "valid_from"


def test_a_role_may_be_written_as_value_or_danish_label_in_any_case():
    assert policies.role("caseworker") == Role.CASEWORKER
    assert policies.role("  RÅDGIVER ") == Role.CASEWORKER
    assert policies.role("Leder") == Role.LEADER
    assert policies.unit_kind("Folkeskole") == UnitKind.MUNICIPAL_SCHOOL


def test_an_unknown_role_lists_every_valid_value():
    with pytest.raises(policies.Invalid) as exc:
        policies.role("chef")
    message = exc.value.message
    assert "Ukendt rolle 'chef'" in message
    for value, label in Role.choices:
        assert f"{value} ({label})" in message


def test_an_unknown_kind_lists_every_valid_value():
    with pytest.raises(policies.Invalid) as exc:
        policies.unit_kind("skole")
    assert all(value in exc.value.message for value in UnitKind.values)


def test_title_is_optional_but_must_be_known_when_given():
    assert policies.title("") == ""
    assert policies.title("Lærer") == "teacher"
    with pytest.raises(policies.Invalid):
        policies.title("rektor")


@pytest.mark.parametrize("name", ["rikke", "rikke.r@kk.dk", "a_b-c+d"])
def test_valid_usernames(name):
    assert policies.username(f" {name} ") == name


@pytest.mark.parametrize("name", ["", "rikke r", "rikke;r", "x" * 151])
def test_invalid_usernames(name):
    with pytest.raises(policies.Invalid):
        policies.username(name)


def test_email_and_unit_code():
    assert policies.email(" a@kk.dk ") == "a@kk.dk"
    with pytest.raises(policies.Invalid):
        policies.email("ikke en adresse")
    assert policies.unit_code("BFE-NORD") == "BFE-NORD"
    with pytest.raises(policies.Invalid):
        policies.unit_code("BFE NORD")


def test_periods_overlap_including_both_end_days_and_open_ends():
    d = date
    assert policies.periods_overlap(d(2024, 1, 1), None, d(2025, 1, 1), None)
    assert policies.periods_overlap(d(2024, 1, 1), d(2024, 6, 30), d(2024, 6, 30), None)
    assert not policies.periods_overlap(d(2024, 1, 1), d(2024, 6, 29), d(2024, 6, 30), None)
    assert not policies.periods_overlap(d(2025, 1, 1), None, d(2024, 1, 1), d(2024, 12, 31))


def test_parent_cycles():
    assert policies.parent_cycle("a", {"a": "b", "b": "a"})
    assert policies.parent_cycle("a", {"a": "a"})
    assert not policies.parent_cycle("a", {"a": "b", "b": None})
    # A loop higher up is reported by its own members, not by every unit below it.
    assert not policies.parent_cycle("a", {"a": "b", "b": "c", "c": "b"})


def test_danish_labels_are_understood_when_the_page_is_in_english():
    from django.utils import translation

    with translation.override("en"):
        assert policies.role("Rådgiver") == Role.CASEWORKER
        assert policies.role("Caseworker") == Role.CASEWORKER
        assert policies.unit_kind("Folkeskole") == UnitKind.MUNICIPAL_SCHOOL
