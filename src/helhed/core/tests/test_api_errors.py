"""Input the API cannot parse gets a 422 whose problems are explained in Danish, field by field."""

import json

from django.test import Client

from helhed.core.apiauth import token_create


def _client(user) -> Client:
    _t, raw = token_create(user=user)
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def test_wrong_types_and_unknown_values_are_explained_in_danish(town, open_case):
    body = {"title": "T", "body": "B", "occurred_on": "i går", "kind": "roman"}
    response = _client(town.caseworker).post(
        f"/api/v1/cases/{open_case.pk}/journal", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422
    problems = {p["field"]: p["problem"] for p in response.json()["errors"]}
    assert problems["occurred_on"] == "Skal være en dato på formen ÅÅÅÅ-MM-DD."
    assert problems["kind"].startswith("Ukendt værdi. Tilladte værdier:") and "'phone'" in problems["kind"]


def test_missing_field_is_named(town):
    response = _client(town.caseworker).post(
        "/api/v1/persons", data=json.dumps({"first_name": "A"}), content_type="application/json"
    )
    assert response.status_code == 422
    assert {"field": "last_name", "problem": "Feltet mangler. Udfyld det.", "type": "missing"} in response.json()[
        "errors"
    ]
