"""Synthetic screenings and class reviews for the demo, written through the screening services: the bundled
example instrument, the pilot switched on at a few schools, screenings of their pupils spread over the last nine
months (so the evaluation has outcomes once absence is imported), and a completed class review per pilot school
with a meeting with the parents booked for one pupil. Synthetic pupils only (ADR 0018)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from helhed.organisation.models import Membership, Role, Unit, UnitKind
from helhed.people.models import Enrolment
from helhed.screening import policies, selectors, services
from helhed.screening.models import ConcernLevel, NextStep

JUDGEMENTS = {
    "lav": [
        "Eleven trives efter min vurdering. Ingen grund til bekymring lige nu.",
        "Lidt fravær, men eleven er glad og har gode venner i klassen.",
    ],
    "middel": [
        "Jeg har set en ændring det seneste halve år. Jeg vil tale med forældrene.",
        "Eleven er ofte træt og kommer for sent. Jeg tager det op med skolesocialrådgiveren.",
    ],
    "hoej": [
        "Flere ting peger i samme retning. Vi holder møde med forældrene snarest.",
        "Jeg er bekymret for eleven og inddrager skolesocialrådgiveren i dag.",
    ],
}
STEPS = {
    "lav": [NextStep.NONE, NextStep.NONE, NextStep.PARENT_TALK],
    "middel": [NextStep.PARENT_TALK, NextStep.SCHOOL_SOCIAL_WORKER],
    "hoej": [NextStep.SCHOOL_SOCIAL_WORKER, NextStep.PARENT_MEETING],
}


@dataclass
class ScreeningResult:
    instruments: int = 0
    pilot_schools: int = 0
    screenings: int = 0
    reviews: int = 0
    meetings: int = 0


def _active_on(on):
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))


def seed_screening(*, schools: int = 2, per_school: int = 20, seed: int = 1) -> ScreeningResult:
    """Screen up to `per_school` pupils at each of up to `schools` municipal schools that have pupils and a school
    social worker or teacher, and run one completed class review at each. Idempotent enough for a fresh demo: the
    instrument is loaded once; call it once per demo database."""
    rng = random.Random(seed * 7919)
    result = ScreeningResult()
    today = timezone.localdate()
    admin = Membership.objects.filter(role=Role.ADMINISTRATOR, valid_to__isnull=True).select_related("user").first()
    loaded = services.instruments_load_bundled(actor=admin.user if admin else None)
    result.instruments = len(loaded)
    instrument = selectors.current_instruments()[0]
    definition = policies.parse_instrument(instrument.definition)

    staff_by_school: dict[int, list] = {}
    for m in Membership.objects.filter(
        unit__kind=UnitKind.MUNICIPAL_SCHOOL,
        role__in=[Role.SCHOOL_SOCIAL_WORKER, Role.PROFESSIONAL],
        valid_to__isnull=True,
    ).select_related("user"):
        staff_by_school.setdefault(m.unit_id, []).append(m.user)
    chosen = [
        unit
        for unit in Unit.objects.filter(pk__in=list(staff_by_school), active=True).order_by("name")
        if Enrolment.objects.filter(_active_on(today), unit=unit).exclude(grade="").exists()
    ][:schools]
    for school in chosen:
        staff = staff_by_school[school.pk]
        switcher = admin.user if admin else staff[0]
        services.pilot_set(actor=switcher, school_id=school.pk, active=True)
        result.pilot_schools += 1
        enrolments = list(
            Enrolment.objects.filter(_active_on(today), unit=school)
            .exclude(grade="")
            .select_related("person")
            .order_by("person_id")
        )
        rng.shuffle(enrolments)
        for enrolment in enrolments[:per_school]:
            earliest = max(enrolment.valid_from, today - timedelta(days=270))
            screened_on = earliest + timedelta(days=rng.randint(0, max((today - earliest).days, 0)))
            # Most pupils answer "no" to most questions; a few carry several risk factors.
            heavy = rng.random() < 0.2
            answers = {
                item.key: (
                    rng.choice(item.answers[1:]).key
                    if heavy and rng.random() < 0.7
                    else item.answers[0].key
                    if rng.random() < 0.8
                    else rng.choice(item.answers).key
                )
                for item in definition.items
            }
            band = policies.score(definition, answers).band.key
            services.screening_create(
                actor=rng.choice(staff),
                data=services.ScreeningIn(
                    person_id=enrolment.person_id,
                    school_id=school.pk,
                    instrument_id=instrument.pk,
                    answers=answers,
                    judgement=rng.choice(JUDGEMENTS.get(band, JUDGEMENTS["middel"])),
                    next_step=rng.choice(STEPS.get(band, STEPS["middel"])),
                    screened_on=screened_on,
                ),
            )
            result.screenings += 1

        # One class review of the school's largest class, completed, with a meeting booked for one pupil.
        grades: dict[str, int] = {}
        for e in enrolments:
            grades[e.grade] = grades.get(e.grade, 0) + 1
        grade = max(grades, key=lambda g: grades[g])
        actor = staff[0]
        review = services.review_create(
            actor=actor,
            school_id=school.pk,
            grade=grade,
            review_date=today,
            note="Lærer, skolesocialrådgiver og PPR",
        )
        pupils = selectors.class_pupils(school.pk, grade, review.review_date)
        marks = []
        for n, pupil in enumerate(pupils):
            level: str
            step: str
            if n == 0:
                level, step = ConcernLevel.SOME, NextStep.PARENT_MEETING
            else:
                level = rng.choices(ConcernLevel.values, weights=[80, 12, 6, 2])[0]
                step = (
                    NextStep.NONE
                    if level == ConcernLevel.NONE
                    else rng.choice([NextStep.PARENT_TALK, NextStep.SCHOOL_SOCIAL_WORKER])
                )
            marks.append(services.MarkIn(person_id=pupil.pk, level=level, next_step=step))
        services.review_mark(actor=actor, review_id=review.pk, marks=marks)
        services.review_complete(actor=actor, review_id=review.pk)
        result.reviews += 1
        entry = review.entries.filter(next_step=NextStep.PARENT_MEETING).order_by("id").first()
        if entry is not None:
            day = today + timedelta(days=rng.randint(2, 10))
            tz = timezone.get_current_timezone()
            services.review_entry_to_meeting(
                actor=actor,
                entry_id=entry.pk,
                data=services.MeetingIn(
                    starts_at=timezone.make_aware(datetime.combine(day, time(8, 30)), tz),
                    ends_at=timezone.make_aware(datetime.combine(day, time(9, 15)), tz),
                    location=f"{school.name}, mødelokalet",
                    parents="Forældrene",
                    note="Aftalt i klassegennemgangen.",
                ),
            )
            result.meetings += 1
    return result
