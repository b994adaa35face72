"""The child's plan in real Chromium: a caseworker starts the plan from the case page, adds two goals (one try
without a goal text first), approves the plan, downloads the letter to the family, and records a review with
the next review date; the next review's deadline appears on the plan. The teacher on the team then reads the
plan without any way to change it. axe-core on every page."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from helhed.testing.browser import assert_accessible, login, logout
from helhed.testing.sharing import give_consent

pytestmark = pytest.mark.browser


@pytest.fixture
def case_with_teacher(town, open_case, settings, tmp_path):
    from helhed.cases import services
    from helhed.cases.models import TeamRole

    settings.DOCUMENT_ROOT = tmp_path / "documents"
    give_consent(open_case, town.caseworker)  # the parents let the school read the plan
    services.team_member_add(actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER)
    return open_case


def _add_goal(page, *, area: str, text: str, measures: str, administration: str) -> None:
    page.get_by_role("link", name="Tilføj et mål").click()
    page.get_by_label("Livsområde").select_option(label=area)
    page.get_by_label("Mål", exact=True).fill(text)
    page.get_by_label("Indsatser").fill(measures)
    page.get_by_label("Sådan ser vi, at målet er nået").fill("Lærer og forældre ser det over en måned.")
    page.get_by_label("Ansvarlig forvaltning").select_option(administration)
    page.get_by_label("Barnets egne ord").fill("Jeg vil gerne.")
    page.get_by_role("button", name="Gem målet").click()


def test_a_caseworker_makes_approves_and_reviews_the_childs_plan(page, live_server, town, case_with_teacher):
    from playwright.sync_api import expect

    case = case_with_teacher
    login(page, live_server, "rikke")
    page.goto(f"{live_server.url}/sager/{case.pk}/")
    page.get_by_role("link", name="Barnets plan").click()
    expect(page.get_by_role("heading", name="Barnets plan", exact=True)).to_be_visible()
    expect(page.get_by_text("Barnet har ingen godkendt plan endnu.")).to_be_visible()
    assert_accessible(page, "empty plan")
    page.get_by_role("button", name="Start barnets plan").click()
    expect(page.get_by_role("heading", name="Udkast til barnets plan, version 1")).to_be_visible()
    assert_accessible(page, "draft")

    # A goal without its text: the form says so in Danish, and nothing is saved.
    page.get_by_role("link", name="Tilføj et mål").click()
    expect(page.get_by_role("heading", name="Tilføj et mål til planen")).to_be_visible()
    assert_accessible(page, "goal form")
    page.get_by_label("Livsområde").select_option(label="Sundhed")
    page.get_by_label("Ansvarlig forvaltning").select_option("SOF")
    page.get_by_role("button", name="Gem målet").click()
    expect(page.get_by_role("alert").first).to_contain_text("Skriv målet")
    assert_accessible(page, "goal form with an error")
    page.get_by_role("link", name="Tilbage til udkastet").click()

    _add_goal(
        page,
        area="Dagtilbud, skole og læring",
        text="Karla kommer i skole hver dag",
        measures="Skoleloop\nMorgenopkald fra kontaktlæreren",
        administration="BUF",
    )
    expect(page.get_by_text("Målet er gemt i udkastet.")).to_be_visible()
    _add_goal(
        page,
        area="Sundhed",
        text="Karla sover mindst 9 timer om natten",
        measures="Sundhedsplejerske",
        administration="SOF",
    )
    goals = page.get_by_role("region", name="Mål")
    expect(page.locator("article.plan-goal")).to_have_count(2)
    expect(goals).to_contain_text("Morgenopkald fra kontaktlæreren")
    assert_accessible(page, "draft with two goals")

    page.get_by_role("button", name="Godkend version 1").click()
    expect(page.get_by_text("Planen er godkendt.")).to_be_visible()
    expect(page.get_by_role("heading", name="Godkendt plan, version 1")).to_be_visible()
    assert_accessible(page, "approved plan")
    with page.expect_download() as download:
        page.get_by_role("link", name="Brev til familien (PDF)").first.click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    # The review: every goal rated, the next review chosen with a reason.
    page.get_by_role("link", name="Følg op på planen").click()
    expect(page.get_by_role("heading", name="Opfølgning på barnets plan (version 1)")).to_be_visible()
    assert_accessible(page, "review form")
    page.get_by_role("group", name=re.compile("Karla kommer i skole hver dag")).get_by_label(
        "Fremskridt", exact=True
    ).check()
    page.get_by_role("group", name=re.compile("Karla sover mindst 9 timer")).get_by_label("Opnået", exact=True).check()
    next_review = timezone.localdate() + timedelta(days=42)
    page.get_by_label("Næste opfølgning senest").fill(next_review.isoformat())
    page.get_by_label("Begrundelse for datoen").fill("Karla skifter klasse efter ferien; vi følger op efter 6 uger.")
    page.get_by_role("button", name="Gem opfølgningen").click()
    expect(page.get_by_text("Opfølgningen er gemt")).to_be_visible()
    review = page.locator("article.plan-review").first
    expect(review).to_contain_text("Fremskridt")
    expect(review).to_contain_text("Opnået")
    expect(review).to_contain_text(f"Næste opfølgning senest {next_review:%d.%m.%Y}")
    deadlines = page.get_by_role("complementary").filter(has_text="Frister for planen")
    expect(deadlines).to_contain_text("Næste opfølgning på planen")
    expect(deadlines).to_contain_text(f"{next_review:%d.%m.%Y}")
    assert_accessible(page, "plan with a review")
    logout(page)

    # The teacher on the team reads the plan and has no way to change it.
    login(page, live_server, "lotte")
    page.goto(f"{live_server.url}/sager/{case.pk}/plan/")
    expect(page.get_by_role("heading", name="Godkendt plan, version 1")).to_be_visible()
    expect(page.get_by_text("Karla kommer i skole hver dag").first).to_be_visible()
    expect(page.get_by_role("button", name="Start en ny version af planen")).to_have_count(0)
    expect(page.get_by_role("link", name="Følg op på planen")).to_have_count(0)
    assert_accessible(page, "the teacher's view")
