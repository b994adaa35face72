"""The catalogue's services against a real database: applications, decisions with letters, capacity and the
waiting list, the maximum duration, changes and terminations, budgets and the forecast; bad input refused with a
Danish message and nothing saved; two leaders granting the last place at once."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from helhed.cases.models import CaseStatus, Document, TimelineEvent
from helhed.cases.services import case_change_status, team_member_add
from helhed.core.errors import Conflict, Forbidden, HelhedError
from helhed.core.models import AuditEvent
from helhed.interventions import policies, selectors, services
from helhed.interventions.models import (
    Budget,
    CostLine,
    Grant,
    GrantChange,
    Offer,
    OfferFunding,
    Provider,
    Referral,
    ReferralStatusChange,
)
from helhed.organisation.models import Role
from helhed.testing.factories import staff

from .conftest import END, START, another_case, apply, decide, expected_start_after, offer_in, referral_in


def _state():
    return (
        Offer.objects.count(),
        OfferFunding.objects.count(),
        Provider.objects.count(),
        Referral.objects.count(),
        ReferralStatusChange.objects.count(),
        Grant.objects.count(),
        GrantChange.objects.count(),
        CostLine.objects.count(),
        Budget.objects.count(),
        Document.objects.count(),
        sorted(Grant.objects.values_list("end", "units")),
        sorted(Referral.objects.values_list("status", flat=True)),
    )


def _refused(call, field=None, status=400):
    before = _state()
    with pytest.raises(HelhedError) as err:
        call()
    assert err.value.status_code == status
    if field:
        assert err.value.field == field
    assert _state() == before
    return err.value


# -- the catalogue --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, field",
    [
        ({"price": None}, "price"),
        ({"price": "-1"}, "price"),
        ({"price": "12,345"}, "price"),
        ({"capacity": "-3"}, "capacity"),
        ({"capacity": "0"}, "capacity"),
        ({"capacity": "to"}, "capacity"),
        ({"price_unit": "week"}, "price_unit"),
        ({"kind": "witchcraft"}, "kind"),
        ({"ladder_step": 9}, "ladder_step"),
        ({"code": "Skole Flex"}, "code"),
        ({"name": " "}, "name"),
        ({"legal_basis": ""}, "legal_basis"),
        ({"age_min": 16, "age_max": 6}, "age_max"),
        ({"active_from": None}, "active_from"),
        ({"active_to": date(2025, 1, 1)}, "active_to"),
        ({"max_duration_months": 0}, "max_duration_months"),
        ({"funding": []}, "funding"),
        ({"funding": [services.FundingIn("SOF", 60), services.FundingIn("BUF", 50)]}, "funding"),
        ({"funding": [services.FundingIn("SOF", 50), services.FundingIn("SOF", 50)]}, "funding"),
        ({"funding": [services.FundingIn("XYZ", 100)]}, "funding"),
        ({"provider_id": 99999}, "provider_id"),
    ],
)
def test_bad_offers_are_refused_with_nothing_saved(town, provider, change, field):
    err = _refused(lambda: services.offer_create(actor=town.administrator, data=offer_in(provider, **change)), field)
    assert str(err.message)


def test_an_offer_keeps_its_code_unique_and_its_edits_versioned(town, provider, offer):
    _refused(lambda: services.offer_create(actor=town.administrator, data=offer_in(provider)), "code")
    updated = services.offer_update(
        actor=town.leader, offer_id=offer.pk, data=offer_in(provider, capacity=3, price="13000"), version=1
    )
    assert (updated.capacity, updated.price, updated.version) == (3, Decimal("13000.00"), 2)
    with pytest.raises(Conflict):
        services.offer_update(actor=town.leader, offer_id=offer.pk, data=offer_in(provider), version=1)


def test_providers_internal_needs_a_unit_external_a_valid_cvr(town):
    _refused(
        lambda: services.provider_create(
            actor=town.administrator, data=services.ProviderIn("X", "external", cvr="123")
        ),
        "cvr",
    )
    _refused(
        lambda: services.provider_create(actor=town.administrator, data=services.ProviderIn("X", "internal")), "unit_id"
    )
    made = services.provider_create(
        actor=town.administrator, data=services.ProviderIn("Opdigtet Behandling ApS", "external", cvr="1358 5628")
    )
    assert made.cvr == "13585628" and made.unit is None
    _refused(
        lambda: services.provider_create(
            actor=town.administrator, data=services.ProviderIn("Igen", "external", cvr="13585628")
        ),
        "cvr",
    )


# -- applying -------------------------------------------------------------------------------------------


def test_apply_links_plan_goals_and_writes_history_timeline_and_audit(town, open_case, offer):
    from helhed.plans import services as plan_services

    draft = plan_services.plan_draft_start(actor=town.caseworker, case_id=open_case.pk)
    goal = plan_services.plan_goal_save(
        actor=town.caseworker,
        case_id=open_case.pk,
        version=draft.version,
        goal=plan_services.GoalIn(life_area="learning", text="Karla går i skole hver dag.", administration="BUF"),
    )
    referral = apply(town, open_case, offer, goal_ids=[goal.pk])
    assert list(referral.goals.all()) == [goal]
    assert referral.status == "applied" and referral.child_id == open_case.child_id
    assert referral.history.get().to_status == "applied"
    assert TimelineEvent.objects.filter(case=open_case, kind="referral_applied").exists()
    assert AuditEvent.objects.filter(object_type="interventions.referral", action="create").exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"requested_end": date(2026, 11, 30)}, "requested_end"),
        ({"requested_start": None}, "requested_start"),
        ({"offer_id": 424242}, "offer_id"),
        ({"offer_id": "x"}, "offer_id"),
        ({"units": 0}, "units"),
        ({"units": "mange"}, "units"),
        ({"reason": "  "}, "reason"),
        ({"goal_ids": [987654]}, "goal_ids"),
        ({"requested_start": date(2025, 6, 1), "requested_end": date(2025, 7, 1)}, "requested_start"),
    ],
)
def test_bad_applications_are_refused_with_nothing_saved(town, open_case, offer, change, field):
    _refused(lambda: apply(town, open_case, offer, **change), field)


def test_an_overlapping_application_for_the_same_offer_is_refused(town, open_case, offer):
    apply(town, open_case, offer)
    err = _refused(lambda: apply(town, open_case, offer, requested_start=date(2027, 3, 1)), "requested_start")
    assert "åben ansøgning" in str(err.message)


def test_access_to_applying(town, open_case, offer):
    team_member_add(actor=town.caseworker, case_id=open_case.pk, user=town.teacher, unit=town.school, role="teacher")
    with pytest.raises(Forbidden):
        services.referral_apply(actor=town.teacher, case_id=open_case.pk, data=referral_in(offer))
    from django.http import Http404

    with pytest.raises(Http404):
        services.referral_apply(actor=town.other_caseworker, case_id=open_case.pk, data=referral_in(offer))
    case_change_status(actor=town.caseworker, case_id=open_case.pk, to_status=CaseStatus.CLOSED, reason="Afsluttet")
    # A closed case's journal is read-only, and so is applying from it.
    with pytest.raises(Forbidden):
        apply(town, open_case, offer)


# -- deciding -------------------------------------------------------------------------------------------


def test_grant_fixes_the_price_splits_the_cost_and_files_a_letter(town, open_case, offer):
    referral = decide(town, apply(town, open_case, offer), note="Skoleflex passer til Karla.")
    grant = referral.grant
    assert (grant.start, grant.end, grant.price, grant.price_unit) == (START, END, Decimal("12000.00"), "month")
    funding = {f.administration.code: f.paying_unit for f in grant.funding.all()}
    # SOF's share is carried by the family unit of the case's group; BUF's by its common budget.
    assert funding == {"SOF": town.family_unit, "BUF": None}
    lines = CostLine.objects.filter(grant=grant)
    assert lines.count() == 12  # six months, two administrations
    assert sum(line.amount for line in lines) == Decimal("72000.00")
    assert sum(line.amount for line in lines.filter(administration__code="SOF")) == Decimal("36000.00")
    # A later price change does not touch what was granted.
    services.offer_update(actor=town.leader, offer_id=offer.pk, data=offer_in(offer.provider, price="99999"))
    grant.refresh_from_db()
    assert grant.price == Decimal("12000.00")
    letter = Document.objects.get(pk=referral.letter_id)
    assert letter.case_id == open_case.pk and letter.kind == "letter" and "bevilget" in letter.title
    assert referral.history.last().to_status == "granted"
    assert TimelineEvent.objects.filter(case=open_case, kind="referral_granted").exists()


def test_only_a_leader_of_the_case_unit_decides(town, open_case, offer):
    from django.http import Http404

    referral = apply(town, open_case, offer)
    with pytest.raises(Forbidden):
        decide(town, referral, actor=town.caseworker)
    with pytest.raises(Http404):
        decide(town, referral, actor=town.other_leader)
    assert Referral.objects.get(pk=referral.pk).status == "applied"


def test_refusal_needs_reasons_and_carries_the_complaint_guidance(town, open_case, offer):
    referral = apply(town, open_case, offer)
    _refused(lambda: decide(town, referral, "refuse"), "note")
    refused = decide(town, referral, "refuse", note="Karlas behov dækkes bedre af en kontaktperson.")
    assert refused.status == "refused"
    assert "Ankestyrelsen" in refused.complaint_guidance
    assert not Grant.objects.exists()
    with pytest.raises(Conflict):
        decide(town, refused)


def test_a_full_offer_refuses_the_grant_and_offers_the_waiting_list(town, open_case, offer):
    decide(town, apply(town, open_case, offer))
    second = apply(town, another_case(town), offer)
    err = _refused(lambda: decide(town, second), status=409)
    assert err.code == "full" and "venteliste" in str(err.message)
    waiting = decide(town, second, "waitlist")
    assert waiting.status == "waitlisted" and waiting.waitlisted_at is not None
    # The place frees the day after the running grant ends.
    assert waiting.expected_start == expected_start_after(END, START)
    assert selectors.waiting_queue(offer) == [waiting.pk]
    # From the waiting list: granted for a period after the running grant.
    granted = decide(town, waiting, start=date(2027, 6, 1), end=date(2027, 8, 31))
    assert granted.status == "granted" and granted.grant.start == date(2027, 6, 1)


def test_the_waiting_list_is_served_in_order_unless_a_reason_is_given(town, open_case, offer):
    decide(town, apply(town, open_case, offer))
    first = decide(town, apply(town, another_case(town, "Bo"), offer), "waitlist")
    second = decide(town, apply(town, another_case(town, "Cai"), offer), "waitlist")
    assert selectors.waiting_queue(offer) == [first.pk, second.pk]
    later = {"start": date(2027, 6, 1), "end": date(2027, 7, 31)}
    err = _refused(lambda: decide(town, second, **later), "skip_queue_reason")
    assert "står før" in str(err.message)
    granted = decide(
        town, second, note="Bevilget.", skip_queue_reason="Cai skifter skole til sommer og skal starte nu.", **later
    )
    assert granted.status == "granted" and selectors.waiting_queue(offer) == [first.pk]
    # The reason for passing the queue is kept with the decision and its history.
    assert granted.decision_note == "Bevilget.\n\nCai skifter skole til sommer og skal starte nu."
    assert granted.history.last().note == granted.decision_note


def test_an_overlapping_grant_of_the_same_offer_is_refused(town, open_case, provider):
    roomy = services.offer_create(actor=town.administrator, data=offer_in(provider, code="flex-2", capacity=5))
    decide(town, apply(town, open_case, roomy))
    referral = apply(town, open_case, roomy, requested_start=date(2027, 6, 1), requested_end=date(2027, 8, 31))
    _refused(lambda: decide(town, referral, start=date(2027, 5, 1)), "start")


def test_the_maximum_duration_needs_a_reason_to_pass(town, open_case, provider):
    truancy = services.offer_create(
        actor=town.administrator,
        data=offer_in(provider, code="skulk", kind="truancy_class", capacity=8, max_duration_months=6),
    )
    decide(town, apply(town, open_case, truancy, requested_start=date(2027, 1, 1), requested_end=date(2027, 4, 30)))
    more = apply(town, open_case, truancy, requested_start=date(2027, 5, 1), requested_end=date(2027, 8, 31))
    err = _refused(lambda: decide(town, more), "over_max_reason")
    assert "midlertidigt" in str(err.message)
    granted = decide(town, more, over_max_reason="Eksamen i juni; varig skoleplads fra august er aftalt.")
    assert granted.grant.over_max_reason.startswith("Eksamen")


# -- changes and terminations ---------------------------------------------------------------------------


def test_change_and_terminate_rewrite_the_cost_and_keep_history(town, open_case, offer):
    grant = decide(town, apply(town, open_case, offer)).grant
    changed = services.grant_change(
        actor=town.leader,
        grant_id=grant.pk,
        data=services.GrantChangeIn(end=date(2027, 2, 28), units="0.5", reason="Halv tid fra nu."),
        version=grant.version,
    )
    assert sum(c.amount for c in CostLine.objects.filter(grant=changed)) == Decimal("18000.00")  # 3 months × 6000
    _refused(
        lambda: services.grant_terminate(
            actor=town.leader,
            grant_id=grant.pk,
            data=services.GrantEndIn(last_day=date(2027, 3, 31), reason="x"),
        ),
        "last_day",
    )
    ended = services.grant_terminate(
        actor=town.leader,
        grant_id=grant.pk,
        data=services.GrantEndIn(last_day=date(2026, 12, 31), reason="Karla er tilbage i sin klasse."),
        version=changed.version,
    )
    assert ended.terminated and ended.end == date(2026, 12, 31)
    assert sum(c.amount for c in CostLine.objects.filter(grant=ended)) == Decimal("6000.00")
    kinds = list(ended.changes.values_list("kind", flat=True))
    assert kinds == ["change", "terminate"]
    assert all(c.letter_id for c in ended.changes.all())
    with pytest.raises(Conflict):
        services.grant_terminate(
            actor=town.leader, grant_id=grant.pk, data=services.GrantEndIn(last_day=date(2026, 12, 31), reason="x")
        )
    with pytest.raises(Forbidden):
        services.grant_change(
            actor=town.caseworker,
            grant_id=grant.pk,
            data=services.GrantChangeIn(end=date(2027, 1, 31), reason="x"),
        )


def test_extending_into_a_full_period_is_refused(town, open_case, offer):
    grant = decide(town, apply(town, open_case, offer, requested_end=date(2026, 12, 31))).grant
    other = apply(town, another_case(town), offer, requested_start=date(2027, 1, 1), requested_end=date(2027, 3, 31))
    decide(town, other)
    err = _refused(
        lambda: services.grant_change(
            actor=town.leader,
            grant_id=grant.pk,
            data=services.GrantChangeIn(end=date(2027, 1, 31), reason="Forlænges en måned."),
        ),
        status=409,
    )
    assert err.code == "full"


def test_withdraw_an_open_application(town, open_case, offer):
    referral = apply(town, open_case, offer)
    _refused(lambda: services.referral_withdraw(actor=town.caseworker, referral_id=referral.pk, reason=""), "reason")
    withdrawn = services.referral_withdraw(actor=town.caseworker, referral_id=referral.pk, reason="Familien flytter.")
    assert withdrawn.status == "withdrawn"
    with pytest.raises(Conflict):
        services.referral_withdraw(actor=town.caseworker, referral_id=referral.pk, reason="igen")


# -- budgets and the forecast ---------------------------------------------------------------------------


def test_budget_and_forecast_in_balance(town, open_case, offer):
    decide(town, apply(town, open_case, offer))
    _refused(lambda: services.budget_set(actor=town.leader, data=services.BudgetIn("SOF", 2027, "-5")), "amount")
    _refused(
        lambda: services.budget_set(
            actor=town.leader, data=services.BudgetIn("BUF", 2027, 1, unit_id=town.family_unit.pk)
        ),
        "unit_id",
    )
    budget = services.budget_set(actor=town.leader, data=services.BudgetIn("SOF", 2027, "40000"))
    again = services.budget_set(actor=town.leader, data=services.BudgetIn("SOF", 2027, "25000"), version=budget.version)
    assert again.pk == budget.pk and again.amount == Decimal("25000")
    result = selectors.forecast(year=2027, administration="SOF")
    # January to May 2027: five months of SOF's half of 12,000 kr.
    assert result.total == Decimal("30000.00")
    assert [m.committed for m in result.months][:6] == [Decimal("6000.00")] * 5 + [Decimal(0)]
    assert result.in_balance is False and result.balance == Decimal("-5000.00")
    unit = selectors.forecast(year=2027, unit_id=town.family_unit.pk)
    assert unit.total == Decimal("30000.00") and unit.budget is None
    assert selectors.forecast(year=2027, administration="BUF").total == Decimal("30000.00")
    everyone = selectors.forecast(year=2027)
    assert everyone.total == Decimal("60000.00")
    assert [(code, total) for code, _name, total in everyone.by_administration] == [
        ("BUF", Decimal("30000.00")),
        ("SOF", Decimal("30000.00")),
    ]


def test_reports_count_children_close_to_the_general_school(town, open_case, offer, provider):
    placement = services.offer_create(
        actor=town.administrator,
        data=offer_in(
            provider, code="dag", kind="day_treatment", ladder_step=5, capacity=None, price_unit="day", price="1500"
        ),
    )
    decide(town, apply(town, open_case, offer))
    decide(town, apply(town, another_case(town), placement))
    report = selectors.reports(year=2027, on=date(2027, 1, 15))
    assert (report.children_with_grants, report.children_close_to_general) == (2, 1)
    assert report.close_share == Decimal("50.0")
    steps = {s.number: v for s, v in report.cost_by_step}
    assert steps[3] == Decimal("60000.00") and steps[5] == policies.total_cost(
        price=Decimal(1500), price_unit="day", units=Decimal(1), start=date(2027, 1, 1), end=END
    )


# -- two leaders, the last place ------------------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the test database on SQLite is in memory with a shared cache, where a second writer fails at once "
    "instead of waiting; CI runs this on PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_two_leaders_granting_the_last_place_at_once_exactly_one_wins(town, open_case, offer):
    second_leader = staff("lone", Role.LEADER, town.family_unit, first_name="Lone", last_name="Leder")
    first = apply(town, open_case, offer)
    second = apply(town, another_case(town), offer)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def grant(name, actor, referral):
        try:
            barrier.wait(timeout=10)
            services.referral_decide(actor=actor, referral_id=referral.pk, data=services.DecisionIn(outcome="grant"))
            outcomes[name] = "granted"
        except Conflict as err:
            outcomes[name] = err.code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=grant, args=("lene", town.leader, first)),
        threading.Thread(target=grant, args=("lone", second_leader, second)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["full", "granted"]
    assert Grant.objects.filter(offer=offer).count() == 1


def test_the_stored_complaint_guidance_is_danish_whatever_the_ui_language(town, open_case, offer):
    from django.utils import translation

    referral = apply(town, open_case, offer)
    with translation.override("en"):
        refused = decide(town, referral, "refuse", note="Behovet dækkes af en kontaktperson.")
    assert refused.complaint_guidance.startswith("Du kan klage over afgørelsen")
