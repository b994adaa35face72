"""The deadline engine without a database: calendar, rule versions, due times and their explanations."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from helhed.core.errors import HelhedError
from helhed.deadlines import policies
from helhed.deadlines.rules import RULES, Law, Notifier, Trigger, Unit

CPH = policies.COPENHAGEN
CAL = policies.WorkingDays()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CPH)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-11-23", True),  # Monday
        ("2026-11-21", False),  # Saturday
        ("2023-05-05", False),  # store bededag 2023 (a holiday until 2023)
        ("2024-04-26", True),  # the Friday that was store bededag: a working day from 2024
        ("2026-04-02", False),  # skærtorsdag
        ("2026-04-06", False),  # 2. påskedag
        ("2026-05-14", False),  # Kristi himmelfartsdag
        ("2026-05-25", False),  # 2. pinsedag
        ("2026-06-05", False),  # grundlovsdag (closing day)
        ("2026-12-24", False),  # juleaftensdag (closing day)
        ("2026-12-31", False),  # nytårsaftensdag (closing day)
        ("2027-01-01", False),  # nytårsdag
        ("2026-05-01", True),  # 1. maj is not a public holiday
    ],
)
def test_working_days(day, working):
    assert CAL.is_working_day(date.fromisoformat(day)) is working


def test_closing_days_are_configurable():
    no_closing = policies.WorkingDays(closing_days=())
    assert no_closing.is_working_day(date(2026, 12, 24))
    assert not no_closing.is_working_day(date(2026, 12, 25))


def test_receipt_over_christmas_explains_itself_in_english():
    with translation.override("en"):
        due = policies.compute("concern.receipt", at=at("2026-12-23T10:00"))
    assert due.due == date(2027, 1, 6)
    assert due.explanation == (
        "due 2027-01-06: BL § 137, 6 working days after receipt on 2026-12-23; "
        "24, 25, 26 and 31 December and 1 January are not working days"
    )


def test_receipt_explains_itself_in_danish():
    with translation.override("da"):
        due = policies.compute("concern.receipt", at=at("2026-12-23T10:00"))
    assert due.explanation.endswith("24., 25., 26. og 31. december og 1. januar er ikke hverdage")


def test_receipt_over_easter():
    due = policies.compute("concern.receipt", at=at("2026-03-31T09:00"))  # Tuesday before Easter
    # Wed 1 (1), Thu 2 skærtorsdag, Fri 3 langfredag, Mon 6 2. påskedag, Tue 7 (2) ... Mon 13 (6)
    assert due.due == date(2026, 4, 13)
    assert due.skipped == [date(2026, 4, 2), date(2026, 4, 3), date(2026, 4, 5), date(2026, 4, 6)]


def test_sel_applies_before_2024_and_bl_from_2024():
    before = policies.compute("concern.receipt", at=at("2023-12-31T23:30"))
    after = policies.compute("concern.receipt", at=at("2024-01-01T00:30"))
    assert (before.rule.law, before.rule.paragraph) == (Law.SEL, "§ 155 b, stk. 1")
    assert (after.rule.law, after.rule.paragraph) == (Law.BL, "§ 137")


def test_the_law_follows_the_local_date_not_utc():
    # 2024-01-01 00:30 in Copenhagen is still 2023-12-31 in UTC: BL applies.
    due = policies.compute("concern.assess_24h", at=datetime.fromisoformat("2023-12-31T23:30:00+00:00"))
    assert due.rule.law == Law.BL


def test_assessment_month_end_clamp():
    due = policies.compute("assessment.complete", at=at("2026-10-31T12:00"))
    assert due.due == date(2027, 2, 28)
    due = policies.compute("assessment.complete", at=at("2027-10-31T12:00"))
    assert due.due == date(2028, 2, 29)  # leap year
    with translation.override("en"):
        assert "no day 31" in policies.compute("assessment.complete", at=at("2026-10-31T12:00")).explanation


@pytest.mark.parametrize(
    ("start", "due"),
    [
        ("2026-03-28T10:00:00+01:00", "2026-03-29T11:00:00+02:00"),  # spring forward: 24 real hours
        ("2026-10-24T10:00:00+02:00", "2026-10-25T09:00:00+01:00"),  # fall back
        ("2026-06-10T10:00:00+02:00", "2026-06-11T10:00:00+02:00"),
    ],
)
def test_24_hours_are_real_hours_across_daylight_saving(start, due):
    result = policies.compute("concern.assess_24h", at=datetime.fromisoformat(start))
    assert result.due == datetime.fromisoformat(due)
    assert (result.due - datetime.fromisoformat(start)) == timedelta(hours=24)


def test_plan_before_decision_for_placement_without_consent():
    assert policies.compute("plan.create", at=at("2026-05-10T12:00")).due == date(2026, 8, 10)
    assert policies.compute("plan.create", at=at("2026-05-10T12:00"), placed=True).due == date(2026, 5, 10)


def test_birthday_rules_use_the_law_on_the_birthday():
    born = date(2009, 8, 31)
    plan16 = policies.compute("youth.plan_16", at=at("2009-08-31T00:00"), birth_date=born)
    assert plan16.due == date(2025, 8, 31) and plan16.rule.law == Law.BL
    assert policies.compute("youth.decide_before_18", at=at("2009-08-31T00:00"), birth_date=born).due == date(
        2027, 2, 28
    )
    assert policies.compute("aftercare.end", at=at("2009-08-31T00:00"), birth_date=born).due == date(2032, 8, 31)
    old = policies.compute("youth.plan_16", at=at("2000-03-01T00:00"), birth_date=date(2000, 3, 1))
    assert old.rule.law == Law.SEL  # 16th birthday in 2016


def test_which_rules_a_trigger_starts():
    assert policies.rules_for(Trigger.CONCERN_RECEIVED, notifier=Notifier.PROFESSIONAL) == [
        "concern.assess_24h",
        "concern.receipt",
    ]
    assert policies.rules_for(Trigger.CONCERN_RECEIVED, notifier=Notifier.ANONYMOUS) == ["concern.assess_24h"]
    assert "youth.decide_before_18" not in policies.rules_for(Trigger.BIRTH)
    assert "youth.decide_before_18" in policies.rules_for(Trigger.BIRTH, placed=True)


def test_every_rule_id_has_exactly_one_version_in_force_on_any_day():
    for rule_id in {r.id for r in RULES}:
        for day in (date(2020, 1, 1), date(2023, 12, 31), date(2024, 1, 1), date(2030, 6, 1)):
            assert sum(1 for r in RULES if r.id == rule_id and r.in_force(day)) == 1


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        policies.compute("concern.assess_24h", at=datetime(2026, 1, 1, 10, 0))


moments = st.datetimes(min_value=datetime(2019, 1, 1), max_value=datetime(2031, 12, 31), timezones=st.just(CPH))
calendar_rules = [r.id for r in RULES if r.unit in (Unit.WORKING_DAYS, Unit.MONTHS, Unit.HOURS)]


@settings(max_examples=200, deadline=None)
@given(moments, st.sampled_from(sorted(set(calendar_rules))))
def test_a_due_is_never_before_its_start(moment, rule_id):
    due = policies.compute(rule_id, at=moment)
    start = moment if isinstance(due.due, datetime) else policies.local(moment).date()
    assert due.due >= start


@settings(max_examples=200, deadline=None)
@given(moments)
def test_a_working_day_due_is_a_working_day(moment):
    assert CAL.is_working_day(policies.compute("concern.receipt", at=moment).due)


@settings(max_examples=200, deadline=None)
@given(moments, st.integers(min_value=0, max_value=400), st.sampled_from(sorted(set(calendar_rules))))
def test_a_later_start_never_gives_an_earlier_due(moment, hours, rule_id):
    first = policies.compute(rule_id, at=moment).due
    later = policies.compute(rule_id, at=moment + timedelta(hours=hours)).due
    assert later >= first


def test_cli_explain_prints_json():
    out = StringIO()
    call_command(
        "deadlines",
        "explain",
        "--trigger",
        "concern_received",
        "--at",
        "2026-12-23T10:00:00+01:00",
        "--notifier",
        "professional",
        stdout=out,
    )
    rows = json.loads(out.getvalue())
    assert [r["rule"] for r in rows] == ["concern.assess_24h", "concern.receipt"]
    assert rows[1] == {
        "rule": "concern.receipt",
        "law": "BL",
        "paragraph": "§ 137",
        "due": "2027-01-06",
        "explanation": "due 2027-01-06: BL § 137, 6 working days after receipt on 2026-12-23; "
        "24, 25, 26 and 31 December and 1 January are not working days",
    }
    assert rows[0]["due"] == "2026-12-24T10:00:00+01:00"


def test_a_review_may_choose_an_earlier_next_review_with_a_reason():
    at = datetime(2026, 11, 22, 10, 0, tzinfo=policies.COPENHAGEN)
    latest = policies.compute("plan.review", at=at)
    assert latest.due == date(2027, 5, 22) and latest.rule.paragraph == "§ 95"
    due = policies.compute("plan.review", at=at, chosen=date(2027, 2, 1), reason="Skoleskift i januar")
    assert due.due == date(2027, 2, 1)
    assert "Skoleskift i januar" in due.explanation and "2027-05-22" in due.explanation


@pytest.mark.parametrize(
    ("chosen", "reason", "code"),
    [
        (date(2027, 5, 23), "For sent", "after_latest"),  # a day after the statutory latest
        (date(2026, 11, 21), "Før opfølgningen", "invalid"),
        (date(2027, 2, 1), "  ", "reason_missing"),
    ],
)
def test_a_chosen_date_outside_the_law_or_without_a_reason_is_refused(chosen, reason, code):
    at = datetime(2026, 11, 22, 10, 0, tzinfo=policies.COPENHAGEN)
    with pytest.raises(HelhedError) as exc:
        policies.compute("plan.review", at=at, chosen=chosen, reason=reason)
    assert exc.value.code == code
