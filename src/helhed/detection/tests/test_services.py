"""Alerts of concerning absence and their follow-up: raising (once), telling the right people, the transitions,
the parent-meeting deadline, and the gatekeeper."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.http import Http404
from django.utils import timezone

from helhed.core.errors import Conflict, HelhedError
from helhed.core.models import AuditEvent
from helhed.deadlines.models import Deadline, DeadlineStatus
from helhed.deadlines.selectors import my_deadlines
from helhed.detection import selectors, services
from helhed.detection.imports import import_file
from helhed.detection.models import AbsenceAlert, AlertStatus, FollowUpMeetingStatus
from helhed.testing.factories import UnitFactory, UnitKind, staff

from .conftest import full_file_lines, last_school_day, make_pupil, school_days_before, write_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(town, school, tmp_path):
    """Three pupils: one with 8 school days of unauthorised absence in a row, one with 3 of 20 days of illness (15 %),
    one with a single day (not concerning)."""
    pupils = [make_pupil(school) for _ in range(3)]
    days = school_days_before(last_school_day(), 20)
    absent = {(0, d): ("ulovligt", "1") for d in days[-8:]}
    absent.update({(1, d): ("sygdom", "1") for d in days[2:5]})
    absent[(2, days[3])] = ("sygdom", "1")
    import_file(
        actor=town.administrator,
        path=write_file(tmp_path, full_file_lines(pupils, days, absent=absent)),
        file_name="f.csv",
    )
    return pupils


def test_the_evaluation_flags_the_right_pupils_with_their_reasons(flagged):
    flags = {f.person_id: f.finding for f in selectors.evaluate_absence(as_of=last_school_day())}
    assert set(flags) == {flagged[0].person.pk, flagged[1].person.pk}
    run = flags[flagged[0].person.pk]
    assert run.longest_unauthorised_run == 8 and run.school_days == 20
    assert any("8 skoledage i træk" in r for r in run.reasons)
    share = flags[flagged[1].person.pk]
    assert share.share == Decimal("0.1500") and "15,0 %" in share.reasons[0]


def test_alerts_are_raised_once_and_the_school_social_worker_is_told_without_names(town, flagged):
    town.school_social_worker.email = "ssw@skole.invalid"
    town.school_social_worker.save()
    result = services.alerts_raise(actor=None, as_of=last_school_day())
    assert result == {"flagged": 2, "raised": 2}
    assert services.alerts_raise(actor=None, as_of=last_school_day())["raised"] == 0
    alert = AbsenceAlert.objects.get(person=flagged[0].person)
    assert alert.status == AlertStatus.NEW and alert.school == town.school and alert.reasons
    assert AuditEvent.objects.filter(object_type="detection.absencealert", action="create").exists()


def test_the_notice_names_the_school_not_the_child(town, flagged, django_capture_on_commit_callbacks):
    town.school_social_worker.email = "ssw@skole.invalid"
    town.school_social_worker.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.alerts_raise(actor=None, as_of=last_school_day())
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert town.school.name in body and "/fravaer/" in body
    for pupil in flagged:
        assert pupil.person.last_name not in body and pupil.cpr[:6] not in body


def test_a_closed_alert_is_not_raised_again_for_the_same_absence(town, flagged):
    services.alerts_raise(actor=None, as_of=last_school_day())
    alert = AbsenceAlert.objects.get(person=flagged[1].person)
    services.alert_close(actor=town.school_social_worker, alert_id=alert.pk, reason="Kendt sygdom.")
    assert services.alerts_raise(actor=None, as_of=last_school_day())["raised"] == 0


def test_the_whole_follow_up_with_the_parent_meeting_deadline(town, flagged):
    services.alerts_raise(actor=None, as_of=last_school_day())
    alert = AbsenceAlert.objects.get(person=flagged[0].person)
    ssw = town.school_social_worker
    services.alert_acknowledge(actor=ssw, alert_id=alert.pk, version=alert.version)
    deadline = Deadline.objects.get(rule_id="absence.parent_meeting")
    assert deadline.owner == ssw and deadline.person_id == alert.person_id and deadline.law == "KOM"
    assert "10 hverdage" in deadline.explanation
    assert deadline in my_deadlines(actor=ssw)
    start = timezone.now() - timedelta(hours=2)
    meeting = services.followup_meeting_book(
        actor=ssw,
        person=alert.person,
        school=alert.school,
        alert=alert,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        location="Mødelokale 2",
        staff=[town.teacher],
        parents="Mor og far",
    )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.MEETING_BOOKED
    assert set(meeting.staff.all()) == {ssw, town.teacher}
    assert selectors.my_followup_meetings(actor=town.teacher) == []  # it has begun; 'Mine møder' lists coming ones
    with pytest.raises(Conflict):
        services.alert_plan(actor=ssw, alert_id=alert.pk, plan="Plan")  # the meeting is not held yet
    services.followup_meeting_held(actor=ssw, meeting_id=meeting.pk, note="Forældrene var med.")
    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.MET
    services.alert_plan(actor=ssw, alert_id=alert.pk, plan="Morgenopkald i fire uger; opfølgning 1. februar.")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.PLAN and alert.closed_at and alert.meeting_held_at
    assert [h.to_status for h in alert.history.all()] == ["new", "acknowledged", "meeting_booked", "plan"]
    times = selectors.response_times(AbsenceAlert.objects.all())
    assert times["acknowledged"] == 1 and times["met"] == 1


def test_a_coming_meeting_is_on_both_staff_calendars(town, flagged):
    services.alerts_raise(actor=None, as_of=last_school_day())
    alert = AbsenceAlert.objects.get(person=flagged[0].person)
    services.alert_acknowledge(actor=town.school_social_worker, alert_id=alert.pk)
    start = timezone.now() + timedelta(days=3)
    meeting = services.followup_meeting_book(
        actor=town.school_social_worker,
        person=alert.person,
        school=alert.school,
        alert=alert,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        location="Skolen",
        staff=[town.teacher],
    )
    assert selectors.my_followup_meetings(actor=town.teacher) == [meeting]
    assert selectors.my_followup_meetings(actor=town.school_social_worker) == [meeting]
    services.followup_meeting_cancel(actor=town.school_social_worker, meeting_id=meeting.pk, reason="Mor er syg.")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert selectors.my_followup_meetings(actor=town.teacher) == []


def test_closing_waives_the_deadline_and_cancels_the_meeting(town, flagged):
    services.alerts_raise(actor=None, as_of=last_school_day())
    alert = AbsenceAlert.objects.get(person=flagged[0].person)
    services.alert_acknowledge(actor=town.school_social_worker, alert_id=alert.pk)
    start = timezone.now() + timedelta(days=3)
    meeting = services.followup_meeting_book(
        actor=town.school_social_worker,
        person=alert.person,
        school=alert.school,
        alert=alert,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        location="Skolen",
    )
    with pytest.raises(HelhedError):
        services.alert_close(actor=town.school_social_worker, alert_id=alert.pk, reason="  ")
    services.alert_close(actor=town.school_social_worker, alert_id=alert.pk, reason="Familien er flyttet.")
    assert Deadline.objects.get(rule_id="absence.parent_meeting").status == DeadlineStatus.WAIVED
    meeting.refresh_from_db()
    assert meeting.status == FollowUpMeetingStatus.CANCELLED


def test_illegal_moves_and_stale_versions_are_refused_and_change_nothing(town, flagged):
    services.alerts_raise(actor=None, as_of=last_school_day())
    alert = AbsenceAlert.objects.get(person=flagged[0].person)
    start = timezone.now() + timedelta(days=1)
    with pytest.raises(Conflict):  # not acknowledged yet
        services.followup_meeting_book(
            actor=town.school_social_worker,
            person=alert.person,
            school=alert.school,
            alert=alert,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            location="Skolen",
        )
    with pytest.raises(Conflict):
        services.alert_acknowledge(actor=town.school_social_worker, alert_id=alert.pk, version=alert.version + 5)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.NEW and not Deadline.objects.exists()
    services.alert_acknowledge(actor=town.school_social_worker, alert_id=alert.pk)
    with pytest.raises(Conflict):
        services.alert_acknowledge(actor=town.school_social_worker, alert_id=alert.pk)
    with pytest.raises(HelhedError):  # ends before it starts
        services.followup_meeting_book(
            actor=town.school_social_worker,
            person=alert.person,
            school=alert.school,
            alert=alert,
            starts_at=start,
            ends_at=start - timedelta(hours=1),
            location="Skolen",
        )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED and not alert.meetings.exists()


def test_staff_of_another_school_see_no_alert(town, flagged):
    services.alerts_raise(actor=None, as_of=last_school_day())
    alert = AbsenceAlert.objects.get(person=flagged[0].person)
    other_school = UnitFactory(kind=UnitKind.MUNICIPAL_SCHOOL, administration=town.buf)
    stranger = staff("fremmed", "school_social_worker", other_school, first_name="Frida", last_name="Fremmed")
    assert selectors.my_alerts(actor=stranger).open == []
    with pytest.raises(Http404):
        selectors.alert_for(actor=stranger, alert_id=alert.pk)
    with pytest.raises(Http404):
        services.alert_acknowledge(actor=stranger, alert_id=alert.pk)
    # the caseworker of a child with a case sees that child's alert, but no other
    assert selectors.my_alerts(actor=town.caseworker).open == []


def test_a_case_team_sees_and_is_told_of_its_child_s_alert(town, flagged, django_capture_on_commit_callbacks):
    from helhed.cases import services as case_services

    case = case_services.case_open(
        actor=town.caseworker,
        child=flagged[0].person,
        responsible_unit=town.investigation,
        responsible_caseworker=town.caseworker,
    )
    town.caseworker.email = "rg@kommune.invalid"
    town.caseworker.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.alerts_raise(actor=None, as_of=last_school_day())
    alert = AbsenceAlert.objects.get(person=flagged[0].person)
    assert alert.case == case
    assert [a.pk for a in selectors.my_alerts(actor=town.caseworker).open] == [alert.pk]
    assert "rg@kommune.invalid" in [m.to[0] for m in mail.outbox]
    assert case.timeline.filter(kind="absence_alert").exists()


def test_absence_share_after_a_date(town, school, tmp_path):
    from dateutil.relativedelta import relativedelta

    from helhed.detection import policies

    pupil = make_pupil(school)
    days = school_days_before(last_school_day(), 45)
    start = days[0]
    period = list(policies.MUNICIPAL_CALENDAR.school_days(start, start + relativedelta(months=1)))
    absent = {(0, d): ("sygdom", "1") for d in period[:3]}
    absent[(0, period[3])] = ("lovligt", "0,5")
    import_file(
        actor=town.administrator,
        path=write_file(tmp_path, full_file_lines([pupil], days, absent=absent)),
        file_name="f.csv",
    )
    shares = selectors.absence_share_after([pupil.person.pk], {pupil.person.pk: start}, 1)
    assert shares[pupil.person.pk] == (Decimal("3.5") / len(period)).quantize(Decimal("0.0001"))
    # the period has not ended yet: no figure
    assert selectors.absence_share_after([pupil.person.pk], {pupil.person.pk: days[-5]}, 1) == {pupil.person.pk: None}


def test_children_without_a_school_are_counted_per_district_and_named_to_leaders(town, school):
    from datetime import date

    from helhed.testing.factories import PersonFactory

    schoolless = [PersonFactory(cpr=None, birth_date=date(2015, 4, 1), district=town.district) for _ in range(6)]
    PersonFactory(cpr=None, birth_date=date(2023, 4, 1), district=town.district)  # too young
    enrolled = make_pupil(school)
    enrolled.person.district = town.district
    enrolled.person.save()
    analyst_view = selectors.children_without_school(actor=town.analyst)
    row = next(r for r in analyst_view.by_district if r["district"] == town.district)
    assert row["count"] == 6 and analyst_view.children == [] and not analyst_view.names_shown
    leader_view = selectors.children_without_school(actor=town.leader)
    assert {c.pk for c in leader_view.children} == {p.pk for p in schoolless}
    assert AuditEvent.objects.filter(object_type="detection.unschooled", action="list").exists()


def test_small_counts_are_suppressed_and_cannot_be_derived_from_the_total(town):
    from datetime import date

    from helhed.organisation.models import District
    from helhed.testing.factories import PersonFactory

    other = District.objects.create(code="other", name="Anden bydel")
    for _ in range(7):
        PersonFactory(cpr=None, birth_date=date(2015, 4, 1), district=town.district)
    for _ in range(2):
        PersonFactory(cpr=None, birth_date=date(2015, 4, 1), district=other)
    view = selectors.children_without_school(actor=town.analyst)
    counts = {r["district"].pk: r["count"] for r in view.by_district if r["district"]}
    assert counts[other.pk] is None and counts[town.district.pk] == 7
    assert view.total is None  # 9 - 7 would reveal the suppressed 2


def test_a_school_social_worker_who_has_left_the_school_is_not_told(town, flagged, django_capture_on_commit_callbacks):
    from helhed.organisation.models import Membership

    left = staff("gammel", "school_social_worker", town.school, first_name="Gerda", last_name="Gammel")
    left.email = "gammel@skole.invalid"
    left.save()
    Membership.objects.filter(user=left).update(
        valid_from=timezone.localdate() - timedelta(days=400), valid_to=timezone.localdate() - timedelta(days=30)
    )
    town.school_social_worker.email = "ssw@skole.invalid"
    town.school_social_worker.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.alerts_raise(actor=None, as_of=last_school_day())
    assert [m.to[0] for m in mail.outbox] == ["ssw@skole.invalid"]
    assert left not in selectors.meeting_staff_choices(town.school.pk)
