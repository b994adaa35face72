"""Forms for meetings and decisions. They check shape only; the services decide (times, who may take part, who
may own a decision)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helhed.core.forms import DateInput
from helhed.organisation.models import AdministrationCode

from .models import Attendance, DecisionStatus, MeetingKind, ParticipantKind, Visibility
from .services import DecisionIn, ExternalIn, MeetingIn

_DATE = DateInput()
_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _staff_choices(users) -> list[tuple[int, str]]:
    return [(u.pk, f"{u.get_full_name() or u.username}") for u in users]


class MeetingTimesForm(forms.Form):
    """A meeting's day, start and end as the form shows them; `clean` adds `starts_at` and `ends_at` as aware
    datetimes in the current time zone (the services check them)."""

    day = forms.DateField(label=_("Dato"), widget=_DATE)
    start = forms.TimeField(label=_("Fra kl."), widget=_TIME)
    end = forms.TimeField(label=_("Til kl."), widget=_TIME)

    def clean(self):
        data = super().clean()
        day, start, end = data.get("day"), data.get("start"), data.get("end")
        if day and start and end:
            tz = timezone.get_current_timezone()
            data["starts_at"] = timezone.make_aware(datetime.combine(day, start), tz)
            data["ends_at"] = timezone.make_aware(datetime.combine(day, end), tz)
        return data


class MeetingForm(MeetingTimesForm):
    kind = forms.ChoiceField(label=_("Slags møde"), choices=MeetingKind.choices)
    title = forms.CharField(
        label=_("Titel (valgfri)"), max_length=200, required=False, help_text=_("Uden titel bruges mødets slags.")
    )
    location = forms.CharField(label=_("Sted"), max_length=200, help_text=_("Adresse og lokale, eller 'online'."))
    agenda = forms.CharField(label=_("Dagsorden"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    chair = forms.TypedChoiceField(label=_("Mødeleder"), coerce=int, required=False)
    staff = forms.TypedMultipleChoiceField(
        label=_("Medarbejdere der inviteres"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Kun personer på sagens team kan inviteres. De får invitationen i Helhed og på e-mail."),
    )

    def __init__(self, *args, staff_users=(), chair_default=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = _staff_choices(staff_users)
        self.fields["chair"].choices = choices
        self.fields["staff"].choices = choices
        if chair_default is not None:
            self.fields["chair"].initial = chair_default

    def to_input(self, externals: list[ExternalIn]) -> MeetingIn:
        d = self.cleaned_data
        return MeetingIn(
            kind=d["kind"],
            title=d.get("title", ""),
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            location=d["location"],
            agenda=d.get("agenda", ""),
            chair_id=d.get("chair"),
            staff_ids=list(d.get("staff") or []),
            externals=externals,
        )


class ExternalForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Hvem"),
        required=False,
        choices=[("", _("Vælg")), *[(k, v) for k, v in ParticipantKind.choices if k != ParticipantKind.STAFF]],
    )
    name = forms.CharField(label=_("Navn"), max_length=160, required=False)
    role = forms.CharField(label=_("Rolle (fx mor, psykolog)"), max_length=120, required=False)
    email = forms.EmailField(
        label=_("E-mail"), required=False, help_text=_("Uden e-mail laves et brev med invitationen på sagen.")
    )

    def to_input(self) -> ExternalIn | None:
        d = self.cleaned_data
        if not (d.get("name") or d.get("kind") or d.get("email")):
            return None  # an empty row
        return ExternalIn(
            kind=d.get("kind", ""), name=d.get("name", ""), role=d.get("role", ""), email=d.get("email", "")
        )


ExternalFormSet = forms.formset_factory(ExternalForm, extra=3, max_num=10)


class MinutesForm(forms.Form):
    title = forms.CharField(label=_("Punkt"), max_length=200)
    body = forms.CharField(label=_("Referat"), widget=forms.Textarea(attrs={"rows": 4}))
    visibility = forms.ChoiceField(
        label=_("Hvem må læse punktet"),
        choices=Visibility.choices,
        initial=Visibility.FAMILY,
        help_text=_("Familien får kun de punkter, der er til alle deltagere."),
    )


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Beslutning"), widget=forms.Textarea(attrs={"rows": 3}))
    binding = forms.BooleanField(
        label=_("Bindende beslutning"),
        required=False,
        initial=True,
        help_text=_("En bindende beslutning i Aftaleforum forpligter den ansvarlige forvaltning."),
    )
    owner = forms.TypedChoiceField(label=_("Ansvarlig person"), coerce=int, required=False)
    administration = forms.ChoiceField(
        label=_("Ansvarlig forvaltning"),
        required=False,
        choices=[("", _("Den ansvarliges forvaltning")), *AdministrationCode.choices],
    )
    due_on = forms.DateField(label=_("Frist"), required=False, widget=_DATE)
    visibility = forms.ChoiceField(label=_("Hvem må læse beslutningen"), choices=Visibility.choices)

    def __init__(self, *args, staff_users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("Vælg")), *_staff_choices(staff_users)]
        self.fields["due_on"].initial = timezone.localdate() + timedelta(days=14)

    def to_input(self) -> DecisionIn:
        d = self.cleaned_data
        return DecisionIn(
            text=d["text"],
            owner_id=d.get("owner"),
            due_on=d.get("due_on"),
            administration=d.get("administration") or "",
            binding=bool(d.get("binding")),
            visibility=d["visibility"],
        )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class CancelForm(VersionForm):
    reason = forms.CharField(label=_("Hvorfor aflyses mødet"), widget=forms.Textarea(attrs={"rows": 2}))


class DecisionStatusForm(VersionForm):
    status = forms.ChoiceField(choices=DecisionStatus.choices)
    note = forms.CharField(label=_("Bemærkning"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


ATTENDANCE_CHOICES = [(Attendance.PRESENT, _("Deltog")), (Attendance.ABSENT, _("Deltog ikke"))]
