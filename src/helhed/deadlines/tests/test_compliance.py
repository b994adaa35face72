"""The compliance numbers on a hand-built set of deadlines whose answers are worked out by hand, by month and
by quarter, for each kind of reader; the same numbers through the median's SQL fallback."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from helhed.core.errors import Forbidden
from helhed.core.models import AuditAction, AuditEvent
from helhed.deadlines import policies, selectors
from helhed.deadlines.models import Deadline
from helhed.deadlines.policies import ComplianceFilter, Period

from .conftest import ASSESS, COMPLETE, NOW


def _cells(actor, period=Period.MONTH, **kw):
    flt = ComplianceFilter(period=period, first=date(2025, 1, 1), last=date(2025, 3, 1), **kw)
    report = selectors.compliance(actor=actor, flt=flt, now=NOW)
    return {(c.bucket, c.rule_id, c.unit_id): c for c in report.cells}, report


def _numbers(cell):
    return (cell.total, cell.met, cell.missed, cell.overdue, cell.waived, cell.rate, cell.median_days)


def test_by_month_for_the_leader(deadlines):
    town = deadlines
    cells, report = _cells(town.leader)
    inv, act = town.investigation.pk, town.action.pk
    assert set(cells) == {("2025-01", ASSESS, inv), ("2025-02", ASSESS, inv), ("2025-03", COMPLETE, act)}
    # 22 h, 3 d and 12 h: the median is 22 h = 0.9 days; rate 2 / (2 + 1 + 1).
    assert _numbers(cells[("2025-01", ASSESS, inv)]) == (5, 2, 1, 1, 1, 0.5, 0.9)
    # 12 h, 6 h and 2 d: the median is 12 h.
    assert _numbers(cells[("2025-02", ASSESS, inv)]) == (3, 2, 1, 0, 0, 2 / 3, 0.5)
    assert _numbers(cells[("2025-03", COMPLETE, act)]) == (1, 1, 0, 0, 0, 1.0, 81.0)
    assert cells[("2025-01", ASSESS, inv)].unit_name == town.investigation.name
    assert report.drill_down
    assert {u.pk for u in report.units} == {town.family_unit.pk, inv, act}


def test_by_quarter(deadlines):
    town = deadlines
    cells, _report = _cells(town.leader, period=Period.QUARTER)
    inv, act = town.investigation.pk, town.action.pk
    assert set(cells) == {("2025-Q1", ASSESS, inv), ("2025-Q1", COMPLETE, act)}
    # Six closed: 6 h, 12 h, 12 h, 22 h, 2 d, 3 d → the median is (12 h + 22 h) / 2 = 17 h = 0.7 days.
    assert _numbers(cells[("2025-Q1", ASSESS, inv)]) == (8, 4, 2, 1, 1, 4 / 7, 0.7)
    assert _numbers(cells[("2025-Q1", COMPLETE, act)]) == (1, 1, 0, 0, 0, 1.0, 81.0)


def test_each_reader_sees_their_own_units(deadlines):
    town = deadlines
    analyst_cells, analyst_report = _cells(town.analyst)
    assert ("2025-01", ASSESS, town.other_family_unit.pk) in analyst_cells
    assert not analyst_report.drill_down
    assert len(analyst_cells) == 4
    caseworker_cells, _r = _cells(town.caseworker)
    assert {key[2] for key in caseworker_cells} == {town.investigation.pk}
    other_cells, _r = _cells(town.other_leader)
    assert {key[2] for key in other_cells} == {town.other_family_unit.pk}


def test_rule_and_unit_filters_and_a_unit_outside_the_scope(deadlines):
    town = deadlines
    cells, _r = _cells(town.leader, rule_id=COMPLETE)
    assert list(cells) == [("2025-03", COMPLETE, town.action.pk)]
    cells, _r = _cells(town.leader, unit_id=town.investigation.pk)
    assert {key[2] for key in cells} == {town.investigation.pk}
    with pytest.raises(Forbidden):
        _cells(town.leader, unit_id=town.other_family_unit.pk)


def test_the_look_is_logged_without_persons(deadlines):
    _cells(deadlines.analyst)
    event = AuditEvent.objects.filter(action=AuditAction.LIST, object_type="deadlines.compliance").get()
    assert event.detail["view"] == "compliance" and event.detail["from"] == "2025-01"
    assert event.person_ids == []


def test_the_window_median_agrees_with_the_database_median(deadlines):
    """On PostgreSQL the median comes from percentile_cont; the window-function fallback (SQLite's) must give
    the same numbers (on SQLite this checks the fallback against the hand-worked answers again)."""
    town = deadlines
    for period in (Period.MONTH, Period.QUARTER):
        spans = policies.bucket_spans(date(2025, 1, 1), date(2025, 3, 1), period)
        qs = selectors._compliance_queryset([(start, end) for _key, start, end in spans], NOW)
        window = {key: policies.days(v) for key, v in selectors._medians_by_window(qs, period).items()}
        cells, _r = _cells(town.analyst, period=period)
        assert window == {key: c.median_days for key, c in cells.items() if c.median_days is not None}


def test_the_drill_down_lists_the_deadlines_behind_a_number_on_visible_cases(town, open_case):
    from helhed.cases import services as case_services
    from helhed.testing.factories import PersonFactory

    due = NOW - timedelta(days=3)
    month = policies.month_key(due.date())
    mine = Deadline.objects.create(
        rule_id=ASSESS,
        law="BL",
        paragraph="§ 136",
        title="x",
        case=open_case,
        person=open_case.child,
        unit=town.investigation,
        started_at=due - timedelta(hours=24),
        due_at=due,
        explanation="opdigtet",
    )
    # The same unit's deadline on a case the caseworker cannot see (a colleague's case, unit moved since).
    hidden_case = case_services.case_open(
        actor=town.other_caseworker,
        child=PersonFactory(),
        responsible_unit=town.other_family_unit,
        responsible_caseworker=town.other_caseworker,
    )
    Deadline.objects.create(
        rule_id=ASSESS,
        law="BL",
        paragraph="§ 136",
        title="x",
        case=hidden_case,
        person=hidden_case.child,
        unit=town.investigation,
        started_at=due - timedelta(hours=24),
        due_at=due,
        explanation="opdigtet",
    )
    params = {"rule": ASSESS, "unit": str(town.investigation.pk), "month": month, "outcome": "overdue"}
    data = selectors.compliance_cases(actor=town.caseworker, params=params, now=NOW)
    assert [d.pk for d in data.rows] == [mine.pk]
    assert AuditEvent.objects.filter(
        action=AuditAction.LIST, detail__view="compliance_cases", subjects__person_id=open_case.child_id
    ).exists()
    assert selectors.compliance_cases(actor=town.caseworker, params={**params, "outcome": "met"}, now=NOW).rows == []
    with pytest.raises(Forbidden):
        selectors.compliance_cases(actor=town.analyst, params=params, now=NOW)
    with pytest.raises(Forbidden):
        selectors.compliance_cases(
            actor=town.caseworker, params={**params, "unit": str(town.other_family_unit.pk)}, now=NOW
        )
