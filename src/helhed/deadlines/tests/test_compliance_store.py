"""Stored compliance counts (ADR 0010): the report gives the same numbers whether a bucket is read from the store
or counted live; a write to a deadline due in a stored bucket makes it live again until the next refresh."""

from __future__ import annotations

import json
from datetime import date, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from helhed.core.models import AuditAction, AuditEvent
from helhed.deadlines import policies, selectors, services
from helhed.deadlines.models import ComplianceCount, ComplianceSnapshot, Deadline, DeadlineStatus
from helhed.deadlines.policies import ComplianceFilter, Period

from .conftest import ASSESS, COMPLETE, NOW

CPH = policies.COPENHAGEN
AFTER_Q1 = datetime(2025, 4, 15, 12, 0, tzinfo=CPH)


def _report(actor, period=Period.MONTH, now=NOW, **kw):
    flt = ComplianceFilter(period=period, first=date(2025, 1, 1), last=date(2025, 3, 1), **kw)
    return {
        (c.bucket, c.rule_id, c.unit_id): c.as_dict() for c in selectors.compliance(actor=actor, flt=flt, now=now).cells
    }


def _looks(town, now):
    """Every reader, both periods and both filters: the report as each would see it."""
    out = {}
    for name in ("leader", "analyst", "caseworker", "other_leader"):
        actor = getattr(town, name)
        for period in Period:
            out[(name, period)] = _report(actor, period, now)
    out["rule"] = _report(town.leader, now=now, rule_id=COMPLETE)
    out["unit"] = _report(town.leader, now=now, unit_id=town.investigation.pk)
    return out


def _snapshots():
    return set(ComplianceSnapshot.objects.values_list("period", "bucket"))


def test_ended_months_are_stored_and_read_back_to_the_same_numbers(deadlines):
    town = deadlines
    live = _looks(town, NOW)
    summary = services.compliance_refresh(now=NOW)
    # On 15 March 2025: December (the first deadline's month), January and February have ended; March and the
    # first quarter have not; the fourth quarter of 2024 has.
    assert _snapshots() == {("month", "2024-12"), ("month", "2025-01"), ("month", "2025-02"), ("quarter", "2024-Q4")}
    assert summary == {"buckets": 4, "cells": ComplianceCount.objects.count()}
    assert ComplianceCount.objects.filter(period="month", bucket="2025-01").count() == 2  # two units
    assert _looks(town, NOW) == live
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="deadlines.compliance")
    assert event.detail["buckets"] == 4 and event.person_ids == []


def test_the_report_reads_the_store_rather_than_counting_again(deadlines):
    town = deadlines
    services.compliance_refresh(now=NOW)
    inv = town.investigation.pk
    # Altered behind the report's back: only a report that reads the store can show it.
    ComplianceCount.objects.filter(period="month", bucket="2025-01", rule_id=ASSESS, unit_id=inv).update(total=99)
    assert _report(town.leader)[("2025-01", ASSESS, inv)]["total"] == 99
    # March has not ended: always counted live.
    assert not ComplianceCount.objects.filter(bucket="2025-03").exists()
    assert _report(town.leader)[("2025-03", COMPLETE, town.action.pk)]["total"] == 1


def test_closing_a_deadline_due_in_a_stored_month_makes_it_live_until_the_next_refresh(deadlines):
    town = deadlines
    services.compliance_refresh(now=NOW)
    inv = town.investigation.pk
    overdue = Deadline.objects.get(rule_id=ASSESS, unit=town.investigation, status=DeadlineStatus.OPEN)
    services.deadline_close(actor=town.caseworker, deadline=overdue, at=NOW)
    # January's month and its quarter are forgotten; February's are kept.
    assert ("month", "2025-01") not in _snapshots() and ("month", "2025-02") in _snapshots()
    cell = _report(town.leader)[("2025-01", ASSESS, inv)]
    assert (cell["met"], cell["missed"], cell["overdue"]) == (2, 2, 0)  # the overdue one is now missed
    live = _looks(town, NOW)
    assert services.compliance_refresh(now=NOW) == {"buckets": 1, "cells": 2}
    assert _looks(town, NOW) == live
    assert services.compliance_refresh(now=NOW) == {"buckets": 0, "cells": 0}  # nothing left to store


def test_a_stored_quarter_agrees_with_a_live_one_and_a_stale_month_between_stored_ones(deadlines):
    """The live count skips the stored buckets between the stale ones (non-contiguous spans)."""
    town = deadlines
    live = _looks(town, AFTER_Q1)
    services.compliance_refresh(now=AFTER_Q1)
    assert ("quarter", "2025-Q1") in _snapshots() and ("month", "2025-03") in _snapshots()
    assert _looks(town, AFTER_Q1) == live
    ComplianceSnapshot.objects.filter(period="month", bucket__in=["2025-01", "2025-03"]).delete()
    assert _looks(town, AFTER_Q1) == live


def test_matching_a_report_to_a_case_moves_its_deadlines_and_their_stored_unit(town, open_case):
    """`deadlines_attach` gives the deadlines the case's unit: the bucket they fall due in is counted again."""
    from helhed.testing.factories import PersonFactory

    source = PersonFactory()  # any saved object can start deadlines; a report of concern in real use
    start = datetime(2025, 1, 10, 10, 0, tzinfo=CPH)
    Deadline.objects.create(
        rule_id=ASSESS,
        law="BL",
        paragraph="§ 136",
        title="x",
        unit=town.other_family_unit,
        started_at=start,
        due_at=datetime(2025, 1, 11, 10, 0, tzinfo=CPH),
        explanation="opdigtet",
        source_type=source._meta.label_lower,
        source_id=str(source.pk),
    )
    services.compliance_refresh(now=NOW)
    assert ("month", "2025-01") in _snapshots()
    services.deadlines_attach(actor=town.caseworker, source=source, person=open_case.child, case=open_case)
    assert ("month", "2025-01") not in _snapshots()
    cells = _report(town.analyst)
    assert ("2025-01", ASSESS, open_case.responsible_unit_id) in cells
    assert ("2025-01", ASSESS, town.other_family_unit.pk) not in cells


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # A deadline due in a month that has begun touches that month and its quarter.
        (datetime(2025, 2, 3, 10, 0, tzinfo=CPH), {("month", "2025-02"), ("quarter", "2025-Q1")}),
        # 00:30 on 1 April in Copenhagen is 22:30 UTC on 31 March: April and the second quarter.
        (datetime(2025, 3, 31, 22, 30, tzinfo=policies.UTC), {("month", "2025-04"), ("quarter", "2025-Q2")}),
        # Next month is in a quarter that has begun: only the quarter.
        (datetime(2025, 5, 2, 10, 0, tzinfo=CPH), {("quarter", "2025-Q2")}),
        # The future: nothing stored there, nothing to forget.
        (datetime(2025, 7, 2, 10, 0, tzinfo=CPH), set()),
    ],
)
def test_the_buckets_a_write_touches(moment, expected):
    now = datetime(2025, 4, 15, 12, 0, tzinfo=CPH)
    assert {(str(p), k) for p, k in policies.started_buckets([moment], now)} == expected


def test_the_command_refreshes_and_prints_json(deadlines):
    out = StringIO()
    call_command("deadlines", "refresh-compliance", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["buckets"] >= 4 and summary["cells"] == ComplianceCount.objects.count()
    again = StringIO()
    call_command("deadlines", "refresh-compliance", stdout=again)
    assert json.loads(again.getvalue()) == {"buckets": 0, "cells": 0}


def test_an_unstored_bucket_and_an_empty_database_need_no_refresh(db):
    assert services.compliance_refresh() == {"buckets": 0, "cells": 0}
    assert not ComplianceSnapshot.objects.exists()
    assert not AuditEvent.objects.filter(object_type="deadlines.compliance").exists()


def test_a_deleted_deadline_makes_its_month_live_again(deadlines):
    town = deadlines
    services.compliance_refresh(now=NOW)
    before = _report(town.leader)
    Deadline.objects.filter(rule_id=ASSESS, due_at__month=2, unit=town.investigation).first().delete()
    assert ("month", "2025-02") not in _snapshots() and ("month", "2025-01") in _snapshots()
    after = _report(town.leader)
    assert (
        after[("2025-02", ASSESS, town.investigation.pk)]["total"]
        == before[("2025-02", ASSESS, town.investigation.pk)]["total"] - 1
    )
