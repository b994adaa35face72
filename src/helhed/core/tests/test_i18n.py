"""The English translation (ADR 0008): the catalogue is complete and compiled, and the language cookie,
not the browser's Accept-Language, decides the language of a page."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

LOCALE = Path(settings.LOCALE_PATHS[0])
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"
EN_MO = LOCALE / "en" / "LC_MESSAGES" / "django.mo"
BACKEND = "helhed.core.auth.HelhedModelBackend"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _quoted(text: str) -> str:
    """The content of one quoted .po string: the outer quotes only (an escaped quote at the end stays)."""
    text = text.strip()
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def _unquote(chunks: list[str]) -> str:
    text = "".join(chunks)
    return re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def _entries(path: Path) -> list[dict]:
    """The .po entries as {flags, msgid, msgid_plural, msgstr, plurals}, parsed simply (no context forms are
    used). A plural entry has its forms in `plurals` (msgstr[0], msgstr[1], ...) and `msgstr` joins them."""
    entries: list[dict] = []
    entry: dict | None = None
    field: str | None = None

    def new_entry() -> dict:
        e: dict = {"flags": set(), "msgid": [], "msgid_plural": [], "msgstr": [], "plurals": {}}
        entries.append(e)
        return e

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#~"):  # obsolete entry
            continue
        if line.startswith("#,"):
            if entry is None or (field or "").startswith("msgstr"):
                entry = new_entry()
                field = None
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("msgctxt"):
            raise AssertionError("The simple .po parser does not handle msgctxt; extend the test")
        elif line.startswith("msgid_plural "):
            assert entry is not None
            field = "msgid_plural"
            entry["msgid_plural"].append(_quoted(line[len("msgid_plural ") :]))
        elif line.startswith("msgid "):
            if entry is None or (field or "").startswith("msgstr"):
                entry = new_entry()
            field = "msgid"
            entry["msgid"].append(_quoted(line[len("msgid ") :]))
        elif line.startswith("msgstr["):
            assert entry is not None
            index = int(line[len("msgstr[") : line.index("]")])
            field = f"msgstr[{index}]"
            entry["plurals"][index] = [_quoted(line[line.index("]") + 1 :])]
        elif line.startswith("msgstr "):
            field = "msgstr"
            assert entry is not None
            entry["msgstr"].append(_quoted(line[len("msgstr ") :]))
        elif line.startswith('"') and entry is not None and field:
            if field.startswith("msgstr["):
                entry["plurals"][int(field[len("msgstr[") : -1])].append(line[1:-1])
            else:
                entry[field].append(line[1:-1])
    out = []
    for e in entries:
        plurals = {i: _unquote(chunks) for i, chunks in sorted(e["plurals"].items())}
        msgstr = (
            _unquote(e["msgstr"])
            if not plurals
            else ("" if not all(plurals.values()) else " | ".join(plurals.values()))
        )
        out.append(
            {
                "flags": e["flags"],
                "msgid": _unquote(e["msgid"]),
                "msgid_plural": _unquote(e["msgid_plural"]),
                "msgstr": msgstr,
                "plurals": plurals,
            }
        )
    return out


def _messages() -> list[dict]:
    return [e for e in _entries(EN_PO) if e["msgid"]]  # skip the header


@pytest.fixture(autouse=True)
def _back_to_danish():
    """A request with the English cookie leaves English active in this thread; don't leak it to other tests."""
    yield
    translation.deactivate()


# -- the catalogue ------------------------------------------------------------------------------------------


def test_the_english_catalogue_exists_and_has_messages():
    assert EN_PO.is_file(), "Run makemessages -l en (see the i18n notes) to create the English catalogue"
    assert len(_messages()) > 100


def test_every_message_is_translated_and_none_is_fuzzy():
    untranslated = [e["msgid"] for e in _messages() if not e["msgstr"].strip()]
    fuzzy = [e["msgid"] for e in _entries(EN_PO) if "fuzzy" in e["flags"]]
    assert untranslated == [], f"Untranslated English messages: {untranslated}"
    assert fuzzy == [], f"Fuzzy English messages (check and remove the flag): {fuzzy}"


def test_translations_keep_the_placeholders():
    wrong = []
    for e in _messages():
        if e["plurals"]:
            # A plural form may leave out the count (singular "en frist"), never add an unknown placeholder.
            allowed = set(PLACEHOLDER.findall(e["msgid"])) | set(PLACEHOLDER.findall(e["msgid_plural"]))
            wrong += [(e["msgid"], t) for t in e["plurals"].values() if not set(PLACEHOLDER.findall(t)) <= allowed]
        elif sorted(PLACEHOLDER.findall(e["msgid"])) != sorted(PLACEHOLDER.findall(e["msgstr"])):
            wrong.append((e["msgid"], e["msgstr"]))
    assert wrong == []


def test_the_compiled_catalogue_matches_the_po_file():
    """The .mo file is committed (machines without gettext use it), so it must not lag behind the .po file."""
    assert EN_MO.is_file(), "Run `helhed compilemessages` (or msgfmt) after changing django.po"
    with EN_MO.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = []
    for e in _messages():
        if e["plurals"]:
            if [compiled.ngettext(e["msgid"], e["msgid_plural"], n) for n in (1, 2)] != [
                e["plurals"][0],
                e["plurals"].get(1, e["plurals"][0]),
            ]:
                stale.append(e["msgid"])
        elif compiled.gettext(e["msgid"]) != e["msgstr"]:
            stale.append(e["msgid"])
    assert stale == [], f"django.mo is out of date; recompile. Differs for: {stale[:5]}"


# -- pages ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_is_english_with_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("core:login")).content.decode()
    assert '<html lang="en">' in html
    assert "Log in to Helhed" in html and "Username" in html and "Password" in html
    assert "Brugernavn" not in html


@pytest.mark.django_db
def test_without_the_cookie_the_page_is_danish_even_if_the_browser_asks_for_english(client):
    html = client.get(reverse("core:login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="da">' in html
    assert "Log ind i Helhed" in html and "Brugernavn" in html
    assert "Username" not in html


@pytest.mark.django_db
def test_an_unknown_language_in_the_cookie_falls_back_to_danish(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    html = client.get(reverse("core:login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="da">' in html and "Brugernavn" in html


@pytest.mark.django_db
def test_case_page_in_english_and_danish(client, town, open_case):
    client.force_login(town.caseworker, backend=BACKEND)
    url = reverse("cases:detail", args=[open_case.pk])

    danish = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="da">' in danish
    assert "Resumé" in danish and "Mine sager" in danish and "Fødselsdato" in danish

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    assert '<html lang="en">' in english
    assert "Summary" in english and "My cases" in english and "Date of birth" in english
    assert "Resumé" not in english and "Mine sager" not in english


@pytest.mark.django_db
def test_the_language_switch_sets_the_cookie_and_the_next_page_is_english(client, town):
    client.force_login(town.caseworker, backend=BACKEND)
    home = reverse("cases:home")
    response = client.post(reverse("core:set_language"), {"language": "en", "next": home})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get(home).content.decode()
    assert '<html lang="en">' in html and "My cases" in html

    client.post(reverse("core:set_language"), {"language": "da", "next": home})
    html = client.get(home).content.decode()
    assert '<html lang="da">' in html and "Mine sager" in html
