"""Open, anonymous counselling (åben anonym rådgivning, ADR 0015): a course of counselling recorded without
identity — a pseudonym, an age band, who made contact and the topics — with its contacts, and, only when the
family consents, its handover into an identified case (the consent is recorded on the course)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AgeBand(models.TextChoices):
    AGE_0_5 = "0-5", _("0–5 år")
    AGE_6_9 = "6-9", _("6–9 år")
    AGE_10_12 = "10-12", _("10–12 år")
    AGE_13_15 = "13-15", _("13–15 år")
    AGE_16_17 = "16-17", _("16–17 år")
    AGE_18_22 = "18-22", _("18–22 år (efterværn)")


class ContactBy(models.TextChoices):
    CHILD = "child", _("Barnet eller den unge selv")
    PARENT = "parent", _("En forælder")
    OTHER_ADULT = "other_adult", _("En anden voksen")
    PROFESSIONAL = "professional", _("En fagperson")


class Topic(models.TextChoices):
    FAMILY_CONFLICT = "family_conflict", _("Konflikter i familien")
    SCHOOL = "school", _("Skole og dagtilbud")
    WELLBEING = "wellbeing", _("Trivsel og mental sundhed")
    VIOLENCE = "violence", _("Bekymring for vold eller overgreb")
    SUBSTANCE = "substance", _("Alkohol og stoffer")
    HOUSING = "housing", _("Bolig og økonomi")
    OTHER = "other", _("Andet")


class CounsellingStatus(models.TextChoices):
    OPEN = "open", _("Åben")
    CLOSED = "closed", _("Afsluttet")
    CONVERTED = "converted", _("Blevet til en sag")


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("Personligt fremmøde")
    PHONE = "phone", _("Telefon")
    ONLINE = "online", _("Chat eller online")
    EMAIL = "email", _("E-mail")


class ConsentRelation(models.TextChoices):
    CUSTODY_HOLDER = "custody_holder", _("Forældremyndighedsindehaver")
    PARENT = "parent", _("Forælder uden forældremyndighed")
    YOUNG_PERSON = "young_person", _("Den unge selv")
    OTHER = "other", _("Anden (fx værge)")


class AnonymousCounselling(models.Model):
    """One course of anonymous counselling. It carries no identity: no person, no name, no CPR number. Only a
    conversion (with the family's recorded consent) links it to a case, and so to a named child."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="counselling_courses")
    counsellor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    pseudonym = models.CharField(_("kaldenavn"), max_length=80)
    age_band = models.CharField(_("alder"), max_length=5, choices=AgeBand.choices)
    contact_by = models.CharField(_("hvem henvendte sig"), max_length=20, choices=ContactBy.choices)
    status = models.CharField(max_length=10, choices=CounsellingStatus.choices, default=CounsellingStatus.OPEN)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    # The handover into an identified case, with the family's consent.
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    journal_note_id = models.IntegerField(null=True, blank=True)
    converted_at = models.DateTimeField(null=True, blank=True)
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consent_person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consent_name = models.CharField(_("samtykke givet af"), max_length=160, blank=True)
    consent_relation = models.CharField(
        _("relation til barnet"), max_length=20, choices=ConsentRelation.choices, blank=True
    )
    consent_on = models.DateField(_("samtykket givet"), null=True, blank=True)
    consent_text = models.TextField(_("hvad der er givet samtykke til"), blank=True)
    # Optimistic concurrency: forms carry the version they were read at; a stale submit is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["unit", "status"], name="counselling_unit_status")]
        constraints = [
            # A course becomes a case only with a recorded consent (never half-saved).
            models.CheckConstraint(
                condition=~Q(status="converted")
                | (Q(case__isnull=False) & Q(consent_on__isnull=False) & ~Q(consent_text="")),
                name="counselling_converted_has_consent",
            ),
        ]

    def __str__(self) -> str:
        return self.pseudonym


class CounsellingTopic(models.Model):
    """One topic of a course (a course has one or more), so lists can filter and statistics can count by topic."""

    counselling = models.ForeignKey(AnonymousCounselling, on_delete=models.CASCADE, related_name="topics")
    topic = models.CharField(max_length=20, choices=Topic.choices)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["counselling", "topic"], name="counselling_topic_once")]


class CounsellingContact(models.Model):
    """One conversation. The summary is short and anonymous: no names, addresses or CPR numbers."""

    counselling = models.ForeignKey(AnonymousCounselling, on_delete=models.CASCADE, related_name="contacts")
    occurred_on = models.DateField(_("dato"))
    channel = models.CharField(_("kanal"), max_length=10, choices=Channel.choices)
    duration_minutes = models.PositiveSmallIntegerField(_("varighed i minutter"))
    summary = models.TextField(_("kort resumé"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    submission_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["occurred_on", "id"]


class CounsellingStatusChange(models.Model):
    counselling = models.ForeignKey(AnonymousCounselling, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=10, choices=CounsellingStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=CounsellingStatus.choices)
    note = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]
