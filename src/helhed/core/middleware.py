"""Request id, second-factor enforcement and the login requirement."""

from __future__ import annotations

import logging
import re
import uuid

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from .audit import flush
from .context import RequestAudit, channel_var, request_audit_var, request_id_var

logger = logging.getLogger(__name__)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id (or keep a proxy's X-Request-ID) for the audit log and the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        rid = request_id_var.set(request.request_id)
        ch = channel_var.set("api" if request.path.startswith("/api/") else "ui")
        request_audit = RequestAudit()
        token = request_audit_var.set(request_audit)
        try:
            response = self.get_response(request)
            flush(request_audit)
        finally:
            request_id_var.reset(rid)
            channel_var.reset(ch)
            request_audit_var.reset(token)
        response["X-Request-ID"] = request.request_id
        if request_audit.needs_seal:
            # Seal this request's audit events into the hash chain once, when the server closes the
            # response (after the body has gone to the client), so the chain lock is never on the
            # user's wait. A failure leaves the events unsealed for the next seal; nothing is lost.
            response._resource_closers.append(_seal_quietly)
        return response


def _seal_quietly() -> None:
    from .audit import seal_pending

    try:
        seal_pending()
    except Exception:  # noqa: BLE001 - the events stay unsealed and are sealed by the next request
        logger.exception("Audit sealing failed; events stay unsealed until the next seal")


class LoginRequiredEverywhereMiddleware(LoginRequiredMiddleware):
    """Django's login requirement for every view; the API does its own (token or session) auth."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


_MFA_EXEMPT_PREFIXES = ("/konto/totp/", "/logout/", "/static/", "/login/", "/i18n/", "/api/")


class SecondFactorMiddleware:
    """Leaders, administrators and the data protection officer must pass a TOTP second factor
    (outside demo mode). Everyone who has set one up must use it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_MFA_EXEMPT_PREFIXES)
            and not user.is_verified()
        ):
            from .mfa import has_confirmed_device, mfa_required

            if has_confirmed_device(user):
                return redirect(f"{reverse('core:totp_verify')}?next={request.path}")
            if mfa_required(user) and not settings.DEMO_MODE:
                return redirect("core:totp_setup")
        return self.get_response(request)


class HelhedErrorMiddleware:
    """A HelhedError that escapes a view becomes a page with its message and its 4xx status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.shortcuts import render

        from .errors import HelhedError

        if isinstance(exception, HelhedError):
            return render(
                request,
                "error.html",
                {"message": exception.message, "status": exception.status_code},
                status=exception.status_code,
            )
        return None


class DanishFirstLocaleMiddleware(LocaleMiddleware):
    """Danish unless the user has chosen English with the language switch. A browser's Accept-Language
    is ignored: a municipal system speaks Danish by default, whatever the PC's language is."""

    def process_request(self, request):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()
