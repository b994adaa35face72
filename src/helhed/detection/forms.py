"""Forms of early detection: the absence upload, booking the meeting with the parents, and the follow-up steps."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from helhed.meetings.forms import MeetingTimesForm


class AbsenceUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Fraværsfil"),
        help_text=_(
            "CSV (semikolon eller komma; UTF-8 eller Latin-1) eller Parquet fra skolens system. Første linje: "
            "cpr;institutionsnummer;dato;fravaerstype;fravaer_dage. Fraværstype er sygdom, lovligt eller ulovligt; "
            "fravær i hele dage (0,5 = en halv dag) eller i lektioner (kolonnerne fravaer_lektioner og lektioner)."
        ),
    )
    skip_bad_lines = forms.BooleanField(
        label=_("Spring fejlbehæftede linjer over og importér resten"),
        required=False,
        help_text=_("Ellers importeres intet, hvis blot én linje er forkert."),
    )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class MeetingBookForm(MeetingTimesForm):
    location = forms.CharField(label=_("Sted"), max_length=200, help_text=_("Fx skolens mødelokale."))
    parents = forms.CharField(
        label=_("Forældre der inviteres"),
        max_length=300,
        required=False,
        help_text=_("Navnene på forældrene. Invitationen til dem sendes som skolen plejer (brev, Aula)."),
    )
    staff = forms.TypedMultipleChoiceField(
        label=_("Medarbejdere der inviteres"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Skolens medarbejdere og barnets sagsteam. Mødet kommer i deres 'Mine møder'."),
    )
    note = forms.CharField(label=_("Formål og dagsorden"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, staff_users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [(u.pk, u.get_full_name() or u.username) for u in staff_users]


class ReasonForm(VersionForm):
    reason = forms.CharField(label=_("Begrundelse"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class PlanForm(VersionForm):
    plan = forms.CharField(
        label=_("Den aftalte plan"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Hvad skolen, forældrene og eleven gør, og hvornår I følger op."),
    )


class MeetingHeldForm(forms.Form):
    note = forms.CharField(label=_("Referat (kort)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class MeetingCancelForm(forms.Form):
    reason = forms.CharField(label=_("Hvorfor aflyses mødet?"), max_length=2000)
