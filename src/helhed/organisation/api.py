"""/api/v1/organisation: units, staff accounts with their memberships, and the CSV imports. Administrators only."""

from __future__ import annotations

from datetime import date

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import File, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError

from helhed.core.apiauth import api_requires
from helhed.core.errors import HelhedError
from helhed.core.permissions import Perm
from helhed.core.validation import MAX_OFFSET, fits_db_int

from . import imports, selectors, services
from .models import Membership, Unit, User

router = Router(tags=["organisation"])


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    administration: str
    district: str | None
    parent_code: str | None
    active: bool
    staff_count: int

    @staticmethod
    def resolve_administration(obj):
        return obj.administration.code

    @staticmethod
    def resolve_district(obj):
        return obj.district.name if obj.district_id else None

    @staticmethod
    def resolve_parent_code(obj):
        return obj.parent.code if obj.parent_id else None

    @staticmethod
    def resolve_staff_count(obj):
        return getattr(obj, "staff_count", 0)


class UnitIn(Schema):
    code: str
    name: str
    kind: str
    administration: str
    district: str = ""
    parent_code: str = ""


class MembershipOut(Schema):
    id: int
    unit_code: str
    unit_name: str
    role: str
    valid_from: date
    valid_to: date | None
    active: bool

    @staticmethod
    def resolve_unit_code(obj):
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name

    @staticmethod
    def resolve_active(obj):
        today = timezone.localdate()
        return obj.valid_from <= today and (obj.valid_to is None or obj.valid_to >= today)


class StaffOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    title: str
    is_active: bool
    has_password: bool
    memberships: list[MembershipOut]

    @staticmethod
    def resolve_has_password(obj):
        return obj.has_usable_password()

    @staticmethod
    def resolve_memberships(obj):
        return list(obj.memberships.all())


class StaffIn(Schema):
    username: str
    first_name: str
    last_name: str
    email: str
    title: str = ""
    password: str | None = None
    unit_code: str | None = None
    role: str | None = None
    valid_from: date | None = None


class MembershipIn(Schema):
    unit_code: str
    role: str
    valid_from: date | None = None
    valid_to: date | None = None


class MembershipEndIn(Schema):
    valid_to: date | None = None


class DeactivateIn(Schema):
    reason: str


class LineErrorOut(Schema):
    line: int
    column: str
    message: str


class ImportReportOut(Schema):
    detail: str
    code: str
    kind: str
    imported: bool
    dry_run: bool
    skip_bad_lines: bool
    lines: int
    good_lines: int
    bad_lines: list[int]
    created: int
    updated: int
    unchanged: int
    memberships_added: int
    new_districts: list[str]
    new_administrations: list[str]
    errors: list[LineErrorOut]


def _unit(code: str, field: str) -> Unit:
    unit = Unit.objects.filter(code__iexact=(code or "").strip()).first()
    if unit is None:
        raise HelhedError(f"Ukendt enhedskode '{code}'. Se kodelisten med GET /api/v1/organisation/units.", field=field)
    return unit


def _get(model, pk: int):
    if not fits_db_int(pk):
        raise HttpError(404, "Ikke fundet.")
    return get_object_or_404(model, pk=pk)


def _staff(user_id: int) -> User:
    return _get(User, user_id)


def _fresh(actor, user_id: int) -> User:
    """The account as the response shows it (memberships loaded; reading it is audited like any other look)."""
    return selectors.staff_for(actor=actor, user_id=user_id)


# -- units ------------------------------------------------------------------------------------------------


@router.get("/units", response=list[UnitOut], summary="Every unit with its number of active staff today")
@api_requires(Perm.ORGANISATION_ADMIN)
def list_units(request):
    return list(selectors.units_with_staff_counts())


@router.post("/units", response={201: UnitOut}, summary="Create a unit")
@api_requires(Perm.ORGANISATION_ADMIN)
def create_unit(request, payload: UnitIn):
    administration = services.administration_ensure(actor=request.auth, code=payload.administration)
    district = services.district_ensure(actor=request.auth, name=payload.district) if payload.district else None
    parent = _unit(payload.parent_code, "parent_code") if payload.parent_code else None
    unit = services.unit_create(
        actor=request.auth,
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        administration=administration,
        district=district,
        parent=parent,
    )
    return Status(201, selectors.units_with_staff_counts().get(pk=unit.pk))


def _import_response(report: imports.ImportReport):
    body = report.as_dict()
    body["detail"] = body.pop("summary")
    body["code"] = "bad_lines" if report.refused else ("dry_run" if report.dry_run else "imported")
    return Status(400 if report.refused else 200, body)


_IMPORT_HELP = (
    "Multipart upload of a CSV file (UTF-8, ';' or ','). Every bad line is returned with its line number. "
    "A file with a bad line imports nothing (400) unless skip_bad_lines=true; dry_run=true checks and counts "
    "without saving."
)


@router.post(
    "/units/import",
    response={200: ImportReportOut, 400: ImportReportOut},
    summary="Import units from CSV: code;name;kind;administration;district;parent_code",
    description=_IMPORT_HELP,
)
@api_requires(Perm.ORGANISATION_ADMIN)
def import_units(request, file: File[UploadedFile], skip_bad_lines: bool = False, dry_run: bool = False):
    data = imports.read_upload(file)
    report = imports.import_units(actor=request.auth, data=data, skip_bad_lines=skip_bad_lines, dry_run=dry_run)
    return _import_response(report)


# -- staff ------------------------------------------------------------------------------------------------


@router.get("/staff", response=list[StaffOut], summary="Staff accounts with their memberships (audited)")
@api_requires(Perm.ORGANISATION_ADMIN)
def list_staff(request, q: str = "", limit: int = 50, offset: int = 0):
    if not 1 <= limit <= 500 or not 0 <= offset <= MAX_OFFSET:
        raise HttpError(400, "limit skal være mellem 1 og 500, og offset mellem 0 og 1000000000.")
    rows, _total = selectors.staff_search(actor=request.auth, query=q, limit=limit, offset=offset)
    return rows


@router.post(
    "/staff/import",
    response={200: ImportReportOut, 400: ImportReportOut},
    summary="Import staff from CSV: username;first_name;last_name;email;title;unit_code;role;valid_from",
    description=_IMPORT_HELP,
)
@api_requires(Perm.ORGANISATION_ADMIN)
def import_staff(request, file: File[UploadedFile], skip_bad_lines: bool = False, dry_run: bool = False):
    data = imports.read_upload(file)
    report = imports.import_staff(actor=request.auth, data=data, skip_bad_lines=skip_bad_lines, dry_run=dry_run)
    return _import_response(report)


@router.post(
    "/staff",
    response={201: StaffOut},
    summary="Create a staff account, optionally with its first membership (unit_code + role)",
)
@api_requires(Perm.ORGANISATION_ADMIN)
def create_staff(request, payload: StaffIn):
    if bool(payload.unit_code) != bool(payload.role):
        raise HelhedError("Send både unit_code og role for at give medarbejderen en tilknytning, eller ingen af dem.")
    from django.db import transaction

    with transaction.atomic():
        unit = _unit(payload.unit_code, "unit_code") if payload.unit_code else None
        user = services.staff_create(
            actor=request.auth,
            username=payload.username,
            first_name=payload.first_name,
            last_name=payload.last_name,
            email=payload.email,
            title=payload.title,
            password=payload.password,
        )
        if unit is not None:
            services.membership_add(
                actor=request.auth,
                user=user,
                unit=unit,
                role=payload.role or "",
                valid_from=payload.valid_from or timezone.localdate(),
            )
    return Status(201, _fresh(request.auth, user.pk))


@router.get("/staff/{user_id}", response=StaffOut, summary="One staff account with its memberships (audited)")
@api_requires(Perm.ORGANISATION_ADMIN)
def get_staff(request, user_id: int):
    return selectors.staff_for(actor=request.auth, user_id=user_id)


@router.post(
    "/staff/{user_id}/memberships", response={201: MembershipOut}, summary="Give a staff member a role in a unit"
)
@api_requires(Perm.ORGANISATION_ADMIN)
def add_membership(request, user_id: int, payload: MembershipIn):
    membership = services.membership_add(
        actor=request.auth,
        user=_staff(user_id),
        unit=_unit(payload.unit_code, "unit_code"),
        role=payload.role,
        valid_from=payload.valid_from or timezone.localdate(),
        valid_to=payload.valid_to,
    )
    return Status(201, membership)


@router.post(
    "/memberships/{membership_id}/end",
    response=MembershipOut,
    summary="End a membership (valid_to is its last day; default today)",
)
@api_requires(Perm.ORGANISATION_ADMIN)
def end_membership(request, membership_id: int, payload: MembershipEndIn):
    membership = _get(Membership, membership_id)
    return services.membership_end(actor=request.auth, membership=membership, valid_to=payload.valid_to)


@router.post(
    "/staff/{user_id}/deactivate",
    response=StaffOut,
    summary="Close an account: no login, no API keys, memberships end today",
)
@api_requires(Perm.ORGANISATION_ADMIN)
def deactivate_staff(request, user_id: int, payload: DeactivateIn):
    services.staff_deactivate(actor=request.auth, user=_staff(user_id), reason=payload.reason)
    return _fresh(request.auth, user_id)


@router.post("/staff/{user_id}/reactivate", response=StaffOut, summary="Open a closed account again")
@api_requires(Perm.ORGANISATION_ADMIN)
def reactivate_staff(request, user_id: int):
    services.staff_reactivate(actor=request.auth, user=_staff(user_id))
    return _fresh(request.auth, user_id)
