"""`helhed org import-units FILE.csv` and `helhed org import-staff FILE.csv` [--skip-bad-lines] [--dry-run].

Every bad line is printed with its line number. The exit code is non-zero when a real run would import
nothing because of bad lines (so `--dry-run` can check a file in a script), and when the file itself
cannot be read.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from helhed.core.context import channel
from helhed.organisation import imports


class Command(BaseCommand):
    help = "The organisation: import units and staff from CSV files (UTF-8, ';' or ',')."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        for action, what, columns in (
            ("import-units", "units", imports.UNIT_COLUMNS),
            ("import-staff", "staff", imports.STAFF_COLUMNS),
        ):
            p = sub.add_parser(action, help=f"Import {what} from a CSV file with the columns {';'.join(columns)}.")
            p.add_argument("file", help="The CSV file (UTF-8, with or without BOM; ';' or ',' between fields).")
            p.add_argument(
                "--skip-bad-lines",
                action="store_true",
                help="Import the good lines and report the bad ones (default: a file with a bad line imports nothing).",
            )
            p.add_argument("--dry-run", action="store_true", help="Check and count everything, but save nothing.")

    def handle(self, *args, action, file, skip_bad_lines=False, dry_run=False, **opts):
        path = Path(file)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise CommandError(f"Filen {file} findes ikke. Tjek stien.")
        except OSError as exc:
            raise CommandError(f"Filen {file} kan ikke læses: {exc.strerror}.")
        if len(data) > imports.max_bytes():
            raise CommandError(
                f"Filen er for stor ({imports.megabytes(len(data))} MB). Den største tilladte størrelse er "
                f"{imports.megabytes(imports.max_bytes())} MB (HELHED_IMPORT_MAX_BYTES). Del filen op i flere."
            )
        kind = "units" if action == "import-units" else "staff"
        with channel("cli"):
            try:
                report = imports.run_import(kind, actor=None, data=data, skip_bad_lines=skip_bad_lines, dry_run=dry_run)
            except imports.ImportFileError as exc:
                raise CommandError(f"{path.name}: {exc.message}")
        for error in report.errors:
            column = f" ({error.column})" if error.column else ""
            self.stderr.write(f"{path.name}, linje {error.line}{column}: {error.message}")
        if report.new_administrations:
            self.stdout.write("Nye forvaltninger: " + ", ".join(report.new_administrations))
        if report.new_districts:
            self.stdout.write("Nye bydele: " + ", ".join(report.new_districts))
        if report.refused:
            raise CommandError(report.summary())
        style = self.style.WARNING if report.errors else self.style.SUCCESS
        self.stdout.write(style(report.summary()))
