"""Fixtures of the counselling tests: an anonymous course in the town's open counselling unit (Åse's), and
helpers to record and convert one."""

from __future__ import annotations

import pytest
from django.utils import timezone

from helhed.counselling import services


def contact(**kw) -> services.ContactIn:
    data = {
        "occurred_on": timezone.localdate(),
        "channel": "phone",
        "duration_minutes": 25,
        "summary": "Pigen er ked af det i skolen og sover dårligt.",
    }
    data.update(kw)
    return services.ContactIn(**data)


def course_in(**kw) -> services.CounsellingIn:
    data = {
        "pseudonym": "Pigen med cyklen",
        "age_band": "13-15",
        "contact_by": "child",
        "topics": ["school", "wellbeing"],
        "first_contact": contact(),
    }
    data.update(kw)
    return services.CounsellingIn(**data)


def consent(**kw) -> services.ConsentIn:
    data = {
        "given_by": "Mette Testesen",
        "relation": "custody_holder",
        "given_on": timezone.localdate(),
        "text": "At forløbet bliver en sag i rådgivningen, og at rådgiveren må tale med skolen.",
    }
    data.update(kw)
    return services.ConsentIn(**data)


@pytest.fixture
def course(town):
    return services.counselling_open(actor=town.counsellor, data=course_in())
