"""The data protection officer's journey in real Chromium: who has looked at this child, and the
GDPR art. 15 export of the child's access log."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from helhed.testing.browser import assert_accessible, login, logout
from helhed.testing.factories import PersonFactory, synthetic_cpr

pytestmark = pytest.mark.browser


@pytest.fixture
def watched_case(town):
    from helhed.cases import services

    cpr = synthetic_cpr()
    child = PersonFactory(first_name="Viggo", last_name="Prøvesen", cpr=cpr)
    case = services.case_open(
        actor=town.caseworker,
        child=child,
        responsible_unit=town.investigation,
        responsible_caseworker=town.caseworker,
    )
    return {"cpr": cpr, "child": child, "case": case}


def test_dpo_sees_who_viewed_the_child_and_exports_the_log(page, live_server, settings, town, watched_case):
    from playwright.sync_api import expect

    # Outside demo mode the DPO must pass TOTP first; live_server runs in this process, so the
    # override reaches the server thread.
    settings.DEMO_MODE = True
    case, cpr, child = watched_case["case"], watched_case["cpr"], watched_case["child"]

    # The caseworker looks at the case in the browser: that look is what the DPO must find.
    login(page, live_server, "rikke")
    page.goto(f"{live_server.url}/sager/{case.pk}/")
    expect(page.get_by_role("heading", name="Resumé")).to_be_visible()
    logout(page)

    login(page, live_server, "dorte")
    # The DPO's start page is the oversight page; it is also in the main menu.
    expect(page).to_have_url(re.compile(r"/tilsyn/$"))
    expect(page.locator(".demo-banner")).to_contain_text("opdigtede")
    menu = page.get_by_role("navigation", name="Hovedmenu")
    expect(menu.get_by_role("link", name="Mine sager")).to_have_count(0)
    menu.get_by_role("link", name="Tilsyn med adgang").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tilsyn med adgang til personoplysninger")
    assert_accessible(page, "DPO start page")

    # Who has looked at the child? Look up by CPR number.
    person_form = page.locator("form", has=page.get_by_label("Eller CPR-nummer"))
    person_form.get_by_label("Eller CPR-nummer").fill(f"{cpr[:6]}-{cpr[6:]}")
    person_form.get_by_role("button", name="Vis log").click()
    expect(page).to_have_url(re.compile(r"/tilsyn/person/\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hvem har brugt oplysninger om personen?")
    expect(page.get_by_role("heading", level=2)).to_contain_text("Viggo Prøvesen")
    events = page.get_by_role("table", name="Loghændelser")
    view_rows = (
        events.get_by_role("row")
        .filter(has_text="rikke")
        .filter(has_text="Visning")
        .filter(has_text="Brugerflade")
        .filter(has_text=f"sag #{case.pk}")
    )
    expect(view_rows.first).to_be_visible()
    assert cpr not in page.content(), "the access log page shows the CPR number masked"
    assert_accessible(page, "access log for a person")

    # GDPR art. 15: the whole log as CSV.
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Hent hele loggen som CSV")).click()
    download = download_info.value
    assert download.suggested_filename == f"adgangslog-person-{child.pk}.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["Tidspunkt", "Bruger", "Handling"]
    assert any(r[1] == "rikke" and r[2] == "Visning" and r[3] == "Brugerflade" for r in rows[1:]), rows
    assert cpr not in text

    # What has the caseworker looked at?
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Tilsyn med adgang").click()
    actor_form = page.locator("form[action$='/tilsyn/bruger/']")
    actor_form.get_by_label("Brugernavn").fill("rikke")
    actor_form.get_by_role("button", name="Vis log").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("Rikke Rådgiver (rikke)")
    expect(
        page.get_by_role("table", name="Loghændelser").get_by_role("row").filter(has_text="Visning").first
    ).to_be_visible()
    assert_accessible(page, "access log for a user")

    # The export itself is in the log.
    page.goto(f"{live_server.url}/tilsyn/person/?person={child.pk}")
    expect(
        page.get_by_role("table", name="Loghændelser")
        .get_by_role("row")
        .filter(has_text="dorte")
        .filter(has_text="Eksport")
    ).to_have_count(1)
