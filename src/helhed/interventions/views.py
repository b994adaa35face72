"""Pages of the intervention catalogue (tilbudsvifte), the visitation and the economy. Thin: parse the form, call a
selector or service, render. The case gatekeeper (in the selectors and services) decides who sees a child's
applications and grants; the services decide who may decide them."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helhed.cases.policies import CasePerm
from helhed.cases.views import case_page_context
from helhed.core import idempotency
from helhed.core.errors import HelhedError
from helhed.core.forms import add_service_error
from helhed.core.permissions import Perm, requires, user_has_perm

from . import charts, exports, policies, selectors, services
from .forms import (
    ApplyForm,
    BudgetForm,
    CatalogueFilterForm,
    DecisionForm,
    ForecastFilterForm,
    GrantChangeForm,
    GrantEndForm,
    OfferForm,
    ProviderForm,
    ReportsFilterForm,
    WithdrawForm,
    plain_number,
)
from .models import OPEN_REFERRAL, ReferralStatus

# The services name some fields as the API does; the forms name them for people.
_FIELD_ALIASES = {"offer_id": "offer", "goal_ids": "goals", "provider_id": "provider", "unit_id": "unit"}


def _refused(form, exc: HelhedError) -> int:
    """Show a service's error on the form and return the status to answer with; 403 and 404 propagate."""
    if exc.status_code in (403, 404):
        raise exc
    exc.field = _FIELD_ALIASES.get(exc.field or "", exc.field)
    if exc.field in form.fields and form.fields[exc.field].widget.is_hidden:
        exc.field = None  # e.g. a stale version: say it on top of the form, not next to a hidden field
    add_service_error(form, exc)
    return exc.status_code


def _new_key() -> str:
    return uuid.uuid4().hex


# -- the catalogue --------------------------------------------------------------------------------------


@requires(Perm.OFFER_VIEW)
@require_GET
def catalogue(request):
    """Tilbudsviften: every active offer with today's occupancy and the length of its waiting list."""
    form = CatalogueFilterForm(request.GET or None)
    rows = selectors.catalogue(**form.filters())
    context = {
        "rows": rows,
        "filter_form": form,
        "limit": selectors.LIST_LIMIT,
        "can_admin": user_has_perm(request.user, Perm.OFFER_ADMIN),
        "today": timezone.localdate(),
    }
    return render(request, "interventions/catalogue.html", context)


@requires(Perm.OFFER_VIEW)
@require_GET
def offer_detail(request, offer_id: int):
    """One offer: its facts, who pays, occupancy by month, the waiting list and the grants near their limit."""
    view = selectors.offer_detail(actor=request.user, offer_id=offer_id)
    peak_full = [
        (month, average, peak, view.offer.capacity is not None and peak >= view.offer.capacity)
        for month, average, peak in view.months
    ]
    context = {
        "v": view,
        "offer": view.offer,
        "months": peak_full,
        "any_full_month": any(full for *_rest, full in peak_full),
        "can_admin": user_has_perm(request.user, Perm.OFFER_ADMIN),
    }
    return render(request, "interventions/offer_detail.html", context)


def _offer_form_page(request, form, *, offer=None, status=200):
    return render(request, "interventions/offer_form.html", {"form": form, "offer": offer}, status=status)


def _claimed(form, actor, create):
    """Run a create service with the form's one-time key claimed in the same transaction: a double submit saves
    once (the second gets a 409 saying it is already saved)."""
    with transaction.atomic():
        idempotency.claim(key=form.cleaned_data.get("submission_key") or None, actor=actor)
        return create()


@requires(Perm.OFFER_ADMIN)
@require_http_methods(["GET", "POST"])
def offer_new(request):
    kwargs = {"providers": selectors.providers(), "units": selectors.budget_units()}
    if request.method == "GET":
        initial = {"submission_key": _new_key(), "active_from": timezone.localdate()}
        return _offer_form_page(request, OfferForm(initial=initial, **kwargs))
    form = OfferForm(request.POST, **kwargs)
    status = 400
    if form.is_valid():
        try:
            offer = _claimed(
                form, request.user, lambda: services.offer_create(actor=request.user, data=form.offer_in())
            )
        except HelhedError as exc:
            status = _refused(form, exc)
        else:
            messages.success(request, _("Tilbuddet er oprettet i tilbudsviften."))
            return redirect("interventions:offer_detail", offer_id=offer.pk)
    return _offer_form_page(request, form, status=status)


@requires(Perm.OFFER_ADMIN)
@require_http_methods(["GET", "POST"])
def offer_edit(request, offer_id: int):
    offer = selectors.offer_by_id(offer_id)
    kwargs = {"providers": selectors.providers(), "units": selectors.budget_units()}
    if request.method == "GET":
        initial = OfferForm.initial_for(offer, selectors.offer_funding(offer))
        return _offer_form_page(request, OfferForm(initial=initial, **kwargs), offer=offer)
    form = OfferForm(request.POST, **kwargs)
    status = 400
    if form.is_valid():
        try:
            services.offer_update(
                actor=request.user, offer_id=offer.pk, data=form.offer_in(), version=form.cleaned_data.get("version")
            )
        except HelhedError as exc:
            status = _refused(form, exc)
        else:
            messages.success(request, _("Tilbuddet er gemt. Bevillinger, der allerede er givet, beholder deres pris."))
            return redirect("interventions:offer_detail", offer_id=offer.pk)
    return _offer_form_page(request, form, offer=offer, status=status)


@requires(Perm.OFFER_ADMIN)
@require_http_methods(["GET", "POST"])
def provider_new(request):
    units = selectors.budget_units()
    status = 200
    if request.method == "POST":
        form = ProviderForm(request.POST, units=units)
        status = 400
        if form.is_valid():
            try:
                provider = _claimed(
                    form, request.user, lambda: services.provider_create(actor=request.user, data=form.provider_in())
                )
            except HelhedError as exc:
                status = _refused(form, exc)
            else:
                messages.success(
                    request,
                    _("Leverandøren %(name)s er oprettet. Den kan nu vælges på et tilbud.") % {"name": provider.name},
                )
                return redirect("interventions:offer_new")
    else:
        form = ProviderForm(initial={"submission_key": _new_key()}, units=units)
    return render(request, "interventions/provider_form.html", {"form": form}, status=status)


# -- a case's applications and grants -------------------------------------------------------------------


def _grant_state(grant, today) -> str:
    if grant.terminated:
        return "terminated"
    if grant.end < today:
        return "ended"
    if grant.start > today:
        return "coming"
    return "running"


@requires(Perm.CASE_WORK)
@require_GET
def case_interventions(request, case_id: int):
    """The case tab 'Indsatser': the child's grants and applications."""
    data = selectors.case_interventions(actor=request.user, case_id=case_id)
    today = timezone.localdate()
    grants = [{"grant": g, "state": _grant_state(g, today), "near_max": data.warnings.get(g.pk)} for g in data.grants]
    return render(
        request,
        "interventions/case.html",
        case_page_context(
            data.access,
            data=data,
            grants=grants,
            referrals=data.referrals,
            can_apply=data.access.can(CasePerm.WRITE_JOURNAL),
        ),
    )


@requires(Perm.CASE_WORK)
@require_http_methods(["GET", "POST"])
def apply(request, case_id: int):
    """Søg om tilbud: the offer, the plan goals it serves, the period, the extent and why."""
    page = selectors.application_form(actor=request.user, case_id=case_id)
    kwargs = {"offers": page.offers, "goals": page.goals}
    status = 200
    if request.method == "POST":
        form = ApplyForm(request.POST, **kwargs)
        status = 400
        if form.is_valid():
            try:
                referral = services.referral_apply(
                    actor=request.user,
                    case_id=case_id,
                    data=form.referral_in(),
                    submission_key=form.cleaned_data.get("submission_key") or None,
                )
            except HelhedError as exc:
                status = _refused(form, exc)
            else:
                messages.success(request, _("Ansøgningen er sendt til visitation hos enhedens leder."))
                return redirect("interventions:referral", referral_id=referral.pk)
    else:
        initial = {"submission_key": _new_key(), "units": "1", "offer": request.GET.get("tilbud", "")}
        form = ApplyForm(initial=initial, **kwargs)
    return render(
        request,
        "interventions/apply.html",
        case_page_context(page.access, form=form, page=page),
        status=status,
    )


# -- the visitation -------------------------------------------------------------------------------------


@requires(Perm.VISITATION)
@require_GET
def visitation(request):
    """The leader's queue: the open applications of the cases in the units they lead."""
    rows = selectors.visitation_queue(actor=request.user)
    positions = selectors.queue_positions(rows)
    return render(
        request,
        "interventions/visitation.html",
        {
            "rows": [{"referral": r, "position": positions.get(r.pk)} for r in rows],
            "limit": selectors.LIST_LIMIT,
        },
    )


def _referral_page(request, referral_id, *, status: int = 200, error: str = "", **forms):
    view = selectors.referral_detail(actor=request.user, referral_id=referral_id)
    referral, grant = view.referral, view.grant
    is_open = referral.status in OPEN_REFERRAL
    today = timezone.localdate()
    ctx = {
        "v": view,
        "referral": referral,
        "grant": grant,
        "offer": referral.offer,
        "error": error,
        "is_open": is_open,
        "can_withdraw": is_open and view.access.can(CasePerm.WRITE_JOURNAL),
        "can_change": grant is not None and view.can_decide and not grant.terminated,
        "grant_state": _grant_state(grant, today) if grant is not None else "",
        "limit_end": policies.duration_limit_end(referral.requested_start, referral.offer.max_duration_months),
    }
    if view.can_decide and is_open:
        ctx["decision_form"] = forms.get("decision_form") or DecisionForm(
            prefix="decision",
            initial={
                "version": referral.version,
                "start": referral.requested_start,
                "end": referral.requested_end,
                "units": plain_number(referral.units),
            },
        )
    if ctx["can_withdraw"]:
        ctx["withdraw_form"] = forms.get("withdraw_form") or WithdrawForm(
            prefix="withdraw", initial={"version": referral.version}
        )
    if ctx["can_change"]:
        assert grant is not None
        ctx["change_form"] = forms.get("change_form") or GrantChangeForm(
            prefix="change",
            initial={"version": grant.version, "end": grant.end, "units": plain_number(grant.units)},
        )
        ctx["end_form"] = forms.get("end_form") or GrantEndForm(
            prefix="end", initial={"version": grant.version, "last_day": max(min(today, grant.end), grant.start)}
        )
    return render(request, "interventions/referral.html", case_page_context(view.access, **ctx), status=status)


@requires(Perm.CASE_WORK)
@require_GET
def referral(request, referral_id: int):
    """One application: what was asked for and why, room and queue, the decision and the grant with its changes."""
    return _referral_page(request, referral_id)


def _refused_page(request, referral_id, name: str, form, exc: HelhedError):
    status = _refused(form, exc)
    return _referral_page(request, referral_id, status=status, error=str(exc.message), **{name: form})


@requires(Perm.VISITATION)
@require_POST
def referral_decide(request, referral_id: int):
    form = DecisionForm(request.POST, prefix="decision")
    if not form.is_valid():
        return _referral_page(
            request, referral_id, status=400, error=_("Ret felterne markeret nedenfor."), decision_form=form
        )
    try:
        decided = services.referral_decide(
            actor=request.user,
            referral_id=referral_id,
            data=form.decision_in(),
            version=form.cleaned_data["version"],
        )
    except HelhedError as exc:
        return _refused_page(request, referral_id, "decision_form", form, exc)
    if decided.status == ReferralStatus.GRANTED:
        done = _("Tilbuddet er bevilget. Brevet til familien ligger på sagens dokumenter.")
    elif decided.status == ReferralStatus.REFUSED:
        done = _("Ansøgningen er afslået. Brevet med begrundelsen og klagevejledningen ligger på sagens dokumenter.")
    else:
        done = _("Barnet er sat på ventelisten. Brevet til familien ligger på sagens dokumenter.")
    messages.success(request, done)
    return redirect("interventions:referral", referral_id=referral_id)


@requires(Perm.CASE_WORK)
@require_POST
def referral_withdraw(request, referral_id: int):
    form = WithdrawForm(request.POST, prefix="withdraw")
    if not form.is_valid():
        return _referral_page(
            request, referral_id, status=400, error=_("Ret felterne markeret nedenfor."), withdraw_form=form
        )
    try:
        services.referral_withdraw(
            actor=request.user,
            referral_id=referral_id,
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        )
    except HelhedError as exc:
        return _refused_page(request, referral_id, "withdraw_form", form, exc)
    messages.success(request, _("Ansøgningen er trukket tilbage."))
    return redirect("interventions:referral", referral_id=referral_id)


def _grant_referral(grant_id) -> int:
    referral_id = selectors.grant_referral_id(grant_id)
    if referral_id is None:
        raise Http404
    return referral_id


@requires(Perm.VISITATION)
@require_POST
def grant_change(request, grant_id: int):
    referral_id = _grant_referral(grant_id)
    form = GrantChangeForm(request.POST, prefix="change")
    if not form.is_valid():
        return _referral_page(
            request, referral_id, status=400, error=_("Ret felterne markeret nedenfor."), change_form=form
        )
    try:
        services.grant_change(
            actor=request.user, grant_id=grant_id, data=form.change_in(), version=form.cleaned_data["version"]
        )
    except HelhedError as exc:
        return _refused_page(request, referral_id, "change_form", form, exc)
    messages.success(request, _("Bevillingen er ændret. Brevet til familien ligger på sagens dokumenter."))
    return redirect("interventions:referral", referral_id=referral_id)


@requires(Perm.VISITATION)
@require_POST
def grant_terminate(request, grant_id: int):
    referral_id = _grant_referral(grant_id)
    form = GrantEndForm(request.POST, prefix="end")
    if not form.is_valid():
        return _referral_page(
            request, referral_id, status=400, error=_("Ret felterne markeret nedenfor."), end_form=form
        )
    try:
        services.grant_terminate(
            actor=request.user, grant_id=grant_id, data=form.end_in(), version=form.cleaned_data["version"]
        )
    except HelhedError as exc:
        return _refused_page(request, referral_id, "end_form", form, exc)
    messages.success(request, _("Bevillingen er afsluttet. Pladsen er ledig fra dagen efter den sidste dag."))
    return redirect("interventions:referral", referral_id=referral_id)


# -- economy --------------------------------------------------------------------------------------------


def _series_names() -> tuple[str, str, str]:
    return (_("Forpligtet i måneden"), _("Forpligtet i alt (prognose)"), _("Budget i alt"))


@requires(Perm.ECONOMY_READ)
@require_GET
def forecast(request):
    """The committed cost of the year's grants by month against the budget: of the municipality, one administration
    or one unit. Sums only."""
    units = selectors.budget_units()
    today = timezone.localdate()
    form = ForecastFilterForm(request.GET or None, units=units, initial={"year": today.year})
    if form.is_bound and not form.is_valid():
        context = {"form": form, "error": _("Vælg år, forvaltning og enhed fra listerne.")}
        return render(request, "interventions/forecast.html", context, status=400)
    d = form.cleaned_data if form.is_bound else {}
    year = d.get("year") or today.year
    data = selectors.forecast(year=year, administration=d.get("administration") or "", unit_id=d.get("unit") or None)
    label = _(
        "Forpligtede udgifter til tilbud i %(year)s pr. måned (søjler), samlet prognose og budget (linjer). "
        "Tallene står også i tabellen."
    ) % {"year": year}
    chart = charts.forecast_chart(
        data.months,
        label=label,
        names=_series_names(),
        x_title=_("Måned"),
        y_title=_("Kroner"),
        colour_title=_("Serie"),
    )
    context = {
        "form": form,
        "f": data,
        "chart": chart,
        "chart_label": label,
        "can_admin": user_has_perm(request.user, Perm.OFFER_ADMIN),
    }
    return render(request, "interventions/forecast.html", context)


@requires(Perm.OFFER_ADMIN)
@require_http_methods(["GET", "POST"])
def budgets(request):
    """The budgets, and the form that sets one (a new one, or a change to one chosen from the list)."""
    units = selectors.budget_units()
    rows = selectors.budgets()
    status = 200
    editing = None
    if request.method == "POST":
        form = BudgetForm(request.POST, units=units)
        status = 400
        if form.is_valid():
            try:
                budget = services.budget_set(
                    actor=request.user, data=form.budget_in(), version=form.cleaned_data.get("version")
                )
            except HelhedError as exc:
                status = _refused(form, exc)
            else:
                messages.success(
                    request,
                    _("Budgettet for %(year)s er gemt.") % {"year": budget.year},
                )
                return redirect("interventions:budgets")
    else:
        chosen = request.GET.get("ret", "")
        editing = next((b for b in rows if str(b.pk) == chosen), None)
        if editing is not None:
            initial = {
                "version": editing.version,
                "year": str(editing.year),
                "administration": editing.administration.code,
                "unit": str(editing.unit_id or ""),
                "amount": plain_number(editing.amount),
                "note": editing.note,
            }
        else:
            initial = {"year": str(timezone.localdate().year)}
        form = BudgetForm(initial=initial, units=units)
    return render(
        request, "interventions/budgets.html", {"rows": rows, "form": form, "editing": editing}, status=status
    )


# -- reports --------------------------------------------------------------------------------------------


def _report_year(request) -> int:
    form = ReportsFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["year"]
    return timezone.localdate().year


@requires(Perm.ECONOMY_READ)
@require_GET
def reports(request):
    """Occupancy, waiting time, cost by kind and by ladder step, and how many children are helped close to the
    general school. Aggregates only."""
    year = _report_year(request)
    data = selectors.reports(year=year)
    form = ReportsFilterForm(initial={"year": year})
    return render(
        request,
        "interventions/reports.html",
        {"r": data, "form": form, "year": year},
    )


@requires(Perm.ECONOMY_READ)
@require_GET
def report_csv(request, report: str):
    """One report as CSV for Danish Excel: UTF-8 with BOM, semicolons, decimal commas (the same file as the API's,
    from `exports`). Aggregates only."""
    build = exports.EXPORTS.get(report)
    if build is None:
        raise Http404
    year = _report_year(request)
    response = HttpResponse(build(selectors.reports(year=year)).encode("utf-8"), content_type=exports.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(report, year)}"'
    return response
