"""Pages of early detection from school absence. Thin: parse the form, call a selector or service, render. The
detection gatekeeper (in the selectors and services) decides which pupils a user sees."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helhed.core.errors import HelhedError
from helhed.core.forms import add_service_error
from helhed.core.permissions import Perm, requires

from . import ical, selectors, services
from .forms import (
    AbsenceUploadForm,
    MeetingBookForm,
    MeetingCancelForm,
    MeetingHeldForm,
    PlanForm,
    ReasonForm,
    VersionForm,
)
from .models import ImportStatus


@requires(Perm.DETECTION)
@require_GET
def alerts(request):
    data = selectors.my_alerts(actor=request.user)
    return render(request, "detection/alerts.html", {"data": data})


def _alert_page(request, alert_id, *, status: int = 200, **forms):
    view = selectors.alert_detail(actor=request.user, alert_id=alert_id)
    alert = view.alert
    context = {
        "view": view,
        "alert": alert,
        "today": timezone.localdate(),
        "now": timezone.now(),
        "ack_form": forms.get("ack_form") or VersionForm(initial={"version": alert.version}, prefix="ack"),
        "book_form": forms.get("book_form")
        or MeetingBookForm(prefix="book", staff_users=view.staff_choices, initial={"location": ""}),
        "plan_form": forms.get("plan_form") or PlanForm(initial={"version": alert.version}, prefix="plan"),
        "close_form": forms.get("close_form") or ReasonForm(initial={"version": alert.version}, prefix="close"),
        "held_form": MeetingHeldForm(prefix="held"),
        "cancel_form": forms.get("cancel_form") or MeetingCancelForm(prefix="cancel"),
        "error": forms.get("error"),
    }
    return render(request, "detection/alert.html", context, status=status)


def _refused(request, alert_id, name: str, form, exc: HelhedError):
    if exc.status_code in (403, 404):
        raise exc
    add_service_error(form, exc)
    return _alert_page(request, alert_id, status=exc.status_code, **{name: form})


@requires(Perm.DETECTION)
@require_GET
def alert(request, alert_id: int):
    return _alert_page(request, alert_id)


@requires(Perm.DETECTION)
@require_POST
def alert_acknowledge(request, alert_id: int):
    form = VersionForm(request.POST, prefix="ack")
    if not form.is_valid():
        return _alert_page(request, alert_id, status=400, ack_form=form, error=_("Genindlæs siden og prøv igen."))
    try:
        services.alert_acknowledge(actor=request.user, alert_id=alert_id, version=form.cleaned_data["version"])
    except HelhedError as exc:
        return _refused(request, alert_id, "ack_form", form, exc)
    messages.success(request, _("Du har taget alarmen. Book mødet med forældrene inden fristen."))
    return redirect("detection:alert", alert_id=alert_id)


@requires(Perm.DETECTION)
@require_POST
def alert_book(request, alert_id: int):
    alert = selectors.alert_for(actor=request.user, alert_id=alert_id, audit_action=None)
    staff_users = selectors.meeting_staff_choices(alert.school_id, alert.case)
    form = MeetingBookForm(request.POST, prefix="book", staff_users=staff_users)
    if not form.is_valid():
        return _alert_page(request, alert_id, status=400, book_form=form, error=_("Ret felterne markeret nedenfor."))
    d = form.cleaned_data
    chosen = {u.pk: u for u in staff_users}
    try:
        services.followup_meeting_book(
            actor=request.user,
            person=alert.person,
            school=alert.school,
            alert=alert,
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            location=d["location"],
            parents=d.get("parents", ""),
            staff=[chosen[pk] for pk in d.get("staff", []) if pk in chosen],
            note=d.get("note", ""),
        )
    except HelhedError as exc:
        return _refused(request, alert_id, "book_form", form, exc)
    messages.success(request, _("Mødet med forældrene er booket og står i de inviteredes 'Mine møder'."))
    return redirect("detection:alert", alert_id=alert_id)


@requires(Perm.DETECTION)
@require_POST
def alert_plan(request, alert_id: int):
    form = PlanForm(request.POST, prefix="plan")
    if not form.is_valid():
        return _alert_page(request, alert_id, status=400, plan_form=form, error=_("Ret felterne markeret nedenfor."))
    try:
        services.alert_plan(
            actor=request.user, alert_id=alert_id, plan=form.cleaned_data["plan"], version=form.cleaned_data["version"]
        )
    except HelhedError as exc:
        return _refused(request, alert_id, "plan_form", form, exc)
    messages.success(request, _("Planen er gemt, og alarmen er afsluttet."))
    return redirect("detection:alert", alert_id=alert_id)


@requires(Perm.DETECTION)
@require_POST
def alert_close(request, alert_id: int):
    form = ReasonForm(request.POST, prefix="close")
    if not form.is_valid():
        return _alert_page(request, alert_id, status=400, close_form=form, error=_("Ret felterne markeret nedenfor."))
    try:
        services.alert_close(
            actor=request.user,
            alert_id=alert_id,
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        )
    except HelhedError as exc:
        return _refused(request, alert_id, "close_form", form, exc)
    messages.success(request, _("Alarmen er lukket med din begrundelse."))
    return redirect("detection:alert", alert_id=alert_id)


def _after_meeting(meeting):
    if meeting.alert_id:
        return redirect("detection:alert", alert_id=meeting.alert_id)
    return redirect("detection:meeting", meeting_id=meeting.pk)


@requires(Perm.DETECTION)
@require_GET
def meeting(request, meeting_id: int):
    m = selectors.meeting_for(actor=request.user, meeting_id=meeting_id)
    context = {
        "meeting": m,
        "now": timezone.now(),
        "held_form": MeetingHeldForm(prefix="held"),
        "cancel_form": MeetingCancelForm(prefix="cancel"),
    }
    return render(request, "detection/meeting.html", context)


@requires(Perm.DETECTION)
@require_POST
def meeting_held(request, meeting_id: int):
    form = MeetingHeldForm(request.POST, prefix="held")
    note = form.cleaned_data.get("note", "") if form.is_valid() else ""
    m = selectors.meeting_for(actor=request.user, meeting_id=meeting_id, audit_action=None)
    try:
        m = services.followup_meeting_held(actor=request.user, meeting_id=meeting_id, note=note)
    except HelhedError as exc:
        if exc.status_code in (403, 404):
            raise
        messages.error(request, str(exc.message))
        return _after_meeting(m)
    messages.success(request, _("Mødet er markeret som afholdt."))
    return _after_meeting(m)


@requires(Perm.DETECTION)
@require_POST
def meeting_cancel(request, meeting_id: int):
    form = MeetingCancelForm(request.POST, prefix="cancel")
    m = selectors.meeting_for(actor=request.user, meeting_id=meeting_id, audit_action=None)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        m = services.followup_meeting_cancel(actor=request.user, meeting_id=meeting_id, reason=reason)
    except HelhedError as exc:
        if exc.status_code in (403, 404):
            raise
        if m.alert_id:
            add_service_error(form, exc)
            return _alert_page(request, m.alert_id, status=exc.status_code, cancel_form=form)
        messages.error(request, str(exc.message))
        return redirect("detection:meeting", meeting_id=meeting_id)
    messages.success(request, _("Mødet er aflyst."))
    return _after_meeting(m)


@requires(Perm.DETECTION)
@require_GET
def meeting_ics(request, meeting_id: int):
    m = selectors.meeting_for(actor=request.user, meeting_id=meeting_id)
    response = HttpResponse(ical.ics(m), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="moede-{m.pk}.ics"'
    return response


# -- imports ----------------------------------------------------------------------------------------------------


@requires(Perm.ABSENCE_IMPORT)
@require_http_methods(["GET", "POST"])
def imports(request):
    form = AbsenceUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                record = services.import_queue(
                    actor=request.user,
                    upload=form.cleaned_data["file"],
                    skip_bad_lines=form.cleaned_data["skip_bad_lines"],
                    channel="ui",
                )
            except HelhedError as exc:
                add_service_error(form, exc)
                status = exc.status_code
            else:
                return redirect("detection:import", import_id=record.pk)
        else:
            status = 400
    context = {"form": form, "imports": selectors.imports_list(actor=request.user)}
    return render(request, "detection/imports.html", context, status=status)


@requires(Perm.ABSENCE_IMPORT)
@require_GET
def import_detail(request, import_id: int):
    record = selectors.import_for(actor=request.user, import_id=import_id)
    running = record.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    context = {"record": record, "running": running, "progress": services.read_progress(record.pk)}
    template = "detection/_import_status.html" if request.htmx else "detection/import.html"
    return render(request, template, context)


@requires(Perm.ABSENCE_IMPORT)
@require_POST
def evaluate_now(request):
    result = services.alerts_raise(actor=request.user)
    messages.success(
        request,
        _("Vurderingen er kørt: %(flagged)s elever har bekymrende fravær; %(raised)s nye alarmer.") % result,
    )
    return redirect("detection:imports")


# -- children without a school ----------------------------------------------------------------------------------


@requires(Perm.DETECTION_STATS)
@require_GET
def unschooled(request):
    district = request.GET.get("bydel")
    try:
        district_id = int(district) if district else None
    except ValueError:
        district_id = None
    data = selectors.children_without_school(actor=request.user, district_id=district_id)
    return render(request, "detection/unschooled.html", {"data": data, "district_id": district_id})
