"""The hand-built deadlines behind the compliance tests: their answers are worked out by hand in
`test_compliance.py`."""

from __future__ import annotations

from datetime import datetime

import pytest

from helhed.deadlines import policies
from helhed.deadlines.models import Deadline, DeadlineStatus

CPH = policies.COPENHAGEN
NOW = datetime(2025, 3, 15, 12, 0, tzinfo=CPH)
ASSESS = "concern.assess_24h"
COMPLETE = "assessment.complete"


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CPH)


def make(unit, rule_id, *, start, due, status=DeadlineStatus.OPEN, closed=None):
    return Deadline.objects.create(
        rule_id=rule_id,
        law="BL",
        paragraph="§ 1",
        title=policies.rule_title(rule_id),
        unit=unit,
        started_at=t(start),
        due_at=t(due),
        due_is_date=False,
        explanation="opdigtet",
        status=status,
        closed_at=t(closed) if closed else None,
    )


@pytest.fixture
def deadlines(town):
    inv, act, other = town.investigation, town.action, town.other_family_unit
    met, missed, waived = DeadlineStatus.MET, DeadlineStatus.MISSED, DeadlineStatus.WAIVED
    # January, investigation group, the 24-hour rule.
    make(inv, ASSESS, start="2025-01-05T10:00", due="2025-01-06T10:00", status=met, closed="2025-01-06T08:00")  # 22 h
    make(inv, ASSESS, start="2025-01-10T10:00", due="2025-01-11T10:00", status=missed, closed="2025-01-13T10:00")  # 3 d
    make(inv, ASSESS, start="2025-01-20T10:00", due="2025-01-21T10:00")  # overdue, still open
    make(inv, ASSESS, start="2025-01-25T10:00", due="2025-01-26T10:00", status=waived, closed="2025-01-25T12:00")
    make(inv, ASSESS, start="2025-01-28T10:00", due="2025-01-29T10:00", status=met, closed="2025-01-28T22:00")  # 12 h
    # February: one falls due at 00:30 on 1 February in Copenhagen (23:30 UTC on 31 January): February's.
    make(inv, ASSESS, start="2025-01-31T00:30", due="2025-02-01T00:30", status=met, closed="2025-01-31T12:30")  # 12 h
    make(inv, ASSESS, start="2025-02-03T10:00", due="2025-02-04T10:00", status=met, closed="2025-02-03T16:00")  # 6 h
    make(inv, ASSESS, start="2025-02-10T10:00", due="2025-02-11T10:00", status=missed, closed="2025-02-12T10:00")  # 2 d
    # March, action group, the assessment: met after 81 days; another not yet due and open (not counted).
    make(act, COMPLETE, start="2024-12-01T10:00", due="2025-03-01T23:59", status=met, closed="2025-02-20T10:00")
    make(act, COMPLETE, start="2024-12-20T10:00", due="2025-03-20T23:59")
    # Before the period, and another family unit's (only the analyst sees that one).
    make(inv, ASSESS, start="2024-12-14T10:00", due="2024-12-15T10:00", status=met, closed="2024-12-14T11:00")
    make(other, ASSESS, start="2025-01-07T10:00", due="2025-01-08T10:00", status=missed, closed="2025-01-09T10:00")
    return town
