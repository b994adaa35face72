"""The parents' view (forældrevisning, ADR 0014): a custody holder reads their child's contact person, the approved
plan, coming meetings and the decisions meant for the family. A caseworker gives access with a one-time login link
(`ParentLink`, only the token's SHA-256 is stored); using it logs in the person's `ParentAccount`, a user without any
staff membership. A used, unrevoked link is the grant: the parent sees that case while it is open and they hold
custody of the child."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class ParentAccount(models.Model):
    """The login of one custody holder: a user with no staff membership and no password (a link logs it in)."""

    person = models.OneToOneField("people.Person", on_delete=models.PROTECT, related_name="+")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="parent_account")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"ParentAccount {self.pk}"


class ParentLink(models.Model):
    """A one-time login link for a custody holder to the parents' view of one case. Once used (and until revoked)
    it is that person's access to the case."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="parent_links")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)  # SHA-256 hex of the token; the token is never stored
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(ParentAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="links")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "case"], name="parentlink_person_case")]
        constraints = [
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(used_by__isnull=False), name="parentlink_used_has_account"
            ),
        ]

    def __str__(self) -> str:
        return f"ParentLink {self.pk}"
