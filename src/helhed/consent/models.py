"""Consent and lawful sharing between administrations (ADR 0013).

A consent is given by the child's custody holders for a scope (receiving administrations, optionally narrowed
to units, and kinds of information), a purpose and a period, and can be withdrawn. A legal basis is a named
paragraph that allows a disclosure without consent; the list is versioned data. Every disclosure of a note,
a document or a plan to a unit of another administration is a row here with the basis it used.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class InfoKind(models.TextChoices):
    NOTE = "note", _("Journalnotater")
    DOCUMENT = "document", _("Dokumenter")
    PLAN = "plan", _("Barnets plan")


class ConsentStatus(models.TextChoices):
    ACTIVE = "active", _("Gyldigt")
    WITHDRAWN = "withdrawn", _("Tilbagekaldt")


class LegalBasis(models.Model):
    """One version of a legal basis for a disclosure without consent. A change of law is a new row with a
    later `valid_from`; the old row keeps the paragraph that earlier disclosures used."""

    code = models.CharField(max_length=40)
    name = models.CharField(_("navn"), max_length=160)
    paragraph = models.CharField(_("paragraf"), max_length=120)
    description = models.TextField(_("hvornår det kan bruges"))
    # Receiving administrations the basis covers (AdministrationCode values); empty: every administration.
    administrations = models.JSONField(default=list, blank=True)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)  # exclusive
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["code", "valid_from"], name="legal_basis_version_once")]

    def __str__(self) -> str:
        return f"{self.name} ({self.paragraph})"


class Consent(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="consents")
    given_by = models.ManyToManyField("people.Person", related_name="consents_given")
    given_on = models.DateField(_("givet den"))
    administrations = models.JSONField(default=list)  # AdministrationCode values that may receive
    units = models.ManyToManyField("organisation.Unit", blank=True, related_name="+")  # empty: every unit
    info_kinds = models.JSONField(default=list)  # InfoKind values
    purpose = models.TextField(_("formål"))
    valid_from = models.DateField(_("gyldigt fra"))
    valid_to = models.DateField(_("gyldigt til"), null=True, blank=True)  # inclusive
    document_id = models.IntegerField(null=True, blank=True)  # the signed consent filed on the case
    status = models.CharField(max_length=10, choices=ConsentStatus.choices, default=ConsentStatus.ACTIVE)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-valid_from", "-id"]
        indexes = [models.Index(fields=["case", "status"], name="consent_case_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="consent_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status="active", withdrawn_at__isnull=True)
                | Q(status="withdrawn", withdrawn_at__isnull=False),
                name="consent_withdrawn_has_time",
            ),
        ]


class ConsentStatusChange(models.Model):
    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=10, choices=ConsentStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=ConsentStatus.choices)
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]


class Disclosure(models.Model):
    """One item (note, document, plan version) made visible to one unit of another administration, on one
    basis: a consent or a legal basis with a written reason."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="disclosures")
    item_kind = models.CharField(max_length=10, choices=InfoKind.choices)
    item_id = models.PositiveBigIntegerField()
    item_title = models.CharField(max_length=250)
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    administration = models.CharField(max_length=3)
    consent = models.ForeignKey(Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="disclosures")
    legal_basis = models.ForeignKey(
        LegalBasis, null=True, blank=True, on_delete=models.PROTECT, related_name="disclosures"
    )
    reason = models.TextField(blank=True)
    disclosed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    disclosed_at = models.DateTimeField()

    class Meta:
        ordering = ["-disclosed_at", "-id"]
        indexes = [models.Index(fields=["case", "item_kind", "unit"], name="disclosure_case_kind_unit")]
        constraints = [
            models.CheckConstraint(
                condition=Q(consent__isnull=False, legal_basis__isnull=True)
                | Q(consent__isnull=True, legal_basis__isnull=False),
                name="disclosure_one_basis",
            ),
        ]
