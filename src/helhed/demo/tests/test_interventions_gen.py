"""The demo's intervention catalogue, grants, waiting lists and budgets: bulk written, but as the services would
have left them."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.utils import timezone
from stdnum.dk import cvr as stdnum_cvr

from helhed.demo import generator
from helhed.demo.interventions_gen import FULL, seed_interventions
from helhed.demo.plans_gen import seed_plans
from helhed.interventions import policies, selectors, services
from helhed.interventions.models import (
    Budget,
    CostLine,
    Grant,
    GrantChangeKind,
    Offer,
    OfferKind,
    Provider,
    ProviderKind,
    Referral,
    ReferralStatus,
)
from helhed.organisation.models import Unit, UnitKind

FLEXIBLE_SCHOOL = {OfferKind.SKOLELOOP, OfferKind.SKOLEFLEX, OfferKind.TILBAGESLUTNING, OfferKind.SKOLEOPDATERING}


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path / "documents"  # the plans' letters


@pytest.mark.django_db
def test_demo_interventions_are_consistent_with_the_services():
    generator.seed(children=300, seed=4, notes_per_case=0, schools=4, reports_per_child=0)
    seed_plans(limit=4, seed=4)
    result = seed_interventions(limit=100, seed=4)
    today = timezone.localdate()

    # The catalogue: every flexible school intervention, close to the general school (step 3); the truancy
    # classes paid 50/50 and temporary; the programmes marked; external providers with valid CVR numbers.
    offers = list(Offer.objects.prefetch_related("funding__administration"))
    assert result.offers == len(offers) > 0
    assert {o.kind for o in offers} >= FLEXIBLE_SCHOOL
    assert {o.ladder_step for o in offers if o.kind in FLEXIBLE_SCHOOL} == {3}
    truancy = [o for o in offers if o.kind == OfferKind.TRUANCY_CLASS]
    assert len(truancy) == 2 and all(o.max_duration_months == 6 for o in truancy)
    assert all(
        sorted((f.administration.code, f.share) for f in o.funding.all()) == [("BUF", 50), ("SOF", 50)] for o in truancy
    )
    assert {o.code for o in offers if o.is_programme} == {"de-utrolige-aar", "multifunc"}
    externals = Provider.objects.filter(kind=ProviderKind.EXTERNAL)
    assert externals and all(stdnum_cvr.is_valid(p.cvr) for p in externals)

    # Grants: the cost lines are those services.write_cost_lines writes, and sum to the grant's total cost; the
    # funding is copied from the offer with the paying unit the service would choose.
    grants = list(Grant.objects.select_related("case__responsible_unit__parent", "offer").prefetch_related("funding"))
    assert result.grants == len(grants) > 50
    lines = defaultdict(list)
    for line in CostLine.objects.all():
        lines[line.grant_id].append((line.month, line.administration_id, line.unit_id, line.amount))
    offer_funding = {o.pk: {f.administration_id: f for f in o.funding.all()} for o in offers}
    for grant in grants:
        cost = policies.total_cost(
            price=grant.price, price_unit=grant.price_unit, units=grant.units, start=grant.start, end=grant.end
        )
        assert sum(a for *_rest, a in lines[grant.pk]) == cost
        for f in grant.funding.all():
            source = offer_funding[grant.offer_id][f.administration_id]
            assert f.share == source.share
            expected = services._paying_unit(grant.case, source.administration, source.paying_unit)
            assert f.paying_unit_id == (expected.pk if expected else None)
    for grant in grants[:40]:
        services.write_cost_lines(grant)
        rewritten = CostLine.objects.filter(grant=grant).values_list("month", "administration_id", "unit_id", "amount")
        assert sorted(rewritten) == sorted(lines[grant.pk])

    # No offer is over capacity on any day, and no child has two overlapping grants of one offer.
    by_offer = defaultdict(list)
    by_child = defaultdict(list)
    for grant in grants:
        by_offer[grant.offer_id].append((grant.start, grant.end))
        by_child[(grant.child_id, grant.offer_id)].append((grant.start, grant.end))
    for offer in offers:
        periods = by_offer[offer.pk]
        if offer.capacity and periods:
            first, last = min(p[0] for p in periods), max(p[1] for p in periods)
            assert policies.peak_occupancy(periods, first, last) <= offer.capacity
    for periods in by_child.values():
        assert len(periods) == 1 or policies.peak_occupancy(periods, min(periods)[0], max(p[1] for p in periods)) == 1

    # A full offer shows with its waiting list; a truancy class has a running grant near its maximum duration.
    rows = {r.offer.code: r for r in selectors.catalogue()}
    assert any(rows[code].full and rows[code].waiting for code in FULL if code in rows)
    assert result.waitlisted == Referral.objects.filter(status=ReferralStatus.WAITLISTED).count() > 0
    running = defaultdict(list)
    for grant in grants:
        if grant.offer.kind == OfferKind.TRUANCY_CLASS and grant.start <= today:
            running[grant.child_id].append((grant.start, grant.end))
    assert any(policies.near_max_duration(max_months=6, periods=p, today=today) for p in running.values())
    assert Grant.objects.filter(offer__kind=OfferKind.TRUANCY_CLASS).exclude(over_max_reason="").exists()

    # The history reads as the services write it: applied first, then each decision; refusals carry the complaint
    # guidance; a terminated grant has its change; applications serve the plans' goals.
    for referral in Referral.objects.prefetch_related("history"):
        steps = [(h.from_status, h.to_status) for h in referral.history.all()]
        assert steps[0] == ("", ReferralStatus.APPLIED) and steps[-1][1] == referral.status
        assert referral.version == len(steps)
    assert result.refused and not Referral.objects.filter(status=ReferralStatus.REFUSED, complaint_guidance="").exists()
    terminated = Grant.objects.filter(terminated=True)
    assert terminated.exists() and all(g.changes.filter(kind=GrantChangeKind.TERMINATE).exists() for g in terminated)
    assert Referral.objects.filter(goals__isnull=False, case__plan__isnull=False).exists()

    # This year's budgets: SOF, BUF and every family unit; one family unit slightly over, the rest in balance.
    year = today.year
    assert Budget.objects.filter(year=year, unit__isnull=True).count() == 2
    family_units = Unit.objects.filter(kind=UnitKind.FAMILY_UNIT)
    forecasts = [selectors.forecast(year=year, unit_id=u.pk) for u in family_units]
    assert all(f.budget is not None for f in forecasts)
    over = [f for f in forecasts if not f.in_balance]
    assert len(over) == 1 and over[0].used_share < 110
    assert selectors.forecast(year=year, administration="SOF").in_balance
    assert selectors.forecast(year=year, administration="BUF").in_balance
