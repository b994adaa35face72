"""/api/v1/interventions through HTTP: the catalogue and its providers, a case's applications, the decisions
(visitation) with the waiting list, changes and terminations of grants, budgets, the forecast and the reports with
their CSV; the same access rules, Danish messages and audit as the pages, bad input refused with nothing saved."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from helhed.cases import services as case_services
from helhed.cases.models import TeamRole
from helhed.cases.tests.test_api import api, assert_danish_error, post
from helhed.core.models import AuditAction, AuditEvent
from helhed.interventions import exports, policies, selectors
from helhed.interventions.models import (
    Budget,
    CostLine,
    Grant,
    GrantChange,
    Offer,
    OfferFunding,
    Provider,
    Referral,
    ReferralStatus,
)
from helhed.people import services as people_services
from helhed.people.models import RelationKind
from helhed.testing.factories import PersonFactory

from .conftest import END, START, another_case, apply, decide, expected_start_after

pytestmark = pytest.mark.django_db

BASE = "/api/v1/interventions"


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path / "documents"


def put(client: Client, url: str, body: dict):
    return client.put(url, data=json.dumps(body), content_type="application/json")


def _events(response, **filters):
    return AuditEvent.objects.filter(request_id=response["X-Request-ID"], channel="api", **filters)


def _offer_body(provider, **kw) -> dict:
    body = {
        "code": "kontaktperson-nord",
        "name": "Kontaktperson Nord",
        "kind": "contact_person",
        "provider_id": provider.pk,
        "legal_basis": "Barnets lov § 32, stk. 1, nr. 6",
        "ladder_step": 3,
        "price": "450.00",
        "price_unit": "hour",
        "active_from": "2026-01-01",
        "capacity": 4,
        "funding": [{"administration": "SOF", "share": "100"}],
    }
    body.update(kw)
    return body


def _apply_body(offer, **kw) -> dict:
    body = {
        "offer_id": offer.pk,
        "requested_start": START.isoformat(),
        "requested_end": END.isoformat(),
        "reason": "Karla har brug for et fleksibelt skoleforløb for at blive i almenskolen.",
        "units": "1",
    }
    body.update(kw)
    return body


def _catalogue_state() -> tuple:
    return Offer.objects.count(), OfferFunding.objects.count(), Provider.objects.count()


def _case_state() -> tuple:
    return Referral.objects.count(), Grant.objects.count(), GrantChange.objects.count(), CostLine.objects.count()


@pytest.fixture
def granted(town, offer, open_case) -> Grant:
    """Karla's skoleflex, granted by the leader for START..END (the offer's only place)."""
    referral = decide(town, apply(town, open_case, offer))
    return referral.grant


def _parent_user(town, case):
    from helhed.family import services as family_services

    mother = PersonFactory(first_name="Mette", last_name="Testesen")
    people_services.relation_add(
        actor=town.caseworker, person=case.child, relative=mother, kind=RelationKind.CUSTODY_HOLDER
    )
    created = family_services.parent_link_create(actor=town.caseworker, case_id=case.pk, person_id=mother.pk)
    return family_services.parent_link_use(token=created.token)


# -- the catalogue ------------------------------------------------------------------------------------


def test_catalogue_lists_offers_with_counts_and_filters(town, offer):
    client = api(town.caseworker)
    rows = client.get(f"{BASE}/offers").json()
    assert len(rows) == 1
    row = rows[0]
    assert row["code"] == "skoleflex-nord" and row["kind"] == "skoleflex" and row["kind_label"] == "Skoleflex"
    assert row["price"] == "12000.00" and row["price_unit"] == "month" and row["capacity"] == 1
    assert (row["occupied"], row["waiting"], row["full"]) == (0, 0, False)
    assert row["ladder_step"] == 3 and row["close_to_general"] is True
    for query, count in (
        ({"kind": "skoleflex"}, 1),
        ({"kind": "contact_person"}, 0),
        ({"step": 3}, 1),
        ({"step": 4}, 0),
        ({"administration": "BUF"}, 1),
        ({"administration": "PSY"}, 0),
        ({"q": "nord"}, 1),
        ({"q": "dagbehandling"}, 0),
    ):
        assert len(client.get(f"{BASE}/offers", query).json()) == count, query
    assert_danish_error(client.get(f"{BASE}/offers", {"administration": "XYZ"}), 400, field="administration")
    assert client.get(f"{BASE}/offers", {"step": "tre"}).status_code == 422
    assert client.get(f"{BASE}/offers", {"step": 10**30}).status_code == 422  # never a database overflow


def test_offer_detail_has_funding_and_occupancy_by_month(town, offer, granted):
    client = api(town.analyst)
    detail = client.get(f"{BASE}/offers/{offer.pk}").json()
    assert detail["funding"] == [
        {"administration": "BUF", "share": "50.00", "paying_unit_id": None},
        {"administration": "SOF", "share": "50.00", "paying_unit_id": None},
    ]
    assert detail["provider"]["kind"] == "internal" and detail["provider"]["unit_id"] == town.school.pk
    assert len(detail["months"]) == 12
    # The next twelve months from today, with the one grant (START to END) counted in the months it runs.
    expected = policies.occupancy_by_month([(START, END)], timezone.localdate(), 12)
    assert detail["months"] == [
        {"month": month.isoformat(), "average": str(average), "peak": peak} for month, average, peak in expected
    ]
    assert detail["waiting_list"] == [] and detail["near_max"] == []
    assert len(client.get(f"{BASE}/offers/{offer.pk}", {"months": 3}).json()["months"]) == 3
    assert client.get(f"{BASE}/offers/{offer.pk}", {"months": 99}).status_code == 422
    assert_danish_error(client.get(f"{BASE}/offers/999999"), 404)
    assert_danish_error(client.get(f"{BASE}/offers/{10**30}"), 404)


def test_create_and_update_an_offer_with_a_stale_version_refused(town, provider):
    admin = api(town.administrator)
    created = post(admin, f"{BASE}/offers", _offer_body(provider))
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["price"] == "450.00" and body["funding"] == [
        {"administration": "SOF", "share": "100.00", "paying_unit_id": None}
    ]
    assert body["version"] == 1
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="interventions.offer", object_id=str(body["id"]), channel="api"
    ).exists()
    url = f"{BASE}/offers/{body['id']}"
    changed = put(admin, url, _offer_body(provider, price="475.5", capacity=6, version=1))
    assert changed.status_code == 200, changed.content
    assert changed.json()["price"] == "475.50" and changed.json()["capacity"] == 6 and changed.json()["version"] == 2
    assert_danish_error(put(admin, url, _offer_body(provider, price="500", version=1)), 409, code="stale")
    assert Offer.objects.get().price == 475.5
    missing_version = put(admin, url, _offer_body(provider))
    assert missing_version.status_code == 422
    assert_danish_error(put(admin, f"{BASE}/offers/999999", _offer_body(provider, version=1)), 404)
    # Leaders maintain the catalogue too; caseworkers and analysts only read it.
    assert post(api(town.caseworker), f"{BASE}/offers", _offer_body(provider, code="x")).status_code == 403
    assert put(api(town.analyst), url, _offer_body(provider, version=2)).status_code == 403


@pytest.mark.parametrize(
    ("change", "status", "field", "code"),
    [
        ({"price": None}, 422, "price", None),
        ({"price": "mange penge"}, 422, "price", None),
        ({"price": "12.345"}, 400, "price", None),
        ({"price": "-1"}, 400, "price", None),
        ({"capacity": -1}, 400, "capacity", None),
        ({"capacity": 1.5}, 422, "capacity", None),
        ({"capacity": 10**30}, 400, "capacity", None),
        ({"price": "1e30"}, 400, "price", None),
        ({"age_min": 10, "age_max": 5}, 400, "age_max", None),
        ({"funding": [{"administration": "SOF", "share": 100, "paying_unit_id": 10**30}]}, 400, "funding", None),
        ({"funding": [{"administration": "KOM", "share": 100}]}, 400, "funding", None),
        ({"ladder_step": "tre"}, 422, "ladder_step", None),
        ({"ladder_step": 9}, 400, "ladder_step", None),
        (
            {"funding": [{"administration": "SOF", "share": 50}, {"administration": "BUF", "share": 40}]},
            400,
            "funding",
            None,
        ),
        ({"funding": []}, 400, "funding", None),
        ({"funding": "SOF"}, 422, "funding", None),
        ({"active_to": "2025-12-31"}, 400, "active_to", "end_before_start"),
        ({"active_from": "1. januar"}, 422, "active_from", None),
        ({"provider_id": 999999}, 400, "provider_id", "required"),
        ({"kind": "tryllekunst"}, 400, "kind", "invalid_choice"),
        ({"code": "Skole Flex"}, 400, "code", None),
        ({"price_unit": "week"}, 400, "price_unit", "invalid_choice"),
    ],
)
def test_bad_offers_are_refused_in_danish_and_nothing_is_saved(town, provider, change, status, field, code):
    before = _catalogue_state()
    body = _offer_body(provider)
    if change.get("price", "") is None:
        del body["price"]
        change = {}
    body.update(change)
    response = post(api(town.administrator), f"{BASE}/offers", body)
    if status == 422:
        assert response.status_code == 422, response.content
        errors = response.json()["errors"]
        assert errors[0]["field"].split(".")[0] == field
        assert errors[0]["problem"] and not errors[0]["problem"].startswith("Input")  # Danish, not pydantic's English
    else:
        assert_danish_error(response, status, field=field, code=code)
    assert _catalogue_state() == before


def test_a_body_that_is_not_json_is_a_danish_400(town, provider):
    admin = api(town.administrator)
    response = admin.post(f"{BASE}/offers", data="{ikke json", content_type="application/json")
    assert_danish_error(response, 400)
    assert Offer.objects.count() == 0


def test_providers_internal_and_external_with_the_cvr_checked(town):
    admin = api(town.administrator)
    external = post(admin, f"{BASE}/providers", {"name": "Skolehjælpen ApS", "kind": "external", "cvr": "13585628"})
    assert external.status_code == 201, external.content
    assert external.json()["cvr"] == "13585628" and external.json()["unit_id"] is None
    internal = post(
        admin, f"{BASE}/providers", {"name": "Nørrebro Skole", "kind": "internal", "unit_id": town.school.pk}
    )
    assert internal.status_code == 201 and internal.json()["unit_name"] == town.school.name
    before = _catalogue_state()
    assert_danish_error(
        post(admin, f"{BASE}/providers", {"name": "Fup", "kind": "external", "cvr": "12345678"}), 400, field="cvr"
    )
    assert_danish_error(
        post(admin, f"{BASE}/providers", {"name": "Igen", "kind": "external", "cvr": "13585628"}),
        400,
        field="cvr",
        code="exists",
    )
    assert_danish_error(post(admin, f"{BASE}/providers", {"name": "Ingen", "kind": "internal"}), 400, field="unit_id")
    assert_danish_error(post(admin, f"{BASE}/providers", {"name": "X", "kind": "andet"}), 400, field="kind")
    assert _catalogue_state() == before
    names = [p["name"] for p in api(town.caseworker).get(f"{BASE}/providers").json()]
    assert names == ["Nørrebro Skole", "Skolehjælpen ApS"]
    assert (
        post(
            api(town.caseworker), f"{BASE}/providers", {"name": "X", "kind": "external", "cvr": "29403473"}
        ).status_code
        == 403
    )


# -- applications and decisions -------------------------------------------------------------------------


def test_apply_grant_change_and_terminate_through_the_api(town, offer, open_case):
    caseworker, leader = api(town.caseworker), api(town.leader)
    key = uuid.uuid4().hex
    applied = caseworker.post(
        f"{BASE}/cases/{open_case.pk}/referrals",
        data=json.dumps(_apply_body(offer)),
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )
    assert applied.status_code == 201, applied.content
    referral = applied.json()
    assert referral["status"] == "applied" and referral["child_name"] == "Karla Testesen"
    assert referral["journal_number"] == open_case.journal_number
    assert referral["has_room"] is True and referral["can_decide"] is False and referral["grant"] is None
    again = caseworker.post(
        f"{BASE}/cases/{open_case.pk}/referrals",
        data=json.dumps(_apply_body(offer)),
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )
    assert_danish_error(again, 409, code="duplicate_submit")
    assert Referral.objects.count() == 1

    listed = caseworker.get(f"{BASE}/cases/{open_case.pk}/referrals").json()
    assert [r["id"] for r in listed["referrals"]] == [referral["id"]] and listed["grants"] == []

    assert leader.get(f"{BASE}/referrals/{referral['id']}").json()["can_decide"] is True
    decided = post(
        leader,
        f"{BASE}/referrals/{referral['id']}/decision",
        {"outcome": "grant", "note": "Bevilget som ansøgt.", "version": referral["version"]},
    )
    assert decided.status_code == 200, decided.content
    body = decided.json()
    grant = body["grant"]
    assert body["status"] == "granted" and body["letter_id"] is not None and body["decided_by"] == "lene"
    assert grant["start"] == "2026-12-01" and grant["end"] == "2027-05-31"
    assert grant["price"] == "12000.00" and grant["units"] == "1.00" and grant["total_cost"] == "72000.00"
    assert sorted(f["administration"] for f in grant["funding"]) == ["BUF", "SOF"]
    assert_danish_error(
        post(leader, f"{BASE}/referrals/{referral['id']}/decision", {"outcome": "refuse", "note": "x"}),
        409,
        code="decided",
    )

    changed = post(
        leader,
        f"{BASE}/grants/{grant['id']}/change",
        {"end": "2027-02-28", "reason": "Målet er nået tidligere.", "version": grant["version"]},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["end"] == "2027-02-28" and changed.json()["total_cost"] == "36000.00"
    assert changed.json()["changes"][0]["kind"] == "change"
    assert_danish_error(
        post(leader, f"{BASE}/grants/{grant['id']}/change", {"end": "2027-03-31", "reason": "x", "version": 1}),
        409,
        code="stale",
    )
    terminated = post(
        leader,
        f"{BASE}/grants/{grant['id']}/terminate",
        {"last_day": "2027-01-31", "reason": "Familien er flyttet."},
    )
    assert terminated.status_code == 200, terminated.content
    assert terminated.json()["terminated"] is True and terminated.json()["end"] == "2027-01-31"
    assert [c["kind"] for c in terminated.json()["changes"]] == ["change", "terminate"]
    assert all(c["letter_id"] for c in terminated.json()["changes"])
    assert_danish_error(
        post(leader, f"{BASE}/grants/{grant['id']}/terminate", {"last_day": "2027-01-15", "reason": "x"}),
        409,
        code="terminated",
    )
    seen = caseworker.get(f"{BASE}/grants/{grant['id']}").json()
    assert seen["end"] == "2027-01-31" and len(seen["changes"]) == 2
    assert caseworker.get(f"{BASE}/cases/{open_case.pk}/referrals").json()["grants"][0]["id"] == grant["id"]


def test_refusal_carries_the_complaint_guidance_and_withdrawal_needs_an_open_application(town, offer, open_case):
    leader, caseworker = api(town.leader), api(town.caseworker)
    referral = apply(town, open_case, offer)
    assert_danish_error(
        post(leader, f"{BASE}/referrals/{referral.pk}/decision", {"outcome": "refuse"}), 400, field="note"
    )
    refused = post(
        leader,
        f"{BASE}/referrals/{referral.pk}/decision",
        {"outcome": "refuse", "note": "Barnets behov dækkes af skolens egne tilbud."},
    )
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert "Ankestyrelsen" in refused.json()["complaint_guidance"]
    assert_danish_error(
        post(caseworker, f"{BASE}/referrals/{referral.pk}/withdraw", {"reason": "Fejl"}), 409, code="not_open"
    )
    second = apply(town, open_case, offer)
    assert_danish_error(
        post(caseworker, f"{BASE}/referrals/{second.pk}/withdraw", {"reason": " "}), 400, field="reason"
    )
    withdrawn = post(caseworker, f"{BASE}/referrals/{second.pk}/withdraw", {"reason": "Familien takkede nej."})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert [h["to_status"] for h in withdrawn.json()["history"]] == ["applied", "withdrawn"]


def test_waiting_list_is_in_order_and_hides_children_the_reader_may_not_see(town, offer, open_case, granted):
    leader = api(town.leader)
    bo = apply(town, another_case(town, "Bo"), offer)
    full = post(leader, f"{BASE}/referrals/{bo.pk}/decision", {"outcome": "grant"})
    assert_danish_error(full, 409, code="full")
    assert Referral.objects.get(pk=bo.pk).status == ReferralStatus.APPLIED and Grant.objects.count() == 1
    waiting = post(leader, f"{BASE}/referrals/{bo.pk}/decision", {"outcome": "waitlist"})
    assert waiting.status_code == 200 and waiting.json()["position"] == 1
    assert waiting.json()["expected_start"] == expected_start_after(END, START).isoformat()
    ib = apply(town, another_case(town, "Ib"), offer)
    assert post(leader, f"{BASE}/referrals/{ib.pk}/decision", {"outcome": "waitlist"}).json()["position"] == 2
    assert_danish_error(
        post(
            leader,
            f"{BASE}/referrals/{ib.pk}/decision",
            {"outcome": "grant", "start": "2027-06-01", "end": "2027-08-31"},
        ),
        400,
        field="skip_queue_reason",
        code="queue_order",
    )

    queue = leader.get(f"{BASE}/offers/{offer.pk}").json()["waiting_list"]
    assert [(e["position"], e["referral_id"], e["hidden"]) for e in queue] == [(1, bo.pk, False), (2, ib.pk, False)]
    assert queue[0]["child_name"] == "Bo Andersen"
    # The analyst and another unit's leader may see none of the cases: the places are counted, never named.
    for user in (town.analyst, town.other_leader):
        hidden = api(user).get(f"{BASE}/offers/{offer.pk}").json()["waiting_list"]
        assert [(e["position"], e["hidden"], e["referral_id"], e["child_name"]) for e in hidden] == [
            (1, True, None, None),
            (2, True, None, None),
        ]
    rows = api(town.caseworker).get(f"{BASE}/offers").json()
    assert rows[0]["waiting"] == 2

    queue_ids = [r["id"] for r in leader.get(f"{BASE}/visitation").json()]
    assert set(queue_ids) == {bo.pk, ib.pk}
    assert api(town.other_leader).get(f"{BASE}/visitation").json() == []
    # The first in line gets the place once it is free.
    granted_bo = post(
        leader, f"{BASE}/referrals/{bo.pk}/decision", {"outcome": "grant", "start": "2027-06-01", "end": "2027-08-31"}
    )
    assert granted_bo.status_code == 200, granted_bo.content
    assert granted_bo.json()["grant"]["start"] == "2027-06-01"


def test_only_a_leader_of_the_cases_unit_decides(town, offer, open_case):
    referral = apply(town, open_case, offer)
    url = f"{BASE}/referrals/{referral.pk}/decision"
    assert_danish_error(post(api(town.caseworker), url, {"outcome": "grant"}), 403)
    assert_danish_error(post(api(town.other_leader), url, {"outcome": "grant"}), 404)
    assert post(api(town.analyst), url, {"outcome": "grant"}).status_code == 403
    case_services.team_member_add(actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER)
    assert_danish_error(post(api(town.teacher), url, {"outcome": "grant"}), 403)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.APPLIED and not Grant.objects.exists()
    grant = decide(town, referral).grant
    for user, status in ((town.caseworker, 403), (town.other_leader, 404)):
        response = post(api(user), f"{BASE}/grants/{grant.pk}/terminate", {"last_day": "2027-01-31", "reason": "x"})
        assert_danish_error(response, status)
    grant.refresh_from_db()
    assert not grant.terminated and grant.end == END


@pytest.mark.parametrize(
    ("change", "status", "field", "code"),
    [
        ({"requested_end": "2026-11-30"}, 400, "requested_end", "end_before_start"),
        ({"offer_id": 999999}, 400, "offer_id", "required"),
        ({"offer_id": 10**30}, 400, "offer_id", "required"),
        ({"units": "1e30"}, 400, "units", None),
        ({"requested_start": "i morgen"}, 422, "requested_start", None),
        ({"units": "meget"}, 422, "units", None),
        ({"units": "0"}, 400, "units", None),
        ({"reason": "   "}, 400, "reason", "required"),
        ({"reason": 42}, 422, "reason", None),
        ({"goal_ids": ["mål"]}, 422, "goal_ids", None),
        ({"goal_ids": [999999]}, 400, "goal_ids", None),
        ({"requested_start": "2025-06-01", "requested_end": "2025-07-01"}, 400, "requested_start", "inactive"),
    ],
)
def test_bad_applications_are_refused_and_nothing_is_saved(town, offer, open_case, change, status, field, code):
    before = _case_state()
    response = post(api(town.caseworker), f"{BASE}/cases/{open_case.pk}/referrals", _apply_body(offer, **change))
    if status == 422:
        assert response.status_code == 422, response.content
        assert response.json()["errors"][0]["field"].split(".")[0] == field
    else:
        assert_danish_error(response, status, field=field, code=code)
    assert _case_state() == before


def test_an_overlapping_application_and_unknown_ids(town, offer, open_case):
    caseworker = api(town.caseworker)
    apply(town, open_case, offer)
    before = _case_state()
    overlap = post(
        caseworker, f"{BASE}/cases/{open_case.pk}/referrals", _apply_body(offer, requested_start="2027-01-01")
    )
    assert_danish_error(overlap, 400, field="requested_start", code="overlap")
    assert _case_state() == before
    assert_danish_error(post(caseworker, f"{BASE}/cases/999999/referrals", _apply_body(offer)), 404)
    assert_danish_error(caseworker.get(f"{BASE}/referrals/999999"), 404)
    for url in (f"{BASE}/cases/{10**30}/referrals", f"{BASE}/referrals/{10**30}", f"{BASE}/grants/{10**30}"):
        assert_danish_error(caseworker.get(url), 404)  # an id beyond the database's integers: not found, not a 500
    assert_danish_error(caseworker.get(f"{BASE}/grants/999999"), 404)
    leader = api(town.leader)
    assert_danish_error(post(leader, f"{BASE}/referrals/999999/decision", {"outcome": "grant"}), 404)
    assert_danish_error(post(leader, f"{BASE}/grants/999999/change", {"end": "2027-01-01", "reason": "x"}), 404)


def test_bad_decisions_and_changes_save_nothing(town, offer, open_case):
    leader = api(town.leader)
    referral = apply(town, open_case, offer)
    url = f"{BASE}/referrals/{referral.pk}/decision"
    before = _case_state()
    assert_danish_error(post(leader, url, {"outcome": "måske"}), 400, field="outcome", code="invalid_choice")
    assert post(leader, url, {"outcome": 5}).status_code == 422
    assert post(leader, url, {}).status_code == 422
    assert_danish_error(
        post(leader, url, {"outcome": "grant", "start": "2027-03-01", "end": "2027-02-01"}),
        400,
        field="end",
        code="end_before_start",
    )
    assert_danish_error(post(leader, url, {"outcome": "grant", "units": "-2"}), 400, field="units")
    assert_danish_error(post(leader, url, {"outcome": "grant", "version": referral.version + 1}), 409, code="stale")
    assert _case_state() == before
    grant = decide(town, referral).grant
    before = _case_state()
    change = f"{BASE}/grants/{grant.pk}/change"
    unchanged = post(leader, change, {"end": END.isoformat(), "reason": "x"})
    assert unchanged.status_code == 400 and unchanged.json()["code"] == "unchanged"
    assert unchanged.json()["detail"] == "Ændringen ændrer hverken slutdato eller omfang."
    assert_danish_error(post(leader, change, {"end": "2027-03-01", "reason": ""}), 400, field="reason")
    assert post(leader, change, {"end": "snart", "reason": "x"}).status_code == 422
    assert_danish_error(
        post(leader, f"{BASE}/grants/{grant.pk}/terminate", {"last_day": "2027-07-01", "reason": "x"}),
        400,
        field="last_day",
    )
    assert_danish_error(
        post(leader, f"{BASE}/grants/{grant.pk}/terminate", {"last_day": "2026-11-01", "reason": "x"}),
        400,
        field="last_day",
        code="end_before_start",
    )
    assert _case_state() == before


# -- access ---------------------------------------------------------------------------------------------


def test_who_may_read_what(town, offer, open_case, granted):
    person_reads = [
        f"{BASE}/cases/{open_case.pk}/referrals",
        f"{BASE}/referrals/{granted.referral_id}",
        f"{BASE}/grants/{granted.pk}",
    ]
    economy = [f"{BASE}/forecast", f"{BASE}/reports", f"{BASE}/reports/occupancy.csv"]
    catalogue = [f"{BASE}/offers", f"{BASE}/offers/{offer.pk}", f"{BASE}/providers"]

    # The analyst: the catalogue and the economy, never a child.
    analyst = api(town.analyst)
    for url in person_reads + [f"{BASE}/visitation", f"{BASE}/budgets"]:
        assert_danish_error(analyst.get(url), 403)
    for url in economy + catalogue:
        assert analyst.get(url).status_code == 200, url

    # A teacher on the team has limited access to the case: not its applications (403); off the team: 404.
    teacher = api(town.teacher)
    assert teacher.get(catalogue[0]).status_code == 200
    for url in person_reads:
        assert_danish_error(teacher.get(url), 404)
    case_services.team_member_add(actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER)
    for url in person_reads:
        assert_danish_error(teacher.get(url), 403)
    for url in economy:
        assert_danish_error(teacher.get(url), 403)

    # Another family unit's leader: the same 404 as for nothing; the economy is open to leaders.
    other = api(town.other_leader)
    for url in person_reads:
        assert_danish_error(other.get(url), 404)
    for url in economy:
        assert other.get(url).status_code == 200

    # Caseworkers read the case's applications and the catalogue, not the economy or the decision queue.
    caseworker = api(town.caseworker)
    for url in person_reads + catalogue:
        assert caseworker.get(url).status_code == 200, url
    for url in economy + [f"{BASE}/visitation", f"{BASE}/budgets"]:
        assert_danish_error(caseworker.get(url), 403)

    # The administrator maintains the catalogue and the budgets; no children, no economy reports.
    admin = api(town.administrator)
    assert admin.get(f"{BASE}/budgets").status_code == 200
    for url in person_reads + economy:
        assert_danish_error(admin.get(url), 403)

    # A parent's account holds nothing here.
    parent = api(_parent_user(town, open_case))
    for url in person_reads + economy + catalogue + [f"{BASE}/visitation"]:
        assert_danish_error(parent.get(url), 403)
    assert_danish_error(post(parent, f"{BASE}/cases/{open_case.pk}/referrals", _apply_body(offer)), 403)

    # Without a token: 401.
    assert Client().get(f"{BASE}/offers").status_code == 401


# -- budgets, forecast and reports --------------------------------------------------------------------


def test_budgets_are_set_replaced_and_listed(town):
    admin = api(town.administrator)
    url = f"{BASE}/budgets"
    created = put(admin, url, {"administration": "SOF", "year": 2027, "amount": "120000"})
    assert created.status_code == 200, created.content
    assert created.json()["amount"] == "120000.00" and created.json()["version"] == 1
    replaced = put(admin, url, {"administration": "SOF", "year": 2027, "amount": "150000.5", "version": 1})
    assert replaced.json()["amount"] == "150000.50" and replaced.json()["version"] == 2
    assert_danish_error(
        put(admin, url, {"administration": "SOF", "year": 2027, "amount": "1", "version": 1}), 409, code="stale"
    )
    unit = put(admin, url, {"administration": "SOF", "year": 2027, "amount": "60000", "unit_id": town.family_unit.pk})
    assert unit.json()["unit_name"] == town.family_unit.name
    before = Budget.objects.count()
    assert_danish_error(put(admin, url, {"administration": "SOF", "year": 2027, "amount": "-5"}), 400, field="amount")
    assert_danish_error(
        put(admin, url, {"administration": "XYZ", "year": 2027, "amount": "5"}), 400, field="administration"
    )
    assert_danish_error(put(admin, url, {"administration": "SOF", "year": 1800, "amount": "5"}), 400, field="year")
    assert_danish_error(
        put(admin, url, {"administration": "BUF", "year": 2027, "amount": "5", "unit_id": town.family_unit.pk}),
        400,
        field="unit_id",
    )
    assert put(admin, url, {"administration": "SOF", "year": "i år", "amount": "5"}).status_code == 422
    assert Budget.objects.count() == before
    listed = admin.get(url, {"year": 2027}).json()
    assert sorted(b["amount"] for b in listed) == ["150000.50", "60000.00"]
    assert admin.get(url, {"year": 2026}).json() == []
    assert put(api(town.analyst), url, {"administration": "SOF", "year": 2027, "amount": "1"}).status_code == 403


def test_forecast_of_a_simple_grant_split_50_50(town, offer, open_case):
    """12,000 kr. a month for six months (January-June 2027), paid 50/50 by SOF and BUF: 36,000 kr. each."""
    decide(town, apply(town, open_case, offer, requested_start=date(2027, 1, 1), requested_end=date(2027, 6, 30)))
    assert (
        put(
            api(town.leader), f"{BASE}/budgets", {"administration": "SOF", "year": 2027, "amount": "120000"}
        ).status_code
        == 200
    )
    analyst = api(town.analyst)
    sof = analyst.get(f"{BASE}/forecast", {"year": 2027, "administration": "SOF"}).json()
    assert sof["administration"] == "SOF" and sof["total"] == "36000.00"
    assert [m["committed"] for m in sof["months"]] == ["6000.00"] * 6 + ["0.00"] * 6
    assert sof["months"][5]["cumulative"] == "36000.00" and sof["months"][11]["cumulative"] == "36000.00"
    assert sof["months"][0]["budget_cumulative"] == "10000.00" and sof["months"][11]["budget_cumulative"] == "120000.00"
    assert (sof["budget"], sof["balance"], sof["in_balance"], sof["used_share"]) == (
        "120000.00",
        "84000.00",
        True,
        "30.0",
    )
    assert sof["by_kind"] == [{"label": "Skoleflex", "amount": "36000.00"}]
    buf = analyst.get(f"{BASE}/forecast", {"year": 2027, "administration": "BUF"}).json()
    assert buf["total"] == "36000.00" and buf["budget"] is None and buf["in_balance"] is None
    assert buf["months"][0]["budget_cumulative"] is None
    everyone = analyst.get(f"{BASE}/forecast", {"year": 2027}).json()
    assert everyone["administration"] is None and everyone["total"] == "72000.00"
    assert [(a["administration"], a["amount"]) for a in everyone["by_administration"]] == [
        ("BUF", "36000.00"),
        ("SOF", "36000.00"),
    ]
    # SOF's share is carried by the family unit of the case's group.
    unit = analyst.get(f"{BASE}/forecast", {"year": 2027, "unit_id": town.family_unit.pk}).json()
    assert unit["unit_id"] == town.family_unit.pk and unit["administration"] == "SOF" and unit["total"] == "36000.00"
    assert analyst.get(f"{BASE}/forecast", {"year": 2026}).json()["total"] == "0.00"
    assert_danish_error(
        analyst.get(f"{BASE}/forecast", {"year": 2027, "administration": "ABC"}), 400, field="administration"
    )
    assert_danish_error(analyst.get(f"{BASE}/forecast", {"year": 3000}), 400, field="year")
    assert_danish_error(analyst.get(f"{BASE}/forecast", {"unit_id": 999999}), 404)
    assert analyst.get(f"{BASE}/forecast", {"year": "næste"}).status_code == 422


def test_reports_and_their_csv_files(town, offer, open_case):
    decide(town, apply(town, open_case, offer, requested_start=date(2027, 1, 1), requested_end=date(2027, 6, 30)))
    analyst = api(town.analyst)
    data = analyst.get(f"{BASE}/reports", {"year": 2027}).json()
    assert data["year"] == 2027
    occupancy = data["occupancy"][0]
    assert occupancy["code"] == "skoleflex-nord" and occupancy["capacity"] == 1 and occupancy["average"] == "0.5"
    assert data["cost_by_kind"] == [{"label": "Skoleflex", "amount": "72000.00"}]
    step3 = next(s for s in data["cost_by_step"] if s["step"] == 3)
    assert step3["amount"] == "72000.00" and step3["close_to_general"] is True
    assert data["waiting"][0]["waiting_now"] == 0

    response = analyst.get(f"{BASE}/reports/occupancy.csv", {"year": 2027})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="tilbud-belaegning-2027.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Tilbud",
        "Type",
        "Kapacitet",
        "Optaget i dag",
        "Gennemsnitligt optaget",
        "Udnyttelse (%)",
        "På venteliste",
    ]
    assert rows[1] == ["Skoleflex Nord", "Skoleflex", "1", "0", "0,5", "50,0", "0"]
    by_step = analyst.get(f"{BASE}/reports/cost_by_step.csv", {"year": 2027}).content.decode("utf-8-sig")
    assert "3;Fleksible indsatser tæt på almenskolen;ja;72000,00" in by_step
    by_kind = analyst.get(f"{BASE}/reports/cost_by_kind.csv", {"year": 2027}).content.decode("utf-8-sig")
    assert by_kind.splitlines() == ["Type;Forpligtede udgifter (kr.)", "Skoleflex;72000,00"]
    waiting = analyst.get(f"{BASE}/reports/waiting.csv", {"year": 2027})
    assert waiting.status_code == 200
    assert waiting.content.decode("utf-8-sig").startswith("Tilbud;Bevilget efter venteliste;")
    # The API serves exactly what the shared export module builds (the pages use the same functions).
    assert response.content.decode("utf-8") == exports.occupancy_csv(selectors.reports(year=2027))
    assert_danish_error(analyst.get(f"{BASE}/reports/elefanter.csv"), 404)
    assert_danish_error(api(town.caseworker).get(f"{BASE}/reports/occupancy.csv"), 403)


def test_csv_cells_that_look_like_formulas_are_defused(town, provider):
    from helhed.interventions import services

    from .conftest import offer_in

    services.offer_create(actor=town.administrator, data=offer_in(provider, name="=HYPERLINK(1)", code="formel"))
    text = exports.occupancy_csv(selectors.reports(year=2027))
    assert "'=HYPERLINK(1)" in text and ";=HYPERLINK" not in text and not text.split("\r\n")[1].startswith("=")


# -- audit ----------------------------------------------------------------------------------------------


def test_every_read_of_a_child_is_audited_and_aggregates_name_no_one(town, offer, open_case, granted):
    child = open_case.child_id
    referral = granted.referral
    caseworker, leader, analyst = api(town.caseworker), api(town.leader), api(town.analyst)
    for client, url, object_type in (
        (caseworker, f"{BASE}/cases/{open_case.pk}/referrals", "cases.case"),
        (caseworker, f"{BASE}/referrals/{referral.pk}", "interventions.referral"),
        (caseworker, f"{BASE}/grants/{granted.pk}", "interventions.grant"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        event = _events(response, action=AuditAction.VIEW, object_type=object_type).get()
        assert event.person_ids == [child] and event.actor_username == "rikke" and event.case_id == open_case.pk

    bo = apply(town, another_case(town, "Bo"), offer)
    decide(town, bo, outcome="waitlist")
    queue = leader.get(f"{BASE}/visitation")
    assert [r["id"] for r in queue.json()] == [bo.pk]
    assert _events(queue, action=AuditAction.VIEW, object_type="interventions.referral").get().person_ids == [
        bo.child_id
    ]
    named = leader.get(f"{BASE}/offers/{offer.pk}")
    assert named.json()["waiting_list"][0]["child_name"] == "Bo Andersen"
    assert bo.child_id in _events(named, action=AuditAction.VIEW, object_type="interventions.offer").get().person_ids
    for url in (f"{BASE}/offers/{offer.pk}", f"{BASE}/offers", f"{BASE}/forecast", f"{BASE}/reports"):
        response = analyst.get(url)
        assert response.status_code == 200
        assert not _events(response).filter(subjects__isnull=False).exists(), url


def test_a_limited_team_member_is_not_told_who_waits(town, offer, open_case, granted):
    """A teacher on the team sees only what the team shares: not the child's applications, so not their place on
    an offer's waiting list either."""
    bo_case = another_case(town, "Bo")
    decide(town, apply(town, bo_case, offer), outcome="waitlist")
    case_services.team_member_add(actor=town.caseworker, case_id=bo_case.pk, user=town.teacher, role=TeamRole.TEACHER)
    teacher = api(town.teacher)
    assert_danish_error(teacher.get(f"{BASE}/cases/{bo_case.pk}/referrals"), 403)
    entry = teacher.get(f"{BASE}/offers/{offer.pk}").json()["waiting_list"][0]
    assert entry["hidden"] is True and entry["child_name"] is None
