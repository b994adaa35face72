"""Every write of the intervention catalogue (ADR 0016): providers and offers with their funding split, the
application from a case (linked to the plan goals it serves), the decision — granted, refused or waiting list —
with its letter, changes and terminations of a grant, and budgets. Keyword-only, atomic, audited, always with
the acting user. A decision locks the offer's row first, so two leaders granting the last place at once are
served one after the other and exactly one gets it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helhed.cases import services as case_services
from helhed.cases.gatekeeper import case_for
from helhed.cases.models import Case, CaseStatus, DocumentKind
from helhed.cases.policies import CasePerm
from helhed.core import audit, idempotency
from helhed.core.concurrency import bump_version, check_version
from helhed.core.errors import Conflict, Forbidden, HelhedError, NotFound
from helhed.core.i18n import record_language
from helhed.core.models import AuditAction
from helhed.core.validation import as_pk, check_length, check_not_too_early
from helhed.organisation.models import Administration, AdministrationCode, Unit
from helhed.plans.models import PlanGoal

from . import letters, policies
from .models import (
    OPEN_REFERRAL,
    Budget,
    CostLine,
    Grant,
    GrantChange,
    GrantChangeKind,
    GrantFunding,
    Offer,
    OfferFunding,
    OfferKind,
    PriceUnit,
    Provider,
    ProviderKind,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
)
from .selectors import can_decide, running_periods, waiting_queue

_STALE = gettext_lazy("Det er ændret af en anden imens. Genindlæs siden, og prøv igen.")


def _now():
    return timezone.now()


def _err(message, field: str, code: str = "invalid") -> HelhedError:
    return HelhedError(message, field=field, code=code)


def _text(value, *, field: str, required_message=None, limit: int = policies.TEXT_MAX) -> str:
    text = (value or "").strip()
    if required_message and not text:
        raise _err(required_message, field, "required")
    check_length(text, limit, field=field)
    return text


def _decimal(value, *, field: str, message, minimum: Decimal, maximum: Decimal, allow_zero: bool = True) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _err(message, field, "required")
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise _err(message, field) from None
    if not number.is_finite() or number < minimum or number > maximum or (not allow_zero and number == 0):
        raise _err(message, field)
    if number != number.quantize(policies.ØRE):
        raise _err(_("Brug højst to decimaler."), field)
    return number


def _date(value, *, field: str, message) -> date:
    if not isinstance(value, date):
        raise _err(message, field, "required")
    check_not_too_early(value, field=field)
    return value


def _period(start, end, *, start_field: str = "start", end_field: str = "end") -> tuple[date, date]:
    start = _date(start, field=start_field, message=_("Skriv startdatoen."))
    end = _date(end, field=end_field, message=_("Skriv slutdatoen (den sidste dag)."))
    if end < start:
        raise _err(_("Slutdatoen ligger før startdatoen. Ret en af datoerne."), end_field, "end_before_start")
    if (end - start).days > policies.GRANT_MAX_DAYS:
        raise _err(_("Perioden er længere end 10 år. Del den op, eller ret slutdatoen."), end_field)
    return start, end


def _record(actor, obj, action: str, *, case=None, persons=(), **detail) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=obj,
        persons=persons or ([case.child_id] if case is not None else []),
        case_id=case.pk if case is not None else None,
        detail=detail,
    )


# -- providers and offers -------------------------------------------------------------------------------


@dataclass
class ProviderIn:
    name: str
    kind: str
    unit_id: int | str | None = None
    cvr: str = ""


@transaction.atomic
def provider_create(*, actor, data: ProviderIn) -> Provider:
    name = _text(data.name, field="name", required_message=_("Skriv leverandørens navn."), limit=policies.NAME_MAX)
    if data.kind == ProviderKind.INTERNAL:
        unit_pk = as_pk(data.unit_id)
        unit = Unit.objects.filter(pk=unit_pk, active=True).first() if unit_pk else None
        if unit is None:
            raise _err(_("Vælg den kommunale enhed, der leverer tilbuddet."), "unit_id", "required")
        provider = Provider.objects.create(name=name, kind=ProviderKind.INTERNAL, unit=unit)
    elif data.kind == ProviderKind.EXTERNAL:
        cvr, problem = policies.clean_cvr(data.cvr)
        if problem:
            raise _err(problem, "cvr")
        if Provider.objects.filter(cvr=cvr).exists():
            raise _err(_("Der findes allerede en leverandør med CVR-nummer %(cvr)s.") % {"cvr": cvr}, "cvr", "exists")
        provider = Provider.objects.create(name=name, kind=ProviderKind.EXTERNAL, cvr=cvr)
    else:
        raise _err(
            _("Vælg om leverandøren er en kommunal enhed eller en ekstern leverandør."), "kind", "invalid_choice"
        )
    _record(actor, provider, AuditAction.CREATE, name=name, kind=provider.kind, cvr=provider.cvr)
    return provider


@dataclass
class FundingIn:
    administration: str
    share: Decimal | str | int | float
    paying_unit_id: int | str | None = None


@dataclass
class OfferIn:
    code: str
    name: str
    kind: str
    provider_id: int | str | None
    legal_basis: str
    ladder_step: int | str | None
    price: Decimal | str | None
    price_unit: str
    active_from: date | None
    funding: list[FundingIn] = field(default_factory=list)
    description: str = ""
    age_min: int | str | None = 0
    age_max: int | str | None = 22
    target_group: str = ""
    capacity: int | str | None = None
    max_duration_months: int | str | None = None
    is_programme: bool = False
    evidence_note: str = ""
    active_to: date | None = None


def _int(value, *, field: str, message, minimum: int, maximum: int, optional: bool = False) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if optional:
            return None
        raise _err(message, field, "required")
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise _err(message, field) from None
    if not minimum <= number <= maximum:
        raise _err(message, field)
    return number


def _clean_offer(
    data: OfferIn, *, offer_id: int | None = None
) -> tuple[dict, list[tuple[Administration, Decimal, Unit | None]]]:
    code = _text(data.code, field="code", required_message=_("Skriv en kort kode, fx skoleflex-nord."), limit=40)
    from django.utils.text import slugify

    if slugify(code) != code:
        raise _err(_("Koden må kun indeholde små bogstaver, tal og bindestreger, fx skoleflex-nord."), "code")
    if Offer.objects.filter(code=code).exclude(pk=offer_id or 0).exists():
        raise _err(_("Koden %(code)s bruges allerede af et andet tilbud.") % {"code": code}, "code", "exists")
    name = _text(data.name, field="name", required_message=_("Skriv tilbuddets navn."), limit=policies.NAME_MAX)
    if data.kind not in OfferKind.values:
        raise _err(_("Vælg hvilken slags tilbud det er."), "kind", "invalid_choice")
    provider_pk = as_pk(data.provider_id)
    provider = Provider.objects.filter(pk=provider_pk, active=True).first() if provider_pk else None
    if provider is None:
        raise _err(_("Vælg leverandøren."), "provider_id", "required")
    legal_basis = _text(
        data.legal_basis,
        field="legal_basis",
        required_message=_("Skriv lovgrundlaget, fx barnets lov § 32."),
        limit=120,
    )
    step = _int(
        data.ladder_step,
        field="ladder_step",
        message=_("Vælg tilbuddets trin på indsatstrappen (1 til %(n)s).") % {"n": len(policies.LADDER)},
        minimum=1,
        maximum=len(policies.LADDER),
    )
    age_min = _int(data.age_min, field="age_min", message=_("Skriv en alder fra 0 til 30 år."), minimum=0, maximum=30)
    age_max = _int(data.age_max, field="age_max", message=_("Skriv en alder fra 0 til 30 år."), minimum=0, maximum=30)
    assert age_min is not None and age_max is not None
    if age_max < age_min:
        raise _err(_("Alderen 'til' er lavere end alderen 'fra'."), "age_max")
    capacity = _int(
        data.capacity,
        field="capacity",
        message=_(
            "Kapaciteten skal være et helt antal pladser fra 1 til %(max)s, eller tom hvis der ikke er et fast "
            "antal pladser."
        )
        % {"max": policies.CAPACITY_MAX},
        minimum=1,
        maximum=policies.CAPACITY_MAX,
        optional=True,
    )
    price = _decimal(
        data.price,
        field="price",
        message=_("Skriv prisen i kroner (0 eller mere), fx 1250,00."),
        minimum=Decimal(0),
        maximum=policies.PRICE_MAX,
    )
    if data.price_unit not in PriceUnit.values:
        raise _err(_("Vælg prisenheden: dag, måned, time eller forløb."), "price_unit", "invalid_choice")
    max_months = _int(
        data.max_duration_months,
        field="max_duration_months",
        message=_("Længste varighed skal være et helt antal måneder fra 1 til %(max)s, eller tom.")
        % {"max": policies.DURATION_MAX_MONTHS},
        minimum=1,
        maximum=policies.DURATION_MAX_MONTHS,
        optional=True,
    )
    active_from = _date(data.active_from, field="active_from", message=_("Skriv datoen, tilbuddet er aktivt fra."))
    active_to = data.active_to
    if active_to is not None:
        active_to = _date(active_to, field="active_to", message=_("Skriv datoen, tilbuddet er aktivt til."))
        if active_to < active_from:
            raise _err(_("Tilbuddet kan ikke slutte, før det begynder. Ret datoerne."), "active_to", "end_before_start")
    funding = []
    codes = set()
    for index, row in enumerate(data.funding):
        if row.administration not in AdministrationCode.values:
            raise _err(_("Vælg en forvaltning i linje %(n)s af finansieringen.") % {"n": index + 1}, "funding")
        if row.administration in codes:
            raise _err(_("%(code)s står to gange i finansieringen.") % {"code": row.administration}, "funding")
        codes.add(row.administration)
        share = _decimal(
            row.share,
            field="funding",
            message=_("Skriv %(code)s' andel i procent (over 0 og højst 100).") % {"code": row.administration},
            minimum=Decimal(0),
            maximum=policies.HUNDRED,
            allow_zero=False,
        )
        administration = Administration.objects.get(code=row.administration)
        unit = None
        if row.paying_unit_id not in (None, ""):
            unit_pk = as_pk(row.paying_unit_id)
            unit = Unit.objects.filter(pk=unit_pk, administration=administration).first() if unit_pk else None
            if unit is None:
                raise _err(
                    _("Den betalende enhed for %(code)s findes ikke i den forvaltning.") % {"code": row.administration},
                    "funding",
                )
        funding.append((administration, share, unit))
    problem = policies.shares_problem([share for _a, share, _u in funding])
    if problem:
        raise _err(problem, "funding")
    fields = {
        "code": code,
        "name": name,
        "kind": data.kind,
        "description": _text(data.description, field="description"),
        "provider": provider,
        "legal_basis": legal_basis,
        "ladder_step": step,
        "age_min": age_min,
        "age_max": age_max,
        "target_group": _text(data.target_group, field="target_group"),
        "capacity": capacity,
        "price": price,
        "price_unit": data.price_unit,
        "max_duration_months": max_months,
        "is_programme": bool(data.is_programme),
        "evidence_note": _text(data.evidence_note, field="evidence_note"),
        "active_from": active_from,
        "active_to": active_to,
    }
    return fields, funding


def _save_funding(offer: Offer, funding) -> None:
    offer.funding.all().delete()
    OfferFunding.objects.bulk_create(
        [OfferFunding(offer=offer, administration=a, share=s, paying_unit=u) for a, s, u in funding]
    )


def _offer_detail(offer: Offer, funding) -> dict:
    return {
        "code": offer.code,
        "price": str(offer.price),
        "price_unit": offer.price_unit,
        "capacity": offer.capacity,
        "ladder_step": offer.ladder_step,
        "funding": {a.code: str(s) for a, s, _u in funding},
    }


@transaction.atomic
def offer_create(*, actor, data: OfferIn) -> Offer:
    fields, funding = _clean_offer(data)
    now = _now()
    offer = Offer.objects.create(**fields, created_at=now, updated_at=now, updated_by=actor)
    _save_funding(offer, funding)
    _record(actor, offer, AuditAction.CREATE, **_offer_detail(offer, funding))
    return offer


@transaction.atomic
def offer_update(*, actor, offer_id, data: OfferIn, version=None) -> Offer:
    """Change an offer. Grants keep the price and split of their decision; a lower capacity leaves the running
    grants alone and only closes the offer to new grants until there is room."""
    offer = Offer.objects.select_for_update().filter(pk=as_pk(offer_id)).first()
    if offer is None:
        raise NotFound(_("Tilbuddet findes ikke."))
    check_version(offer, version, message=_STALE)
    fields, funding = _clean_offer(data, offer_id=offer.pk)
    for name, value in fields.items():
        setattr(offer, name, value)
    offer.updated_at, offer.updated_by = _now(), actor
    bump_version(offer, *fields.keys(), "updated_at", "updated_by")
    _save_funding(offer, funding)
    _record(actor, offer, AuditAction.UPDATE, **_offer_detail(offer, funding))
    return offer


# -- applications ---------------------------------------------------------------------------------------


@dataclass
class ReferralIn:
    offer_id: int | str | None
    requested_start: date | None
    requested_end: date | None
    reason: str
    units: Decimal | str | int | float | None = 1
    goal_ids: list = field(default_factory=list)


def _units(value, field: str = "units") -> Decimal:
    return _decimal(
        value,
        field=field,
        message=_("Skriv omfanget som et tal over 0, fx 1 plads eller 8 timer om måneden."),
        minimum=Decimal(0),
        maximum=policies.UNITS_MAX,
        allow_zero=False,
    )


def _offer_for(offer_id, *, lock: bool = False) -> Offer:
    pk = as_pk(offer_id)
    qs = Offer.objects.select_for_update() if lock else Offer.objects
    offer = qs.filter(pk=pk).first() if pk else None
    if offer is None:
        raise _err(_("Vælg et tilbud fra tilbudsviften."), "offer_id", "required")
    return offer


def _check_offer_active(offer: Offer, start: date, end: date, field: str) -> None:
    if start < offer.active_from or (offer.active_to and start > offer.active_to):
        raise _err(
            _("%(offer)s er ikke et aktivt tilbud på startdatoen %(day)s.") % {"offer": offer.name, "day": start},
            field,
            "inactive",
        )
    if offer.active_to and end > offer.active_to:
        raise _err(
            _("%(offer)s er kun aktivt til %(day)s. Vælg en slutdato senest den dag.")
            % {"offer": offer.name, "day": offer.active_to},
            field,
            "inactive",
        )


def _check_no_overlap(
    *, child_id: int, offer: Offer, start: date, end: date, field: str, exclude_grant=None, exclude_referral=None
) -> None:
    grants = Grant.objects.filter(child_id=child_id, offer=offer, start__lte=end, end__gte=start)
    if exclude_grant is not None:
        grants = grants.exclude(pk=exclude_grant)
    other = grants.order_by("start").first()
    if other is not None:
        raise _err(
            _(
                "Barnet har allerede en bevilling af %(offer)s fra %(start)s til %(end)s, som overlapper perioden. "
                "Ret perioden, eller ændr den eksisterende bevilling."
            )
            % {"offer": offer.name, "start": other.start, "end": other.end},
            field,
            "overlap",
        )
    pending = Referral.objects.filter(child_id=child_id, offer=offer, status__in=OPEN_REFERRAL)
    if exclude_referral is not None:
        pending = pending.exclude(pk=exclude_referral)
    if pending.filter(requested_start__lte=end, requested_end__gte=start).exists():
        raise _err(
            _(
                "Der er allerede en åben ansøgning om %(offer)s for barnet i perioden. Afvent afgørelsen, eller træk "
                "den anden ansøgning tilbage."
            )
            % {"offer": offer.name},
            field,
            "overlap",
        )


def _plan_goals(case: Case, goal_ids) -> list[PlanGoal]:
    ids = []
    for raw in goal_ids or []:
        pk = as_pk(raw)
        if pk is None:
            raise _err(_("Et af de valgte mål findes ikke i barnets plan."), "goal_ids")
        ids.append(pk)
    goals = list(PlanGoal.objects.filter(pk__in=ids, plan_version__plan__case=case))
    if len(goals) != len(set(ids)):
        raise _err(_("Et af de valgte mål findes ikke i barnets plan."), "goal_ids")
    return goals


def _status_change(referral: Referral, from_status: str, to_status: str, actor, note: str, at) -> None:
    ReferralStatusChange.objects.create(
        referral=referral, from_status=from_status, to_status=to_status, note=note, changed_by=actor, changed_at=at
    )


def _timeline(case: Case, actor, kind: str, title: str, obj, at) -> None:
    with record_language():
        case_services.timeline_add(
            person_id=case.child_id,
            case=case,
            at=at,
            kind=kind,
            title=str(title),
            actor=actor,
            administration=case.responsible_unit.administration.code,
            obj=obj,
        )


@transaction.atomic
def referral_apply(*, actor, case_id, data: ReferralIn, submission_key: str | None = None) -> Referral:
    """Apply for an offer from a case. Refused when the child already has the offer, or an open application for
    it, in an overlapping period."""
    access = case_for(actor, case_id, need=CasePerm.WRITE_JOURNAL, audit_action=None, lock=True)
    case = access.case
    if case.status == CaseStatus.CLOSED:
        raise Conflict(_("Sagen er lukket. Genåbn sagen for at søge om et tilbud."), code="case_closed")
    idempotency.claim(key=submission_key, actor=actor)
    offer = _offer_for(data.offer_id, lock=True)
    start, end = _period(
        data.requested_start, data.requested_end, start_field="requested_start", end_field="requested_end"
    )
    _check_offer_active(offer, start, end, "requested_start")
    units = _units(data.units)
    reason = _text(
        data.reason,
        field="reason",
        required_message=_("Skriv hvorfor barnet har brug for tilbuddet, og hvad det skal hjælpe med."),
    )
    goals = _plan_goals(case, data.goal_ids)
    _check_no_overlap(child_id=case.child_id, offer=offer, start=start, end=end, field="requested_start")
    now = _now()
    referral = Referral.objects.create(
        case=case,
        child_id=case.child_id,
        offer=offer,
        requested_start=start,
        requested_end=end,
        units=units,
        reason=reason,
        applied_by=actor,
        applied_at=now,
    )
    if goals:
        referral.goals.set(goals)
    _status_change(referral, "", ReferralStatus.APPLIED, actor, "", now)
    with record_language():
        title = _("Ansøgning om %(offer)s") % {"offer": offer.name}
    _timeline(case, actor, "referral_applied", title, referral, now)
    _record(
        actor,
        referral,
        AuditAction.CREATE,
        case=case,
        offer=offer.code,
        start=str(start),
        end=str(end),
        goals=[g.pk for g in goals],
    )
    return referral


def _referral_locked(actor, referral_id, version=None) -> tuple[Referral, Case]:
    pk = as_pk(referral_id)
    referral = Referral.objects.select_for_update().filter(pk=pk).select_related("offer").first() if pk else None
    if referral is None:
        raise NotFound(_("Ansøgningen findes ikke."))
    # The same 404 as an unknown id when the actor may not see the case.
    access = case_for(actor, referral.case_id, need=CasePerm.VIEW_JOURNAL, audit_action=None)
    check_version(referral, version, message=_STALE)
    return referral, access.case


@transaction.atomic
def referral_withdraw(*, actor, referral_id, reason: str, version=None) -> Referral:
    """The caseworker withdraws an application that is not decided or is on the waiting list."""
    referral, case = _referral_locked(actor, referral_id, version)
    case_for(actor, case.pk, need=CasePerm.WRITE_JOURNAL, audit_action=None)
    if referral.status not in OPEN_REFERRAL:
        raise Conflict(_("Ansøgningen er allerede afgjort og kan ikke trækkes tilbage."), code="not_open")
    reason = _text(reason, field="reason", required_message=_("Skriv hvorfor ansøgningen trækkes tilbage."))
    now = _now()
    old = referral.status
    referral.status = ReferralStatus.WITHDRAWN
    bump_version(referral, "status")
    _status_change(referral, old, ReferralStatus.WITHDRAWN, actor, reason, now)
    _record(actor, referral, AuditAction.UPDATE, case=case, status="withdrawn")
    return referral


# -- decisions ------------------------------------------------------------------------------------------


class Outcome:
    GRANT = "grant"
    REFUSE = "refuse"
    WAITLIST = "waitlist"
    ALL = ("grant", "refuse", "waitlist")


@dataclass
class DecisionIn:
    outcome: str
    note: str = ""
    start: date | None = None
    end: date | None = None
    units: Decimal | str | int | float | None = None
    over_max_reason: str = ""
    skip_queue_reason: str = ""


def _require_decider(actor, case: Case) -> None:
    if not can_decide(actor, case):
        raise Forbidden(_("Kun en leder af sagens enhed kan træffe afgørelse om tilbud (visitation)."))


def _paying_unit(case: Case, administration: Administration, chosen: Unit | None) -> Unit | None:
    unit = case.responsible_unit
    return policies.paying_unit(
        chosen=chosen,
        administration=administration.pk,
        case_unit_administration=unit.administration_id,
        family_unit=unit.parent if unit.parent_id else unit,
    )


def write_cost_lines(grant: Grant) -> int:
    """(Re)write a grant's committed cost: one line per month and paying administration."""
    CostLine.objects.filter(grant=grant).delete()
    shares: list[tuple[tuple[int, int | None], Decimal]] = [
        ((f.administration_id, f.paying_unit_id), f.share) for f in grant.funding.all()
    ]
    lines = [
        CostLine(grant=grant, month=month, administration_id=administration_id, unit_id=unit_id, amount=amount)
        for month, (administration_id, unit_id), amount in policies.cost_lines(
            price=grant.price,
            price_unit=grant.price_unit,
            units=grant.units,
            start=grant.start,
            end=grant.end,
            shares=shares,
        )
    ]
    CostLine.objects.bulk_create(lines)
    return len(lines)


def _check_room(offer: Offer, start: date, end: date, *, exclude_grant=None) -> None:
    periods = running_periods(offer, start, end, exclude_grant=exclude_grant)
    if policies.has_room(offer.capacity, periods, start, end):
        return
    raise Conflict(
        _(
            "%(offer)s er fuldt i perioden %(start)s til %(end)s (%(n)s pladser). Sæt barnet på venteliste, eller vælg "
            "en periode, hvor der er en ledig plads."
        )
        % {"offer": offer.name, "start": start, "end": end, "n": offer.capacity},
        code="full",
    )


def _check_max_duration(offer: Offer, child_id: int, start: date, end: date, reason: str, *, exclude_grant=None) -> str:
    earlier = Grant.objects.filter(child_id=child_id, offer=offer)
    if exclude_grant is not None:
        earlier = earlier.exclude(pk=exclude_grant)
    periods = list(earlier.values_list("start", "end"))
    if not policies.exceeds_max_duration(max_months=offer.max_duration_months, earlier=periods, start=start, end=end):
        return ""
    reason = (reason or "").strip()
    if not reason:
        raise _err(
            _(
                "%(offer)s må højst vare %(months)s måneder, og barnets tid i tilbuddet bliver længere med denne "
                "bevilling. Tilbuddet skal være midlertidigt: find en varig løsning, eller skriv hvorfor perioden "
                "alligevel forlænges."
            )
            % {"offer": offer.name, "months": offer.max_duration_months},
            "over_max_reason",
            "over_max_duration",
        )
    check_length(reason, policies.TEXT_MAX, field="over_max_reason")
    return reason


def _check_queue(offer: Offer, referral: Referral, reason: str) -> str:
    queue = waiting_queue(offer)
    ahead = queue.index(referral.pk) if referral.pk in queue else len(queue)
    if ahead == 0:
        return ""
    reason = (reason or "").strip()
    if not reason:
        raise _err(
            _(
                "%(n)s barn/børn står før på ventelisten til %(offer)s. Giv pladsen til den første på listen, eller "
                "skriv hvorfor dette barn skal have den først."
            )
            % {"n": ahead, "offer": offer.name},
            "skip_queue_reason",
            "queue_order",
        )
    check_length(reason, policies.TEXT_MAX, field="skip_queue_reason")
    return reason


def _file_letter(
    actor,
    case: Case,
    *,
    kind: str,
    referral: Referral,
    grant: Grant | None = None,
    change: GrantChange | None = None,
    position: int | None = None,
):
    content = letters.render_pdf(kind=kind, case=case, referral=referral, grant=grant, change=change, position=position)
    with record_language():
        title = letters.title(kind, referral.offer)
    doc = case_services.document_file_generated(
        actor=actor,
        case=case,
        content=content,
        filename=letters.filename(kind, case, referral),
        title=str(title),
        kind=DocumentKind.LETTER,
    )
    return doc


@transaction.atomic
def referral_decide(*, actor, referral_id, data: DecisionIn, version=None) -> Referral:
    """Decide an application: grant it (start, end, extent; the price fixed now), refuse it (reasons and the
    complaint guidance), or put it on the waiting list (its position and an expected start). A letter to the
    family is filed on the case. The offer's row is locked first, so decisions on one offer are served in turn."""
    if data.outcome not in Outcome.ALL:
        raise _err(_("Vælg afgørelsen: bevilg, afslå eller sæt på venteliste."), "outcome", "invalid_choice")
    pk = as_pk(referral_id)
    offer_id = Referral.objects.filter(pk=pk).values_list("offer_id", flat=True).first() if pk else None
    if offer_id is not None:
        Offer.objects.select_for_update().filter(pk=offer_id).first()  # decisions on one offer, one at a time
    referral, case = _referral_locked(actor, referral_id, version)
    _require_decider(actor, case)
    if referral.status not in OPEN_REFERRAL:
        raise Conflict(
            _("Ansøgningen er allerede afgjort (%(status)s).") % {"status": referral.get_status_display()},
            code="decided",
        )
    offer = referral.offer
    now = _now()
    old = referral.status
    grant = None
    position = None
    if data.outcome == Outcome.GRANT:
        note = _text(data.note, field="note")
        grant, skip_reason = _grant(actor, referral, case, offer, data, now)
        referral.status = ReferralStatus.GRANTED
        # A place given past children on the waiting list keeps the written reason with the decision.
        referral.decision_note = "\n\n".join(part for part in (note, skip_reason) if part)
    elif data.outcome == Outcome.REFUSE:
        referral.decision_note = _text(
            data.note,
            field="note",
            required_message=_("Skriv begrundelsen for afslaget. Den står i brevet til familien."),
        )
        referral.status = ReferralStatus.REFUSED
        with record_language():  # stored in the case file: Danish whatever the UI language
            referral.complaint_guidance = policies.complaint_guidance(offer.legal_basis)
    else:
        if old == ReferralStatus.WAITLISTED:
            raise Conflict(_("Barnet står allerede på ventelisten."), code="already_waitlisted")
        referral.decision_note = _text(data.note, field="note")
        referral.status = ReferralStatus.WAITLISTED
        referral.waitlisted_at = now
        queue = waiting_queue(offer) + [referral.pk]
        position = len(queue)
        starts = policies.expected_starts(
            offer.capacity,
            [e for _s, e in running_periods(offer, timezone.localdate(), date.max - timedelta(days=1))],
            position,
            timezone.localdate(),
        )
        referral.expected_start = max(starts[-1], referral.requested_start) if starts and starts[-1] else None
    referral.decided_by, referral.decided_at = actor, now
    referral.letter = _file_letter(actor, case, kind=data.outcome, referral=referral, grant=grant, position=position)
    bump_version(
        referral,
        "status",
        "decision_note",
        "complaint_guidance",
        "waitlisted_at",
        "expected_start",
        "decided_by",
        "decided_at",
        "letter",
    )
    _status_change(referral, old, referral.status, actor, referral.decision_note, now)
    with record_language():
        titles = {
            Outcome.GRANT: _("%(offer)s bevilget"),
            Outcome.REFUSE: _("Afslag på %(offer)s"),
            Outcome.WAITLIST: _("På venteliste til %(offer)s"),
        }
        title = titles[data.outcome] % {"offer": offer.name}
    _timeline(case, actor, f"referral_{referral.status}", title, referral, now)
    _record(
        actor,
        referral,
        AuditAction.UPDATE,
        case=case,
        outcome=data.outcome,
        grant=grant.pk if grant else None,
        position=position,
    )
    return referral


def _grant(actor, referral: Referral, case: Case, offer: Offer, data: DecisionIn, now) -> tuple[Grant, str]:
    start, end = _period(data.start or referral.requested_start, data.end or referral.requested_end)
    _check_offer_active(offer, start, end, "start")
    units = _units(data.units if data.units not in (None, "") else referral.units)
    _check_no_overlap(
        child_id=case.child_id, offer=offer, start=start, end=end, field="start", exclude_referral=referral.pk
    )
    skip_reason = _check_queue(offer, referral, data.skip_queue_reason)
    over_reason = _check_max_duration(offer, case.child_id, start, end, data.over_max_reason)
    _check_room(offer, start, end)
    funding = list(offer.funding.select_related("administration", "paying_unit"))
    if not funding:
        raise Conflict(
            _("Tilbuddet har ingen finansiering. Angiv hvem der betaler, før det kan bevilges."), code="no_funding"
        )
    grant = Grant.objects.create(
        referral=referral,
        case=case,
        child_id=case.child_id,
        offer=offer,
        start=start,
        end=end,
        units=units,
        price=offer.price,
        price_unit=offer.price_unit,
        over_max_reason=over_reason,
        decided_by=actor,
        decided_at=now,
    )
    GrantFunding.objects.bulk_create(
        [
            GrantFunding(
                grant=grant,
                administration=f.administration,
                share=f.share,
                paying_unit=_paying_unit(case, f.administration, f.paying_unit),
            )
            for f in funding
        ]
    )
    write_cost_lines(grant)
    return grant, skip_reason


# -- changes and terminations ---------------------------------------------------------------------------


def _grant_locked(actor, grant_id, version) -> tuple[Grant, Case]:
    pk = as_pk(grant_id)
    offer_id = Grant.objects.filter(pk=pk).values_list("offer_id", flat=True).first() if pk else None
    if offer_id is None:
        raise NotFound(_("Bevillingen findes ikke."))
    Offer.objects.select_for_update().filter(pk=offer_id).first()
    grant = Grant.objects.select_for_update().select_related("offer", "referral").get(pk=pk)
    access = case_for(actor, grant.case_id, need=CasePerm.VIEW_JOURNAL, audit_action=None)
    check_version(grant, version, message=_STALE)
    _require_decider(actor, access.case)
    return grant, access.case


def _snapshot(grant: Grant) -> dict:
    return {"start": str(grant.start), "end": str(grant.end), "units": str(grant.units)}


@dataclass
class GrantChangeIn:
    end: date | None
    reason: str
    units: Decimal | str | int | float | None = None
    over_max_reason: str = ""


@transaction.atomic
def grant_change(*, actor, grant_id, data: GrantChangeIn, version=None) -> Grant:
    """Change a running grant's end (extend or shorten) and extent, with a reason; the committed cost is
    rewritten and a letter filed."""
    grant, case = _grant_locked(actor, grant_id, version)
    if grant.terminated:
        raise Conflict(_("Bevillingen er ophørt og kan ikke ændres. Søg om en ny."), code="terminated")
    reason = _text(data.reason, field="reason", required_message=_("Skriv hvorfor bevillingen ændres."))
    _start, end = _period(grant.start, data.end)
    units = _units(data.units if data.units not in (None, "") else grant.units)
    if end == grant.end and units == grant.units:
        raise _err(_("Ændringen ændrer hverken slutdato eller omfang."), "end", "unchanged")
    offer = grant.offer
    over_reason = grant.over_max_reason
    if end > grant.end:
        _check_offer_active(offer, grant.start, end, "end")
        _check_no_overlap(
            child_id=grant.child_id, offer=offer, start=grant.start, end=end, field="end", exclude_grant=grant.pk
        )
        over_reason = (
            _check_max_duration(offer, grant.child_id, grant.start, end, data.over_max_reason, exclude_grant=grant.pk)
            or over_reason
        )
        _check_room(offer, grant.start, end, exclude_grant=grant.pk)
    before = _snapshot(grant)
    grant.end, grant.units, grant.over_max_reason = end, units, over_reason
    bump_version(grant, "end", "units", "over_max_reason")
    write_cost_lines(grant)
    return _log_change(actor, grant, case, GrantChangeKind.CHANGE, before, reason)


@dataclass
class GrantEndIn:
    last_day: date | None
    reason: str


@transaction.atomic
def grant_terminate(*, actor, grant_id, data: GrantEndIn, version=None) -> Grant:
    """End a grant early (ophør): the last day and the reason. The place is free from the next day."""
    grant, case = _grant_locked(actor, grant_id, version)
    if grant.terminated:
        raise Conflict(_("Bevillingen er allerede ophørt."), code="terminated")
    reason = _text(data.reason, field="reason", required_message=_("Skriv hvorfor bevillingen ophører."))
    last_day = _date(data.last_day, field="last_day", message=_("Skriv den sidste dag i tilbuddet."))
    if last_day < grant.start:
        raise _err(
            _("Den sidste dag ligger før bevillingens start (%(start)s).") % {"start": grant.start},
            "last_day",
            "end_before_start",
        )
    if last_day > grant.end:
        raise _err(
            _("Den sidste dag ligger efter bevillingens slut (%(end)s). Brug 'Ændr' for at forlænge.")
            % {"end": grant.end},
            "last_day",
        )
    before = _snapshot(grant)
    grant.end, grant.terminated = last_day, True
    bump_version(grant, "end", "terminated")
    write_cost_lines(grant)
    return _log_change(actor, grant, case, GrantChangeKind.TERMINATE, before, reason)


def _log_change(actor, grant: Grant, case: Case, kind: str, before: dict, reason: str) -> Grant:
    now = _now()
    change = GrantChange.objects.create(
        grant=grant, kind=kind, before=before, after=_snapshot(grant), reason=reason, changed_by=actor, changed_at=now
    )
    letter_kind = "terminate" if kind == GrantChangeKind.TERMINATE else "change"
    change.letter = _file_letter(actor, case, kind=letter_kind, referral=grant.referral, grant=grant, change=change)
    change.save(update_fields=["letter"])
    with record_language():
        if kind == GrantChangeKind.TERMINATE:
            title = _("%(offer)s ophører %(day)s") % {"offer": grant.offer.name, "day": grant.end}
        else:
            title = _("Bevilling af %(offer)s ændret") % {"offer": grant.offer.name}
    _timeline(case, actor, f"grant_{kind}", title, grant, now)
    _record(actor, grant, AuditAction.UPDATE, case=case, change=kind, before=before, after=change.after)
    return grant


# -- budgets --------------------------------------------------------------------------------------------


@dataclass
class BudgetIn:
    administration: str
    year: int | str | None
    amount: Decimal | str | int | float | None
    unit_id: int | str | None = None
    note: str = ""


@transaction.atomic
def budget_set(*, actor, data: BudgetIn, version=None) -> Budget:
    """Set the year's budget of an administration or one of its units (creates or replaces it)."""
    if data.administration not in AdministrationCode.values:
        raise _err(_("Vælg forvaltningen."), "administration", "invalid_choice")
    administration = Administration.objects.get(code=data.administration)
    year = _int(data.year, field="year", message=_("Skriv et år mellem 2000 og 2100."), minimum=2000, maximum=2100)
    assert year is not None  # not optional: _int raised on a missing year
    amount = _decimal(
        data.amount,
        field="amount",
        message=_("Skriv budgettet i kroner (0 eller mere)."),
        minimum=Decimal(0),
        maximum=Decimal("999999999999.99"),
    )
    unit = None
    if data.unit_id not in (None, ""):
        unit_pk = as_pk(data.unit_id)
        unit = Unit.objects.filter(pk=unit_pk, administration=administration).first() if unit_pk else None
        if unit is None:
            raise _err(_("Enheden findes ikke i %(name)s.") % {"name": administration.name}, "unit_id")
    note = _text(data.note, field="note")
    budget = (
        Budget.objects.select_for_update(of=("self",))
        .filter(administration=administration, unit=unit, year=year)
        .order_by("pk")
        .first()
    )
    now = _now()
    if budget is None:
        budget = Budget.objects.create(
            administration=administration,
            unit=unit,
            year=year,
            amount=amount,
            note=note,
            updated_by=actor,
            updated_at=now,
        )
        action = AuditAction.CREATE
    else:
        check_version(budget, version, message=_STALE)
        budget.amount, budget.note, budget.updated_by, budget.updated_at = amount, note, actor, now
        bump_version(budget, "amount", "note", "updated_by", "updated_at")
        action = AuditAction.UPDATE
    _record(
        actor,
        budget,
        action,
        administration=administration.code,
        unit=unit.pk if unit else None,
        year=year,
        amount=str(amount),
    )
    return budget
