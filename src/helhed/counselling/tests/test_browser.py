"""Open, anonymous counselling in real Chromium: a counsellor records an anonymous contact (a pseudonym, an age
band, the topics), adds a second contact, and — when the family consents — finds the child, records the consent
and turns the course into a case, landing on the case page with the course in its journal. Every page passes
axe-core."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from helhed.testing.browser import assert_accessible, login

pytestmark = pytest.mark.browser


def test_a_counsellor_records_anonymous_contacts_and_converts_with_consent(page, live_server, town, child):
    from playwright.sync_api import expect

    from helhed.cases.models import Case

    today = timezone.localdate().isoformat()
    login(page, live_server, "aase")
    page.get_by_role("link", name="Anonym rådgivning").first.click()
    expect(page.get_by_role("heading", name="Åben anonym rådgivning", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Nyt anonymt forløb").click()
    expect(page.get_by_role("heading", name="Nyt anonymt forløb")).to_be_visible()
    assert_accessible(page)

    # A CPR number in the summary is refused with a Danish message, and nothing is saved.
    page.get_by_label("Kaldenavn").fill("Pigen med cyklen")
    page.get_by_label("Barnets eller den unges alder").select_option("13-15")
    page.get_by_label("Barnet eller den unge selv").check()
    page.get_by_label("Skole og dagtilbud").check()
    page.get_by_label("Trivsel og mental sundhed").check()
    page.get_by_label("Dato for kontakten").fill(today)
    page.get_by_label("Kanal").select_option("phone")
    page.get_by_label("Varighed i minutter").fill("25")
    page.get_by_label("Kort resumé af samtalen").fill("Hendes cpr er 010203-1234")
    page.get_by_role("button", name="Opret forløbet").click()
    expect(page.get_by_text("ser ud til at indeholde et CPR-nummer").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Kort resumé af samtalen").fill("Pigen er ked af det i skolen og sover dårligt.")
    page.get_by_role("button", name="Opret forløbet").click()

    expect(page.get_by_text("Forløbet er oprettet, og den første kontakt er gemt.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Pigen med cyklen"))).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Dato for kontakten").fill(today)
    page.get_by_label("Kanal").select_option("in_person")
    page.get_by_label("Varighed i minutter").fill("45")
    page.get_by_label("Kort resumé af samtalen").fill("Pigen kom med sin mor. De vil gerne have hjælp.")
    page.get_by_role("button", name="Gem kontakten").click()
    expect(page.get_by_text("Kontakten er gemt.")).to_be_visible()
    expect(page.get_by_text("De vil gerne have hjælp.")).to_be_visible()

    page.get_by_role("link", name="Gør forløbet til en sag").click()
    expect(page.get_by_role("heading", name="Gør forløbet til en sag")).to_be_visible()
    assert_accessible(page)
    # Without the consent it is refused.
    page.get_by_role("button", name="Gør forløbet til en sag").click()
    expect(page.get_by_text("når familien har givet samtykke. Registrér samtykket.").first).to_be_visible()
    assert not Case.objects.exists()

    page.get_by_label("Søg barnet på CPR-nummer eller navn").fill("Karla Testesen")
    page.get_by_role("button", name="Søg barnet").click()
    page.get_by_label(re.compile("^Karla Testesen")).check()
    page.get_by_role("checkbox", name=re.compile("^Familien har givet samtykke")).check()
    page.get_by_label("Samtykke givet af (navn)").fill("Mette Testesen")
    page.get_by_label("Relation til barnet").select_option("custody_holder")
    page.get_by_label("Dato for samtykket").fill(today)
    page.get_by_label("Hvad familien har givet samtykke til").fill("At forløbet bliver en sag i rådgivningen.")
    assert_accessible(page)
    page.get_by_role("button", name="Gør forløbet til en sag").click()

    case = Case.objects.get(child=child)
    page.wait_for_url(re.compile(rf"/sager/{case.pk}/$"))
    expect(page.get_by_text(f"Sagen er oprettet med journalnummer {case.journal_number}")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Karla Testesen"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Journal", exact=True).click()
    expect(page.get_by_text("Forløb i åben anonym rådgivning og familiens samtykke")).to_be_visible()
    expect(page.get_by_text("De vil gerne have hjælp.", exact=False)).to_be_visible()
