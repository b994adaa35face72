"""API authentication (bearer tokens, stored hashed; or the browser session) and permission declaration."""

from __future__ import annotations

import hashlib
import inspect
import secrets
from functools import wraps

from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer

from .errors import Forbidden
from .models import ApiToken
from .permissions import Perm, user_has_perm

TOKEN_PREFIX = "hh_"  # noqa: S105 (a prefix, not a secret)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user, name: str = "") -> tuple[ApiToken, str]:
    """Create a token and return it with its clear text (shown once, never stored)."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:10], digest=token_digest(raw))
    return token, raw


def token_revoke(*, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])


class BearerToken(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        if not token or not token.startswith(TOKEN_PREFIX):
            return None
        row = (
            ApiToken.objects.select_related("user").filter(digest=token_digest(token), revoked_at__isnull=True).first()
        )
        if row is None or not row.user.is_active:
            return None
        # last_used_at is informative; update at most once a minute to keep reads cheap.
        now = timezone.now()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


class SessionAuth(APIKeyCookie):
    """The browser session (with Django's CSRF check on unsafe methods)."""

    param_name = "sessionid"

    def _get_key(self, request):
        # Without a session cookie this is not a browser session and there is nothing for CSRF to protect:
        # a program with a missing or revoked token gets the 401 that tells it what to do, not a CSRF error.
        if not request.COOKIES.get(self.param_name):
            return None
        try:
            return super()._get_key(request)
        except HttpError:
            raise Forbidden(
                "Sikkerhedstjekket (CSRF) fejlede. Genindlæs siden og prøv igen, eller brug en API-nøgle.",
                code="csrf",
            )

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # A session that still owes its second factor gets no API access either.
            from django.conf import settings

            from .mfa import has_confirmed_device, mfa_required

            if not user.is_verified() and (
                has_confirmed_device(user) or (mfa_required(user) and not settings.DEMO_MODE)
            ):
                return None
            return user
        return None


API_AUTH = [BearerToken(), SessionAuth()]


def api_requires(perm: Perm):
    """Declare and enforce an API operation's permission (the sweep test checks every operation has one)."""

    def decorator(func):
        @wraps(func)
        def wrapped(request, *args, **kwargs):
            if not user_has_perm(request.auth, perm):
                raise Forbidden("Du har ikke adgang til dette endpoint.", code="forbidden")
            return func(request, *args, **kwargs)

        wrapped.helhed_permission = perm  # type: ignore[attr-defined]
        # ninja evaluates string annotations (`from __future__ import annotations`) in the globals of the
        # function it is given, i.e. this module's, where the operation's schemas do not exist. Hand it
        # the operation's own signature with the annotations already resolved in the operation's module.
        wrapped.__signature__ = inspect.signature(func, eval_str=True)  # type: ignore[attr-defined]
        return wrapped

    return decorator
