"""The rest of case work through the API: team changes, addenda, documents, break-the-glass, and the
person endpoints for relations, enrolments and merges. Same rules and Danish messages as the pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from helhed.cases import services
from helhed.cases.models import Document, JournalAddendum, TeamMember, TeamRole
from helhed.cases.tests.test_api import api, assert_danish_error, post
from helhed.people.models import PersonMerge, Relation
from helhed.testing.factories import PersonFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture
def docs_root(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path / "documents"
    return settings.DOCUMENT_ROOT


def test_team_member_cannot_take_off_the_responsible_caseworker(town, open_case):
    client = api(town.caseworker)
    responsible = TeamMember.objects.get(case=open_case, role=TeamRole.RESPONSIBLE_CASEWORKER)
    response = post(client, f"/api/v1/cases/{open_case.pk}/team/{responsible.pk}/end")
    assert_danish_error(response, 409)
    assert TeamMember.objects.get(pk=responsible.pk).valid_to is None


def test_responsible_and_parent_contact_move_between_members(town, open_case):
    client = api(town.caseworker)
    member = services.team_member_add(
        actor=town.caseworker, case_id=open_case.pk, user=town.caseworker2, role=TeamRole.CASEWORKER
    )
    response = post(client, f"/api/v1/cases/{open_case.pk}/team/{member.pk}/responsible")
    assert response.status_code == 200, response.content
    assert response.json()["role"] == TeamRole.RESPONSIBLE_CASEWORKER
    response = post(client, f"/api/v1/cases/{open_case.pk}/team/{member.pk}/parent-contact")
    assert response.json()["is_parent_contact"] is True
    active = TeamMember.objects.filter(case=open_case, valid_to__isnull=True)
    assert active.filter(role=TeamRole.RESPONSIBLE_CASEWORKER).count() == 1
    assert active.filter(is_parent_contact=True).get().pk == member.pk


def test_stale_version_is_refused(town, open_case):
    client = api(town.caseworker)
    member = services.team_member_add(
        actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER
    )
    response = post(client, f"/api/v1/cases/{open_case.pk}/team/{member.pk}/end", {"version": 1})
    assert_danish_error(response, 409, code="stale")


def test_addendum_to_a_note_of_another_case_is_refused(town, open_case):
    other_child = PersonFactory()
    other_case = services.case_open(
        actor=town.caseworker,
        child=other_child,
        responsible_unit=town.investigation,
        responsible_caseworker=town.caseworker,
    )
    note = services.journal_note_add(
        actor=town.caseworker,
        case_id=other_case.pk,
        kind="note",
        title="T",
        body="B",
        occurred_on=open_case.opened_at.date(),
    )
    response = post(api(town.caseworker), f"/api/v1/cases/{open_case.pk}/journal/{note.pk}/addenda", {"body": "x"})
    assert_danish_error(response, 404)
    assert not JournalAddendum.objects.exists()


def test_upload_list_and_download_a_document(town, open_case, docs_root):
    client = api(town.caseworker)
    response = client.post(
        f"/api/v1/cases/{open_case.pk}/documents",
        {"file": SimpleUploadedFile("brev.pdf", PDF, "application/pdf"), "kind": "letter"},
    )
    assert response.status_code == 201, response.content
    doc_id = response.json()["id"]
    listed = client.get(f"/api/v1/cases/{open_case.pk}/documents").json()
    assert [d["id"] for d in listed] == [doc_id]
    download = client.get(f"/api/v1/cases/{open_case.pk}/documents/{doc_id}/content")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_disguised_upload_is_refused_and_nothing_is_stored(town, open_case, docs_root):
    client = api(town.caseworker)
    response = client.post(
        f"/api/v1/cases/{open_case.pk}/documents",
        {"file": SimpleUploadedFile("brev.pdf", b"MZ\x90\x00" * 50, "application/pdf"), "kind": "letter"},
    )
    assert_danish_error(response, 400, field="file", code="disguised")
    assert not Document.objects.exists()
    assert not any(docs_root.rglob("*.pdf")) if docs_root.exists() else True


def test_unknown_document_kind_is_a_422(town, open_case, docs_root):
    response = api(town.caseworker).post(
        f"/api/v1/cases/{open_case.pk}/documents",
        {"file": SimpleUploadedFile("a.pdf", PDF, "application/pdf"), "kind": "x"},
    )
    assert response.status_code == 422
    assert not Document.objects.exists()


def test_document_of_another_case_is_not_found_through_a_visible_case(town, open_case, docs_root):
    other_case = services.case_open(
        actor=town.other_caseworker,
        child=PersonFactory(),
        responsible_unit=town.other_family_unit,
        responsible_caseworker=town.other_caseworker,
    )
    doc = services.document_upload(
        actor=town.other_caseworker,
        case_id=other_case.pk,
        uploaded_file=SimpleUploadedFile("x.pdf", PDF, "application/pdf"),
        title="X",
        kind="other",
    )
    response = api(town.caseworker).get(f"/api/v1/cases/{open_case.pk}/documents/{doc.pk}/content")
    assert response.status_code == 404


def test_break_the_glass_needs_a_real_reason_and_then_gives_read_access(town, open_case):
    client = api(town.other_caseworker)
    assert client.get(f"/api/v1/cases/{open_case.pk}").status_code == 404
    assert_danish_error(
        post(client, f"/api/v1/cases/{open_case.pk}/break-glass", {"reason": "akut"}), 400, field="reason"
    )
    response = post(client, f"/api/v1/cases/{open_case.pk}/break-glass", {"reason": "Akut henvendelse fra politiet"})
    assert response.status_code == 201
    assert client.get(f"/api/v1/cases/{open_case.pk}/journal").status_code == 200
    # Read-only: writing a note is refused.
    note = post(
        client, f"/api/v1/cases/{open_case.pk}/journal", {"title": "T", "body": "B", "occurred_on": "2024-01-02"}
    )
    assert note.status_code == 403


def test_professional_cannot_break_the_glass(town, open_case):
    response = post(api(town.teacher), f"/api/v1/cases/{open_case.pk}/break-glass", {"reason": "Jeg vil gerne se"})
    assert response.status_code == 403


def test_relations_enrolments_and_merge_round_trip(town, child):
    client = api(town.caseworker)
    mother = PersonFactory(first_name="Mor")
    response = post(client, f"/api/v1/persons/{child.pk}/relations", {"relative_id": mother.pk, "kind": "parent"})
    assert response.status_code == 201
    assert assert_danish_error(
        post(client, f"/api/v1/persons/{child.pk}/relations", {"relative_id": mother.pk, "kind": "parent"}), 409
    )
    relations = client.get(f"/api/v1/persons/{child.pk}/relations").json()
    assert [r["relative_name"] for r in relations] == [mother.full_name]
    assert client.get(f"/api/v1/persons/{child.pk}/enrolments").json() == []

    duplicate = PersonFactory(cpr=None, first_name=child.first_name, last_name=child.last_name)
    merged = post(client, f"/api/v1/persons/{child.pk}/merge", {"duplicate_id": duplicate.pk, "reason": "Dublet"})
    assert merged.status_code == 201
    merge_id = merged.json()["id"]
    reversed_ = post(client, f"/api/v1/persons/merges/{merge_id}/reverse", {"reason": "To forskellige børn"})
    assert reversed_.status_code == 200
    assert PersonMerge.objects.get(pk=merge_id).reversed_at is not None
    assert_danish_error(post(client, f"/api/v1/persons/merges/{merge_id}/reverse", {"reason": "igen"}), 409)


def test_merge_needs_a_reason_and_the_merge_permission(town, child):
    duplicate = PersonFactory(cpr=None)
    assert_danish_error(
        post(api(town.caseworker), f"/api/v1/persons/{child.pk}/merge", {"duplicate_id": duplicate.pk, "reason": " "}),
        400,
        field="reason",
    )
    assert (
        post(
            api(town.counsellor),
            f"/api/v1/persons/{child.pk}/merge",
            {"duplicate_id": duplicate.pk, "reason": "Dublet"},
        ).status_code
        == 403
    )
    assert not PersonMerge.objects.exists()
    assert Relation.objects.count() == 0
