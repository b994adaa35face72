"""Meetings around a child's case (Aftaleforum, network, handover, triangle and psychiatry coordination
meetings), their participants, minutes and decisions. A decision has an owner and a due date and is that
owner's task until it is done or cancelled (ADR 0011)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingKind(models.TextChoices):
    AFTALEFORUM = "aftaleforum", _("Aftaleforum")
    NETWORK = "network", _("Netværksmøde")
    HANDOVER = "handover", _("Overdragelsesmøde")
    TRIANGLE = "triangle", _("Trekantsmøde (familieenhed, UU og jobcenter)")
    PSYCHIATRY = "psychiatry", _("Koordinering med psykiatrien")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planlagt")
    HELD = "held", _("Afholdt")
    CANCELLED = "cancelled", _("Aflyst")


class Visibility(models.TextChoices):
    """Who may read a minutes item or a decision: the narrowest level wins."""

    FAMILY = "family", _("Alle deltagere, også familien")
    PROFESSIONALS = "professionals", _("Kun fagpersoner på sagen")
    CASEWORKERS = "caseworkers", _("Kun sagsbehandlerne")


class Meeting(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(max_length=20, choices=MeetingKind.choices)
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    location = models.CharField(max_length=200)
    agenda = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="chaired_meetings")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    minutes_sent_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["case", "starts_at"], name="meeting_case_start")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d}"


class MeetingStatusChange(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="status_history")
    from_status = models.CharField(max_length=10, choices=MeetingStatus.choices)
    to_status = models.CharField(max_length=10, choices=MeetingStatus.choices)
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]


class ParticipantKind(models.TextChoices):
    STAFF = "staff", _("Medarbejder i kommunen")
    PARENT = "parent", _("Forælder")
    CHILD = "child", _("Barnet eller den unge")
    EXTERNAL = "external", _("Ekstern deltager")


class InvitationChannel(models.TextChoices):
    APP = "app", _("I Helhed")
    EMAIL = "email", _("E-mail med kalenderfil")
    LETTER = "letter", _("Brev")


class Attendance(models.TextChoices):
    INVITED = "invited", _("Inviteret")
    PRESENT = "present", _("Deltog")
    ABSENT = "absent", _("Deltog ikke")


class Participant(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    kind = models.CharField(max_length=10, choices=ParticipantKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="meeting_invitations"
    )
    name = models.CharField(max_length=160)
    role = models.CharField(max_length=120, blank=True)  # "mor", "klasselærer", "psykolog, børnepsykiatrien"
    email = models.EmailField(blank=True)
    channels = models.JSONField(default=list)  # InvitationChannel values the invitation went by
    invitation_document_id = models.IntegerField(null=True, blank=True)  # a letter filed on the case
    minutes_document_id = models.IntegerField(null=True, blank=True)  # their copy of the minutes, filed
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=200, blank=True)  # the invitation e-mail could not be sent
    attendance = models.CharField(max_length=10, choices=Attendance.choices, default=Attendance.INVITED)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"], condition=models.Q(user__isnull=False), name="participant_user_once"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="staff", user__isnull=False) | ~models.Q(kind="staff"),
                name="participant_staff_is_a_user",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MinutesItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="minutes")
    title = models.CharField(max_length=200)
    body = models.TextField()
    visibility = models.CharField(max_length=15, choices=Visibility.choices, default=Visibility.FAMILY)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["written_at", "id"]


class DecisionStatus(models.TextChoices):
    OPEN = "open", _("Åben")
    DONE = "done", _("Udført")
    CANCELLED = "cancelled", _("Annulleret")


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField()
    binding = models.BooleanField(default=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decisions_owned")
    administration = models.CharField(max_length=3)  # organisation.AdministrationCode
    due_on = models.DateField()
    visibility = models.CharField(max_length=15, choices=Visibility.choices, default=Visibility.FAMILY)
    status = models.CharField(max_length=10, choices=DecisionStatus.choices, default=DecisionStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["owner", "status", "due_on"], name="decision_owner_open"),
            models.Index(fields=["case", "status"], name="decision_case_status"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class DecisionStatusChange(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=10, choices=DecisionStatus.choices)
    to_status = models.CharField(max_length=10, choices=DecisionStatus.choices)
    note = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]
