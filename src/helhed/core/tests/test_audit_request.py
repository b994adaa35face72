"""The audit log inside real (non-test-transaction) web requests: reads are buffered and written in one
transaction before the response leaves, then sealed once after it; if the log cannot be written the
data is not shown."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from helhed.cases import services as case_services
from helhed.core import audit
from helhed.core.models import AuditAction, AuditEvent, AuditSubject
from helhed.testing.factories import PersonFactory


@pytest.fixture
def committed_case(transactional_db, town):
    child = PersonFactory(first_name="Bufferine", last_name="Loggesen")
    return case_services.case_open(
        actor=town.caseworker, child=child, responsible_unit=town.investigation, responsible_caseworker=town.caseworker
    )


def test_case_page_view_is_logged_in_one_flush_and_sealed_after_the_response(town, committed_case):
    client = Client()
    client.force_login(town.caseworker)
    before = AuditEvent.objects.count()
    response = client.get(reverse("cases:detail", args=[committed_case.pk]))
    assert response.status_code == 200
    rid = response["X-Request-ID"]
    events = list(AuditEvent.objects.filter(request_id=rid).order_by("id"))
    assert AuditEvent.objects.count() > before
    assert [e.action for e in events][:1] == [AuditAction.VIEW]
    assert AuditSubject.objects.filter(event__in=events, person_id=committed_case.child_id).exists()
    # The test client closes the response, which seals the request's events into the chain.
    assert all(e.seq is not None for e in events)
    result = audit.verify()
    assert result.ok, result.problem


def test_page_is_not_shown_when_its_audit_events_cannot_be_written(town, committed_case, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(town.caseworker)

    def broken(*args, **kwargs):
        raise RuntimeError("audit storage unavailable")

    monkeypatch.setattr(audit, "_insert", broken)
    response = client.get(reverse("cases:detail", args=[committed_case.pk]))
    assert response.status_code == 500
    assert b"Bufferine" not in response.content


def test_sealing_is_batched_per_process_when_an_interval_is_set(town, committed_case, settings):
    """With AUDIT_SEAL_INTERVAL > 0 a burst of requests is sealed in one batch: the events are written
    before each response, the later ones wait unsealed for the next due seal (or `helhed audit seal`)."""
    from helhed.core import middleware

    settings.AUDIT_SEAL_INTERVAL = 3600
    middleware._last_seal = None  # a fresh process (monotonic time may be below the interval after a boot)
    client = Client()
    client.force_login(town.caseworker)
    first = client.get(reverse("cases:detail", args=[committed_case.pk]))
    second = client.get(reverse("cases:detail", args=[committed_case.pk]))
    sealed_first = AuditEvent.objects.filter(request_id=first["X-Request-ID"])
    waiting = AuditEvent.objects.filter(request_id=second["X-Request-ID"])
    assert sealed_first.exists() and all(e.seq is not None for e in sealed_first)
    assert waiting.exists() and all(e.seq is None for e in waiting)  # written, not yet chained
    audit.seal_pending()
    assert all(e.seq is not None for e in AuditEvent.objects.filter(request_id=second["X-Request-ID"]))
    assert audit.verify().ok
