"""/api/v1/organisation through HTTP: administrators only, per-line import errors, the same rules and
Danish messages as the pages."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from helhed.core.apiauth import token_create
from helhed.core.models import AuditAction, AuditEvent
from helhed.organisation.models import Membership, Unit, User

STAFF_CSV = (
    "username,first_name,last_name,email,title,unit_code,role,valid_from\n"
    "mette.m,Mette,Madsen,mette@kk.dk,,{unit},caseworker,2024-08-01\n"
    "otto.o,Otto,Ok,otto@kk.dk,,FINDES-IKKE,caseworker,2024-08-01\n"
    "ole.o,Ole,Ok,ole@kk.dk,,{unit},caseworker,32-01-2024\n"
)


def api(user) -> Client:
    _token, raw = token_create(user=user, name="test")
    client = Client(enforce_csrf_checks=True)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def post(client: Client, url: str, body: dict | None = None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def upload(client: Client, url: str, text: str, name: str = "medarbejdere.csv", **query):
    qs = "&".join(f"{k}={str(v).lower()}" for k, v in query.items())
    file = SimpleUploadedFile(name, text.encode("utf-8"), "text/csv")
    return client.post(f"{url}?{qs}" if qs else url, {"file": file})


@pytest.fixture
def admin_api(town):
    return api(town.administrator)


@pytest.mark.django_db
def test_only_administrators_may_use_the_organisation_api(town, admin_api):
    for user in (town.caseworker, town.leader, town.dpo, town.analyst):
        response = api(user).get("/api/v1/organisation/units")
        assert response.status_code == 403
        assert response.json()["detail"] == "Du har ikke adgang til dette endpoint."
    assert Client().get("/api/v1/organisation/staff").status_code == 401
    assert admin_api.get("/api/v1/organisation/units").status_code == 200


@pytest.mark.django_db
def test_get_units_with_staff_counts(town, admin_api):
    units = {u["code"]: u for u in admin_api.get("/api/v1/organisation/units").json()}
    inv = units[town.investigation.code]
    assert inv["staff_count"] == 1 and inv["parent_code"] == town.family_unit.code
    assert inv["administration"] == "SOF" and inv["kind"] == "investigation_group"


@pytest.mark.django_db
def test_get_staff_with_memberships_is_audited(town, admin_api):
    response = admin_api.get("/api/v1/organisation/staff", {"q": "lotte"})
    assert response.status_code == 200
    [lotte] = response.json()
    assert lotte["username"] == "lotte" and lotte["title"] == "teacher" and lotte["has_password"]
    [m] = lotte["memberships"]
    assert (m["unit_code"], m["role"], m["active"]) == (town.school.code, "professional", True)
    assert AuditEvent.objects.filter(
        request_id=response["X-Request-ID"], action=AuditAction.SEARCH, criterion="lotte", channel="api"
    ).exists()
    assert admin_api.get("/api/v1/organisation/staff", {"limit": 0}).status_code == 400
    one = admin_api.get(f"/api/v1/organisation/staff/{town.teacher.pk}")
    assert one.status_code == 200 and one.json()["username"] == "lotte"
    assert admin_api.get("/api/v1/organisation/staff/999999").status_code == 404


@pytest.mark.django_db
def test_staff_import_reports_every_bad_line_and_imports_nothing(town, admin_api):
    before = User.objects.count()
    response = upload(admin_api, "/api/v1/organisation/staff/import", STAFF_CSV.format(unit=town.investigation.code))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "bad_lines" and body["imported"] is False
    assert body["bad_lines"] == [3, 4]
    assert [(e["line"], e["column"]) for e in body["errors"]] == [(3, "unit_code"), (4, "valid_from")]
    assert "Intet er importeret" in body["detail"]
    assert User.objects.count() == before


@pytest.mark.django_db
def test_staff_import_dry_run_and_skip_bad_lines(town, admin_api):
    text = STAFF_CSV.format(unit=town.investigation.code)
    dry = upload(admin_api, "/api/v1/organisation/staff/import", text, skip_bad_lines=True, dry_run=True)
    assert dry.status_code == 200
    assert dry.json()["code"] == "dry_run" and dry.json()["created"] == 1 and not dry.json()["imported"]
    assert not User.objects.filter(username="mette.m").exists()

    real = upload(admin_api, "/api/v1/organisation/staff/import", text, skip_bad_lines=True)
    assert real.status_code == 200
    body = real.json()
    assert body["imported"] and body["created"] == 1 and body["bad_lines"] == [3, 4]
    assert User.objects.get(username="mette.m").memberships.get().unit == town.investigation

    again = upload(admin_api, "/api/v1/organisation/staff/import", text, skip_bad_lines=True)
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 1)


@pytest.mark.django_db
def test_import_of_a_file_that_is_not_csv_is_a_400_in_danish(town, admin_api):
    response = admin_api.post(
        "/api/v1/organisation/staff/import", {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n")}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_file" and "CSV-fil" in response.json()["detail"]
    response = upload(admin_api, "/api/v1/organisation/staff/import", "username;first_name\n")
    assert response.status_code == 400 and "Kolonne mangler" in response.json()["detail"]


@pytest.mark.django_db
def test_units_import_and_create(town, admin_api):
    text = (
        "code;name;kind;administration;district;parent_code\nNY-1;Ny;daycare;BUF;Valby;\nNY-2;Under;daycare;BUF;;NY-1\n"
    )
    response = upload(admin_api, "/api/v1/organisation/units/import", text, name="enheder.csv")
    assert response.status_code == 200 and response.json()["created"] == 2
    assert response.json()["new_districts"] == ["Valby"]
    assert Unit.objects.get(code="NY-2").parent.code == "NY-1"

    response = post(
        admin_api,
        "/api/v1/organisation/units",
        {"code": "NY-3", "name": "Tredje", "kind": "ppr", "administration": "BUF", "parent_code": "NY-1"},
    )
    assert response.status_code == 201 and response.json()["parent_code"] == "NY-1"
    response = post(
        admin_api, "/api/v1/organisation/units", {"code": "NY-4", "name": "X", "kind": "skole", "administration": "BUF"}
    )
    assert response.status_code == 400 and "Ukendt enhedstype" in response.json()["detail"]


@pytest.mark.django_db
def test_create_staff_membership_end_deactivate_and_reactivate(town, admin_api):
    response = post(
        admin_api,
        "/api/v1/organisation/staff",
        {
            "username": "api.ny",
            "first_name": "Api",
            "last_name": "Ny",
            "email": "api@kk.dk",
            "unit_code": town.school.code,
            "role": "professional",
            "title": "teacher",
        },
    )
    assert response.status_code == 201, response.content
    staff_id = response.json()["id"]
    assert response.json()["memberships"][0]["unit_code"] == town.school.code
    assert not response.json()["has_password"]

    response = post(
        admin_api,
        f"/api/v1/organisation/staff/{staff_id}/memberships",
        {"unit_code": town.daycare.code, "role": "professional"},
    )
    assert response.status_code == 201
    membership_id = response.json()["id"]
    again = post(
        admin_api,
        f"/api/v1/organisation/staff/{staff_id}/memberships",
        {"unit_code": town.daycare.code, "role": "professional"},
    )
    assert again.status_code == 409 and "allerede" in again.json()["detail"]

    response = post(admin_api, f"/api/v1/organisation/memberships/{membership_id}/end", {})
    assert response.status_code == 200 and response.json()["valid_to"]

    response = post(admin_api, f"/api/v1/organisation/staff/{staff_id}/deactivate", {"reason": "Fratrådt"})
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert not Membership.objects.filter(user_id=staff_id, valid_to__isnull=True).exists()
    response = post(admin_api, f"/api/v1/organisation/staff/{staff_id}/reactivate")
    assert response.status_code == 200 and response.json()["is_active"] is True


@pytest.mark.django_db
def test_create_staff_needs_both_unit_and_role_and_saves_nothing_on_error(town, admin_api):
    body = {"username": "halv", "first_name": "H", "last_name": "A", "email": "h@kk.dk", "unit_code": town.school.code}
    assert post(admin_api, "/api/v1/organisation/staff", body).status_code == 400
    body["role"] = "boss"
    response = post(admin_api, "/api/v1/organisation/staff", body)
    assert response.status_code == 400 and "Ukendt rolle" in response.json()["detail"]
    assert not User.objects.filter(username="halv").exists()


@pytest.mark.django_db
def test_the_operations_are_in_the_openapi_schema(town, admin_api):
    schema = admin_api.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/organisation/staff/import" in paths
    params = {p["name"] for p in paths["/api/v1/organisation/staff/import"]["post"]["parameters"]}
    assert {"skip_bad_lines", "dry_run"} <= params
    assert "/api/v1/organisation/units" in paths and "/api/v1/organisation/staff/{user_id}" in paths


@pytest.mark.django_db
def test_input_the_database_cannot_hold_is_a_400_or_404_never_a_500(town, admin_api):
    base = {"username": "ny", "first_name": "N", "last_name": "Y", "email": "n@kk.dk"}
    for field, value in (("first_name", "Ni\x00na"), ("email", "a" * 250 + "@kk.dk"), ("last_name", "x" * 151)):
        response = post(admin_api, "/api/v1/organisation/staff", {**base, field: value})
        assert response.status_code == 400, (field, response.content)
        assert response.json()["field"] in (field, None)  # a NUL may be refused before the operation runs
        assert "tegn" in response.json()["detail"]
    assert not User.objects.filter(username="ny").exists()
    huge = 2**70
    assert admin_api.get(f"/api/v1/organisation/staff/{huge}").status_code == 404
    assert post(admin_api, f"/api/v1/organisation/staff/{huge}/deactivate", {"reason": "x"}).status_code == 404
    assert post(admin_api, f"/api/v1/organisation/memberships/{huge}/end", {}).status_code == 404
    assert admin_api.get("/api/v1/organisation/staff", {"offset": 10**20}).status_code == 400
    assert admin_api.get("/api/v1/organisation/staff", {"q": "a\x00b"}).status_code == 400
    old = post(
        admin_api,
        f"/api/v1/organisation/staff/{town.teacher.pk}/memberships",
        {"unit_code": town.daycare.code, "role": "professional", "valid_from": "0024-08-01"},
    )
    assert old.status_code == 400 and "før år 1900" in old.json()["detail"]
    reason = post(admin_api, f"/api/v1/organisation/staff/{town.teacher.pk}/deactivate", {"reason": "x\x00"})
    assert reason.status_code == 400
    assert (
        post(admin_api, f"/api/v1/organisation/staff/{town.teacher.pk}/deactivate", {"reason": "x" * 501}).json()[
            "field"
        ]
        == "reason"
    )
