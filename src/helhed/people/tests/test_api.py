"""/api/v1/persons through HTTP: search, create, get and the audited CPR reveal."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client

from helhed.core.apiauth import token_create
from helhed.core.models import AuditAction, AuditEvent
from helhed.people import crypto
from helhed.people.models import Person
from helhed.testing.factories import PersonFactory, synthetic_cpr


def api(user) -> Client:
    _token, raw = token_create(user=user)
    client = Client(enforce_csrf_checks=True)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def post(client: Client, url: str, body: dict | None = None):
    return client.post(url, data=json.dumps(body) if body is not None else "", content_type="application/json")


@pytest.fixture
def caseworker_api(town):
    return api(town.caseworker)


@pytest.fixture
def known_child(db):
    cpr = synthetic_cpr(birth=date(2015, 6, 4), sex="F")
    return PersonFactory(first_name="Maja", last_name="Apisen", cpr=cpr), cpr


# -- search ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_search_by_name(town, known_child, caseworker_api):
    person, _cpr = known_child
    PersonFactory(first_name="Anden", last_name="Person")
    rows = caseworker_api.get("/api/v1/persons", {"q": "maja apisen"}).json()
    assert [r["id"] for r in rows] == [person.pk]
    row = rows[0]
    assert row["cpr_masked"] == "040615-xxxx"
    assert row["synthetic"] is True
    assert not {"cpr", "cpr_encrypted", "cpr_hash"} & set(row)


@pytest.mark.django_db
@pytest.mark.parametrize("form", ["dashed", "compact", "spaced"])
def test_search_by_cpr_finds_exactly_that_person(town, known_child, caseworker_api, form):
    person, cpr = known_child
    PersonFactory(birth_date=date(2015, 6, 4))  # same birthday, different number
    query = {"dashed": f"{cpr[:6]}-{cpr[6:]}", "compact": cpr, "spaced": f" {cpr[:6]} {cpr[6:]} "}[form]
    response = caseworker_api.get("/api/v1/persons", {"q": query})
    assert response.status_code == 200
    assert [r["id"] for r in response.json()] == [person.pk]
    event = AuditEvent.objects.get(action=AuditAction.SEARCH, actor=town.caseworker)
    assert event.criterion == f"{cpr[:6]}-xxxx"  # however it was typed, the log never has the serial digits
    assert event.person_ids == [person.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["320115-1234", "011399-1234", "300215 1234"])
def test_search_with_an_invalid_cpr_is_a_danish_400_on_q(town, caseworker_api, query):
    response = caseworker_api.get("/api/v1/persons", {"q": query})
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "q"
    assert "ikke en gyldig dato" in body["detail"]


@pytest.mark.django_db
def test_search_with_a_number_that_is_not_cpr_shaped_is_a_name_search(town, caseworker_api):
    response = caseworker_api.get("/api/v1/persons", {"q": "010203-12"})
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.django_db
def test_search_without_q_is_422_in_danish(town, caseworker_api):
    response = caseworker_api.get("/api/v1/persons")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "q"
    assert "Ret felterne" in response.json()["detail"]


@pytest.mark.django_db
def test_search_hides_merged_away_duplicates(town, caseworker_api):
    from helhed.people import services

    survivor = PersonFactory(first_name="Sif", last_name="Dubletsen", cpr=None)
    duplicate = PersonFactory(first_name="Sif", last_name="Dubletsen", cpr=None)
    services.person_merge(actor=town.caseworker, survivor=survivor, duplicate=duplicate, reason="Samme barn")
    rows = caseworker_api.get("/api/v1/persons", {"q": "Dubletsen"}).json()
    assert [r["id"] for r in rows] == [survivor.pk]
    got = caseworker_api.get(f"/api/v1/persons/{duplicate.pk}").json()
    assert got["merged_into"] == survivor.pk


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["analyst", "school_social_worker", "teacher", "dpo"])
def test_roles_without_person_search_are_refused(town, known_child, role):
    person, _cpr = known_child
    client = api(getattr(town, role))
    for response in (client.get("/api/v1/persons", {"q": "Apisen"}), client.get(f"/api/v1/persons/{person.pk}")):
        assert response.status_code == 403
        assert response.json()["detail"] == "Du har ikke adgang til dette endpoint."
    assert not AuditEvent.objects.filter(subjects__person_id=person.pk).exists()


# -- create ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_with_cpr_derives_birth_date_and_sex_and_stores_it_encrypted(town, caseworker_api):
    cpr = synthetic_cpr(birth=date(2016, 2, 29), sex="M")
    body = {"first_name": "Bo", "last_name": "Skudår", "cpr": f"{cpr[:6]}-{cpr[6:]}", "postal_code": "2200"}
    response = post(caseworker_api, "/api/v1/persons", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["cpr_masked"] == "290216-xxxx"
    assert data["birth_date"] == "2016-02-29"
    assert data["sex"] == "M"
    person = Person.objects.get(pk=data["id"])
    assert cpr not in person.cpr_encrypted
    assert crypto.decrypt(person.cpr_encrypted) == cpr
    assert person.cpr_hash == crypto.lookup_hash(cpr)
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, subjects__person_id=person.pk, channel="api").exists()


@pytest.mark.django_db
def test_create_without_cpr_needs_a_reason(town, caseworker_api):
    body = {"first_name": "Ukendt", "last_name": "Barn"}
    response = post(caseworker_api, "/api/v1/persons", body)
    assert response.status_code == 400
    assert response.json()["field"] == "no_cpr_reason"
    response = post(
        caseworker_api, "/api/v1/persons", body | {"no_cpr_reason": "udenlandsk", "birth_date": "2017-05-01"}
    )
    assert response.status_code == 201
    assert response.json()["cpr_masked"] == ""
    assert response.json()["birth_date"] == "2017-05-01"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cpr",
    [
        "123",  # too short
        "010203-12345",  # too long
        "abcdef-ghij",  # not digits
        "320115-1234",  # day 32
        "011315-1234",  # month 13
        "300215-1234",  # 30 February
    ],
)
def test_create_with_invalid_cpr_is_a_danish_400_on_cpr_and_saves_nothing(town, caseworker_api, cpr):
    response = post(caseworker_api, "/api/v1/persons", {"first_name": "Fejl", "last_name": "Nummer", "cpr": cpr})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["field"] == "cpr"
    assert "CPR" in body["detail"]
    assert any(word in body["detail"] for word in ("cifre", "dato", "Tjek"))
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_create_with_a_cpr_from_the_future_is_refused(town, caseworker_api):
    # Century digit 4 with year 99 is 1999; digit 5 with year 58..99 is 1858..1899; digit 4 with 36 is 2036.
    response = post(caseworker_api, "/api/v1/persons", {"first_name": "A", "last_name": "B", "cpr": "010136-4001"})
    assert response.status_code == 400
    assert response.json()["field"] == "cpr"
    assert "fremtiden" in response.json()["detail"]


@pytest.mark.django_db
def test_create_duplicate_cpr_is_a_conflict(town, known_child, caseworker_api):
    _person, cpr = known_child
    response = post(caseworker_api, "/api/v1/persons", {"first_name": "Maja", "last_name": "Igen", "cpr": cpr})
    assert response.status_code == 409
    assert response.json()["field"] == "cpr"
    assert "Søg personen frem" in response.json()["detail"]
    assert Person.objects.count() == 1


@pytest.mark.django_db
def test_create_bad_fields(town, caseworker_api):
    cases = [
        ({"first_name": " ", "last_name": "B", "no_cpr_reason": "ukendt"}, 400, "first_name"),
        ({"first_name": "A", "last_name": "B", "no_cpr_reason": "ukendt", "postal_code": "22"}, 400, "postal_code"),
        (
            {"first_name": "A", "last_name": "B", "no_cpr_reason": "ukendt", "birth_date": "2999-01-01"},
            400,
            "birth_date",
        ),
        (
            {"first_name": "A", "last_name": "B", "no_cpr_reason": "ukendt", "birth_date": "2020-02-31"},
            422,
            "birth_date",
        ),
        ({"last_name": "B", "no_cpr_reason": "ukendt"}, 422, "first_name"),
    ]
    for body, status, field in cases:
        response = post(caseworker_api, "/api/v1/persons", body)
        assert response.status_code == status, (body, response.content)
        data = response.json()
        fields = [data.get("field")] + [e["field"] for e in data.get("errors", [])]
        assert field in fields, (body, data)
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_create_is_refused_without_person_create(town):
    response = post(
        api(town.teacher), "/api/v1/persons", {"first_name": "A", "last_name": "B", "no_cpr_reason": "ukendt"}
    )
    assert response.status_code == 403
    assert not Person.objects.exists()


# -- get and reveal -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_get_person_is_audited(town, known_child, caseworker_api):
    person, _cpr = known_child
    response = caseworker_api.get(f"/api/v1/persons/{person.pk}")
    assert response.status_code == 200
    assert response.json()["first_name"] == "Maja"
    event = AuditEvent.objects.get(action=AuditAction.VIEW, actor=town.caseworker)
    assert event.person_ids == [person.pk]
    assert event.channel == "api"
    assert event.request_id == response["X-Request-ID"]


@pytest.mark.django_db
def test_get_unknown_person_is_404_in_danish(town, caseworker_api):
    response = caseworker_api.get("/api/v1/persons/987654")
    assert response.status_code == 404
    assert response.json()["detail"] == "Ikke fundet."
    assert caseworker_api.get("/api/v1/persons/abc").status_code == 422


@pytest.fixture
def child_on_case(town, known_child):
    from helhed.cases import services as case_services

    person, cpr = known_child
    case = case_services.case_open(
        actor=town.caseworker, child=person, responsible_unit=town.investigation, responsible_caseworker=town.caseworker
    )
    return person, cpr, case


@pytest.mark.django_db
def test_reveal_cpr_returns_the_number_and_is_audited_with_the_reason(town, child_on_case, caseworker_api):
    person, cpr, case = child_on_case
    response = post(caseworker_api, f"/api/v1/persons/{person.pk}/reveal-cpr?reason=Brev+til+forældre")
    assert response.status_code == 200, response.content
    assert response.json() == {"cpr": f"{cpr[:6]}-{cpr[6:]}"}
    event = AuditEvent.objects.get(action=AuditAction.REVEAL_CPR)
    assert event.actor == town.caseworker
    assert event.person_ids == [person.pk]
    assert event.case_id == case.pk
    assert event.reason == "Brev til forældre"
    assert event.channel == "api"
    assert cpr not in json.dumps(event.detail) and cpr[6:] not in event.criterion


@pytest.mark.django_db
def test_reveal_outside_my_cases_looks_like_no_person(town, child_on_case):
    """Another unit's caseworker may search persons, but the full number only comes with the case."""
    person, _cpr, _case = child_on_case
    client = api(town.other_caseworker)
    hidden = post(client, f"/api/v1/persons/{person.pk}/reveal-cpr")
    missing = post(client, "/api/v1/persons/987654/reveal-cpr")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL_CPR).exists()


@pytest.mark.django_db
def test_reveal_is_refused_to_a_team_member_with_limited_access(town, child_on_case):
    from helhed.cases import services as case_services

    person, _cpr, case = child_on_case
    case_services.team_member_add(
        actor=town.caseworker, case_id=case.pk, user=town.school_social_worker, role="school_social_worker"
    )
    response = post(api(town.school_social_worker), f"/api/v1/persons/{person.pk}/reveal-cpr")
    assert response.status_code == 403
    assert "ikke adgang" in response.json()["detail"]
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL_CPR).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["analyst", "dpo"])
def test_reveal_is_refused_to_roles_without_case_work(town, child_on_case, role):
    person, _cpr, _case = child_on_case
    response = post(api(getattr(town, role)), f"/api/v1/persons/{person.pk}/reveal-cpr")
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL_CPR).exists()


@pytest.mark.django_db
def test_reveal_for_a_child_without_cpr_is_404_in_danish(town, caseworker_api):
    from helhed.cases import services as case_services

    person = PersonFactory(cpr=None)
    case_services.case_open(
        actor=town.caseworker, child=person, responsible_unit=town.investigation, responsible_caseworker=town.caseworker
    )
    response = post(caseworker_api, f"/api/v1/persons/{person.pk}/reveal-cpr")
    assert response.status_code == 404
    assert "intet CPR-nummer" in response.json()["detail"]
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL_CPR).exists()


@pytest.mark.django_db
def test_anonymous_gets_401(known_child):
    person, _cpr = known_child
    client = Client()
    assert client.get("/api/v1/persons", {"q": "Apisen"}).status_code == 401
    assert client.get(f"/api/v1/persons/{person.pk}").status_code == 401
    assert post(client, "/api/v1/persons", {"first_name": "A", "last_name": "B"}).status_code == 401
    assert not AuditEvent.objects.exists()
