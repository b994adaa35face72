"""/api/v1/detection: early detection from school absence. Import absence files, read the alerts of concerning
absence of the caller's schools and cases and follow them up (acknowledge, book and hold the meeting with the
parents, agree a plan or close), the flagged pupils, and the children of school age without a school.

Thin: the services do every write and the selectors every read, so the rules, the Danish messages, the detection
gatekeeper and the audit are the ones of the pages. An alert or meeting the caller may not see answers 404,
exactly like one that does not exist. Dates are ISO; `share` is a fraction (0.1234 = 12.34 %)."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status, UploadedFile
from pydantic import Field

from helhed.core.apiauth import api_requires
from helhed.core.errors import HelhedError
from helhed.core.permissions import Perm

from . import scope, selectors, services
from .models import AbsenceAlert, AbsenceImport, FollowUpMeeting

router = Router(tags=["detection"])


class ImportOut(Schema):
    id: int
    file_name: str
    status: str
    status_label: str
    created_at: datetime
    finished_at: datetime | None
    rows: int
    pupils: int
    schools: int
    absence_rows: int
    bad_lines: int
    unknown_pupils: int
    first_day: date | None
    last_day: date | None
    message: str
    errors: list[dict] = Field(description="Bad lines: {line, column, message} (at most 10,000)")
    unknown: list[dict] = Field(description="Pupils unknown to the person registry: masked CPR, institution, lines")
    progress: int = Field(description="Percent, while queued or running")


def _import_out(record: AbsenceImport) -> dict:
    report = record.report or {}
    progress = services.read_progress(record.pk).get("percent", 0) if record.status in ("queued", "running") else 100
    return {
        "id": record.pk,
        "file_name": record.file_name,
        "status": record.status,
        "status_label": str(record.get_status_display()),
        "created_at": record.created_at,
        "finished_at": record.finished_at,
        "rows": record.rows,
        "pupils": record.pupils,
        "schools": record.schools,
        "absence_rows": record.absence_rows,
        "bad_lines": record.bad_lines,
        "unknown_pupils": record.unknown_pupils,
        "first_day": record.first_day,
        "last_day": record.last_day,
        "message": report.get("message", ""),
        "errors": report.get("errors", []),
        "unknown": report.get("unknown", []),
        "progress": progress,
    }


@router.post(
    "/absence/imports",
    response={202: ImportOut},
    summary="Import an absence file (multipart: `file`, CSV or Parquet; `skip_bad_lines`)",
    description=(
        "The file is stored and imported in the background (whole, or with its bad lines skipped when asked). "
        "Poll GET /absence/imports/{id} for the outcome: `status` done, rejected (nothing imported; every bad line "
        "in `errors` with its number) or unchanged (the same file was imported before). Columns: "
        "cpr;institutionsnummer;dato;fravaerstype;fravaer_dage (or fravaer_lektioner and lektioner)."
    ),
)
@api_requires(Perm.ABSENCE_IMPORT)
def import_absence(request, file: File[UploadedFile], skip_bad_lines: Form[bool] = False):
    record = services.import_queue(actor=request.auth, upload=file, skip_bad_lines=skip_bad_lines, channel="api")
    record.refresh_from_db()
    return Status(202, _import_out(record))


@router.get("/absence/imports", response=list[ImportOut], summary="The latest absence imports (counts; no pupils)")
@api_requires(Perm.ABSENCE_IMPORT)
def list_imports(request):
    return [_import_out(r) for r in selectors.imports_list(actor=request.auth)]


@router.get("/absence/imports/{import_id}", response=ImportOut, summary="One import with its report")
@api_requires(Perm.ABSENCE_IMPORT)
def get_import(request, import_id: int):
    return _import_out(selectors.import_for(actor=request.auth, import_id=import_id))


class EvaluateOut(Schema):
    flagged: int
    raised: int


@router.post(
    "/absence/evaluate",
    response=EvaluateOut,
    summary="Evaluate the rule for concerning absence now and raise alerts (as the nightly job does)",
)
@api_requires(Perm.ABSENCE_IMPORT)
def evaluate(request):
    return services.alerts_raise(actor=request.auth)


class AlertOut(Schema):
    id: int
    person_id: int
    name: str
    cpr_masked: str
    school_id: int | None
    school: str
    case_id: int | None
    status: str
    status_label: str
    rule: str
    as_of: date
    window_start: date
    window_end: date
    school_days: int
    absent_days: str
    share: str
    longest_unauthorised_run: int
    reasons: list[str]
    raised_at: datetime
    acknowledged_at: datetime | None
    meeting_held_at: datetime | None
    outcome: str
    version: int


def _alert_out(a: AbsenceAlert) -> dict:
    return {
        "id": a.pk,
        "person_id": a.person_id,
        "name": a.person.full_name,
        "cpr_masked": a.person.cpr_display,
        "school_id": a.school_id,
        "school": a.school.name if a.school else "",
        "case_id": a.case_id,
        "status": a.status,
        "status_label": str(a.get_status_display()),
        "rule": f"{a.rule_id} {a.rule_version}",
        "as_of": a.as_of,
        "window_start": a.window_start,
        "window_end": a.window_end,
        "school_days": a.school_days,
        "absent_days": str(a.absent_days),
        "share": str(a.share),
        "longest_unauthorised_run": a.longest_unauthorised_run,
        "reasons": list(a.reasons),
        "raised_at": a.raised_at,
        "acknowledged_at": a.acknowledged_at,
        "meeting_held_at": a.meeting_held_at,
        "outcome": a.outcome,
        "version": a.version,
    }


class AlertListOut(Schema):
    open: list[AlertOut]
    closed: list[AlertOut]
    response: dict = Field(description="Response times: medians in days from alert to acknowledged and to meeting")


@router.get("/alerts", response=AlertListOut, summary="Alerts of concerning absence of my schools and cases")
@api_requires(Perm.DETECTION)
def list_alerts(request):
    data = selectors.my_alerts(actor=request.auth)
    return {
        "open": [_alert_out(a) for a in data.open],
        "closed": [_alert_out(a) for a in data.closed],
        "response": data.response,
    }


class MeetingOut(Schema):
    id: int
    person_id: int
    alert_id: int | None
    origin: str
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    parents: str
    status: str
    staff: list[int]


def _meeting_out(m: FollowUpMeeting) -> dict:
    return {
        "id": m.pk,
        "person_id": m.person_id,
        "alert_id": m.alert_id,
        "origin": m.origin,
        "title": m.title,
        "starts_at": m.starts_at,
        "ends_at": m.ends_at,
        "location": m.location,
        "parents": m.parents,
        "status": m.status,
        "staff": sorted(u.pk for u in m.staff.all()),
    }


class MonthOut(Schema):
    month: date
    school_days: int
    illness: str
    permitted: str
    unauthorised: str
    percent: str


class AlertDetailOut(AlertOut):
    months: list[MonthOut]
    meetings: list[MeetingOut]
    deadlines: list[dict]
    history: list[dict]


@router.get("/alerts/{alert_id}", response=AlertDetailOut, summary="One alert with the pupil's absence by month")
@api_requires(Perm.DETECTION)
def get_alert(request, alert_id: int):
    view = selectors.alert_detail(actor=request.auth, alert_id=alert_id)
    out = _alert_out(view.alert)
    out["months"] = [
        {
            "month": m.month,
            "school_days": m.school_days,
            "illness": str(m.illness),
            "permitted": str(m.permitted),
            "unauthorised": str(m.unauthorised),
            "percent": str(m.percent),
        }
        for m in view.months
    ]
    out["meetings"] = [_meeting_out(m) for m in view.meetings]
    out["deadlines"] = [
        {"rule": d.rule_id, "title": d.title, "due_at": d.due_at.isoformat(), "status": d.status}
        for d in view.deadlines
    ]
    out["history"] = [
        {"to": h.to_status, "at": h.changed_at.isoformat(), "reason": h.reason, "by": h.changed_by_id}
        for h in view.history
    ]
    return out


class VersionIn(Schema):
    version: int | None = None


@router.post("/alerts/{alert_id}/acknowledge", response=AlertOut, summary="Take the alert (starts the deadline)")
@api_requires(Perm.DETECTION)
def acknowledge(request, alert_id: int, payload: VersionIn):
    services.alert_acknowledge(actor=request.auth, alert_id=alert_id, version=payload.version)
    return _alert_out(selectors.alert_for(actor=request.auth, alert_id=alert_id, audit_action=None))


class MeetingIn(Schema):
    starts_at: datetime
    ends_at: datetime
    location: str = Field(max_length=200)
    parents: str = Field("", max_length=300)
    staff: list[int] = Field(default_factory=list, description="User ids: the school's staff or the case team")
    note: str = Field("", max_length=5000)


@router.post("/alerts/{alert_id}/meetings", response={201: MeetingOut}, summary="Book the meeting with the parents")
@api_requires(Perm.DETECTION)
def book(request, alert_id: int, payload: MeetingIn):
    alert = selectors.alert_for(actor=request.auth, alert_id=alert_id, audit_action=None)
    choices = {u.pk: u for u in selectors.meeting_staff_choices(alert.school_id, alert.case)}
    unknown = [pk for pk in payload.staff if pk not in choices]
    if unknown:
        raise HelhedError(
            _("Medarbejder %(id)s arbejder hverken på skolen eller på barnets sag og kan ikke inviteres.")
            % {"id": unknown[0]},
            field="staff",
        )
    meeting = services.followup_meeting_book(
        actor=request.auth,
        person=alert.person,
        school=alert.school,
        alert=alert,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        location=payload.location,
        parents=payload.parents,
        staff=[choices[pk] for pk in payload.staff],
        note=payload.note,
    )
    return Status(201, _meeting_out(meeting))


class NoteIn(Schema):
    note: str = Field("", max_length=5000)


class ReasonIn(Schema):
    reason: str = Field(max_length=2000)
    version: int | None = None


class PlanIn(Schema):
    plan: str = Field(max_length=5000)
    version: int | None = None


@router.post("/meetings/{meeting_id}/held", response=MeetingOut, summary="The meeting was held (meets the deadline)")
@api_requires(Perm.DETECTION)
def meeting_held(request, meeting_id: int, payload: NoteIn):
    return _meeting_out(services.followup_meeting_held(actor=request.auth, meeting_id=meeting_id, note=payload.note))


@router.post("/meetings/{meeting_id}/cancel", response=MeetingOut, summary="Cancel a planned meeting, with a reason")
@api_requires(Perm.DETECTION)
def meeting_cancel(request, meeting_id: int, payload: ReasonIn):
    return _meeting_out(
        services.followup_meeting_cancel(actor=request.auth, meeting_id=meeting_id, reason=payload.reason)
    )


@router.post("/alerts/{alert_id}/plan", response=AlertOut, summary="Record the plan agreed with the parents")
@api_requires(Perm.DETECTION)
def plan(request, alert_id: int, payload: PlanIn):
    services.alert_plan(actor=request.auth, alert_id=alert_id, plan=payload.plan, version=payload.version)
    return _alert_out(selectors.alert_for(actor=request.auth, alert_id=alert_id, audit_action=None))


@router.post("/alerts/{alert_id}/close", response=AlertOut, summary="Close the alert without a plan, with a reason")
@api_requires(Perm.DETECTION)
def close(request, alert_id: int, payload: ReasonIn):
    services.alert_close(actor=request.auth, alert_id=alert_id, reason=payload.reason, version=payload.version)
    return _alert_out(selectors.alert_for(actor=request.auth, alert_id=alert_id, audit_action=None))


class FlaggedOut(Schema):
    person_id: int
    name: str
    cpr_masked: str
    school_id: int | None
    share: str
    school_days: int
    absent_days: str
    longest_unauthorised_run: int
    reasons: list[str]


@router.get(
    "/absence/flagged",
    response=list[FlaggedOut],
    summary="Pupils of my schools and cases whose absence is concerning on a day (default today)",
)
@api_requires(Perm.DETECTION)
def flagged(request, as_of: date | None = None):
    return selectors.flagged_for(actor=request.auth, as_of=as_of or timezone.localdate())


class DistrictCountOut(Schema):
    district_id: int | None
    district: str
    count: int | None = Field(description="null: fewer than 5 (suppressed)")


class UnschooledOut(Schema):
    on: date
    total: int | None = Field(description="null when it would reveal a suppressed district")
    by_district: list[DistrictCountOut]
    children: list[dict] = Field(description="Leaders only: id, name, masked CPR, birth date, district")


@router.get(
    "/unschooled",
    response=UnschooledOut,
    summary="Children of compulsory school age with no school enrolment, per district",
)
@api_requires(Perm.DETECTION_STATS)
def unschooled(request, district_id: int | None = None):
    data = selectors.children_without_school(actor=request.auth, district_id=district_id)
    return {
        "on": data.on,
        "total": data.total,
        "by_district": [
            {
                "district_id": r["district"].pk if r["district"] else None,
                "district": r["district"].name if r["district"] else "",
                "count": r["count"],
            }
            for r in data.by_district
        ],
        "children": [
            {
                "id": c.pk,
                "name": c.full_name,
                "cpr_masked": c.cpr_display,
                "birth_date": c.birth_date.isoformat() if c.birth_date else None,
                "district": c.district.name if c.district else "",
            }
            for c in data.children
        ],
    }


__all__ = ["router", "scope"]
