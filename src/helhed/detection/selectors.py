"""Every read of early detection: the evaluation of concerning absence, alerts and their follow-up meetings, a
pupil's absence, children without a school, imports. Reads of a pupil's data go through the detection gatekeeper
(`scope.py`) and are audited."""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from helhed.core import audit
from helhed.core.models import AuditAction
from helhed.core.validation import as_pk
from helhed.organisation.models import Role
from helhed.organisation.selectors import actor_profile

from . import policies, scope
from .models import (
    OPEN_ALERT_STATES,
    AbsenceAlert,
    AbsenceCoverage,
    AbsenceDay,
    AbsenceImport,
    FollowUpMeeting,
    FollowUpMeetingStatus,
)

LIST_LIMIT = 200


# -- the evaluation ---------------------------------------------------------------------------------------------


@dataclass
class Flag:
    person_id: int
    school_id: int | None
    finding: policies.Finding


def _coverage(person_ids) -> dict[int, tuple[date, date, int]]:
    """person id -> (first day, last day reported, the school of the newest report)."""
    out: dict[int, tuple[date, date, int]] = {}
    ids = list(person_ids)
    for start in range(0, len(ids), 20_000):
        rows = (
            AbsenceCoverage.objects.filter(person_id__in=ids[start : start + 20_000])
            .values_list("person_id", "school_id", "first_day", "last_day")
            .order_by("person_id", "last_day")
        )
        for person_id, school_id, first, last in rows:
            prev = out.get(person_id)
            out[person_id] = (min(first, prev[0]) if prev else first, last, school_id)
    return out


def evaluate_absence(*, as_of: date, rule: policies.AbsenceRule | None = None, person_ids=None) -> list[Flag]:
    """Every pupil whose absence is concerning on `as_of`, with the finding that explains it. A system read: the
    callers (the nightly alerts, the command, the pupil's page) gate and audit their own use.

    The database gives each pupil's absent days in the rule's window in one query; the share and the longest run
    are computed here over the municipal school days inside the days the schools reported, and the pure rule
    (`policies.evaluate`) writes the finding of every pupil it flags."""
    rule = rule or policies.absence_rule_in_force(as_of)
    start, end = policies.window(as_of, rule)
    calendar = policies.MUNICIPAL_CALENDAR
    school_days = calendar.school_days(start, end)
    if not school_days:
        return []
    qs = AbsenceDay.objects.filter(day__gte=start, day__lte=end)
    if person_ids is not None:
        qs = qs.filter(person_id__in=list(person_ids))
    per_person: dict[int, list[tuple[date, Decimal, str]]] = defaultdict(list)
    for person_id, day, kind, days in qs.values_list("person_id", "day", "kind", "days").iterator(chunk_size=20_000):
        per_person[person_id].append((day, days, kind))
    if not per_person:
        return []
    coverage = _coverage(per_person.keys())
    day_set = set(school_days)
    flags: list[Flag] = []
    for person_id, records in per_person.items():
        first, last, school_id = coverage.get(person_id, (start, end, None))
        lo = bisect.bisect_left(school_days, max(first, start))
        hi = bisect.bisect_right(school_days, min(last, end))
        counted = hi - lo
        if counted <= 0:
            continue
        per_day: dict[date, Decimal] = {}
        unauthorised: set[date] = set()
        for day, amount, kind in records:
            if day not in day_set:
                continue
            per_day[day] = min(Decimal(1), per_day.get(day, Decimal(0)) + amount)
            if kind == policies.AbsenceKind.UNAUTHORISED and amount >= 1:
                unauthorised.add(day)
        share_ok = sum(per_day.values(), Decimal(0)) / counted >= rule.share
        run_ok = len(unauthorised) >= rule.consecutive_days
        if not (share_ok or run_ok):
            continue
        finding = policies.evaluate(
            [policies.DayAbsence(day, amount, kind) for day, amount, kind in records],
            as_of=as_of,
            calendar=calendar,
            rule=rule,
            reported=(first, last),
        )
        if finding.flagged:
            flags.append(Flag(person_id, school_id, finding))
    flags.sort(key=lambda f: (-f.finding.share, f.person_id))
    return flags


def flagged_export(*, actor, as_of: date) -> list[dict]:
    """The flagged pupils with their full CPR number, school and reasons, for the command line (an export of
    person data: audited with every pupil)."""
    from helhed.organisation.models import Unit
    from helhed.people.crypto import decrypt
    from helhed.people.models import Person

    flags = evaluate_absence(as_of=as_of)
    persons = Person.objects.in_bulk([f.person_id for f in flags])
    schools = Unit.objects.in_bulk([f.school_id for f in flags if f.school_id])
    rows = []
    for flag in flags:
        person = persons[flag.person_id]
        school = schools.get(flag.school_id) if flag.school_id else None
        cpr = decrypt(person.cpr_encrypted) if person.cpr_encrypted else ""
        rows.append(
            {
                "cpr": f"{cpr[:6]}-{cpr[6:]}" if cpr else "",
                "name": person.full_name,
                "school": school.name if school else "",
                "institution_number": school.institution_number if school else "",
                "absence_share": float(flag.finding.share),
                "absence_percent": float(flag.finding.percent),
                "school_days": flag.finding.school_days,
                "absent_days": float(flag.finding.absent_days),
                "longest_unauthorised_run": flag.finding.longest_unauthorised_run,
                "reason": " ".join(flag.finding.reasons),
                "rule": f"{flag.finding.rule.id} {flag.finding.rule.version}",
            }
        )
    audit.record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type="detection.flagged",
        persons=[f.person_id for f in flags],
        detail={"as_of": as_of.isoformat(), "count": len(rows)},
    )
    return rows


def flagged_for(*, actor, as_of: date) -> list[dict]:
    """The pupils of the actor's schools and cases whose absence is concerning on `as_of` (audited)."""
    from helhed.cases.gatekeeper import cases_visible_to
    from helhed.people.models import Person

    flags = evaluate_absence(as_of=as_of)
    ids = [f.person_id for f in flags]
    schools = scope.school_ids_for(actor)
    mine = set(scope.enrolled_at(schools).filter(person_id__in=ids).values_list("person_id", flat=True))
    mine |= set(cases_visible_to(actor).filter(child_id__in=ids).values_list("child_id", flat=True))
    mine |= {f.person_id for f in flags if f.school_id in schools}
    flags = [f for f in flags if f.person_id in mine]
    persons = Person.objects.in_bulk([f.person_id for f in flags])
    if flags:
        audit.record(
            actor=actor,
            action=AuditAction.LIST,
            object_type="detection.flagged",
            persons=[f.person_id for f in flags],
            detail={"as_of": as_of.isoformat(), "count": len(flags)},
        )
    return [
        {
            "person_id": f.person_id,
            "name": persons[f.person_id].full_name,
            "cpr_masked": persons[f.person_id].cpr_display,
            "school_id": f.school_id,
            "share": str(f.finding.share),
            "school_days": f.finding.school_days,
            "absent_days": str(f.finding.absent_days),
            "longest_unauthorised_run": f.finding.longest_unauthorised_run,
            "reasons": [str(r) for r in f.finding.reasons],
        }
        for f in flags
    ]


def absence_share_after(person_ids, start_by_person: dict[int, date], months: int) -> dict[int, Decimal | None]:
    """Each person's share of absence (0..1) over the municipal school days of the `months` months after their
    start date, inside the days reported for them. None while the period has not ended or nothing was reported.
    For aggregate outcomes (the screening pilot's evaluation); the caller audits its use."""
    today = timezone.localdate()
    ids = [pid for pid in person_ids if pid in start_by_person]
    coverage = _coverage(ids)
    out: dict[int, Decimal | None] = dict.fromkeys(person_ids)
    calendar = policies.MUNICIPAL_CALENDAR
    for pid in ids:
        start = start_by_person[pid]
        end = start + relativedelta(months=months)
        if end > today or pid not in coverage:
            continue
        first, last, _school = coverage[pid]
        days = [d for d in calendar.school_days(start, end) if first <= d <= last]
        if not days:
            continue
        absences = AbsenceDay.objects.filter(person_id=pid, day__gte=days[0], day__lte=days[-1]).values_list(
            "day", "days"
        )
        per_day: dict[date, Decimal] = {}
        allowed = set(days)
        for day, amount in absences:
            if day in allowed:
                per_day[day] = min(Decimal(1), per_day.get(day, Decimal(0)) + amount)
        out[pid] = (sum(per_day.values(), Decimal(0)) / len(days)).quantize(Decimal("0.0001"))
    return out


# -- alerts ------------------------------------------------------------------------------------------------------


def alerts_visible_to(actor) -> QuerySet[AbsenceAlert]:
    """The gatekeeper for alerts: alerts of the schools the actor works at, and alerts on children whose case
    the actor may see."""
    from helhed.cases.gatekeeper import cases_visible_to

    schools = scope.school_ids_for(actor)
    children = cases_visible_to(actor).values("child_id")
    return AbsenceAlert.objects.filter(Q(school_id__in=schools) | Q(person_id__in=children))


@dataclass
class AlertList:
    open: list[AbsenceAlert]
    closed: list[AbsenceAlert]
    response: dict = field(default_factory=dict)


def my_alerts(*, actor, limit: int = LIST_LIMIT) -> AlertList:
    """The alerts of my schools and cases: open ones first (oldest first), then the latest closed ones, with the
    response times."""
    qs = alerts_visible_to(actor).select_related("person", "school", "acknowledged_by")
    open_rows = list(qs.filter(status__in=OPEN_ALERT_STATES).order_by("raised_at", "id")[:limit])
    closed_rows = list(qs.exclude(status__in=OPEN_ALERT_STATES).order_by("-raised_at", "-id")[:50])
    rows = open_rows + closed_rows
    if rows:
        audit.record(
            actor=actor,
            action=AuditAction.LIST,
            object_type="detection.absencealert",
            persons={a.person_id for a in rows},
            detail={"view": "alerts", "count": len(rows)},
        )
    return AlertList(open_rows, closed_rows, response_times(alerts_visible_to(actor)))


def response_times(qs: QuerySet[AbsenceAlert]) -> dict:
    """How fast alerts are taken and the parents met: medians in days (calendar days from the alert), over the
    alerts of the last 12 months; counts only."""
    since = timezone.now() - timedelta(days=365)
    rows = list(
        qs.filter(raised_at__gte=since).values_list("raised_at", "acknowledged_at", "meeting_held_at", "status")
    )
    ack = [(a - r).total_seconds() / 86400 for r, a, _m, _s in rows if a]
    met = [(m - r).total_seconds() / 86400 for r, _a, m, _s in rows if m]
    return {
        "alerts": len(rows),
        "acknowledged": len(ack),
        "met": len(met),
        "median_days_to_acknowledge": _rounded(policies.median(ack)),
        "median_days_to_meeting": _rounded(policies.median(met)),
        "open": sum(1 for *_x, s in rows if s in OPEN_ALERT_STATES),
    }


def _rounded(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def alert_for(*, actor, alert_id, audit_action: str | None = AuditAction.VIEW, lock: bool = False) -> AbsenceAlert:
    """One alert, if the actor may see it (else the same 404 as a missing one)."""
    qs = alerts_visible_to(actor).select_related("person", "school", "case", "acknowledged_by")
    if lock:
        qs = qs.select_for_update(of=("self",))
    alert = qs.filter(pk=as_pk(alert_id)).first()
    if alert is None:
        raise Http404
    if audit_action:
        audit.record(actor=actor, action=audit_action, obj=alert, persons=[alert.person_id], case_id=alert.case_id)
    return alert


@dataclass
class MonthAbsence:
    month: date
    school_days: int
    illness: Decimal
    permitted: Decimal
    unauthorised: Decimal

    @property
    def total(self) -> Decimal:
        return self.illness + self.permitted + self.unauthorised

    @property
    def percent(self) -> Decimal:
        if not self.school_days:
            return Decimal(0)
        return (min(self.total, Decimal(self.school_days)) * 100 / self.school_days).quantize(Decimal("0.1"))


def absence_months(person_id: int, *, until: date, months: int = 6) -> list[MonthAbsence]:
    """A pupil's absence per month and kind for the last `months` months (for the alert page; the caller passed
    the gatekeeper and audited the look)."""
    first_month = date(until.year, until.month, 1) - relativedelta(months=months - 1)
    rows = AbsenceDay.objects.filter(person_id=person_id, day__gte=first_month, day__lte=until).values_list(
        "day", "kind", "days"
    )
    sums: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for day, kind, amount in rows:
        sums[(date(day.year, day.month, 1), kind)] += amount
    cov = _coverage([person_id]).get(person_id)
    out = []
    for i in range(months):
        month = first_month + relativedelta(months=i)
        month_end = min(month + relativedelta(months=1) - timedelta(days=1), until)
        if cov:
            lo, hi = max(month, cov[0]), min(month_end, cov[1])
            days = len(policies.MUNICIPAL_CALENDAR.school_days(lo, hi)) if lo <= hi else 0
        else:
            days = 0
        out.append(
            MonthAbsence(
                month,
                days,
                sums[(month, "illness")],
                sums[(month, "permitted")],
                sums[(month, "unauthorised")],
            )
        )
    return out


@dataclass
class AlertView:
    alert: AbsenceAlert
    history: list
    meetings: list[FollowUpMeeting]
    months: list[MonthAbsence]
    deadlines: list
    current: policies.Finding | None
    staff_choices: list


def alert_detail(*, actor, alert_id) -> AlertView:
    from helhed.deadlines.selectors import deadlines_of_source

    alert = alert_for(actor=actor, alert_id=alert_id)
    meetings = list(alert.meetings.all().prefetch_related("staff").order_by("starts_at", "id"))
    today = timezone.localdate()
    flags = evaluate_absence(as_of=today, person_ids=[alert.person_id])
    return AlertView(
        alert=alert,
        history=list(alert.history.select_related("changed_by")),
        meetings=meetings,
        months=absence_months(alert.person_id, until=today),
        deadlines=deadlines_of_source(alert),
        current=flags[0].finding if flags else None,
        staff_choices=meeting_staff_choices(alert.school_id, alert.case),
    )


def school_staff(school_ids, roles) -> dict[int, list]:
    """school id -> the active users holding one of `roles` there today (one query; membership period and role
    checked on the same membership row)."""
    from helhed.organisation.models import Membership

    today = timezone.localdate()
    out: dict[int, list] = {}
    rows = (
        Membership.objects.filter(unit_id__in=list(school_ids), role__in=list(roles), valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today), user__is_active=True)
        .select_related("user")
        .order_by("id")
    )
    for membership in rows:
        users = out.setdefault(membership.unit_id, [])
        if membership.user not in users:
            users.append(membership.user)
    return out


def meeting_staff_choices(school_id: int | None, case=None) -> list:
    """The staff who may be invited to a follow-up meeting: the school's staff, and the child's case team."""
    from helhed.cases.selectors import active_team_users

    users = {u.pk: u for u in school_staff([school_id], scope.SCHOOL_ROLES).get(school_id, [])} if school_id else {}
    if case is not None:
        for user in active_team_users(case):
            users.setdefault(user.pk, user)
    return sorted(users.values(), key=lambda u: u.get_full_name() or u.username)


def meetings_visible_to(actor) -> QuerySet[FollowUpMeeting]:
    schools = scope.school_ids_for(actor)
    return FollowUpMeeting.objects.filter(
        Q(staff=actor) | Q(created_by=actor) | Q(school_id__in=schools) | Q(alert__in=alerts_visible_to(actor))
    ).distinct()


def meeting_for(*, actor, meeting_id, audit_action: str | None = AuditAction.VIEW) -> FollowUpMeeting:
    meeting = (
        meetings_visible_to(actor).select_related("person", "school", "alert").filter(pk=as_pk(meeting_id)).first()
    )
    if meeting is None:
        raise Http404
    if audit_action:
        audit.record(actor=actor, action=audit_action, obj=meeting, persons=[meeting.person_id])
    return meeting


def my_followup_meetings(*, actor, limit: int = LIST_LIMIT) -> list[FollowUpMeeting]:
    """Coming follow-up meetings the actor is invited to or booked (for 'Mine møder')."""
    rows = list(
        FollowUpMeeting.objects.filter(Q(staff=actor) | Q(created_by=actor))
        .filter(status=FollowUpMeetingStatus.PLANNED, ends_at__gte=timezone.now())
        .distinct()
        .select_related("person", "school")
        .order_by("starts_at", "id")[:limit]
    )
    if rows:
        audit.record(
            actor=actor,
            action=AuditAction.LIST,
            object_type="detection.followupmeeting",
            persons={m.person_id for m in rows},
            detail={"view": "my_meetings", "count": len(rows)},
        )
    return rows


def open_alert_source_ids(actor) -> QuerySet:
    """The ids (as text) of alerts the actor may see: 'Mine frister' shows their deadlines before there is a
    case."""
    from django.db.models import CharField
    from django.db.models.functions import Cast

    return alerts_visible_to(actor).annotate(key=Cast("id", CharField())).values("key")


# -- children without a school ----------------------------------------------------------------------------------


@dataclass
class Unschooled:
    on: date
    by_district: list[dict]
    total: int | None
    children: list  # only for leaders; empty for analysts
    names_shown: bool


def children_without_school(*, actor, on: date | None = None, district_id: int | None = None) -> Unschooled:
    """Children of compulsory school age in the person registry with no enrolment at a school on `on`, per district.
    Analysts get the counts (under 5 suppressed); leaders also get the children, audited."""
    from helhed.organisation.models import District
    from helhed.people.models import Person

    on = on or timezone.localdate()
    first, last = policies.compulsory_birth_range(on)
    enrolled = scope.enrolled_at(scope.all_schools(), on=on)
    qs = Person.objects.filter(merged_into__isnull=True, birth_date__gte=first, birth_date__lte=last).exclude(
        pk__in=enrolled
    )
    counts = dict(qs.order_by().values_list("district_id").annotate(n=Count("id")))
    districts = list(District.objects.order_by("name"))
    rows = [
        {"district": d, "count": policies.suppress(counts.get(d.pk, 0)), "raw": counts.get(d.pk, 0)} for d in districts
    ]
    if counts.get(None):
        rows.append({"district": None, "count": policies.suppress(counts[None]), "raw": counts[None]})
    total = sum(counts.values())
    names_shown = Role.LEADER in actor_profile(actor).roles
    children: list = []
    if names_shown:
        listed = qs.select_related("district").order_by("district__name", "last_name", "first_name")
        if district_id is not None:
            listed = listed.filter(district_id=district_id)
        children = list(listed[:LIST_LIMIT])
        if children:
            audit.record(
                actor=actor,
                action=AuditAction.LIST,
                object_type="detection.unschooled",
                persons=[c.pk for c in children],
                detail={"on": on.isoformat(), "count": len(children)},
            )
    else:
        audit.record(
            actor=actor, action=AuditAction.VIEW, object_type="detection.unschooled", detail={"on": on.isoformat()}
        )
    for row in rows:
        if not names_shown:
            row.pop("raw")
    # A suppressed district could be derived from the total and the others: show the total only when no district
    # is suppressed, or when at least two are (then no single one can be derived).
    suppressed = sum(1 for r in rows if r["count"] is None)
    shown_total = total if names_shown or suppressed != 1 else None
    return Unschooled(on, rows, shown_total, children, names_shown)


# -- imports -----------------------------------------------------------------------------------------------------


def imports_list(*, actor, limit: int = 50) -> list[AbsenceImport]:
    """The latest imports (files and counts; no pupil is named in them)."""
    return list(AbsenceImport.objects.select_related("imported_by").order_by("-created_at", "-id")[:limit])


def import_for(*, actor, import_id) -> AbsenceImport:
    record = AbsenceImport.objects.select_related("imported_by").filter(pk=as_pk(import_id)).first()
    if record is None:
        raise Http404
    return record
