"""The demo's screenings and class reviews are written through the services, so they obey the same rules."""

from __future__ import annotations

import pytest

from helhed.demo import generator
from helhed.demo.screening_gen import seed_screening
from helhed.detection.models import FollowUpMeeting
from helhed.screening import selectors
from helhed.screening.models import ClassReview, Instrument, PilotSchool, Screening


@pytest.mark.django_db
def test_the_demo_screens_pupils_at_pilot_schools_and_completes_a_class_review():
    generator.seed(children=300, seed=4, notes_per_case=0, schools=4, reports_per_child=0)
    result = seed_screening(schools=2, per_school=10, seed=4)
    assert result.instruments == 1 and Instrument.objects.get().example
    assert result.pilot_schools == PilotSchool.objects.filter(active=True).count() >= 1
    assert result.screenings == Screening.objects.count() > 0
    pilots = selectors.pilot_school_ids()
    assert set(Screening.objects.values_list("school_id", flat=True)) <= pilots
    for screening in Screening.objects.all():
        assert screening.judgement and len(screening.contributions) == 5
    assert ClassReview.objects.filter(status="completed").count() == result.reviews
    assert FollowUpMeeting.objects.filter(origin="class_review").count() == result.meetings
    assert Screening.objects.filter(person__synthetic=False).count() == 0
