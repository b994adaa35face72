from django import forms
from django.utils.translation import gettext_lazy as _

from helhed.core.forms import DateInput
from helhed.organisation.models import District

from .models import RelationKind


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Søg på navn, CPR-nummer eller journalnummer"),
        max_length=100,
        help_text=_("Fx 'Jensen', '010203-1234' eller '27.24.00-G01-5-24'. Søgningen logges."),
    )


class PersonForm(forms.Form):
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    first_name = forms.CharField(label=_("Fornavn(e)"), max_length=120)
    last_name = forms.CharField(label=_("Efternavn"), max_length=120)
    cpr = forms.CharField(
        label=_("CPR-nummer"),
        max_length=11,
        required=False,
        help_text=_("10 cifre, fx 010203-1234. Lad feltet stå tomt, hvis personen ikke har et."),
    )
    no_cpr_reason = forms.CharField(
        label=_("Hvis intet CPR-nummer: hvorfor"),
        max_length=200,
        required=False,
        help_text=_("Fx 'ukendt endnu' eller 'udenlandsk statsborger'."),
    )
    birth_date = forms.DateField(
        label=_("Fødselsdato (kun uden CPR-nummer)"),
        required=False,
        widget=DateInput(),
    )
    address = forms.CharField(label=_("Adresse"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postnummer"), max_length=4, required=False)
    city = forms.CharField(label=_("By"), max_length=80, required=False)
    district = forms.ModelChoiceField(label=_("Bydel"), queryset=District.objects.all(), required=False)


class RelationForm(forms.Form):
    relative = forms.IntegerField(label=_("Person-id for den pårørende"), min_value=1)
    kind = forms.ChoiceField(label=_("Relation"), choices=RelationKind.choices)
    note = forms.CharField(label=_("Bemærkning"), max_length=200, required=False)


class MergeForm(forms.Form):
    duplicate = forms.IntegerField(
        label=_("Person-id på dubletten"),
        min_value=1,
        help_text=_("Dubletten lægges ind under denne person. Det kan fortrydes."),
    )
    reason = forms.CharField(label=_("Begrundelse"), widget=forms.Textarea(attrs={"rows": 3}))
