"""Pure rules of the outcome compass (Forandringskompasset; issue 7, in progress): the instrument as versioned data
(themes with anchor texts on a 1-10 scale, perspectives, the interval between measurements), the check of a
measurement's scores, the change per theme between two measurements, and when the next measurement is due. No ORM
and no I/O, so they are tested without a database.

Strategi 2012-2014 (seed 004): the city council chose Forandringskompasset as the outcome tool for the
administration's measures. The themes below are a demo set for children; a municipality configures its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _


class Perspective(StrEnum):
    CHILD = "child"  # barnets eller den unges egen vurdering
    PARENT = "parent"  # forældrenes vurdering
    PROFESSIONAL = "professional"  # fagpersonens vurdering


PERSPECTIVE_TITLES = {
    Perspective.CHILD: ("Barnet / den unge", "The child / young person"),
    Perspective.PARENT: ("Forældrene", "The parents"),
    Perspective.PROFESSIONAL: ("Fagpersonen", "The professional"),
}


@dataclass(frozen=True)
class Theme:
    """One theme of the compass with the anchor texts that say what 1 and 10 mean."""

    key: str
    title_da: str
    title_en: str
    low_da: str  # what a 1 means
    high_da: str  # what a 10 means


@dataclass(frozen=True)
class CompassInstrument:
    key: str
    version: str
    valid_from: date
    title: str
    themes: tuple[Theme, ...]
    perspectives: tuple[Perspective, ...]
    interval_months: int = 6
    scale_min: int = 1
    scale_max: int = 10
    source: str = ""

    def theme(self, key: str) -> Theme | None:
        return next((t for t in self.themes if t.key == key), None)


CHILD_COMPASS = CompassInstrument(
    key="kompas.boern",
    version="2026-1",
    valid_from=date(2013, 1, 1),
    title="Forandringskompasset, børn og unge (demo-temaer)",
    themes=(
        Theme(
            "school",
            "Skole og læring",
            "School and learning",
            "Går ikke i skole eller lærer næsten intet",
            "Trives i skolen og lærer det, barnet kan",
        ),
        Theme(
            "health",
            "Sundhed",
            "Health",
            "Alvorlige problemer med helbred, søvn eller kost",
            "Sundt og i god fysisk og psykisk form",
        ),
        Theme(
            "leisure_friends",
            "Fritid og venner",
            "Leisure and friends",
            "Ingen venner og ingen fritidsinteresser",
            "Gode venner og en fritid, barnet er glad for",
        ),
        Theme(
            "family",
            "Familie og netværk",
            "Family and network",
            "Familien kan ikke give barnet omsorg og støtte",
            "Familien og netværket giver tryghed og støtte",
        ),
        Theme(
            "behaviour",
            "Adfærd",
            "Behaviour",
            "Udadreagerende eller risikabel adfærd det meste af tiden",
            "Omgås andre på en god måde",
        ),
        Theme(
            "wellbeing", "Trivsel", "Wellbeing", "Mistrives næsten hele tiden", "Trives og er glad det meste af tiden"
        ),
    ),
    perspectives=(Perspective.CHILD, Perspective.PARENT, Perspective.PROFESSIONAL),
    interval_months=6,
    source="Strategi 2012-2014 (Forandringskompasset som resultatmålingsværktøj); temaerne er et eksempel",
)

INSTRUMENTS: tuple[CompassInstrument, ...] = (CHILD_COMPASS,)


def instrument_in_force(
    key: str, on: date, instruments: Sequence[CompassInstrument] = INSTRUMENTS
) -> CompassInstrument:
    """The newest version of instrument `key` valid on `on`."""
    valid = [i for i in instruments if i.key == key and i.valid_from <= on]
    if not valid:
        raise LookupError(f"no compass instrument {key} in force on {on}")
    return max(valid, key=lambda i: i.valid_from)


def score_problems(instrument: CompassInstrument, scores: Mapping[str, object]) -> dict[str, str]:
    """What is wrong with a measurement's scores, per theme key ('' for the measurement as a whole), as Danish
    messages that say what to do. Every theme needs a whole number on the scale; unknown themes are refused."""
    problems: dict[str, str] = {}
    known = {t.key for t in instrument.themes}
    unknown = sorted(set(scores) - known)
    if unknown:
        problems[""] = _("Ukendte temaer: %(themes)s. Brug kompassets temaer.") % {"themes": ", ".join(unknown)}
    for theme in instrument.themes:
        value = scores.get(theme.key)
        if value is None or value == "":
            problems[theme.key] = _("Giv '%(theme)s' en score fra %(low)s til %(high)s.") % {
                "theme": theme.title_da,
                "low": instrument.scale_min,
                "high": instrument.scale_max,
            }
            continue
        try:
            number = int(str(value))
        except ValueError:
            number = None
        if (
            number is None
            or str(number) != str(value).strip()
            or not (instrument.scale_min <= number <= instrument.scale_max)
        ):
            problems[theme.key] = _("Scoren for '%(theme)s' skal være et helt tal fra %(low)s til %(high)s.") % {
                "theme": theme.title_da,
                "low": instrument.scale_min,
                "high": instrument.scale_max,
            }
    return problems


@dataclass(frozen=True)
class ThemeChange:
    theme: Theme
    before: int | None
    after: int | None

    @property
    def delta(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def direction(self) -> str:
        """'up', 'down', 'same' or '' when one of the two is missing (higher is better on the compass)."""
        if self.delta is None:
            return ""
        return "up" if self.delta > 0 else "down" if self.delta < 0 else "same"


def changes(instrument: CompassInstrument, before: Mapping[str, int], after: Mapping[str, int]) -> list[ThemeChange]:
    """The change per theme from one measurement to a later one (same perspective), in the instrument's order."""
    return [ThemeChange(t, before.get(t.key), after.get(t.key)) for t in instrument.themes]


def next_due(last_measured: date, instrument: CompassInstrument) -> date:
    """When the next measurement is due: the instrument's interval after the last (month-end clamped)."""
    return last_measured + relativedelta(months=instrument.interval_months)
