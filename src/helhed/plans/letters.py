"""The plan letter: an approved version of the child's plan as a plain-Danish PDF for the child and the family,
rendered from a template with WeasyPrint (as the letters to notifiers are). Always Danish: it is part of the
case file. It names the child, never the CPR number."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from helhed.cases.models import Case
from helhed.organisation.models import AdministrationCode

from . import policies
from .models import PlanGoal, PlanVersion


def render_pdf(*, case: Case, version: PlanVersion, goals: list[PlanGoal], youth: bool, contact=None) -> bytes:
    """The letter as PDF bytes. `contact` is the parents' contact person on the case team (a TeamMember)."""
    from weasyprint import HTML

    with translation.override("da"):
        context = {
            "case": case,
            "child": case.child,
            "version": version,
            "areas": policies.grouped(goals, youth=False),
            "youth_areas": policies.grouped(goals, youth=True) if youth else [],
            "youth": youth,
            "administrations": dict(AdministrationCode.choices),
            "contact": contact,
            "municipality": settings.HELHED_MUNICIPALITY_NAME,
            "unit": case.responsible_unit.parent or case.responsible_unit,
            "today": timezone.localdate(),
            "demo": settings.DEMO_MODE,
        }
        html = render_to_string("plans/letters/plan.html", context)
    return HTML(string=html).write_pdf()


def filename(case: Case, version: PlanVersion) -> str:
    return f"barnets-plan-{case.journal_number}-v{version.number}.pdf"
