"""Forms of the intervention catalogue. Shape only: numbers, money and periods are passed on as typed and the
services decide (in the same Danish words as the API)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helhed.core.forms import DateInput
from helhed.organisation.models import AdministrationCode

from . import policies
from .models import OfferKind, PriceUnit, ProviderKind
from .services import (
    BudgetIn,
    DecisionIn,
    FundingIn,
    GrantChangeIn,
    GrantEndIn,
    OfferIn,
    Outcome,
    ProviderIn,
    ReferralIn,
)

FUNDING_ROWS = len(AdministrationCode.choices)  # one row per administration: an edit never drops a share
_NUMBER = {"inputmode": "decimal", "class": "input-width-s"}
_WHOLE = {"inputmode": "numeric", "class": "input-width-xs"}


def plain_number(value) -> str:
    """A stored number as a person types it: decimal comma, no trailing zeros (12000, 50, 1250,5); empty for none."""
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f").replace(".", ",")


def _text_area(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _unit_label(unit) -> str:
    return f"{unit.name} ({unit.administration.code})"


def _step_choices() -> list[tuple[str, str]]:
    return [(str(s.number), f"{s.number}. {s.name}") for s in policies.LADDER]


# -- the catalogue --------------------------------------------------------------------------------------


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("Søg"), max_length=100, required=False, help_text=_("Navn, kode eller målgruppe"))
    kind = forms.ChoiceField(label=_("Type"), required=False)
    step = forms.ChoiceField(label=_("Trin på indsatstrappen"), required=False)
    administration = forms.ChoiceField(label=_("Betales af"), required=False)
    inactive = forms.BooleanField(label=_("Vis også tilbud, der ikke er aktive i dag"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Alle typer")), *OfferKind.choices]
        self.fields["step"].choices = [("", _("Alle trin")), *_step_choices()]
        self.fields["administration"].choices = [("", _("Alle forvaltninger")), *AdministrationCode.choices]

    def filters(self) -> dict:
        """The catalogue's filters; an unknown value is ignored (the whole catalogue is shown)."""
        if not self.is_bound or not self.is_valid():
            return {}
        d = self.cleaned_data
        return {
            "kind": d.get("kind") or "",
            "step": int(d["step"]) if d.get("step") else None,
            "administration": d.get("administration") or "",
            "query": (d.get("q") or "").strip(),
            "active_only": not d.get("inactive"),
        }


class OfferForm(forms.Form):
    """An offer with up to three funding rows (administration, share, optional paying unit); blank rows are left out."""

    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Navn"), max_length=policies.NAME_MAX)
    code = forms.CharField(
        label=_("Kode"),
        max_length=40,
        help_text=_("Kort og unik, med små bogstaver, tal og bindestreger, fx skoleflex-nord."),
    )
    kind = forms.ChoiceField(label=_("Type"), error_messages={"required": _("Vælg hvilken slags tilbud det er.")})
    provider = forms.ChoiceField(label=_("Leverandør"), error_messages={"required": _("Vælg leverandøren.")})
    description = forms.CharField(label=_("Beskrivelse"), required=False, widget=_text_area(4))
    legal_basis = forms.CharField(
        label=_("Lovgrundlag"),
        max_length=120,
        help_text=_("Fx barnets lov § 32, stk. 1, nr. 3, eller folkeskoleloven § 3, stk. 2."),
        error_messages={"required": _("Skriv lovgrundlaget, fx barnets lov § 32.")},
    )
    ladder_step = forms.ChoiceField(
        label=_("Trin på indsatstrappen"),
        error_messages={"required": _("Vælg tilbuddets trin på indsatstrappen.")},
    )
    age_min = forms.CharField(label=_("Alder fra (år)"), max_length=3, initial="0", widget=forms.TextInput(_WHOLE))
    age_max = forms.CharField(label=_("Alder til (år)"), max_length=3, initial="22", widget=forms.TextInput(_WHOLE))
    target_group = forms.CharField(label=_("Målgruppe"), required=False, widget=_text_area(3))
    capacity = forms.CharField(
        label=_("Kapacitet (pladser)"),
        max_length=10,
        required=False,
        help_text=_("Antal pladser på samme tid. Tom, hvis der ikke er et fast antal (fx timer købt efter behov)."),
        widget=forms.TextInput(_WHOLE),
    )
    price = forms.CharField(
        label=_("Pris i kroner"),
        max_length=20,
        help_text=_("Fx 12000 eller 1250,50."),
        error_messages={"required": _("Skriv prisen i kroner (0 eller mere), fx 1250,00.")},
        widget=forms.TextInput(_NUMBER),
    )
    price_unit = forms.ChoiceField(
        label=_("Prisenhed"), error_messages={"required": _("Vælg prisenheden: dag, måned, time eller forløb.")}
    )
    max_duration_months = forms.CharField(
        label=_("Længste varighed (måneder)"),
        max_length=4,
        required=False,
        help_text=_("Fx 12 for en skoleskulkerklasse, der skal være midlertidig. Tom, hvis der ikke er en grænse."),
        widget=forms.TextInput(_WHOLE),
    )
    is_programme = forms.BooleanField(label=_("Programbaseret eller evidensbaseret indsats"), required=False)
    evidence_note = forms.CharField(
        label=_("Evidens"), required=False, widget=_text_area(2), help_text=_("Fx programmets navn og dokumentation.")
    )
    active_from = forms.DateField(
        label=_("Aktiv fra"),
        widget=DateInput(),
        error_messages={"required": _("Skriv datoen, tilbuddet er aktivt fra.")},
    )
    active_to = forms.DateField(label=_("Aktiv til og med"), widget=DateInput(), required=False)

    def __init__(self, *args, providers=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", _("Vælg leverandør")), *[(str(p.pk), p.name) for p in providers]]
        self.fields["kind"].choices = [("", _("Vælg type")), *OfferKind.choices]
        self.fields["ladder_step"].choices = [("", _("Vælg trin")), *_step_choices()]
        self.fields["price_unit"].choices = [("", _("Vælg prisenhed")), *PriceUnit.choices]
        unit_choices = [
            ("", _("Sagens enhed eller forvaltningens budget")),
            *[(str(u.pk), _unit_label(u)) for u in units],
        ]
        for i in range(FUNDING_ROWS):
            n = i + 1
            self.fields[f"funding_{i}_administration"] = forms.ChoiceField(
                label=_("Forvaltning %(n)s") % {"n": n},
                required=False,
                choices=[("", _("Ingen")), *AdministrationCode.choices],
            )
            self.fields[f"funding_{i}_share"] = forms.CharField(
                label=_("Andel i procent %(n)s") % {"n": n},
                max_length=10,
                required=False,
                widget=forms.TextInput(_NUMBER),
            )
            self.fields[f"funding_{i}_unit"] = forms.ChoiceField(
                label=_("Betalende enhed %(n)s") % {"n": n}, required=False, choices=unit_choices
            )

    def funding_rows(self) -> list[tuple]:
        return [
            (self[f"funding_{i}_administration"], self[f"funding_{i}_share"], self[f"funding_{i}_unit"])
            for i in range(FUNDING_ROWS)
        ]

    def funding_in(self) -> list[FundingIn]:
        d = self.cleaned_data
        rows = []
        for i in range(FUNDING_ROWS):
            administration = d.get(f"funding_{i}_administration") or ""
            share = (d.get(f"funding_{i}_share") or "").strip()
            unit = d.get(f"funding_{i}_unit") or None
            if not administration and not share and not unit:
                continue  # a blank row
            rows.append(FundingIn(administration=administration, share=share, paying_unit_id=unit))
        return rows

    def offer_in(self) -> OfferIn:
        d = self.cleaned_data
        return OfferIn(
            code=d["code"].strip(),
            name=d["name"],
            kind=d["kind"],
            provider_id=d["provider"],
            legal_basis=d["legal_basis"],
            ladder_step=d["ladder_step"],
            price=d["price"],
            price_unit=d["price_unit"],
            active_from=d["active_from"],
            funding=self.funding_in(),
            description=d.get("description") or "",
            age_min=d.get("age_min"),
            age_max=d.get("age_max"),
            target_group=d.get("target_group") or "",
            capacity=d.get("capacity") or None,
            max_duration_months=d.get("max_duration_months") or None,
            is_programme=bool(d.get("is_programme")),
            evidence_note=d.get("evidence_note") or "",
            active_to=d.get("active_to"),
        )

    @staticmethod
    def initial_for(offer, funding) -> dict:
        """The form's values for an existing offer."""

        data = {
            "version": offer.version,
            "name": offer.name,
            "code": offer.code,
            "kind": offer.kind,
            "provider": str(offer.provider_id),
            "description": offer.description,
            "legal_basis": offer.legal_basis,
            "ladder_step": str(offer.ladder_step),
            "age_min": str(offer.age_min),
            "age_max": str(offer.age_max),
            "target_group": offer.target_group,
            "capacity": "" if offer.capacity is None else str(offer.capacity),
            "price": plain_number(offer.price),
            "price_unit": offer.price_unit,
            "max_duration_months": "" if offer.max_duration_months is None else str(offer.max_duration_months),
            "is_programme": offer.is_programme,
            "evidence_note": offer.evidence_note,
            "active_from": offer.active_from,
            "active_to": offer.active_to,
        }
        for i, f in enumerate(list(funding)[:FUNDING_ROWS]):
            data[f"funding_{i}_administration"] = f.administration.code
            data[f"funding_{i}_share"] = plain_number(f.share)
            data[f"funding_{i}_unit"] = str(f.paying_unit_id or "")
        return data


class ProviderForm(forms.Form):
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    name = forms.CharField(
        label=_("Navn"), max_length=policies.NAME_MAX, error_messages={"required": _("Skriv leverandørens navn.")}
    )
    kind = forms.ChoiceField(
        label=_("Slags leverandør"),
        choices=ProviderKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Vælg om leverandøren er en kommunal enhed eller en ekstern leverandør.")},
    )
    unit = forms.ChoiceField(
        label=_("Kommunal enhed"), required=False, help_text=_("Kun for en kommunal enhed: enheden, der leverer.")
    )
    cvr = forms.CharField(
        label=_("CVR-nummer"),
        max_length=12,
        required=False,
        help_text=_("Kun for en ekstern leverandør: 8 cifre."),
        widget=forms.TextInput({"inputmode": "numeric", "class": "input-width-s"}),
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("Vælg enhed")), *[(str(u.pk), _unit_label(u)) for u in units]]

    def provider_in(self) -> ProviderIn:
        d = self.cleaned_data
        external = d["kind"] == ProviderKind.EXTERNAL
        return ProviderIn(
            name=d["name"],
            kind=d["kind"],
            unit_id=None if external else (d.get("unit") or None),
            cvr=(d.get("cvr") or "") if external else "",
        )


# -- applications and decisions -------------------------------------------------------------------------


class ApplyForm(forms.Form):
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    offer = forms.ChoiceField(label=_("Tilbud"), error_messages={"required": _("Vælg et tilbud fra tilbudsviften.")})
    goals = forms.MultipleChoiceField(
        label=_("Mål i barnets plan, som tilbuddet skal hjælpe med"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    requested_start = forms.DateField(
        label=_("Ønsket start"), widget=DateInput(), error_messages={"required": _("Skriv startdatoen.")}
    )
    requested_end = forms.DateField(
        label=_("Ønsket slut (sidste dag)"),
        widget=DateInput(),
        error_messages={"required": _("Skriv slutdatoen (den sidste dag).")},
    )
    units = forms.CharField(
        label=_("Omfang"),
        max_length=12,
        initial="1",
        help_text=_("Antal enheder af tilbuddets prisenhed: fx 1 plads, eller 8 timer om måneden."),
        widget=forms.TextInput(_NUMBER),
        error_messages={"required": _("Skriv omfanget som et tal over 0, fx 1.")},
    )
    reason = forms.CharField(
        label=_("Begrundelse"),
        max_length=policies.TEXT_MAX,
        widget=_text_area(5),
        help_text=_("Hvorfor har barnet brug for tilbuddet, og hvad skal det hjælpe med?"),
        error_messages={"required": _("Skriv hvorfor barnet har brug for tilbuddet, og hvad det skal hjælpe med.")},
    )

    def __init__(self, *args, offers=(), goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer"].choices = [
            ("", _("Vælg tilbud")),
            *[(str(o.pk), f"{o.name} ({o.get_kind_display()}, {_('trin')} {o.ladder_step})") for o in offers],
        ]
        self.fields["goals"].choices = [(str(g.pk), f"{g.life_area_label}: {g.text}") for g in goals]

    def referral_in(self) -> ReferralIn:
        d = self.cleaned_data
        return ReferralIn(
            offer_id=d["offer"],
            requested_start=d["requested_start"],
            requested_end=d["requested_end"],
            reason=d["reason"],
            units=d["units"],
            goal_ids=list(d.get("goals") or []),
        )


class DecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("Afgørelse"),
        widget=forms.RadioSelect,
        choices=[
            (Outcome.GRANT, _("Bevilg")),
            (Outcome.REFUSE, _("Afslå")),
            (Outcome.WAITLIST, _("Sæt på venteliste")),
        ],
        error_messages={"required": _("Vælg afgørelsen: bevilg, afslå eller sæt på venteliste.")},
    )
    start = forms.DateField(label=_("Start"), widget=DateInput(), required=False, help_text=_("Kun ved bevilling."))
    end = forms.DateField(
        label=_("Slut (sidste dag)"), widget=DateInput(), required=False, help_text=_("Kun ved bevilling.")
    )
    units = forms.CharField(
        label=_("Omfang"),
        max_length=12,
        required=False,
        widget=forms.TextInput(_NUMBER),
        help_text=_("Kun ved bevilling."),
    )
    note = forms.CharField(
        label=_("Begrundelse"),
        max_length=policies.TEXT_MAX,
        required=False,
        widget=_text_area(4),
        help_text=_("Skal udfyldes ved afslag. Begrundelsen står i brevet til familien."),
    )
    over_max_reason = forms.CharField(
        label=_("Begrundelse for at gå ud over den længste varighed"),
        max_length=policies.TEXT_MAX,
        required=False,
        widget=_text_area(2),
        help_text=_(
            "Kun hvis barnets tid i tilbuddet bliver længere end tilbuddets længste varighed. Tilbuddet skal være "
            "midlertidigt: skriv hvorfor perioden alligevel er nødvendig."
        ),
    )
    skip_queue_reason = forms.CharField(
        label=_("Begrundelse for at gå foran ventelisten"),
        max_length=policies.TEXT_MAX,
        required=False,
        widget=_text_area(2),
        help_text=_("Kun hvis andre børn står før dette barn på ventelisten til tilbuddet."),
    )

    def decision_in(self) -> DecisionIn:
        d = self.cleaned_data
        grant = d["outcome"] == Outcome.GRANT
        return DecisionIn(
            outcome=d["outcome"],
            note=d.get("note") or "",
            start=d.get("start") if grant else None,
            end=d.get("end") if grant else None,
            units=(d.get("units") or None) if grant else None,
            over_max_reason=d.get("over_max_reason") or "",
            skip_queue_reason=d.get("skip_queue_reason") or "",
        )


class WithdrawForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Hvorfor trækkes ansøgningen tilbage?"),
        max_length=policies.TEXT_MAX,
        widget=_text_area(2),
        error_messages={"required": _("Skriv hvorfor ansøgningen trækkes tilbage.")},
    )


class GrantChangeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    end = forms.DateField(
        label=_("Ny slutdato (sidste dag)"),
        widget=DateInput(),
        error_messages={"required": _("Skriv slutdatoen (den sidste dag).")},
    )
    units = forms.CharField(label=_("Omfang"), max_length=12, required=False, widget=forms.TextInput(_NUMBER))
    reason = forms.CharField(
        label=_("Begrundelse for ændringen"),
        max_length=policies.TEXT_MAX,
        widget=_text_area(3),
        error_messages={"required": _("Skriv hvorfor bevillingen ændres.")},
    )
    over_max_reason = forms.CharField(
        label=_("Begrundelse for at gå ud over den længste varighed"),
        max_length=policies.TEXT_MAX,
        required=False,
        widget=_text_area(2),
        help_text=_("Kun hvis forlængelsen gør barnets tid i tilbuddet længere end tilbuddets længste varighed."),
    )

    def change_in(self) -> GrantChangeIn:
        d = self.cleaned_data
        return GrantChangeIn(
            end=d["end"],
            reason=d["reason"],
            units=d.get("units") or None,
            over_max_reason=d.get("over_max_reason") or "",
        )


class GrantEndForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    last_day = forms.DateField(
        label=_("Sidste dag i tilbuddet"),
        widget=DateInput(),
        error_messages={"required": _("Skriv den sidste dag i tilbuddet.")},
    )
    reason = forms.CharField(
        label=_("Begrundelse for at afslutte"),
        max_length=policies.TEXT_MAX,
        widget=_text_area(3),
        error_messages={"required": _("Skriv hvorfor bevillingen ophører.")},
    )

    def end_in(self) -> GrantEndIn:
        d = self.cleaned_data
        return GrantEndIn(last_day=d["last_day"], reason=d["reason"])


# -- economy --------------------------------------------------------------------------------------------


def year_choices(today=None) -> list[tuple[str, str]]:
    year = (today or timezone.localdate()).year
    return [(str(y), str(y)) for y in range(year - 3, year + 4)]


class ForecastFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("År"), coerce=int)
    administration = forms.ChoiceField(label=_("Forvaltning"), required=False)
    unit = forms.ChoiceField(
        label=_("Enhed"), required=False, help_text=_("Vælg en enhed for at se dens budget og udgifter alene.")
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()
        self.fields["administration"].choices = [("", _("Hele kommunen")), *AdministrationCode.choices]
        self.fields["unit"].choices = [("", _("Alle enheder")), *[(str(u.pk), _unit_label(u)) for u in units]]


class ReportsFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("År"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()


class BudgetForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    year = forms.CharField(
        label=_("År"),
        max_length=4,
        widget=forms.TextInput(_WHOLE),
        error_messages={"required": _("Skriv et år mellem 2000 og 2100.")},
    )
    administration = forms.ChoiceField(label=_("Forvaltning"), error_messages={"required": _("Vælg forvaltningen.")})
    unit = forms.ChoiceField(
        label=_("Enhed"),
        required=False,
        help_text=_("Tom for forvaltningens samlede budget; vælg en enhed for enhedens eget budget."),
    )
    amount = forms.CharField(
        label=_("Budget i kroner"),
        max_length=20,
        widget=forms.TextInput(_NUMBER),
        error_messages={"required": _("Skriv budgettet i kroner (0 eller mere).")},
    )
    note = forms.CharField(label=_("Note"), max_length=policies.TEXT_MAX, required=False, widget=_text_area(2))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["administration"].choices = [("", _("Vælg forvaltning")), *AdministrationCode.choices]
        self.fields["unit"].choices = [("", _("Hele forvaltningen")), *[(str(u.pk), _unit_label(u)) for u in units]]

    def budget_in(self) -> BudgetIn:
        d = self.cleaned_data
        return BudgetIn(
            administration=d["administration"],
            year=d["year"],
            amount=d["amount"],
            unit_id=d.get("unit") or None,
            note=d.get("note") or "",
        )
