"""/api/v1/consents: a case's consents, record and withdraw one, the legal bases for sharing without consent,
the case's disclosures and sharing what waits for a basis. Same services and selectors as the page."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Router, Schema, Status

from helhed.core.apiauth import api_requires
from helhed.core.permissions import Perm

from . import selectors, services

router = Router(tags=["consents"])


class ConsentOut(Schema):
    id: int
    case_id: int
    given_by: list[int]
    given_on: date
    administrations: list[str]
    unit_ids: list[int]
    info_kinds: list[str]
    purpose: str
    valid_from: date
    valid_to: date | None
    document_id: int | None
    status: str
    withdrawn_at: datetime | None
    withdrawal_reason: str
    version: int

    @staticmethod
    def resolve_given_by(obj) -> list[int]:
        return [p.pk for p in obj.given_by.all()]

    @staticmethod
    def resolve_unit_ids(obj) -> list[int]:
        return [u.pk for u in obj.units.all()]


class ConsentIn(Schema):
    given_by: list[int]
    given_on: date
    administrations: list[str]
    info_kinds: list[str]
    purpose: str
    valid_from: date
    valid_to: date | None = None
    unit_ids: list[int] = []
    document_id: int | None = None


class WithdrawIn(Schema):
    reason: str
    version: int | None = None


class BasisOut(Schema):
    code: str
    name: str
    paragraph: str
    description: str
    administrations: list[str]
    valid_from: date
    valid_to: date | None


class DisclosureOut(Schema):
    id: int
    item_kind: str
    item_id: int
    item_title: str
    unit_id: int
    administration: str
    consent_id: int | None
    legal_basis: str | None
    paragraph: str | None
    reason: str
    disclosed_by_id: int
    disclosed_at: datetime

    @staticmethod
    def resolve_legal_basis(obj) -> str | None:
        return obj.legal_basis.code if obj.legal_basis_id else None

    @staticmethod
    def resolve_paragraph(obj) -> str | None:
        return obj.legal_basis.paragraph if obj.legal_basis_id else None


class PendingOut(Schema):
    unit_id: int
    unit_name: str
    administration: str
    items: list[str]


class SharingOut(Schema):
    case_id: int
    consents: list[ConsentOut]
    pending: list[PendingOut]
    disclosures: list[DisclosureOut]


class ShareIn(Schema):
    unit_id: int
    share_basis: str = ""
    share_reason: str = ""


@router.get("/bases", response=list[BasisOut], summary="The legal bases for sharing without consent, in force today")
@api_requires(Perm.CASE_WORK)
def bases(request):
    return selectors.bases_in_force()


@router.get("/cases/{case_id}", response=SharingOut, summary="A case's consents, what waits to be shared, disclosures")
@api_requires(Perm.CASE_WORK)
def case_sharing(request, case_id: int):
    data = selectors.case_sharing(actor=request.auth, case_id=case_id)
    return {
        "case_id": data.case.pk,
        "consents": data.consents,
        "pending": [
            {
                "unit_id": p.recipient.unit_id,
                "unit_name": p.recipient.unit_name,
                "administration": p.recipient.administration,
                "items": [f"{kind}:{item_id}" for kind, item_id, _title in p.items],
            }
            for p in data.pending
        ],
        "disclosures": data.disclosures,
    }


@router.post("/cases/{case_id}", response={201: ConsentOut}, summary="Record a consent from the custody holders")
@api_requires(Perm.CASE_WORK)
def consent_add(request, case_id: int, payload: ConsentIn):
    data = payload.dict()
    consent = services.consent_record(actor=request.auth, case_id=case_id, **data)
    return Status(201, consent)


@router.post("/cases/{case_id}/{consent_id}/withdraw", response=ConsentOut, summary="Record a withdrawal")
@api_requires(Perm.CASE_WORK)
def consent_withdraw(request, case_id: int, consent_id: int, payload: WithdrawIn):
    return services.consent_withdraw(
        actor=request.auth, case_id=case_id, consent_id=consent_id, reason=payload.reason, version=payload.version
    )


@router.post(
    "/cases/{case_id}/share", response=list[DisclosureOut], summary="Disclose to one unit what the team shares"
)
@api_requires(Perm.CASE_WORK)
def share(request, case_id: int, payload: ShareIn):
    return services.share_pending(
        actor=request.auth,
        case_id=case_id,
        unit_id=payload.unit_id,
        basis_code=payload.share_basis,
        reason=payload.share_reason,
    )
