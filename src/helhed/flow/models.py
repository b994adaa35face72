"""A case's place in a track (stage, with history) and its handovers from one unit to another: proposed by the
sender, checked against the checklist, prepared with a handover meeting with child and parents, and accepted
(or rejected) by the receiver (ADR 0011)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStage(models.Model):
    """One period of a case in one stage; the open one (until is null) is the current stage."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(max_length=40)  # policies.STAGES key, e.g. "family_unit.action"
    since = models.DateTimeField()
    until = models.DateTimeField(null=True, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["since", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(until__isnull=True), name="case_stage_one_current"
            )
        ]


class HandoverStatus(models.TextChoices):
    PROPOSED = "proposed", _("Foreslået")
    PREPARED = "prepared", _("Overdragelsesmøde planlagt")
    ACCEPTED = "accepted", _("Modtaget")
    REJECTED = "rejected", _("Afvist")
    WITHDRAWN = "withdrawn", _("Trukket tilbage")


OPEN_HANDOVER = (HandoverStatus.PROPOSED, HandoverStatus.PREPARED)


class Handover(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="handovers")
    from_unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="handovers_in")
    from_stage = models.CharField(max_length=40, blank=True)
    to_stage = models.CharField(max_length=40)
    reason = models.TextField()
    checklist = models.JSONField(default=dict)  # {item code: {"done": bool, "note": str}}
    checklist_version = models.CharField(max_length=10)
    meeting = models.ForeignKey(
        "meetings.Meeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="handovers"
    )
    status = models.CharField(max_length=10, choices=HandoverStatus.choices, default=HandoverStatus.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    to_caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    # Receiving leaders put on the case team while the handover is open, so they can read the case.
    temporary_members = models.JSONField(default=list)
    letter_document_id = models.IntegerField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status__in=["proposed", "prepared"]),
                name="handover_one_open_per_case",
            )
        ]


class HandoverStatusChange(models.Model):
    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=10, choices=HandoverStatus.choices)
    to_status = models.CharField(max_length=10, choices=HandoverStatus.choices)
    note = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]
