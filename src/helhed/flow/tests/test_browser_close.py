"""The two endings not walked by the journeys, in real Chromium: the caseworker cancels a coming meeting (first
without a reason, which is refused with a Danish message and leaves the meeting planned), and withdraws a
proposed handover (first without a reason, likewise); the receiving leaders leave the team again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helhed.testing.browser import assert_accessible, login

pytestmark = pytest.mark.browser


def test_the_caseworker_cancels_a_meeting_and_withdraws_a_handover(
    page, live_server, settings, town, open_case, tmp_path
):
    from playwright.sync_api import expect

    from helhed.cases.models import TeamMember
    from helhed.flow import services as flow_services
    from helhed.flow.models import Handover
    from helhed.meetings import services as meeting_services
    from helhed.meetings.models import Meeting

    settings.DEMO_MODE = True
    settings.DOCUMENT_ROOT = tmp_path / "documents"
    start = timezone.now() + timedelta(days=2)
    meeting = meeting_services.meeting_schedule(
        actor=town.caseworker,
        case_id=open_case.pk,
        data=meeting_services.MeetingIn(
            kind="network", starts_at=start, ends_at=start + timedelta(hours=1), location="Skolen"
        ),
    )
    flow_services.stage_set(
        actor=town.caseworker, case_id=open_case.pk, stage="family_unit.investigation", reason="Ny sag"
    )
    handover = flow_services.handover_propose(
        actor=town.caseworker,
        case_id=open_case.pk,
        to_unit_id=town.other_family_unit.pk,
        to_stage="family_unit.action",
        reason="Familien er flyttet til Syd.",
    )
    assert TeamMember.objects.filter(case=open_case, user=town.other_leader, valid_to__isnull=True).exists()

    login(page, live_server, "rikke")
    page.goto(f"/moeder/{meeting.pk}/")
    page.get_by_role("button", name="Aflys mødet").click()
    expect(page.get_by_text("Ret felterne markeret nedenfor.")).to_be_visible()
    expect(page.get_by_text("Dette felt er påkrævet.").first).to_be_visible()
    assert Meeting.objects.get(pk=meeting.pk).status == "planned"
    page.get_by_label("Hvorfor aflyses mødet").fill("Mor er syg; vi finder en ny dato.")
    page.get_by_role("button", name="Aflys mødet").click()
    expect(page.get_by_text("Mødet er aflyst.", exact=False)).to_be_visible()
    assert_accessible(page, "the cancelled meeting")
    assert Meeting.objects.get(pk=meeting.pk).status == "cancelled"

    page.goto(f"/overdragelser/{handover.pk}/")
    page.get_by_role("button", name="Træk tilbage").click()
    expect(page.get_by_text("Dette felt er påkrævet.").first).to_be_visible()
    assert Handover.objects.get(pk=handover.pk).status == "proposed"
    page.get_by_label("Begrundelse").fill("Familien bliver alligevel boende.")
    page.get_by_role("button", name="Træk tilbage").click()
    expect(page.get_by_text("Overdragelsen er afsluttet.")).to_be_visible()
    assert_accessible(page, "the withdrawn handover")
    assert Handover.objects.get(pk=handover.pk).status == "withdrawn"
    assert not TeamMember.objects.filter(case=open_case, user=town.other_leader, valid_to__isnull=True).exists()
