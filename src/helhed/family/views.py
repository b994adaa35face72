"""Pages of the parents' view. Thin: parse input, call a selector or service, render.

- /sager/<id>/foraeldreadgang/: the caseworker gives a custody holder a one-time login link (shown once on screen
  in the demo) and sees and revokes the case's links. Case gatekeeper.
- /familie/login/<token>/: public. GET shows a 'Log ind' button (no person data), POST uses the link and logs the
  parent in. A GET never uses the link, so a mail scanner or link preview cannot use it up.
- /familie/ and /familie/boern/<case_id>/: the parent's read-only view (FAMILY_VIEW, parent accounts only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from helhed.cases.views import case_page_context
from helhed.core.errors import Forbidden, HelhedError
from helhed.core.forms import add_service_error
from helhed.core.permissions import Perm, requires

from . import policies, selectors, services
from .forms import LinkCreateForm

BACKEND = "helhed.core.auth.HelhedModelBackend"


def _links_page(request, data: selectors.CaseLinks, form: LinkCreateForm, *, status: int = 200, **extra):
    return render(
        request,
        "family/case_links.html",
        case_page_context(data.access, data=data, form=form, tab="parents", **extra),
        status=status,
    )


@requires(Perm.CASE_WORK)
@require_http_methods(["GET", "POST"])
@never_cache
def case_links(request, case_id: int):
    """Forældreadgang: the case's links to the parents' view, and a new one for a custody holder."""
    data = selectors.case_parent_links(actor=request.user, case_id=case_id)
    form = LinkCreateForm(request.POST or None, holders=data.holders)
    if request.method != "POST":
        return _links_page(request, data, form)
    if not data.can_write:
        raise Forbidden(_("Kun sagens rådgivere kan give forældre adgang, og kun på en åben sag."), code="forbidden")
    if not form.is_valid():
        return _links_page(request, data, form, status=400)
    try:
        created = services.parent_link_create(
            actor=request.user,
            case_id=data.access.case.pk,
            person_id=form.cleaned_data["person_id"],
            submission_key=form.cleaned_data.get("submission_key"),
        )
    except HelhedError as exc:
        if exc.status_code in (403, 404):
            raise
        add_service_error(form, exc)
        return _links_page(request, data, form, status=exc.status_code)
    url = request.build_absolute_uri(reverse("family:login", args=[created.token]))
    return render(
        request,
        "family/link_created.html",
        case_page_context(data.access, link=created.link, url=url, tab="parents"),
        status=201,
    )


@requires(Perm.CASE_WORK)
@require_POST
def link_revoke(request, case_id: int, link_id: int):
    try:
        link = services.parent_link_revoke(actor=request.user, case_id=case_id, link_id=link_id)
    except HelhedError as exc:
        if exc.status_code in (403, 404):
            raise
        data = selectors.case_parent_links(actor=request.user, case_id=case_id)
        return _links_page(
            request, data, LinkCreateForm(holders=data.holders), status=exc.status_code, action_error=exc.message
        )
    messages.success(request, _("Linket til %(name)s er trukket tilbage.") % {"name": link.person.full_name})
    return redirect("family:case_links", case_id=case_id)


@requires(Perm.PUBLIC)
@require_http_methods(["GET", "POST"])
@never_cache
def link_login(request, token: str):
    """The parent's one-time link: GET checks it and offers 'Log ind'; POST uses it and logs the parent in."""
    if request.method == "GET":
        try:
            selectors.link_for_login(token)
        except HelhedError as exc:
            if exc.code == "link_used" and selectors.is_own_link(request.user, token):
                return redirect("family:home")
            return _refused(request, exc)
        return render(request, "family/login.html", {"hours": int(policies.LINK_LIFETIME.total_seconds() // 3600)})
    try:
        user = services.parent_link_use(token=token)
    except HelhedError as exc:
        if exc.code == "link_used" and selectors.is_own_link(request.user, token):
            return redirect("family:home")  # a double click on 'Log ind'
        return _refused(request, exc)
    login(request, user, backend=BACKEND)
    return redirect("family:home")


def _refused(request, exc: HelhedError):
    return render(request, "family/login_refused.html", {"message": exc.message}, status=exc.status_code)


@requires(Perm.FAMILY_VIEW)
@never_cache
def home(request):
    """Min familie: every child the parent may see."""
    return render(request, "family/home.html", {"data": selectors.family_overview(actor=request.user)})


@requires(Perm.FAMILY_VIEW)
@never_cache
def child(request, case_id: int):
    parent, view = selectors.family_child(actor=request.user, case_id=case_id)
    return render(request, "family/child.html", {"parent": parent, "c": view})
