"""Forms of screening and class review. Shape only; the services decide."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from helhed.concerns.models import Awareness, ConcernCategory
from helhed.core.forms import DateInput

from . import policies
from .models import ConcernLevel, NextStep
from .services import ConcernReportIn, MarkIn, MeetingIn

_NO_CPR = _("Skriv ikke CPR-numre i teksten.")


class InstrumentForm(forms.Form):
    """A new instrument version: YAML pasted into the text field, or a .yaml file."""

    yaml_text = forms.CharField(
        label=_("Instrumentet som YAML"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        help_text=_(
            "Kopiér den nyeste version nedenfor, ret den, og sæt versionsnummeret én op. Felterne er key, version, "
            "title, purpose (formål), legal_basis (hjemmel), scales, items med answers og weight, og thresholds."
        ),
    )
    yaml_file = forms.FileField(label=_("Eller vælg en YAML-fil"), required=False)

    def clean(self):
        data = super().clean()
        upload = data.get("yaml_file")
        if upload is not None:
            if upload.size > policies.YAML_MAX_BYTES:
                raise forms.ValidationError(_("Filen er for stor (højst 200 kB)."))
            try:
                data["yaml_text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("Filen er ikke en tekstfil i UTF-8. Gem den som UTF-8, og prøv igen."))
        if not (data.get("yaml_text") or "").strip():
            raise forms.ValidationError(_("Indsæt instrumentets YAML, eller vælg en fil."))
        return data


class PilotForm(forms.Form):
    school = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    active = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")


class StartForm(forms.Form):
    """Step one of a new screening: the class and the instrument (GET)."""

    klass = forms.ChoiceField(label=_("Klasse"), help_text=_("Kun klasser på skoler, der er med i pilotprojektet."))
    instrument = forms.ChoiceField(label=_("Screeningsinstrument"))

    def __init__(self, *args, classes=(), instruments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["klass"].choices = [("", _("Vælg klasse"))] + [
            (c.value, f"{c.school_name} – {c.grade}") for c in classes
        ]
        self.fields["instrument"].choices = [(str(i.pk), f"{i.title} (version {i.version})") for i in instruments]


def item_field(key: str) -> str:
    return f"item_{key}"


class ScreeningForm(forms.Form):
    """Step two: the pupil, every item's answer, the professional's judgement and next step."""

    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    klass = forms.CharField(widget=forms.HiddenInput, max_length=60)
    instrument = forms.IntegerField(widget=forms.HiddenInput)
    person = forms.TypedChoiceField(
        label=_("Elev"), coerce=int, error_messages={"required": _("Vælg eleven."), "invalid_choice": _("Vælg eleven.")}
    )
    judgement = forms.CharField(
        label=_("Din faglige vurdering"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Skriv med dine egne ord, hvad du ser, og hvad du mener. Scoren er kun en hjælp – det er din vurdering, "
            "der tæller. Skriv ikke CPR-numre."
        ),
    )
    next_step = forms.ChoiceField(
        label=_("Næste skridt"),
        choices=NextStep.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text=_("Intet sker af sig selv: vælger du underretning eller et møde, skal du selv sætte det i gang."),
    )
    next_step_note = forms.CharField(
        label=_("Uddyb næste skridt"), required=False, max_length=500, help_text=_("Skal udfyldes ved 'Andet'.")
    )

    def __init__(self, *args, pupils=(), definition: policies.InstrumentDef | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        person = self.fields["person"]
        assert isinstance(person, forms.ChoiceField)
        person.choices = [("", _("Vælg elev"))] + [(p.pk, p.full_name) for p in pupils]
        self.items = []
        if definition is not None:
            for n, item in enumerate(definition.items, start=1):
                name = item_field(item.key)
                self.fields[name] = forms.ChoiceField(
                    label=f"{n}. {item.text}",
                    choices=[(a.key, a.label) for a in item.answers],
                    widget=forms.RadioSelect,
                    required=False,
                )
                self.items.append(self[name])

    def answers(self) -> dict[str, str]:
        return {
            name[len("item_") :]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("item_") and value
        }


class ReviewNewForm(forms.Form):
    klass = forms.ChoiceField(label=_("Klasse"))
    review_date = forms.DateField(label=_("Dato for gennemgangen"), widget=DateInput(), initial=timezone.localdate)
    note = forms.CharField(
        label=_("Deltagere og fælles aftaler"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Fx hvem der var med (lærer, skolesocialrådgiver, PPR), og hvad I aftalte for hele klassen."),
    )

    def __init__(self, *args, classes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["klass"].choices = [("", _("Vælg klasse"))] + [
            (c.value, f"{c.school_name} – {c.grade}") for c in classes
        ]


class MarksForm(forms.Form):
    """Every pupil of the class in one form: concern level, agreed next step, a short note."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.pupil_rows = []
        for row in rows:
            pk = row.person.pk
            entry = row.entry
            self.fields[f"level_{pk}"] = forms.ChoiceField(
                label=_("Bekymring"),
                choices=ConcernLevel.choices,
                initial=entry.level if entry else ConcernLevel.NONE,
            )
            self.fields[f"step_{pk}"] = forms.ChoiceField(
                label=_("Næste skridt"), choices=NextStep.choices, initial=entry.next_step if entry else NextStep.NONE
            )
            self.fields[f"note_{pk}"] = forms.CharField(
                label=_("Note"), required=False, max_length=1000, initial=entry.note if entry else ""
            )
            self.pupil_rows.append((row, self[f"level_{pk}"], self[f"step_{pk}"], self[f"note_{pk}"]))

    def marks(self) -> list[MarkIn]:
        d = self.cleaned_data
        return [
            MarkIn(
                person_id=row.person.pk,
                level=d[f"level_{row.person.pk}"],
                next_step=d[f"step_{row.person.pk}"],
                note=d.get(f"note_{row.person.pk}") or "",
            )
            for row, *_fields in self.pupil_rows
        ]


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ConcernForm(forms.Form):
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    description = forms.CharField(
        label=_("Hvad har I set og hørt?"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=format_lazy(
            "{} {}", _("Beskriv det konkret, og skriv hvad I aftalte i klassegennemgangen."), _NO_CPR
        ),
        error_messages={"required": _("Beskriv hvad I har set og hørt, som gør jer bekymrede.")},
    )
    categories = forms.MultipleChoiceField(
        label=_("Hvad drejer bekymringen sig om?"),
        choices=ConcernCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Vælg mindst én kategori for bekymringen.")},
    )
    child_knows = forms.ChoiceField(
        label=_("Ved barnet, at I underretter?"),
        choices=Awareness.choices,
        widget=forms.RadioSelect,
        initial=Awareness.UNKNOWN,
    )
    parents_know = forms.ChoiceField(
        label=_("Ved forældrene, at I underretter?"),
        choices=Awareness.choices,
        widget=forms.RadioSelect,
        initial=Awareness.UNKNOWN,
    )

    def report_in(self) -> ConcernReportIn:
        d = self.cleaned_data
        return ConcernReportIn(
            description=d["description"],
            categories=list(d["categories"]),
            child_knows=d["child_knows"],
            parents_know=d["parents_know"],
        )


_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class MeetingForm(forms.Form):
    day = forms.DateField(label=_("Dato"), widget=DateInput())
    start = forms.TimeField(label=_("Fra kl."), widget=_TIME)
    end = forms.TimeField(label=_("Til kl."), widget=_TIME)
    location = forms.CharField(label=_("Sted"), max_length=200, help_text=_("Fx skolens mødelokale."))
    parents = forms.CharField(
        label=_("Forældre, der inviteres"), max_length=300, required=False, help_text=_("Navnene på forældrene.")
    )
    staff = forms.TypedMultipleChoiceField(
        label=_("Medarbejdere, der deltager"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Du kommer selv med på mødet."),
    )
    note = forms.CharField(label=_("Formål med mødet"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [(u.pk, u.get_full_name() or u.username) for u in staff]

    def meeting_in(self) -> MeetingIn:
        d = self.cleaned_data
        tz = timezone.get_current_timezone()
        return MeetingIn(
            starts_at=timezone.make_aware(datetime.combine(d["day"], d["start"]), tz),
            ends_at=timezone.make_aware(datetime.combine(d["day"], d["end"]), tz),
            location=d["location"],
            parents=d.get("parents") or "",
            staff_ids=list(d.get("staff") or []),
            note=d.get("note") or "",
        )


class EvaluationForm(forms.Form):
    instrument = forms.ChoiceField(label=_("Instrument"), required=False)

    def __init__(self, *args, instruments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [(str(i.pk), f"{i.title} (version {i.version})") for i in instruments]
