"""/api/v1/concerns through HTTP: filing (JSON and multipart), the reception's work from list to close, the
notifier's own view, the same refusals and Danish messages as the services, and the audit of every read."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from helhed.cases.tests.test_api import api, assert_danish_error, post
from helhed.concerns import services
from helhed.concerns.models import (
    ChecklistItem,
    Concern,
    ConcernAssessment,
    ConcernAttachment,
    ConcernLetter,
    ConcernStatus,
)
from helhed.concerns.policies import ACUTE_CHECKLIST
from helhed.core.models import AuditAction, AuditEvent, SubmissionKey
from helhed.deadlines.models import Deadline
from helhed.testing.factories import synthetic_cpr

URL = "/api/v1/concerns"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def docs_root(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path / "documents"
    return settings.DOCUMENT_ROOT


def _body(**kw) -> dict:
    body = {
        "description": "Eleven kommer ofte sulten i skole og har blå mærker på armene.",
        "categories": ["neglect"],
        "child": {"first_name": "Mille", "last_name": "Prøvesen", "birth_date": "2015-03-04"},
        "child_knows": "yes",
        "parents_know": "no",
        "notifier_phone": "33 33 33 33",
    }
    body.update(kw)
    return body


def _state(docs_root) -> tuple:
    files = sorted(p.name for p in docs_root.rglob("*") if p.is_file()) if docs_root.exists() else []
    return (
        Concern.objects.count(),
        Deadline.objects.count(),
        ConcernAttachment.objects.count(),
        ConcernLetter.objects.count(),
        len(files),
    )


def _multipart(client, payload, files=(), **headers):
    data: dict = {"payload": payload if isinstance(payload, str) else json.dumps(payload)}
    if files:
        data["files"] = list(files)
    return client.post(f"{URL}/multipart", data, headers=headers)


def _file_as(user, **kw) -> Concern:
    response = post(api(user), URL, _body(**kw))
    assert response.status_code == 201, response.content
    return Concern.objects.get(pk=response.json()["id"])


def _events(response, **filters):
    return AuditEvent.objects.filter(request_id=response["X-Request-ID"], channel="api", **filters)


# -- the whole way through ----------------------------------------------------------------------------


def test_report_from_school_to_closed_through_the_api(town, open_case):
    sofie, rikke = api(town.school_social_worker), api(town.caseworker)

    # The school social worker files the report.
    response = post(sofie, URL, _body())
    assert response.status_code == 201, response.content
    filed = response.json()
    concern_id = filed["id"]
    assert filed["reference"].startswith(f"U-{timezone.localdate().year}-")
    assert filed["status"] == "received" and filed["acute_track"] is False
    assert "receiving_unit" not in filed  # routing follows a case: naming the unit would reveal it
    rules = {d["rule_id"]: d for d in filed["deadlines"]}
    assert set(rules) == {"concern.assess_24h", "concern.receipt"}
    assert rules["concern.assess_24h"]["explanation"]
    concern = Concern.objects.get(pk=concern_id)
    assert concern.channel == "api" and concern.notifier_user == town.school_social_worker
    assert concern.notifier_unit == town.school and concern.child_knows == "yes"

    # The reception sees it with its 24-hour clock.
    response = rikke.get(URL)
    assert response.status_code == 200, response.content
    row = next(r for r in response.json() if r["id"] == concern_id)
    assert row["status"] == "received" and row["overdue"] is False
    assert 23 < row["hours_left"] <= 24
    assert row["repeat_count"] == 1 and row["acute_track"] is False and row["assigned_to"] is None
    assert row["child_name"] == "Mille Prøvesen"

    # Take it, match it to the child and the open case, assess it.
    response = post(rikke, f"{URL}/{concern_id}/assign", {"version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["assigned_to"] == "rikke"
    assert rikke.get(URL).json()[0]["assigned_to"] == "rikke"
    response = post(rikke, f"{URL}/{concern_id}/match", {"person_id": open_case.child_id})
    assert response.status_code == 200, response.content
    assert response.json()["case_id"] == open_case.pk and response.json()["child_id"] == open_case.child_id
    response = post(
        rikke,
        f"{URL}/{concern_id}/assessment",
        {
            "acute_danger": False,
            "decision": "child_assessment",
            "reasoning": "Gentagne tegn på omsorgssvigt; der skal laves en børnefaglig undersøgelse.",
            "parents_informed": True,
            "version": response.json()["version"],
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["decision"] == "child_assessment" and response.json()["assessed_by"] == "rikke"
    assert Concern.objects.get(pk=concern_id).status == ConcernStatus.ASSESSED

    # Closing now is refused: the letters owed are missing.
    assert_danish_error(post(rikke, f"{URL}/{concern_id}/close"), 409)

    # Receipt and feedback, then the notifier downloads the feedback.
    for kind in ("receipt", "feedback"):
        response = post(rikke, f"{URL}/{concern_id}/letters", {"kind": kind})
        assert response.status_code == 201, response.content
        assert response.json()["kind"] == kind and response.json()["case_document_id"]
    assert_danish_error(post(rikke, f"{URL}/{concern_id}/letters", {"kind": "feedback"}), 409, code="duplicate")
    mine = sofie.get(f"{URL}/mine").json()
    assert [m["reference"] for m in mine] == [filed["reference"]]
    letters = {x["kind"]: x["id"] for x in mine[0]["letters"]}
    assert set(letters) == {"receipt", "feedback"}
    response = sofie.get(f"{URL}/{concern_id}/letters/{letters['feedback']}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert rikke.get(f"{URL}/{concern_id}/letters/{letters['receipt']}/pdf").status_code == 200

    # The detail shows it all to the reception.
    detail = rikke.get(f"{URL}/{concern_id}").json()
    assert detail["report"]["description"].startswith("Eleven kommer")
    assert detail["assessment"]["decision"] == "child_assessment"
    assert {x["kind"] for x in detail["letters"]} == {"receipt", "feedback"}
    assert {d["rule_id"] for d in detail["deadlines"]} >= {"concern.assess_24h", "concern.receipt", "concern.feedback"}
    assert [h["to_status"] for h in detail["history"]] == ["received", "assessed"]

    response = post(rikke, f"{URL}/{concern_id}/close", {"reason": "Undersøgelsen fortsætter på sagen."})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed" and response.json()["closed_at"]
    assert Concern.objects.get(pk=concern_id).status == ConcernStatus.CLOSED
    assert concern_id not in {r["id"] for r in rikke.get(URL).json()}
    assert concern_id in {r["id"] for r in rikke.get(URL, {"status": "closed"}).json()}
    assert_danish_error(post(rikke, f"{URL}/{concern_id}/close"), 409)


def test_the_notifier_sees_status_and_letters_never_the_assessment(town, open_case):
    concern = _file_as(town.school_social_worker)
    services.concern_match(actor=town.caseworker, concern_id=concern.pk, person_id=open_case.child_id)
    services.concern_assess(
        actor=town.caseworker,
        concern_id=concern.pk,
        data=services.AssessmentIn(
            acute_danger=False, decision="screening", reasoning="Hemmelig begrundelse XYZ.", parents_informed=True
        ),
    )
    response = api(town.school_social_worker).get(f"{URL}/mine")
    assert response.status_code == 200
    (row,) = response.json()
    assert set(row) == {"id", "reference", "received_at", "status", "letters"}
    assert row["status"] == "assessed"
    text = response.content.decode()
    for secret in ("screening", "Hemmelig", "reasoning", "decision", "assessment", "case", "child"):
        assert secret not in text, secret
    # The notifier cannot read the report itself through the reception's endpoint.
    assert_danish_error(api(town.school_social_worker).get(f"{URL}/{concern.pk}"), 403)
    # Another notifier's /mine is empty, and they cannot fetch the first notifier's letters.
    assert api(town.teacher).get(f"{URL}/mine").json() == []
    letter = services.letter_make(actor=town.caseworker, concern_id=concern.pk, kind="receipt")
    assert_danish_error(api(town.teacher).get(f"{URL}/{concern.pk}/letters/{letter.pk}/pdf"), 404)


# -- filing: attachments, idempotency, bad input --------------------------------------------------------


def test_multipart_report_with_attachments_is_saved_with_them(town):
    sofie = api(town.school_social_worker)
    files = [
        SimpleUploadedFile("observation.pdf", PDF, "application/pdf"),
        SimpleUploadedFile("notat.pdf", PDF, "application/pdf"),
    ]
    response = _multipart(sofie, _body(categories=["violence", "neglect"]), files)
    assert response.status_code == 201, response.content
    assert response.json()["acute_track"] is True
    concern = Concern.objects.get(pk=response.json()["id"])
    assert sorted(concern.attachments.values_list("original_name", flat=True)) == ["notat.pdf", "observation.pdf"]
    # Without files the multipart form files the report alone.
    response = _multipart(sofie, _body())
    assert response.status_code == 201, response.content
    assert not ConcernAttachment.objects.filter(concern_id=response.json()["id"]).exists()

    rikke = api(town.caseworker)
    detail = rikke.get(f"{URL}/{concern.pk}").json()
    assert {a["original_name"] for a in detail["attachments"]} == {"observation.pdf", "notat.pdf"}
    assert all(a["content_type"] == "application/pdf" and a["size"] == len(PDF) for a in detail["attachments"])
    attachment = detail["attachments"][0]
    response = rikke.get(f"{URL}/{concern.pk}/attachments/{attachment['id']}/content")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert _events(response, action=AuditAction.DOWNLOAD, actor=town.caseworker).exists()
    assert_danish_error(
        api(town.other_caseworker).get(f"{URL}/{concern.pk}/attachments/{attachment['id']}/content"), 404
    )


def test_same_idempotency_key_twice_saves_one_report(town, docs_root):
    sofie = api(town.school_social_worker)
    key = "7d4b3f0e-2a51-4c55-9f5c-6a1d1c8c5b10"
    first = sofie.post(URL, json.dumps(_body()), content_type="application/json", headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.content
    before = _state(docs_root)
    again = sofie.post(URL, json.dumps(_body()), content_type="application/json", headers={"Idempotency-Key": key})
    assert_danish_error(again, 409, code="duplicate_submit")
    assert "allerede sendt" in again.json()["detail"]
    # The multipart form honours the same key.
    files = [SimpleUploadedFile("observation.pdf", PDF, "application/pdf")]
    assert_danish_error(_multipart(sofie, _body(), files, **{"Idempotency-Key": key}), 409, code="duplicate_submit")
    assert _state(docs_root) == before
    assert Concern.objects.filter(notifier_user=town.school_social_worker).count() == 1
    # Keys are kept apart per user: another notifier's request with the same key is their own.
    other = api(town.teacher).post(
        URL, json.dumps(_body()), content_type="application/json", headers={"Idempotency-Key": key}
    )
    assert other.status_code == 201, other.content
    assert not SubmissionKey.objects.filter(key=key).exists()  # stored namespaced, never as given
    too_long = sofie.post(
        URL, json.dumps(_body()), content_type="application/json", headers={"Idempotency-Key": "k" * 65}
    )
    assert_danish_error(too_long, 400, field="Idempotency-Key")


_NOW = object()  # marker: a time two hours ahead, filled in by the test


@pytest.mark.parametrize(
    ("actor", "body", "field", "code"),
    [
        ("school_social_worker", {"categories": ["violence", "witchcraft"]}, "categories", "unknown_category"),
        ("school_social_worker", {"categories": []}, "categories", None),
        ("caseworker", {"channel": "phone", "received_at": _NOW}, "received_at", None),
        ("caseworker", {"channel": "phone", "received_at": "2026-01-02T09:30:00"}, "received_at", None),
        (
            "school_social_worker",
            {"child": {"first_name": "Viktor", "birth_date": "2000-01-01"}},
            "child_birth_date",
            "over_age",
        ),
        ("school_social_worker", {"child": {"first_name": "Viktor", "cpr": "3113991234"}}, "child_cpr", None),
        ("school_social_worker", {"child": {}}, "child_first_name", None),
        ("school_social_worker", {"child_knows": "maybe"}, "child_knows", None),
        ("school_social_worker", {"description": "   "}, "description", None),
        ("school_social_worker", {"channel": "phone"}, None, None),
        ("school_social_worker", {"channel": "carrier_pigeon"}, "channel", None),
        ("school_social_worker", {"notifier_unit_id": 999999}, "notifier_unit", None),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_reports_are_refused_in_danish_and_nothing_is_saved(town, docs_root, actor, body, field, code):
    if body.get("received_at") is _NOW:
        body = {**body, "received_at": (timezone.now() + timedelta(hours=2)).isoformat()}
    before = _state(docs_root)
    response = post(api(getattr(town, actor)), URL, _body(**body))
    assert response.status_code == 400, response.content
    err = response.json()
    assert err["detail"] and err["field"] == field, err
    if code is not None:
        assert err["code"] == code, err
    assert _state(docs_root) == before


@pytest.mark.parametrize(
    "body",
    [
        {"categories": "neglect"},
        {"child": {"first_name": "Mille", "birth_date": "4. marts 2015"}},
        {"received_at": "i går"},
        {"description": None},
    ],
)
def test_malformed_reports_are_422_with_the_field_named(town, docs_root, body):
    before = _state(docs_root)
    response = post(api(town.school_social_worker), URL, _body(**body))
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid" and response.json()["errors"][0]["problem"]
    assert _state(docs_root) == before


def test_a_missing_description_is_422(town):
    body = _body()
    del body["description"]
    response = post(api(town.school_social_worker), URL, body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "description"


def test_disguised_or_bad_attachments_save_nothing(town, docs_root, settings):
    sofie = api(town.school_social_worker)
    good = SimpleUploadedFile("observation.pdf", PDF, "application/pdf")
    fake = SimpleUploadedFile("billede.png", b"MZ\x90\x00 not a png at all" * 10, "image/png")
    before = _state(docs_root)
    assert_danish_error(_multipart(sofie, _body(), [good, fake]), 400, code="disguised", field="file")
    assert _state(docs_root) == before
    settings.CONCERN_MAX_ATTACHMENTS = 1
    two = [SimpleUploadedFile(f"{n}.pdf", PDF, "application/pdf") for n in ("a", "b")]
    assert_danish_error(_multipart(sofie, _body(), two), 400, field="attachments")
    # A payload that is not JSON, or not a valid report, is a 422 naming the field.
    response = _multipart(sofie, "{not json", [SimpleUploadedFile("a.pdf", PDF, "application/pdf")])
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == ""
    response = _multipart(sofie, _body(categories="neglect"))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "categories"
    assert_danish_error(sofie.post(f"{URL}/multipart", {}), 400, field="payload")
    assert _state(docs_root) == before


def test_only_the_reception_sets_the_time_received(town):
    earlier = (timezone.now() - timedelta(hours=30)).replace(microsecond=0)
    # A notifier's report is received when it is sent, whatever it says.
    concern = _file_as(town.school_social_worker, received_at=earlier.isoformat())
    assert abs((concern.received_at - timezone.now()).total_seconds()) < 60
    # The reception registers a phone call from yesterday with the time it came in.
    response = post(
        api(town.caseworker),
        URL,
        _body(
            channel="phone",
            received_at=earlier.isoformat(),
            notifier_kind="citizen",
            notifier_name="Nabo Naboesen",
            child={"first_name": "Mille", "cpr": synthetic_cpr()},
        ),
    )
    assert response.status_code == 201, response.content
    concern = Concern.objects.get(pk=response.json()["id"])
    assert concern.received_at == earlier and concern.channel == "phone"
    assert concern.notifier_kind == "citizen" and concern.notifier_name == "Nabo Naboesen"
    assert concern.notifier_user is None
    row = next(r for r in api(town.caseworker).get(URL).json() if r["id"] == concern.pk)
    assert row["overdue"] is True and row["hours_left"] < 0


# -- who may do what ------------------------------------------------------------------------------------


def _all_operations(concern_id: int, letter_id: int, attachment_id: int) -> list[tuple[str, str, dict | None]]:
    c = f"{URL}/{concern_id}"
    return [
        ("GET", URL, None),
        ("POST", URL, _body()),
        ("GET", f"{URL}/mine", None),
        ("GET", c, None),
        ("GET", f"{c}/letters/{letter_id}/pdf", None),
        ("GET", f"{c}/attachments/{attachment_id}/content", None),
        ("POST", f"{c}/assign", {}),
        ("POST", f"{c}/match", {"person_id": 1}),
        ("POST", f"{c}/assessment", {"acute_danger": False, "decision": "no_action", "reasoning": "x"}),
        ("POST", f"{c}/checklist", {"code": "danger_assessed"}),
        ("POST", f"{c}/letters", {"kind": "receipt"}),
        ("POST", f"{c}/close", {}),
    ]


def _call(client, method, url, body):
    return client.get(url) if method == "GET" else post(client, url, body)


@pytest.fixture
def filed(town):
    files = [SimpleUploadedFile("observation.pdf", PDF, "application/pdf")]
    response = _multipart(api(town.school_social_worker), _body(categories=["violence"]), files)
    assert response.status_code == 201, response.content
    concern = Concern.objects.get(pk=response.json()["id"])
    letter = services.letter_make(actor=town.caseworker, concern_id=concern.pk, kind="receipt")
    return concern, letter, concern.attachments.get()


@pytest.mark.parametrize("who", ["analyst", "administrator"])
def test_roles_without_concern_work_get_403_everywhere(town, filed, who):
    concern, letter, attachment = filed
    client = api(getattr(town, who))
    for method, url, body in _all_operations(concern.pk, letter.pk, attachment.pk) + [
        ("POST", f"{URL}/multipart", None)
    ]:
        if url.endswith("/multipart"):
            response = _multipart(client, _body())
        else:
            response = _call(client, method, url, body)
        assert_danish_error(response, 403, code="forbidden")
    assert Concern.objects.count() == 1


def test_notifiers_get_403_on_the_receptions_work(town, filed):
    concern, letter, attachment = filed
    reception_only = [
        op for op in _all_operations(concern.pk, letter.pk, attachment.pk) if not op[1].endswith(("/mine", "/pdf"))
    ]
    reception_only = [op for op in reception_only if not (op[0] == "POST" and op[1] == URL)]
    for user in (town.teacher, town.school_social_worker):
        client = api(user)
        for method, url, body in reception_only:
            assert_danish_error(_call(client, method, url, body), 403, code="forbidden")


def test_another_family_units_caseworker_gets_the_same_404_as_for_nothing(town, filed):
    concern, letter, attachment = filed
    olga = api(town.other_caseworker)
    missing = _all_operations(999999, 999999, 999999)
    for (method, url, body), (_m, missing_url, _b) in zip(
        _all_operations(concern.pk, letter.pk, attachment.pk), missing, strict=True
    ):
        if url in (URL, f"{URL}/mine"):
            continue
        response = _call(olga, method, url, body)
        assert response.status_code == 404, (url, response.status_code, response.content)
        assert (
            response.json()
            == _call(olga, method, missing_url, body).json()
            == {
                "detail": "Ikke fundet.",
                "code": "not_found",
            }
        )
        assert not _events(response, subjects__isnull=False).exists()
    assert concern.pk not in {r["id"] for r in olga.get(URL).json()}
    concern.refresh_from_db()
    assert concern.assigned_to is None and concern.status == ConcernStatus.RECEIVED
    assert not ChecklistItem.objects.exists() and not ConcernAssessment.objects.exists()
    # A path id too large for the database is the same 404.
    assert api(town.caseworker).get(f"{URL}/{2**63}").status_code == 404


# -- the reception's rules ------------------------------------------------------------------------------


def test_acute_track_checklist_through_the_api(town, filed):
    concern, _letter, _attachment = filed
    rikke = api(town.caseworker)
    checklist = rikke.get(f"{URL}/{concern.pk}").json()["checklist"]
    assert checklist["applies"] is True
    assert [s["code"] for s in checklist["steps"]] == [s.code for s in ACUTE_CHECKLIST]
    assert not any(s["done"] for s in checklist["steps"])
    response = post(rikke, f"{URL}/{concern.pk}/checklist", {"code": "police_contacted", "note": "Politikreds Nord"})
    assert response.status_code == 201, response.content
    assert response.json()["done_by"] == "rikke"
    steps = {s["code"]: s for s in rikke.get(f"{URL}/{concern.pk}").json()["checklist"]["steps"]}
    assert steps["police_contacted"]["done"] and steps["police_contacted"]["note"] == "Politikreds Nord"
    assert steps["police_contacted"]["paragraph"] == "BL § 126"
    assert_danish_error(post(rikke, f"{URL}/{concern.pk}/checklist", {"code": "police_contacted"}), 409)
    assert_danish_error(post(rikke, f"{URL}/{concern.pk}/checklist", {"code": "unknown"}), 400, field="code")
    assert ChecklistItem.objects.filter(concern=concern).count() == 1


def test_reception_refusals(town, filed, open_case):
    concern, _letter, _attachment = filed
    rikke = api(town.caseworker)
    c = f"{URL}/{concern.pk}"
    # A stale version is a conflict and changes nothing.
    assert_danish_error(post(rikke, f"{c}/assign", {"version": 99}), 409, code="stale")
    # A decision that continues on a case needs the case first.
    assessment = {"acute_danger": False, "decision": "mapping", "reasoning": "Afdækning.", "parents_informed": True}
    assert_danish_error(post(rikke, f"{c}/assessment", assessment), 400, code="needs_case", field="decision")
    assert_danish_error(post(rikke, f"{c}/assessment", {**assessment, "decision": "adopt"}), 400, field="decision")
    assert_danish_error(
        post(rikke, f"{c}/assessment", {**assessment, "decision": "no_action", "acute_danger": True}),
        400,
        field="acute_measures",
    )
    assert post(rikke, f"{c}/assessment", {"decision": "no_action"}).status_code == 422
    # Feedback before the assessment, an unknown letter kind, closing before the assessment.
    assert_danish_error(post(rikke, f"{c}/letters", {"kind": "feedback"}), 409, code="not_assessed")
    response = post(rikke, f"{c}/letters", {"kind": "love_letter"})
    assert response.status_code == 400 and response.json()["field"] == "kind"
    assert_danish_error(post(rikke, f"{c}/close"), 409, code="illegal_transition")
    # Match needs a child; a person who does not exist is not found.
    assert_danish_error(post(rikke, f"{c}/match", {}), 400, field="person_id")
    assert_danish_error(post(rikke, f"{c}/match", {"person_id": 999999}), 404)
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.RECEIVED and concern.version == 1 and concern.child_id is None
    # A new person from what the report says, with a case opened in the receiving unit.
    response = post(rikke, f"{c}/match", {"new_person": {"no_cpr_reason": "Ukendt endnu"}, "open_case": True})
    assert response.status_code == 200, response.content
    concern.refresh_from_db()
    assert concern.child.first_name == "Mille" and concern.case.responsible_unit == town.family_unit


# -- the audit ------------------------------------------------------------------------------------------


def test_every_read_is_audited_with_the_child(town, open_case):
    cpr_child = open_case.child
    concern = services.concern_file(
        actor=town.school_social_worker,
        data=services.ReportIn(
            description="Bekymring.", categories=["neglect"], child_first_name="Karla", channel="api"
        ),
    )
    services.concern_match(actor=town.caseworker, concern_id=concern.pk, person_id=cpr_child.pk)
    letter = services.letter_make(actor=town.caseworker, concern_id=concern.pk, kind="receipt")
    rikke, sofie = api(town.caseworker), api(town.school_social_worker)
    for client, user, url, action in (
        (rikke, town.caseworker, URL, AuditAction.LIST),
        (rikke, town.caseworker, f"{URL}/{concern.pk}", AuditAction.VIEW),
        (sofie, town.school_social_worker, f"{URL}/mine", AuditAction.LIST),
        (sofie, town.school_social_worker, f"{URL}/{concern.pk}/letters/{letter.pk}/pdf", AuditAction.DOWNLOAD),
        (rikke, town.caseworker, f"{URL}/{concern.pk}/letters/{letter.pk}/pdf", AuditAction.DOWNLOAD),
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:200])
        events = _events(response, actor=user, action=action, subjects__person_id=cpr_child.pk)
        assert events.exists(), (url, list(_events(response).values_list("action", "actor_username", "person_ids")))
    # The writes record theirs too.
    response = post(rikke, f"{URL}/{concern.pk}/assign")
    assert _events(response, actor=town.caseworker, action=AuditAction.UPDATE, object_id=str(concern.pk)).exists()
