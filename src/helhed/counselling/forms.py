"""Forms of open, anonymous counselling. Shape only; the services decide (and refuse CPR numbers)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from helhed.core.forms import DateInput

from .models import AgeBand, Channel, ConsentRelation, ContactBy, CounsellingStatus, Topic
from .services import ConsentIn, ContactIn, CounsellingIn, NewChild

_NO_IDENTITY = _("Skriv ingen navne, adresser, CPR-numre, telefonnumre eller e-mailadresser.")


class ContactFields(forms.Form):
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    occurred_on = forms.DateField(
        label=_("Dato for kontakten"),
        widget=DateInput(),
        initial=timezone.localdate,
    )
    channel = forms.ChoiceField(label=_("Kanal"), choices=[("", _("Vælg kanal")), *Channel.choices])
    duration_minutes = forms.IntegerField(
        label=_("Varighed i minutter"),
        min_value=1,
        max_value=600,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    summary = forms.CharField(
        label=_("Kort resumé af samtalen"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_NO_IDENTITY,
    )

    def contact_in(self) -> ContactIn:
        d = self.cleaned_data
        return ContactIn(
            occurred_on=d["occurred_on"],
            channel=d["channel"],
            duration_minutes=d["duration_minutes"],
            summary=d["summary"],
        )


class CounsellingForm(ContactFields):
    """A new course with its first contact."""

    unit = forms.TypedChoiceField(label=_("Rådgivning"), coerce=int, required=False)
    pseudonym = forms.CharField(
        label=_("Kaldenavn"),
        max_length=80,
        help_text=format_lazy(
            "{} {}", _('Et navn, der ikke afslører, hvem familien er, fx "Pigen med cyklen".'), _NO_IDENTITY
        ),
    )
    age_band = forms.ChoiceField(
        label=_("Barnets eller den unges alder"), choices=[("", _("Vælg alder")), *AgeBand.choices]
    )
    contact_by = forms.ChoiceField(
        label=_("Hvem henvendte sig"),
        choices=ContactBy.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Vælg hvem der henvendte sig.")},
    )
    topics = forms.MultipleChoiceField(
        label=_("Emner"),
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Vælg mindst ét emne.")},
    )

    field_order = ["unit", "pseudonym", "age_band", "contact_by", "topics"]

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]
        self.show_unit = len(units) > 1

    def counselling_in(self) -> CounsellingIn:
        d = self.cleaned_data
        return CounsellingIn(
            pseudonym=d["pseudonym"],
            age_band=d["age_band"],
            contact_by=d["contact_by"],
            topics=list(d["topics"]),
            unit_id=d.get("unit") or None,
            first_contact=self.contact_in(),
        )


class ContactForm(ContactFields):
    pass


class StatusForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Bemærkning"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_NO_IDENTITY,
    )


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Åbne")), *[c for c in CounsellingStatus.choices if c[0] != "open"], ("all", _("Alle"))],
    )
    age_band = forms.ChoiceField(label=_("Alder"), required=False, choices=[("", _("Alle aldre")), *AgeBand.choices])
    topic = forms.ChoiceField(label=_("Emne"), required=False, choices=[("", _("Alle emner")), *Topic.choices])

    def filters(self) -> dict:
        if not self.is_valid():  # an unknown value is ignored: the open courses are shown
            return {"status": CounsellingStatus.OPEN, "age_band": None, "topic": None}
        d = self.cleaned_data
        status = d.get("status") or CounsellingStatus.OPEN
        return {
            "status": None if status == "all" else status,
            "age_band": d.get("age_band") or None,
            "topic": d.get("topic") or None,
        }


class ChildSearchForm(forms.Form):
    query = forms.CharField(
        label=_("Søg barnet på CPR-nummer eller navn"),
        max_length=100,
        help_text=_("Fx '010203-1234' eller 'Karla Jensen'. Søgningen logges."),
    )


NEW = "new"


class ConvertForm(forms.Form):
    """The handover: the child (found by search, or created), the consent, and where the case is opened."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)
    child = forms.CharField(required=False, max_length=20)  # a person id from the search, or "new"
    first_name = forms.CharField(label=_("Fornavn(e)"), max_length=120, required=False)
    last_name = forms.CharField(label=_("Efternavn"), max_length=120, required=False)
    cpr = forms.CharField(
        label=_("CPR-nummer"), max_length=11, required=False, help_text=_("10 cifre, fx 010203-1234.")
    )
    no_cpr_reason = forms.CharField(
        label=_("Hvis intet CPR-nummer: hvorfor"), max_length=200, required=False, help_text=_("Fx 'ukendt endnu'.")
    )
    consent_given = forms.BooleanField(
        label=_("Familien har givet samtykke til, at forløbet bliver en sag med navn og CPR-nummer"), required=False
    )
    consent_name = forms.CharField(label=_("Samtykke givet af (navn)"), max_length=160, required=False)
    consent_relation = forms.ChoiceField(
        label=_("Relation til barnet"), required=False, choices=[("", _("Vælg relation")), *ConsentRelation.choices]
    )
    consent_on = forms.DateField(label=_("Dato for samtykket"), required=False, widget=DateInput())
    consent_text = forms.CharField(
        label=_("Hvad familien har givet samtykke til"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Fx 'At forløbet overdrages til en sag i rådgivningen, og at vi må tale med skolen.'"),
    )
    responsible_unit = forms.TypedChoiceField(label=_("Sagen oprettes i"), coerce=int)
    responsible_caseworker = forms.TypedChoiceField(label=_("Ansvarlig rådgiver"), coerce=int)

    def __init__(self, *args, units=(), caseworkers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_unit"].choices = [(u.pk, u.name) for u in units]
        self.fields["responsible_caseworker"].choices = [(u.pk, u.get_full_name() or u.username) for u in caseworkers]

    def consent_in(self) -> ConsentIn | None:
        d = self.cleaned_data
        if not d.get("consent_given"):
            return None
        return ConsentIn(
            given_by=d.get("consent_name") or "",
            relation=d.get("consent_relation") or "",
            given_on=d.get("consent_on"),
            text=d.get("consent_text") or "",
        )

    def child_choice(self) -> tuple[int | None, NewChild | None]:
        d = self.cleaned_data
        choice = (d.get("child") or "").strip()
        if choice == NEW or (not choice and (d.get("first_name") or d.get("last_name"))):
            return None, NewChild(
                first_name=d.get("first_name") or "",
                last_name=d.get("last_name") or "",
                cpr=(d.get("cpr") or "").strip() or None,
                no_cpr_reason=d.get("no_cpr_reason") or "",
            )
        if choice.isdigit():
            return int(choice), None
        return None, None
