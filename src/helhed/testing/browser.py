"""Playwright fixtures and helpers for the end-to-end browser tests (real Chromium, headless).

The tests drive Debian's Chromium (/usr/bin/chromium) against pytest-django's `live_server`, which
runs Helhed in a thread of the test process on a transactional test database. Register the fixtures
in src/helhed/conftest.py (once, so that the whole session shares one Chromium).

- `browser`: one Chromium for the whole session (skips the test when Chromium is not installed).
- `page`: a fresh browser context per test (Danish locale, no shared cookies) and its first page.
  Uncaught JavaScript errors on any page fail the test.
- `login(page, live_server, username)`: log in through the login form like a person would.
- `logout(page)`: press "Log af" in the header.
- `assert_accessible(page)`: run axe-core (WCAG 2.1 A and AA) and fail on serious or critical findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AXE_JS = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = ("serious", "critical")
PASSWORD = "Hemmelig-kode-123"  # noqa: S105 - every test user's password (helhed.testing.factories)
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (make browser-deps installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def browser_tests_last(items: list) -> None:
    """Run the browser tests after all others (call from pytest_collection_modifyitems). Playwright's
    sync API keeps its asyncio loop marked as running in the main thread while the browser is open,
    which would change the behaviour of any other test that runs in between."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def _new_context(browser, live_server, *, bypass_csp: bool):
    context = browser.new_context(
        base_url=live_server.url,
        locale="da-DK",
        timezone_id="Europe/Copenhagen",
        viewport={"width": 1280, "height": 900},
        bypass_csp=bypass_csp,
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    """A new page in its own context. CSP is bypassed only so that axe-core can be injected; the
    `strict_page` fixture keeps the CSP and is for tests that prove the pages work under it."""
    context = _new_context(browser, live_server, bypass_csp=True)
    page = context.new_page()
    js_errors: list[str] = []
    page.on("pageerror", lambda exc: js_errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()
    assert not js_errors, f"JavaScript errors on the pages: {js_errors}"


@pytest.fixture
def strict_page(browser, live_server) -> Iterator[object]:
    """A page that keeps Helhed's Content-Security-Policy; yields (page, errors): console errors such as
    CSP violations, uncaught JavaScript exceptions and failed loads of scripts, styles and images."""
    context = _new_context(browser, live_server, bypass_csp=False)
    page = context.new_page()
    console_errors: list[str] = []

    def on_console(msg) -> None:
        # A page answered with a 4xx on purpose (a form error) is logged as "Failed to load resource";
        # missing scripts, styles and images are caught by on_response instead.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            console_errors.append(msg.text)

    def on_response(response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            console_errors.append(f"{response.status} for {response.request.resource_type} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    try:
        yield page, console_errors
    finally:
        context.close()


def login(page, live_server, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form and wait until Helhed has left the login page."""
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def logout(page) -> None:
    page.get_by_role("button", name="Log af").click()
    page.wait_for_url(re.compile(r"/login/$"))


def _describe(violation: dict) -> str:
    nodes = "\n".join(
        f"      {', '.join(map(str, node.get('target', [])))}: {node.get('html', '')[:160]}"
        for node in violation.get("nodes", [])[:10]
    )
    return (
        f"  [{violation['impact']}] {violation['id']}: {violation['help']}\n    {violation.get('helpUrl', '')}\n{nodes}"
    )


def axe_violations(page) -> list[dict]:
    """Every axe-core violation (WCAG 2.1 A and AA rules) on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        """async (tags) => await window.axe.run(document, {
               runOnly: {type: 'tag', values: tags},
               resultTypes: ['violations'],
           })""",
        AXE_TAGS,
    )
    return result["violations"]


def assert_accessible(page, label: str = "") -> None:
    """Fail with the rule, its help text and the offending elements for every serious or critical
    axe-core violation. Moderate and minor findings are printed, not failed."""
    violations = axe_violations(page)
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    other = [v for v in violations if v.get("impact") not in BLOCKING_IMPACTS]
    where = label or page.url
    if other:
        print(f"axe-core, minor findings on {where}:\n" + "\n".join(_describe(v) for v in other))
    assert not blocking, f"axe-core found accessibility problems on {where}:\n" + "\n".join(
        _describe(v) for v in blocking
    )


__all__ = [
    "PASSWORD",
    "assert_accessible",
    "axe_violations",
    "browser",
    "browser_tests_last",
    "login",
    "logout",
    "page",
    "strict_page",
]
