"""Deadlines owed on a case: one row per statutory deadline started by an event, with its rule version,
due time, explanation and status history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DeadlineStatus(models.TextChoices):
    OPEN = "open", _("Åben")
    MET = "met", _("Overholdt")
    MISSED = "missed", _("Overskredet")
    WAIVED = "waived", _("Bortfaldet")


class Deadline(models.Model):
    rule_id = models.CharField(max_length=40)
    law = models.CharField(max_length=3)
    paragraph = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines")
    # A report of concern about a child not yet identified owes its deadlines before there is a person.
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="deadlines"
    )
    # The unit that owes the deadline (the case's responsible unit, or the reception for a new report):
    # compliance is counted per this unit.
    unit = models.ForeignKey(
        "organisation.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="deadlines"
    )
    started_at = models.DateTimeField()
    # Date rules fall due at the end of their day (Copenhagen time); hour rules at the exact moment.
    due_at = models.DateTimeField(db_index=True)
    due_is_date = models.BooleanField(default=True)
    explanation = models.TextField()
    status = models.CharField(max_length=10, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    # What started it (e.g. a report of concern), so the same event never starts the same rule twice.
    source_type = models.CharField(max_length=60, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    # Overdue notices already sent (the nightly job sends each at most once).
    owner_notified_at = models.DateTimeField(null=True, blank=True)
    leader_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_id", "source_type", "source_id"],
                condition=~models.Q(source_type=""),
                name="deadline_once_per_source",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status", "due_at"], name="deadline_owner_open"),
            models.Index(fields=["case", "status"], name="deadline_case_status"),
            models.Index(fields=["source_type", "source_id"], name="deadline_source"),
            models.Index(fields=["due_at", "rule_id", "unit"], name="deadline_compliance"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.due_at:%Y-%m-%d}"


class DeadlineStatusChange(models.Model):
    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=10, choices=DeadlineStatus.choices)
    to_status = models.CharField(max_length=10, choices=DeadlineStatus.choices)
    reason = models.TextField(blank=True)
    # None: Helhed itself (e.g. the receipt sent automatically when a report comes in through the public form).
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]


class ComplianceSnapshot(models.Model):
    """A settled bucket (a month or quarter that has ended) whose compliance counts are stored in
    `ComplianceCount`, so the report reads them instead of counting a million deadlines again. A write to a
    deadline due in the bucket deletes its snapshot (the report then counts it live again) until the nightly
    refresh stores it anew (ADR 0010)."""

    period = models.CharField(max_length=7)  # 'month' or 'quarter'
    bucket = models.CharField(max_length=7)  # '2025-03' or '2025-Q1'
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["period", "bucket"], name="compliance_snapshot_once")]

    def __str__(self) -> str:
        return f"{self.period} {self.bucket}"


class ComplianceCount(models.Model):
    """One stored cell of the compliance report: a settled bucket, a rule and the unit that owed it."""

    period = models.CharField(max_length=7)
    bucket = models.CharField(max_length=7)
    rule_id = models.CharField(max_length=40)
    unit = models.ForeignKey("organisation.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    total = models.PositiveIntegerField()
    met = models.PositiveIntegerField()
    missed = models.PositiveIntegerField()
    overdue = models.PositiveIntegerField()
    waived = models.PositiveIntegerField()
    median_seconds = models.FloatField(null=True, blank=True)  # start to close, met and missed only

    class Meta:
        indexes = [models.Index(fields=["period", "bucket", "unit"], name="compliance_count_bucket")]

    def __str__(self) -> str:
        return f"{self.bucket} {self.rule_id} {self.unit_id}"
