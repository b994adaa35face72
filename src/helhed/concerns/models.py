"""Reports of concern (underretninger): the report as received, its 24-hour assessment, the acute-track
checklist for violence and sexual abuse, the letters to the notifier, and the status history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ConcernCategory(models.TextChoices):
    VIOLENCE = "violence", _("Vold")
    SEXUAL_ABUSE = "sexual_abuse", _("Seksuelle overgreb")
    NEGLECT = "neglect", _("Omsorgssvigt")
    SCHOOL_ABSENCE = "school_absence", _("Skolefravær")
    BEHAVIOUR = "behaviour", _("Adfærd og trivsel")
    SUBSTANCE_USE = "substance_use", _("Misbrug")
    CRIME = "crime", _("Kriminalitet")
    PARENTS_RESOURCES = "parents_resources", _("Forældrenes ressourcer")
    MENTAL_HEALTH = "mental_health", _("Psykisk sygdom eller mistrivsel")
    OTHER = "other", _("Andet")


class NotifierKind(models.TextChoices):
    PROFESSIONAL = "professional", _("Fagperson")
    CITIZEN = "citizen", _("Borger")
    ANONYMOUS = "anonymous", _("Anonym")


class Channel(models.TextChoices):
    IN_APP = "in_app", _("Helhed")
    PUBLIC_FORM = "public_form", _("Offentlig formular")
    API = "api", _("API")
    PHONE = "phone", _("Telefon")
    LETTER = "letter", _("Brev")
    EMAIL = "email", _("Sikker e-mail")


class Awareness(models.TextChoices):
    YES = "yes", _("Ja")
    NO = "no", _("Nej")
    UNKNOWN = "unknown", _("Ved ikke")


class ConcernStatus(models.TextChoices):
    RECEIVED = "received", _("Modtaget")
    ASSESSED = "assessed", _("Vurderet")
    CLOSED = "closed", _("Afsluttet")


class Decision(models.TextChoices):
    NO_ACTION = "no_action", _("Ingen yderligere handling")
    OPEN_COUNSELLING = "open_counselling", _("Åben anonym rådgivning")
    SCREENING = "screening", _("Screening (§ 18)")
    MAPPING = "mapping", _("Afdækning (§ 19)")
    CHILD_ASSESSMENT = "child_assessment", _("Børnefaglig undersøgelse (§ 20)")


class Concern(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    received_at = models.DateTimeField(db_index=True)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=ConcernStatus.choices, default=ConcernStatus.RECEIVED)
    receiving_unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="concerns")
    # The notifier. A professional with an account is `notifier_user`; others leave name and contact.
    notifier_kind = models.CharField(max_length=12, choices=NotifierKind.choices)
    notifier_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="concerns_filed"
    )
    notifier_unit = models.ForeignKey(
        "organisation.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="concerns_filed"
    )
    notifier_name = models.CharField(max_length=160, blank=True)
    notifier_role = models.CharField(max_length=120, blank=True)
    notifier_email = models.EmailField(blank=True)
    notifier_phone = models.CharField(max_length=30, blank=True)
    # The child as the notifier described it.
    child_first_name = models.CharField(max_length=120, blank=True)
    child_last_name = models.CharField(max_length=120, blank=True)
    child_birth_date = models.DateField(null=True, blank=True)
    child_cpr_encrypted = models.TextField(blank=True)
    child_cpr_hash = models.CharField(max_length=64, blank=True, db_index=True)
    child_address = models.CharField(max_length=200, blank=True)
    # The child and case the reception matched the report to (or intake matched by an exact CPR number).
    child = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="concerns")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="concerns")
    description = models.TextField()
    categories = models.JSONField(default=list)
    acute_track = models.BooleanField(default=False)
    child_knows = models.CharField(max_length=8, choices=Awareness.choices, default=Awareness.UNKNOWN)
    parents_know = models.CharField(max_length=8, choices=Awareness.choices, default=Awareness.UNKNOWN)
    # The reception worker who has taken the report (owner of its deadlines).
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="concerns_assigned"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["receiving_unit", "status", "received_at"], name="concern_reception"),
            models.Index(fields=["child", "received_at"], name="concern_child"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def child_label(self) -> str:
        name = f"{self.child_first_name} {self.child_last_name}".strip()
        return name

    def category_labels(self) -> list[str]:
        labels = dict(ConcernCategory.choices)
        return [str(labels.get(c, c)) for c in self.categories]


class ConcernAttachment(models.Model):
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="attachments")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=80, unique=True)
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class ConcernAssessment(models.Model):
    """The 24-hour assessment (BL § 136) and the decision that followed."""

    concern = models.OneToOneField(Concern, on_delete=models.CASCADE, related_name="assessment")
    acute_danger = models.BooleanField()
    acute_measures = models.TextField(blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices)
    reasoning = models.TextField()
    police_involved = models.BooleanField(default=False)
    childrens_house_involved = models.BooleanField(default=False)
    parents_informed = models.BooleanField(default=False)
    parents_not_informed_reason = models.TextField(blank=True)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField()


class ChecklistItem(models.Model):
    """One step of the acute track for violence and sexual abuse, ticked with who and when."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="checklist")
    code = models.CharField(max_length=30)
    note = models.TextField(blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField()

    class Meta:
        ordering = ["done_at", "id"]
        constraints = [models.UniqueConstraint(fields=["concern", "code"], name="checklist_item_once")]


class LetterKind(models.TextChoices):
    RECEIPT = "receipt", _("Kvittering")
    FEEDBACK = "feedback", _("Tilbagemelding")


class ConcernLetter(models.Model):
    """A receipt or feedback letter to the notifier, as the PDF that was made, and how it was sent."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="letters")
    kind = models.CharField(max_length=10, choices=LetterKind.choices)
    storage_name = models.CharField(max_length=80, unique=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    emailed_to = models.EmailField(blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=200, blank=True)
    # The copy filed on the child's case (a cases.Document), when there is a case.
    case_document_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["concern", "kind"], name="letter_once_per_kind")]


class ConcernStatusChange(models.Model):
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=10, choices=ConcernStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=ConcernStatus.choices)
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]


class ReferenceCounter(models.Model):
    """Serial per year for report references (U-2026-000123), taken under a row lock."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class ThrottleHit(models.Model):
    """One submission of the public form from a (hashed) address, for the per-address throttle."""

    sender_hash = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["sender_hash", "at"], name="throttle_sender_at")]
