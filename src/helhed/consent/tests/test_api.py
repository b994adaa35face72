"""/api/v1/consents and sharing through the journal API: the same rules and Danish 4xx answers as the pages."""

from __future__ import annotations

import pytest
from django.utils import timezone

from helhed.cases import services as case_services
from helhed.cases.models import JournalNote, TeamRole
from helhed.cases.tests.test_api import api, assert_danish_error, post
from helhed.consent.models import Consent, Disclosure
from helhed.testing.sharing import custody_holder

pytestmark = pytest.mark.django_db


@pytest.fixture
def mother(child):
    return custody_holder(child)


@pytest.fixture
def team(town, open_case, mother):
    case_services.team_member_add(actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER)
    return open_case


def _consent(mother, **kw):
    today = timezone.localdate().isoformat()
    body = {
        "given_by": [mother.pk],
        "given_on": today,
        "administrations": ["BUF"],
        "info_kinds": ["note"],
        "purpose": "Samarbejde med skolen.",
        "valid_from": today,
    }
    body.update(kw)
    return body


def _note(**kw):
    body = {
        "kind": "note",
        "title": "Samtale",
        "body": "Opdigtet.",
        "occurred_on": timezone.localdate().isoformat(),
        "shared_with_team": True,
    }
    body.update(kw)
    return body


def test_a_program_records_a_consent_and_then_shares_a_note(town, team, mother):
    client = api(town.caseworker)
    journal = f"/api/v1/cases/{team.pk}/journal"
    assert_danish_error(post(client, journal, _note()), 400, field="share_basis", code="no_sharing_basis")
    assert not JournalNote.objects.exists()
    bases = client.get("/api/v1/consents/bases").json()
    assert {b["code"] for b in bases} == {"early_preventive", "abuse", "fvl_28"}
    assert_danish_error(
        post(client, f"/api/v1/consents/cases/{team.pk}", _consent(mother, purpose="")), 400, field="purpose"
    )
    response = post(client, f"/api/v1/consents/cases/{team.pk}", _consent(mother))
    assert response.status_code == 201 and response.json()["given_by"] == [mother.pk]
    assert post(client, journal, _note()).status_code == 201
    body = client.get(f"/api/v1/consents/cases/{team.pk}").json()
    assert [d["unit_id"] for d in body["disclosures"]] == [town.school.pk] and body["disclosures"][0]["consent_id"]
    consent_id = body["consents"][0]["id"]
    withdraw = f"/api/v1/consents/cases/{team.pk}/{consent_id}/withdraw"
    assert_danish_error(post(client, withdraw, {"reason": "Mor ringede.", "version": 9}), 409)
    assert post(client, withdraw, {"reason": "Mor ringede.", "version": 1}).json()["status"] == "withdrawn"
    assert (
        client.get(
            f"/api/v1/cases/{team.pk}/journal", HTTP_AUTHORIZATION=api(town.teacher).defaults["HTTP_AUTHORIZATION"]
        ).json()
        == []
    )


def test_sharing_what_waits_on_a_legal_basis_through_the_api(town, team):
    client = api(town.caseworker)
    assert post(client, f"/api/v1/cases/{team.pk}/journal", _note(shared_with_team=False)).status_code == 201
    share = f"/api/v1/consents/cases/{team.pk}/share"
    assert_danish_error(post(client, share, {"unit_id": town.school.pk}), 400, code="nothing_pending")
    body = _note(share_basis="abuse", share_reason="Mistanke om vold; skolen skal vide det.")
    assert post(client, f"/api/v1/cases/{team.pk}/journal", body).status_code == 201
    assert Disclosure.objects.get().legal_basis.code == "abuse"


def test_the_team_and_strangers_cannot_use_the_register(town, team, mother):
    assert api(town.teacher).get(f"/api/v1/consents/cases/{team.pk}").status_code == 403
    assert post(api(town.teacher), f"/api/v1/consents/cases/{team.pk}", _consent(mother)).status_code == 403
    assert api(town.other_caseworker).get(f"/api/v1/consents/cases/{team.pk}").status_code == 404
    assert not Consent.objects.exists()
