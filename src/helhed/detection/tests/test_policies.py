"""The concerning-absence rule and the school calendar, without a database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from helhed.detection import policies
from helhed.detection.policies import DayAbsence, SchoolCalendar

AS_OF = date(2027, 3, 19)  # a Friday
CALENDAR = SchoolCalendar(breaks=((date(2027, 2, 15), date(2027, 2, 19)),))  # winter holiday, week 7


def whole(day: date, kind: str = "illness") -> DayAbsence:
    return DayAbsence(day, Decimal(1), kind)


def test_school_days_skip_weekends_public_holidays_and_school_breaks():
    days = CALENDAR.school_days(date(2027, 2, 12), date(2027, 2, 23))
    assert days == [date(2027, 2, 12), date(2027, 2, 22), date(2027, 2, 23)]
    assert not CALENDAR.is_school_day(date(2027, 3, 25))  # skærtorsdag
    assert not CALENDAR.is_school_day(date(2027, 1, 1))


def test_the_window_is_three_months_ending_on_the_day():
    rule = policies.absence_rule_in_force(AS_OF)
    assert policies.window(AS_OF, rule) == (date(2026, 12, 20), AS_OF)


def test_ten_percent_of_school_days_flags_with_the_numbers_shown():
    rule = policies.absence_rule_in_force(AS_OF)
    start, end = policies.window(AS_OF, rule)
    days = CALENDAR.school_days(start, end)
    needed = -(-len(days) // 10)  # ceil(10 %)
    below = policies.evaluate([whole(d) for d in days[: needed - 1]], as_of=AS_OF, calendar=CALENDAR)
    assert not below.flagged and below.absent_days == needed - 1
    at = policies.evaluate([whole(d) for d in days[:needed]], as_of=AS_OF, calendar=CALENDAR)
    assert at.flagged and at.school_days == len(days)
    assert at.reasons == [
        f"Fravær {at.share * 100:.1f} % af skoledagene de seneste 3 måneder (grænse 10 %).".replace(".", ",", 1)
    ]


def test_absence_outside_the_window_or_on_days_off_does_not_count():
    weekend_and_break = [whole(date(2027, 3, 13)), whole(date(2027, 2, 16)), whole(date(2026, 12, 1))]
    finding = policies.evaluate(weekend_and_break * 10, as_of=AS_OF, calendar=CALENDAR)
    assert finding.absent_days == 0 and not finding.flagged


def test_a_day_counts_once_and_lessons_count_as_part_of_a_day():
    day = date(2027, 3, 1)
    records = [DayAbsence(day, Decimal("0.5"), "illness"), DayAbsence(day, Decimal("0.75"), "unauthorised")]
    finding = policies.evaluate(records, as_of=AS_OF, calendar=CALENDAR)
    assert finding.absent_days == Decimal(1)


def test_five_school_days_in_a_row_of_unauthorised_absence_flag_across_a_weekend():
    run = [date(2027, 3, 4), date(2027, 3, 5), date(2027, 3, 8), date(2027, 3, 9), date(2027, 3, 10)]
    finding = policies.evaluate([whole(d, "unauthorised") for d in run], as_of=AS_OF, calendar=CALENDAR)
    assert finding.longest_unauthorised_run == 5
    assert "5 skoledage i træk med ulovligt fravær (grænse 5)." in finding.reasons
    # Illness in the same days is absence, but not an unauthorised run; a part-day breaks the run.
    ill = policies.evaluate([whole(d) for d in run], as_of=AS_OF, calendar=CALENDAR)
    assert ill.longest_unauthorised_run == 0
    broken = [whole(d, "unauthorised") for d in run[:2]] + [DayAbsence(run[2], Decimal("0.5"), "unauthorised")]
    broken += [whole(d, "unauthorised") for d in run[3:]]
    assert policies.evaluate(broken, as_of=AS_OF, calendar=CALENDAR).longest_unauthorised_run == 2


def test_the_rule_in_force_is_chosen_by_date():
    newer = policies.AbsenceRule("absence.concerning", "2027-1", date(2027, 8, 1), Decimal("0.08"), 2, 4, "x")
    rules = (*policies.ABSENCE_RULES, newer)
    assert policies.absence_rule_in_force(date(2027, 7, 31), rules).version == "2026-1"
    assert policies.absence_rule_in_force(date(2027, 8, 1), rules).version == "2027-1"
    with pytest.raises(LookupError):
        policies.absence_rule_in_force(date(2000, 1, 1))


def test_no_school_days_means_no_finding():
    summer = SchoolCalendar(breaks=((AS_OF - timedelta(days=200), AS_OF),))
    finding = policies.evaluate([whole(AS_OF)], as_of=AS_OF, calendar=summer)
    assert finding.school_days == 0 and finding.share == 0 and not finding.flagged


def test_compulsory_school_age_runs_from_august_of_the_sixth_year_to_july_of_the_sixteenth():
    from helhed.detection.policies import compulsory_birth_range, compulsory_school_age

    born = date(2020, 3, 14)
    assert not compulsory_school_age(born, date(2026, 7, 31))
    assert compulsory_school_age(born, date(2026, 8, 1))
    assert compulsory_school_age(born, date(2036, 7, 31))
    assert not compulsory_school_age(born, date(2036, 8, 1))
    for on in (date(2026, 12, 7), date(2026, 3, 1), date(2026, 8, 1), date(2026, 7, 31)):
        first, last = compulsory_birth_range(on)
        assert compulsory_school_age(first, on) and compulsory_school_age(last, on)
        assert not compulsory_school_age(first - timedelta(days=1), on)
        assert not compulsory_school_age(last + timedelta(days=1), on)


def test_the_alert_moves_only_along_its_transitions():
    from helhed.detection.policies import alert_move_allowed

    assert alert_move_allowed("new", "acknowledged")
    assert alert_move_allowed("meeting_booked", "plan")
    assert not alert_move_allowed("new", "plan")
    assert not alert_move_allowed("closed", "new")
    assert not alert_move_allowed("plan", "closed")


def test_reported_period_limits_the_school_days_counted():
    from decimal import Decimal

    from helhed.detection.policies import DayAbsence, SchoolCalendar, evaluate

    cal = SchoolCalendar()
    as_of = date(2026, 11, 27)
    first_reported = date(2026, 11, 16)  # two school weeks reported: 10 days
    absences = [DayAbsence(date(2026, 11, 16) + timedelta(days=i), Decimal(1), "illness") for i in (0, 1)]
    finding = evaluate(absences, as_of=as_of, calendar=cal, reported=(first_reported, as_of))
    assert finding.school_days == 10
    assert finding.share == Decimal("0.2000") and finding.flagged
