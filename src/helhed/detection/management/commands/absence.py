"""`helhed absence import FILE [--skip-bad-lines]`, `helhed absence flagged --as-of YYYY-MM-DD [--format json|csv]`
and `helhed absence evaluate [--as-of YYYY-MM-DD]` (the nightly run that raises alerts).

`import` prints a JSON summary (`rows`, `pupils`, `errors`, ...) on standard output and every bad line with its
number on standard error; progress goes to standard error too. It exits 0 when the file was imported (or was
imported before and nothing changed), and non-zero when the file was refused.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from helhed.core.context import channel
from helhed.detection import selectors, services
from helhed.detection.imports import AbsenceFileError, import_file
from helhed.detection.models import ImportStatus


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Datoen '{value}' kan ikke læses. Skriv den som ÅÅÅÅ-MM-DD, fx 2026-12-07.")


class Command(BaseCommand):
    help = "School absence: import files from the schools' systems, list flagged pupils, raise alerts."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Import an absence file (CSV or Parquet).")
        imp.add_argument("file", help="cpr;institutionsnummer;dato;fravaerstype;fravaer_dage (or Parquet)")
        imp.add_argument(
            "--skip-bad-lines",
            action="store_true",
            help="Import the good lines and report the bad ones (default: a file with a bad line imports nothing).",
        )
        imp.add_argument("--quiet", action="store_true", help="No progress on standard error.")
        flagged = sub.add_parser("flagged", help="Print the pupils whose absence is concerning on a day.")
        flagged.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
        flagged.add_argument("--format", dest="fmt", choices=("json", "csv"), default="json")
        evaluate = sub.add_parser("evaluate", help="Raise alerts for new flagged pupils (the nightly job).")
        evaluate.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")

    def handle(self, *args, action, **opts):
        with channel("cli"):
            if action == "import":
                return self._import(Path(opts["file"]), opts["skip_bad_lines"], opts["quiet"])
            if action == "flagged":
                return self._flagged(_day(opts.get("as_of")), opts["fmt"])
            result = services.alerts_raise(actor=None, **({"as_of": _day(opts["as_of"])} if opts.get("as_of") else {}))
            self.stdout.write(json.dumps(result))

    def _import(self, path: Path, skip: bool, quiet: bool) -> None:
        if not path.is_file():
            raise CommandError(f"Filen {path} findes ikke. Tjek stien.")
        last = {"stage": ""}

        def progress(stage: str, percent: int) -> None:
            if quiet or (stage == last["stage"] and percent % 10):
                return
            last["stage"] = stage
            self.stderr.write(f"{percent:3d} % {stage}")

        try:
            _record, outcome = import_file(
                actor=None, path=path, file_name=path.name, skip_bad_lines=skip, channel="cli", progress=progress
            )
        except AbsenceFileError as exc:
            raise CommandError(f"{path.name}: {exc.message}")
        for error in outcome.errors:
            column = f" ({error.column})" if error.column else ""
            self.stderr.write(f"{path.name}, linje {error.line}{column}: {error.message}")
        if outcome.bad_lines > len(outcome.errors):
            self.stderr.write(f"... og {outcome.bad_lines - len(outcome.errors)} fejl mere.")
        for pupil in outcome.unknown[:100]:
            self.stderr.write(
                f"Ukendt elev {pupil['cpr']} (skole {pupil['institution']}, {pupil['lines']} linjer fra linje "
                f"{pupil['first_line']}): ikke i personregistret, ikke importeret."
            )
        self.stdout.write(json.dumps(outcome.summary(), ensure_ascii=False))
        if outcome.status not in (ImportStatus.DONE, ImportStatus.UNCHANGED):
            raise CommandError(str(outcome.message))

    def _flagged(self, as_of: date | None, fmt: str) -> None:
        from django.utils import timezone

        rows = selectors.flagged_export(actor=None, as_of=as_of or timezone.localdate())
        if fmt == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["cpr"], delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
