"""Synthetic children's plans for the demo, written through the plans services (not in bulk): each plan is a
real approved version with its letter to the family, some have a review with the next review's deadline, and
some have a new draft whose changes show on the plan page. Young people of 16 or more get youth goals.

Call it after `helhed demo seed` (the generator is left untouched):

    HELHED_DEMO=1 helhed shell -c "from helhed.demo.plans_gen import seed_plans; print(seed_plans(limit=20))"

Every plan letter is a PDF made with WeasyPrint, so keep `limit` modest (a few tenths of a second each)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from helhed.cases.models import ACTIVE_STATUSES, Case
from helhed.cases.selectors import responsible_caseworker_of
from helhed.plans import policies, services
from helhed.plans.models import Plan

GOALS: dict[str, list[tuple[str, list[str], str, str]]] = {
    # life area: (goal, measures, responsible administration, how success is seen)
    "health": [
        ("{navn} sover mindst 9 timer om natten", ["Sundhedsplejerske besøger familien"], "BUF", "Søvnskema i 4 uger"),
        (
            "{navn} spiser morgenmad hver dag",
            ["Familiebehandling om morgenrutiner"],
            "SOF",
            "Skolen ser det i en måned",
        ),
    ],
    "learning": [
        ("{navn} kommer i skole hver dag", ["Skoleloop", "Morgenopkald fra kontaktlæreren"], "BUF", "Fravær under 5 %"),
        ("{navn} kan læse alderssvarende", ["Læsekursus med PPR"], "BUF", "Læsetest til sommer"),
    ],
    "development": [
        (
            "{navn} kan sige fra uden at slå",
            ["Kontaktperson en gang om ugen"],
            "SOF",
            "Færre konflikter i frikvarteret",
        ),
    ],
    "leisure": [
        (
            "{navn} går til en fritidsaktivitet",
            ["Fritidspas", "Følgeskab de første gange"],
            "BUF",
            "Går der i 3 måneder",
        ),
    ],
    "family": [
        ("{navn} ser sin far hver anden weekend", ["Samværsstøtte"], "SOF", "Samværet holdes som aftalt"),
        ("Familien har faste aftenrutiner", ["Familiebehandling i hjemmet"], "SOF", "Forældrene fortæller det"),
    ],
    "housing_economy": [
        ("Familien har en stabil bolig", ["Boligsocial rådgivning"], "SOF", "Ingen udsættelse i et år"),
    ],
    "youth_education": [
        ("{navn} starter på en erhvervsuddannelse", ["UU-vejledning", "Mentor"], "BUF", "Optaget og i gang"),
    ],
    "youth_employment": [
        ("{navn} har et fritidsjob", ["Jobcenterets ungeindsats"], "BIF", "Arbejder fast hver uge"),
    ],
    "youth_housing": [
        ("{navn} kan klare sig i egen bolig", ["Træning i budget og madlavning"], "SOF", "Bor selv med støtte"),
    ],
}
CHILD_WORDS = ["Jeg vil gerne.", "Det er svært, men jeg prøver.", "Jeg vil helst ikke.", "Det er fint."]
PARENT_WORDS = ["Vi bakker op om målet.", "Mor vil gerne have hjælp.", "Far er bekymret, men enig."]


@dataclass
class PlansResult:
    plans: int = 0
    versions: int = 0
    reviews: int = 0
    drafts: int = 0


def _goals(rng: random.Random, first_name: str, *, youth: bool) -> list[services.GoalIn]:
    areas = [a.code for a in policies.life_areas(youth=False) if a.code in GOALS]
    chosen = rng.sample(areas, k=rng.randint(2, 3))
    if youth:
        chosen += [rng.choice([a.code for a in policies.LIFE_AREAS if a.youth and a.code in GOALS])]
    out = []
    for code in chosen:
        text, measures, administration, success = rng.choice(GOALS[code])
        out.append(
            services.GoalIn(
                life_area=code,
                text=text.format(navn=first_name),
                administration=administration,
                measures=list(measures),
                success=success,
                child_view=rng.choice(CHILD_WORDS),
                parents_view=rng.choice(PARENT_WORDS),
            )
        )
    return out


def seed_plans(*, limit: int = 20, seed: int = 1) -> PlansResult:
    """Give up to `limit` open cases without a plan a synthetic, approved plan (synthetic children only)."""
    rng = random.Random(seed)
    result = PlansResult()
    cases = (
        Case.objects.filter(status__in=ACTIVE_STATUSES, child__synthetic=True)
        .exclude(id__in=Plan.objects.values("case_id"))
        .select_related("child")
        .order_by("id")[:limit]
    )
    today = timezone.localdate()
    for case in cases:
        actor = responsible_caseworker_of(case)
        if actor is None:
            continue
        youth = policies.youth_section_applies(case.child.birth_date, today)
        draft = services.plan_draft_start(actor=actor, case_id=case.pk)
        goals = _goals(rng, case.child.first_name, youth=youth)
        draft = services.plan_draft_save(
            actor=actor,
            case_id=case.pk,
            version=draft.version,
            fields=services.PlanFieldsIn(purpose=f"At {case.child.first_name} trives hjemme og i skolen."),
            goals=goals,
        )
        approved = services.plan_approve(actor=actor, case_id=case.pk, version=draft.version)
        result.plans += 1
        result.versions += 1
        if rng.random() < 0.5:
            services.plan_review_add(
                actor=actor,
                case_id=case.pk,
                data=services.ReviewIn(
                    ratings=[
                        services.RatingIn(goal_id=g.pk, rating=rng.choice(policies.RATINGS))
                        for g in approved.goals.all()
                    ],
                    next_review_on=today + timedelta(days=rng.choice([30, 60, 90, 120])),
                    next_review_reason="Aftalt med familien på opfølgningsmødet.",
                    note="Det går i den rigtige retning.",
                ),
            )
            result.reviews += 1
        if rng.random() < 0.3:
            second = services.plan_draft_start(actor=actor, case_id=case.pk)
            first_goal = second.goals.order_by("position").first()
            if first_goal is not None:
                services.plan_goal_save(
                    actor=actor,
                    case_id=case.pk,
                    version=second.version,
                    goal=services.GoalIn(
                        life_area=first_goal.life_area,
                        text=first_goal.text + " (justeret)",
                        administration=first_goal.administration,
                        measures=[*first_goal.measures, "Netværksmøde hver 3. måned"],
                        success=first_goal.success,
                        child_view=first_goal.child_view,
                        parents_view=first_goal.parents_view,
                    ),
                    goal_id=first_goal.pk,
                )
            result.drafts += 1
            result.versions += 1
    return result
