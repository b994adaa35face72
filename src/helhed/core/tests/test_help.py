"""The user guides are reachable from the UI, rendered without raw HTML, and unknown pages are 404."""

from django.test import Client
from django.urls import reverse


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_help_lists_the_case_guide_and_renders_it(town):
    client = _client(town.caseworker)
    index = client.get(reverse("core:help"))
    assert index.status_code == 200
    assert reverse("core:help_page", args=["sagen"]) in index.content.decode()
    page = client.get(reverse("core:help_page", args=["sagen"]))
    assert page.status_code == 200
    assert "<h1>" in page.content.decode() and "Mine sager" in page.content.decode()


def test_raw_html_in_a_guide_is_not_rendered(town, settings, tmp_path):
    (tmp_path / "test-side.md").write_text("# Titel\n\n<script>alert(1)</script>\n", encoding="utf-8")
    settings.HELP_DIR = tmp_path
    page = _client(town.teacher).get(reverse("core:help_page", args=["test-side"]))
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.content.decode()
    assert "&lt;script&gt;" in page.content.decode()


def test_unknown_or_odd_guide_names_are_404(town):
    client = _client(town.caseworker)
    assert client.get(reverse("core:help_page", args=["findes-ikke"])).status_code == 404
    assert client.get("/hjaelp/..%2Fsettings/").status_code == 404


def test_help_requires_login(client):
    response = client.get(reverse("core:help"))
    assert response.status_code == 302
