"""The parents' view in real Chromium: the caseworker gives the mother a link from the case's 'Forældreadgang'
tab; the mother opens it (the page offers 'Log ind' and uses nothing yet), logs in and sees the approved plan and
the next meeting, with only 'Min familie' in the menu; the link then no longer works. axe-core on every page."""

from __future__ import annotations

import pytest

from helhed.plans.tests.helpers import approved_plan, goal_in
from helhed.testing.browser import assert_accessible, login, logout

from .conftest import schedule

pytestmark = pytest.mark.browser


def test_the_parents_view_shows_the_plan_and_the_next_meeting(page, live_server, town, open_case, mother):
    from playwright.sync_api import expect

    approved_plan(
        town.caseworker,
        open_case,
        goal_in(text="Karla kommer i skole hver dag", parents_view="Mor ønsker hjælp til morgenerne."),
    )
    schedule(town, open_case, days=2, title="Netværksmøde om skolen")
    schedule(town, open_case, days=9, title="Opfølgning på planen")

    login(page, live_server, "rikke")
    page.goto(f"/sager/{open_case.pk}/")
    page.get_by_role("link", name="Forældreadgang").click()
    expect(page.get_by_role("heading", name="Giv en forælder adgang")).to_be_visible()
    expect(page.get_by_text("Digital Post", exact=False)).to_be_visible()
    assert_accessible(page, "parent links")
    page.get_by_label("Mette Testesen").check()
    page.get_by_role("button", name="Lav et link til forældrevisningen").click()
    expect(page.get_by_role("heading", name="Linket er lavet")).to_be_visible()
    assert_accessible(page, "link created")
    link = page.get_by_label("Link til forældrevisningen").input_value()
    assert "/familie/login/" in link
    logout(page)

    page.goto(link)
    expect(page.get_by_role("heading", name="Log ind på forældrevisningen")).to_be_visible()
    assert_accessible(page, "parent login")
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{live_server.url}/familie/")
    expect(page.get_by_role("heading", name="Min familie", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Karla Testesen")).to_be_visible()
    expect(page.get_by_text("Karla kommer i skole hver dag")).to_be_visible()
    expect(page.get_by_text("Mor ønsker hjælp til morgenerne.")).to_be_visible()
    meetings = page.locator(".family-child li.note")
    expect(meetings.first).to_contain_text("Netværksmøde om skolen")
    expect(meetings.nth(1)).to_contain_text("Opfølgning på planen")
    expect(page.get_by_text("Rikke Rådgiver").first).to_be_visible()
    menu = page.get_by_role("navigation", name="Hovedmenu").first
    expect(menu.get_by_role("link")).to_have_count(1)
    expect(menu.get_by_role("link", name="Min familie")).to_be_visible()
    assert_accessible(page, "parents' view")

    # The way into staff pages is closed, and the link works only once.
    response = page.goto(f"/sager/{open_case.pk}/")
    assert response is not None and response.status == 403
    logout(page)
    response = page.goto(link)
    assert response is not None and response.status == 410
    expect(page.get_by_text("Linket er allerede brugt")).to_be_visible()
