"""Every write of early detection: queue and run absence imports, raise alerts of concerning absence and tell the
school social workers and the case team, and the follow-up: acknowledge, book the meeting with the parents (with
its deadline), hold or cancel it, agree a plan or close the alert with a reason."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from helhed.core import audit, filestore
from helhed.core.errors import Conflict, HelhedError
from helhed.core.http import absolute_link
from helhed.core.i18n import record_language
from helhed.core.models import AuditAction
from helhed.core.validation import check_length

from . import policies, scope, selectors
from .imports import AbsenceFileError, Outcome, import_file
from .models import (
    OPEN_ALERT_STATES,
    AbsenceAlert,
    AbsenceImport,
    AlertStatus,
    AlertStatusChange,
    FollowUpMeeting,
    FollowUpMeetingStatus,
    ImportStatus,
)

log = logging.getLogger(__name__)


class FileTooLarge(HelhedError):
    status_code = 413


MEETING_RULE = "absence.parent_meeting"


# -- imports -----------------------------------------------------------------------------------------------------


def progress_path(import_id: int) -> Path:
    root = Path(settings.DATA_DIR) / "tmp" / "absence-progress"
    root.mkdir(parents=True, exist_ok=True)
    return root / f"{import_id}.json"


def _progress_writer(import_id: int):
    path = progress_path(import_id)

    def write(stage: str, percent: int) -> None:
        # A small file, not the database: the import's own transaction holds the rows until it commits, and a
        # page polling the progress must see it from another process.
        path.write_text(json.dumps({"stage": stage, "percent": percent}))

    return write


def read_progress(import_id: int) -> dict:
    try:
        return json.loads(progress_path(import_id).read_text())
    except (OSError, ValueError):
        return {}


def import_queue(*, actor, upload, skip_bad_lines: bool = False, channel: str = "ui") -> AbsenceImport:
    """Store an uploaded absence file and queue its import (run by the worker; at once in tests). The file is
    checked and imported whole by `import_run`; the page follows its progress."""
    name = (getattr(upload, "name", "") or "fravaer.csv")[:200]
    size = getattr(upload, "size", 0) or 0
    if size > settings.HELHED_ABSENCE_MAX_BYTES:
        raise FileTooLarge(
            _("Filen er for stor (højst %(mb)s MB). Del den op pr. skole eller pr. måned.")
            % {"mb": settings.HELHED_ABSENCE_MAX_BYTES // (1024 * 1024)},
            code="too_large",
        )
    if size == 0:
        raise HelhedError(_("Filen er tom. Vælg fraværsfilen fra skolens system."), field="file", code="empty")
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".txt", ".parquet"):
        raise HelhedError(
            _("Vælg en CSV-fil (.csv) eller en Parquet-fil (.parquet). Et Excel-ark skal først gemmes som CSV."),
            field="file",
            code="bad_type",
        )
    stored = filestore.store(upload.chunks(), suffix)
    try:
        with transaction.atomic():
            record = AbsenceImport.objects.create(
                file_name=name,
                sha256=stored.sha256,
                size=stored.size,
                stored_name=stored.storage_name,
                channel=channel,
                skip_bad_lines=skip_bad_lines,
                imported_by=actor,
                created_at=timezone.now(),
            )
            audit.record(actor=actor, action=AuditAction.CREATE, obj=record, detail={"file": name, "queued": True})
            from .tasks import absence_import_task

            # The database task backend stores the task in this transaction, so the record and its task commit
            # together (tests run it at once).
            absence_import_task.enqueue(record.pk)
    except BaseException:
        filestore.discard([stored])
        raise
    return record


def import_run(*, import_id: int) -> Outcome | None:
    """Run a queued import (the worker's task). The uploaded file is removed afterwards, whatever the outcome."""
    record = AbsenceImport.objects.select_related("imported_by").filter(pk=import_id).first()
    if record is None or record.status != ImportStatus.QUEUED:
        return None
    path = filestore.path_for(record.stored_name)
    try:
        _record, outcome = import_file(
            actor=record.imported_by,
            path=path,
            file_name=record.file_name,
            skip_bad_lines=record.skip_bad_lines,
            channel=record.channel,
            record=record,
            progress=_progress_writer(record.pk),
        )
        return outcome
    except AbsenceFileError:
        return None
    finally:
        path.unlink(missing_ok=True)
        AbsenceImport.objects.filter(pk=record.pk).update(stored_name="")
        progress_path(record.pk).unlink(missing_ok=True)


# -- alerts ------------------------------------------------------------------------------------------------------


def _status(alert: AbsenceAlert, to_status: str, *, actor, reason: str = "", at: datetime | None = None) -> None:
    if not policies.alert_move_allowed(alert.status, to_status):
        raise Conflict(
            _("Alarmen står som '%(status)s' og kan ikke flyttes dertil. Genindlæs siden.")
            % {"status": alert.get_status_display()},
            code="illegal_transition",
        )
    AlertStatusChange.objects.create(
        alert=alert,
        from_status=alert.status,
        to_status=to_status,
        reason=reason,
        changed_by=actor if getattr(actor, "pk", None) else None,
        changed_at=at or timezone.now(),
    )
    alert.status = to_status


def _check_version(alert: AbsenceAlert, version) -> None:
    if version is not None and str(version) != str(alert.version):
        raise Conflict(
            _("Alarmen er ændret af en anden, mens du arbejdede. Genindlæs siden og prøv igen."), code="stale"
        )


@transaction.atomic
def alerts_raise(*, actor=None, as_of: date | None = None) -> dict[str, int]:
    """Evaluate the rule for concerning absence and raise an alert for each flagged pupil who has no open alert
    and no alert raised inside the rule's window (so a closed alert is not raised again the next night for the
    same absence). Tells the school's social workers and, when the child has a case, the case team."""
    from helhed.cases.selectors import active_cases_of_children
    from helhed.cases.services import timeline_add

    as_of = as_of or timezone.localdate()
    flags = selectors.evaluate_absence(as_of=as_of)
    if not flags:
        return {"flagged": 0, "raised": 0}
    rule = flags[0].finding.rule
    window_start, _end = policies.window(as_of, rule)
    ids = [f.person_id for f in flags]
    # No new alert while one is open, nor for absence an alert inside the rule's window has already shown.
    recent = set(
        AbsenceAlert.objects.filter(person_id__in=ids)
        .filter(Q(status__in=OPEN_ALERT_STATES) | Q(as_of__gte=window_start))
        .values_list("person_id", flat=True)
    )
    cases = active_cases_of_children([i for i in ids if i not in recent])
    now = timezone.now()
    raised: list[AbsenceAlert] = []
    for flag in flags:
        if flag.person_id in recent:
            continue
        finding = flag.finding
        school_id = flag.school_id
        if school_id is None:
            school = scope.current_school(flag.person_id, on=as_of)
            school_id = school.pk if school else None
        case = cases.get(flag.person_id)
        try:
            with transaction.atomic():
                alert = AbsenceAlert.objects.create(
                    person_id=flag.person_id,
                    school_id=school_id,
                    case=case,
                    rule_id=finding.rule.id,
                    rule_version=finding.rule.version,
                    as_of=as_of,
                    window_start=finding.window_start,
                    window_end=finding.window_end,
                    school_days=finding.school_days,
                    absent_days=finding.absent_days,
                    share=finding.share,
                    longest_unauthorised_run=finding.longest_unauthorised_run,
                    reasons=[str(r) for r in finding.reasons],
                    raised_at=now,
                )
        except IntegrityError:
            continue  # raised by a concurrent run
        AlertStatusChange.objects.create(
            alert=alert,
            from_status="",
            to_status=AlertStatus.NEW,
            changed_by=None,
            changed_at=now,
            reason="; ".join(alert.reasons),
        )
        if case is not None:
            with record_language():
                title = _("Bekymrende skolefravær fundet: %(percent)s %% af skoledagene") % {
                    "percent": f"{finding.percent}".replace(".", ",")
                }
            timeline_add(
                person_id=flag.person_id,
                kind="absence_alert",
                title=title,
                case=case,
                actor=actor,
                administration="BUF",
                shared_with_team=True,
                obj=alert,
            )
        raised.append(alert)
    if raised:
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="detection.absencealert",
            object_id=",".join(str(a.pk) for a in raised[:200]),
            persons=[a.person_id for a in raised],
            detail={"as_of": as_of.isoformat(), "raised": len(raised), "by": "system" if actor is None else "user"},
        )
        alert_ids = [a.pk for a in raised]
        transaction.on_commit(lambda: _notify_new_alerts(alert_ids))
    return {"flagged": len(flags), "raised": len(raised)}


def _notify_new_alerts(alert_ids: list[int]) -> int:
    """One e-mail per recipient: the school social workers of each alert's school and the case team. The e-mail
    names the school and links to the alerts, never the child (e-mail is not a secure channel)."""
    from helhed.cases.selectors import active_team_users
    from helhed.organisation.models import Role

    recipients: dict[int, tuple[Any, set[str]]] = {}
    alerts = list(AbsenceAlert.objects.filter(pk__in=alert_ids).select_related("school", "case"))
    social_workers = selectors.school_staff({a.school_id for a in alerts if a.school_id}, [Role.SCHOOL_SOCIAL_WORKER])
    for alert in alerts:
        users: list[Any] = list(social_workers.get(alert.school_id, [])) if alert.school_id else []
        if alert.case is not None:
            users += active_team_users(alert.case)  # a team per child with a case: few of a night's alerts
        for user in users:
            recipients.setdefault(user.pk, (user, set()))[1].add(alert.school.name if alert.school else "")
    sent = 0
    link = absolute_link(reverse("detection:alerts"))
    for user, schools in recipients.values():
        if not getattr(user, "email", ""):
            continue
        with record_language():
            subject = _("Helhed: ny alarm om bekymrende skolefravær")
            body = _(
                "Helhed har fundet bekymrende skolefravær hos en eller flere elever (%(schools)s), som du arbejder "
                "med. Se alarmerne og tag dem her: %(link)s\n\nE-mailen nævner ingen elev; oplysningerne står i "
                "Helhed."
            ) % {"schools": ", ".join(sorted(s for s in schools if s)) or "-", "link": link}
        try:
            send_mail(subject, body, None, [user.email])
            sent += 1
        except Exception:  # noqa: BLE001 - one refused address must not stop the others
            log.warning("alert notice to user %s could not be sent", user.pk)
    return sent


@transaction.atomic
def alert_acknowledge(*, actor, alert_id, version=None) -> AbsenceAlert:
    """The school social worker (or the caseworker) takes the alert: the meeting with the parents is now due
    within the municipality's time (the deadline `absence.parent_meeting`, on 'Mine frister')."""
    from helhed.deadlines.rules import Trigger
    from helhed.deadlines.services import deadlines_start

    alert = selectors.alert_for(actor=actor, alert_id=alert_id, audit_action=None, lock=True)
    _check_version(alert, version)
    now = timezone.now()
    _status(alert, AlertStatus.ACKNOWLEDGED, actor=actor, at=now)
    alert.acknowledged_at = now
    alert.acknowledged_by = actor
    alert.version += 1
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "version"])
    deadlines_start(
        actor=actor,
        trigger=Trigger.ABSENCE_ACKNOWLEDGED,
        at=now,
        person=alert.person,
        case=alert.case,
        owner=actor,
        unit=alert.school if alert.case is None else None,
        source=alert,
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=alert,
        persons=[alert.person_id],
        case_id=alert.case_id,
        detail={"status": alert.status},
    )
    return alert


def _clean_meeting(*, starts_at: datetime, ends_at: datetime, location: str, title: str) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise HelhedError(_("Tidspunktet mangler tidszone."), field="starts_at")
    if ends_at <= starts_at:
        raise HelhedError(_("Mødet skal slutte efter det begynder. Ret sluttidspunktet."), field="ends_at")
    if ends_at - starts_at > timedelta(hours=8):
        raise HelhedError(_("Et møde kan højst vare 8 timer. Ret tidspunkterne."), field="ends_at")
    now = timezone.now()
    if starts_at < now - timedelta(days=30):
        raise HelhedError(_("Mødet ligger mere end 30 dage tilbage. Vælg datoen for mødet."), field="starts_at")
    if starts_at > now + timedelta(days=365):
        raise HelhedError(
            _("Mødet ligger mere end et år frem. Vælg en dato inden for det næste år."), field="starts_at"
        )
    if not (location or "").strip():
        raise HelhedError(_("Skriv hvor mødet holdes, fx skolens mødelokale."), field="location")
    check_length(location, 200, field="location")
    check_length(title, 200, field="title")


@transaction.atomic
def followup_meeting_book(
    *,
    actor,
    person,
    school,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    parents: str = "",
    staff=(),
    note: str = "",
    origin: str = "absence",
    origin_id: str = "",
    alert: AbsenceAlert | None = None,
    title: str = "",
) -> FollowUpMeeting:
    """Book a meeting at school with the pupil's parents (for an absence alert, a class review or a screening).
    The invited staff see it on 'Mine møder' with a calendar file; for an alert it moves the alert to 'meeting
    booked'. The actor must work with the pupil."""
    if alert is not None:
        alert = selectors.alert_for(actor=actor, alert_id=alert.pk, audit_action=None, lock=True)
        person, school = alert.person, alert.school
        if alert.status == AlertStatus.NEW:
            raise Conflict(
                _("Tag alarmen først (knappen 'Tag alarmen'), så fristen for mødet begynder."), code="not_acknowledged"
            )
    elif not scope.can_see_pupil(actor, person.pk, school_id=getattr(school, "pk", None)):
        from django.http import Http404

        raise Http404
    with record_language():
        title = (
            title or _("Møde med forældrene om skolefravær" if origin == "absence" else "Møde med forældrene")
        ).strip()
    location = (location or "").strip()
    _clean_meeting(starts_at=starts_at, ends_at=ends_at, location=location, title=title)
    check_length(parents, 300, field="parents")
    check_length(note, 5000, field="note")
    invited = list(staff)
    allowed = {
        u.pk for u in selectors.meeting_staff_choices(getattr(school, "pk", None), alert.case if alert else None)
    }
    for user in invited:
        if user.pk not in allowed and user.pk != actor.pk:
            raise HelhedError(
                _("%(name)s arbejder hverken på skolen eller på barnets sag og kan ikke inviteres.")
                % {"name": user.get_full_name() or user.username},
                field="staff",
            )
    meeting = FollowUpMeeting.objects.create(
        person=person,
        school=school,
        alert=alert,
        origin=origin,
        origin_id=origin_id[:40],
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        parents=parents.strip(),
        note=note.strip(),
        created_by=actor,
        created_at=timezone.now(),
    )
    meeting.staff.set({actor.pk, *[u.pk for u in invited]})
    if alert is not None:
        _status(alert, AlertStatus.MEETING_BOOKED, actor=actor)
        alert.version += 1
        alert.save(update_fields=["status", "version"])
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=meeting,
        persons=[person.pk],
        detail={"origin": origin, "starts_at": starts_at.isoformat(), "staff": len(invited) + 1},
    )
    return meeting


def _meeting_changed(meeting: FollowUpMeeting, *, actor) -> FollowUpMeeting:
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=meeting,
        persons=[meeting.person_id],
        detail={"status": meeting.status},
    )
    return meeting


@transaction.atomic
def followup_meeting_held(*, actor, meeting_id, note: str = "") -> FollowUpMeeting:
    """Record that the meeting with the parents was held: it meets the alert's deadline."""
    from helhed.deadlines.services import deadlines_meet_for

    meeting = selectors.meeting_for(actor=actor, meeting_id=meeting_id, audit_action=None)
    if meeting.status != FollowUpMeetingStatus.PLANNED:
        raise Conflict(_("Mødet er allerede afholdt eller aflyst."), code="illegal_transition")
    if meeting.starts_at > timezone.now():
        raise HelhedError(_("Mødet er ikke begyndt endnu. Markér det som afholdt, når det har været holdt."))
    check_length(note, 5000, field="note")
    meeting.status = FollowUpMeetingStatus.HELD
    if note.strip():
        meeting.note = (meeting.note + "\n\n" + note.strip()).strip()
    meeting.save(update_fields=["status", "note"])
    if meeting.alert_id:
        alert = selectors.alert_for(actor=actor, alert_id=meeting.alert_id, audit_action=None, lock=True)
        alert.meeting_held_at = meeting.starts_at
        alert.version += 1
        alert.save(update_fields=["meeting_held_at", "version"])
        deadlines_meet_for(actor=actor, source=alert, rule_ids=[MEETING_RULE], at=min(meeting.ends_at, timezone.now()))
    return _meeting_changed(meeting, actor=actor)


@transaction.atomic
def followup_meeting_cancel(*, actor, meeting_id, reason: str) -> FollowUpMeeting:
    """Cancel a planned meeting (with a reason); its alert goes back to 'acknowledged' so another can be booked."""
    meeting = selectors.meeting_for(actor=actor, meeting_id=meeting_id, audit_action=None)
    if meeting.status != FollowUpMeetingStatus.PLANNED:
        raise Conflict(_("Mødet er allerede afholdt eller aflyst."), code="illegal_transition")
    if not (reason or "").strip():
        raise HelhedError(_("Skriv hvorfor mødet aflyses."), field="reason")
    check_length(reason, 2000, field="reason")
    meeting.status = FollowUpMeetingStatus.CANCELLED
    meeting.note = (meeting.note + "\n\n" + _("Aflyst: %(reason)s") % {"reason": reason.strip()}).strip()
    meeting.save(update_fields=["status", "note"])
    if meeting.alert_id:
        alert = selectors.alert_for(actor=actor, alert_id=meeting.alert_id, audit_action=None, lock=True)
        if (
            alert.status == AlertStatus.MEETING_BOOKED
            and not alert.meetings.filter(status=FollowUpMeetingStatus.PLANNED).exists()
        ):
            _status(alert, AlertStatus.ACKNOWLEDGED, actor=actor, reason=reason.strip())
            alert.version += 1
            alert.save(update_fields=["status", "version"])
    return _meeting_changed(meeting, actor=actor)


@transaction.atomic
def alert_plan(*, actor, alert_id, plan: str, version=None) -> AbsenceAlert:
    """The meeting with the parents was held and a plan agreed: record the plan; the alert is done."""
    alert = selectors.alert_for(actor=actor, alert_id=alert_id, audit_action=None, lock=True)
    _check_version(alert, version)
    if not (plan or "").strip():
        raise HelhedError(_("Skriv den plan, I aftalte med forældrene."), field="plan")
    check_length(plan, 5000, field="plan")
    if alert.meeting_held_at is None:
        raise Conflict(_("Markér mødet med forældrene som afholdt, før planen skrives."), code="meeting_not_held")
    now = timezone.now()
    _status(alert, AlertStatus.PLAN, actor=actor, reason=plan.strip(), at=now)
    alert.outcome = plan.strip()
    alert.closed_at = now
    alert.version += 1
    alert.save(update_fields=["status", "outcome", "closed_at", "version"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=alert,
        persons=[alert.person_id],
        case_id=alert.case_id,
        detail={"status": alert.status},
    )
    return alert


@transaction.atomic
def alert_close(*, actor, alert_id, reason: str, version=None) -> AbsenceAlert:
    """Close an alert without a plan, with the reason (e.g. a known illness, the family moved). Its open deadline
    is waived with the same reason; planned meetings are cancelled."""
    from helhed.deadlines.selectors import deadlines_of_source
    from helhed.deadlines.services import deadline_close

    alert = selectors.alert_for(actor=actor, alert_id=alert_id, audit_action=None, lock=True)
    _check_version(alert, version)
    reason = (reason or "").strip()
    if not reason:
        raise HelhedError(_("Skriv hvorfor alarmen lukkes, fx at fraværet skyldes en kendt sygdom."), field="reason")
    check_length(reason, 2000, field="reason")
    now = timezone.now()
    _status(alert, AlertStatus.CLOSED, actor=actor, reason=reason, at=now)
    alert.outcome = reason
    alert.closed_at = now
    alert.version += 1
    alert.save(update_fields=["status", "outcome", "closed_at", "version"])
    for deadline in deadlines_of_source(alert):
        if deadline.status == "open":
            deadline_close(actor=actor, deadline=deadline, waive=True, reason=reason)
    alert.meetings.filter(status=FollowUpMeetingStatus.PLANNED).update(status=FollowUpMeetingStatus.CANCELLED)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=alert,
        persons=[alert.person_id],
        case_id=alert.case_id,
        detail={"status": alert.status},
    )
    return alert
