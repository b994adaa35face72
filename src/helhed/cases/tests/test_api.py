"""/api/v1/cases through HTTP: the same gatekeeper, rules and Danish messages as the pages."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from helhed.cases import services
from helhed.cases.models import Case, JournalNote, TeamMember, TeamRole
from helhed.core.apiauth import token_create, token_revoke
from helhed.core.models import ApiToken, AuditAction, AuditEvent
from helhed.testing.factories import PersonFactory
from helhed.testing.sharing import give_consent


def api(user) -> Client:
    """A client that authenticates like a program: with a bearer token (CSRF checks on, as for real)."""
    _token, raw = token_create(user=user, name="test")
    client = Client(enforce_csrf_checks=True)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def post(client: Client, url: str, body: dict | None = None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


_DANISH_WORDS = {
    *("ikke", "er", "og", "en", "et", "til", "på", "med", "der", "skal", "kan", "har", "du", "findes", "ingen"),
    *("for", "den", "det", "at", "af", "om", "sagen", "skriv", "vælg", "brug"),
}


def assert_danish_error(response, status: int, *, field: str | None = None, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:400])
    body = response.json()
    assert body["detail"] and isinstance(body["detail"], str)
    words = set(re.findall(r"\w+", body["detail"].lower()))
    assert words & _DANISH_WORDS, f"not a Danish message: {body['detail']!r}"
    if field is not None:
        assert body.get("field") == field, body
    if code is not None:
        assert body.get("code") == code, body
    return body


@pytest.fixture
def caseworker_api(town):
    return api(town.caseworker)


# -- list, create, get ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_the_cases_visible_to_me_only(town, open_case, caseworker_api):
    response = caseworker_api.get("/api/v1/cases")
    assert response.status_code == 200
    rows = response.json()
    assert [r["id"] for r in rows] == [open_case.pk]
    row = rows[0]
    assert row["journal_number"] == open_case.journal_number
    assert row["child_cpr_masked"].endswith("-xxxx")
    assert row["responsible_caseworker"] == town.caseworker.get_full_name()
    assert "cpr" not in row and "child_cpr" not in row
    assert api(town.other_caseworker).get("/api/v1/cases").json() == []


@pytest.mark.django_db
def test_list_filters_by_status_and_checks_limit(town, open_case, caseworker_api):
    assert caseworker_api.get("/api/v1/cases", {"status": "closed"}).json() == []
    assert len(caseworker_api.get("/api/v1/cases", {"status": "open"}).json()) == 1
    response = caseworker_api.get("/api/v1/cases", {"limit": 0})
    assert response.status_code == 400
    assert "limit skal være" in response.json()["detail"]
    response = caseworker_api.get("/api/v1/cases", {"status": "ukendt"})
    assert response.status_code == 422
    assert "Ret felterne" in response.json()["detail"]
    assert response.json()["errors"][0]["field"] == "status"


@pytest.mark.django_db
def test_create_case_then_get_it(town, child, caseworker_api):
    response = post(
        caseworker_api,
        "/api/v1/cases",
        {
            "child_id": child.pk,
            "responsible_unit_id": town.investigation.pk,
            "responsible_caseworker": town.caseworker.username,
            "parent_contact": town.caseworker2.username,
            "title": "Bekymring fra skolen",
        },
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "open"
    assert created["journal_number"].startswith("27.24.00-G01-")
    assert created["child_id"] == child.pk
    assert created["version"] == 1
    case = Case.objects.get(pk=created["id"])
    assert TeamMember.objects.get(case=case, is_parent_contact=True).user == town.caseworker2

    got = caseworker_api.get(f"/api/v1/cases/{case.pk}")
    assert got.status_code == 200
    assert got.json() == created


@pytest.mark.django_db
def test_second_open_case_for_a_child_is_a_conflict(town, open_case, caseworker_api):
    before = Case.objects.count()
    response = post(
        caseworker_api,
        "/api/v1/cases",
        {
            "child_id": open_case.child_id,
            "responsible_unit_id": town.investigation.pk,
            "responsible_caseworker": town.caseworker.username,
        },
    )
    body = assert_danish_error(response, 409, code="case_exists")
    assert "allerede en åben sag" in body["detail"]
    assert Case.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"child_id": 999999}, "child_id"),
        ({"responsible_unit_id": 999999}, "responsible_unit_id"),
        ({"responsible_caseworker": "findes-ikke"}, "username"),
    ],
)
def test_create_case_with_unknown_references_is_refused(town, child, caseworker_api, change, field):
    body = {
        "child_id": child.pk,
        "responsible_unit_id": town.investigation.pk,
        "responsible_caseworker": town.caseworker.username,
    } | change
    assert_danish_error(post(caseworker_api, "/api/v1/cases", body), 400, field=field)
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_create_case_in_a_unit_that_cannot_own_cases_is_refused(town, child, caseworker_api):
    body = {
        "child_id": child.pk,
        "responsible_unit_id": town.school.pk,
        "responsible_caseworker": town.caseworker.username,
    }
    assert_danish_error(post(caseworker_api, "/api/v1/cases", body), 400, field="responsible_unit")
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_school_social_worker_cannot_create_cases(town, child):
    body = {
        "child_id": child.pk,
        "responsible_unit_id": town.investigation.pk,
        "responsible_caseworker": town.caseworker.username,
    }
    response = post(api(town.school_social_worker), "/api/v1/cases", body)
    assert_danish_error(response, 403)
    assert not Case.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["", "/team", "/journal", "/timeline"])
def test_a_case_outside_my_reach_looks_exactly_like_no_case(town, open_case, suffix):
    client = api(town.other_caseworker)
    hidden = client.get(f"/api/v1/cases/{open_case.pk}{suffix}")
    missing = client.get(f"/api/v1/cases/{open_case.pk + 1000}{suffix}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert hidden.json()["detail"] == "Ikke fundet."
    assert not AuditEvent.objects.filter(actor=town.other_caseworker, subjects__person_id=open_case.child_id).exists()


@pytest.mark.django_db
def test_writes_to_a_case_outside_my_reach_look_like_no_case(town, open_case):
    client = api(town.other_caseworker)
    note = {"title": "T", "body": "B", "occurred_on": timezone.localdate().isoformat()}
    for suffix, body in [
        ("journal", note),
        ("team", {"username": town.teacher.username, "role": "teacher"}),
        ("status", {"to_status": "closed", "reason": "x"}),
    ]:
        hidden = post(client, f"/api/v1/cases/{open_case.pk}/{suffix}", body)
        missing = post(client, f"/api/v1/cases/{open_case.pk + 1000}/{suffix}", body)
        assert hidden.status_code == missing.status_code == 404, suffix
        assert hidden.content == missing.content
    assert not JournalNote.objects.exists()
    open_case.refresh_from_db()
    assert open_case.status == "open"


# -- team -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_team_get_and_add(town, open_case, caseworker_api):
    team = caseworker_api.get(f"/api/v1/cases/{open_case.pk}/team").json()
    assert [(m["username"], m["role"], m["is_parent_contact"]) for m in team] == [
        (town.caseworker.username, "responsible_caseworker", True)
    ]
    response = post(
        caseworker_api,
        f"/api/v1/cases/{open_case.pk}/team",
        {"username": town.school_social_worker.username, "role": "school_social_worker"},
    )
    assert response.status_code == 201, response.content
    added = response.json()
    assert added["unit"] == town.school.name
    assert added["administration"] == "BUF"
    team = caseworker_api.get(f"/api/v1/cases/{open_case.pk}/team").json()
    assert {m["username"] for m in team} == {town.caseworker.username, town.school_social_worker.username}


@pytest.mark.django_db
def test_team_add_with_unknown_role_is_422(town, open_case, caseworker_api):
    response = post(
        caseworker_api, f"/api/v1/cases/{open_case.pk}/team", {"username": town.teacher.username, "role": "troldmand"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert "Ret felterne" in body["detail"]
    assert [e["field"] for e in body["errors"]] == ["role"]
    assert TeamMember.objects.filter(case=open_case).count() == 1


@pytest.mark.django_db
def test_team_add_refuses_the_wrong_people(town, open_case, caseworker_api):
    url = f"/api/v1/cases/{open_case.pk}/team"
    # An analyst works with aggregates only and is never on a case team.
    assert_danish_error(post(caseworker_api, url, {"username": town.analyst.username, "role": "other"}), 400)
    assert_danish_error(post(caseworker_api, url, {"username": "ingen-saadan", "role": "other"}), 400, field="username")
    # The responsible caseworker is changed by its own operation, not by adding a second one.
    body = {"username": town.caseworker2.username, "role": "responsible_caseworker"}
    assert_danish_error(post(caseworker_api, url, body), 400, field="role")
    # The same person twice is a conflict.
    assert post(caseworker_api, url, {"username": town.teacher.username, "role": "teacher"}).status_code == 201
    assert_danish_error(post(caseworker_api, url, {"username": town.teacher.username, "role": "teacher"}), 409)
    assert TeamMember.objects.filter(case=open_case, valid_to__isnull=True).count() == 2


# -- journal --------------------------------------------------------------------------------------------


def _note(**kw):
    return {"kind": "note", "title": "Møde med skolen", "body": "Opdigtet.", "occurred_on": "2024-03-01"} | kw


@pytest.mark.django_db
def test_journal_add_and_get(town, open_case, caseworker_api):
    url = f"/api/v1/cases/{open_case.pk}/journal"
    response = post(caseworker_api, url, _note(kind="phone", title="Opkald fra far"))
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "phone"
    assert response.json()["author"] == town.caseworker.get_full_name()
    notes = caseworker_api.get(url).json()
    assert [n["title"] for n in notes] == ["Opkald fra far"]
    assert notes[0]["addenda"] == []


@pytest.mark.django_db
def test_journal_bad_input(town, open_case, caseworker_api):
    url = f"/api/v1/cases/{open_case.pk}/journal"
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    assert_danish_error(post(caseworker_api, url, _note(occurred_on=future)), 400, field="occurred_on")
    assert_danish_error(post(caseworker_api, url, _note(body="   ")), 400, field="body")
    response = post(caseworker_api, url, _note(kind="sladder"))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "kind"
    response = post(caseworker_api, url, _note(occurred_on="2024-02-30"))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "occurred_on"
    assert not JournalNote.objects.exists()


@pytest.mark.django_db
def test_journal_double_submit_saves_once(town, open_case, caseworker_api):
    url = f"/api/v1/cases/{open_case.pk}/journal"
    assert post(caseworker_api, url, _note(submission_key="abc123")).status_code == 201
    assert_danish_error(post(caseworker_api, url, _note(submission_key="abc123")), 409, code="duplicate_submit")
    assert JournalNote.objects.count() == 1


@pytest.fixture
def shared_and_private_notes(town, open_case):
    give_consent(open_case, town.caseworker)
    for title, shared in (("Delt med teamet", True), ("Kun socialforvaltningen", False)):
        services.journal_note_add(
            actor=town.caseworker,
            case_id=open_case.pk,
            kind="note",
            title=title,
            body="Opdigtet.",
            occurred_on=timezone.localdate(),
            shared_with_team=shared,
        )
    services.team_member_add(
        actor=town.caseworker, case_id=open_case.pk, user=town.school_social_worker, role="school_social_worker"
    )
    return open_case


@pytest.mark.django_db
def test_school_social_worker_on_the_team_sees_only_what_is_shared(town, shared_and_private_notes):
    case = shared_and_private_notes
    client = api(town.school_social_worker)
    assert [c["id"] for c in client.get("/api/v1/cases").json()] == [case.pk]
    assert client.get(f"/api/v1/cases/{case.pk}").status_code == 200
    assert len(client.get(f"/api/v1/cases/{case.pk}/team").json()) == 2
    notes = client.get(f"/api/v1/cases/{case.pk}/journal").json()
    assert [n["title"] for n in notes] == ["Delt med teamet"]
    timeline = client.get(f"/api/v1/cases/{case.pk}/timeline").json()
    titles = " ".join(t["title"] for t in timeline)
    assert "Delt med teamet" in titles
    assert "Kun socialforvaltningen" not in titles
    # The caseworker sees both.
    full = api(town.caseworker).get(f"/api/v1/cases/{case.pk}/journal").json()
    assert {n["title"] for n in full} == {"Delt med teamet", "Kun socialforvaltningen"}


@pytest.mark.django_db
def test_school_social_worker_on_the_team_cannot_write(town, shared_and_private_notes):
    case = shared_and_private_notes
    client = api(town.school_social_worker)
    before = JournalNote.objects.count()
    body = assert_danish_error(post(client, f"/api/v1/cases/{case.pk}/journal", _note()), 403)
    assert "Kontakt sagens ansvarlige rådgiver" in body["detail"]
    assert_danish_error(
        post(client, f"/api/v1/cases/{case.pk}/team", {"username": town.teacher.username, "role": "teacher"}), 403
    )
    assert_danish_error(
        post(client, f"/api/v1/cases/{case.pk}/status", {"to_status": "closed", "reason": "Ikke mit valg"}), 403
    )
    assert JournalNote.objects.count() == before
    case.refresh_from_db()
    assert case.status == "open"


# -- timeline and status --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_timeline_lists_everything_about_the_child_newest_first(town, open_case, caseworker_api):
    post(caseworker_api, f"/api/v1/cases/{open_case.pk}/journal", _note(title="Første samtale"))
    timeline = caseworker_api.get(f"/api/v1/cases/{open_case.pk}/timeline").json()
    assert [t["title"] for t in timeline][0] == "Notat: Første samtale"
    assert timeline[-1]["title"].startswith("Sag oprettet")
    assert all(t["case_id"] == open_case.pk for t in timeline)
    assert caseworker_api.get(f"/api/v1/cases/{open_case.pk}/timeline", {"limit": 5000}).status_code == 400


@pytest.mark.django_db
def test_status_change_close_and_reopen(town, open_case, caseworker_api):
    url = f"/api/v1/cases/{open_case.pk}/status"
    response = post(caseworker_api, url, {"to_status": "closed", "reason": "Indsatsen virker", "version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed"
    assert response.json()["closed_at"]
    assert response.json()["version"] == 2
    response = post(caseworker_api, url, {"to_status": "reopened", "reason": "Ny underretning", "version": 2})
    assert response.json()["status"] == "reopened"
    assert [h.to_status for h in open_case.status_history.all()] == ["open", "closed", "reopened"]


@pytest.mark.django_db
def test_stale_version_is_a_conflict_and_changes_nothing(town, open_case, caseworker_api):
    url = f"/api/v1/cases/{open_case.pk}/status"
    body = assert_danish_error(
        post(caseworker_api, url, {"to_status": "closed", "reason": "Afsluttet", "version": 7}), 409, code="stale"
    )
    assert "Genindlæs" in body["detail"]
    open_case.refresh_from_db()
    assert (open_case.status, open_case.version) == ("open", 1)


@pytest.mark.django_db
def test_illegal_transition_and_missing_reason(town, open_case, caseworker_api):
    url = f"/api/v1/cases/{open_case.pk}/status"
    assert_danish_error(
        post(caseworker_api, url, {"to_status": "reopened", "reason": "x"}), 409, code="illegal_transition"
    )
    assert_danish_error(post(caseworker_api, url, {"to_status": "closed", "reason": "  "}), 400, field="reason")
    open_case.refresh_from_db()
    assert open_case.status == "open"


# -- authentication -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_revoked_token_is_refused_with_401(town, open_case):
    token, raw = token_create(user=town.caseworker)
    client = Client(enforce_csrf_checks=True)
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    token_revoke(token=token)
    response = client.get("/api/v1/cases", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    # A program writing with a revoked token is told to authenticate too (not a CSRF error).
    response = client.post(
        f"/api/v1/cases/{open_case.pk}/journal",
        data=json.dumps(_note()),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert not JournalNote.objects.exists()


@pytest.mark.django_db
def test_malformed_and_inactive_tokens_are_refused(town):
    client = Client()
    for header in ("Bearer", "Bearer hh_nonsense", "Bearer not-our-token", "Basic cmlra2U6aGVtbWVsaWc="):
        assert client.get("/api/v1/cases", headers={"Authorization": header}).status_code == 401, header
    _token, raw = token_create(user=town.caseworker)
    town.caseworker.is_active = False
    town.caseworker.save(update_fields=["is_active"])
    assert client.get("/api/v1/cases", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


@pytest.mark.django_db
def test_tokens_are_stored_hashed(town):
    token, raw = token_create(user=town.caseworker)
    row = ApiToken.objects.get(pk=token.pk)
    assert raw not in (row.digest, row.prefix)
    assert raw.startswith(row.prefix)
    assert len(row.digest) == 64


@pytest.mark.django_db
def test_session_auth_works_for_the_browser_and_needs_csrf_for_writes(town, open_case):
    client = Client(enforce_csrf_checks=True)
    client.force_login(town.caseworker, backend="helhed.core.auth.HelhedModelBackend")
    response = client.get("/api/v1/cases")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()] == [open_case.pk]

    url = f"/api/v1/cases/{open_case.pk}/journal"
    refused = client.post(url, data=json.dumps(_note()), content_type="application/json")
    assert_danish_error(refused, 403, code="csrf")
    assert not JournalNote.objects.exists()

    # With the CSRF token the page would send, the same write is accepted.
    client.get("/")  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    accepted = client.post(
        url, data=json.dumps(_note()), content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert accepted.status_code == 201, accepted.content
    assert JournalNote.objects.count() == 1
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="cases.journalnote")
    assert event.channel == "api" and event.actor == town.caseworker


@pytest.mark.django_db
def test_session_that_owes_its_second_factor_gets_no_api(town, open_case):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=town.caseworker, name="telefon", confirmed=True)
    client = Client()
    client.force_login(town.caseworker, backend="helhed.core.auth.HelhedModelBackend")
    assert client.get("/api/v1/cases").status_code == 401


@pytest.mark.django_db
def test_token_command_prints_a_usable_token(town, open_case):
    out = StringIO()
    call_command("token", "create", town.caseworker.username, "--name", "integration", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("hh_") and "\n" not in raw
    response = Client().get("/api/v1/cases", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert [c["id"] for c in response.json()] == [open_case.pk]
    assert ApiToken.objects.get(user=town.caseworker).name == "integration"
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN, channel="cli").exists()


@pytest.mark.django_db
def test_token_command_for_unknown_user_fails_clearly(town):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Der findes ingen bruger"):
        call_command("token", "create", "ingen-saadan", stdout=StringIO())


@pytest.mark.django_db
def test_openapi_schema_lists_the_endpoints(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/persons",
        "/api/v1/persons/{person_id}",
        "/api/v1/cases",
        "/api/v1/cases/{case_id}",
        "/api/v1/cases/{case_id}/team",
        "/api/v1/cases/{case_id}/journal",
        "/api/v1/cases/{case_id}/timeline",
        "/api/v1/audit/events",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/cases"]) == {"get", "post"}
    assert set(paths["/api/v1/cases/{case_id}/journal"]) == {"get", "post"}
    # The request bodies are typed from the schemas (not mistaken for query parameters).
    post_case = paths["/api/v1/cases"]["post"]
    assert "requestBody" in post_case
    schemes = response.json()["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


@pytest.mark.django_db
def test_other_childs_case_is_not_listed(town, open_case, caseworker_api):
    """A second child's case in another unit does not show up in my list, even with a big limit."""
    services.case_open(
        actor=town.other_caseworker,
        child=PersonFactory(),
        responsible_unit=town.other_family_unit,
        responsible_caseworker=town.other_caseworker,
    )
    rows = caseworker_api.get("/api/v1/cases", {"limit": 500}).json()
    assert [r["id"] for r in rows] == [open_case.pk]


@pytest.mark.django_db
def test_team_role_values_in_schema_match_the_model(client):
    schema = client.get("/api/v1/openapi.json").json()
    text = json.dumps(schema)
    for value in TeamRole.values:
        assert value in text
