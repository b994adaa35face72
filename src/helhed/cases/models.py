"""The shared child case: one per child, with team, journal, documents, status history and timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Åben")
    CLOSED = "closed", _("Lukket")
    REOPENED = "reopened", _("Genåbnet")


ACTIVE_STATUSES = (CaseStatus.OPEN, CaseStatus.REOPENED)


class Case(models.Model):
    child = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="cases")
    kle_code = models.CharField(_("KLE-emne"), max_length=8, default="27.24.00")
    handling_facet = models.CharField(_("handlingsfacet"), max_length=3, default="G01")
    journal_number = models.CharField(_("journalnummer"), max_length=40, unique=True)
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    responsible_unit = models.ForeignKey(
        "organisation.Unit", on_delete=models.PROTECT, related_name="cases", verbose_name=_("ansvarlig enhed")
    )
    title = models.CharField(_("sagens titel"), max_length=200, blank=True)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Optimistic concurrency: forms carry the version they were read at; a stale submit is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=Q(status__in=["open", "reopened"]), name="case_one_open_per_child"
            ),
        ]
        indexes = [models.Index(fields=["responsible_unit", "status"], name="case_unit_status")]

    def __str__(self) -> str:
        return self.journal_number

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class JournalNumberCounter(models.Model):
    """Serial per year for journal numbers (27.24.00-G01-<serial>-<yy>), taken under a row lock."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class CaseStatusChange(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_history")
    from_status = models.CharField(max_length=10, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=CaseStatus.choices)
    reason = models.TextField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]


class TeamRole(models.TextChoices):
    RESPONSIBLE_CASEWORKER = "responsible_caseworker", _("Ansvarlig rådgiver")
    CASEWORKER = "caseworker", _("Rådgiver")
    COUNSELLOR = "counsellor", _("Rådgiver, åben anonym rådgivning")
    SCHOOL_SOCIAL_WORKER = "school_social_worker", _("Skolesocialrådgiver")
    TEACHER = "teacher", _("Lærer / klasselærer")
    PEDAGOGUE = "pedagogue", _("Pædagog")
    PPR = "ppr", _("PPR")
    HEALTH_VISITOR = "health_visitor", _("Sundhedsplejerske")
    EMPLOYMENT_ADVISER = "employment_adviser", _("Jobcenter- / UU-vejleder")
    PSYCHIATRY = "psychiatry", _("Psykiatrien")
    LEADER = "leader", _("Leder")
    OTHER = "other", _("Anden fagperson")


class TeamMember(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_memberships")
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=30, choices=TeamRole.choices)
    is_parent_contact = models.BooleanField(
        _("kontaktperson for forældrene"),
        default=False,
        help_text=_("Den person forældrene skal henvende sig til. Der er altid præcis én."),
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["valid_from", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(role="responsible_caseworker", valid_to__isnull=True),
                name="team_one_responsible_caseworker",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(is_parent_contact=True, valid_to__isnull=True),
                name="team_one_parent_contact",
            ),
            models.UniqueConstraint(
                fields=["case", "user"], condition=Q(valid_to__isnull=True), name="team_member_once_active"
            ),
        ]
        indexes = [models.Index(fields=["user", "valid_to"], name="team_user_active")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def is_active(self) -> bool:
        return self.valid_to is None


class NoteKind(models.TextChoices):
    NOTE = "note", _("Notat")
    PHONE = "phone", _("Telefonsamtale")
    MEETING = "meeting", _("Møde")
    DECISION = "decision", _("Afgørelse")
    LETTER = "letter", _("Brev")


class JournalNote(models.Model):
    """A saved note is never edited; corrections are dated addenda (JournalAddendum)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="journal")
    kind = models.CharField(_("type"), max_length=10, choices=NoteKind.choices, default=NoteKind.NOTE)
    title = models.CharField(_("overskrift"), max_length=200)
    body = models.TextField(_("tekst"))
    occurred_on = models.DateField(_("dato for hændelsen"))
    shared_with_team = models.BooleanField(
        _("delt med sagens team"),
        default=False,
        help_text=_("Fagpersoner på teamet fra andre forvaltninger kan se delte notater."),
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_index=True)
    submission_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["case", "-created_at"], name="journal_case_created")]

    def __str__(self) -> str:
        return self.title


class JournalAddendum(models.Model):
    note = models.ForeignKey(JournalNote, on_delete=models.CASCADE, related_name="addenda")
    body = models.TextField(_("tilføjelse"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]


class DocumentKind(models.TextChoices):
    LETTER = "letter", _("Brev")
    STATEMENT = "statement", _("Udtalelse")
    REPORT = "report", _("Rapport / undersøgelse")
    CONSENT = "consent", _("Samtykke")
    OTHER = "other", _("Andet")


class Document(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("titel"), max_length=200)
    kind = models.CharField(_("dokumenttype"), max_length=20, choices=DocumentKind.choices)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=100, unique=True)
    shared_with_team = models.BooleanField(_("delt med sagens team"), default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.title


class TimelineEvent(models.Model):
    """One line on the child's timeline. Written by the services of every app, so the timeline is a
    single indexed read instead of a union over every table."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="timeline")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField()
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=250)
    administration = models.CharField(max_length=3, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Whether team members with limited access (summary only) may see this line.
    shared_with_team = models.BooleanField(default=False)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "-at"], name="timeline_person_at")]


class BreakGlassGrant(models.Model):
    """Time-limited access to a case outside the user's reach, with a written reason ('break the glass')."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="break_glass")
    reason = models.TextField()
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["user", "expires_at"], name="breakglass_user_expiry")]
