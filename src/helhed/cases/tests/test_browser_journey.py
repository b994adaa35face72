"""The foundation's journey in real Chromium (issue 2).

A caseworker logs in, finds a child by CPR, opens the case, writes a journal note and puts a school
social worker from BUF on the team. The school social worker then sees the case summary and the team,
but not the journal. A caseworker from another unit gets the same 404 as for a case that does not exist.
Every page on the way is checked with axe-core.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from helhed.testing.browser import assert_accessible, login, logout
from helhed.testing.factories import PersonFactory, synthetic_cpr

pytestmark = pytest.mark.browser

NOTE_TITLE = "Telefonsamtale med mor om skolefravær"
NOTE_TEXT = "Mor fortæller, at Karla ikke har været i skole i tre dage. Aftalt opfølgning med skolen."


@pytest.fixture
def journey(town):
    """A child with a known synthetic CPR number and an open case held by the caseworker's group."""
    from helhed.cases import services

    cpr = synthetic_cpr()
    child = PersonFactory(first_name="Karla", last_name="Testesen", cpr=cpr)
    case = services.case_open(
        actor=town.caseworker,
        child=child,
        responsible_unit=town.investigation,
        responsible_caseworker=town.caseworker,
    )
    return {"cpr": cpr, "child": child, "case": case}


def test_caseworker_shares_case_with_school_social_worker(page, live_server, town, journey):
    from playwright.sync_api import expect

    case = journey["case"]
    cpr = journey["cpr"]
    case_path = f"/sager/{case.pk}/"

    # -- the caseworker logs in through the login form ------------------------------------------------
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind i Helhed")
    assert page.locator("html").get_attribute("lang") == "da"
    assert_accessible(page, "login page")
    login(page, live_server, "rikke")

    # -- Mine sager ----------------------------------------------------------------------------------
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine sager")
    mine = page.get_by_role("table", name="Sager hvor jeg er ansvarlig")
    expect(mine.get_by_role("link", name="Karla Testesen")).to_be_visible()
    expect(mine).to_contain_text(f"{cpr[:6]}-xxxx")
    assert_accessible(page, "Mine sager")

    # -- search by CPR on the search page -------------------------------------------------------------
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Søg").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Søg efter barn eller sag")
    page.get_by_label("Søg på navn, CPR-nummer eller journalnummer").fill(f"{cpr[:6]}-{cpr[6:]}")
    page.get_by_role("main").get_by_role("button", name="Søg").click()
    results = page.get_by_role("table", name="Personer der matcher søgningen")
    expect(results).to_be_visible()
    expect(results.get_by_role("row")).to_have_count(2)  # header + the child
    expect(results).to_contain_text("Karla Testesen")
    expect(results).to_contain_text(f"{cpr[:6]}-xxxx")
    assert cpr not in page.content(), "the full CPR number must not be shown in the results"
    assert_accessible(page, "search results")

    # -- open the case from the results ---------------------------------------------------------------
    results.get_by_role("link", name=case.journal_number).click()
    expect(page).to_have_url(re.compile(re.escape(case_path) + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Karla Testesen")
    expect(page.get_by_role("heading", name="Resumé")).to_be_visible()
    case_tabs = page.get_by_role("navigation", name="Sagens sider")
    expect(case_tabs.get_by_role("link", name="Overblik")).to_have_attribute("aria-current", "page")
    assert_accessible(page, "case overview")

    # -- write a journal note ---------------------------------------------------------------------------
    case_tabs.get_by_role("link", name="Journal").click()
    expect(page.get_by_role("heading", name="Nyt journalnotat")).to_be_visible()
    expect(page.get_by_text("Der er ingen journalnotater endnu.")).to_be_visible()
    form = page.locator("form", has=page.get_by_role("button", name="Gem notat"))
    form.get_by_label("Type").select_option(label="Telefonsamtale")
    form.get_by_label("Overskrift").fill(NOTE_TITLE)
    yesterday = timezone.localdate() - timedelta(days=1)
    form.get_by_label("Dato for hændelsen").fill(yesterday.isoformat())
    form.get_by_label("Tekst").fill(NOTE_TEXT)
    form.get_by_role("button", name="Gem notat").click()
    expect(page).to_have_url(re.compile(re.escape(f"{case_path}journal/") + "$"))
    expect(page.get_by_role("status")).to_contain_text("Journalnotatet er gemt.")
    note = page.get_by_role("article").filter(has=page.get_by_role("heading", name=NOTE_TITLE))
    expect(note).to_have_count(1)
    expect(note).to_contain_text(NOTE_TEXT)
    expect(note).to_contain_text(f"Telefonsamtale · hændelse {yesterday:%d.%m.%Y}")
    expect(note).to_contain_text("Rikke Rådgiver")
    assert_accessible(page, "journal")

    # -- put the school social worker from BUF on the team ----------------------------------------------
    case_tabs.get_by_role("link", name="Team").click()
    expect(page.get_by_role("heading", name="Sæt en kollega på teamet")).to_be_visible()
    form = page.locator("form", has=page.get_by_role("button", name="Tilføj til teamet"))
    form.get_by_label("Medarbejder").select_option(label="Sofie Skolesocialrådgiver (sofie)")
    form.get_by_label("Rolle på sagen").select_option(label="Skolesocialrådgiver")
    form.get_by_role("button", name="Tilføj til teamet").click()
    expect(page.get_by_role("status")).to_contain_text("Sofie Skolesocialrådgiver er sat på teamet.")
    team = page.get_by_role("table", name="Teamets medlemmer")
    sofie_row = team.get_by_role("row").filter(has_text="Sofie Skolesocialrådgiver")
    expect(sofie_row).to_have_count(1)
    expect(sofie_row).to_contain_text("Skolesocialrådgiver")
    expect(sofie_row).to_contain_text("Nørrebro Skole")
    expect(sofie_row).to_contain_text("BUF")
    assert_accessible(page, "team page")

    logout(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind i Helhed")

    # -- the school social worker sees the summary and the team, not the journal ------------------------
    login(page, live_server, "sofie")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine sager")
    expect(page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Søg")).to_have_count(0)
    team_cases = page.get_by_role("table", name="Sager hvor jeg er på teamet")
    team_cases.get_by_role("link", name="Karla Testesen").click()
    expect(page).to_have_url(re.compile(re.escape(case_path) + "$"))
    expect(page.get_by_role("heading", name="Resumé")).to_be_visible()
    expect(page.get_by_text("Du er på sagens team som fagperson.")).to_be_visible()
    summary_team = page.get_by_role("complementary", name="Team")
    expect(summary_team).to_contain_text("Rikke Rådgiver")
    expect(summary_team).to_contain_text("Sofie Skolesocialrådgiver")
    case_tabs = page.get_by_role("navigation", name="Sagens sider")
    expect(case_tabs.get_by_role("link", name="Team")).to_be_visible()
    expect(case_tabs.get_by_role("link", name="Journal")).to_have_count(0)
    assert NOTE_TEXT not in page.content()
    assert NOTE_TITLE not in page.content(), "an unshared note must not appear on the team member's timeline"
    assert_accessible(page, "case overview, limited access")

    case_tabs.get_by_role("link", name="Tidslinje").click()
    expect(page.get_by_role("heading", name="Tidslinje på tværs af forvaltninger")).to_be_visible()
    assert NOTE_TITLE not in page.content()

    case_tabs.get_by_role("link", name="Team").click()
    expect(page.get_by_role("table", name="Teamets medlemmer")).to_contain_text("Rikke Rådgiver")
    expect(page.get_by_role("heading", name="Sæt en kollega på teamet")).to_have_count(0)

    response = page.goto(f"{live_server.url}{case_path}journal/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Ingen adgang")
    assert NOTE_TEXT not in page.content()
    assert NOTE_TITLE not in page.content()
    assert_accessible(page, "403 page")

    logout(page)

    # -- a caseworker from another unit: the case does not exist --------------------------------------
    login(page, live_server, "olga")
    response = page.goto(f"{live_server.url}{case_path}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Siden findes ikke")
    assert "Karla" not in page.content()
    assert case.journal_number not in page.content()
    assert_accessible(page, "404 page")

    missing = page.goto(f"{live_server.url}/sager/{case.pk + 1000}/")
    assert missing is not None and missing.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Siden findes ikke")
