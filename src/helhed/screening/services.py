"""Every write of screening and class review: instrument versions (from the repository's YAML files or pasted by
an administrator), the pilot switch per school, a screening with the professional's judgement, and a class review
with its marks, its completion and the next steps that become a report of concern or a meeting with the parents.
Keyword-only, atomic, audited, always with the acting user; refusals are HelhedErrors with a Danish message."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from helhed.core import audit, idempotency
from helhed.core.concurrency import bump_version, check_version
from helhed.core.errors import Conflict, Forbidden, HelhedError
from helhed.core.i18n import record_language
from helhed.core.models import AuditAction
from helhed.core.permissions import Perm, user_has_perm
from helhed.core.validation import as_pk, check_length, check_not_too_early
from helhed.detection import scope
from helhed.organisation.models import Unit
from helhed.organisation.selectors import actor_profile
from helhed.people.models import Person

from . import policies, selectors
from .models import (
    ClassReview,
    ClassReviewEntry,
    ClassReviewStatusChange,
    ConcernLevel,
    Instrument,
    NextStep,
    PilotSchool,
    ReviewStatus,
    Screening,
)

INSTRUMENT_DIR = Path(__file__).resolve().parent / "instruments"
JUDGEMENT_MAX = 4000
STEP_NOTE_MAX = 500
ENTRY_NOTE_MAX = 1000
REVIEW_NOTE_MAX = 4000


def _instrument_invalid(exc: policies.InstrumentInvalid) -> HelhedError:
    error = HelhedError(" ".join(exc.errors), field="yaml", code="invalid_instrument")
    error.errors = exc.errors  # type: ignore[attr-defined]
    return error


# -- instruments ----------------------------------------------------------------------------------------


def _store_instrument(*, actor, text: str, bundled: bool) -> Instrument:
    try:
        parsed = policies.instrument_from_yaml(text)
    except policies.InstrumentInvalid as exc:
        raise _instrument_invalid(exc)
    latest = Instrument.objects.filter(key=parsed.key).order_by("-version").first()
    if latest is not None and parsed.version <= latest.version:
        raise Conflict(
            _(
                "Instrumentet '%(key)s' findes allerede i version %(latest)s. En ny version skal have et højere "
                "versionsnummer: skriv version: %(next)s."
            )
            % {"key": parsed.key, "latest": latest.version, "next": latest.version + 1},
            field="yaml",
            code="version_exists",
        )
    try:
        with transaction.atomic():
            instrument = Instrument.objects.create(
                key=parsed.key,
                version=parsed.version,
                title=parsed.title,
                purpose=parsed.purpose,
                legal_basis=parsed.legal_basis,
                example=parsed.example,
                definition=policies.definition(parsed),
                source_yaml=text,
                sha256=hashlib.sha256(text.encode()).hexdigest(),
                bundled=bundled,
                created_by=actor if getattr(actor, "pk", None) else None,
                created_at=timezone.now(),
            )
    except IntegrityError:
        raise Conflict(_("Versionen er lige blevet gemt af en anden. Genindlæs siden."), code="version_exists")
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=instrument,
        detail={"key": instrument.key, "version": instrument.version, "bundled": bundled, "sha256": instrument.sha256},
    )
    return instrument


@transaction.atomic
def instrument_version_create(*, actor, yaml_text: str) -> Instrument:
    """Make a new instrument version from YAML an administrator pasted or uploaded. The text is checked in full
    (every problem is reported at once); the version number must be above the newest stored one. Old versions
    stay, so old screenings keep the questions and weights they were scored with."""
    return _store_instrument(actor=actor, text=yaml_text or "", bundled=False)


@transaction.atomic
def instruments_load_bundled(*, actor=None, folder: Path | None = None) -> list[Instrument]:
    """Load the instrument versions shipped in the repository (screening/instruments/*.yaml) that the database
    does not have yet. Idempotent: a version already stored (same key and version) is left alone."""
    created = []
    for path in sorted((folder or INSTRUMENT_DIR).glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        try:
            parsed = policies.instrument_from_yaml(text)
        except policies.InstrumentInvalid as exc:
            raise HelhedError(_("%(file)s: %(errors)s") % {"file": path.name, "errors": " ".join(exc.errors)})
        if Instrument.objects.filter(key=parsed.key, version__gte=parsed.version).exists():
            continue
        created.append(_store_instrument(actor=actor, text=text, bundled=True))
    return created


# -- the pilot --------------------------------------------------------------------------------------------


@transaction.atomic
def pilot_set(*, actor, school_id, active: bool) -> PilotSchool:
    """Switch screening on or off at a school. Screenings already made stay when it is switched off."""
    school = Unit.objects.filter(pk=as_pk(school_id), kind__in=scope.SCHOOL_KINDS).first()
    if school is None:
        raise HelhedError(_("Vælg en skole fra listen."), field="school", code="unknown_school")
    pilot = PilotSchool.objects.select_for_update().filter(school=school).first()
    now = timezone.now()
    before = bool(pilot and pilot.active)
    if pilot is None:
        pilot = PilotSchool.objects.create(school=school, active=bool(active), changed_by=actor, changed_at=now)
    else:
        pilot.active, pilot.changed_by, pilot.changed_at = bool(active), actor, now
        pilot.save(update_fields=["active", "changed_by", "changed_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=pilot,
        detail={"school": school.pk, "active": [before, pilot.active]},
    )
    return pilot


# -- screenings -------------------------------------------------------------------------------------------


@dataclass
class ScreeningIn:
    person_id: int | None
    school_id: int | None
    instrument_id: int | None
    answers: dict[str, str]
    judgement: str
    next_step: str
    next_step_note: str = ""
    screened_on: date | None = None


def _my_school(actor, school_id) -> Unit:
    """A school the actor works with; otherwise the same 404 as a school that does not exist."""
    pk = as_pk(school_id)
    if pk not in scope.school_ids_for(actor):
        raise Http404
    return Unit.objects.get(pk=pk)


def _pupil_at(school: Unit, person_id, on: date) -> tuple[Person, str]:
    """The pupil and their class label at `school` on `on`; refused for a pupil who is not there."""
    row = selectors.enrolment_on(school.pk, as_pk(person_id), on)
    if row is None or row.person.merged_into_id:
        raise HelhedError(
            _("Eleven går ikke på %(school)s på datoen. Vælg en elev fra skolens klasser.") % {"school": school.name},
            field="person",
            code="not_enrolled",
        )
    return row.person, row.grade


def _text(value: str, *, max_length: int, field: str, required_message=None) -> str:
    text = (value or "").strip()
    if required_message and not text:
        raise HelhedError(required_message, field=field, code="required")
    check_length(text, max_length, field=field)
    return text


def _step(value: str, *, field: str = "next_step") -> str:
    if value not in NextStep.values:
        raise HelhedError(_("Vælg det næste skridt fra listen."), field=field, code="invalid_choice")
    return value


@transaction.atomic
def screening_create(*, actor, data: ScreeningIn, submission_key: str | None = None) -> Screening:
    """Screen a pupil at a pilot school with the newest version of an instrument: score the answers (every
    item's contribution kept with the screening) and record the professional's own judgement (required) and
    next step. The score triggers nothing by itself. Refused at a school that is not in the pilot, for a pupil
    who does not go there, and with an old instrument version."""
    today = timezone.localdate()
    screened_on = data.screened_on or today
    check_not_too_early(screened_on, field="screened_on")
    if screened_on > today:
        raise HelhedError(_("Datoen ligger i fremtiden. Skriv den dato, screeningen blev lavet."), field="screened_on")
    school = _my_school(actor, data.school_id)
    if not selectors.is_pilot(school.pk):
        raise Forbidden(
            _(
                "%(school)s er ikke med i screeningspilotprojektet, så der kan ikke screenes elever her. "
                "Kontakt kommunens administrator, hvis skolen skal være med."
            )
            % {"school": school.name},
            code="not_in_pilot",
        )
    instrument = Instrument.objects.filter(pk=as_pk(data.instrument_id)).first()
    if instrument is None:
        raise HelhedError(_("Vælg et screeningsinstrument fra listen."), field="instrument", code="unknown_instrument")
    newest = Instrument.objects.filter(key=instrument.key).order_by("-version").values_list("pk", flat=True).first()
    if newest != instrument.pk:
        raise Conflict(
            _("Der er kommet en nyere version af instrumentet. Genindlæs siden, og besvar den nye version."),
            field="instrument",
            code="old_version",
        )
    person, grade = _pupil_at(school, data.person_id, screened_on)
    parsed = policies.parse_instrument(instrument.definition)
    answers = {str(k): str(v) for k, v in (data.answers or {}).items()}
    try:
        result = policies.score(parsed, answers)
    except policies.AnswersInvalid as exc:
        raise HelhedError(" ".join(exc.errors), field="answers", code="invalid_answers")
    judgement = _text(
        data.judgement,
        max_length=JUDGEMENT_MAX,
        field="judgement",
        required_message=_("Skriv din egen faglige vurdering. Scoren alene er ikke en vurdering."),
    )
    step = _step(data.next_step)
    note = _text(data.next_step_note, max_length=STEP_NOTE_MAX, field="next_step_note")
    if step == NextStep.OTHER and not note:
        raise HelhedError(_("Skriv hvad det næste skridt er, når du vælger 'Andet'."), field="next_step_note")
    check_length(submission_key, 64, field="submission_key")
    idempotency.claim(key=submission_key, actor=actor)
    screening = Screening.objects.create(
        person=person,
        school=school,
        instrument=instrument,
        grade=grade,
        screened_on=screened_on,
        answers={c.item: c.answer for c in result.contributions},
        contributions=[
            {
                "item": c.item,
                "text": c.text,
                "scale": c.scale,
                "answer": c.answer,
                "answer_label": c.answer_label,
                "weight": str(c.weight),
            }
            for c in result.contributions
        ],
        score=result.total,
        band=result.band.key,
        band_label=result.band.label,
        judgement=judgement,
        next_step=step,
        next_step_note=note,
        screened_by=actor,
        created_at=timezone.now(),
        submission_key=submission_key or None,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=screening,
        persons=[person],
        detail={
            "school": school.pk,
            "instrument": [instrument.key, instrument.version],
            "score": str(result.total),
            "band": result.band.key,
            "next_step": step,
        },
    )
    return screening


# -- class reviews ----------------------------------------------------------------------------------------


def _review_history(review: ClassReview, from_status: str, to_status: str, actor) -> None:
    if not policies.review_move_allowed(from_status, to_status):
        raise Conflict(_("Klassegennemgangen kan ikke skifte status sådan."), code="illegal_transition")
    ClassReviewStatusChange.objects.create(
        review=review, from_status=from_status, to_status=to_status, changed_by=actor, changed_at=timezone.now()
    )
    review.status = to_status


@transaction.atomic
def review_create(*, actor, school_id, grade: str, review_date: date | None, note: str = "") -> ClassReview:
    """Start a class review of one class (a school the actor works with and a class label) on a date. The
    pupils are the class's enrolments active on that date."""
    school = _my_school(actor, school_id)
    grade = policies.clean_grade(grade)
    if not grade:
        raise HelhedError(_("Vælg klassen."), field="grade", code="required")
    check_length(grade, policies.GRADE_MAX, field="grade")
    if review_date is None:
        raise HelhedError(_("Skriv datoen for klassegennemgangen."), field="review_date", code="required")
    check_not_too_early(review_date, field="review_date")
    if not selectors.class_pupils(school.pk, grade, review_date):
        raise HelhedError(
            _("Der går ingen elever i %(grade)s på %(school)s på datoen. Tjek klassen og datoen.")
            % {"grade": grade, "school": school.name},
            field="grade",
            code="empty_class",
        )
    note = _text(note, max_length=REVIEW_NOTE_MAX, field="note")
    review = ClassReview.objects.create(
        school=school, grade=grade, review_date=review_date, note=note, created_by=actor, created_at=timezone.now()
    )
    _review_history(review, "", ReviewStatus.DRAFT, actor)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=review,
        detail={"school": school.pk, "grade": grade, "review_date": review_date.isoformat()},
    )
    return review


@dataclass
class MarkIn:
    person_id: int | None
    level: str
    next_step: str
    note: str = ""


_STALE = _("Klassegennemgangen er ændret af en anden imens. Genindlæs siden, og prøv igen.")


def _locked_review(actor, review_id, version=None) -> ClassReview:
    review = selectors.review_for(actor, review_id, lock=True)
    check_version(review, None if version == "" else version, message=_STALE)
    return review


@transaction.atomic
def review_mark(*, actor, review_id, marks: list[MarkIn], version=None) -> ClassReview:
    """Mark pupils of the class with a concern level and the agreed next step (a pupil marked again gets the new
    mark). Only while the review is in progress, and only pupils of the class on the review date; one bad mark
    refuses them all."""
    review = _locked_review(actor, review_id, version)
    if review.status != ReviewStatus.DRAFT:
        raise Conflict(_("Klassegennemgangen er afsluttet, så markeringerne kan ikke ændres."), code="completed")
    if not marks:
        raise HelhedError(_("Markér mindst én elev."), field="marks", code="required")
    pupils = {p.pk: p for p in selectors.class_pupils(review.school_id, review.grade, review.review_date)}
    existing = {e.person_id: e for e in review.entries.all()}
    now = timezone.now()
    seen: set[int] = set()
    for mark in marks:
        pk = as_pk(mark.person_id)
        if pk not in pupils:
            raise HelhedError(
                _("En af eleverne går ikke i %(grade)s på datoen for gennemgangen. Genindlæs siden.")
                % {"grade": review.grade},
                field="marks",
                code="not_in_class",
            )
        if pk in seen:
            raise HelhedError(_("Den samme elev er markeret to gange."), field="marks", code="duplicate")
        seen.add(pk)
        if mark.level not in ConcernLevel.values:
            raise HelhedError(_("Vælg bekymringsniveau fra listen."), field="level", code="invalid_choice")
        step = _step(mark.next_step)
        note = _text(mark.note, max_length=ENTRY_NOTE_MAX, field="note")
        entry = existing.get(pk)
        if entry is None:
            ClassReviewEntry.objects.create(
                review=review,
                person=pupils[pk],
                level=mark.level,
                next_step=step,
                note=note,
                marked_by=actor,
                marked_at=now,
            )
        elif (entry.level, entry.next_step, entry.note) != (mark.level, step, note):
            if (entry.concern_id or entry.meeting_id) and step != entry.next_step:
                raise Conflict(
                    _("Det næste skridt for %(name)s er allerede sat i gang og kan ikke ændres.")
                    % {"name": pupils[pk].full_name},
                    code="converted",
                )
            entry.level, entry.next_step, entry.note, entry.marked_by, entry.marked_at = (
                mark.level,
                step,
                note,
                actor,
                now,
            )
            entry.save(update_fields=["level", "next_step", "note", "marked_by", "marked_at"])
    bump_version(review)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=review,
        persons=sorted(seen),
        detail={"marked": len(seen)},
    )
    return review


@transaction.atomic
def review_complete(*, actor, review_id, version=None) -> ClassReview:
    """Complete a class review: every pupil of the class on the review date must have a mark (ingen bekymring is
    a mark too). After this the marks are fixed; the agreed steps can still be carried out."""
    review = _locked_review(actor, review_id, version)
    if review.status != ReviewStatus.DRAFT:
        raise Conflict(_("Klassegennemgangen er allerede afsluttet."), code="completed")
    pupils = selectors.class_pupils(review.school_id, review.grade, review.review_date)
    marked = set(review.entries.values_list("person_id", flat=True))
    missing = [p for p in pupils if p.pk not in marked]
    if missing:
        raise HelhedError(
            _("%(n)s elever mangler en markering (fx %(name)s). Markér alle elever, også dem uden bekymring.")
            % {"n": len(missing), "name": missing[0].full_name},
            code="unmarked",
        )
    _review_history(review, review.status, ReviewStatus.COMPLETED, actor)
    review.completed_at, review.completed_by = timezone.now(), actor
    bump_version(review, "status", "completed_at", "completed_by")
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=review,
        persons=[p.pk for p in pupils],
        detail={"status": [ReviewStatus.DRAFT, ReviewStatus.COMPLETED], "pupils": len(pupils)},
    )
    return review


def _locked_entry(actor, entry_id) -> ClassReviewEntry:
    entry = (
        ClassReviewEntry.objects.select_for_update(of=("self",))
        .select_related("review", "review__school", "person")
        .filter(pk=as_pk(entry_id))
        .first()
    )
    if entry is None or entry.review.school_id not in scope.school_ids_for(actor):
        raise Http404
    if entry.concern_id or entry.meeting_id:
        raise Conflict(_("Det næste skridt for eleven er allerede sat i gang."), code="converted")
    return entry


@dataclass
class ConcernReportIn:
    description: str
    categories: list[str] = field(default_factory=list)
    child_knows: str = "unknown"
    parents_know: str = "unknown"


@transaction.atomic
def review_entry_to_concern(*, actor, entry_id, data: ConcernReportIn, submission_key: str | None = None):
    """Turn a pupil's agreed step 'underretning' into a report of concern, filed by the actor through
    `concerns.services.concern_file` (so it gets the reception, the 24-hour deadline and the receipt like any
    other report). The child is matched by CPR number: the actor does not know it, so it is read with
    `people.services.person_reveal_cpr`, which logs the reveal with its reason; the number goes only into the
    report (where it is stored encrypted) and is never shown."""
    from helhed.concerns import services as concern_services
    from helhed.people import services as people_services

    if not user_has_perm(actor, Perm.CONCERN_REPORT):
        raise Forbidden(_("Du kan ikke sende underretninger i Helhed."), code="forbidden")
    entry = _locked_entry(actor, entry_id)
    if entry.next_step != NextStep.REPORT:
        raise Conflict(
            _("Det aftalte næste skridt for eleven er ikke en underretning. Ret markeringen først."),
            code="wrong_step",
        )
    person = entry.person
    cpr = ""
    if person.cpr_encrypted:
        with record_language():
            reason = _("Underretning fra klassegennemgang (%(grade)s, %(school)s)") % {
                "grade": entry.review.grade,
                "school": entry.review.school.name,
            }
        cpr = people_services.person_reveal_cpr(actor=actor, person=person, reason=reason)
    memberships = {unit_id for unit_id, _role in actor_profile(actor).unit_roles}
    concern = concern_services.concern_file(
        actor=actor,
        data=concern_services.ReportIn(
            description=data.description,
            categories=list(data.categories),
            child_cpr=cpr,
            child_first_name=person.first_name,
            child_last_name=person.last_name,
            child_birth_date=None if cpr else person.birth_date,
            child_knows=data.child_knows or "unknown",
            parents_know=data.parents_know or "unknown",
            notifier_unit_id=entry.review.school_id if entry.review.school_id in memberships else None,
        ),
        submission_key=submission_key,
    )
    entry.concern, entry.converted_by, entry.converted_at = concern, actor, timezone.now()
    entry.save(update_fields=["concern", "converted_by", "converted_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=entry,
        persons=[person],
        detail={"review": entry.review_id, "concern": concern.pk, "step": entry.next_step},
    )
    return concern


@dataclass
class MeetingIn:
    starts_at: datetime | None
    ends_at: datetime | None
    location: str
    parents: str = ""
    staff_ids: list[int] = field(default_factory=list)
    note: str = ""


@transaction.atomic
def review_entry_to_meeting(*, actor, entry_id, data: MeetingIn):
    """Turn a pupil's agreed step 'samtale med forældre' or 'møde med forældrene' into a meeting with the parents
    at the school, booked through `detection.services.followup_meeting_book` (which checks the time, place and
    staff and puts it in the invited staff's calendars)."""
    from helhed.detection import services as detection_services
    from helhed.organisation.models import User

    entry = _locked_entry(actor, entry_id)
    if entry.next_step not in policies.STEPS_MEETING:
        raise Conflict(
            _("Det aftalte næste skridt for eleven er ikke en samtale eller et møde med forældrene."),
            code="wrong_step",
        )
    staff_ids = sorted({as_pk(pk) for pk in data.staff_ids or []} - {0})
    staff = list(User.objects.filter(pk__in=staff_ids, is_active=True))
    if len(staff) != len(staff_ids):
        raise HelhedError(_("En af de valgte medarbejdere findes ikke."), field="staff", code="unknown_staff")
    if data.starts_at is None or data.ends_at is None:
        raise HelhedError(_("Skriv dato og tidspunkt for mødet."), field="starts_at", code="required")
    meeting = detection_services.followup_meeting_book(
        actor=actor,
        person=entry.person,
        school=entry.review.school,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        location=data.location,
        parents=data.parents,
        staff=staff,
        note=data.note,
        origin="class_review",
        origin_id=str(entry.pk),
        alert=None,
    )
    entry.meeting, entry.converted_by, entry.converted_at = meeting, actor, timezone.now()
    entry.save(update_fields=["meeting", "converted_by", "converted_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=entry,
        persons=[entry.person],
        detail={"review": entry.review_id, "meeting": meeting.pk, "step": entry.next_step},
    )
    return meeting
