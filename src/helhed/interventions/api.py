"""/api/v1/interventions: the intervention catalogue (tilbudsvifte) and its providers, a case's applications and
grants, the decisions (visitation), changes and terminations of grants, the cost forecast against budget, and the
catalogue's reports with their CSV files (ADR 0016).

Thin: the services do every write and the selectors every read, so the rules, the Danish messages, the case
gatekeeper and the audit are the ones of the pages. The catalogue, occupancy, the forecast and the reports are
counts and sums only; everything that names a child goes through the case gatekeeper and is audited. A case,
application or grant the caller may not see answers 404, exactly like one that does not exist.

Money is a string with two decimals and a decimal point ("12000.00"); dates are ISO. `version` is an object's
edit counter: send back the one you read, and a change made by someone else in between answers 409."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Schema, Status
from pydantic import Field

from helhed.core import idempotency
from helhed.core.apiauth import api_requires
from helhed.core.errors import HelhedError, NotFound
from helhed.core.permissions import Perm
from helhed.organisation.models import AdministrationCode

from . import exports, policies, selectors, services
from .models import Budget, Grant, Offer, OfferKind, PriceUnit, Provider, Referral

router = Router(tags=["interventions"])

YEAR_MIN, YEAR_MAX = 2000, 2100
_KINDS = dict(OfferKind.choices)


# -- schemas: out -------------------------------------------------------------------------------------


class FundingOut(Schema):
    administration: str
    share: str = Field(description="Percent, two decimals")
    paying_unit_id: int | None


class ProviderOut(Schema):
    id: int
    name: str
    kind: str = Field(description="internal (one of the municipality's units) or external (CVR number)")
    unit_id: int | None
    unit_name: str | None
    cvr: str
    active: bool


class OfferSummaryOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    provider_id: int
    provider_name: str
    ladder_step: int
    ladder_step_name: str
    close_to_general: bool
    capacity: int | None = Field(description="Places; null: no fixed number")
    price: str = Field(description="Kroner, two decimals")
    price_unit: str
    max_duration_months: int | None
    active_from: date
    active_to: date | None
    version: int


class OfferRowOut(OfferSummaryOut):
    occupied: int = Field(description="Places in use today")
    waiting: int = Field(description="Children on the waiting list")
    full: bool


class OfferOut(OfferSummaryOut):
    description: str
    provider: ProviderOut
    legal_basis: str
    age_min: int
    age_max: int
    target_group: str
    is_programme: bool
    evidence_note: str
    funding: list[FundingOut]


class OccupancyMonthOut(Schema):
    month: date
    average: str = Field(description="Average places in use in the month, one decimal")
    peak: int


class QueueEntryOut(Schema):
    position: int
    hidden: bool = Field(description="A child whose case you may not see: only the position is given")
    referral_id: int | None = None
    case_id: int | None = None
    child_id: int | None = None
    child_name: str | None = None
    requested_start: date | None = None
    waitlisted_at: datetime | None = None
    expected_start: date | None = None


class NearMaxOut(Schema):
    grant_id: int
    case_id: int
    child_id: int
    child_name: str
    start: date
    end: date
    used_days: int
    allowed_days: int


class OfferDetailOut(OfferOut):
    occupied: int
    full: bool
    limit_days: int | None = Field(description="The maximum duration in days for a grant starting today")
    months: list[OccupancyMonthOut]
    waiting_list: list[QueueEntryOut]
    near_max: list[NearMaxOut]
    hidden_near_max: int


class GrantChangeOut(Schema):
    kind: str = Field(description="change or terminate")
    before: dict
    after: dict
    reason: str
    changed_by: str
    changed_at: datetime
    letter_id: int | None


class GrantOut(Schema):
    id: int
    referral_id: int
    case_id: int
    child_id: int
    offer_id: int
    offer_code: str
    offer_name: str
    start: date
    end: date = Field(description="The last day")
    units: str
    price: str = Field(description="Fixed at the decision")
    price_unit: str
    total_cost: str
    terminated: bool
    over_max_reason: str
    decided_by: str
    decided_at: datetime
    funding: list[FundingOut]
    changes: list[GrantChangeOut]
    version: int


class ReferralOut(Schema):
    id: int
    case_id: int
    journal_number: str
    child_id: int
    child_name: str
    offer_id: int
    offer_code: str
    offer_name: str
    goal_ids: list[int]
    requested_start: date
    requested_end: date
    units: str
    reason: str
    status: str = Field(description="applied, waitlisted, granted, refused or withdrawn")
    applied_by: str
    applied_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
    complaint_guidance: str
    waitlisted_at: datetime | None
    expected_start: date | None
    letter_id: int | None = Field(description="The decision letter, a document on the case")
    grant_id: int | None
    version: int


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    note: str
    changed_by: str
    changed_at: datetime


class GoalOut(Schema):
    id: int
    key: str
    life_area: str
    text: str


class ReferralDetailOut(ReferralOut):
    grant: GrantOut | None
    history: list[StatusChangeOut]
    goals: list[GoalOut]
    can_decide: bool = Field(description="You lead the case's unit and may decide the application")
    position: int | None = Field(description="Place on the waiting list")
    queue_length: int
    has_room: bool = Field(description="A place is free for the whole requested period")
    first_free: date | None = Field(description="When full: the first day a place is free for the period's length")
    over_max: bool = Field(description="The requested period passes the offer's maximum duration")


class CaseInterventionsOut(Schema):
    case_id: int
    journal_number: str
    referrals: list[ReferralOut]
    grants: list[GrantOut]
    near_max_grant_ids: list[int] = Field(description="Running grants at or close to the offer's maximum duration")


class ForecastMonthOut(Schema):
    month: date
    committed: str
    cumulative: str
    budget_cumulative: str | None


class AmountOut(Schema):
    label: str
    amount: str


class AdministrationAmountOut(Schema):
    administration: str
    name: str
    amount: str


class ForecastOut(Schema):
    year: int
    administration: str | None
    unit_id: int | None
    months: list[ForecastMonthOut]
    total: str
    budget: str | None
    balance: str | None = Field(description="Budget minus committed; negative: over budget")
    in_balance: bool | None
    used_share: str | None = Field(description="Committed as a percentage of the budget, one decimal")
    by_kind: list[AmountOut]
    by_administration: list[AdministrationAmountOut] = Field(description="The split between the paying administrations")


class BudgetOut(Schema):
    id: int
    administration: str
    unit_id: int | None
    unit_name: str | None
    year: int
    amount: str
    note: str
    updated_by: str
    updated_at: datetime
    version: int


class OccupancyRowOut(Schema):
    offer_id: int
    code: str
    name: str
    capacity: int | None
    occupied_today: int
    average: str
    utilisation: str | None = Field(description="Percent of capacity, one decimal")
    waiting: int


class WaitingRowOut(Schema):
    offer_id: int
    code: str
    name: str
    granted_after_wait: int
    average_days: str | None
    longest_days: int | None
    waiting_now: int
    longest_waiting_now_days: int | None


class StepAmountOut(Schema):
    step: int
    name: str
    close_to_general: bool
    amount: str


class ReportsOut(Schema):
    year: int
    occupancy: list[OccupancyRowOut]
    waiting: list[WaitingRowOut]
    cost_by_kind: list[AmountOut]
    cost_by_step: list[StepAmountOut]
    children_with_grants: int = Field(description="Children with a running grant today")
    children_close_to_general: int = Field(description="Of those, children whose highest step is 1-3")
    close_share: str | None


# -- schemas: in --------------------------------------------------------------------------------------


class FundingIn(Schema):
    administration: str = Field(description="SOF, BUF, BIF or PSY")
    share: Decimal = Field(description="Percent; the shares of an offer sum to 100")
    paying_unit_id: int | None = Field(None, description="Empty: the administration's common budget")


class OfferIn(Schema):
    code: str = Field(description="Lower-case letters, digits and hyphens, e.g. skoleflex-nord")
    name: str
    kind: str = Field(description="Codes: " + ", ".join(OfferKind.values))
    provider_id: int
    legal_basis: str
    ladder_step: int = Field(description=f"1-{len(policies.LADDER)} on the intervention ladder")
    price: Decimal = Field(description="Kroner, at most two decimals")
    price_unit: str = Field(description="Codes: " + ", ".join(PriceUnit.values))
    active_from: date
    funding: list[FundingIn]
    description: str = ""
    age_min: int = 0
    age_max: int = 22
    target_group: str = ""
    capacity: int | None = Field(None, description="Places; null: no fixed number")
    max_duration_months: int | None = None
    is_programme: bool = False
    evidence_note: str = ""
    active_to: date | None = None


class OfferUpdateIn(OfferIn):
    version: int = Field(description="The offer's edit counter as you read it")


class ProviderIn(Schema):
    name: str
    kind: str = Field(description="internal or external")
    unit_id: int | None = Field(None, description="internal: the municipal unit that delivers")
    cvr: str = Field("", description="external: the CVR number (8 digits)")


class ReferralIn(Schema):
    offer_id: int
    requested_start: date
    requested_end: date = Field(description="The last day")
    reason: str
    units: Decimal = Field(Decimal(1), description="The extent: places, or hours a month for an hourly price")
    goal_ids: list[int] = Field([], description="Goals of the child's plan the offer serves")


class DecisionIn(Schema):
    outcome: str = Field(description="grant, refuse or waitlist")
    note: str = Field("", description="The reasons; required for a refusal")
    start: date | None = Field(None, description="grant: default the requested start")
    end: date | None = Field(None, description="grant: default the requested end")
    units: Decimal | None = Field(None, description="grant: default the requested extent")
    over_max_reason: str = Field("", description="grant: why the period may pass the offer's maximum duration")
    skip_queue_reason: str = Field("", description="grant: why this child gets the place before the waiting list")
    version: int | None = None


class WithdrawIn(Schema):
    reason: str
    version: int | None = None


class GrantChangeIn(Schema):
    end: date = Field(description="The new last day (earlier or later)")
    reason: str
    units: Decimal | None = None
    over_max_reason: str = ""
    version: int | None = None


class GrantEndIn(Schema):
    last_day: date
    reason: str
    version: int | None = None


class BudgetIn(Schema):
    administration: str = Field(description="SOF, BUF, BIF or PSY")
    year: int
    amount: Decimal = Field(description="Kroner")
    unit_id: int | None = Field(None, description="A unit of the administration; empty: the whole administration")
    note: str = ""
    version: int | None = Field(None, description="When replacing a budget: its edit counter as you read it")


class OfferFilters(Schema):
    kind: str = ""
    step: int | None = Field(None, ge=1, le=len(policies.LADDER))
    administration: str = ""
    q: str = Field("", description="Words in the name, target group or code")
    active_only: bool = True


class ForecastFilters(Schema):
    year: int | None = Field(None, description="Default: this year")
    administration: str = Field("", description="SOF, BUF, BIF or PSY; empty: the whole municipality")
    unit_id: int | None = Field(None, description="One unit's budget and cost (its administration follows)")


class MonthsFilter(Schema):
    months: int = Field(12, ge=1, le=36, description="Occupancy for this many months from this month")


class YearFilter(Schema):
    year: int | None = Field(None, description="Default: this year")


# -- shaping ------------------------------------------------------------------------------------------


def _money(value) -> str | None:
    if value is None:
        return None
    return str(Decimal(value).quantize(policies.ØRE, rounding=ROUND_HALF_UP))


def _one(value) -> str | None:
    if value is None:
        return None
    return str(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _username(user) -> str | None:
    return user.username if user is not None else None


def _funding(rows) -> list[dict]:
    return [
        {"administration": f.administration.code, "share": _money(f.share), "paying_unit_id": f.paying_unit_id}
        for f in rows
    ]


def _provider(p: Provider) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "kind": p.kind,
        "unit_id": p.unit_id,
        "unit_name": p.unit.name if p.unit is not None else None,
        "cvr": p.cvr,
        "active": p.active,
    }


def _summary(o: Offer) -> dict:
    step = policies.ladder_step(o.ladder_step)
    return {
        "id": o.pk,
        "code": o.code,
        "name": o.name,
        "kind": o.kind,
        "kind_label": str(_KINDS.get(o.kind, o.kind)),
        "provider_id": o.provider_id,
        "provider_name": o.provider.name,
        "ladder_step": o.ladder_step,
        "ladder_step_name": str(step.name) if step else "",
        "close_to_general": policies.close_to_general(o.ladder_step),
        "capacity": o.capacity,
        "price": _money(o.price),
        "price_unit": o.price_unit,
        "max_duration_months": o.max_duration_months,
        "active_from": o.active_from,
        "active_to": o.active_to,
        "version": o.version,
    }


def _offer(o: Offer, funding=None) -> dict:
    rows = funding if funding is not None else o.funding.select_related("administration")
    return {
        **_summary(o),
        "description": o.description,
        "provider": _provider(o.provider),
        "legal_basis": o.legal_basis,
        "age_min": o.age_min,
        "age_max": o.age_max,
        "target_group": o.target_group,
        "is_programme": o.is_programme,
        "evidence_note": o.evidence_note,
        "funding": _funding(rows),
    }


def _offer_detail(view: selectors.OfferView) -> dict:
    queue: list[dict] = []
    for entry in view.queue:
        r = entry.referral
        if r is None:
            queue.append({"position": entry.position, "hidden": True})
            continue
        queue.append(
            {
                "position": entry.position,
                "hidden": False,
                "referral_id": r.pk,
                "case_id": r.case_id,
                "child_id": r.child_id,
                "child_name": r.child.full_name,
                "requested_start": r.requested_start,
                "waitlisted_at": entry.waitlisted_at,
                "expected_start": entry.expected_start,
            }
        )
    return {
        **_offer(view.offer, view.funding),
        "occupied": view.occupied,
        "full": view.full,
        "limit_days": view.limit_days,
        "months": [{"month": m, "average": _one(avg), "peak": peak} for m, avg, peak in view.months],
        "waiting_list": queue,
        "near_max": [
            {
                "grant_id": n.grant.pk,
                "case_id": n.grant.case_id,
                "child_id": n.grant.child_id,
                "child_name": n.grant.child.full_name,
                "start": n.grant.start,
                "end": n.grant.end,
                "used_days": n.used_days,
                "allowed_days": n.allowed_days,
            }
            for n in view.near_max
        ],
        "hidden_near_max": view.hidden_near_max,
    }


def _grant(g: Grant) -> dict:
    return {
        "id": g.pk,
        "referral_id": g.referral_id,
        "case_id": g.case_id,
        "child_id": g.child_id,
        "offer_id": g.offer_id,
        "offer_code": g.offer.code,
        "offer_name": g.offer.name,
        "start": g.start,
        "end": g.end,
        "units": _money(g.units),
        "price": _money(g.price),
        "price_unit": g.price_unit,
        "total_cost": _money(
            policies.total_cost(price=g.price, price_unit=g.price_unit, units=g.units, start=g.start, end=g.end)
        ),
        "terminated": g.terminated,
        "over_max_reason": g.over_max_reason,
        "decided_by": g.decided_by.username,
        "decided_at": g.decided_at,
        "funding": _funding(g.funding.all()),
        "changes": [
            {
                "kind": c.kind,
                "before": c.before,
                "after": c.after,
                "reason": c.reason,
                "changed_by": c.changed_by.username,
                "changed_at": c.changed_at,
                "letter_id": c.letter_id,
            }
            for c in g.changes.all()
        ],
        "version": g.version,
    }


def _referral(r: Referral, *, case, child, grant_id: int | None) -> dict:
    return {
        "id": r.pk,
        "case_id": r.case_id,
        "journal_number": case.journal_number,
        "child_id": r.child_id,
        "child_name": child.full_name,
        "offer_id": r.offer_id,
        "offer_code": r.offer.code,
        "offer_name": r.offer.name,
        "goal_ids": [g.pk for g in r.goals.all()],
        "requested_start": r.requested_start,
        "requested_end": r.requested_end,
        "units": _money(r.units),
        "reason": r.reason,
        "status": r.status,
        "applied_by": r.applied_by.username,
        "applied_at": r.applied_at,
        "decided_by": _username(r.decided_by),
        "decided_at": r.decided_at,
        "decision_note": r.decision_note,
        "complaint_guidance": r.complaint_guidance,
        "waitlisted_at": r.waitlisted_at,
        "expected_start": r.expected_start,
        "letter_id": r.letter_id,
        "grant_id": grant_id,
        "version": r.version,
    }


def _referral_detail(view: selectors.ReferralView) -> dict:
    r = view.referral
    return {
        **_referral(r, case=r.case, child=r.child, grant_id=view.grant.pk if view.grant else None),
        "grant": _grant(view.grant) if view.grant is not None else None,
        "history": [
            {
                "from_status": h.from_status,
                "to_status": h.to_status,
                "note": h.note,
                "changed_by": h.changed_by.username,
                "changed_at": h.changed_at,
            }
            for h in view.history
        ],
        "goals": [{"id": g.pk, "key": g.key, "life_area": g.life_area, "text": g.text} for g in view.goals],
        "can_decide": view.can_decide,
        "position": view.position,
        "queue_length": view.queue_length,
        "has_room": view.has_room,
        "first_free": view.first_free,
        "over_max": view.over_max,
    }


def _budget(b: Budget) -> dict:
    return {
        "id": b.pk,
        "administration": b.administration.code,
        "unit_id": b.unit_id,
        "unit_name": b.unit.name if b.unit is not None else None,
        "year": b.year,
        "amount": _money(b.amount),
        "note": b.note,
        "updated_by": b.updated_by.username,
        "updated_at": b.updated_at,
        "version": b.version,
    }


def _reports(r: selectors.Reports) -> dict:
    return {
        "year": r.year,
        "occupancy": [
            {
                "offer_id": row.offer.pk,
                "code": row.offer.code,
                "name": row.offer.name,
                "capacity": row.capacity,
                "occupied_today": row.occupied_today,
                "average": _one(row.average),
                "utilisation": _one(row.utilisation),
                "waiting": row.waiting,
            }
            for row in r.occupancy
        ],
        "waiting": [
            {
                "offer_id": row.offer.pk,
                "code": row.offer.code,
                "name": row.offer.name,
                "granted_after_wait": row.granted_after_wait,
                "average_days": _one(row.average_days),
                "longest_days": row.longest_days,
                "waiting_now": row.waiting_now,
                "longest_waiting_now_days": row.longest_waiting_now_days,
            }
            for row in r.waiting
        ],
        "cost_by_kind": [{"label": label, "amount": _money(amount)} for label, amount in r.cost_by_kind],
        "cost_by_step": [
            {"step": s.number, "name": str(s.name), "close_to_general": s.close_to_general, "amount": _money(amount)}
            for s, amount in r.cost_by_step
        ],
        "children_with_grants": r.children_with_grants,
        "children_close_to_general": r.children_close_to_general,
        "close_share": _one(r.close_share),
    }


# -- input checks -------------------------------------------------------------------------------------


def _year(value: int | None) -> int:
    if value is None:
        return timezone.localdate().year
    if not YEAR_MIN <= value <= YEAR_MAX:
        raise HelhedError(
            _("Skriv et år mellem %(min)s og %(max)s.") % {"min": YEAR_MIN, "max": YEAR_MAX}, field="year"
        )
    return value


def _administration(value: str) -> str:
    value = (value or "").strip().upper()
    if value and value not in AdministrationCode.values:
        raise HelhedError(
            _("Ukendt forvaltning. Vælg en af %(codes)s.") % {"codes": ", ".join(AdministrationCode.values)},
            field="administration",
        )
    return value


def _offer_in(payload: OfferIn) -> services.OfferIn:
    return services.OfferIn(
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        provider_id=payload.provider_id,
        legal_basis=payload.legal_basis,
        ladder_step=payload.ladder_step,
        price=payload.price,
        price_unit=payload.price_unit,
        active_from=payload.active_from,
        funding=[services.FundingIn(f.administration, f.share, f.paying_unit_id) for f in payload.funding],
        description=payload.description,
        age_min=payload.age_min,
        age_max=payload.age_max,
        target_group=payload.target_group,
        capacity=payload.capacity,
        max_duration_months=payload.max_duration_months,
        is_programme=payload.is_programme,
        evidence_note=payload.evidence_note,
        active_to=payload.active_to,
    )


def _offer_read(offer_id: int) -> dict:
    """An offer as just written (no person data, so no audit)."""
    return _offer(selectors.offer_by_id(offer_id))


# -- the catalogue (no person data, but the waiting list of one offer) ----------------------------------


@router.get(
    "/offers",
    response=list[OfferRowOut],
    summary="The catalogue with today's occupancy and waiting-list lengths (counts only)",
)
@api_requires(Perm.OFFER_VIEW)
def list_offers(request, filters: Query[OfferFilters]):
    rows = selectors.catalogue(
        kind=filters.kind,
        step=filters.step,
        administration=_administration(filters.administration),
        query=filters.q.strip(),
        active_only=filters.active_only,
    )
    return [{**_summary(row.offer), "occupied": row.occupied, "waiting": row.waiting, "full": row.full} for row in rows]


@router.post("/offers", response={201: OfferOut}, summary="Add an offer to the catalogue, with who pays for it")
@api_requires(Perm.OFFER_ADMIN)
def create_offer(request, payload: OfferIn):
    offer = services.offer_create(actor=request.auth, data=_offer_in(payload))
    return Status(201, _offer_read(offer.pk))


@router.get(
    "/offers/{offer_id}",
    response=OfferDetailOut,
    summary=(
        "One offer: funding, occupancy by month, the waiting list and grants near the maximum duration. Children "
        "whose cases you may see are named (audited); the others are only counted"
    ),
)
@api_requires(Perm.OFFER_VIEW)
def get_offer(request, offer_id: int, filters: Query[MonthsFilter]):
    return _offer_detail(selectors.offer_detail(actor=request.auth, offer_id=offer_id, months=filters.months))


@router.put(
    "/offers/{offer_id}",
    response=OfferOut,
    summary="Change an offer as a whole (grants keep the price and split of their decision; a stale version: 409)",
)
@api_requires(Perm.OFFER_ADMIN)
def update_offer(request, offer_id: int, payload: OfferUpdateIn):
    offer = services.offer_update(
        actor=request.auth, offer_id=offer_id, data=_offer_in(payload), version=payload.version
    )
    return _offer_read(offer.pk)


@router.get("/providers", response=list[ProviderOut], summary="The providers: own units and external providers")
@api_requires(Perm.OFFER_VIEW)
def list_providers(request, active_only: bool = False):
    return [_provider(p) for p in selectors.providers(active_only=active_only)]


@router.post(
    "/providers",
    response={201: ProviderOut},
    summary="Add a provider: a municipal unit, or an external provider with a valid CVR number",
)
@api_requires(Perm.OFFER_ADMIN)
def create_provider(request, payload: ProviderIn):
    provider = services.provider_create(
        actor=request.auth,
        data=services.ProviderIn(name=payload.name, kind=payload.kind, unit_id=payload.unit_id, cvr=payload.cvr),
    )
    return Status(201, _provider(provider))


# -- a case's applications and grants (person data: gatekeeper and audit) --------------------------------


@router.get(
    "/cases/{case_id}/referrals",
    response=CaseInterventionsOut,
    summary="A case's applications and grants (audited)",
)
@api_requires(Perm.CASE_WORK)
def case_referrals(request, case_id: int):
    data = selectors.case_interventions(actor=request.auth, case_id=case_id)
    case = data.access.case
    grant_ids = {g.referral_id: g.pk for g in data.grants}
    return {
        "case_id": case.pk,
        "journal_number": case.journal_number,
        "referrals": [_referral(r, case=case, child=case.child, grant_id=grant_ids.get(r.pk)) for r in data.referrals],
        "grants": [_grant(g) for g in data.grants],
        "near_max_grant_ids": sorted(data.warnings),
    }


@router.post(
    "/cases/{case_id}/referrals",
    response={201: ReferralDetailOut},
    summary="Apply for an offer from a case, linked to the plan goals it serves",
    description=(
        "Send `Idempotency-Key: <up to 64 characters>` so a retry cannot apply twice: the second request with the "
        "same key answers 409 and nothing more is saved. Refused when the child already has the offer, or an open "
        "application for it, in an overlapping period."
    ),
)
@api_requires(Perm.CASE_WORK)
def apply(
    request,
    case_id: int,
    payload: ReferralIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    referral = services.referral_apply(
        actor=request.auth,
        case_id=case_id,
        data=services.ReferralIn(
            offer_id=payload.offer_id,
            requested_start=payload.requested_start,
            requested_end=payload.requested_end,
            reason=payload.reason,
            units=payload.units,
            goal_ids=list(payload.goal_ids),
        ),
        submission_key=idempotency.api_key(actor=request.auth, header=idempotency_key, scope="interventions.apply"),
    )
    return Status(201, _referral_detail(selectors.referral_detail(actor=request.auth, referral_id=referral.pk)))


@router.get(
    "/referrals/{referral_id}",
    response=ReferralDetailOut,
    summary="One application: its decision, grant, history, place on the waiting list and room (audited)",
)
@api_requires(Perm.CASE_WORK)
def get_referral(request, referral_id: int):
    return _referral_detail(selectors.referral_detail(actor=request.auth, referral_id=referral_id))


@router.post(
    "/referrals/{referral_id}/decision",
    response=ReferralDetailOut,
    summary=(
        "Decide an application (leaders of the case's unit): grant, refuse or put on the waiting list; the letter "
        "to the family is filed on the case"
    ),
    description=(
        "A grant fixes the offer's price and funding split now. It is refused with 409 (`full`) when no place is "
        "free for the whole period (put the child on the waiting list instead), and with 400 when the period "
        "overlaps another grant of the offer, passes the maximum duration without `over_max_reason`, or skips "
        "children on the waiting list without `skip_queue_reason`. A refusal needs `note` (the reasons); the "
        "complaint guidance follows from the offer's legal basis."
    ),
)
@api_requires(Perm.VISITATION)
def decide(request, referral_id: int, payload: DecisionIn):
    services.referral_decide(
        actor=request.auth,
        referral_id=referral_id,
        data=services.DecisionIn(
            outcome=payload.outcome,
            note=payload.note,
            start=payload.start,
            end=payload.end,
            units=payload.units,
            over_max_reason=payload.over_max_reason,
            skip_queue_reason=payload.skip_queue_reason,
        ),
        version=payload.version,
    )
    return _referral_detail(selectors.referral_detail(actor=request.auth, referral_id=referral_id))


@router.post(
    "/referrals/{referral_id}/withdraw",
    response=ReferralDetailOut,
    summary="Withdraw an application that is undecided or on the waiting list, with a reason",
)
@api_requires(Perm.CASE_WORK)
def withdraw(request, referral_id: int, payload: WithdrawIn):
    services.referral_withdraw(
        actor=request.auth, referral_id=referral_id, reason=payload.reason, version=payload.version
    )
    return _referral_detail(selectors.referral_detail(actor=request.auth, referral_id=referral_id))


@router.get(
    "/visitation",
    response=list[ReferralOut],
    summary="The open applications (undecided or waiting) of the cases of the units I lead (audited)",
)
@api_requires(Perm.VISITATION)
def visitation(request):
    return [
        _referral(r, case=r.case, child=r.child, grant_id=None) for r in selectors.visitation_queue(actor=request.auth)
    ]


@router.get("/grants/{grant_id}", response=GrantOut, summary="One grant with its funding and changes (audited)")
@api_requires(Perm.CASE_WORK)
def get_grant(request, grant_id: int):
    return _grant(selectors.grant_detail(actor=request.auth, grant_id=grant_id))


@router.post(
    "/grants/{grant_id}/change",
    response=GrantOut,
    summary="Change a running grant's end or extent with a reason (leaders of the case's unit); a letter is filed",
)
@api_requires(Perm.VISITATION)
def change_grant(request, grant_id: int, payload: GrantChangeIn):
    services.grant_change(
        actor=request.auth,
        grant_id=grant_id,
        data=services.GrantChangeIn(
            end=payload.end, reason=payload.reason, units=payload.units, over_max_reason=payload.over_max_reason
        ),
        version=payload.version,
    )
    return _grant(selectors.grant_detail(actor=request.auth, grant_id=grant_id))


@router.post(
    "/grants/{grant_id}/terminate",
    response=GrantOut,
    summary="End a grant early (ophør): the last day and the reason; the place is free from the next day",
)
@api_requires(Perm.VISITATION)
def terminate_grant(request, grant_id: int, payload: GrantEndIn):
    services.grant_terminate(
        actor=request.auth,
        grant_id=grant_id,
        data=services.GrantEndIn(last_day=payload.last_day, reason=payload.reason),
        version=payload.version,
    )
    return _grant(selectors.grant_detail(actor=request.auth, grant_id=grant_id))


# -- economy (sums only) ------------------------------------------------------------------------------


@router.get(
    "/forecast",
    response=ForecastOut,
    summary="The year's committed cost by month against the budget: the municipality, an administration or a unit",
)
@api_requires(Perm.ECONOMY_READ)
def forecast(request, filters: Query[ForecastFilters]):
    data = selectors.forecast(
        year=_year(filters.year), administration=_administration(filters.administration), unit_id=filters.unit_id
    )
    return {
        "year": data.year,
        "administration": data.administration.code if data.administration else None,
        "unit_id": data.unit.pk if data.unit else None,
        "months": [
            {
                "month": m.month,
                "committed": _money(m.committed),
                "cumulative": _money(m.cumulative),
                "budget_cumulative": _money(m.budget_cumulative),
            }
            for m in data.months
        ],
        "total": _money(data.total),
        "budget": _money(data.budget.amount) if data.budget is not None else None,
        "balance": _money(data.balance),
        "in_balance": data.in_balance,
        "used_share": _one(data.used_share),
        "by_kind": [{"label": label, "amount": _money(amount)} for label, amount in data.by_kind],
        "by_administration": [
            {"administration": code, "name": name, "amount": _money(amount)}
            for code, name, amount in data.by_administration
        ],
    }


@router.get("/budgets", response=list[BudgetOut], summary="The budgets of a year (or all years), with their versions")
@api_requires(Perm.OFFER_ADMIN)
def list_budgets(request, filters: Query[YearFilter]):
    year = _year(filters.year) if filters.year is not None else None
    return [_budget(b) for b in selectors.budgets(year=year)]


@router.put(
    "/budgets",
    response=BudgetOut,
    summary="Set the year's budget of an administration or of one of its units (creates or replaces it)",
)
@api_requires(Perm.OFFER_ADMIN)
def set_budget(request, payload: BudgetIn):
    budget = services.budget_set(
        actor=request.auth,
        data=services.BudgetIn(
            administration=payload.administration,
            year=payload.year,
            amount=payload.amount,
            unit_id=payload.unit_id,
            note=payload.note,
        ),
        version=payload.version,
    )
    return _budget(budget)


@router.get(
    "/reports",
    response=ReportsOut,
    summary="Occupancy and waiting time per offer, cost by kind and by ladder step, children close to the general "
    "school (counts and sums only)",
)
@api_requires(Perm.ECONOMY_READ)
def reports(request, filters: Query[YearFilter]):
    return _reports(selectors.reports(year=_year(filters.year)))


@router.get(
    "/reports/{report}.csv",
    summary="One report as CSV for Danish Excel (UTF-8 with BOM, ';', decimal commas): " + ", ".join(exports.EXPORTS),
    response={200: None},
    openapi_extra={"responses": {200: {"description": "The report", "content": {"text/csv": {}}}}},
)
@api_requires(Perm.ECONOMY_READ)
def report_csv(request, report: str, filters: Query[YearFilter]):
    build = exports.EXPORTS.get(report)
    if build is None:
        raise NotFound(
            _("Rapporten findes ikke. Vælg en af %(names)s.") % {"names": ", ".join(exports.EXPORTS)}, code="not_found"
        )
    year = _year(filters.year)
    response = HttpResponse(build(selectors.reports(year=year)).encode("utf-8"), content_type=exports.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(report, year)}"'
    return response
