"""/api/v1/concerns: reports of concern. Notifiers file a report and follow their own reports (never the
assessment, BL § 137); the reception lists, takes, matches, assesses, answers and closes them.

Thin: the services do every write and the selectors every read (gatekeeper and audit included). A report
the caller may not see answers 404, exactly like one that does not exist."""

from __future__ import annotations

from datetime import date, datetime

import pydantic
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Header, Router, Schema, Status, UploadedFile
from ninja.errors import ValidationError
from pydantic import Field

from helhed.core import filestore, idempotency
from helhed.core.apiauth import api_requires
from helhed.core.errors import HelhedError
from helhed.core.permissions import Perm
from helhed.deadlines.selectors import deadlines_of_source

from . import letters, policies, selectors, services
from .models import Channel, Concern, ConcernCategory, ConcernStatus

router = Router(tags=["concerns"])


# -- schemas ------------------------------------------------------------------------------------------


class ChildIn(Schema):
    """What the notifier knows about the child. All optional, but at least one of them is needed."""

    cpr: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    birth_date: date | None = None
    address: str | None = None


class ConcernIn(Schema):
    description: str
    categories: list[str] = Field(description="Codes: " + ", ".join(ConcernCategory.values))
    child: ChildIn = Field(default_factory=ChildIn)
    child_knows: str = "unknown"  # yes / no / unknown
    parents_know: str = "unknown"
    notifier_unit_id: int | None = None  # one of your own units; default your first
    notifier_phone: str | None = None
    # For the reception registering a report received by phone, letter or e-mail from someone else:
    notifier_kind: str = "professional"  # professional / citizen / anonymous
    notifier_name: str | None = None
    notifier_role: str | None = None
    notifier_email: str | None = None
    received_at: datetime | None = Field(
        None, description="With a UTC offset. Only the reception may give it; otherwise the time of sending."
    )
    channel: str = Field(Channel.API.value, description="api; the reception may also give phone, letter or email")


class DeadlineBriefOut(Schema):
    id: int
    rule_id: str
    title: str
    due_at: datetime
    explanation: str
    status: str


class FiledOut(Schema):
    id: int
    reference: str
    received_at: datetime
    status: str
    acute_track: bool
    deadlines: list[DeadlineBriefOut]


class ReceptionRowOut(Schema):
    id: int
    reference: str
    received_at: datetime
    channel: str
    status: str
    version: int
    acute_track: bool
    categories: list[str]
    receiving_unit: str
    child_name: str
    child_birth_date: date | None
    child_id: int | None
    case_id: int | None
    notifier_kind: str
    assigned_to: str | None
    due_at: datetime
    hours_left: float
    overdue: bool
    repeat_count: int


class LetterBriefOut(Schema):
    id: int
    kind: str
    created_at: datetime


class MyReportOut(Schema):
    """What a notifier may know about their own report: no assessment, no decision, no case (BL § 137)."""

    id: int
    reference: str
    received_at: datetime
    status: str
    letters: list[LetterBriefOut]


class ConcernOut(Schema):
    id: int
    reference: str
    received_at: datetime
    channel: str
    status: str
    version: int
    acute_track: bool
    categories: list[str]
    description: str
    child_knows: str
    parents_know: str
    receiving_unit_id: int
    receiving_unit: str
    notifier_kind: str
    notifier_name: str
    notifier_role: str
    notifier_email: str
    notifier_phone: str
    notifier_unit: str | None
    child_first_name: str
    child_last_name: str
    child_birth_date: date | None
    child_address: str
    child_cpr_given: bool
    child_id: int | None
    case_id: int | None
    assigned_to: str | None
    created_at: datetime
    closed_at: datetime | None

    @staticmethod
    def resolve_receiving_unit(obj):
        return obj.receiving_unit.name

    @staticmethod
    def resolve_notifier_unit(obj):
        return obj.notifier_unit.name if obj.notifier_unit is not None else None

    @staticmethod
    def resolve_child_cpr_given(obj):
        return bool(obj.child_cpr_hash)

    @staticmethod
    def resolve_assigned_to(obj):
        return _username(obj.assigned_to)


class AssessmentOut(Schema):
    acute_danger: bool
    acute_measures: str
    decision: str
    reasoning: str
    police_involved: bool
    childrens_house_involved: bool
    parents_informed: bool
    parents_not_informed_reason: str
    assessed_by: str
    assessed_at: datetime
    concern_version: int

    @staticmethod
    def resolve_assessed_by(obj):
        return obj.assessed_by.username

    @staticmethod
    def resolve_concern_version(obj):
        return obj.concern.version


class ChecklistStepOut(Schema):
    code: str
    text: str
    paragraph: str
    done: bool
    done_by: str | None
    done_at: datetime | None
    note: str


class ChecklistOut(Schema):
    applies: bool  # the acute track (violence, sexual abuse): every step must be done before closing
    version: str
    steps: list[ChecklistStepOut]


class LetterOut(Schema):
    id: int
    kind: str
    created_at: datetime
    emailed_to: str
    emailed_at: datetime | None
    email_error: str
    case_document_id: int | None


class AttachmentOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class OtherReportOut(Schema):
    id: int
    reference: str
    received_at: datetime
    status: str


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    reason: str
    changed_by: str | None
    changed_at: datetime


class ConcernDetailOut(Schema):
    report: ConcernOut
    assessment: AssessmentOut | None
    checklist: ChecklistOut
    letters: list[LetterOut]
    attachments: list[AttachmentOut]
    deadlines: list[DeadlineBriefOut]
    others: list[OtherReportOut]
    history: list[StatusChangeOut]


class VersionIn(Schema):
    version: int | None = None


class NewPersonIn(Schema):
    """A new person for the child; what is left out is taken from the report."""

    first_name: str | None = None
    last_name: str | None = None
    cpr: str | None = None
    no_cpr_reason: str | None = None
    birth_date: date | None = None
    address: str | None = None


class MatchIn(Schema):
    person_id: int | None = None
    new_person: NewPersonIn | None = None
    open_case: bool = False  # open a case in the receiving unit if the child has no active case
    version: int | None = None


class AssessmentIn(Schema):
    acute_danger: bool
    decision: str  # no_action / open_counselling / screening / mapping / child_assessment
    reasoning: str
    acute_measures: str = ""
    police_involved: bool = False
    childrens_house_involved: bool = False
    parents_informed: bool = False
    parents_not_informed_reason: str = ""
    version: int | None = None


class ChecklistIn(Schema):
    code: str
    note: str = ""


class ChecklistItemOut(Schema):
    code: str
    note: str
    done_by: str
    done_at: datetime

    @staticmethod
    def resolve_done_by(obj):
        return obj.done_by.username


class LetterIn(Schema):
    kind: str  # receipt / feedback


class CloseIn(Schema):
    reason: str = ""
    version: int | None = None


# -- shaping ------------------------------------------------------------------------------------------


def _username(user) -> str | None:
    return user.username if user is not None else None


def _deadline(d) -> dict:
    return {
        "id": d.pk,
        "rule_id": d.rule_id,
        "title": d.title,
        "due_at": d.due_at,
        "explanation": d.explanation,
        "status": d.status,
    }


def _reception_row(row: selectors.ReceptionRow) -> dict:
    c = row.concern
    return {
        "id": c.pk,
        "reference": c.reference,
        "received_at": c.received_at,
        "channel": c.channel,
        "status": c.status,
        "version": c.version,
        "acute_track": c.acute_track,
        "categories": c.categories,
        "receiving_unit": c.receiving_unit.name,
        "child_name": c.child.full_name if c.child is not None else c.child_label,
        "child_birth_date": c.child.birth_date if c.child is not None else c.child_birth_date,
        "child_id": c.child_id,
        "case_id": c.case_id,
        "notifier_kind": c.notifier_kind,
        "assigned_to": _username(c.assigned_to),
        "due_at": row.due_at,
        "hours_left": row.hours_left,
        "overdue": row.overdue,
        "repeat_count": getattr(c, "repeat_count", 1),
    }


def _checklist(concern: Concern, done: dict) -> dict:
    steps = []
    for step in policies.ACUTE_CHECKLIST:
        item = done.get(step.code)
        steps.append(
            {
                "code": step.code,
                "text": str(step.text),
                "paragraph": step.paragraph,
                "done": item is not None,
                "done_by": item.done_by.username if item is not None else None,
                "done_at": item.done_at if item is not None else None,
                "note": item.note if item is not None else "",
            }
        )
    return {"applies": concern.acute_track, "version": policies.ACUTE_CHECKLIST_VERSION, "steps": steps}


def _text(value: str | None) -> str:
    return value or ""


def _file(request, payload: ConcernIn, files, idempotency_key: str | None):
    if payload.received_at is not None and timezone.is_naive(payload.received_at):
        raise HelhedError(
            _("Skriv modtagelsestidspunktet med tidszone, fx 2026-03-02T09:30:00+01:00."), field="received_at"
        )
    child = payload.child
    data = services.ReportIn(
        description=payload.description,
        categories=payload.categories,
        notifier_kind=payload.notifier_kind,
        notifier_name=_text(payload.notifier_name),
        notifier_role=_text(payload.notifier_role),
        notifier_email=_text(payload.notifier_email),
        notifier_phone=_text(payload.notifier_phone),
        notifier_unit_id=payload.notifier_unit_id,
        child_cpr=_text(child.cpr),
        child_first_name=_text(child.first_name),
        child_last_name=_text(child.last_name),
        child_birth_date=child.birth_date,
        child_address=_text(child.address),
        child_knows=payload.child_knows,
        parents_know=payload.parents_know,
        received_at=payload.received_at,
        channel=payload.channel,
        attachments=list(files or []),
    )
    concern = services.concern_file(
        actor=request.auth,
        data=data,
        submission_key=idempotency.api_key(actor=request.auth, header=idempotency_key, scope="concerns.file"),
    )
    return Status(
        201,
        {
            "id": concern.pk,
            "reference": concern.reference,
            "received_at": concern.received_at,
            "status": concern.status,
            "acute_track": concern.acute_track,
            # Not the receiving unit: routing follows the child's case, so naming it would tell the
            # notifier whether (and where) the child has a case.
            "deadlines": [_deadline(d) for d in deadlines_of_source(concern)],
        },
    )


_FILE_DESCRIPTION = (
    "Send `Idempotency-Key: <up to 64 characters>` so a retry cannot file the same report twice: the second "
    "request with the same key answers 409 and nothing more is saved. `received_at` is honoured only for the "
    "reception (e.g. a report received by phone, `channel` phone/letter/email); for anyone else the report is "
    "received when it is sent."
)


# -- notifiers ----------------------------------------------------------------------------------------


@router.post(
    "",
    response={201: FiledOut},
    summary="File a report of concern (JSON; attachments: POST /concerns/multipart)",
    description=_FILE_DESCRIPTION,
)
@api_requires(Perm.CONCERN_REPORT)
def file_concern(request, payload: ConcernIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    return _file(request, payload, [], idempotency_key)


@router.post(
    "/multipart",
    response={201: FiledOut},
    summary=(
        "File a report of concern with attachments (multipart/form-data: field `payload` = the JSON of "
        "POST /concerns, files in `files`)"
    ),
    description=_FILE_DESCRIPTION
    + " Attachments are checked like case documents (type sniffed from the content, size) and saved in the same "
    "transaction as the report: a refused file leaves nothing saved.",
)
@api_requires(Perm.CONCERN_REPORT)
def file_concern_multipart(
    request,
    payload: Form[str] = "",
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    if not payload.strip():
        raise HelhedError(
            _("Feltet payload mangler. Send underretningen som JSON i feltet payload og filerne i feltet files."),
            field="payload",
        )
    try:
        parsed = ConcernIn.model_validate_json(payload)
    except pydantic.ValidationError as exc:
        errors = [{**err, "loc": ("payload", *err.get("loc", ()))} for err in exc.errors(include_url=False)]
        raise ValidationError(errors)
    return _file(request, parsed, files, idempotency_key)


@router.get(
    "/mine",
    response=list[MyReportOut],
    summary="The reports I filed and the letters sent to me (never the assessment; audited)",
)
@api_requires(Perm.CONCERN_REPORT)
def my_reports(request):
    return [
        {
            "id": c.pk,
            "reference": c.reference,
            "received_at": c.received_at,
            "status": c.status,
            "letters": [{"id": x.pk, "kind": x.kind, "created_at": x.created_at} for x in c.letters.all()],
        }
        for c in selectors.my_reports(actor=request.auth)
    ]


@router.get(
    "/{concern_id}/letters/{letter_id}/pdf",
    summary="Download a receipt or feedback letter as PDF (the notifier it was written to, or the reception; audited)",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "The letter", "content": {"application/pdf": {}}}}},
)
@api_requires(Perm.CONCERN_REPORT)
def letter_pdf(request, concern_id: int, letter_id: int):
    letter = selectors.letter_for_download(actor=request.auth, concern_id=concern_id, letter_id=letter_id)
    return filestore.file_response(
        letter.storage_name, content_type="application/pdf", filename=letters.filename(letter.concern, letter.kind)
    )


# -- the reception ------------------------------------------------------------------------------------


@router.get(
    "",
    response=list[ReceptionRowOut],
    summary="The reception's reports: unassessed first with the 24-hour clock, acute track on top (audited)",
    description="Without `status` every report not closed; `status=closed` for the closed ones.",
)
@api_requires(Perm.CONCERN_RECEIVE)
def reception_list(request, status: ConcernStatus | None = None):
    return [_reception_row(row) for row in selectors.reception_list(actor=request.auth, status=status)]


@router.get(
    "/{concern_id}",
    response=ConcernDetailOut,
    summary="One report: assessment, acute checklist, letters, attachments, deadlines, other reports (audited)",
)
@api_requires(Perm.CONCERN_RECEIVE)
def concern_detail(request, concern_id: int):
    d = selectors.concern_detail(actor=request.auth, concern_id=concern_id)
    return {
        "report": d.concern,
        "assessment": d.assessment,
        "checklist": _checklist(d.concern, d.checklist),
        "letters": d.letters,
        "attachments": d.attachments,
        "deadlines": [_deadline(x) for x in d.deadlines],
        "others": d.others,
        "history": [
            {
                "from_status": h.from_status,
                "to_status": h.to_status,
                "reason": h.reason,
                "changed_by": _username(h.changed_by),
                "changed_at": h.changed_at,
            }
            for h in d.history
        ],
    }


@router.get(
    "/{concern_id}/attachments/{attachment_id}/content",
    summary="Download an attachment to a report (the reception; audited)",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "The file", "content": {"application/octet-stream": {}}}}},
)
@api_requires(Perm.CONCERN_RECEIVE)
def attachment_content(request, concern_id: int, attachment_id: int):
    attachment = selectors.attachment_for_download(
        actor=request.auth, concern_id=concern_id, attachment_id=attachment_id
    )
    return filestore.file_response(
        attachment.storage_name, content_type=attachment.content_type, filename=attachment.original_name
    )


@router.post("/{concern_id}/assign", response=ConcernOut, summary="Take the report: I own its deadlines")
@api_requires(Perm.CONCERN_RECEIVE)
def assign(request, concern_id: int, payload: VersionIn):
    concern = services.concern_assign(actor=request.auth, concern_id=concern_id, version=payload.version)
    return concern


@router.post(
    "/{concern_id}/match",
    response=ConcernOut,
    summary="Match the report to a child (person_id, or new_person) and the child's case (open_case opens one)",
)
@api_requires(Perm.CONCERN_RECEIVE)
def match(request, concern_id: int, payload: MatchIn):
    concern = services.concern_match(
        actor=request.auth,
        concern_id=concern_id,
        person_id=payload.person_id,
        new_person=payload.new_person.dict() if payload.new_person is not None else None,
        open_case=payload.open_case,
        version=payload.version,
    )
    return concern


@router.post(
    "/{concern_id}/assessment",
    response={201: AssessmentOut},
    summary="Record the 24-hour assessment (BL § 136) and the decision",
)
@api_requires(Perm.CONCERN_RECEIVE)
def assess(request, concern_id: int, payload: AssessmentIn):
    data = services.AssessmentIn(**payload.dict(exclude={"version"}))
    assessment = services.concern_assess(actor=request.auth, concern_id=concern_id, data=data, version=payload.version)
    return Status(201, assessment)


@router.post(
    "/{concern_id}/checklist",
    response={201: ChecklistItemOut},
    summary="Tick a step of the acute-track checklist (violence, sexual abuse)",
)
@api_requires(Perm.CONCERN_RECEIVE)
def checklist_tick(request, concern_id: int, payload: ChecklistIn):
    item = services.checklist_tick(actor=request.auth, concern_id=concern_id, code=payload.code, note=payload.note)
    return Status(201, item)


@router.post(
    "/{concern_id}/letters",
    response={201: LetterOut},
    summary="Make the receipt or the feedback letter (once each; filed on the case, e-mailed if there is an address)",
)
@api_requires(Perm.CONCERN_RECEIVE)
def letter_make(request, concern_id: int, payload: LetterIn):
    letter = services.letter_make(actor=request.auth, concern_id=concern_id, kind=payload.kind)
    return Status(201, letter)


@router.post(
    "/{concern_id}/close",
    response=ConcernOut,
    summary="Close an assessed report (the letters owed are made and the acute checklist is complete)",
)
@api_requires(Perm.CONCERN_RECEIVE)
def close(request, concern_id: int, payload: CloseIn):
    concern = services.concern_close(
        actor=request.auth, concern_id=concern_id, reason=payload.reason, version=payload.version
    )
    return concern
