"""The case's consent and sharing page. Thin: parse input, call a selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from helhed.cases.models import DocumentKind
from helhed.cases.policies import CasePerm
from helhed.cases.selectors import documents_of_kind
from helhed.cases.views import case_page_context
from helhed.core.errors import Forbidden, HelhedError
from helhed.core.forms import add_service_error
from helhed.core.permissions import Perm, requires
from helhed.organisation.selectors import units_for_choice

from . import selectors, services
from .forms import ConsentForm, SharePendingForm, WithdrawForm


def _consent_form(data, sharing):
    """Units to narrow a consent to: those of other administrations on the team now and the child's own school
    or daycare — the recipients a family is asked about, not every unit in the municipality."""
    own = sharing.case.responsible_unit.administration.code
    relevant = {c.recipient.unit_id for c in sharing.coverage} | set(sharing.enrolled_unit_ids)
    units = [u for u in units_for_choice() if u.administration.code != own and u.pk in relevant]
    return ConsentForm(
        data,
        holders=sharing.holders,
        units=units,
        documents=documents_of_kind(sharing.access, DocumentKind.CONSENT),
        prefix="consent",
    )


@requires(Perm.CASE_WORK)
@require_http_methods(["GET", "POST"])
def case_sharing(request, case_id: int):
    sharing = selectors.case_sharing(actor=request.user, case_id=case_id)
    can_write = sharing.access.can(CasePerm.WRITE_JOURNAL)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    consent_form = _consent_form(request.POST if action == "consent" else None, sharing)
    withdraw_form = WithdrawForm(request.POST if action == "withdraw" else None, prefix="withdraw")
    share_form = SharePendingForm(request.POST if action == "share" else None, prefix="share")
    status, failed = 200, ""
    if request.method == "POST":
        if not can_write:
            raise Forbidden(_("Du kan ikke registrere samtykker på sagen."), code="forbidden")
        form = {"consent": consent_form, "withdraw": withdraw_form, "share": share_form}.get(action)
        if form is None:
            raise HelhedError(_("Ukendt handling."))
        failed = action
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "consent":
                    services.consent_record(actor=request.user, case_id=case_id, **data)
                    messages.success(request, _("Samtykket er registreret."))
                elif action == "withdraw":
                    services.consent_withdraw(
                        actor=request.user,
                        case_id=case_id,
                        consent_id=request.POST.get("consent"),
                        reason=data["reason"],
                        version=data["version"],
                    )
                    messages.success(request, _("Samtykket er tilbagekaldt."))
                else:
                    rows = services.share_pending(
                        actor=request.user,
                        case_id=case_id,
                        unit_id=data["unit"],
                        basis_code=data["share_basis"],
                        reason=data["share_reason"],
                    )
                    messages.success(request, _("%(n)s oplysninger er delt.") % {"n": len(rows)})
                return redirect("consent:case", case_id=case_id)
            except HelhedError as exc:
                if exc.status_code in (403, 404):
                    raise
                add_service_error(form, exc)
                status = exc.status_code
        else:
            status = 400
    return render(
        request,
        "consent/case_sharing.html",
        case_page_context(
            sharing.access,
            tab="consent",
            sharing=sharing,
            can_write=can_write,
            consent_form=consent_form,
            withdraw_form=withdraw_form,
            share_form=share_form,
            failed=failed,
            failed_unit=request.POST.get("share-unit", "") if action == "share" else "",
            failed_consent=request.POST.get("consent", "") if action == "withdraw" else "",
        ),
        status=status,
    )
