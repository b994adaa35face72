"""The child's plan (barnets plan, BL § 91): one plan per case, kept as numbered versions. A draft version is
edited (with a version counter against lost updates); approving it freezes it. A change after approval is a
new draft copied from the approved version, goal keys included, so the two can be compared goal by goal.
Reviews (opfølgning, BL § 95) rate each goal of an approved version and set the next review (ADR 0012)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helhed.organisation.models import AdministrationCode

from . import policies


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Udkast")
    APPROVED = "approved", _("Godkendt")


class Rating(models.TextChoices):
    ACHIEVED = "achieved", _("Opnået")
    PROGRESS = "progress", _("Fremskridt")
    NO_PROGRESS = "no_progress", _("Ingen fremskridt")
    WORSE = "worse", _("Forværret")


class Plan(models.Model):
    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="plan")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Plan {self.case_id}"


class PlanVersion(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()  # 1, 2, 3 … as the family and the team speak of it
    status = models.CharField(max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    # The approved version this draft was copied from (none for the first version).
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.RESTRICT, related_name="+")
    life_areas_version = models.CharField(max_length=20, default=policies.LIFE_AREAS_VERSION)
    purpose = models.TextField(blank=True)
    # When the youth section applies (16+): why there are no youth goals, or other thoughts on the youth plan.
    youth_note = models.TextField(blank=True)
    # The psychiatric treatment plan this plan is coordinated with (001: "koordinering af barnets handleplan [og]
    # behandlingsplanen i psykiatrien").
    psychiatry_contact = models.CharField(max_length=policies.NAME_MAX, blank=True)
    psychiatry_plan_date = models.DateField(null=True, blank=True)
    psychiatry_next_coordination = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # The plan's date (approval day); the youth section is decided by the child's age on it.
    plan_date = models.DateField(null=True, blank=True)
    # The letter to the family, filed on the case as a document when the version was approved.
    letter = models.ForeignKey("cases.Document", null=True, blank=True, on_delete=models.RESTRICT, related_name="+")
    # Optimistic concurrency for the draft: forms and API calls carry the version they were read at.
    version = models.PositiveIntegerField(default=1)

    # Set by the selectors, which load the goals of several versions in one query (not database columns).
    goal_list: list[PlanGoal]
    areas: list[tuple[str, list[PlanGoal]]]
    youth_areas: list[tuple[str, list[PlanGoal]]]

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_once"),
            models.UniqueConstraint(fields=["plan"], condition=Q(status="draft"), name="plan_one_draft"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(approved_at__isnull=False, approved_by__isnull=False),
                name="plan_version_approved_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return f"Plan {self.plan_id} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class PlanGoal(models.Model):
    """A goal in one life area. A goal keeps its `key` from version to version, so a change can be shown."""

    plan_version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="goals")
    key = models.CharField(max_length=32)
    position = models.PositiveIntegerField(default=0)
    life_area = models.CharField(max_length=30)
    text = models.TextField()
    administration = models.CharField(max_length=3, choices=AdministrationCode.choices)
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Free-text lines for now; the intervention catalogue will link real measures later.
    measures = models.JSONField(default=list)
    success = models.TextField(blank=True)
    child_view = models.TextField(blank=True)
    parents_view = models.TextField(blank=True)

    class Meta:
        ordering = ["plan_version", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["plan_version", "key"], name="plan_goal_key_once")]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def life_area_label(self) -> str:
        return policies.life_area_label(self.life_area)

    @property
    def is_youth(self) -> bool:
        area = policies.life_area(self.life_area)
        return bool(area and area.youth)


class PlanReview(models.Model):
    """A follow-up of an approved version (BL § 95): every goal rated, and the next review set with a reason."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reviews")
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.RESTRICT, related_name="reviews")
    note = models.TextField(blank=True)
    next_review_on = models.DateField()
    next_review_reason = models.TextField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField()

    class Meta:
        ordering = ["-reviewed_at", "-id"]

    def __str__(self) -> str:
        return f"Review {self.pk} of plan {self.plan_id}"


class GoalRating(models.Model):
    review = models.ForeignKey(PlanReview, on_delete=models.CASCADE, related_name="ratings")
    goal = models.ForeignKey(PlanGoal, on_delete=models.RESTRICT, related_name="ratings")
    rating = models.CharField(max_length=12, choices=Rating.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["goal__position", "goal_id"]
        constraints = [models.UniqueConstraint(fields=["review", "goal"], name="plan_rating_once_per_goal")]
