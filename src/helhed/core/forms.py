from django import forms
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    """A browser date picker. It needs the value as YYYY-MM-DD whatever the UI language (a Danish 22.11.2026 would
    show an empty field), so every date field in Helhed uses this widget."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Brugernavn"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Adgangskode"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Engangskode"),
        min_length=6,
        max_length=8,
        help_text=_("Den 6-cifrede kode fra din godkendelses-app."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class AuditPersonForm(forms.Form):
    person = forms.IntegerField(label=_("Person-id"), min_value=1, required=False)
    cpr = forms.CharField(
        label=_("Eller CPR-nummer"), max_length=11, required=False, help_text=_("10 cifre, med eller uden bindestreg.")
    )
    date_from = forms.DateField(label=_("Fra dato"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Til dato"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        if not data.get("person") and not data.get("cpr"):
            raise forms.ValidationError(_("Skriv et person-id eller et CPR-nummer."))
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("Fra-datoen ligger efter til-datoen."))
        return data


class AuditActorForm(forms.Form):
    username = forms.CharField(label=_("Brugernavn"), max_length=150)
    date_from = forms.DateField(label=_("Fra dato"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Til dato"), required=False, widget=DateInput())


def add_service_error(form, exc) -> None:
    """Show a service's HelhedError on the form: next to its field when the form has it, else on top."""
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
