"""The consent and sharing page and the share fields on the journal form, through the test client: who may
see and write, Danish answers with 4xx to bad input, nothing half-saved."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.cases import services as case_services
from helhed.cases.models import JournalNote, TeamRole
from helhed.consent.models import Consent, Disclosure
from helhed.core.tests.test_url_sweep import login
from helhed.testing.sharing import custody_holder, give_consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def mother(child):
    return custody_holder(child)


@pytest.fixture
def team(town, open_case, mother):
    case_services.team_member_add(actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER)
    return open_case


def _url(case):
    return reverse("consent:case", args=[case.pk])


def _html(response):
    return response.content.decode()


def _consent_post(mother, **kw):
    today = timezone.localdate().isoformat()
    data = {
        "action": "consent",
        "consent-given_by": [mother.pk],
        "consent-given_on": today,
        "consent-administrations": ["BUF"],
        "consent-info_kinds": ["note", "plan"],
        "consent-purpose": "Samarbejde med skolen om Karlas trivsel.",
        "consent-valid_from": today,
    }
    data.update(kw)
    return data


def test_the_caseworker_records_a_consent_and_sees_coverage_and_the_register(town, team, mother):
    rikke = login(Client(), town.caseworker)
    page = rikke.get(_url(team))
    assert page.status_code == 200
    html = _html(page)
    assert "Nørrebro Skole (BUF)" in html and "Kræver samtykke eller lovgrundlag" in html
    assert "Forvaltningsloven § 28" in html and mother.full_name in html
    response = rikke.post(_url(team), _consent_post(mother))
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.administrations == ["BUF"] and consent.info_kinds == ["note", "plan"]
    html = _html(rikke.get(_url(team)))
    assert "Samarbejde med skolen om Karlas trivsel." in html and "Registrér tilbagekaldelse" in html


def test_bad_consent_input_is_a_danish_400_and_nothing_is_saved(town, team, mother):
    rikke = login(Client(), town.caseworker)
    for change, text in (
        ({"consent-administrations": []}, "Dette felt er påkrævet"),
        ({"consent-purpose": ""}, "Dette felt er påkrævet"),
        ({"consent-given_by": [999999]}, "Marker en gyldig valgmulighed"),
        ({"consent-valid_to": "2000-01-01"}, "Slutdatoen ligger før startdatoen"),
        ({"consent-unit_ids": [town.jobcenter.pk]}, "Marker en gyldig valgmulighed"),  # not on the team
        (
            {"consent-administrations": ["BIF"], "consent-unit_ids": [town.school.pk]},
            "hører ikke til en af de valgte forvaltninger",
        ),
    ):
        response = rikke.post(_url(team), _consent_post(mother, **change))
        assert response.status_code == 400, change
        assert text in _html(response), (change, text)
    assert not Consent.objects.exists()


def test_withdrawal_and_sharing_what_waits_from_the_page(town, team, mother):
    rikke = login(Client(), town.caseworker)
    case_services.journal_note_add(
        actor=town.caseworker,
        case_id=team.pk,
        kind="note",
        title="Skolemøde",
        body="Opdigtet.",
        occurred_on=timezone.localdate(),
        shared_with_team=True,
        share_basis="early_preventive",
        share_reason="Skolen skal støtte barnet i klassen.",
    )
    Disclosure.objects.all().delete()
    html = _html(rikke.get(_url(team)))
    assert "Delt med teamet, men ikke videregivet" in html and "Skolemøde" in html
    response = rikke.post(_url(team), {"action": "share", "share-unit": town.school.pk, "share-share_basis": ""})
    assert response.status_code == 400 and "der er ikke et gyldigt samtykke" in _html(response)
    assert not Disclosure.objects.exists()
    response = rikke.post(
        _url(team),
        {
            "action": "share",
            "share-unit": town.school.pk,
            "share-share_basis": "early_preventive",
            "share-share_reason": "Skolen skal støtte barnet i klassen.",
        },
    )
    assert response.status_code == 302 and Disclosure.objects.count() == 1
    consent = give_consent(team, town.caseworker)
    response = rikke.post(
        _url(team), {"action": "withdraw", "consent": consent.pk, "withdraw-version": consent.version}
    )
    assert response.status_code == 400 and "Dette felt er påkrævet" in _html(response)
    response = rikke.post(
        _url(team),
        {
            "action": "withdraw",
            "consent": consent.pk,
            "withdraw-version": consent.version,
            "withdraw-reason": "Far ringede.",
        },
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.status == "withdrawn"
    assert rikke.post(_url(team), {"action": "bogus"}).status_code == 400


def test_the_team_cannot_open_the_register_and_strangers_get_404(town, team):
    assert login(Client(), town.teacher).get(_url(team)).status_code == 403
    assert login(Client(), town.teacher).post(_url(team), {"action": "consent"}).status_code == 403
    assert login(Client(), town.other_caseworker).get(_url(team)).status_code == 404


def test_the_journal_form_says_why_it_cannot_share_and_keeps_the_text(town, team):
    rikke = login(Client(), town.caseworker)
    url = reverse("cases:journal", args=[team.pk])
    data = {
        "submission_key": uuid.uuid4().hex,
        "kind": "note",
        "title": "Samtale med mor",
        "occurred_on": timezone.localdate().isoformat(),
        "body": "Mor fortalte om morgenerne.",
        "shared_with_team": "on",
    }
    response = rikke.post(url, data)
    html = _html(response)
    assert response.status_code == 400
    assert "Kan ikke deles med Nørrebro Skole (BUF)" in html and "Mor fortalte om morgenerne." in html
    assert not JournalNote.objects.exists()
    data.update(share_basis="early_preventive", share_reason="Skolen skal kende morgenerne.")
    assert rikke.post(url, data).status_code == 302
    assert Disclosure.objects.get().legal_basis.code == "early_preventive"
    teacher_page = _html(login(Client(), town.teacher).get(reverse("cases:detail", args=[team.pk])))
    assert "Samtale med mor" in teacher_page
