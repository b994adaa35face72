"""The pages of the child's plan under /sager/<case_id>/plan/. Thin: parse the form, call a selector or service,
render. The gatekeeper decides who reads (the case team) and who writes (the caseworkers)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from helhed.cases import selectors as case_selectors
from helhed.cases.downloads import document_file_response
from helhed.cases.gatekeeper import case_for
from helhed.cases.policies import CasePerm
from helhed.cases.views import case_page_context
from helhed.core.errors import Forbidden, HelhedError
from helhed.core.forms import add_service_error
from helhed.core.permissions import Perm, requires
from helhed.interventions import selectors as intervention_selectors

from . import policies, selectors, services
from .forms import GoalForm, PlanFieldsForm, ReviewForm, VersionForm


def _context(overview, **extra) -> dict:
    access = overview.access
    return case_page_context(
        access,
        o=overview,
        can_write=access.can(CasePerm.WRITE_JOURNAL),
        life_areas=policies.life_areas(youth=overview.youth_today),
        now=timezone.now(),
        goal_offers=intervention_selectors.offers_by_goal_key(access),
        **extra,
    )


def _refused(form, exc: HelhedError) -> int:
    """Show a service's error on the form and return the status to answer with; 403 and 404 propagate."""
    if exc.status_code in (403, 404):
        raise exc
    if exc.field in form.fields and form.fields[exc.field].widget.is_hidden:
        exc.field = None  # e.g. a stale version: say it on top of the form, not next to a hidden field
    add_service_error(form, exc)
    return exc.status_code


def _require_write(request, case_id) -> None:
    """The edit pages are for those who may write the plan: refuse the rest (403, or 404 for a stranger) before
    anything is read, so the audit log never records a look that was not shown."""
    access = case_for(request.user, case_id, audit_action=None)
    if not access.can(CasePerm.WRITE_JOURNAL):
        raise Forbidden(_("Kun sagens rådgivere kan ændre barnets plan. Du kan læse den."), code="forbidden")


def _plan_page(request, case_id, *, status: int = 200, **extra):
    overview = selectors.plan_overview(actor=request.user, case_id=case_id)
    return render(
        request,
        "plans/plan.html",
        _context(overview, approve_form=VersionForm(auto_id="approve_%s"), **extra),
        status=status,
    )


@requires(Perm.CASE_WORK)
def plan(request, case_id: int):
    """Barnets plan: the approved version, the draft and what it changes, reviews and the plan's deadlines."""
    return _plan_page(request, case_id)


@requires(Perm.CASE_WORK)
@require_POST
def draft_start(request, case_id: int):
    try:
        draft = services.plan_draft_start(actor=request.user, case_id=case_id)
    except HelhedError as exc:
        if exc.status_code in (403, 404):
            raise
        return _plan_page(request, case_id, status=exc.status_code, action_error=str(exc.message))
    if draft.based_on_id:
        messages.success(request, _("Et nyt udkast er lavet som kopi af den godkendte plan. Ret det, og godkend det."))
    else:
        messages.success(request, _("Planen er startet. Tilføj målene."))
    return redirect("plans:draft", case_id=case_id)


def _draft_overview(request, case_id):
    _require_write(request, case_id)
    return selectors.draft_for_edit(actor=request.user, case_id=case_id)


def _draft_page(request, overview, *, status: int = 200, fields_form=None, **extra):
    draft = overview.draft
    if draft is None:
        return redirect("plans:plan", case_id=overview.case.pk)
    if fields_form is None:
        fields_form = PlanFieldsForm(
            youth=overview.youth_today,
            initial={"version": draft.version, **selectors.plan_fields(draft)},
        )
    return render(
        request,
        "plans/draft.html",
        _context(overview, fields_form=fields_form, approve_form=VersionForm(auto_id="approve_%s"), **extra),
        status=status,
    )


@requires(Perm.CASE_WORK)
@require_http_methods(["GET", "POST"])
def draft(request, case_id: int):
    """The draft: the plan's own fields, its goals (each edited on its own page) and the approval."""
    overview = _draft_overview(request, case_id)
    if request.method == "GET" or overview.draft is None:
        return _draft_page(request, overview)
    form = PlanFieldsForm(request.POST, youth=overview.youth_today)
    status = 400
    if form.is_valid():
        try:
            services.plan_draft_save(
                actor=request.user, case_id=case_id, version=form.cleaned_data["version"], fields=form.fields_in()
            )
        except HelhedError as exc:
            status = _refused(form, exc)
        else:
            messages.success(request, _("Udkastet er gemt."))
            return redirect("plans:draft", case_id=case_id)
    return _draft_page(request, overview, status=status, fields_form=form)


def _team_people(overview, goal=None) -> list:
    people = {m.user_id: m.user for m in case_selectors.case_team(overview.access)}
    if goal is not None and goal.responsible_person_id and goal.responsible_person_id not in people:
        people[goal.responsible_person_id] = goal.responsible_person
    return sorted(people.values(), key=lambda u: (u.get_full_name() or u.username).lower())


def _goal_page(request, case_id, goal_id):
    overview = _draft_overview(request, case_id)
    if overview.draft is None:
        return overview, None, None
    goal = None
    if goal_id is not None:
        goal = next((g for g in overview.draft.goal_list if g.pk == goal_id), None)
        if goal is None:
            raise Http404
    return overview, goal, _team_people(overview, goal)


def _goal_initial(goal, version: int) -> dict:
    if goal is None:
        return {"version": version}
    return {
        "version": version,
        "life_area": goal.life_area,
        "text": goal.text,
        "administration": goal.administration,
        "responsible_person": str(goal.responsible_person_id or ""),
        "measures": "\n".join(goal.measures or []),
        "success": goal.success,
        "child_view": goal.child_view,
        "parents_view": goal.parents_view,
    }


@requires(Perm.CASE_WORK)
@require_http_methods(["GET", "POST"])
def goal_edit(request, case_id: int, goal_id: int | None = None):
    """Add a goal to the draft, or change one (`goal_id`)."""
    overview, goal, people = _goal_page(request, case_id, goal_id)
    if overview.draft is None:
        return redirect("plans:plan", case_id=case_id)
    youth = overview.youth_today or bool(goal is not None and goal.is_youth)
    status = 200
    if request.method == "POST":
        form = GoalForm(request.POST, youth=youth, people=people)
        status = 400
        if form.is_valid():
            try:
                services.plan_goal_save(
                    actor=request.user,
                    case_id=case_id,
                    version=form.cleaned_data["version"],
                    goal=form.goal_in(),
                    goal_id=goal_id,
                )
            except HelhedError as exc:
                status = _refused(form, exc)
            else:
                messages.success(request, _("Målet er gemt i udkastet."))
                return redirect("plans:draft", case_id=case_id)
    else:
        form = GoalForm(initial=_goal_initial(goal, overview.draft.version), youth=youth, people=people)
    return render(request, "plans/goal_form.html", _context(overview, form=form, goal=goal), status=status)


@requires(Perm.CASE_WORK)
@require_POST
def goal_remove(request, case_id: int, goal_id: int):
    form = VersionForm(request.POST)
    try:
        if not form.is_valid():
            raise HelhedError(_("Formularens version er ugyldig. Genindlæs siden."), field="version")
        services.plan_goal_remove(
            actor=request.user, case_id=case_id, version=form.cleaned_data["version"], goal_id=goal_id
        )
    except HelhedError as exc:
        if exc.status_code in (403, 404):
            raise
        return _draft_page(
            request, _draft_overview(request, case_id), status=exc.status_code, action_error=str(exc.message)
        )
    messages.success(request, _("Målet er taget ud af udkastet."))
    return redirect("plans:draft", case_id=case_id)


@requires(Perm.CASE_WORK)
@require_POST
def approve(request, case_id: int):
    form = VersionForm(request.POST, auto_id="approve_%s")
    try:
        if not form.is_valid():
            raise HelhedError(_("Formularens version er ugyldig. Genindlæs siden."), field="version")
        services.plan_approve(actor=request.user, case_id=case_id, version=form.cleaned_data["version"])
    except HelhedError as exc:
        if exc.status_code in (403, 404):
            raise
        return _draft_page(
            request, _draft_overview(request, case_id), status=exc.status_code, action_error=str(exc.message)
        )
    messages.success(
        request, _("Planen er godkendt. Brevet til familien ligger under planens versioner og på sagens dokumenter.")
    )
    return redirect("plans:plan", case_id=case_id)


@requires(Perm.CASE_WORK)
def version(request, case_id: int, number: int):
    """One version, read-only, with what it changed from the approved version before it."""
    detail = selectors.plan_version(actor=request.user, case_id=case_id, number=number)
    access = detail.access
    return render(
        request,
        "plans/version.html",
        case_page_context(access, d=detail, v=detail.version),
    )


@requires(Perm.CASE_WORK)
def letter(request, case_id: int, number: int):
    document = selectors.plan_letter(actor=request.user, case_id=case_id, number=number)
    return document_file_response(document)


@requires(Perm.CASE_WORK)
@require_http_methods(["GET", "POST"])
def review(request, case_id: int):
    """Opfølgning (BL § 95): rate every goal of the approved plan and set the next review with a reason."""
    _require_write(request, case_id)
    overview = selectors.plan_overview(actor=request.user, case_id=case_id, view="plan_review")
    if overview.approved is None:
        messages.error(request, _("Planen er ikke godkendt endnu. Godkend planen, før du følger op på den."))
        return redirect("plans:plan", case_id=case_id)
    goals = overview.approved.goal_list
    status = 200
    if request.method == "POST":
        form = ReviewForm(request.POST, goals=goals)
        status = 400
        if form.is_valid():
            try:
                services.plan_review_add(
                    actor=request.user,
                    case_id=case_id,
                    data=form.review_in(),
                    submission_key=form.cleaned_data["submission_key"] or None,
                )
            except HelhedError as exc:
                status = _refused(form, exc)
            else:
                messages.success(request, _("Opfølgningen er gemt, og fristen for den næste er sat."))
                return redirect("plans:plan", case_id=case_id)
    else:
        form = ReviewForm(initial={"submission_key": uuid.uuid4().hex}, goals=goals)
    return render(request, "plans/review_form.html", _context(overview, form=form), status=status)
