"""Early detection in real Chromium: the administrator imports the school's absence file and runs the evaluation,
which flags a pupil with six school days of unauthorised absence in a row; the school social worker finds the
alert, reads why it came, takes it and books the meeting with the parents, inviting the class teacher; the
meeting is on both their 'Mine møder' and the deadline for it on the school social worker's 'Mine frister'. A file
with a bad line is refused first, with its line number. axe-core on every page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helhed.testing.browser import assert_accessible, login, logout

from .conftest import HEADER, INSTITUTION, full_file_lines, last_school_day, make_pupil, school_days_before

pytestmark = pytest.mark.browser


def test_an_import_flags_a_pupil_and_the_school_social_worker_books_the_parent_meeting(
    page, live_server, settings, town, school, tmp_path
):
    from playwright.sync_api import expect

    from helhed.detection.models import AbsenceAlert, AbsenceDay, FollowUpMeeting

    settings.DEMO_MODE = True  # no second factor for the administrator in the browser
    settings.DOCUMENT_ROOT = tmp_path / "documents"
    pupil = make_pupil(school)
    calm = make_pupil(school)
    days = school_days_before(last_school_day(), 15)
    absent = {(0, d): ("ulovligt", "1") for d in days[-6:]}
    absent[(1, days[2])] = ("sygdom", "1")
    good = tmp_path / "fravaer-uge.csv"
    good.write_text("\n".join([HEADER, *full_file_lines([pupil, calm], days, absent=absent)]) + "\n")
    bad = tmp_path / "fravaer-fejl.csv"
    bad.write_text(f"{HEADER}\n{pupil.cpr};{INSTITUTION};{days[0].isoformat()};sygdom;1\n{pupil.cpr};999999;x;y;1\n")

    # The administrator imports: a bad file first (refused, line 3 named), then the real one.
    login(page, live_server, "ada")
    page.get_by_role("link", name="Tidlig opsporing", exact=True).first.click()
    expect(page.get_by_role("heading", name="Import af skolefravær")).to_be_visible()
    assert_accessible(page, "import page")
    page.get_by_label("Fraværsfil").set_input_files(str(bad))
    page.get_by_role("button", name="Importér filen").click()
    expect(page.get_by_text("Afvist: intet importeret").first).to_be_visible()
    expect(page.get_by_role("cell", name="Ukendt skole: institutionsnummer 999999", exact=False)).to_be_visible()
    assert not AbsenceDay.objects.exists()
    assert_accessible(page, "rejected import")
    page.get_by_role("link", name="Alle importer").click()
    page.get_by_label("Fraværsfil").set_input_files(str(good))
    page.get_by_role("button", name="Importér filen").click()
    expect(page.get_by_text("Importeret: 30 linjer, 2 elever, 1 skoler.")).to_be_visible()
    page.get_by_role("link", name="Alle importer").click()
    page.get_by_role("button", name="Kør vurderingen nu").click()
    expect(page.get_by_text("1 elever har bekymrende fravær; 1 nye alarmer.")).to_be_visible()
    logout(page)

    # The school social worker finds the alert and the numbers behind it.
    login(page, live_server, "sofie")
    page.get_by_role("link", name="Tidlig opsporing", exact=True).first.click()
    expect(page.get_by_role("heading", name="Fraværsalarmer")).to_be_visible()
    assert_accessible(page, "alerts")
    expect(page.get_by_text(calm.person.full_name)).to_have_count(0)
    page.get_by_role("link", name=pupil.person.full_name).click()
    expect(page.get_by_text("6 skoledage i træk med ulovligt fravær (grænse 5).").first).to_be_visible()
    assert_accessible(page, "alert")
    page.get_by_role("button", name="Tag alarmen").click()
    expect(page.get_by_text("Du har taget alarmen.")).to_be_visible()

    # Booking without a place is refused in Danish; then the meeting is booked with the class teacher.
    day = timezone.localdate() + timedelta(days=3)
    page.get_by_label("Dato").fill(day.isoformat())
    page.get_by_label("Fra kl.").fill("14:00")
    page.get_by_label("Til kl.").fill("15:00")
    page.get_by_role("button", name="Book mødet").click()
    expect(page.get_by_role("alert").filter(has_text="Sted").first).to_be_visible()
    assert not FollowUpMeeting.objects.exists()
    assert_accessible(page, "booking with errors")
    page.get_by_label("Sted").fill("Skolens mødelokale")
    page.get_by_label("Forældre der inviteres").fill("Elevens mor og far")
    page.get_by_label("Lotte Lærer").check()
    page.get_by_role("button", name="Book mødet").click()
    expect(page.get_by_text("Mødet med forældrene er booket")).to_be_visible()
    expect(page.get_by_text("Møde med forældrene aftalt").first).to_be_visible()
    alert = AbsenceAlert.objects.get()
    assert alert.status == "meeting_booked"

    # On the school social worker's deadline list and calendar.
    page.goto(f"{live_server.url}/frister/")
    expect(page.get_by_text("Møde med forældrene om bekymrende fravær")).to_be_visible()
    expect(page.get_by_role("link", name=pupil.person.full_name)).to_be_visible()
    assert_accessible(page, "my deadlines")
    page.goto(f"{live_server.url}/moeder/")
    expect(page.get_by_role("link", name="Møde med forældrene om skolefravær")).to_be_visible()
    logout(page)

    # And on the class teacher's calendar.
    login(page, live_server, "lotte")
    page.goto(f"{live_server.url}/moeder/")
    expect(page.get_by_role("link", name="Møde med forældrene om skolefravær")).to_be_visible()
    assert_accessible(page, "teacher's meetings")
    page.get_by_role("link", name="Møde med forældrene om skolefravær").click()
    expect(page.get_by_text("Skolens mødelokale")).to_be_visible()
    expect(page.get_by_text(day.strftime("%d.%m.%Y"), exact=False)).to_be_visible()
    assert_accessible(page, "meeting")
