"""Meeting pages. Thin: parse input, call a selector or service, render. Access is the case gatekeeper's."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from helhed.cases import selectors as case_selectors
from helhed.cases.policies import CasePerm
from helhed.cases.views import case_page_context
from helhed.core.errors import Forbidden, HelhedError
from helhed.core.forms import add_service_error
from helhed.core.permissions import Perm, requires

from . import documents, selectors, services
from .forms import (
    ATTENDANCE_CHOICES,
    CancelForm,
    DecisionForm,
    DecisionStatusForm,
    ExternalFormSet,
    MeetingForm,
    MinutesForm,
    VersionForm,
)


def _staff_users(access, actor) -> list:
    """Who can be invited or own a decision: the case team's staff (and the actor)."""
    users = {m.user_id: m.user for m in case_selectors.case_team(access)} if access.can(CasePerm.VIEW_TEAM) else {}
    users.setdefault(actor.pk, actor)
    return sorted(users.values(), key=lambda u: (u.get_full_name() or u.username).lower())


def _case_ctx(access, **extra) -> dict:
    return case_page_context(access, today=timezone.localdate(), **extra)


@requires(Perm.CASE_WORK)
@require_http_methods(["GET", "POST"])
def case_meetings(request, case_id: int):
    data = selectors.case_meetings(actor=request.user, case_id=case_id)
    access = data.access
    can_write = access.can(CasePerm.WRITE_JOURNAL)
    staff = _staff_users(access, request.user) if can_write else []
    form = MeetingForm(request.POST or None, staff_users=staff, chair_default=request.user.pk)
    externals = ExternalFormSet(request.POST or None, prefix="ext")
    status = 200
    if request.method == "POST":
        if not can_write:
            raise Forbidden(_("Du kan ikke planlægge møder på sagen."), code="forbidden")
        if form.is_valid() and externals.is_valid():
            rows = [row for f in externals.forms if (row := f.to_input()) is not None]
            try:
                meeting = services.meeting_schedule(
                    actor=request.user, case_id=access.case.pk, data=form.to_input(rows)
                )
                messages.success(request, _("Mødet er planlagt, og deltagerne er inviteret."))
                return redirect("meetings:detail", meeting_id=meeting.pk)
            except HelhedError as exc:
                add_service_error(form, exc)
                status = exc.status_code
        else:
            status = 400
    return render(
        request,
        "meetings/case_meetings.html",
        _case_ctx(access, data=data, form=form, externals=externals, can_write=can_write, tab="meetings"),
        status=status,
    )


def _detail(request, meeting_id, *, status: int = 200, **forms) -> HttpResponse:
    view = selectors.meeting_detail(actor=request.user, meeting_id=meeting_id)
    staff = _staff_users(view.access, request.user) if view.can_write else []
    ctx = _case_ctx(
        view.access,
        view=view,
        meeting=view.meeting,
        tab="meetings",
        minutes_form=forms.get("minutes_form") or MinutesForm(prefix="minutes"),
        decision_form=forms.get("decision_form") or DecisionForm(staff_users=staff, prefix="decision"),
        cancel_form=forms.get("cancel_form") or CancelForm(initial={"version": view.meeting.version}, prefix="cancel"),
        attendance_choices=ATTENDANCE_CHOICES,
        error=forms.get("error"),
    )
    return render(request, "meetings/detail.html", ctx, status=status)


@requires(Perm.CASE_WORK)
def detail(request, meeting_id: int):
    return _detail(request, meeting_id)


def _post(request, meeting_id, form, call, success: str, form_name: str):
    """Run one service from a form on the meeting page: back to the page on success, the page with the error
    (and the form as filled in) otherwise."""
    if not form.is_valid():
        return _detail(request, meeting_id, status=400, error=_("Ret felterne markeret nedenfor."), **{form_name: form})
    try:
        call(form.cleaned_data)
    except HelhedError as exc:
        add_service_error(form, exc)
        return _detail(request, meeting_id, status=exc.status_code, error=exc.message, **{form_name: form})
    messages.success(request, success)
    return redirect("meetings:detail", meeting_id=meeting_id)


@requires(Perm.CASE_WORK)
@require_POST
def minutes_add(request, meeting_id: int):
    return _post(
        request,
        meeting_id,
        MinutesForm(request.POST, prefix="minutes"),
        lambda d: services.minutes_add(actor=request.user, meeting_id=meeting_id, **d),
        _("Punktet er tilføjet referatet."),
        "minutes_form",
    )


@requires(Perm.CASE_WORK)
@require_POST
def decision_add(request, meeting_id: int):
    view = selectors.meeting_detail(actor=request.user, meeting_id=meeting_id)
    form = DecisionForm(request.POST, staff_users=_staff_users(view.access, request.user), prefix="decision")
    return _post(
        request,
        meeting_id,
        form,
        lambda d: services.decision_add(actor=request.user, meeting_id=meeting_id, data=form.to_input()),
        _("Beslutningen er gemt og står nu på den ansvarliges opgaveliste."),
        "decision_form",
    )


@requires(Perm.CASE_WORK)
@require_POST
def attendance(request, meeting_id: int):
    values = {key.removeprefix("p-"): value for key, value in request.POST.items() if key.startswith("p-")}
    try:
        services.attendance_set(actor=request.user, meeting_id=meeting_id, attendance=values)
    except HelhedError as exc:
        return _detail(request, meeting_id, status=exc.status_code, error=exc.message)
    messages.success(request, _("Fremmødet er gemt."))
    return redirect("meetings:detail", meeting_id=meeting_id)


@requires(Perm.CASE_WORK)
@require_POST
def hold(request, meeting_id: int):
    return _post(
        request,
        meeting_id,
        VersionForm(request.POST),
        lambda d: services.meeting_hold(actor=request.user, meeting_id=meeting_id, version=d["version"]),
        _("Mødet er markeret som afholdt."),
        "error_form",
    )


@requires(Perm.CASE_WORK)
@require_POST
def cancel(request, meeting_id: int):
    return _post(
        request,
        meeting_id,
        CancelForm(request.POST, prefix="cancel"),
        lambda d: services.meeting_cancel(
            actor=request.user, meeting_id=meeting_id, reason=d["reason"], version=d["version"]
        ),
        _("Mødet er aflyst. Deltagere med e-mail har fået besked."),
        "cancel_form",
    )


@requires(Perm.CASE_WORK)
@require_POST
def send_minutes(request, meeting_id: int):
    return _post(
        request,
        meeting_id,
        VersionForm(request.POST),
        lambda d: services.minutes_send(actor=request.user, meeting_id=meeting_id, version=d["version"]),
        _("Referatet er lagt på sagen. Familiens og eksterne deltageres udgaver ligger som breve på sagen."),
        "error_form",
    )


@requires(Perm.CASE_WORK)
def minutes_pdf(request, meeting_id: int):
    meeting, level, participant = selectors.minutes_copy(
        actor=request.user, meeting_id=meeting_id, participant_id=request.GET.get("deltager")
    )
    content = documents.minutes_pdf(meeting, level, participant)
    response = HttpResponse(content, content_type="application/pdf")
    suffix = f"-{participant.pk}" if participant else ""
    response["Content-Disposition"] = f'attachment; filename="referat-moede-{meeting.pk}{suffix}.pdf"'
    return response


@requires(Perm.CASE_WORK)
def my_tasks(request):
    return render(request, "meetings/my_tasks.html", {"data": selectors.my_tasks(actor=request.user)})


@requires(Perm.CASE_WORK)
@require_POST
def task_status(request, decision_id: int):
    form = DecisionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Vælg en gyldig status."))
        return redirect("meetings:tasks")
    try:
        services.decision_set_status(actor=request.user, decision_id=decision_id, **form.cleaned_data)
    except HelhedError as exc:
        data = selectors.my_tasks(actor=request.user)
        return render(request, "meetings/my_tasks.html", {"data": data, "error": exc.message}, status=exc.status_code)
    messages.success(request, _("Opgaven er opdateret."))
    return redirect("meetings:tasks")


@requires(Perm.CASE_WORK)
def my_meetings(request):
    from helhed.detection.selectors import my_followup_meetings

    context = {
        "meetings": selectors.my_meetings(actor=request.user),
        "followups": my_followup_meetings(actor=request.user),
    }
    return render(request, "meetings/my_meetings.html", context)


@requires(Perm.CASE_WORK)
def aftaleforum(request):
    return render(request, "meetings/aftaleforum.html", {"data": selectors.chair_overview(actor=request.user)})
