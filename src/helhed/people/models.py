"""Persons (children, parents, network) and their relations and enrolments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import policies


class Sex(models.TextChoices):
    FEMALE = "F", _("Kvinde / pige")
    MALE = "M", _("Mand / dreng")
    UNKNOWN = "", _("Ukendt")


class Person(models.Model):
    first_name = models.CharField(_("fornavn(e)"), max_length=120)
    last_name = models.CharField(_("efternavn"), max_length=120)
    # The CPR number is never stored in clear text: encrypted value + keyed hash for exact lookup.
    cpr_encrypted = models.TextField(blank=True)
    cpr_hash = models.CharField(max_length=64, blank=True, db_index=True)
    cpr_masked = models.CharField(max_length=11, blank=True)
    no_cpr_reason = models.CharField(
        _("hvorfor intet CPR-nummer"),
        max_length=200,
        blank=True,
        help_text=_("Fx 'ukendt endnu' eller 'udenlandsk statsborger uden dansk CPR-nummer'"),
    )
    birth_date = models.DateField(_("fødselsdato"), null=True, blank=True)
    sex = models.CharField(_("køn"), max_length=1, choices=Sex.choices, blank=True)
    address = models.CharField(_("adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("postnummer"), max_length=4, blank=True)
    city = models.CharField(_("by"), max_length=80, blank=True)
    district = models.ForeignKey(
        "organisation.District", null=True, blank=True, on_delete=models.PROTECT, related_name="residents"
    )
    synthetic = models.BooleanField(default=False, help_text=_("Opdigtet person (demo og test)"))
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="person_name"),
            models.Index(fields=["birth_date"], name="person_birth_date"),
        ]
        constraints = [
            # One living record per CPR number; merged-away duplicates keep their hash for the record.
            models.UniqueConstraint(
                fields=["cpr_hash"],
                condition=Q(merged_into__isnull=True) & ~Q(cpr_hash=""),
                name="person_unique_active_cpr",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def has_cpr(self) -> bool:
        return bool(self.cpr_hash)

    @property
    def cpr_display(self) -> str:
        return self.cpr_masked or str(_("intet CPR-nummer"))


class RelationKind(models.TextChoices):
    PARENT = "parent", _("Forælder")
    CUSTODY_HOLDER = "custody_holder", _("Forældremyndighedsindehaver")
    SIBLING = "sibling", _("Søskende")
    PRIVATE_NETWORK = "private_network", _("Privat netværk")
    PROFESSIONAL_NETWORK = "professional_network", _("Professionelt netværk")


class Relation(models.Model):
    """`relative` is <kind> of `person`: e.g. relative=mother is custody holder of person=child."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relations")
    relative = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relations_as_relative")
    kind = models.CharField(max_length=30, choices=RelationKind.choices)
    note = models.CharField(max_length=200, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "relative", "kind"], name="relation_unique"),
            models.CheckConstraint(condition=~Q(person=models.F("relative")), name="relation_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.relative} – {self.get_kind_display()} – {self.person}"


class Enrolment(models.Model):
    """Where a child goes to school or daycare."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="enrolments")
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="enrolments")
    grade = models.CharField(_("klasse"), max_length=10, blank=True)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["unit", "valid_to"], name="enrolment_unit_active")]

    def __str__(self) -> str:
        return f"{self.person} – {self.unit}"


class PersonMerge(models.Model):
    """A reversible record of merging a duplicate person into the surviving one."""

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_received")
    duplicate = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_as_duplicate")
    moved = models.JSONField(default=dict, help_text="Which rows were re-pointed, so the merge can be undone")
    reason = models.TextField()
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField()
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.duplicate_id} → {self.survivor_id}"


__all__ = ["Person", "Relation", "RelationKind", "Enrolment", "PersonMerge", "Sex", "policies"]
