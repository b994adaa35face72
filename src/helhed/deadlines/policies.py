"""Pure deadline rules: the working-day calendar, choosing the rule version in force, computing a due time
and explaining it. No database, no I/O (the `holidays` package is a pure table of Danish public holidays).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from dateutil.relativedelta import relativedelta
from django.utils import translation
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from helhed.core.errors import HelhedError

from .rules import RULES, Notifier, Rule, Trigger, Unit

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
# Public-sector closing days (month, day): grundlovsdag, juleaftensdag, nytårsaftensdag. Configurable.
DEFAULT_CLOSING_DAYS: tuple[tuple[int, int], ...] = ((6, 5), (12, 24), (12, 31))


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.Denmark(years=year))


@dataclass(frozen=True)
class WorkingDays:
    """Hverdage: Monday to Friday, except Danish public holidays and the closing days."""

    closing_days: tuple[tuple[int, int], ...] = DEFAULT_CLOSING_DAYS

    def is_closed(self, day: date) -> bool:
        """A public holiday or closing day (whatever the weekday)."""
        return day in _public_holidays(day.year) or (day.month, day.day) in self.closing_days

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and not self.is_closed(day)

    def add(self, start: date, n: int) -> tuple[date, list[date]]:
        """The n-th working day after `start`, and the holidays/closing days passed on the way."""
        day, counted, skipped = start, 0, []
        while counted < n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
            elif self.is_closed(day):
                skipped.append(day)
        return day, skipped


@dataclass(frozen=True)
class Due:
    rule: Rule
    due: date | datetime
    start: date | datetime
    explanation: str
    skipped: list[date] = field(default_factory=list)

    @property
    def due_iso(self) -> str:
        return self.due.isoformat()


def local(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return at.astimezone(COPENHAGEN)


def rule_in_force(rule_id: str, on: date) -> Rule:
    for rule in RULES:
        if rule.id == rule_id and rule.in_force(on):
            return rule
    raise LookupError(rule_id)


def rules_for(trigger: Trigger, *, notifier: Notifier | None = None, placed: bool = False) -> list[str]:
    """The rule ids a trigger starts, in table order."""
    ids: list[str] = []
    for rule in RULES:
        if rule.trigger != trigger or rule.id in ids:
            continue
        if rule.notifiers is not None and (notifier is None or notifier not in rule.notifiers):
            continue
        if rule.placed_only and not placed:
            continue
        ids.append(rule.id)
    return ids


def _day_list(days: list[date]) -> str:
    """'24., 25. og 31. december og 1. januar' / '24, 25 and 31 December and 1 January'."""
    english = translation.get_language() == "en"
    groups: list[tuple[int, list[int]]] = []
    for d in days:
        if groups and groups[-1][0] == d.month:
            groups[-1][1].append(d.day)
        else:
            groups.append((d.month, [d.day]))
    parts = []
    for month, numbers in groups:
        texts = [f"{n}" if english else f"{n}." for n in numbers]
        joined = texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + _(" og ") + texts[-1]
        name = str(MONTHS[month])
        parts.append(f"{joined} {name if english else name.lower()}")
    return _(" og ").join(parts)


def compute(
    rule_id: str,
    *,
    at: datetime,
    birth_date: date | None = None,
    placed: bool = False,
    calendar: WorkingDays | None = None,
    chosen: date | None = None,
    reason: str = "",
) -> Due:
    """When `rule_id` falls due for an event at `at` (aware). Birth-triggered rules need `birth_date`.

    `chosen`: a date the user set (e.g. the next review, chosen at a review) no later than the rule allows; the
    due is then that date, explained with the `reason` and the statutory latest. Raises `HelhedError` for a
    chosen date after the latest or before the event."""
    if chosen is not None:
        return _chosen(
            rule_id, at=at, birth_date=birth_date, placed=placed, calendar=calendar, chosen=chosen, reason=reason
        )
    calendar = calendar or WorkingDays()
    start_local = local(at)
    probe = rule_in_force(rule_id, start_local.date())
    if probe.unit == Unit.AGE:
        if birth_date is None:
            raise ValueError("birth_date is required for birth-triggered rules")
        months = probe.placed_offset if placed and probe.placed_offset is not None else probe.offset
        milestone = birth_date + relativedelta(months=months)
        # A birthday rule applies by the law in force on the birthday it is about.
        rule = rule_in_force(rule_id, milestone)
        text = _("%(law)s %(paragraph)s: %(years)s år og %(months)s måneder efter fødslen %(birth)s") % {
            "law": rule.law,
            "paragraph": rule.paragraph,
            "years": months // 12,
            "months": months % 12,
            "birth": birth_date.isoformat(),
        }
        return Due(
            rule, milestone, birth_date, _("frist %(due)s: %(text)s") % {"due": milestone.isoformat(), "text": text}
        )
    rule = probe
    if rule.unit == Unit.HOURS:
        due_at = (start_local.astimezone(UTC) + timedelta(hours=rule.offset)).astimezone(COPENHAGEN)
        text = _("%(law)s %(paragraph)s, %(n)s timer efter modtagelsen %(start)s") % {
            "law": rule.law,
            "paragraph": rule.paragraph,
            "n": rule.offset,
            "start": start_local.isoformat(),
        }
        if due_at.utcoffset() != start_local.utcoffset():
            text += _(" (uret er stillet undervejs; fristen er %(n)s faktiske timer)") % {"n": rule.offset}
        return Due(rule, due_at, start_local, _("frist %(due)s: %(text)s") % {"due": due_at.isoformat(), "text": text})
    start_day = start_local.date()
    if rule.unit == Unit.WORKING_DAYS:
        due_day, skipped = calendar.add(start_day, rule.offset)
        text = _("%(law)s %(paragraph)s, %(n)s hverdage efter modtagelsen %(start)s") % {
            "law": rule.law,
            "paragraph": rule.paragraph,
            "n": rule.offset,
            "start": start_day.isoformat(),
        }
        if skipped:
            text += _("; %(days)s er ikke hverdage") % {"days": _day_list(skipped)}
        return Due(
            rule, due_day, start_day, _("frist %(due)s: %(text)s") % {"due": due_day.isoformat(), "text": text}, skipped
        )
    # Calendar months, clamped to the last day of a shorter month.
    months = rule.placed_offset if placed and rule.placed_offset is not None else rule.offset
    due_day = start_day + relativedelta(months=months)
    if months == 0:
        text = _("%(law)s %(paragraph)s: senest samme dag som afgørelsen %(start)s (anbringelse uden samtykke)") % {
            "law": rule.law,
            "paragraph": rule.paragraph,
            "start": start_day.isoformat(),
        }
    else:
        text = _("%(law)s %(paragraph)s, %(n)s måneder efter %(start)s") % {
            "law": rule.law,
            "paragraph": rule.paragraph,
            "n": months,
            "start": start_day.isoformat(),
        }
        if due_day.day != start_day.day:
            text += _(" (måneden har ingen %(day)s., så fristen er månedens sidste dag)") % {"day": start_day.day}
    return Due(rule, due_day, start_day, _("frist %(due)s: %(text)s") % {"due": due_day.isoformat(), "text": text})


def _chosen(rule_id, *, at, birth_date, placed, calendar, chosen: date, reason: str) -> Due:
    latest = compute(rule_id, at=at, birth_date=birth_date, placed=placed, calendar=calendar)
    latest_day = latest.due.date() if isinstance(latest.due, datetime) else latest.due
    start_day = local(at).date()
    if chosen > latest_day:
        raise HelhedError(
            _("Datoen må højst ligge %(latest)s (%(law)s %(paragraph)s).")
            % {"latest": latest_day.isoformat(), "law": latest.rule.law, "paragraph": latest.rule.paragraph},
            field="due_on",
            code="after_latest",
        )
    if chosen < start_day:
        raise HelhedError(_("Datoen kan ikke ligge før %(start)s.") % {"start": start_day.isoformat()}, field="due_on")
    if not (reason or "").strip():
        raise HelhedError(_("Skriv hvorfor datoen er valgt."), field="due_reason", code="reason_missing")
    text = _("valgt %(start)s med begrundelsen: %(reason)s; %(law)s %(paragraph)s tillader senest %(latest)s") % {
        "start": start_day.isoformat(),
        "reason": reason.strip(),
        "law": latest.rule.law,
        "paragraph": latest.rule.paragraph,
        "latest": latest_day.isoformat(),
    }
    return Due(latest.rule, chosen, start_day, _("frist %(due)s: %(text)s") % {"due": chosen.isoformat(), "text": text})


# Deadline status transitions: an open deadline is met (on time), missed (met late) or waived (with a reason).
TRANSITIONS: dict[tuple[str, str], str] = {
    ("open", "met"): "meet",
    ("open", "missed"): "meet_late",
    ("open", "waived"): "waive",
}


def due_moment(due: date | datetime) -> datetime:
    """The moment a deadline falls due: an hour rule's exact time, a date rule's end of day in Copenhagen."""
    if isinstance(due, datetime):
        return due
    return datetime(due.year, due.month, due.day, 23, 59, 59, tzinfo=COPENHAGEN)


def outcome_when_met(due: datetime, met_at: datetime) -> str:
    return "met" if met_at <= due else "missed"


# -- overdue notices ----------------------------------------------------------------------------------

# A deadline's unit leaders are told when it is still open this many working days after it fell due.
LEADER_NOTICE_WORKING_DAYS = 2


def leader_notice_from(due_at: datetime, calendar: WorkingDays | None = None) -> datetime:
    """The moment a still-open deadline is overdue by more than `LEADER_NOTICE_WORKING_DAYS` working days:
    the start (Copenhagen) of the day after the second working day after the day it fell due. Due Monday →
    Thursday 00:00; due Friday → Wednesday 00:00; due the day before Christmas → after the holidays."""
    calendar = calendar or WorkingDays()
    last_grace_day, _skipped = calendar.add(local(due_at).date(), LEADER_NOTICE_WORKING_DAYS)
    after = last_grace_day + timedelta(days=1)
    return datetime(after.year, after.month, after.day, tzinfo=COPENHAGEN)


# -- compliance: periods, rates and medians ------------------------------------------------------------


class Period(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"


class Outcome(StrEnum):
    """What became of a deadline that has fallen due (or was closed): the drill-down's cells."""

    MET = "met"  # closed on time
    MISSED = "missed"  # closed late
    OVERDUE = "overdue"  # past due and still open
    WAIVED = "waived"  # not owed after all: left out of the rate


MAX_PERIOD_MONTHS = 60  # five years in one report
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str, *, field: str) -> date:
    """'2025-03' → date(2025, 3, 1). Raises `HelhedError` with a Danish message for anything else."""
    match = _MONTH.match((text or "").strip())
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return date(year, month, 1)
    raise HelhedError(_("Skriv måneden som år og måned, fx 2025-03 (år 2000-2100)."), field=field, code="invalid_month")


def month_key(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def bucket_start(month: date, period: Period) -> date:
    """The first month of the bucket (month or quarter) `month` falls in."""
    if period == Period.QUARTER:
        return date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)
    return date(month.year, month.month, 1)


def bucket_key(month: date, period: Period) -> str:
    """The bucket a month falls in: '2025-03' by month, '2025-Q1' by quarter."""
    if period == Period.QUARTER:
        return f"{month.year:04d}-Q{(month.month - 1) // 3 + 1}"
    return month_key(month)


def bucket_label(key: str) -> str:
    """'2025-03' → '2025-03'; '2025-Q1' → '1. kvartal 2025' (in the UI language)."""
    if "-Q" in key:
        year, quarter = key.split("-Q")
        return _("%(quarter)s. kvartal %(year)s") % {"quarter": quarter, "year": year}
    return key


def buckets(first: date, last: date, period: Period) -> list[str]:
    """Every bucket key from the month `first` to the month `last`, both included, in order."""
    keys: list[str] = []
    month = bucket_start(first, period)
    step = relativedelta(months=3 if period == Period.QUARTER else 1)
    while month <= last:
        keys.append(bucket_key(month, period))
        month += step
    return keys


def bucket_starts(first: date, last: date, period: Period) -> list[tuple[str, datetime]]:
    """Each bucket's key and the moment it starts (Copenhagen), in order, followed by ("", the end): the
    boundaries the database sorts deadlines into without converting every row to local time."""
    starts: list[tuple[str, datetime]] = []
    month = bucket_start(first, period)
    step = relativedelta(months=3 if period == Period.QUARTER else 1)
    while month <= last:
        starts.append((bucket_key(month, period), datetime(month.year, month.month, 1, tzinfo=COPENHAGEN)))
        month += step
    starts.append(("", datetime(month.year, month.month, 1, tzinfo=COPENHAGEN)))
    return starts


def bucket_spans(first: date, last: date, period: Period) -> list[tuple[str, datetime, datetime]]:
    """Each bucket from `first` to `last` as (key, start, end), end exclusive (Copenhagen)."""
    starts = bucket_starts(first, last, period)
    return [(key, start, starts[i + 1][1]) for i, (key, start) in enumerate(starts[:-1])]


def started_buckets(moments, now: datetime) -> set[tuple[Period, str]]:
    """The (period, key) of the month and the quarter each moment falls in, for the buckets that have begun by
    `now`: a deadline falling due in one of them changes figures that may have been stored. Buckets wholly in
    the future are never stored, so a deadline due there invalidates nothing."""
    keys: set[tuple[Period, str]] = set()
    for moment in moments:
        day = local(moment).date()
        for period in Period:
            first = bucket_start(day, period)
            if datetime(first.year, first.month, 1, tzinfo=COPENHAGEN) <= now:
                keys.add((period, bucket_key(first, period)))
    return keys


def period_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start of month `first`, start of the month after `last`) as aware Copenhagen datetimes."""
    end = last + relativedelta(months=1)
    return (
        datetime(first.year, first.month, 1, tzinfo=COPENHAGEN),
        datetime(end.year, end.month, 1, tzinfo=COPENHAGEN),
    )


@dataclass(frozen=True)
class ComplianceFilter:
    period: Period
    first: date  # first month (day 1)
    last: date  # last month (day 1), included
    rule_id: str = ""
    unit_id: int | None = None

    @property
    def bucket_keys(self) -> list[str]:
        return buckets(self.first, self.last, self.period)

    def as_query(self) -> dict[str, str]:
        query = {"period": str(self.period), "from": month_key(self.first), "to": month_key(self.last)}
        if self.rule_id:
            query["rule"] = self.rule_id
        if self.unit_id is not None:
            query["unit"] = str(self.unit_id)
        return query


def rule_title(rule_id: str) -> str:
    """The rule's title in the UI language (the newest version's; titles do not change between laws)."""
    english = translation.get_language() == "en"
    for rule in reversed(RULES):
        if rule.id == rule_id:
            return rule.title_en if english else rule.title_da
    return rule_id


def known_rule_ids() -> list[str]:
    ids: list[str] = []
    for rule in RULES:
        if rule.id not in ids:
            ids.append(rule.id)
    return ids


def parse_unit_id(text: str, *, field: str = "unit") -> int:
    value = (text or "").strip()
    if not value.isdigit() or len(value) > 10 or int(value) > 2_147_483_647:
        raise HelhedError(_("Vælg en enhed fra listen."), field=field, code="invalid_unit")
    return int(value)


def parse_compliance_filter(params, *, today: date) -> ComplianceFilter:
    """The compliance report's filters from query parameters (`period`, `from`, `to`, `rule`, `unit`).
    Defaults: by month, the last twelve months up to and including this one. Raises `HelhedError`."""
    period_text = (params.get("period") or Period.MONTH).strip()
    if period_text not in {p.value for p in Period}:
        raise HelhedError(_("Vælg periode: måned eller kvartal."), field="period", code="invalid_period")
    period = Period(period_text)
    this_month = date(today.year, today.month, 1)
    last = parse_month(params["to"], field="to") if params.get("to") else this_month
    first = parse_month(params["from"], field="from") if params.get("from") else last - relativedelta(months=11)
    if first > last:
        raise HelhedError(_("Fra-måneden skal ligge før eller være lig med til-måneden."), field="from")
    # A quarter is counted whole: widen the months to the quarters they fall in.
    first = bucket_start(first, period)
    if period == Period.QUARTER:
        last = bucket_start(last, period) + relativedelta(months=2)
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if months > MAX_PERIOD_MONTHS:
        raise HelhedError(
            _("Vælg højst %(n)s måneder ad gangen.") % {"n": MAX_PERIOD_MONTHS}, field="from", code="too_long"
        )
    rule_id = (params.get("rule") or "").strip()
    if rule_id and rule_id not in known_rule_ids():
        raise HelhedError(_("Vælg en frist fra listen."), field="rule", code="invalid_rule")
    unit_text = (params.get("unit") or "").strip()
    unit_id = parse_unit_id(unit_text) if unit_text else None
    return ComplianceFilter(period=period, first=first, last=last, rule_id=rule_id, unit_id=unit_id)


def on_time_rate(met: int, missed: int, overdue: int) -> float | None:
    """The share met on time: met / (met + missed + overdue). Waived deadlines are not owed, so they are
    left out. None when nothing was owed (no rate rather than a misleading 0 % or 100 %)."""
    owed = met + missed + overdue
    if owed <= 0:
        return None
    return met / owed


def median(values) -> float | None:
    """The median of numbers (the mean of the two middle ones for an even count); None for none."""
    ordered = sorted(v for v in values if v is not None)
    n = len(ordered)
    if n == 0:
        return None
    mid = n // 2
    if n % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def days(seconds: float | None) -> float | None:
    """Seconds as days with one decimal, rounded half up (36 hours → 1.5)."""
    if seconds is None:
        return None
    return float(Decimal(str(seconds / 86400)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def one_decimal(value: float | None) -> str:
    """A number with one decimal and a decimal comma, rounded half up ('87,5'); '' for None."""
    if value is None:
        return ""
    return str(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)).replace(".", ",")


def percent(rate: float | None) -> str:
    """A rate as a Danish percentage with one decimal ('87,5 %'); '–' when there is none."""
    if rate is None:
        return "–"
    return f"{one_decimal(rate * 100)} %"
