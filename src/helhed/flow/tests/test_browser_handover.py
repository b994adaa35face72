"""Journey 2 of issue 4 in real Chromium: the caseworker in the investigation group hands the case to the action
group — proposes the handover with the checklist, plans the handover meeting with the child and the parents; after
the meeting the family unit's leader takes the case in with a caseworker of the action group, who is then the
responsible caseworker and the parents' contact. Every page passes axe-core."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helhed.testing.browser import assert_accessible, login, logout

pytestmark = pytest.mark.browser


def test_a_handover_from_the_investigation_group_to_the_action_group(
    page, live_server, settings, town, open_case, tmp_path
):
    from playwright.sync_api import expect

    from helhed.cases.models import TeamMember
    from helhed.flow import services as flow_services
    from helhed.meetings import services as meeting_services
    from helhed.meetings.models import Meeting

    settings.DEMO_MODE = True
    settings.DOCUMENT_ROOT = tmp_path / "documents"
    flow_services.stage_set(
        actor=town.caseworker, case_id=open_case.pk, stage="family_unit.investigation", reason="Ny sag"
    )

    login(page, live_server, "rikke")
    page.goto(f"/sager/{open_case.pk}/")
    page.get_by_role("link", name="Forløb", exact=True).click()
    expect(page.get_by_role("heading", name="Overdrag sagen")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Trin sagen skal til").select_option("family_unit.action")
    page.get_by_label("Modtagende enhed").select_option(label=town.action.name)
    page.get_by_label("Hvorfor skal sagen overdrages").fill(
        "Undersøgelsen er færdig; familien skal have familiebehandling."
    )
    for item in (
        "Den seneste børnefaglige undersøgelse eller vurdering er ajour",
        "Barnets plan er aktuel og følger med",
        "Netværket er beskrevet",
    ):
        page.get_by_label(item, exact=False).check()
    page.get_by_role("button", name="Foreslå overdragelsen").click()
    expect(page.get_by_text("Overdragelsen er foreslået.")).to_be_visible()
    expect(page.get_by_text("Barnets egne ord og syn på overdragelsen er skrevet ned")).to_have_count(
        2
    )  # missing + form
    page.get_by_label("Barnets egne ord og syn på overdragelsen er skrevet ned").check()
    page.get_by_role("button", name="Gem tjeklisten").click()
    expect(page.get_by_text("Alle punkter er på plads.")).to_be_visible()

    day = timezone.localdate() + timedelta(days=3)
    page.get_by_label("Dato").fill(day.isoformat())
    page.get_by_label("Fra kl.").fill("13:00")
    page.get_by_label("Til kl.").fill("14:00")
    page.get_by_label("Sted").fill("BFE Nord, mødelokale 1")
    page.get_by_label("Barnet deltager (navn)").fill(open_case.child.first_name)
    page.get_by_label("Forælder (navn)", exact=True).fill("Mette Mor")
    page.get_by_role("button", name="Planlæg mødet og send invitationer").click()
    expect(page.get_by_text("Overdragelsesmødet er planlagt")).to_be_visible()
    assert_accessible(page)
    logout(page)

    # The meeting takes place (moved to the past for the test) and is marked held by the caseworker.
    meeting = Meeting.objects.get(kind="handover")
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(minutes=30))
    meeting_services.meeting_hold(actor=town.caseworker, meeting_id=meeting.pk)

    login(page, live_server, "lene")
    page.goto(f"/sager/{open_case.pk}/forloeb/")
    page.get_by_role("link", name=f"Overdragelse til {town.action.name}", exact=False).click()
    expect(page.get_by_role("heading", name="Tag imod sagen")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Ny ansvarlig rådgiver og forældrenes kontaktperson").select_option(label="Rasmus Rådgiversen")
    page.get_by_role("button", name="Tag imod sagen").click()
    expect(page.get_by_text("Sagen er modtaget.")).to_be_visible()
    page.get_by_role("link", name="Team", exact=True).click()
    expect(page.get_by_role("row").filter(has_text="Rasmus Rådgiversen")).to_contain_text("Ansvarlig rådgiver")
    expect(page.get_by_role("row").filter(has_text="Rasmus Rådgiversen")).to_contain_text("forældrenes kontakt")
    assert_accessible(page)

    open_case.refresh_from_db()
    assert open_case.responsible_unit == town.action
    assert TeamMember.objects.filter(case=open_case, valid_to__isnull=True, role="responsible_caseworker").count() == 1
