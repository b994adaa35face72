"""/api/v1/cases/{case_id}/plan: the same plan, rules, access and audit as the pages, for programs."""

from __future__ import annotations

import json
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.test import Client
from django.utils import timezone

from helhed.core.apiauth import token_create
from helhed.core.models import AuditAction, AuditEvent
from helhed.deadlines.models import Deadline
from helhed.plans.models import PlanGoal, PlanReview, PlanVersion

from .helpers import approved_plan


def _api(user) -> Client:
    _token, raw = token_create(user=user)
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def _base(case) -> str:
    return f"/api/v1/cases/{case.pk}/plan"


def _send(client, method, url, body=None):
    return client.generic(method, url, data=json.dumps(body or {}), content_type="application/json")


def _goal(**kw) -> dict:
    body = {
        "life_area": "learning",
        "text": "Karla kommer i skole hver dag",
        "administration": "BUF",
        "measures": ["Skoleloop"],
        "success": "Fravær under 5 %",
        "child_view": "Jeg vil gerne i skole.",
        "parents_view": "Vi vil gerne have hjælp.",
    }
    body.update(kw)
    return body


def test_a_program_makes_approves_and_reviews_a_plan(town, open_case):
    api = _api(town.caseworker)
    base = _base(open_case)
    empty = api.get(base)
    assert empty.status_code == 200
    assert empty.json()["plan_id"] is None and empty.json()["approved"] is None
    assert [a["code"] for a in empty.json()["life_areas"]][:2] == ["health", "learning"]

    created = api.post(f"{base}/versions")
    assert created.status_code == 201
    draft = created.json()["version"]
    assert (draft["number"], draft["status"], draft["version"]) == (1, "draft", 1)

    saved = _send(
        api,
        "PUT",
        f"{base}/versions/1",
        {
            "version": 1,
            "purpose": "Trivsel i skolen",
            "psychiatry_contact": "BUC ambulatoriet",
            "goals": [_goal(responsible_person="lotte"), _goal(life_area="health", text="Sover 9 timer")],
        },
    )
    assert saved.status_code == 200, saved.content
    version = saved.json()["version"]
    assert version["version"] == 2 and [g["text"] for g in version["goals"]] == [
        "Karla kommer i skole hver dag",
        "Sover 9 timer",
    ]
    assert version["goals"][0]["responsible_person"] == "lotte"
    key = version["goals"][0]["key"]

    # The same draft, sent again by someone who read it before the save: 409, nothing lost.
    stale = _send(api, "PUT", f"{base}/versions/1", {"version": 1, "goals": []})
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    assert PlanGoal.objects.count() == 2

    approved = _send(api, "POST", f"{base}/versions/1/approve", {"version": 2})
    assert approved.status_code == 200, approved.content
    assert approved.json()["version"]["status"] == "approved" and approved.json()["version"]["has_letter"]
    letter = api.get(f"{base}/versions/1/letter")
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    assert b"".join(letter.streaming_content).startswith(b"%PDF")

    # Editing the approved version is refused; a new version is a copy with the same goal keys.
    immutable = _send(api, "PUT", f"{base}/versions/1", {"version": 3, "goals": []})
    assert immutable.status_code == 409 and immutable.json()["code"] == "approved_immutable"
    second = api.post(f"{base}/versions")
    assert second.status_code == 201 and second.json()["based_on"] == 1
    goals = second.json()["version"]["goals"]
    assert goals[0]["key"] == key
    changed = _send(
        api,
        "PUT",
        f"{base}/versions/2",
        {"version": 1, "goals": [_goal(key=key, text="Karla kommer i skole 4 dage om ugen")]},
    )
    assert changed.status_code == 200
    kinds = [(c["kind"], c["text"]) for c in changed.json()["changes"]]
    assert kinds == [("changed", "Karla kommer i skole 4 dage om ugen"), ("removed", "Sover 9 timer")]
    assert changed.json()["changes"][0]["changes"][0]["field"] == "text"

    overview = api.get(base).json()
    assert overview["approved"]["number"] == 1 and overview["draft"]["number"] == 2
    assert [v["number"] for v in overview["versions"]] == [2, 1]
    assert [c["kind"] for c in overview["changes"]] == ["changed", "removed"]
    assert [v["number"] for v in api.get(f"{base}/versions").json()] == [2, 1]

    ratings = [{"goal_id": g["id"], "rating": "achieved"} for g in overview["approved"]["goals"]]
    chosen = timezone.localdate() + timedelta(days=40)
    review = _send(
        api,
        "POST",
        f"{base}/reviews",
        {"ratings": ratings, "next_review_on": chosen.isoformat(), "next_review_reason": "Ny skole efter ferien"},
    )
    assert review.status_code == 201, review.content
    assert review.json()["next_review_on"] == chosen.isoformat()
    assert [r["rating"] for r in review.json()["ratings"]] == ["achieved", "achieved"]
    deadline = Deadline.objects.get(rule_id="plan.review", source_id=str(review.json()["id"]))
    assert timezone.localtime(deadline.due_at).date() == chosen
    assert api.get(base).json()["deadlines"][0]["rule_id"] == "plan.review"


def test_bad_input_gets_a_danish_4xx_and_saves_nothing(town, open_case):
    api = _api(town.caseworker)
    base = _base(open_case)
    api.post(f"{base}/versions")
    for body, status, words in (
        ({"version": 1, "goals": [_goal(text="")]}, 400, "Skriv målet"),
        ({"version": 1, "goals": [_goal(life_area="")]}, 400, "Vælg målets livsområde"),
        ({"version": 1, "goals": [_goal(life_area="x")]}, 400, "Ukendt livsområde"),
        ({"version": 1, "goals": [_goal(life_area="youth_housing")]}, 400, "fyldt 16 år"),
        ({"version": 1, "goals": [_goal(responsible_person="ingen-sådan")]}, 400, "ingen medarbejder"),
        ({"goals": []}, 422, "Forespørgslen er ikke gyldig"),
    ):
        response = _send(api, "PUT", f"{base}/versions/1", body)
        assert response.status_code == status, (body, response.content)
        assert words in response.json()["detail"], response.json()
    assert PlanGoal.objects.count() == 0 and PlanVersion.objects.get().version == 1
    assert _send(api, "PUT", f"{base}/versions/9", {"version": 1, "goals": []}).status_code == 404
    no_goals = _send(api, "POST", f"{base}/versions/1/approve", {"version": 1})
    assert no_goals.status_code == 400 and no_goals.json()["code"] == "no_goals"
    not_approved = _send(api, "POST", f"{base}/reviews", {"ratings": []})
    assert not_approved.status_code == 409 and "ikke godkendt" in not_approved.json()["detail"]


def test_review_dates_and_ratings_are_checked_by_the_same_rules(town, open_case):
    v1 = approved_plan(town.caseworker, open_case)
    api = _api(town.caseworker)
    goals = list(v1.goals.order_by("position"))
    ratings = [{"goal_id": g.pk, "rating": "progress"} for g in goals]
    too_late = (timezone.localdate() + relativedelta(months=6, days=1)).isoformat()
    for body, words in (
        ({"ratings": ratings[:1], "next_review_on": too_late, "next_review_reason": "x"}, "mangler en vurdering"),
        ({"ratings": ratings, "next_review_on": too_late, "next_review_reason": "x"}, "Datoen må højst ligge"),
        ({"ratings": ratings, "next_review_on": "2020-01-01", "next_review_reason": "x"}, "før i dag"),
        ({"ratings": ratings, "next_review_on": None, "next_review_reason": "x"}, "Vælg datoen"),
        (
            {"ratings": [{"goal_id": goals[0].pk, "rating": "great"}, ratings[1]], "next_review_on": too_late},
            "Ukendt vurdering",
        ),
    ):
        response = _send(api, "POST", f"{_base(open_case)}/reviews", body)
        assert response.status_code == 400, (body, response.content)
        assert words in response.json()["detail"]
    assert not PlanReview.objects.exists()


def test_the_team_reads_through_the_api_writes_are_for_caseworkers_and_strangers_get_404(town, team_case):
    approved_plan(town.caseworker, team_case)
    _api(town.caseworker).post(f"{_base(team_case)}/versions")
    teacher = _api(town.teacher)
    body = teacher.get(_base(team_case))
    assert body.status_code == 200
    assert body.json()["approved"]["number"] == 1 and body.json()["draft"] is None
    assert [v["number"] for v in body.json()["versions"]] == [1]
    assert teacher.get(f"{_base(team_case)}/versions/2").status_code == 404
    assert teacher.get(f"{_base(team_case)}/versions/1/letter").status_code == 200
    for method, path, payload in (
        ("POST", "/versions", None),
        ("PUT", "/versions/2", {"version": 1, "goals": []}),
        ("POST", "/versions/2/approve", {"version": 1}),
        ("POST", "/reviews", {"ratings": []}),
    ):
        response = _send(teacher, method, _base(team_case) + path, payload)
        assert response.status_code == 403, (method, path, response.content)
    stranger = _api(town.other_caseworker)
    for path in ("", "/versions", "/versions/1", "/versions/1/letter"):
        response = stranger.get(_base(team_case) + path)
        assert response.status_code == 404 and response.json() == {"detail": "Ikke fundet.", "code": "not_found"}
    assert stranger.post(f"{_base(team_case)}/versions").status_code == 404


def test_api_reads_are_audited_with_the_child_and_the_api_channel(town, open_case):
    approved_plan(town.caseworker, open_case)
    api = _api(town.caseworker)
    for path, action in (
        ("", AuditAction.VIEW),
        ("/versions/1", AuditAction.VIEW),
        ("/versions/1/letter", AuditAction.DOWNLOAD),
    ):
        response = api.get(_base(open_case) + path)
        assert response.status_code == 200
        event = AuditEvent.objects.filter(request_id=response["X-Request-ID"], action=action).first()
        assert event is not None and open_case.child_id in event.person_ids and event.channel == "api", path
