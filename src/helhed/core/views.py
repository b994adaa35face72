"""Login with second factor, language, health, error pages, and the data protection officer's pages."""

from __future__ import annotations

import base64
import csv
from io import BytesIO
from urllib.parse import urlparse

from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from helhed.people import policies as cpr_policies
from helhed.people.crypto import lookup_hash
from helhed.people.models import Person

from . import audit, mfa, selectors
from .forms import AuditActorForm, AuditPersonForm, LoginForm, TokenForm
from .models import AuditAction
from .permissions import Perm, requires


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    parsed = urlparse(target)
    if target.startswith("/") and not target.startswith("//") and not parsed.netloc:
        return target
    return default


@requires(Perm.PUBLIC)
@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.user.is_authenticated:
        return redirect("cases:home")
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
            if getattr(request, "axes_locked_out", False):
                form.add_error(
                    None,
                    _(
                        "Kontoen er midlertidigt spærret efter for mange forkerte forsøg. "
                        "Prøv igen om 30 minutter, eller kontakt din administrator."
                    ),
                )
                status = 403
            elif user is None:
                form.add_error(None, _("Forkert brugernavn eller adgangskode. Tjek stavningen og prøv igen."))
                audit.record(
                    actor=None,
                    action=AuditAction.LOGIN_FAILED,
                    object_type="auth",
                    detail={"username": form.cleaned_data["username"][:150]},
                )
                status = 400
            else:
                login(request, user, backend="helhed.core.auth.HelhedModelBackend")
                audit.record(actor=user, action=AuditAction.LOGIN, object_type="auth")
                return redirect(_safe_next(request, reverse("cases:home")))
        else:
            status = 400
    return render(request, "core/login.html", {"form": form, "next": _safe_next(request, "")}, status=status)


@requires(Perm.AUTHENTICATED)
@require_POST
def logout_view(request):
    audit.record(actor=request.user, action=AuditAction.LOGOUT, object_type="auth")
    logout(request)
    return redirect("core:login")


@requires(Perm.AUTHENTICATED)
@require_http_methods(["GET", "POST"])
def totp_verify(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = mfa.totp_verify(user=request.user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request, reverse("cases:home")))
        form.add_error("token", _("Koden er forkert eller udløbet. Skriv den kode, appen viser nu."))
    return render(
        request,
        "core/totp_verify.html",
        {"form": form, "next": _safe_next(request, "")},
        status=400 if request.method == "POST" else 200,
    )


def _qr_svg(uri: str) -> str:
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage)
    buf = BytesIO()
    img.save(buf)
    return buf.getvalue().decode()


@requires(Perm.AUTHENTICATED)
@require_http_methods(["GET", "POST"])
def totp_setup(request):
    device = mfa.totp_device_pending(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if mfa.totp_device_confirm(user=request.user, device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            messages.success(request, _("To-faktor-login er slået til."))
            return redirect("cases:home")
        form.add_error("token", _("Koden passer ikke. Tjek at telefonens ur er rigtigt, og prøv den nye kode."))
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "core/totp_setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": secret,
        },
        status=400 if request.method == "POST" else 200,
    )


@requires(Perm.PUBLIC)
def health(request):
    return HttpResponse("ok", content_type="text/plain")


# -- data protection officer --------------------------------------------------------------------------


def _person_from_form(data) -> int | None:
    if data.get("person"):
        return int(data["person"])
    parsed = cpr_policies.parse(data["cpr"])
    person = Person.objects.filter(cpr_hash=lookup_hash(parsed.number)).order_by("merged_into").first()
    return person.pk if person else None


@requires(Perm.AUDIT_READ)
def audit_home(request):
    return render(
        request,
        "core/audit_home.html",
        {
            "person_form": AuditPersonForm(),
            "actor_form": AuditActorForm(),
            "break_glass": selectors.break_glass_events(actor=request.user, limit=50),
        },
    )


@requires(Perm.AUDIT_READ)
def audit_person(request):
    form = AuditPersonForm(request.GET or None)
    events, person = [], None
    status = 200
    if request.GET:
        if form.is_valid():
            try:
                person_id = _person_from_form(form.cleaned_data)
            except cpr_policies.InvalidCpr as exc:
                form.add_error("cpr", str(exc))
                person_id = None
            if person_id:
                person = Person.objects.filter(pk=person_id).first()
            if person is None and form.is_valid():
                form.add_error(None, _("Ingen person fundet. Tjek person-id eller CPR-nummer."))
            if person is not None:
                events = selectors.events_for_person(
                    actor=request.user,
                    person_id=person.pk,
                    date_from=form.cleaned_data.get("date_from"),
                    date_to=form.cleaned_data.get("date_to"),
                )
        if form.errors:
            status = 400
    return render(request, "core/audit_person.html", {"form": form, "events": events, "person": person}, status=status)


def _csv_cell(value) -> str:
    """Text typed by staff (reasons, search criteria) must not run as a formula when the export is opened in a
    spreadsheet (CSV injection): a cell that starts like a formula is written as text."""
    text = str(value or "")
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


@requires(Perm.AUDIT_READ)
def audit_person_export(request, person_id: int):
    """GDPR art. 15: the log of every use of one person's data, as CSV for the reply to the citizen."""
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise Http404
    events = selectors.events_for_person(actor=request.user, person_id=person.pk, limit=100000, purpose="art15")
    audit.record(
        actor=request.user,
        action=AuditAction.EXPORT,
        obj=person,
        persons=[person],
        detail={"export": "access_log_csv", "rows": len(events)},
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="adgangslog-person-{person.pk}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("Tidspunkt"),
            _("Bruger"),
            _("Handling"),
            _("Kanal"),
            _("Objekt"),
            _("Begrundelse"),
            _("Søgekriterium"),
            _("Forespørgsel"),
        ]
    )
    for e in events:
        writer.writerow(
            [
                e.at.astimezone().isoformat(timespec="seconds"),
                _csv_cell(e.actor_username),
                e.get_action_display(),
                e.get_channel_display(),
                f"{e.object_type} {e.object_id}".strip(),
                _csv_cell(e.reason),
                _csv_cell(e.criterion),
                e.request_id,
            ]
        )
    return response


@requires(Perm.AUDIT_READ)
def audit_actor(request):
    form = AuditActorForm(request.GET or None)
    events, subject_user = [], None
    status = 200
    if request.GET:
        if form.is_valid():
            subject_user = get_user_model().objects.filter(username=form.cleaned_data["username"]).first()
            if subject_user is None:
                form.add_error("username", _("Der findes ingen bruger med det brugernavn."))
            else:
                events = selectors.events_for_actor(
                    actor=request.user,
                    user_id=subject_user.pk,
                    date_from=form.cleaned_data.get("date_from"),
                    date_to=form.cleaned_data.get("date_to"),
                )
        if form.errors:
            status = 400
    return render(
        request, "core/audit_actor.html", {"form": form, "events": events, "subject_user": subject_user}, status=status
    )


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_403(request, exception=None):
    message = getattr(exception, "message", None) or _("Du har ikke adgang til denne side.")
    return render(request, "403.html", {"message": message}, status=403)


def error_500(request):
    return render(request, "500.html", status=500)


def csrf_failure(request, reason=""):
    """A refused form post (expired page or missing security token), in plain Danish."""
    return render(
        request,
        "error.html",
        {
            "message": _(
                "Formularen kunne ikke sendes, fordi siden er for gammel eller din session er udløbet. "
                "Genindlæs siden, og prøv igen."
            ),
            "status": 403,
        },
        status=403,
    )


@requires(Perm.AUTHENTICATED)
def help_index(request):
    from . import help as guides

    return render(request, "core/help_index.html", {"guides": guides.guides()})


@requires(Perm.AUTHENTICATED)
def help_page(request, slug: str):
    from . import help as guides

    page = guides.guide(slug)
    if page is None:
        raise Http404
    return render(request, "core/help_page.html", {"guide": page})
