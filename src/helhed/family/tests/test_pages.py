"""The parents' view in the browser's terms (the test client): a parent sees their own child's contact, approved
plan, coming meetings and the decisions for the family, and nothing else; a parent of another child gets 404; a
parent never reaches staff pages and staff never reach the parents' view; the link page is safe against
prefetchers; the caseworker's page creates and revokes links; every look is audited."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.cases import services as case_services
from helhed.cases.models import TeamRole
from helhed.core.apiauth import token_create
from helhed.core.models import AuditAction, AuditEvent
from helhed.core.tests.test_url_sweep import login
from helhed.family import services
from helhed.family.models import ParentLink
from helhed.meetings import services as meeting_services
from helhed.meetings.models import Meeting
from helhed.plans import services as plan_services
from helhed.plans.tests.helpers import approved_plan, goal_in

from .conftest import give_access, parent_client, schedule

FAMILY = "/familie/"


def _html(response) -> str:
    return response.content.decode()


def _decision(town, meeting, text, visibility):
    return meeting_services.decision_add(
        actor=town.caseworker,
        meeting_id=meeting.pk,
        data=meeting_services.DecisionIn(
            text=text,
            owner_id=town.caseworker.pk,
            due_on=(meeting.starts_at + timedelta(days=14)).date(),
            visibility=visibility,
        ),
    )


@pytest.fixture
def full_case(town, open_case, child):
    """The case with everything a caseworker might have: an approved plan and a newer draft, a team with the
    teacher, a journal note, a document, meetings (coming with the family, coming without, past, cancelled) and
    decisions at every visibility."""
    case_services.team_member_add(actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER)
    approved_plan(
        town.caseworker,
        open_case,
        goal_in(
            text="Karla kommer i skole hver dag", child_view="Jeg vil gerne i skole", parents_view="Mor vil hjælpe"
        ),
    )
    draft = plan_services.plan_draft_start(actor=town.caseworker, case_id=open_case.pk)
    plan_services.plan_goal_save(
        actor=town.caseworker,
        case_id=open_case.pk,
        version=draft.version,
        goal=goal_in(life_area="health", text="HEMMELIGT UDKAST om søvn"),
    )
    case_services.journal_note_add(
        actor=town.caseworker,
        case_id=open_case.pk,
        kind="note",
        title="JOURNALNOTAT om familien",
        body="Fortroligt.",
        occurred_on=timezone.localdate(),
    )
    case_services.document_upload(
        actor=town.caseworker,
        case_id=open_case.pk,
        uploaded_file=SimpleUploadedFile("u.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", "application/pdf"),
        title="FORTROLIG udtalelse",
        kind="statement",
    )
    coming = schedule(town, open_case, days=3, title="Netværksmøde om skolen")
    later = schedule(town, open_case, days=10, title="Opfølgningsmøde")
    schedule(town, open_case, days=4, family=False, title="KUN FAGPERSONER møde")
    past = schedule(town, open_case, days=1, title="GAMMELT møde")
    Meeting.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=2, hours=-1)
    )
    cancelled = schedule(town, open_case, days=5, title="AFLYST møde")
    meeting_services.meeting_cancel(actor=town.caseworker, meeting_id=cancelled.pk, reason="Syg")
    _decision(town, coming, "Familien får en familiebehandler", "family")
    _decision(town, coming, "FAGLIG vurdering af skolen", "professionals")
    _decision(town, coming, "RÅDGIVER-notat om støtten", "caseworkers")
    return {"coming": coming, "later": later}


# -- what the parent sees ------------------------------------------------------------------------------------


def test_the_parent_sees_contact_approved_plan_coming_meetings_and_family_decisions(town, open_case, mother, full_case):
    town.caseworker.phone = "33 66 33 66"
    town.caseworker.email = "rikke@kommune.example"
    town.caseworker.save()
    client = parent_client(give_access(town, open_case, mother))
    response = client.get(FAMILY)
    assert response.status_code == 200
    html = _html(response)
    assert "Karla Testesen" in html
    # The contact person, with unit, phone and e-mail.
    assert "Rikke Rådgiver" in html and "BFE Nord, undersøgelsesgruppen" in html
    assert "33 66 33 66" in html and "rikke@kommune.example" in html
    # The approved plan with the child's words and the parents' view; never the draft.
    assert "Karla kommer i skole hver dag" in html
    assert "Jeg vil gerne i skole" in html and "Mor vil hjælpe" in html
    assert "HEMMELIGT UDKAST" not in html
    # Coming meetings the family is invited to, soonest first.
    assert html.index("Netværksmøde om skolen") < html.index("Opfølgningsmøde")
    for hidden in ("KUN FAGPERSONER", "GAMMELT møde", "AFLYST møde"):
        assert hidden not in html, hidden
    # Only the decisions meant for the family.
    assert "Familien får en familiebehandler" in html
    assert "FAGLIG vurdering" not in html and "RÅDGIVER-notat" not in html


def test_nothing_else_reaches_the_parent(town, open_case, mother, full_case):
    html = _html(parent_client(give_access(town, open_case, mother)).get(FAMILY))
    for secret in ("JOURNALNOTAT", "FORTROLIG udtalelse", "Lotte Lærer", open_case.journal_number, "xxxx"):
        assert secret not in html, secret
    assert open_case.child.cpr_masked[:6] not in html


def test_without_a_plan_or_meetings_the_page_says_so(town, open_case, mother):
    html = _html(parent_client(give_access(town, open_case, mother)).get(FAMILY))
    assert "Der er ingen godkendt plan endnu" in html
    assert "I er ikke inviteret til nogen kommende møder" in html


def test_the_parent_sees_only_their_own_child(town, open_case, mother, other_family):
    user = give_access(town, open_case, mother)
    give_access(town, other_family.case, other_family.parent)
    client = parent_client(user)
    html = _html(client.get(FAMILY))
    assert "Karla Testesen" in html and "Otto Andersen" not in html
    assert client.get(reverse("family:child", args=[open_case.pk])).status_code == 200
    response = client.get(reverse("family:child", args=[other_family.case.pk]))
    assert response.status_code == 404
    assert "Otto" not in _html(response)
    assert client.get(reverse("family:child", args=[999999])).status_code == 404
    api = client.get(f"/api/v1/family/cases/{other_family.case.pk}")
    assert api.status_code == 404 and api.json()["code"] == "not_found"


def test_a_parent_whose_access_ended_sees_no_child(town, open_case, mother):
    user = give_access(town, open_case, mother)
    link = ParentLink.objects.get(person=mother)
    services.parent_link_revoke(actor=town.caseworker, case_id=open_case.pk, link_id=link.pk)
    client = parent_client(user)
    response = client.get(FAMILY)
    assert response.status_code == 200
    assert "Karla" not in _html(response) and "ikke adgang til noget barns sag" in _html(response)
    assert client.get(reverse("family:child", args=[open_case.pk])).status_code == 404


# -- the parent never reaches staff pages; staff never reach the parents' view -------------------------------


STAFF_PAGES = ["/soeg/", "/moeder/", "/opgaver/", "/frister/", "/tilsyn/", "/organisation/", "/underretninger/ny/"]


def test_the_parent_cannot_reach_staff_pages_or_the_staff_api(town, open_case, mother):
    user = give_access(town, open_case, mother)
    client = parent_client(user)
    for url in [
        *STAFF_PAGES,
        reverse("cases:detail", args=[open_case.pk]),
        reverse("plans:plan", args=[open_case.pk]),
        reverse("meetings:case_meetings", args=[open_case.pk]),
        reverse("family:case_links", args=[open_case.pk]),
        f"/personer/{open_case.child_id}/",
    ]:
        assert client.get(url).status_code in (403, 404), url
    for url in [
        "/api/v1/cases",
        f"/api/v1/cases/{open_case.pk}",
        f"/api/v1/cases/{open_case.pk}/plan",
        "/api/v1/persons/1",
    ]:
        response = client.get(url)
        assert response.status_code in (403, 404), url
    _t, raw = token_create(user=user)
    response = Client().get("/api/v1/cases", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 403


def test_home_sends_the_parent_to_the_family_page_and_the_menu_has_only_min_familie(town, open_case, mother):
    client = parent_client(give_access(town, open_case, mother))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == FAMILY
    html = _html(client.get(FAMILY))
    assert "Min familie" in html
    for item in ("Mine sager", "Mine frister", "Opgaver og møder", "Søg", "Hjælp", 'href="/api/v1/docs"'):
        assert item not in html, item


def test_staff_do_not_get_the_parents_view(town, open_case):
    for user in (town.caseworker, town.leader, town.dpo):
        client = login(Client(), user)
        assert client.get(FAMILY).status_code == 403
        assert client.get(reverse("family:child", args=[open_case.pk])).status_code == 403
        assert client.get("/api/v1/family/").status_code == 403


# -- the link page --------------------------------------------------------------------------------------------


def test_opening_the_link_does_not_use_it_and_the_button_logs_in_without_a_second_factor(
    town, open_case, mother, settings
):
    settings.DEMO_MODE = False  # a second factor is required of some staff outside demo mode; never of a parent
    created = services.parent_link_create(actor=town.caseworker, case_id=open_case.pk, person_id=mother.pk)
    url = reverse("family:login", args=[created.token])
    client = Client()
    page = client.get(url)
    assert page.status_code == 200 and "Log ind" in _html(page)
    assert "Karla" not in _html(page) and "Mette" not in _html(page)  # nothing about the family before login
    assert client.get(url).status_code == 200  # a prefetcher's GET does not use it up
    assert ParentLink.objects.get(pk=created.link.pk).used_at is None
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == FAMILY
    assert client.get(FAMILY).status_code == 200
    # A double click lands on the family page; anyone else gets the 410.
    assert client.post(url)["Location"] == FAMILY
    other = Client().get(url)
    assert other.status_code == 410 and "allerede brugt" in _html(other)


@pytest.mark.parametrize(
    ("spoil", "status", "words"),
    [
        ("expire", 410, "udløbet"),
        ("revoke", 410, "trukket linket tilbage"),
    ],
)
def test_a_spoilt_link_gets_a_clear_danish_answer(town, open_case, mother, spoil, status, words):
    created = services.parent_link_create(actor=town.caseworker, case_id=open_case.pk, person_id=mother.pk)
    if spoil == "expire":
        ParentLink.objects.filter(pk=created.link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    else:
        services.parent_link_revoke(actor=town.caseworker, case_id=open_case.pk, link_id=created.link.pk)
    url = reverse("family:login", args=[created.token])
    for method in (Client().get, Client().post):
        response = method(url)
        assert response.status_code == status
        assert words in _html(response)


def test_an_unknown_link_is_404_in_danish(db):
    for token in ("x", "a" * 43):
        response = Client().post(reverse("family:login", args=[token]))
        assert response.status_code == 404 and "Linket findes ikke" in _html(response)


# -- the caseworker's page ------------------------------------------------------------------------------------


def test_the_caseworker_creates_a_link_and_sees_it_once(town, open_case, mother, father):
    client = login(Client(), town.caseworker)
    url = reverse("family:case_links", args=[open_case.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = _html(page)
    assert "Mette Testesen" in html and "Frank Testesen" not in html  # only custody holders are offered
    assert "Digital Post" in html and "MitID" in html
    response = client.post(url, {"person_id": mother.pk, "submission_key": "k1"})
    assert response.status_code == 201
    link = ParentLink.objects.get()
    assert "/familie/login/" in _html(response)
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    again = client.post(url, {"person_id": mother.pk, "submission_key": "k1"})
    assert again.status_code == 409  # a double submit makes no second link
    listing = _html(client.get(url))
    assert "Ikke brugt endnu" in listing and "/familie/login/" not in listing  # never shown again
    revoked = client.post(reverse("family:link_revoke", args=[open_case.pk, link.pk]))
    assert revoked.status_code == 302
    assert "Trukket tilbage" in _html(client.get(url))
    twice = client.post(reverse("family:link_revoke", args=[open_case.pk, link.pk]))
    assert twice.status_code == 400 and "allerede trukket tilbage" in _html(twice)


def test_a_non_custody_holder_is_refused_on_the_page_with_a_danish_400(town, open_case, mother, father):
    client = login(Client(), town.caseworker)
    url = reverse("family:case_links", args=[open_case.pk])
    for data in ({"person_id": father.pk}, {"person_id": "abc"}, {}):
        response = client.post(url, data)
        assert response.status_code == 400
        assert "forældremyndighedsindehaver" in _html(response) or "Vælg hvem" in _html(response)
    assert not ParentLink.objects.exists()


def test_the_links_page_is_for_those_with_full_sight_and_writing_for_those_who_write(town, open_case, mother):
    case_services.team_member_add(actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER)
    url = reverse("family:case_links", args=[open_case.pk])
    teacher = login(Client(), town.teacher)
    assert teacher.get(url).status_code == 403
    assert teacher.post(url, {"person_id": mother.pk}).status_code == 403
    assert login(Client(), town.other_caseworker).get(url).status_code == 404
    assert not ParentLink.objects.exists()


# -- the API --------------------------------------------------------------------------------------------------


def test_the_api_gives_the_parent_the_same_content(town, open_case, mother, full_case):
    user = give_access(town, open_case, mother)
    _t, raw = token_create(user=user)
    response = Client().get("/api/v1/family/", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    body = response.json()
    assert body["parent_first_name"] == "Mette"
    [child] = body["children"]
    assert child["contact"]["name"] == "Rikke Rådgiver"
    assert [g["text"] for g in child["plan"]["goals"]] == ["Karla kommer i skole hver dag"]
    assert [m["title"] for m in child["meetings"]] == ["Netværksmøde om skolen", "Opfølgningsmøde"]
    assert [d["text"] for d in child["decisions"]] == ["Familien får en familiebehandler"]
    text = json.dumps(body)
    for secret in ("HEMMELIGT", "JOURNALNOTAT", "FAGLIG", "RÅDGIVER-notat", "GAMMELT", "AFLYST", "KUN FAGPERSONER"):
        assert secret not in text, secret


def test_the_api_creates_lists_and_revokes_links(town, open_case, mother, father):
    _t, raw = token_create(user=town.caseworker)
    headers = {"Authorization": f"Bearer {raw}"}
    c = Client()
    url = f"/api/v1/cases/{open_case.pk}/parent-links"
    bad = c.post(url, json.dumps({"person_id": father.pk}), content_type="application/json", headers=headers)
    assert bad.status_code == 400 and bad.json()["code"] == "not_custody_holder"
    assert "forældremyndighedsindehavere" in bad.json()["detail"]
    made = c.post(url, json.dumps({"person_id": mother.pk}), content_type="application/json", headers=headers)
    assert made.status_code == 201
    body = made.json()
    assert body["state"] == "active" and body["token"] and body["url"].endswith(f"/familie/login/{body['token']}/")
    listed = c.get(url, headers=headers).json()
    assert [row["id"] for row in listed] == [body["id"]] and "token" not in listed[0]
    revoked = c.post(f"{url}/{body['id']}/revoke", headers=headers)
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert c.get(url, headers=headers).json()[0]["state"] == "revoked"


# -- audit ---------------------------------------------------------------------------------------------------


def test_every_look_at_the_parents_view_is_audited(town, open_case, mother, child, other_family):
    user = give_access(town, open_case, mother)
    client = parent_client(user)
    for url in (FAMILY, reverse("family:child", args=[open_case.pk]), "/api/v1/family/"):
        response = client.get(url)
        assert response.status_code == 200
        event = AuditEvent.objects.get(request_id=response["X-Request-ID"], action=AuditAction.VIEW)
        assert event.actor == user
        assert set(event.person_ids) == {child.pk, mother.pk}
        assert event.case_id == open_case.pk
        assert event.detail["view"] in ("family", "api_family")
    refused = client.get(reverse("family:child", args=[other_family.case.pk]))
    assert not AuditEvent.objects.filter(request_id=refused["X-Request-ID"], action=AuditAction.VIEW).exists()
