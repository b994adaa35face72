"""The audit log: recording, sealing into the hash chain, verifying, purging, and the `helhed audit` command.

Under the `db` fixture the test runs inside a transaction whose on_commit callbacks never fire, so these
tests seal explicitly with `audit.seal_pending()` unless they test the on-commit sealing itself.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from helhed.core import audit
from helhed.core.context import channel
from helhed.core.models import AuditAction, AuditChain, AuditEvent, AuditSubject
from helhed.people.policies import InvalidCpr
from helhed.people.selectors import person_search
from helhed.testing.factories import PersonFactory, UserFactory, synthetic_cpr


@pytest.fixture
def actor(db):
    return UserFactory(username="revisor")


def _record(actor, n, **kw):
    return [
        audit.record(
            actor=actor, action=AuditAction.VIEW, object_type="people.person", object_id=i, reason=f"r{i}", **kw
        )
        for i in range(n)
    ]


def _verify_command():
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


# -- recording ---------------------------------------------------------------------------------------


def test_record_writes_event_and_subjects(actor):
    child, mother = PersonFactory(), PersonFactory()
    with channel("api"):
        event = audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            obj=child,
            persons=[child, mother.pk, None, child],
            case_id=12,
            reason="Opfølgning",
            detail={"view": "person"},
        )
    event.refresh_from_db()
    assert event.actor == actor
    assert event.actor_username == "revisor"
    assert (event.object_type, event.object_id) == ("people.person", str(child.pk))
    assert event.channel == "api"
    assert event.case_id == 12
    assert event.person_ids == sorted([child.pk, mother.pk])
    assert sorted(AuditSubject.objects.filter(event=event).values_list("person_id", flat=True)) == sorted(
        [child.pk, mother.pk]
    )
    assert event.seq is None  # not sealed until after commit


def test_record_without_actor_or_persons(db):
    event = audit.record(actor=None, action=AuditAction.PURGE, object_type="core.auditevent")
    assert event.actor is None
    assert event.actor_username == ""
    assert not AuditSubject.objects.filter(event=event).exists()


def test_record_rolls_back_with_the_work(actor):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=actor, action=AuditAction.UPDATE, object_type="cases.case", object_id=1, persons=[1])
        raise RuntimeError("the write failed")
    assert not AuditEvent.objects.exists()
    assert not AuditSubject.objects.exists()


def test_audit_can_be_switched_off_for_the_benchmark(actor, settings):
    settings.AUDIT_ENABLED = False
    assert audit.record(actor=actor, action=AuditAction.VIEW, persons=[1]) is None
    assert not AuditEvent.objects.exists()


def test_sealing_runs_on_commit(actor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = audit.record(actor=actor, action=AuditAction.VIEW, object_type="people.person", object_id=1)
    assert callbacks
    event.refresh_from_db()
    assert event.seq == 1
    assert event.prev_hash == audit.GENESIS
    assert event.hash == audit.chain_hash(audit.GENESIS, event)


@pytest.mark.django_db(transaction=True)
def test_sealing_after_a_real_commit():
    user = UserFactory(username="committer")
    with transaction.atomic():
        audit.record(actor=user, action=AuditAction.VIEW, object_type="people.person", object_id=1)
        audit.record(actor=user, action=AuditAction.VIEW, object_type="people.person", object_id=2)
        assert AuditEvent.objects.filter(seq__isnull=True).count() == 2
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()
    assert list(AuditEvent.objects.order_by("id").values_list("seq", flat=True)) == [1, 2]
    result = audit.verify()
    assert result.ok and result.checked == 2


# -- the chain ---------------------------------------------------------------------------------------


def test_seal_and_verify(actor):
    _record(actor, 5)
    assert audit.seal_pending() == 5
    assert audit.seal_pending() == 0
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    prev = audit.GENESIS
    for e in events:
        assert e.prev_hash == prev
        assert e.hash == audit.chain_hash(prev, e)
        prev = e.hash
    chain = AuditChain.objects.get()
    assert (chain.last_seq, chain.last_hash) == (5, prev)
    result = audit.verify()
    assert result.ok
    assert result.checked == 5
    assert result.first_broken_seq is None
    assert result.unsealed == 0


def test_seal_in_small_batches_and_verify_in_small_batches(actor):
    _record(actor, 7)
    assert audit.seal_pending(limit=2) == 7
    _record(actor, 3)
    assert audit.seal_pending(limit=3) == 3
    assert list(AuditEvent.objects.order_by("id").values_list("seq", flat=True)) == list(range(1, 11))
    result = audit.verify(batch=3)
    assert result.ok and result.checked == 10


def test_empty_log_verifies(db):
    result = audit.verify()
    assert result.ok and result.checked == 0


def test_unsealed_events_are_reported_but_not_an_error(actor):
    _record(actor, 2)
    audit.seal_pending()
    _record(actor, 3)
    result = audit.verify()
    assert result.ok
    assert result.checked == 2
    assert result.unsealed == 3


@pytest.mark.parametrize(
    ("field", "value"),
    [("reason", "noget andet"), ("actor_username", "en_anden"), ("criterion", "x"), ("detail", {"view": "x"})],
)
def test_changed_content_is_reported_at_that_seq(actor, field, value):
    _record(actor, 5)
    audit.seal_pending()
    AuditEvent.objects.filter(seq=3).update(**{field: value})
    result = audit.verify()
    assert not result.ok
    assert result.first_broken_seq == 3
    assert result.checked == 2
    assert "changed" in result.problem


def test_changed_person_ids_are_reported(actor):
    _record(actor, 3, persons=[1])
    audit.seal_pending()
    AuditEvent.objects.filter(seq=2).update(person_ids=[2])
    assert audit.verify().first_broken_seq == 2


def test_rehashing_a_changed_event_breaks_the_next_link(actor):
    _record(actor, 5)
    audit.seal_pending()
    event = AuditEvent.objects.get(seq=2)
    event.reason = "skjult"
    event.hash = audit.chain_hash(event.prev_hash, event)
    event.save(update_fields=["reason", "hash"])
    result = audit.verify()
    assert not result.ok
    assert result.first_broken_seq == 3
    assert "link" in result.problem


def test_deleted_middle_event_is_reported_missing(actor):
    _record(actor, 5)
    audit.seal_pending()
    AuditEvent.objects.filter(seq=3).delete()
    result = audit.verify()
    assert not result.ok
    assert result.first_broken_seq == 3
    assert "missing" in result.problem


def test_deleted_newest_event_is_reported(actor):
    _record(actor, 5)
    audit.seal_pending()
    AuditEvent.objects.filter(seq=5).delete()
    result = audit.verify()
    assert not result.ok
    assert result.first_broken_seq == 5
    assert "missing" in result.problem


def test_deleted_oldest_event_is_reported(actor):
    _record(actor, 3)
    audit.seal_pending()
    AuditEvent.objects.filter(seq=1).delete()
    result = audit.verify()
    assert not result.ok
    assert result.first_broken_seq == 1


# -- purge -------------------------------------------------------------------------------------------


def _age(events, days):
    """Backdate events before they are sealed (afterwards a change of `at` would break the chain)."""
    AuditEvent.objects.filter(pk__in=[e.pk for e in events]).update(at=timezone.now() - timedelta(days=days))


def test_purge_deletes_old_events_keeps_chain_verifiable_and_is_itself_audited(actor, settings):
    settings.AUDIT_RETENTION_DAYS = 183
    old = _record(actor, 4, persons=[101])
    _age(old, 200)
    recent = _record(actor, 3, persons=[102])
    audit.seal_pending()
    assert audit.verify().ok

    deleted = audit.purge(actor=actor)

    assert deleted == 4
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in recent]).count() == 3
    assert not AuditSubject.objects.filter(person_id=101).exists()
    assert AuditSubject.objects.filter(person_id=102).count() == 3
    chain = AuditChain.objects.get()
    assert chain.anchor_seq == 4

    purge_event = AuditEvent.objects.get(action=AuditAction.PURGE)
    assert purge_event.actor == actor
    assert purge_event.object_type == "core.auditevent"
    assert purge_event.detail["deleted"] == 4
    assert purge_event.detail["retention_days"] == 183

    audit.seal_pending()
    result = audit.verify()
    assert result.ok
    assert result.checked == 4  # three recent events and the purge event
    assert purge_event.pk in AuditEvent.objects.filter(seq__isnull=False).values_list("pk", flat=True)


def test_purge_seals_pending_events_first(actor):
    old = _record(actor, 2)
    _age(old, 400)  # never sealed yet: purge must seal them before deciding what to delete
    assert audit.purge(actor=actor, older_than_days=30) == 2
    audit.seal_pending()
    assert audit.verify().ok


def test_purge_with_nothing_old_still_records_itself(actor):
    _record(actor, 3)
    audit.seal_pending()
    assert audit.purge(actor=actor) == 0
    assert AuditEvent.objects.count() == 4
    assert AuditEvent.objects.get(action=AuditAction.PURGE).detail["deleted"] == 0
    audit.seal_pending()
    assert audit.verify().ok


def test_purge_twice_moves_the_anchor(actor):
    first = _record(actor, 2)
    _age(first, 300)
    second = _record(actor, 2)
    _age(second, 100)
    _record(actor, 1)
    audit.seal_pending()
    assert audit.purge(actor=actor, older_than_days=200) == 2
    audit.seal_pending()
    assert audit.verify().ok
    # With a shorter retention the second pair is past it too; the anchor moves to its newest event.
    assert audit.purge(actor=actor, older_than_days=50) == 2
    audit.seal_pending()
    result = audit.verify()
    assert result.ok
    assert AuditChain.objects.get().anchor_seq == 4
    assert AuditEvent.objects.filter(action=AuditAction.PURGE).count() == 2


def test_tampering_after_a_purge_is_still_found(actor):
    old = _record(actor, 3)
    _age(old, 400)
    _record(actor, 3)
    audit.seal_pending()
    audit.purge(actor=actor)
    audit.seal_pending()
    AuditEvent.objects.filter(seq=5).update(reason="ændret")
    result = audit.verify()
    assert not result.ok
    assert result.first_broken_seq == 5


def test_deleting_the_oldest_remaining_event_after_a_purge_is_found(actor):
    old = _record(actor, 3)
    _age(old, 400)
    _record(actor, 3)
    audit.seal_pending()
    audit.purge(actor=actor)
    audit.seal_pending()
    AuditEvent.objects.filter(seq=4).delete()
    result = audit.verify()
    assert not result.ok
    assert result.first_broken_seq == 4


# -- the management command --------------------------------------------------------------------------


def test_verify_command_succeeds_on_an_intact_log(actor):
    _record(actor, 3)  # unsealed: the command seals first
    out = _verify_command()
    assert "Loggen er intakt: 3 hændelser kontrolleret." in out
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()


def test_verify_command_fails_on_tampering(actor):
    _record(actor, 4)
    audit.seal_pending()
    AuditEvent.objects.filter(seq=2).update(reason="ændret")
    with pytest.raises(CommandError) as exc:
        _verify_command()
    assert "Loggen er brudt ved hændelse nr. 2" in str(exc.value)
    assert "1 hændelser var i orden før" in str(exc.value)


def test_verify_command_fails_on_deletion(actor):
    _record(actor, 4)
    audit.seal_pending()
    AuditEvent.objects.filter(seq=3).delete()
    with pytest.raises(CommandError) as exc:
        _verify_command()
    assert "nr. 3" in str(exc.value)


def test_purge_command(actor, settings):
    settings.AUDIT_RETENTION_DAYS = 10
    old = _record(actor, 2)
    _age(old, 20)
    _record(actor, 1)
    out = io.StringIO()
    call_command("audit", "purge", stdout=out)
    assert "Slettet: 2" in out.getvalue()
    event = AuditEvent.objects.get(action=AuditAction.PURGE)
    assert event.actor is None
    assert event.channel == "cli"
    assert "Loggen er intakt" in _verify_command()


@pytest.mark.parametrize("days", ["0", "-5"])
def test_purge_command_refuses_nonsense_retention(actor, days):
    _record(actor, 2)
    with pytest.raises(CommandError):
        call_command("audit", "purge", "--days", days)
    assert AuditEvent.objects.count() == 2


def test_seal_command(actor):
    _record(actor, 2)
    out = io.StringIO()
    call_command("audit", "seal", stdout=out)
    assert "Forseglet: 2" in out.getvalue()


# -- searches are logged with their criterion, CPR numbers masked ------------------------------------


@pytest.mark.parametrize("dashed", [True, False])
def test_cpr_search_criterion_is_masked(actor, dashed):
    number = synthetic_cpr()
    person = PersonFactory(cpr=number)
    query = f"{number[:6]}-{number[6:]}" if dashed else number
    assert [p.pk for p in person_search(actor=actor, query=query)] == [person.pk]
    event = AuditEvent.objects.get(action=AuditAction.SEARCH)
    assert event.criterion == f"{number[:6]}-xxxx"
    assert event.detail == {"kind": "cpr", "hits": 1}
    assert event.person_ids == [person.pk]
    assert list(event.subjects.values_list("person_id", flat=True)) == [person.pk]
    audit.seal_pending()
    event.refresh_from_db()
    every_field = " ".join(str(getattr(event, f.attname)) for f in AuditEvent._meta.concrete_fields)
    assert number not in every_field
    assert f"{number[:6]}-{number[6:]}" not in every_field


def test_cpr_search_without_hits_is_still_logged(actor):
    number = synthetic_cpr()
    assert person_search(actor=actor, query=number) == []
    event = AuditEvent.objects.get(action=AuditAction.SEARCH)
    assert event.criterion == f"{number[:6]}-xxxx"
    assert event.person_ids == []


def test_name_search_criterion_is_logged_as_typed(actor):
    karla = PersonFactory(first_name="Karla", last_name="Testesen")
    PersonFactory(first_name="Bo", last_name="Andersen")
    assert [p.pk for p in person_search(actor=actor, query="karla test")] == [karla.pk]
    event = AuditEvent.objects.get(action=AuditAction.SEARCH)
    assert event.criterion == "karla test"
    assert event.detail == {"kind": "name", "hits": 1}
    assert event.person_ids == [karla.pk]


def test_invalid_cpr_search_raises_and_logs_no_persons(actor):
    with pytest.raises(InvalidCpr):
        person_search(actor=actor, query="310299-1234")
    assert not AuditSubject.objects.exists()
