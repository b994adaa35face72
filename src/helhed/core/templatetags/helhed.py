"""Template helpers: render a form widget with Det Fælles Designsystem's classes and ARIA links."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

_CLASS = {
    "select": "form-select",
    "selectmultiple": "form-select",
    "checkbox": "form-checkbox",
    "file": "form-file-input",
}


@register.filter
def dkfds(bound_field):
    widget = bound_field.field.widget
    kind = getattr(widget, "input_type", None) or widget.__class__.__name__.lower()
    css = _CLASS.get(kind, "form-input")
    attrs = {"class": f"{css} {widget.attrs.get('class', '')}".strip()}
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.id_for_label}-hint")
    if bound_field.errors:
        described.append(f"{bound_field.id_for_label}-error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return bound_field.as_widget(attrs=attrs)


# What the data protection officer reads instead of internal model names.
_OBJECT_LABELS = {
    "cases.case": _("Sag"),
    "cases.journalnote": _("Journalnotat"),
    "cases.journaladdendum": _("Tilføjelse til notat"),
    "cases.document": _("Dokument"),
    "cases.teammember": _("Teammedlem"),
    "cases.breakglassgrant": _("Nødadgang"),
    "people.person": _("Person"),
    "people.relation": _("Familie og netværk"),
    "people.enrolment": _("Skole/dagtilbud"),
    "people.personmerge": _("Sammenlægning af personer"),
    "core.auditevent": _("Adgangslog"),
    "core.apitoken": _("API-nøgle"),
    "auth": _("Login"),
    "organisation.user": _("Medarbejderkonto"),
    "organisation.membership": _("Tilknytning til enhed"),
    "organisation.unit": _("Enhed"),
    "organisation.district": _("Bydel"),
    "organisation.administration": _("Forvaltning"),
    "organisation.staffimport": _("Import af medarbejdere"),
    "organisation.unitsimport": _("Import af enheder"),
    "concerns.concern": _("Underretning"),
    "meetings.meeting": _("Møde"),
    "meetings.minutesitem": _("Punkt i mødereferat"),
    "meetings.decision": _("Beslutning"),
    "plans.plan": _("Barnets plan"),
    "plans.planversion": _("Version af barnets plan"),
    "plans.plangoal": _("Mål i barnets plan"),
    "plans.planreview": _("Opfølgning på barnets plan"),
    "concerns.concernassessment": _("Vurdering af underretning"),
    "concerns.concernletter": _("Brev til underretter"),
    "concerns.concernattachment": _("Bilag til underretning"),
    "deadlines.deadline": _("Frist"),
    "deadlines.compliance": _("Overholdelse af frister"),
    "flow.casestage": _("Sagens trin"),
    "flow.handover": _("Overdragelse"),
    "consent.consent": _("Samtykke"),
    "consent.disclosure": _("Videregivelse til anden forvaltning"),
    "family.parentlink": _("Forældrenes login-link"),
    "family.parentaccount": _("Forældrekonto"),
    "counselling.anonymouscounselling": _("Anonym rådgivning"),
    "counselling.counsellingcontact": _("Kontakt i anonym rådgivning"),
    "counselling.statistics": _("Statistik for anonym rådgivning"),
    "interventions.provider": _("Leverandør af tilbud"),
    "interventions.offer": _("Tilbud i tilbudsviften"),
    "interventions.referral": _("Ansøgning om tilbud"),
    "interventions.grant": _("Bevilling af tilbud"),
    "interventions.budget": _("Budget"),
    "detection.absenceday": _("Skolefravær (import)"),
    "detection.absenceimport": _("Import af skolefravær"),
    "detection.absencealert": _("Fraværsalarm"),
    "detection.followupmeeting": _("Møde med forældre (tidlig opsporing)"),
    "detection.flagged": _("Elever med bekymrende fravær"),
    "detection.unschooled": _("Børn uden skole"),
    "screening.instrument": _("Screeningsskema"),
    "screening.screening": _("Screening"),
    "screening.pilotschool": _("Skole i screeningspilot"),
    "screening.classreview": _("Klassegennemgang"),
    "screening.classreviewentry": _("Elev i klassegennemgang"),
    "screening.evaluation": _("Evaluering af screeningspiloten"),
}


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (None when missing or not a mapping)."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def object_label(object_type: str) -> str:
    return str(_OBJECT_LABELS.get(object_type, object_type))
