"""Helpers that build a plan through the services (no shortcuts around them)."""

from __future__ import annotations

from helhed.plans import services
from helhed.plans.services import GoalIn


def goal_in(**kw) -> GoalIn:
    base = {
        "life_area": "learning",
        "text": "Karla kommer i skole hver dag",
        "administration": "BUF",
        "measures": ["Skoleloop", "Morgenopkald fra kontaktlæreren"],
        "success": "Fravær under 5 % over en måned",
        "child_view": "Jeg vil gerne være sammen med de andre.",
        "parents_view": "Mor ønsker hjælp til morgenerne.",
    }
    base.update(kw)
    return GoalIn(**base)


def draft_version(draft) -> int:
    draft.refresh_from_db()
    return draft.version


def approved_plan(actor, case, *goals: GoalIn):
    """A plan whose first version is approved with the given goals (default: two goals)."""
    draft = services.plan_draft_start(actor=actor, case_id=case.pk)
    for goal in goals or (goal_in(), goal_in(life_area="health", text="Karla sover mindst 9 timer", measures=[])):
        services.plan_goal_save(actor=actor, case_id=case.pk, version=draft_version(draft), goal=goal)
    return services.plan_approve(actor=actor, case_id=case.pk, version=draft_version(draft))
