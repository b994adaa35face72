"""Forms for consents and sharing. Shape only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helhed.cases.forms import ShareBasisFields
from helhed.core.forms import DateInput
from helhed.organisation.models import AdministrationCode

from .models import InfoKind


class ConsentForm(forms.Form):
    given_by = forms.TypedMultipleChoiceField(
        label=_("Givet af"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ved fælles forældremyndighed skal begge forældre give samtykke."),
    )
    given_on = forms.DateField(label=_("Givet den"), widget=DateInput())
    administrations = forms.MultipleChoiceField(
        label=_("Må videregives til"), choices=AdministrationCode.choices, widget=forms.CheckboxSelectMultiple
    )
    unit_ids = forms.TypedMultipleChoiceField(
        label=_("Kun til disse enheder"),
        coerce=int,
        required=False,
        help_text=_("Vælg ingen for at lade samtykket gælde alle enheder i de valgte forvaltninger."),
    )
    info_kinds = forms.MultipleChoiceField(
        label=_("Oplysninger"), choices=InfoKind.choices, widget=forms.CheckboxSelectMultiple
    )
    purpose = forms.CharField(label=_("Formål"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    valid_from = forms.DateField(
        label=_("Gyldigt fra"),
        widget=DateInput(),
        initial=timezone.localdate,
    )
    valid_to = forms.DateField(
        label=_("Gyldigt til"),
        required=False,
        widget=DateInput(),
        help_text=_("Typisk ét år eller til sagen lukkes."),
    )
    document_id = forms.TypedChoiceField(
        label=_("Underskrevet samtykke (dokument på sagen)"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, holders=(), units=(), documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["given_by"].choices = [(p.pk, p.full_name) for p in holders]
        self.fields["unit_ids"].choices = [(u.pk, f"{u.name} ({u.administration.code})") for u in units]
        self.fields["document_id"].choices = [("", "—")] + [(d.pk, d.title) for d in documents]


class WithdrawForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Hvem tilbagekaldte, og hvordan"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SharePendingForm(ShareBasisFields):
    unit = forms.IntegerField(widget=forms.HiddenInput)
