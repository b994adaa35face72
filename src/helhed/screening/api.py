"""/api/v1/screening: instruments (list, get; new versions and the pilot switch for administrators), screenings
(list, create, get), class reviews (list, create, get, mark pupils, complete, turn a step into a report of concern
or a meeting) and the pilot's evaluation. Same services and selectors as the pages, so the same rules, Danish
messages and audit."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Header, Query, Router, Schema, Status

from helhed.core import idempotency
from helhed.core.apiauth import api_requires
from helhed.core.permissions import Perm

from . import selectors, services
from .models import ClassReview, Instrument, Screening

router = Router(tags=["screening"])


# -- schemas -------------------------------------------------------------------------------------------------


class InstrumentOut(Schema):
    id: int
    key: str
    version: int
    title: str
    purpose: str
    legal_basis: str
    example: bool
    current: bool  # the version new screenings use
    created_at: datetime


class InstrumentDetailOut(InstrumentOut):
    definition: dict  # scales, items with answers and weights, thresholds (as in the YAML)
    source_yaml: str


class InstrumentIn(Schema):
    yaml: str


class PilotOut(Schema):
    school_id: int
    school_name: str
    active: bool


class PilotIn(Schema):
    active: bool


class ContributionOut(Schema):
    item: str
    text: str
    scale: str
    answer: str
    answer_label: str
    weight: Decimal


class ScreeningOut(Schema):
    id: int
    person_id: int
    person_name: str
    school_id: int
    grade: str
    instrument_id: int
    instrument_key: str
    instrument_version: int
    screened_on: date
    score: Decimal
    band: str
    band_label: str
    next_step: str
    screened_by: str


class ScreeningDetailOut(ScreeningOut):
    purpose: str
    legal_basis: str
    contributions: list[ContributionOut]
    judgement: str
    next_step_note: str


class ScreeningIn(Schema):
    person_id: int
    school_id: int
    instrument_id: int
    answers: dict[str, str]  # item key -> answer key, every item
    judgement: str
    next_step: str  # none / parent_talk / school_social_worker / parent_meeting / report / other
    next_step_note: str = ""
    screened_on: date | None = None


class ScreeningFilters(Schema):
    school_id: int | None = None


class ReviewOut(Schema):
    id: int
    school_id: int
    grade: str
    review_date: date
    status: str
    note: str
    version: int


class EntryOut(Schema):
    id: int | None
    person_id: int
    person_name: str
    level: str | None
    next_step: str | None
    note: str
    concern_id: int | None
    meeting_id: int | None


class ReviewDetailOut(ReviewOut):
    pupils: list[EntryOut]  # every pupil of the class on the date; level None when not marked yet


class ReviewIn(Schema):
    school_id: int
    grade: str
    review_date: date
    note: str = ""


class MarkIn(Schema):
    person_id: int
    level: str  # none / small / some / great
    next_step: str
    note: str = ""


class MarksIn(Schema):
    marks: list[MarkIn]
    version: int | None = None


class VersionIn(Schema):
    version: int | None = None


class ConcernIn(Schema):
    description: str
    categories: list[str]
    child_knows: str = "unknown"
    parents_know: str = "unknown"


class ConcernOut(Schema):
    concern_id: int
    reference: str


class MeetingIn(Schema):
    starts_at: datetime
    ends_at: datetime
    location: str
    parents: str = ""
    staff_ids: list[int] = []
    note: str = ""


class MeetingOut(Schema):
    meeting_id: int
    starts_at: datetime
    ends_at: datetime
    location: str


class OutcomeOut(Schema):
    band: str
    pupils_3_months: int | str  # "<5" when fewer than 5
    absence_share_3_months: Decimal | None
    pupils_6_months: int | str
    absence_share_6_months: Decimal | None


class EvaluationOut(Schema):
    instrument_id: int | None
    screened: int | str
    bands: list[str]
    next_steps: list[str]
    # school id (or "total") -> band key / next step (or "total") -> count, or "<5"
    by_band: dict[str, dict[str, int | str]]
    by_next_step: dict[str, dict[str, int | str]]
    schools: dict[str, str]
    outcomes: list[OutcomeOut]


class EvaluationFilters(Schema):
    instrument_id: int | None = None


# -- helpers -------------------------------------------------------------------------------------------------


def _instrument(i: Instrument, current_ids: set[int], *, detail: bool = False) -> dict:
    out = {
        "id": i.pk,
        "key": i.key,
        "version": i.version,
        "title": i.title,
        "purpose": i.purpose,
        "legal_basis": i.legal_basis,
        "example": i.example,
        "current": i.pk in current_ids,
        "created_at": i.created_at,
    }
    if detail:
        out["definition"] = i.definition
        out["source_yaml"] = i.source_yaml
    return out


def _screening(s: Screening) -> dict:
    return {
        "id": s.pk,
        "person_id": s.person_id,
        "person_name": s.person.full_name,
        "school_id": s.school_id,
        "grade": s.grade,
        "instrument_id": s.instrument_id,
        "instrument_key": s.instrument.key,
        "instrument_version": s.instrument.version,
        "screened_on": s.screened_on,
        "score": s.score,
        "band": s.band,
        "band_label": s.band_label,
        "next_step": s.next_step,
        "screened_by": s.screened_by.username,
    }


def _review(r: ClassReview) -> dict:
    return {
        "id": r.pk,
        "school_id": r.school_id,
        "grade": r.grade,
        "review_date": r.review_date,
        "status": r.status,
        "note": r.note,
        "version": r.version,
    }


def _review_detail(actor, review_id) -> dict:
    detail = selectors.review_detail(actor=actor, review_id=review_id)
    out = _review(detail.review)
    out["pupils"] = [
        {
            "id": row.entry.pk if row.entry else None,
            "person_id": row.person.pk,
            "person_name": row.person.full_name,
            "level": row.entry.level if row.entry else None,
            "next_step": row.entry.next_step if row.entry else None,
            "note": row.entry.note if row.entry else "",
            "concern_id": row.entry.concern_id if row.entry else None,
            "meeting_id": row.entry.meeting_id if row.entry else None,
        }
        for row in detail.rows
    ]
    return out


# -- instruments and the pilot ------------------------------------------------------------------------------


@router.get("/instruments", response=list[InstrumentOut], summary="Every instrument version (no person data)")
@api_requires(Perm.DETECTION)
def list_instruments(request):
    current = {i.pk for i in selectors.current_instruments()}
    return [_instrument(i, current) for i in selectors.instrument_versions()]


@router.get("/instruments/{instrument_id}", response=InstrumentDetailOut, summary="One instrument version")
@api_requires(Perm.DETECTION)
def get_instrument(request, instrument_id: int):
    instrument = selectors.instrument_for(instrument_id)
    current = {i.pk for i in selectors.current_instruments()}
    return _instrument(instrument, current, detail=True)


@router.post(
    "/instruments",
    response={201: InstrumentDetailOut},
    summary="A new instrument version from YAML (administrators); every problem is listed in Danish",
)
@api_requires(Perm.DETECTION_ADMIN)
def create_instrument(request, payload: InstrumentIn):
    instrument = services.instrument_version_create(actor=request.auth, yaml_text=payload.yaml)
    current = {i.pk for i in selectors.current_instruments()}
    return Status(201, _instrument(instrument, current, detail=True))


@router.get("/pilot-schools", response=list[PilotOut], summary="Every school and whether screening is on there")
@api_requires(Perm.DETECTION_ADMIN)
def list_pilot(request):
    return [
        {"school_id": row.school.pk, "school_name": row.school.name, "active": row.active}
        for row in selectors.pilot_overview()
    ]


@router.put("/pilot-schools/{school_id}", response=PilotOut, summary="Switch screening on or off at a school")
@api_requires(Perm.DETECTION_ADMIN)
def set_pilot(request, school_id: int, payload: PilotIn):
    pilot = services.pilot_set(actor=request.auth, school_id=school_id, active=payload.active)
    return {"school_id": pilot.school_id, "school_name": pilot.school.name, "active": pilot.active}


# -- screenings ----------------------------------------------------------------------------------------------


@router.get("/screenings", response=list[ScreeningOut], summary="Screenings at my schools, newest first (audited)")
@api_requires(Perm.DETECTION)
def list_screenings(request, filters: Query[ScreeningFilters]):
    data = selectors.screening_list(actor=request.auth, school_id=filters.school_id)
    return [_screening(s) for s in data.rows]


def _screening_detail(actor, screening_id) -> dict:
    detail = selectors.screening_detail(actor=actor, screening_id=screening_id)
    s = detail.screening
    out = _screening(s)
    out.update(
        purpose=detail.instrument.purpose,
        legal_basis=detail.instrument.legal_basis,
        contributions=s.contributions,
        judgement=s.judgement,
        next_step_note=s.next_step_note,
    )
    return out


@router.post(
    "/screenings",
    response={201: ScreeningDetailOut},
    summary="Screen a pupil at a pilot school: the score with every item's contribution, and your judgement",
    description=(
        "Every item must be answered. The score triggers nothing: `judgement` (your own assessment) and `next_step` "
        "are required. A school not in the pilot gets a 403 with a Danish message. Send `Idempotency-Key` so a "
        "retry cannot save the screening twice."
    ),
)
@api_requires(Perm.DETECTION)
def create_screening(
    request, payload: ScreeningIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")
):
    key = idempotency.api_key(actor=request.auth, header=idempotency_key, scope="screening.create")
    screening = services.screening_create(
        actor=request.auth,
        data=services.ScreeningIn(**payload.dict()),
        submission_key=key,
    )
    return Status(201, _screening_detail(request.auth, screening.pk))


@router.get("/screenings/{screening_id}", response=ScreeningDetailOut, summary="One screening (audited)")
@api_requires(Perm.DETECTION)
def get_screening(request, screening_id: int):
    return _screening_detail(request.auth, screening_id)


# -- class reviews -------------------------------------------------------------------------------------------


@router.get("/class-reviews", response=list[ReviewOut], summary="Class reviews at my schools (audited)")
@api_requires(Perm.DETECTION)
def list_reviews(request):
    return [_review(r) for r in selectors.review_list(actor=request.auth).rows]


@router.post("/class-reviews", response={201: ReviewDetailOut}, summary="Start a class review of one class")
@api_requires(Perm.DETECTION)
def create_review(request, payload: ReviewIn):
    review = services.review_create(
        actor=request.auth,
        school_id=payload.school_id,
        grade=payload.grade,
        review_date=payload.review_date,
        note=payload.note,
    )
    return Status(201, _review_detail(request.auth, review.pk))


@router.get("/class-reviews/{review_id}", response=ReviewDetailOut, summary="A class review with its pupils")
@api_requires(Perm.DETECTION)
def get_review(request, review_id: int):
    return _review_detail(request.auth, review_id)


@router.post("/class-reviews/{review_id}/marks", response=ReviewDetailOut, summary="Mark pupils (concern, step)")
@api_requires(Perm.DETECTION)
def mark(request, review_id: int, payload: MarksIn):
    services.review_mark(
        actor=request.auth,
        review_id=review_id,
        marks=[services.MarkIn(**m.dict()) for m in payload.marks],
        version=payload.version,
    )
    return _review_detail(request.auth, review_id)


@router.post("/class-reviews/{review_id}/complete", response=ReviewDetailOut, summary="Complete the review")
@api_requires(Perm.DETECTION)
def complete(request, review_id: int, payload: VersionIn):
    services.review_complete(actor=request.auth, review_id=review_id, version=payload.version)
    return _review_detail(request.auth, review_id)


def _entry_in_review(actor, review_id: int, entry_id: int):
    """The entry, checked to belong to the review in the path (a 404 otherwise, as for a review not mine)."""
    return selectors.entry_for(actor, review_id, entry_id)


@router.post(
    "/class-reviews/{review_id}/entries/{entry_id}/concern",
    response={201: ConcernOut},
    summary="Turn the agreed step 'underretning' into a report of concern",
)
@api_requires(Perm.DETECTION)
def entry_concern(
    request,
    review_id: int,
    entry_id: int,
    payload: ConcernIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    entry = _entry_in_review(request.auth, review_id, entry_id)
    key = idempotency.api_key(actor=request.auth, header=idempotency_key, scope="screening.entry_concern")
    concern = services.review_entry_to_concern(
        actor=request.auth,
        entry_id=entry.pk,
        data=services.ConcernReportIn(**payload.dict()),
        submission_key=key,
    )
    return Status(201, {"concern_id": concern.pk, "reference": concern.reference})


@router.post(
    "/class-reviews/{review_id}/entries/{entry_id}/meeting",
    response={201: MeetingOut},
    summary="Turn the agreed step 'samtale/møde med forældrene' into a meeting at the school",
)
@api_requires(Perm.DETECTION)
def entry_meeting(request, review_id: int, entry_id: int, payload: MeetingIn):
    entry = _entry_in_review(request.auth, review_id, entry_id)
    meeting = services.review_entry_to_meeting(
        actor=request.auth, entry_id=entry.pk, data=services.MeetingIn(**payload.dict())
    )
    return Status(
        201,
        {
            "meeting_id": meeting.pk,
            "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at,
            "location": meeting.location,
        },
    )


# -- the evaluation ------------------------------------------------------------------------------------------


@router.get("/evaluation", response=EvaluationOut, summary="The pilot's evaluation: counts only, small numbers hidden")
@api_requires(Perm.DETECTION_STATS)
def evaluation(request, filters: Query[EvaluationFilters]):
    e = selectors.evaluation(actor=request.auth, instrument_id=filters.instrument_id)
    return {
        "instrument_id": e.instrument.pk if e.instrument else None,
        "screened": e.band_table.get("total", {}).get("total", 0) if e.instrument else 0,
        "bands": [b for b, _l in e.bands],
        "next_steps": [s for s, _l in e.steps],
        "by_band": {str(k): {str(c): v for c, v in row.items()} for k, row in e.band_table.items()},
        "by_next_step": {str(k): {str(c): v for c, v in row.items()} for k, row in e.step_table.items()},
        "schools": {str(pk): name for pk, name in e.schools},
        "outcomes": [
            {
                "band": o.key,
                "pupils_3_months": o.n3,
                "absence_share_3_months": o.mean3,
                "pupils_6_months": o.n6,
                "absence_share_6_months": o.mean6,
            }
            for o in e.outcomes
        ],
    }
