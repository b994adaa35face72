"""/api/v1/counselling: the same rules, messages and access as the pages."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from helhed.cases.models import Case
from helhed.core.apiauth import token_create
from helhed.counselling.models import AnonymousCounselling, CounsellingStatus
from helhed.testing.factories import Role, UnitFactory, UnitKind, staff

pytestmark = pytest.mark.django_db

BASE = "/api/v1/counselling"


def _client(user) -> Client:
    _token, raw = token_create(user=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def _post(client: Client, url: str, body: dict):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _today() -> str:
    return timezone.localdate().isoformat()


@pytest.fixture
def api(town):
    return _client(town.counsellor)


@pytest.fixture
def created(api):
    response = _post(
        api,
        BASE,
        {
            "pseudonym": "Pigen med cyklen",
            "age_band": "13-15",
            "contact_by": "child",
            "topics": ["school", "wellbeing"],
            "first_contact": {
                "occurred_on": _today(),
                "channel": "phone",
                "duration_minutes": 20,
                "summary": "Ked af skolen.",
            },
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_create_list_get_and_add_a_contact(api, created):
    assert created["topics"] == ["school", "wellbeing"] and created["case_id"] is None
    assert len(created["contacts"]) == 1 and created["status"] == "open"
    rows = api.get(BASE).json()
    assert [r["id"] for r in rows] == [created["id"]]
    assert api.get(BASE, {"topic": "housing"}).json() == []
    one = api.get(f"{BASE}/{created['id']}").json()
    assert one["pseudonym"] == "Pigen med cyklen" and one["contacts"][0]["summary"] == "Ked af skolen."
    added = _post(
        api,
        f"{BASE}/{created['id']}/contacts",
        {"occurred_on": _today(), "channel": "online", "duration_minutes": 15, "summary": "Chat."},
    )
    assert added.status_code == 201 and added.json()["channel"] == "online"
    assert len(api.get(f"{BASE}/{created['id']}").json()["contacts"]) == 2


def test_bad_input_gets_the_same_danish_messages(api, created):
    cpr = _post(
        api, BASE, {"pseudonym": "0102031234", "age_band": "13-15", "contact_by": "child", "topics": ["school"]}
    )
    assert cpr.status_code == 400 and cpr.json()["field"] == "pseudonym" and "CPR-nummer" in cpr.json()["detail"]
    missing = _post(api, BASE, {"pseudonym": "X"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["problem"] == "Feltet mangler. Udfyld det."
    summary = _post(
        api,
        f"{BASE}/{created['id']}/contacts",
        {"occurred_on": _today(), "channel": "phone", "duration_minutes": 15, "summary": "cpr 010203-1234"},
    )
    assert summary.status_code == 400 and "CPR-nummer" in summary.json()["detail"]
    assert AnonymousCounselling.objects.count() == 1


def test_close_reopen_and_a_stale_version(api, created):
    url = f"{BASE}/{created['id']}"
    closed = _post(api, f"{url}/close", {"note": "Fik svar.", "version": created["version"]})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    stale = _post(api, f"{url}/reopen", {"version": created["version"]})
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    again = _post(api, f"{url}/close", {})
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"
    reopened = _post(api, f"{url}/reopen", {"version": closed.json()["version"]})
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"


def test_conversion_is_refused_without_consent_and_done_with_it(api, created, child):
    url = f"{BASE}/{created['id']}/convert"
    refused = _post(api, url, {"child_id": child.pk})
    assert refused.status_code == 400
    assert refused.json() == {
        "detail": "Forløbet kan kun blive en sag med navn og CPR-nummer, når familien har givet samtykke. "
        "Registrér samtykket.",
        "code": "consent_missing",
        "field": "consent",
    }
    assert not Case.objects.exists()
    body = {
        "child_id": child.pk,
        "consent": {
            "given_by": "Mette Testesen",
            "relation": "custody_holder",
            "given_on": _today(),
            "text": "At forløbet bliver en sag.",
        },
        "version": created["version"],
    }
    done = _post(api, url, body)
    assert done.status_code == 200, done.content
    out = done.json()
    case = Case.objects.get(child=child)
    assert out["case_id"] == case.pk and out["attached"] is False and out["counselling"]["status"] == "converted"
    assert out["counselling"]["case_id"] == case.pk
    assert api.get(f"{BASE}/{created['id']}").json()["case_id"] == case.pk
    twice = _post(api, url, body)
    assert twice.status_code == 409


def test_another_unit_gets_404_and_the_teacher_403(town, created):
    other_unit = UnitFactory(name="Åben rådgivning Syd", kind=UnitKind.OPEN_COUNSELLING, administration=town.sof)
    other = _client(staff("ole", Role.COUNSELLOR, other_unit))
    assert other.get(f"{BASE}/{created['id']}").status_code == 404
    assert other.get(f"{BASE}/{created['id']}").json()["detail"] == "Ikke fundet."
    assert _post(other, f"{BASE}/{created['id']}/close", {}).status_code == 404
    assert other.get(BASE).json() == []
    teacher = _client(town.teacher)
    refused = teacher.get(BASE)
    assert refused.status_code == 403 and refused.json()["detail"] == "Du har ikke adgang til dette endpoint."
    assert AnonymousCounselling.objects.get().status == CounsellingStatus.OPEN


def test_statistics(api, created):
    stats = api.get(f"{BASE}/statistics").json()
    assert stats["total"] == 1 and stats["converted"] == 0
    assert stats["by_topic"]["school"] == 1 and stats["by_topic"]["housing"] == 0
    assert stats["by_age_band"]["13-15"] == 1
