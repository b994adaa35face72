"""Early detection from school absence (issue 6): imported absence, the alerts the rule for concerning absence
raises, their follow-up with the parents, and the imports themselves.

Absence is stored per pupil, school, day and kind, only where the pupil was absent; `AbsenceCoverage` says which
days a school's files have reported for the pupil, so a share is never computed over days nobody reported.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AbsenceKindChoice(models.TextChoices):
    ILLNESS = "illness", _("Sygdom")
    PERMITTED = "permitted", _("Lovligt fravær")
    UNAUTHORISED = "unauthorised", _("Ulovligt fravær")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("I kø")
    RUNNING = "running", _("Kører")
    DONE = "done", _("Importeret")
    REJECTED = "rejected", _("Afvist: intet importeret")
    UNCHANGED = "unchanged", _("Allerede importeret: intet ændret")


class AbsenceImport(models.Model):
    """One absence file and what became of it. A file is imported whole or not at all (unless bad lines are
    skipped on request); `report` keeps every bad line with its number and the pupils unknown to the registry
    (masked CPR only)."""

    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField(default=0)
    file_format = models.CharField(max_length=10, blank=True)  # csv / parquet
    stored_name = models.CharField(max_length=200, blank=True)  # the uploaded file in the file store, until run
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    channel = models.CharField(max_length=10, default="ui")  # ui / api / cli
    skip_bad_lines = models.BooleanField(default=False)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    stage = models.CharField(max_length=40, blank=True)  # what it is doing now, for the progress bar
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    rows = models.BigIntegerField(default=0)  # data lines in the file
    pupils = models.IntegerField(default=0)  # distinct pupils imported
    schools = models.IntegerField(default=0)
    absence_rows = models.BigIntegerField(default=0)  # pupil-days with absence written
    bad_lines = models.IntegerField(default=0)
    unknown_pupils = models.IntegerField(default=0)
    first_day = models.DateField(null=True, blank=True)
    last_day = models.DateField(null=True, blank=True)
    report = models.JSONField(default=dict)  # {"errors": [{line, column, message}], "unknown": [...], "message"}

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["sha256"], condition=Q(status="done"), name="absence_import_file_once"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"


class AbsenceDay(models.Model):
    """A pupil's absence on one school day of one kind, as the school reported it (1 = the whole day).

    A fact table of up to a million rows per school year, written only by the importer with the person and school
    ids it looked up in the same transaction. Like `core.AuditSubject.person_id`, its references carry no database
    constraint: PostgreSQL's per-row foreign-key triggers (a row lock on the person for every absent day) were a
    third of a municipality's import (ADR 0017). Django still cascades a deleted person's rows."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    school = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+", db_constraint=False)
    day = models.DateField()
    kind = models.CharField(max_length=12, choices=AbsenceKindChoice.choices)
    days = models.DecimalField(max_digits=4, decimal_places=3)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "school", "day", "kind"], name="absence_day_once"),
        ]
        # The unique constraint's index serves a pupil's rows; this one the replacement of a school's days. No
        # more: every index slows the import of a municipality's file.
        indexes = [models.Index(fields=["school", "day"], name="absence_school_day")]


class AbsenceCoverage(models.Model):
    """The days a school's files have reported for a pupil (first to last); the share of absence counts only
    school days inside it."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    first_day = models.DateField()
    last_day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "school"], name="absence_coverage_once"),
            models.CheckConstraint(condition=Q(last_day__gte=models.F("first_day")), name="absence_coverage_period"),
        ]


class AlertStatus(models.TextChoices):
    NEW = "new", _("Ny")
    ACKNOWLEDGED = "acknowledged", _("Set og taget")
    MEETING_BOOKED = "meeting_booked", _("Møde med forældrene aftalt")
    PLAN = "plan", _("Plan aftalt")
    CLOSED = "closed", _("Lukket")


# The open states: one open alert per pupil at a time.
OPEN_ALERT_STATES = (AlertStatus.NEW, AlertStatus.ACKNOWLEDGED, AlertStatus.MEETING_BOOKED)


class AbsenceAlert(models.Model):
    """A pupil whose absence the rule found concerning, for the school social worker (and the case team) to
    follow up. It holds the numbers that raised it; it decides nothing by itself."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("organisation.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rule_id = models.CharField(max_length=40)
    rule_version = models.CharField(max_length=20)
    as_of = models.DateField()
    window_start = models.DateField()
    window_end = models.DateField()
    school_days = models.IntegerField()
    absent_days = models.DecimalField(max_digits=7, decimal_places=3)
    share = models.DecimalField(max_digits=5, decimal_places=4)
    longest_unauthorised_run = models.IntegerField()
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=15, choices=AlertStatus.choices, default=AlertStatus.NEW)
    raised_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    meeting_held_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)  # the agreed plan, or why it was closed
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=["new", "acknowledged", "meeting_booked"]),
                name="absence_alert_one_open",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status"], name="absence_alert_school"),
            models.Index(fields=["status", "raised_at"], name="absence_alert_status"),
        ]

    def __str__(self) -> str:
        return f"alert {self.pk} ({self.status})"


class AlertStatusChange(models.Model):
    alert = models.ForeignKey(AbsenceAlert, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=15, choices=AlertStatus.choices, blank=True)
    to_status = models.CharField(max_length=15, choices=AlertStatus.choices)
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]


class FollowUpMeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planlagt")
    HELD = "held", _("Afholdt")
    CANCELLED = "cancelled", _("Aflyst")


class FollowUpMeeting(models.Model):
    """A meeting at school with a pupil's parents about a concern found by early detection (an absence alert,
    or a next step from a class review or a screening). It does not need a child-welfare case."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("organisation.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    alert = models.ForeignKey(AbsenceAlert, null=True, blank=True, on_delete=models.CASCADE, related_name="meetings")
    origin = models.CharField(max_length=20, default="absence")  # absence / class_review / screening
    origin_id = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    location = models.CharField(max_length=200)
    parents = models.CharField(max_length=300, blank=True)  # the parents invited, by name
    note = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=FollowUpMeetingStatus.choices, default=FollowUpMeetingStatus.PLANNED
    )
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="followup_meetings")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return self.title
