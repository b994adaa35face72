"""The pure parts of the compliance report and the overdue notices: periods, filters, rate, median, rounding,
the leaders' grace of two working days, and the chart's SVG clean-up."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import translation

from helhed.core.errors import HelhedError
from helhed.deadlines import charts, policies
from helhed.deadlines.policies import Period

CPH = policies.COPENHAGEN
TODAY = date(2025, 6, 18)


def test_buckets_by_month_and_quarter():
    assert policies.buckets(date(2024, 11, 1), date(2025, 2, 1), Period.MONTH) == [
        "2024-11",
        "2024-12",
        "2025-01",
        "2025-02",
    ]
    assert policies.buckets(date(2024, 11, 1), date(2025, 6, 1), Period.QUARTER) == ["2024-Q4", "2025-Q1", "2025-Q2"]
    assert policies.bucket_key(date(2025, 9, 1), Period.QUARTER) == "2025-Q3"
    assert policies.bucket_start(date(2025, 12, 1), Period.QUARTER) == date(2025, 10, 1)
    with translation.override("da"):
        assert policies.bucket_label("2025-Q3") == "3. kvartal 2025"
        assert policies.bucket_label("2025-07") == "2025-07"


def test_period_bounds_are_copenhagen_month_starts():
    start, end = policies.period_bounds(date(2025, 1, 1), date(2025, 3, 1))
    assert start == datetime(2025, 1, 1, tzinfo=CPH)
    assert end == datetime(2025, 4, 1, tzinfo=CPH)
    assert end.utcoffset().total_seconds() == 7200  # summer time began on 30 March


def test_filter_defaults_to_the_last_twelve_months_by_month():
    flt = policies.parse_compliance_filter({}, today=TODAY)
    assert (flt.period, flt.first, flt.last, flt.rule_id, flt.unit_id) == (
        Period.MONTH,
        date(2024, 7, 1),
        date(2025, 6, 1),
        "",
        None,
    )
    assert flt.as_query() == {"period": "month", "from": "2024-07", "to": "2025-06"}


def test_a_quarter_filter_covers_whole_quarters():
    flt = policies.parse_compliance_filter(
        {"period": "quarter", "from": "2025-02", "to": "2025-04", "rule": "concern.receipt", "unit": "7"}, today=TODAY
    )
    assert (flt.first, flt.last) == (date(2025, 1, 1), date(2025, 6, 1))
    assert flt.bucket_keys == ["2025-Q1", "2025-Q2"]
    assert (flt.rule_id, flt.unit_id) == ("concern.receipt", 7)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "week"}, "period"),
        ({"from": "2025-13"}, "from"),
        ({"from": "25-01"}, "from"),
        ({"to": "1999-12"}, "to"),
        ({"from": "2025-05", "to": "2025-04"}, "from"),
        ({"from": "2015-01", "to": "2025-01"}, "from"),
        ({"rule": "no.such.rule"}, "rule"),
        ({"unit": "abc"}, "unit"),
        ({"unit": "99999999999"}, "unit"),
        ({"unit": "-1"}, "unit"),
    ],
)
def test_bad_filters_are_refused_in_danish(params, field):
    with translation.override("da"), pytest.raises(HelhedError) as exc:
        policies.parse_compliance_filter(params, today=TODAY)
    assert exc.value.field == field
    assert exc.value.status_code == 400
    assert any(word in str(exc.value.message) for word in ("Skriv", "Vælg", "skal"))


def test_on_time_rate_leaves_waived_out_and_has_no_rate_for_nothing_owed():
    assert policies.on_time_rate(3, 1, 0) == 0.75
    assert policies.on_time_rate(1, 1, 2) == 0.25
    assert policies.on_time_rate(0, 0, 0) is None


def test_median_and_days():
    assert policies.median([]) is None
    assert policies.median([5]) == 5
    assert policies.median([3, 1, 2]) == 2
    assert policies.median([4, 1, 3, 2]) == 2.5
    assert policies.days(None) is None
    assert policies.days(36 * 3600) == 1.5
    assert policies.days(0.25 * 86400) == 0.3  # half up, not to even
    assert policies.percent(2 / 3) == "66,7 %"
    assert policies.percent(None) == "–"


@pytest.mark.parametrize(
    ("due", "notice_from"),
    [
        (datetime(2025, 3, 10, 10, 0, tzinfo=CPH), datetime(2025, 3, 13, tzinfo=CPH)),  # Mon → Thu
        (datetime(2025, 3, 14, 23, 59, 59, tzinfo=CPH), datetime(2025, 3, 19, tzinfo=CPH)),  # Fri → Wed
        # Tue 23 Dec 2025: 24, 25, 26 Dec are closed, so the two working days are Mon 29 and Tue 30 Dec.
        (datetime(2025, 12, 23, 12, 0, tzinfo=CPH), datetime(2025, 12, 31, tzinfo=CPH)),
    ],
)
def test_leaders_are_told_after_two_working_days(due, notice_from):
    assert policies.leader_notice_from(due) == notice_from


def test_the_svg_is_stripped_of_script_style_handlers_and_outside_links():
    dirty = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10">'
        "<style>rect{fill:red}</style><script>alert(1)</script>"
        '<g onclick="alert(1)" style="fill:red"><rect width="1" height="1" fill="blue"/>'
        '<a xlink:href="javascript:alert(1)"><text>x</text></a></g>'
        "<foreignObject><div>x</div></foreignObject></svg>"
    )
    clean = charts.sanitize_svg(dirty, label="Andel overholdt")
    for bad in ("<script", "<style", "style=", "onclick", "javascript:", "foreignObject"):
        assert bad not in clean
    assert 'role="img"' in clean and 'aria-label="Andel overholdt"' in clean
    assert "<title>Andel overholdt</title>" in clean
    assert 'fill="blue"' in clean
    assert clean.startswith("<svg ") and ":svg" not in clean and ":rect" not in clean


def test_the_svg_keeps_no_prefix_whatever_else_registered_the_svg_namespace():
    import xml.etree.ElementTree as ET

    ET.register_namespace("", "urn:x-other")  # what another library may do to the global prefix map
    try:
        clean = charts.sanitize_svg('<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', label="x")
    finally:
        ET._namespace_map.pop("urn:x-other", None)
    assert clean.startswith("<svg ") and "<rect" in clean


def test_the_chart_renders_offline_as_clean_svg():
    series = [
        {"period": "2025-01", "order": "2025-01", "rule": "Kvittering til underretteren", "share": 0.5},
        {"period": "2025-02", "order": "2025-02", "rule": "Kvittering til underretteren", "share": 0.75},
    ]
    svg = charts.share_chart(series, label="Andel", x_title="Måned", y_title="Andel", colour_title="Frist")
    assert svg is not None and svg.startswith("<svg")
    assert "<script" not in svg and "<style" not in svg and "style=" not in svg
    assert 'role="img"' in svg
    assert charts.share_chart([], label="x", x_title="x", y_title="x", colour_title="x") is None


def test_bucket_starts_are_the_local_month_or_quarter_starts_and_the_end():
    starts = policies.bucket_starts(date(2025, 2, 1), date(2025, 4, 1), Period.QUARTER)
    assert starts == [
        ("2025-Q1", datetime(2025, 1, 1, tzinfo=CPH)),
        ("2025-Q2", datetime(2025, 4, 1, tzinfo=CPH)),
        ("", datetime(2025, 7, 1, tzinfo=CPH)),
    ]
    months = policies.bucket_starts(date(2025, 3, 1), date(2025, 4, 1), Period.MONTH)
    assert [key for key, _start in months] == ["2025-03", "2025-04", ""]
    assert months[1][1].utcoffset().total_seconds() == 7200  # April starts in summer time


def test_one_decimal_with_a_decimal_comma():
    assert policies.one_decimal(None) == ""
    assert policies.one_decimal(2.25) == "2,3"
    assert policies.one_decimal(100) == "100,0"
