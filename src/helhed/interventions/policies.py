"""Pure rules of the intervention catalogue: the intervention ladder (versioned data), the complaint guidance,
cost and pro-rata by month, the funding split, capacity over a period, the waiting list's expected starts and
the maximum duration. No ORM and no I/O, so they are tested without a database."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext_lazy as _
from stdnum.dk import cvr as stdnum_cvr
from stdnum.exceptions import ValidationError as StdnumError

K = TypeVar("K")
ØRE = Decimal("0.01")
HUNDRED = Decimal(100)
TEXT_MAX = 4000
NAME_MAX = 160
PRICE_MAX = Decimal("9999999999.99")
UNITS_MAX = Decimal("999999.99")
CAPACITY_MAX = 100000
DURATION_MAX_MONTHS = 120
GRANT_MAX_DAYS = 366 * 10  # no single grant runs longer than ten years
NEAR_MAX_DAYS = 30  # "close to the maximum duration" on the overviews


# -- the intervention ladder (indsatstrappen), versioned data --------------------------------------------


@dataclass(frozen=True)
class LadderStep:
    number: int
    name: object
    hint: object
    close_to_general: bool  # the step keeps the child in or close to the general school and daycare


LADDER_VERSION = "2026-1"
LADDER: tuple[LadderStep, ...] = (
    LadderStep(1, _("Almene fællesskaber"), _("Almindelig skole, dagtilbud og fritid uden særlig støtte."), True),
    LadderStep(
        2,
        _("Forebyggende støtte i almenmiljøet"),
        _("Fx skole- og dagtilbudssocialrådgiver, rådgivning og netværksmøder."),
        True,
    ),
    LadderStep(
        3,
        _("Fleksible indsatser tæt på almenskolen"),
        _("Skoleloop, skoleflex, tilbageslutningsforløb, skoleopdateringsforløb, kontaktperson, skoleskulkerklasse."),
        True,
    ),
    LadderStep(
        4,
        _("Familiebehandling og programmer"),
        _("Fx De Utrolige År og anden familiebehandling i hjemmet eller ambulant."),
        False,
    ),
    LadderStep(5, _("Dagbehandling og specialtilbud"), _("Dagbehandlingstilbud og specialskoler."), False),
    LadderStep(
        6, _("Anbringelse uden for hjemmet"), _("Netværkspleje, plejefamilie, døgninstitution, MultifunC."), False
    ),
)
LADDER_BY_NUMBER = {step.number: step for step in LADDER}


def ladder_step(number: int | None) -> LadderStep | None:
    return LADDER_BY_NUMBER.get(number) if number is not None else None


def close_to_general(step_number: int) -> bool:
    step = ladder_step(step_number)
    return bool(step and step.close_to_general)


# -- complaint guidance (klagevejledning), versioned data by the law of the offer's legal basis ------------


COMPLAINT_VERSION = "2026-1"
_COMPLAINT_SOCIAL = _(
    "Du kan klage over afgørelsen. Klagen sendes til kommunen inden 4 uger efter, at du har modtaget "
    "afgørelsen (retssikkerhedslovens § 67). Kommunen ser på sagen igen, og hvis afgørelsen ikke ændres, sendes "
    "klagen videre til Ankestyrelsen (barnets lov kapitel 22 og retssikkerhedslovens kapitel 10). Du kan klage "
    "mundtligt eller skriftligt, og din sagsbehandler hjælper gerne."
)
_COMPLAINT_SCHOOL = _(
    "Du kan klage over afgørelsen til Klagenævnet for Specialundervisning inden 4 uger efter, at du har modtaget "
    "den (folkeskolelovens § 51). Klagen sendes til kommunen, som ser på sagen igen inden den sendes videre. "
    "Skolen eller din sagsbehandler hjælper gerne."
)


def complaint_guidance(legal_basis: str) -> str:
    """The complaint guidance for a refusal, by the law the offer is given under (folkeskoleloven or social law)."""
    text = (legal_basis or "").lower()
    if "folkeskolelov" in text or text.startswith("fsl"):
        return str(_COMPLAINT_SCHOOL)
    return str(_COMPLAINT_SOCIAL)


# -- the CVR number -------------------------------------------------------------------------------------


def clean_cvr(value: str) -> tuple[str, str | None]:
    """(the CVR number as 8 digits, None) or ("", a Danish message)."""
    raw = (value or "").strip()
    if not raw:
        return "", str(_("Skriv leverandørens CVR-nummer (8 cifre)."))
    try:
        return stdnum_cvr.validate(raw), None
    except StdnumError:
        return "", str(
            _("%(value)s er ikke et gyldigt CVR-nummer. Et CVR-nummer har 8 cifre og et gyldigt kontrolciffer.")
            % {"value": raw[:20]}
        )


# -- months and pro rata --------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    return day + relativedelta(months=months)


@dataclass(frozen=True)
class MonthSpan:
    month: date  # first day of the month
    days: int  # days of the period in this month
    month_days: int  # days in the month


def month_spans(start: date, end: date) -> list[MonthSpan]:
    """The months a period (both days included) touches, with how many of its days fall in each."""
    if end < start:
        return []
    spans = []
    month = month_start(start)
    while month <= end:
        last = month_end(month)
        first_day = max(start, month)
        last_day = min(end, last)
        spans.append(MonthSpan(month, (last_day - first_day).days + 1, last.day))
        month = next_month(month)
    return spans


def _money(value: Decimal) -> Decimal:
    return value.quantize(ØRE, rounding=ROUND_HALF_UP)


def monthly_cost(
    *, price: Decimal, price_unit: str, units: Decimal, start: date, end: date
) -> list[tuple[date, Decimal]]:
    """The committed cost of a grant per month, pro rata by days:

    - per day: price × units × the days of the period in the month (calendar days);
    - per month: price × units × the share of the month's days in the period;
    - per hour: price × units (hours a month) × the share of the month's days in the period;
    - per course: price × units for the whole period, spread over its months by days; the last month takes the
      rounding so the months sum to the course price exactly.
    """
    spans = month_spans(start, end)
    if not spans:
        return []
    price, units = Decimal(price), Decimal(units)
    if price_unit == "day":
        return [(s.month, _money(price * units * s.days)) for s in spans]
    if price_unit in ("month", "hour"):
        return [(s.month, _money(price * units * s.days / s.month_days)) for s in spans]
    if price_unit == "course":
        total = _money(price * units)
        all_days = sum(s.days for s in spans)
        out, spent = [], Decimal(0)
        for index, span in enumerate(spans):
            amount = total - spent if index == len(spans) - 1 else _money(total * span.days / all_days)
            spent += amount
            out.append((span.month, amount))
        return out
    raise ValueError(f"unknown price unit {price_unit!r}")


def total_cost(*, price: Decimal, price_unit: str, units: Decimal, start: date, end: date) -> Decimal:
    return sum(
        (a for _m, a in monthly_cost(price=price, price_unit=price_unit, units=units, start=start, end=end)),
        Decimal(0),
    )


def split(amount: Decimal, shares: Sequence[tuple[K, Decimal]]) -> list[tuple[K, Decimal]]:
    """An amount split by percentage shares (summing to 100), to the øre; the largest share takes the rounding so
    the parts always sum to the amount."""
    if not shares:
        return []
    parts = [(key, _money(amount * Decimal(share) / HUNDRED)) for key, share in shares]
    rest = amount - sum((p for _k, p in parts), Decimal(0))
    if rest:
        biggest = max(range(len(shares)), key=lambda i: (Decimal(shares[i][1]), -i))
        key, value = parts[biggest]
        parts[biggest] = (key, value + rest)
    return parts


def cost_lines(
    *, price: Decimal, price_unit: str, units: Decimal, start: date, end: date, shares: Sequence[tuple[K, Decimal]]
) -> list[tuple[date, K, Decimal]]:
    """A grant's committed cost as (month, payer, amount) lines: the monthly cost split by the payers' shares. What
    `services.write_cost_lines` stores (the demo and the benchmark write the same lines in bulk)."""
    return [
        (month, payer, part)
        for month, amount in monthly_cost(price=price, price_unit=price_unit, units=units, start=start, end=end)
        for payer, part in split(amount, shares)
    ]


def paying_unit(
    *, chosen: K | None, administration: object, case_unit_administration: object, family_unit: K
) -> K | None:
    """The unit whose budget carries an administration's share of a grant: the offer's paying unit for it when it
    names one; otherwise, for the administration of the case's responsible unit, that unit's family unit (its
    parent, or itself); otherwise none (the administration's common budget). Works on objects or ids alike."""
    if chosen is not None:
        return chosen
    return family_unit if administration == case_unit_administration else None


def shares_problem(shares: Iterable[Decimal]) -> str | None:
    shares = [Decimal(s) for s in shares]
    if not shares:
        return str(_("Angiv mindst én forvaltning, der betaler for tilbuddet."))
    if any(s <= 0 or s > HUNDRED for s in shares):
        return str(_("En forvaltnings andel skal være mellem 0 og 100 procent."))
    if sum(shares) != HUNDRED:
        return str(_("Andelene skal tilsammen være 100 procent (nu %(sum)s procent).") % {"sum": f"{sum(shares):g}"})
    return None


# -- capacity and the waiting list ----------------------------------------------------------------------


def overlaps(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    return a_start <= b_end and b_start <= a_end


def peak_occupancy(periods: Iterable[tuple[date, date]], start: date, end: date) -> int:
    """The largest number of periods running on any one day of [start, end] (both included)."""
    events: list[tuple[date, int]] = []
    for p_start, p_end in periods:
        if not overlaps(p_start, p_end, start, end):
            continue
        events.append((max(p_start, start), 1))
        events.append((min(p_end, end) + timedelta(days=1), -1))
    events.sort(key=lambda e: (e[0], e[1]))  # an end (-1) before a start (+1) on the same day
    running = peak = 0
    for _day, delta in events:
        running += delta
        peak = max(peak, running)
    return peak


def has_room(capacity: int | None, periods: Iterable[tuple[date, date]], start: date, end: date) -> bool:
    """Whether one more place fits on every day of [start, end]."""
    if capacity is None:
        return True
    return peak_occupancy(periods, start, end) < capacity


def occupancy_by_month(
    periods: Iterable[tuple[date, date]], first_month: date, months: int
) -> list[tuple[date, Decimal, int]]:
    """Per month: the average number of places in use (place-days / days) and the peak."""
    periods = list(periods)
    out = []
    month = month_start(first_month)
    for _i in range(months):
        last = month_end(month)
        place_days = 0
        for p_start, p_end in periods:
            if overlaps(p_start, p_end, month, last):
                place_days += (min(p_end, last) - max(p_start, month)).days + 1
        average = (Decimal(place_days) / last.day).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        out.append((month, average, peak_occupancy(periods, month, last)))
        month = next_month(month)
    return out


def expected_starts(capacity: int | None, ends: Iterable[date], queue_length: int, today: date) -> list[date]:
    """The expected start of each place in the queue (first in line first): the day after the n-th place frees
    up, given the last days of the grants running today or later. With room today the start is today."""
    if queue_length <= 0:
        return []
    if capacity is None:
        return [today] * queue_length
    running = sorted(e for e in ends if e >= today)
    free_now = max(capacity - len(running), 0)
    out: list[date] = []
    for position in range(queue_length):
        if position < free_now:
            out.append(today)
        else:
            index = position - free_now
            # A place frees the day after a grant ends; a place taken from the queue runs on, so later positions
            # wait for later ends. With more in the queue than places ending, no estimate is given.
            out.append(running[index] + timedelta(days=1) if index < len(running) else None)  # type: ignore[arg-type]
    return out


def queue_order(entries: Iterable[tuple[int, object]]) -> list[int]:
    """The waiting list's order: first put on the list, first in line (ties by id). `entries` are
    (referral id, waitlisted_at)."""
    return [ref_id for ref_id, _at in sorted(entries, key=lambda e: (e[1], e[0]))]


# -- duration -------------------------------------------------------------------------------------------


def duration_limit_end(start: date, max_months: int | None) -> date | None:
    """The last day a grant may run when it starts on `start` and the offer allows `max_months`."""
    if not max_months:
        return None
    return add_months(start, max_months) - timedelta(days=1)


def days_used(periods: Iterable[tuple[date, date]]) -> int:
    """Days covered by the periods (overlaps counted once)."""
    total = 0
    last_end: date | None = None
    for p_start, p_end in sorted(periods):
        if last_end is not None and p_start <= last_end:
            if p_end > last_end:
                total += (p_end - last_end).days
                last_end = p_end
            continue
        total += (p_end - p_start).days + 1
        last_end = p_end
    return total


def max_days(start: date, max_months: int | None) -> int | None:
    limit = duration_limit_end(start, max_months)
    return (limit - start).days + 1 if limit else None


def exceeds_max_duration(
    *, max_months: int | None, earlier: Iterable[tuple[date, date]], start: date, end: date
) -> bool:
    """Whether the child's time in the offer, earlier grants and this one together, passes its maximum duration
    (a truancy class must stay temporary)."""
    if not max_months:
        return False
    periods = [*earlier, (start, end)]
    first = min(p[0] for p in periods)
    allowed = max_days(first, max_months)
    return allowed is not None and days_used(periods) > allowed


def near_max_duration(*, max_months: int | None, periods: Sequence[tuple[date, date]], today: date) -> bool:
    """Whether a running grant's time in the offer is within NEAR_MAX_DAYS of (or past) the maximum."""
    if not max_months or not periods:
        return False
    first = min(p[0] for p in periods)
    allowed = max_days(first, max_months)
    return allowed is not None and days_used(periods) >= allowed - NEAR_MAX_DAYS
