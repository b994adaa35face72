"""More case work in real Chromium: documents (including a disguised file), closing and reopening a case,
creating a person with a bad CPR number, and a caseworker outside the case using break-the-glass."""

from __future__ import annotations

from pathlib import Path

import pytest

from helhed.testing.browser import assert_accessible, login, logout
from helhed.testing.factories import PersonFactory, synthetic_cpr

pytestmark = pytest.mark.browser

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def work(town, settings, tmp_path):
    from helhed.cases import services

    settings.DOCUMENT_ROOT = tmp_path / "documents"
    cpr = synthetic_cpr()
    child = PersonFactory(first_name="Vilma", last_name="Dokumentsen", cpr=cpr)
    case = services.case_open(
        actor=town.caseworker, child=child, responsible_unit=town.investigation, responsible_caseworker=town.caseworker
    )
    return {"cpr": cpr, "case": case}


def test_documents_status_and_bad_input(page, live_server, town, work, tmp_path):
    from playwright.sync_api import expect

    case = work["case"]
    login(page, live_server, "rikke")
    page.goto(f"{live_server.url}/sager/{case.pk}/dokumenter/")
    expect(page.get_by_role("heading", name="Tilføj dokument")).to_be_visible()

    # A program renamed to .pdf is refused with a Danish message and nothing is stored.
    fake = tmp_path / "udtalelse.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)
    page.get_by_label("Titel").fill("Falsk udtalelse")
    page.get_by_label("Dokumenttype").select_option("statement")
    page.get_by_label("Fil", exact=True).set_input_files(str(fake))
    page.get_by_role("button", name="Gem dokument").click()
    expect(page.get_by_role("alert").first).to_contain_text("Filens indhold passer ikke til filtypen .pdf")
    expect(page.get_by_role("table", name="Sagens dokumenter")).to_contain_text("Ingen dokumenter")
    assert_accessible(page, "documents with an error")

    # A real PDF is stored and can be downloaded again.
    real = tmp_path / "skoleudtalelse.pdf"
    real.write_bytes(MINIMAL_PDF)
    page.get_by_label("Titel").fill("Skoleudtalelse")
    page.get_by_label("Dokumenttype").select_option("statement")
    page.get_by_label("Fil", exact=True).set_input_files(str(real))
    page.get_by_role("button", name="Gem dokument").click()
    expect(page.get_by_text("Dokumentet er gemt.")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Skoleudtalelse").click()
    assert download.value.suggested_filename == "skoleudtalelse.pdf"
    assert Path(download.value.path()).read_bytes() == MINIMAL_PDF

    # Closing without a reason is refused; with a reason the case closes; then it is reopened.
    page.goto(f"{live_server.url}/sager/{case.pk}/")
    page.get_by_label("Ny status").select_option("closed")
    page.get_by_role("button", name="Skift status").click()
    expect(page.get_by_role("alert").first).to_contain_text("begrundelse")
    page.get_by_label("Ny status").select_option("closed")
    page.get_by_label("Begrundelse").fill("Indsatsen er afsluttet efter aftale med familien.")
    page.get_by_role("button", name="Skift status").click()
    expect(page.get_by_text("Sagens status er ændret.")).to_be_visible()
    expect(page.locator("dl.case-summary")).to_contain_text("Lukket")
    page.get_by_label("Ny status").select_option("reopened")
    page.get_by_label("Begrundelse").fill("Ny henvendelse fra skolen.")
    page.get_by_role("button", name="Skift status").click()
    expect(page.locator("dl.case-summary")).to_contain_text("Genåbnet")
    assert_accessible(page, "case page after reopening")

    # Creating a person with an impossible CPR date gets a clear Danish answer.
    page.goto(f"{live_server.url}/personer/ny/")
    page.get_by_label("Fornavn(e)").fill("Test")
    page.get_by_label("Efternavn").fill("Fejlsen")
    page.get_by_role("textbox", name="CPR-nummer (frivilligt)").fill("310299-1234")
    page.get_by_role("button", name="Opret person").click()
    expect(page.get_by_role("alert").first).to_contain_text("ikke en gyldig dato")
    assert_accessible(page, "person form with an error")


def test_break_the_glass_from_search(page, live_server, town, work):
    from playwright.sync_api import expect

    case = work["case"]
    login(page, live_server, "olga")  # a caseworker in another family unit
    page.goto(f"{live_server.url}/sager/{case.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Siden findes ikke")

    page.goto(f"{live_server.url}/soeg/")
    page.get_by_label("Søg på navn, CPR-nummer eller journalnummer").fill(work["cpr"])
    page.get_by_role("button", name="Søg").last.click()
    results = page.get_by_role("table", name="Personer der matcher søgningen")
    expect(results).to_contain_text("Sag uden for din adgang")
    results.get_by_role("link", name="nødadgang").click()

    page.get_by_role("button", name="Åbn sagen med nødadgang").click()
    expect(page.get_by_role("alert").first).to_contain_text("påkrævet")
    page.get_by_label("Begrundelse for nødadgang").fill("Akut")
    page.get_by_role("button", name="Åbn sagen med nødadgang").click()
    expect(page.get_by_role("alert").first).to_contain_text("mindst 10 tegn")
    assert_accessible(page, "break the glass form")
    page.get_by_label("Begrundelse for nødadgang").fill("Akut henvendelse fra politiet uden for åbningstid.")
    page.get_by_role("button", name="Åbn sagen med nødadgang").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vilma Dokumentsen")
    expect(page.get_by_text("Du ser sagen med nødadgang")).to_be_visible()
    # Read-only: no status form, no journal form.
    expect(page.get_by_role("button", name="Skift status")).to_have_count(0)
    page.get_by_role("link", name="Journal").click()
    expect(page.get_by_role("heading", name="Nyt journalnotat")).to_have_count(0)
    logout(page)

    # The data protection officer sees the emergency access with its reason.
    from helhed.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="break_glass", actor=town.other_caseworker, case_id=case.pk).exists()
