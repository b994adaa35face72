"""The audit log: record every use of personal data, seal records into a hash chain, verify the chain.

`record()` is called by services (writes) and by the gatekeeper and selectors (reads). It inserts in the
caller's transaction, so a write and its audit record commit or roll back together. Sealing assigns a
sequence number and chain hash in a short transaction of its own after commit, so no business
transaction ever waits on the chain lock (ADR 0004).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from .context import channel_var, request_audit_var, request_id_var
from .models import AuditAction, AuditChain, AuditEvent, AuditSubject

GENESIS = "0" * 64
SEAL_BATCH = 2000


def _person_ids(persons: Iterable[Any]) -> list[int]:
    ids = set()
    for p in persons:
        if p is None:
            continue
        ids.add(int(p if isinstance(p, int) else p.pk))
    return sorted(ids)


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: Any = "",
    persons: Iterable[Any] = (),
    case_id: int | None = None,
    reason: str = "",
    criterion: str = "",
    detail: dict | None = None,
    channel: str | None = None,
) -> AuditEvent | None:
    """Append one event. `persons` are the people whose data was used (Person objects or ids)."""
    if not settings.AUDIT_ENABLED:
        return None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    now = timezone.now()
    person_ids = _person_ids(persons)
    event = AuditEvent(
        at=now,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=getattr(actor, "username", "") or "",
        action=action,
        channel=channel or channel_var.get(),
        object_type=object_type,
        object_id=str(object_id or ""),
        case_id=case_id,
        reason=reason,
        criterion=criterion,
        detail=detail or {},
        request_id=request_id_var.get(),
        person_ids=person_ids,
    )
    request_audit = request_audit_var.get()
    if request_audit is not None and not connection.in_atomic_block:
        # A read in a web request: written with the request's other events in one transaction before the
        # response leaves (core.middleware), instead of one commit per event.
        request_audit.buffer.append(event)
        request_audit.needs_seal = True
        return event
    # A write (inside the service's transaction, so it commits or rolls back with the work) or work
    # outside a web request.
    _insert([event])
    if request_audit is not None:
        request_audit.needs_seal = True  # sealed once, after the response (core.middleware)
    else:
        transaction.on_commit(seal_pending)
    return event


def _insert(events: list[AuditEvent]) -> None:
    if not connection.in_atomic_block:
        with transaction.atomic():  # the events and their subject rows in one commit
            _insert(events)
        return
    AuditEvent.objects.bulk_create(events)
    subjects = [AuditSubject(event=e, person_id=pid, at=e.at) for e in events for pid in e.person_ids]
    if subjects:
        AuditSubject.objects.bulk_create(subjects)


def flush(request_audit) -> None:
    """Write a request's buffered events (one transaction). Raises if the log cannot be written, so the
    response is replaced by an error rather than showing data whose use was not logged."""
    if request_audit.buffer:
        events, request_audit.buffer = request_audit.buffer, []
        _insert(events)


def _payload(event: AuditEvent) -> bytes:
    data = {
        "seq": event.seq,
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_username": event.actor_username,
        "action": event.action,
        "channel": event.channel,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "case_id": event.case_id,
        "reason": event.reason,
        "criterion": event.criterion,
        "detail": event.detail,
        "request_id": event.request_id,
        "person_ids": event.person_ids,
    }
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + b"|" + _payload(event)).hexdigest()


def seal_pending(limit: int = SEAL_BATCH) -> int:
    """Seal unsealed events into the chain, oldest first. Returns how many were sealed."""
    sealed = 0
    while True:
        with transaction.atomic():
            chain, _ = AuditChain.objects.select_for_update().get_or_create(id=1)
            batch = list(AuditEvent.objects.filter(seq__isnull=True).order_by("id")[:limit])
            if not batch:
                return sealed
            seq, prev = chain.last_seq, chain.last_hash
            for event in batch:
                seq += 1
                event.seq = seq
                event.prev_hash = prev
                event.hash = chain_hash(prev, event)
                prev = event.hash
            AuditEvent.objects.bulk_update(batch, ["seq", "prev_hash", "hash"])
            chain.last_seq, chain.last_hash = seq, prev
            chain.save(update_fields=["last_seq", "last_hash"])
            sealed += len(batch)
        if len(batch) < limit:
            return sealed


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    problem: str = ""
    unsealed: int = 0


def verify(batch: int = 5000) -> VerifyResult:
    """Walk the chain in sequence order and report the first link that does not hold."""
    chain = AuditChain.objects.filter(id=1).first()
    if chain is None:
        unsealed = AuditEvent.objects.filter(seq__isnull=True).count()
        return VerifyResult(ok=True, checked=0, unsealed=unsealed)
    # Verify up to the head as it was when we started: events sealed meanwhile are checked next time.
    head_seq, head_hash = chain.last_seq, chain.last_hash
    expected_seq, prev = chain.anchor_seq, chain.anchor_hash
    checked = 0
    last_seen = chain.anchor_seq
    while True:
        events = list(AuditEvent.objects.filter(seq__gt=last_seen, seq__lte=head_seq).order_by("seq")[:batch])
        if not events:
            break
        for event in events:
            expected_seq += 1
            if event.seq != expected_seq:
                return VerifyResult(False, checked, expected_seq, "missing event (deleted from the log)")
            if event.prev_hash != prev:
                return VerifyResult(False, checked, event.seq, "link to the previous event does not match")
            if chain_hash(prev, event) != event.hash:
                return VerifyResult(False, checked, event.seq, "event content was changed after sealing")
            prev = event.hash
            checked += 1
            last_seen = event.seq
    if expected_seq != head_seq or prev != head_hash:
        return VerifyResult(False, checked, expected_seq + 1, "the newest events are missing")
    unsealed = AuditEvent.objects.filter(seq__isnull=True).count()
    return VerifyResult(True, checked, unsealed=unsealed)


@transaction.atomic
def purge(*, actor: Any, older_than_days: int | None = None, now: datetime | None = None) -> int:
    """Delete sealed events older than the retention period; the purge is itself an audit event.

    The chain stays verifiable: the newest deleted event's hash becomes the anchor the oldest remaining
    event links to.
    """
    days = settings.AUDIT_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    seal_pending()
    chain, _ = AuditChain.objects.select_for_update().get_or_create(id=1)
    doomed = AuditEvent.objects.filter(at__lt=cutoff, seq__isnull=False)
    newest = doomed.order_by("-seq").first()
    if newest is None:
        count = 0
    else:
        # Purge a contiguous prefix of the chain only, so the anchor is well defined.
        prefix = AuditEvent.objects.filter(seq__lte=newest.seq)
        count = prefix.count()
        AuditSubject.objects.filter(event__seq__lte=newest.seq).delete()
        prefix.delete()
        chain.anchor_seq, chain.anchor_hash = int(newest.seq or 0), newest.hash
        chain.save(update_fields=["anchor_seq", "anchor_hash"])
    record(
        actor=actor,
        action=AuditAction.PURGE,
        object_type="core.auditevent",
        detail={"cutoff": cutoff.isoformat(), "retention_days": days, "deleted": count},
        channel="cli" if actor is None else None,
    )
    return count
