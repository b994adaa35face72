"""Core models: the append-only audit log and API tokens.

The audit log is one table for every use of personal data (Datatilsynet's catalogue of security
measures): who, when, what kind of use, which object, which persons, why, in which request. Rows are
inserted inside the transaction that does the work and then *sealed* into a SHA-256 hash chain in a
short transaction of their own (see ADR 0004): the chain makes any later change or deletion visible to
`helhed audit verify`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    VIEW = "view", _("Visning")
    LIST = "list", _("Liste")
    SEARCH = "search", _("Søgning")
    CREATE = "create", _("Oprettelse")
    UPDATE = "update", _("Ændring")
    DELETE = "delete", _("Sletning")
    REVEAL_CPR = "reveal_cpr", _("Visning af fuldt CPR-nummer")
    DOWNLOAD = "download", _("Download")
    EXPORT = "export", _("Eksport")
    BREAK_GLASS = "break_glass", _("Nødadgang")
    MERGE = "merge", _("Sammenlægning")
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Mislykket login")
    LOGOUT = "logout", _("Logout")
    PURGE = "purge", _("Sletning af gammel log")
    TOKEN = "token", _("API-nøgle")
    DISCLOSE = "disclose", _("Videregivelse")


class AuditChannel(models.TextChoices):
    UI = "ui", _("Brugerflade")
    API = "api", _("API")
    CLI = "cli", _("Kommandolinje")
    SYSTEM = "system", _("System")


class AuditEvent(models.Model):
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too: the log must still say who it was if the user account is later removed.
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    channel = models.CharField(max_length=10, choices=AuditChannel.choices, default=AuditChannel.UI)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    reason = models.TextField(blank=True)
    criterion = models.TextField(blank=True, help_text="Search criterion (CPR numbers masked)")
    detail = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    person_ids = models.JSONField(default=list, blank=True)
    # Set when sealed into the chain.
    seq = models.BigIntegerField(null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
            models.Index(fields=["seq"], condition=models.Q(seq__isnull=True), name="audit_unsealed"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action} {self.object_type}"


class AuditSubject(models.Model):
    """One row per person concerned by an event, so 'who looked at child X' is an indexed lookup."""

    event = models.ForeignKey(AuditEvent, on_delete=models.CASCADE, related_name="subjects")
    person_id = models.BigIntegerField()
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["person_id", "at"], name="audit_subject_person_at")]


class AuditChain(models.Model):
    """Singleton head of the hash chain. Locked while sealing so the chain is strictly linear."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    # After a retention purge the oldest remaining event links to this anchor.
    anchor_seq = models.BigIntegerField(default=0)
    anchor_hash = models.CharField(max_length=64, default="0" * 64)


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class SubmissionKey(models.Model):
    """A form's one-time key, claimed by the service that saves the form, so that a double click or a
    resubmitted page saves once (core.idempotency)."""

    key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
