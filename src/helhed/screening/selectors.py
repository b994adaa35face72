"""Reads of screening and class review, audited. A screening or a class review is seen by the staff of its school
(and PPR for the schools of its district: `detection.scope`); to anyone else it does not exist (the same 404 as an
id never used). Instruments and the pilot switch hold no person data. The evaluation is counts only, with small
numbers hidden (`policies.shown_table`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from helhed.core import audit
from helhed.core.models import AuditAction
from helhed.core.validation import as_pk
from helhed.detection import scope
from helhed.organisation.models import Unit
from helhed.people.models import Enrolment, Person

from . import policies
from .models import (
    ClassReview,
    ClassReviewEntry,
    ClassReviewStatusChange,
    ConcernLevel,
    Instrument,
    NextStep,
    PilotSchool,
    Screening,
)

LIST_LIMIT = 200

# -- the pilot and the instruments (no person data) ---------------------------------------------------------


def pilot_school_ids() -> set[int]:
    return set(PilotSchool.objects.filter(active=True).values_list("school_id", flat=True))


def is_pilot(school_id: int) -> bool:
    return PilotSchool.objects.filter(school_id=school_id, active=True).exists()


def current_instruments() -> list[Instrument]:
    """The newest version of every instrument (the one new screenings use)."""
    rows = list(Instrument.objects.order_by("key", "-version"))
    seen: set[str] = set()
    out = []
    for row in rows:
        if row.key not in seen:
            seen.add(row.key)
            out.append(row)
    return sorted(out, key=lambda i: i.title)


def instrument_versions() -> list[Instrument]:
    """Every stored version, newest first per instrument, with how many screenings used it."""
    return list(
        Instrument.objects.select_related("created_by")
        .annotate(screening_count=Count("screenings"))
        .order_by("key", "-version")
    )


def instrument_for(instrument_id) -> Instrument:
    instrument = Instrument.objects.filter(pk=as_pk(instrument_id)).first()
    if instrument is None:
        raise Http404
    return instrument


def parsed(instrument: Instrument) -> policies.InstrumentDef:
    return policies.parse_instrument(instrument.definition)


@dataclass
class SchoolPilot:
    school: Unit
    active: bool
    changed_at: Any = None
    changed_by: Any = None


def pilot_overview() -> list[SchoolPilot]:
    """Every active school with whether screening is switched on there."""
    pilots = {p.school_id: p for p in PilotSchool.objects.select_related("changed_by")}
    out = []
    for school in Unit.objects.filter(kind__in=scope.SCHOOL_KINDS, active=True).order_by("name"):
        pilot = pilots.get(school.pk)
        out.append(
            SchoolPilot(
                school=school,
                active=bool(pilot and pilot.active),
                changed_at=pilot.changed_at if pilot else None,
                changed_by=pilot.changed_by if pilot else None,
            )
        )
    return out


# -- pupils and classes -------------------------------------------------------------------------------------


def _active(on: date) -> Q:
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))


def enrolment_on(school_id: int, person_id: int, on: date) -> Enrolment | None:
    """The pupil's enrolment at the school on `on` (the newest), or None. The caller audits."""
    return (
        Enrolment.objects.filter(_active(on), unit_id=school_id, person_id=person_id)
        .select_related("person")
        .order_by("-valid_from", "-id")
        .first()
    )


def class_pupils(school_id: int, grade: str, on: date) -> list[Person]:
    """The pupils of a class (school and class label) on `on`, by name. The caller audits."""
    ids = Enrolment.objects.filter(_active(on), unit_id=school_id, grade=grade).values("person_id")
    return list(Person.objects.filter(pk__in=ids, merged_into__isnull=True).order_by("first_name", "last_name", "id"))


@dataclass(frozen=True)
class SchoolClass:
    school_id: int
    school_name: str
    grade: str

    @property
    def value(self) -> str:
        return f"{self.school_id}|{self.grade}"


def classes_at(school_ids, *, on: date | None = None) -> list[SchoolClass]:
    """The classes (school and class label) with pupils on `on` at the given schools: one query, no person."""
    on = on or timezone.localdate()
    if not school_ids:
        return []
    rows = (
        Enrolment.objects.filter(_active(on), unit_id__in=school_ids)
        .exclude(grade="")
        .values_list("unit_id", "unit__name", "grade")
        .distinct()
    )
    return sorted({SchoolClass(*row) for row in rows}, key=lambda c: (c.school_name, _grade_sort(c.grade), c.grade))


def _grade_sort(grade: str) -> int:
    digits = "".join(ch for ch in grade.split(".")[0] if ch.isdigit())
    return int(digits) if digits else 99


def parse_class(value: str) -> tuple[int, str]:
    """'<school id>|<class label>' from a form's select; (0, '') when malformed."""
    school, _sep, grade = (value or "").partition("|")
    return as_pk(school), policies.clean_grade(grade)


def my_schools(actor) -> list[Unit]:
    ids = scope.school_ids_for(actor)
    return list(Unit.objects.filter(pk__in=ids).order_by("name")) if ids else []


def school_staff(school: Unit) -> list:
    """Who can be invited to a meeting about a pupil of the school (staff, no citizens' data): the same list the
    meeting service accepts."""
    from helhed.detection.selectors import meeting_staff_choices

    return meeting_staff_choices(school.pk)


# -- screenings ---------------------------------------------------------------------------------------------


def screenings_visible_to(actor):
    ids = scope.school_ids_for(actor)
    if not ids:
        return Screening.objects.none()
    return Screening.objects.filter(school_id__in=ids)


@dataclass
class ScreeningList:
    rows: list[Screening]
    pilot_schools: list[Unit]  # my schools where screening is switched on
    limit: int


def screening_list(*, actor, school_id=None) -> ScreeningList:
    """The screenings at the actor's schools, newest first (optionally one school). Audited as a list with every
    pupil shown."""
    qs = screenings_visible_to(actor)
    if school_id:
        qs = qs.filter(school_id=as_pk(school_id))
    rows = list(
        qs.select_related("person", "school", "instrument", "screened_by").order_by("-screened_on", "-id")[:LIST_LIMIT]
    )
    audit.record(
        actor=actor,
        action=AuditAction.LIST,
        object_type="screening.screening",
        persons={r.person_id for r in rows},
        detail={"view": "screening_list", "count": len(rows), "school": as_pk(school_id) if school_id else None},
    )
    pilots = pilot_school_ids()
    return ScreeningList(rows=rows, pilot_schools=[s for s in my_schools(actor) if s.pk in pilots], limit=LIST_LIMIT)


def screening_for(actor, screening_id) -> Screening:
    """One screening at a school the actor works with; Http404 otherwise. No audit (the caller records)."""
    screening = (
        Screening.objects.select_related("person", "school", "instrument", "screened_by")
        .filter(pk=as_pk(screening_id))
        .first()
    )
    if screening is None or screening.school_id not in scope.school_ids_for(actor):
        raise Http404
    return screening


@dataclass
class ScreeningDetail:
    screening: Screening
    instrument: policies.InstrumentDef
    contributions: list[dict]
    by_scale: list[tuple[str, Decimal]]


def screening_detail(*, actor, screening_id) -> ScreeningDetail:
    screening = screening_for(actor, screening_id)
    instrument = parsed(screening.instrument)
    contributions = [
        dict(c, weight=Decimal(c["weight"]), scale_title=instrument.scale_title(c["scale"]))
        for c in screening.contributions
    ]
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for c in contributions:
        sums[c["scale"]] += c["weight"]
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=screening,
        persons=[screening.person_id],
        detail={"view": "screening"},
    )
    return ScreeningDetail(
        screening=screening,
        instrument=instrument,
        contributions=contributions,
        by_scale=[(s.title, sums.get(s.key, Decimal(0))) for s in instrument.scales],
    )


@dataclass
class ScreeningStart:
    """What the 'Ny screening' page needs: my pilot schools' classes, the current instruments, and, once a class
    and an instrument are chosen, the class's pupils and the questions."""

    classes: list[SchoolClass]
    instruments: list[Instrument]
    chosen_class: SchoolClass | None = None
    instrument: Instrument | None = None
    definition: policies.InstrumentDef | None = None
    pupils: list[Person] = field(default_factory=list)
    not_pilot: bool = False  # I work at schools, but none is in the pilot
    refused_school: Unit | None = None  # the chosen class is at my school, but the school is not in the pilot


def screening_start(*, actor, class_value: str = "", instrument_id=None) -> ScreeningStart:
    """The choices for a new screening. Lists the pupils of the chosen class (audited as a list)."""
    today = timezone.localdate()
    mine = scope.school_ids_for(actor)
    pilots = pilot_school_ids() & mine
    start = ScreeningStart(
        classes=classes_at(sorted(pilots), on=today),
        instruments=current_instruments(),
        not_pilot=bool(mine) and not pilots,
    )
    school_id, grade = parse_class(class_value)
    if school_id and grade:
        if school_id not in mine:
            raise Http404
        if school_id not in pilots:
            start.refused_school = Unit.objects.get(pk=school_id)
        start.chosen_class = next((c for c in start.classes if c.school_id == school_id and c.grade == grade), None)
    if instrument_id:
        start.instrument = next((i for i in start.instruments if i.pk == as_pk(instrument_id)), None)
    elif len(start.instruments) == 1:
        start.instrument = start.instruments[0]
    if start.instrument is not None:
        start.definition = parsed(start.instrument)
    if start.chosen_class is not None:
        start.pupils = class_pupils(start.chosen_class.school_id, start.chosen_class.grade, today)
        audit.record(
            actor=actor,
            action=AuditAction.LIST,
            object_type="people.enrolment",
            persons=[p.pk for p in start.pupils],
            detail={"view": "screening_class", "school": school_id, "grade": grade},
        )
    return start


# -- class reviews ------------------------------------------------------------------------------------------


def review_for(actor, review_id, *, lock: bool = False) -> ClassReview:
    """One class review at a school the actor works with; Http404 otherwise. No audit (the caller records)."""
    qs = ClassReview.objects.select_related("school", "created_by", "completed_by")
    if lock:
        qs = qs.select_for_update(of=("self",))
    review = qs.filter(pk=as_pk(review_id)).first()
    if review is None or review.school_id not in scope.school_ids_for(actor):
        raise Http404
    return review


@dataclass
class ReviewList:
    rows: Sequence[ClassReview]
    classes: list[SchoolClass]
    limit: int


def review_list(*, actor) -> ReviewList:
    """The class reviews at the actor's schools, newest first, with how many pupils were marked at each level.
    Names no pupil; audited as a list all the same."""
    ids = scope.school_ids_for(actor)
    qs = ClassReview.objects.filter(school_id__in=ids) if ids else ClassReview.objects.none()
    counts = {level: Count("entries", filter=Q(entries__level=level), distinct=True) for level in ConcernLevel.values}
    rows = list(
        qs.select_related("school", "created_by")
        .annotate(marked=Count("entries", distinct=True), **{f"n_{k}": v for k, v in counts.items()})
        .order_by("-review_date", "-id")[:LIST_LIMIT]
    )
    audit.record(
        actor=actor,
        action=AuditAction.LIST,
        object_type="screening.classreview",
        detail={"view": "class_review_list", "count": len(rows)},
    )
    return ReviewList(rows=rows, classes=classes_at(sorted(ids)), limit=LIST_LIMIT)


@dataclass
class PupilRow:
    person: Person
    entry: ClassReviewEntry | None


@dataclass
class ReviewDetail:
    review: ClassReview
    rows: list[PupilRow]
    history: list[ClassReviewStatusChange]
    unmarked: int
    former: list[ClassReviewEntry]  # marks of pupils no longer in the class on the date (kept for the record)


def review_detail(*, actor, review_id) -> ReviewDetail:
    """A class review with every pupil of the class on its date and their mark. Audited with every pupil."""
    review = review_for(actor, review_id)
    pupils = class_pupils(review.school_id, review.grade, review.review_date)
    entries = {
        e.person_id: e
        for e in ClassReviewEntry.objects.filter(review=review).select_related(
            "person", "marked_by", "concern", "meeting"
        )
    }
    rows = [PupilRow(person=p, entry=entries.get(p.pk)) for p in pupils]
    pupil_ids = {p.pk for p in pupils}
    former = [e for pk, e in entries.items() if pk not in pupil_ids]
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=review,
        persons=sorted(pupil_ids | set(entries)),
        detail={"view": "class_review", "pupils": len(pupils)},
    )
    return ReviewDetail(
        review=review,
        rows=rows,
        history=list(review.history.select_related("changed_by")),
        unmarked=sum(1 for r in rows if r.entry is None),
        former=former,
    )


def entry_for(actor, review_id, entry_id) -> ClassReviewEntry:
    """One pupil's mark in a review the actor may see (for the conversion forms). Audited as a view of the pupil."""
    review = review_for(actor, review_id)
    entry = (
        ClassReviewEntry.objects.select_related("person", "concern", "meeting")
        .filter(pk=as_pk(entry_id), review=review)
        .first()
    )
    if entry is None:
        raise Http404
    entry.review = review
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=entry,
        persons=[entry.person_id],
        detail={"view": "class_review_entry", "review": review.pk},
    )
    return entry


# -- the evaluation of the pilot (counts only) --------------------------------------------------------------


@dataclass
class OutcomeRow:
    key: str  # band key, or "total"
    label: str
    n3: int | str
    mean3: Decimal | None
    n6: int | str
    mean6: Decimal | None


@dataclass
class Evaluation:
    instruments: Sequence[Instrument]  # the versions that can be chosen
    instrument: Instrument | None
    bands: list[tuple[str, str]] = field(default_factory=list)
    steps: list[tuple[str, str]] = field(default_factory=list)
    schools: list[tuple[int, str]] = field(default_factory=list)  # (school id, name)
    band_table: dict = field(default_factory=dict)  # row key -> band key / "total" -> count or "<5"
    step_table: dict = field(default_factory=dict)
    outcomes: list[OutcomeRow] = field(default_factory=list)
    screened: int = 0


def evaluation(*, actor, instrument_id=None) -> Evaluation:
    """The pilot's evaluation for one instrument version: screenings per school by score band and by next step,
    and the absence 3 and 6 months after the screening by band (each pupil's first screening with the version).
    Counts under 5 are hidden, and so is any count that could be worked out from the others. Names no one; the
    look is audited."""
    from helhed.detection.selectors import absence_share_after

    instruments = list(Instrument.objects.annotate(n=Count("screenings")).filter(n__gt=0).order_by("key", "-version"))
    chosen = None
    if instrument_id:
        chosen = next((i for i in instruments if i.pk == as_pk(instrument_id)), None)
    elif instruments:
        chosen = instruments[0]
    result = Evaluation(instruments=instruments, instrument=chosen)
    if chosen is not None:
        definition = parsed(chosen)
        result.bands = [(b.key, b.label) for b in definition.bands]
        result.steps = [(value, str(label)) for value, label in NextStep.choices]
        qs = Screening.objects.filter(instrument=chosen)
        by_band: dict[int, dict[str, int]] = defaultdict(dict)
        by_step: dict[int, dict[str, int]] = defaultdict(dict)
        names: dict[int, str] = {}
        for school_id, name, band, n in qs.values_list("school_id", "school__name", "band").annotate(n=Count("id")):
            by_band[school_id][band] = n
            names[school_id] = name
        for school_id, step, n in qs.values_list("school_id", "next_step").annotate(n=Count("id")):
            by_step[school_id][step] = n
        order = sorted(names, key=lambda pk: names[pk])
        result.schools = [(pk, names[pk]) for pk in order]
        result.band_table = policies.shown_table({pk: by_band[pk] for pk in order}, [b for b, _l in result.bands])
        result.step_table = policies.shown_table({pk: by_step[pk] for pk in order}, [s for s, _l in result.steps])
        result.screened = qs.count()

        # Each pupil's first screening with this version is the start of their outcome period.
        start_by_person: dict[int, date] = {}
        band_of: dict[int, str] = {}
        for person_id, on, band in qs.values_list("person_id", "screened_on", "band").order_by("screened_on", "id"):
            if person_id not in start_by_person:
                start_by_person[person_id], band_of[person_id] = on, band
        person_ids = sorted(start_by_person)
        after = {
            months: absence_share_after(person_ids, start_by_person, months) if person_ids else {} for months in (3, 6)
        }
        known: dict[int, dict[str, list[Decimal]]] = {3: defaultdict(list), 6: defaultdict(list)}
        for months, shares in after.items():
            for pk in person_ids:
                share = shares.get(pk)
                if share is not None:
                    known[months][band_of[pk]].append(share)
        band_keys = [b for b, _l in result.bands]
        shown = {
            months: policies.shown_table({b: {"n": len(known[months][b])} for b in band_keys}, ["n"])
            for months in (3, 6)
        }
        for key, label in [*result.bands, ("total", str(_("I alt")))]:
            cells = []
            for months in (3, 6):
                values = [v for b in band_keys for v in known[months][b]] if key == "total" else known[months][key]
                n_shown = shown[months][key]["n"]
                _n, mean = policies.mean_share(values)
                cells.append((n_shown, None if n_shown == policies.SUPPRESSED else mean))
            result.outcomes.append(
                OutcomeRow(key=key, label=label, n3=cells[0][0], mean3=cells[0][1], n6=cells[1][0], mean6=cells[1][1])
            )
    audit.record(
        actor=actor,
        action=AuditAction.LIST,
        object_type="screening.evaluation",
        detail={"instrument": chosen.pk if chosen else None, "screenings": result.screened},
    )
    return result
