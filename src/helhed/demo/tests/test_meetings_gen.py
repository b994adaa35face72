"""The demo's meetings, decisions and case flow: coming meetings made through the services, held ones written in
bulk in the shapes the services leave, decisions on their owners' task lists (some overdue), stages and proposed
handovers the receiving leaders see, and the same result for the same seed."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from helhed.cases.gatekeeper import cases_visible_to
from helhed.cases.models import TeamMember, TeamRole, TimelineEvent
from helhed.core.models import AuditEvent
from helhed.demo import generator
from helhed.demo.meetings_gen import _mail_stays_local, seed_meetings
from helhed.flow import selectors as flow_selectors
from helhed.flow.models import CaseStage, Handover, HandoverStatus
from helhed.flow.policies import STAGES, unit_takes
from helhed.meetings import selectors
from helhed.meetings.models import (
    Decision,
    DecisionStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    MinutesItem,
    Participant,
    ParticipantKind,
)
from helhed.organisation.models import User


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path / "documents"


def _seed(limit: int = 10):
    generator.seed(children=150, seed=3, notes_per_case=1, schools=4)
    return seed_meetings(limit=limit, seed=3)


def test_the_demo_has_coming_and_held_meetings_with_tasks_stages_and_handovers(db):
    result = _seed()
    now, today = timezone.now(), timezone.localdate()
    assert result.cases == 10 and result.meetings == Meeting.objects.count()
    # Coming meetings through the services, with a custody holder invited by e-mail or by letter.
    planned = Meeting.objects.filter(status=MeetingStatus.PLANNED)
    assert planned.count() == result.planned > 0 and not planned.filter(starts_at__lte=now).exists()
    parents = Participant.objects.filter(meeting__in=planned, kind=ParticipantKind.PARENT)
    assert parents.exists()
    assert all(p.email or p.invitation_document_id for p in parents)
    assert TimelineEvent.objects.filter(kind="meeting_scheduled").count() == result.meetings
    # Held meetings in the past, with minutes, attendance and decisions that have owners.
    held = Meeting.objects.filter(status=MeetingStatus.HELD)
    assert held.count() == result.held > 0 and not held.filter(starts_at__gte=now).exists()
    assert MinutesItem.objects.filter(meeting__in=held).exists()
    assert Participant.objects.filter(meeting__in=held, attendance="present").exists()
    assert not held.filter(status_history__isnull=True).exists()
    decisions = list(Decision.objects.select_related("meeting", "owner", "case").prefetch_related("history"))
    assert len(decisions) == result.decisions > 0
    for d in decisions:
        # What decision_add would accept: an owner who can read the case, a due date not before the meeting.
        assert cases_visible_to(d.owner).filter(pk=d.case_id).exists()
        assert d.due_on >= timezone.localtime(d.meeting.starts_at).date() and d.case_id == d.meeting.case_id
        history = list(d.history.all())
        assert d.version == 1 + len(history)
        assert (d.closed_at is None) == (d.status == DecisionStatus.OPEN)
        if history:
            assert history[-1].to_status == d.status and history[0].from_status == DecisionStatus.OPEN
            assert all(d.created_at <= h.changed_at <= now for h in history)
        if d.status == DecisionStatus.CANCELLED:
            assert history[-1].note
    assert {DecisionStatus.OPEN, DecisionStatus.DONE} <= {d.status for d in decisions}
    assert TimelineEvent.objects.filter(kind="decision").count() == len(decisions)
    assert not TimelineEvent.objects.filter(kind__in=["decision", "meeting_scheduled"], object_id="").exists()
    # The decisions are on their owners' task lists; the demo caseworker and the school's people have some.
    overdue = 0
    for owner_id in {d.owner_id for d in decisions}:
        owner = User.objects.get(pk=owner_id)
        tasks = selectors.my_tasks(actor=owner)
        mine = [d for d in decisions if d.owner_id == owner_id]
        assert len(tasks.open) == sum(d.status == DecisionStatus.OPEN for d in mine)
        overdue += sum(d.due_on < today for d in tasks.open)
    assert overdue == result.overdue > 0
    # Every held meeting gives the case's responsible caseworker a task; the demo caseworker has some.
    responsible = dict(
        TeamMember.objects.filter(role=TeamRole.RESPONSIBLE_CASEWORKER, valid_to__isnull=True).values_list(
            "case_id", "user_id"
        )
    )
    for meeting in held:
        assert responsible[meeting.case_id] in {d.owner_id for d in decisions if d.meeting_id == meeting.pk}
    owners = {d.owner.username for d in decisions}
    assert "raadgiver" in owners
    school_people = set(
        TeamMember.objects.filter(role__in=[TeamRole.TEACHER, TeamRole.SCHOOL_SOCIAL_WORKER]).values_list(
            "user__username", flat=True
        )
    )
    assert owners & school_people
    # The Aftaleforum chair (the demo leader) sees overdue Aftaleforum decisions.
    leader = User.objects.get(username="leder")
    overview = selectors.chair_overview(actor=leader)
    assert overview.overdue and all(d.meeting.kind == MeetingKind.AFTALEFORUM for d in overview.overdue)
    # Every chosen case is in a stage its unit takes; handovers are proposed to units that take the next stage.
    stages = list(CaseStage.objects.select_related("case__responsible_unit"))
    assert len(stages) == result.stages == result.cases
    assert all(unit_takes(s.case.responsible_unit.kind, s.stage) and s.stage in STAGES for s in stages)
    handovers = list(Handover.objects.select_related("to_unit"))
    assert len(handovers) == result.handovers >= 1
    assert {h.status for h in handovers} <= {HandoverStatus.PROPOSED, HandoverStatus.PREPARED}
    assert all(unit_takes(h.to_unit.kind, h.to_stage) for h in handovers)
    assert any(h.checklist and all(v["done"] for v in h.checklist.values()) for h in handovers)
    # The receiving leaders see them at /overdragelser/.
    first = handovers[0]
    receiver = flow_selectors.receiving_leaders(first.to_unit)[0]
    assert first in flow_selectors.incoming_handovers(actor=receiver)
    assert AuditEvent.objects.filter(object_type="demo.meetings").count() == 1


def _snapshot() -> dict:
    meetings = Meeting.objects.select_related("case", "chair").annotate(n=Count("participants")).order_by("id")
    return {
        "meetings": [
            (m.case.journal_number, m.kind, m.status, m.starts_at.isoformat(), m.chair.username, m.location, m.n)
            for m in meetings
        ],
        "decisions": [
            (d.case.journal_number, d.text, d.owner.username, d.due_on.isoformat(), d.status, d.visibility)
            for d in Decision.objects.select_related("case", "owner").order_by("id")
        ],
        "stages": [(s.case.journal_number, s.stage) for s in CaseStage.objects.select_related("case").order_by("id")],
        "handovers": [
            (h.case.journal_number, h.to_unit.code, h.status, json.dumps(h.checklist, sort_keys=True))
            for h in Handover.objects.select_related("case", "to_unit").order_by("id")
        ],
    }


class _Undo(Exception):
    pass


def test_the_same_seed_gives_the_same_meetings(db):
    snapshots = []
    for _ in range(2):
        try:
            with transaction.atomic():
                _seed(limit=6)
                snapshots.append(_snapshot())
                raise _Undo
        except _Undo:
            pass
    assert snapshots[0]["meetings"] and snapshots[0]["decisions"]
    assert snapshots[0] == snapshots[1]


def test_seeding_never_reaches_an_smtp_server(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with _mail_stays_local():
        from django.conf import settings as live

        assert live.EMAIL_BACKEND == "django.core.mail.backends.dummy.EmailBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    with _mail_stays_local():
        assert live.EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend"
