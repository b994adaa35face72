"""Pages for reports of concern: report (in Helhed and on the public form), 'Mine underretninger', the
reception's list and a report's page with its actions, and the downloads. Thin: parse the form, call a
selector or service, render. Who may see a report is decided by concerns.selectors."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods, require_POST

from helhed.core import filestore
from helhed.core.errors import HelhedError
from helhed.core.forms import add_service_error
from helhed.core.http import client_address
from helhed.core.permissions import Perm, requires, user_has_perm
from helhed.organisation.selectors import active_memberships
from helhed.people import policies as cpr_policies
from helhed.people import selectors as people_selectors

from . import letters, policies, selectors, services
from .forms import (
    AssessmentForm,
    AssignForm,
    ChecklistForm,
    CloseForm,
    LetterForm,
    MatchForm,
    NewChildForm,
    PublicReportForm,
    ReportForm,
    StatusFilterForm,
)
from .models import ConcernStatus, LetterKind, NotifierKind

log = logging.getLogger(__name__)


def _service_error(form, exc: HelhedError) -> int:
    """Show a service's error on the form and return the status to answer with; 403 and 404 propagate."""
    if exc.status_code in (403, 404):
        raise exc
    if exc.field == "file":  # the upload check names the single file field of the document form
        exc.field = "attachments"
    if exc.field in form.fields and form.fields[exc.field].widget.is_hidden:
        exc.field = None  # e.g. a stale version: say it on top of the form, not next to a hidden field
    add_service_error(form, exc)
    return exc.status_code


def _own_units(user) -> list:
    units: dict = {}
    for membership in active_memberships(user):
        units.setdefault(membership.unit_id, membership.unit)
    return list(units.values())


# -- reporting ------------------------------------------------------------------------------------------


@requires(Perm.CONCERN_REPORT)
@require_http_methods(["GET", "POST"])
def report_new(request):
    """'Underret om et barn': quick to fill; the service checks that something identifies the child."""
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        units=_own_units(request.user),
        receiver=user_has_perm(request.user, Perm.CONCERN_RECEIVE),
        initial={"submission_key": uuid.uuid4().hex},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                concern = services.concern_file(
                    actor=request.user, data=form.report_in(), submission_key=form.cleaned_data["submission_key"]
                )
            except HelhedError as exc:
                status = _service_error(form, exc)
            else:
                return redirect("concerns:receipt", concern_id=concern.pk)
        else:
            status = 400
    return render(
        request,
        "concerns/report_form.html",
        {"form": form, "max_attachments": settings.CONCERN_MAX_ATTACHMENTS},
        status=status,
    )


@requires(Perm.CONCERN_REPORT)
def receipt(request, concern_id: int):
    concern = selectors.my_report(actor=request.user, concern_id=concern_id)
    letter_list = list(concern.letters.all())
    return render(
        request,
        "concerns/receipt.html",
        {
            "concern": concern,
            "receipt": next((x for x in letter_list if x.kind == LetterKind.RECEIPT), None),
            "letters": letter_list,
            "receipt_owed": policies.receipt_owed(
                concern.notifier_kind, citizen_receipts=settings.CONCERN_CITIZEN_RECEIPTS
            ),
            "receiver": user_has_perm(request.user, Perm.CONCERN_RECEIVE),
            # The notifier themselves, or a reception worker who registered a report that came another way.
            "own": concern.notifier_user_id == request.user.pk,
        },
    )


@requires(Perm.CONCERN_REPORT)
def my_reports(request):
    return render(request, "concerns/my_reports.html", {"rows": selectors.my_reports(actor=request.user)})


# -- the reception --------------------------------------------------------------------------------------


@requires(Perm.CONCERN_RECEIVE)
def reception(request):
    form = StatusFilterForm(request.GET or None)
    status = None
    if form.is_valid():  # an unknown status is ignored: the open reports are shown
        status = form.cleaned_data["status"] or None
    rows = selectors.reception_list(actor=request.user, status=status)
    return render(
        request,
        "concerns/reception.html",
        {"rows": rows, "filter_form": form, "status": status, "limit": selectors.LIST_LIMIT},
    )


def _detail_context(request, concern_id, **extra) -> dict:
    detail = selectors.concern_detail(actor=request.user, concern_id=concern_id)
    concern = detail.concern
    kinds = {letter.kind for letter in detail.letters}
    ctx = {
        "d": detail,
        "concern": concern,
        "checklist": [(step, detail.checklist.get(step.code)) for step in policies.ACUTE_CHECKLIST],
        "checklist_done": len(detail.checklist),
        "checklist_total": len(policies.ACUTE_CHECKLIST),
        "can_search": user_has_perm(request.user, Perm.PERSON_SEARCH),
        "candidates": None,
        "match_form": MatchForm(auto_id="match_%s", initial={"query": concern.child_label}),
        "new_child_form": NewChildForm(
            auto_id="new_child_%s",
            initial={
                "first_name": concern.child_first_name,
                "last_name": concern.child_last_name,
                "birth_date": concern.child_birth_date,
                "address": concern.child_address,
            },
        ),
        "assessment_form": AssessmentForm(auto_id="assess_%s"),
        "close_form": CloseForm(auto_id="close_%s"),
        "can_make_receipt": LetterKind.RECEIPT not in kinds and concern.notifier_kind != NotifierKind.ANONYMOUS,
        "can_make_feedback": LetterKind.FEEDBACK not in kinds
        and policies.feedback_owed(concern.notifier_kind)
        and concern.status != ConcernStatus.RECEIVED,
        "is_mine": concern.assigned_to_id == request.user.pk,
        "action_error": None,
        "failed": "",  # the id of the section whose form was refused, for the note on top of the page
    }
    ctx.update(extra)
    return ctx


def _detail(request, concern_id, *, status: int = 200, **extra):
    return render(request, "concerns/detail.html", _detail_context(request, concern_id, **extra), status=status)


def _action_failed(request, concern_id, exc: HelhedError):
    """A refused action without a form of its own: the page again, with the message on top."""
    if exc.status_code in (403, 404):
        raise exc
    return _detail(request, concern_id, status=exc.status_code, action_error=str(exc.message))


@requires(Perm.CONCERN_RECEIVE)
def detail(request, concern_id: int):
    return _detail(request, concern_id)


def _bad_version() -> HelhedError:
    return HelhedError(_("Formularens version er ugyldig. Genindlæs siden."), field="version")


@requires(Perm.CONCERN_RECEIVE)
@require_POST
def assign(request, concern_id: int):
    form = AssignForm(request.POST)
    try:
        if not form.is_valid():
            raise _bad_version()
        services.concern_assign(actor=request.user, concern_id=concern_id, version=form.cleaned_data["version"])
    except HelhedError as exc:
        return _action_failed(request, concern_id, exc)
    messages.success(request, _("Du har taget underretningen. Dens frister står nu under Mine frister."))
    return redirect("concerns:detail", concern_id=concern_id)


@requires(Perm.CONCERN_RECEIVE)
@require_POST
def match(request, concern_id: int):
    """Knyt til barn: search for the child (action "search"), choose one (action "match"), or create the child
    from what the report says (action "new"); each may open a case in the reception."""
    action = request.POST.get("action")
    if action == "new":
        new_form = NewChildForm(request.POST, auto_id="new_child_%s")
        status = 400
        if new_form.is_valid():
            try:
                services.concern_match(
                    actor=request.user,
                    concern_id=concern_id,
                    new_person=new_form.new_person(),
                    open_case=new_form.cleaned_data["open_case"],
                    version=new_form.cleaned_data["version"],
                )
            except HelhedError as exc:
                status = _service_error(new_form, exc)
            else:
                messages.success(request, _("Barnet er oprettet, og underretningen er knyttet til det."))
                return redirect("concerns:detail", concern_id=concern_id)
        return _detail(request, concern_id, status=status, new_child_form=new_form, failed="match-heading")
    if action not in ("search", "match"):
        return _detail(request, concern_id, status=400, action_error=_("Ukendt handling."))
    form = MatchForm(request.POST, auto_id="match_%s")
    if not form.is_valid():
        return _detail(request, concern_id, status=400, match_form=form, failed="match-heading")
    d = form.cleaned_data
    if action == "search":
        if not user_has_perm(request.user, Perm.PERSON_SEARCH):
            raise PermissionDenied
        query = (d.get("query") or "").strip()
        if not query:
            form.add_error("query", _("Skriv et CPR-nummer eller et navn."))
            return _detail(request, concern_id, status=400, match_form=form, failed="match-heading")
        try:
            candidates = people_selectors.person_search(actor=request.user, query=query)
        except cpr_policies.InvalidCpr as exc:
            form.add_error("query", str(exc))
            return _detail(request, concern_id, status=400, match_form=form, failed="match-heading")
        return _detail(request, concern_id, match_form=form, candidates=candidates)
    try:
        if not d.get("person_id"):
            raise HelhedError(_("Vælg barnet på listen."), field="person_id")
        services.concern_match(
            actor=request.user,
            concern_id=concern_id,
            person_id=d["person_id"],
            open_case=d["open_case"],
            version=d["version"],
        )
    except HelhedError as exc:
        status = _service_error(form, exc)
        return _detail(request, concern_id, status=status, match_form=form, failed="match-heading")
    messages.success(request, _("Underretningen er knyttet til barnet."))
    return redirect("concerns:detail", concern_id=concern_id)


@requires(Perm.CONCERN_RECEIVE)
@require_POST
def assess(request, concern_id: int):
    form = AssessmentForm(request.POST, auto_id="assess_%s")
    status = 400
    if form.is_valid():
        try:
            services.concern_assess(
                actor=request.user,
                concern_id=concern_id,
                data=form.assessment_in(),
                version=form.cleaned_data["version"],
            )
        except HelhedError as exc:
            status = _service_error(form, exc)
        else:
            messages.success(request, _("Vurderingen er gemt."))
            return redirect("concerns:detail", concern_id=concern_id)
    return _detail(request, concern_id, status=status, assessment_form=form, failed="assessment-heading")


@requires(Perm.CONCERN_RECEIVE)
@require_POST
def checklist(request, concern_id: int):
    form = ChecklistForm(request.POST)
    try:
        if not form.is_valid():
            raise HelhedError(_("Ukendt punkt på tjeklisten."), field="code")
        services.checklist_tick(actor=request.user, concern_id=concern_id, **form.cleaned_data)
    except HelhedError as exc:
        return _action_failed(request, concern_id, exc)
    messages.success(request, _("Punktet er krydset af."))
    return redirect("concerns:detail", concern_id=concern_id)


@requires(Perm.CONCERN_RECEIVE)
@require_POST
def letter_make(request, concern_id: int):
    form = LetterForm(request.POST)
    try:
        if not form.is_valid():
            raise HelhedError(_("Ukendt brevtype."), field="kind")
        letter = services.letter_make(actor=request.user, concern_id=concern_id, kind=form.cleaned_data["kind"])
    except HelhedError as exc:
        return _action_failed(request, concern_id, exc)
    if letter.emailed_to:
        messages.success(request, _("Brevet er lavet og sendes til %(to)s.") % {"to": letter.emailed_to})
    else:
        messages.warning(request, _("Brevet er lavet, men ikke sendt: hent det, udskriv det og send det med post."))
    return redirect("concerns:detail", concern_id=concern_id)


@requires(Perm.CONCERN_RECEIVE)
@require_POST
def close(request, concern_id: int):
    form = CloseForm(request.POST, auto_id="close_%s")
    status = 400
    if form.is_valid():
        try:
            services.concern_close(
                actor=request.user,
                concern_id=concern_id,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except HelhedError as exc:
            status = _service_error(form, exc)
        else:
            messages.success(request, _("Underretningen er afsluttet."))
            return redirect("concerns:detail", concern_id=concern_id)
    return _detail(request, concern_id, status=status, close_form=form, failed="close-heading")


# -- downloads ------------------------------------------------------------------------------------------


@requires(Perm.CONCERN_REPORT)
def letter_download(request, concern_id: int, letter_id: int):
    """The notifier's own letters, and every letter for the reception (both hold CONCERN_REPORT)."""
    letter = selectors.letter_for_download(actor=request.user, concern_id=concern_id, letter_id=letter_id)
    return filestore.file_response(
        letter.storage_name, content_type="application/pdf", filename=letters.filename(letter.concern, letter.kind)
    )


@requires(Perm.CONCERN_RECEIVE)
def attachment_download(request, concern_id: int, attachment_id: int):
    attachment = selectors.attachment_for_download(
        actor=request.user, concern_id=concern_id, attachment_id=attachment_id
    )
    return filestore.file_response(
        attachment.storage_name,
        content_type=attachment.content_type,
        filename=attachment.original_name or f"bilag-{attachment.pk}",
    )


# -- the public form ------------------------------------------------------------------------------------


@requires(Perm.PUBLIC)
@require_http_methods(["GET", "POST"])
@ensure_csrf_cookie
def public_report(request):
    """/underret/ for anyone, logged in or not. Throttled per address; a filled-in honeypot gets the thank-you
    page and nothing is saved. The reference is shown on the page, never put in a URL."""
    form = PublicReportForm(request.POST or None, request.FILES or None, initial={"submission_key": uuid.uuid4().hex})
    status = 200
    if request.method == "POST":
        address = client_address(request)
        try:
            services.throttle_check(address)
        except HelhedError as exc:
            return render(request, "concerns/public_throttled.html", {"message": exc.message}, status=exc.status_code)
        if form.is_bot:
            log.warning("public report of concern: honeypot field filled in, nothing saved")
            return render(request, "concerns/public_thanks.html", {"concern": None})
        if form.is_valid():
            try:
                concern = services.concern_file(
                    actor=None, data=form.report_in(), submission_key=form.cleaned_data["submission_key"]
                )
            except HelhedError as exc:
                status = _service_error(form, exc)
            else:
                services.throttle_note(address)
                receipt = bool(concern.notifier_email) and policies.receipt_owed(
                    concern.notifier_kind, citizen_receipts=settings.CONCERN_CITIZEN_RECEIPTS
                )
                return render(request, "concerns/public_thanks.html", {"concern": concern, "receipt_emailed": receipt})
        else:
            status = 400
    return render(
        request,
        "concerns/public_form.html",
        {"form": form, "max_attachments": settings.CONCERN_MAX_ATTACHMENTS},
        status=status,
    )
