"""CSV imports of units and staff: how a municipality sets up its organisation without the Django shell.

One file is one transaction. Every line is checked first, and every bad line is reported with its line
number (the header is line 1) and a Danish message that says what to fix. A file with a bad line imports
nothing, unless the caller asks to skip bad lines; then the good lines are imported and the bad ones
reported. A dry run does all the work and rolls it back, so its report says exactly what a real run
would do. Importing the same file twice changes nothing the second time.

The files are UTF-8 (with or without the byte order mark Excel writes), separated by ';' or ',' (read
from the header line):

- units: code;name;kind;administration;district;parent_code
- staff: username;first_name;last_name;email;title;unit_code;role;valid_from

The writes go through `services`, so a line is held to the same rules as the forms and the API, and each
change is audited; the import itself adds one summary event.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from helhed.core import audit
from helhed.core.context import RequestAudit, request_audit_var
from helhed.core.errors import HelhedError
from helhed.core.models import AuditAction

from . import policies, services
from .models import Administration, District, Unit, User

UNIT_COLUMNS = ("code", "name", "kind", "administration", "district", "parent_code")
UNIT_REQUIRED = ("code", "name", "kind", "administration")
STAFF_COLUMNS = ("username", "first_name", "last_name", "email", "title", "unit_code", "role", "valid_from")
STAFF_REQUIRED = ("username", "first_name", "last_name", "email", "unit_code", "role")
KINDS = {"units": (UNIT_COLUMNS, UNIT_REQUIRED), "staff": (STAFF_COLUMNS, STAFF_REQUIRED)}

DEFAULT_MAX_BYTES = 2 * 1024 * 1024


def max_bytes() -> int:
    return int(getattr(settings, "ORG_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def megabytes(n: int) -> str:
    """2097152 -> '2', 1572864 -> '1,5' (Danish decimal comma)."""
    value = n / 1048576
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}".replace(".", ",")


class ImportFileError(HelhedError):
    """The file as a whole cannot be read (not CSV, not UTF-8, too large, missing columns): nothing is
    imported, and the message says how to save the file so that it can be."""

    def __init__(self, message, *, line: int | None = None):
        super().__init__(message, code="bad_file", field="file")
        self.line = line


@dataclass(frozen=True)
class LineError:
    line: int
    column: str  # the column the problem is in, or "" for the line as a whole
    message: str


@dataclass
class ImportReport:
    kind: str  # "units" or "staff"
    lines: int = 0  # data lines (not counting the header and blank lines)
    errors: list[LineError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    memberships_added: int = 0
    new_districts: list[str] = field(default_factory=list)
    new_administrations: list[str] = field(default_factory=list)
    dry_run: bool = False
    skip_bad_lines: bool = False
    imported: bool = False

    @property
    def bad_lines(self) -> list[int]:
        return sorted({e.line for e in self.errors})

    @property
    def good_lines(self) -> int:
        return self.lines - len(self.bad_lines)

    @property
    def refused(self) -> bool:
        """Bad lines and no permission to skip them: a real run imports nothing."""
        return bool(self.errors) and not self.skip_bad_lines

    def summary(self) -> str:
        """One Danish sentence or two for the page, the API and the command line."""
        counts = _(
            "%(lines)s linjer læst, %(bad)s med fejl. %(created)s oprettet, %(updated)s ændret, %(unchanged)s uændret"
        ) % {
            "lines": self.lines,
            "bad": len(self.bad_lines),
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
        if self.kind == "staff":
            counts += _(", %(n)s nye tilknytninger") % {"n": self.memberships_added}
        counts += "."
        if self.refused:
            return (
                _(
                    "Intet er importeret: %(bad)s linjer har fejl. Ret linjerne og prøv igen, eller vælg at springe "
                    "fejlbehæftede linjer over."
                )
                % {"bad": len(self.bad_lines)}
                + " "
                + (_("Hvis filen blev rettet, ville importen give: %(counts)s") % {"counts": counts})
            )
        if self.dry_run:
            return _("Prøvekørsel, intet er gemt. Importen vil give: %(counts)s") % {"counts": counts}
        return _("Importen er gennemført. %(counts)s") % {"counts": counts}

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "imported": self.imported,
            "dry_run": self.dry_run,
            "skip_bad_lines": self.skip_bad_lines,
            "lines": self.lines,
            "good_lines": self.good_lines,
            "bad_lines": self.bad_lines,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "memberships_added": self.memberships_added,
            "new_districts": self.new_districts,
            "new_administrations": self.new_administrations,
            "errors": [{"line": e.line, "column": e.column, "message": e.message} for e in self.errors],
            "summary": self.summary(),
        }


# -- reading the file -------------------------------------------------------------------------------------

_SAVE_AS = gettext_noop("Gem filen som 'CSV UTF-8 (kommasepareret)' i Excel, og prøv igen.")


def read_upload(uploaded_file) -> bytes:
    """The bytes of an uploaded CSV file, refusing other file types and files over the size limit."""
    name = getattr(uploaded_file, "name", "") or ""
    size = getattr(uploaded_file, "size", None) or 0
    limit = max_bytes()
    if size > limit:
        raise ImportFileError(
            _("Filen er for stor (%(size)s MB). Den største tilladte størrelse er %(max)s MB. Del filen op i flere.")
            % {"size": megabytes(size), "max": megabytes(limit)}
        )
    if PurePath(name).suffix.lower() not in (".csv", ".txt"):
        raise ImportFileError(_("Filen skal være en CSV-fil (.csv). %(how)s") % {"how": _(_SAVE_AS)})
    data = uploaded_file.read(limit + 1)
    if len(data) > limit:
        raise ImportFileError(
            _("Filen er for stor. Den største tilladte størrelse er %(max)s MB. Del filen op i flere.")
            % {"max": megabytes(limit)}
        )
    return data


def decode(data: bytes) -> str:
    """UTF-8 text, without the byte order mark. Anything else gets a message saying how to save the file."""
    if not data.strip():
        raise ImportFileError(_("Filen er tom. Vælg den rigtige fil."))
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(_("Filen er et Excel-regneark, ikke en CSV-fil. %(how)s") % {"how": _(_SAVE_AS)})
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(_("Filen er gemt som UTF-16 (Unicode-tekst), ikke UTF-8. %(how)s") % {"how": _(_SAVE_AS)})
    if b"\x00" in data:  # a binary file, or a NUL character PostgreSQL cannot store
        raise ImportFileError(_("Filen er ikke en tekstfil. %(how)s") % {"how": _(_SAVE_AS)})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            _("Filen er ikke gemt som UTF-8 (det første tegn, der ikke kan læses, står i linje %(line)s). %(how)s")
            % {"line": line, "how": _(_SAVE_AS)},
            line=line,
        )


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]
    problem: str = ""  # the line as a whole is malformed (wrong number of fields)


@dataclass(frozen=True)
class ParsedFile:
    delimiter: str
    columns: list[str]
    rows: list[Row]


def _header_name(text: str) -> str:
    return text.strip().strip('"').strip().lower().replace(" ", "_").replace("-", "_")


def parse(text: str, *, columns: tuple[str, ...], required: tuple[str, ...]) -> ParsedFile:
    """Split the text into rows keyed by column name. Header problems are an ImportFileError (line 1)."""
    lines = text.splitlines()
    header_line = next((ln for ln in lines if ln.strip()), "")
    delimiter = ";" if header_line.count(";") >= header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_at = 1
    rows: list[Row] = []
    try:
        for raw in reader:
            if header is None:
                if not any(cell.strip() for cell in raw):
                    continue
                header, header_at = [_header_name(c) for c in raw], reader.line_num
                _check_header(header, columns, required, delimiter, header_at)
                continue
            if not any(cell.strip() for cell in raw):
                continue  # a blank line, or a line of separators only (Excel leaves those)
            line = reader.line_num
            cells = list(raw)
            while len(cells) > len(header) and not cells[-1].strip():
                cells.pop()  # empty cells at the end of a line are harmless
            problem = ""
            if len(cells) != len(header):
                problem = _(
                    "Linjen har %(got)s felter, men overskriften har %(want)s. Tjek at hvert felt er adskilt med "
                    "'%(sep)s', og at tekst der selv indeholder '%(sep)s' står i anførselstegn."
                ) % {"got": len(cells), "want": len(header), "sep": delimiter}
            values = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}
            rows.append(Row(line=line, values=values, problem=problem))
    except csv.Error as exc:
        raise ImportFileError(
            _("Filen kan ikke læses som CSV omkring linje %(line)s (%(problem)s). Tjek anførselstegnene i linjen.")
            % {"line": reader.line_num, "problem": exc},
            line=reader.line_num,
        )
    if header is None:
        raise ImportFileError(_("Filen er tom. Vælg den rigtige fil."))
    if not rows:
        raise ImportFileError(_("Filen har kun en overskriftslinje og ingen data. Tilføj en linje pr. række."))
    return ParsedFile(delimiter=delimiter, columns=header, rows=rows)


def _check_header(header: list[str], columns, required, delimiter: str, line: int) -> None:
    expected = ";".join(columns)
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c and c not in columns]
    duplicates = sorted({c for c in header if c and header.count(c) > 1})
    problems = []
    if missing:
        problems.append(_("Kolonne mangler: %(cols)s.") % {"cols": ", ".join(missing)})
    if unknown:
        problems.append(_("Ukendt kolonne: %(cols)s.") % {"cols": ", ".join(unknown)})
    if duplicates:
        problems.append(_("Kolonne står to gange: %(cols)s.") % {"cols": ", ".join(duplicates)})
    if "" in header:
        problems.append(_("En kolonne har ingen overskrift."))
    if problems:
        hint = ""
        if len(header) == 1:
            hint = " " + _("Kolonnerne skal adskilles med semikolon (;) eller komma (,).")
        raise ImportFileError(
            _("Overskriftslinjen (linje %(line)s) passer ikke: %(problems)s Forventede kolonner: %(expected)s.")
            % {"line": line, "problems": " ".join(problems), "expected": expected}
            + hint,
            line=line,
        )


# -- shared machinery ------------------------------------------------------------------------------------


class _LineProblems:
    """Collects the problems of one line, so a line with three mistakes reports all three at once."""

    def __init__(self, row: Row):
        self.row = row
        self.errors: list[LineError] = []
        if row.problem:
            self.errors.append(LineError(row.line, "", row.problem))

    def check(self, column: str, rule: Callable[..., Any], *args, **kwargs) -> Any:
        try:
            return rule(*args, **kwargs)
        except policies.Invalid as exc:
            self.errors.append(LineError(self.row.line, column, exc.message))
            return None

    def add(self, column: str, message: str) -> None:
        self.errors.append(LineError(self.row.line, column, message))


def _run(report: ImportReport, *, actor, rows: list, apply: Callable[[Any], Callable[[], None]], dry_run: bool):
    """Apply the checked rows in one transaction, each in a savepoint, and keep or roll back the lot.

    `apply(row)` writes one line and returns what to count once its savepoint is released. A rule only a
    service can check (it needs the database as it is at that moment) turns the line into a bad line like
    any other."""
    # Outside a web request every audit event would queue its own sealing of the hash chain after the
    # commit (thousands for a large file). Collect them like a web request does and seal once.
    batch = RequestAudit() if request_audit_var.get() is None else None
    token = request_audit_var.set(batch) if batch is not None else None
    try:
        _write(report, actor=actor, rows=rows, apply=apply, dry_run=dry_run)
    finally:
        if batch is not None and token is not None:
            request_audit_var.reset(token)
            audit.flush(batch)
            if batch.needs_seal:
                transaction.on_commit(audit.seal_pending)


def _write(report: ImportReport, *, actor, rows: list, apply: Callable[[Any], Callable[[], None]], dry_run: bool):
    with transaction.atomic():
        for row in rows:
            try:
                with transaction.atomic():
                    done = apply(row)
            except HelhedError as exc:
                report.errors.append(LineError(row.line, exc.field or "", str(exc.message)))
            else:
                done()  # counts and caches change only for a line whose writes were kept
        report.errors.sort(key=lambda e: e.line)
        keep = not dry_run and not report.refused
        if keep:
            audit.record(
                actor=actor,
                action=AuditAction.CREATE,
                object_type=f"organisation.{report.kind}import",
                detail={
                    "lines": report.lines,
                    "bad_lines": len(report.bad_lines),
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "memberships_added": report.memberships_added,
                },
            )
        else:
            transaction.set_rollback(True)
        report.imported = keep


def _duplicate(problems: _LineProblems, column: str, key: str, seen: dict[str, int], message: str) -> None:
    """Report `key` if an earlier line had it too. `message` has the placeholders value and line."""
    folded = key.casefold()
    if folded in seen:
        problems.add(column, message % {"value": key, "line": seen[folded]})
    else:
        seen[folded] = problems.row.line


# -- units -------------------------------------------------------------------------------------------------


@dataclass
class _UnitLine:
    line: int
    code: str
    name: str
    kind: str
    administration: str
    district: str
    parent_code: str


def import_units(*, actor, data: bytes, skip_bad_lines: bool = False, dry_run: bool = False) -> ImportReport:
    """Create or update units from a CSV file (see the module docstring for the columns).

    Units are matched on their code (ignoring case). A parent may come later in the same file.
    Administrations are created with their standard name the first time they are used; a district that
    is not known by its code or name is created (the report lists those, so a typo shows in a dry run).
    """
    parsed = parse(decode(data), columns=UNIT_COLUMNS, required=UNIT_REQUIRED)
    report = ImportReport(kind="units", lines=len(parsed.rows), dry_run=dry_run, skip_bad_lines=skip_bad_lines)
    existing = {u.code.casefold(): u for u in Unit.objects.select_related("parent")}
    districts = list(District.objects.all())
    administrations = {a.code for a in Administration.objects.all()}
    seen: dict[str, int] = {}
    checked: dict[str, _UnitLine] = {}  # casefolded code -> line
    bad_codes: dict[str, int] = {}
    pending: list[tuple[_LineProblems, _UnitLine | None]] = []
    for row in parsed.rows:
        p = _LineProblems(row)
        v = row.values
        code = p.check("code", policies.unit_code, v.get("code", ""))
        if code:
            _duplicate(
                p,
                "code",
                code,
                seen,
                _("Enhedskoden '%(value)s' står også i linje %(line)s. Hver enhed må kun stå én gang i filen."),
            )
        name = p.check("name", policies.unit_name, v.get("name", ""))
        kind = p.check("kind", policies.unit_kind, v.get("kind", ""))
        administration = p.check("administration", policies.administration_code, v.get("administration", ""))
        district = p.check("district", policies.district_name, v.get("district", ""))
        parent_code = v.get("parent_code", "")
        if parent_code:
            parent_code = p.check("parent_code", policies.unit_code, parent_code, field="parent_code") or ""
            if code and parent_code and parent_code.casefold() == code.casefold():
                p.add("parent_code", _("En enhed kan ikke være sin egen overenhed. Lad parent_code stå tom."))
        line = None
        if code and name and kind and administration and district is not None:
            line = _UnitLine(row.line, code, name, kind, administration, district, parent_code or "")
        if code and (p.errors or line is None):
            bad_codes.setdefault(code.casefold(), row.line)
        elif line is not None and code.casefold() not in checked:
            checked[code.casefold()] = line
        pending.append((p, line))

    # Parents: known in the database or on a good line of the file, and never in a loop. A line whose parent
    # is on a bad line is bad too, and so on down, so repeat until nothing changes.
    changed = True
    while changed:
        changed = False
        parents = {c: (u.parent.code.casefold() if u.parent else None) for c, u in existing.items()}
        parents.update({c: (ln.parent_code.casefold() or None) for c, ln in checked.items()})
        for p, line in pending:
            if line is None or p.errors or not line.parent_code:
                continue
            parent = line.parent_code.casefold()
            if parent in existing or parent in checked:
                if policies.parent_cycle(line.code.casefold(), parents):
                    p.add(
                        "parent_code",
                        _("Overenhederne går i ring (%(code)s ligger under sig selv). Ret parent_code.")
                        % {"code": line.code},
                    )
            elif parent in bad_codes:
                p.add(
                    "parent_code",
                    _("Overenheden %(code)s står i linje %(line)s, som har fejl. Ret den linje først.")
                    % {"code": line.parent_code, "line": bad_codes[parent]},
                )
            else:
                p.add(
                    "parent_code",
                    _(
                        "Ukendt overenhed '%(code)s'. Skriv koden på en enhed, der findes eller står i filen, "
                        "eller lad feltet stå tomt."
                    )
                    % {"code": line.parent_code},
                )
            if p.errors:
                if checked.get(line.code.casefold()) is line:
                    del checked[line.code.casefold()]
                bad_codes.setdefault(line.code.casefold(), line.line)
                changed = True
    good: list[_UnitLine] = []
    for p, line in pending:
        report.errors.extend(p.errors)
        if line is not None and not p.errors:
            good.append(line)

    # A unit's parent is written before the unit itself.
    by_code = {ln.code.casefold(): ln for ln in good}
    ordered: list[_UnitLine] = []
    placed: set[str] = set()

    def place(ln: _UnitLine, depth: int = 0) -> None:
        key = ln.code.casefold()
        if key in placed or depth > len(by_code):
            return
        parent = by_code.get(ln.parent_code.casefold()) if ln.parent_code else None
        if parent is not None:
            place(parent, depth + 1)
        placed.add(key)
        ordered.append(ln)

    for ln in good:
        place(ln)

    units = dict(existing)
    new_districts: dict[str, str] = {}

    def apply(ln: _UnitLine) -> Callable[[], None]:
        administration = services.administration_ensure(actor=actor, code=ln.administration)
        district = None
        new_district = False
        if ln.district:
            district = services.district_match(ln.district, districts)
            if district is None:
                district = services.district_ensure(actor=actor, name=ln.district)
                new_district = True
        parent = None
        if ln.parent_code:
            parent = units.get(ln.parent_code.casefold())
            if parent is None:
                raise HelhedError(
                    _("Overenheden %(code)s kunne ikke importeres. Ret dens linje først.") % {"code": ln.parent_code},
                    field="parent_code",
                )
        unit = units.get(ln.code.casefold())
        if unit is None:
            unit = services.unit_create(
                actor=actor,
                code=ln.code,
                name=ln.name,
                kind=ln.kind,
                administration=administration,
                district=district,
                parent=parent,
            )
            outcome = "created"
        else:
            changed = services.unit_update(
                actor=actor,
                unit=unit,
                name=ln.name,
                kind=ln.kind,
                administration=administration,
                district=district,
                parent=parent,
            )
            outcome = "updated" if changed else "unchanged"

        def done() -> None:
            units[ln.code.casefold()] = unit
            setattr(report, outcome, getattr(report, outcome) + 1)
            if ln.administration not in administrations:
                administrations.add(ln.administration)
                report.new_administrations.append(ln.administration)
            if new_district and district is not None:
                districts.append(district)
                new_districts[district.code] = district.name

        return done

    _run(report, actor=actor, rows=ordered, apply=apply, dry_run=dry_run)
    report.new_districts = sorted(new_districts.values())
    return report


# -- staff -------------------------------------------------------------------------------------------------


@dataclass
class _StaffLine:
    line: int
    username: str
    first_name: str
    last_name: str
    email: str
    title: str
    unit: Unit
    role: str
    valid_from: date


def import_staff(*, actor, data: bytes, skip_bad_lines: bool = False, dry_run: bool = False) -> ImportReport:
    """Create or update staff accounts and their memberships from a CSV file.

    A new username gets an account without a password (it cannot log in until one is set) and the
    membership on its line. A known username gets its names and e-mail (and title, when one is written)
    updated, and the membership if it does not already have the same role in the same unit for that
    period. An empty valid_from means today. Memberships that are not in the file are left as they are.
    """
    parsed = parse(decode(data), columns=STAFF_COLUMNS, required=STAFF_REQUIRED)
    report = ImportReport(kind="staff", lines=len(parsed.rows), dry_run=dry_run, skip_bad_lines=skip_bad_lines)
    units = {u.code.casefold(): u for u in Unit.objects.all()}
    usernames = [r.values.get("username", "").strip() for r in parsed.rows]
    users: dict[str, User] = {}
    for i in range(0, len(usernames), 500):
        for u in User.objects.filter(username__in=usernames[i : i + 500]):
            users[u.username] = u
    today = timezone.localdate()
    seen: dict[str, int] = {}
    good: list[_StaffLine] = []
    for row in parsed.rows:
        p = _LineProblems(row)
        v = row.values
        username = p.check("username", policies.username, v.get("username", ""))
        if username:
            _duplicate(
                p,
                "username",
                username,
                seen,
                _(
                    "Brugernavnet '%(value)s' står også i linje %(line)s. Hver medarbejder må kun stå én gang i "
                    "filen. En ekstra tilknytning kan tilføjes på medarbejdersiden eller med en ny fil."
                ),
            )
        first_name = p.check(
            "first_name", policies.person_name, v.get("first_name", ""), field="first_name", what=_("fornavn")
        )
        last_name = p.check(
            "last_name", policies.person_name, v.get("last_name", ""), field="last_name", what=_("efternavn")
        )
        email = p.check("email", policies.email, v.get("email", ""))
        title = p.check("title", policies.title, v.get("title", ""))
        role = p.check("role", policies.role, v.get("role", ""))
        valid_from = today
        if v.get("valid_from", ""):
            valid_from = p.check("valid_from", policies.parse_date, v["valid_from"])
        unit_code = p.check("unit_code", policies.unit_code, v.get("unit_code", ""), field="unit_code")
        unit = None
        if unit_code:
            unit = units.get(unit_code.casefold())
            if unit is None:
                p.add(
                    "unit_code",
                    _(
                        "Ukendt enhedskode '%(code)s'. Importér enhederne først, eller ret koden, så den svarer til en "
                        "enhed på siden Enheder."
                    )
                    % {"code": unit_code},
                )
            elif not unit.active:
                p.add("unit_code", _("Enheden %(code)s er nedlagt. Vælg en aktiv enhed.") % {"code": unit.code})
        existing = users.get(username or "")
        if existing is not None and not existing.is_active:
            p.add(
                "username",
                _("Kontoen %(username)s er deaktiveret. Genaktivér den på medarbejdersiden først, eller fjern linjen.")
                % {"username": username},
            )
        report.errors.extend(p.errors)
        if not p.errors and unit is not None:
            good.append(_StaffLine(row.line, username, first_name, last_name, email, title, unit, role, valid_from))

    def apply(ln: _StaffLine) -> Callable[[], None]:
        user = users.get(ln.username)
        created = user is None
        if user is None:
            user = services.staff_create(
                actor=actor,
                username=ln.username,
                first_name=ln.first_name,
                last_name=ln.last_name,
                email=ln.email,
                title=ln.title,
            )
            changed = True
        else:
            changed = bool(
                services.staff_update(
                    actor=actor,
                    user=user,
                    first_name=ln.first_name,
                    last_name=ln.last_name,
                    email=ln.email,
                    title=ln.title or None,
                )
            )
        added = created or (
            services.identical_membership(
                user=user, unit=ln.unit, role=ln.role, valid_from=ln.valid_from, valid_to=None
            )
            is None
        )
        if added:
            services.membership_add(actor=actor, user=user, unit=ln.unit, role=ln.role, valid_from=ln.valid_from)

        def done() -> None:
            users[ln.username] = user
            if created:
                report.created += 1
            elif changed or added:
                report.updated += 1
            else:
                report.unchanged += 1
            report.memberships_added += int(added)

        return done

    _run(report, actor=actor, rows=good, apply=apply, dry_run=dry_run)
    return report


def run_import(kind: str, **kwargs) -> ImportReport:
    """`import_units` or `import_staff` by name ("units" or "staff")."""
    if kind == "units":
        return import_units(**kwargs)
    if kind == "staff":
        return import_staff(**kwargs)
    raise ValueError(kind)
