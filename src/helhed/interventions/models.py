"""The intervention catalogue (tilbudsvifte), referrals and decisions (visitation), capacity and economy
(ADR 0016).

An `Offer` is one entry in the catalogue: what it is, who provides it, who pays (`OfferFunding`, e.g. 50/50
SOF/BUF), its legal basis, its step on the intervention ladder, its capacity and price. A `Referral` is an
application from a case for an offer, linked to the plan goals it serves; a leader decides it: granted (a
`Grant` with the price fixed at the decision and the funding split copied), refused (reasons and complaint
guidance) or put on the waiting list. A grant's committed cost is stored as one `CostLine` per month and
paying administration (written by the services whenever a grant is made, changed or ended), so the forecast
against a `Budget` is a sum over an index.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class OfferKind(models.TextChoices):
    SKOLELOOP = "skoleloop", _("Skoleloop")
    SKOLEFLEX = "skoleflex", _("Skoleflex")
    TILBAGESLUTNING = "tilbageslutning", _("Tilbageslutningsforløb")
    SKOLEOPDATERING = "skoleopdatering", _("Skoleopdateringsforløb")
    TRUANCY_CLASS = "truancy_class", _("Skoleskulkerklasse")
    SCHOOL_SOCIAL_WORKER = "school_social_worker", _("Skole- og dagtilbudssocialrådgiver")
    CONTACT_PERSON = "contact_person", _("Kontaktperson")
    CONTACT_CORPS = "contact_corps", _("Kontaktpersonkorps")
    FAMILY_PROGRAMME = "family_programme", _("Programbaseret familiebehandling")
    FAMILY_TREATMENT = "family_treatment", _("Familiebehandling")
    DAY_TREATMENT = "day_treatment", _("Dagbehandling")
    AFTERCARE = "aftercare", _("Efterværn")
    PLACEMENT_NETWORK = "placement_network", _("Anbringelse i netværkspleje")
    PLACEMENT_FOSTER = "placement_foster", _("Anbringelse i plejefamilie")
    PLACEMENT_INSTITUTION = "placement_institution", _("Anbringelse på døgninstitution")
    PLACEMENT_OWN_ROOM = "placement_own_room", _("Anbringelse på eget værelse eller kollegium")
    OTHER = "other", _("Andet")


class PriceUnit(models.TextChoices):
    DAY = "day", _("pr. dag")
    MONTH = "month", _("pr. måned")
    HOUR = "hour", _("pr. time")
    COURSE = "course", _("pr. forløb")


class ProviderKind(models.TextChoices):
    INTERNAL = "internal", _("Kommunal enhed")
    EXTERNAL = "external", _("Ekstern leverandør")


class Provider(models.Model):
    """Who delivers an offer: one of the municipality's own units, or an external provider with a CVR number."""

    name = models.CharField(_("navn"), max_length=160)
    kind = models.CharField(_("type"), max_length=10, choices=ProviderKind.choices)
    unit = models.ForeignKey(
        "organisation.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("enhed")
    )
    cvr = models.CharField(_("CVR-nummer"), max_length=8, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="internal") & Q(unit__isnull=False) & Q(cvr=""))
                | (Q(kind="external") & Q(unit__isnull=True) & ~Q(cvr="")),
                name="provider_internal_unit_or_external_cvr",
            ),
            models.UniqueConstraint(fields=["cvr"], condition=~Q(cvr=""), name="provider_cvr_once"),
        ]

    def __str__(self) -> str:
        return self.name


class Offer(models.Model):
    """One offer in the catalogue. Edited in place with a version counter; a grant copies the price (and the
    funding split) at its decision, so a later price change never rewrites what was granted."""

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("navn"), max_length=160)
    kind = models.CharField(_("type"), max_length=30, choices=OfferKind.choices)
    description = models.TextField(_("beskrivelse"), blank=True)
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="offers", verbose_name=_("leverandør")
    )
    legal_basis = models.CharField(_("lovgrundlag"), max_length=120)
    ladder_step = models.PositiveSmallIntegerField(_("trin på indsatstrappen"))
    age_min = models.PositiveSmallIntegerField(_("alder fra"), default=0)
    age_max = models.PositiveSmallIntegerField(_("alder til"), default=22)
    target_group = models.TextField(_("målgruppe"), blank=True)
    # None: no fixed number of places (e.g. an hourly contact person bought as needed).
    capacity = models.PositiveIntegerField(_("kapacitet (pladser)"), null=True, blank=True)
    price = models.DecimalField(_("pris"), max_digits=12, decimal_places=2)
    price_unit = models.CharField(_("prisenhed"), max_length=10, choices=PriceUnit.choices)
    max_duration_months = models.PositiveSmallIntegerField(_("længste varighed (måneder)"), null=True, blank=True)
    is_programme = models.BooleanField(_("programbaseret eller evidensbaseret"), default=False)
    evidence_note = models.TextField(_("evidens"), blank=True)
    active_from = models.DateField(_("aktiv fra"))
    active_to = models.DateField(_("aktiv til"), null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["ladder_step", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="offer_price_not_negative"),
            models.CheckConstraint(condition=Q(age_max__gte=F("age_min")), name="offer_age_range"),
            models.CheckConstraint(
                condition=Q(active_to__isnull=True) | Q(active_to__gte=F("active_from")), name="offer_active_period"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OfferFunding(models.Model):
    """One paying administration's share of an offer's cost, in percent; the shares of an offer sum to 100.
    `paying_unit` is the unit whose budget carries the share; empty means the administration's common budget
    (for SOF: the family unit of the case's responsible unit)."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="funding")
    administration = models.ForeignKey("organisation.Administration", on_delete=models.PROTECT, related_name="+")
    share = models.DecimalField(max_digits=5, decimal_places=2)
    paying_unit = models.ForeignKey(
        "organisation.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-share", "administration__code"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "administration"], name="offer_funding_once"),
            models.CheckConstraint(condition=Q(share__gt=0) & Q(share__lte=100), name="offer_funding_share_range"),
        ]


class ReferralStatus(models.TextChoices):
    APPLIED = "applied", _("Ansøgt")
    WAITLISTED = "waitlisted", _("På venteliste")
    GRANTED = "granted", _("Bevilget")
    REFUSED = "refused", _("Afslået")
    WITHDRAWN = "withdrawn", _("Trukket tilbage")


OPEN_REFERRAL = (ReferralStatus.APPLIED, ReferralStatus.WAITLISTED)


class Referral(models.Model):
    """An application for an offer from a case (visitation), and its decision."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="referrals")
    child = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="referrals")
    goals = models.ManyToManyField("plans.PlanGoal", blank=True, related_name="referrals")
    requested_start = models.DateField(_("ønsket start"))
    requested_end = models.DateField(_("ønsket slut"))
    units = models.DecimalField(_("omfang"), max_digits=8, decimal_places=2, default=1)
    reason = models.TextField(_("begrundelse"))
    status = models.CharField(max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.APPLIED)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("begrundelse for afgørelsen"), blank=True)
    complaint_guidance = models.TextField(blank=True)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    expected_start = models.DateField(_("forventet start"), null=True, blank=True)
    letter = models.ForeignKey("cases.Document", null=True, blank=True, on_delete=models.RESTRICT, related_name="+")
    submission_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-applied_at", "-id"]
        indexes = [
            models.Index(fields=["offer", "status", "waitlisted_at"], name="referral_offer_queue"),
            models.Index(fields=["case", "status"], name="referral_case_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(requested_end__gte=F("requested_start")), name="referral_period"),
            models.CheckConstraint(condition=Q(units__gt=0), name="referral_units_positive"),
            models.CheckConstraint(
                condition=~Q(status="waitlisted") | Q(waitlisted_at__isnull=False), name="referral_waitlisted_at"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer} ({self.get_status_display()})"


class ReferralStatusChange(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=12, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=ReferralStatus.choices)
    note = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]


class Grant(models.Model):
    """A granted offer for a child (bevilling): the period, the extent, and the price fixed at the decision.
    `end` is the last day. A termination moves `end` earlier and records why (`GrantChange`)."""

    referral = models.OneToOneField(Referral, on_delete=models.PROTECT, related_name="grant")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="grants")
    child = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="grants")
    start = models.DateField(_("start"))
    end = models.DateField(_("slut"))
    units = models.DecimalField(_("omfang"), max_digits=8, decimal_places=2)
    price = models.DecimalField(_("pris"), max_digits=12, decimal_places=2)
    price_unit = models.CharField(max_length=10, choices=PriceUnit.choices)
    terminated = models.BooleanField(default=False)
    over_max_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-start", "-id"]
        indexes = [
            models.Index(fields=["offer", "start", "end"], name="grant_offer_period"),
            models.Index(fields=["child", "offer"], name="grant_child_offer"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="grant_period"),
            models.CheckConstraint(condition=Q(units__gt=0), name="grant_units_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="grant_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.offer} {self.start}–{self.end}"


class GrantFunding(models.Model):
    """The funding split copied from the offer at the decision."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="funding")
    administration = models.ForeignKey("organisation.Administration", on_delete=models.PROTECT, related_name="+")
    share = models.DecimalField(max_digits=5, decimal_places=2)
    paying_unit = models.ForeignKey(
        "organisation.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-share", "administration__code"]
        constraints = [models.UniqueConstraint(fields=["grant", "administration"], name="grant_funding_once")]


class GrantChangeKind(models.TextChoices):
    CHANGE = "change", _("Ændret")
    TERMINATE = "terminate", _("Ophørt")


class GrantChange(models.Model):
    """One change or termination of a grant, with its reason and the values before and after."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=10, choices=GrantChangeKind.choices)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    reason = models.TextField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    letter = models.ForeignKey("cases.Document", null=True, blank=True, on_delete=models.RESTRICT, related_name="+")

    class Meta:
        ordering = ["changed_at", "id"]


class CostLine(models.Model):
    """A grant's committed cost in one month for one paying administration (and unit). Rewritten by the
    services whenever the grant is made, changed or ended; never edited by hand."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="cost_lines")
    month = models.DateField()  # the first day of the month
    administration = models.ForeignKey("organisation.Administration", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("organisation.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["month", "id"]
        indexes = [
            models.Index(fields=["administration", "month"], name="costline_admin_month"),
            models.Index(fields=["unit", "month"], name="costline_unit_month"),
        ]


class Budget(models.Model):
    """The year's budget of an administration (unit empty) or of one of its units."""

    administration = models.ForeignKey("organisation.Administration", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("organisation.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("år"))
    amount = models.DecimalField(_("budget"), max_digits=14, decimal_places=2)
    note = models.TextField(_("note"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-year", "administration__code", "unit__name"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_not_negative"),
            models.UniqueConstraint(
                fields=["administration", "year"], condition=Q(unit__isnull=True), name="budget_administration_once"
            ),
            models.UniqueConstraint(
                fields=["administration", "unit", "year"], condition=Q(unit__isnull=False), name="budget_unit_once"
            ),
        ]
