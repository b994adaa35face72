"""The administrator's journey in real Chromium: log in with the second factor, import the units and the
staff from CSV files (a bad line is shown with its number and nothing is saved until it is fixed or
skipped), find the new colleague, give them another role and a password, and the colleague logs in."""

from __future__ import annotations

import re

import pytest

from helhed.testing.browser import assert_accessible, login, logout

pytestmark = pytest.mark.browser

UNITS = (
    "code;name;kind;administration;district;parent_code\n"
    "BFE-OEST;Børnefamilieenhed Øst;family_unit;SOF;Østerbro;\n"
    "BFE-OEST-UG;BFE Øst, undersøgelsesgruppen;investigation_group;SOF;Østerbro;BFE-OEST\n"
)
STAFF = (
    "username;first_name;last_name;email;title;unit_code;role;valid_from\n"
    "mette.m;Mette;Madsen;mette@kk.dk;;BFE-OEST-UG;caseworker;01-08-2024\n"
    "otto.o;Otto;Olsen;otto@kk.dk;;BFE-SYD-XX;caseworker;2024-08-01\n"
)


def _second_factor(page, user) -> None:
    """Pass the TOTP step as the administrator would, with a code from the authenticator app."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="Telefon", confirmed=True)
    return lambda: page.get_by_label("Engangskode").fill(f"{totp(device.bin_key):06d}")


def test_administrator_imports_the_organisation_and_staff(page, live_server, town, tmp_path):
    from playwright.sync_api import expect

    units_file = tmp_path / "enheder.csv"
    units_file.write_text(UNITS, encoding="utf-8-sig")  # Excel's "CSV UTF-8" writes the BOM
    staff_file = tmp_path / "medarbejdere.csv"
    staff_file.write_text(STAFF, encoding="utf-8")

    # Outside demo mode an administrator must pass the second factor.
    fill_code = _second_factor(page, town.administrator)
    login(page, live_server, "ada")
    expect(page).to_have_url(re.compile(r"/konto/totp/"))
    fill_code()
    page.get_by_role("button", name="Bekræft").click()

    menu = page.get_by_role("navigation", name="Hovedmenu")
    expect(menu.get_by_role("link", name="Mine sager")).to_have_count(0)
    menu.get_by_role("link", name="Organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisation og medarbejdere")
    expect(page.get_by_role("table", name="Kommunens enheder")).to_contain_text(town.investigation.name)
    assert_accessible(page, "units")

    # The units first: checked, then imported.
    page.get_by_role("link", name="Importér fra fil").click()
    assert_accessible(page, "import form")
    page.get_by_role("radio", name="Enheder").check()
    page.get_by_label("CSV-fil", exact=True).set_input_files(str(units_file))
    page.get_by_role("button", name="Kontrollér filen").click()
    expect(page.get_by_role("status").filter(has_text="Prøvekørsel")).to_contain_text("2 oprettet")
    expect(page.get_by_text("Østerbro")).to_be_visible()  # a new district is named before it is created
    page.get_by_role("button", name="Importér").click()
    expect(page.get_by_role("heading", name="Importen er gennemført")).to_be_visible()

    # The staff file has a bad line: it is shown with its number, and nothing is imported.
    page.get_by_role("radio", name="Medarbejdere").check()
    page.get_by_label("CSV-fil", exact=True).set_input_files(str(staff_file))
    page.get_by_role("button", name="Kontrollér filen").click()
    expect(page.get_by_role("heading", name="Filen har fejl")).to_be_visible()
    errors = page.get_by_role("table", name="Linjer med fejl")
    expect(errors.get_by_role("row").filter(has_text="unit_code")).to_contain_text("3")
    expect(errors).to_contain_text("Ukendt enhedskode 'BFE-SYD-XX'")
    expect(page.get_by_role("alert").filter(has_text="Intet er importeret")).to_be_visible()
    expect(page.get_by_role("button", name="Importér", exact=True)).to_have_count(0)
    assert_accessible(page, "import with a bad line")

    # Skip the bad line, check again and import the good one.
    page.get_by_role("radio", name="Medarbejdere").check()
    page.get_by_label("CSV-fil", exact=True).set_input_files(str(staff_file))
    page.get_by_label("Spring fejlbehæftede linjer over").check()
    page.get_by_role("button", name="Kontrollér filen").click()
    expect(page.get_by_role("heading", name="Linjer der springes over")).to_be_visible()
    page.get_by_role("button", name="Importér", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Importen er gennemført")).to_contain_text("1 oprettet")

    # Find the new colleague and give them another role and a password.
    page.get_by_role("link", name="Medarbejdere", exact=True).click()
    page.get_by_label("Søg på navn, brugernavn eller e-mail").fill("Mette")
    page.get_by_role("button", name="Søg").click()
    page.get_by_role("link", name="Mette Madsen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mette Madsen")
    expect(page.get_by_role("table", name="Aktive og kommende tilknytninger")).to_contain_text(
        "BFE Øst, undersøgelsesgruppen"
    )
    expect(page.get_by_text("ingen adgangskode endnu")).to_be_visible()
    assert_accessible(page, "staff page")

    add = page.locator("form[action$='/tilknytninger/']")
    add.get_by_label("Enhed").select_option(label="Børnefamilieenhed Øst (BFE-OEST)")
    add.get_by_label("Rolle").select_option("leader")
    add.get_by_role("button", name="Tilføj tilknytning").click()
    expect(page.get_by_text("Tilknytningen er tilføjet.")).to_be_visible()
    expect(page.get_by_role("table", name="Aktive og kommende tilknytninger")).to_contain_text("Leder")

    page.get_by_label("Ny adgangskode").fill("Mettes-nye-kode-2024")
    page.get_by_label("Gentag adgangskoden").fill("Mettes-nye-kode-2024")
    page.get_by_role("button", name="Gem adgangskode").click()
    expect(page.get_by_text("Den nye adgangskode er gemt.")).to_be_visible()
    logout(page)

    # The colleague logs in with the new password; as a leader (outside demo mode) they set up the
    # second factor first.
    login(page, live_server, "mette.m", "Mettes-nye-kode-2024")
    expect(page).to_have_url(re.compile(r"/konto/totp/opsaet/"))


def test_organisation_pages_work_under_the_strict_csp(strict_page, live_server, town, settings):
    """No inline script or style: the pages load and their forms work with the CSP in force."""
    from playwright.sync_api import expect

    settings.DEMO_MODE = True  # the second factor is shown in the journey above
    page, console_errors = strict_page
    login(page, live_server, "ada")
    for path in ("/organisation/", "/organisation/medarbejdere/", "/organisation/import/"):
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Organisation og medarbejdere")
    page.goto(f"{live_server.url}/organisation/medarbejdere/{town.teacher.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lotte Lærer")
    assert console_errors == []
