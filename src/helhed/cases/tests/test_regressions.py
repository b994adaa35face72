"""Regressions found by trying to break the case pages and /api/v1/cases (review of issue 2).

Each test names the input that used to give a 500, a silent change, or access it should not have."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client

from helhed.cases import services
from helhed.cases.models import Case, Document, JournalNote, TeamMember, TeamRole
from helhed.cases.tests.test_api import api, assert_danish_error, post
from helhed.core.models import AuditEvent


def _ui(user) -> Client:
    client = Client()
    client.force_login(user, backend="helhed.core.auth.HelhedModelBackend")
    return client


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# -- a team action with a malformed version used to be a 500 --------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["abc", "1.5", "", "  "])
@pytest.mark.parametrize("action", ["end", "parent_contact", "responsible"])
def test_team_action_with_a_malformed_version_is_refused_not_a_500(town, open_case, version, action):
    member = services.team_member_add(
        actor=town.caseworker, case_id=open_case.pk, user=town.caseworker2, role=TeamRole.CASEWORKER
    )
    open_case.refresh_from_db()
    before = (open_case.version, list(TeamMember.objects.filter(case=open_case).values()))

    response = _ui(town.caseworker).post(
        f"/sager/{open_case.pk}/team/{member.pk}/", {"action": action, "version": version}, follow=True
    )

    assert response.status_code == 200
    assert "Genindlæs siden" in response.content.decode()
    open_case.refresh_from_db()
    assert (open_case.version, list(TeamMember.objects.filter(case=open_case).values())) == before


# -- the parents' contact chosen when a case is opened became a full-access caseworker -----------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["teacher", "school_social_worker", "analyst", "dpo", "administrator"])
def test_parent_contact_at_case_open_must_be_case_staff(town, child, who):
    contact = getattr(town, who)
    before = (Case.objects.count(), TeamMember.objects.count())
    response = post(
        api(town.caseworker),
        "/api/v1/cases",
        {
            "child_id": child.pk,
            "responsible_unit_id": town.investigation.pk,
            "responsible_caseworker": town.caseworker.username,
            "parent_contact": contact.username,
        },
    )
    assert_danish_error(response, 400, field="parent_contact")
    assert (Case.objects.count(), TeamMember.objects.count()) == before
    assert not TeamMember.objects.filter(user=contact).exists()


@pytest.mark.django_db
def test_a_teacher_is_never_given_full_access_through_parent_contact(town, child):
    with pytest.raises(services.HelhedError):
        services.case_open(
            actor=town.caseworker,
            child=child,
            responsible_unit=town.investigation,
            responsible_caseworker=town.caseworker,
            parent_contact=town.teacher,
        )
    assert not Case.objects.filter(child=child).exists()


# -- over-long titles were cut silently by the API (and are a 500 on PostgreSQL) --------------------------


@pytest.mark.django_db
def test_api_journal_note_title_over_200_characters_is_refused_not_truncated(town, open_case):
    before = JournalNote.objects.count()
    response = post(
        api(town.caseworker),
        f"/api/v1/cases/{open_case.pk}/journal",
        {"title": "T" * 201, "body": "tekst", "occurred_on": "2026-01-05"},
    )
    assert_danish_error(response, 400, field="title")
    assert JournalNote.objects.count() == before


@pytest.mark.django_db
def test_api_document_title_over_200_characters_is_refused_not_truncated(town, open_case, settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path
    response = api(town.caseworker).post(
        f"/api/v1/cases/{open_case.pk}/documents",
        {"kind": "other", "title": "T" * 201, "file": _upload("rapport.pdf", PDF)},
    )
    assert_danish_error(response, 400, field="title")
    assert Document.objects.count() == 0
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


@pytest.mark.django_db
def test_api_case_title_over_200_characters_is_refused(town, child):
    response = post(
        api(town.caseworker),
        "/api/v1/cases",
        {
            "child_id": child.pk,
            "responsible_unit_id": town.investigation.pk,
            "responsible_caseworker": town.caseworker.username,
            "title": "T" * 201,
        },
    )
    assert_danish_error(response, 400, field="title")
    assert not Case.objects.filter(child=child).exists()


@pytest.mark.django_db
def test_api_submission_key_longer_than_the_column_is_refused(town, open_case):
    response = post(
        api(town.caseworker),
        f"/api/v1/cases/{open_case.pk}/journal",
        {"title": "t", "body": "b", "occurred_on": "2026-01-05", "submission_key": "k" * 65},
    )
    assert_danish_error(response, 400, field="submission_key")
    assert JournalNote.objects.count() == 0


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


# -- NUL characters: stored on SQLite, a 500 on PostgreSQL ----------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/journal", {"title": "t", "body": "før\u0000efter", "occurred_on": "2026-01-05"}),
        ("/journal", {"title": "t\u0000", "body": "b", "occurred_on": "2026-01-05"}),
        ("/status", {"to_status": "closed", "reason": "lukket\u0000"}),
        ("/team", {"username": "sofie\u0000", "role": "school_social_worker"}),
    ],
)
def test_api_text_with_a_nul_character_is_a_danish_400_and_saves_nothing(town, open_case, url, body):
    before = (JournalNote.objects.count(), Case.objects.get(pk=open_case.pk).status, TeamMember.objects.count())
    response = post(api(town.caseworker), f"/api/v1/cases/{open_case.pk}{url}", body)
    assert_danish_error(response, 400)
    assert (JournalNote.objects.count(), Case.objects.get(pk=open_case.pk).status, TeamMember.objects.count()) == before


@pytest.mark.django_db
def test_api_malformed_json_is_a_danish_400(town, open_case):
    response = api(town.caseworker).post(
        f"/api/v1/cases/{open_case.pk}/journal", data="{ikke json", content_type="application/json"
    )
    assert_danish_error(response, 400)
    assert JournalNote.objects.count() == 0


# -- impossible dates ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("occurred_on", ["0001-01-01", "1899-12-31"])
def test_a_journal_note_dated_before_1900_is_refused(town, open_case, occurred_on):
    response = post(
        api(town.caseworker),
        f"/api/v1/cases/{open_case.pk}/journal",
        {"title": "t", "body": "b", "occurred_on": occurred_on},
    )
    assert_danish_error(response, 400, field="occurred_on")
    assert JournalNote.objects.count() == 0
    with pytest.raises(services.HelhedError):
        services.journal_note_add(
            actor=town.caseworker,
            case_id=open_case.pk,
            kind="note",
            title="t",
            body="b",
            occurred_on=date.fromisoformat(occurred_on),
        )


# -- huge numbers in the API used to reach the database (OverflowError / datatype mismatch) -------------


@pytest.mark.django_db
@pytest.mark.parametrize("offset", ["99999999999999999999", "9223372036854775808"])
def test_api_case_list_with_a_huge_offset_is_a_400(town, open_case, offset):
    response = api(town.caseworker).get("/api/v1/cases", {"offset": offset})
    assert_danish_error(response, 400)


@pytest.mark.django_db
def test_api_reveal_cpr_for_a_huge_person_id_is_a_404(town, open_case):
    response = api(town.caseworker).post("/api/v1/persons/99999999999999999999/reveal-cpr")
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="reveal_cpr").exists()


# -- wrong HTTP method: an empty or English 405 -----------------------------------------------------------


@pytest.mark.django_db
def test_wrong_method_on_a_page_gives_a_danish_405(town, open_case):
    response = _ui(town.caseworker).put(f"/sager/{open_case.pk}/journal/")
    assert response.status_code == 405
    assert "Allow" in response.headers
    assert "ikke" in response.content.decode()


@pytest.mark.django_db
def test_wrong_method_in_the_api_gives_a_danish_json_405(town, open_case):
    response = api(town.caseworker).put(f"/api/v1/cases/{open_case.pk}")
    assert response.status_code == 405
    body = json.loads(response.content)
    assert "ikke" in body["detail"]


# -- refusals in the pages ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_team_change_on_a_closed_case_is_a_403(town, open_case):
    services.case_change_status(actor=town.caseworker, case_id=open_case.pk, to_status="closed", reason="færdig")
    open_case.refresh_from_db()
    before = TeamMember.objects.count()
    response = _ui(town.caseworker).post(
        f"/sager/{open_case.pk}/team/",
        {"user": town.school_social_worker.pk, "role": "school_social_worker", "version": open_case.version},
    )
    assert response.status_code == 403
    assert "Du kan ikke ændre sagens team" in response.content.decode()
    assert TeamMember.objects.count() == before


@pytest.mark.django_db
def test_cpr_reveal_reason_with_a_nul_character_is_refused_before_anything_is_shown(town, open_case):
    response = _ui(town.caseworker).post(f"/sager/{open_case.pk}/cpr/", {"reason": "akut\u0000"})
    assert response.status_code == 400
    assert "ugyldigt tegn" in response.content.decode()
    assert not AuditEvent.objects.filter(action="reveal_cpr").exists()


def test_timeline_does_not_show_lines_of_an_earlier_case_the_reader_cannot_see(town):
    """A child's closed case in another unit stays hidden on the timeline of the child's new case."""
    from helhed.cases import services as case_services
    from helhed.cases.gatekeeper import case_for
    from helhed.cases.selectors import case_timeline
    from helhed.testing.factories import PersonFactory

    kid = PersonFactory()
    old = case_services.case_open(
        actor=town.other_caseworker,
        child=kid,
        responsible_unit=town.other_family_unit,
        responsible_caseworker=town.other_caseworker,
    )
    case_services.journal_note_add(
        actor=town.other_caseworker,
        case_id=old.pk,
        kind="decision",
        title="Hemmelig afgørelse",
        body="Tekst",
        occurred_on=old.opened_at.date(),
    )
    case_services.case_change_status(
        actor=town.other_caseworker, case_id=old.pk, to_status="closed", reason="Afsluttet"
    )
    new = case_services.case_open(
        actor=town.caseworker, child=kid, responsible_unit=town.investigation, responsible_caseworker=town.caseworker
    )
    titles = [t.title for t in case_timeline(case_for(town.caseworker, new.pk), actor=town.caseworker)]
    assert titles and all("Hemmelig" not in t for t in titles)
    assert all(old.journal_number not in t for t in titles)
    # The old unit's caseworker, who may see both cases, sees both.
    both = case_services.team_member_add(
        actor=town.caseworker, case_id=new.pk, user=town.other_caseworker, role="caseworker"
    )
    assert both
    titles = [t.title for t in case_timeline(case_for(town.other_caseworker, new.pk), actor=town.other_caseworker)]
    assert any("Hemmelig" in t for t in titles)


def test_double_submitted_upload_and_person_forms_save_once(town, open_case, settings, tmp_path):
    """The document and person forms carry a one-time key: the second submit saves nothing and says so."""
    import uuid

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from helhed.cases.models import Document
    from helhed.people.models import Person

    settings.DOCUMENT_ROOT = tmp_path / "documents"
    client = Client()
    client.force_login(town.caseworker)
    key = uuid.uuid4().hex
    url = reverse("cases:documents", args=[open_case.pk])
    for expected in (302, 409):
        pdf = SimpleUploadedFile("brev.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
        response = client.post(url, {"submission_key": key, "kind": "letter", "title": "Brev", "file": pdf})
        assert response.status_code == expected
    assert Document.objects.filter(case=open_case).count() == 1
    assert "allerede sendt" in response.content.decode()
    assert len(list((tmp_path / "documents").rglob("*.pdf"))) == 1

    key = uuid.uuid4().hex
    before = Person.objects.count()
    for expected in (302, 409):
        response = client.post(
            reverse("people:create"),
            {"submission_key": key, "first_name": "Dobbelt", "last_name": "Klik", "no_cpr_reason": "ukendt"},
        )
        assert response.status_code == expected
    assert Person.objects.count() == before + 1
