"""The meeting pages and API: who sees and does what, Danish messages with 4xx for bad input, query counts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.cases import services as case_services
from helhed.cases.models import TeamRole
from helhed.core import audit
from helhed.core.apiauth import token_create
from helhed.core.tests.test_url_sweep import login
from helhed.meetings import services
from helhed.meetings.models import Decision, Meeting


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path / "documents"


@pytest.fixture
def team(town, open_case):
    case_services.team_member_add(actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER)
    return town


def _form(**kw) -> dict:
    data = {
        "kind": "aftaleforum",
        "day": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "start": "10:00",
        "end": "11:30",
        "location": "Nørrebro Rådhus",
        "ext-TOTAL_FORMS": "3",
        "ext-INITIAL_FORMS": "0",
        "ext-0-kind": "parent",
        "ext-0-name": "Mette Mor",
        "ext-0-role": "mor",
    }
    data.update(kw)
    return data


def test_a_caseworker_schedules_from_the_case_and_lands_on_the_meeting(team, open_case):
    client = login(Client(), team.caseworker)
    url = reverse("meetings:case_meetings", args=[open_case.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Planlæg et møde" in page.content.decode()
    response = client.post(url, _form(staff=[team.teacher.pk]))
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("meetings:detail", args=[meeting.pk])
    assert timezone.localtime(meeting.starts_at).strftime("%H:%M") == "10:00"
    assert {p.name for p in meeting.participants.all()} >= {"Mette Mor", team.teacher.get_full_name()}
    detail = client.get(response["Location"]).content.decode()
    assert "Mette Mor" in detail and "brev på sagen" in detail


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"day": "2020-01-01"}, "Mødet ligger i fortiden"),
        ({"end": "09:00"}, "Mødet skal slutte efter det begynder"),
        ({"location": ""}, "Dette felt er påkrævet"),
        ({"ext-0-email": "ikke-en-adresse"}, "gyldig e-mail-adresse"),
        ({"ext-0-kind": ""}, "vælg forælder, barnet eller ekstern deltager"),
    ],
)
def test_bad_input_on_the_page_gets_a_danish_message_and_saves_nothing(team, open_case, change, message):
    client = login(Client(), team.caseworker)
    response = client.post(reverse("meetings:case_meetings", args=[open_case.pk]), _form(**change))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Meeting.objects.exists()


def test_the_teacher_reads_but_cannot_schedule_and_a_stranger_gets_404(team, open_case):
    teacher = login(Client(), team.teacher)
    url = reverse("meetings:case_meetings", args=[open_case.pk])
    page = teacher.get(url)
    assert page.status_code == 200 and "Planlæg et møde" not in page.content.decode()
    assert teacher.post(url, _form()).status_code == 403
    stranger = login(Client(), team.other_caseworker)
    assert stranger.get(url).status_code == 404


def _meeting(team, open_case) -> Meeting:
    start = timezone.now() + timedelta(days=1)
    return services.meeting_schedule(
        actor=team.caseworker,
        case_id=open_case.pk,
        data=services.MeetingIn(
            kind="network",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            location="Skolen",
            staff_ids=[team.teacher.pk],
        ),
    )


def test_a_decision_without_an_owner_is_refused_in_danish(team, open_case):
    meeting = _meeting(team, open_case)
    client = login(Client(), team.caseworker)
    response = client.post(
        reverse("meetings:decision_add", args=[meeting.pk]),
        {
            "decision-text": "Noget skal ske",
            "decision-owner": "",
            "decision-due_on": "2030-01-01",
            "decision-visibility": "family",
        },
    )
    assert response.status_code == 400
    assert "En beslutning skal have en ansvarlig person" in response.content.decode()
    assert not Decision.objects.exists()


def test_the_teacher_sees_her_task_and_marks_it_done(team, open_case):
    meeting = _meeting(team, open_case)
    decision = services.decision_add(
        actor=team.caseworker,
        meeting_id=meeting.pk,
        data=services.DecisionIn(
            text="Skolen kontakter PPR", owner_id=team.teacher.pk, due_on=timezone.localdate() + timedelta(days=5)
        ),
    )
    teacher = login(Client(), team.teacher)
    page = teacher.get(reverse("meetings:tasks")).content.decode()
    assert "Skolen kontakter PPR" in page and open_case.journal_number in page
    response = teacher.post(reverse("meetings:task_status", args=[decision.pk]), {"status": "done", "version": 1})
    assert response.status_code == 302
    assert Decision.objects.get().status == "done"
    # A second click from the old page: a Danish conflict, not a 500.
    again = teacher.post(reverse("meetings:task_status", args=[decision.pk]), {"status": "done", "version": 1})
    assert again.status_code == 409 and "Genindlæs siden" in again.content.decode()


def test_the_task_list_query_count_does_not_grow(team, open_case, django_assert_max_num_queries):
    teacher = login(Client(), team.teacher)
    meeting = _meeting(team, open_case)

    def add(n):
        for i in range(n):
            services.decision_add(
                actor=team.caseworker,
                meeting_id=meeting.pk,
                data=services.DecisionIn(
                    text=f"Opgave {i}", owner_id=team.teacher.pk, due_on=timezone.localdate() + timedelta(days=5)
                ),
            )
        audit.seal_pending()

    add(2)
    with django_assert_max_num_queries(16) as ctx:
        assert teacher.get(reverse("meetings:tasks")).status_code == 200
    first = len(ctx.captured_queries)
    add(10)
    with django_assert_max_num_queries(first):
        assert teacher.get(reverse("meetings:tasks")).status_code == 200


def test_the_meeting_page_query_count_does_not_grow_with_minutes_and_decisions(
    team, open_case, django_assert_max_num_queries
):
    client = login(Client(), team.caseworker)
    meeting = _meeting(team, open_case)
    url = reverse("meetings:detail", args=[meeting.pk])
    audit.seal_pending()
    with django_assert_max_num_queries(40) as ctx:
        assert client.get(url).status_code == 200
    first = len(ctx.captured_queries)
    for i in range(6):
        services.minutes_add(actor=team.caseworker, meeting_id=meeting.pk, title=f"Punkt {i}", body="Tekst")
        services.decision_add(
            actor=team.caseworker,
            meeting_id=meeting.pk,
            data=services.DecisionIn(
                text=f"B {i}", owner_id=team.teacher.pk, due_on=timezone.localdate() + timedelta(days=5)
            ),
        )
    audit.seal_pending()
    with django_assert_max_num_queries(first):
        assert client.get(url).status_code == 200


def test_the_api_schedules_and_refuses_a_meeting_in_the_past(team, open_case):
    _token, raw = token_create(user=team.caseworker)
    headers = {"Authorization": f"Bearer {raw}"}
    client = Client()
    start = timezone.now() + timedelta(days=2)
    body = {
        "kind": "triangle",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "location": "Jobcenteret",
        "staff_ids": [team.teacher.pk],
        "externals": [{"kind": "external", "name": "Ulla UU", "role": "UU-vejleder", "email": "ulla@uu.invalid"}],
    }
    url = f"/api/v1/meetings/cases/{open_case.pk}"
    created = client.post(url, json.dumps(body), content_type="application/json", headers=headers)
    assert created.status_code == 201 and created.json()["kind"] == "triangle"
    past = {**body, "starts_at": (timezone.now() - timedelta(days=1)).isoformat()}
    refused = client.post(url, json.dumps(past), content_type="application/json", headers=headers)
    assert refused.status_code == 400 and refused.json()["field"] == "starts_at"
    detail = client.get(f"/api/v1/meetings/{created.json()['id']}", headers=headers).json()
    assert {p["name"] for p in detail["participants"]} >= {"Ulla UU"}
    assert Meeting.objects.count() == 1


def test_a_participants_minutes_copy_is_for_the_caseworker_only(team, open_case):
    meeting = _meeting(team, open_case)
    participant = meeting.participants.get(user=team.teacher)
    url = reverse("meetings:minutes_pdf", args=[meeting.pk]) + f"?deltager={participant.pk}"
    assert login(Client(), team.caseworker).get(url)["Content-Type"] == "application/pdf"
    assert login(Client(), team.teacher).get(url).status_code == 403


def test_bad_attendance_visibility_and_a_stranger_case_are_refused(team, open_case):
    meeting = _meeting(team, open_case)
    client = login(Client(), team.caseworker)
    participant = meeting.participants.get(user=team.teacher)
    url = reverse("meetings:attendance", args=[meeting.pk])
    for data, message in (
        ({"p-999999": "present"}, "Ukendt deltager"),
        ({f"p-{participant.pk}": "sovende"}, "Vælg deltog eller deltog ikke"),
    ):
        response = client.post(url, data)
        assert response.status_code == 400 and message in response.content.decode()
    assert meeting.participants.get(pk=participant.pk).attendance == "invited"
    _token, raw = token_create(user=team.caseworker)
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    bad = api.post(
        f"/api/v1/meetings/{meeting.pk}/minutes",
        json.dumps({"title": "T", "body": "B", "visibility": "alle-i-byen"}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["field"] == "visibility"
    assert not meeting.minutes.exists()
    stranger = login(Client(), team.other_caseworker)
    assert stranger.get(reverse("meetings:detail", args=[meeting.pk])).status_code == 404
    assert stranger.post(reverse("meetings:minutes_add", args=[meeting.pk]), {"minutes-title": "x"}).status_code == 404
