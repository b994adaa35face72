"""/api/v1/screening: the same rules, messages and audit as the pages."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from helhed.core.apiauth import token_create
from helhed.core.models import AuditAction, AuditEvent
from helhed.detection.models import FollowUpMeeting
from helhed.screening import services
from helhed.screening.models import Instrument, Screening

from .conftest import GRADE, HIGH_ANSWERS, screening_in

pytestmark = pytest.mark.django_db
API = "/api/v1/screening"


def _client(user) -> Client:
    _token, raw = token_create(user=user)
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def _post(client, url, body, **kw):
    return client.post(url, data=json.dumps(body), content_type="application/json", **kw)


def _body(school, pupil=None, **kw):
    body = {
        "person_id": (pupil or school.pupils[0]).pk,
        "school_id": school.town.school.pk,
        "instrument_id": school.instrument.pk,
        "answers": HIGH_ANSWERS,
        "judgement": "Min vurdering.",
        "next_step": "school_social_worker",
    }
    body.update(kw)
    return body


def test_instruments_are_listed_and_read(school):
    client = _client(school.town.teacher)
    rows = client.get(f"{API}/instruments").json()
    assert [(r["key"], r["version"], r["current"], r["example"]) for r in rows] == [
        (school.instrument.key, 1, True, True)
    ]
    detail = client.get(f"{API}/instruments/{school.instrument.pk}").json()
    assert detail["definition"]["items"][0]["key"] == "fravaer" and "Folkeskolelovens" in detail["legal_basis"]
    assert client.get(f"{API}/instruments/999999").status_code == 404


def test_the_administrator_adds_a_version_and_switches_the_pilot(school):
    admin = _client(school.town.administrator)
    bad = _post(admin, f"{API}/instruments", {"yaml": "key: x\nversion: 1"})
    assert bad.status_code == 400 and "mangler" in bad.json()["detail"]
    text = school.instrument.source_yaml.replace("version: 1", "version: 2")
    response = _post(admin, f"{API}/instruments", {"yaml": text})
    assert response.status_code == 201 and response.json()["version"] == 2
    assert _post(admin, f"{API}/instruments", {"yaml": text}).status_code == 409
    assert Instrument.objects.count() == 2
    response = admin.put(
        f"{API}/pilot-schools/{school.other_school.pk}",
        data=json.dumps({"active": True}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["active"] is True
    schools = {r["school_id"]: r["active"] for r in admin.get(f"{API}/pilot-schools").json()}
    assert schools[school.other_school.pk] and schools[school.town.school.pk]
    assert _client(school.town.teacher).get(f"{API}/pilot-schools").status_code == 403


def test_a_screening_is_created_listed_and_read_with_every_contribution(school):
    client = _client(school.town.school_social_worker)
    response = _post(client, f"{API}/screenings", _body(school), headers={"Idempotency-Key": "abc"})
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["score"] == "8.00" or float(data["score"]) == 8
    assert data["band"] == "hoej"
    assert [c["item"] for c in data["contributions"]] == list(HIGH_ANSWERS)
    assert data["judgement"] == "Min vurdering." and "Folkeskolelovens" in data["legal_basis"]
    again = _post(client, f"{API}/screenings", _body(school), headers={"Idempotency-Key": "abc"})
    assert again.status_code == 409
    assert Screening.objects.count() == 1
    rows = client.get(f"{API}/screenings").json()
    assert [r["id"] for r in rows] == [data["id"]]
    assert client.get(f"{API}/screenings/{data['id']}").json()["contributions"][0]["weight"] in ("3", 3, "3.0")
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="screening.screening", channel="api", person_ids=[school.pupils[0].pk]
    ).exists()


def test_api_refusals_are_danish_4xx_and_save_nothing(school):
    client = _client(school.town.teacher)
    assert _post(client, f"{API}/screenings", _body(school, judgement="")).status_code == 400
    assert _post(client, f"{API}/screenings", _body(school, answers={"fravaer": "ja"})).status_code == 400
    assert _post(client, f"{API}/screenings", _body(school, school_id=school.other_school.pk)).status_code == 404
    services.pilot_set(actor=school.town.administrator, school_id=school.town.school.pk, active=False)
    refused = _post(client, f"{API}/screenings", _body(school))
    assert refused.status_code == 403 and "pilotprojektet" in refused.json()["detail"]
    assert not Screening.objects.exists()


def test_another_schools_screening_is_not_found(school):
    screening = services.screening_create(actor=school.town.teacher, data=screening_in(school))
    outsider = _client(school.other_teacher)
    assert outsider.get(f"{API}/screenings/{screening.pk}").status_code == 404
    assert outsider.get(f"{API}/screenings").json() == []


def test_a_class_review_through_the_api(school):
    town = school.town
    client = _client(town.teacher)
    response = _post(
        client,
        f"{API}/class-reviews",
        {"school_id": town.school.pk, "grade": GRADE, "review_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 201
    review = response.json()
    assert len(review["pupils"]) == len(school.pupils) and review["pupils"][0]["level"] is None
    target = school.pupils[4]
    marks = [{"person_id": p.pk, "level": "none", "next_step": "none"} for p in school.pupils if p != target]
    marks.append({"person_id": target.pk, "level": "some", "next_step": "parent_talk"})
    bad = _post(
        client,
        f"{API}/class-reviews/{review['id']}/marks",
        {"marks": [{"person_id": 1, "level": "x", "next_step": "none"}]},
    )
    assert bad.status_code == 400
    marked = _post(client, f"{API}/class-reviews/{review['id']}/marks", {"marks": marks, "version": review["version"]})
    assert marked.status_code == 200
    done = _post(client, f"{API}/class-reviews/{review['id']}/complete", {})
    assert done.status_code == 200 and done.json()["status"] == "completed"
    entry = next(p for p in done.json()["pupils"] if p["person_id"] == target.pk)
    start = timezone.now() + timedelta(days=1)
    meeting = _post(
        client,
        f"{API}/class-reviews/{review['id']}/entries/{entry['id']}/meeting",
        {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat(), "location": "Skolen"},
    )
    assert meeting.status_code == 201, meeting.content
    assert FollowUpMeeting.objects.get().origin_id == str(entry["id"])
    wrong = _post(
        client,
        f"{API}/class-reviews/{review['id']}/entries/{entry['id']}/concern",
        {"description": "x", "categories": ["neglect"]},
    )
    assert wrong.status_code == 409
    assert [r["id"] for r in client.get(f"{API}/class-reviews").json()] == [review["id"]]
    assert _client(school.other_teacher).get(f"{API}/class-reviews/{review['id']}").status_code == 404


def test_the_evaluation_is_counts_only_for_analysts(school):
    services.screening_create(actor=school.town.teacher, data=screening_in(school))
    analyst = _client(school.town.analyst)
    data = analyst.get(f"{API}/evaluation").json()
    assert data["instrument_id"] == school.instrument.pk
    assert data["by_band"]["total"]["hoej"] == "<5" and data["screened"] == "<5"
    assert _client(school.town.teacher).get(f"{API}/evaluation").status_code == 403
