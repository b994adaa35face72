"""Forms for reports of concern: the in-app report, the public form, and the reception's actions.

The forms only parse what the browser sent; every rule (at least something about the child, a received
time not in the future, a real attachment, ...) is the service's, so the API refuses the same input."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from helhed.core.forms import DateInput

from .models import Awareness, Channel, ConcernCategory, Decision, LetterKind, NotifierKind
from .policies import ACUTE_CHECKLIST
from .services import AssessmentIn, ReportIn

# -- widgets --------------------------------------------------------------------------------------------


class RadioSelect(forms.RadioSelect):
    """Radio buttons whose label id points at the first option, so an error summary can link to the group."""

    def id_for_label(self, id_, index=None):
        return super().id_for_label(id_, "0" if index is None else index)


class CheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    def id_for_label(self, id_, index=None):
        return super().id_for_label(id_, "0" if index is None else index)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files from one <input type=file multiple>."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [f for f in (single(d, initial) for d in data if d) if f]
        result = single(data, initial)
        return [result] if result else []


YES_NO = [("yes", _("Ja")), ("no", _("Nej"))]
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _attachments_help() -> str:
    return _("Fx en observation eller et billede. PDF, billeder og kontorfiler, højst %(n)s filer.") % {
        "n": settings.CONCERN_MAX_ATTACHMENTS
    }


# -- the report -----------------------------------------------------------------------------------------


class _ReportBase(forms.Form):
    """What every report says about the child and the worry."""

    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    child_cpr = forms.CharField(
        label=_("Barnets CPR-nummer"),
        max_length=11,
        required=False,
        help_text=_("10 cifre, fx 010203-1234. Kender du det ikke, så skriv navn, fødselsdato eller adresse."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    child_first_name = forms.CharField(label=_("Barnets fornavn"), max_length=120, required=False)
    child_last_name = forms.CharField(label=_("Barnets efternavn"), max_length=120, required=False)
    child_birth_date = forms.DateField(
        label=_("Barnets fødselsdato"),
        required=False,
        widget=DateInput(),
    )
    child_address = forms.CharField(label=_("Barnets adresse"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Hvad har du set og hørt?"),
        help_text=_(
            "Beskriv det konkret: hvad skete der, hvornår, og hvad sagde barnet. Skriv det du ved, ikke gætterier."
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Beskriv hvad du har set og hørt, som gør dig bekymret.")},
    )
    categories = forms.MultipleChoiceField(
        label=_("Hvad drejer bekymringen sig om?"),
        choices=ConcernCategory.choices,
        widget=CheckboxSelectMultiple,
        help_text=_(
            "Vælg en eller flere. Vold og seksuelle overgreb sætter underretningen på det akutte spor: "
            "modtagelsen handler samme dag."
        ),
        error_messages={
            "required": _("Vælg mindst én kategori for bekymringen."),
            "invalid_choice": _("Ukendt kategori: %(value)s. Vælg en eller flere kategorier fra listen."),
        },
    )
    child_knows = forms.ChoiceField(
        label=_("Ved barnet, at du underretter?"),
        choices=Awareness.choices,
        widget=RadioSelect,
        initial=Awareness.UNKNOWN,
        required=False,
    )
    parents_know = forms.ChoiceField(
        label=_("Ved forældrene, at du underretter?"),
        choices=Awareness.choices,
        widget=RadioSelect,
        initial=Awareness.UNKNOWN,
        required=False,
    )
    attachments = MultipleFileField(label=_("Bilag"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = _attachments_help()

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        if len(files) > settings.CONCERN_MAX_ATTACHMENTS:
            raise forms.ValidationError(
                _("Du kan højst vedhæfte %(n)s filer.") % {"n": settings.CONCERN_MAX_ATTACHMENTS}
            )
        return files

    def _report_fields(self) -> dict:
        d = self.cleaned_data
        return {
            "description": d["description"],
            "categories": list(d["categories"]),
            "child_cpr": d.get("child_cpr") or "",
            "child_first_name": d.get("child_first_name") or "",
            "child_last_name": d.get("child_last_name") or "",
            "child_birth_date": d.get("child_birth_date"),
            "child_address": d.get("child_address") or "",
            "child_knows": d.get("child_knows") or Awareness.UNKNOWN,
            "parents_know": d.get("parents_know") or Awareness.UNKNOWN,
            "attachments": list(d.get("attachments") or []),
        }


# The channels a reception worker can register a report from (the public form and the API are their own).
RECEPTION_CHANNELS = [
    (Channel.IN_APP, _("Jeg underretter selv")),
    (Channel.PHONE, Channel.PHONE.label),
    (Channel.LETTER, Channel.LETTER.label),
    (Channel.EMAIL, Channel.EMAIL.label),
]


class ReportForm(_ReportBase):
    """'Underret om et barn' inside Helhed. A reception worker can also register a report that came in by
    phone, letter or secure e-mail, with who sent it and when it arrived."""

    notifier_unit = forms.TypedChoiceField(
        label=_("Du underretter fra"), coerce=int, required=False, help_text=_("Den enhed du underretter fra.")
    )
    notifier_phone = forms.CharField(
        label=_("Dit telefonnummer"),
        max_length=30,
        required=False,
        help_text=_("Så modtagelsen kan ringe, hvis de har spørgsmål."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    # Only for the reception (Perm.CONCERN_RECEIVE): a report that arrived another way.
    channel = forms.ChoiceField(
        label=_("Hvordan kom underretningen ind?"),
        choices=RECEPTION_CHANNELS,
        widget=RadioSelect,
        initial=Channel.IN_APP,
        required=False,
    )
    received_at = forms.DateTimeField(
        label=_("Modtaget (dato og klokkeslæt)"),
        required=False,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text=_("Hvornår underretningen kom til kommunen. 24-timersfristen regnes herfra."),
    )
    notifier_kind = forms.ChoiceField(
        label=_("Underretteren er"),
        choices=NotifierKind.choices,
        widget=RadioSelect,
        required=False,
        initial=NotifierKind.PROFESSIONAL,
    )
    notifier_name = forms.CharField(label=_("Underretterens navn"), max_length=160, required=False)
    notifier_role = forms.CharField(
        label=_("Underretterens stilling"), max_length=120, required=False, help_text=_("Fx lærer eller læge.")
    )
    notifier_email = forms.EmailField(
        label=_("Underretterens e-mail"),
        required=False,
        help_text=_("Kvitteringen sendes hertil."),
        error_messages={"invalid": _("E-mailadressen er ikke gyldig. Skriv den som navn@eksempel.dk.")},
    )

    RECEPTION_FIELDS = ("channel", "received_at", "notifier_kind", "notifier_name", "notifier_role", "notifier_email")

    def __init__(self, *args, units=(), receiver: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.receiver = receiver
        unit_field = self.fields["notifier_unit"]
        assert isinstance(unit_field, forms.ChoiceField)
        unit_field.choices = [(u.pk, u.name) for u in units]
        self.show_units = len(units) > 1
        if not self.show_units:
            del self.fields["notifier_unit"]
        if not receiver:
            for name in self.RECEPTION_FIELDS:
                del self.fields[name]

    def report_in(self) -> ReportIn:
        d = self.cleaned_data
        data = ReportIn(**self._report_fields())
        data.notifier_phone = d.get("notifier_phone") or ""
        data.notifier_unit_id = d.get("notifier_unit") or None
        if self.receiver:
            data.channel = d.get("channel") or Channel.IN_APP
            data.received_at = d.get("received_at")
            if data.channel != Channel.IN_APP:
                data.notifier_kind = d.get("notifier_kind") or NotifierKind.PROFESSIONAL
                data.notifier_name = d.get("notifier_name") or ""
                data.notifier_role = d.get("notifier_role") or ""
                data.notifier_email = d.get("notifier_email") or ""
        return data


class PublicReportForm(_ReportBase):
    """The public form (/underret/) for citizens and professionals without a Helhed account."""

    notifier_kind = forms.ChoiceField(
        label=_("Hvem er du?"),
        choices=[
            (NotifierKind.PROFESSIONAL, _("Fagperson (fx lærer, pædagog, læge)")),
            (NotifierKind.CITIZEN, _("Borger (fx nabo, familie, ven)")),
            (NotifierKind.ANONYMOUS, _("Jeg vil være anonym")),
        ],
        widget=RadioSelect,
        help_text=_("Er du anonym, gemmer vi intet om dig, og du får ingen kvittering."),
        error_messages={"required": _("Vælg om du er fagperson, borger eller anonym.")},
    )
    notifier_name = forms.CharField(label=_("Dit navn"), max_length=160, required=False)
    notifier_role = forms.CharField(
        label=_("Din stilling eller relation til barnet"),
        max_length=120,
        required=False,
        help_text=_("Fx lærer, læge, nabo eller moster."),
    )
    notifier_email = forms.EmailField(
        label=_("Din e-mail"),
        required=False,
        help_text=_("Så vi kan sende dig en kvittering."),
        error_messages={"invalid": _("E-mailadressen er ikke gyldig. Skriv den som navn@eksempel.dk.")},
    )
    notifier_phone = forms.CharField(
        label=_("Dit telefonnummer"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    # The honeypot: hidden from people by CSS, filled in by bots.
    website = forms.CharField(
        label=_("Lad dette felt være tomt"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    @property
    def is_bot(self) -> bool:
        return bool((self.data.get("website") or "").strip())

    def report_in(self) -> ReportIn:
        d = self.cleaned_data
        return ReportIn(
            **self._report_fields(),
            notifier_kind=d["notifier_kind"],
            notifier_name=d.get("notifier_name") or "",
            notifier_role=d.get("notifier_role") or "",
            notifier_email=d.get("notifier_email") or "",
            notifier_phone=d.get("notifier_phone") or "",
            channel=Channel.PUBLIC_FORM,
        )


# -- the reception's actions --------------------------------------------------------------------------


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AssignForm(VersionedForm):
    pass


_OPEN_CASE_LABEL = _("Åbn sag i modtagelsen, hvis barnet ikke har en")
_OPEN_CASE_HELP = _("Sagen oprettes i den enhed, der modtog underretningen, med dig som ansvarlig rådgiver.")


class MatchForm(VersionedForm):
    """Find the child by CPR number or name (action "search"), then choose them (action "match")."""

    query = forms.CharField(
        label=_("Søg barnet på CPR-nummer eller navn"),
        max_length=100,
        required=False,
        help_text=_("Fx '010203-1234' eller 'Karla Jensen'. Søgningen logges."),
    )
    person_id = forms.IntegerField(label=_("Barnet"), min_value=1, required=False)
    open_case = forms.BooleanField(label=_OPEN_CASE_LABEL, required=False, help_text=_OPEN_CASE_HELP)


class NewChildForm(VersionedForm):
    """Create the child from what the report says (a CPR number given in the report is used)."""

    first_name = forms.CharField(label=_("Fornavn(e)"), max_length=120)
    last_name = forms.CharField(label=_("Efternavn"), max_length=120)
    birth_date = forms.DateField(label=_("Fødselsdato"), required=False, widget=DateInput())
    no_cpr_reason = forms.CharField(
        label=_("Hvis intet CPR-nummer: hvorfor"),
        max_length=200,
        required=False,
        initial=_("Ukendt ved modtagelsen"),
    )
    address = forms.CharField(label=_("Adresse"), max_length=200, required=False)
    open_case = forms.BooleanField(label=_OPEN_CASE_LABEL, required=False, help_text=_OPEN_CASE_HELP)

    def new_person(self) -> dict:
        d = self.cleaned_data
        return {
            "first_name": d["first_name"],
            "last_name": d["last_name"],
            "birth_date": d.get("birth_date"),
            "address": d.get("address") or "",
            "no_cpr_reason": d.get("no_cpr_reason") or "",
        }


class AssessmentForm(VersionedForm):
    acute_danger = forms.ChoiceField(
        label=_("Er barnet i akut fare?"),
        choices=YES_NO,
        widget=RadioSelect,
        error_messages={"required": _("Svar på, om barnet er i akut fare.")},
    )
    acute_measures = forms.CharField(
        label=_("Akutte foranstaltninger"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Skal udfyldes, hvis barnet er i akut fare: hvad er sat i gang, og hvornår."),
    )
    decision = forms.ChoiceField(
        label=_("Beslutning"),
        choices=[("", _("Vælg beslutning")), *Decision.choices],
        help_text=_("Screening, afdækning og børnefaglig undersøgelse fortsætter på barnets sag."),
        error_messages={"required": _("Vælg en beslutning.")},
    )
    reasoning = forms.CharField(
        label=_("Begrundelse"),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Skriv begrundelsen for vurderingen.")},
        help_text=_("Begrundelsen står i sagen. Underretteren får den aldrig at se (barnets lov § 137)."),
    )
    police_involved = forms.BooleanField(label=_("Politiet er inddraget"), required=False)
    childrens_house_involved = forms.BooleanField(label=_("Børnehuset er inddraget"), required=False)
    parents_informed = forms.BooleanField(label=_("Forældrene er orienteret om underretningen"), required=False)
    parents_not_informed_reason = forms.CharField(
        label=_("Hvis forældrene ikke er orienteret: hvorfor"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Fx fordi politiet skal høres først."),
    )

    def assessment_in(self) -> AssessmentIn:
        d = self.cleaned_data
        return AssessmentIn(
            acute_danger=d["acute_danger"] == "yes",
            decision=d["decision"],
            reasoning=d.get("reasoning") or "",
            acute_measures=d.get("acute_measures") or "",
            police_involved=bool(d.get("police_involved")),
            childrens_house_involved=bool(d.get("childrens_house_involved")),
            parents_informed=bool(d.get("parents_informed")),
            parents_not_informed_reason=d.get("parents_not_informed_reason") or "",
        )


class ChecklistForm(forms.Form):
    code = forms.ChoiceField(choices=[(s.code, s.text) for s in ACUTE_CHECKLIST], widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class LetterForm(forms.Form):
    kind = forms.ChoiceField(choices=LetterKind.choices)


class CloseForm(VersionedForm):
    reason = forms.CharField(
        label=_("Afslutning (valgfri)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Vis"),
        required=False,
        choices=[
            ("", _("Åbne (modtaget og vurderet)")),
            ("received", _("Modtaget")),
            ("assessed", _("Vurderet")),
            ("closed", _("Afsluttet")),
        ],
    )
