"""Case flow pages. Thin: parse input, call a selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from helhed.cases.policies import CasePerm
from helhed.cases.views import case_page_context as _ctx
from helhed.core.errors import Forbidden, HelhedError
from helhed.core.forms import add_service_error
from helhed.core.permissions import Perm, requires
from helhed.meetings import services as meeting_services

from . import policies, selectors, services
from .forms import AcceptForm, ChecklistForm, CloseForm, HandoverMeetingForm, ProposeForm, StageForm


@requires(Perm.CASE_WORK)
@require_http_methods(["GET", "POST"])
def case_flow(request, case_id: int):
    flow = selectors.case_flow(actor=request.user, case_id=case_id)
    can_manage = flow.access.can(CasePerm.MANAGE_TEAM)
    action = request.POST.get("action") if request.method == "POST" else None
    stage_form = StageForm(
        request.POST if action == "stage" else None, stages=flow.next_stages if flow.stage else policies.STAGES.values()
    )
    propose_form = ProposeForm(
        request.POST if action == "propose" else None,
        stages=flow.next_stages or policies.STAGES.values(),
        units=flow.units,
    )
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise Forbidden(_("Du kan ikke ændre sagens forløb."), code="forbidden")
        form = stage_form if action == "stage" else propose_form
        if form.is_valid():
            try:
                if action == "stage":
                    services.stage_set(actor=request.user, case_id=case_id, **form.cleaned_data)
                    messages.success(request, _("Sagens trin er ændret."))
                    return redirect("flow:case", case_id=case_id)
                handover = services.handover_propose(
                    actor=request.user,
                    case_id=case_id,
                    to_unit_id=form.cleaned_data["to_unit"],
                    to_stage=form.cleaned_data["to_stage"],
                    reason=form.cleaned_data["reason"],
                    checklist=propose_form.checklist(),
                )
                messages.success(
                    request, _("Overdragelsen er foreslået. Den modtagende enheds ledere kan nu læse sagen.")
                )
                return redirect("flow:handover", handover_id=handover.pk)
            except HelhedError as exc:
                add_service_error(form, exc)
                status = exc.status_code
        else:
            status = 400
    return render(
        request,
        "flow/case_flow.html",
        _ctx(
            flow.access,
            flow=flow,
            tab="flow",
            can_manage=can_manage,
            stage_form=stage_form,
            propose_form=propose_form,
            guidelines=list(policies.STAGES.values()),
        ),
        status=status,
    )


def _handover_page(request, handover_id, *, status: int = 200, error: str = "", **forms):
    view = selectors.handover_detail(actor=request.user, handover_id=handover_id)
    h = view.handover
    ctx = _ctx(
        view.access,
        view=view,
        handover=h,
        tab="flow",
        error=error,
        checklist_form=forms.get("checklist_form")
        or ChecklistForm(initial={"version": h.version}, initial_checklist=h.checklist),
        meeting_form=forms.get("meeting_form") or HandoverMeetingForm(initial={"version": h.version}),
        accept_form=forms.get("accept_form")
        or AcceptForm(initial={"version": h.version}, caseworkers=view.receiving_caseworkers),
        close_form=forms.get("close_form") or CloseForm(initial={"version": h.version}),
    )
    return render(request, "flow/handover.html", ctx, status=status)


@requires(Perm.CASE_WORK)
@require_http_methods(["GET", "POST"])
def handover(request, handover_id: int):
    if request.method == "GET":
        return _handover_page(request, handover_id)
    action = request.POST.get("action")
    view = selectors.handover_detail(actor=request.user, handover_id=handover_id)
    forms_by_action = {
        "checklist": ("checklist_form", ChecklistForm(request.POST, initial_checklist=view.handover.checklist)),
        "meeting": ("meeting_form", HandoverMeetingForm(request.POST)),
        "accept": ("accept_form", AcceptForm(request.POST, caseworkers=view.receiving_caseworkers)),
        "close": ("close_form", CloseForm(request.POST)),
    }
    if action not in forms_by_action:
        return _handover_page(request, handover_id, status=400, error=_("Ukendt handling. Genindlæs siden."))
    name, form = forms_by_action[action]
    if not form.is_valid():
        return _handover_page(
            request, handover_id, status=400, error=_("Ret felterne markeret nedenfor."), **{name: form}
        )
    d = form.cleaned_data
    try:
        if action == "checklist":
            checklist_form = forms_by_action["checklist"][1]
            assert isinstance(checklist_form, ChecklistForm)
            services.handover_checklist(
                actor=request.user, handover_id=handover_id, checklist=checklist_form.checklist(), version=d["version"]
            )
            done = _("Tjeklisten er gemt.")
        elif action == "meeting":
            externals = [
                meeting_services.ExternalIn(
                    kind="parent", name=d["parent_name"], role=_("forælder"), email=d.get("parent_email") or ""
                )
            ]
            if d.get("parent2_name"):
                externals.append(
                    meeting_services.ExternalIn(
                        kind="parent", name=d["parent2_name"], role=_("forælder"), email=d.get("parent2_email") or ""
                    )
                )
            if d.get("child_name"):
                externals.append(meeting_services.ExternalIn(kind="child", name=d["child_name"]))
            staff = [u.pk for u in selectors.handover_detail_staff(view)]
            services.handover_meeting(
                actor=request.user,
                handover_id=handover_id,
                data=meeting_services.MeetingIn(
                    kind="handover",
                    starts_at=d["starts_at"],
                    ends_at=d["ends_at"],
                    location=d["location"],
                    staff_ids=staff,
                    externals=externals,
                ),
                version=d["version"],
            )
            done = _("Overdragelsesmødet er planlagt, og deltagerne er inviteret.")
        elif action == "accept":
            services.handover_accept(
                actor=request.user,
                handover_id=handover_id,
                to_caseworker_id=d["to_caseworker"],
                note=d.get("note", ""),
                version=d["version"],
            )
            done = _("Sagen er modtaget. Forældrene får et brev med deres nye kontaktperson.")
        else:
            services.handover_close(
                actor=request.user,
                handover_id=handover_id,
                to_status=d["to_status"],
                note=d["note"],
                version=d["version"],
            )
            done = _("Overdragelsen er afsluttet.")
    except HelhedError as exc:
        add_service_error(form, exc)
        return _handover_page(request, handover_id, status=exc.status_code, error=exc.message, **{name: form})
    messages.success(request, done)
    return redirect("flow:handover", handover_id=handover_id)


@requires(Perm.CASE_WORK)
def incoming(request):
    return render(request, "flow/incoming.html", {"rows": selectors.incoming_handovers(actor=request.user)})
