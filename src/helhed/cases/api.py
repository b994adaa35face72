"""/api/v1/cases: list visible to me, create, get, team, journal, timeline."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth import get_user_model
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError

from helhed.core.apiauth import api_requires
from helhed.core.errors import HelhedError
from helhed.core.permissions import Perm
from helhed.core.validation import MAX_OFFSET
from helhed.organisation.models import Unit
from helhed.people.models import Person

from . import selectors, services
from .downloads import document_file_response
from .gatekeeper import case_for
from .models import CaseStatus, DocumentKind, NoteKind, TeamRole
from .policies import CasePerm

router = Router(tags=["cases"])


class CaseOut(Schema):
    id: int
    journal_number: str
    kle_code: str
    handling_facet: str
    status: str
    title: str
    child_id: int
    child_name: str
    child_cpr_masked: str
    responsible_unit: str
    responsible_caseworker: str | None
    opened_at: datetime
    closed_at: datetime | None
    version: int

    @staticmethod
    def resolve_child_name(obj):
        return obj.child.full_name

    @staticmethod
    def resolve_child_cpr_masked(obj):
        return obj.child.cpr_masked

    @staticmethod
    def resolve_responsible_unit(obj):
        return obj.responsible_unit.name

    @staticmethod
    def resolve_responsible_caseworker(obj):
        members = getattr(obj, "responsible_members", None)
        if members is None:
            from .models import TeamMember

            members = list(
                TeamMember.objects.filter(
                    case=obj, role=TeamRole.RESPONSIBLE_CASEWORKER, valid_to__isnull=True
                ).select_related("user")
            )
        return members[0].user.get_full_name() if members else None


class CaseIn(Schema):
    child_id: int
    responsible_unit_id: int
    responsible_caseworker: str  # username
    parent_contact: str | None = None  # username
    title: str = ""


class TeamMemberOut(Schema):
    id: int
    username: str
    name: str
    role: str
    unit: str
    administration: str
    is_parent_contact: bool
    valid_from: date

    @staticmethod
    def resolve_username(obj):
        return obj.user.username

    @staticmethod
    def resolve_name(obj):
        return obj.user.get_full_name()

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.name

    @staticmethod
    def resolve_administration(obj):
        return obj.unit.administration.code


class TeamMemberIn(Schema):
    username: str
    role: TeamRole
    unit_id: int | None = None
    is_parent_contact: bool = False


class AddendumOut(Schema):
    body: str
    author: str
    created_at: datetime

    @staticmethod
    def resolve_author(obj):
        return obj.author.get_full_name()


class NoteOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    occurred_on: date
    shared_with_team: bool
    author: str
    created_at: datetime
    addenda: list[AddendumOut]

    @staticmethod
    def resolve_author(obj):
        return obj.author.get_full_name()

    @staticmethod
    def resolve_addenda(obj):
        return list(obj.addenda.all())


class NoteIn(Schema):
    kind: NoteKind = NoteKind.NOTE
    title: str
    body: str
    occurred_on: date
    shared_with_team: bool = False
    share_basis: str = Field("", description="Legal basis code for sharing without consent (see /consents/bases)")
    share_reason: str = ""
    submission_key: str | None = None


class TimelineOut(Schema):
    at: datetime
    kind: str
    title: str
    administration: str
    case_id: int | None


class StatusIn(Schema):
    to_status: CaseStatus
    reason: str
    version: int | None = None


def _user(username: str | None):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise HelhedError(f"Der findes ingen aktiv bruger med brugernavnet '{username}'.", field="username")
    return user


@router.get("", response=list[CaseOut], summary="Cases visible to me (audited)")
@api_requires(Perm.CASE_WORK)
def list_cases(request, status: CaseStatus | None = None, limit: int = 50, offset: int = 0):
    if not 1 <= limit <= 500 or not 0 <= offset <= MAX_OFFSET:
        raise HttpError(400, f"limit skal være mellem 1 og 500, og offset skal være mellem 0 og {MAX_OFFSET}.")
    return selectors.visible_cases(actor=request.auth, status=status, limit=limit, offset=offset)


@router.post("", response={201: CaseOut}, summary="Open a case for a child")
@api_requires(Perm.CASE_CREATE)
def create_case(request, payload: CaseIn):
    child = Person.objects.filter(pk=payload.child_id).first()
    if child is None:
        raise HelhedError("Der findes ingen person med det child_id.", field="child_id")
    unit = Unit.objects.filter(pk=payload.responsible_unit_id).first()
    if unit is None:
        raise HelhedError("Der findes ingen enhed med det responsible_unit_id.", field="responsible_unit_id")
    case = services.case_open(
        actor=request.auth,
        child=child,
        responsible_unit=unit,
        responsible_caseworker=_user(payload.responsible_caseworker),
        parent_contact=_user(payload.parent_contact),
        title=payload.title,
    )
    return Status(201, case)


@router.get("/{case_id}", response=CaseOut, summary="Get a case (audited)")
@api_requires(Perm.CASE_WORK)
def get_case(request, case_id: int):
    return case_for(request.auth, case_id, what="api").case


@router.post("/{case_id}/status", response=CaseOut, summary="Close or reopen a case")
@api_requires(Perm.CASE_WORK)
def change_status(request, case_id: int, payload: StatusIn):
    return services.case_change_status(
        actor=request.auth, case_id=case_id, to_status=payload.to_status, reason=payload.reason, version=payload.version
    )


@router.get("/{case_id}/team", response=list[TeamMemberOut], summary="The case team (audited)")
@api_requires(Perm.CASE_WORK)
def get_team(request, case_id: int):
    return selectors.case_team(case_for(request.auth, case_id, what="api_team"))


@router.post("/{case_id}/team", response={201: TeamMemberOut}, summary="Add a team member")
@api_requires(Perm.CASE_WORK)
def add_team_member(request, case_id: int, payload: TeamMemberIn):
    unit = None
    if payload.unit_id is not None:
        unit = Unit.objects.filter(pk=payload.unit_id).first()
        if unit is None:
            raise HelhedError("Der findes ingen enhed med det unit_id.", field="unit_id")
    member = services.team_member_add(
        actor=request.auth,
        case_id=case_id,
        user=_user(payload.username),
        role=payload.role,
        unit=unit,
        is_parent_contact=payload.is_parent_contact,
    )
    return Status(201, member)


@router.get(
    "/{case_id}/journal",
    response=list[NoteOut],
    summary="The journal (audited; shared notes only for team members with limited access)",
)
@api_requires(Perm.CASE_WORK)
def get_journal(request, case_id: int):
    access = case_for(request.auth, case_id, need=CasePerm.VIEW_SHARED, what="api_journal")
    return selectors.case_journal(access)


@router.post("/{case_id}/journal", response={201: NoteOut}, summary="Write a journal note")
@api_requires(Perm.CASE_WORK)
def add_note(request, case_id: int, payload: NoteIn):
    note = services.journal_note_add(actor=request.auth, case_id=case_id, **payload.dict())
    return Status(201, note)


@router.get(
    "/{case_id}/timeline", response=list[TimelineOut], summary="The child's timeline across administrations (audited)"
)
@api_requires(Perm.CASE_WORK)
def get_timeline(request, case_id: int, limit: int = 200):
    if not 1 <= limit <= 1000:
        raise HttpError(400, "limit skal være mellem 1 og 1000.")
    access = case_for(request.auth, case_id, what="api_timeline")
    return selectors.case_timeline(access, actor=request.auth, limit=limit)


# -- team changes -------------------------------------------------------------------------------------


class VersionIn(Schema):
    version: int | None = None


@router.post("/{case_id}/team/{member_id}/end", response=TeamMemberOut, summary="Take a member off the team")
@api_requires(Perm.CASE_WORK)
def end_team_member(request, case_id: int, member_id: int, payload: VersionIn):
    return services.team_member_end(actor=request.auth, case_id=case_id, member_id=member_id, version=payload.version)


@router.post(
    "/{case_id}/team/{member_id}/responsible",
    response=TeamMemberOut,
    summary="Make a team member the responsible caseworker",
)
@api_requires(Perm.CASE_WORK)
def make_responsible(request, case_id: int, member_id: int, payload: VersionIn):
    return services.team_set_responsible(
        actor=request.auth, case_id=case_id, member_id=member_id, version=payload.version
    )


@router.post(
    "/{case_id}/team/{member_id}/parent-contact",
    response=TeamMemberOut,
    summary="Make a team member the parents' contact person",
)
@api_requires(Perm.CASE_WORK)
def make_parent_contact(request, case_id: int, member_id: int, payload: VersionIn):
    return services.team_set_parent_contact(
        actor=request.auth, case_id=case_id, member_id=member_id, version=payload.version
    )


# -- journal addenda ----------------------------------------------------------------------------------


class AddendumIn(Schema):
    body: str


@router.post("/{case_id}/journal/{note_id}/addenda", response={201: AddendumOut}, summary="Add a dated addendum")
@api_requires(Perm.CASE_WORK)
def add_addendum(request, case_id: int, note_id: int, payload: AddendumIn):
    addendum = services.journal_addendum_add(actor=request.auth, case_id=case_id, note_id=note_id, body=payload.body)
    return Status(201, addendum)


# -- documents ----------------------------------------------------------------------------------------


class DocumentOut(Schema):
    id: int
    title: str
    kind: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    shared_with_team: bool
    uploaded_by: str
    uploaded_at: datetime

    @staticmethod
    def resolve_uploaded_by(obj):
        return obj.uploaded_by.get_full_name()


@router.get("/{case_id}/documents", response=list[DocumentOut], summary="The case's documents (audited)")
@api_requires(Perm.CASE_WORK)
def list_documents(request, case_id: int):
    return selectors.case_documents(case_for(request.auth, case_id, what="api_documents"))


@router.post("/{case_id}/documents", response={201: DocumentOut}, summary="Upload a document (multipart)")
@api_requires(Perm.CASE_WORK)
def upload_document(
    request,
    case_id: int,
    file: File[UploadedFile],
    kind: Form[DocumentKind],
    title: Form[str] = "",
    shared_with_team: Form[bool] = False,
    share_basis: Form[str] = "",
    share_reason: Form[str] = "",
):
    doc = services.document_upload(
        actor=request.auth,
        case_id=case_id,
        uploaded_file=file,
        title=title,
        kind=kind,
        shared_with_team=shared_with_team,
        share_basis=share_basis,
        share_reason=share_reason,
    )
    return Status(201, doc)


@router.get(
    "/{case_id}/documents/{document_id}/content",
    summary="Download a document's file (audited)",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "The file", "content": {"application/octet-stream": {}}}}},
)
@api_requires(Perm.CASE_WORK)
def download_document(request, case_id: int, document_id: int):
    _access, doc = selectors.document_for_download(actor=request.auth, case_id=case_id, document_id=document_id)
    return document_file_response(doc)


# -- break the glass ------------------------------------------------------------------------------------


class BreakGlassIn(Schema):
    reason: str


class BreakGlassOut(Schema):
    case_id: int
    granted_at: datetime
    expires_at: datetime


@router.post(
    "/{case_id}/break-glass",
    response={201: BreakGlassOut},
    summary="Time-limited, read-only emergency access to a case outside your reach (audited)",
)
@api_requires(Perm.BREAK_GLASS)
def break_glass(request, case_id: int, payload: BreakGlassIn):
    grant = services.break_glass_open(actor=request.auth, case_id=case_id, reason=payload.reason)
    return Status(201, grant)
