"""The report-of-concern journey in real Chromium: a school social worker files a report; the reception
assesses it; the receipt PDF exists; the new deadline appears on the caseworker's 'Mine frister'; an acute
abuse report from the public form shows its checklist. axe-core on every page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helhed.testing.browser import assert_accessible, login, logout
from helhed.testing.factories import PersonFactory, synthetic_cpr

pytestmark = pytest.mark.browser


@pytest.fixture
def known_child(town, settings, tmp_path):
    from helhed.cases import services

    settings.DOCUMENT_ROOT = tmp_path / "documents"
    cpr = synthetic_cpr()
    child = PersonFactory(first_name="Frida", last_name="Journeysen", cpr=cpr)
    case = services.case_open(
        actor=town.caseworker, child=child, responsible_unit=town.investigation, responsible_caseworker=town.caseworker
    )
    return {"cpr": cpr, "case": case, "child": child}


def test_report_reception_receipt_and_mine_frister(page, live_server, town, known_child):
    from playwright.sync_api import expect

    # The school social worker reports from inside Helhed.
    login(page, live_server, "sofie")
    page.get_by_role("link", name="Underret", exact=True).first.click()
    expect(page.get_by_role("heading", name="Underret om et barn")).to_be_visible()
    assert_accessible(page, "report form")
    page.get_by_label("Barnets CPR-nummer").fill(known_child["cpr"])
    page.get_by_label("Hvad har du set og hørt?").fill(
        "Frida har været fraværende 14 dage denne måned og siger, at hun passer sin lillebror."
    )
    # First without a category: a Danish message, and nothing is saved.
    page.get_by_role("button", name="Send underretningen").click()
    expect(page.get_by_role("alert").first).to_contain_text("kategori")
    page.get_by_label("Skolefravær").check()
    page.get_by_label("Omsorgssvigt").check()
    page.get_by_role("button", name="Send underretningen").click()
    expect(page.get_by_role("heading", name="Tak for din underretning")).to_be_visible()
    reference = page.locator("#concern-reference").inner_text()
    assert reference.startswith("U-")
    assert_accessible(page, "receipt page")
    logout(page)

    # The reception (the caseworker of the child's case) sees it with its 24-hour clock and assesses it.
    login(page, live_server, "rikke")
    page.get_by_role("link", name="Modtagelsen", exact=True).first.click()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Skolefravær")
    expect(row).to_contain_text("t")  # hours left on the clock
    assert_accessible(page, "reception list")
    row.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", name=f"Underretning {reference}")).to_be_visible()
    expect(page.get_by_text("Vurdering af underretningen inden for 24 timer")).to_be_visible()
    page.get_by_role("button", name="Tag underretningen").click()
    page.get_by_label("Nej", exact=True).first.check()  # not in acute danger
    page.get_by_label("Beslutning").select_option("child_assessment")
    page.get_by_label("Begrundelse").fill("Langvarigt fravær og tegn på, at Frida passer sin lillebror.")
    page.get_by_label("Forældrene er orienteret om underretningen").check()
    page.get_by_role("button", name="Gem vurderingen").click()
    expect(page.locator("body")).to_contain_text("Børnefaglig undersøgelse (§ 20)")
    assert_accessible(page, "assessed report")

    # The receipt PDF: made (no e-mail address on file), and it is a real PDF.
    page.get_by_role("button", name="Lav kvittering").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Kvittering (PDF)").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    # The child assessment's 4-month deadline is on the caseworker's 'Mine frister', with its paragraph.
    page.get_by_role("link", name="Mine frister", exact=True).first.click()
    table = page.get_by_role("table")
    expect(table).to_contain_text("Børnefaglig undersøgelse")
    expect(table).to_contain_text("§ 20")
    expect(table).to_contain_text("Tilbagemelding til den faglige underretter")
    assert_accessible(page, "mine frister")
    logout(page)


def test_acute_abuse_report_from_the_public_form_shows_its_checklist(page, live_server, town):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/underret/")
    expect(page.get_by_text("Er et barn i akut fare, så ring 112.")).to_be_visible()
    assert_accessible(page, "public form")
    page.get_by_label("Anonym").check()
    page.get_by_label("Barnets fornavn").fill("Nora")
    page.get_by_label("Barnets adresse").fill("Testvej 3, 2200 København N")
    page.get_by_label("Hvad har du set og hørt?").fill("Nora har fortalt min datter, at en voksen rører ved hende.")
    page.get_by_label("Seksuelle overgreb").check()
    page.get_by_role("button", name="Send underretningen").click()
    expect(page.get_by_role("heading", name="Tak")).to_be_visible()
    assert_accessible(page, "public thanks")

    login(page, live_server, "rikke")
    page.goto(f"{live_server.url}/underretninger/modtagelse/")
    row = page.get_by_role("row").filter(has_text="Nora")
    expect(row).to_contain_text("Akut spor")
    row.get_by_role("link").first.click()
    checklist = page.get_by_role("region", name="Akut spor: vold eller seksuelle overgreb")
    expect(checklist).to_contain_text("Politiet er kontaktet")
    expect(checklist).to_contain_text("BL § 124")
    assert_accessible(page, "acute report")
    checklist.get_by_role("button", name=re.compile(r"Kryds af.*Nærmeste leder er orienteret")).click()
    expect(page.get_by_role("region", name="Akut spor: vold eller seksuelle overgreb")).to_contain_text("Gjort")
