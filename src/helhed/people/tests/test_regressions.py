"""Regressions found by trying to break persons, search and merges (review of issue 2)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from helhed.core.apiauth import token_create
from helhed.core.errors import Conflict
from helhed.core.models import AuditEvent
from helhed.people import services
from helhed.people.models import Person, PersonMerge
from helhed.people.policies import mask_in_text
from helhed.testing.factories import PersonFactory, synthetic_cpr


def api(user) -> Client:
    _token, raw = token_create(user=user)
    client = Client(enforce_csrf_checks=True)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def post(client: Client, url: str, body: dict):
    return client.post(url, data=json.dumps(body), content_type="application/json")


# -- full CPR numbers were written in clear into the audit log's search criterion -------------------------

CPR = "1503124321"


@pytest.mark.parametrize(
    "written",
    [
        "150312–4321",  # en dash (Word, e-mail)
        "150312—4321",  # em dash
        "150312\u00a04321",  # no-break space
        "150312.4321",
        "150312/4321",
        "150312_4321",
        "15.03.12-4321",
        "15-03-12-4321",
        "15 03 12 4321",
        "150312--4321",
        "150312 - 4321",
        "x1503124321",
        "1503124321x",
        "cpr:1503124321",
        "15031243219",  # a CPR number with a typo is still a CPR number
    ],
)
def test_mask_in_text_masks_cpr_numbers_whatever_the_separator(written):
    out = mask_in_text(f"barn {written} i sagen")
    digits = "".join(ch for ch in out if ch.isdigit())
    assert CPR not in digits, out
    assert "4321" not in out, out


@pytest.mark.parametrize("text", ["Karla Testesen", "27.24.00-G01-5-19", "tlf 12345678", "2024", "Jensen 12"])
def test_mask_in_text_leaves_other_text_alone(text):
    assert mask_in_text(text) == text


@pytest.mark.django_db
@pytest.mark.parametrize("written", ["150312–4321", "150312.4321", "150312\u00a04321", "x1503124321"])
def test_search_never_stores_a_full_cpr_number_in_the_audit_log(town, written):
    client = Client()
    client.force_login(town.caseworker, backend="helhed.core.auth.HelhedModelBackend")
    response = client.get("/soeg/", {"q": written})
    assert response.status_code in (200, 400)
    api_response = api(town.caseworker).get("/api/v1/persons", {"q": written})
    assert api_response.status_code in (200, 400)
    for criterion in AuditEvent.objects.values_list("criterion", flat=True):
        assert "4321" not in criterion, criterion


# -- undoing a merge after the CPR number was given to a new person was a 500 ----------------------------


@pytest.mark.django_db
def test_undo_merge_when_two_living_records_would_share_a_cpr_number_is_a_conflict(town):
    """Two records with the same CPR number (a true duplicate) cannot be un-merged: the database allows
    only one living person per CPR number, so the undo answers 409 and changes nothing."""
    cpr = synthetic_cpr(birth=date(2016, 2, 3))
    survivor = services.person_create(actor=town.caseworker, first_name="Dup", last_name="Licat", cpr=cpr)
    duplicate = PersonFactory(first_name="Dup", last_name="Licat", cpr=None)
    # A second record with the same number can only arise outside the service (e.g. an old import).
    Person.objects.filter(pk=duplicate.pk).update(
        cpr_hash=survivor.cpr_hash,
        cpr_encrypted=survivor.cpr_encrypted,
        cpr_masked=survivor.cpr_masked,
        merged_into=survivor,
    )
    merge = PersonMerge.objects.create(
        survivor=survivor,
        duplicate=duplicate,
        moved={},
        reason="samme barn",
        merged_by=town.caseworker,
        merged_at=timezone.now(),
    )

    response = post(api(town.caseworker), f"/api/v1/persons/merges/{merge.pk}/reverse", {"reason": "fejl"})

    assert response.status_code == 409, response.content
    assert "CPR" in response.json()["detail"]
    merge.refresh_from_db()
    duplicate.refresh_from_db()
    assert merge.reversed_at is None
    assert duplicate.merged_into_id == survivor.pk
    with pytest.raises(Conflict):
        services.person_merge_reverse(actor=town.caseworker, merge=PersonMerge.objects.get(pk=merge.pk), reason="x")


def test_after_a_merge_the_cpr_number_cannot_be_created_again(town):
    cpr = synthetic_cpr(birth=date(2016, 2, 4))
    duplicate = services.person_create(actor=town.caseworker, first_name="Dup", last_name="Licat", cpr=cpr)
    survivor = services.person_create(
        actor=town.caseworker, first_name="Dup", last_name="Licat", no_cpr_reason="ukendt endnu"
    )
    services.person_merge(actor=town.caseworker, survivor=survivor, duplicate=duplicate, reason="samme barn")
    with pytest.raises(Conflict):
        services.person_create(actor=town.caseworker, first_name="Dup", last_name="Igen", cpr=cpr)


# -- person fields the API did not check (stored too long on SQLite, a 500 on PostgreSQL) ------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"first_name": "A" * 121}, "first_name"),
        ({"last_name": "B" * 121}, "last_name"),
        ({"address": "C" * 201}, "address"),
        ({"city": "D" * 81}, "city"),
        ({"no_cpr_reason": "E" * 201}, "no_cpr_reason"),
        ({"first_name": "An\u0000na"}, None),
        ({"postal_code": "\u0661\u0662\u0663\u0664"}, "postal_code"),  # Arabic-Indic digits are not a postal code
        ({"birth_date": "0001-01-01"}, "birth_date"),
    ],
)
def test_api_person_create_refuses_bad_fields_in_danish_and_saves_nothing(town, change, field):
    body = {"first_name": "Anna", "last_name": "Test", "no_cpr_reason": "ukendt endnu"} | change
    before = Person.objects.count()
    response = post(api(town.caseworker), "/api/v1/persons", body)
    assert response.status_code == 400, response.content
    if field:
        assert response.json()["field"] == field
    assert Person.objects.count() == before


@pytest.mark.django_db
def test_api_relation_note_over_200_characters_is_refused(town):
    a, b = PersonFactory(), PersonFactory()
    response = post(
        api(town.caseworker),
        f"/api/v1/persons/{a.pk}/relations",
        {"relative_id": b.pk, "kind": "parent", "note": "n" * 201},
    )
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "note"
    assert not a.relations.exists()


@pytest.mark.django_db
def test_person_search_with_a_nul_character_is_a_danish_400(town):
    response = api(town.caseworker).get("/api/v1/persons", {"q": "Jen\u0000sen"})
    assert response.status_code == 400
    assert "tegn" in response.json()["detail"]


# -- the page added relations to a merged-away record (the API refused) ------------------------------------


@pytest.mark.django_db
def test_a_relation_cannot_be_added_to_a_merged_away_person_through_the_page(town):
    survivor, duplicate, parent = PersonFactory(), PersonFactory(cpr=None), PersonFactory()
    services.person_merge(actor=town.caseworker, survivor=survivor, duplicate=duplicate, reason="samme barn")
    client = Client()
    client.force_login(town.caseworker, backend="helhed.core.auth.HelhedModelBackend")

    response = client.post(f"/personer/{duplicate.pk}/relationer/", {"relative": parent.pk, "kind": "parent"})

    assert response.status_code == 302
    assert not duplicate.relations.exists()
    assert not survivor.relations.exists()


def test_merge_keeps_the_cpr_findable_and_undo_gives_it_back(town):
    """Merging a duplicate that has the CPR number into a record without one: the survivor takes the
    number over (CPR search still finds the child); undoing the merge moves it back exactly."""
    from helhed.people import selectors as people_selectors
    from helhed.people import services as people_services
    from helhed.people.models import Person
    from helhed.testing.factories import PersonFactory, synthetic_cpr

    cpr = synthetic_cpr()
    survivor = PersonFactory(cpr=None, first_name="Ella", last_name="Uden")
    duplicate = PersonFactory(cpr=cpr, first_name="Ella", last_name="Uden")
    merge = people_services.person_merge(
        actor=town.caseworker, survivor=survivor, duplicate=duplicate, reason="Samme barn"
    )
    found = people_selectors.person_search(actor=town.caseworker, query=cpr)
    assert [p.pk for p in found] == [survivor.pk]
    survivor.refresh_from_db()
    assert survivor.birth_date == duplicate.birth_date and survivor.no_cpr_reason == ""

    people_services.person_merge_reverse(actor=town.caseworker, merge=merge, reason="To forskellige børn")
    survivor.refresh_from_db()
    assert survivor.cpr_hash == "" and survivor.birth_date is None and survivor.no_cpr_reason == "ukendt"
    assert [p.pk for p in people_selectors.person_search(actor=town.caseworker, query=cpr)] == [duplicate.pk]
    assert Person.objects.get(pk=duplicate.pk).merged_into_id is None


def test_an_older_merge_cannot_be_undone_while_its_survivor_is_merged_again(town):
    first = PersonFactory(cpr=None)
    second = PersonFactory(cpr=None)
    third = PersonFactory(cpr=None)
    older = services.person_merge(actor=town.caseworker, survivor=first, duplicate=second, reason="dublet")
    services.person_merge(actor=town.caseworker, survivor=third, duplicate=first, reason="også dublet")
    with pytest.raises(Conflict):
        services.person_merge_reverse(actor=town.caseworker, merge=older, reason="fejl")
    assert Person.objects.get(pk=second.pk).merged_into_id == first.pk
