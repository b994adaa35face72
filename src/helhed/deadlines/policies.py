"""Pure deadline rules: the working-day calendar, choosing the rule version in force, computing a due time
and explaining it. No database, no I/O (the `holidays` package is a pure table of Danish public holidays).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from dateutil.relativedelta import relativedelta
from django.utils import translation
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

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
) -> Due:
    """When `rule_id` falls due for an event at `at` (aware). Birth-triggered rules need `birth_date`."""
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
