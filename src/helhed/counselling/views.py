"""Pages of open, anonymous counselling. Thin: parse input, call a selector or service, render."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from helhed.core.errors import HelhedError
from helhed.core.forms import add_service_error
from helhed.core.permissions import Perm, requires, user_has_perm
from helhed.people import policies as cpr_policies
from helhed.people import selectors as people_selectors

from . import selectors, services
from .forms import ChildSearchForm, ContactForm, ConvertForm, CounsellingForm, FilterForm, StatusForm
from .models import CounsellingStatus


@requires(Perm.COUNSELLING)
@require_GET
def counselling_list(request):
    form = FilterForm(request.GET or None)
    filters = form.filters()
    data = selectors.counselling_list(actor=request.user, **filters)
    return render(request, "counselling/list.html", {"data": data, "filter_form": form, "filters": filters})


@requires(Perm.COUNSELLING)
@require_http_methods(["GET", "POST"])
def counselling_new(request):
    units = selectors.counselling_units(request.user)
    form = CounsellingForm(
        request.POST or None,
        units=units,
        initial={"submission_key": uuid.uuid4().hex, "occurred_on": timezone.localdate()},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                course = services.counselling_open(
                    actor=request.user,
                    data=form.counselling_in(),
                    submission_key=form.cleaned_data.get("submission_key") or None,
                )
                messages.success(request, _("Forløbet er oprettet, og den første kontakt er gemt."))
                return redirect("counselling:detail", counselling_id=course.pk)
            except HelhedError as exc:
                add_service_error(form, exc)
                status = exc.status_code
        else:
            status = 400
    return render(request, "counselling/new.html", {"form": form, "units": units}, status=status)


def _detail_page(request, counselling_id, *, status: int = 200, error: str = "", **forms):
    detail = selectors.counselling_detail(actor=request.user, counselling_id=counselling_id)
    course = detail.course
    ctx = {
        "d": detail,
        "course": course,
        "error": error,
        "contact_form": forms.get("contact_form")
        or ContactForm(initial={"submission_key": uuid.uuid4().hex, "occurred_on": timezone.localdate()}),
        "status_form": forms.get("status_form") or StatusForm(initial={"version": course.version}),
    }
    return render(request, "counselling/detail.html", ctx, status=status)


@requires(Perm.COUNSELLING)
@require_http_methods(["GET", "POST"])
def counselling_detail(request, counselling_id: int):
    if request.method == "GET":
        return _detail_page(request, counselling_id)
    action = request.POST.get("action")
    form: ContactForm | StatusForm
    if action == "contact":
        form = ContactForm(request.POST)
        name = "contact_form"
    elif action in ("close", "reopen"):
        form = StatusForm(request.POST)
        name = "status_form"
    else:
        return _detail_page(request, counselling_id, status=400, error=_("Ukendt handling. Genindlæs siden."))
    if not form.is_valid():
        return _detail_page(
            request, counselling_id, status=400, error=_("Ret felterne markeret nedenfor."), **{name: form}
        )
    d = form.cleaned_data
    try:
        if action == "contact":
            assert isinstance(form, ContactForm)
            services.contact_add(
                actor=request.user,
                counselling_id=counselling_id,
                data=form.contact_in(),
                submission_key=d.get("submission_key") or None,
            )
            done = _("Kontakten er gemt.")
        elif action == "close":
            services.counselling_close(
                actor=request.user, counselling_id=counselling_id, note=d["note"], version=d["version"]
            )
            done = _("Forløbet er afsluttet.")
        else:
            services.counselling_reopen(
                actor=request.user, counselling_id=counselling_id, note=d["note"], version=d["version"]
            )
            done = _("Forløbet er genåbnet.")
    except HelhedError as exc:
        if exc.status_code == 404:
            raise
        add_service_error(form, exc)
        return _detail_page(request, counselling_id, status=exc.status_code, error=str(exc.message), **{name: form})
    messages.success(request, done)
    return redirect("counselling:detail", counselling_id=counselling_id)


def _convert_page(request, counselling_id, *, status=200, error="", search_form=None, form=None, query=""):
    detail = selectors.counselling_detail(actor=request.user, counselling_id=counselling_id)
    course = detail.course
    if course.status == CounsellingStatus.CONVERTED:
        messages.info(request, _("Forløbet er allerede blevet til en sag."))
        return redirect("counselling:detail", counselling_id=course.pk)
    units = selectors.conversion_units(request.user)
    caseworkers = selectors.responsible_candidates(units)
    candidates = None
    if query:
        try:
            candidates = people_selectors.person_search(actor=request.user, query=query)
        except cpr_policies.InvalidCpr as exc:
            search_form = search_form or ChildSearchForm({"query": query})
            search_form.add_error("query", str(exc))
            status = 400
    initial = {
        "version": course.version,
        "query": query,
        "responsible_unit": course.unit_id,
        "responsible_caseworker": request.user.pk,
        "child": str(candidates[0].pk) if candidates and len(candidates) == 1 else "",
    }
    form = form or ConvertForm(initial=initial, units=units, caseworkers=caseworkers)
    chosen = form["child"].value() if form.is_bound else initial["child"]
    ctx = {
        "d": detail,
        "course": course,
        "error": error,
        "search_form": search_form or ChildSearchForm(initial={"query": query}),
        "form": form,
        "candidates": candidates,
        "chosen": str(chosen or ""),
        "can_search": user_has_perm(request.user, Perm.PERSON_SEARCH),
        "can_create": user_has_perm(request.user, Perm.PERSON_CREATE),
        "today": timezone.localdate(),
    }
    return render(request, "counselling/convert.html", ctx, status=status)


@requires(Perm.COUNSELLING)
@require_http_methods(["GET", "POST"])
def counselling_convert(request, counselling_id: int):
    """The handover into a case: find (or create) the child, record the family's consent, convert."""
    if request.method == "GET":
        return _convert_page(request, counselling_id)
    action = request.POST.get("action")
    if action == "search":
        search_form = ChildSearchForm(request.POST)
        if not search_form.is_valid():
            return _convert_page(request, counselling_id, status=400, search_form=search_form)
        return _convert_page(
            request, counselling_id, search_form=search_form, query=search_form.cleaned_data["query"].strip()
        )
    if action != "convert":
        return _convert_page(request, counselling_id, status=400, error=_("Ukendt handling. Genindlæs siden."))
    units = selectors.conversion_units(request.user)
    form = ConvertForm(request.POST, units=units, caseworkers=selectors.responsible_candidates(units))
    query = (request.POST.get("query") or "").strip()[:100]
    if not form.is_valid():
        return _convert_page(
            request, counselling_id, status=400, error=_("Ret felterne markeret nedenfor."), form=form, query=query
        )
    d = form.cleaned_data
    child_id, new_child = form.child_choice()
    try:
        result = services.counselling_convert(
            actor=request.user,
            counselling_id=counselling_id,
            consent=form.consent_in(),
            child_id=child_id,
            new_child=new_child,
            responsible_unit_id=d["responsible_unit"],
            responsible_caseworker_id=d["responsible_caseworker"],
            version=d["version"],
        )
    except HelhedError as exc:
        if exc.status_code == 404:
            raise
        add_service_error(form, exc)
        return _convert_page(
            request, counselling_id, status=exc.status_code, error=str(exc.message), form=form, query=query
        )
    if result.attached:
        messages.success(
            request,
            _("Barnet havde allerede en åben sag. Forløbet og samtykket er skrevet ind i sagens journal."),
        )
    else:
        messages.success(
            request,
            _("Sagen er oprettet med journalnummer %(n)s. Forløbet og samtykket står i sagens journal.")
            % {"n": result.case.journal_number},
        )
    return redirect("cases:detail", case_id=result.case.pk)


@requires(Perm.COUNSELLING)
@require_GET
def counselling_statistics(request):
    return render(
        request, "counselling/statistics.html", {"stats": selectors.counselling_statistics(actor=request.user)}
    )
