"""The administrator's pages through the Django test client: access, lists, forms, the import with its
preview and confirmation, and query counts that do not grow with the organisation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helhed.core import audit
from helhed.core.models import AuditAction, AuditEvent
from helhed.core.tests.test_url_sweep import login
from helhed.organisation.models import Membership, Role, Unit, User
from helhed.testing.factories import UnitFactory, staff

STAFF_CSV = (
    "username;first_name;last_name;email;title;unit_code;role;valid_from\n"
    "mette.m;Mette;Madsen;mette@kk.dk;;{unit};caseworker;2024-08-01\n"
    "otto.o;Otto;Ok;otto@kk.dk;;FINDES-IKKE;caseworker;2024-08-01\n"
    "ole.o;Ole;Ok;ole@kk.dk;;{unit};chef;2024-08-01\n"
)


@pytest.fixture
def admin(town) -> Client:
    return login(Client(), town.administrator)


def _upload(text: str, name: str = "medarbejdere.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), "text/csv")


# -- access ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_administrators_reach_the_pages_and_see_the_menu_item(town, admin):
    for user in (town.caseworker, town.leader, town.analyst, town.dpo):
        c = login(Client(), user)
        assert c.get("/organisation/").status_code == 403
        assert c.get("/organisation/medarbejdere/").status_code == 403
        home = c.get("/", follow=True).content.decode()
        assert 'href="/organisation/"' not in home
    response = admin.get("/organisation/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/organisation/"' in html and "Organisation</span>" in html
    assert 'aria-current="page"' in html


@pytest.mark.django_db
def test_units_page_lists_units_with_active_staff_counts(town, admin):
    staff("ekstra", Role.CASEWORKER, town.investigation)
    staff("gammel", Role.CASEWORKER, town.investigation)
    Membership.objects.filter(user__username="gammel").update(valid_to=timezone.localdate() - timedelta(days=1))
    response = admin.get("/organisation/")
    units = {u.code: u for u in response.context["units"]}
    assert units[town.investigation.code].staff_count == 2  # rikke and ekstra; gammel's membership has ended
    assert units[town.office.code].staff_count == 3  # analyst, administrator, DPO
    html = response.content.decode()
    assert town.investigation.name in html and town.family_unit.code in html


@pytest.mark.django_db
def test_staff_search_by_name_and_username_is_audited(town, admin):
    response = admin.get("/organisation/medarbejdere/", {"q": "Rikke Rådgiver"})
    assert response.status_code == 200
    assert [u.username for u in response.context["rows"]] == ["rikke"]
    html = response.content.decode()
    assert "Rådgiver, BFE Nord, undersøgelsesgruppen" in html  # the membership is shown
    event = AuditEvent.objects.get(request_id=response["X-Request-ID"], action=AuditAction.SEARCH)
    assert event.criterion == "Rikke Rådgiver" and event.object_type == "organisation.user"
    assert [u.username for u in admin.get("/organisation/medarbejdere/", {"q": "lott"}).context["rows"]] == ["lotte"]
    assert admin.get("/organisation/medarbejdere/").context["total"] == User.objects.count()


@pytest.mark.django_db
def test_staff_detail_shows_memberships_and_is_audited(town, admin):
    response = admin.get(reverse("organisation:staff_detail", args=[town.teacher.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lotte Lærer" in html and "Nørrebro Skole" in html and "Fagperson" in html
    assert AuditEvent.objects.filter(
        request_id=response["X-Request-ID"], action=AuditAction.VIEW, object_id=str(town.teacher.pk)
    ).exists()
    assert admin.get(reverse("organisation:staff_detail", args=[999999])).status_code == 404


# -- forms ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_a_staff_member_with_first_membership(town, admin):
    response = admin.post(
        reverse("organisation:staff_create"),
        {
            "username": "nina.n",
            "first_name": "Nina",
            "last_name": "Ny",
            "email": "nina@kk.dk",
            "title": "",
            "unit": town.investigation.pk,
            "role": Role.CASEWORKER,
            "valid_from": timezone.localdate().isoformat(),
            "password": "",
        },
    )
    nina = User.objects.get(username="nina.n")
    assert response.status_code == 302 and response["Location"] == reverse("organisation:staff_detail", args=[nina.pk])
    assert nina.memberships.get().unit == town.investigation


@pytest.mark.django_db
def test_date_fields_start_at_today_in_the_format_a_date_input_understands(town, admin):
    today = timezone.localdate().isoformat()
    html = admin.get(reverse("organisation:staff_create")).content.decode()
    assert f'type="date" name="valid_from" value="{today}"' in html
    html = admin.get(reverse("organisation:staff_detail", args=[town.teacher.pk])).content.decode()
    assert f'type="date" name="valid_from" value="{today}"' in html  # add a membership
    assert f'name="valid_to" value="{today}"' in html  # end one


@pytest.mark.django_db
def test_create_staff_with_bad_input_is_refused_in_danish_and_saves_nothing(town, admin):
    response = admin.post(
        reverse("organisation:staff_create"),
        {
            "username": "rikke",  # taken
            "first_name": "R",
            "last_name": "R",
            "email": "r@kk.dk",
            "unit": town.investigation.pk,
            "role": Role.CASEWORKER,
            "valid_from": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 409
    assert "allerede i brug" in response.content.decode()
    response = admin.post(reverse("organisation:staff_create"), {"username": "ny", "email": "nej"})
    assert response.status_code == 400
    assert "Der er noget, der skal rettes" in response.content.decode()
    assert not User.objects.filter(username="ny").exists()
    # A weak password: nothing is saved, not even the account without its membership.
    response = admin.post(
        reverse("organisation:staff_create"),
        {
            "username": "svag",
            "first_name": "S",
            "last_name": "Vag",
            "email": "s@kk.dk",
            "unit": town.investigation.pk,
            "role": Role.CASEWORKER,
            "valid_from": timezone.localdate().isoformat(),
            "password": "12345678",
        },
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="svag").exists()


@pytest.mark.django_db
def test_create_a_unit(town, admin):
    response = admin.post(
        reverse("organisation:unit_create"),
        {"code": "BFE-VEST", "name": "Børnefamilieenhed Vest", "kind": "family_unit", "administration": "SOF"},
    )
    assert response.status_code == 302
    assert Unit.objects.get(code="BFE-VEST").administration == town.sof
    again = admin.post(
        reverse("organisation:unit_create"),
        {"code": "bfe-vest", "name": "Igen", "kind": "family_unit", "administration": "SOF"},
    )
    assert again.status_code == 409 and "findes allerede" in again.content.decode()


@pytest.mark.django_db
def test_add_and_end_a_membership(town, admin):
    url = reverse("organisation:membership_add", args=[town.teacher.pk])
    today = timezone.localdate().isoformat()
    response = admin.post(url, {"unit": town.daycare.pk, "role": Role.PROFESSIONAL, "valid_from": today})
    assert response.status_code == 302
    m = Membership.objects.get(user=town.teacher, unit=town.daycare)
    # The same role in the same unit again: refused with what to do, and shown next to the form.
    response = admin.post(url, {"unit": town.daycare.pk, "role": Role.PROFESSIONAL, "valid_from": today})
    assert response.status_code == 409
    assert "Afslut den tilknytning først" in response.content.decode()
    assert Membership.objects.filter(user=town.teacher, unit=town.daycare).count() == 1

    response = admin.post(reverse("organisation:membership_end", args=[m.pk]), {"valid_to": today})
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.valid_to == timezone.localdate()


@pytest.mark.django_db
def test_deactivate_and_reactivate_an_account(town, admin, open_case):
    # The responsible caseworker of an open case cannot be closed: the page says why and what to do.
    response = admin.get(reverse("organisation:staff_detail", args=[town.caseworker.pk]))
    assert "ansvarlig rådgiver på 1 åbne sager" in response.content.decode()
    response = admin.post(reverse("organisation:staff_deactivate", args=[town.caseworker.pk]), {"reason": "Fratrådt"})
    assert response.status_code == 409
    town.caseworker.refresh_from_db()
    assert town.caseworker.is_active

    teacher_session = login(Client(), town.teacher)
    assert teacher_session.get("/").status_code == 200
    response = admin.post(reverse("organisation:staff_deactivate", args=[town.teacher.pk]), {"reason": ""})
    assert response.status_code == 400
    response = admin.post(reverse("organisation:staff_deactivate", args=[town.teacher.pk]), {"reason": "Fratrådt"})
    assert response.status_code == 302
    town.teacher.refresh_from_db()
    assert not town.teacher.is_active
    # The closed account is logged out at once and cannot log in again.
    assert teacher_session.get("/").status_code == 302
    refused = Client().post(reverse("core:login"), {"username": "lotte", "password": "Hemmelig-kode-123"})
    assert refused.status_code == 400 and "Forkert brugernavn eller adgangskode" in refused.content.decode()

    response = admin.post(reverse("organisation:staff_reactivate", args=[town.teacher.pk]))
    assert response.status_code == 302
    town.teacher.refresh_from_db()
    assert town.teacher.is_active


@pytest.mark.django_db
def test_set_a_password(town, admin):
    url = reverse("organisation:staff_password", args=[town.teacher.pk])
    response = admin.post(url, {"password": "Ny-lang-adgangskode-2024", "password2": "Noget andet"})
    assert response.status_code == 400 and "ikke ens" in response.content.decode()
    response = admin.post(url, {"password": "Ny-lang-adgangskode-2024", "password2": "Ny-lang-adgangskode-2024"})
    assert response.status_code == 302
    town.teacher.refresh_from_db()
    assert town.teacher.check_password("Ny-lang-adgangskode-2024")


# -- the import -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_preview_lists_every_bad_line_and_imports_nothing(town, admin):
    users = User.objects.count()
    response = admin.post(
        reverse("organisation:import"),
        {"kind": "staff", "file": _upload(STAFF_CSV.format(unit=town.investigation.code))},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "<td>3</td><td>unit_code</td>" in html and "Ukendt enhedskode" in html
    assert "<td>4</td><td>role</td>" in html and "Ukendt rolle" in html
    assert "Intet er importeret" in html
    assert 'name="token"' not in html  # nothing to confirm
    assert User.objects.count() == users


@pytest.mark.django_db
def test_import_with_skip_then_confirm_imports_the_good_lines_once(town, admin):
    response = admin.post(
        reverse("organisation:import"),
        {
            "kind": "staff",
            "skip_bad_lines": "on",
            "file": _upload(STAFF_CSV.format(unit=town.investigation.code)),
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Linjer der springes over" in html and "Prøvekørsel" in html
    assert not User.objects.filter(username="mette.m").exists()  # the preview saved nothing
    token = response.context["token"]
    assert token

    response = admin.post(reverse("organisation:import_confirm"), {"token": token})
    assert response.status_code == 200
    assert "Importen er gennemført" in response.content.decode()
    assert User.objects.get(username="mette.m").memberships.get().unit == town.investigation
    assert not User.objects.filter(username__in=["otto.o", "ole.o"]).exists()
    assert AuditEvent.objects.filter(
        request_id=response["X-Request-ID"], action=AuditAction.CREATE, object_type="organisation.user"
    ).exists()

    # A double submit does not import again; it says what happened.
    response = admin.post(reverse("organisation:import_confirm"), {"token": token}, follow=True)
    assert "allerede gennemført eller udløbet" in response.content.decode()
    assert User.objects.filter(username="mette.m").count() == 1


@pytest.mark.django_db
def test_units_import_through_the_page(town, admin):
    text = "code,name,kind,administration,district,parent_code\nNY-1,Ny enhed,daycare,BUF,,\n"
    response = admin.post(reverse("organisation:import"), {"kind": "units", "file": _upload(text, "enheder.csv")})
    assert response.status_code == 200
    response = admin.post(reverse("organisation:import_confirm"), {"token": response.context["token"]})
    assert response.status_code == 200
    assert Unit.objects.filter(code="NY-1").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("medarbejdere.xlsx", b"PK\x03\x04 regneark", "CSV-fil"),
        ("medarbejdere.csv", "username;first_name\nø;x\n".encode("latin-1"), "UTF-8"),
        ("medarbejdere.csv", b"PK\x03\x04 regneark", "Excel"),
        ("stor.csv", b"x" * 2048, "for stor"),
    ],
    ids=["not-csv", "not-utf8", "xlsx-renamed", "too-large"],
)
def test_a_file_that_is_not_a_readable_csv_gets_a_danish_error(town, admin, settings, name, content, words):
    settings.ORG_IMPORT_MAX_BYTES = 1024
    response = admin.post(reverse("organisation:import"), {"kind": "staff", "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert words in response.content.decode()


@pytest.mark.django_db
def test_import_page_needs_a_file_and_a_kind(town, admin):
    response = admin.post(reverse("organisation:import"), {})
    assert response.status_code == 400
    assert "Der er noget, der skal rettes" in response.content.decode()
    assert admin.get(reverse("organisation:import")).status_code == 200


# -- query counts ---------------------------------------------------------------------------------------


def _count(client, url, **params) -> int:
    audit.seal_pending()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(town, n: int, start: int) -> None:
    for i in range(start, start + n):
        unit = UnitFactory(kind="daycare", administration=town.buf, district=town.district, parent=town.daycare)
        person = staff(f"tael{i}", Role.PROFESSIONAL, unit)
        Membership.objects.create(
            user=person, unit=town.school, role=Role.PROFESSIONAL, valid_from=timezone.localdate()
        )


@pytest.mark.django_db
def test_list_pages_use_the_same_number_of_queries_for_a_larger_organisation(town, admin):
    _grow(town, 3, 0)
    small = (_count(admin, "/organisation/"), _count(admin, "/organisation/medarbejdere/", q="tael"))
    _grow(town, 12, 100)
    large = (_count(admin, "/organisation/"), _count(admin, "/organisation/medarbejdere/", q="tael"))
    assert large == small, f"queries with a small and a larger organisation: {small} vs {large}"
    assert max(large) <= 20


@pytest.mark.django_db
def test_odd_ids_and_pages_are_404_or_clamped_never_500(town, admin):
    huge = 2**70
    assert admin.get(f"/organisation/medarbejdere/{huge}/").status_code == 404
    assert admin.post(f"/organisation/medarbejdere/{huge}/deaktiver/", {"reason": "x"}).status_code == 404
    assert admin.post(f"/organisation/tilknytninger/{huge}/afslut/", {"valid_to": "2024-01-01"}).status_code == 404
    assert admin.get("/organisation/medarbejdere/", {"side": str(10**30)}).status_code == 200
    assert admin.get("/organisation/medarbejdere/", {"side": "x"}).status_code == 200


@pytest.mark.django_db
def test_the_pages_are_in_english_with_the_language_cookie(town, admin, settings):
    from django.utils import translation

    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    try:
        html = admin.get("/organisation/import/").content.decode()
        assert "Organisation and staff" in html and "Skip lines with errors" in html
        assert "Spring fejlbehæftede" not in html
    finally:
        translation.deactivate()  # the request leaves English active in this thread
