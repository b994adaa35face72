"""The intervention catalogue in real Chromium: the leader's forecast starts at nothing; a caseworker applies for
skoleflex (one place) for Karla, linked to a goal in her plan, and for Bo; the leader grants Karla's application
from the visitation queue; Bo's grant is refused because the offer is full, and the leader puts him on the waiting
list instead; the offer's page names Bo on its waiting list, and the forecast now shows Karla's committed cost for
the year. axe-core on every page."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from helhed.testing.browser import assert_accessible, login, logout

pytestmark = pytest.mark.browser


def _kroner(amount: Decimal) -> str:
    return f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


def _apply(page, *, offer, start, end, reason: str, goal: str | None = None) -> None:
    page.get_by_label("Tilbud", exact=True).select_option(str(offer.pk))
    if goal:
        page.get_by_label(re.compile(goal)).check()
    page.get_by_label("Ønsket start").fill(start.isoformat())
    page.get_by_label("Ønsket slut (sidste dag)").fill(end.isoformat())
    page.get_by_label("Begrundelse").fill(reason)
    page.get_by_role("button", name="Send ansøgningen").click()


def test_skoleflex_is_applied_for_granted_waitlisted_and_forecast(
    page, live_server, settings, town, open_case, tmp_path
):
    from playwright.sync_api import expect

    from helhed.interventions import policies, services
    from helhed.interventions.models import Referral, ReferralStatus
    from helhed.plans.tests.helpers import approved_plan

    from .conftest import another_case, offer_in

    settings.DEMO_MODE = True  # no second factor for the leader in the browser
    settings.DOCUMENT_ROOT = tmp_path / "documents"
    provider = services.provider_create(
        actor=town.administrator,
        data=services.ProviderIn(name="Nørrebro Skole", kind="internal", unit_id=town.school.pk),
    )
    offer = services.offer_create(actor=town.administrator, data=offer_in(provider))  # one place, 12.000 kr./month
    approved_plan(town.caseworker, open_case)
    second = another_case(town, "Bo")
    today = timezone.localdate()
    start, end = today, today + timedelta(days=60)

    # The leader's forecast before anything is granted.
    login(page, live_server, "lene")
    page.get_by_role("link", name="Økonomi", exact=True).first.click()
    expect(page.get_by_role("heading", name="Økonomi: prognose og budget")).to_be_visible()
    expect(page.locator("#forecast-total")).to_have_text("0,00 kr.")
    assert_accessible(page, "forecast, empty")
    logout(page)

    # The caseworker applies from Karla's case, for the goal in her plan, and from Bo's.
    login(page, live_server, "rikke")
    page.goto(f"/sager/{open_case.pk}/")
    page.get_by_role("link", name="Indsatser", exact=True).click()
    expect(page.get_by_text("Barnet har ingen bevillinger.")).to_be_visible()
    assert_accessible(page, "case tab")
    page.get_by_role("link", name="Søg om tilbud").click()
    expect(page.get_by_role("heading", name="Søg om tilbud")).to_be_visible()
    assert_accessible(page, "application form")
    # Without a reason, the form says so in Danish and nothing is saved.
    page.get_by_label("Tilbud", exact=True).select_option(str(offer.pk))
    page.get_by_role("button", name="Send ansøgningen").click()
    expect(page.get_by_role("alert").first).to_contain_text("Skriv hvorfor barnet har brug for tilbuddet")
    assert not Referral.objects.exists()
    assert_accessible(page, "application form with errors")
    _apply(
        page,
        offer=offer,
        start=start,
        end=end,
        reason="Karla har brug for et fleksibelt skoleforløb for at blive i almenskolen.",
        goal="Karla kommer i skole hver dag",
    )
    expect(page.get_by_text("Ansøgningen er sendt til visitation hos enhedens leder.")).to_be_visible()
    expect(page.get_by_text("Dagtilbud, skole og læring: Karla kommer i skole hver dag")).to_be_visible()
    assert_accessible(page, "application")
    page.goto(f"/sager/{second.pk}/tilbud/ansoeg/")
    _apply(page, offer=offer, start=start, end=end, reason="Bo er ikke kommet i skole i tre uger.")
    expect(page.get_by_text("Ansøgningen er sendt til visitation hos enhedens leder.")).to_be_visible()
    logout(page)

    # The leader grants Karla's application from the queue.
    login(page, live_server, "lene")
    page.get_by_role("link", name="Visitation", exact=True).first.click()
    expect(page.get_by_role("heading", name="Visitation", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Bo Andersen")).to_be_visible()
    assert_accessible(page, "visitation queue")
    page.get_by_role("link", name="Karla Testesen").click()
    expect(page.get_by_text("Der er en ledig plads i hele den ønskede periode.")).to_be_visible()
    assert_accessible(page, "referral before the decision")
    page.get_by_label("Bevilg", exact=True).check()
    page.get_by_role("button", name="Gem afgørelsen").click()
    expect(page.get_by_text("Tilbuddet er bevilget.")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"Afgørelse: Skoleflex Nord er bevilget"))).to_be_visible()
    assert_accessible(page, "granted referral")

    # Bo: the one place is taken, so the grant is refused with advice, and the leader uses the waiting list.
    page.get_by_role("link", name="Visitation", exact=True).first.click()
    page.get_by_role("link", name="Bo Andersen").click()
    expect(page.get_by_text("Tilbuddet er fuldt i den ønskede periode.")).to_be_visible()
    page.get_by_label("Bevilg", exact=True).check()
    page.get_by_role("button", name="Gem afgørelsen").click()
    expect(page.get_by_role("alert").first).to_contain_text("Skoleflex Nord er fuldt i perioden")
    expect(page.get_by_role("alert").first).to_contain_text("Sæt barnet på venteliste")
    assert Referral.objects.get(case=second).status == ReferralStatus.APPLIED
    assert_accessible(page, "refused grant (full)")
    page.get_by_label("Sæt på venteliste").check()
    page.get_by_role("button", name="Gem afgørelsen").click()
    expect(page.get_by_text("Barnet er sat på ventelisten.")).to_be_visible()
    expect(page.get_by_text("Barnet er nr. 1 af 1 på ventelisten.")).to_be_visible()
    assert_accessible(page, "waitlisted referral")

    # The catalogue marks the offer full, and its page names Bo on the waiting list.
    page.get_by_role("link", name="Tilbudsvifte", exact=True).first.click()
    expect(page.get_by_role("row", name=re.compile("Skoleflex Nord")).get_by_text("Fuldt")).to_be_visible()
    assert_accessible(page, "catalogue")
    page.get_by_role("link", name="Skoleflex Nord").click()
    expect(page.get_by_role("cell", name="Bo Andersen")).to_be_visible()
    assert_accessible(page, "offer")

    # The forecast now holds Karla's committed cost for this year (Bo waits and costs nothing yet).
    expected = sum(
        (
            amount
            for month, amount in policies.monthly_cost(
                price=Decimal(12000), price_unit="month", units=Decimal(1), start=start, end=end
            )
            if month.year == today.year
        ),
        Decimal(0),
    )
    assert expected > 0
    page.get_by_role("link", name="Økonomi", exact=True).first.click()
    expect(page.locator("#forecast-total")).to_have_text(f"{_kroner(expected)} kr.")
    expect(page.locator("figure svg[role=img]")).to_be_visible()
    assert_accessible(page, "forecast with the grant")


def test_the_forecast_chart_and_the_decision_page_under_the_strict_csp(
    strict_page, live_server, settings, town, open_case, tmp_path
):
    """The inline SVG chart and the pages with forms load without a Content-Security-Policy violation."""
    from playwright.sync_api import expect

    from helhed.interventions import services

    from .conftest import apply, decide, offer_in

    settings.DEMO_MODE = True
    settings.DOCUMENT_ROOT = tmp_path / "documents"
    page, errors = strict_page
    provider = services.provider_create(
        actor=town.administrator,
        data=services.ProviderIn(name="Nørrebro Skole", kind="internal", unit_id=town.school.pk),
    )
    offer = services.offer_create(actor=town.administrator, data=offer_in(provider))
    today = timezone.localdate()
    decide(town, apply(town, open_case, offer, requested_start=today, requested_end=today + timedelta(days=30)))
    login(page, live_server, "lene")
    page.goto(f"{live_server.url}/oekonomi/")
    expect(page.get_by_role("img", name=re.compile("Forpligtede udgifter til tilbud"))).to_be_visible()
    page.goto(f"{live_server.url}/sager/{open_case.pk}/tilbud/")
    page.get_by_role("link", name="Skoleflex Nord").first.click()
    expect(page.get_by_role("heading", name="Ændr bevilling")).to_be_visible()
    assert not errors, errors


def test_the_catalogue_is_maintained_and_a_grant_is_ended_early_in_the_browser(
    page, live_server, settings, town, open_case, tmp_path
):
    """The administrator adds an external provider (a wrong CVR number refused first), an offer (a missing price
    refused first) and a budget; the leader ends a running grant early, and the case's letters include the
    decision to end it."""
    from playwright.sync_api import expect

    from helhed.cases.models import Document
    from helhed.interventions import services
    from helhed.interventions.models import Budget, Grant, Offer, Provider

    from .conftest import apply, decide, offer_in

    settings.DEMO_MODE = True
    settings.DOCUMENT_ROOT = tmp_path / "documents"
    today = timezone.localdate()

    login(page, live_server, "ada")
    page.get_by_role("link", name="Tilbudsvifte", exact=True).first.click()
    page.get_by_role("link", name="Ny leverandør").click()
    page.get_by_label("Navn").fill("Opdigtet Familiebehandling ApS")
    page.get_by_label("Ekstern leverandør").check()
    page.get_by_label("CVR-nummer").fill("13585627")
    page.get_by_role("button", name="Opret leverandøren").click()
    expect(page.get_by_role("alert").first).to_contain_text("ikke et gyldigt CVR-nummer")
    assert not Provider.objects.exists()
    assert_accessible(page, "provider form with errors")
    page.get_by_label("CVR-nummer").fill("1358 5628")
    page.get_by_role("button", name="Opret leverandøren").click()
    expect(page.get_by_text("Opdigtet Familiebehandling ApS").first).to_be_visible()
    assert Provider.objects.get().cvr == "13585628"

    page.goto(f"{live_server.url}/tilbud/nyt/")
    page.get_by_label("Navn").fill("Familiebehandling Øst")
    page.get_by_label("Kode").fill("familiebehandling-oest")
    page.get_by_label("Type").select_option("family_treatment")
    page.get_by_label("Leverandør").select_option(str(Provider.objects.get().pk))
    page.get_by_label("Lovgrundlag").fill("Barnets lov § 32, stk. 1, nr. 5")
    page.get_by_label("Trin på indsatstrappen").select_option("4")
    page.get_by_label("Prisenhed").select_option("month")
    page.get_by_label("Aktiv fra").fill(today.isoformat())
    page.get_by_label("Forvaltning 1").select_option("SOF")
    page.get_by_label("Andel i procent 1").fill("100")
    page.get_by_role("button", name="Opret tilbuddet").click()
    expect(page.get_by_role("alert").first).to_contain_text("Skriv prisen i kroner")
    assert not Offer.objects.exists()
    assert_accessible(page, "offer form with errors")
    page.get_by_label("Pris i kroner").fill("18500")
    page.get_by_role("button", name="Opret tilbuddet").click()
    expect(page.get_by_text("Tilbuddet er oprettet i tilbudsviften.")).to_be_visible()
    expect(page.get_by_role("heading", name="Familiebehandling Øst")).to_be_visible()

    page.goto(f"{live_server.url}/oekonomi/budgetter/")
    page.get_by_label("År").fill(str(today.year))
    page.get_by_label("Forvaltning", exact=True).select_option("SOF")
    page.get_by_label("Budget i kroner").fill("-5")
    page.get_by_role("button", name="Gem budgettet").click()
    expect(page.get_by_role("alert").first).to_contain_text("Skriv budgettet i kroner")
    page.get_by_label("Budget i kroner").fill("2500000")
    page.get_by_role("button", name="Gem budgettet").click()
    expect(page.get_by_role("cell", name="2.500.000,00").first).to_be_visible()
    assert Budget.objects.get().amount == 2500000
    assert_accessible(page, "budgets")
    logout(page)

    # The leader ends a running grant early.
    offer = services.offer_create(
        actor=town.administrator, data=offer_in(Provider.objects.get(), code="flex", active_from=today)
    )
    referral = decide(
        town, apply(town, open_case, offer, requested_start=today, requested_end=today + timedelta(days=90))
    )
    login(page, live_server, "lene")
    page.goto(f"{live_server.url}/visitation/{referral.pk}/")
    page.get_by_label("Sidste dag i tilbuddet").fill((today - timedelta(days=1)).isoformat())
    page.get_by_label("Begrundelse for at afslutte").fill("Karla er tilbage i sin klasse.")
    page.get_by_role("button", name="Afslut bevillingen").click()
    expect(page.get_by_role("alert").first).to_contain_text("før bevillingens start")
    assert not Grant.objects.get().terminated
    page.get_by_label("Sidste dag i tilbuddet").fill((today + timedelta(days=10)).isoformat())
    page.get_by_role("button", name="Afslut bevillingen").click()
    expect(page.get_by_text("Bevillingen er afsluttet.")).to_be_visible()
    grant = Grant.objects.get()
    assert grant.terminated and grant.end == today + timedelta(days=10)
    expect(page.get_by_role("link", name=re.compile("Afgørelse: Skoleflex Nord ophører"))).to_be_visible()
    assert Document.objects.filter(case=open_case, title__contains="ophører").exists()
    assert_accessible(page, "ended grant")
