"""Receipt and feedback letters to a notifier, rendered from templates to PDF with WeasyPrint.

The letters say only what BL § 137 lets a notifier know: that the report was received (and when), and
later whether it led to a child assessment or to support. Never the family's situation, the reasons or
the other reports. Letters are always written in Danish (they are part of the case file)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import policies
from .models import Concern, LetterKind


def render_pdf(concern: Concern, kind: str, *, decision: str | None = None) -> bytes:
    from weasyprint import HTML

    with translation.override("da"):
        context = {
            "concern": concern,
            "municipality": settings.HELHED_MUNICIPALITY_NAME,
            # Signed by the family unit, not a group within it: the letter must not tell the notifier which
            # group already works with the child.
            "unit": concern.receiving_unit.parent or concern.receiving_unit,
            "today": timezone.localdate(),
            "received_local": timezone.localtime(concern.received_at),
            "outcome": policies.feedback_outcome(decision or "") if kind == LetterKind.FEEDBACK else "",
            "demo": settings.DEMO_MODE,
        }
        html = render_to_string(f"concerns/letters/{kind}.html", context)
    return HTML(string=html).write_pdf()


def filename(concern: Concern, kind: str) -> str:
    word = "kvittering" if kind == LetterKind.RECEIPT else "tilbagemelding"
    return f"{word}-{concern.reference}.pdf"
