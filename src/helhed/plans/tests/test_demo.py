"""The demo's plans (helhed.demo.plans_gen) are made through the services: approved with a letter, some reviewed
with their next deadline, some with a new draft; a young person's plan has a youth goal."""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from helhed.cases import services as case_services
from helhed.deadlines.models import Deadline
from helhed.demo.plans_gen import seed_plans
from helhed.plans.models import Plan, PlanReview, PlanVersion
from helhed.testing.factories import PersonFactory, synthetic_cpr


def test_seed_plans_gives_open_cases_approved_plans_through_the_services(town, open_case):
    young = PersonFactory(cpr=synthetic_cpr(timezone.localdate() - relativedelta(years=17)))
    youth_case = case_services.case_open(
        actor=town.caseworker, child=young, responsible_unit=town.investigation, responsible_caseworker=town.caseworker
    )
    result = seed_plans(limit=5, seed=3)
    assert result.plans == 2 and Plan.objects.count() == 2
    approved = PlanVersion.objects.filter(number=1)
    assert all(v.status == "approved" and v.letter_id and v.goals.count() >= 2 for v in approved)
    assert approved.get(plan__case=youth_case).goals.filter(life_area__startswith="youth_").exists()
    assert PlanReview.objects.count() == result.reviews
    assert Deadline.objects.filter(rule_id="plan.review").count() == result.reviews
    assert PlanVersion.objects.filter(status="draft").count() == result.drafts
    assert seed_plans(limit=5).plans == 0  # cases that have a plan are left alone
