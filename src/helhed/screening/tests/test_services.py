"""Services and selectors of screening and class review: instrument versions, the pilot switch, a screening with
its contributions and judgement, the class review's marks, completion and the steps that become a report of
concern or a meeting; the evaluation's counts. Every refusal leaves the database as it was."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from helhed.concerns.models import Concern
from helhed.core.errors import Conflict, Forbidden, HelhedError
from helhed.core.models import AuditAction, AuditEvent
from helhed.detection.models import AbsenceCoverage, AbsenceDay, FollowUpMeeting
from helhed.screening import selectors, services
from helhed.screening.models import (
    ClassReviewEntry,
    ClassReviewStatusChange,
    Instrument,
    PilotSchool,
    ReviewStatus,
    Screening,
)
from helhed.testing.factories import PersonFactory

from .conftest import GRADE, HIGH_ANSWERS, LOW_ANSWERS, enrol, screening_in

pytestmark = pytest.mark.django_db


def _yaml(school, version: int, **replace) -> str:
    text = school.instrument.source_yaml.replace("version: 1", f"version: {version}", 1)
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


# -- instruments -------------------------------------------------------------------------------------------


def test_loading_the_bundled_instruments_is_idempotent_and_audited(school):
    assert Instrument.objects.count() == 1
    assert services.instruments_load_bundled(actor=school.town.administrator) == []
    instrument = school.instrument
    assert instrument.bundled and instrument.example and instrument.version == 1
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="screening.instrument", object_id=str(instrument.pk)
    ).exists()


def test_a_new_version_is_added_and_the_old_one_stays(school):
    new = services.instrument_version_create(
        actor=school.town.administrator, yaml_text=_yaml(school, 2, **{"weight: 3}": "weight: 4}"})
    )
    assert (new.key, new.version, new.bundled, new.created_by) == (
        school.instrument.key,
        2,
        False,
        school.town.administrator,
    )
    assert Instrument.objects.filter(key=new.key).count() == 2
    assert [i.pk for i in selectors.current_instruments()] == [new.pk]
    # A screening with the old version is refused: the form must be reloaded with the new one.
    with pytest.raises(Conflict) as exc:
        services.screening_create(actor=school.town.teacher, data=screening_in(school))
    assert "nyere version" in str(exc.value.message)
    services.screening_create(actor=school.town.teacher, data=screening_in(school, instrument_id=new.pk))


def test_an_invalid_version_is_refused_with_every_problem_and_nothing_saved(school):
    text = _yaml(school, 2, **{"weight: 3}": "weight: tre}", "from: 7}": "from: 2}"})
    with pytest.raises(HelhedError) as exc:
        services.instrument_version_create(actor=school.town.administrator, yaml_text=text)
    assert exc.value.status_code == 400
    errors = exc.value.errors  # type: ignore[attr-defined]
    assert any("vægten (weight) skal være et tal" in e for e in errors)
    assert any("Grænserne skal stige" in e for e in errors)
    assert Instrument.objects.count() == 1


def test_a_version_number_that_is_not_higher_is_refused(school):
    with pytest.raises(Conflict) as exc:
        services.instrument_version_create(actor=school.town.administrator, yaml_text=_yaml(school, 1))
    assert "version: 2" in str(exc.value.message)
    assert Instrument.objects.count() == 1


# -- the pilot --------------------------------------------------------------------------------------------


def test_the_pilot_is_switched_on_and_off_per_school(school):
    town = school.town
    assert selectors.is_pilot(town.school.pk)
    assert not selectors.is_pilot(school.other_school.pk)
    services.pilot_set(actor=town.administrator, school_id=town.school.pk, active=False)
    assert not selectors.is_pilot(town.school.pk)
    assert PilotSchool.objects.get(school=town.school).changed_by == town.administrator
    with pytest.raises(HelhedError):
        services.pilot_set(actor=town.administrator, school_id=town.family_unit.pk, active=True)


# -- screenings -------------------------------------------------------------------------------------------


def test_a_screening_keeps_every_contribution_the_score_and_the_judgement(school):
    town = school.town
    screening = services.screening_create(actor=town.teacher, data=screening_in(school), submission_key="k1")
    assert screening.score == Decimal(8)
    assert (screening.band, screening.band_label) == ("hoej", "Høj")
    assert screening.grade == GRADE
    assert [(c["item"], c["answer"], c["weight"]) for c in screening.contributions] == [
        ("fravaer", "ja", "3"),
        ("rygning", "ja", "2"),
        ("hash", "nej", "0"),
        ("konflikter", "nogle_gange", "1"),
        ("familie", "ja", "2"),
    ]
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="screening.screening")
    assert event.person_ids == [school.pupils[0].pk]
    assert event.detail["score"] == "8"
    # The score triggers nothing: no report, no meeting.
    assert not Concern.objects.exists() and not FollowUpMeeting.objects.exists()
    with pytest.raises(Conflict):
        services.screening_create(actor=town.teacher, data=screening_in(school), submission_key="k1")
    assert Screening.objects.count() == 1


def test_a_screening_without_the_professionals_judgement_is_refused(school):
    with pytest.raises(HelhedError) as exc:
        services.screening_create(actor=school.town.teacher, data=screening_in(school, judgement="   "))
    assert exc.value.field == "judgement"
    with pytest.raises(HelhedError) as exc:
        services.screening_create(actor=school.town.teacher, data=screening_in(school, next_step="call_police"))
    assert exc.value.field == "next_step"
    with pytest.raises(HelhedError) as exc:
        services.screening_create(actor=school.town.teacher, data=screening_in(school, next_step="other"))
    assert exc.value.field == "next_step_note"
    assert not Screening.objects.exists()


def test_unknown_and_missing_answers_are_refused(school):
    with pytest.raises(HelhedError) as exc:
        services.screening_create(
            actor=school.town.teacher, data=screening_in(school, answers={**HIGH_ANSWERS, "hash": "lidt"})
        )
    assert "ukendt svar" in str(exc.value.message)
    partial = dict(HIGH_ANSWERS)
    del partial["familie"]
    with pytest.raises(HelhedError) as exc:
        services.screening_create(actor=school.town.teacher, data=screening_in(school, answers=partial))
    assert "ikke besvaret" in str(exc.value.message)
    assert not Screening.objects.exists()


def test_a_school_outside_the_pilot_is_refused_in_danish(school):
    town = school.town
    services.pilot_set(actor=town.administrator, school_id=town.school.pk, active=False)
    with pytest.raises(Forbidden) as exc:
        services.screening_create(actor=town.teacher, data=screening_in(school))
    assert "ikke med i screeningspilotprojektet" in str(exc.value.message)
    assert not Screening.objects.exists()


def test_another_schools_pupil_or_school_is_refused(school):
    town = school.town
    with pytest.raises(HelhedError) as exc:
        services.screening_create(actor=town.teacher, data=screening_in(school, pupil=school.other_pupil))
    assert exc.value.code == "not_enrolled"
    with pytest.raises(Http404):
        services.screening_create(
            actor=town.teacher, data=screening_in(school, school_id=school.other_school.pk, pupil=school.other_pupil)
        )
    with pytest.raises(Http404):  # a caseworker works at no school
        services.screening_create(actor=town.caseworker, data=screening_in(school))


def test_ppr_staff_screen_at_the_schools_of_their_district_only(school):
    services.screening_create(actor=school.ppr_psychologist, data=screening_in(school))
    assert selectors.screening_for(school.ppr_psychologist, Screening.objects.get().pk)
    with pytest.raises(Http404):
        selectors.screening_for(school.other_teacher, Screening.objects.get().pk)


def test_a_future_date_is_refused(school):
    with pytest.raises(HelhedError) as exc:
        services.screening_create(
            actor=school.town.teacher, data=screening_in(school, screened_on=timezone.localdate() + timedelta(days=1))
        )
    assert exc.value.field == "screened_on"


# -- class reviews ----------------------------------------------------------------------------------------


def _review(school, actor=None):
    return services.review_create(
        actor=actor or school.town.school_social_worker,
        school_id=school.town.school.pk,
        grade=GRADE,
        review_date=timezone.localdate(),
        note="Lærer, skolesocialrådgiver og PPR",
    )


def _mark_all(school, review, *, step_for=None, actor=None):
    marks = [services.MarkIn(person_id=p.pk, level="none", next_step="none") for p in school.pupils]
    for pk, (level, step) in (step_for or {}).items():
        marks = [m for m in marks if m.person_id != pk] + [services.MarkIn(person_id=pk, level=level, next_step=step)]
    review.refresh_from_db()
    return services.review_mark(
        actor=actor or school.town.teacher, review_id=review.pk, marks=marks, version=review.version
    )


def test_a_review_goes_from_draft_to_completed_with_history(school):
    review = _review(school)
    assert review.status == ReviewStatus.DRAFT
    with pytest.raises(HelhedError) as exc:
        services.review_complete(actor=school.town.teacher, review_id=review.pk)
    assert exc.value.code == "unmarked" and "5 elever" in str(exc.value.message)
    _mark_all(school, review, step_for={school.pupils[1].pk: ("great", "report")})
    done = services.review_complete(actor=school.ppr_psychologist, review_id=review.pk)
    assert done.status == ReviewStatus.COMPLETED and done.completed_by == school.ppr_psychologist
    history = list(ClassReviewStatusChange.objects.filter(review=review).values_list("from_status", "to_status"))
    assert history == [("", "draft"), ("draft", "completed")]
    with pytest.raises(Conflict):
        services.review_complete(actor=school.town.teacher, review_id=review.pk)
    with pytest.raises(Conflict):
        _mark_all(school, review)
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="screening.classreview").last()
    assert set(event.person_ids) == {p.pk for p in school.pupils}


def test_marks_are_refused_for_pupils_outside_the_class_and_for_unknown_levels(school):
    review = _review(school)
    with pytest.raises(HelhedError) as exc:
        services.review_mark(
            actor=school.town.teacher,
            review_id=review.pk,
            marks=[
                services.MarkIn(person_id=school.pupils[0].pk, level="some", next_step="none"),
                services.MarkIn(person_id=school.other_pupil.pk, level="some", next_step="none"),
            ],
        )
    assert exc.value.code == "not_in_class"
    with pytest.raises(HelhedError):
        services.review_mark(
            actor=school.town.teacher,
            review_id=review.pk,
            marks=[services.MarkIn(person_id=school.pupils[0].pk, level="enorm", next_step="none")],
        )
    assert not ClassReviewEntry.objects.exists()  # one bad mark refuses them all


def test_a_stale_version_is_refused(school):
    review = _review(school)
    _mark_all(school, review)
    with pytest.raises(Conflict):
        services.review_mark(
            actor=school.town.teacher,
            review_id=review.pk,
            marks=[services.MarkIn(person_id=school.pupils[0].pk, level="some", next_step="none")],
            version=1,
        )


def test_reviews_of_other_schools_are_not_found(school):
    review = _review(school)
    with pytest.raises(Http404):
        selectors.review_detail(actor=school.other_teacher, review_id=review.pk)
    with pytest.raises(Http404):
        services.review_create(
            actor=school.other_teacher, school_id=school.town.school.pk, grade=GRADE, review_date=timezone.localdate()
        )
    with pytest.raises(HelhedError) as exc:
        services.review_create(
            actor=school.town.teacher, school_id=school.town.school.pk, grade="9. kl.", review_date=timezone.localdate()
        )
    assert exc.value.code == "empty_class"


def test_the_step_underretning_becomes_a_report_matched_to_the_child(school, settings):
    town = school.town
    review = _review(school)
    pupil = school.pupils[1]
    _mark_all(school, review, step_for={pupil.pk: ("great", "report")})
    entry = ClassReviewEntry.objects.get(review=review, person=pupil)
    concern = services.review_entry_to_concern(
        actor=town.school_social_worker,
        entry_id=entry.pk,
        data=services.ConcernReportIn(
            description="Bo har sagt, at han er bange for at gå hjem.", categories=["neglect"]
        ),
    )
    assert concern.child == pupil
    assert concern.notifier_user == town.school_social_worker and concern.notifier_unit == town.school
    entry.refresh_from_db()
    assert entry.concern == concern and entry.converted_by == town.school_social_worker
    reveal = AuditEvent.objects.get(action=AuditAction.REVEAL_CPR, object_id=str(pupil.pk))
    assert "klassegennemgang" in reveal.reason.lower()
    with pytest.raises(Conflict):
        services.review_entry_to_concern(
            actor=town.school_social_worker,
            entry_id=entry.pk,
            data=services.ConcernReportIn(description="Igen", categories=["neglect"]),
        )
    assert Concern.objects.count() == 1
    # Another pupil's step is not a report: refused.
    other = ClassReviewEntry.objects.get(review=review, person=school.pupils[0])
    with pytest.raises(Conflict) as exc:
        services.review_entry_to_concern(
            actor=town.school_social_worker,
            entry_id=other.pk,
            data=services.ConcernReportIn(description="x", categories=["neglect"]),
        )
    assert exc.value.code == "wrong_step"


def test_a_pupil_without_a_cpr_number_is_reported_by_name(school):
    town = school.town
    pupil = PersonFactory(first_name="Nora", last_name="Utenrik", cpr=None)
    enrol(pupil, town.school)
    school.pupils.append(pupil)
    review = _review(school)
    _mark_all(school, review, step_for={pupil.pk: ("some", "report")})
    entry = ClassReviewEntry.objects.get(review=review, person=pupil)
    concern = services.review_entry_to_concern(
        actor=town.teacher,
        entry_id=entry.pk,
        data=services.ConcernReportIn(description="Bekymret for Nora.", categories=["behaviour"]),
    )
    assert concern.child is None and (concern.child_first_name, concern.child_last_name) == ("Nora", "Utenrik")
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL_CPR).exists()


def test_a_report_with_bad_input_saves_nothing(school):
    review = _review(school)
    pupil = school.pupils[1]
    _mark_all(school, review, step_for={pupil.pk: ("great", "report")})
    entry = ClassReviewEntry.objects.get(review=review, person=pupil)
    with pytest.raises(HelhedError):
        services.review_entry_to_concern(
            actor=school.town.teacher, entry_id=entry.pk, data=services.ConcernReportIn(description="", categories=[])
        )
    entry.refresh_from_db()
    assert entry.concern is None and not Concern.objects.exists()


def test_a_meeting_step_becomes_a_meeting_with_the_parents(school):
    town = school.town
    review = _review(school)
    pupil = school.pupils[2]
    _mark_all(school, review, step_for={pupil.pk: ("some", "parent_meeting")})
    entry = ClassReviewEntry.objects.get(review=review, person=pupil)
    tomorrow = timezone.localdate() + timedelta(days=1)
    tz = timezone.get_current_timezone()
    meeting = services.review_entry_to_meeting(
        actor=town.teacher,
        entry_id=entry.pk,
        data=services.MeetingIn(
            starts_at=timezone.make_aware(datetime.combine(tomorrow, time(9)), tz),
            ends_at=timezone.make_aware(datetime.combine(tomorrow, time(10)), tz),
            location="Mødelokale 2",
            parents="Mor og far",
            staff_ids=[town.school_social_worker.pk],
        ),
    )
    assert (meeting.origin, meeting.origin_id, meeting.person, meeting.school) == (
        "class_review",
        str(entry.pk),
        pupil,
        town.school,
    )
    assert set(meeting.staff.all()) == {town.teacher, town.school_social_worker}
    entry.refresh_from_db()
    assert entry.meeting == meeting
    # The step is set in motion: its kind can no longer be changed.
    review.refresh_from_db()
    with pytest.raises(Conflict):
        services.review_mark(
            actor=town.teacher,
            review_id=review.pk,
            marks=[services.MarkIn(person_id=pupil.pk, level="some", next_step="none")],
        )


def test_a_meeting_with_an_impossible_time_saves_nothing(school):
    review = _review(school)
    pupil = school.pupils[2]
    _mark_all(school, review, step_for={pupil.pk: ("some", "parent_talk")})
    entry = ClassReviewEntry.objects.get(review=review, person=pupil)
    now = timezone.now()
    with pytest.raises(HelhedError):
        services.review_entry_to_meeting(
            actor=school.town.teacher,
            entry_id=entry.pk,
            data=services.MeetingIn(starts_at=now + timedelta(days=1), ends_at=now, location="Skolen"),
        )
    entry.refresh_from_db()
    assert entry.meeting is None and not FollowUpMeeting.objects.exists()


# -- the evaluation -----------------------------------------------------------------------------------------


def _absent_every_day(person, school_unit, start, end):
    AbsenceCoverage.objects.create(person=person, school=school_unit, first_day=start, last_day=end)
    day = start
    while day <= end:
        AbsenceDay.objects.create(person=person, school=school_unit, day=day, kind="illness", days=Decimal(1))
        day += timedelta(days=1)


def test_the_evaluation_counts_bands_steps_and_later_absence_with_small_numbers_hidden(school):
    town = school.town
    screened_on = timezone.localdate() - timedelta(days=190)
    extra = [PersonFactory() for _ in range(3)]
    for pupil in extra:
        enrol(pupil, town.school)
    high = [*school.pupils, *extra]  # 8 pupils in band "høj"
    for pupil in high:
        services.screening_create(actor=town.teacher, data=screening_in(school, pupil=pupil, screened_on=screened_on))
        _absent_every_day(pupil, town.school, screened_on, timezone.localdate())
    low = PersonFactory()
    enrol(low, town.school)
    services.screening_create(
        actor=town.teacher, data=screening_in(school, pupil=low, answers=LOW_ANSWERS, screened_on=screened_on)
    )
    result = selectors.evaluation(actor=town.analyst)
    assert result.instrument == school.instrument
    row = result.band_table[town.school.pk]
    assert row["hoej"] == 8
    assert row["lav"] == "<5" and row["middel"] == "<5"  # 1 and 0
    assert row["total"] == 9
    steps = result.step_table[town.school.pk]
    assert steps["parent_talk"] == 9
    outcome = {o.key: o for o in result.outcomes}
    assert outcome["hoej"].n3 == 8 and outcome["hoej"].mean3 == Decimal("1.0000")
    assert outcome["hoej"].n6 == 8 and outcome["hoej"].mean6 == Decimal("1.0000")
    assert outcome["lav"].n3 == "<5" and outcome["lav"].mean3 is None
    event = AuditEvent.objects.get(object_type="screening.evaluation")
    assert event.person_ids == [] and event.actor == town.analyst
