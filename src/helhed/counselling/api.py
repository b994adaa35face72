"""/api/v1/counselling: open, anonymous counselling — list, record, read, add a contact, close, reopen, and the
handover into an identified case with the family's consent; counts for the unit. Same services and selectors as
the pages, so the same rules, messages and audit."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Query, Router, Schema, Status

from helhed.core.apiauth import api_requires
from helhed.core.permissions import Perm

from . import selectors, services
from .models import AnonymousCounselling

router = Router(tags=["counselling"])


class ContactOut(Schema):
    id: int
    occurred_on: date
    channel: str
    duration_minutes: int
    summary: str
    recorded_at: datetime


class CounsellingOut(Schema):
    id: int
    unit_id: int
    counsellor_id: int
    pseudonym: str
    age_band: str
    contact_by: str
    topics: list[str]
    status: str
    opened_at: datetime
    closed_at: datetime | None
    converted_at: datetime | None
    case_id: int | None  # only when the reader may see the case
    version: int


class CounsellingDetailOut(CounsellingOut):
    contacts: list[ContactOut]


class ConversionOut(Schema):
    counselling: CounsellingOut
    case_id: int
    journal_note_id: int
    attached: bool  # the child's open case was used


class StatisticsOut(Schema):
    unit_ids: list[int]
    since: datetime
    total: int
    converted: int
    by_topic: dict[str, int]
    by_age_band: dict[str, int]


class ContactIn(Schema):
    occurred_on: date
    channel: str
    duration_minutes: int
    summary: str
    submission_key: str | None = None
    version: int | None = None


class CounsellingIn(Schema):
    pseudonym: str
    age_band: str
    contact_by: str
    topics: list[str]
    unit_id: int | None = None
    counsellor_id: int | None = None
    first_contact: ContactIn | None = None
    submission_key: str | None = None


class StatusIn(Schema):
    note: str = ""
    version: int | None = None


class ConsentIn(Schema):
    given_by: str = ""  # name, when the person is not registered
    relation: str = ""  # custody_holder / parent / young_person / other
    given_on: date | None = None
    text: str = ""
    person_id: int | None = None  # a custody holder or parent registered on the child


class NewChildIn(Schema):
    first_name: str
    last_name: str
    cpr: str | None = None
    no_cpr_reason: str = ""
    birth_date: date | None = None


class ConvertIn(Schema):
    consent: ConsentIn | None = None
    child_id: int | None = None
    new_child: NewChildIn | None = None
    responsible_unit_id: int | None = None  # default: the course's unit
    responsible_caseworker_id: int | None = None  # default: me
    version: int | None = None


class Filters(Schema):
    status: str | None = "open"  # open / closed / converted / all
    age_band: str | None = None
    topic: str | None = None


def _out(course: AnonymousCounselling, *, case_id: int | None, contacts=None) -> dict:
    """A course as JSON; `case_id` only when the reader may see the case it became."""
    data = {
        "id": course.pk,
        "unit_id": course.unit_id,
        "counsellor_id": course.counsellor_id,
        "pseudonym": course.pseudonym,
        "age_band": course.age_band,
        "contact_by": course.contact_by,
        "topics": [t.topic for t in course.topics.all()],
        "status": course.status,
        "opened_at": course.opened_at,
        "closed_at": course.closed_at,
        "converted_at": course.converted_at,
        "case_id": case_id,
        "version": course.version,
    }
    if contacts is not None:
        data["contacts"] = contacts
    return data


def _case_id(actor, course: AnonymousCounselling) -> int | None:
    return course.case_id if course.case_id in selectors.visible_case_ids(actor, [course]) else None


def _contact(payload: ContactIn) -> services.ContactIn:
    return services.ContactIn(
        occurred_on=payload.occurred_on,
        channel=payload.channel,
        duration_minutes=payload.duration_minutes,
        summary=payload.summary,
    )


@router.get("", response=list[CounsellingOut], summary="The courses of my counselling units (audited)")
@api_requires(Perm.COUNSELLING)
def list_courses(request, filters: Query[Filters]):
    status = None if filters.status in ("all", "") else filters.status
    data = selectors.counselling_list(actor=request.auth, status=status, age_band=filters.age_band, topic=filters.topic)
    visible = selectors.visible_case_ids(request.auth, data.rows)
    return [_out(c, case_id=c.case_id if c.case_id in visible else None) for c in data.rows]


@router.get("/statistics", response=StatisticsOut, summary="Counts by topic and age band, last 12 months")
@api_requires(Perm.COUNSELLING)
def statistics(request):
    stats = selectors.counselling_statistics(actor=request.auth)
    return {
        "unit_ids": [u.pk for u in stats.units],
        "since": stats.since,
        "total": stats.total,
        "converted": stats.converted,
        "by_topic": {value: n for value, _label, n in stats.by_topic},
        "by_age_band": {value: n for value, _label, n in stats.by_age_band},
    }


@router.post("", response={201: CounsellingDetailOut}, summary="Record a new anonymous course")
@api_requires(Perm.COUNSELLING)
def create(request, payload: CounsellingIn):
    course = services.counselling_open(
        actor=request.auth,
        data=services.CounsellingIn(
            pseudonym=payload.pseudonym,
            age_band=payload.age_band,
            contact_by=payload.contact_by,
            topics=payload.topics,
            unit_id=payload.unit_id,
            counsellor_id=payload.counsellor_id,
            first_contact=_contact(payload.first_contact) if payload.first_contact is not None else None,
        ),
        submission_key=payload.submission_key,
    )
    return Status(201, _out(course, case_id=None, contacts=list(course.contacts.all())))


@router.get("/{counselling_id}", response=CounsellingDetailOut, summary="One course with its contacts (audited)")
@api_requires(Perm.COUNSELLING)
def get_course(request, counselling_id: int):
    detail = selectors.counselling_detail(actor=request.auth, counselling_id=counselling_id)
    case_id = detail.course.case_id if detail.case_visible else None
    return _out(detail.course, case_id=case_id, contacts=detail.contacts)


@router.post("/{counselling_id}/contacts", response={201: ContactOut}, summary="Record a contact on an open course")
@api_requires(Perm.COUNSELLING)
def add_contact(request, counselling_id: int, payload: ContactIn):
    contact = services.contact_add(
        actor=request.auth,
        counselling_id=counselling_id,
        data=_contact(payload),
        version=payload.version,
        submission_key=payload.submission_key,
    )
    return Status(201, contact)


@router.post("/{counselling_id}/close", response=CounsellingOut, summary="Close an open course")
@api_requires(Perm.COUNSELLING)
def close(request, counselling_id: int, payload: StatusIn):
    course = services.counselling_close(
        actor=request.auth, counselling_id=counselling_id, note=payload.note, version=payload.version
    )
    return _out(course, case_id=_case_id(request.auth, course))


@router.post("/{counselling_id}/reopen", response=CounsellingOut, summary="Reopen a closed course")
@api_requires(Perm.COUNSELLING)
def reopen(request, counselling_id: int, payload: StatusIn):
    course = services.counselling_reopen(
        actor=request.auth, counselling_id=counselling_id, note=payload.note, version=payload.version
    )
    return _out(course, case_id=_case_id(request.auth, course))


@router.post(
    "/{counselling_id}/convert",
    response=ConversionOut,
    summary="Turn the course into an identified case, with the family's recorded consent",
)
@api_requires(Perm.COUNSELLING)
def convert(request, counselling_id: int, payload: ConvertIn):
    consent = None
    if payload.consent is not None:
        consent = services.ConsentIn(
            given_by=payload.consent.given_by,
            relation=payload.consent.relation,
            given_on=payload.consent.given_on,
            text=payload.consent.text,
            person_id=payload.consent.person_id,
        )
    new_child = None
    if payload.new_child is not None:
        new_child = services.NewChild(**payload.new_child.dict())
    result = services.counselling_convert(
        actor=request.auth,
        counselling_id=counselling_id,
        consent=consent,
        child_id=payload.child_id,
        new_child=new_child,
        responsible_unit_id=payload.responsible_unit_id,
        responsible_caseworker_id=payload.responsible_caseworker_id,
        version=payload.version,
    )
    return {
        "counselling": _out(result.counselling, case_id=result.case.pk),
        "case_id": result.case.pk,
        "journal_note_id": result.note.pk,
        "attached": result.attached,
    }
