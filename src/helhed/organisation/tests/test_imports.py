"""CSV imports of units and staff: every bad line reported with its number, nothing imported from a bad
file unless asked to skip, skip mode, idempotent re-import, BOM and separator handling."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from helhed.core.models import AuditAction, AuditEvent
from helhed.organisation import imports, services
from helhed.organisation.models import Administration, District, Membership, Role, Unit, UnitKind, User
from helhed.testing.factories import AdministrationFactory, UnitFactory, staff

UNITS = """code;name;kind;administration;district;parent_code
BFE-OEST-UG;Børnefamilieenhed Øst, undersøgelsesgruppen;investigation_group;SOF;Østerbro;BFE-OEST
BFE-OEST;Børnefamilieenhed Øst;family_unit;SOF;Østerbro;
SKOLE-9;Kildevældsskolen;Folkeskole;buf;Østerbro;
"""

STAFF = """username;first_name;last_name;email;title;unit_code;role;valid_from
mette.m;Mette;Madsen;mette@kk.dk;;BFE-OEST-UG;caseworker;2024-08-01
lars.l;Lars;Larsen;lars@kk.dk;teacher;SKOLE-9;professional;01-08-2024
lise.l;Lise;Leder;lise@kk.dk;;BFE-OEST;Leder;
"""


def csv_bytes(text: str, *, sep: str = ";", bom: bool = False, crlf: bool = False) -> bytes:
    if sep != ";":
        text = text.replace(";", sep)
    if crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


@pytest.fixture
def units(town):
    report = imports.import_units(actor=town.administrator, data=csv_bytes(UNITS))
    assert report.imported and not report.errors, report.as_dict()
    return {u.code: u for u in Unit.objects.filter(code__in=["BFE-OEST", "BFE-OEST-UG", "SKOLE-9"])}


# -- units ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_units_import_creates_units_parents_first_and_new_districts(town):
    report = imports.import_units(actor=town.administrator, data=csv_bytes(UNITS))
    assert report.imported and report.created == 3 and not report.errors
    group = Unit.objects.get(code="BFE-OEST-UG")
    assert group.parent.code == "BFE-OEST"  # the parent came later in the file
    assert group.kind == UnitKind.INVESTIGATION_GROUP
    assert Unit.objects.get(code="SKOLE-9").administration.code == "BUF"
    assert report.new_districts == ["Østerbro"]
    assert District.objects.filter(name="Østerbro").count() == 1
    # Audited: one event per unit and one for the import itself.
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="organisation.unit").count() == 3
    summary = AuditEvent.objects.get(object_type="organisation.unitsimport")
    assert summary.actor == town.administrator and summary.detail["created"] == 3


@pytest.mark.django_db
def test_units_import_creates_missing_administrations_on_a_fresh_install(db):
    report = imports.import_units(actor=None, data=csv_bytes(UNITS))
    assert report.imported
    assert set(report.new_administrations) == {"SOF", "BUF"}
    assert Administration.objects.get(code="SOF").name == "Socialforvaltningen"


@pytest.mark.django_db
def test_units_reimport_is_idempotent_and_updates_names(town, units):
    again = imports.import_units(actor=town.administrator, data=csv_bytes(UNITS))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    renamed = imports.import_units(
        actor=town.administrator, data=csv_bytes(UNITS.replace("Kildevældsskolen", "Kildevæld Skole"))
    )
    assert (renamed.created, renamed.updated, renamed.unchanged) == (0, 1, 2)
    assert Unit.objects.get(code="SKOLE-9").name == "Kildevæld Skole"
    assert Unit.objects.filter(code__in=["BFE-OEST", "BFE-OEST-UG", "SKOLE-9"]).count() == 3


@pytest.mark.django_db
def test_units_file_with_bad_lines_reports_each_and_imports_nothing(town):
    bad = (
        "code;name;kind;administration;district;parent_code\n"
        "OK-1;God enhed;daycare;BUF;;\n"  # line 2: fine
        "OK-2;Mangler type;;BUF;;\n"  # line 3: no kind
        "OK-3;Forkert type;skole;BUF;;\n"  # line 4: unknown kind
        "OK-4;Forkert forvaltning;daycare;KFF;;\n"  # line 5: unknown administration
        "OK-1;Dublet;daycare;BUF;;\n"  # line 6: duplicate code
        "OK-5;Ukendt overenhed;daycare;BUF;;FINDES-IKKE\n"  # line 7
        "OK-6;For få felter;daycare;BUF\n"  # line 8: missing columns
        "OK-7;Under dårlig linje;daycare;BUF;;OK-3\n"  # line 9: parent is on a bad line
        "A-1;Ring A;family_unit;SOF;;A-2\n"  # line 10 and 11: a loop
        "A-2;Ring B;family_unit;SOF;;A-1\n"
    )
    before = Unit.objects.count()
    report = imports.import_units(actor=town.administrator, data=csv_bytes(bad))
    assert not report.imported and report.refused
    assert report.bad_lines == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    by_line = {e.line: e for e in report.errors}
    assert by_line[3].column == "kind"
    assert "Ukendt enhedstype 'skole'" in by_line[4].message and "family_unit" in by_line[4].message
    assert "Ukendt forvaltning 'KFF'" in by_line[5].message and "SOF" in by_line[5].message
    assert "står også i linje 2" in by_line[6].message
    assert "FINDES-IKKE" in by_line[7].message
    assert "4 felter" in by_line[8].message and "6" in by_line[8].message
    assert "linje 4" in by_line[9].message
    assert "ring" in by_line[10].message
    assert Unit.objects.count() == before
    assert not AuditEvent.objects.filter(object_type__startswith="organisation.").exists()
    assert "Intet er importeret" in report.summary()


@pytest.mark.django_db
def test_units_skip_mode_imports_the_good_lines(town):
    data = csv_bytes(
        "code;name;kind;administration;district;parent_code\n"
        "OK-1;God enhed;daycare;BUF;;\n"
        "OK-3;Forkert type;skole;BUF;;\n"
        "OK-2;Under god enhed;daycare;BUF;;OK-1\n"
    )
    report = imports.import_units(actor=town.administrator, data=data, skip_bad_lines=True)
    assert report.imported and report.created == 2 and report.bad_lines == [3]
    assert Unit.objects.get(code="OK-2").parent.code == "OK-1"
    assert not Unit.objects.filter(code="OK-3").exists()


@pytest.mark.django_db
def test_a_dry_run_counts_but_saves_nothing(town):
    report = imports.import_units(actor=town.administrator, data=csv_bytes(UNITS), dry_run=True)
    assert report.created == 3 and not report.imported
    assert report.new_districts == ["Østerbro"]
    assert not Unit.objects.filter(code="BFE-OEST").exists()
    assert not District.objects.filter(name="Østerbro").exists()
    assert not AuditEvent.objects.filter(object_type__startswith="organisation.").exists()
    assert "Prøvekørsel" in report.summary()


# -- staff ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_import_creates_accounts_and_memberships(town, units):
    report = imports.import_staff(actor=town.administrator, data=csv_bytes(STAFF))
    assert report.imported and not report.errors
    assert (report.created, report.memberships_added) == (3, 3)
    mette = User.objects.get(username="mette.m")
    assert (mette.first_name, mette.last_name, mette.email) == ("Mette", "Madsen", "mette@kk.dk")
    assert not mette.has_usable_password()  # cannot log in until an administrator sets a password
    m = mette.memberships.get()
    assert (m.unit.code, m.role, m.valid_from, m.valid_to) == ("BFE-OEST-UG", Role.CASEWORKER, date(2024, 8, 1), None)
    lars = User.objects.get(username="lars.l")
    assert lars.title == "teacher"
    assert lars.memberships.get().valid_from == date(2024, 8, 1)  # DD-MM-YYYY
    lise = User.objects.get(username="lise.l")
    assert lise.memberships.get().role == Role.LEADER  # written as the Danish label
    assert lise.memberships.get().valid_from == timezone.localdate()  # empty means today
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="organisation.user").count() == 3
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="organisation.membership").count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sep", "bom", "crlf"),
    [(";", True, False), (",", False, False), (",", True, True), (";", False, True)],
    ids=["semicolon+BOM", "comma", "comma+BOM+CRLF", "semicolon+CRLF"],
)
def test_staff_import_reads_bom_and_either_separator(town, units, sep, bom, crlf):
    report = imports.import_staff(actor=town.administrator, data=csv_bytes(STAFF, sep=sep, bom=bom, crlf=crlf))
    assert report.imported and report.created == 3, report.as_dict()
    assert User.objects.filter(username="mette.m").exists()  # the BOM did not end up in the first column name


@pytest.mark.django_db
def test_staff_file_with_bad_lines_reports_every_line_and_imports_nothing(town, units):
    bad = (
        "username;first_name;last_name;email;title;unit_code;role;valid_from\n"
        "ok.1;Olga;Ok;ok1@kk.dk;;BFE-OEST-UG;caseworker;2024-08-01\n"  # 2: good
        "ok.2;Otto;Ok;ok2@kk.dk;;FINDES-IKKE;caseworker;2024-08-01\n"  # 3: unknown unit
        "ok.3;Ole;Ok;ok3@kk.dk;;BFE-OEST-UG;chef;2024-08-01\n"  # 4: unknown role
        "ok.4;Oda;Ok;ok4@kk.dk;;BFE-OEST-UG;caseworker;31-02-2024\n"  # 5: impossible date
        "ok.1;Olga;Igen;ok1@kk.dk;;BFE-OEST;leader;2024-08-01\n"  # 6: duplicate username
        "ok.5;Ove;Ok;ok5@kk.dk;;BFE-OEST-UG\n"  # 7: missing columns
        "ok 6;;Ok;ikke-en-mail;rektor;BFE-OEST-UG;caseworker;2024-08-01\n"  # 8: four problems at once
    )
    users_before, memberships_before = User.objects.count(), Membership.objects.count()
    report = imports.import_staff(actor=town.administrator, data=csv_bytes(bad))
    assert not report.imported and report.refused
    assert report.bad_lines == [3, 4, 5, 6, 7, 8]
    by_line: dict[int, list] = {}
    for e in report.errors:
        by_line.setdefault(e.line, []).append(e)
    assert "Ukendt enhedskode 'FINDES-IKKE'" in by_line[3][0].message
    assert "Ukendt rolle 'chef'" in by_line[4][0].message and "caseworker (Rådgiver)" in by_line[4][0].message
    assert by_line[5][0].column == "valid_from" and "31-02-2024" in by_line[5][0].message
    assert "står også i linje 2" in by_line[6][0].message
    assert "felter" in by_line[7][0].message
    assert {e.column for e in by_line[8]} == {"username", "first_name", "email", "title"}
    assert (User.objects.count(), Membership.objects.count()) == (users_before, memberships_before)
    assert not User.objects.filter(username="ok.1").exists()  # the good line was not imported either
    assert (
        not AuditEvent.objects.filter(object_type__startswith="organisation.")
        .exclude(object_type="organisation.unit")
        .exclude(object_type="organisation.unitsimport")
        .exclude(object_type="organisation.district")
        .exists()
    )


@pytest.mark.django_db
def test_staff_skip_mode_imports_good_lines_and_reports_bad(town, units):
    data = csv_bytes(
        "username;first_name;last_name;email;title;unit_code;role;valid_from\n"
        "ok.1;Olga;Ok;ok1@kk.dk;;BFE-OEST-UG;caseworker;2024-08-01\n"
        "ok.2;Otto;Ok;ok2@kk.dk;;FINDES-IKKE;caseworker;2024-08-01\n"
        "ok.3;Ole;Ok;ok3@kk.dk;;SKOLE-9;professional;2024-08-01\n"
    )
    report = imports.import_staff(actor=town.administrator, data=data, skip_bad_lines=True)
    assert report.imported and report.created == 2 and report.bad_lines == [3]
    assert set(User.objects.filter(username__startswith="ok.").values_list("username", flat=True)) == {"ok.1", "ok.3"}
    assert "Importen er gennemført" in report.summary()


@pytest.mark.django_db
def test_staff_reimport_is_idempotent_and_updates_name_email_and_adds_new_memberships(town, units):
    imports.import_staff(actor=town.administrator, data=csv_bytes(STAFF))
    users, memberships = User.objects.count(), Membership.objects.count()
    events = AuditEvent.objects.count()

    again = imports.import_staff(actor=town.administrator, data=csv_bytes(STAFF))
    assert (again.created, again.updated, again.unchanged, again.memberships_added) == (0, 0, 3, 0)
    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)
    assert AuditEvent.objects.count() == events + 1  # only the import's own summary event

    changed = STAFF.replace("Mette;Madsen;mette@kk.dk", "Mette;Mortensen;mette.m@kk.dk").replace(
        "lars.l;Lars;Larsen;lars@kk.dk;teacher;SKOLE-9;professional", "lars.l;Lars;Larsen;lars@kk.dk;;BFE-OEST;leader"
    )
    report = imports.import_staff(actor=town.administrator, data=csv_bytes(changed))
    assert (report.created, report.updated, report.unchanged, report.memberships_added) == (0, 2, 1, 1)
    mette = User.objects.get(username="mette.m")
    assert (mette.last_name, mette.email) == ("Mortensen", "mette.m@kk.dk")
    lars = User.objects.get(username="lars.l")
    assert lars.title == "teacher"  # an empty title leaves the title alone
    assert sorted(lars.memberships.values_list("role", flat=True)) == ["leader", "professional"]
    updates = AuditEvent.objects.filter(object_type="organisation.user", action=AuditAction.UPDATE)
    assert any("email" in e.detail.get("fields", []) for e in updates)
    assert not any("mette.m@kk.dk" in str(e.detail) for e in updates)  # what changed, not the new value


@pytest.mark.django_db
def test_staff_reimport_after_a_membership_ended_adds_it_again(town, units):
    imports.import_staff(actor=town.administrator, data=csv_bytes(STAFF))
    m = Membership.objects.get(user__username="mette.m")
    services.membership_end(actor=town.administrator, membership=m, valid_to=date(2024, 12, 31))
    later = STAFF.replace("BFE-OEST-UG;caseworker;2024-08-01", "BFE-OEST-UG;caseworker;2025-03-01")
    report = imports.import_staff(actor=town.administrator, data=csv_bytes(later))
    assert report.memberships_added == 1
    assert Membership.objects.filter(user__username="mette.m").count() == 2


@pytest.mark.django_db
def test_a_deactivated_account_in_the_file_is_a_bad_line(town, units):
    imports.import_staff(actor=town.administrator, data=csv_bytes(STAFF))
    services.staff_deactivate(actor=town.administrator, user=User.objects.get(username="lars.l"), reason="Fratrådt")
    report = imports.import_staff(actor=town.administrator, data=csv_bytes(STAFF))
    assert report.bad_lines == [3] and "deaktiveret" in report.errors[0].message


@pytest.mark.django_db
def test_a_username_taken_in_another_case_is_a_bad_line_found_while_writing(town, units):
    staff("Mette.M", Role.CASEWORKER, town.investigation)
    report = imports.import_staff(actor=town.administrator, data=csv_bytes(STAFF))
    assert report.refused and report.bad_lines == [2]
    assert "allerede i brug" in report.errors[0].message
    assert not User.objects.filter(username="lars.l").exists()


@pytest.mark.django_db
def test_an_inactive_unit_is_refused(town):
    AdministrationFactory(code="SOF")
    UnitFactory(code="NEDLAGT", active=False, kind=UnitKind.DAYCARE)
    data = csv_bytes(
        "username;first_name;last_name;email;title;unit_code;role;valid_from\n"
        "ny;Ny;Person;ny@kk.dk;;nedlagt;professional;\n"
    )
    report = imports.import_staff(actor=town.administrator, data=data)
    assert report.bad_lines == [2] and "nedlagt" in report.errors[0].message


# -- the file as a whole -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "tom"),
        (b"username;first_name\n", "Kolonne mangler"),
        (b"username;first_name;last_name;email;unit_code;role\n", "ingen data"),
        (b"brugernavn;first_name;last_name;email;unit_code;role\nx;y;z;a@b.dk;U;caseworker\n", "Ukendt kolonne"),
        (b"username first_name last_name\n", "semikolon"),
        ("username;first_name;last_name;email;unit_code;role\nø;y;z;a@b.dk;U;leader\n".encode("latin-1"), "UTF-8"),
        ("username;first_name\n".encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel"),
    ],
    ids=["empty", "missing-columns", "header-only", "unknown-column", "no-separator", "latin-1", "utf-16", "xlsx"],
)
def test_unreadable_files_get_a_danish_message_and_import_nothing(town, data, words):
    with pytest.raises(imports.ImportFileError) as exc:
        imports.import_staff(actor=town.administrator, data=data)
    assert words in str(exc.value.message)
    assert exc.value.status_code == 400


@pytest.mark.django_db
def test_latin1_file_says_which_line_cannot_be_read(town):
    data = "username;first_name;last_name;email;unit_code;role\nok;y;z;a@b.dk;U;leader\nø;y;z;a@b.dk;U;leader\n"
    with pytest.raises(imports.ImportFileError) as exc:
        imports.import_staff(actor=town.administrator, data=data.encode("latin-1"))
    assert "linje 3" in str(exc.value.message)


def test_uploads_must_be_csv_and_not_too_large(settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.ORG_IMPORT_MAX_BYTES = 100
    with pytest.raises(imports.ImportFileError) as exc:
        imports.read_upload(SimpleUploadedFile("medarbejdere.xlsx", b"PK\x03\x04"))
    assert "CSV-fil" in str(exc.value.message)
    with pytest.raises(imports.ImportFileError) as exc:
        imports.read_upload(SimpleUploadedFile("stor.csv", b"x" * 101))
    assert "for stor" in str(exc.value.message)
    assert imports.read_upload(SimpleUploadedFile("lille.csv", b"x" * 100)) == b"x" * 100


@pytest.mark.django_db
def test_valid_from_in_the_future_is_kept(town, units):
    future = (timezone.localdate() + timedelta(days=30)).isoformat()
    data = csv_bytes(
        "username;first_name;last_name;email;title;unit_code;role;valid_from\n"
        f"ny;Ny;Person;ny@kk.dk;;SKOLE-9;professional;{future}\n"
    )
    imports.import_staff(actor=town.administrator, data=data)
    assert Membership.objects.get(user__username="ny").valid_from.isoformat() == future


@pytest.mark.django_db
def test_a_year_before_1900_and_a_nul_character_are_refused(town, units):
    data = csv_bytes(
        "username;first_name;last_name;email;title;unit_code;role;valid_from\n"
        "ny;Ny;Person;ny@kk.dk;;SKOLE-9;professional;01-08-0024\n"
    )
    report = imports.import_staff(actor=town.administrator, data=data)
    assert report.bad_lines == [2] and "før år 1900" in report.errors[0].message
    with pytest.raises(imports.ImportFileError):
        imports.import_staff(actor=town.administrator, data=STAFF.encode() + b"x;y\x00;z;a@b.dk;;SKOLE-9;leader;\n")


@pytest.mark.django_db
def test_outside_a_web_request_the_chain_is_sealed_once_per_import(town, units, django_capture_on_commit_callbacks):
    from helhed.core import audit as core_audit

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = imports.import_staff(actor=None, data=csv_bytes(STAFF))
    assert report.imported
    assert len([c for c in callbacks if c is core_audit.seal_pending]) == 1  # not one per audit event
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()
    assert core_audit.verify().ok
