"""Screening and class review in real Chromium: a teacher at a pilot school screens a pupil, sees what each answer
counts, and records her own judgement and next step; the school social worker goes through the class with the
team, marks a pupil for a meeting with the parents, completes the review and books the meeting. axe-core on every
page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from helhed.testing.browser import assert_accessible, login, logout

from .conftest import GRADE

pytestmark = pytest.mark.browser


def _answer(page, question: str, answer: str) -> None:
    page.get_by_role("group", name=re.compile(question)).get_by_label(answer, exact=True).check()


def test_a_pupil_is_screened_and_a_class_review_step_becomes_a_meeting(page, live_server, school):
    from playwright.sync_api import expect

    from helhed.detection.models import FollowUpMeeting
    from helhed.screening.models import Screening

    town = school.town
    pupil = school.pupils[1]  # Bo Eng

    # The teacher screens Bo.
    login(page, live_server, "lotte")
    page.goto("/screening/")
    expect(page.get_by_role("heading", name="Screening", exact=True)).to_be_visible()
    assert_accessible(page, "screening list")
    page.get_by_role("link", name="Ny screening").click()
    page.get_by_label("Klasse", exact=True).select_option(f"{town.school.pk}|{GRADE}")
    page.get_by_role("button", name="Vis spørgsmålene").click()
    expect(page.get_by_text("Eksempel: vægtene er ikke fastsat af kommunen")).to_be_visible()
    expect(page.get_by_text("Folkeskolelovens § 1")).to_be_visible()
    assert_accessible(page, "new screening")
    page.get_by_label("Elev", exact=True).select_option(str(pupil.pk))
    _answer(page, "bekymrende fravær", "Ja")
    _answer(page, "begyndt at ryge", "Ja")
    _answer(page, "ryger hash", "Nej, ikke så vidt jeg ved")
    _answer(page, "konflikt", "Nogle gange")
    # Without the family question the score cannot be computed: the page says which question is missing.
    page.get_by_role("button", name="Beregn score").click()
    expect(page.get_by_role("alert").first).to_contain_text("Spørgsmål 5 er ikke besvaret")
    _answer(page, "forhold i familien", "Ja")
    page.get_by_role("button", name="Beregn score").click()
    expect(page.locator("#score-total")).to_contain_text("8")
    expect(page.locator("#score-band")).to_have_text("Høj")
    assert_accessible(page, "screening preview")
    # Saving without a judgement is refused; the score alone is not a judgement.
    page.get_by_role("button", name="Gem screeningen").click()
    expect(page.get_by_role("alert").first).to_contain_text("Skriv din egen faglige vurdering")
    assert not Screening.objects.exists()
    page.get_by_label("Din faglige vurdering").fill("Bo virker presset. Jeg taler med hans forældre.")
    page.get_by_label("Samtale med forældre").check()
    page.get_by_role("button", name="Gem screeningen").click()
    expect(page.get_by_text("Screeningen er gemt med din vurdering og dit næste skridt.")).to_be_visible()
    table = page.locator("#contributions")
    for text, weight in (("bekymrende fravær", "3"), ("begyndt at ryge", "2"), ("hash", "0"), ("konflikt", "1")):
        expect(table.get_by_role("row", name=re.compile(text))).to_contain_text(weight)
    expect(page.locator("#judgement")).to_have_text("Bo virker presset. Jeg taler med hans forældre.")
    expect(page.locator("#next-step")).to_contain_text("Samtale med forældre")
    assert_accessible(page, "screening")
    assert Screening.objects.get().person == pupil
    logout(page)

    # The school social worker reviews the class with the team.
    login(page, live_server, "sofie")
    page.goto("/klassegennemgang/")
    assert_accessible(page, "class reviews")
    page.get_by_role("link", name="Ny klassegennemgang").click()
    page.get_by_label("Klasse", exact=True).select_option(f"{town.school.pk}|{GRADE}")
    page.get_by_label("Deltagere og fælles aftaler (frivilligt)").fill("Lotte (lærer), Sofie, Petra (PPR)")
    assert_accessible(page, "new class review")
    page.get_by_role("button", name="Start gennemgangen").click()
    expect(page.get_by_text("Klassegennemgangen er oprettet.")).to_be_visible()
    page.get_by_label("Bekymring for Bo Eng").select_option("some")
    page.get_by_label("Næste skridt for Bo Eng").select_option("parent_meeting")
    page.get_by_label("Note om Bo Eng").fill("Fravær og konflikter")
    assert_accessible(page, "class review, marking")
    page.get_by_role("button", name="Gem markeringerne").click()
    expect(page.get_by_text("Markeringerne er gemt.")).to_be_visible()
    page.get_by_role("button", name="Afslut klassegennemgangen").click()
    expect(page.locator("#review-status")).to_have_text("Afsluttet")
    assert_accessible(page, "class review, completed")
    page.get_by_role("link", name="Aftal møde om Bo Eng").click()
    day = timezone.localdate() + timedelta(days=3)
    page.get_by_label("Dato").fill(day.isoformat())
    page.get_by_label("Fra kl.").fill("08:30")
    page.get_by_label("Til kl.").fill("09:15")
    page.get_by_label("Forældre, der inviteres (frivilligt)").fill("Bos mor og far")
    page.get_by_label("Lotte Lærer").check()
    assert_accessible(page, "meeting form")
    page.get_by_role("button", name="Aftal mødet").click()
    expect(page.get_by_text("Mødet med forældrene er aftalt.")).to_be_visible()
    expect(page.locator("#steps").get_by_role("row", name=re.compile("Bo Eng"))).to_contain_text(
        f"Møde {day:%d.%m.%Y} 08:30"
    )
    assert_accessible(page, "class review with the meeting")
    meeting = FollowUpMeeting.objects.get()
    assert (meeting.person, meeting.origin) == (pupil, "class_review")
    assert set(meeting.staff.values_list("username", flat=True)) == {"sofie", "lotte"}
