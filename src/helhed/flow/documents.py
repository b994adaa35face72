"""The letter to the custody holders when a handover is accepted: who their new contact person is and how to
reach them (WeasyPrint, always Danish: it is part of the case file)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from helhed.people.selectors import custody_holders

from .models import Handover


def new_contact_letter(handover: Handover) -> bytes:
    from weasyprint import HTML

    case = handover.case
    with translation.override("da"):
        html = render_to_string(
            "flow/pdf/new_contact.html",
            {
                "case": case,
                "child": case.child,
                "holders": custody_holders(case.child),
                "contact": handover.to_caseworker,
                "unit": handover.to_unit,
                "municipality": settings.HELHED_MUNICIPALITY_NAME,
                "today": timezone.localdate(),
                "demo": settings.DEMO_MODE,
            },
        )
    return HTML(string=html).write_pdf()
