"""The administrator's pages: units, staff accounts, memberships and the CSV import."""

from __future__ import annotations

import base64
import uuid

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from helhed.core.errors import HelhedError
from helhed.core.forms import add_service_error
from helhed.core.permissions import Perm, requires
from helhed.core.validation import MAX_OFFSET, fits_db_int

from . import imports, selectors, services
from .forms import (
    DeactivateForm,
    ImportForm,
    MembershipEndForm,
    MembershipForm,
    PasswordForm,
    StaffForm,
    StaffSearchForm,
    UnitForm,
)
from .models import Membership, Role, User

# The checked file waits in the session between the preview and the confirmation.
_IMPORT_SESSION_KEY = "organisation_import"


def _get(model, pk: int):
    """The row, or 404 (also for an id too large for the database)."""
    if not fits_db_int(pk):
        raise Http404
    return get_object_or_404(model, pk=pk)


# -- units ------------------------------------------------------------------------------------------------


@requires(Perm.ORGANISATION_ADMIN)
def units(request):
    rows = list(selectors.units_with_staff_counts())
    return render(request, "organisation/units.html", {"units": rows, "tab": "units"})


@requires(Perm.ORGANISATION_ADMIN)
@require_http_methods(["GET", "POST"])
def unit_create(request):
    form = UnitForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    administration = services.administration_ensure(actor=request.user, code=data["administration"])
                    unit = services.unit_create(
                        actor=request.user,
                        code=data["code"],
                        name=data["name"],
                        kind=data["kind"],
                        administration=administration,
                        district=data["district"],
                        parent=data["parent"],
                    )
                messages.success(request, _("Enheden %(name)s er oprettet.") % {"name": unit.name})
                return redirect("organisation:units")
            except HelhedError as exc:
                add_service_error(form, exc)
                status = exc.status_code
        else:
            status = 400
    return render(request, "organisation/unit_form.html", {"form": form, "tab": "units"}, status=status)


# -- staff ------------------------------------------------------------------------------------------------


@requires(Perm.ORGANISATION_ADMIN)
def staff(request):
    form = StaffSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    try:
        page = max(1, int(request.GET.get("side", "1")))
    except ValueError:
        page = 1
    size = selectors.STAFF_PAGE_SIZE
    page = min(page, MAX_OFFSET // size)
    rows, total = selectors.staff_search(actor=request.user, query=query, limit=size, offset=(page - 1) * size)
    pages = max(1, -(-total // size))
    return render(
        request,
        "organisation/staff_list.html",
        {
            "form": form,
            "rows": rows,
            "total": total,
            "query": query,
            "page": page,
            "pages": pages,
            "tab": "staff",
        },
        status=200 if form.is_valid() or not request.GET else 400,
    )


@requires(Perm.ORGANISATION_ADMIN)
@require_http_methods(["GET", "POST"])
def staff_create(request):
    form = StaffForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    user = services.staff_create(
                        actor=request.user,
                        username=data["username"],
                        first_name=data["first_name"],
                        last_name=data["last_name"],
                        email=data["email"],
                        title=data["title"],
                        password=data["password"] or None,
                    )
                    services.membership_add(
                        actor=request.user,
                        user=user,
                        unit=data["unit"],
                        role=data["role"],
                        valid_from=data["valid_from"],
                    )
                messages.success(request, _("Medarbejderen %(name)s er oprettet.") % {"name": user.get_full_name()})
                return redirect("organisation:staff_detail", user_id=user.pk)
            except HelhedError as exc:
                add_service_error(form, exc)
                status = exc.status_code
        else:
            status = 400
    return render(request, "organisation/staff_form.html", {"form": form, "tab": "staff"}, status=status)


def _staff_page(request, user_id: int, *, status: int = 200, **forms):
    person = selectors.staff_for(actor=request.user, user_id=user_id)
    memberships = list(person.memberships.all())
    today = timezone.localdate()
    active = [m for m in memberships if m.valid_from <= today and (m.valid_to is None or m.valid_to >= today)]
    future = [m for m in memberships if m.valid_from > today]
    past = [m for m in memberships if m.valid_to is not None and m.valid_to < today]
    context = {
        "person": person,
        "active": active,
        "future": future,
        "past": past,
        "membership_form": forms.get("membership_form") or MembershipForm(),
        "deactivate_form": forms.get("deactivate_form") or DeactivateForm(),
        "password_form": forms.get("password_form") or PasswordForm(),
        "open_cases": selectors.responsible_open_case_count(person) if person.is_active else 0,
        "is_self": person.pk == request.user.pk,
        "has_password": person.has_usable_password(),
        "administrator_role": Role.ADMINISTRATOR,
        "tab": "staff",
    }
    return render(request, "organisation/staff_detail.html", context, status=status)


@requires(Perm.ORGANISATION_ADMIN)
def staff_detail(request, user_id: int):
    return _staff_page(request, user_id)


@requires(Perm.ORGANISATION_ADMIN)
@require_POST
def membership_add(request, user_id: int):
    person = _get(User, user_id)
    form = MembershipForm(request.POST)
    if form.is_valid():
        try:
            services.membership_add(actor=request.user, user=person, **form.cleaned_data)
            messages.success(request, _("Tilknytningen er tilføjet."))
            return redirect("organisation:staff_detail", user_id=person.pk)
        except HelhedError as exc:
            add_service_error(form, exc)
            return _staff_page(request, person.pk, status=exc.status_code, membership_form=form)
    return _staff_page(request, person.pk, status=400, membership_form=form)


@requires(Perm.ORGANISATION_ADMIN)
@require_POST
def membership_end(request, membership_id: int):
    membership = _get(Membership, membership_id)
    form = MembershipEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Vælg tilknytningens sidste dag."))
    else:
        try:
            services.membership_end(actor=request.user, membership=membership, valid_to=form.cleaned_data["valid_to"])
            messages.success(request, _("Tilknytningen er afsluttet."))
        except HelhedError as exc:
            messages.error(request, str(exc.message))
    return redirect("organisation:staff_detail", user_id=membership.user_id)


@requires(Perm.ORGANISATION_ADMIN)
@require_POST
def staff_deactivate(request, user_id: int):
    person = _get(User, user_id)
    form = DeactivateForm(request.POST)
    if form.is_valid():
        try:
            services.staff_deactivate(actor=request.user, user=person, reason=form.cleaned_data["reason"])
            messages.success(
                request, _("Kontoen er deaktiveret. Medarbejderen kan ikke længere logge ind eller bruge API'et.")
            )
            return redirect("organisation:staff_detail", user_id=person.pk)
        except HelhedError as exc:
            add_service_error(form, exc)
            return _staff_page(request, person.pk, status=exc.status_code, deactivate_form=form)
    return _staff_page(request, person.pk, status=400, deactivate_form=form)


@requires(Perm.ORGANISATION_ADMIN)
@require_POST
def staff_reactivate(request, user_id: int):
    person = _get(User, user_id)
    try:
        services.staff_reactivate(actor=request.user, user=person)
        messages.success(request, _("Kontoen er aktiv igen. Tilføj de tilknytninger, medarbejderen skal have nu."))
    except HelhedError as exc:
        messages.error(request, str(exc.message))
    return redirect("organisation:staff_detail", user_id=person.pk)


@requires(Perm.ORGANISATION_ADMIN)
@require_POST
def staff_password(request, user_id: int):
    person = _get(User, user_id)
    form = PasswordForm(request.POST)
    if form.is_valid():
        try:
            services.staff_set_password(actor=request.user, user=person, password=form.cleaned_data["password"])
            messages.success(request, _("Den nye adgangskode er gemt. Giv den til medarbejderen på en sikker måde."))
            return redirect("organisation:staff_detail", user_id=person.pk)
        except HelhedError as exc:
            add_service_error(form, exc)
            return _staff_page(request, person.pk, status=exc.status_code, password_form=form)
    return _staff_page(request, person.pk, status=400, password_form=form)


# -- import -----------------------------------------------------------------------------------------------


@requires(Perm.ORGANISATION_ADMIN)
@require_http_methods(["GET", "POST"])
def import_file(request):
    """Upload a CSV file and see what importing it would do (a dry run): every bad line with its number.
    The checked file waits in the session until the administrator confirms."""
    posted = request.method == "POST"
    form = ImportForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        initial={"kind": "units" if request.GET.get("type") == "units" else "staff"},
    )
    report, token, status = None, None, 200
    if request.method == "POST":
        if form.is_valid():
            kind, skip = form.cleaned_data["kind"], form.cleaned_data["skip_bad_lines"]
            try:
                data = imports.read_upload(form.cleaned_data["file"])
                report = imports.run_import(kind, actor=request.user, data=data, skip_bad_lines=skip, dry_run=True)
            except imports.ImportFileError as exc:
                add_service_error(form, exc)
                status = 400
            else:
                if report.refused or not report.good_lines:
                    request.session.pop(_IMPORT_SESSION_KEY, None)
                    status = 400 if report.errors else 200
                else:
                    token = uuid.uuid4().hex
                    request.session[_IMPORT_SESSION_KEY] = {
                        "token": token,
                        "kind": kind,
                        "skip": skip,
                        "name": form.cleaned_data["file"].name[:100],
                        "data": base64.b64encode(data).decode(),
                    }
        else:
            status = 400
    return render(
        request,
        "organisation/import.html",
        {"form": form, "report": report, "token": token, "tab": "import", "columns": ImportForm.columns},
        status=status,
    )


@requires(Perm.ORGANISATION_ADMIN)
@require_POST
def import_confirm(request):
    """Import the file checked in the preview. The session entry is used once, so a double submit does not
    import twice (and importing the same file twice changes nothing anyway)."""
    pending = request.session.get(_IMPORT_SESSION_KEY)
    if not pending or pending.get("token") != request.POST.get("token"):
        messages.error(request, _("Importen er allerede gennemført eller udløbet. Upload filen igen."))
        return redirect("organisation:import")
    del request.session[_IMPORT_SESSION_KEY]
    try:
        report = imports.run_import(
            pending["kind"],
            actor=request.user,
            data=base64.b64decode(pending["data"]),
            skip_bad_lines=pending["skip"],
        )
    except imports.ImportFileError as exc:  # the file was checked; only a change of rules could get here
        messages.error(request, str(exc.message))
        return redirect("organisation:import")
    form = ImportForm(initial={"kind": pending["kind"], "skip_bad_lines": pending["skip"]})
    return render(
        request,
        "organisation/import.html",
        {
            "form": form,
            "report": report,
            "token": None,
            "done": report.imported,
            "file_name": pending.get("name", ""),
            "tab": "import",
            "columns": ImportForm.columns,
        },
        status=200 if report.imported else 409,
    )
