"""Regressions found by trying to break the data protection officer's pages and /api/v1/audit (review of
issue 2)."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from helhed.core.apiauth import token_create
from helhed.testing.factories import PersonFactory


def _ui(user) -> Client:
    """A logged-in browser session; the data protection officer has passed the second factor."""
    client = Client()
    client.force_login(user, backend="helhed.core.auth.HelhedModelBackend")
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _api(user) -> Client:
    _token, raw = token_create(user=user)
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "dates",
    [
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"date_from": "0001-01-01", "date_to": "0001-01-01"},
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
    ],
)
def test_dpo_logs_accept_the_extreme_dates_a_date_field_allows(town, dates):
    person = PersonFactory()
    client = _ui(town.dpo)
    response = client.get("/tilsyn/person/", {"person": person.pk, **dates})
    assert response.status_code == 200, response.status_code
    response = client.get("/tilsyn/bruger/", {"username": town.caseworker.username, **dates})
    assert response.status_code == 200, response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [{"offset": "99999999999999999999"}, {"person": "99999999999999999999"}, {"person": "9223372036854775808"}],
)
def test_api_audit_events_with_huge_numbers_is_a_4xx_not_a_500(town, params):
    response = _api(town.dpo).get("/api/v1/audit/events", params)
    assert 400 <= response.status_code < 500, response.status_code
    assert response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ['=HYPERLINK("http://example.invalid","Klik")', "+1+1", "-2+3", "@SUM(A1)"])
def test_art15_export_does_not_hand_the_dpo_a_spreadsheet_formula(town, typed):
    """A reason or search criterion typed by staff lands in the CSV the DPO opens in a spreadsheet."""
    from helhed.core import audit
    from helhed.core.models import AuditAction

    person = PersonFactory()
    audit.record(actor=town.caseworker, action=AuditAction.VIEW, obj=person, persons=[person], reason=typed)
    audit.record(actor=town.caseworker, action=AuditAction.SEARCH, persons=[person], criterion=typed)

    response = _ui(town.dpo).get(f"/tilsyn/person/{person.pk}/eksport.csv")

    assert response.status_code == 200
    rows = [line.split(";") for line in response.content.decode("utf-8-sig").splitlines()[1:]]
    cells = [cell.strip('"') for row in rows for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), cells
    assert any(typed.replace('"', '""') in cell for cell in cells)
