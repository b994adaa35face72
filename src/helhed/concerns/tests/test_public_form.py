"""The public form /underret/: open to anyone (logged out), CSRF-protected, throttled per address, with a
honeypot that keeps bots' submissions out without telling them."""

from __future__ import annotations

import logging
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from helhed.concerns.models import Concern, ConcernAttachment, ThrottleHit
from helhed.core.tests.test_url_sweep import login

URL = "/underret/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path / "documents"


def _data(**kw) -> dict:
    data = {
        "submission_key": uuid.uuid4().hex,
        "notifier_kind": "citizen",
        "notifier_name": "Nabo Naboesen",
        "notifier_role": "Nabo",
        "notifier_email": "nabo@example.invalid",
        "notifier_phone": "12345678",
        "child_first_name": "Mille",
        "child_address": "Prøvevej 1, 2200 København N",
        "description": "Jeg hører ofte råb og gråd fra lejligheden om natten.",
        "categories": ["neglect"],
        "child_knows": "unknown",
        "parents_know": "no",
        "website": "",
    }
    data.update(kw)
    return data


def _html(response) -> str:
    return response.content.decode()


@pytest.mark.django_db
def test_the_form_works_logged_out_and_says_call_112(town):
    response = Client().get(URL)
    html = _html(response)
    assert response.status_code == 200
    assert "Er et barn i akut fare, så ring 112." in html
    # The honeypot is hidden by a CSS class, never an inline style, and out of the tab order.
    field = re.search(r'<input[^>]*name="website"[^>]*>', html).group(0)
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field
    assert 'class="hp-field"' in html and "Lad dette felt være tomt" in html
    assert "style=" not in html and "<script>" not in html
    # No main menu for a visitor without an account.
    assert 'href="/underretninger/modtagelse/"' not in html


@pytest.mark.django_db
def test_a_citizen_reports_logged_out_and_gets_the_reference_on_the_page(town):
    pdf = SimpleUploadedFile("foto.pdf", PDF, content_type="application/pdf")
    response = Client().post(URL, _data(attachments=[pdf]))
    assert response.status_code == 200  # the thank-you page itself: the reference never goes into a URL
    concern = Concern.objects.get()
    html = _html(response)
    assert concern.reference in html and "Tak for din underretning" in html
    assert concern.channel == "public_form" and concern.notifier_kind == "citizen"
    assert concern.notifier_user is None and concern.created_by is None
    assert concern.notifier_name == "Nabo Naboesen" and concern.notifier_phone == "12345678"
    assert concern.receiving_unit == town.family_unit
    assert concern.attachments.count() == 1
    assert ThrottleHit.objects.count() == 1


@pytest.mark.django_db
def test_anonymous_keeps_nothing_about_the_sender(town):
    response = Client().post(URL, _data(notifier_kind="anonymous"))
    assert response.status_code == 200
    concern = Concern.objects.get()
    assert (concern.notifier_name, concern.notifier_email, concern.notifier_phone, concern.notifier_role) == (
        "",
        "",
        "",
        "",
    )
    assert "nabo@example.invalid" not in _html(response)


@pytest.mark.django_db
def test_csrf_works_for_a_visitor_without_an_account(town):
    client = Client(enforce_csrf_checks=True)
    page = client.get(URL)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _html(page)).group(1)
    assert client.post(URL, _data(csrfmiddlewaretoken=token)).status_code == 200
    assert Concern.objects.count() == 1
    refused = Client(enforce_csrf_checks=True).post(URL, _data())
    assert refused.status_code == 403
    assert Concern.objects.count() == 1


@pytest.mark.django_db
def test_a_filled_in_honeypot_gets_the_thank_you_page_and_nothing_is_saved(town, caplog):
    with caplog.at_level(logging.WARNING, logger="helhed.concerns.views"):
        response = Client().post(URL, _data(website="http://spam.invalid"))
    assert response.status_code == 200
    assert "Tak for din underretning" in _html(response)
    assert not Concern.objects.exists() and not ConcernAttachment.objects.exists()
    assert any("honeypot" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_too_many_from_one_address_gets_429(town, settings):
    settings.CONCERN_PUBLIC_PER_HOUR = 2
    client = Client()
    for _ in range(2):
        assert client.post(URL, _data()).status_code == 200
    response = client.post(URL, _data())
    assert response.status_code == 429
    assert "Der er sendt mange underretninger fra din forbindelse" in _html(response)
    assert "ring 112" in _html(response)
    assert Concern.objects.count() == 2
    # Another address is not affected.
    assert client.post(URL, _data(), REMOTE_ADDR="10.9.8.7").status_code == 200


@pytest.mark.django_db
def test_behind_a_proxy_each_citizen_is_counted_by_their_own_address(town, settings):
    """Behind nginx every request comes from 127.0.0.1: with one trusted proxy the throttle keys on the address
    nginx appended to X-Forwarded-For, and an address the client put in front of it changes nothing."""
    settings.CONCERN_PUBLIC_PER_HOUR = 1
    settings.HELHED_TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    client = Client()
    assert client.post(URL, _data(), HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy).status_code == 200
    assert client.post(URL, _data(), HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy).status_code == 429
    spoofed = "198.51.100.1, 203.0.113.5"
    assert client.post(URL, _data(), HTTP_X_FORWARDED_FOR=spoofed, **proxy).status_code == 429
    assert client.post(URL, _data(), HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, message",
    [
        ({"notifier_kind": ""}, "Vælg om du er fagperson, borger eller anonym"),
        ({"description": ""}, "Beskriv hvad du har set og hørt"),
        ({"categories": ["witchcraft"]}, "Ukendt kategori: witchcraft"),
        ({"notifier_email": "ikke-en-adresse"}, "E-mailadressen er ikke gyldig"),
        ({"child_first_name": "", "child_address": ""}, "Skriv hvad du ved om barnet"),
    ],
)
def test_bad_input_is_refused_in_danish_and_nothing_saved(town, change, message):
    response = Client().post(URL, _data(**change))
    assert response.status_code == 400
    assert message in _html(response)
    assert not Concern.objects.exists()
    assert not ThrottleHit.objects.exists()


@pytest.mark.django_db
def test_a_double_submit_saves_once(town):
    client = Client()
    data = _data(submission_key="offentlig-1")
    assert client.post(URL, data).status_code == 200
    again = client.post(URL, data)
    assert again.status_code == 409
    assert Concern.objects.count() == 1


@pytest.mark.django_db
def test_a_logged_in_user_can_use_it_too_and_is_not_recorded_as_the_sender(town):
    client = login(Client(), town.teacher)
    assert client.get(URL).status_code == 200
    assert client.post(URL, _data(notifier_kind="professional")).status_code == 200
    concern = Concern.objects.get()
    assert concern.notifier_user is None and concern.channel == "public_form"
