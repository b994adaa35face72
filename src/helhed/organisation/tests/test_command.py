"""`helhed org import-units FILE` and `helhed org import-staff FILE [--skip-bad-lines] [--dry-run]`: every bad
line on stderr with its number, and the exit code a script can rely on."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command, load_command_class

from helhed.core.models import AuditEvent
from helhed.organisation.models import Unit, User

UNITS = "code;name;kind;administration;district;parent_code\nSKOLE-9;Kildevældsskolen;municipal_school;BUF;;\n"
GOOD = (
    "username;first_name;last_name;email;title;unit_code;role;valid_from\n"
    "mette.m;Mette;Madsen;mette@kk.dk;;SKOLE-9;professional;2024-08-01\n"
)
BAD = GOOD + (
    "ok.2;Otto;Ok;ok2@kk.dk;;FINDES-IKKE;caseworker;2024-08-01\n"  # line 3
    "ok.3;Ole;Ok;ok3@kk.dk;;SKOLE-9;chef;2024-13-01\n"  # line 4: two problems
)


def run(argv: list[str], monkeypatch) -> tuple[int, str, str]:
    """Run the command as the `helhed` executable would (run_from_argv), returning (exit code, out, err)."""
    # run_from_argv closes every database connection when it finishes; keep the test's connection open.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    monkeypatch.setattr("sys.stderr", err)
    command = load_command_class("helhed.organisation", "org")  # binds to the patched streams
    try:
        command.run_from_argv(["helhed", "org", *argv])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path, db):
    paths = {}
    for name, text, encoding in (
        ("units.csv", UNITS, "utf-8-sig"),
        ("good.csv", GOOD, "utf-8"),
        ("bad.csv", BAD, "utf-8-sig"),
    ):
        path = tmp_path / name
        path.write_text(text, encoding=encoding)
        paths[name] = str(path)
    call_command("org", "import-units", paths["units.csv"], stdout=io.StringIO())
    return paths


def test_good_file_imports_and_exits_zero(files, monkeypatch):
    code, out, err = run(["import-staff", files["good.csv"]], monkeypatch)
    assert code == 0, err
    assert "Importen er gennemført" in out and "1 oprettet" in out
    assert User.objects.filter(username="mette.m").exists()
    # On the command line the channel says so; the actor is the system.
    event = AuditEvent.objects.get(object_type="organisation.user")
    assert event.channel == "cli" and event.actor is None


def test_bad_file_reports_every_line_imports_nothing_and_exits_non_zero(files, monkeypatch):
    code, out, err = run(["import-staff", files["bad.csv"]], monkeypatch)
    assert code == 1
    assert "bad.csv, linje 3 (unit_code): Ukendt enhedskode 'FINDES-IKKE'" in err
    assert "bad.csv, linje 4 (role): Ukendt rolle 'chef'" in err
    assert "bad.csv, linje 4 (valid_from)" in err
    assert "Intet er importeret: 2 linjer har fejl" in err
    assert not User.objects.filter(username__in=["mette.m", "ok.2", "ok.3"]).exists()


def test_skip_bad_lines_imports_the_good_and_exits_zero(files, monkeypatch):
    code, out, err = run(["import-staff", files["bad.csv"], "--skip-bad-lines"], monkeypatch)
    assert code == 0
    assert "linje 3" in err and "linje 4" in err
    assert "1 oprettet" in out
    assert User.objects.filter(username="mette.m").exists()
    assert not User.objects.filter(username__in=["ok.2", "ok.3"]).exists()


def test_dry_run_saves_nothing_and_its_exit_code_predicts_the_real_run(files, monkeypatch):
    code, out, _err = run(["import-staff", files["good.csv"], "--dry-run"], monkeypatch)
    assert code == 0 and "Prøvekørsel" in out and "1 oprettet" in out
    assert not User.objects.filter(username="mette.m").exists()
    code, _out, _err = run(["import-staff", files["bad.csv"], "--dry-run"], monkeypatch)
    assert code == 1


def test_unreadable_or_missing_files_exit_non_zero_with_a_danish_message(files, tmp_path, monkeypatch):
    latin = tmp_path / "latin.csv"
    latin.write_bytes(GOOD.replace("Mette", "Søren").encode("latin-1"))
    code, _out, err = run(["import-staff", str(latin)], monkeypatch)
    assert code == 1 and "UTF-8" in err and "linje 2" in err
    code, _out, err = run(["import-staff", str(tmp_path / "findes-ikke.csv")], monkeypatch)
    assert code == 1 and "findes ikke" in err


def test_import_units_command(files):
    assert Unit.objects.filter(code="SKOLE-9").exists()
    out = io.StringIO()
    call_command("org", "import-units", files["units.csv"], stdout=out)
    assert "1 uændret" in out.getvalue()
