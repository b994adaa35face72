from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helhed.core.forms import DateInput
from helhed.organisation.models import CASE_OWNING_KINDS, Role, Unit

from .models import CaseStatus, DocumentKind, NoteKind, TeamRole


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class CaseOpenForm(forms.Form):
    responsible_unit = forms.ModelChoiceField(
        label=_("Ansvarlig enhed"),
        queryset=Unit.objects.filter(kind__in=CASE_OWNING_KINDS, active=True),
        help_text=_("Børnefamilieenheden (eller gruppen) der har sagen."),
    )
    responsible_caseworker = forms.ModelChoiceField(
        label=_("Ansvarlig rådgiver"),
        queryset=get_user_model()
        .objects.filter(
            memberships__role__in=[Role.CASEWORKER, Role.COUNSELLOR, Role.LEADER], memberships__valid_to__isnull=True
        )
        .distinct(),
        help_text=_("Sagen har altid præcis én ansvarlig rådgiver. Som udgangspunkt også forældrenes kontaktperson."),
    )
    title = forms.CharField(label=_("Sagens titel (valgfri)"), max_length=200, required=False)


class StatusForm(VersionedForm):
    to_status = forms.ChoiceField(
        label=_("Ny status"), choices=[(CaseStatus.CLOSED, _("Luk sagen")), (CaseStatus.REOPENED, _("Genåbn sagen"))]
    )
    reason = forms.CharField(label=_("Begrundelse"), widget=forms.Textarea(attrs={"rows": 3}))


class TeamAddForm(VersionedForm):
    user = forms.ModelChoiceField(
        label=_("Medarbejder"),
        queryset=get_user_model().objects.none(),
        help_text=_(
            "Medarbejdere fra alle forvaltninger: skole, dagtilbud, PPR, sundhedspleje, jobcenter, UU og psykiatri."
        ),
    )
    role = forms.ChoiceField(
        label=_("Rolle på sagen"), choices=[c for c in TeamRole.choices if c[0] != TeamRole.RESPONSIBLE_CASEWORKER]
    )
    is_parent_contact = forms.BooleanField(label=_("Gør til forældrenes kontaktperson"), required=False)

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        if users is not None:
            self.fields["user"].queryset = users
        self.fields["user"].label_from_instance = lambda u: f"{u.get_full_name()} ({u.username})"


def share_basis_choices() -> list[tuple[str, object]]:
    """'Consent' first, then the legal bases in force (ADR 0013)."""
    from helhed.consent.selectors import bases_in_force

    return [("", _("Forældrenes samtykke"))] + [(b.code, f"{b.name} ({b.paragraph})") for b in bases_in_force()]


class ShareBasisFields(forms.Form):
    """The basis for sharing with other administrations: the parents' consent or a legal basis with a reason
    (ADR 0013). Shown after the form's own fields."""

    share_basis = forms.ChoiceField(label=_("Grundlag for at dele"), required=False)
    share_reason = forms.CharField(
        label=_("Hvorfor lovgrundlaget gælder"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["share_basis"].choices = share_basis_choices()
        for name in ("share_basis", "share_reason"):
            self.fields[name] = self.fields.pop(name)


class JournalNoteForm(ShareBasisFields):
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    kind = forms.ChoiceField(label=_("Type"), choices=NoteKind.choices)
    title = forms.CharField(label=_("Overskrift"), max_length=200)
    occurred_on = forms.DateField(
        label=_("Dato for hændelsen"),
        widget=DateInput(),
        initial=timezone.localdate,
    )
    body = forms.CharField(
        label=_("Tekst"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Et gemt notat kan ikke ændres bagefter, kun suppleres med en tilføjelse."),
    )
    shared_with_team = forms.BooleanField(
        label=_("Del med sagens team"),
        required=False,
        help_text=_(
            "Fagpersoner fra andre forvaltninger på teamet kan læse delte notater, når forældrene har givet samtykke "
            "eller der er valgt et lovgrundlag."
        ),
    )


class AddendumForm(forms.Form):
    body = forms.CharField(label=_("Tilføjelse"), widget=forms.Textarea(attrs={"rows": 3}))


class DocumentForm(ShareBasisFields):
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    title = forms.CharField(label=_("Titel"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Dokumenttype"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("Fil"))

    shared_with_team = forms.BooleanField(label=_("Del med sagens team"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("PDF, billeder og kontorfiler. Højst %(mb)s MB.") % {
            "mb": settings.DOCUMENT_MAX_BYTES // (1024 * 1024)
        }


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Begrundelse for nødadgang"),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=10,
        help_text=_("Adgangen er tidsbegrænset, logges og gennemgås af databeskyttelsesrådgiveren."),
    )
