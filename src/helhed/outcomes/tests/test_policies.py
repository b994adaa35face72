"""The outcome compass's pure rules (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from helhed.outcomes import policies
from helhed.outcomes.policies import CHILD_COMPASS, changes, instrument_in_force, next_due, score_problems

ALL_FIVES = {t.key: 5 for t in CHILD_COMPASS.themes}


def test_the_demo_compass_has_six_themes_three_perspectives_and_six_months():
    assert [t.key for t in CHILD_COMPASS.themes] == [
        "school",
        "health",
        "leisure_friends",
        "family",
        "behaviour",
        "wellbeing",
    ]
    assert set(CHILD_COMPASS.perspectives) == set(policies.Perspective)
    assert CHILD_COMPASS.interval_months == 6
    assert all(t.low_da and t.high_da for t in CHILD_COMPASS.themes)


def test_a_complete_measurement_has_no_problems():
    assert score_problems(CHILD_COMPASS, ALL_FIVES) == {}
    assert score_problems(CHILD_COMPASS, {**ALL_FIVES, "school": "10"}) == {}


@pytest.mark.parametrize("value", [0, 11, "4,5", "x", "", None, -1, "7 "])
def test_a_score_off_the_scale_or_not_whole_is_refused_with_the_theme_named(value):
    problems = score_problems(CHILD_COMPASS, {**ALL_FIVES, "health": value})
    if value == "7 ":
        assert problems == {}
        return
    assert set(problems) == {"health"} and "Sundhed" in problems["health"] and "1 til 10" in problems["health"]


def test_a_missing_theme_and_an_unknown_theme_are_named():
    scores = dict(ALL_FIVES)
    del scores["family"]
    scores["mood"] = 3
    problems = score_problems(CHILD_COMPASS, scores)
    assert "family" in problems and "mood" in problems[""]


def test_change_per_theme_and_its_direction():
    result = {c.theme.key: c for c in changes(CHILD_COMPASS, {**ALL_FIVES, "school": 3}, {**ALL_FIVES, "health": 4})}
    assert (result["school"].delta, result["school"].direction) == (2, "up")
    assert (result["health"].delta, result["health"].direction) == (-1, "down")
    assert result["family"].direction == "same"
    partial = changes(CHILD_COMPASS, {"school": 3}, ALL_FIVES)
    assert partial[1].delta is None and partial[1].direction == ""


def test_the_next_measurement_is_due_after_the_interval_clamped_to_the_month():
    assert next_due(date(2026, 8, 31), CHILD_COMPASS) == date(2027, 2, 28)
    assert next_due(date(2026, 1, 15), CHILD_COMPASS) == date(2026, 7, 15)


def test_the_version_in_force_is_chosen_by_date():
    newer = policies.CompassInstrument(
        key=CHILD_COMPASS.key,
        version="2027-1",
        valid_from=date(2027, 1, 1),
        title="x",
        themes=CHILD_COMPASS.themes,
        perspectives=CHILD_COMPASS.perspectives,
    )
    pair = (CHILD_COMPASS, newer)
    assert instrument_in_force(CHILD_COMPASS.key, date(2026, 12, 31), pair) is CHILD_COMPASS
    assert instrument_in_force(CHILD_COMPASS.key, date(2027, 1, 1), pair) is newer
    with pytest.raises(LookupError):
        instrument_in_force(CHILD_COMPASS.key, date(2000, 1, 1), pair)
