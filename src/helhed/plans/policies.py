"""Pure rules for the child's plan (barnets plan, BL § 91; youth plan from 16, BL § 108; reviews, BL § 95).
No ORM and no I/O, so every rule here is tested without a database.

- The life areas are a fixed, versioned list. Every plan version records the list version it was made with,
  so a later change of the list never changes what an approved plan says.
- From the 16th birthday (on the plan's date) the plan gets a youth section with its own life areas:
  education, employment, own housing and aftercare (003: "særlige handleplaner for de unge over 16 år").
- `diff_goals` and `diff_fields` say what changed between an approved version and the next one, goal by
  goal and field by field, matched by the goal's stable key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

LIFE_AREAS_VERSION = "2024-1"
YOUTH_AGE = 16

# Lengths the services check (the columns they go into, or a sane bound for free text).
GOAL_TEXT_MAX = 2000
FREE_TEXT_MAX = 4000
MEASURE_MAX = 300
MEASURES_MAX = 30
GOALS_MAX = 60
NAME_MAX = 200


@dataclass(frozen=True)
class LifeArea:
    code: str
    label: object  # lazy Danish text
    youth: bool = False  # part of the youth plan (from 16), shown only then
    hint: object = ""


# BL § 91 stk. 3 asks the plan to cover the child's whole life; these are the areas the municipality uses.
LIFE_AREAS: tuple[LifeArea, ...] = (
    LifeArea("health", _("Sundhed"), hint=_("Fx trivsel, søvn, kost, psykisk og fysisk helbred.")),
    LifeArea("learning", _("Dagtilbud, skole og læring"), hint=_("Fx fremmøde, faglig udvikling, klassen.")),
    LifeArea("development", _("Udvikling og adfærd"), hint=_("Fx følelser, selvstændighed, adfærd.")),
    LifeArea("leisure", _("Fritid og venskaber"), hint=_("Fx fritidsaktiviteter og venner.")),
    LifeArea("family", _("Familie og netværk"), hint=_("Fx forældre, søskende, netværk.")),
    LifeArea(
        "housing_economy",
        _("Bolig, beskæftigelse og økonomi"),
        hint=_("Familiens forhold: bolig, arbejde og økonomi."),
    ),
    LifeArea(
        "youth_education",
        _("Uddannelse"),
        youth=True,
        hint=_("Ungeplan: den unges vej til og i en uddannelse."),
    ),
    LifeArea(
        "youth_employment",
        _("Beskæftigelse"),
        youth=True,
        hint=_("Ungeplan: job, praktik eller jobcenterets tilbud."),
    ),
    LifeArea(
        "youth_housing",
        _("Egen bolig"),
        youth=True,
        hint=_("Ungeplan: hvordan den unge skal bo og klare sig i egen bolig."),
    ),
    LifeArea(
        "youth_aftercare",
        _("Efterværn og ungestøtte"),
        youth=True,
        hint=_("Ungeplan: støtte efter 18 år (barnets lov §§ 111 og 113-116)."),
    ),
)
_BY_CODE = {a.code: a for a in LIFE_AREAS}


def life_area(code: str) -> LifeArea | None:
    return _BY_CODE.get(code)


def life_area_label(code: str) -> str:
    area = _BY_CODE.get(code)
    return str(area.label) if area is not None else code


def life_areas(*, youth: bool) -> list[LifeArea]:
    """The areas a goal may be set in: the general ones, and the youth ones when the youth section applies."""
    return [a for a in LIFE_AREAS if youth or not a.youth]


def grouped(goals: Sequence, *, youth: bool) -> list[tuple[str, list]]:
    """Goals (anything with a `life_area` code) under their life areas, in the list's order; only areas that
    have goals; the youth plan's areas when `youth`, else the general ones."""
    out = []
    for area in LIFE_AREAS:
        if area.youth != youth:
            continue
        rows = [g for g in goals if g.life_area == area.code]
        if rows:
            out.append((str(area.label), rows))
    return out


def age_on(birth_date: date, day: date) -> int:
    """Whole years of age on `day` (a child born 29 February has its birthday on 1 March in other years)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def youth_section_applies(birth_date: date | None, on: date) -> bool:
    """Whether the plan has a youth section: the child is 16 or more on the plan's date (BL § 108). Without a
    birth date Helhed cannot tell, and shows no youth section."""
    return birth_date is not None and age_on(birth_date, on) >= YOUTH_AGE


# -- reviews ------------------------------------------------------------------------------------------

RATINGS = ("achieved", "progress", "no_progress", "worse")


# -- the difference between two versions --------------------------------------------------------------


@dataclass(frozen=True)
class GoalSnapshot:
    """A goal as plain values, so two versions can be compared without the database."""

    key: str
    life_area: str
    text: str
    administration: str = ""
    responsible: str = ""  # the responsible person's name as shown
    measures: tuple[str, ...] = ()
    success: str = ""
    child_view: str = ""
    parents_view: str = ""


GOAL_FIELDS: tuple[tuple[str, object], ...] = (
    ("life_area", _("Livsområde")),
    ("text", _("Mål")),
    ("administration", _("Ansvarlig forvaltning")),
    ("responsible", _("Ansvarlig person")),
    ("measures", _("Indsatser")),
    ("success", _("Sådan ser vi, at målet er nået")),
    ("child_view", _("Barnets egne ord")),
    ("parents_view", _("Forældrenes syn")),
)

PLAN_FIELDS: tuple[tuple[str, object], ...] = (
    ("purpose", _("Formål med planen")),
    ("youth_note", _("Ungeplanen overvejet")),
    ("psychiatry_contact", _("Behandlende enhed i psykiatrien")),
    ("psychiatry_plan_date", _("Behandlingsplanens dato")),
    ("psychiatry_next_coordination", _("Næste koordinering med psykiatrien")),
)


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class GoalChange:
    kind: str  # "added", "removed" or "changed"
    key: str
    life_area: str
    text: str  # the goal's text as it is now (as it was, for a removed goal)
    changes: tuple[FieldChange, ...] = ()

    @property
    def life_area_label(self) -> str:
        return life_area_label(self.life_area)


def _shown(field: str, value) -> str:
    if value is None:
        return ""
    if field == "life_area":
        return life_area_label(value)
    if isinstance(value, (tuple, list)):
        return "\n".join(str(v) for v in value)
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def diff_goals(previous: Sequence[GoalSnapshot], current: Sequence[GoalSnapshot]) -> list[GoalChange]:
    """What changed from `previous` to `current`, matched by goal key: goals added and changed (in the new
    order), then goals removed (in the old order). Unchanged goals are left out."""
    before = {g.key: g for g in previous}
    now_keys = {g.key for g in current}
    out: list[GoalChange] = []
    for goal in current:
        old = before.get(goal.key)
        if old is None:
            out.append(GoalChange("added", goal.key, goal.life_area, goal.text))
            continue
        changes = tuple(
            FieldChange(name, str(label), _shown(name, getattr(old, name)), _shown(name, getattr(goal, name)))
            for name, label in GOAL_FIELDS
            if getattr(old, name) != getattr(goal, name)
        )
        if changes:
            out.append(GoalChange("changed", goal.key, goal.life_area, goal.text, changes))
    for goal in previous:
        if goal.key not in now_keys:
            out.append(GoalChange("removed", goal.key, goal.life_area, goal.text))
    return out


def diff_fields(previous: Mapping[str, object], current: Mapping[str, object]) -> list[FieldChange]:
    """The plan's own fields (purpose, youth note, psychiatry reference) that changed."""
    return [
        FieldChange(name, str(label), _shown(name, previous.get(name)), _shown(name, current.get(name)))
        for name, label in PLAN_FIELDS
        if (previous.get(name) or "") != (current.get(name) or "")
    ]


def clean_measures(lines: Sequence[str] | str | None) -> list[str]:
    """The measures as a list of non-empty, trimmed lines (the form gives one text with a line per measure)."""
    if lines is None:
        return []
    if isinstance(lines, str):
        lines = lines.splitlines()
    return [line.strip() for line in lines if line and line.strip()]
