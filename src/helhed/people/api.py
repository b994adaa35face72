"""/api/v1/persons: create, get, search."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Router, Schema, Status
from ninja.errors import HttpError

from helhed.core.apiauth import api_requires
from helhed.core.errors import HelhedError
from helhed.core.permissions import Perm

from . import policies, selectors, services
from .models import Person, PersonMerge, RelationKind

router = Router(tags=["persons"])


class PersonOut(Schema):
    id: int
    first_name: str
    last_name: str
    cpr_masked: str
    birth_date: date | None
    sex: str
    address: str
    postal_code: str
    city: str
    district: str | None
    synthetic: bool
    merged_into: int | None

    @staticmethod
    def resolve_district(obj):
        return obj.district.name if obj.district_id else None

    @staticmethod
    def resolve_merged_into(obj):
        return obj.merged_into_id


class PersonIn(Schema):
    first_name: str
    last_name: str
    cpr: str | None = None
    no_cpr_reason: str = ""
    birth_date: date | None = None
    address: str = ""
    postal_code: str = ""
    city: str = ""


class RevealOut(Schema):
    cpr: str


@router.get("", response=list[PersonOut], summary="Search persons by name or CPR number (audited)")
@api_requires(Perm.PERSON_SEARCH)
def search_persons(request, q: str):
    return _search(request.auth, q)


def _search(actor, q: str):
    try:
        return selectors.person_search(actor=actor, query=q)
    except policies.InvalidCpr as exc:
        raise HelhedError(str(exc), field="q")


class SearchIn(Schema):
    q: str


@router.post(
    "/search",
    response=list[PersonOut],
    summary="Search persons by name or CPR number, with the criterion in the body (audited)",
    description="Prefer this to GET ?q= for CPR numbers: a URL ends up in logs, a request body does not.",
)
@api_requires(Perm.PERSON_SEARCH)
def search_persons_post(request, payload: SearchIn):
    return _search(request.auth, payload.q)


@router.post("", response={201: PersonOut}, summary="Create a person")
@api_requires(Perm.PERSON_CREATE)
def create_person(request, payload: PersonIn):
    person = services.person_create(actor=request.auth, **payload.dict())
    return Status(201, person)


@router.get("/{person_id}", response=PersonOut, summary="Get a person (audited)")
@api_requires(Perm.PERSON_SEARCH)
def get_person(request, person_id: int):
    return selectors.person_for(actor=request.auth, person_id=person_id, what="api")


@router.post(
    "/{person_id}/reveal-cpr",
    response=RevealOut,
    summary="Reveal the full CPR number of a child on a case where you have full access (audited)",
)
@api_requires(Perm.CASE_WORK)
def reveal_cpr(request, person_id: int, reason: str = ""):
    # The full number is shown only in the context of a case the actor works on (as in the UI),
    # never just because the actor may search for persons.
    from helhed.cases.gatekeeper import case_for, cases_visible_to
    from helhed.cases.policies import CasePerm
    from helhed.core.validation import fits_db_int

    if not fits_db_int(person_id):
        raise HttpError(404, "Ikke fundet.")
    case_id = (
        cases_visible_to(request.auth)
        .filter(child_id=person_id)
        .order_by("-opened_at")
        .values_list("id", flat=True)
        .first()
    )
    if case_id is None:
        raise HttpError(404, "Ikke fundet.")
    access = case_for(request.auth, case_id, need=CasePerm.REVEAL_CPR, audit_action=None)
    if not access.case.child.has_cpr:
        raise HttpError(404, "Personen har intet CPR-nummer.")
    number = services.person_reveal_cpr(
        actor=request.auth, person=access.case.child, reason=reason, case_id=access.case.pk
    )
    return {"cpr": number}


# -- relations, enrolments, merges ----------------------------------------------------------------------


class RelationOut(Schema):
    id: int
    person_id: int
    relative_id: int
    relative_name: str
    kind: str
    note: str

    @staticmethod
    def resolve_relative_name(obj):
        return obj.relative.full_name


class RelationIn(Schema):
    relative_id: int
    kind: RelationKind
    note: str = ""


class EnrolmentOut(Schema):
    id: int
    unit: str
    grade: str
    valid_from: date
    valid_to: date | None

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.name


class MergeIn(Schema):
    duplicate_id: int
    reason: str


class MergeOut(Schema):
    id: int
    survivor_id: int
    duplicate_id: int
    reason: str
    merged_at: datetime
    reversed_at: datetime | None


class ReasonIn(Schema):
    reason: str


def _living(person_id: int, field: str) -> Person:
    person = Person.objects.filter(pk=person_id, merged_into__isnull=True).first()
    if person is None:
        raise HelhedError("Der findes ingen (aktiv) person med det id.", field=field)
    return person


@router.get("/{person_id}/relations", response=list[RelationOut], summary="Relations in both directions (audited)")
@api_requires(Perm.PERSON_SEARCH)
def list_relations(request, person_id: int):
    person = selectors.person_for(actor=request.auth, person_id=person_id, what="api_relations")
    return selectors.relations_of(actor=request.auth, person=person)


@router.post("/{person_id}/relations", response={201: RelationOut}, summary="Add a relation (parent, custody …)")
@api_requires(Perm.PERSON_CREATE)
def add_relation(request, person_id: int, payload: RelationIn):
    person = _living(person_id, "person_id")
    relative = _living(payload.relative_id, "relative_id")
    relation = services.relation_add(
        actor=request.auth, person=person, relative=relative, kind=payload.kind, note=payload.note
    )
    return Status(201, relation)


@router.get("/{person_id}/enrolments", response=list[EnrolmentOut], summary="School and daycare (audited)")
@api_requires(Perm.PERSON_SEARCH)
def list_enrolments(request, person_id: int):
    person = selectors.person_for(actor=request.auth, person_id=person_id, what="api_enrolments")
    return selectors.enrolments_of(person)


@router.post("/{person_id}/merge", response={201: MergeOut}, summary="Merge a duplicate into this person (reversible)")
@api_requires(Perm.PERSON_MERGE)
def merge_person(request, person_id: int, payload: MergeIn):
    survivor = _living(person_id, "person_id")
    duplicate = Person.objects.filter(pk=payload.duplicate_id).first()
    if duplicate is None:
        raise HelhedError("Der findes ingen person med det duplicate_id.", field="duplicate_id")
    merge = services.person_merge(actor=request.auth, survivor=survivor, duplicate=duplicate, reason=payload.reason)
    return Status(201, merge)


@router.post("/merges/{merge_id}/reverse", response=MergeOut, summary="Undo a merge")
@api_requires(Perm.PERSON_MERGE)
def reverse_merge(request, merge_id: int, payload: ReasonIn):
    merge = PersonMerge.objects.filter(pk=merge_id).first()
    if merge is None:
        raise HttpError(404, "Ikke fundet.")
    return services.person_merge_reverse(actor=request.auth, merge=merge, reason=payload.reason)
