"""Every write of meetings and decisions: schedule a meeting and invite its participants (in Helhed, by e-mail
with a calendar file, or by letter), write the minutes, record attendance and decisions, hold or cancel the
meeting, send each participant the minutes they may read, and move a decision (a task) through its statuses.
Access is the case gatekeeper's; every write is audited and lands on the child's timeline."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from helhed.cases import services as case_services
from helhed.cases.gatekeeper import case_for, cases_visible_to
from helhed.cases.models import DocumentKind
from helhed.cases.policies import CasePerm
from helhed.core import audit
from helhed.core.concurrency import bump_version, check_version
from helhed.core.errors import Conflict, Forbidden, HelhedError, NotFound
from helhed.core.http import absolute_link
from helhed.core.i18n import record_language
from helhed.core.models import AuditAction
from helhed.core.validation import as_pk, check_length
from helhed.organisation.models import AdministrationCode, User

from . import documents, ical, policies
from .models import (
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

log = logging.getLogger(__name__)

MAX_PARTICIPANTS = 30
_STALE_MEETING = _lazy("Mødet er ændret af en anden imens. Genindlæs siden og prøv igen.")
_STALE_DECISION = _lazy("Beslutningen er ændret af en anden imens. Genindlæs siden og prøv igen.")


@dataclass
class ExternalIn:
    """A participant without a staff account: a parent, the child, or an outside professional."""

    kind: str
    name: str
    role: str = ""
    email: str = ""


@dataclass
class MeetingIn:
    kind: str
    starts_at: datetime
    ends_at: datetime
    location: str
    title: str = ""
    agenda: str = ""
    chair_id: int | None = None
    staff_ids: list[int] = field(default_factory=list)
    externals: list[ExternalIn] = field(default_factory=list)


@dataclass
class DecisionIn:
    text: str
    owner_id: int | None
    due_on: date | None
    administration: str = ""
    binding: bool = True
    visibility: str = Visibility.FAMILY


def _sees_case(user: User, case_id: int) -> bool:
    return cases_visible_to(user).filter(pk=case_id).exists()


def _staff(user_id, case_id: int, *, field_name: str, what: str) -> User:
    user = User.objects.filter(pk=as_pk(user_id), is_active=True).first()
    if user is None:
        raise HelhedError(_("Vælg en medarbejder fra listen."), field=field_name, code="unknown_user")
    if not _sees_case(user, case_id):
        raise HelhedError(
            _("%(name)s har ikke adgang til sagen og kan ikke være %(what)s. Sæt personen på sagens team først.")
            % {"name": user.get_full_name() or user.username, "what": what},
            field=field_name,
            code="not_on_case",
        )
    return user


def _locked_meeting(actor, meeting_id, *, need: CasePerm = CasePerm.WRITE_JOURNAL) -> Meeting:
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("case", "case__child", "chair")
        .filter(pk=as_pk(meeting_id))
        .first()
    )
    if meeting is None:
        raise NotFound(_("Mødet findes ikke."))
    case_for(actor, meeting.case_id, need=need, audit_action=None)  # 404 for a case the actor cannot see
    return meeting


def _validate_meeting(data: MeetingIn, now: datetime) -> tuple[str, str, str, str]:
    if data.kind not in MeetingKind.values:
        raise HelhedError(_("Vælg hvilken slags møde det er."), field="kind", code="invalid_kind")
    for moment, name in ((data.starts_at, "starts_at"), (data.ends_at, "ends_at")):
        if not isinstance(moment, datetime) or timezone.is_naive(moment):
            raise HelhedError(_("Skriv dato og klokkeslæt for mødet."), field=name, code="invalid_time")
    policies.check_times(data.starts_at, data.ends_at, now=now)
    location = (data.location or "").strip()
    if not location:
        raise HelhedError(_("Skriv hvor mødet holdes (adresse eller online)."), field="location", code="required")
    title = (data.title or "").strip() or str(MeetingKind(data.kind).label)
    agenda = (data.agenda or "").strip()
    check_length(location, 200, field="location")
    check_length(title, 200, field="title")
    check_length(agenda, 10000, field="agenda")
    if len(data.staff_ids) + len(data.externals) > MAX_PARTICIPANTS:
        raise HelhedError(
            _("Højst %(n)s deltagere pr. møde.") % {"n": MAX_PARTICIPANTS}, field="participants", code="too_many"
        )
    return data.kind, title, location, agenda


def _external(ext: ExternalIn, index: int) -> ExternalIn:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    kind = (ext.kind or "").strip()
    if kind not in {ParticipantKind.PARENT, ParticipantKind.CHILD, ParticipantKind.EXTERNAL}:
        raise HelhedError(
            _("Deltager %(n)s: vælg forælder, barnet eller ekstern deltager.") % {"n": index},
            field="externals",
            code="invalid_kind",
        )
    name = (ext.name or "").strip()
    if not name:
        raise HelhedError(_("Deltager %(n)s: skriv navnet.") % {"n": index}, field="externals", code="required")
    email = (ext.email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise HelhedError(
                _("Deltager %(n)s: e-mailadressen er ikke gyldig.") % {"n": index}, field="externals", code="email"
            )
    check_length(name, 160, field="externals")
    check_length(ext.role or "", 120, field="externals")
    return ExternalIn(kind=kind, name=name, role=(ext.role or "").strip(), email=email)


@transaction.atomic
def meeting_schedule(*, actor, case_id, data: MeetingIn) -> Meeting:
    """Schedule a meeting on a case and invite its participants: staff in Helhed (and by e-mail with a calendar
    file when they have an address); parents, the child and outside participants by e-mail with a calendar file,
    or by a letter filed on the case when there is no address. The chair (by default the actor) takes part."""
    access = case_for(actor, case_id, need=CasePerm.WRITE_JOURNAL, audit_action=None, lock=True)
    case = access.case
    now = timezone.now()
    kind, title, location, agenda = _validate_meeting(data, now)
    chair = (
        actor
        if data.chair_id in (None, "", actor.pk)
        else _staff(data.chair_id, case.pk, field_name="chair_id", what=_("mødeleder"))
    )
    staff: dict[int, User] = {chair.pk: chair}
    for user_id in data.staff_ids:
        user = _staff(user_id, case.pk, field_name="staff_ids", what=_("deltager"))
        staff[user.pk] = user
    externals = [_external(ext, i) for i, ext in enumerate(data.externals, start=1)]
    meeting = Meeting.objects.create(
        case=case,
        kind=kind,
        title=title,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        location=location,
        agenda=agenda,
        chair=chair,
        created_by=actor,
        created_at=now,
    )
    participants = [
        Participant(
            meeting=meeting,
            kind=ParticipantKind.STAFF,
            user=user,
            name=user.get_full_name() or user.username,
            role=str(user.get_title_display()) if user.title else "",
            email=user.email or "",
            channels=[InvitationChannel.APP] + ([InvitationChannel.EMAIL] if user.email else []),
        )
        for user in staff.values()
    ]
    participants += [
        Participant(
            meeting=meeting,
            kind=ext.kind,
            name=ext.name,
            role=ext.role,
            email=ext.email,
            channels=[InvitationChannel.EMAIL if ext.email else InvitationChannel.LETTER],
        )
        for ext in externals
    ]
    Participant.objects.bulk_create(participants)
    for participant in meeting.participants.all():
        if InvitationChannel.LETTER in participant.channels:
            content = documents.invitation_pdf(meeting, participant)
            with record_language():
                doc_title = _("Invitation til %(kind)s %(day)s (%(name)s)") % {
                    "kind": meeting.get_kind_display().lower(),
                    "day": timezone.localtime(meeting.starts_at).strftime("%d.%m.%Y"),
                    "name": participant.name,
                }
            doc = case_services.document_file_generated(
                actor=actor,
                case=case,
                content=content,
                filename=f"invitation-moede-{meeting.pk}-{participant.pk}.pdf",
                title=doc_title,
                kind=DocumentKind.LETTER,
            )
            participant.invitation_document_id = doc.pk
            participant.save(update_fields=["invitation_document_id"])
        elif participant.email:
            transaction.on_commit(partial(_send_invitation, participant.pk))
    with record_language():
        timeline_title = _("%(kind)s planlagt %(day)s") % {
            "kind": meeting.get_kind_display(),
            "day": timezone.localtime(meeting.starts_at).strftime("%d.%m.%Y %H:%M"),
        }
    case_services.timeline_add(
        person_id=case.child_id,
        case=case,
        kind="meeting_scheduled",
        title=timeline_title,
        actor=actor,
        shared_with_team=True,
        obj=meeting,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=meeting,
        persons=[case.child_id],
        case_id=case.pk,
        detail={"kind": kind, "participants": len(participants)},
    )
    return meeting


def _send_invitation(participant_id: int, *, cancel: bool = False) -> None:
    """E-mail an invitation (or a cancellation) with its calendar file after the transaction has committed. A
    failure is recorded on the participant, so the meeting page shows who still has to be told another way."""
    participant = Participant.objects.select_related("meeting", "meeting__chair").get(pk=participant_id)
    meeting = participant.meeting
    local = timezone.localtime(meeting.starts_at)
    with record_language():
        subject = (_("Aflyst: %(kind)s %(day)s") if cancel else _("Invitation: %(kind)s %(day)s")) % {
            "kind": meeting.get_kind_display(),
            "day": local.strftime("%d.%m.%Y %H:%M"),
        }
        body = documents.invitation_text(meeting, participant, cancel=cancel)
    message = EmailMessage(subject=subject, body=body, to=[participant.email])
    message.attach("moede.ics", ical.ics(meeting, cancel=cancel, sequence=1 if cancel else 0), "text/calendar")
    try:
        message.send()
    except Exception as exc:  # noqa: BLE001 - any transport error is recorded for the meeting's owner to act on
        log.warning("meeting invitation %s not e-mailed: %s", participant_id, type(exc).__name__)
        Participant.objects.filter(pk=participant_id).update(email_error=type(exc).__name__[:200])
        return
    Participant.objects.filter(pk=participant_id).update(emailed_at=timezone.now(), email_error="")


def _status(meeting: Meeting, to_status: str, *, actor, reason: str = "") -> None:
    if (meeting.status, to_status) not in policies.MEETING_TRANSITIONS:
        raise Conflict(
            _("Mødet er %(status)s og kan ikke ændres sådan.") % {"status": meeting.get_status_display().lower()},
            code="illegal_transition",
        )
    MeetingStatusChange.objects.create(
        meeting=meeting,
        from_status=meeting.status,
        to_status=to_status,
        reason=reason,
        changed_by=actor,
        changed_at=timezone.now(),
    )
    meeting.status = to_status
    bump_version(meeting, "status")


@transaction.atomic
def meeting_hold(*, actor, meeting_id, version=None) -> Meeting:
    """Mark a meeting as held (once it has begun): minutes and decisions can then be sent."""
    meeting = _locked_meeting(actor, meeting_id)
    check_version(meeting, version, message=_STALE_MEETING)
    if meeting.starts_at > timezone.now():
        raise Conflict(_("Mødet er ikke begyndt endnu."), code="not_started")
    _status(meeting, MeetingStatus.HELD, actor=actor)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=meeting,
        persons=[meeting.case.child_id],
        case_id=meeting.case_id,
        detail={"status": MeetingStatus.HELD},
    )
    return meeting


@transaction.atomic
def meeting_cancel(*, actor, meeting_id, reason: str, version=None) -> Meeting:
    """Cancel a planned meeting with a reason; everyone invited by e-mail gets a cancellation for their
    calendar. Those invited by letter must be told another way (the page says so)."""
    meeting = _locked_meeting(actor, meeting_id)
    check_version(meeting, version, message=_STALE_MEETING)
    reason = (reason or "").strip()
    if not reason:
        raise HelhedError(_("Skriv hvorfor mødet aflyses."), field="reason", code="required")
    check_length(reason, 2000, field="reason")
    _status(meeting, MeetingStatus.CANCELLED, actor=actor, reason=reason)
    for participant in meeting.participants.exclude(email="").filter(emailed_at__isnull=False):
        transaction.on_commit(partial(_send_invitation, participant.pk, cancel=True))
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=meeting,
        persons=[meeting.case.child_id],
        case_id=meeting.case_id,
        reason=reason,
        detail={"status": MeetingStatus.CANCELLED},
    )
    return meeting


def _not_cancelled(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise Conflict(_("Mødet er aflyst."), code="cancelled")


def _visibility(value: str) -> str:
    if value not in Visibility.values:
        raise HelhedError(_("Vælg hvem der må læse det."), field="visibility", code="invalid_visibility")
    return value


@transaction.atomic
def minutes_add(*, actor, meeting_id, title: str, body: str, visibility: str = Visibility.FAMILY) -> MinutesItem:
    """Add a point to the minutes, with who may read it (everyone, professionals, or the caseworkers)."""
    meeting = _locked_meeting(actor, meeting_id)
    _not_cancelled(meeting)
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise HelhedError(_("Skriv en overskrift for punktet."), field="title", code="required")
    if not body:
        raise HelhedError(_("Skriv hvad der blev sagt eller aftalt."), field="body", code="required")
    check_length(title, 200, field="title")
    check_length(body, 20000, field="body")
    item = MinutesItem.objects.create(
        meeting=meeting,
        title=title,
        body=body,
        visibility=_visibility(visibility),
        written_by=actor,
        written_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=item,
        persons=[meeting.case.child_id],
        case_id=meeting.case_id,
        detail={"meeting": meeting.pk, "visibility": item.visibility},
    )
    return item


@transaction.atomic
def attendance_set(*, actor, meeting_id, attendance: dict) -> int:
    """Record who took part: {participant id: 'present' | 'absent' | 'invited'}. Returns how many changed."""
    meeting = _locked_meeting(actor, meeting_id)
    _not_cancelled(meeting)
    by_id = {p.pk: p for p in meeting.participants.all()}
    changed = []
    for key, value in attendance.items():
        pk = as_pk(key)
        if pk not in by_id:
            raise HelhedError(_("Ukendt deltager. Genindlæs siden og prøv igen."), field="attendance", code="unknown")
        if value not in Attendance.values:
            raise HelhedError(_("Vælg deltog eller deltog ikke."), field="attendance", code="invalid")
        if by_id[pk].attendance != value:
            by_id[pk].attendance = value
            changed.append(by_id[pk])
    Participant.objects.bulk_update(changed, ["attendance"])
    if changed:
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=meeting,
            persons=[meeting.case.child_id],
            case_id=meeting.case_id,
            detail={"attendance": {str(p.pk): p.attendance for p in changed}},
        )
    return len(changed)


@transaction.atomic
def decision_add(*, actor, meeting_id, data: DecisionIn) -> Decision:
    """Record a decision: its text, whether it is binding, the person and administration responsible and the
    due date. It becomes the owner's task ('Mine opgaver') until it is done or cancelled."""
    meeting = _locked_meeting(actor, meeting_id)
    _not_cancelled(meeting)
    text = (data.text or "").strip()
    if not text:
        raise HelhedError(_("Skriv hvad der er besluttet."), field="text", code="required")
    check_length(text, 5000, field="text")
    if data.owner_id in (None, ""):
        raise HelhedError(
            _("En beslutning skal have en ansvarlig person. Vælg hvem der skal gøre det."),
            field="owner_id",
            code="owner_missing",
        )
    owner = _staff(data.owner_id, meeting.case_id, field_name="owner_id", what=_("ansvarlig"))
    if data.due_on is None:
        raise HelhedError(_("Skriv hvornår beslutningen skal være udført."), field="due_on", code="required")
    policies.check_due(data.due_on, meeting_day=timezone.localtime(meeting.starts_at).date())
    administration = data.administration or _administration_of(owner)
    if administration not in AdministrationCode.values:
        raise HelhedError(_("Vælg hvilken forvaltning der er ansvarlig."), field="administration", code="invalid")
    decision = Decision.objects.create(
        meeting=meeting,
        case=meeting.case,
        text=text,
        binding=bool(data.binding),
        owner=owner,
        administration=administration,
        due_on=data.due_on,
        visibility=_visibility(data.visibility),
        created_by=actor,
        created_at=timezone.now(),
    )
    with record_language():
        title = _("Beslutning på %(kind)s: %(text)s") % {"kind": meeting.get_kind_display().lower(), "text": text[:120]}
    case_services.timeline_add(
        person_id=meeting.case.child_id,
        case=meeting.case,
        kind="decision",
        title=title,
        actor=actor,
        administration=administration,
        shared_with_team=decision.visibility != Visibility.CASEWORKERS,
        obj=decision,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=decision,
        persons=[meeting.case.child_id],
        case_id=meeting.case_id,
        detail={"meeting": meeting.pk, "owner": owner.pk, "binding": decision.binding, "due_on": str(data.due_on)},
    )
    return decision


def _administration_of(user: User) -> str:
    from helhed.organisation.selectors import active_memberships

    for membership in active_memberships(user):
        code = getattr(getattr(membership.unit, "administration", None), "code", "")
        if code:
            return code
    return ""


@transaction.atomic
def decision_set_status(*, actor, decision_id, status: str, note: str = "", version=None) -> Decision:
    """Move a decision: done, cancelled (with a note) or reopened. Its owner may, and so may whoever does the case
    work; the change is kept in its history."""
    decision = (
        Decision.objects.select_for_update(of=("self",))
        .select_related("case", "meeting")
        .filter(pk=as_pk(decision_id))
        .first()
    )
    if decision is None:
        raise NotFound(_("Beslutningen findes ikke."))
    access = case_for(actor, decision.case_id, audit_action=None)
    if decision.owner_id != actor.pk and not access.can(CasePerm.WRITE_JOURNAL):
        raise Forbidden(_("Kun den ansvarlige eller sagens rådgiver kan ændre beslutningen."), code="not_owner")
    check_version(decision, version, message=_STALE_DECISION)
    if status not in DecisionStatus.values or (decision.status, status) not in policies.DECISION_TRANSITIONS:
        raise Conflict(_("Beslutningen kan ikke ændres sådan."), code="illegal_transition")
    note = (note or "").strip()
    if status == DecisionStatus.CANCELLED and not note:
        raise HelhedError(_("Skriv hvorfor beslutningen annulleres."), field="note", code="required")
    check_length(note, 2000, field="note")
    now = timezone.now()
    DecisionStatusChange.objects.create(
        decision=decision, from_status=decision.status, to_status=status, note=note, changed_by=actor, changed_at=now
    )
    decision.status = status
    decision.closed_at = None if status == DecisionStatus.OPEN else now
    bump_version(decision, "status", "closed_at")
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=decision,
        persons=[decision.case.child_id],
        case_id=decision.case_id,
        detail={"status": status},
    )
    return decision


@transaction.atomic
def minutes_send(*, actor, meeting_id, version=None) -> dict[str, int]:
    """Share the minutes of a held meeting, each reader getting only what they may read: the full minutes are
    filed on the case; each parent, child and outside participant gets their own copy (what is for everyone)
    filed on the case as a letter to send them; staff read theirs in Helhed and get an e-mail saying it is there.
    The minutes never travel by e-mail (it is not a secure channel for a child's case). Returns the counts."""
    meeting = _locked_meeting(actor, meeting_id)
    check_version(meeting, version, message=_STALE_MEETING)
    if meeting.status != MeetingStatus.HELD:
        raise Conflict(_("Marker mødet som afholdt, før referatet sendes."), code="not_held")
    day = timezone.localtime(meeting.starts_at).strftime("%d.%m.%Y")
    with record_language():
        kind = meeting.get_kind_display().lower()
        title = _("Referat af %(kind)s %(day)s") % {"kind": kind, "day": day}
    case_services.document_file_generated(
        actor=actor,
        case=meeting.case,
        content=documents.minutes_pdf(meeting, Visibility.CASEWORKERS),
        filename=f"referat-moede-{meeting.pk}.pdf",
        title=title,
        kind=DocumentKind.OTHER,
    )
    letters = notices = 0
    for participant in meeting.participants.select_related("user"):
        if participant.kind == ParticipantKind.STAFF:
            if participant.email:
                transaction.on_commit(partial(_send_minutes_notice, participant.pk))
                notices += 1
            continue
        with record_language():
            copy_title = _("Referat af %(kind)s %(day)s til %(name)s") % {
                "kind": kind,
                "day": day,
                "name": participant.name,
            }
        doc = case_services.document_file_generated(
            actor=actor,
            case=meeting.case,
            content=documents.minutes_pdf(meeting, Visibility.FAMILY, participant),
            filename=f"referat-moede-{meeting.pk}-{participant.pk}.pdf",
            title=copy_title,
            kind=DocumentKind.LETTER,
        )
        participant.minutes_document_id = doc.pk
        participant.save(update_fields=["minutes_document_id"])
        letters += 1
    meeting.minutes_sent_at = timezone.now()
    bump_version(meeting, "minutes_sent_at")
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=meeting,
        persons=[meeting.case.child_id],
        case_id=meeting.case_id,
        detail={"minutes_letters": letters, "minutes_notices": notices},
    )
    return {"letters": letters, "notices": notices}


def _send_minutes_notice(participant_id: int) -> None:
    """Tell a staff participant that the minutes are in Helhed: a link, no content."""
    from django.urls import reverse

    participant = Participant.objects.select_related("meeting").get(pk=participant_id)
    meeting = participant.meeting
    link = absolute_link(reverse("meetings:detail", args=[meeting.pk]))
    with record_language():
        subject = _("Referatet af %(kind)s %(day)s er klar") % {
            "kind": meeting.get_kind_display().lower(),
            "day": timezone.localtime(meeting.starts_at).strftime("%d.%m.%Y"),
        }
        body = _(
            "Referatet og beslutningerne fra mødet kan læses i Helhed: %(link)s\n\nAf hensyn til barnet står der "
            "ikke navne eller indhold i denne e-mail.\n\nVenlig hilsen\nHelhed"
        ) % {"link": link}
    try:
        EmailMessage(subject=subject, body=body, to=[participant.email]).send()
    except Exception as exc:  # noqa: BLE001
        log.warning("minutes notice %s not e-mailed: %s", participant_id, type(exc).__name__)
        Participant.objects.filter(pk=participant_id).update(email_error=type(exc).__name__[:200])
