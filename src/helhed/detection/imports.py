"""Importing absence files from the schools' systems (CSV or Parquet), with DuckDB doing the heavy lifting.

One function, `import_file`, serves the command (`helhed absence import FILE`), the upload page (through a
background task) and the API. It:

1. reads the file into an in-memory DuckDB table as text (CSV: UTF-8 with or without a BOM, or Latin-1; `;` or
   `,`; Parquet: any column types), keeping each row's line number;
2. checks every line in one SQL pass (missing fields, CPR number, school, date, kind and amount of absence,
   duplicates) against small lookup tables built in Python: the distinct CPR numbers (validated by
   python-stdnum through `people.policies`, matched on the keyed hash), the schools by institution number, and the
   days that are not school days;
3. refuses the whole file if any line is bad, unless bad lines are to be skipped; pupils unknown to the person
   registry are listed (masked CPR) and their lines left out;
4. writes, in one transaction, the absence of every known pupil: for each school the file is the truth for the
   days it covers (the school's first to last day in the file), so importing the same or a corrected file again
   gives the same state. A file already imported whole is recognised by its SHA-256 and changes nothing.

Only days with absence are stored; `AbsenceCoverage` keeps the days reported per pupil and school.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import os
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helhed.core import audit
from helhed.core.errors import HelhedError
from helhed.core.models import AuditAction
from helhed.organisation.models import Unit, UnitKind
from helhed.people import policies as cpr_policies
from helhed.people.crypto import lookup_hash
from helhed.people.models import Person

from . import policies
from .models import AbsenceImport, ImportStatus

MAX_REPORTED_ERRORS = 10_000  # every bad line is counted; this many are kept with their message
MAX_REPORTED_UNKNOWN = 5_000
SCHOOL_KINDS = (UnitKind.MUNICIPAL_SCHOOL, UnitKind.PRIVATE_SCHOOL)

# Header names a school's system may use, normalised (lower case, æøå spelt out, spaces as _), per field.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "cpr": ("cpr", "cpr_nummer", "cprnr", "cpr_nr", "elev_cpr"),
    "institution": ("institutionsnummer", "institution", "institutionsnr", "inst_nr", "skole_institutionsnummer"),
    "day": ("dato", "date", "fravaersdato", "dag"),
    "kind": ("fravaerstype", "type", "art", "fravaersart", "kind"),
    "days": ("fravaer_dage", "dage", "fravaer", "days"),
    "lessons": ("fravaer_lektioner", "lektioner_fravaer", "fravaerslektioner"),
    "lessons_per_day": ("lektioner", "lektioner_pr_dag", "lektioner_dag", "skemalektioner"),
}
REQUIRED = ("cpr", "institution", "day", "kind")
EXPECTED_HEADER = "cpr;institutionsnummer;dato;fravaerstype;fravaer_dage"


class AbsenceFileError(HelhedError):
    """The file cannot be read as an absence file at all (not CSV or Parquet, empty, wrong header)."""

    status_code = 400


@dataclass
class LineError:
    line: int
    column: str
    message: str


@dataclass
class Outcome:
    status: str
    rows: int = 0
    pupils: int = 0
    schools: int = 0
    absence_rows: int = 0
    bad_lines: int = 0
    unknown_pupils: int = 0
    first_day: date | None = None
    last_day: date | None = None
    errors: list[LineError] = field(default_factory=list)
    unknown: list[dict] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0

    def summary(self) -> dict:
        """The JSON summary the command prints (`rows`, `pupils` and `errors` as the issue names them)."""
        return {
            "status": self.status,
            "rows": self.rows,
            "pupils": self.pupils,
            "schools": self.schools,
            "absence_rows": self.absence_rows,
            "errors": self.bad_lines,
            "unknown_pupils": self.unknown_pupils,
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "message": self.message,
            "bad_lines": [e.__dict__ for e in self.errors[:50]],
            "seconds": round(self.seconds, 2),
        }


Progress = Callable[[str, int], None]


def _no_progress(stage: str, percent: int) -> None:
    return None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _normalise(name: str) -> str:
    name = unicodedata.normalize("NFC", (name or "").strip().strip('"').strip().lower())
    for src, dst in (("æ", "ae"), ("ø", "oe"), ("å", "aa"), (" ", "_"), ("-", "_"), (".", "")):
        name = name.replace(src, dst)
    return name


def map_columns(header: list[str]) -> dict[str, int]:
    """Which position each field is in; raises AbsenceFileError naming what is missing."""
    found: dict[str, int] = {}
    normalised = [_normalise(h) for h in header]
    for key, aliases in COLUMN_ALIASES.items():
        for i, name in enumerate(normalised):
            if name in aliases and key not in found:
                found[key] = i
    missing = [k for k in REQUIRED if k not in found]
    if "days" not in found and "lessons" not in found:
        missing.append("days")
    if missing:
        names = {k: COLUMN_ALIASES[k][0] for k in missing}
        raise AbsenceFileError(
            _(
                "Filens første linje mangler kolonnerne %(missing)s. Første linje skal være overskrifter, fx "
                "'%(expected)s' (fravaer_dage kan erstattes af fravaer_lektioner og lektioner). Filen havde: "
                "%(found)s."
            )
            % {
                "missing": ", ".join(names.values()),
                "expected": EXPECTED_HEADER,
                "found": ", ".join(h for h in header if h) or _("ingen overskrifter"),
            },
            code="bad_header",
        )
    return found


def _encoding(path: Path) -> str:
    """'utf-8' (a BOM is fine) or 'latin-1' (Danish Windows exports); a NUL byte means a binary file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        first = True
        while block := handle.read(1 << 20):
            if first and b"\x00" in block[:4096]:
                raise AbsenceFileError(
                    _(
                        "Filen er hverken en CSV-fil eller en Parquet-fil. Gem den som CSV (semikolonsepareret) "
                        "og prøv igen."
                    ),
                    code="not_csv",
                )
            first = False
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                return "latin-1"
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8"


def _csv_header(path: Path, encoding: str) -> tuple[list[str], str]:
    with path.open("rb") as handle:
        raw = handle.readline(65536)
    text = raw.decode(encoding, errors="replace").lstrip("\ufeff").rstrip("\r\n")
    if not text.strip():
        raise AbsenceFileError(_("Filen er tom. Den skal have en linje med overskrifter og en linje pr. elev og dag."))
    delimiter = ";" if text.count(";") >= text.count(",") else ","
    return next(csv.reader([text], delimiter=delimiter)), delimiter


class _Reader:
    """The file in DuckDB: table `raw(cpr, institution, day, kind, days, lessons, lessons_per_day, extra)` as
    trimmed text, in the file's order, so a row's `rowid + self.offset` is its line number."""

    def __init__(self, path: Path, work_dir: str):
        self.path = path
        self.con = duckdb.connect(":memory:", config={"threads": max(1, os.cpu_count() or 1)})
        self.con.execute(f"SET temp_directory = '{work_dir}'")
        self.con.execute("SET preserve_insertion_order = true")
        self.kind = "csv"
        self.offset = 2  # CSV: line 1 is the header

    def load(self) -> int:
        with self.path.open("rb") as handle:
            magic = handle.read(4)
        if magic == b"PAR1":
            self.kind = "parquet"
            self.offset = 1  # Parquet: the row number
            return self._load_parquet()
        return self._load_csv()

    @staticmethod
    def _select(columns: list[str], mapping: dict[str, int], extra: str) -> str:
        def col(key: str) -> str:
            if key not in mapping:
                return "NULL::VARCHAR"
            return f'TRIM(CAST("{columns[mapping[key]]}" AS VARCHAR))'

        return (
            f"SELECT {col('cpr')} AS cpr, {col('institution')} AS institution, {col('day')} AS day, "
            f"lower({col('kind')}) AS kind, {col('days')} AS days, {col('lessons')} AS lessons, "
            f"{col('lessons_per_day')} AS lessons_per_day, {extra} AS extra"
        )

    def _load_csv(self) -> int:
        encoding = _encoding(self.path)
        header, delimiter = _csv_header(self.path, encoding)
        mapping = map_columns(header)
        width = len(header)
        columns = [f"c{i}" for i in range(width)]
        try:
            self.con.execute(
                "CREATE TABLE raw AS "
                + self._select(columns, mapping, "c_extra")
                + " FROM read_csv(?, delim=?, header=false, skip=1, all_varchar=true, null_padding=true, quote='\"', "
                "escape='\"', encoding=?, auto_detect=false, columns=?, ignore_errors=false, strict_mode=false)",
                [
                    str(self.path),
                    delimiter,
                    "latin-1" if encoding == "latin-1" else "utf-8",
                    {**dict.fromkeys(columns, "VARCHAR"), "c_extra": "VARCHAR"},
                ],
            )
        except duckdb.Error as exc:
            raise AbsenceFileError(
                _("Filen kunne ikke læses som CSV (%(error)s). Gem den som CSV med semikolon og prøv igen.")
                % {"error": str(exc).splitlines()[0][:200]},
                code="unreadable",
            )
        return self.con.execute("SELECT count(*) FROM raw").fetchall()[0][0]

    def _load_parquet(self) -> int:
        try:
            names = [
                row[0]
                for row in self.con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(self.path)]).fetchall()
            ]
            mapping = map_columns(names)
            self.con.execute(
                "CREATE TABLE raw AS " + self._select(names, mapping, "NULL::VARCHAR") + " FROM read_parquet(?)",
                [str(self.path)],
            )
        except AbsenceFileError:
            raise
        except duckdb.Error as exc:
            raise AbsenceFileError(
                _("Parquet-filen kunne ikke læses (%(error)s). Den er måske afkortet; hent den igen.")
                % {"error": str(exc).splitlines()[0][:200]},
                code="unreadable",
            )
        return self.con.execute("SELECT count(*) FROM raw").fetchall()[0][0]


# Error codes found by the checking query, in the order they are tested (a line gets its first).
def _messages() -> dict[str, tuple[str, str]]:
    return {
        "too_few": ("", _("Linjen mangler felter: dato og fravær skal udfyldes (er filen afkortet?).")),
        "too_many": ("", _("Linjen har flere felter end overskriften.")),
        "cpr_missing": ("cpr", _("CPR-nummer mangler.")),
        "cpr_bad": ("cpr", _("Ugyldigt CPR-nummer: %(detail)s")),
        "school_missing": ("institutionsnummer", _("Institutionsnummer mangler.")),
        "school_unknown": (
            "institutionsnummer",
            _(
                "Ukendt skole: institutionsnummer %(value)s findes ikke i Helhed. Tjek nummeret, eller bed en "
                "administrator om at sætte det på skolen."
            ),
        ),
        "date_bad": ("dato", _("Datoen '%(value)s' kan ikke læses. Skriv den som ÅÅÅÅ-MM-DD, fx 2026-11-02.")),
        "date_future": ("dato", _("Datoen %(value)s ligger i fremtiden.")),
        "date_old": ("dato", _("Datoen %(value)s ligger før forrige skoleår; den kan ikke importeres.")),
        "date_summer": ("dato", _("Datoen %(value)s ligger i sommerferien (juli), uden for skoleåret.")),
        "date_not_school_day": ("dato", _("Datoen %(value)s er ikke en skoledag (weekend eller helligdag).")),
        "kind_bad": (
            "fravaerstype",
            _("Ukendt fraværstype '%(value)s'. Brug sygdom, lovligt eller ulovligt."),
        ),
        "amount_bad": (
            "fravaer_dage",
            _("Fraværet '%(value)s' er ikke et tal mellem 0 og 1 (hele dage; brug komma eller punktum)."),
        ),
        "lessons_bad": (
            "fravaer_lektioner",
            _("Lektionerne '%(value)s' er ikke et helt tal mellem 0 og dagens antal lektioner."),
        ),
        "kind_missing": ("fravaerstype", _("Der er fravær, men ingen fraværstype.")),
        "duplicate": ("", _("Samme elev, skole, dato og fraværstype står også på linje %(value)s.")),
    }


_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y")


def _parse_day(text: str | None) -> date | None:
    from datetime import datetime

    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text or "", fmt).date()
        except ValueError:
            continue
    return None


def _lookup_days(values: list[str], today: date) -> pa.Table:
    """Every distinct date text of the file: parsed (ISO or Danish day-month-year), and why it cannot be imported."""
    earliest, _latest = policies.importable_period(today)
    days, codes = [], []
    for value in values:
        day = _parse_day(value)
        code = None
        if day is None:
            code = "date_bad"
        elif day > today:
            code = "date_future"
        elif day < earliest:
            code = "date_old"
        elif policies.in_summer_break(day):
            code = "date_summer"
        elif day.weekday() >= 5 or policies.is_public_holiday(day):
            code = "date_not_school_day"
        days.append(day)
        codes.append(code)
    return pa.table(
        {"day_text": pa.array(values, pa.string()), "day": pa.array(days, pa.date32()), "code": pa.array(codes)}
    )


def _lookup_kinds(values: list[str]) -> pa.Table:
    kinds, codes = [], []
    for value in values:
        kind = policies.KIND_ALIASES.get(value or "")
        kinds.append(str(kind) if kind else None)
        codes.append(None if kind or (value or "") in policies.NO_ABSENCE_WORDS else "kind_bad")
    return pa.table({"kind": pa.array(values, pa.string()), "kind_code": pa.array(kinds), "code": pa.array(codes)})


def _lookup_amounts(values: list[tuple[str | None, str | None, str | None]]) -> pa.Table:
    """Every distinct (days, lessons, lessons per day) of the file: the share of the day missed, or why not."""
    from decimal import Decimal, InvalidOperation

    amounts, codes = [], []
    for days, lessons, per_day in values:
        amount, code = None, None
        if days:
            try:
                amount = Decimal(days.replace(",", "."))
            except InvalidOperation:
                amount = None
            if amount is None or not amount.is_finite() or not 0 <= amount <= 1:
                amount, code = None, "amount_bad"
        else:
            try:
                count = int(lessons or "")
                per = int(per_day) if per_day else policies.LESSONS_PER_DAY
            except ValueError:
                count, per = -1, 0
            if per <= 0 or not 0 <= count <= per:
                code = "lessons_bad"
            else:
                amount = (Decimal(count) / per).quantize(Decimal("0.001"))
        amounts.append(float(amount) if amount is not None else None)
        codes.append(code)
    return pa.table(
        {
            "days": pa.array([v[0] for v in values], pa.string()),
            "lessons": pa.array([v[1] for v in values], pa.string()),
            "lessons_per_day": pa.array([v[2] for v in values], pa.string()),
            "amount": pa.array(amounts, pa.float64()),
            "code": pa.array(codes),
        }
    )


def _lookup_cprs(values: list[str], today: date) -> pa.Table:
    """Every distinct CPR value of the file: checked with python-stdnum, matched on the keyed hash."""
    status, person_ids, details, masked = [], [], [], []
    hashes: dict[str, str] = {}
    for value in values:
        try:
            parsed = cpr_policies.parse(value or "", today=today)
        except cpr_policies.InvalidCpr as exc:
            status.append("bad")
            details.append(str(exc))
            masked.append("")
            continue
        hashes[value] = lookup_hash(parsed.number)
        status.append("ok")
        details.append("")
        masked.append(parsed.masked)
    found: dict[str, int] = {}
    unique = list(set(hashes.values()))
    for start in range(0, len(unique), 5000):
        chunk = unique[start : start + 5000]
        found.update(Person.objects.filter(cpr_hash__in=chunk, merged_into__isnull=True).values_list("cpr_hash", "id"))
    for i, value in enumerate(values):
        if status[i] == "ok":
            pid = found.get(hashes[value])
            person_ids.append(pid)
            if pid is None:
                status[i] = "unknown"
        else:
            person_ids.append(None)
    return pa.table(
        {
            "cpr": pa.array(values, pa.string()),
            "status": pa.array(status, pa.string()),
            "person_id": pa.array(person_ids, pa.int64()),
            "detail": pa.array(details, pa.string()),
            "masked": pa.array(masked, pa.string()),
        }
    )


def _lookup_schools(values: list[str]) -> pa.Table:
    units = dict(
        Unit.objects.filter(institution_number__in=[v for v in values if v], kind__in=SCHOOL_KINDS).values_list(
            "institution_number", "id"
        )
    )
    return pa.table(
        {
            "institution": pa.array(values, pa.string()),
            "unit_id": pa.array([units.get(v) for v in values], pa.int64()),
        }
    )


CODED_SQL = """
CREATE TABLE coded AS
SELECT r.rowid AS rid, c.person_id, c.status AS cpr_status, s.unit_id, d.day, k.kind_code,
       CAST(round(a.amount, 3) AS DECIMAL(4, 3)) AS amount,
       CASE
         WHEN r.day IS NULL OR (r.days IS NULL AND r.lessons IS NULL) THEN 'too_few'
         WHEN r.extra IS NOT NULL AND r.extra <> '' THEN 'too_many'
         WHEN r.cpr IS NULL OR r.cpr = '' THEN 'cpr_missing'
         WHEN c.status = 'bad' THEN 'cpr_bad'
         WHEN r.institution IS NULL OR r.institution = '' THEN 'school_missing'
         WHEN s.unit_id IS NULL THEN 'school_unknown'
         WHEN d.code IS NOT NULL THEN d.code
         WHEN k.code IS NOT NULL THEN k.code
         WHEN a.code IS NOT NULL THEN a.code
         WHEN k.kind_code IS NULL AND a.amount > 0 THEN 'kind_missing'
       END AS code
FROM raw r
LEFT JOIN cprs c ON c.cpr = r.cpr
LEFT JOIN schools s ON s.institution = r.institution
LEFT JOIN days d ON d.day_text = r.day
LEFT JOIN kinds k ON k.kind IS NOT DISTINCT FROM coalesce(r.kind, '')
LEFT JOIN amounts a ON a.days IS NOT DISTINCT FROM r.days AND a.lessons IS NOT DISTINCT FROM r.lessons
     AND a.lessons_per_day IS NOT DISTINCT FROM r.lessons_per_day
"""


def _table(con, name: str, table: pa.Table) -> None:
    con.register(f"{name}_arrow", table)
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_arrow")  # noqa: S608 - internal names
    con.unregister(f"{name}_arrow")


def _check(reader: _Reader, today: date, progress: Progress) -> None:
    """Code every line: the lookups are built from the file's distinct values (a few hundred dates, kinds and
    amounts; one row per pupil and school), so the per-line work is joins on small tables."""
    con = reader.con
    progress("check", 20)
    cprs = [r[0] for r in con.execute("SELECT DISTINCT cpr FROM raw WHERE cpr IS NOT NULL AND cpr <> ''").fetchall()]
    _table(con, "cprs", _lookup_cprs(cprs, today))
    progress("check", 30)
    schools = [r[0] for r in con.execute("SELECT DISTINCT institution FROM raw WHERE institution <> ''").fetchall()]
    _table(con, "schools", _lookup_schools(schools))
    _table(con, "days", _lookup_days([r[0] for r in con.execute("SELECT DISTINCT day FROM raw").fetchall()], today))
    _table(con, "kinds", _lookup_kinds([r[0] or "" for r in con.execute("SELECT DISTINCT kind FROM raw").fetchall()]))
    amounts = con.execute("SELECT DISTINCT days, lessons, lessons_per_day FROM raw").fetchall()
    _table(con, "amounts", _lookup_amounts(amounts))
    progress("check", 40)
    con.execute(CODED_SQL)
    # A repeated line (same pupil, school, date and kind) is bad from its second occurrence on.
    con.execute(
        "CREATE TABLE duplicates AS SELECT rid, first_rid FROM ("
        "  SELECT r.rowid AS rid, min(r.rowid) OVER (PARTITION BY r.cpr, r.institution, r.day, r.kind) AS first_rid"
        "  FROM raw r JOIN (SELECT cpr, institution, day, kind FROM raw GROUP BY ALL HAVING count(*) > 1) g"
        "  ON r.cpr = g.cpr AND r.institution = g.institution AND r.day = g.day"
        "  AND r.kind IS NOT DISTINCT FROM g.kind"
        ") WHERE rid <> first_rid"
    )
    con.execute(
        "UPDATE coded SET code = 'duplicate' FROM duplicates WHERE coded.rid = duplicates.rid AND coded.code IS NULL"
    )
    progress("check", 55)


def _errors(reader: _Reader, limit: int) -> tuple[int, list[LineError]]:
    con, offset = reader.con, reader.offset
    messages = _messages()
    count = con.execute("SELECT count(*) FROM coded WHERE code IS NOT NULL").fetchall()[0][0]
    rows = con.execute(
        "SELECT e.rid, e.code, c.detail, r.institution, r.day, r.kind, coalesce(r.days, r.lessons), d.first_rid "
        "FROM (SELECT rid, code FROM coded WHERE code IS NOT NULL ORDER BY rid LIMIT ?) e "
        "JOIN raw r ON r.rowid = e.rid LEFT JOIN cprs c ON c.cpr = r.cpr "
        "LEFT JOIN duplicates d ON d.rid = e.rid ORDER BY e.rid",
        [limit],
    ).fetchall()
    out = []
    for rid, code, cpr_detail, institution, day_text, kind_text, amount, first_rid in rows:
        column, template = messages[code]
        value = {
            "cpr_bad": "",
            "school_unknown": institution,
            "kind_bad": kind_text,
            "amount_bad": amount,
            "lessons_bad": amount,
            "duplicate": (first_rid + offset) if first_rid is not None else "",
        }.get(code, day_text)
        out.append(
            LineError(
                line=int(rid) + offset,
                column=column,
                message=template % {"value": value if value is not None else "", "detail": cpr_detail or ""},
            )
        )
    return count, out


def _unknown(reader: _Reader, limit: int) -> tuple[int, list[dict]]:
    con, offset = reader.con, reader.offset
    count = con.execute(
        "SELECT count(DISTINCT r.cpr) FROM coded k JOIN raw r ON r.rowid = k.rid "
        "WHERE k.code IS NULL AND k.cpr_status = 'unknown'"
    ).fetchall()[0][0]
    rows = con.execute(
        "SELECT c.masked, min(r.institution), count(*), min(k.rid) FROM coded k JOIN raw r ON r.rowid = k.rid "
        "JOIN cprs c ON c.cpr = r.cpr WHERE k.code IS NULL AND k.cpr_status = 'unknown' "
        "GROUP BY r.cpr, c.masked ORDER BY min(k.rid) LIMIT ?",
        [limit],
    ).fetchall()
    return count, [
        {"cpr": m, "institution": i, "lines": int(n), "first_line": int(first) + offset} for m, i, n, first in rows
    ]


def _write(con, work_dir: str, progress: Progress) -> tuple[int, int, int, list[int]]:
    """Replace, per school, the absence of the days the file covers; extend the pupils' coverage. Runs inside the
    caller's transaction."""
    good = "FROM coded WHERE code IS NULL AND person_id IS NOT NULL"
    con.execute("DROP TABLE raw")
    spans = con.execute(f"SELECT unit_id, min(day), max(day) {good} GROUP BY unit_id ORDER BY unit_id").fetchall()
    with connection.cursor() as cursor:
        for unit_id, first, last in spans:
            cursor.execute(
                "DELETE FROM detection_absenceday WHERE school_id = %s AND day >= %s AND day <= %s",
                [unit_id, first, last],
            )
    progress("write", 65)
    absence_sql = (
        f"SELECT person_id, unit_id, day, kind_code, least(sum(amount), 1) {good} "
        "AND kind_code IS NOT NULL AND amount > 0 GROUP BY ALL"
    )
    written = _insert(
        con, absence_sql, "detection_absenceday", ("person_id", "school_id", "day", "kind", "days"), work_dir, progress
    )
    progress("write", 85)
    pupils = f"SELECT DISTINCT person_id, unit_id {good}"
    spans_sql = f"SELECT unit_id, min(day) AS first, max(day) AS last {good} GROUP BY unit_id"
    coverage_sql = (
        f"SELECT g.person_id, g.unit_id, s.first, s.last FROM ({pupils}) g JOIN ({spans_sql}) s USING (unit_id)"  # noqa: S608, E501
    )
    _upsert_coverage(con, coverage_sql, work_dir)
    person_ids = [r[0] for r in con.execute(f"SELECT DISTINCT person_id {good} ORDER BY 1").fetchall()]
    return written, len(person_ids), len(spans), person_ids


_COVERAGE_MERGE = (
    "ON CONFLICT (person_id, school_id) DO UPDATE SET "
    "first_day = CASE WHEN excluded.first_day < detection_absencecoverage.first_day THEN excluded.first_day "
    "ELSE detection_absencecoverage.first_day END, "
    "last_day = CASE WHEN excluded.last_day > detection_absencecoverage.last_day THEN excluded.last_day "
    "ELSE detection_absencecoverage.last_day END"
)


def _upsert_coverage(con, sql: str, work_dir: str) -> None:
    columns = "person_id, school_id, first_day, last_day"
    if connection.vendor == "postgresql":
        out = Path(work_dir) / "coverage.csv"
        con.execute(f"COPY ({sql}) TO '{out}' (HEADER false, DELIMITER ',')")
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS absence_coverage_in")
            cursor.execute(
                "CREATE TEMPORARY TABLE absence_coverage_in (person_id bigint, school_id bigint, first_day date, "
                "last_day date) ON COMMIT DROP"
            )
            with (
                out.open("rb") as handle,
                cursor.copy(f"COPY absence_coverage_in ({columns}) FROM STDIN (FORMAT csv)") as copy,
            ):
                while block := handle.read(1 << 20):
                    copy.write(block)
            cursor.execute(
                f"INSERT INTO detection_absencecoverage ({columns}) SELECT {columns} FROM absence_coverage_in "  # noqa: S608
                + _COVERAGE_MERGE
            )
        out.unlink(missing_ok=True)
        return
    rows = [(p, s, a.isoformat(), b.isoformat()) for p, s, a, b in con.execute(sql).fetchall()]
    upsert = f"INSERT INTO detection_absencecoverage ({columns}) VALUES (%s, %s, %s, %s) " + _COVERAGE_MERGE  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 20_000):
            cursor.executemany(upsert, rows[start : start + 20_000])


def _insert(con, sql: str, table: str, columns: tuple[str, ...], work_dir: str, progress: Progress) -> int:
    # `sql`, `table` and `columns` are this module's constants, never input.
    if connection.vendor == "postgresql":
        # COPY: DuckDB writes the rows as CSV, PostgreSQL reads them in one stream.
        out = Path(work_dir) / "absence.csv"
        total = con.execute(f"COPY ({sql}) TO '{out}' (HEADER false, DELIMITER ',')").fetchall()[0][0]
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
        with connection.cursor() as cursor, out.open("rb") as handle, cursor.copy(statement) as copy:
            while block := handle.read(1 << 20):
                copy.write(block)
        out.unlink(missing_ok=True)
        return int(total)
    con.execute(f"CREATE TABLE to_write AS {sql}")
    total = con.execute("SELECT count(*) FROM to_write").fetchall()[0][0]
    placeholders = ", ".join(["%s"] * len(columns))
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    result = con.execute("SELECT * FROM to_write")
    done = 0
    with connection.cursor() as cursor:
        while batch := result.fetchmany(50_000):
            cursor.executemany(statement, [(p, s, d.isoformat(), k, str(v)) for p, s, d, k, v in batch])
            done += len(batch)
            progress("write", 65 + int(20 * done / max(total, 1)))
    return int(total)


def import_file(
    *,
    actor,
    path: Path,
    file_name: str,
    skip_bad_lines: bool = False,
    channel: str = "cli",
    record: AbsenceImport | None = None,
    progress: Progress = _no_progress,
    today: date | None = None,
) -> tuple[AbsenceImport, Outcome]:
    """Import one absence file whole (or with its bad lines skipped, on request). Returns the import's record and
    its outcome; a file that cannot be read at all raises AbsenceFileError (nothing is written but the record)."""
    started = time.monotonic()
    today = today or timezone.localdate()
    path = Path(path)
    sha = file_sha256(path)
    now = timezone.now()
    if record is None:
        record = AbsenceImport.objects.create(
            file_name=file_name[:200],
            sha256=sha,
            size=path.stat().st_size,
            channel=channel,
            skip_bad_lines=skip_bad_lines,
            imported_by=actor if getattr(actor, "pk", None) else None,
            created_at=now,
        )
    record.started_at = now
    record.status = ImportStatus.RUNNING
    record.save(update_fields=["started_at", "status"])
    previous = AbsenceImport.objects.filter(sha256=sha, status=ImportStatus.DONE).exclude(pk=record.pk).first()
    if previous is not None:
        outcome = Outcome(
            status=ImportStatus.UNCHANGED,
            rows=previous.rows,
            message=_("Filen blev allerede importeret %(when)s (import nr. %(id)s). Intet er ændret.")
            % {
                "when": timezone.localtime(previous.finished_at or previous.created_at).strftime("%d-%m-%Y %H:%M"),
                "id": previous.pk,
            },
        )
        return _finish(record, outcome, actor=actor, started=started), outcome
    work_dir = tempfile.mkdtemp(prefix="absence-", dir=_work_root())
    try:
        progress("read", 5)
        reader = _Reader(path, work_dir)
        try:
            rows = reader.load()
        except AbsenceFileError as exc:
            outcome = Outcome(status=ImportStatus.REJECTED, message=str(exc.message))
            _finish(record, outcome, actor=actor, started=started, file_format=reader.kind)
            raise
        if rows == 0:
            outcome = Outcome(status=ImportStatus.REJECTED, message=_("Filen har ingen linjer med fravær."))
            return _finish(record, outcome, actor=actor, started=started, file_format=reader.kind), outcome
        progress("read", 15)
        _check(reader, today, progress)
        bad, errors = _errors(reader, MAX_REPORTED_ERRORS)
        unknown_count, unknown = _unknown(reader, MAX_REPORTED_UNKNOWN)
        first, last = reader.con.execute("SELECT min(day), max(day) FROM coded WHERE code IS NULL").fetchall()[0]
        outcome = Outcome(
            status=ImportStatus.DONE,
            rows=rows,
            bad_lines=bad,
            errors=errors,
            unknown_pupils=unknown_count,
            unknown=unknown,
            first_day=first,
            last_day=last,
        )
        if bad and not skip_bad_lines:
            outcome.status = ImportStatus.REJECTED
            outcome.message = _(
                "Filen har %(n)s fejl og er ikke importeret. Ret linjerne og importér filen igen, eller vælg at "
                "springe de fejlbehæftede linjer over."
            ) % {"n": bad}
            return _finish(record, outcome, actor=actor, started=started, file_format=reader.kind), outcome
        progress("write", 60)
        try:
            return _write_all(
                reader,
                record,
                outcome,
                actor=actor,
                channel=channel,
                file_name=file_name,
                work_dir=work_dir,
                started=started,
                bad=bad,
                rows=rows,
                progress=progress,
            )
        except Exception:
            # Nothing of the file was written (one transaction); say so on the record instead of leaving it running.
            outcome.status = ImportStatus.REJECTED
            outcome.message = _(
                "Importen fejlede undervejs, og intet er importeret. Prøv igen; sker det igen, så "
                "kontakt en administrator."
            )
            _finish(record, outcome, actor=actor, started=started, file_format=reader.kind)
            raise
    finally:
        _cleanup(work_dir)


def _write_all(
    reader: _Reader,
    record: AbsenceImport,
    outcome: Outcome,
    *,
    actor,
    channel: str,
    file_name: str,
    work_dir: str,
    started: float,
    bad: int,
    rows: int,
    progress: Progress,
) -> tuple[AbsenceImport, Outcome]:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The import is one transaction that can simply be run again: it need not wait for the disk flush.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        written, pupils, schools, person_ids = _write(reader.con, work_dir, progress)
        outcome.absence_rows, outcome.pupils, outcome.schools = written, pupils, schools
        outcome.message = _("Importeret: %(rows)s linjer, %(pupils)s elever, %(schools)s skoler.") % {
            "rows": rows - bad,
            "pupils": pupils,
            "schools": schools,
        }
        if bad:
            outcome.message += " " + _("%(n)s fejlbehæftede linjer er sprunget over.") % {"n": bad}
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="detection.absenceday",
            object_id=str(record.pk),
            persons=person_ids,
            channel=channel,
            detail={"import": record.pk, "file": file_name[:200], "rows": rows, "absence_rows": written},
        )
        _finish(record, outcome, actor=actor, started=started, file_format=reader.kind, audited=True)
    progress("done", 100)
    return record, outcome


def _work_root() -> str:
    root = Path(settings.DATA_DIR) / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    return str(root)


def _cleanup(work_dir: str) -> None:
    import shutil

    shutil.rmtree(work_dir, ignore_errors=True)


def _finish(
    record: AbsenceImport,
    outcome: Outcome,
    *,
    actor,
    started: float,
    file_format: str = "",
    audited: bool = False,
) -> AbsenceImport:
    outcome.seconds = time.monotonic() - started
    record.status = outcome.status
    record.finished_at = timezone.now()
    record.file_format = file_format or record.file_format
    record.rows = outcome.rows
    record.pupils = outcome.pupils
    record.schools = outcome.schools
    record.absence_rows = outcome.absence_rows
    record.bad_lines = outcome.bad_lines
    record.unknown_pupils = outcome.unknown_pupils
    record.first_day = outcome.first_day
    record.last_day = outcome.last_day
    record.progress = 100
    record.stage = "done"
    record.report = json.loads(
        json.dumps(
            {
                "message": str(outcome.message),
                "errors": [e.__dict__ for e in outcome.errors],
                "unknown": outcome.unknown,
                "seconds": round(outcome.seconds, 2),
            },
            default=str,
        )
    )
    record.save()
    if not audited:
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=record,
            detail={"status": record.status, "rows": record.rows, "errors": record.bad_lines},
        )
    return record


__all__ = ["AbsenceFileError", "Outcome", "import_file"]
