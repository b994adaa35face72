"""Request id, second-factor enforcement and the login requirement."""

from __future__ import annotations

import logging
import re
import time
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
        if request_audit.needs_seal and _seal_due():
            # Seal the pending audit events into the hash chain when the server closes the response (after
            # the body has gone to the client), so the chain lock is never on the user's wait. Under load a
            # process seals at most every AUDIT_SEAL_INTERVAL seconds, one batch for many requests; events
            # in between are sealed by the next due request or `helhed audit seal` (cron). A failure leaves
            # the events unsealed for the next seal; nothing is lost.
            response._resource_closers.append(_seal_quietly)
        return response


_last_seal: float | None = None  # None: this process has not sealed yet (the first request always seals)


def _seal_due() -> bool:
    global _last_seal
    now = time.monotonic()
    if _last_seal is not None and now - _last_seal < settings.AUDIT_SEAL_INTERVAL:
        return False
    _last_seal = now
    return True


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


def _contains_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_nul(v) for v in value)
    return False


def _request_has_nul(request) -> bool:
    """A NUL character anywhere in the query, the form or a JSON body. PostgreSQL cannot store it (a 500),
    and no person types it, so the request is refused before it reaches a view."""
    sources = [request.GET, request.POST] if request.method == "POST" else [request.GET]
    for data in sources:
        for key in data:
            if "\x00" in key or any("\x00" in v for v in data.getlist(key)):
                return True
    if request.content_type == "application/json" and request.body:
        import json

        try:
            return _contains_nul(json.loads(request.body))
        except ValueError:
            return False  # not JSON: the API says so itself
    return False


class HelhedErrorMiddleware:
    """A HelhedError that escapes a view becomes a page with its message and its 4xx status (JSON under
    /api/). Input with a NUL character and a wrong HTTP method get the same kind of Danish answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405:
            from django.utils.translation import gettext as _

            allowed = response.get("Allow", "")
            message = _("Siden kan ikke bruges med metoden %(method)s. Tilladte metoder: %(allowed)s.") % {
                "method": request.method,
                "allowed": allowed or "-",
            }
            replacement = self._error(request, message, 405, code="method_not_allowed")
            if allowed:
                replacement["Allow"] = allowed
            return replacement
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _request_has_nul(request):
            from django.utils.translation import gettext as _

            return self._error(
                request,
                _("Teksten indeholder et ugyldigt tegn (NUL-tegnet). Fjern det, fx ved at skrive teksten igen."),
                400,
                code="invalid",
            )
        return None

    def process_exception(self, request, exception):
        from .errors import HelhedError

        if isinstance(exception, HelhedError):
            return self._error(request, exception.message, exception.status_code, code=exception.code)
        return None

    @staticmethod
    def _error(request, message, status: int, *, code: str):
        if request.path.startswith("/api/"):
            from django.http import JsonResponse

            return JsonResponse({"detail": str(message), "code": code, "field": None}, status=status)
        from django.shortcuts import render

        return render(request, "error.html", {"message": message, "status": status}, status=status)


class DanishFirstLocaleMiddleware(LocaleMiddleware):
    """Danish unless the user has chosen English with the language switch. A browser's Accept-Language
    is ignored: a municipal system speaks Danish by default, whatever the PC's language is."""

    def process_request(self, request):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()
