"""Fixtures of the intervention tests: a provider, a skoleflex offer with one place paid 50/50 by SOF and BUF,
and helpers to apply for it from a case and decide the application."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from helhed.cases import services as case_services
from helhed.interventions import services
from helhed.testing.factories import PersonFactory

START = date(2026, 12, 1)
END = date(2027, 5, 31)


def expected_start_after(end, requested_start):
    """The waiting list's expected start for the first in line behind one running grant that ends on `end`: the day
    after it ends while it still runs, otherwise today (never before the requested start)."""
    from django.utils import timezone

    today = timezone.localdate()
    return max(end + timedelta(days=1) if end >= today else today, requested_start)


def offer_in(provider, **kw) -> services.OfferIn:
    data = {
        "code": "skoleflex-nord",
        "name": "Skoleflex Nord",
        "kind": "skoleflex",
        "provider_id": provider.pk,
        "legal_basis": "Barnets lov § 32, stk. 1, nr. 3",
        "ladder_step": 3,
        "price": "12000.00",
        "price_unit": "month",
        "active_from": date(2026, 1, 1),
        "capacity": 1,
        "age_min": 6,
        "age_max": 16,
        "max_duration_months": 12,
        "funding": [services.FundingIn("SOF", 50), services.FundingIn("BUF", 50)],
    }
    data.update(kw)
    return services.OfferIn(**data)


@pytest.fixture
def provider(town):
    return services.provider_create(
        actor=town.administrator,
        data=services.ProviderIn(name="Nørrebro Skole", kind="internal", unit_id=town.school.pk),
    )


@pytest.fixture
def offer(town, provider):
    return services.offer_create(actor=town.administrator, data=offer_in(provider))


def referral_in(offer, **kw) -> services.ReferralIn:
    data = {
        "offer_id": offer.pk,
        "requested_start": START,
        "requested_end": END,
        "reason": "Karla har brug for et fleksibelt skoleforløb for at blive i almenskolen.",
        "units": 1,
    }
    data.update(kw)
    return services.ReferralIn(**data)


def apply(town, case, offer, **kw):
    return services.referral_apply(actor=town.caseworker, case_id=case.pk, data=referral_in(offer, **kw))


def decide(town, referral, outcome="grant", actor=None, **kw):
    return services.referral_decide(
        actor=actor or town.leader, referral_id=referral.pk, data=services.DecisionIn(outcome=outcome, **kw)
    )


def another_case(town, first_name="Bo"):
    child = PersonFactory(first_name=first_name, last_name="Andersen")
    return case_services.case_open(
        actor=town.caseworker, child=child, responsible_unit=town.investigation, responsible_caseworker=town.caseworker
    )


__all__ = [
    "Decimal",
    "START",
    "END",
    "expected_start_after",
    "offer_in",
    "referral_in",
    "apply",
    "decide",
    "another_case",
]
