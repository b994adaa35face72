"""Double-submit protection for forms that create things (documents, persons).

The form carries a random key in a hidden field; the service claims it inside its own transaction. A
second submit of the same form finds the key taken and gets a clear Danish answer instead of saving a
duplicate. If the first save rolls back, so does the claim, and the form can be sent again.
"""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .errors import Conflict, HelhedError
from .models import SubmissionKey


def claim(*, key: str | None, actor) -> None:
    if not key:
        return
    if len(key) > 64:
        raise HelhedError(_("Formularens nøgle er ugyldig. Genindlæs siden og prøv igen."), field="submission_key")
    try:
        with transaction.atomic():
            SubmissionKey.objects.create(key=key, user=actor if getattr(actor, "pk", None) else None)
    except IntegrityError:
        raise Conflict(
            _("Formularen er allerede sendt, og det er gemt. Du behøver ikke sende den igen."), code="duplicate_submit"
        )


API_KEY_MAX = 64


def api_key(*, actor, header: str | None, scope: str) -> str | None:
    """The key `claim` takes for an API client's Idempotency-Key header: hashed with the operation's scope and the
    user, so another user's key can never block or reveal yours. None when the client sent none."""
    if header is None or header == "":
        return None
    if len(header) > API_KEY_MAX:
        raise HelhedError(
            _("Idempotency-Key må højst være %(n)s tegn. Brug fx et UUID.") % {"n": API_KEY_MAX},
            field="Idempotency-Key",
        )
    return hashlib.sha256(f"{scope}:{actor.pk}:{header}".encode()).hexdigest()
