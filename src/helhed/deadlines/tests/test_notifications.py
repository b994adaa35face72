"""Overdue notices: the owner once, the unit's leaders once after two working days, never a child's name or
CPR number in the e-mail; the command and the background task."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from helhed.core.models import AuditAction, AuditEvent
from helhed.deadlines import services
from helhed.deadlines.models import Deadline
from helhed.deadlines.policies import COPENHAGEN
from helhed.deadlines.rules import Notifier, Trigger

# Sunday 9 March 2025, 10:00: the 24-hour deadline falls due on Monday 10 March at 10:00, the receipt (six
# working days) on Monday 17 March.
RECEIVED = datetime(2025, 3, 9, 10, 0, tzinfo=COPENHAGEN)
MONDAY_NOON = datetime(2025, 3, 10, 12, 0, tzinfo=COPENHAGEN)
WEDNESDAY_LATE = datetime(2025, 3, 12, 23, 59, tzinfo=COPENHAGEN)
THURSDAY = datetime(2025, 3, 13, 0, 0, 1, tzinfo=COPENHAGEN)


@pytest.fixture
def started(town, open_case):
    for user, address in ((town.caseworker, "rikke@kommune.invalid"), (town.leader, "lene@kommune.invalid")):
        user.email = address
        user.save(update_fields=["email"])
    return services.deadlines_start(
        actor=town.caseworker,
        trigger=Trigger.CONCERN_RECEIVED,
        at=RECEIVED,
        person=open_case.child,
        case=open_case,
        owner=town.caseworker,
        notifier=Notifier.PROFESSIONAL,
        source=open_case,
    )


def _assert_no_child_data(message, child):
    text = f"{message.subject}\n{message.body}"
    assert child.first_name not in text and child.last_name not in text
    assert child.cpr_masked[:6] not in text  # not even the birth-date part


def test_the_owner_is_told_once(town, open_case, started):
    assess, receipt = started
    assert services.notify_overdue(now=MONDAY_NOON) == {"owner_notices": 1, "leader_notices": 0}
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rikke@kommune.invalid"]
    assert open_case.journal_number in message.body and "/frister/" in message.body
    assert "overskredet" in message.subject
    _assert_no_child_data(message, open_case.child)
    assess.refresh_from_db()
    assert assess.owner_notified_at == MONDAY_NOON and assess.leader_notified_at is None
    assert Deadline.objects.get(pk=receipt.pk).owner_notified_at is None  # not due yet
    # The next run sends nothing new.
    assert services.notify_overdue(now=MONDAY_NOON + timedelta(hours=1)) == {"owner_notices": 0, "leader_notices": 0}
    assert len(mail.outbox) == 1
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, detail__notice="owner")
    assert event.actor is None and event.detail["by"] == "system" and event.person_ids == [open_case.child_id]


def test_the_leaders_are_told_once_after_two_working_days(town, open_case, started):
    services.notify_overdue(now=WEDNESDAY_LATE)
    assert [m.to for m in mail.outbox] == [["rikke@kommune.invalid"]]
    # Thursday: more than two working days late. The family unit's leader leads the investigation group.
    assert services.notify_overdue(now=THURSDAY) == {"owner_notices": 0, "leader_notices": 1}
    assert len(mail.outbox) == 2
    message = mail.outbox[1]
    assert message.to == ["lene@kommune.invalid"]
    assert open_case.journal_number in message.body and "/frister/team/" in message.body
    assert "Rikke Rådgiver" in message.body  # the owner (a colleague) is named, the child is not
    _assert_no_child_data(message, open_case.child)
    assert services.notify_overdue(now=THURSDAY + timedelta(days=1)) == {"owner_notices": 0, "leader_notices": 0}
    assert len(mail.outbox) == 2
    assert Deadline.objects.filter(leader_notified_at=THURSDAY).count() == 1


def test_a_closed_deadline_is_not_noticed(town, open_case, started):
    assess, _receipt = started
    services.deadline_close(actor=town.caseworker, deadline=assess, at=MONDAY_NOON - timedelta(minutes=5))
    assert services.notify_overdue(now=THURSDAY) == {"owner_notices": 0, "leader_notices": 0}
    assert mail.outbox == []


def test_owners_and_leaders_without_an_address_are_stamped_and_counted(town, open_case, started):
    for user in (town.caseworker, town.leader):
        user.email = ""
        user.save(update_fields=["email"])
    assert services.notify_overdue(now=THURSDAY) == {"owner_notices": 1, "leader_notices": 1}
    assert mail.outbox == []
    assess = Deadline.objects.get(rule_id="concern.assess_24h")
    assert assess.owner_notified_at == THURSDAY and assess.leader_notified_at == THURSDAY
    assert services.notify_overdue(now=THURSDAY + timedelta(days=1)) == {"owner_notices": 0, "leader_notices": 0}


def test_a_failed_send_is_not_stamped_and_is_tried_again(town, open_case, started, settings):
    """The backend that cannot deliver (a real Django backend, not a mock): nothing is stamped, so the next run
    sends the notice."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    settings.EMAIL_USE_TLS = False
    assert services.notify_overdue(now=MONDAY_NOON) == {"owner_notices": 0, "leader_notices": 0, "failed": 1}
    assert not Deadline.objects.filter(owner_notified_at__isnull=False).exists()
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("deadlines", "notify-overdue", stdout=out, stderr=err)
    assert json.loads(out.getvalue())["failed"] == 2  # run today: the owner's and the leader's e-mail
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.notify_overdue(now=MONDAY_NOON)["owner_notices"] == 1
    assert len(mail.outbox) == 1


def test_the_command_prints_a_json_summary(town, open_case, started):
    out = StringIO()
    call_command("deadlines", "notify-overdue", stdout=out)
    # Run today: both March 2025 deadlines are long overdue, so both notices go for each.
    assert json.loads(out.getvalue()) == {"owner_notices": 2, "leader_notices": 2}
    out = StringIO()
    call_command("deadlines", "notify-overdue", stdout=out)
    assert json.loads(out.getvalue()) == {"owner_notices": 0, "leader_notices": 0}


def test_the_background_task_runs_the_same_service(town, open_case, started):
    from helhed.deadlines.tasks import notify_overdue_task

    result = notify_overdue_task.enqueue()
    assert result.return_value == {"owner_notices": 2, "leader_notices": 2}
    # One e-mail to the owner and one to the leader, each listing both deadlines.
    assert len(mail.outbox) == 2
    assert all(m.body.count(open_case.journal_number) == 2 for m in mail.outbox)


def test_a_refused_leader_address_does_not_send_the_others_notices_again(town, open_case, started, settings):
    """Two leaders over the investigation group; the relay refuses one address. The other leader is told once,
    the deadline is stamped, and the refusal is in the audit log; when every address is refused nothing is
    stamped and the next run tries again."""
    from helhed.organisation.models import Membership, Role

    settings.EMAIL_BACKEND = "helhed.testing.mail.RefusingBackend"
    Membership.objects.create(
        user=town.other_leader, unit=town.investigation, role=Role.LEADER, valid_from="2020-01-01"
    )
    town.other_leader.email = "olga@kommune.refused"
    town.other_leader.save(update_fields=["email"])
    assert services.notify_overdue(now=THURSDAY) == {"owner_notices": 1, "leader_notices": 1}
    assert sorted(m.to[0] for m in mail.outbox) == ["lene@kommune.invalid", "rikke@kommune.invalid"]
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, detail__notice="leader")
    assert event.detail["recipients"] == [town.leader.username]
    assert event.detail["refused"] == [town.other_leader.username]
    assert services.notify_overdue(now=THURSDAY + timedelta(days=1)) == {"owner_notices": 0, "leader_notices": 0}
    assert len(mail.outbox) == 2


def test_when_every_leader_address_is_refused_the_notice_waits(town, open_case, started, settings):
    settings.EMAIL_BACKEND = "helhed.testing.mail.RefusingBackend"
    town.leader.email = "lene@kommune.refused"
    town.leader.save(update_fields=["email"])
    assert services.notify_overdue(now=THURSDAY) == {"owner_notices": 1, "leader_notices": 0, "failed": 1}
    assert not Deadline.objects.filter(leader_notified_at__isnull=False).exists()
    town.leader.email = "lene@kommune.invalid"
    town.leader.save(update_fields=["email"])
    assert services.notify_overdue(now=THURSDAY)["leader_notices"] == 1
