"""Consent-checked sharing in real Chromium: the caseworker tries to share a note with a team that has a
teacher from the school; Helhed says why it cannot and keeps the text; she records the parents' consent on the
case's "Samtykke og deling" page; the note is then shared, and the teacher reads it. Every page passes axe-core."""

from __future__ import annotations

import pytest

from helhed.testing.browser import assert_accessible, login, logout

pytestmark = pytest.mark.browser


def test_sharing_waits_for_the_parents_consent(page, live_server, settings, town, open_case):
    from playwright.sync_api import expect

    from helhed.cases import services as case_services
    from helhed.cases.models import TeamRole
    from helhed.testing.sharing import custody_holder

    settings.DEMO_MODE = True
    mother = custody_holder(open_case.child, first_name="Mette", last_name="Mor")
    case_services.team_member_add(actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER)

    login(page, live_server, "rikke")
    page.goto(f"/sager/{open_case.pk}/journal/")
    page.get_by_label("Overskrift").fill("Samtale med mor om morgenerne")
    page.get_by_label("Tekst", exact=True).fill("Mor fortæller, at morgenerne er svære.")
    page.get_by_label("Del med sagens team").check()
    page.get_by_role("button", name="Gem notat").click()
    expect(page.get_by_text("Kan ikke deles med Nørrebro Skole (BUF)").first).to_be_visible()
    expect(page.get_by_label("Tekst", exact=True)).to_have_value("Mor fortæller, at morgenerne er svære.")
    assert_accessible(page, "journal with the sharing refusal")

    page.get_by_role("link", name="Samtykke og deling").first.click()
    expect(page.get_by_role("heading", name="Hvem på teamet får det delte at se")).to_be_visible()
    assert_accessible(page, "sharing page")
    page.get_by_label(mother.full_name).check()
    page.get_by_label("Givet den").fill(str(open_case.opened_at.date()))
    page.get_by_label("Børne- og Ungdomsforvaltningen").check()
    page.get_by_label("Journalnotater").check()
    page.get_by_label("Formål").fill("Skolen og socialforvaltningen samarbejder om morgenerne.")
    page.get_by_role("button", name="Registrér samtykket").click()
    expect(page.get_by_text("Samtykket er registreret.")).to_be_visible()

    page.goto(f"/sager/{open_case.pk}/journal/")
    page.get_by_label("Overskrift").fill("Samtale med mor om morgenerne")
    page.get_by_label("Tekst", exact=True).fill("Mor fortæller, at morgenerne er svære.")
    page.get_by_label("Del med sagens team").check()
    page.get_by_role("button", name="Gem notat").click()
    expect(page.get_by_text("Journalnotatet er gemt.")).to_be_visible()
    page.goto(f"/sager/{open_case.pk}/samtykke/")
    expect(page.get_by_role("cell", name="Samtykke af", exact=False)).to_be_visible()
    logout(page)

    login(page, live_server, "lotte")
    page.goto(f"/sager/{open_case.pk}/")
    expect(page.get_by_text("Samtale med mor om morgenerne").first).to_be_visible()
    assert_accessible(page, "the teacher's case page")
