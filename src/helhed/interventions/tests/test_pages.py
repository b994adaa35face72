"""The pages of the intervention catalogue: who sees what (403 by role, 404 for a case outside one's units),
Danish messages with 400/409 for bad input and nothing saved, the decision with its letter, the waiting list, the
forecast and the reports with their CSV, and query counts that do not grow with the number of rows."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helhed.cases import services as case_services
from helhed.cases.models import TeamRole
from helhed.core.models import AuditAction, AuditEvent
from helhed.core.tests.test_url_sweep import login
from helhed.interventions import policies, services
from helhed.interventions.models import Budget, CostLine, Grant, Offer, Provider, Referral, ReferralStatus
from helhed.plans.tests.helpers import approved_plan

from .conftest import another_case, apply, decide, offer_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path / "documents"


def _today():
    return timezone.localdate()


def _now_period(days: int = 60) -> dict:
    """A period that runs today, so the place is occupied now."""
    return {"requested_start": _today(), "requested_end": _today() + timedelta(days=days)}


def _granted(town, case, offer, **period):
    referral = apply(town, case, offer, **(period or _now_period()))
    decide(town, referral, "grant")
    return Referral.objects.get(pk=referral.pk)


def _body(response) -> str:
    return response.content.decode()


def kroner(amount: Decimal) -> str:
    """An amount as the page shows it (Danish: 1.234,50)."""
    return f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


def committed(year: int, administration: str) -> Decimal:
    """The year's committed cost of one paying administration, summed from the stored cost lines."""
    lines = CostLine.objects.filter(month__year=year, administration__code=administration)
    return sum(lines.values_list("amount", flat=True), Decimal(0))


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


# -- the catalogue --------------------------------------------------------------------------------------


def test_catalogue_lists_offers_with_occupancy_and_full_badge(town, offer, open_case):
    client = login(Client(), town.caseworker)
    body = _body(client.get(reverse("interventions:catalogue")))
    assert "Skoleflex Nord" in body and "Nørrebro Skole" in body and "Fuldt" not in body
    assert "12.000,00 kr. pr. måned" in body
    assert "Nyt tilbud" not in body  # the caseworker does not maintain the catalogue
    _granted(town, open_case, offer)
    body = _body(client.get(reverse("interventions:catalogue")))
    assert "Fuldt" in body
    assert reverse("interventions:offer_detail", args=[offer.pk]) in body


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"kind": "skoleflex"}, True),
        ({"kind": "aftercare"}, False),
        ({"step": "3"}, True),
        ({"step": "6"}, False),
        ({"administration": "BUF"}, True),
        ({"administration": "BIF"}, False),
        ({"q": "nord"}, True),
        ({"q": "døgn"}, False),
        ({"step": "99", "kind": "nonsense"}, True),  # unknown values are ignored
    ],
)
def test_catalogue_filters(town, offer, params, shown):
    client = login(Client(), town.analyst)
    response = client.get(reverse("interventions:catalogue"), params)
    assert response.status_code == 200
    assert ("Skoleflex Nord" in _body(response)) is shown


def test_offers_not_active_today_are_found_with_the_inactive_filter(town, provider):
    services.offer_create(
        actor=town.administrator,
        data=offer_in(provider, code="kommer", name="Kommende tilbud", active_from=_today() + timedelta(days=30)),
    )
    client = login(Client(), town.administrator)
    assert "Kommende tilbud" not in _body(client.get(reverse("interventions:catalogue")))
    body = _body(client.get(reverse("interventions:catalogue"), {"inactive": "on"}))
    assert "Kommende tilbud" in body and "Ikke aktivt i dag" in body


def test_the_catalogue_admin_sees_the_buttons_and_others_are_refused_the_forms(town, offer):
    admin = login(Client(), town.administrator)
    body = _body(admin.get(reverse("interventions:catalogue")))
    assert "Nyt tilbud" in body and "Ny leverandør" in body
    caseworker = login(Client(), town.caseworker)
    assert caseworker.get(reverse("interventions:offer_new")).status_code == 403
    assert caseworker.get(reverse("interventions:offer_edit", args=[offer.pk])).status_code == 403
    assert caseworker.get(reverse("interventions:provider_new")).status_code == 403
    assert login(Client(), town.dpo).get(reverse("interventions:catalogue")).status_code == 403


def test_catalogue_query_count_does_not_grow_with_the_offers(town, provider, open_case, django_assert_max_num_queries):
    first = services.offer_create(actor=town.administrator, data=offer_in(provider, capacity=5))
    _granted(town, open_case, first)
    client = login(Client(), town.caseworker)
    url = reverse("interventions:catalogue")
    baseline = _count_queries(client, url)
    for i in range(6):
        more = services.offer_create(
            actor=town.administrator, data=offer_in(provider, code=f"tilbud-{i}", name=f"Tilbud {i}", capacity=3)
        )
        _granted(town, another_case(town, f"Barn{i}"), more)
    with django_assert_max_num_queries(baseline):
        response = client.get(url)
    assert _body(response).count("Tilbud ") >= 6


# -- one offer ------------------------------------------------------------------------------------------


def test_offer_detail_shows_facts_occupancy_and_a_named_waiting_list(town, offer, open_case):
    _granted(town, open_case, offer)
    second = another_case(town, "Bo")
    waiting = apply(town, second, offer, **_now_period())
    decide(town, waiting, "waitlist")
    client = login(Client(), town.caseworker)
    response = client.get(reverse("interventions:offer_detail", args=[offer.pk]))
    body = _body(response)
    assert "Barnets lov § 32, stk. 1, nr. 3" in body
    assert "Fleksible indsatser tæt på almenskolen" in body
    assert "6 til 16 år" in body and "12 måneder" in body
    assert "SOF" in body and "BUF" in body and "50 %" in body
    assert "Tilbuddet er fuldt i mindst én måned" in body
    assert "Bo Andersen" in body and reverse("interventions:referral", args=[waiting.pk]) in body
    assert AuditEvent.objects.filter(
        request_id=response["X-Request-ID"], action=AuditAction.VIEW, subjects__person_id=second.child_id
    ).exists()
    assert "Ret tilbuddet" not in body
    # Another unit's caseworker sees that a child waits, never who.
    other = _body(login(Client(), town.other_caseworker).get(reverse("interventions:offer_detail", args=[offer.pk])))
    assert "Et barn fra en anden enhed" in other and "Bo Andersen" not in other


def test_offer_detail_warns_about_grants_near_the_maximum_duration(town, provider, open_case):
    today = _today()
    truancy = services.offer_create(
        actor=town.administrator,
        data=offer_in(
            provider,
            code="skulk",
            name="Skoleskulkerklassen",
            kind="truancy_class",
            capacity=None,
            active_from=today - timedelta(days=500),
        ),
    )
    _granted(
        town,
        open_case,
        truancy,
        requested_start=today - timedelta(days=340),
        requested_end=today + timedelta(days=20),
    )
    client = login(Client(), town.caseworker)
    body = _body(client.get(reverse("interventions:offer_detail", args=[truancy.pk])))
    assert "skoleskulkerklasse ikke blive permanent" in body
    assert "1 barn er tæt på eller over den længste varighed" in body
    assert "Karla Testesen" in body
    tab = _body(client.get(reverse("interventions:case", args=[open_case.pk])))
    assert "Tæt på den længste varighed (12 måneder)" in tab


def test_unknown_offer_is_a_404(town):
    client = login(Client(), town.caseworker)
    assert client.get(reverse("interventions:offer_detail", args=[999999])).status_code == 404


# -- the offer and provider forms -----------------------------------------------------------------------


def _offer_form(provider, **kw) -> dict:
    data = {
        "submission_key": uuid.uuid4().hex,
        "name": "Kontaktpersonkorpset",
        "code": "kontaktkorps",
        "kind": "contact_corps",
        "provider": str(provider.pk),
        "legal_basis": "Barnets lov § 32, stk. 1, nr. 5",
        "ladder_step": "3",
        "age_min": "10",
        "age_max": "18",
        "capacity": "",
        "price": "450,50",
        "price_unit": "hour",
        "max_duration_months": "",
        "active_from": "2026-01-01",
        "funding_0_administration": "SOF",
        "funding_0_share": "60",
        "funding_0_unit": "",
        "funding_1_administration": "BUF",
        "funding_1_share": "40",
        "funding_1_unit": "",
        "funding_2_administration": "",
        "funding_2_share": "",
        "funding_2_unit": "",
        "funding_3_administration": "",
        "funding_3_share": "",
        "funding_3_unit": "",
    }
    data.update(kw)
    return data


def test_the_administrator_creates_an_offer_with_its_funding(town, provider):
    client = login(Client(), town.administrator)
    page = client.get(reverse("interventions:offer_new"))
    assert page.status_code == 200 and "Hvem betaler" in _body(page)
    response = client.post(
        reverse("interventions:offer_new"), _offer_form(provider, funding_0_unit=str(town.family_unit.pk))
    )
    offer = Offer.objects.get(code="kontaktkorps")
    assert response.status_code == 302
    assert response["Location"] == reverse("interventions:offer_detail", args=[offer.pk])
    assert offer.price == Decimal("450.50") and offer.capacity is None
    assert {(f.administration.code, f.share, f.paying_unit_id) for f in offer.funding.all()} == {
        ("SOF", Decimal("60"), town.family_unit.pk),
        ("BUF", Decimal("40"), None),
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"price": ""}, "Skriv prisen i kroner"),
        ({"price": "-5"}, "Skriv prisen i kroner (0 eller mere)"),
        ({"capacity": "-1"}, "Kapaciteten skal være et helt antal pladser"),
        ({"age_min": "12", "age_max": "8"}, "Alderen &#x27;til&#x27; er lavere end alderen &#x27;fra&#x27;"),
        ({"funding_1_share": "30"}, "Andelene skal tilsammen være 100 procent (nu 90 procent)"),
        ({"funding_1_administration": "SOF"}, "SOF står to gange i finansieringen"),
        (
            {
                "funding_0_administration": "",
                "funding_1_administration": "",
                "funding_0_share": "",
                "funding_1_share": "",
            },
            "Angiv mindst én forvaltning",
        ),
        ({"active_to": "2025-12-31"}, "Tilbuddet kan ikke slutte, før det begynder"),
        ({"code": "Med Mellemrum"}, "Koden må kun indeholde små bogstaver"),
        ({"ladder_step": ""}, "Vælg tilbuddets trin på indsatstrappen"),
        ({"active_from": "2026-02-30"}, "Indtast en gyldig dato"),
    ],
)
def test_bad_offer_input_gets_a_danish_message_and_400_and_nothing_is_saved(town, provider, change, message):
    client = login(Client(), town.administrator)
    response = client.post(reverse("interventions:offer_new"), _offer_form(provider, **change))
    assert response.status_code == 400
    assert message in _body(response)
    assert not Offer.objects.exists()


def test_an_offer_paid_by_all_four_administrations_keeps_every_share_when_edited(town, provider):
    client = login(Client(), town.administrator)
    shares = {"SOF": "40", "BUF": "30", "BIF": "20", "PSY": "10"}
    form = _offer_form(provider)
    for i, (code, share) in enumerate(shares.items()):
        form |= {f"funding_{i}_administration": code, f"funding_{i}_share": share}
    assert client.post(reverse("interventions:offer_new"), form).status_code == 302
    offer = Offer.objects.get()
    page = _body(client.get(reverse("interventions:offer_edit", args=[offer.pk])))
    assert 'name="funding_3_share" value="10"' in page and '<option value="PSY" selected>' in page
    edit = {**form, "version": str(offer.version), "price": "500"}
    assert client.post(reverse("interventions:offer_edit", args=[offer.pk]), edit).status_code == 302
    assert {f.administration.code: f.share for f in offer.funding.all()} == {k: Decimal(v) for k, v in shares.items()}


def test_a_double_submitted_offer_is_saved_once(town, provider):
    client = login(Client(), town.administrator)
    form = _offer_form(provider)
    assert client.post(reverse("interventions:offer_new"), form).status_code == 302
    again = client.post(reverse("interventions:offer_new"), form)
    assert again.status_code == 409 and "allerede sendt" in _body(again)
    assert Offer.objects.count() == 1


def test_the_administrator_edits_an_offer_and_a_stale_form_is_refused(town, offer):
    client = login(Client(), town.administrator)
    url = reverse("interventions:offer_edit", args=[offer.pk])
    page = client.get(url)
    assert page.status_code == 200
    body = _body(page)
    assert 'value="Skoleflex Nord"' in body and 'value="12000"' in body and 'value="50"' in body
    form = _offer_form(
        offer.provider,
        code=offer.code,
        name="Skoleflex Nord",
        kind="skoleflex",
        price="13000",
        price_unit="month",
        capacity="2",
        version=str(offer.version),
        funding_0_share="50",
        funding_1_share="50",
    )
    assert client.post(url, form).status_code == 302
    offer.refresh_from_db()
    assert offer.price == Decimal("13000") and offer.capacity == 2 and offer.version == 2
    stale = client.post(url, {**form, "price": "14000"})
    assert stale.status_code == 409 and "ændret af en anden imens" in _body(stale)
    offer.refresh_from_db()
    assert offer.price == Decimal("13000")


def test_the_administrator_creates_providers(town):
    client = login(Client(), town.administrator)
    url = reverse("interventions:provider_new")
    assert client.get(url).status_code == 200
    internal = client.post(
        url, {"submission_key": uuid.uuid4().hex, "name": "Skolen", "kind": "internal", "unit": town.school.pk}
    )
    assert internal.status_code == 302 and Provider.objects.get(name="Skolen").unit == town.school
    bad = client.post(url, {"name": "Privat", "kind": "external", "cvr": "12345678"})
    assert bad.status_code == 400 and "12345678 er ikke et gyldigt CVR-nummer" in _body(bad)
    no_unit = client.post(url, {"name": "Enhed", "kind": "internal"})
    assert no_unit.status_code == 400 and "Vælg den kommunale enhed" in _body(no_unit)
    external = client.post(url, {"name": "Privat ApS", "kind": "external", "cvr": "13585628"})
    assert external.status_code == 302 and Provider.objects.get(name="Privat ApS").cvr == "13585628"
    again = client.post(url, {"name": "Samme ApS", "kind": "external", "cvr": "13585628"})
    assert again.status_code == 400 and "findes allerede en leverandør" in _body(again)
    assert Provider.objects.count() == 2


# -- the case tab and the application ------------------------------------------------------------------


def test_the_case_tab_lists_grants_and_applications(town, offer, open_case):
    granted = _granted(town, open_case, offer)
    client = login(Client(), town.caseworker)
    response = client.get(reverse("interventions:case", args=[open_case.pk]))
    body = _body(response)
    assert response.status_code == 200
    assert 'aria-current="page">Indsatser<' in body
    assert "Søg om tilbud" in body and "Skoleflex Nord" in body and "Løber" in body and "Bevilget" in body
    assert "SOF 50 %" in body
    assert reverse("cases:document_download", args=[open_case.pk, granted.letter_id]) in body
    assert AuditEvent.objects.filter(
        request_id=response["X-Request-ID"], action=AuditAction.VIEW, subjects__person_id=open_case.child_id
    ).exists()
    # The tab is on every case page of those who see the journal.
    assert reverse("interventions:case", args=[open_case.pk]) in _body(
        client.get(reverse("cases:detail", args=[open_case.pk]))
    )


def test_the_case_tab_is_closed_to_the_team_professional_and_another_unit(town, offer, open_case):
    case_services.team_member_add(actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER)
    url = reverse("interventions:case", args=[open_case.pk])
    assert login(Client(), town.teacher).get(url).status_code == 403
    assert reverse("interventions:case", args=[open_case.pk]) not in _body(
        login(Client(), town.teacher).get(reverse("cases:detail", args=[open_case.pk]))
    )
    assert login(Client(), town.other_caseworker).get(url).status_code == 404
    assert (
        login(Client(), town.other_caseworker).get(reverse("interventions:apply", args=[open_case.pk])).status_code
        == 404
    )
    assert login(Client(), town.teacher).get(reverse("interventions:apply", args=[open_case.pk])).status_code == 403


def test_case_tab_query_count_does_not_grow_with_the_rows(town, provider, open_case, django_assert_max_num_queries):
    first = services.offer_create(actor=town.administrator, data=offer_in(provider, capacity=None))
    _granted(town, open_case, first)
    client = login(Client(), town.caseworker)
    url = reverse("interventions:case", args=[open_case.pk])
    baseline = _count_queries(client, url)
    for i in range(5):
        more = services.offer_create(
            actor=town.administrator, data=offer_in(provider, code=f"t{i}", name=f"Tilbud {i}", capacity=None)
        )
        _granted(town, open_case, more)
        apply(
            town,
            open_case,
            more,
            requested_start=_today() + timedelta(days=100),
            requested_end=_today() + timedelta(days=120),
        )
    with django_assert_max_num_queries(baseline):
        assert client.get(url).status_code == 200


def _apply_form(the_offer, **kw) -> dict:
    data = {
        "submission_key": uuid.uuid4().hex,
        "offer": str(the_offer.pk),
        "requested_start": (_today() + timedelta(days=10)).isoformat(),
        "requested_end": (_today() + timedelta(days=100)).isoformat(),
        "units": "1",
        "reason": "Karla har brug for et fleksibelt skoleforløb.",
    }
    data.update(kw)
    return data


def test_the_caseworker_applies_with_a_plan_goal_and_lands_on_the_application(town, offer, open_case):
    version = approved_plan(town.caseworker, open_case)
    goal = version.goals.get(life_area="learning")
    client = login(Client(), town.caseworker)
    url = reverse("interventions:apply", args=[open_case.pk])
    page = _body(client.get(url))
    assert "Karla kommer i skole hver dag" in page and "Målene er fra den godkendte plan, version 1." in page
    assert "Skoleflex Nord" in page
    response = client.post(url, _apply_form(offer, goals=[str(goal.pk)]))
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("interventions:referral", args=[referral.pk])
    assert list(referral.goals.all()) == [goal]
    detail = _body(client.get(response["Location"]))
    assert "Ansøgningen er sendt til visitation" in detail
    assert "Dagtilbud, skole og læring: Karla kommer i skole hver dag" in detail
    assert "Lederen af sagens enhed træffer afgørelsen." in detail  # the caseworker does not decide
    assert "Træk ansøgningen tilbage" in detail


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"requested_end": (timezone.localdate() - timedelta(days=1)).isoformat()},
            "Slutdatoen ligger før startdatoen",
        ),
        ({"reason": ""}, "Skriv hvorfor barnet har brug for tilbuddet"),
        ({"units": "0"}, "Skriv omfanget som et tal over 0"),
        ({"units": "1,234"}, "Brug højst to decimaler"),
        ({"offer": ""}, "Vælg et tilbud fra tilbudsviften"),
        ({"offer": "999999"}, "Marker en gyldig valgmulighed"),
        ({"requested_start": "1026-01-01"}, "ligger før år 1900"),
        ({"goals": ["999999"]}, "Marker en gyldig valgmulighed"),
    ],
)
def test_bad_applications_get_a_danish_message_and_400_and_nothing_is_saved(town, offer, open_case, change, message):
    client = login(Client(), town.caseworker)
    response = client.post(reverse("interventions:apply", args=[open_case.pk]), _apply_form(offer, **change))
    assert response.status_code == 400
    assert message in _body(response)
    assert not Referral.objects.exists()


def test_an_overlapping_application_is_refused(town, offer, open_case):
    client = login(Client(), town.caseworker)
    url = reverse("interventions:apply", args=[open_case.pk])
    assert client.post(url, _apply_form(offer)).status_code == 302
    again = client.post(url, _apply_form(offer))
    assert again.status_code == 400 and "allerede en åben ansøgning om Skoleflex Nord" in _body(again)
    assert Referral.objects.count() == 1


def test_an_application_for_a_child_who_already_has_the_offer_in_the_period_is_refused(town, offer, open_case):
    _granted(town, open_case, offer)
    client = login(Client(), town.caseworker)
    response = client.post(
        reverse("interventions:apply", args=[open_case.pk]),
        _apply_form(offer, requested_start=_today().isoformat()),
    )
    assert response.status_code == 400 and "Barnet har allerede en bevilling af Skoleflex Nord" in _body(response)
    assert Referral.objects.count() == 1


# -- the visitation -------------------------------------------------------------------------------------


def test_the_leader_sees_the_queue_and_the_other_leader_does_not(town, offer, open_case):
    referral = apply(town, open_case, offer)
    leader = login(Client(), town.leader)
    response = leader.get(reverse("interventions:visitation"))
    body = _body(response)
    assert "Karla Testesen" in body and "Skoleflex Nord" in body and "Ansøgt" in body
    assert reverse("interventions:referral", args=[referral.pk]) in body
    assert AuditEvent.objects.filter(
        request_id=response["X-Request-ID"], action=AuditAction.VIEW, subjects__person_id=open_case.child_id
    ).exists()
    other = _body(login(Client(), town.other_leader).get(reverse("interventions:visitation")))
    assert "Karla Testesen" not in other and "Ingen åbne ansøgninger." in other
    assert login(Client(), town.caseworker).get(reverse("interventions:visitation")).status_code == 403


def test_the_visitation_queue_shows_waiting_positions(town, offer, open_case):
    _granted(town, open_case, offer)
    first = apply(town, another_case(town, "Bo"), offer, **_now_period())
    decide(town, first, "waitlist")
    second = apply(town, another_case(town, "Ea"), offer, **_now_period())
    decide(town, second, "waitlist")
    leader = login(Client(), town.leader)
    body = _body(leader.get(reverse("interventions:visitation")))
    assert body.index("Bo Andersen") < body.index("Ea Andersen")
    assert "På venteliste" in body and "<td>1</td>" in body and "<td>2</td>" in body


def test_visitation_query_count_does_not_grow_with_the_applications(
    town, provider, open_case, django_assert_max_num_queries
):
    offer = services.offer_create(actor=town.administrator, data=offer_in(provider, capacity=1))
    _granted(town, open_case, offer)
    decide(town, apply(town, another_case(town, "Bo"), offer, **_now_period()), "waitlist")
    client = login(Client(), town.leader)
    url = reverse("interventions:visitation")
    baseline = _count_queries(client, url)
    for i in range(5):
        other = services.offer_create(
            actor=town.administrator, data=offer_in(provider, code=f"v{i}", name=f"Tilbud {i}", capacity=1)
        )
        case = another_case(town, f"Barn{i}")
        apply(town, case, other)
        decide(town, apply(town, another_case(town, f"Venter{i}"), offer, **_now_period()), "waitlist")
    with django_assert_max_num_queries(baseline):
        response = client.get(url)
    assert _body(response).count("Barn") >= 5


# -- the referral page and the decision -----------------------------------------------------------------


def _decision(referral, **kw) -> dict:
    referral.refresh_from_db()
    data = {
        "decision-version": str(referral.version),
        "decision-outcome": "grant",
        "decision-start": referral.requested_start.isoformat(),
        "decision-end": referral.requested_end.isoformat(),
        "decision-units": "1",
        "decision-note": "",
        "decision-over_max_reason": "",
        "decision-skip_queue_reason": "",
    }
    data.update({f"decision-{k}": v for k, v in kw.items()})
    return data


def test_the_leader_grants_and_the_page_shows_the_grant_and_its_letter(town, offer, open_case):
    referral = apply(town, open_case, offer)
    leader = login(Client(), town.leader)
    page = _body(leader.get(reverse("interventions:referral", args=[referral.pk])))
    assert "Træf afgørelse" in page and "Der er en ledig plads i hele den ønskede periode." in page
    assert 'name="decision-start" value="2026-12-01"' in page  # prefilled from the application
    response = leader.post(reverse("interventions:referral_decide", args=[referral.pk]), _decision(referral))
    assert response.status_code == 302
    referral.refresh_from_db()
    grant = Grant.objects.get(referral=referral)
    assert referral.status == ReferralStatus.GRANTED and grant.price == Decimal("12000.00")
    body = _body(leader.get(response["Location"]))
    assert "Tilbuddet er bevilget." in body
    assert reverse("cases:document_download", args=[open_case.pk, referral.letter_id]) in body
    assert "Ændr bevilling" in body and "Afslut bevilling" in body
    assert "BUF – " in body and "50 %" in body
    letter = leader.get(reverse("cases:document_download", args=[open_case.pk, referral.letter_id]))
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    # The caseworker reads the grant but gets neither the decision nor the change forms.
    caseworker = _body(login(Client(), town.caseworker).get(response["Location"]))
    assert "Bevillingen" in caseworker and "Ændr bevilling" not in caseworker and "Træf afgørelse" not in caseworker


def test_a_refusal_needs_its_reason(town, offer, open_case):
    referral = apply(town, open_case, offer)
    leader = login(Client(), town.leader)
    url = reverse("interventions:referral_decide", args=[referral.pk])
    bad = leader.post(url, _decision(referral, outcome="refuse"))
    assert bad.status_code == 400 and "Skriv begrundelsen for afslaget" in _body(bad)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.APPLIED and referral.letter_id is None
    good = leader.post(url, _decision(referral, outcome="refuse", note="Barnet er bedre hjulpet af en kontaktperson."))
    assert good.status_code == 302
    body = _body(leader.get(good["Location"]))
    assert "Afslået" in body and "Du kan klage over afgørelsen" in body


def test_granting_a_full_offer_is_a_409_with_advice_and_the_waiting_list_follows(town, offer, open_case):
    _granted(town, open_case, offer, requested_start=_today(), requested_end=_today() + timedelta(days=200))
    second = another_case(town, "Bo")
    referral = apply(town, second, offer, **_now_period())
    leader = login(Client(), town.leader)
    page = _body(leader.get(reverse("interventions:referral", args=[referral.pk])))
    assert "Tilbuddet er fuldt i den ønskede periode." in page
    assert (_today() + timedelta(days=201)).strftime("%d.%m.%Y") in page  # the first free day
    url = reverse("interventions:referral_decide", args=[referral.pk])
    full = leader.post(url, _decision(referral))
    assert full.status_code == 409
    assert "Skoleflex Nord er fuldt i perioden" in _body(full) and "Sæt barnet på venteliste" in _body(full)
    assert not Grant.objects.filter(referral=referral).exists()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.APPLIED and referral.letter_id is None
    waitlisted = leader.post(url, _decision(referral, outcome="waitlist"))
    assert waitlisted.status_code == 302
    body = _body(leader.get(waitlisted["Location"]))
    assert "Barnet er sat på ventelisten." in body and "Barnet er nr. 1 af 1 på ventelisten." in body
    assert "Forventet start" in body


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"end": "2026-11-01"}, 400, "Slutdatoen ligger før startdatoen"),
        ({"units": "-1"}, 400, "Skriv omfanget som et tal over 0"),
        ({"outcome": ""}, 400, "Vælg afgørelsen"),
        ({"version": "0"}, 409, "ændret af en anden imens"),
        ({"end": "2028-05-31"}, 400, "må højst vare 12 måneder"),
    ],
)
def test_bad_decisions_are_refused_and_nothing_changes(town, offer, open_case, change, status, message):
    referral = apply(town, open_case, offer)
    leader = login(Client(), town.leader)
    response = leader.post(reverse("interventions:referral_decide", args=[referral.pk]), _decision(referral, **change))
    assert response.status_code == status
    assert message in _body(response)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.APPLIED and not Grant.objects.exists()


def test_over_the_maximum_duration_with_a_reason_is_granted(town, offer, open_case):
    referral = apply(town, open_case, offer, requested_end=offer.active_from.replace(year=2028))
    leader = login(Client(), town.leader)
    page = _body(leader.get(reverse("interventions:referral", args=[referral.pk])))
    assert "længere end den længste varighed på 12 måneder" in page
    response = leader.post(
        reverse("interventions:referral_decide", args=[referral.pk]),
        _decision(referral, over_max_reason="Barnet afslutter 9. klasse i tilbuddet; skiftet nu ville skade."),
    )
    assert response.status_code == 302
    assert Grant.objects.get().over_max_reason.startswith("Barnet afslutter 9. klasse")


def test_a_leader_of_another_unit_gets_404_and_cannot_decide(town, offer, open_case):
    referral = apply(town, open_case, offer)
    other = login(Client(), town.other_leader)
    assert other.get(reverse("interventions:referral", args=[referral.pk])).status_code == 404
    response = other.post(reverse("interventions:referral_decide", args=[referral.pk]), _decision(referral))
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.APPLIED
    # The caseworker of the case cannot decide either (no visitation permission).
    caseworker = login(Client(), town.caseworker)
    assert (
        caseworker.post(reverse("interventions:referral_decide", args=[referral.pk]), _decision(referral)).status_code
        == 403
    )
    assert login(Client(), town.analyst).get(reverse("interventions:referral", args=[referral.pk])).status_code == 403


def test_the_caseworker_withdraws_an_application(town, offer, open_case):
    referral = apply(town, open_case, offer)
    client = login(Client(), town.caseworker)
    url = reverse("interventions:referral_withdraw", args=[referral.pk])
    bad = client.post(url, {"withdraw-version": str(referral.version), "withdraw-reason": ""})
    assert bad.status_code == 400 and "Skriv hvorfor ansøgningen trækkes tilbage." in _body(bad)
    good = client.post(url, {"withdraw-version": str(referral.version), "withdraw-reason": "Familien flytter."})
    assert good.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN
    again = client.post(url, {"withdraw-version": str(referral.version), "withdraw-reason": "Igen."})
    assert again.status_code == 409 and "allerede afgjort" in _body(again)


def test_the_leader_changes_and_ends_a_grant(town, offer, open_case):
    referral = _granted(town, open_case, offer, requested_start=_today(), requested_end=_today() + timedelta(days=60))
    grant = Grant.objects.get(referral=referral)
    leader = login(Client(), town.leader)
    change_url = reverse("interventions:grant_change", args=[grant.pk])
    unchanged = leader.post(
        change_url,
        {"change-version": grant.version, "change-end": grant.end.isoformat(), "change-reason": "Samme"},
    )
    assert unchanged.status_code == 400 and "Ændringen ændrer hverken slutdato eller omfang." in _body(unchanged)
    too_long = leader.post(
        change_url,
        {
            "change-version": grant.version,
            "change-end": (_today() + timedelta(days=500)).isoformat(),
            "change-reason": "Forlænges",
        },
    )
    assert too_long.status_code == 400 and "må højst vare 12 måneder" in _body(too_long)
    new_end = _today() + timedelta(days=120)
    changed = leader.post(
        change_url,
        {"change-version": grant.version, "change-end": new_end.isoformat(), "change-reason": "Barnet trives."},
    )
    assert changed.status_code == 302
    grant.refresh_from_db()
    assert grant.end == new_end and grant.version == 2
    body = _body(leader.get(changed["Location"]))
    assert "Bevillingen er ændret." in body and "Barnet trives." in body and "Ændret" in body
    end_url = reverse("interventions:grant_terminate", args=[grant.pk])
    before_start = leader.post(
        end_url,
        {
            "end-version": grant.version,
            "end-last_day": (grant.start - timedelta(days=1)).isoformat(),
            "end-reason": "x",
        },
    )
    assert before_start.status_code == 400 and "ligger før bevillingens start" in _body(before_start)
    ended = leader.post(
        end_url,
        {"end-version": grant.version, "end-last_day": _today().isoformat(), "end-reason": "Tilbage i klassen."},
    )
    assert ended.status_code == 302
    grant.refresh_from_db()
    assert grant.terminated and grant.end == _today()
    body = _body(leader.get(ended["Location"]))
    assert "Ophørt" in body and "Ændr bevilling" not in body
    assert grant.changes.count() == 2 and all(c.letter_id for c in grant.changes.all())
    assert login(Client(), town.caseworker).post(end_url, {}).status_code == 403
    assert login(Client(), town.other_leader).post(change_url, {"change-version": grant.version}).status_code == 404


# -- economy --------------------------------------------------------------------------------------------


def test_the_forecast_shows_the_committed_cost_against_the_budget(town, offer, open_case):
    analyst = login(Client(), town.analyst)
    url = reverse("interventions:forecast")
    empty = _body(analyst.get(url))
    assert 'id="forecast-total">0,00 kr.' in empty and "Der er ikke sat et budget." in empty
    year = _today().year
    start, end = _today(), _today() + timedelta(days=60)
    _granted(town, open_case, offer, requested_start=start, requested_end=end)
    this_year = sum(
        (
            amount
            for month, amount in policies.monthly_cost(
                price=Decimal(12000), price_unit="month", units=Decimal(1), start=start, end=end
            )
            if month.year == year
        ),
        Decimal(0),
    )
    shown = kroner(this_year)
    body = _body(analyst.get(url))
    assert f'id="forecast-total">{shown} kr.' in body
    assert "<svg" in body and 'role="img"' in body and "<script" not in body.split("<svg", 1)[1]
    sof_part, buf_part = committed(year, "SOF"), committed(year, "BUF")
    assert sof_part + buf_part == this_year
    assert "Fordeling på forvaltninger" in body
    assert f"<td>{kroner(sof_part)}</td>" in body and f"<td>{kroner(buf_part)}</td>" in body
    sof = _body(analyst.get(url, {"year": year, "administration": "SOF"}))
    assert f'id="forecast-total">{kroner(sof_part)} kr.' in sof
    services.budget_set(
        actor=town.administrator, data=services.BudgetIn(administration="SOF", year=year, amount="1000000")
    )
    assert "Økonomi i balance" in _body(analyst.get(url, {"year": year, "administration": "SOF"}))
    services.budget_set(actor=town.administrator, data=services.BudgetIn(administration="BUF", year=year, amount="1"))
    assert "Over budget" in _body(analyst.get(url, {"year": year, "administration": "BUF"}))
    unit = _body(analyst.get(url, {"year": year, "unit": town.family_unit.pk}))
    assert f'id="forecast-total">{kroner(sof_part)} kr.' in unit  # SOF's half is paid by the case's family unit


def test_the_forecast_refuses_unknown_filters_and_roles_without_economy(town):
    analyst = login(Client(), town.analyst)
    bad = analyst.get(reverse("interventions:forecast"), {"year": "abc"})
    assert bad.status_code == 400 and "Vælg år, forvaltning og enhed" in _body(bad)
    assert analyst.get(reverse("interventions:forecast"), {"unit": "999999"}).status_code == 400
    assert login(Client(), town.caseworker).get(reverse("interventions:forecast")).status_code == 403


def test_the_chart_never_takes_the_page_down(town, offer, open_case, monkeypatch):
    from helhed.core import charts

    _granted(town, open_case, offer)

    def broken(*args, **kwargs):
        raise RuntimeError("renderer down")

    monkeypatch.setattr(charts, "_render", broken)
    response = login(Client(), town.analyst).get(reverse("interventions:forecast"))
    assert response.status_code == 200 and "<svg" not in _body(response) and "Måned for måned" in _body(response)


def test_the_administrator_sets_and_changes_budgets(town):
    client = login(Client(), town.administrator)
    url = reverse("interventions:budgets")
    assert client.get(url).status_code == 200
    year = _today().year
    created = client.post(url, {"year": str(year), "administration": "SOF", "amount": "2500000,50", "note": "Vedtaget"})
    assert created.status_code == 302
    budget = Budget.objects.get()
    assert budget.amount == Decimal("2500000.50") and budget.unit is None
    page = _body(client.get(url, {"ret": budget.pk}))
    assert "Ret budget" in page and 'value="2500000,5"' in page
    changed = client.post(
        url, {"version": budget.version, "year": str(year), "administration": "SOF", "amount": "3000000"}
    )
    assert changed.status_code == 302
    budget.refresh_from_db()
    assert budget.amount == Decimal("3000000") and Budget.objects.count() == 1
    stale = client.post(url, {"version": "1", "year": str(year), "administration": "SOF", "amount": "1"})
    assert stale.status_code == 409
    negative = client.post(url, {"year": str(year), "administration": "BUF", "amount": "-1"})
    assert negative.status_code == 400 and "Skriv budgettet i kroner (0 eller mere)." in _body(negative)
    wrong_unit = client.post(
        url, {"year": str(year), "administration": "BUF", "amount": "1", "unit": town.family_unit.pk}
    )
    assert wrong_unit.status_code == 400 and "Enheden findes ikke i" in _body(wrong_unit)
    assert Budget.objects.count() == 1
    assert login(Client(), town.analyst).get(url).status_code == 403


# -- reports --------------------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_reports_page_and_its_csv_exports(town, offer, open_case):
    _granted(town, open_case, offer)
    decide(town, apply(town, another_case(town, "Bo"), offer, **_now_period()), "waitlist")
    analyst = login(Client(), town.analyst)
    body = _body(analyst.get(reverse("interventions:reports")))
    assert "100,0 % af børnene med et tilbud i dag får kun hjælp tæt på almenskolen (trin 1-3): 1 af 1 børn." in body
    assert "Karla" not in body and "Bo Andersen" not in body
    year = _today().year
    occupancy = analyst.get(reverse("interventions:report_csv", args=["occupancy"]), {"year": year})
    assert occupancy["Content-Type"] == "text/csv; charset=utf-8"
    assert f"tilbud-belaegning-{year}.csv" in occupancy["Content-Disposition"]
    rows = _csv(occupancy)
    assert rows[0] == [
        "Tilbud",
        "Type",
        "Kapacitet",
        "Optaget i dag",
        "Gennemsnitligt optaget",
        "Udnyttelse (%)",
        "På venteliste",
    ]
    assert rows[1][:4] == ["Skoleflex Nord", "Skoleflex", "1", "1"] and rows[1][6] == "1"
    waiting = _csv(analyst.get(reverse("interventions:report_csv", args=["waiting"])))
    assert waiting[0][0] == "Tilbud" and waiting[1][0] == "Skoleflex Nord" and waiting[1][4] == "1"
    by_kind = _csv(analyst.get(reverse("interventions:report_csv", args=["cost_by_kind"])))
    total = CostLine.objects.filter(month__year=year).values_list("amount", flat=True)
    assert by_kind == [["Type", "Forpligtede udgifter (kr.)"], ["Skoleflex", f"{sum(total):.2f}".replace(".", ",")]]
    by_step = _csv(analyst.get(reverse("interventions:report_csv", args=["cost_by_step"])))
    assert by_step[0] == ["Trin på indsatstrappen", "Navn", "Tæt på almenskolen", "Forpligtede udgifter (kr.)"]
    assert by_step[3][:3] == ["3", "Fleksible indsatser tæt på almenskolen", "ja"] and by_step[6][3] == "0,00"
    assert analyst.get(reverse("interventions:report_csv", args=["people"])).status_code == 404
    assert login(Client(), town.caseworker).get(reverse("interventions:reports")).status_code == 403


def test_a_csv_cell_that_looks_like_a_formula_is_defused(town, provider):
    services.offer_create(actor=town.administrator, data=offer_in(provider, name="=HYPERLINK(1)"))
    rows = _csv(login(Client(), town.analyst).get(reverse("interventions:report_csv", args=["occupancy"])))
    assert rows[1][0] == "'=HYPERLINK(1)"


# -- the menu -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        ("caseworker", ["Tilbudsvifte"], ["Visitation", "Økonomi"]),
        ("leader", ["Tilbudsvifte", "Visitation", "Økonomi"], []),
        ("analyst", ["Tilbudsvifte", "Økonomi"], ["Visitation"]),
        ("administrator", ["Tilbudsvifte"], ["Visitation", "Økonomi"]),
        ("dpo", [], ["Tilbudsvifte", "Visitation", "Økonomi"]),
    ],
)
def test_the_main_menu_shows_the_entries_by_permission(town, who, shown, hidden):
    client = login(Client(), getattr(town, who))
    response = client.get("/", follow=True)
    body = _body(response)
    for label in shown:
        assert f"<span>{label}</span>" in body, (who, label)
    for label in hidden:
        assert f"<span>{label}</span>" not in body, (who, label)


def test_the_user_guide_is_under_help(town):
    client = login(Client(), town.caseworker)
    assert reverse("core:help_page", args=["tilbud"]) in _body(client.get(reverse("core:help")))
    page = _body(client.get(reverse("core:help_page", args=["tilbud"])))
    assert "Brugervejledning: Tilbud, visitation og økonomi" in page
    for heading in ("Tilbudsviften", "Søg om et tilbud", "Visitation: lederens afgørelse", "Ventelister"):
        assert heading in page
