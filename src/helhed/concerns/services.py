"""Every write of reports of concern: file, take, match, assess (24 hours), tick the acute checklist, make
the receipt and feedback letters, close. Atomic, audited, and each takes the acting user (None for the
public form)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from helhed.cases import services as case_services
from helhed.cases.models import DocumentKind
from helhed.cases.uploads import check_upload
from helhed.core import audit, filestore, idempotency
from helhed.core.concurrency import bump_version, check_version
from helhed.core.errors import Conflict, HelhedError, TooMany
from helhed.core.i18n import record_language
from helhed.core.models import AuditAction
from helhed.core.validation import check_length, check_not_too_early
from helhed.deadlines import services as deadline_services
from helhed.deadlines.rules import Notifier, Trigger
from helhed.organisation.models import CASE_OWNING_KINDS, Unit, UnitKind
from helhed.organisation.selectors import active_memberships
from helhed.people import crypto
from helhed.people import policies as person_policies
from helhed.people.selectors import person_by_cpr

from . import letters, policies, selectors
from .models import (
    Awareness,
    Channel,
    ChecklistItem,
    Concern,
    ConcernAssessment,
    ConcernAttachment,
    ConcernLetter,
    ConcernStatus,
    ConcernStatusChange,
    Decision,
    LetterKind,
    NotifierKind,
    ReferenceCounter,
    ThrottleHit,
)

log = logging.getLogger(__name__)

DESCRIPTION_MAX = 20000


@dataclass
class ReportIn:
    """A report as a notifier gives it (form, public form or API)."""

    description: str
    categories: list[str]
    notifier_kind: str = NotifierKind.PROFESSIONAL
    notifier_name: str = ""
    notifier_role: str = ""
    notifier_email: str = ""
    notifier_phone: str = ""
    notifier_unit_id: int | None = None
    child_cpr: str = ""
    child_first_name: str = ""
    child_last_name: str = ""
    child_birth_date: date | None = None
    child_address: str = ""
    child_knows: str = Awareness.UNKNOWN
    parents_know: str = Awareness.UNKNOWN
    received_at: datetime | None = None
    channel: str = Channel.IN_APP
    attachments: list = field(default_factory=list)


# -- helpers ----------------------------------------------------------------------------------------


def _status_change(concern: Concern, to_status: str, actor, reason: str = "") -> None:
    if (concern.status, to_status) not in policies.TRANSITIONS:
        raise Conflict(_("Underretningen kan ikke skifte status sådan."), code="illegal_transition")
    ConcernStatusChange.objects.create(
        concern=concern,
        from_status=concern.status,
        to_status=to_status,
        reason=reason,
        changed_by=actor if getattr(actor, "pk", None) else None,
        changed_at=timezone.now(),
    )
    concern.status = to_status


def _next_reference(year: int) -> str:
    ReferenceCounter.objects.get_or_create(year=year)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last = F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db()
    return policies.reference(year, counter.last)


def _check_version(concern: Concern, version) -> None:
    check_version(
        concern,
        None if version == "" else version,  # the API's optional version, sent empty
        message=_("Underretningen er ændret af en anden, mens du arbejdede. Genindlæs siden og prøv igen."),
    )


_bump = bump_version


def _choice(value: str, choices, field_name: str) -> str:
    if value not in choices.values:
        raise HelhedError(_("Ugyldigt valg. Vælg en mulighed fra listen."), field=field_name)
    return value


def _notifier_enum(concern: Concern) -> Notifier | None:
    if concern.notifier_kind == NotifierKind.PROFESSIONAL:
        return Notifier.PROFESSIONAL
    if concern.notifier_kind == NotifierKind.CITIZEN and settings.CONCERN_CITIZEN_RECEIPTS:
        return Notifier.CITIZEN
    return None  # anonymous, or citizens when the municipality does not send them receipts


def reception_for(*, child_case, notifier_unit: Unit | None) -> Unit:
    """Which unit receives a report: the unit responsible for the child's active case; else the family
    unit of the notifier's district; else the configured default reception; else the first family unit."""
    if child_case is not None:
        return child_case.responsible_unit
    families = Unit.objects.filter(kind=UnitKind.FAMILY_UNIT, active=True).order_by("id")
    if notifier_unit is not None and notifier_unit.district_id:
        unit = families.filter(district_id=notifier_unit.district_id).first()
        if unit is not None:
            return unit
    if settings.CONCERN_DEFAULT_RECEPTION:
        unit = Unit.objects.filter(code=settings.CONCERN_DEFAULT_RECEPTION, active=True).first()
        if unit is not None:
            return unit
    unit = families.first()
    if unit is None:
        raise HelhedError(_("Kommunen har ikke oprettet en børnefamilieenhed, der kan modtage underretninger."))
    return unit


def _notifier_unit(actor, unit_id) -> Unit | None:
    units = {m.unit_id: m.unit for m in active_memberships(actor)}
    if unit_id not in (None, ""):
        try:
            key = int(unit_id)
        except (TypeError, ValueError):
            key = -1
        if key not in units:
            raise HelhedError(_("Vælg en af dine egne enheder som afsender."), field="notifier_unit")
        return units[key]
    return next(iter(units.values()), None)


# -- file a report ----------------------------------------------------------------------------------


def _clean_report(data: ReportIn, *, now: datetime) -> dict:
    description = (data.description or "").strip()
    if not description:
        raise HelhedError(_("Beskriv hvad du har set og hørt, som gør dig bekymret."), field="description")
    check_length(description, DESCRIPTION_MAX, field="description")
    categories = policies.clean_categories(data.categories)
    kind = _choice(data.notifier_kind, NotifierKind, "notifier_kind")
    child_knows = _choice(data.child_knows or Awareness.UNKNOWN, Awareness, "child_knows")
    parents_know = _choice(data.parents_know or Awareness.UNKNOWN, Awareness, "parents_know")
    received_at = data.received_at or now
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    if received_at > now + timedelta(minutes=1):
        raise HelhedError(
            _("Modtagelsestidspunktet ligger i fremtiden. Skriv hvornår underretningen kom ind."), field="received_at"
        )
    check_not_too_early(received_at.date(), field="received_at")
    texts = {
        "notifier_name": (data.notifier_name, 160),
        "notifier_role": (data.notifier_role, 120),
        "notifier_phone": (data.notifier_phone, 30),
        "child_first_name": (data.child_first_name, 120),
        "child_last_name": (data.child_last_name, 120),
        "child_address": (data.child_address, 200),
    }
    clean = {}
    for name, (value, max_length) in texts.items():
        value = (value or "").strip()
        check_length(value, max_length, field=name)
        clean[name] = value
    email = (data.notifier_email or "").strip()
    if email:
        try:
            validate_email(email)
        except Exception:
            raise HelhedError(
                _("E-mailadressen er ikke gyldig. Skriv den som navn@eksempel.dk."), field="notifier_email"
            )
    if kind == NotifierKind.ANONYMOUS:
        # Anonymous means anonymous: nothing about the sender is kept.
        clean.update(notifier_name="", notifier_role="", notifier_phone="")
        email = ""
    cpr_number, birth_date = "", data.child_birth_date
    if (data.child_cpr or "").strip():
        try:
            parsed = person_policies.parse(data.child_cpr, today=now.date())
        except person_policies.InvalidCpr as exc:
            raise HelhedError(str(exc), field="child_cpr")
        if birth_date and birth_date != parsed.birth_date:
            raise HelhedError(
                _("Fødselsdatoen passer ikke til CPR-nummeret. Tjek begge dele, eller skriv kun det ene."),
                field="child_birth_date",
            )
        cpr_number, birth_date = parsed.number, parsed.birth_date
    if birth_date and birth_date > received_at.date():
        raise HelhedError(_("Barnets fødselsdato ligger i fremtiden. Tjek datoen."), field="child_birth_date")
    if not (
        cpr_number or clean["child_first_name"] or clean["child_last_name"] or birth_date or clean["child_address"]
    ):
        raise HelhedError(
            _("Skriv hvad du ved om barnet: navn, fødselsdato, CPR-nummer eller adresse."), field="child_first_name"
        )
    return dict(
        description=description,
        categories=categories,
        notifier_kind=kind,
        notifier_email=email,
        child_knows=child_knows,
        parents_know=parents_know,
        received_at=received_at,
        cpr_number=cpr_number,
        birth_date=birth_date,
        **clean,
    )


@transaction.atomic
def concern_file(*, actor, data: ReportIn, submission_key: str | None = None) -> Concern:
    """Receive a report of concern: validate all of it, route it to a reception, match an exact CPR number
    to the child (and their active case), start the deadlines (24-hour assessment, receipt), store the
    attachments, and send the receipt at once when the notifier has an e-mail address."""
    now = timezone.now()
    is_staff = bool(getattr(actor, "pk", None))
    if data.channel not in Channel.values:
        raise HelhedError(_("Ukendt kanal. Vælg Helhed, telefon, brev eller sikker e-mail."), field="channel")
    if data.channel in (Channel.PHONE, Channel.LETTER, Channel.EMAIL) and not (
        is_staff and selectors.reception_unit_ids(actor)
    ):
        raise HelhedError(_("Kun modtagelsen kan registrere en underretning modtaget pr. telefon eller brev."))
    if (
        data.received_at is not None
        and data.channel in (Channel.IN_APP, Channel.PUBLIC_FORM, Channel.API)
        and not (is_staff and selectors.reception_unit_ids(actor))
    ):
        data.received_at = None  # the notifier's own report is received when it is sent
    clean = _clean_report(data, now=now)
    idempotency.claim(key=submission_key, actor=actor)

    notifier_unit = None
    notifier_name, notifier_email, notifier_role = (
        clean["notifier_name"],
        clean["notifier_email"],
        clean["notifier_role"],
    )
    if is_staff and data.channel in (Channel.IN_APP, Channel.API):
        notifier_unit = _notifier_unit(actor, data.notifier_unit_id)
        clean["notifier_kind"] = NotifierKind.PROFESSIONAL
        notifier_name = actor.get_full_name() or actor.username
        notifier_email = actor.email or notifier_email
        notifier_role = notifier_role or actor.get_title_display()

    child = person_by_cpr(clean["cpr_number"]) if clean["cpr_number"] else None
    birth_date = clean["birth_date"] or (child.birth_date if child is not None else None)
    from helhed.cases.selectors import active_case_of

    child_case = active_case_of(child)
    # A young person over 18 may be reported about only while their case is active (aftercare).
    problem = policies.age_problem(birth_date, clean["received_at"].date(), in_aftercare=child_case is not None)
    if problem:
        raise HelhedError(problem, field="child_birth_date", code="over_age")
    unit = reception_for(child_case=child_case, notifier_unit=notifier_unit)

    files = [f for f in data.attachments if f]
    if len(files) > settings.CONCERN_MAX_ATTACHMENTS:
        raise HelhedError(
            _("Du kan højst vedhæfte %(n)s filer.") % {"n": settings.CONCERN_MAX_ATTACHMENTS}, field="attachments"
        )
    checked = [(f, check_upload(f)) for f in files]

    concern = Concern(
        reference=_next_reference(timezone.localdate(clean["received_at"]).year),
        received_at=clean["received_at"],
        channel=data.channel,
        receiving_unit=unit,
        notifier_kind=clean["notifier_kind"],
        notifier_user=actor if is_staff and data.channel in (Channel.IN_APP, Channel.API) else None,
        notifier_unit=notifier_unit,
        notifier_name=notifier_name,
        notifier_role=notifier_role,
        notifier_email=notifier_email,
        notifier_phone=clean["notifier_phone"],
        child_first_name=clean["child_first_name"],
        child_last_name=clean["child_last_name"],
        child_birth_date=birth_date,
        child_cpr_encrypted=crypto.encrypt(clean["cpr_number"]) if clean["cpr_number"] else "",
        child_cpr_hash=crypto.lookup_hash(clean["cpr_number"]) if clean["cpr_number"] else "",
        child_address=clean["child_address"],
        child=child,
        case=child_case,
        description=clean["description"],
        categories=clean["categories"],
        acute_track=policies.is_acute(clean["categories"]),
        child_knows=clean["child_knows"],
        parents_know=clean["parents_know"],
        created_by=actor if is_staff else None,
        created_at=now,
    )
    concern.status = ConcernStatus.RECEIVED
    concern.save()
    ConcernStatusChange.objects.create(
        concern=concern,
        from_status="",
        to_status=ConcernStatus.RECEIVED,
        changed_by=actor if is_staff else None,
        changed_at=now,
    )
    stored = []
    try:
        for upload, check in checked:
            item = filestore.store(upload.chunks(), check.extension)
            stored.append(item)
            ConcernAttachment.objects.create(
                concern=concern,
                original_name=(upload.name or "")[:255],
                content_type=check.content_type,
                size=item.size,
                sha256=item.sha256,
                storage_name=item.storage_name,
                uploaded_at=now,
            )
        deadline_services.deadlines_start(
            actor=actor,
            trigger=Trigger.CONCERN_RECEIVED,
            at=concern.received_at,
            person=child,
            case=child_case,
            unit=unit,
            notifier=_notifier_enum(concern),
            source=concern,
        )
        if child_case is not None:
            _timeline(concern, actor, _("Underretning modtaget (%(ref)s)") % {"ref": concern.reference})
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=concern,
            persons=[child],
            case_id=child_case.pk if child_case is not None else None,
            detail={
                "channel": concern.channel,
                "notifier": concern.notifier_kind,
                "categories": concern.categories,
                "matched_by_cpr": child is not None,
                "attachments": len(stored),
            },
        )
        if policies.receipt_owed(concern.notifier_kind, citizen_receipts=settings.CONCERN_CITIZEN_RECEIPTS) and (
            concern.notifier_email
        ):
            _make_letter(concern, LetterKind.RECEIPT, actor)
    except BaseException:
        filestore.discard(stored)
        raise
    return concern


def _timeline(concern: Concern, actor, title: str) -> None:
    case = concern.case
    if case is None:
        return
    with record_language():
        case_services.timeline_add(
            person_id=case.child_id,
            case=case,
            kind="concern",
            title=title,
            actor=actor,
            administration=concern.receiving_unit.administration.code if concern.receiving_unit_id else "",
            obj=concern,
        )


# -- the public form's throttle ---------------------------------------------------------------------


def sender_hash(address: str) -> str:
    """A keyed hash of the sender's address: enough to count submissions, useless to anyone without the key."""
    return hmac.new(settings.CPR_HASH_KEY.encode(), f"sender:{address}".encode(), hashlib.sha256).hexdigest()


def throttle_check(address: str) -> None:
    """Refuse a public submission if this address has sent too many in the last hour (HTTP 429)."""
    since = timezone.now() - timedelta(hours=1)
    key = sender_hash(address or "unknown")
    if ThrottleHit.objects.filter(sender_hash=key, at__gte=since).count() >= settings.CONCERN_PUBLIC_PER_HOUR:
        raise TooMany(
            _(
                "Der er sendt mange underretninger fra din forbindelse inden for den seneste time. Vent lidt og prøv "
                "igen, eller ring til kommunen. Er et barn i akut fare, så ring 112."
            ),
            code="throttled",
        )


def throttle_note(address: str) -> None:
    """Count a saved public submission; hits older than a day are no longer needed and go."""
    ThrottleHit.objects.filter(at__lt=timezone.now() - timedelta(days=1)).delete()
    ThrottleHit.objects.create(sender_hash=sender_hash(address or "unknown"), at=timezone.now())


# -- the reception's work ---------------------------------------------------------------------------


def _locked(actor, concern_id) -> Concern:
    return selectors.concern_for(actor=actor, concern_id=concern_id, audit_view=None, lock=True)


@transaction.atomic
def concern_assign(*, actor, concern_id, version=None) -> Concern:
    """Take a report: the worker becomes the owner of its open deadlines (they show on 'Mine frister')."""
    concern = _locked(actor, concern_id)
    _check_version(concern, version)
    if concern.status == ConcernStatus.CLOSED:
        raise Conflict(_("Underretningen er afsluttet."), code="closed")
    concern.assigned_to = actor
    _bump(concern, "assigned_to")
    deadline_services.deadlines_set_owner(actor=actor, source=concern, owner=actor)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=concern,
        persons=[concern.child_id],
        case_id=concern.case_id,
        detail={"assigned_to": actor.pk},
    )
    return concern


@transaction.atomic
def concern_match(
    *,
    actor,
    concern_id,
    person_id=None,
    new_person: dict | None = None,
    open_case: bool = False,
    version=None,
) -> Concern:
    """Match the report to a child (an existing person, or a new one created from what the reception
    knows) and to the child's active case, or open one in the receiving unit. The report's deadlines
    follow the child and case."""
    from helhed.cases.selectors import active_case_of
    from helhed.people import services as people_services
    from helhed.people.selectors import person_for

    concern = _locked(actor, concern_id)
    _check_version(concern, version)
    if concern.status == ConcernStatus.CLOSED:
        raise Conflict(_("Underretningen er afsluttet."), code="closed")
    if person_id not in (None, ""):
        child = person_for(actor=actor, person_id=person_id, what="concern_match")
        while child.merged_into is not None:
            child = child.merged_into
    elif new_person:
        cpr = crypto.decrypt(concern.child_cpr_encrypted) if concern.child_cpr_encrypted else None
        child = people_services.person_create(
            actor=actor,
            first_name=new_person.get("first_name") or concern.child_first_name,
            last_name=new_person.get("last_name") or concern.child_last_name,
            cpr=new_person.get("cpr") or cpr,
            no_cpr_reason=new_person.get("no_cpr_reason", ""),
            birth_date=new_person.get("birth_date") or concern.child_birth_date,
            address=new_person.get("address") or concern.child_address,
        )
    else:
        raise HelhedError(_("Vælg barnet, eller opret det som ny person."), field="person_id")
    case = active_case_of(child)
    problem = policies.age_problem(child.birth_date, concern.received_at.date(), in_aftercare=case is not None)
    if problem:
        raise HelhedError(problem, field="person_id", code="over_age")
    if case is None and open_case:
        if concern.receiving_unit.kind not in CASE_OWNING_KINDS:
            raise HelhedError(_("Modtagelsen kan ikke eje sager. Åbn sagen fra en børnefamilieenhed."))
        case = case_services.case_open(
            actor=actor,
            child=child,
            responsible_unit=concern.receiving_unit,
            responsible_caseworker=concern.assigned_to or actor,
            title=_("Underretning %(ref)s") % {"ref": concern.reference},
        )
    concern.child, concern.case = child, case
    _bump(concern, "child", "case")
    owner = concern.assigned_to
    deadline_services.deadlines_attach(actor=actor, source=concern, person=child, case=case, owner=owner)
    _timeline(concern, actor, _("Underretning %(ref)s knyttet til sagen") % {"ref": concern.reference})
    for letter in concern.letters.filter(case_document_id__isnull=True):
        _file_on_case(concern, letter, actor)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=concern,
        persons=[child],
        case_id=case.pk if case is not None else None,
        detail={"matched": True, "case_opened": bool(open_case and case is not None)},
    )
    return concern


@dataclass
class AssessmentIn:
    acute_danger: bool
    decision: str
    reasoning: str
    acute_measures: str = ""
    police_involved: bool = False
    childrens_house_involved: bool = False
    parents_informed: bool = False
    parents_not_informed_reason: str = ""


@transaction.atomic
def concern_assess(*, actor, concern_id, data: AssessmentIn, version=None) -> ConcernAssessment:
    """Record the 24-hour assessment (BL § 136) and the decision. Meets the 24-hour deadline, starts the
    feedback reminder for a professional notifier, and for a child assessment (§ 20) starts its
    4-month deadline on the case."""
    concern = _locked(actor, concern_id)
    _check_version(concern, version)
    if concern.status != ConcernStatus.RECEIVED:
        raise Conflict(_("Underretningen er allerede vurderet."), code="already_assessed")
    decision = _choice(data.decision, Decision, "decision")
    reasoning = (data.reasoning or "").strip()
    if not reasoning:
        raise HelhedError(_("Skriv begrundelsen for vurderingen."), field="reasoning")
    check_length(reasoning, DESCRIPTION_MAX, field="reasoning")
    measures = (data.acute_measures or "").strip()
    check_length(measures, DESCRIPTION_MAX, field="acute_measures")
    if data.acute_danger and not measures:
        raise HelhedError(
            _("Barnet er i akut fare: skriv hvilke akutte foranstaltninger der er sat i gang."), field="acute_measures"
        )
    not_informed = (data.parents_not_informed_reason or "").strip()
    check_length(not_informed, 2000, field="parents_not_informed_reason")
    if not data.parents_informed and not not_informed:
        raise HelhedError(
            _("Skriv hvorfor forældrene ikke er orienteret (fx fordi politiet skal høres først)."),
            field="parents_not_informed_reason",
        )
    if decision in policies.DECISIONS_NEEDING_CASE and concern.case_id is None:
        raise HelhedError(
            _("Knyt først underretningen til barnet og barnets sag. Denne beslutning fortsætter på sagen."),
            field="decision",
            code="needs_case",
        )
    now = timezone.now()
    assessment = ConcernAssessment.objects.create(
        concern=concern,
        acute_danger=data.acute_danger,
        acute_measures=measures,
        decision=decision,
        reasoning=reasoning,
        police_involved=data.police_involved,
        childrens_house_involved=data.childrens_house_involved,
        parents_informed=data.parents_informed,
        parents_not_informed_reason="" if data.parents_informed else not_informed,
        assessed_by=actor,
        assessed_at=now,
    )
    _status_change(concern, ConcernStatus.ASSESSED, actor)
    _bump(concern, "status")
    deadline_services.deadlines_meet_for(actor=actor, source=concern, rule_ids=["concern.assess_24h"], at=now)
    owner = concern.assigned_to or actor
    deadline_services.deadlines_start(
        actor=actor,
        trigger=Trigger.CONCERN_DECIDED,
        at=now,
        person=concern.child,
        case=concern.case,
        owner=owner,
        unit=concern.case.responsible_unit if concern.case is not None else concern.receiving_unit,
        notifier=Notifier.PROFESSIONAL if policies.feedback_owed(concern.notifier_kind) else None,
        source=concern,
    )
    if decision == Decision.CHILD_ASSESSMENT and concern.case is not None:
        from helhed.cases.selectors import responsible_caseworker_of

        deadline_services.deadlines_start(
            actor=actor,
            trigger=Trigger.ASSESSMENT_STARTED,
            at=now,
            person=concern.child,
            case=concern.case,
            owner=responsible_caseworker_of(concern.case) or owner,
            source=assessment,
        )
    _timeline(
        concern,
        actor,
        _("Underretning %(ref)s vurderet: %(decision)s")
        % {"ref": concern.reference, "decision": Decision(decision).label},
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=assessment,
        persons=[concern.child_id],
        case_id=concern.case_id,
        detail={"decision": decision, "acute_danger": data.acute_danger, "acute_track": concern.acute_track},
    )
    return assessment


@transaction.atomic
def checklist_tick(*, actor, concern_id, code: str, note: str = "") -> ChecklistItem:
    concern = _locked(actor, concern_id)
    if not concern.acute_track:
        raise Conflict(_("Underretningen er ikke på det akutte spor."), code="not_acute")
    if code not in policies.CHECKLIST_CODES:
        raise HelhedError(_("Ukendt punkt på tjeklisten."), field="code")
    note = (note or "").strip()
    check_length(note, 2000, field="note")
    if ChecklistItem.objects.filter(concern=concern, code=code).exists():
        raise Conflict(_("Punktet er allerede afkrydset."), code="duplicate")
    item = ChecklistItem.objects.create(concern=concern, code=code, note=note, done_by=actor, done_at=timezone.now())
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=concern,
        persons=[concern.child_id],
        case_id=concern.case_id,
        detail={"checklist": code, "version": policies.ACUTE_CHECKLIST_VERSION},
    )
    return item


# -- letters ----------------------------------------------------------------------------------------


def _make_letter(concern: Concern, kind: str, actor) -> ConcernLetter:
    decision = None
    if kind == LetterKind.FEEDBACK:
        decision = ConcernAssessment.objects.filter(concern=concern).values_list("decision", flat=True).first()
    content = letters.render_pdf(concern, kind, decision=decision)
    name = letters.filename(concern, kind)
    stored = filestore.store([content], PurePath(name).suffix)
    try:
        letter = ConcernLetter.objects.create(
            concern=concern,
            kind=kind,
            storage_name=stored.storage_name,
            sha256=stored.sha256,
            size=stored.size,
            created_by=actor if getattr(actor, "pk", None) else None,
            created_at=timezone.now(),
            emailed_to=concern.notifier_email,
        )
        if concern.case_id and getattr(actor, "pk", None):
            _file_on_case(concern, letter, actor, content)
        rule = "concern.receipt" if kind == LetterKind.RECEIPT else "concern.feedback"
        deadline_services.deadlines_meet_for(actor=actor, source=concern, rule_ids=[rule], at=letter.created_at)
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=letter,
            persons=[concern.child_id],
            case_id=concern.case_id,
            detail={"kind": kind, "emailed": bool(letter.emailed_to)},
        )
    except BaseException:
        filestore.discard([stored])
        raise
    if letter.emailed_to:
        transaction.on_commit(lambda: _send_letter(letter.pk, content, name))
    return letter


def _file_on_case(concern: Concern, letter: ConcernLetter, actor, content: bytes | None = None) -> None:
    """Put a copy of the letter in the case's documents (once). A letter made before the report had a case
    (e.g. the public form's receipt) is filed when the reception matches the report."""
    case = concern.case
    if letter.case_document_id or case is None:
        return
    if content is None:
        content = filestore.path_for(letter.storage_name).read_bytes()
    with record_language():
        title = _("%(kind)s til underretter (%(ref)s)") % {
            "kind": LetterKind(letter.kind).label,
            "ref": concern.reference,
        }
    doc = case_services.document_file_generated(
        actor=actor,
        case=case,
        content=content,
        filename=letters.filename(concern, letter.kind),
        title=title,
        kind=DocumentKind.LETTER,
    )
    letter.case_document_id = doc.pk
    letter.save(update_fields=["case_document_id"])


def _send_letter(letter_id: int, content: bytes, name: str) -> None:
    """Send a letter by e-mail after its transaction has committed; a failure is recorded on the letter
    (the reception sees it and sends the PDF another way), never lost."""
    letter = ConcernLetter.objects.select_related("concern").get(pk=letter_id)
    concern = letter.concern
    subject = {
        LetterKind.RECEIPT: "Kvittering for underretning %s",
        LetterKind.FEEDBACK: "Tilbagemelding på underretning %s",
    }[LetterKind(letter.kind)] % concern.reference
    body = (
        f"Se vedhæftede brev fra {concern.receiving_unit.name}, {settings.HELHED_MUNICIPALITY_NAME}.\n\n"
        f"Reference: {concern.reference}\n"
    )
    message = EmailMessage(subject=subject, body=body, to=[letter.emailed_to])
    message.attach(name, content, "application/pdf")
    try:
        message.send()
    except Exception as exc:  # noqa: BLE001 - any transport error is recorded, the letter stays on file
        log.warning("letter %s not e-mailed: %s", letter_id, type(exc).__name__)
        ConcernLetter.objects.filter(pk=letter_id).update(email_error=type(exc).__name__[:200])
        return
    ConcernLetter.objects.filter(pk=letter_id).update(emailed_at=timezone.now(), email_error="")


@transaction.atomic
def letter_make(*, actor, concern_id, kind: str) -> ConcernLetter:
    """Make the receipt or the feedback letter (once each), file it, and e-mail it if there is an address."""
    concern = _locked(actor, concern_id)
    if kind not in LetterKind.values:
        raise HelhedError(_("Ukendt brevtype. Vælg kvittering eller tilbagemelding."), field="kind")
    if concern.letters.filter(kind=kind).exists():
        raise Conflict(_("Brevet er allerede lavet. Du finder det under Breve."), code="duplicate")
    if concern.notifier_kind == NotifierKind.ANONYMOUS:
        raise Conflict(_("Underretteren er anonym og kan ikke få breve."), code="anonymous")
    if kind == LetterKind.FEEDBACK:
        if not policies.feedback_owed(concern.notifier_kind):
            raise Conflict(_("Kun fagpersoner får tilbagemelding efter barnets lov § 137."), code="not_owed")
        if concern.status == ConcernStatus.RECEIVED:
            raise Conflict(_("Vurdér underretningen før du giver tilbagemelding."), code="not_assessed")
    return _make_letter(concern, kind, actor)


@transaction.atomic
def concern_close(*, actor, concern_id, reason: str = "", version=None) -> Concern:
    """Close an assessed report: the feedback owed is made and the acute checklist is complete."""
    concern = _locked(actor, concern_id)
    _check_version(concern, version)
    if concern.status != ConcernStatus.ASSESSED:
        raise Conflict(_("Kun en vurderet underretning kan afsluttes."), code="illegal_transition")
    reason = (reason or "").strip()
    check_length(reason, 2000, field="reason")
    kinds = set(concern.letters.values_list("kind", flat=True))
    if policies.feedback_owed(concern.notifier_kind) and LetterKind.FEEDBACK not in kinds:
        raise Conflict(
            _("Giv tilbagemelding til underretteren, før underretningen afsluttes."), code="feedback_missing"
        )
    if policies.receipt_owed(concern.notifier_kind, citizen_receipts=settings.CONCERN_CITIZEN_RECEIPTS) and (
        LetterKind.RECEIPT not in kinds
    ):
        raise Conflict(_("Send kvittering til underretteren, før underretningen afsluttes."), code="receipt_missing")
    if concern.acute_track:
        done = set(concern.checklist.values_list("code", flat=True))
        missing = [s for s in policies.ACUTE_CHECKLIST if s.code not in done]
        if missing:
            raise Conflict(
                _("Tjeklisten for det akutte spor mangler: %(items)s.")
                % {"items": "; ".join(str(s.text) for s in missing)},
                code="checklist_missing",
            )
    _status_change(concern, ConcernStatus.CLOSED, actor, reason)
    concern.closed_at = timezone.now()
    _bump(concern, "status", "closed_at")
    _timeline(concern, actor, _("Underretning %(ref)s afsluttet") % {"ref": concern.reference})
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=concern,
        persons=[concern.child_id],
        case_id=concern.case_id,
        detail={"status": ConcernStatus.CLOSED},
    )
    return concern
