"""Pure rules for meetings and decisions: which transitions are allowed, who reads which minutes item and
decision, and the checks on a meeting's time. No database, no I/O."""

from __future__ import annotations

from datetime import date, datetime

from django.utils.translation import gettext as _

from helhed.core.errors import HelhedError

from .models import DecisionStatus, MeetingStatus, Visibility

MEETING_TRANSITIONS: dict[tuple[str, str], str] = {
    (MeetingStatus.PLANNED, MeetingStatus.HELD): "hold",
    (MeetingStatus.PLANNED, MeetingStatus.CANCELLED): "cancel",
}
DECISION_TRANSITIONS: dict[tuple[str, str], str] = {
    (DecisionStatus.OPEN, DecisionStatus.DONE): "complete",
    (DecisionStatus.OPEN, DecisionStatus.CANCELLED): "cancel",
    (DecisionStatus.DONE, DecisionStatus.OPEN): "reopen",
}

# The levels a reader sees, from the widest audience to the narrowest.
_ORDER = [Visibility.FAMILY, Visibility.PROFESSIONALS, Visibility.CASEWORKERS]
MAX_MEETING_HOURS = 12


def readable(level: str) -> frozenset[str]:
    """The visibilities a reader at `level` may read: a parent (family) only what is for everyone; a
    professional on the team also what is for professionals; the caseworkers everything."""
    return frozenset(_ORDER[: _ORDER.index(Visibility(level)) + 1])


def reader_level(*, full_access: bool, on_case: bool) -> str:
    """A staff member with full access to the case reads everything; one who sees what is shared with the team
    reads what is for professionals; anyone else (parents, the child, externals) what is for everyone."""
    if full_access:
        return Visibility.CASEWORKERS
    if on_case:
        return Visibility.PROFESSIONALS
    return Visibility.FAMILY


def check_times(starts_at: datetime, ends_at: datetime, *, now: datetime) -> None:
    if starts_at <= now:
        raise HelhedError(_("Mødet ligger i fortiden. Vælg et tidspunkt frem i tiden."), field="starts_at", code="past")
    if ends_at <= starts_at:
        raise HelhedError(_("Mødet skal slutte efter det begynder."), field="ends_at", code="ends_before_start")
    if (ends_at - starts_at).total_seconds() > MAX_MEETING_HOURS * 3600:
        raise HelhedError(
            _("Et møde kan højst vare %(n)s timer.") % {"n": MAX_MEETING_HOURS}, field="ends_at", code="too_long"
        )


def check_due(due_on: date, *, meeting_day: date) -> None:
    if due_on < meeting_day:
        raise HelhedError(
            _("Fristen for beslutningen kan ikke ligge før mødet (%(day)s).") % {"day": meeting_day.isoformat()},
            field="due_on",
            code="due_before_meeting",
        )
