"""The deadline pages in real Chromium: the leader's team view and the compliance report with its inline SVG
chart work under the strict CSP and pass axe-core; the analyst sees the numbers and no way to the cases."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from helhed.testing.browser import assert_accessible, login, logout
from helhed.testing.factories import PersonFactory

pytestmark = pytest.mark.browser
SCREENSHOTS = os.environ.get("HELHED_SCREENSHOTS", "")  # a folder: save a screenshot of each page there


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def deadlines(town):
    from helhed.cases import services as case_services
    from helhed.deadlines import services
    from helhed.deadlines.rules import Notifier, Trigger

    cases = []
    for hours_ago, owner in ((30, town.caseworker), (50, town.caseworker2), (2, town.caseworker)):
        child = PersonFactory()
        case = case_services.case_open(
            actor=town.caseworker,
            child=child,
            responsible_unit=town.investigation,
            responsible_caseworker=town.caseworker,
        )
        created = services.deadlines_start(
            actor=town.caseworker,
            trigger=Trigger.CONCERN_RECEIVED,
            at=timezone.now() - timedelta(hours=hours_ago),
            person=child,
            case=case,
            owner=owner,
            notifier=Notifier.PROFESSIONAL,
            source=case,
        )
        if hours_ago == 50:
            services.deadline_close(actor=owner, deadline=created[1], at=timezone.now())
        cases.append(case)
    return cases


def test_the_leader_and_the_analyst_under_the_strict_csp(strict_page, live_server, settings, town, deadlines):
    from playwright.sync_api import expect

    settings.DEMO_MODE = True  # no TOTP for the leader in the browser
    page, errors = strict_page
    login(page, live_server, "lene")
    page.goto(f"{live_server.url}/frister/")
    page.get_by_role("link", name="Teamets frister").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Teamets frister")
    expect(page.get_by_role("cell", name="Rasmus Rådgiversen").first).to_be_visible()
    _shot(page, "team")
    page.get_by_label("Vis frister for").select_option(label="Rasmus Rådgiversen")
    page.get_by_role("button", name="Vis").click()
    expect(page.get_by_role("cell", name="Rikke Rådgiver")).to_have_count(0)

    page.get_by_role("link", name="Overholdelse af frister").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overholdelse af frister")
    chart = page.get_by_role("img", name="Andel af frister overholdt til tiden", exact=False)
    expect(chart).to_be_visible()
    _shot(page, "compliance_leader")
    page.get_by_role("table").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Frister bag tallet")
    _shot(page, "compliance_cases")
    logout(page)

    login(page, live_server, "anders")
    page.goto(f"{live_server.url}/frister/overholdelse/?period=quarter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Overholdelse af frister")
    expect(page.get_by_role("table").get_by_role("link")).to_have_count(0)
    expect(page.get_by_text("Du ser kun tal.")).to_be_visible()
    _shot(page, "compliance_analyst")
    assert not errors, f"errors under the CSP: {errors}"


def test_the_new_pages_pass_axe(page, live_server, settings, town, deadlines):
    settings.DEMO_MODE = True
    login(page, live_server, "lene")
    for path in ("/frister/", "/frister/team/", "/frister/overholdelse/"):
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page, path)
