"""Pure rules of early detection (issue 6, in progress): the school-day calendar and the rule for concerning
school absence, as versioned data with its source. No ORM and no I/O, so they are tested without a database.

The rule only flags a pupil for a professional to look at; it decides nothing about the child (the Gladsaxe
lesson): every finding says which numbers made it, so the school social worker can check them.
"""

from __future__ import annotations

import os
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


def _configured(name: str, default: str) -> str:
    return os.environ.get(name, default).strip() or default


# The municipality sets the limits (HELHED_ABSENCE_SHARE, HELHED_ABSENCE_WINDOW_MONTHS,
# HELHED_ABSENCE_CONSECUTIVE_DAYS); a version that differs from the defaults is marked as the municipality's own, so
# an alert always says which rule raised it.
_SHARE = Decimal(_configured("HELHED_ABSENCE_SHARE", "0.10"))
_WINDOW = int(_configured("HELHED_ABSENCE_WINDOW_MONTHS", "3"))
_RUN = int(_configured("HELHED_ABSENCE_CONSECUTIVE_DAYS", "5"))
_LOCAL = (Decimal("0.10"), 3, 5) != (_SHARE, _WINDOW, _RUN)

ABSENCE_RULES: tuple[AbsenceRule, ...] = (
    AbsenceRule(
        id="absence.concerning",
        version="2026-1-kommune" if _LOCAL else "2026-1",
        valid_from=date(2010, 1, 1),
        share=_SHARE,
        window_months=_WINDOW,
        consecutive_days=_RUN,
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


# What a school's system may call each kind of absence (lower case, Danish and English), and the words for a day
# without absence in a file that reports every pupil every day.
KIND_ALIASES: dict[str, str] = {
    "sygdom": AbsenceKind.ILLNESS,
    "syg": AbsenceKind.ILLNESS,
    "illness": AbsenceKind.ILLNESS,
    "lovligt": AbsenceKind.PERMITTED,
    "lovlig": AbsenceKind.PERMITTED,
    "lovligt fravær": AbsenceKind.PERMITTED,
    "ekstraordinær frihed": AbsenceKind.PERMITTED,
    "permitted": AbsenceKind.PERMITTED,
    "ulovligt": AbsenceKind.UNAUTHORISED,
    "ulovlig": AbsenceKind.UNAUTHORISED,
    "ulovligt fravær": AbsenceKind.UNAUTHORISED,
    "unauthorised": AbsenceKind.UNAUTHORISED,
    "unauthorized": AbsenceKind.UNAUTHORISED,
}
NO_ABSENCE_WORDS = frozenset({"", "ingen", "tilstede", "til stede", "none", "present"})
LESSONS_PER_DAY = 6  # when a file counts lessons and does not say how many the day had


def school_year_start(day: date) -> date:
    """1 August of the school year `day` belongs to (a Danish school year runs from August to June)."""
    return date(day.year if day.month >= 8 else day.year - 1, 8, 1)


def importable_period(today: date) -> tuple[date, date]:
    """The days an absence file may report: from the start of the previous school year to today."""
    start = school_year_start(today)
    return date(start.year - 1, 8, 1), today


def in_summer_break(day: date) -> bool:
    """July is the schools' summer holiday everywhere in Denmark: no day in it is a school day."""
    return day.month == 7


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.Denmark(years=year))


def is_public_holiday(day: date) -> bool:
    return day in _public_holidays(day.year)


# The municipal schools' holidays (besides public holidays and July), as the municipality publishes them each year.
# Data, not code: the municipality keeps this list. Private schools may differ; their absence on such a day is
# still imported, but the share of absence counts only the municipal school days.
SCHOOL_BREAKS: tuple[tuple[date, date], ...] = (
    (date(2024, 10, 12), date(2024, 10, 20)),  # efterårsferie
    (date(2024, 12, 21), date(2025, 1, 1)),  # juleferie
    (date(2025, 2, 8), date(2025, 2, 16)),  # vinterferie
    (date(2025, 4, 12), date(2025, 4, 21)),  # påskeferie
    (date(2025, 6, 28), date(2025, 8, 10)),  # sommerferie
    (date(2025, 10, 11), date(2025, 10, 19)),
    (date(2025, 12, 20), date(2026, 1, 1)),
    (date(2026, 2, 7), date(2026, 2, 15)),
    (date(2026, 3, 28), date(2026, 4, 6)),
    (date(2026, 6, 27), date(2026, 8, 9)),
    (date(2026, 10, 10), date(2026, 10, 18)),
    (date(2026, 12, 19), date(2027, 1, 3)),
    (date(2027, 2, 13), date(2027, 2, 21)),
    (date(2027, 3, 20), date(2027, 3, 29)),
    (date(2027, 6, 26), date(2027, 8, 8)),
)


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
        return list(_school_days(self, start, end))


MUNICIPAL_CALENDAR = SchoolCalendar(breaks=SCHOOL_BREAKS)


@lru_cache(maxsize=256)
def _school_days(calendar: SchoolCalendar, start: date, end: date) -> tuple[date, ...]:
    days, day = [], start
    while day <= end:
        if calendar.is_school_day(day):
            days.append(day)
        day += timedelta(days=1)
    return tuple(days)


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
    absences: Iterable[DayAbsence],
    *,
    as_of: date,
    calendar: SchoolCalendar,
    rule: AbsenceRule | None = None,
    reported: tuple[date, date] | None = None,
) -> Finding:
    """Whether a pupil's absence is concerning on `as_of`, and why. Absence on a day that is not a school day is
    ignored; a day counts at most once (several records of one day are summed and capped at a whole day).

    `reported`: the first and last day the schools have reported for the pupil. Only school days inside it count,
    so a pupil who started last week, or days no file has covered yet, do not dilute or inflate the share."""
    rule = rule or absence_rule_in_force(as_of)
    start, end = window(as_of, rule)
    days = calendar.school_days(start, end)
    if reported is not None:
        days = [day for day in days if reported[0] <= day <= reported[1]]
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


# -- the follow-up of an alert ------------------------------------------------------------------------------------
# An alert moves only along these edges (from, to); everything else is refused with a clear message.
ALERT_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        ("new", "acknowledged"),
        ("acknowledged", "meeting_booked"),
        ("meeting_booked", "acknowledged"),  # the meeting was cancelled: book another
        ("meeting_booked", "plan"),  # the meeting was held and a plan agreed with the parents
        ("new", "closed"),
        ("acknowledged", "closed"),
        ("meeting_booked", "closed"),
    }
)


def alert_move_allowed(from_status: str, to_status: str) -> bool:
    return (from_status, to_status) in ALERT_TRANSITIONS


def compulsory_school_age(birth_date: date, on: date) -> bool:
    """Undervisningspligt (folkeskoleloven § 34): from 1 August of the calendar year the child turns 6, for ten
    school years, i.e. until 31 July of the year the child turns 16."""
    return date(birth_date.year + 6, 8, 1) <= on <= date(birth_date.year + 16, 7, 31)


def compulsory_birth_range(on: date) -> tuple[date, date]:
    """The birth dates of the children of compulsory school age on `on` (both ends included)."""
    # Born in year Y: compulsory when date(Y+6, 8, 1) <= on <= date(Y+16, 7, 31).
    latest_year = on.year - 6 if on >= date(on.year, 8, 1) else on.year - 7
    earliest_year = on.year - 16 if on <= date(on.year, 7, 31) else on.year - 15
    return date(earliest_year, 1, 1), date(latest_year, 12, 31)


def median(values: Sequence[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


SUPPRESS_BELOW = 5


def suppress(count: int) -> int | None:
    """Small numbers are not shown in aggregates (None = '<5'); zero is shown, it identifies nobody."""
    return None if 0 < count < SUPPRESS_BELOW else count
