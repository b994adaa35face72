"""Journey 1 of issue 4 in real Chromium: the Aftaleforum chair schedules a meeting on a child's case with a
parent, a teacher and the caseworker, writes the minutes (one point for professionals only) and records two
binding decisions; the teacher logs in and finds her task; the parent's copy of the minutes (a PDF) leaves out
what she may not read. Every page passes axe-core."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from helhed.cases import services as case_services
from helhed.cases.models import TeamRole
from helhed.testing.browser import assert_accessible, login, logout

pytestmark = pytest.mark.browser


def test_the_chair_holds_aftaleforum_and_the_teacher_finds_her_task(
    page, live_server, settings, town, open_case, tmp_path
):
    from playwright.sync_api import expect
    from pypdf import PdfReader

    settings.DEMO_MODE = True  # no second factor for the leader in the browser
    settings.DOCUMENT_ROOT = tmp_path / "documents"
    case_services.team_member_add(actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER)
    day = timezone.localdate() + timedelta(days=4)

    login(page, live_server, "lene")
    page.goto(f"/sager/{open_case.pk}/")
    page.get_by_role("link", name="Møder", exact=True).click()
    expect(page.get_by_role("heading", name="Planlæg et møde")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Slags møde").select_option("aftaleforum")
    page.get_by_label("Dato").fill(day.isoformat())
    page.get_by_label("Fra kl.").fill("09:00")
    page.get_by_label("Til kl.").fill("10:00")
    page.get_by_label("Sted").fill("Nørrebro Rådhus, mødelokale 2")
    page.get_by_label("Dagsorden").fill("1. Skolegang\n2. Støtte i klassen")
    page.get_by_label("Rikke Rådgiver").check()
    page.get_by_label(town.teacher.get_full_name()).check()
    page.locator("#id_ext-0-kind").select_option("parent")
    page.locator("#id_ext-0-name").fill("Mette Mor")
    page.locator("#id_ext-0-role").fill("mor")
    page.get_by_role("button", name="Planlæg mødet og send invitationer").click()

    expect(page.get_by_text("Mødet er planlagt, og deltagerne er inviteret.")).to_be_visible()
    expect(page.get_by_role("cell", name="Mette Mor", exact=True)).to_be_visible()
    expect(page.get_by_text("brev på sagen")).to_be_visible()
    assert_accessible(page)

    page.locator("#id_minutes-title").fill("Skolegang")
    page.locator("#id_minutes-body").fill("Barnet kommer i skole hver dag nu.")
    page.get_by_role("button", name="Tilføj punktet").click()
    expect(page.get_by_text("Punktet er tilføjet referatet.")).to_be_visible()
    page.locator("#id_minutes-title").fill("Skolens observationer")
    page.locator("#id_minutes-body").fill("Lærerne ser tegn på mistrivsel i frikvartererne.")
    page.get_by_label("Hvem må læse punktet").select_option("professionals")
    page.get_by_role("button", name="Tilføj punktet").click()

    for text, owner in (
        ("Skolen sætter en ekstra voksen i klassen", town.teacher.get_full_name()),
        ("Familien tilbydes familiebehandling", "Rikke Rådgiver"),
    ):
        page.get_by_label("Beslutning", exact=True).fill(text)
        page.get_by_label("Ansvarlig person").select_option(label=owner)
        page.get_by_label("Frist").fill((day + timedelta(days=14)).isoformat())
        page.get_by_role("button", name="Gem beslutningen").click()
        expect(page.get_by_text("Beslutningen er gemt")).to_be_visible()
    expect(page.get_by_role("cell", name="bindende Skolen sætter en ekstra voksen i klassen")).to_be_visible()
    assert_accessible(page)

    # The parent's copy of the minutes: the professionals' point is left out.
    parent_row = page.get_by_role("row").filter(has_text="Mette Mor")
    with page.expect_download() as download:
        parent_row.get_by_role("link", name="Deltagerens udgave (PDF)").click()
    pdf = download.value.path().read_bytes()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Barnet kommer i skole hver dag nu" in text and "Skolen sætter en ekstra voksen" in text
    assert "mistrivsel" not in text and "udeladt" in text

    page.goto("/aftaleforum/")
    expect(page.get_by_role("heading", name="Aftaleforum", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=open_case.child.full_name, exact=False)).to_be_visible()
    assert_accessible(page)
    logout(page)

    login(page, live_server, "lotte")
    page.get_by_role("link", name="Opgaver og møder").first.click()
    expect(page.get_by_role("heading", name="Mine opgaver")).to_be_visible()
    expect(page.get_by_text("Skolen sætter en ekstra voksen i klassen")).to_be_visible()
    expect(page.get_by_text("Familien tilbydes familiebehandling")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("button", name="Marker som udført").click()
    expect(page.get_by_text("Opgaven er opdateret.")).to_be_visible()
    expect(page.get_by_text("Du har ingen åbne opgaver.")).to_be_visible()


def test_the_caseworker_marks_a_meeting_held_and_sends_the_minutes(
    page, live_server, settings, town, open_case, tmp_path
):
    from playwright.sync_api import expect

    from helhed.meetings import services
    from helhed.meetings.models import Meeting

    settings.DOCUMENT_ROOT = tmp_path / "documents"
    start = timezone.now() + timedelta(days=1)
    meeting = services.meeting_schedule(
        actor=town.caseworker,
        case_id=open_case.pk,
        data=services.MeetingIn(
            kind="network",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            location="Skolen",
            externals=[services.ExternalIn(kind="parent", name="Mette Mor", role="mor")],
        ),
    )
    services.minutes_add(actor=town.caseworker, meeting_id=meeting.pk, title="Skolegang", body="Godt i gang.")
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(minutes=10))

    login(page, live_server, "rikke")
    page.goto(f"/moeder/{meeting.pk}/")
    page.get_by_role("button", name="Marker mødet som afholdt").click()
    expect(page.get_by_text("Mødet er markeret som afholdt.")).to_be_visible()
    page.get_by_role("button", name="Send referatet").click()
    expect(page.get_by_text("Referatet er lagt på sagen.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Dokumenter", exact=True).click()
    expect(page.get_by_text("Referat af netværksmøde", exact=False).first).to_be_visible()
    expect(page.get_by_text("til Mette Mor", exact=False)).to_be_visible()
