"""The decision letters of the visitation: granted, refused (with the reasons and the complaint guidance), on the
waiting list, changed and ended. Rendered from a template with WeasyPrint, always in Danish (they are part of the
case file), filed on the case as documents. They name the child, never the CPR number."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from helhed.cases.models import Case

from . import policies
from .models import Offer

_TITLES = {
    "grant": _("Afgørelse: %(offer)s er bevilget"),
    "refuse": _("Afgørelse: afslag på %(offer)s"),
    "waitlist": _("Afgørelse: venteliste til %(offer)s"),
    "change": _("Afgørelse: ændring af %(offer)s"),
    "terminate": _("Afgørelse: %(offer)s ophører"),
}


def title(kind: str, offer: Offer) -> str:
    return str(_TITLES[kind]) % {"offer": offer.name}


def filename(kind: str, case: Case, referral) -> str:
    return f"afgoerelse-{kind}-{case.journal_number}-{referral.pk}.pdf"


def render_pdf(*, kind: str, case: Case, referral, grant=None, change=None, position=None) -> bytes:
    from weasyprint import HTML

    with translation.override("da"):
        context = {
            "kind": kind,
            "title": title(kind, referral.offer),
            "case": case,
            "child": case.child,
            "referral": referral,
            "offer": referral.offer,
            "grant": grant,
            "change": change,
            "position": position,
            "decided_by": change.changed_by if change is not None else referral.decided_by,
            "complaint": policies.complaint_guidance(referral.offer.legal_basis),
            "funding": list(grant.funding.select_related("administration")) if grant is not None else [],
            "municipality": settings.HELHED_MUNICIPALITY_NAME,
            "unit": case.responsible_unit.parent or case.responsible_unit,
            "today": timezone.localdate(),
            "demo": settings.DEMO_MODE,
        }
        html = render_to_string("interventions/letters/decision.html", context)
    return HTML(string=html).write_pdf()
