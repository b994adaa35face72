"""The demo's consents and disclosures: professionals of other administrations see the shared notes of the
cases whose parents consented, and the disclosures read as the services would have written them."""

from __future__ import annotations

import pytest

from helhed.cases import selectors as case_selectors
from helhed.cases.gatekeeper import case_for
from helhed.cases.models import ACTIVE_STATUSES, Case, JournalNote, TeamMember, TeamRole
from helhed.consent import selectors as consent_selectors
from helhed.consent.models import Consent, Disclosure
from helhed.demo import generator
from helhed.demo.consent_gen import seed_consents


@pytest.mark.django_db
def test_demo_consents_make_the_shared_notes_reach_the_professionals_they_cover():
    generator.seed(children=200, seed=5, notes_per_case=6, schools=4)
    result = seed_consents(seed=5)
    assert result.consents == Consent.objects.count() > 0
    assert result.disclosures == Disclosure.objects.count() > 0
    consent = Consent.objects.prefetch_related("given_by").first()
    case = consent.case
    assert {p.pk for p in consent.given_by.all()} == consent_selectors.holder_ids(case)
    member = (
        TeamMember.objects.filter(case=case, valid_to__isnull=True)
        .exclude(role=TeamRole.RESPONSIBLE_CASEWORKER)
        .exclude(unit__administration__code=case.responsible_unit.administration.code)
        .select_related("user")
        .first()
    )
    access = case_for(member.user, case.pk, audit_action=None)
    seen = {n.pk for n in case_selectors.case_journal(access)}
    assert seen == set(JournalNote.objects.filter(case=case, shared_with_team=True).values_list("pk", flat=True))
    # A consent covers what it disclosed, so nothing waits for its units.
    assert not consent_selectors.pending_for(case, consent_selectors.recipients(case))
    # Some cases have no consent: what their teams share waits on the sharing page for a consent or a basis.
    without = Case.objects.filter(status__in=ACTIVE_STATUSES, consents__isnull=True, journal__shared_with_team=True)
    assert any(consent_selectors.pending_for(c, consent_selectors.recipients(c)) for c in without.distinct())


@pytest.mark.django_db
def test_demo_counselling_courses_are_anonymous_and_readable_by_the_counsellor():
    from helhed.counselling.models import AnonymousCounselling, CounsellingContact
    from helhed.counselling.policies import identity_problem
    from helhed.demo.counselling_gen import seed_counselling

    generator.seed(children=40, seed=2, notes_per_case=0, schools=2)
    result = seed_counselling(limit=8, seed=2)
    assert result.courses == AnonymousCounselling.objects.count() == 8
    assert result.contacts == CounsellingContact.objects.count() >= 8
    texts = [c.pseudonym for c in AnonymousCounselling.objects.all()] + [
        c.summary for c in CounsellingContact.objects.all()
    ]
    assert not [t for t in texts if identity_problem(t)]
