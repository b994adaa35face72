"""The catalogue's pure rules, without a database: cost and pro rata by month, the funding split, capacity over a
period, the waiting list's order and expected starts, and the maximum duration."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from helhed.interventions import policies

D = Decimal


def costs(**kw):
    return [(m.isoformat(), str(a)) for m, a in policies.monthly_cost(**kw)]


def test_month_spans_cover_each_day_once_across_a_year_end():
    spans = policies.month_spans(date(2026, 12, 15), date(2027, 2, 10))
    assert [(s.month, s.days, s.month_days) for s in spans] == [
        (date(2026, 12, 1), 17, 31),
        (date(2027, 1, 1), 31, 31),
        (date(2027, 2, 1), 10, 28),
    ]
    assert policies.month_spans(date(2027, 1, 2), date(2027, 1, 1)) == []


def test_monthly_price_is_pro_rata_by_the_days_of_each_month():
    result = costs(price=D("12000"), price_unit="month", units=D(1), start=date(2027, 1, 16), end=date(2027, 3, 31))
    # 16 of 31 days in January, all of February and March.
    assert result == [("2027-01-01", "6193.55"), ("2027-02-01", "12000.00"), ("2027-03-01", "12000.00")]


def test_leap_february_and_a_single_day():
    assert costs(price=D("2900"), price_unit="month", units=D(1), start=date(2028, 2, 29), end=date(2028, 2, 29)) == [
        ("2028-02-01", "100.00")
    ]


def test_day_price_counts_calendar_days_times_units():
    result = costs(price=D("1500"), price_unit="day", units=D("0.5"), start=date(2027, 1, 30), end=date(2027, 2, 2))
    assert result == [("2027-01-01", "1500.00"), ("2027-02-01", "1500.00")]


def test_hour_price_is_hours_a_month_pro_rata():
    result = costs(price=D("450"), price_unit="hour", units=D(10), start=date(2027, 4, 1), end=date(2027, 5, 15))
    # 10 hours a month at 450 kr.: all of April, 15 of 31 days of May.
    assert result == [("2027-04-01", "4500.00"), ("2027-05-01", "2177.42")]


def test_course_price_is_spread_by_days_and_sums_exactly():
    monthly = policies.monthly_cost(
        price=D("10000"), price_unit="course", units=D(1), start=date(2027, 1, 1), end=date(2027, 3, 31)
    )
    assert [str(a) for _m, a in monthly] == ["3444.44", "3111.11", "3444.45"]
    assert sum(a for _m, a in monthly) == D("10000.00")
    assert policies.total_cost(
        price=D("10000"), price_unit="course", units=D(2), start=date(2027, 1, 1), end=date(2027, 1, 1)
    ) == D("20000.00")


def test_unknown_price_unit_is_an_error_not_a_zero():
    with pytest.raises(ValueError):
        policies.monthly_cost(price=D(1), price_unit="week", units=D(1), start=date(2027, 1, 1), end=date(2027, 1, 2))


def test_split_always_sums_to_the_amount():
    # Each half rounds up to 50.01; the first of the largest shares gives the extra øre back.
    assert policies.split(D("100.01"), [("SOF", D(50)), ("BUF", D(50))]) == [("SOF", D("50.00")), ("BUF", D("50.01"))]
    parts = policies.split(D("1000.00"), [("SOF", D("33.33")), ("BUF", D("33.33")), ("BIF", D("33.34"))])
    assert sum(p for _k, p in parts) == D("1000.00")
    assert dict(parts)["BIF"] == D("333.40")
    assert policies.split(D("10"), []) == []


@pytest.mark.parametrize(
    "shares, ok",
    [([D(50), D(50)], True), ([D(100)], True), ([D(60), D(50)], False), ([], False), ([D(0), D(100)], False)],
)
def test_shares_must_sum_to_a_hundred(shares, ok):
    assert (policies.shares_problem(shares) is None) is ok


def test_peak_occupancy_and_room():
    periods = [(date(2027, 1, 1), date(2027, 1, 31)), (date(2027, 1, 15), date(2027, 2, 15))]
    assert policies.peak_occupancy(periods, date(2027, 1, 1), date(2027, 3, 1)) == 2
    assert policies.peak_occupancy(periods, date(2027, 2, 1), date(2027, 3, 1)) == 1
    # A place ending on the 31st is free on the 1st: no overlap on the changeover day.
    assert policies.has_room(2, periods, date(2027, 2, 1), date(2027, 2, 28))
    assert not policies.has_room(2, periods, date(2027, 1, 20), date(2027, 1, 20))
    assert policies.has_room(None, periods * 10, date(2027, 1, 20), date(2027, 1, 20))
    assert (
        policies.peak_occupancy(
            [(date(2027, 1, 1), date(2027, 1, 10)), (date(2027, 1, 11), date(2027, 1, 20))],
            date(2027, 1, 1),
            date(2027, 1, 31),
        )
        == 1
    )


def test_occupancy_by_month_averages_place_days():
    periods = [(date(2027, 1, 1), date(2027, 1, 31)), (date(2027, 1, 17), date(2027, 2, 28))]
    rows = policies.occupancy_by_month(periods, date(2027, 1, 1), 3)
    assert rows == [
        (date(2027, 1, 1), D("1.5"), 2),
        (date(2027, 2, 1), D("1.0"), 1),
        (date(2027, 3, 1), D("0.0"), 0),
    ]


def test_waiting_list_order_is_first_come_first_served():
    entries = [(7, datetime(2027, 1, 3)), (3, datetime(2027, 1, 5)), (9, datetime(2027, 1, 3))]
    assert policies.queue_order(entries) == [7, 9, 3]


def test_expected_starts_follow_the_ends_of_running_grants():
    today = date(2027, 1, 10)
    ends = [date(2027, 3, 31), date(2027, 2, 28), date(2026, 12, 31)]  # the last one has ended already
    assert policies.expected_starts(2, ends, 3, today) == [date(2027, 3, 1), date(2027, 4, 1), None]
    assert policies.expected_starts(3, ends, 2, today) == [today, date(2027, 3, 1)]
    assert policies.expected_starts(None, ends, 2, today) == [today, today]
    assert policies.expected_starts(2, ends, 0, today) == []


def test_add_months_clamps_to_the_month_end():
    assert policies.add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert policies.add_months(date(2027, 11, 15), 3) == date(2028, 2, 15)
    assert policies.duration_limit_end(date(2027, 1, 1), 6) == date(2027, 6, 30)
    assert policies.duration_limit_end(date(2027, 1, 1), None) is None


def test_max_duration_counts_earlier_grants_of_the_same_offer():
    earlier = [(date(2027, 1, 1), date(2027, 3, 31))]
    kw = {"max_months": 6, "earlier": earlier}
    assert not policies.exceeds_max_duration(start=date(2027, 4, 1), end=date(2027, 6, 30), **kw)
    assert policies.exceeds_max_duration(start=date(2027, 4, 1), end=date(2027, 7, 1), **kw)
    # A gap does not count as time in the offer.
    assert not policies.exceeds_max_duration(start=date(2027, 9, 1), end=date(2027, 11, 30), **kw)
    assert not policies.exceeds_max_duration(
        max_months=None, earlier=earlier, start=date(2027, 1, 1), end=date(2030, 1, 1)
    )
    assert policies.days_used([(date(2027, 1, 1), date(2027, 1, 10)), (date(2027, 1, 5), date(2027, 1, 12))]) == 12


def test_near_max_duration_warns_in_the_last_month():
    periods = [(date(2027, 1, 1), date(2027, 6, 30))]
    assert policies.near_max_duration(max_months=6, periods=periods, today=date(2027, 6, 1))
    assert not policies.near_max_duration(max_months=12, periods=periods, today=date(2027, 6, 1))
    assert not policies.near_max_duration(max_months=None, periods=periods, today=date(2027, 6, 1))


def test_cvr_numbers_are_checked_with_stdnum():
    assert policies.clean_cvr(" 1358 5628 ") == ("13585628", None)
    value, problem = policies.clean_cvr("13585627")
    assert value == "" and "ikke et gyldigt CVR-nummer" in problem
    assert policies.clean_cvr("")[1]


def test_ladder_steps_one_to_three_are_close_to_the_general_school():
    assert [s.number for s in policies.LADDER] == [1, 2, 3, 4, 5, 6]
    assert [policies.close_to_general(n) for n in range(1, 7)] == [True, True, True, False, False, False]
    assert not policies.close_to_general(99)


def test_complaint_guidance_follows_the_law_of_the_offer():
    assert "Ankestyrelsen" in policies.complaint_guidance("Barnets lov § 32, stk. 1, nr. 3")
    assert "Klagenævnet for Specialundervisning" in policies.complaint_guidance("Folkeskoleloven § 3, stk. 2")


def test_cost_lines_split_each_month_between_the_payers():
    lines = policies.cost_lines(
        price=D("12000"),
        price_unit="month",
        units=D(1),
        start=date(2027, 1, 16),
        end=date(2027, 2, 28),
        shares=[("SOF", D(50)), ("BUF", D(50))],
    )
    assert [(m.isoformat(), payer, str(a)) for m, payer, a in lines] == [
        ("2027-01-01", "SOF", "3096.77"),  # 6193.55 halved: the first of the equal shares gives the øre back
        ("2027-01-01", "BUF", "3096.78"),
        ("2027-02-01", "SOF", "6000.00"),
        ("2027-02-01", "BUF", "6000.00"),
    ]


def test_the_paying_unit_is_the_offers_choice_else_the_case_units_family_unit():
    kw = {"administration": "SOF", "case_unit_administration": "SOF", "family_unit": "BFE Nord"}
    assert policies.paying_unit(chosen="SOF stab", **kw) == "SOF stab"
    assert policies.paying_unit(chosen=None, **kw) == "BFE Nord"
    assert policies.paying_unit(chosen=None, **{**kw, "administration": "BUF"}) is None
