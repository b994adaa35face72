"""Fixtures for screening and class review: the bundled example instrument, a class of pupils at the town's school
(in the pilot), another school with its own teacher, and a PPR psychologist for the district."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from helhed.people.models import Enrolment
from helhed.screening import services
from helhed.testing.factories import PersonFactory, Role, UnitFactory, UnitKind, staff

GRADE = "4. kl."
# Answers to the example instrument (weights 3 + 2 + 0 + 1 + 2 = 8: band "høj").
HIGH_ANSWERS = {"fravaer": "ja", "rygning": "ja", "hash": "nej", "konflikter": "nogle_gange", "familie": "ja"}
LOW_ANSWERS = {"fravaer": "nej", "rygning": "nej", "hash": "nej", "konflikter": "sjaeldent", "familie": "nej"}


@dataclass
class School:
    town: object
    instrument: object
    pupils: list
    other_school: object
    other_teacher: object
    other_pupil: object
    ppr: object
    ppr_psychologist: object


def enrol(person, unit, grade=GRADE, *, days_ago: int = 200):
    return Enrolment.objects.create(
        person=person, unit=unit, grade=grade, valid_from=timezone.localdate() - timedelta(days=days_ago)
    )


@pytest.fixture
def school(town) -> School:
    instrument = services.instruments_load_bundled(actor=town.administrator)[0]
    services.pilot_set(actor=town.administrator, school_id=town.school.pk, active=True)
    names = [("Alma", "Skov"), ("Bo", "Eng"), ("Carl", "Sø"), ("Dina", "Mark"), ("Emil", "Bæk")]
    pupils = [PersonFactory(first_name=f, last_name=last) for f, last in names]
    for pupil in pupils:
        enrol(pupil, town.school)
    other_school = UnitFactory(name="Sydskolen", kind=UnitKind.MUNICIPAL_SCHOOL, administration=town.buf, district=None)
    other_teacher = staff("sune", Role.PROFESSIONAL, other_school, first_name="Sune", last_name="Sydlærer")
    other_pupil = PersonFactory(first_name="Ole", last_name="Syd")
    enrol(other_pupil, other_school)
    ppr = UnitFactory(name="PPR Nord", kind=UnitKind.PPR, administration=town.buf, district=town.district)
    psychologist = staff("petra", Role.PROFESSIONAL, ppr, first_name="Petra", last_name="PPR", title="ppr")
    return School(
        town=town,
        instrument=instrument,
        pupils=pupils,
        other_school=other_school,
        other_teacher=other_teacher,
        other_pupil=other_pupil,
        ppr=ppr,
        ppr_psychologist=psychologist,
    )


def screening_in(school: School, pupil=None, *, answers=None, **kw) -> services.ScreeningIn:
    data = {
        "person_id": (pupil or school.pupils[0]).pk,
        "school_id": school.town.school.pk,
        "instrument_id": school.instrument.pk,
        "answers": dict(answers or HIGH_ANSWERS),
        "judgement": "Eleven virker presset; jeg vil tale med forældrene.",
        "next_step": "parent_talk",
    }
    data.update(kw)
    return services.ScreeningIn(**data)
