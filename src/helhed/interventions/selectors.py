"""Reads of the intervention catalogue. The catalogue, occupancy, the forecast and the reports hold no person
data (counts and sums only) and are not audited. Applications and grants name a child: they are read through
the case gatekeeper and every look is audited. A waiting list shows a reader only the children whose cases
they may see; the others are counted, never named."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from helhed.cases.gatekeeper import CaseAccess, case_for, cases_visible_to, cases_with_full_sight
from helhed.cases.models import Case
from helhed.cases.policies import CasePerm
from helhed.core import audit
from helhed.core.errors import Forbidden, NotFound
from helhed.core.models import AuditAction
from helhed.core.validation import as_pk
from helhed.organisation.models import Administration, AdministrationCode, Unit
from helhed.organisation.selectors import actor_profile
from helhed.plans.models import PlanGoal, PlanVersion

from . import policies
from .models import (
    OPEN_REFERRAL,
    Budget,
    CostLine,
    Grant,
    Offer,
    OfferFunding,
    OfferKind,
    Provider,
    Referral,
    ReferralStatus,
)

LIST_LIMIT = 200


# -- access ---------------------------------------------------------------------------------------------


def can_decide(actor, case: Case) -> bool:
    """A leader of the case's responsible unit (a family unit's leader leads its groups) decides its applications."""
    return case.responsible_unit_id in actor_profile(actor).led_unit_ids


# -- capacity (no person data) --------------------------------------------------------------------------


def running_periods(offer: Offer, start: date, end: date, *, exclude_grant=None) -> list[tuple[date, date]]:
    """The periods of the offer's grants that touch [start, end]."""
    qs = Grant.objects.filter(offer=offer, start__lte=end, end__gte=start)
    if exclude_grant is not None:
        qs = qs.exclude(pk=exclude_grant)
    return list(qs.values_list("start", "end"))


def waiting_queue(offer: Offer) -> list[int]:
    """The ids of the offer's waiting list, first in line first."""
    rows = Referral.objects.filter(offer=offer, status=ReferralStatus.WAITLISTED).values_list("id", "waitlisted_at")
    return policies.queue_order(rows)


def first_free_day(offer: Offer, start: date, end: date) -> date | None:
    """The first day from `start` on which a place is free for the whole length of [start, end] (within two years);
    None when there is none in that horizon."""
    if offer.capacity is None:
        return start
    length = end - start
    periods = running_periods(offer, start, start + timedelta(days=730) + length)
    candidates = sorted({start} | {p_end + timedelta(days=1) for _s, p_end in periods if p_end >= start})
    for day in candidates:
        if policies.has_room(offer.capacity, periods, day, day + length):
            return day
    return None


@dataclass
class OfferRow:
    offer: Offer
    occupied: int
    waiting: int

    @property
    def full(self) -> bool:
        return self.offer.capacity is not None and self.occupied >= self.offer.capacity

    @property
    def step(self) -> policies.LadderStep | None:
        return policies.ladder_step(self.offer.ladder_step)


def _with_counts(qs: QuerySet, on: date) -> QuerySet:
    return qs.annotate(
        occupied=Count("grants", filter=Q(grants__start__lte=on, grants__end__gte=on), distinct=True),
        waiting=Count("referrals", filter=Q(referrals__status=ReferralStatus.WAITLISTED), distinct=True),
    )


def catalogue(
    *,
    kind: str = "",
    step: int | None = None,
    administration: str = "",
    query: str = "",
    active_only: bool = True,
    on: date | None = None,
) -> list[OfferRow]:
    """The catalogue with today's occupancy and the waiting lists' length, in one query."""
    on = on or timezone.localdate()
    qs = Offer.objects.select_related("provider")
    if kind:
        qs = qs.filter(kind=kind)
    if step:
        qs = qs.filter(ladder_step=step)
    if administration:
        qs = qs.filter(funding__administration__code=administration)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(target_group__icontains=query) | Q(code__icontains=query))
    if active_only:
        qs = qs.filter(active_from__lte=on).filter(Q(active_to__isnull=True) | Q(active_to__gte=on))
    qs = _with_counts(qs, on).order_by("ladder_step", "name", "id")[:LIST_LIMIT]
    return [OfferRow(o, o.occupied, o.waiting) for o in qs]  # type: ignore[attr-defined]


def offer_by_id(offer_id) -> Offer:
    pk = as_pk(offer_id)
    offer = Offer.objects.select_related("provider", "provider__unit").filter(pk=pk).first() if pk else None
    if offer is None:
        raise NotFound(_("Tilbuddet findes ikke."))
    return offer


def offer_funding(offer: Offer) -> list[OfferFunding]:
    """Who pays for an offer, largest share first."""
    return list(offer.funding.select_related("administration", "paying_unit"))


def active_offers(on: date | None = None) -> list[Offer]:
    on = on or timezone.localdate()
    return list(
        Offer.objects.filter(active_from__lte=on)
        .filter(Q(active_to__isnull=True) | Q(active_to__gte=on))
        .order_by("ladder_step", "name")
    )


@dataclass
class QueueEntry:
    position: int
    referral: Referral | None  # None: a child the reader may not see (counted, not named)
    waitlisted_at: object
    expected_start: date | None


@dataclass
class NearMax:
    grant: Grant
    used_days: int
    allowed_days: int


@dataclass
class OfferView:
    offer: Offer
    funding: list
    occupied: int
    months: list  # (month, average places, peak)
    queue: list[QueueEntry]
    near_max: list[NearMax]
    hidden_near_max: int

    @property
    def full(self) -> bool:
        return self.offer.capacity is not None and self.occupied >= self.offer.capacity

    @property
    def step(self) -> policies.LadderStep | None:
        return policies.ladder_step(self.offer.ladder_step)

    @property
    def limit_days(self) -> int | None:
        return policies.max_days(timezone.localdate(), self.offer.max_duration_months)


def _visible_case_ids(actor, case_ids) -> set[int]:
    """The cases among `case_ids` whose applications and grants the actor may read: full sight of the case
    (VIEW_JOURNAL, as for `case_interventions`), in one query. A team member with limited sight (a teacher) sees
    the case, not its applications, so a waiting list counts that child without naming it."""
    if not case_ids:
        return set()
    return set(cases_with_full_sight(actor).filter(pk__in=set(case_ids)).values_list("pk", flat=True))


def offer_detail(*, actor, offer_id, months: int = 12) -> OfferView:
    """An offer with occupancy by month, its waiting list (children the reader may see are named and the look is
    audited) and the running grants at or near the offer's maximum duration."""
    offer = offer_by_id(offer_id)
    today = timezone.localdate()
    first = policies.month_start(today)
    last = policies.month_end(policies.add_months(first, months - 1))
    periods = running_periods(offer, first, last)
    occupied = sum(1 for s, e in periods if s <= today <= e)
    queue_ids = waiting_queue(offer)
    referrals = {
        r.pk: r for r in Referral.objects.filter(pk__in=queue_ids).select_related("case", "child", "applied_by")
    }
    visible = _visible_case_ids(actor, [r.case_id for r in referrals.values()])
    ends = [e for s, e in running_periods(offer, today, date.max - timedelta(days=1))]
    starts = policies.expected_starts(offer.capacity, ends, len(queue_ids), today)
    queue = []
    for index, ref_id in enumerate(queue_ids):
        referral = referrals[ref_id]
        expected = starts[index]
        if expected is not None:
            expected = max(expected, referral.requested_start)
        queue.append(
            QueueEntry(index + 1, referral if referral.case_id in visible else None, referral.waitlisted_at, expected)
        )
    near, hidden = _near_max(actor, offer, today)
    persons = [e.referral.child_id for e in queue if e.referral] + [n.grant.child_id for n in near]
    if persons:
        audit.record(actor=actor, action=AuditAction.VIEW, obj=offer, persons=persons, detail={"view": "offer"})
    funding = offer_funding(offer)
    return OfferView(offer, funding, occupied, policies.occupancy_by_month(periods, first, months), queue, near, hidden)


def _near_max(actor, offer: Offer, today: date) -> tuple[list[NearMax], int]:
    if not offer.max_duration_months:
        return [], 0
    running = list(Grant.objects.filter(offer=offer, start__lte=today, end__gte=today).select_related("case", "child"))
    if not running:
        return [], 0
    by_child: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for start, end, child_id in Grant.objects.filter(
        offer=offer, child_id__in=[g.child_id for g in running], start__lte=today
    ).values_list("start", "end", "child_id"):
        by_child[child_id].append((start, end))
    visible = _visible_case_ids(actor, [g.case_id for g in running])
    out, hidden = [], 0
    for grant in running:
        periods = by_child[grant.child_id]
        if not policies.near_max_duration(max_months=offer.max_duration_months, periods=periods, today=today):
            continue
        if grant.case_id not in visible:
            hidden += 1
            continue
        first = min(p[0] for p in periods)
        out.append(
            NearMax(grant, policies.days_used(periods), policies.max_days(first, offer.max_duration_months) or 0)
        )
    return out, hidden


# -- a case's applications and grants (person data, audited) --------------------------------------------


@dataclass
class CaseInterventions:
    access: CaseAccess
    referrals: list[Referral]
    grants: list[Grant]
    warnings: dict = field(default_factory=dict)  # grant id -> "near max duration" text


def _referral_qs():
    return Referral.objects.select_related("offer", "applied_by", "decided_by", "letter").prefetch_related("goals")


def case_interventions(*, actor, case_id) -> CaseInterventions:
    access = case_for(actor, case_id, need=CasePerm.VIEW_JOURNAL, audit_action=None)
    case = access.case
    referrals = list(_referral_qs().filter(case=case).order_by("-applied_at", "-id"))
    grants = list(
        Grant.objects.filter(case=case)
        .select_related("offer", "decided_by")
        .prefetch_related("funding__administration", "changes")
        .order_by("-start", "-id")
    )
    today = timezone.localdate()
    warnings = {}
    for grant in grants:
        if grant.start <= today <= grant.end and grant.offer.max_duration_months:
            periods = [(g.start, g.end) for g in grants if g.offer_id == grant.offer_id and g.start <= today]
            if policies.near_max_duration(max_months=grant.offer.max_duration_months, periods=periods, today=today):
                warnings[grant.pk] = grant.offer.max_duration_months
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=case,
        persons=[case.child_id],
        case_id=case.pk,
        detail={"view": "interventions"},
    )
    return CaseInterventions(access, referrals, grants, warnings)


@dataclass
class ReferralView:
    access: CaseAccess
    referral: Referral
    grant: Grant | None
    history: list
    can_decide: bool
    position: int | None
    queue_length: int
    has_room: bool
    first_free: date | None
    over_max: bool
    goals: list


def referral_detail(*, actor, referral_id) -> ReferralView:
    pk = as_pk(referral_id)
    referral = _referral_qs().select_related("case", "child").filter(pk=pk).first() if pk else None
    if referral is None:
        raise NotFound(_("Ansøgningen findes ikke."))
    access = case_for(actor, referral.case_id, need=CasePerm.VIEW_JOURNAL, audit_action=None)
    offer = referral.offer
    grant = (
        Grant.objects.filter(referral=referral)
        .prefetch_related("funding__administration", "changes__letter", "changes__changed_by")
        .first()
    )
    queue = waiting_queue(offer)
    position = queue.index(referral.pk) + 1 if referral.pk in queue else None
    room = policies.has_room(
        offer.capacity,
        running_periods(offer, referral.requested_start, referral.requested_end),
        referral.requested_start,
        referral.requested_end,
    )
    first_free = None if room else first_free_day(offer, referral.requested_start, referral.requested_end)
    earlier = list(
        Grant.objects.filter(child_id=referral.child_id, offer=offer)
        .exclude(referral=referral)
        .values_list("start", "end")
    )
    over = policies.exceeds_max_duration(
        max_months=offer.max_duration_months,
        earlier=earlier,
        start=referral.requested_start,
        end=referral.requested_end,
    )
    audit.record(
        actor=actor, action=AuditAction.VIEW, obj=referral, persons=[referral.child_id], case_id=referral.case_id
    )
    return ReferralView(
        access=access,
        referral=referral,
        grant=grant,
        history=list(referral.history.select_related("changed_by")),
        can_decide=can_decide(actor, access.case),
        position=position,
        queue_length=len(queue),
        has_room=room,
        first_free=first_free,
        over_max=over,
        goals=list(referral.goals.all()),
    )


def grant_case_id(grant_id) -> int | None:
    pk = as_pk(grant_id)
    return Grant.objects.filter(pk=pk).values_list("case_id", flat=True).first() if pk else None


def grant_detail(*, actor, grant_id) -> Grant:
    pk = as_pk(grant_id)
    grant = (
        Grant.objects.select_related("offer", "case", "referral", "decided_by")
        .prefetch_related("funding__administration", "changes__changed_by")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if grant is None:
        raise NotFound(_("Bevillingen findes ikke."))
    case_for(actor, grant.case_id, need=CasePerm.VIEW_JOURNAL, audit_action=None)
    audit.record(actor=actor, action=AuditAction.VIEW, obj=grant, persons=[grant.child_id], case_id=grant.case_id)
    return grant


def visitation_queue(*, actor) -> list[Referral]:
    """The open applications (undecided or on a waiting list) of the cases the actor decides on."""
    led = actor_profile(actor).led_unit_ids
    if not led:
        return []
    visible = cases_visible_to(actor).filter(responsible_unit_id__in=led).values("pk")
    rows = list(
        _referral_qs()
        .select_related("case", "child")
        .filter(status__in=OPEN_REFERRAL, case_id__in=visible)
        .order_by("status", "applied_at", "id")[:LIST_LIMIT]
    )
    if rows:
        audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            object_type="interventions.referral",
            persons=[r.child_id for r in rows],
            detail={"view": "visitation", "count": len(rows)},
        )
    return rows


# -- economy (sums only) --------------------------------------------------------------------------------


@dataclass
class ForecastMonth:
    month: date
    committed: Decimal
    cumulative: Decimal
    budget_cumulative: Decimal | None


@dataclass
class Forecast:
    year: int
    administration: Administration | None
    unit: Unit | None
    months: list[ForecastMonth]
    total: Decimal
    budget: Budget | None
    by_kind: list[tuple[str, Decimal]]
    # The split of the cost between the paying administrations (code, name, sum), largest first.
    by_administration: list[tuple[str, str, Decimal]] = field(default_factory=list)

    @property
    def balance(self) -> Decimal | None:
        return None if self.budget is None else self.budget.amount - self.total

    @property
    def in_balance(self) -> bool | None:
        return None if self.budget is None else self.total <= self.budget.amount

    @property
    def used_share(self) -> Decimal | None:
        if self.budget is None or not self.budget.amount:
            return None
        return (self.total / self.budget.amount * 100).quantize(Decimal("0.1"))


def _cost_lines(year: int, administration: str = "", unit_id: int | None = None) -> QuerySet:
    qs = CostLine.objects.filter(month__gte=date(year, 1, 1), month__lte=date(year, 12, 1))
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    elif administration:
        qs = qs.filter(administration__code=administration)
    return qs


def forecast(*, year: int, administration: str = "", unit_id=None) -> Forecast:
    """The committed cost of the year's grants by month against the budget: of one administration, of one of its
    units, or (neither) of the whole municipality. Sums only: no person data."""
    unit = None
    if unit_id not in (None, ""):
        unit = Unit.objects.select_related("administration").filter(pk=as_pk(unit_id)).first()
        if unit is None:
            raise NotFound(_("Enheden findes ikke."))
        administration = unit.administration.code
    admin_obj = Administration.objects.filter(code=administration).first() if administration else None
    lines = _cost_lines(year, administration, unit.pk if unit else None)
    by_month = dict(lines.values("month").annotate(total=Sum("amount")).values_list("month", "total"))
    kinds = dict(OfferKind.choices)
    by_kind = sorted(
        (
            (str(kinds.get(k, k)), v or Decimal(0))
            for k, v in lines.values("grant__offer__kind")
            .annotate(total=Sum("amount"))
            .values_list("grant__offer__kind", "total")
        ),
        key=lambda kv: -kv[1],
    )
    budget_qs = Budget.objects.filter(year=year)
    if unit is not None:
        budget = budget_qs.filter(unit=unit).first()
    elif admin_obj is not None:
        budget = budget_qs.filter(administration=admin_obj, unit__isnull=True).first()
    else:
        total_budget = budget_qs.filter(unit__isnull=True).aggregate(s=Sum("amount"))["s"]
        budget = Budget(year=year, amount=total_budget) if total_budget is not None else None
    names = dict(AdministrationCode.choices)
    by_administration = sorted(
        (
            (code, str(names.get(code, code)), total or Decimal(0))
            for code, total in lines.values_list("administration__code")
            .annotate(total=Sum("amount"))
            .values_list("administration__code", "total")
        ),
        key=lambda row: (-row[2], row[0]),
    )
    months = []
    running = Decimal(0)
    for number in range(1, 13):
        month = date(year, number, 1)
        committed = by_month.get(month) or Decimal(0)
        running += committed
        budget_line = (budget.amount * number / 12).quantize(policies.ØRE) if budget is not None else None
        months.append(ForecastMonth(month, committed, running, budget_line))
    return Forecast(year, admin_obj, unit, months, running, budget, by_kind, by_administration)


def budgets(*, year: int | None = None) -> list[Budget]:
    qs = Budget.objects.select_related("administration", "unit", "updated_by")
    if year:
        qs = qs.filter(year=year)
    return list(qs.order_by("-year", "administration__code", "unit__name")[:LIST_LIMIT])


def budget_units() -> list[Unit]:
    return list(
        Unit.objects.filter(active=True).select_related("administration").order_by("administration__code", "name")
    )


# -- reports (aggregates only) --------------------------------------------------------------------------


@dataclass
class OccupancyRow:
    offer: Offer
    capacity: int | None
    occupied_today: int
    average: Decimal  # average places in use over the period
    utilisation: Decimal | None  # average / capacity, in percent
    waiting: int


@dataclass
class WaitingRow:
    offer: Offer
    granted_after_wait: int
    average_days: Decimal | None
    longest_days: int | None
    waiting_now: int
    longest_waiting_now_days: int | None


@dataclass
class Reports:
    year: int
    occupancy: list[OccupancyRow]
    waiting: list[WaitingRow]
    cost_by_kind: list[tuple[str, Decimal]]
    cost_by_step: list[tuple[policies.LadderStep, Decimal]]
    children_with_grants: int
    children_close_to_general: int

    @property
    def close_share(self) -> Decimal | None:
        if not self.children_with_grants:
            return None
        return (Decimal(self.children_close_to_general) * 100 / self.children_with_grants).quantize(Decimal("0.1"))


def reports(*, year: int, on: date | None = None) -> Reports:
    """Occupancy and waiting time per offer, cost by kind and by step on the intervention ladder, and the share of
    children with a running grant whose interventions are all close to the general school (steps 1-3)."""
    on = on or timezone.localdate()
    first, last = date(year, 1, 1), date(year, 12, 31)
    offers = list(Offer.objects.order_by("ladder_step", "name"))
    place_days: dict[int, int] = defaultdict(int)
    occupied_today: dict[int, int] = defaultdict(int)
    for offer_id, start, end in Grant.objects.filter(start__lte=last, end__gte=first).values_list(
        "offer_id", "start", "end"
    ):
        place_days[offer_id] += (min(end, last) - max(start, first)).days + 1
        if start <= on <= end:
            occupied_today[offer_id] += 1
    days = (last - first).days + 1
    waiting_now: dict[int, list] = defaultdict(list)
    for offer_id, at in Referral.objects.filter(status=ReferralStatus.WAITLISTED).values_list(
        "offer_id", "waitlisted_at"
    ):
        waiting_now[offer_id].append(at)
    waited: dict[int, list[int]] = defaultdict(list)
    for offer_id, at, decided in Grant.objects.filter(
        referral__waitlisted_at__isnull=False, decided_at__date__gte=first, decided_at__date__lte=last
    ).values_list("offer_id", "referral__waitlisted_at", "decided_at"):
        if at is not None:
            waited[offer_id].append((decided - at).days)
    now = timezone.now()
    occupancy, waiting = [], []
    for offer in offers:
        average = (Decimal(place_days[offer.pk]) / days).quantize(Decimal("0.1"))
        utilisation = (average * 100 / offer.capacity).quantize(Decimal("0.1")) if offer.capacity else None
        occupancy.append(
            OccupancyRow(
                offer, offer.capacity, occupied_today[offer.pk], average, utilisation, len(waiting_now[offer.pk])
            )
        )
        spans = waited[offer.pk]
        now_waits = [(now - at).days for at in waiting_now[offer.pk]]
        waiting.append(
            WaitingRow(
                offer,
                len(spans),
                (Decimal(sum(spans)) / len(spans)).quantize(Decimal("0.1")) if spans else None,
                max(spans) if spans else None,
                len(now_waits),
                max(now_waits) if now_waits else None,
            )
        )
    lines = _cost_lines(year)
    kinds = dict(OfferKind.choices)
    cost_by_kind = sorted(
        (
            (str(kinds.get(k, k)), v)
            for k, v in lines.values_list("grant__offer__kind")
            .annotate(t=Sum("amount"))
            .values_list("grant__offer__kind", "t")
        ),
        key=lambda kv: -kv[1],
    )
    steps = dict(
        lines.values_list("grant__offer__ladder_step")
        .annotate(t=Sum("amount"))
        .values_list("grant__offer__ladder_step", "t")
    )
    cost_by_step = [(step, steps.get(step.number) or Decimal(0)) for step in policies.LADDER]
    highest: dict[int, int] = {}
    for child_id, step in Grant.objects.filter(start__lte=on, end__gte=on).values_list(
        "child_id", "offer__ladder_step"
    ):
        highest[child_id] = max(step, highest.get(child_id, 0))
    close = sum(1 for step in highest.values() if policies.close_to_general(step))
    return Reports(year, occupancy, waiting, cost_by_kind, cost_by_step, len(highest), close)


def administrations() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in AdministrationCode.choices]


# -- for the pages: choices, the queue's positions, the application form ----------------------------------


def providers(*, active_only: bool = True) -> list[Provider]:
    qs = Provider.objects.select_related("unit")
    if active_only:
        qs = qs.filter(active=True)
    return list(qs.order_by("name", "id"))


def grant_referral_id(grant_id) -> int | None:
    pk = as_pk(grant_id)
    return Grant.objects.filter(pk=pk).values_list("referral_id", flat=True).first() if pk else None


def queue_positions(referrals) -> dict[int, int]:
    """The place on its offer's waiting list of every waitlisted referral given, in one query (no person data)."""
    offer_ids = {r.offer_id for r in referrals if r.status == ReferralStatus.WAITLISTED}
    if not offer_ids:
        return {}
    by_offer: dict[int, list] = defaultdict(list)
    for ref_id, offer_id, at in Referral.objects.filter(
        offer_id__in=offer_ids, status=ReferralStatus.WAITLISTED
    ).values_list("id", "offer_id", "waitlisted_at"):
        by_offer[offer_id].append((ref_id, at))
    positions = {}
    for entries in by_offer.values():
        for index, ref_id in enumerate(policies.queue_order(entries)):
            positions[ref_id] = index + 1
    return positions


def plan_goals_for(case: Case) -> tuple[PlanVersion | None, list[PlanGoal]]:
    """The goals of the case's plan an application may serve: those of the approved version, else of the draft.
    No audit and no gatekeeper: the caller has passed the gatekeeper for the case and records the look."""
    from helhed.plans.selectors import approved_version_of

    version = approved_version_of(case) or PlanVersion.objects.filter(plan__case=case).order_by("-number").first()
    if version is None:
        return None, []
    return version, list(version.goals.order_by("position", "id"))


@dataclass
class ApplicationForm:
    access: CaseAccess
    plan_version: PlanVersion | None
    goals: list[PlanGoal]
    offers: list[Offer]


def application_form(*, actor, case_id) -> ApplicationForm:
    """What the application page needs: the case (for those who may write to it), the plan's goals and the active
    offers. Refused before anything is recorded when the actor may not apply; the look is audited."""
    access = case_for(actor, case_id, need=CasePerm.VIEW_JOURNAL, audit_action=None)
    if not access.can(CasePerm.WRITE_JOURNAL):
        raise Forbidden(_("Kun sagens rådgivere kan søge om et tilbud, og kun mens sagen er åben."), code="forbidden")
    case = access.case
    version, goals = plan_goals_for(case)
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=case,
        persons=[case.child_id],
        case_id=case.pk,
        detail={"view": "interventions_apply"},
    )
    return ApplicationForm(access, version, goals, active_offers())


def offers_by_goal_key(access: CaseAccess) -> dict[str, list[Referral]]:
    """The case's applications and grants by the plan goal they serve (a goal's key is kept across plan versions),
    for the plan page. Only for readers of the journal: the plan itself is shared wider than the decisions."""
    if not access.can(CasePerm.VIEW_JOURNAL):
        return {}
    out: dict[str, list[Referral]] = defaultdict(list)
    rows = (
        Referral.objects.filter(case=access.case)
        .exclude(status=ReferralStatus.WITHDRAWN)
        .select_related("offer")
        .prefetch_related("goals")
        .order_by("applied_at", "id")
    )
    for referral in rows:
        for key in {goal.key for goal in referral.goals.all()}:
            out[key].append(referral)
    return dict(out)
