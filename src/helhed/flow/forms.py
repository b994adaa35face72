"""Forms of the case flow. Shape only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from helhed.meetings.forms import MeetingTimesForm

from . import policies


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Trin"))
    reason = forms.CharField(label=_("Begrundelse"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, stages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [(s.key, s.title) for s in stages]


class ChecklistMixin(forms.Form):
    def __init__(self, *args, initial_checklist=None, **kwargs):
        super().__init__(*args, **kwargs)
        for item in policies.CHECKLIST:
            done = bool((initial_checklist or {}).get(item.code, {}).get("done"))
            self.fields[f"check_{item.code}"] = forms.BooleanField(label=item.text, required=False, initial=done)

    def checklist(self) -> dict:
        return {item.code: {"done": bool(self.cleaned_data.get(f"check_{item.code}"))} for item in policies.CHECKLIST}

    def checklist_fields(self):
        return [self[f"check_{item.code}"] for item in policies.CHECKLIST]


class ProposeForm(ChecklistMixin):
    to_stage = forms.ChoiceField(label=_("Trin sagen skal til"))
    to_unit = forms.TypedChoiceField(label=_("Modtagende enhed"), coerce=int)
    reason = forms.CharField(label=_("Hvorfor skal sagen overdrages"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, stages=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].choices = [(s.key, s.title) for s in stages]
        self.fields["to_unit"].choices = [(u.pk, u.name) for u in units]


class ChecklistForm(ChecklistMixin):
    version = forms.IntegerField(widget=forms.HiddenInput)


class HandoverMeetingForm(MeetingTimesForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    location = forms.CharField(label=_("Sted"), max_length=200)
    child_name = forms.CharField(label=_("Barnet deltager (navn)"), max_length=160, required=False)
    parent_name = forms.CharField(label=_("Forælder (navn)"), max_length=160)
    parent_email = forms.EmailField(label=_("Forælderens e-mail"), required=False)
    parent2_name = forms.CharField(label=_("Anden forælder (navn)"), max_length=160, required=False)
    parent2_email = forms.EmailField(label=_("Den anden forælders e-mail"), required=False)


class AcceptForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    to_caseworker = forms.TypedChoiceField(label=_("Ny ansvarlig rådgiver og forældrenes kontaktperson"), coerce=int)
    note = forms.CharField(label=_("Bemærkning"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, caseworkers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_caseworker"].choices = [(u.pk, u.get_full_name() or u.username) for u in caseworkers]


class CloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    to_status = forms.ChoiceField(choices=[("rejected", _("Afvis")), ("withdrawn", _("Træk tilbage"))])
    note = forms.CharField(label=_("Begrundelse"), widget=forms.Textarea(attrs={"rows": 2}))
