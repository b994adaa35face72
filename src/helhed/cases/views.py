"""Case pages. Thin: parse input, call a selector or service, render. Access is the gatekeeper's."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from helhed.core.errors import Forbidden, HelhedError
from helhed.core.forms import add_service_error
from helhed.core.permissions import Perm, requires, user_has_perm
from helhed.people import policies as cpr_policies
from helhed.people import selectors as people_selectors
from helhed.people import services as people_services
from helhed.people.forms import SearchForm

from . import selectors, services
from .downloads import document_file_response
from .forms import (
    AddendumForm,
    BreakGlassForm,
    CaseOpenForm,
    DocumentForm,
    JournalNoteForm,
    StatusForm,
    TeamAddForm,
)
from .gatekeeper import case_for
from .models import CaseStatus
from .policies import TEAM_ELIGIBLE_ROLES, CasePerm
from .uploads import allowed_list


@requires(Perm.AUTHENTICATED)
def home(request):
    """'Mine sager' for case workers; other roles go to their own start page."""
    if user_has_perm(request.user, Perm.CASE_WORK):
        data = selectors.my_cases(actor=request.user)
        return render(request, "cases/home.html", {"data": data, "search_form": SearchForm()})
    if user_has_perm(request.user, Perm.FAMILY_VIEW):
        return redirect("family:home")
    if user_has_perm(request.user, Perm.AUDIT_READ):
        return redirect("core:audit_home")
    if user_has_perm(request.user, Perm.ORGANISATION_ADMIN):
        return redirect("organisation:units")
    return render(request, "cases/home_other.html")


@requires(Perm.PERSON_SEARCH)
@require_http_methods(["GET", "POST"])
def search(request):
    # The form posts, so a CPR number never lands in a URL (browser history, proxy and server logs).
    # GET with ?q= still works for links and bookmarks of name and journal-number searches.
    data = request.POST if request.method == "POST" else request.GET
    form = SearchForm(data or None)
    persons, cases, visible, hidden = [], [], {}, {}
    status = 200
    if data:
        if form.is_valid():
            q = form.cleaned_data["q"]
            if people_selectors.looks_like_journal_number(q):
                cases = selectors.cases_by_journal_number(actor=request.user, number=q)
            else:
                try:
                    persons = people_selectors.person_search(actor=request.user, query=q)
                except cpr_policies.InvalidCpr as exc:
                    form.add_error("q", str(exc))
                ids = [p.pk for p in persons]
                visible = selectors.case_map_for_children(actor=request.user, child_ids=ids)
                if user_has_perm(request.user, Perm.BREAK_GLASS):
                    hidden = selectors.children_with_hidden_cases(actor=request.user, child_ids=ids)
        if form.errors:
            status = 400
    rows = [{"person": p, "case": visible.get(p.pk), "hidden_case_id": hidden.get(p.pk)} for p in persons]
    return render(
        request,
        "cases/search.html",
        {"form": form, "rows": rows, "cases": cases, "searched": bool(data) and not form.errors},
        status=status,
    )


def case_page_context(access, **extra) -> dict:
    """What every page under a case needs for its header and tabs (cases/_case_header.html): the access, the case
    and the actor's case permissions by name. The pages of other apps under /sager/<id>/ use it too."""
    return {"access": access, "case": access.case, "perms": {p.value: access.can(p) for p in CasePerm}, **extra}


def _case_context(request, access, **extra):
    return case_page_context(access, **extra)


@requires(Perm.CASE_WORK)
def case_detail(request, case_id: int):
    access = case_for(request.user, case_id, what="overview")
    return render(
        request,
        "cases/case_detail.html",
        _case_context(
            request,
            access,
            team=selectors.case_team(access),
            timeline=selectors.case_timeline(access, actor=request.user, limit=30),
            family=selectors.case_family(actor=request.user, access=access),
            history=selectors.case_status_history(access) if access.can(CasePerm.VIEW_JOURNAL) else [],
            # Team members with limited access read here what has been shared with the team.
            shared_notes=selectors.case_journal(access, limit=50) if not access.can(CasePerm.VIEW_JOURNAL) else [],
            status_form=StatusForm(
                initial={
                    "version": access.case.version,
                    "to_status": CaseStatus.CLOSED if access.case.is_active else CaseStatus.REOPENED,
                }
            ),
        ),
    )


@requires(Perm.CASE_WORK)
def case_timeline(request, case_id: int):
    access = case_for(request.user, case_id, what="timeline")
    return render(
        request,
        "cases/case_timeline.html",
        _case_context(request, access, timeline=selectors.case_timeline(access, actor=request.user, limit=500)),
    )


@requires(Perm.CASE_WORK)
@require_http_methods(["GET", "POST"])
def case_journal(request, case_id: int):
    access = case_for(request.user, case_id, need=CasePerm.VIEW_JOURNAL, what="journal")
    status = 200
    if request.method == "POST":
        form = JournalNoteForm(request.POST)
        if form.is_valid():
            try:
                services.journal_note_add(actor=request.user, case_id=access.case.pk, **form.cleaned_data)
                messages.success(request, _("Journalnotatet er gemt."))
                return redirect("cases:journal", case_id=access.case.pk)
            except HelhedError as exc:
                add_service_error(form, exc)
                status = exc.status_code
        else:
            status = 400
    else:
        form = JournalNoteForm(initial={"submission_key": uuid.uuid4().hex})
    return render(
        request,
        "cases/case_journal.html",
        _case_context(request, access, notes=selectors.case_journal(access), form=form, addendum_form=AddendumForm()),
        status=status,
    )


@requires(Perm.CASE_WORK)
@require_POST
def journal_addendum(request, case_id: int, note_id: int):
    form = AddendumForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Skriv tilføjelsens tekst."))
    else:
        try:
            services.journal_addendum_add(actor=request.user, case_id=case_id, note_id=note_id, **form.cleaned_data)
            messages.success(request, _("Tilføjelsen er gemt."))
        except HelhedError as exc:
            if exc.status_code in (403, 404):
                raise
            messages.error(request, str(exc.message))
    return redirect("cases:journal", case_id=case_id)


@requires(Perm.CASE_WORK)
@require_http_methods(["GET", "POST"])
def case_documents(request, case_id: int):
    access = case_for(request.user, case_id, what="documents")
    status = 200
    form = DocumentForm(request.POST or None, request.FILES or None, initial={"submission_key": uuid.uuid4().hex})
    if request.method == "POST":
        if form.is_valid():
            try:
                services.document_upload(
                    actor=request.user,
                    case_id=access.case.pk,
                    uploaded_file=form.cleaned_data["file"],
                    title=form.cleaned_data["title"],
                    kind=form.cleaned_data["kind"],
                    shared_with_team=form.cleaned_data["shared_with_team"],
                    share_basis=form.cleaned_data["share_basis"],
                    share_reason=form.cleaned_data["share_reason"],
                    submission_key=form.cleaned_data["submission_key"],
                )
                messages.success(request, _("Dokumentet er gemt."))
                return redirect("cases:documents", case_id=access.case.pk)
            except HelhedError as exc:
                add_service_error(form, exc)
                status = exc.status_code
        else:
            status = 400
    return render(
        request,
        "cases/case_documents.html",
        _case_context(request, access, documents=selectors.case_documents(access), form=form, allowed=allowed_list()),
        status=status,
    )


@requires(Perm.CASE_WORK)
def document_download(request, case_id: int, document_id: int):
    _access, doc = selectors.document_for_download(actor=request.user, case_id=case_id, document_id=document_id)
    return document_file_response(doc)


def _team_candidates():
    return (
        get_user_model()
        .objects.filter(memberships__role__in=TEAM_ELIGIBLE_ROLES, memberships__valid_to__isnull=True, is_active=True)
        .distinct()
        .order_by("first_name", "last_name")
    )


@requires(Perm.CASE_WORK)
@require_http_methods(["GET", "POST"])
def case_team(request, case_id: int):
    access = case_for(request.user, case_id, what="team")
    status = 200
    form = TeamAddForm(request.POST or None, users=_team_candidates(), initial={"version": access.case.version})
    if request.method == "POST":
        if not access.can(CasePerm.MANAGE_TEAM):
            raise Forbidden(_("Du kan ikke ændre sagens team."), code="forbidden")
        if form.is_valid():
            try:
                services.team_member_add(actor=request.user, case_id=access.case.pk, **form.cleaned_data)
                messages.success(
                    request, _("%(name)s er sat på teamet.") % {"name": form.cleaned_data["user"].get_full_name()}
                )
                return redirect("cases:team", case_id=access.case.pk)
            except HelhedError as exc:
                add_service_error(form, exc)
                status = exc.status_code
        else:
            status = 400
    return render(
        request,
        "cases/case_team.html",
        _case_context(
            request,
            access,
            team=selectors.case_team(access),
            history=selectors.case_team_history(access) if access.can(CasePerm.VIEW_JOURNAL) else [],
            form=form,
        ),
        status=status,
    )


@requires(Perm.CASE_WORK)
@require_POST
def team_member_action(request, case_id: int, member_id: int):
    action = request.POST.get("action")
    version = request.POST.get("version")
    try:
        if action == "end":
            services.team_member_end(actor=request.user, case_id=case_id, member_id=member_id, version=version)
            messages.success(request, _("Medlemmet er taget af teamet."))
        elif action == "parent_contact":
            services.team_set_parent_contact(actor=request.user, case_id=case_id, member_id=member_id, version=version)
            messages.success(request, _("Forældrenes kontaktperson er ændret."))
        elif action == "responsible":
            services.team_set_responsible(actor=request.user, case_id=case_id, member_id=member_id, version=version)
            messages.success(request, _("Den ansvarlige rådgiver er ændret."))
        else:
            raise HelhedError(_("Ukendt handling."))
    except HelhedError as exc:
        if exc.status_code in (403, 404):
            raise
        messages.error(request, str(exc.message))
    return redirect("cases:team", case_id=case_id)


@requires(Perm.CASE_WORK)
@require_POST
def case_status(request, case_id: int):
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.case_change_status(actor=request.user, case_id=case_id, **form.cleaned_data)
            messages.success(request, _("Sagens status er ændret."))
        except HelhedError as exc:
            if exc.status_code in (403, 404):
                raise
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("Vælg en status og skriv en begrundelse."))
    return redirect("cases:detail", case_id=case_id)


@requires(Perm.CASE_WORK)
@require_POST
def reveal_cpr(request, case_id: int):
    access = case_for(request.user, case_id, need=CasePerm.REVEAL_CPR, audit_action=None)
    number = people_services.person_reveal_cpr(
        actor=request.user,
        person=access.case.child,
        case_id=access.case.pk,
        reason=request.POST.get("reason", "")[:300],
    )
    if request.htmx:
        return render(request, "cases/_cpr_revealed.html", {"number": number})
    messages.info(request, _("CPR-nummer: %(n)s (visningen er logget)") % {"n": number})
    return redirect("cases:detail", case_id=access.case.pk)


@requires(Perm.BREAK_GLASS)
@require_http_methods(["GET", "POST"])
def break_glass(request, case_id: int):
    form = BreakGlassForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.break_glass_open(actor=request.user, case_id=case_id, reason=form.cleaned_data["reason"])
                messages.warning(
                    request,
                    _("Du har nødadgang til sagen i %(minutes)s minutter. Adgangen er logget.")
                    % {"minutes": settings.BREAK_GLASS_MINUTES},
                )
                return redirect("cases:detail", case_id=case_id)
            except HelhedError as exc:
                add_service_error(form, exc)
                status = exc.status_code
        else:
            status = 400
    return render(
        request,
        "cases/break_glass.html",
        {"form": form, "case_id": case_id, "break_glass_minutes": settings.BREAK_GLASS_MINUTES},
        status=status,
    )


@requires(Perm.CASE_CREATE)
@require_http_methods(["GET", "POST"])
def case_open(request, person_id: int):
    child = people_selectors.person_for(actor=request.user, person_id=person_id, what="case_open")
    initial = {"responsible_caseworker": request.user.pk}
    from helhed.organisation.selectors import active_memberships

    for m in active_memberships(request.user):
        if m.unit.owns_cases:
            initial["responsible_unit"] = m.unit_id
            break
    form = CaseOpenForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                case = services.case_open(actor=request.user, child=child, **form.cleaned_data)
                messages.success(request, _("Sagen er oprettet med journalnummer %(n)s.") % {"n": case.journal_number})
                return redirect("cases:detail", case_id=case.pk)
            except HelhedError as exc:
                add_service_error(form, exc)
                status = exc.status_code
        else:
            status = 400
    return render(request, "cases/case_open.html", {"form": form, "child": child}, status=status)
