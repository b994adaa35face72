"""Pure rules of early detection (issue 6, in progress): the school-day calendar and the rule for concerning
school absence, as versioned data with its source. No ORM and no I/O, so they are tested without a database.

The rule only flags a pupil for a professional to look at; it decides nothing about the child (the Gladsaxe
lesson): every finding says which numbers made it, so the school social worker can check them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext_lazy as _


class AbsenceKind(StrEnum):
    ILLNESS = "illness"  # sygdom
    PERMITTED = "permitted"  # lovligt fravær (med skolens tilladelse)
    UNAUTHORISED = "unauthorised"  # ulovligt fravær


@dataclass(frozen=True)
class AbsenceRule:
    """One version of the rule for concerning absence. `share`: absent school days / school days in the window;
    `window_months`: the window ending on the evaluation day; `consecutive_days`: whole school days of
    unauthorised absence in a row. Configurable by the municipality; these are the defaults of issue 6."""

    id: str
    version: str
    valid_from: date
    share: Decimal
    window_months: int
    consecutive_days: int
    source: str


ABSENCE_RULES: tuple[AbsenceRule, ...] = (
    AbsenceRule(
        id="absence.concerning",
        version="2026-1",
        valid_from=date(2010, 1, 1),
        share=Decimal("0.10"),
        window_months=3,
        consecutive_days=5,
        source="Strategi 2010, 'Hurtig reaktion ved skolefravær'; bekendtgørelse om elevers fravær fra "
        "undervisningen i folkeskolen",
    ),
)


def absence_rule_in_force(on: date, rules: Sequence[AbsenceRule] = ABSENCE_RULES) -> AbsenceRule:
    """The newest version of the rule valid on `on`."""
    valid = [rule for rule in rules if rule.valid_from <= on]
    if not valid:
        raise LookupError(f"no absence rule in force on {on}")
    return max(valid, key=lambda rule: rule.valid_from)


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.Denmark(years=year))


@dataclass(frozen=True)
class SchoolCalendar:
    """School days: Monday to Friday, except Danish public holidays and the school holidays (periods, both days
    included) the municipality sets."""

    breaks: tuple[tuple[date, date], ...] = ()

    def is_school_day(self, day: date) -> bool:
        if day.weekday() >= 5 or day in _public_holidays(day.year):
            return False
        return not any(start <= day <= end for start, end in self.breaks)

    def school_days(self, start: date, end: date) -> list[date]:
        days, day = [], start
        while day <= end:
            if self.is_school_day(day):
                days.append(day)
            day += timedelta(days=1)
        return days


@dataclass(frozen=True)
class DayAbsence:
    """A pupil's absence on one day: `days` is the share of the school day missed (1 = the whole day; lessons
    are converted by the importer), with its kind."""

    day: date
    days: Decimal
    kind: str


@dataclass(frozen=True)
class Finding:
    rule: AbsenceRule
    window_start: date
    window_end: date
    school_days: int
    absent_days: Decimal
    share: Decimal  # 0..1, four decimals
    longest_unauthorised_run: int
    reasons: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)

    @property
    def percent(self) -> Decimal:
        return (self.share * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def window(as_of: date, rule: AbsenceRule) -> tuple[date, date]:
    """The rule's window: the `window_months` months ending on `as_of` (both days included)."""
    return as_of - relativedelta(months=rule.window_months) + timedelta(days=1), as_of


def evaluate(
    absences: Iterable[DayAbsence], *, as_of: date, calendar: SchoolCalendar, rule: AbsenceRule | None = None
) -> Finding:
    """Whether a pupil's absence is concerning on `as_of`, and why. Absence on a day that is not a school day is
    ignored; a day counts at most once (several records of one day are summed and capped at a whole day)."""
    rule = rule or absence_rule_in_force(as_of)
    start, end = window(as_of, rule)
    days = calendar.school_days(start, end)
    in_window = set(days)
    per_day: dict[date, Decimal] = {}
    unauthorised: dict[date, Decimal] = {}
    for record in absences:
        if record.day not in in_window:
            continue
        amount = max(Decimal(0), min(Decimal(1), Decimal(record.days)))
        per_day[record.day] = min(Decimal(1), per_day.get(record.day, Decimal(0)) + amount)
        if record.kind == AbsenceKind.UNAUTHORISED:
            unauthorised[record.day] = min(Decimal(1), unauthorised.get(record.day, Decimal(0)) + amount)
    absent = sum(per_day.values(), Decimal(0))
    share = (absent / len(days)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP) if days else Decimal(0)
    longest = run = 0
    for day in days:  # school days in order: weekends and holidays neither count nor break a run
        run = run + 1 if unauthorised.get(day, Decimal(0)) >= 1 else 0
        longest = max(longest, run)
    reasons = []
    if days and share >= rule.share:
        reasons.append(
            str(
                _("Fravær %(percent)s %% af skoledagene de seneste %(months)s måneder (grænse %(limit)s %%).")
                % {
                    "percent": f"{share * 100:.1f}".replace(".", ","),
                    "months": rule.window_months,
                    "limit": format((rule.share * 100).normalize(), "f").replace(".", ","),
                }
            )
        )
    if longest >= rule.consecutive_days:
        reasons.append(
            str(
                _("%(days)s skoledage i træk med ulovligt fravær (grænse %(limit)s).")
                % {"days": longest, "limit": rule.consecutive_days}
            )
        )
    return Finding(rule, start, end, len(days), absent, share, longest, reasons)
