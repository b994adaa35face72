"""Starting and closing deadlines on a case (the storage behind 'Mine frister', issue 3)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from helhed.core.errors import Conflict, HelhedError
from helhed.core.models import AuditEvent
from helhed.deadlines import policies, services
from helhed.deadlines.models import Deadline, DeadlineStatus
from helhed.deadlines.policies import COPENHAGEN
from helhed.deadlines.rules import Notifier, Trigger

RECEIVED = datetime(2025, 12, 23, 10, 0, tzinfo=COPENHAGEN)


def _start(town, open_case, **kw):
    return services.deadlines_start(
        actor=town.caseworker,
        trigger=Trigger.CONCERN_RECEIVED,
        at=RECEIVED,
        person=open_case.child,
        case=open_case,
        owner=town.caseworker,
        notifier=Notifier.PROFESSIONAL,
        source=open_case,
        **kw,
    )


def test_a_report_from_a_professional_starts_the_24_hour_and_receipt_deadlines(town, open_case):
    created = _start(town, open_case)
    assert [d.rule_id for d in created] == ["concern.assess_24h", "concern.receipt"]
    assess, receipt = created
    assert assess.due_at == RECEIVED + timedelta(hours=24) and not assess.due_is_date
    # Tue 23 Dec 2025: 24, 25, 26, 31 Dec and 1 Jan are closed, so the 6th working day is Wed 7 Jan.
    assert receipt.due_is_date and timezone.localtime(receipt.due_at, COPENHAGEN).date().isoformat() == "2026-01-07"
    assert receipt.explanation.startswith("frist 2026-01-07: BL § 137")  # stored in Danish
    assert AuditEvent.objects.filter(object_type="deadlines.deadline", subjects__person_id=open_case.child_id).exists()


def test_the_same_event_never_starts_the_same_deadline_twice(town, open_case):
    _start(town, open_case)
    assert _start(town, open_case) == []
    assert Deadline.objects.count() == 2


def test_future_or_naive_times_are_refused_and_nothing_is_saved(town, open_case):
    with pytest.raises(HelhedError):
        services.deadlines_start(
            actor=town.caseworker,
            trigger=Trigger.CONCERN_RECEIVED,
            at=timezone.now() + timedelta(hours=1),
            person=open_case.child,
        )
    with pytest.raises(HelhedError):
        services.deadlines_start(
            actor=town.caseworker,
            trigger=Trigger.CONCERN_RECEIVED,
            at=datetime(2025, 1, 1, 10, 0),
            person=open_case.child,
        )
    assert not Deadline.objects.exists()


def test_closing_decides_met_or_missed_by_the_clock_and_waiving_needs_a_reason(town, open_case):
    assess, receipt = _start(town, open_case)
    met = services.deadline_close(actor=town.caseworker, deadline=assess, at=RECEIVED + timedelta(hours=23))
    assert met.status == DeadlineStatus.MET
    late = services.deadline_close(actor=town.caseworker, deadline=receipt, at=RECEIVED + timedelta(days=30))
    assert late.status == DeadlineStatus.MISSED
    with pytest.raises(Conflict):
        services.deadline_close(actor=town.caseworker, deadline=late)
    assert [h.to_status for h in late.history.all()] == [DeadlineStatus.MISSED]


def test_waive_requires_a_reason(town, open_case):
    assess, _receipt = _start(town, open_case)
    with pytest.raises(HelhedError):
        services.deadline_close(actor=town.caseworker, deadline=assess, waive=True, reason=" ")
    assert Deadline.objects.get(pk=assess.pk).status == DeadlineStatus.OPEN
    waived = services.deadline_close(actor=town.caseworker, deadline=assess, waive=True, reason="Dublet af anden")
    assert waived.status == DeadlineStatus.WAIVED


def test_meeting_a_cases_deadlines_by_rule(town, open_case):
    at = timezone.now() - timedelta(days=10)
    started = services.deadlines_start(
        actor=town.caseworker, trigger=Trigger.MEASURE_DECIDED, at=at, person=open_case.child, case=open_case
    )
    assert [d.rule_id for d in started] == ["plan.create"]
    closed = services.deadlines_meet_on_case(actor=town.caseworker, case=open_case, rule_ids=["plan.create"])
    assert [d.status for d in closed] == [DeadlineStatus.MET]
    assert services.deadlines_meet_on_case(actor=town.caseworker, case=open_case, rule_ids=["plan.create"]) == []


def test_a_chosen_next_review_is_the_deadlines_due(town, open_case):
    at = timezone.now() - timedelta(days=1)
    latest = policies.compute("plan.review", at=at).due
    chosen = latest - timedelta(days=30)
    (deadline,) = services.deadlines_start(
        actor=town.caseworker,
        trigger=Trigger.PLAN_REVIEWED,
        at=at,
        person=open_case.child,
        case=open_case,
        due_on=chosen,
        due_reason="Skoleskift",
    )
    assert timezone.localtime(deadline.due_at, policies.COPENHAGEN).date() == chosen
    assert "Skoleskift" in deadline.explanation
