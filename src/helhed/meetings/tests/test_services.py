"""Meetings and decisions through the services: scheduling and invitations, who may take part, minutes with
visibility, decisions as tasks, transitions, the minutes each reader gets, and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from helhed.cases import services as case_services
from helhed.cases.models import Document, TeamRole, TimelineEvent
from helhed.core.errors import Conflict, Forbidden, HelhedError
from helhed.core.models import AuditAction, AuditEvent
from helhed.meetings import policies, selectors, services
from helhed.meetings.models import (
    Decision,
    DecisionStatus,
    Meeting,
    MeetingStatus,
    Participant,
    Visibility,
)


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path / "documents"


@pytest.fixture
def team(town, open_case):
    case_services.team_member_add(actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER)
    for user, address in ((town.caseworker, "rikke@kommune.invalid"), (town.teacher, "lotte@skole.invalid")):
        user.email = address
        user.save(update_fields=["email"])
    return town


def _input(**kw) -> services.MeetingIn:
    start = timezone.now() + timedelta(days=2)
    data = {
        "kind": "aftaleforum",
        "starts_at": start,
        "ends_at": start + timedelta(hours=1),
        "location": "Nørrebro Rådhus, lokale 3",
    }
    data.update(kw)
    return services.MeetingIn(**data)


def _schedule(town, case, django_capture_on_commit_callbacks, **kw) -> Meeting:
    with django_capture_on_commit_callbacks(execute=True):
        return services.meeting_schedule(actor=town.caseworker, case_id=case.pk, data=_input(**kw))


def test_scheduling_invites_staff_by_email_and_a_parent_without_address_by_letter(
    team, open_case, django_capture_on_commit_callbacks
):
    town = team
    meeting = _schedule(
        town,
        open_case,
        django_capture_on_commit_callbacks,
        staff_ids=[town.teacher.pk],
        externals=[
            services.ExternalIn(kind="parent", name="Mette Mor", role="mor", email="mette@example.invalid"),
            services.ExternalIn(kind="parent", name="Frank Far", role="far"),
        ],
    )
    people = {p.name: p for p in meeting.participants.all()}
    assert set(people) == {town.caseworker.get_full_name(), town.teacher.get_full_name(), "Mette Mor", "Frank Far"}
    assert people["Frank Far"].channels == ["letter"] and people["Frank Far"].invitation_document_id
    letter = Document.objects.get(pk=people["Frank Far"].invitation_document_id)
    assert letter.case == open_case and letter.kind == "letter"
    # Three e-mails with a calendar file, none naming the child.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["rikke@kommune.invalid", "lotte@skole.invalid", "mette@example.invalid"]
    )
    for message in mail.outbox:
        (name, content, mimetype) = message.attachments[0]
        assert mimetype == "text/calendar" and "BEGIN:VEVENT" in content and "METHOD:REQUEST" in content
        assert open_case.child.first_name not in message.body + message.subject
        assert open_case.child.last_name not in message.body
    assert Participant.objects.filter(meeting=meeting, emailed_at__isnull=False).count() == 3
    assert TimelineEvent.objects.filter(case=open_case, kind="meeting_scheduled").exists()
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="meetings.meeting").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": timezone.now() - timedelta(hours=1)}, "starts_at"),  # a meeting in the past
        ({"kind": "kaffemøde"}, "kind"),
        ({"location": "  "}, "location"),
    ],
)
def test_bad_meetings_are_refused_and_nothing_is_saved(team, open_case, change, field):
    data = _input(**change)
    if "starts_at" in change:
        data.ends_at = data.starts_at + timedelta(hours=1)
    with pytest.raises(HelhedError) as exc:
        services.meeting_schedule(actor=team.caseworker, case_id=open_case.pk, data=data)
    assert exc.value.field == field
    assert not Meeting.objects.exists() and not Participant.objects.exists()


def test_a_meeting_must_end_after_it_begins(team, open_case):
    data = _input()
    data.ends_at = data.starts_at - timedelta(minutes=5)
    with pytest.raises(HelhedError, match="slutte efter"):
        services.meeting_schedule(actor=team.caseworker, case_id=open_case.pk, data=data)


def test_only_people_on_the_case_can_be_invited(team, open_case):
    with pytest.raises(HelhedError, match="har ikke adgang til sagen"):
        services.meeting_schedule(
            actor=team.caseworker, case_id=open_case.pk, data=_input(staff_ids=[team.other_caseworker.pk])
        )
    assert not Meeting.objects.exists()


def test_a_teacher_on_the_team_cannot_schedule(team, open_case):
    with pytest.raises(Forbidden):
        services.meeting_schedule(actor=team.teacher, case_id=open_case.pk, data=_input())


def _meeting_with_minutes(town, case, capture) -> Meeting:
    meeting = _schedule(
        town,
        case,
        capture,
        staff_ids=[town.teacher.pk],
        externals=[services.ExternalIn(kind="parent", name="Mette Mor", role="mor")],
    )
    services.minutes_add(
        actor=town.caseworker, meeting_id=meeting.pk, title="Skolegang", body="Karla kommer hver dag nu."
    )
    services.minutes_add(
        actor=town.caseworker,
        meeting_id=meeting.pk,
        title="Skolens bekymring",
        body="Lærerne ser tegn på mistrivsel.",
        visibility=Visibility.PROFESSIONALS,
    )
    services.minutes_add(
        actor=town.caseworker,
        meeting_id=meeting.pk,
        title="Politiets oplysninger",
        body="Kun til sagsbehandlerne.",
        visibility=Visibility.CASEWORKERS,
    )
    return meeting


def test_decisions_become_the_owners_tasks_and_the_next_meeting_opens_with_them(
    team, open_case, django_capture_on_commit_callbacks
):
    town = team
    meeting = _meeting_with_minutes(town, open_case, django_capture_on_commit_callbacks)
    due = (meeting.starts_at + timedelta(days=14)).date()
    first = services.decision_add(
        actor=town.caseworker,
        meeting_id=meeting.pk,
        data=services.DecisionIn(text="Ekstra voksen i klassen", owner_id=town.teacher.pk, due_on=due),
    )
    services.decision_add(
        actor=town.caseworker,
        meeting_id=meeting.pk,
        data=services.DecisionIn(
            text="Familien tilbydes familiebehandling", owner_id=town.caseworker.pk, due_on=due, administration="SOF"
        ),
    )
    assert first.binding and first.administration == "BUF"  # the teacher's school's administration
    tasks = selectors.my_tasks(actor=town.teacher)
    assert [d.text for d in tasks.open] == ["Ekstra voksen i klassen"]
    # The next meeting on the case opens with the open decisions.
    later = _schedule(
        town,
        open_case,
        django_capture_on_commit_callbacks,
        starts_at=meeting.starts_at + timedelta(days=7),
        ends_at=meeting.starts_at + timedelta(days=7, hours=1),
    )
    view = selectors.meeting_detail(actor=town.caseworker, meeting_id=later.pk)
    assert {d.text for d in view.earlier_open} == {"Ekstra voksen i klassen", "Familien tilbydes familiebehandling"}
    # The teacher marks hers done; it leaves the list and the next meeting's opening.
    services.decision_set_status(actor=town.teacher, decision_id=first.pk, status=DecisionStatus.DONE, version=1)
    assert selectors.my_tasks(actor=town.teacher).open == []
    view = selectors.meeting_detail(actor=town.caseworker, meeting_id=later.pk)
    assert [d.text for d in view.earlier_open] == ["Familien tilbydes familiebehandling"]
    assert Decision.objects.get(pk=first.pk).history.get().changed_by == town.teacher


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"owner_id": None}, "owner_missing"),
        ({"due_on": None}, "required"),
        ({"text": " "}, "required"),
        ({"administration": "XYZ"}, "invalid"),
    ],
)
def test_bad_decisions_are_refused(team, open_case, django_capture_on_commit_callbacks, change, code):
    meeting = _schedule(team, open_case, django_capture_on_commit_callbacks)
    data = {
        "text": "Gør noget",
        "owner_id": team.caseworker.pk,
        "due_on": (meeting.starts_at + timedelta(days=3)).date(),
    }
    data.update(change)
    with pytest.raises(HelhedError) as exc:
        services.decision_add(actor=team.caseworker, meeting_id=meeting.pk, data=services.DecisionIn(**data))
    assert exc.value.code == code
    assert not Decision.objects.exists()


def test_a_decision_due_before_the_meeting_is_refused(team, open_case, django_capture_on_commit_callbacks):
    meeting = _schedule(team, open_case, django_capture_on_commit_callbacks)
    with pytest.raises(HelhedError, match="før mødet"):
        services.decision_add(
            actor=team.caseworker,
            meeting_id=meeting.pk,
            data=services.DecisionIn(text="x", owner_id=team.caseworker.pk, due_on=timezone.localdate()),
        )


def test_only_the_owner_or_the_caseworker_moves_a_decision_and_stale_versions_conflict(
    team, open_case, django_capture_on_commit_callbacks
):
    town = team
    meeting = _schedule(town, open_case, django_capture_on_commit_callbacks, staff_ids=[town.teacher.pk])
    decision = services.decision_add(
        actor=town.caseworker,
        meeting_id=meeting.pk,
        data=services.DecisionIn(
            text="x", owner_id=town.caseworker.pk, due_on=(meeting.starts_at + timedelta(days=2)).date()
        ),
    )
    with pytest.raises(Forbidden):
        services.decision_set_status(actor=town.teacher, decision_id=decision.pk, status="done")
    with pytest.raises(HelhedError, match="hvorfor"):
        services.decision_set_status(actor=town.caseworker, decision_id=decision.pk, status="cancelled")
    services.decision_set_status(actor=town.caseworker, decision_id=decision.pk, status="done", version=1)
    with pytest.raises(Conflict):  # read at version 1, changed since
        services.decision_set_status(actor=town.caseworker, decision_id=decision.pk, status="open", version=1)
    with pytest.raises(Conflict):  # done → cancelled is not a transition
        services.decision_set_status(actor=town.caseworker, decision_id=decision.pk, status="cancelled", note="x")


def test_each_reader_reads_only_their_level(team, open_case, django_capture_on_commit_callbacks):
    town = team
    meeting = _meeting_with_minutes(town, open_case, django_capture_on_commit_callbacks)
    caseworker = selectors.meeting_detail(actor=town.caseworker, meeting_id=meeting.pk)
    teacher = selectors.meeting_detail(actor=town.teacher, meeting_id=meeting.pk)
    assert [m.title for m in caseworker.minutes] == ["Skolegang", "Skolens bekymring", "Politiets oplysninger"]
    assert [m.title for m in teacher.minutes] == ["Skolegang", "Skolens bekymring"] and teacher.hidden == 1
    assert not teacher.can_write
    assert policies.readable(Visibility.FAMILY) == {Visibility.FAMILY}


def test_the_minutes_go_to_the_case_and_each_family_members_copy_leaves_out_the_rest(
    team, open_case, django_capture_on_commit_callbacks
):
    from pypdf import PdfReader

    from helhed.core import filestore

    town = team
    meeting = _meeting_with_minutes(town, open_case, django_capture_on_commit_callbacks)
    with pytest.raises(Conflict, match="afholdt"):
        services.minutes_send(actor=town.caseworker, meeting_id=meeting.pk)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    services.meeting_hold(actor=town.caseworker, meeting_id=meeting.pk)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.minutes_send(actor=town.caseworker, meeting_id=meeting.pk)
    assert counts == {"letters": 1, "notices": 2}
    parent = Participant.objects.get(meeting=meeting, name="Mette Mor")

    def text(doc_id) -> str:
        doc = Document.objects.get(pk=doc_id)
        return "".join(page.extract_text() for page in PdfReader(filestore.path_for(doc.storage_name)).pages)

    parent_copy = text(parent.minutes_document_id)
    assert "Karla kommer hver dag nu" in parent_copy
    assert "mistrivsel" not in parent_copy and "Politiets" not in parent_copy
    full = Document.objects.filter(case=open_case, original_name=f"referat-moede-{meeting.pk}.pdf").get()
    assert "Politiets oplysninger" in text(full.pk)
    # Staff are told the minutes are in Helhed; the e-mail carries no content.
    assert len(mail.outbox) == 2 and all(not m.attachments for m in mail.outbox)
    assert all("mistrivsel" not in m.body and "Karla" not in m.body for m in mail.outbox)


def test_cancelling_tells_those_invited_by_email_and_needs_a_reason(
    team, open_case, django_capture_on_commit_callbacks
):
    town = team
    meeting = _schedule(town, open_case, django_capture_on_commit_callbacks, staff_ids=[town.teacher.pk])
    with pytest.raises(HelhedError):
        services.meeting_cancel(actor=town.caseworker, meeting_id=meeting.pk, reason="")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(actor=town.caseworker, meeting_id=meeting.pk, reason="Mødelederen er syg", version=1)
    assert len(mail.outbox) == 2
    assert all("METHOD:CANCEL" in m.attachments[0][1] for m in mail.outbox)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED and meeting.status_history.get().reason == "Mødelederen er syg"
    with pytest.raises(Conflict):
        services.minutes_add(actor=town.caseworker, meeting_id=meeting.pk, title="x", body="y")
    with pytest.raises(Conflict):
        services.meeting_hold(actor=town.caseworker, meeting_id=meeting.pk)


def test_a_meeting_not_begun_cannot_be_held(team, open_case, django_capture_on_commit_callbacks):
    meeting = _schedule(team, open_case, django_capture_on_commit_callbacks)
    with pytest.raises(Conflict, match="ikke begyndt"):
        services.meeting_hold(actor=team.caseworker, meeting_id=meeting.pk)


def test_the_chairs_overview_is_for_leaders_and_shows_overdue_aftaleforum_decisions(
    team, open_case, django_capture_on_commit_callbacks
):
    town = team
    meeting = _schedule(town, open_case, django_capture_on_commit_callbacks)
    decision = services.decision_add(
        actor=town.caseworker,
        meeting_id=meeting.pk,
        data=services.DecisionIn(
            text="x", owner_id=town.caseworker.pk, due_on=(meeting.starts_at + timedelta(days=1)).date()
        ),
    )
    overview = selectors.chair_overview(actor=town.leader)
    assert [m.pk for m in overview.meetings] == [meeting.pk] and overview.overdue == []
    Decision.objects.filter(pk=decision.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    assert [d.pk for d in selectors.chair_overview(actor=town.leader).overdue] == [decision.pk]
    assert selectors.chair_overview(actor=town.other_leader).meetings == []  # another family unit's leader
    with pytest.raises(Forbidden):
        selectors.chair_overview(actor=town.teacher)


def test_the_calendar_file_names_no_child(team, open_case, django_capture_on_commit_callbacks):
    from icalendar import Calendar

    from helhed.meetings import ical

    meeting = _schedule(team, open_case, django_capture_on_commit_callbacks)
    cal = Calendar.from_ical(ical.ics(meeting))
    (event,) = cal.walk("VEVENT")
    assert str(event["location"]) == "Nørrebro Rådhus, lokale 3"
    assert event.decoded("dtstart") == meeting.starts_at.replace(microsecond=0)
    assert open_case.child.first_name.encode() not in ical.ics(meeting)
