"""Reads of meetings and decisions, through the case gatekeeper and audited: a case's meetings, one meeting with
what the reader may read of its minutes and decisions (and the case's open decisions from earlier meetings),
'Mine opgaver' (the decisions I own), 'Mine møder', and the Aftaleforum chair's overview."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from helhed.cases.gatekeeper import CaseAccess, case_for, case_relation, cases_visible_to
from helhed.cases.policies import AccessLevel, CasePerm, access_level
from helhed.core import audit
from helhed.core.errors import Forbidden, NotFound
from helhed.core.models import AuditAction
from helhed.core.validation import as_pk
from helhed.organisation.models import Role, User
from helhed.organisation.selectors import actor_profile

from . import policies
from .models import (
    Decision,
    DecisionStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Participant,
    ParticipantKind,
    Visibility,
)

LIST_LIMIT = 200


def reader_level_of(user: User | None, case) -> str:
    """What a staff member reads of a meeting on `case` (policies.reader_level); family for anyone else."""
    if user is None:
        return Visibility.FAMILY
    level = access_level(case_relation(user, case))
    return policies.reader_level(full_access=level == AccessLevel.FULL, on_case=level is not None)


def _level(access: CaseAccess) -> str:
    return policies.reader_level(full_access=access.level == AccessLevel.FULL, on_case=True)


@dataclass
class CaseMeetings:
    access: CaseAccess
    upcoming: list[Meeting]
    past: list[Meeting]
    open_decisions: list[Decision]


def case_meetings(*, actor, case_id) -> CaseMeetings:
    """The case's meetings (coming and past) and its open decisions, for anyone who sees what the team shares."""
    access = case_for(actor, case_id, need=CasePerm.VIEW_SHARED, what="meetings")
    now = timezone.now()
    meetings = list(Meeting.objects.filter(case=access.case).select_related("chair").order_by("starts_at", "id"))
    allowed = policies.readable(_level(access))
    open_decisions = list(
        Decision.objects.filter(case=access.case, status=DecisionStatus.OPEN, visibility__in=allowed)
        .select_related("owner", "meeting")
        .order_by("due_on", "id")
    )
    return CaseMeetings(
        access=access,
        upcoming=[m for m in meetings if m.ends_at >= now and m.status == MeetingStatus.PLANNED],
        past=[m for m in reversed(meetings) if not (m.ends_at >= now and m.status == MeetingStatus.PLANNED)],
        open_decisions=open_decisions,
    )


@dataclass
class MeetingView:
    meeting: Meeting
    access: CaseAccess
    level: str
    participants: list[Participant]
    minutes: list
    decisions: list[Decision]
    earlier_open: list[Decision]  # open decisions from the case's earlier meetings: the meeting opens with them
    hidden: int  # minutes items and decisions the reader may not read
    can_write: bool
    today: date = field(default_factory=timezone.localdate)


def meeting_detail(*, actor, meeting_id) -> MeetingView:
    meeting = (
        Meeting.objects.select_related("case", "case__child", "chair", "created_by")
        .filter(pk=as_pk(meeting_id))
        .first()
    )
    if meeting is None:
        raise NotFound(_("Mødet findes ikke."))
    access = case_for(actor, meeting.case_id, need=CasePerm.VIEW_SHARED, audit_action=None)
    level = _level(access)
    allowed = policies.readable(level)
    minutes = list(meeting.minutes.select_related("written_by"))
    decisions = list(meeting.decisions.select_related("owner"))
    earlier_open = list(
        Decision.objects.filter(
            case_id=meeting.case_id,
            status=DecisionStatus.OPEN,
            visibility__in=allowed,
            meeting__starts_at__lt=meeting.starts_at,
        )
        .select_related("owner", "meeting")
        .order_by("due_on", "id")
    )
    shown_minutes = [m for m in minutes if m.visibility in allowed]
    shown_decisions = [d for d in decisions if d.visibility in allowed]
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=meeting,
        persons=[meeting.case.child_id],
        case_id=meeting.case_id,
        detail={"view": "meeting", "level": level},
    )
    return MeetingView(
        meeting=meeting,
        access=access,
        level=level,
        participants=list(meeting.participants.select_related("user")),
        minutes=shown_minutes,
        decisions=shown_decisions,
        earlier_open=earlier_open,
        hidden=len(minutes) - len(shown_minutes) + len(decisions) - len(shown_decisions),
        can_write=access.can(CasePerm.WRITE_JOURNAL),
    )


@dataclass
class MyTasks:
    open: list[Decision]
    done: list[Decision]
    today: date


def my_tasks(*, actor, limit: int = LIST_LIMIT) -> MyTasks:
    """'Mine opgaver': the decisions I am responsible for, on cases I can still see; open ones by due date,
    then the most recently finished."""
    base = Decision.objects.filter(owner=actor, case__in=cases_visible_to(actor).values("id")).select_related(
        "case", "case__child", "meeting"
    )
    open_rows = list(base.filter(status=DecisionStatus.OPEN).order_by("due_on", "id")[:limit])
    done_rows = list(base.exclude(status=DecisionStatus.OPEN).order_by("-closed_at", "-id")[:20])
    persons = {d.case.child_id for d in (*open_rows, *done_rows)}
    if persons:
        audit.record(
            actor=actor,
            action=AuditAction.LIST,
            object_type="meetings.decision",
            persons=persons,
            detail={"view": "my_tasks", "count": len(open_rows) + len(done_rows)},
        )
    return MyTasks(open=open_rows, done=done_rows, today=timezone.localdate())


def my_meetings(*, actor, limit: int = LIST_LIMIT) -> list[Meeting]:
    """'Mine møder': coming meetings I chair or am invited to, on cases I can see."""
    rows = list(
        Meeting.objects.filter(
            Q(chair=actor) | Q(participants__user=actor),
            status=MeetingStatus.PLANNED,
            ends_at__gte=timezone.now(),
            case__in=cases_visible_to(actor).values("id"),
        )
        .distinct()
        .select_related("case", "case__child", "chair")
        .order_by("starts_at", "id")[:limit]
    )
    if rows:
        audit.record(
            actor=actor,
            action=AuditAction.LIST,
            object_type="meetings.meeting",
            persons={m.case.child_id for m in rows},
            detail={"view": "my_meetings", "count": len(rows)},
        )
    return rows


@dataclass
class ChairOverview:
    meetings: list[Meeting]
    overdue: list[Decision]
    today: date


def chair_overview(*, actor, limit: int = LIST_LIMIT) -> ChairOverview:
    """The Aftaleforum chair's overview: coming Aftaleforum meetings on the cases of the units the chair leads
    (or that the chair leads), and the decisions of Aftaleforum meetings that are past their due date, across
    those cases. Leaders only."""
    profile = actor_profile(actor)
    if Role.LEADER not in profile.roles:
        raise Forbidden(_("Oversigten over Aftaleforum er for ledere, der er formand for Aftaleforum."))
    scope = Q(case__responsible_unit_id__in=sorted(profile.led_unit_ids)) | Q(chair=actor)
    visible = cases_visible_to(actor).values("id")
    today = timezone.localdate()
    meetings = list(
        Meeting.objects.filter(
            scope,
            kind=MeetingKind.AFTALEFORUM,
            status=MeetingStatus.PLANNED,
            ends_at__gte=timezone.now(),
            case__in=visible,
        )
        .select_related("case", "case__child", "chair")
        .order_by("starts_at", "id")[:limit]
    )
    overdue = list(
        Decision.objects.filter(
            Q(case__responsible_unit_id__in=sorted(profile.led_unit_ids)) | Q(meeting__chair=actor),
            meeting__kind=MeetingKind.AFTALEFORUM,
            status=DecisionStatus.OPEN,
            due_on__lt=today,
            case__in=visible,
        )
        .select_related("case", "case__child", "owner", "meeting")
        .order_by("due_on", "id")[:limit]
    )
    persons = {m.case.child_id for m in meetings} | {d.case.child_id for d in overdue}
    audit.record(
        actor=actor,
        action=AuditAction.LIST,
        object_type="meetings.meeting",
        persons=persons,
        detail={"view": "aftaleforum", "meetings": len(meetings), "overdue": len(overdue)},
    )
    return ChairOverview(meetings=meetings, overdue=overdue, today=today)


FAMILY_KINDS = (ParticipantKind.PARENT, ParticipantKind.CHILD)


def family_meetings(case, *, limit: int = 50) -> list[Meeting]:
    """The coming meetings on the case to which the family (a parent or the child) is invited, soonest first, for
    the parents' view. No gatekeeper and no audit here: family.selectors has checked that the reader holds custody
    of the child and records the look itself."""
    return list(
        Meeting.objects.filter(
            case=case,
            status=MeetingStatus.PLANNED,
            ends_at__gte=timezone.now(),
            participants__kind__in=FAMILY_KINDS,
        )
        .distinct()
        .select_related("chair")
        .order_by("starts_at", "id")[:limit]
    )


def family_decisions(case, *, limit: int = 100) -> list[Decision]:
    """The case's decisions that everyone invited may read (visibility 'family'), open or done, by due date; never
    those for professionals or caseworkers only, nor cancelled ones. For the parents' view, as family_meetings."""
    return list(
        Decision.objects.filter(case=case, visibility=Visibility.FAMILY)
        .exclude(status=DecisionStatus.CANCELLED)
        .select_related("owner", "meeting")
        .order_by("due_on", "id")[:limit]
    )


def minutes_copy(*, actor, meeting_id, participant_id=None) -> tuple[Meeting, str, Participant | None]:
    """The meeting and the level to render the minutes at for a PDF download: the reader's own level, or — for
    whoever does the case work — a participant's copy at that participant's level. Audited as a download."""
    view_meeting = (
        Meeting.objects.select_related("case", "case__child", "case__responsible_unit", "chair")
        .filter(pk=as_pk(meeting_id))
        .first()
    )
    if view_meeting is None:
        raise NotFound(_("Mødet findes ikke."))
    access = case_for(actor, view_meeting.case_id, need=CasePerm.VIEW_SHARED, audit_action=None)
    participant = None
    level = _level(access)
    if participant_id not in (None, ""):
        if not access.can(CasePerm.WRITE_JOURNAL):
            raise Forbidden(_("Kun sagens rådgiver kan hente en deltagers udgave af referatet."))
        participant = view_meeting.participants.select_related("user").filter(pk=as_pk(participant_id)).first()
        if participant is None:
            raise NotFound(_("Deltageren findes ikke."))
        level = reader_level_of(participant.user, view_meeting.case)
    audit.record(
        actor=actor,
        action=AuditAction.DOWNLOAD,
        obj=view_meeting,
        persons=[view_meeting.case.child_id],
        case_id=view_meeting.case_id,
        detail={"view": "minutes_pdf", "level": level, "participant": getattr(participant, "pk", None)},
    )
    return view_meeting, level, participant
