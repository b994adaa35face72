"""The municipality's organisation: administrations, districts, units, staff and their roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AdministrationCode(models.TextChoices):
    SOF = "SOF", _("Socialforvaltningen")
    BUF = "BUF", _("Børne- og Ungdomsforvaltningen")
    BIF = "BIF", _("Beskæftigelses- og Integrationsforvaltningen")
    PSY = "PSY", _("Børne- og Ungdomspsykiatrien")


class Administration(models.Model):
    code = models.CharField(max_length=3, choices=AdministrationCode.choices, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    """Bydel. Copenhagen has ten."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UnitKind(models.TextChoices):
    FAMILY_UNIT = "family_unit", _("Børnefamilieenhed")
    INVESTIGATION_GROUP = "investigation_group", _("Undersøgelsesgruppe")
    ACTION_GROUP = "action_group", _("Handlegruppe")
    OPEN_COUNSELLING = "open_counselling", _("Åben anonym rådgivning")
    MUNICIPAL_SCHOOL = "municipal_school", _("Folkeskole")
    PRIVATE_SCHOOL = "private_school", _("Privatskole / friskole")
    DAYCARE = "daycare", _("Dagtilbud")
    PPR = "ppr", _("PPR")
    HEALTH_VISITING = "health_visiting", _("Sundhedspleje")
    UU = "uu", _("Ungdommens Uddannelsesvejledning")
    JOBCENTER = "jobcenter", _("Jobcenter")
    PSYCHIATRY_CLINIC = "psychiatry_clinic", _("Børne- og ungdomspsykiatrisk klinik")
    ADMINISTRATION_OFFICE = "administration_office", _("Forvaltningens stab")


# Units that own child-welfare cases (myndighed). Other units take part through case teams.
CASE_OWNING_KINDS = frozenset(
    {UnitKind.FAMILY_UNIT, UnitKind.INVESTIGATION_GROUP, UnitKind.ACTION_GROUP, UnitKind.OPEN_COUNSELLING}
)
ENROLMENT_KINDS = frozenset({UnitKind.MUNICIPAL_SCHOOL, UnitKind.PRIVATE_SCHOOL, UnitKind.DAYCARE})


class Unit(models.Model):
    name = models.CharField(max_length=160)
    kind = models.CharField(max_length=30, choices=UnitKind.choices)
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="units")
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.PROTECT, related_name="units")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    code = models.CharField(max_length=30, unique=True, help_text=_("Kort kode, fx BFE-NORD"))
    # The school's or daycare's number in the Ministry of Children and Education's institution register
    # (institutionsnummer, six digits); absence files from the schools' systems name the school by it.
    institution_number = models.CharField(_("institutionsnummer"), max_length=6, blank=True, default="")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution_number"], condition=~Q(institution_number=""), name="unit_institution_number_once"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def owns_cases(self) -> bool:
        return self.kind in CASE_OWNING_KINDS


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Rådgiver")
    COUNSELLOR = "counsellor", _("Rådgiver i åben anonym rådgivning")
    SCHOOL_SOCIAL_WORKER = "school_social_worker", _("Skolesocialrådgiver")
    PROFESSIONAL = "professional", _("Fagperson")
    EMPLOYMENT_ADVISER = "employment_adviser", _("Jobcenter- eller UU-vejleder")
    LEADER = "leader", _("Leder")
    ANALYST = "analyst", _("Analytiker")
    ADMINISTRATOR = "administrator", _("Administrator")
    DPO = "dpo", _("Databeskyttelsesrådgiver")


class ProfessionalTitle(models.TextChoices):
    TEACHER = "teacher", _("Lærer")
    PEDAGOGUE = "pedagogue", _("Pædagog")
    PPR_PSYCHOLOGIST = "ppr", _("PPR-psykolog")
    HEALTH_VISITOR = "health_visitor", _("Sundhedsplejerske")
    PSYCHIATRIST = "psychiatrist", _("Psykiater / behandler")
    OTHER = "other", _("Anden fagperson")


class User(AbstractUser):
    """A person who logs in: staff in every administration, and later parents and young people."""

    title = models.CharField(max_length=20, choices=ProfessionalTitle.choices, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    synthetic = models.BooleanField(default=False, help_text=_("Demo-bruger med opdigtede oplysninger"))

    class Meta:
        ordering = ["first_name", "last_name"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Membership(models.Model):
    """A user's role in a unit for a period. A user may hold several (e.g. leader of two teams)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="membership_period_valid",
            ),
        ]
        indexes = [models.Index(fields=["user", "valid_to"], name="membership_user_active")]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.unit}"
