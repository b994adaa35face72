"""Forms for the child's plan. They parse what the browser sent and mark the fields a person must fill in (with
the service's own words); every rule (a known life area, a rating for every goal, the next review no later than
the law allows, …) is the service's, so the API refuses the same input with the same words."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from helhed.core.forms import DateInput
from helhed.organisation.models import AdministrationCode

from . import policies
from .models import Rating
from .services import GoalIn, PlanFieldsIn, RatingIn, ReviewIn

DATE = DateInput()


class RadioSelect(forms.RadioSelect):
    """Radio buttons whose label id points at the first option, so an error summary can link to the group."""

    def id_for_label(self, id_, index=None):
        return super().id_for_label(id_, "0" if index is None else index)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)


class PlanFieldsForm(VersionForm):
    purpose = forms.CharField(
        label=_("Formål med planen"),
        required=False,
        max_length=policies.FREE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kort og i et sprog, barnet og forældrene forstår: hvad skal planen hjælpe med?"),
    )
    youth_note = forms.CharField(
        label=_("Om ungeplanen"),
        required=False,
        max_length=policies.FREE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Den unge er fyldt 16 år. Sæt mål om uddannelse, beskæftigelse, egen bolig eller efterværn, eller skriv "
            "her, hvorfor planen ikke har mål om det (barnets lov § 108)."
        ),
    )
    psychiatry_contact = forms.CharField(
        label=_("Behandlende enhed og kontaktperson i psykiatrien"),
        required=False,
        max_length=policies.NAME_MAX,
        help_text=_("Udfyld, hvis barnet er i behandling i psykiatrien, så planen og behandlingsplanen hænger sammen."),
    )
    psychiatry_plan_date = forms.DateField(label=_("Behandlingsplanens dato"), required=False, widget=DATE)
    psychiatry_next_coordination = forms.DateField(
        label=_("Næste koordinering med psykiatrien"), required=False, widget=DATE
    )

    def __init__(self, *args, youth: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not youth:
            del self.fields["youth_note"]

    def fields_in(self) -> PlanFieldsIn:
        d = self.cleaned_data
        return PlanFieldsIn(
            purpose=d.get("purpose", ""),
            youth_note=d.get("youth_note", ""),
            psychiatry_contact=d.get("psychiatry_contact", ""),
            psychiatry_plan_date=d.get("psychiatry_plan_date"),
            psychiatry_next_coordination=d.get("psychiatry_next_coordination"),
        )


class GoalForm(VersionForm):
    life_area = forms.ChoiceField(label=_("Livsområde"), error_messages={"required": _("Vælg målets livsområde.")})
    text = forms.CharField(
        label=_("Mål"),
        error_messages={"required": _("Skriv målet: hvad skal være anderledes for barnet?")},
        max_length=policies.GOAL_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Hvad skal være anderledes for barnet? Skriv det konkret, fx 'Karla kommer i skole hver dag'."),
    )
    administration = forms.ChoiceField(
        label=_("Ansvarlig forvaltning"),
        error_messages={"required": _("Vælg den forvaltning, der er ansvarlig for målet (SOF, BUF, BIF eller PSY).")},
    )
    responsible_person = forms.ChoiceField(
        label=_("Ansvarlig person"),
        required=False,
        help_text=_("En fra sagens team. Lad feltet stå tomt, hvis forvaltningen endnu ikke har udpeget en."),
    )
    measures = forms.CharField(
        label=_("Indsatser"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Det, der skal ske for at nå målet. Én indsats pr. linje."),
    )
    success = forms.CharField(
        label=_("Sådan ser vi, at målet er nået"),
        required=False,
        max_length=policies.FREE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    child_view = forms.CharField(
        label=_("Barnets egne ord"),
        required=False,
        max_length=policies.FREE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Hvad siger barnet selv om målet? Skriv barnets ord (barnets lov § 5)."),
    )
    parents_view = forms.CharField(
        label=_("Forældrenes syn"),
        required=False,
        max_length=policies.FREE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, youth: bool = False, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        areas = [(a.code, a.label) for a in policies.life_areas(youth=False)]
        choices: list = [("", _("Vælg livsområde"))]
        choices.append((_("Barnets plan"), areas))
        if youth:
            choices.append(
                (_("Ungeplan (fra 16 år)"), [(a.code, a.label) for a in policies.LIFE_AREAS if a.youth]),
            )
        cast(forms.ChoiceField, self.fields["life_area"]).choices = choices
        cast(forms.ChoiceField, self.fields["administration"]).choices = [
            ("", _("Vælg forvaltning")),
            *AdministrationCode.choices,
        ]
        self._people = {str(u.pk): u for u in people}
        cast(forms.ChoiceField, self.fields["responsible_person"]).choices = [("", _("Ingen endnu"))] + [
            (str(u.pk), u.get_full_name() or u.username) for u in people
        ]

    def goal_in(self) -> GoalIn:
        d = self.cleaned_data
        return GoalIn(
            life_area=d.get("life_area", ""),
            text=d.get("text", ""),
            administration=d.get("administration", ""),
            responsible_person=self._people.get(d.get("responsible_person") or ""),
            measures=policies.clean_measures(d.get("measures", "")),
            success=d.get("success", ""),
            child_view=d.get("child_view", ""),
            parents_view=d.get("parents_view", ""),
        )


class ReviewForm(forms.Form):
    """A rating and a note per goal of the approved version, then the next review with its reason."""

    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    note = forms.CharField(
        label=_("Samlet vurdering"),
        required=False,
        max_length=policies.FREE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Hvordan går det samlet set? Hvad siger barnet og forældrene?"),
    )
    next_review_on = forms.DateField(
        label=_("Næste opfølgning senest"),
        error_messages={"required": _("Vælg datoen for den næste opfølgning.")},
        widget=DATE,
        help_text=_(
            "Højst 6 måneder frem (barnets lov § 95). Vælg en tidligere dato, hvis barnets situation kræver det."
        ),
    )
    next_review_reason = forms.CharField(
        label=_("Begrundelse for datoen"),
        error_messages={
            "required": _("Skriv hvorfor den næste opfølgning skal være på den valgte dato (barnets lov § 95).")
        },
        max_length=policies.FREE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Hvorfor netop denne dato? Fx 'Ny skole fra august; vi følger op efter første måned.'"),
    )

    def __init__(self, *args, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        for goal in self.goals:
            self.fields[f"rating_{goal.pk}"] = forms.ChoiceField(
                label=_("Vurdering"),
                choices=Rating.choices,
                error_messages={"required": _("Vælg en vurdering af målet.")},
                widget=RadioSelect,
            )
            self.fields[f"rating_note_{goal.pk}"] = forms.CharField(
                label=_("Note til målet"),
                required=False,
                max_length=policies.FREE_TEXT_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self):
        """(goal, its rating field, its note field) for the template."""
        return [(g, self[f"rating_{g.pk}"], self[f"rating_note_{g.pk}"]) for g in self.goals]

    def review_in(self) -> ReviewIn:
        d = self.cleaned_data
        ratings = [
            RatingIn(goal_id=g.pk, rating=d[f"rating_{g.pk}"], note=d.get(f"rating_note_{g.pk}", ""))
            for g in self.goals
            if d.get(f"rating_{g.pk}")
        ]
        return ReviewIn(
            ratings=ratings,
            next_review_on=d.get("next_review_on"),
            next_review_reason=d.get("next_review_reason", ""),
            note=d.get("note", ""),
        )
