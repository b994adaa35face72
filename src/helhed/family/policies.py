"""Pure rules of the parents' view: the one-time token (only its SHA-256 is stored), the link's life and state,
and the Danish answers to a link that cannot be used. No ORM, no I/O."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from helhed.core.errors import HelhedError, NotFound

# How long an unused link can be used. In production the link would reach the parent by Digital Post (and the
# login be MitID); the demo shows it to the caseworker, who hands it on.
LINK_LIFETIME = timedelta(hours=72)
TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 characters, 256 bits
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,128}$")


class LinkState(StrEnum):
    ACTIVE = "active"  # not used yet and not expired: it can log the parent in
    USED = "used"  # used and not revoked: the parent's access to the case
    EXPIRED = "expired"  # never used in time
    REVOKED = "revoked"  # taken back by the caseworker (used or not)


STATE_LABELS = {
    LinkState.ACTIVE: _("Ikke brugt endnu"),
    LinkState.USED: _("Brugt – giver adgang til forældrevisningen"),
    LinkState.EXPIRED: _("Udløbet uden at være brugt"),
    LinkState.REVOKED: _("Trukket tilbage"),
}


class LinkNotUsable(HelhedError):
    """A link that was used, has expired or was revoked (HTTP 410 Gone: it will not work again)."""

    status_code = 410


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def well_formed(raw: str | None) -> bool:
    return bool(raw) and bool(_TOKEN.match(raw or ""))


def expires_at(created_at: datetime) -> datetime:
    return created_at + LINK_LIFETIME


def link_state(*, expires_at: datetime, used_at: datetime | None, revoked_at: datetime | None, now: datetime) -> str:
    if revoked_at is not None:
        return LinkState.REVOKED
    if used_at is not None:
        return LinkState.USED
    if now >= expires_at:
        return LinkState.EXPIRED
    return LinkState.ACTIVE


def gives_access(state: str) -> bool:
    """A used, unrevoked link is the parent's access to the case (while the case is open and custody holds)."""
    return state == LinkState.USED


def can_revoke(state: str) -> bool:
    return state in (LinkState.ACTIVE, LinkState.USED)


def unknown_link() -> NotFound:
    return NotFound(
        _(
            "Linket findes ikke. Tjek, at du har kopieret hele linket. Ellers kan du bede din kontaktperson i "
            "kommunen om et nyt link."
        ),
        code="unknown_link",
    )


def login_refusal(state: str) -> LinkNotUsable | None:
    """The Danish answer to a link that cannot log anyone in, or None when it can."""
    if state == LinkState.USED:
        return LinkNotUsable(
            _("Linket er allerede brugt. Et link kan kun bruges én gang. Bed din kontaktperson i kommunen om et nyt."),
            code="link_used",
        )
    if state == LinkState.EXPIRED:
        return LinkNotUsable(
            _("Linket er udløbet. Et link gælder i %(hours)s timer. Bed din kontaktperson i kommunen om et nyt.")
            % {"hours": int(LINK_LIFETIME.total_seconds() // 3600)},
            code="link_expired",
        )
    if state == LinkState.REVOKED:
        return LinkNotUsable(
            _("Kommunen har trukket linket tilbage. Kontakt din kontaktperson i kommunen, hvis du har spørgsmål."),
            code="link_revoked",
        )
    return None


def no_longer_valid() -> LinkNotUsable:
    """The link is fine, but the person no longer holds custody or the case is closed."""
    return LinkNotUsable(
        _("Linket kan ikke bruges længere. Kontakt din kontaktperson i kommunen, hvis du har spørgsmål."),
        code="link_not_valid",
    )
