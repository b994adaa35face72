"""Synthetic meetings, decisions (tasks) and case flow for the demo, so the municipality is at work: cases placed in
a stage of their track, handovers proposed from the investigation groups to the action groups, coming meetings
with invitations, and earlier meetings that were held, with minutes and decisions — some done, some open, some
overdue — on the task lists of the demo logins and on the Aftaleforum chair's overview.

What lies ahead goes through the services, as a user would do it: `flow.services.stage_set`,
`flow.services.handover_propose` (and `handover_meeting` for one of them) and `meetings.services.meeting_schedule`
(invitations in Helhed, by e-mail with a calendar file, or as a letter PDF filed on the case). What lies behind
cannot (the services refuse a meeting in the past), so the held and cancelled meetings, their participants,
minutes, decisions, status histories and timeline lines are written in bulk, like `generator.py` does (ADR 0006),
in the shapes the services would have left, and recorded as one audit event. Teachers of a child's school are put
on the case team in bulk as well, from the case's first weeks, so they can own decisions.

Dates are relative to today (the services compare with the clock), and deterministic for a seed on a given day.
E-mail never leaves the machine: the demo's file backend writes the invitations under the data dir, and any other
backend that could reach a server (SMTP) is swapped for the dummy backend while seeding.

    HELHED_DEMO=1 helhed shell -c "from helhed.demo.meetings_gen import seed_meetings; print(seed_meetings(limit=30))"
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.translation import gettext as _

from helhed.cases.models import ACTIVE_STATUSES, Case, TeamMember, TeamRole, TimelineEvent
from helhed.core import audit
from helhed.core.i18n import record_language
from helhed.core.models import AuditAction
from helhed.flow import policies as flow_policies
from helhed.flow import services as flow_services
from helhed.flow.models import CaseStage, HandoverStatus
from helhed.flow.selectors import receiving_leaders
from helhed.meetings import services as meeting_services
from helhed.meetings.models import (
    Attendance,
    Decision,
    DecisionStatus,
    DecisionStatusChange,
    InvitationChannel,
    Meeting,
    MeetingKind,
    MeetingStatus,
    MeetingStatusChange,
    MinutesItem,
    Participant,
    ParticipantKind,
    Visibility,
)
from helhed.organisation.models import Membership, ProfessionalTitle, Role, Unit, UnitKind, User
from helhed.organisation.selectors import actor_profile, unit_staff
from helhed.people.models import Enrolment, Person
from helhed.people.selectors import custody_holders

from .generator import DEMO_LOGINS, TZ

DEMO_USERNAMES = frozenset(row[0] for row in DEMO_LOGINS)

# Backends that keep mail on this machine; anything else (SMTP) is replaced while seeding.
LOCAL_MAIL_BACKENDS = frozenset(
    {
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
    }
)
AGENDA = "1. Velkomst og formål\n2. Siden sidst\n3. Opfølgning på aftaler\n4. Nye aftaler og næste møde"
# Each family unit's Aftaleforum: weekday (0 = Monday) and room.
AFTALEFORUM = {"NORD": 1, "VEST": 2, "SYD": 3, "OEST": 0}

MINUTES = [
    (
        "Siden sidst",
        "Forældrene fortalte, at {navn} er gladere for at komme i skole, men at morgenerne stadig er svære.",
        Visibility.FAMILY,
    ),
    (
        "{navn}s egne ord",
        "{navn} sagde, at det bedste er frikvartererne, og at det sværeste er lektierne.",
        Visibility.FAMILY,
    ),
    (
        "Fremmøde og trivsel",
        "Fagpersonerne ser en bedring i fremmødet den seneste måned. {navn} har fået en ven i klassen.",
        Visibility.PROFESSIONALS,
    ),
    (
        "Samarbejdet med familien",
        "Mor og far er enige om aftalerne. Far deltager nu også i møderne.",
        Visibility.PROFESSIONALS,
    ),
    (
        "Rådgiverens vurdering",
        "Der er fortsat bekymring for forældrenes overskud. Indsatsen fortsætter, og sagen følges tæt.",
        Visibility.CASEWORKERS,
    ),
    ("Næste møde", "Vi mødes igen om cirka seks uger og følger op på aftalerne.", Visibility.FAMILY),
]
DECISIONS: dict[str, list[str]] = {
    TeamRole.RESPONSIBLE_CASEWORKER: [
        "Rådgiveren bestiller en børnefaglig undersøgelse (BL § 20).",
        "Rådgiveren søger om familiebehandling i hjemmet.",
        "Rådgiveren indkalder til et opfølgende netværksmøde.",
        "Rådgiveren sender barnets plan til forældrene.",
        "Rådgiveren taler med {navn} alene før næste møde.",
    ],
    TeamRole.TEACHER: [
        "Klasselæreren ringer til forældrene hver fredag om ugens fremmøde.",
        "Skolen laver en plan for {navn}s fremmøde.",
        "Klasselæreren aftaler en fast voksen, som {navn} kan gå til i frikvartererne.",
    ],
    TeamRole.SCHOOL_SOCIAL_WORKER: [
        "Skolesocialrådgiveren holder samtaler med {navn} hver uge.",
        "Skolesocialrådgiveren følger op på fraværet sammen med forældrene.",
    ],
    TeamRole.HEALTH_VISITOR: [
        "Sundhedsplejersken besøger familien hver 14. dag.",
        "Sundhedsplejersken følger op på {navn}s vægt og trivsel.",
    ],
    TeamRole.EMPLOYMENT_ADVISER: [
        "Vejlederen hjælper {navn} med at søge ind på en erhvervsuddannelse.",
        "Jobcenteret tilbyder {navn} en mentor.",
    ],
    TeamRole.LEADER: ["Lederen tager stilling til bevilling af en kontaktperson til {navn}."],
}
CANCEL_NOTES = [
    "Ikke længere relevant: familien har selv fundet en løsning.",
    "Erstattet af en ny aftale på det seneste møde.",
]
MEETING_CANCEL_REASONS = [
    "Forældrene meldte afbud på grund af sygdom. Mødet holdes igen snarest.",
    "Skolen kunne ikke deltage. Et nyt møde indkaldes.",
]
HANDOVER_REASON = (
    "Den børnefaglige undersøgelse er færdig, og der er truffet afgørelse om støtte efter BL § 32. "
    "Sagen skal følges af handlegruppen."
)
CHECKLIST_NOTES = {
    "latest_assessment": "Undersøgelsen er afsluttet og ligger på sagen.",
    "current_plan": "Barnets plan er godkendt og sendt til forældrene.",
    "network": "Skole, forældre og sundhedspleje er beskrevet i undersøgelsen.",
    "child_view": "Barnet er hørt ved en børnesamtale.",
}


@dataclass
class MeetingsResult:
    cases: int = 0
    stages: int = 0
    handovers: int = 0
    planned: int = 0
    held: int = 0
    cancelled: int = 0
    decisions: int = 0
    overdue: int = 0
    letters: int = 0
    teachers: int = 0

    @property
    def meetings(self) -> int:
        return self.planned + self.held + self.cancelled


@dataclass
class _Case:
    case: Case
    worker: User  # the responsible caseworker
    family_code: str  # "NORD", ...
    leader: User | None  # the family unit's leader: Aftaleforum's chair
    team: list[tuple[User, str, Unit]]  # other active team members (user, team role, unit)
    parents: list[Person]
    age: int
    school: Unit | None
    turn: int = 0  # which professional owns the first decision of the case's next held meeting

    @property
    def name(self) -> str:
        return self.case.child.first_name


@contextmanager
def _mail_stays_local() -> Iterator[None]:
    """Keep the invitation e-mails on this machine. The services send them when their transaction commits, so
    call seed_meetings outside a transaction (as the demo command does): each service commits inside this block."""
    if settings.EMAIL_BACKEND in LOCAL_MAIL_BACKENDS:
        yield
        return
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        yield


def _ascii(text: str) -> str:
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", ".", text).strip(".") or "x"


def _parent_email(person: Person) -> str:
    return f"{_ascii(person.first_name)}.{_ascii(person.last_name)}@familie.invalid"


def _parent_role(person: Person) -> str:
    return {"F": "mor", "M": "far"}.get(person.sex, "forælder")


def _weekday(day: date, *, forward: bool = True) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1 if forward else -1)
    return day


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


# -- what there is to work with --------------------------------------------------------------------


def _contexts(today: date) -> list[_Case]:
    open_cases = (
        Case.objects.filter(status__in=ACTIVE_STATUSES, child__synthetic=True)
        .exclude(id__in=Meeting.objects.values("case_id"))
        .exclude(id__in=CaseStage.objects.values("case_id"))
    )
    cases = list(open_cases.select_related("child", "responsible_unit", "responsible_unit__parent").order_by("id"))
    members: dict[int, list[TeamMember]] = {}
    for m in (
        TeamMember.objects.filter(case__in=open_cases.values("id"), valid_to__isnull=True)
        .select_related("user", "unit", "unit__administration")
        .order_by("id")
    ):
        members.setdefault(m.case_id, []).append(m)
    schools: dict[int, Unit] = {}
    for e in (
        Enrolment.objects.filter(person__in=open_cases.values("child_id"), valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .filter(unit__kind__in=[UnitKind.MUNICIPAL_SCHOOL, UnitKind.PRIVATE_SCHOOL])
        .select_related("unit")
        .order_by("id")
    ):
        schools[e.person_id] = e.unit
    leaders: dict[int, User | None] = {}
    out = []
    for case in cases:
        unit = case.responsible_unit
        family = unit.parent if unit.parent_id else unit
        if family is None or family.kind != UnitKind.FAMILY_UNIT:
            continue
        team = members.get(case.pk, [])
        worker = next((m.user for m in team if m.role == TeamRole.RESPONSIBLE_CASEWORKER), None)
        if worker is None:
            continue
        if family.pk not in leaders:
            leaders[family.pk] = next(iter(unit_staff(family, [Role.LEADER])), None)
        out.append(
            _Case(
                case=case,
                worker=worker,
                family_code=family.code.removeprefix("BFE-"),
                leader=leaders[family.pk],
                team=[(m.user, m.role, m.unit) for m in team if m.role != TeamRole.RESPONSIBLE_CASEWORKER],
                parents=[],
                age=relativedelta(today, case.child.birth_date).years,
                school=schools.get(case.child_id),
            )
        )
    return out


def _select(rng: random.Random, pool: list[_Case], limit: int) -> list[_Case]:
    """Cases the demo logins work on first (so each finds meetings and tasks), then the family unit the demo leader
    leads, then any."""
    shuffled = pool[:]
    rng.shuffle(shuffled)
    teacher_units = set(
        Membership.objects.filter(user__username="laerer", role=Role.PROFESSIONAL).values_list("unit_id", flat=True)
    )

    def on_team(username: str) -> Callable[[_Case], bool]:
        return lambda c: any(u.username == username for u, _r, _unit in c.team)

    buckets: list[tuple[Callable[[_Case], bool], int]] = [
        (lambda c: c.school is not None and c.school.pk in teacher_units and 6 <= c.age <= 16, 3),
        (lambda c: c.worker.username == "raadgiver", max(2, limit // 4)),
        (on_team("skolesocialraadgiver"), 4),
        (lambda c: c.worker.username == "raadgiver2", 3),
        (on_team("sundhedsplejerske"), 2),
        (on_team("jobcenter"), 2),
        (lambda c: c.family_code == "NORD", 3),
        (lambda c: True, limit),
    ]
    chosen: list[_Case] = []
    seen: set[int] = set()
    for test, cap in buckets:
        taken = 0
        for c in shuffled:
            if len(chosen) >= limit or taken >= cap:
                break
            if c.case.pk not in seen and test(c):
                chosen.append(c)
                seen.add(c.case.pk)
                taken += 1
    chosen.sort(key=lambda c: c.case.pk)
    return chosen


def _teachers(ctxs: list[_Case], rng: random.Random, today: date) -> tuple[list[TeamMember], list[TimelineEvent]]:
    """Put a teacher of the child's school on the team (from the case's first weeks), where the school has one."""
    by_school: dict[int, list[tuple[User, Unit]]] = {}
    for m in (
        Membership.objects.filter(role=Role.PROFESSIONAL, user__title=ProfessionalTitle.TEACHER, user__is_active=True)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("user", "unit", "unit__administration")
        .order_by("id")
    ):
        by_school.setdefault(m.unit_id, []).append((m.user, m.unit))
    members, lines = [], []
    for c in ctxs:
        if c.school is None or not 6 <= c.age <= 16 or c.school.pk not in by_school:
            continue
        user, unit = rng.choice(by_school[c.school.pk])
        if user.pk == c.worker.pk or any(u.pk == user.pk for u, _r, _unit in c.team):
            continue
        at = c.case.opened_at + timedelta(days=rng.randint(2, 10))
        member = TeamMember(
            case=c.case,
            user=user,
            unit=unit,
            role=TeamRole.TEACHER,
            valid_from=timezone.localtime(at, TZ).date(),
            added_by=c.worker,
            added_at=at,
        )
        members.append(member)
        c.team.append((user, TeamRole.TEACHER, unit))
        with record_language():
            title = _("%(name)s (%(role)s, %(unit)s) er sat på teamet") % {
                "name": user.get_full_name(),
                "role": member.get_role_display(),
                "unit": unit.name,
            }
        lines.append(
            TimelineEvent(
                person_id=c.case.child_id,
                case=c.case,
                at=at,
                kind="team_added",
                title=title[:250],
                administration=unit.administration.code,
                actor=c.worker,
                shared_with_team=True,
                object_type="cases.teammember",
            )
        )
    return members, lines


# -- what lies behind: written in bulk -------------------------------------------------------------


@dataclass
class _Past:
    meetings: list[Meeting] = field(default_factory=list)
    changes: list[MeetingStatusChange] = field(default_factory=list)
    participants: list[Participant] = field(default_factory=list)
    minutes: list[MinutesItem] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    decision_changes: list[tuple[Decision, list[tuple[str, str, str, User, datetime]]]] = field(default_factory=list)
    timeline: list[TimelineEvent] = field(default_factory=list)


class _Administrations:
    def __init__(self) -> None:
        self.codes: dict[int, str] = {}

    def of(self, user: User) -> str:
        if user.pk not in self.codes:
            self.codes[user.pk] = actor_profile(user).primary_administration or "SOF"
        return self.codes[user.pk]


def _kind_for(c: _Case, rng: random.Random) -> str:
    options = [(MeetingKind.NETWORK, 45), (MeetingKind.AFTALEFORUM, 30 if c.leader else 0)]
    if c.age >= 15 and any(r == TeamRole.EMPLOYMENT_ADVISER for _u, r, _unit in c.team):
        options.append((MeetingKind.TRIANGLE, 25))
    kinds, weights = zip(*options, strict=True)
    return rng.choices(kinds, weights=weights)[0]


def _location(c: _Case, kind: str, rng: random.Random) -> str:
    family = c.case.responsible_unit.parent or c.case.responsible_unit
    if kind == MeetingKind.AFTALEFORUM:
        return f"{family.name}, mødelokale 2"
    if c.school is not None and kind == MeetingKind.NETWORK and rng.random() < 0.5:
        return f"{c.school.name}, mødelokalet"
    return rng.choice([f"{family.name}, mødelokale 1", "Online (Teams)"])


def _staff_participants(c: _Case, chair: User) -> list[User]:
    """The chair first, then the responsible caseworker, then the professionals on the team (at most three): the
    demo logins first, so they find the meetings and tasks, then the school's people."""
    order = (TeamRole.TEACHER, TeamRole.SCHOOL_SOCIAL_WORKER)
    team = sorted(
        (x for x in c.team if x[1] != TeamRole.LEADER),
        key=lambda x: (x[0].username not in DEMO_USERNAMES, order.index(x[1]) if x[1] in order else len(order)),
    )
    out = [chair]
    for user in [c.worker] + [u for u, _r, _unit in team][:3]:
        if all(user.pk != o.pk for o in out):
            out.append(user)
    return out


def _demo_login_works_on(c: _Case) -> bool:
    return c.worker.username in DEMO_USERNAMES or any(u.username in DEMO_USERNAMES for u, _r, _unit in c.team)


def _role_of(c: _Case, user: User) -> str:
    if user.pk == c.worker.pk:
        return TeamRole.RESPONSIBLE_CASEWORKER
    if c.leader is not None and user.pk == c.leader.pk:
        return TeamRole.LEADER
    return next((r for u, r, _unit in c.team if u.pk == user.pk), TeamRole.OTHER)


def _past_meeting(
    c: _Case,
    day: date,
    kind: str,
    *,
    cancelled: bool,
    force_overdue: bool,
    rng: random.Random,
    today: date,
    now: datetime,
    admin: _Administrations,
    past: _Past,
) -> None:
    chair = c.leader if kind == MeetingKind.AFTALEFORUM and c.leader else c.worker
    starts = _at(day, rng.choice([9, 10, 11, 13, 14]), rng.choice([0, 30]))
    ends = starts + timedelta(hours=1)
    created = max(starts - timedelta(days=rng.randint(7, 21)), c.case.opened_at + timedelta(hours=1))
    with record_language():
        label = str(MeetingKind(kind).label)
        scheduled_title = _("%(kind)s planlagt %(day)s") % {
            "kind": label,
            "day": timezone.localtime(starts, TZ).strftime("%d.%m.%Y %H:%M"),
        }
    meeting = Meeting(
        case=c.case,
        kind=kind,
        title=label,
        starts_at=starts,
        ends_at=ends,
        location=_location(c, kind, rng),
        agenda=AGENDA,
        status=MeetingStatus.CANCELLED if cancelled else MeetingStatus.HELD,
        chair=chair,
        created_by=c.worker,
        created_at=created,
        version=2,  # scheduled, then held or cancelled
    )
    past.meetings.append(meeting)
    past.timeline.append(
        TimelineEvent(
            person_id=c.case.child_id,
            case=c.case,
            at=created,
            kind="meeting_scheduled",
            title=scheduled_title[:250],
            actor=c.worker,
            shared_with_team=True,
            object_type="meetings.meeting",
        )
    )
    past.changes.append(
        MeetingStatusChange(
            meeting=meeting,
            from_status=MeetingStatus.PLANNED,
            to_status=meeting.status,
            reason=rng.choice(MEETING_CANCEL_REASONS) if cancelled else "",
            changed_by=c.worker if cancelled else chair,
            changed_at=(starts - timedelta(days=1)) if cancelled else ends,
        )
    )
    staff = _staff_participants(c, chair)
    for user in staff:
        past.participants.append(
            Participant(
                meeting=meeting,
                kind=ParticipantKind.STAFF,
                user=user,
                name=user.get_full_name() or user.username,
                role=str(user.get_title_display()) if user.title else "",
                email=user.email or "",
                channels=[InvitationChannel.APP] + ([InvitationChannel.EMAIL] if user.email else []),
                emailed_at=created if user.email else None,
                attendance=Attendance.INVITED
                if cancelled
                else (Attendance.PRESENT if rng.random() < 0.9 else Attendance.ABSENT),
            )
        )
    for parent in c.parents:
        past.participants.append(
            Participant(
                meeting=meeting,
                kind=ParticipantKind.PARENT,
                name=f"{parent.first_name} {parent.last_name}",
                role=_parent_role(parent),
                email=_parent_email(parent),
                channels=[InvitationChannel.EMAIL],
                emailed_at=created,
                attendance=Attendance.INVITED
                if cancelled
                else (Attendance.PRESENT if rng.random() < 0.8 else Attendance.ABSENT),
            )
        )
    if cancelled:
        return
    written = ends + timedelta(minutes=10)
    school_age = c.school is not None
    items = [m for m in MINUTES if school_age or m[0] != "Fremmøde og trivsel"]
    for k, (title, body, visibility) in enumerate(rng.sample(items, k=rng.randint(2, 3))):
        past.minutes.append(
            MinutesItem(
                meeting=meeting,
                title=title.format(navn=c.name),
                body=body.format(navn=c.name),
                visibility=visibility,
                written_by=chair,
                written_at=written + timedelta(minutes=k),
            )
        )
    # Owners in turn: a professional at the meeting, the responsible caseworker, then the other professionals.
    # The professionals take turns over the case's meetings (in _staff_participants' order), so each gets a task.
    professionals = [u for u in staff if u.pk not in (chair.pk, c.worker.pk)]
    if professionals:
        shift = c.turn % len(professionals)
        professionals = professionals[shift:] + professionals[:shift]
    c.turn += 1
    owners = [*professionals[:1], c.worker, *professionals[1:]]
    for k in range(rng.choice([2, 2, 3] if professionals else [1, 2, 2, 3])):
        owner = owners[k % len(owners)]
        role = _role_of(c, owner)
        text = rng.choice(DECISIONS.get(role) or DECISIONS[TeamRole.RESPONSIBLE_CASEWORKER]).format(navn=c.name)
        due = day + timedelta(days=rng.choice([7, 14, 21, 30, 45, 60]))
        history: list[tuple[str, str, str, User, datetime]] = []
        status, closed_at = DecisionStatus.OPEN, None
        if force_overdue and k == 0:
            due = min(due, today - timedelta(days=1))
        elif due < today:
            r = rng.random()
            if r < 0.5:
                status = DecisionStatus.DONE
            elif r < 0.6:
                status = DecisionStatus.CANCELLED
        elif rng.random() < 0.25:
            status = DecisionStatus.DONE
        created = written + timedelta(minutes=5 + k)
        if status != DecisionStatus.OPEN:
            latest = min(now - timedelta(hours=1), _at(due + timedelta(days=5), 15))
            span = max(1, int((latest - created).total_seconds() // 3600))
            closed_at = created + timedelta(hours=rng.randint(min(span, 20), span))
            by = owner if status == DecisionStatus.DONE else c.worker
            note = rng.choice(CANCEL_NOTES) if status == DecisionStatus.CANCELLED else ""
            history.append((DecisionStatus.OPEN, status, note, by, closed_at))
            if status == DecisionStatus.DONE and rng.random() < 0.08 and closed_at + timedelta(days=2) < now:
                # Reopened: the task turned out not to be finished after all.
                history.append(
                    (
                        DecisionStatus.DONE,
                        DecisionStatus.OPEN,
                        "Ikke færdig endnu.",
                        c.worker,
                        closed_at + timedelta(days=1),
                    )
                )
                status, closed_at = DecisionStatus.OPEN, None
        visibility = rng.choices(
            [Visibility.FAMILY, Visibility.PROFESSIONALS, Visibility.CASEWORKERS], weights=[70, 20, 10]
        )[0]
        administration = admin.of(owner)
        decision = Decision(
            meeting=meeting,
            case=c.case,
            text=text,
            binding=rng.random() < 0.85,
            owner=owner,
            administration=administration,
            due_on=due,
            visibility=visibility,
            status=status,
            created_by=chair,
            created_at=created,
            closed_at=closed_at,
            version=1 + len(history),
        )
        past.decisions.append(decision)
        past.decision_changes.append((decision, history))
        with record_language():
            title = _("Beslutning på %(kind)s: %(text)s") % {"kind": label.lower(), "text": text[:120]}
        past.timeline.append(
            TimelineEvent(
                person_id=c.case.child_id,
                case=c.case,
                at=decision.created_at,
                kind="decision",
                title=title[:250],
                administration=administration,
                actor=chair,
                shared_with_team=visibility != Visibility.CASEWORKERS,
                object_type="meetings.decision",
            )
        )


def _write_past(ctxs: list[_Case], rng: random.Random, today: date, now: datetime, result: MeetingsResult) -> None:
    admin = _Administrations()
    past = _Past()
    overdue_af: set[str] = set()  # family units whose chair has an overdue Aftaleforum decision
    for c in ctxs:
        earliest = max(timezone.localtime(c.case.opened_at, TZ).date() + timedelta(days=7), today - timedelta(days=150))
        latest = today - timedelta(days=1)
        if earliest > latest:
            continue
        span = (latest - earliest).days
        n = min(span + 1, rng.choice([1, 1, 2, 2, 3]))
        days = sorted({_weekday(earliest + timedelta(days=rng.randint(0, span)), forward=False) for _k in range(n)})
        days = [d for d in days if earliest <= d <= latest] or [latest]
        for i, day in enumerate(days):
            first_af = c.leader is not None and c.family_code not in overdue_af and day <= today - timedelta(days=8)
            kind = MeetingKind.AFTALEFORUM if first_af else _kind_for(c, rng)
            cancelled = not first_af and i == 0 and len(days) > 1 and rng.random() < 0.25
            _past_meeting(
                c,
                day,
                kind,
                cancelled=cancelled,
                force_overdue=first_af,
                rng=rng,
                today=today,
                now=now,
                admin=admin,
                past=past,
            )
            if first_af:
                overdue_af.add(c.family_code)
            if cancelled:
                result.cancelled += 1
            else:
                result.held += 1
    Meeting.objects.bulk_create(past.meetings, batch_size=1000)
    MeetingStatusChange.objects.bulk_create(past.changes, batch_size=1000)
    Participant.objects.bulk_create(past.participants, batch_size=1000)
    MinutesItem.objects.bulk_create(past.minutes, batch_size=1000)
    Decision.objects.bulk_create(past.decisions, batch_size=1000)
    DecisionStatusChange.objects.bulk_create(
        [
            DecisionStatusChange(decision=d, from_status=a, to_status=b, note=note, changed_by=by, changed_at=at)
            for d, history in past.decision_changes
            for a, b, note, by, at in history
        ],
        batch_size=1000,
    )
    objects = {"meetings.meeting": iter(past.meetings), "meetings.decision": iter(past.decisions)}
    for line in past.timeline:  # the lines were made in the same order as their objects
        line.object_id = str(next(objects[line.object_type]).pk)
    TimelineEvent.objects.bulk_create(past.timeline, batch_size=1000)
    result.decisions += len(past.decisions)
    result.overdue += sum(1 for d in past.decisions if d.status == DecisionStatus.OPEN and d.due_on < today)


# -- what lies ahead: through the services ---------------------------------------------------------


def _externals(c: _Case, rng: random.Random, *, letters: bool) -> list[meeting_services.ExternalIn]:
    by_letter = letters and rng.random() < 0.3
    return [
        meeting_services.ExternalIn(
            kind=ParticipantKind.PARENT,
            name=f"{p.first_name} {p.last_name}",
            role=_parent_role(p),
            email="" if by_letter else _parent_email(p),
        )
        for p in c.parents
    ]


def _stage(c: _Case, rng: random.Random) -> str:
    if c.case.responsible_unit.kind == UnitKind.INVESTIGATION_GROUP:
        return "family_unit.investigation"
    if c.age >= 18:
        return "aftercare.aftercare"
    if c.school is not None and rng.random() < 0.3:
        return "joint.sof_buf"
    return "family_unit.action"


STAGE_REASONS = {
    "family_unit.investigation": "Sagen er under børnefaglig undersøgelse.",
    "family_unit.action": "Der er iværksat støtte; sagen følges af handlegruppen.",
    "joint.sof_buf": "Skolen og rådgiveren arbejder på én fælles plan om fremmødet.",
    "aftercare.aftercare": "Den unge har ungestøtte efter det fyldte 18. år.",
}


def _ahead(ctxs: list[_Case], rng: random.Random, today: date, result: MeetingsResult) -> None:
    # Stages, and handovers from the investigation groups (the demo leader's family unit first).
    for c in ctxs:
        stage = _stage(c, rng)
        if not flow_policies.unit_takes(c.case.responsible_unit.kind, stage):
            continue
        flow_services.stage_set(actor=c.worker, case_id=c.case.pk, stage=stage, reason=STAGE_REASONS[stage])
        result.stages += 1
    investigated = sorted(
        (c for c in ctxs if c.case.responsible_unit.kind == UnitKind.INVESTIGATION_GROUP and c.parents),
        key=lambda c: (c.family_code != "NORD", c.case.pk),
    )
    wanted = max(1, len(ctxs) // 6)
    others = [c for c in investigated if c.family_code != "NORD"]
    picked = {c.case.pk: c for c in investigated[: (wanted + 1) // 2] + others[: wanted // 2]}
    slots: dict[str, datetime] = {}
    for i, c in enumerate(picked.values()):
        family = c.case.responsible_unit.parent
        to_unit = Unit.objects.filter(parent=family, kind=UnitKind.ACTION_GROUP, active=True).first()
        if to_unit is None:
            continue
        complete = i % 2 == 0
        checklist = {
            code: {"done": complete or code in ("latest_assessment", "network"), "note": note}
            for code, note in CHECKLIST_NOTES.items()
        }
        handover = flow_services.handover_propose(
            actor=c.worker,
            case_id=c.case.pk,
            to_unit_id=to_unit.pk,
            to_stage="family_unit.action",
            reason=HANDOVER_REASON,
            checklist=checklist,
        )
        result.handovers += 1
        if i == 0:  # the first is prepared: the handover meeting with the parents is planned
            start = _at(_weekday(today + timedelta(days=rng.randint(3, 10))), 10)
            leaders = [u for u in receiving_leaders(to_unit) if u.pk != c.worker.pk]
            handover = flow_services.handover_meeting(
                actor=c.worker,
                handover_id=handover.pk,
                data=meeting_services.MeetingIn(
                    kind=MeetingKind.HANDOVER,
                    starts_at=start,
                    ends_at=start + timedelta(hours=1),
                    location=f"{family.name if family else to_unit.name}, mødelokale 1",
                    agenda="1. Præsentation af den nye rådgiver\n2. Barnets plan\n3. Hvad er vigtigt for familien",
                    staff_ids=[u.pk for u in leaders],
                    externals=_externals(c, rng, letters=False),
                ),
            )
            result.planned += int(handover.status == HandoverStatus.PREPARED)
    # Coming meetings: Aftaleforum sessions (several cases at the same place, one after another) and others.
    for c in ctxs:
        if rng.random() >= (1.0 if _demo_login_works_on(c) else 0.8):
            continue
        kind = _kind_for(c, rng)
        chair = c.worker
        if kind == MeetingKind.AFTALEFORUM and c.leader is not None:
            chair = c.leader
            key = c.family_code
            if key not in slots:
                first = today + timedelta(days=1)
                first += timedelta(days=(AFTALEFORUM.get(key, 1) - first.weekday()) % 7)
                slots[key] = _at(first, 9)
            start = slots[key]
            slots[key] = start + timedelta(minutes=30)
            length = timedelta(minutes=30)
        else:
            start = _at(
                _weekday(today + timedelta(days=rng.randint(1, 28))),
                rng.choice([9, 10, 11, 13, 14]),
                rng.choice([0, 30]),
            )
            length = timedelta(hours=1)
        staff = _staff_participants(c, chair)
        externals = _externals(c, rng, letters=True)
        meeting_services.meeting_schedule(
            actor=c.worker,
            case_id=c.case.pk,
            data=meeting_services.MeetingIn(
                kind=kind,
                starts_at=start,
                ends_at=start + length,
                location=_location(c, kind, rng),
                agenda=AGENDA,
                chair_id=chair.pk,
                staff_ids=[u.pk for u in staff[1:]],
                externals=externals,
            ),
        )
        result.planned += 1
        result.letters += sum(1 for e in externals if not e.email)


def seed_meetings(*, limit: int, seed: int = 1) -> MeetingsResult:
    """Give up to `limit` open cases (synthetic children only, without meetings or a stage yet) a stage, earlier
    held meetings with minutes and decisions, and coming meetings; propose handovers for a few."""
    rng = random.Random(seed)
    result = MeetingsResult()
    if limit <= 0:
        return result
    today = timezone.localdate()
    now = timezone.now()
    ctxs = _select(rng, _contexts(today), limit)
    for c in ctxs:
        c.parents = custody_holders(c.case.child)[:2]
    result.cases = len(ctxs)
    with transaction.atomic():
        members, lines = _teachers(ctxs, rng, today)
        TeamMember.objects.bulk_create(members)
        for member, line in zip(members, lines, strict=True):
            line.object_id = str(member.pk)
        TimelineEvent.objects.bulk_create(lines)
        result.teachers = len(members)
        _write_past(ctxs, rng, today, now, result)
        audit.record(
            actor=None,
            action=AuditAction.CREATE,
            object_type="demo.meetings",
            channel="cli",
            detail={
                "seed": seed,
                "cases": result.cases,
                "held": result.held,
                "cancelled": result.cancelled,
                "decisions": result.decisions,
                "teachers": result.teachers,
            },
        )
    with _mail_stays_local():
        _ahead(ctxs, rng, today, result)
    return result
