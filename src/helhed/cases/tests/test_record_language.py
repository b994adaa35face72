"""Texts stored in the case file are written in Danish even when the acting user works in English."""

from django.utils import translation

from helhed.cases import services
from helhed.cases.models import CaseStatusChange, TimelineEvent


def test_timeline_and_status_texts_are_stored_in_danish_for_an_english_user(town, child):
    with translation.override("en"):
        case = services.case_open(
            actor=town.caseworker,
            child=child,
            responsible_unit=town.investigation,
            responsible_caseworker=town.caseworker,
        )
        services.team_member_add(
            actor=town.caseworker, case_id=case.pk, user=town.school_social_worker, role="school_social_worker"
        )
    titles = list(TimelineEvent.objects.filter(case=case).order_by("id").values_list("title", flat=True))
    assert titles[0].startswith("Sag oprettet (")
    assert "er sat på teamet" in titles[1] and "Skolesocialrådgiver" in titles[1]
    assert CaseStatusChange.objects.get(case=case).reason == "Sagen er oprettet"


def test_error_messages_follow_the_users_language(town, open_case):
    import pytest

    from helhed.core.errors import HelhedError

    with translation.override("en"), pytest.raises(HelhedError) as exc:
        services.case_change_status(actor=town.caseworker, case_id=open_case.pk, to_status="closed", reason="")
    assert "reason" in str(exc.value.message).lower()
