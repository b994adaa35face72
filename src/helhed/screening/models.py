"""Screening and class review (issue 6, early detection).

An instrument is versioned data: each version is a row holding the YAML it was made from and its checked
definition, and is never changed, so an old screening always shows the questions, weights and bands it was scored
with. A screening keeps its own copy of every item's contribution for the same reason. Screening is switched on
per school (`PilotSchool`). A class review (klassegennemgang) is the school's team going through one class and
marking each pupil with a concern level and an agreed next step, which may become a report of concern or a
meeting with the parents.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Instrument(models.Model):
    """One version of a screening instrument (key + version unique). See policies.parse_instrument."""

    key = models.CharField(max_length=40)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    purpose = models.TextField()
    legal_basis = models.TextField()
    example = models.BooleanField(default=False)
    definition = models.JSONField()  # policies.definition(...) of the checked instrument
    source_yaml = models.TextField()
    sha256 = models.CharField(max_length=64)
    bundled = models.BooleanField(default=False)  # loaded from src/helhed/screening/instruments/
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["key", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="screening_instrument_version_once")]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class PilotSchool(models.Model):
    """A school in the screening pilot. `active` off ends the pilot there; screenings already made stay."""

    school = models.OneToOneField("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"pilot {self.school_id} ({'on' if self.active else 'off'})"


class NextStep(models.TextChoices):
    """The next step a professional chooses after a screening or in a class review. Nothing happens by itself:
    'underretning' and the meetings become something in Helhed only when someone does it."""

    NONE = "none", _("Ingen handling")
    PARENT_TALK = "parent_talk", _("Samtale med forældre")
    SCHOOL_SOCIAL_WORKER = "school_social_worker", _("Inddrag skolesocialrådgiver")
    PARENT_MEETING = "parent_meeting", _("Møde med forældrene")
    REPORT = "report", _("Underretning")
    OTHER = "other", _("Andet")


class Screening(models.Model):
    """One pupil screened with one instrument version: the answers, every item's contribution (a copy, so the
    screening reads the same whatever later versions say), the score and its band, and the professional's own
    judgement and next step."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="screenings")
    grade = models.CharField(max_length=10, blank=True)
    screened_on = models.DateField()
    answers = models.JSONField()  # {item key: answer key}
    contributions = models.JSONField()  # [{item, text, scale, answer, answer_label, weight}]
    score = models.DecimalField(max_digits=8, decimal_places=2)
    band = models.CharField(max_length=40)
    band_label = models.CharField(max_length=200)
    judgement = models.TextField()
    next_step = models.CharField(max_length=25, choices=NextStep.choices)
    next_step_note = models.CharField(max_length=500, blank=True)
    screened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    submission_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-screened_on", "-id"]
        indexes = [
            models.Index(fields=["school", "screened_on"], name="screening_school_on"),
            models.Index(fields=["instrument", "school"], name="screening_instrument_school"),
        ]
        constraints = [
            # The professional's judgement is what the screening is for; a bare score is never saved.
            models.CheckConstraint(condition=~Q(judgement=""), name="screening_has_judgement"),
        ]

    def __str__(self) -> str:
        return f"screening {self.pk}"


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Under gennemgang")
    COMPLETED = "completed", _("Afsluttet")


class ConcernLevel(models.TextChoices):
    NONE = "none", _("Ingen bekymring")
    SMALL = "small", _("Lille bekymring")
    SOME = "some", _("Nogen bekymring")
    GREAT = "great", _("Stor bekymring")


class ClassReview(models.Model):
    """A class review (klassegennemgang): one class (school + grade label) on one date."""

    school = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(max_length=10)
    review_date = models.DateField()
    note = models.TextField(blank=True)  # who took part, what was agreed for the class as a whole
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-review_date", "-id"]
        indexes = [models.Index(fields=["school", "review_date"], name="class_review_school_date")]

    def __str__(self) -> str:
        return f"{self.grade} ({self.review_date})"


class ClassReviewEntry(models.Model):
    """One pupil's mark in a class review, and what the agreed next step became (a report of concern or a
    meeting with the parents), if anything."""

    review = models.ForeignKey(ClassReview, on_delete=models.CASCADE, related_name="entries")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=10, choices=ConcernLevel.choices)
    next_step = models.CharField(max_length=25, choices=NextStep.choices)
    note = models.CharField(max_length=1000, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField()
    concern = models.ForeignKey("concerns.Concern", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(
        "detection.FollowUpMeeting", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    converted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["review", "person"], name="class_review_pupil_once")]


class ClassReviewStatusChange(models.Model):
    review = models.ForeignKey(ClassReview, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=10, choices=ReviewStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=ReviewStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]
