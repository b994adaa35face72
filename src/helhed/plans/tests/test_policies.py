"""The plan's pure rules, without a database: the life areas, the youth plan's age, and the difference between
two versions."""

from __future__ import annotations

from datetime import date

import pytest

from helhed.plans import policies
from helhed.plans.models import Rating
from helhed.plans.policies import GoalSnapshot


def _goal(key="a", **kw) -> GoalSnapshot:
    base = {"key": key, "life_area": "learning", "text": "Karla kommer i skole hver dag", "administration": "BUF"}
    base.update(kw)
    return GoalSnapshot(**base)


# -- life areas -----------------------------------------------------------------------------------------


def test_the_life_areas_are_the_six_of_the_plan_and_four_of_the_youth_plan():
    general = [a.code for a in policies.life_areas(youth=False)]
    assert general == ["health", "learning", "development", "leisure", "family", "housing_economy"]
    assert [str(a.label) for a in policies.life_areas(youth=False)] == [
        "Sundhed",
        "Dagtilbud, skole og læring",
        "Udvikling og adfærd",
        "Fritid og venskaber",
        "Familie og netværk",
        "Bolig, beskæftigelse og økonomi",
    ]
    youth = [a.code for a in policies.life_areas(youth=True) if a.youth]
    assert youth == ["youth_education", "youth_employment", "youth_housing", "youth_aftercare"]
    assert len(policies.life_areas(youth=True)) == 10
    assert len({a.code for a in policies.LIFE_AREAS}) == len(policies.LIFE_AREAS)
    assert policies.LIFE_AREAS_VERSION


def test_an_unknown_life_area_is_none_and_shown_as_its_code():
    assert policies.life_area("astrology") is None
    assert policies.life_area_label("astrology") == "astrology"
    assert policies.life_area_label("health") == "Sundhed"


def test_grouped_puts_goals_under_their_areas_in_the_lists_order():
    goals = [_goal("1", life_area="family"), _goal("2", life_area="health"), _goal("3", life_area="youth_housing")]
    assert [(area, [g.key for g in rows]) for area, rows in policies.grouped(goals, youth=False)] == [
        ("Sundhed", ["2"]),
        ("Familie og netværk", ["1"]),
    ]
    assert [area for area, _rows in policies.grouped(goals, youth=True)] == ["Egen bolig"]


def test_the_ratings_are_one_list():
    assert tuple(Rating.values) == policies.RATINGS
    assert [str(label) for label in Rating.labels] == ["Opnået", "Fremskridt", "Ingen fremskridt", "Forværret"]


# -- the youth plan -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2010, 5, 6), date(2026, 5, 5), 15),
        (date(2010, 5, 6), date(2026, 5, 6), 16),
        (date(2010, 5, 6), date(2026, 12, 31), 16),
        (date(2008, 2, 29), date(2024, 2, 28), 15),  # a leap-day child is 16 on 1 March in other years
        (date(2008, 2, 29), date(2024, 2, 29), 16),
        (date(2009, 2, 28), date(2025, 2, 27), 15),
    ],
)
def test_age_on(born, on, age):
    assert policies.age_on(born, on) == age


def test_the_youth_section_applies_from_the_16th_birthday_and_not_without_a_birth_date():
    born = date(2010, 5, 6)
    assert not policies.youth_section_applies(born, date(2026, 5, 5))
    assert policies.youth_section_applies(born, date(2026, 5, 6))
    assert policies.youth_section_applies(born, date(2030, 1, 1))
    assert not policies.youth_section_applies(None, date(2030, 1, 1))


# -- the difference between versions --------------------------------------------------------------------


def test_no_change_gives_no_difference():
    goals = [_goal("a"), _goal("b", life_area="health", text="Sover 8 timer")]
    assert policies.diff_goals(goals, list(goals)) == []


def test_a_goal_added_removed_and_changed_field_by_field():
    before = [
        _goal("a"),
        _goal("b", life_area="health", text="Sover 8 timer", measures=("Sundhedsplejerske",)),
        _goal("c", life_area="leisure", text="Går til fodbold"),
    ]
    after = [
        _goal("b", life_area="health", text="Sover 9 timer", measures=("Sundhedsplejerske", "Søvnskema")),
        _goal("a"),
        _goal("d", life_area="family", text="Ser sin far hver anden weekend"),
    ]
    changes = policies.diff_goals(before, after)
    assert [(c.kind, c.key) for c in changes] == [("changed", "b"), ("added", "d"), ("removed", "c")]
    changed = changes[0]
    assert changed.text == "Sover 9 timer" and changed.life_area_label == "Sundhed"
    assert [(f.field, f.old, f.new) for f in changed.changes] == [
        ("text", "Sover 8 timer", "Sover 9 timer"),
        ("measures", "Sundhedsplejerske", "Sundhedsplejerske\nSøvnskema"),
    ]
    assert [f.label for f in changed.changes] == ["Mål", "Indsatser"]
    assert changes[2].text == "Går til fodbold"  # a removed goal keeps its old text
    assert changes[1].changes == () and changes[2].changes == ()


def test_a_changed_life_area_and_responsible_are_shown_by_their_names():
    before = [_goal("a", responsible="Rikke Rådgiver")]
    after = [_goal("a", life_area="development", administration="SOF", responsible="")]
    (change,) = policies.diff_goals(before, after)
    assert [(f.field, f.old, f.new) for f in change.changes] == [
        ("life_area", "Dagtilbud, skole og læring", "Udvikling og adfærd"),
        ("administration", "BUF", "SOF"),
        ("responsible", "Rikke Rådgiver", ""),
    ]


def test_every_goal_field_is_compared():
    names = [name for name, _label in policies.GOAL_FIELDS]
    assert set(names) == set(GoalSnapshot.__dataclass_fields__) - {"key"}
    for name in names:
        value = ("ny",) if name == "measures" else "ny"
        (change,) = policies.diff_goals([_goal("a")], [_goal("a", **{name: value})])
        assert [f.field for f in change.changes] == [name]


def test_a_first_version_is_all_new_goals():
    changes = policies.diff_goals([], [_goal("a"), _goal("b")])
    assert [c.kind for c in changes] == ["added", "added"]


def test_the_plans_own_fields_are_compared_with_dates_in_danish_form():
    before = {"purpose": "Trivsel i skolen", "psychiatry_plan_date": None, "psychiatry_contact": ""}
    after = {"purpose": "Trivsel i skolen", "psychiatry_plan_date": date(2026, 3, 4), "psychiatry_contact": "BUC"}
    changes = policies.diff_fields(before, after)
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("psychiatry_contact", "", "BUC"),
        ("psychiatry_plan_date", "", "04.03.2026"),
    ]
    assert policies.diff_fields(after, dict(after)) == []


def test_measures_are_trimmed_lines_without_blanks():
    assert policies.clean_measures("  Skoleloop \n\n Mentor\r\n  ") == ["Skoleloop", "Mentor"]
    assert policies.clean_measures(["a", " ", "b "]) == ["a", "b"]
    assert policies.clean_measures(None) == []
