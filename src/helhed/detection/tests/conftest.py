"""Fixtures of the detection tests: the town's school with an institution number, pupils enrolled there, and a
helper that writes an absence file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from helhed.detection import policies
from helhed.people.models import Enrolment
from helhed.testing.factories import PersonFactory, synthetic_cpr

INSTITUTION = "101001"
HEADER = "cpr;institutionsnummer;dato;fravaerstype;fravaer_dage"


@dataclass
class Pupil:
    person: object
    cpr: str


def school_days_before(end: date, count: int) -> list[date]:
    """The `count` municipal school days up to and including `end` (oldest first)."""
    days: list[date] = []
    day = end
    while len(days) < count:
        if policies.MUNICIPAL_CALENDAR.is_school_day(day):
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def last_school_day(before: date | None = None) -> date:
    from django.utils import timezone

    day = before or timezone.localdate()
    while not policies.MUNICIPAL_CALENDAR.is_school_day(day):
        day -= timedelta(days=1)
    return day


@pytest.fixture
def school(town):
    town.school.institution_number = INSTITUTION
    town.school.save(update_fields=["institution_number"])
    return town.school


def make_pupil(school, *, grade: str = "4. kl.") -> Pupil:
    cpr = synthetic_cpr(date(2016, 3, 1))
    person = PersonFactory(cpr=cpr)
    Enrolment.objects.create(person=person, unit=school, grade=grade, valid_from=date(2022, 8, 1))
    return Pupil(person, cpr)


@pytest.fixture
def pupils(school) -> list[Pupil]:
    return [make_pupil(school) for _ in range(3)]


def write_file(
    tmp_path: Path,
    lines: list[str],
    *,
    name: str = "fravaer.csv",
    header: str = HEADER,
    encoding: str = "utf-8",
    bom: bool = False,
) -> Path:
    path = tmp_path / name
    text = "\n".join([header, *lines]) + "\n"
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


def full_file_lines(pupils: list[Pupil], days: list[date], *, absent: dict | None = None) -> list[str]:
    """One line per pupil and school day; `absent` maps (pupil index, day) to (kind word, amount)."""
    absent = absent or {}
    lines = []
    for i, pupil in enumerate(pupils):
        for day in days:
            kind, amount = absent.get((i, day), ("", "0"))
            lines.append(f"{pupil.cpr};{INSTITUTION};{day.isoformat()};{kind};{amount}")
    return lines
