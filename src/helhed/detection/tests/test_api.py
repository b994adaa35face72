"""/api/v1/detection: the same import, alerts and follow-up as the pages, with the same gatekeeper."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from helhed.core.apiauth import token_create
from helhed.detection.models import AbsenceAlert, AbsenceDay

from .conftest import HEADER, INSTITUTION, full_file_lines, last_school_day, make_pupil, school_days_before

pytestmark = pytest.mark.django_db
API = "/api/v1/detection"


def _client(user) -> Client:
    _token, raw = token_create(user=user)
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def _post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def _file(pupils, days, absent=None) -> SimpleUploadedFile:
    text = "\n".join([HEADER, *full_file_lines(pupils, days, absent=absent)]) + "\n"
    return SimpleUploadedFile("fravaer.csv", text.encode(), "text/csv")


def test_import_evaluate_and_follow_up_through_the_api(town, school):
    pupil = make_pupil(school)
    days = school_days_before(last_school_day(), 10)
    admin = _client(town.administrator)
    response = admin.post(
        f"{API}/absence/imports", {"file": _file([pupil], days, {(0, d): ("ulovligt", "1") for d in days[-5:]})}
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "done" and body["rows"] == 10 and body["pupils"] == 1
    assert admin.get(f"{API}/absence/imports/{body['id']}").json()["absence_rows"] == 5
    assert _post(admin, f"{API}/absence/evaluate").json() == {"flagged": 1, "raised": 1}

    ssw = _client(town.school_social_worker)
    alerts = ssw.get(f"{API}/alerts").json()
    assert [a["person_id"] for a in alerts["open"]] == [pupil.person.pk]
    alert_id = alerts["open"][0]["id"]
    assert _post(ssw, f"{API}/alerts/{alert_id}/acknowledge").json()["status"] == "acknowledged"
    start = timezone.now() + timedelta(days=2)
    bad = _post(
        ssw,
        f"{API}/alerts/{alert_id}/meetings",
        {"starts_at": start.isoformat(), "ends_at": start.isoformat(), "location": "Skolen"},
    )
    assert bad.status_code == 400 and "slutte efter" in bad.json()["detail"]
    stranger = _post(
        ssw,
        f"{API}/alerts/{alert_id}/meetings",
        {
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "location": "Skolen",
            "staff": [town.analyst.pk],
        },
    )
    assert stranger.status_code == 400
    meeting = _post(
        ssw,
        f"{API}/alerts/{alert_id}/meetings",
        {
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "location": "Skolen",
            "staff": [town.teacher.pk],
        },
    )
    assert meeting.status_code == 201 and meeting.json()["staff"] == sorted(
        [town.school_social_worker.pk, town.teacher.pk]
    )
    detail = ssw.get(f"{API}/alerts/{alert_id}").json()
    assert detail["status"] == "meeting_booked" and detail["deadlines"][0]["rule"] == "absence.parent_meeting"
    assert _post(ssw, f"{API}/meetings/{meeting.json()['id']}/cancel", {"reason": "Syg"}).json()["status"] == (
        "cancelled"
    )
    closed = _post(ssw, f"{API}/alerts/{alert_id}/close", {"reason": "Familien er flyttet."})
    assert closed.json()["status"] == "closed"
    assert _post(ssw, f"{API}/alerts/{alert_id}/close", {"reason": "igen"}).status_code == 409


def test_a_rejected_file_reports_its_lines_and_imports_nothing(town, school):
    pupil = make_pupil(school)
    text = f"{HEADER}\n{pupil.cpr};{INSTITUTION};2026-02-30;sygdom;1\n"
    response = _client(town.administrator).post(
        f"{API}/absence/imports", {"file": SimpleUploadedFile("f.csv", text.encode())}
    )
    body = response.json()
    assert body["status"] == "rejected" and body["errors"][0]["line"] == 2 and body["bad_lines"] == 1
    assert not AbsenceDay.objects.exists()


def test_the_gatekeeper_and_the_permissions(town, school):
    pupil = make_pupil(school)
    days = school_days_before(last_school_day(), 10)
    _client(town.administrator).post(
        f"{API}/absence/imports", {"file": _file([pupil], days, {(0, d): ("ulovligt", "1") for d in days[-5:]})}
    )
    from helhed.detection import services

    services.alerts_raise(actor=None)
    alert = AbsenceAlert.objects.get()
    assert _client(town.caseworker).get(f"{API}/alerts/{alert.pk}").status_code == 404
    refused = _client(town.school_social_worker).post(f"{API}/absence/imports", {"file": _file([pupil], days)})
    assert refused.status_code == 403
    assert _client(town.analyst).get(f"{API}/alerts").status_code == 403
    flagged = _client(town.school_social_worker).get(f"{API}/absence/flagged").json()
    assert [f["person_id"] for f in flagged] == [pupil.person.pk]
    assert _client(town.caseworker).get(f"{API}/absence/flagged").json() == []
