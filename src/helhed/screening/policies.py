"""Pure rules of screening and class review (issue 6): the screening instrument as versioned data (read and
validated from YAML), the concern score with every item's contribution, the status table of a class review, and
the small-number suppression of the pilot's evaluation. No ORM and no I/O, so they are tested without a database.

A score flags nothing by itself: it is shown with the numbers behind it to a professional, who records their own
judgement and next step (the Gladsaxe lesson; the same stance as the absence rule in `detection.policies`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

# -- the instrument as data ---------------------------------------------------------------------------

KEY_MAX = 40
TITLE_MAX = 200
LABEL_MAX = 200
TEXT_MAX = 4000
ITEMS_MAX = 100
ANSWERS_MAX = 12
YAML_MAX_BYTES = 200_000


@dataclass(frozen=True)
class Answer:
    key: str
    label: str
    weight: Decimal


@dataclass(frozen=True)
class Item:
    key: str
    text: str
    scale: str  # the key of the scale (group of items) the item belongs to
    answers: tuple[Answer, ...]

    def answer(self, key: str) -> Answer | None:
        return next((a for a in self.answers if a.key == key), None)

    @property
    def min_weight(self) -> Decimal:
        return min(a.weight for a in self.answers)

    @property
    def max_weight(self) -> Decimal:
        return max(a.weight for a in self.answers)


@dataclass(frozen=True)
class Scale:
    key: str
    title: str


@dataclass(frozen=True)
class Band:
    """A score band (threshold): a score at or above `start` and below the next band's start."""

    key: str
    label: str
    start: Decimal


@dataclass(frozen=True)
class InstrumentDef:
    key: str
    version: int
    title: str
    purpose: str
    legal_basis: str
    example: bool  # an example whose weights the municipality has not set: shown with a warning
    note: str
    scales: tuple[Scale, ...]
    items: tuple[Item, ...]
    bands: tuple[Band, ...]

    @property
    def min_score(self) -> Decimal:
        return sum((i.min_weight for i in self.items), Decimal(0))

    @property
    def max_score(self) -> Decimal:
        return sum((i.max_weight for i in self.items), Decimal(0))

    def scale_title(self, key: str) -> str:
        return next((s.title for s in self.scales if s.key == key), key)

    def item(self, key: str) -> Item | None:
        return next((i for i in self.items if i.key == key), None)


class InstrumentInvalid(Exception):
    """The instrument's text is not a valid instrument. `errors` lists every problem, in Danish, each naming
    where it is, so the administrator can fix them all in one go."""

    def __init__(self, errors: Sequence[str]):
        super().__init__("; ".join(errors))
        self.errors = list(errors)


def _number(value: Any) -> Decimal | None:
    """A weight or threshold as a Decimal; None for anything that is not a finite number (YAML's true/false are
    numbers to Python, not to a person, so they are refused; so is a number written in quotes)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _text(data: Mapping, name: str, where: str, errors: list[str], *, max_length: int, required: bool = True) -> str:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.append(_("%(where)s mangler feltet '%(name)s'.") % {"where": where, "name": name})
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        errors.append(_("%(where)s: feltet '%(name)s' skal være en tekst.") % {"where": where, "name": name})
        return ""
    text = str(value).strip()
    if len(text) > max_length:
        errors.append(
            _("%(where)s: feltet '%(name)s' er for langt (højst %(max)s tegn).")
            % {"where": where, "name": name, "max": max_length}
        )
    return text


def _key(data: Mapping, where: str, errors: list[str]) -> str:
    key = _text(data, "key", where, errors, max_length=KEY_MAX)
    if key and not all(c.isalnum() or c in "-_" for c in key):
        errors.append(
            _("%(where)s: nøglen '%(key)s' må kun indeholde bogstaver, tal, - og _.") % {"where": where, "key": key}
        )
    return key


def _list(data: Mapping, name: str, where: str, errors: list[str]) -> list:
    value = data.get(name)
    if value is None:
        errors.append(_("%(where)s mangler listen '%(name)s'.") % {"where": where, "name": name})
        return []
    if not isinstance(value, list):
        errors.append(_("%(where)s: '%(name)s' skal være en liste.") % {"where": where, "name": name})
        return []
    return value


def parse_instrument(data: Any) -> InstrumentDef:
    """Check an instrument given as plain data (from YAML or a stored definition) and return it. Raises
    InstrumentInvalid with every problem found: missing fields or items, duplicate keys, weights or thresholds
    that are not numbers, thresholds that do not increase or do not cover the lowest possible score, items in an
    unknown scale."""
    errors: list[str] = []
    if not isinstance(data, Mapping):
        raise InstrumentInvalid([_("Instrumentet skal være en samling af felter (key, version, title, …).")])
    top = _("Instrumentet")
    key = _key(data, top, errors)
    version_raw = data.get("version")
    version = 0
    if isinstance(version_raw, bool) or not isinstance(version_raw, int) or version_raw < 1:
        errors.append(_("Feltet 'version' skal være et helt tal på 1 eller mere."))
    else:
        version = version_raw
    title = _text(data, "title", top, errors, max_length=TITLE_MAX)
    purpose = _text(data, "purpose", top, errors, max_length=TEXT_MAX)
    legal_basis = _text(data, "legal_basis", top, errors, max_length=TEXT_MAX)
    note = _text(data, "note", top, errors, max_length=TEXT_MAX, required=False)
    example = data.get("example", False)
    if not isinstance(example, bool):
        errors.append(_("Feltet 'example' skal være true eller false."))
        example = False

    scales: list[Scale] = []
    for n, raw in enumerate(_list(data, "scales", top, errors), start=1):
        where = _("Skala nr. %(n)s") % {"n": n}
        if not isinstance(raw, Mapping):
            errors.append(_("%(where)s skal have felterne key og title.") % {"where": where})
            continue
        new_scale = Scale(key=_key(raw, where, errors), title=_text(raw, "title", where, errors, max_length=LABEL_MAX))
        if new_scale.key and any(s.key == new_scale.key for s in scales):
            errors.append(
                _("Skalaen '%(key)s' står der to gange. Giv hver skala sin egen nøgle.") % {"key": new_scale.key}
            )
        scales.append(new_scale)
    scale_keys = {s.key for s in scales}

    items: list[Item] = []
    raw_items = _list(data, "items", top, errors)
    if not raw_items and isinstance(data.get("items"), list):
        errors.append(_("Instrumentet har ingen spørgsmål. Tilføj mindst ét under 'items'."))
    if len(raw_items) > ITEMS_MAX:
        errors.append(_("Instrumentet har for mange spørgsmål (højst %(max)s).") % {"max": ITEMS_MAX})
    for n, raw in enumerate(raw_items, start=1):
        where = _("Spørgsmål nr. %(n)s") % {"n": n}
        if not isinstance(raw, Mapping):
            errors.append(_("%(where)s skal have felterne key, text, scale og answers.") % {"where": where})
            continue
        item_key = _key(raw, where, errors)
        if item_key:
            where = _("Spørgsmål nr. %(n)s (%(key)s)") % {"n": n, "key": item_key}
        if item_key and any(i.key == item_key for i in items):
            errors.append(
                _("Spørgsmålet '%(key)s' står der to gange. Giv hvert spørgsmål sin egen nøgle.") % {"key": item_key}
            )
        text = _text(raw, "text", where, errors, max_length=TEXT_MAX)
        scale = _text(raw, "scale", where, errors, max_length=KEY_MAX)
        if scale and scale not in scale_keys:
            errors.append(
                _("%(where)s hører til skalaen '%(scale)s', som ikke findes under 'scales'.")
                % {"where": where, "scale": scale}
            )
        answers: list[Answer] = []
        raw_answers = _list(raw, "answers", where, errors)
        if isinstance(raw.get("answers"), list) and len(raw_answers) < 2:
            errors.append(_("%(where)s skal have mindst to svarmuligheder.") % {"where": where})
        if len(raw_answers) > ANSWERS_MAX:
            errors.append(
                _("%(where)s har for mange svarmuligheder (højst %(max)s).") % {"where": where, "max": ANSWERS_MAX}
            )
        for m, raw_answer in enumerate(raw_answers, start=1):
            a_where = _("%(where)s, svarmulighed nr. %(m)s") % {"where": where, "m": m}
            if not isinstance(raw_answer, Mapping):
                errors.append(_("%(where)s skal have felterne key, label og weight.") % {"where": a_where})
                continue
            a_key = _key(raw_answer, a_where, errors)
            label = _text(raw_answer, "label", a_where, errors, max_length=LABEL_MAX)
            weight = _number(raw_answer.get("weight"))
            if weight is None:
                errors.append(
                    _("%(where)s: vægten (weight) skal være et tal, fx 0, 1 eller 2.5 – ikke %(value)r.")
                    % {"where": a_where, "value": raw_answer.get("weight")}
                )
                weight = Decimal(0)
            if a_key and any(a.key == a_key for a in answers):
                errors.append(
                    _("%(where)s: svarmuligheden '%(key)s' står der to gange.") % {"where": where, "key": a_key}
                )
            answers.append(Answer(key=a_key, label=label, weight=weight))
        items.append(Item(key=item_key, text=text, scale=scale, answers=tuple(answers)))

    bands: list[Band] = []
    for n, raw in enumerate(_list(data, "thresholds", top, errors), start=1):
        where = _("Grænse nr. %(n)s") % {"n": n}
        if not isinstance(raw, Mapping):
            errors.append(_("%(where)s skal have felterne key, label og from.") % {"where": where})
            continue
        b_key = _key(raw, where, errors)
        label = _text(raw, "label", where, errors, max_length=LABEL_MAX)
        start = _number(raw.get("from"))
        if start is None:
            errors.append(
                _("%(where)s: grænsen (from) skal være et tal – ikke %(value)r.")
                % {"where": where, "value": raw.get("from")}
            )
            continue
        if b_key and any(b.key == b_key for b in bands):
            errors.append(_("Grænsen '%(key)s' står der to gange.") % {"key": b_key})
        if bands and start <= bands[-1].start:
            errors.append(
                _(
                    "Grænserne skal stige: '%(key)s' starter ved %(start)s, som ikke er over "
                    "'%(prev)s' (%(prev_start)s)."
                )
                % {"key": b_key or n, "start": start, "prev": bands[-1].key, "prev_start": bands[-1].start}
            )
        bands.append(Band(key=b_key, label=label, start=start))
    if isinstance(data.get("thresholds"), list) and len(bands) < 2 and not errors:
        errors.append(_("Instrumentet skal have mindst to grænser (fx lav og høj) under 'thresholds'."))

    if not errors:
        instrument = InstrumentDef(
            key=key,
            version=version,
            title=title,
            purpose=purpose,
            legal_basis=legal_basis,
            example=example,
            note=note,
            scales=tuple(scales),
            items=tuple(items),
            bands=tuple(bands),
        )
        if bands[0].start > instrument.min_score:
            errors.append(
                _(
                    "Den laveste grænse ('%(key)s') starter ved %(start)s, men den lavest mulige score er %(min)s. "
                    "Lad den første grænse starte ved %(min)s eller lavere."
                )
                % {"key": bands[0].key, "start": bands[0].start, "min": instrument.min_score}
            )
        empty = [s.key for s in scales if not any(i.scale == s.key for i in items)]
        if empty:
            errors.append(_("Skalaen '%(key)s' har ingen spørgsmål.") % {"key": empty[0]})
        if not errors:
            return instrument
    raise InstrumentInvalid(errors)


def read_yaml(text: str) -> Any:
    """The plain data in a YAML text (safe loading: no Python objects), or InstrumentInvalid with a Danish
    message pointing at the line."""
    import yaml

    if len(text.encode("utf-8", errors="replace")) > YAML_MAX_BYTES:
        raise InstrumentInvalid([_("Teksten er for stor (højst %(n)s kB).") % {"n": YAML_MAX_BYTES // 1000}])
    if not text.strip():
        raise InstrumentInvalid([_("Teksten er tom. Indsæt instrumentets YAML, eller vælg en fil.")])
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = _("linje %(line)s, kolonne %(col)s") % {"line": mark.line + 1, "col": mark.column + 1} if mark else ""
        raise InstrumentInvalid(
            [
                _("Teksten er ikke gyldig YAML (%(where)s): %(problem)s. Tjek indrykning og kolon.")
                % {"where": where, "problem": exc.problem or ""}
            ]
        )
    except yaml.YAMLError:
        raise InstrumentInvalid([_("Teksten er ikke gyldig YAML. Tjek indrykning og kolon.")])


def instrument_from_yaml(text: str) -> InstrumentDef:
    """Read and check an instrument written in YAML."""
    return parse_instrument(read_yaml(text))


def definition(instrument: InstrumentDef) -> dict:
    """The instrument as plain JSON-able data (weights and thresholds as strings, so no float creeps in); read
    back with `parse_instrument`."""

    def num(value: Decimal) -> int | float:
        return int(value) if value == value.to_integral_value() else float(value)

    return {
        "key": instrument.key,
        "version": instrument.version,
        "title": instrument.title,
        "purpose": instrument.purpose,
        "legal_basis": instrument.legal_basis,
        "example": instrument.example,
        "note": instrument.note,
        "scales": [{"key": s.key, "title": s.title} for s in instrument.scales],
        "items": [
            {
                "key": i.key,
                "text": i.text,
                "scale": i.scale,
                "answers": [{"key": a.key, "label": a.label, "weight": num(a.weight)} for a in i.answers],
            }
            for i in instrument.items
        ],
        "thresholds": [{"key": b.key, "label": b.label, "from": num(b.start)} for b in instrument.bands],
    }


# -- the score ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contribution:
    """One item's part of the score: the question, the answer given, and its weight."""

    item: str
    text: str
    scale: str
    answer: str
    answer_label: str
    weight: Decimal


@dataclass(frozen=True)
class ScoreResult:
    total: Decimal
    band: Band
    contributions: tuple[Contribution, ...]
    by_scale: tuple[tuple[str, str, Decimal], ...]  # (scale key, title, sum)
    max_score: Decimal


class AnswersInvalid(Exception):
    def __init__(self, errors: Sequence[str], *, field: str = "answers"):
        super().__init__("; ".join(errors))
        self.errors = list(errors)
        self.field = field


def band_for(instrument: InstrumentDef, total: Decimal) -> Band:
    """The band a score falls in: the last band whose start is at or below it."""
    band = instrument.bands[0]
    for candidate in instrument.bands:
        if total >= candidate.start:
            band = candidate
    return band


def score(instrument: InstrumentDef, answers: Mapping[str, str]) -> ScoreResult:
    """The concern score: the sum of the weights of the answers given, with every item's contribution, the sum
    per scale and the band. Every item must be answered with one of its own answers; an item the instrument does
    not have is refused (AnswersInvalid, every problem listed)."""
    errors: list[str] = []
    unknown = sorted(k for k in answers if instrument.item(k) is None)
    for key in unknown:
        errors.append(_("Spørgsmålet '%(key)s' findes ikke i instrumentet.") % {"key": str(key)[:KEY_MAX]})
    contributions: list[Contribution] = []
    for n, item in enumerate(instrument.items, start=1):
        given = answers.get(item.key)
        if given in (None, ""):
            errors.append(_("Spørgsmål %(n)s er ikke besvaret: %(text)s") % {"n": n, "text": item.text})
            continue
        answer = item.answer(str(given))
        if answer is None:
            errors.append(
                _("Spørgsmål %(n)s har et ukendt svar ('%(answer)s'). Vælg et af svarene på listen.")
                % {"n": n, "answer": str(given)[:KEY_MAX]}
            )
            continue
        contributions.append(
            Contribution(
                item=item.key,
                text=item.text,
                scale=item.scale,
                answer=answer.key,
                answer_label=answer.label,
                weight=answer.weight,
            )
        )
    if errors:
        raise AnswersInvalid(errors)
    total = sum((c.weight for c in contributions), Decimal(0))
    by_scale = tuple(
        (s.key, s.title, sum((c.weight for c in contributions if c.scale == s.key), Decimal(0)))
        for s in instrument.scales
    )
    return ScoreResult(
        total=total,
        band=band_for(instrument, total),
        contributions=tuple(contributions),
        by_scale=by_scale,
        max_score=instrument.max_score,
    )


# -- the class review ---------------------------------------------------------------------------------

REVIEW_DRAFT = "draft"
REVIEW_COMPLETED = "completed"

# The status pipeline of a class review: (from, to) -> name. Anything else is refused.
REVIEW_TRANSITIONS: dict[tuple[str, str], str] = {
    ("", REVIEW_DRAFT): "create",
    (REVIEW_DRAFT, REVIEW_COMPLETED): "complete",
}


def review_move_allowed(from_status: str, to_status: str) -> bool:
    return (from_status, to_status) in REVIEW_TRANSITIONS


# Next steps (shared by screenings and class reviews) that can become something in Helhed.
STEP_CONCERN = "report"  # underretning
STEPS_MEETING = frozenset({"parent_talk", "parent_meeting"})  # samtale med / møde med forældrene

GRADE_MAX = 10  # people.Enrolment.grade


def clean_grade(value: str) -> str:
    """A class label as the school writes it ("4. kl.", "4.A"); spaces trimmed and collapsed."""
    return " ".join((value or "").split())


# -- the evaluation: small numbers --------------------------------------------------------------------

SMALL = 5  # a count below this is not shown (nor one that could be worked out from the others)
SUPPRESSED = "<5"


def suppress_table(rows: Mapping[Any, Mapping[Any, int]], columns: Sequence[Any]) -> dict[Any, dict[Any, bool]]:
    """Which cells of a table of counts to hide. `rows` maps each row (e.g. a school) to its counts per column
    (e.g. a score band); the table is shown with a total per row (key "total"), and a row "total" with the
    column totals. Returns, per row including "total", per column including "total", whether to hide the cell.

    A count under 5 is hidden (primary suppression), and so is any cell that could be worked out by subtracting
    the shown cells from a shown total: a row or column with exactly one hidden cell gets a second one hidden (its
    smallest other count), or, when it has no other, its total hidden. Repeated until nothing changes, so the
    rule holds across rows and columns at once."""
    cols = list(columns) + ["total"]
    table: dict[Any, dict[Any, int]] = {}
    for row, counts in rows.items():
        table[row] = {c: int(counts.get(c, 0)) for c in columns}
        table[row]["total"] = sum(table[row][c] for c in columns)
    table["total"] = {c: sum(table[r][c] for r in rows) for c in cols}
    hidden = {r: {c: table[r][c] < SMALL for c in cols} for r in table}

    def line_fix(cells: list[tuple[Any, Any]], total: tuple[Any, Any]) -> bool:
        """One row or column: `cells` its parts, `total` its total. Returns whether anything was hidden."""
        parts_hidden = [rc for rc in cells if hidden[rc[0]][rc[1]]]
        total_hidden = hidden[total[0]][total[1]]
        if total_hidden or len(parts_hidden) != 1:
            return False
        shown = sorted((rc for rc in cells if not hidden[rc[0]][rc[1]]), key=lambda rc: table[rc[0]][rc[1]])
        target = shown[0] if shown else total
        hidden[target[0]][target[1]] = True
        return True

    changed = True
    while changed:
        changed = False
        for r in table:
            changed |= line_fix([(r, c) for c in columns], (r, "total"))
        for c in cols:
            changed |= line_fix([(r, c) for r in rows], ("total", c))
    return hidden


def shown_table(rows: Mapping[Any, Mapping[Any, int]], columns: Sequence[Any]) -> dict[Any, dict[Any, int | str]]:
    """The table of counts as it may be shown: hidden cells as "<5" (see `suppress_table`)."""
    hidden = suppress_table(rows, columns)
    cols = list(columns) + ["total"]
    out: dict[Any, dict[Any, int | str]] = {}
    for row in [*rows, "total"]:
        counts = rows.get(row, {}) if row != "total" else {}
        values: dict[Any, int | str] = {}
        for c in cols:
            if row == "total":
                n = (
                    sum(int(rows[r].get(c, 0)) for r in rows)
                    if c != "total"
                    else sum(int(rows[r].get(k, 0)) for r in rows for k in columns)
                )
            elif c == "total":
                n = sum(int(counts.get(k, 0)) for k in columns)
            else:
                n = int(counts.get(c, 0))
            values[c] = SUPPRESSED if hidden[row][c] else n
        out[row] = values
    return out


def mean_share(values: Iterable[Decimal | None]) -> tuple[int, Decimal | None]:
    """How many have a value, and their mean (None when fewer than 5, so no one child's absence can be read)."""
    known = [v for v in values if v is not None]
    if len(known) < SMALL:
        return len(known), None
    return len(known), (sum(known, Decimal(0)) / len(known)).quantize(Decimal("0.0001"))
