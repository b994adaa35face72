"""The plan's pages in the browser's terms (the test client): status codes, who may read and who may write, the
forms' Danish answers to bad input, the difference shown between versions, the letter download, and a
constant number of queries however many goals the plan has."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helhed.core import audit
from helhed.core.models import AuditAction, AuditEvent
from helhed.core.tests.test_url_sweep import login
from helhed.plans import services
from helhed.plans.models import PlanGoal, PlanReview, PlanVersion, VersionStatus

from .helpers import approved_plan, draft_version, goal_in


def _ui(user) -> Client:
    return login(Client(), user)


def _html(response) -> str:
    return response.content.decode()


def _url(name, case, *args):
    return reverse(f"plans:{name}", args=[case.pk, *args])


def _goal_post(version, **kw) -> dict:
    data = {
        "version": version,
        "life_area": "learning",
        "text": "Karla kommer i skole hver dag",
        "administration": "BUF",
        "measures": "Skoleloop\nMorgenopkald",
        "success": "Fravær under 5 %",
        "child_view": "Jeg vil gerne i skole.",
        "parents_view": "Mor vil have hjælp om morgenen.",
    }
    data.update(kw)
    return data


# -- reading --------------------------------------------------------------------------------------------


def test_the_case_page_links_to_the_plan_and_the_empty_plan_page_offers_to_start_it(town, open_case):
    rikke = _ui(town.caseworker)
    assert _url("plan", open_case) in _html(rikke.get(reverse("cases:detail", args=[open_case.pk])))
    page = rikke.get(_url("plan", open_case))
    assert page.status_code == 200
    html = _html(page)
    assert "Barnet har ingen godkendt plan endnu." in html
    assert "Start barnets plan" in html
    assert "barnets lov § 91" in html  # the plain-language help says why the plan exists


def test_a_teacher_on_the_team_reads_the_plan_but_cannot_write_and_a_stranger_gets_404(town, team_case):
    approved_plan(town.caseworker, team_case)
    services.plan_draft_start(actor=town.caseworker, case_id=team_case.pk)
    teacher = _ui(town.teacher)
    page = teacher.get(_url("plan", team_case))
    assert page.status_code == 200
    html = _html(page)
    assert "Karla kommer i skole hver dag" in html and "Godkendt plan, version 1" in html
    assert "Udkast, version 2" not in html and "Start en ny version" not in html and "Følg op på planen" not in html
    assert teacher.get(_url("version", team_case, 1)).status_code == 200
    assert teacher.get(_url("version", team_case, 2)).status_code == 404  # the draft is the caseworkers'
    letter = teacher.get(_url("letter", team_case, 1))
    assert letter.status_code == 200 and b"".join(letter.streaming_content).startswith(b"%PDF")
    goal = PlanGoal.objects.filter(plan_version__number=2).first()
    for method, name, args in (
        ("get", "draft", ()),
        ("post", "draft", ()),
        ("post", "draft_start", ()),
        ("get", "goal_new", ()),
        ("post", "goal_new", ()),
        ("get", "goal_edit", (goal.pk,)),
        ("post", "goal_remove", (goal.pk,)),
        ("post", "approve", ()),
        ("get", "review", ()),
        ("post", "review", ()),
    ):
        response = getattr(teacher, method)(_url(name, team_case, *args), {"version": 1})
        assert response.status_code == 403, (method, name, response.status_code)
        assert "rådgivere" in _html(response) or "ikke adgang" in _html(response)
    assert PlanVersion.objects.filter(status=VersionStatus.DRAFT).count() == 1

    stranger = _ui(town.other_caseworker)
    for name, args in (("plan", ()), ("version", (1,)), ("letter", (1,)), ("draft", ()), ("review", ())):
        response = stranger.get(_url(name, team_case, *args))
        assert response.status_code == 404, (name, response.status_code)
        assert team_case.child.last_name not in _html(response)
    assert stranger.post(_url("draft_start", team_case)).status_code == 404


def test_a_role_without_case_work_is_refused_before_anything_is_read(town, open_case):
    response = _ui(town.dpo).get(_url("plan", open_case))
    assert response.status_code == 403


# -- writing --------------------------------------------------------------------------------------------


def test_a_caseworker_starts_the_plan_adds_goals_and_approves_it_through_the_pages(town, open_case):
    rikke = _ui(town.caseworker)
    response = rikke.post(_url("draft_start", open_case))
    assert response.status_code == 302 and response["Location"] == _url("draft", open_case)
    draft = PlanVersion.objects.get(plan__case=open_case)
    page = rikke.get(_url("draft", open_case))
    assert page.status_code == 200 and "Udkast til barnets plan, version 1" in _html(page)
    form = rikke.get(_url("goal_new", open_case))
    assert form.status_code == 200
    assert "Rikke Rådgiver" in _html(form)  # the team offered as responsible persons
    assert "Ungeplan" not in _html(form)  # the child is under 16: no youth areas to choose
    response = rikke.post(
        _url("goal_new", open_case), _goal_post(draft_version(draft), responsible_person=town.caseworker.pk)
    )
    assert response.status_code == 302
    goal = PlanGoal.objects.get(plan_version=draft)
    assert goal.measures == ["Skoleloop", "Morgenopkald"] and goal.responsible_person == town.caseworker
    edit = rikke.get(_url("goal_edit", open_case, goal.pk))
    assert edit.status_code == 200 and "Skoleloop\nMorgenopkald" in _html(edit)
    response = rikke.post(
        _url("goal_edit", open_case, goal.pk), _goal_post(draft_version(draft), text="Karla kommer i skole 4 dage")
    )
    assert response.status_code == 302
    response = rikke.post(
        _url("draft", open_case),
        {"version": draft_version(draft), "purpose": "Trivsel i skolen", "psychiatry_plan_date": "2026-02-03"},
    )
    assert response.status_code == 302
    response = rikke.post(_url("approve", open_case), {"version": draft_version(draft)})
    assert response.status_code == 302 and response["Location"] == _url("plan", open_case)
    page = _html(rikke.get(_url("plan", open_case)))
    assert "Godkendt plan, version 1" in page and "Karla kommer i skole 4 dage" in page
    assert "Brev til familien (PDF)" in page and "03.02.2026" in page
    assert _url("letter", open_case, 1) in page


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"text": ""}, "Skriv målet"),
        ({"life_area": ""}, "Vælg målets livsområde"),
        ({"life_area": "astrologi"}, "astrologi er ikke en af de tilgængelige valgmuligheder"),
        ({"administration": ""}, "Vælg den forvaltning"),
    ],
)
def test_a_bad_goal_is_shown_back_with_a_danish_message_and_nothing_saved(town, open_case, change, words):
    draft = services.plan_draft_start(actor=town.caseworker, case_id=open_case.pk)
    response = _ui(town.caseworker).post(_url("goal_new", open_case), _goal_post(draft_version(draft), **change))
    assert response.status_code == 400
    assert words in _html(response)
    assert "Der er noget, der skal rettes" in _html(response)
    assert not PlanGoal.objects.exists() and draft_version(draft) == 1


def test_a_stale_form_gets_a_409_with_the_reason_on_top(town, open_case):
    draft = services.plan_draft_start(actor=town.caseworker, case_id=open_case.pk)
    stale = draft_version(draft)
    services.plan_goal_save(actor=town.leader, case_id=open_case.pk, version=stale, goal=goal_in())
    response = _ui(town.caseworker).post(_url("goal_new", open_case), _goal_post(stale, text="Rikkes mål"))
    assert response.status_code == 409
    assert "ændret af en anden" in _html(response)
    assert list(PlanGoal.objects.values_list("text", flat=True)) == ["Karla kommer i skole hver dag"]
    response = _ui(town.caseworker).post(_url("approve", open_case), {"version": stale})
    assert response.status_code == 409 and "ændret af en anden" in _html(response)
    response = _ui(town.caseworker).post(_url("approve", open_case), {"version": "abc"})
    assert response.status_code == 400 and "Genindlæs siden" in _html(response)
    draft.refresh_from_db()
    assert draft.is_draft


def test_approving_an_empty_draft_says_what_to_do(town, open_case):
    draft = services.plan_draft_start(actor=town.caseworker, case_id=open_case.pk)
    response = _ui(town.caseworker).post(_url("approve", open_case), {"version": draft_version(draft)})
    assert response.status_code == 400
    assert "mindst ét mål" in _html(response)


def test_the_new_version_shows_what_changed_from_the_approved_one(town, open_case):
    v1 = approved_plan(town.caseworker, open_case)
    rikke = _ui(town.caseworker)
    assert rikke.post(_url("draft_start", open_case)).status_code == 302
    v2 = PlanVersion.objects.get(plan=v1.plan, number=2)
    school = v2.goals.get(life_area="learning")
    rikke.post(_url("goal_edit", open_case, school.pk), _goal_post(draft_version(v2), administration="SOF"))
    sleep = v2.goals.get(life_area="health")
    assert rikke.post(_url("goal_remove", open_case, sleep.pk), {"version": draft_version(v2)}).status_code == 302
    for page in (_html(rikke.get(_url("draft", open_case))), _html(rikke.get(_url("plan", open_case)))):
        assert "Ændringer i forhold til version 1" in page
        assert "Mål ændret" in page and "Mål fjernet" in page and "Karla sover mindst 9 timer" in page
        assert "Ansvarlig forvaltning" in page  # the field that changed, with before and after
    # The approved version itself is unchanged and has no edit buttons.
    version_page = _html(rikke.get(_url("version", open_case, 1)))
    assert "Karla sover mindst 9 timer" in version_page and "Ret målet" not in version_page


def test_a_review_through_the_page_and_its_refusals(town, open_case):
    v1 = approved_plan(town.caseworker, open_case)
    goals = list(v1.goals.order_by("position"))
    rikke = _ui(town.caseworker)
    form = rikke.get(_url("review", open_case))
    assert form.status_code == 200
    html = _html(form)
    assert all(g.text in html for g in goals) and "Ingen fremskridt" in html and "Forværret" in html
    base = {
        "submission_key": uuid.uuid4().hex,
        "next_review_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "next_review_reason": "Skoleskift efter sommerferien.",
    }
    # One goal not rated: the message sits next to that goal, and nothing is saved.
    response = rikke.post(_url("review", open_case), {**base, f"rating_{goals[0].pk}": "achieved"})
    assert response.status_code == 400
    assert "Vælg en vurdering af målet." in _html(response) and not PlanReview.objects.exists()
    ratings = {f"rating_{g.pk}": "progress" for g in goals}
    too_late = (timezone.localdate() + relativedelta(months=6, days=1)).isoformat()
    response = rikke.post(_url("review", open_case), {**base, **ratings, "next_review_on": too_late})
    assert response.status_code == 400 and "Datoen må højst ligge" in _html(response)
    response = rikke.post(_url("review", open_case), {**base, **ratings, "next_review_on": "2020-01-01"})
    assert response.status_code == 400 and "kan ikke ligge før i dag" in _html(response)
    assert not PlanReview.objects.exists()
    response = rikke.post(_url("review", open_case), {**base, **ratings, f"rating_note_{goals[0].pk}": "Fint"})
    assert response.status_code == 302
    page = _html(rikke.get(_url("plan", open_case)))
    assert "Fremskridt" in page and "Skoleskift efter sommerferien." in page and "Fint" in page
    again = rikke.post(_url("review", open_case), {**base, **ratings})  # the same form sent twice
    assert again.status_code == 409 and PlanReview.objects.count() == 1


def test_the_review_page_sends_you_back_when_there_is_no_approved_plan(town, open_case):
    response = _ui(town.caseworker).get(_url("review", open_case))
    assert response.status_code == 302 and response["Location"] == _url("plan", open_case)


def test_a_young_persons_goal_form_offers_the_youth_plans_areas(town, youth_case):
    services.plan_draft_start(actor=town.caseworker, case_id=youth_case.pk)
    rikke = _ui(town.caseworker)
    html = _html(rikke.get(_url("goal_new", youth_case)))
    assert "Ungeplan (fra 16 år)" in html and "Efterværn og ungestøtte" in html
    assert "Om ungeplanen" in _html(rikke.get(_url("draft", youth_case)))
    assert "planen har en ungeplan" in _html(rikke.get(_url("plan", youth_case)))


def test_every_page_look_is_audited_with_the_child(town, open_case):
    approved_plan(town.caseworker, open_case)
    rikke = _ui(town.caseworker)
    for name, args in (("plan", ()), ("version", (1,)), ("letter", (1,)), ("review", ())):
        response = rikke.get(_url(name, open_case, *args))
        assert response.status_code == 200
        events = AuditEvent.objects.filter(request_id=response["X-Request-ID"], actor=town.caseworker)
        action = AuditAction.DOWNLOAD if name == "letter" else AuditAction.VIEW
        assert events.filter(action=action, subjects__person_id=open_case.child_id).exists(), name


# -- query counts ---------------------------------------------------------------------------------------


def _count(client, url) -> int:
    audit.seal_pending()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _add_goals(town, case, draft, n):
    for i in range(n):
        services.plan_goal_save(
            actor=town.caseworker,
            case_id=case.pk,
            version=draft_version(draft),
            goal=goal_in(
                life_area=["health", "learning", "family"][i % 3],
                text=f"Mål nummer {i}",
                responsible_person=[town.caseworker, town.teacher, None][i % 3],
            ),
        )


def test_the_plan_pages_query_count_does_not_grow_with_the_number_of_goals(town, team_case):
    rikke = _ui(town.caseworker)
    v1 = approved_plan(town.caseworker, team_case, goal_in())
    services.plan_review_add(
        actor=town.caseworker,
        case_id=team_case.pk,
        data=services.ReviewIn(
            ratings=[services.RatingIn(g.pk, "progress") for g in v1.goals.all()],
            next_review_on=timezone.localdate() + timedelta(days=30),
            next_review_reason="Tjek efter en måned.",
        ),
    )
    draft = services.plan_draft_start(actor=town.caseworker, case_id=team_case.pk)
    _add_goals(town, team_case, draft, 2)
    urls = [_url("plan", team_case), _url("draft", team_case), _url("version", team_case, 2)]
    small = [_count(rikke, url) for url in urls]
    _add_goals(town, team_case, draft, 12)
    assert PlanGoal.objects.filter(plan_version=draft).count() == 15
    large = [_count(rikke, url) for url in urls]
    assert small == large
    assert "Mål nummer 11" in _html(rikke.get(_url("draft", team_case)))


def test_the_user_guide_is_listed_under_help(town):
    client = _ui(town.teacher)
    assert reverse("core:help_page", args=["planer"]) in _html(client.get(reverse("core:help")))
    page = client.get(reverse("core:help_page", args=["planer"]))
    assert page.status_code == 200
    assert "Brugervejledning: Barnets plan" in _html(page) and "Ungeplan fra 16 år" in _html(page)


def test_a_refused_edit_page_logs_no_look_at_the_child(town, team_case):
    approved_plan(town.caseworker, team_case)
    teacher = _ui(town.teacher)
    for name in ("draft", "review", "goal_new"):
        response = teacher.get(_url(name, team_case))
        assert response.status_code == 403
        assert not AuditEvent.objects.filter(
            request_id=response["X-Request-ID"], subjects__person_id=team_case.child_id
        ).exists(), name
