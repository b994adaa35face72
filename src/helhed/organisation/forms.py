from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helhed.core.forms import DateInput

from .imports import STAFF_COLUMNS, UNIT_COLUMNS, max_bytes, megabytes
from .models import AdministrationCode, District, ProfessionalTitle, Role, Unit, UnitKind


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


def _active_units():
    return Unit.objects.filter(active=True).order_by("name")


class StaffSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Søg på navn, brugernavn eller e-mail"),
        max_length=100,
        required=False,
        help_text=_("Fx 'Rikke' eller 'rikke.raadgiver'. Søgningen logges."),
    )


class UnitForm(forms.Form):
    code = forms.CharField(
        label=_("Kode"),
        max_length=30,
        help_text=_("Kort og entydig, fx BFE-NORD. Koden bruges i importfiler og kan ikke ændres bagefter."),
    )
    name = forms.CharField(label=_("Navn"), max_length=160)
    kind = forms.ChoiceField(label=_("Type"), choices=UnitKind.choices)
    administration = forms.ChoiceField(label=_("Forvaltning"), choices=AdministrationCode.choices)
    district = forms.ModelChoiceField(
        label=_("Bydel"),
        queryset=District.objects.all(),
        required=False,
        help_text=_("Den bydel enheden dækker. Lad feltet stå tomt for enheder, der dækker hele kommunen."),
    )
    parent = UnitChoiceField(
        label=_("Overenhed"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("Fx den børnefamilieenhed, som en undersøgelses- eller handlegruppe hører under."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = _active_units()


class StaffForm(forms.Form):
    username = forms.CharField(
        label=_("Brugernavn"),
        max_length=150,
        help_text=_("Det navn medarbejderen logger ind med. Bogstaver, tal og @ . + - _ uden mellemrum."),
    )
    first_name = forms.CharField(label=_("Fornavn(e)"), max_length=150)
    last_name = forms.CharField(label=_("Efternavn"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    title = forms.ChoiceField(
        label=_("Faglig titel"),
        choices=[("", _("Ingen"))] + list(ProfessionalTitle.choices),
        required=False,
        help_text=_("Kun for fagpersoner, fx lærer eller sundhedsplejerske."),
    )
    unit = UnitChoiceField(label=_("Enhed"), queryset=Unit.objects.none())
    role = forms.ChoiceField(label=_("Rolle"), choices=Role.choices)
    valid_from = forms.DateField(
        label=_("Gælder fra"),
        initial=timezone.localdate,
        widget=DateInput(),
    )
    password = forms.CharField(
        label=_("Adgangskode"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Mindst 12 tegn. Lad feltet stå tomt, hvis medarbejderen først skal have en adgangskode senere; "
            "så kan kontoen ikke logge ind endnu."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _active_units()


class MembershipForm(forms.Form):
    unit = UnitChoiceField(label=_("Enhed"), queryset=Unit.objects.none())
    role = forms.ChoiceField(label=_("Rolle"), choices=Role.choices)
    valid_from = forms.DateField(
        label=_("Gælder fra"),
        initial=timezone.localdate,
        widget=DateInput(),
    )
    valid_to = forms.DateField(
        label=_("Sidste dag"),
        required=False,
        widget=DateInput(),
        help_text=_("Lad feltet stå tomt, hvis tilknytningen gælder indtil videre."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _active_units()


class MembershipEndForm(forms.Form):
    valid_to = forms.DateField(
        label=_("Sidste dag"),
        initial=timezone.localdate,
        widget=DateInput(),
        help_text=_(
            "Tilknytningen gælder til og med denne dag. Vælg gårsdagens dato, hvis adgangen skal ophøre med det samme."
        ),
    )


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label=_("Begrundelse"),
        max_length=200,
        help_text=_("Fx 'fratrådt 31.08' eller 'orlov'. Begrundelsen skrives i loggen."),
    )


class PasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Ny adgangskode"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Mindst 12 tegn, ikke kun tal og ikke en almindelig adgangskode."),
    )
    password2 = forms.CharField(
        label=_("Gentag adgangskoden"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("De to adgangskoder er ikke ens. Skriv den samme kode i begge felter."))
        return data


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Hvad indeholder filen?"),
        choices=[("staff", _("Medarbejdere")), ("units", _("Enheder"))],
        widget=forms.RadioSelect,
    )
    file = forms.FileField(label=_("CSV-fil"))
    skip_bad_lines = forms.BooleanField(
        label=_("Spring fejlbehæftede linjer over"),
        required=False,
        help_text=_(
            "Uden flueben importeres intet, hvis bare én linje har fejl. Med flueben importeres de gode linjer, "
            "og du får en liste over dem, der blev sprunget over."
        ),
    )

    columns = {"staff": ";".join(STAFF_COLUMNS), "units": ";".join(UNIT_COLUMNS)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "En CSV-fil gemt som UTF-8, med semikolon eller komma mellem felterne. Højst %(max)s MB."
        ) % {"max": megabytes(max_bytes())}
