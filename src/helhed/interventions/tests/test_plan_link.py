"""A plan goal shows the offers applied for or granted to serve it, to the readers of the journal only."""

from __future__ import annotations

from django.urls import reverse

from helhed.cases.services import team_member_add
from helhed.plans import services as plan_services
from helhed.testing.sharing import give_consent

from .conftest import apply, decide


def test_the_plan_page_shows_the_offers_linked_to_a_goal(client, town, open_case, offer):
    give_consent(open_case, town.caseworker)  # the teacher (BUF) may see the approved plan
    draft = plan_services.plan_draft_start(actor=town.caseworker, case_id=open_case.pk)
    goal = plan_services.plan_goal_save(
        actor=town.caseworker,
        case_id=open_case.pk,
        version=draft.version,
        goal=plan_services.GoalIn(life_area="learning", text="Karla går i skole hver dag.", administration="BUF"),
    )
    draft.refresh_from_db()
    plan_services.plan_approve(actor=town.caseworker, case_id=open_case.pk, version=draft.version)
    decide(town, apply(town, open_case, offer, goal_ids=[goal.pk]))
    client.force_login(town.caseworker)
    page = client.get(reverse("plans:plan", args=[open_case.pk])).content.decode()
    assert "Tilbud fra tilbudsviften" in page and "Skoleflex Nord (bevilget)" in page
    team_member_add(actor=town.caseworker, case_id=open_case.pk, user=town.teacher, unit=town.school, role="teacher")
    client.force_login(town.teacher)
    page = client.get(reverse("plans:plan", args=[open_case.pk])).content.decode()
    assert "Karla går i skole hver dag." in page
    assert "Skoleflex Nord" not in page
