"""Pure rules of open, anonymous counselling (ADR 0015): the status transitions, what the anonymous texts may
not contain, who may see a unit's courses, the flow stage a converted case starts in, and the journal note
that carries the anonymous course into the case. No database, no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from helhed.flow import policies as flow_policies
from helhed.organisation.models import UnitKind

from .models import CounsellingStatus

PSEUDONYM_MAX = 80
SUMMARY_MAX = 2000
CONSENT_TEXT_MAX = 4000
CONSENT_NAME_MAX = 160
NOTE_MAX = 2000
DURATION_MAX = 600  # minutes: a conversation longer than ten hours is a typing mistake

# (from, to) -> name. Anything else is refused with a clear message.
TRANSITIONS: dict[tuple[str, str], str] = {
    (CounsellingStatus.OPEN, CounsellingStatus.CLOSED): "close",
    (CounsellingStatus.OPEN, CounsellingStatus.CONVERTED): "convert",
    (CounsellingStatus.CLOSED, CounsellingStatus.OPEN): "reopen",
}


def transition_allowed(from_status: str, to_status: str) -> bool:
    return (from_status, to_status) in TRANSITIONS


# -- what an anonymous text may not contain --------------------------------------------------------------

# Separators people put inside a CPR number: spaces (also no-break), dashes of every kind, dots, slashes.
_SEP = r"[\s\-\u2010-\u2015\u2212./_]"
_CPR_LIKE = (
    re.compile(rf"(?<!\d)\d{{6}}{_SEP}{{0,3}}\d{{4}}(?!\d)"),  # 0102031234, 010203-1234, 010203 – 1234
    re.compile(rf"(?<!\d)\d{{2}}{_SEP}{{1,3}}\d{{2}}{_SEP}{{1,3}}\d{{2}}{_SEP}{{0,3}}\d{{4}}(?!\d)"),  # 01.02.03-1234
    re.compile(r"(?<!\d)\d{10,}(?!\d)"),  # ten or more digits in a row
)
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]{2,}")


def identity_problem(text: str) -> str | None:
    """Why `text` cannot be stored in an anonymous course, or None. Refuses what is certainly identifying and
    easy to recognise: a CPR number (however it is written) and an e-mail address. Names and addresses cannot be
    told apart from ordinary words reliably; the forms warn about them instead."""
    text = text or ""
    if any(pattern.search(text) for pattern in _CPR_LIKE):
        return _(
            "Teksten ser ud til at indeholde et CPR-nummer. Anonym rådgivning må ikke indeholde CPR-numre, navne "
            "eller adresser. Fjern tallet, og prøv igen."
        )
    if _EMAIL.search(text):
        return _(
            "Teksten ser ud til at indeholde en e-mailadresse. Anonym rådgivning må ikke indeholde oplysninger, "
            "der kan identificere familien. Fjern adressen, og prøv igen."
        )
    return None


# -- access ----------------------------------------------------------------------------------------------


def may_access(unit_id: int, *, staff_unit_ids: Iterable[int], led_unit_ids: Iterable[int]) -> bool:
    """A unit's courses are for its counsellors, caseworkers and leaders, and for the leaders of its parent unit
    (`led_unit_ids` already holds the sub-units of the units a leader leads)."""
    return unit_id in set(staff_unit_ids) or unit_id in set(led_unit_ids)


# -- conversion ------------------------------------------------------------------------------------------

COUNSELLING_STAGE = "open_counselling.counselling"
INVESTIGATION_STAGE = "family_unit.investigation"


def stage_for(unit_kind: str) -> str | None:
    """The flow stage a case opened from a course starts in: open counselling in the counselling unit itself,
    investigation in a family unit or its investigation group; no stage elsewhere (set it on the case)."""
    for stage in (COUNSELLING_STAGE, INVESTIGATION_STAGE):
        if flow_policies.unit_takes(unit_kind, stage):
            return stage
    return None


def is_counselling_unit(unit_kind: str) -> bool:
    return unit_kind == UnitKind.OPEN_COUNSELLING


def consent_date_problem(consent_on: date | None, *, today: date, opened_on: date) -> str | None:
    if consent_on is None:
        return _("Skriv datoen, hvor familien gav samtykke.")
    if consent_on > today:
        return _("Datoen for samtykket ligger i fremtiden. Skriv den dato, familien gav samtykke.")
    if consent_on < opened_on:
        return _("Datoen for samtykket ligger før forløbet begyndte (%(date)s). Tjek datoen.") % {
            "date": f"{opened_on:%d.%m.%Y}"
        }
    return None


@dataclass(frozen=True)
class NoteContact:
    occurred_on: date
    channel: str  # the label
    duration_minutes: int
    summary: str


@dataclass(frozen=True)
class NoteCourse:
    pseudonym: str
    unit: str
    opened_on: date
    age_band: str  # the label
    contact_by: str  # the label
    topics: tuple[str, ...]  # the labels
    contacts: tuple[NoteContact, ...]
    consent_by: str  # "name (relation)"
    consent_on: date
    consent_text: str
    recorded_by: str


def handover_note_title() -> str:
    return _("Forløb i åben anonym rådgivning og familiens samtykke")


def handover_note_body(course: NoteCourse) -> str:
    """The journal note that carries the anonymous course into the case: what it was about, every contact's
    summary, and the consent that made the handover possible. Call inside record_language()."""
    lines = [
        _('Forløb i %(unit)s under kaldenavnet "%(pseudonym)s", begyndt %(date)s.')
        % {"unit": course.unit, "pseudonym": course.pseudonym, "date": f"{course.opened_on:%d.%m.%Y}"},
        _("Alder: %(age)s. Henvendelse fra: %(by)s.") % {"age": course.age_band, "by": course.contact_by.lower()},
        _("Emner: %(topics)s.") % {"topics": ", ".join(course.topics)},
        "",
        _("Kontakter (%(n)s):") % {"n": len(course.contacts)},
    ]
    for c in course.contacts:
        lines.append(
            _("- %(date)s, %(channel)s, %(minutes)s min.: %(summary)s")
            % {
                "date": f"{c.occurred_on:%d.%m.%Y}",
                "channel": c.channel.lower(),
                "minutes": c.duration_minutes,
                "summary": c.summary,
            }
        )
    if not course.contacts:
        lines.append(_("- Ingen kontakter registreret."))
    lines += [
        "",
        _("Samtykke"),
        _("Givet af %(by)s den %(date)s.") % {"by": course.consent_by, "date": f"{course.consent_on:%d.%m.%Y}"},
        _("Samtykket omfatter: %(text)s") % {"text": course.consent_text},
        _("Registreret af %(name)s.") % {"name": course.recorded_by},
    ]
    return "\n".join(lines)
