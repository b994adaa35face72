"""Keyboard only and small screens.

With Helhed's strict Content-Security-Policy in force (no bypass): the skip link is the first stop, the
login form is reachable and submittable without a mouse, and no page logs a CSP violation or a
JavaScript error. At 320 CSS pixels the pages reflow and the header's contents are in the menu drawer."""

from __future__ import annotations

import re

import pytest

from helhed.testing.browser import PASSWORD, assert_accessible, login

pytestmark = pytest.mark.browser

ACTIVE = """() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  return {tag: e.tagName.toLowerCase(), id: e.id, cls: e.className, text: (e.textContent || '').trim(),
          outline: s.outlineStyle, outlineWidth: s.outlineWidth, shadow: s.boxShadow};
}"""


def _focus_is_visible(active: dict) -> bool:
    return (active["outline"] != "none" and active["outlineWidth"] != "0px") or active["shadow"] != "none"


def test_login_with_keyboard_only(strict_page, live_server, town):
    from playwright.sync_api import expect

    page, console_errors = strict_page
    response = page.goto(f"{live_server.url}/login/")
    assert response is not None
    assert "script-src 'self'" in response.headers.get("content-security-policy", "")

    # First Tab: the skip link, shown on screen while it has focus.
    page.keyboard.press("Tab")
    active = page.evaluate(ACTIVE)
    assert active["tag"] == "a" and "skipnav" in active["cls"], active
    assert active["text"] == "Gå til sidens indhold"
    expect(page.locator("a.skipnav")).to_be_focused()
    expect(page.locator("a.skipnav")).to_be_in_viewport(ratio=1)  # slides in (CSS transition) while focused
    assert _focus_is_visible(active), f"no visible focus indicator on the skip link: {active}"

    # Enter follows it; the next Tab lands on the first form field in the main content.
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main-content$"))
    page.keyboard.press("Tab")
    active = page.evaluate(ACTIVE)
    assert active["id"] == "id_username", active
    assert _focus_is_visible(active), f"no visible focus indicator on the username field: {active}"

    # Submitting the empty form with Enter gives a Danish error summary that links to the fields.
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Der er noget, der skal rettes")
    expect(page.get_by_label("Brugernavn")).to_have_attribute("aria-invalid", "true")
    page.get_by_role("alert").get_by_role("link", name="Brugernavn").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Brugernavn")).to_be_focused()

    # Type, Tab to the password, Enter: logged in.
    page.keyboard.type("rikke")
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE)["id"] == "id_password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine sager")
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/(#.*)?$"))  # the browser keeps the fragment

    # Logged in, the skip link is still the first stop, before the header and the main menu.
    page.keyboard.press("Tab")
    assert "skipnav" in page.evaluate(ACTIVE)["cls"]

    assert not console_errors, f"errors in the browser console (CSP violations?): {console_errors}"


def test_small_screen_menu_and_reflow(page, live_server, town, open_case):
    """At 320 CSS pixels (a 1280 px screen zoomed to 400 %, WCAG 1.4.10) the page reflows without
    sideways scrolling, and the user, the main menu, the language switch and "Log af" are in the
    DKFDS menu drawer behind the "Menu" button."""
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 320, "height": 640})
    login(page, live_server, "rikke")
    page.goto(f"{live_server.url}/sager/{open_case.pk}/team/")
    expect(page.get_by_role("heading", name="Sagens team")).to_be_visible()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at 320px width"

    expect(page.get_by_role("navigation", name="Hovedmenu")).to_be_hidden()
    menu_button = page.get_by_role("button", name="Menu")
    menu_button.click()
    drawer = page.get_by_role("dialog", name="Menu")
    expect(drawer).to_be_visible()
    expect(drawer.get_by_role("button", name="Luk")).to_be_focused()
    expect(drawer).to_contain_text("Rikke Rådgiver")
    expect(drawer.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Søg")).to_be_visible()
    expect(drawer.get_by_label("Sprog")).to_be_visible()
    assert_accessible(page, "menu drawer at 320px")

    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    expect(menu_button).to_be_focused()

    menu_button.click()
    drawer.get_by_role("button", name="Log af").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind i Helhed")
    assert_accessible(page, "login page at 320px")
