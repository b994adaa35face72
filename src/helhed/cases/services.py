"""Every write to a case: open/close/reopen, team, journal, documents, break-the-glass, timeline.

Keyword-only, atomic, audited, always with the acting user. Permission on the particular case is asked
of the gatekeeper inside the service, so the UI and the API cannot differ.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import PurePath

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from helhed.core import audit, filestore, idempotency
from helhed.core.concurrency import bump_version, check_version
from helhed.core.errors import Conflict, Forbidden, HelhedError, NotFound
from helhed.core.i18n import record_language
from helhed.core.models import AuditAction
from helhed.core.validation import check_length, check_not_too_early
from helhed.organisation.models import CASE_OWNING_KINDS, Role, Unit
from helhed.organisation.selectors import active_memberships, actor_profile
from helhed.people.models import Person

from . import policies
from .gatekeeper import case_for
from .models import (
    ACTIVE_STATUSES,
    BreakGlassGrant,
    Case,
    CaseStatus,
    CaseStatusChange,
    Document,
    JournalAddendum,
    JournalNote,
    JournalNumberCounter,
    NoteKind,
    TeamMember,
    TeamRole,
    TimelineEvent,
)
from .policies import CasePerm
from .uploads import check_upload

# -- timeline ---------------------------------------------------------------------------------------


def timeline_add(
    *,
    person_id: int,
    kind: str,
    title: str,
    at=None,
    case: Case | None = None,
    actor=None,
    administration: str = "",
    shared_with_team: bool = False,
    obj=None,
) -> TimelineEvent:
    """Add a line to a child's timeline. Called by the services of every app inside their transaction."""
    return TimelineEvent.objects.create(
        person_id=person_id,
        case=case,
        at=at or timezone.now(),
        kind=kind,
        title=title[:250],
        administration=administration,
        actor=actor if getattr(actor, "pk", None) else None,
        shared_with_team=shared_with_team,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
    )


def _actor_administration(actor) -> str:
    return actor_profile(actor).primary_administration


# -- opening and status -----------------------------------------------------------------------------


def _next_journal_number(year: int) -> str:
    counter, _ = JournalNumberCounter.objects.select_for_update().get_or_create(year=year)
    JournalNumberCounter.objects.filter(pk=year).update(last=F("last") + 1)
    counter.refresh_from_db()
    return policies.journal_number(kle_code="27.24.00", facet="G01", serial=counter.last, year=year)


def _membership_unit(user, *, roles=None) -> Unit | None:
    for m in active_memberships(user):
        if roles is None or m.role in roles:
            return m.unit
    return None


@transaction.atomic
def case_open(
    *,
    actor,
    child: Person,
    responsible_unit: Unit,
    responsible_caseworker,
    parent_contact=None,
    title: str = "",
    opened_at=None,
    audit_event: bool = True,
) -> Case:
    """Open the child's case with its responsible unit, responsible caseworker and parents' contact.

    At most one open case per child (a database constraint; a second gets a clear Conflict)."""
    if child.merged_into_id:
        raise HelhedError(_("Personen er lagt sammen med en anden person. Åbn sagen på den samlede person."))
    check_length(title, 200, field="title")
    if responsible_unit.kind not in CASE_OWNING_KINDS:
        raise HelhedError(
            _("Den ansvarlige enhed skal være en børnefamilieenhed eller åben rådgivning."), field="responsible_unit"
        )
    if responsible_caseworker is None:
        raise HelhedError(
            _("Vælg sagens ansvarlige rådgiver. En sag har altid præcis én."), field="responsible_caseworker"
        )
    cw_unit = _membership_unit(responsible_caseworker, roles={Role.CASEWORKER, Role.COUNSELLOR, Role.LEADER})
    if cw_unit is None:
        raise HelhedError(_("Den ansvarlige rådgiver skal være ansat som rådgiver."), field="responsible_caseworker")
    if Case.objects.filter(child=child, status__in=ACTIVE_STATUSES).exists():
        raise Conflict(
            _("Barnet har allerede en åben sag. Der kan kun være én åben sag pr. barn – brug den."), code="case_exists"
        )
    now = opened_at or timezone.now()
    try:
        with transaction.atomic():
            case = Case.objects.create(
                child=child,
                responsible_unit=responsible_unit,
                title=title,
                journal_number=_next_journal_number(timezone.localtime(now).year),
                opened_at=now,
                created_by=actor,
                status=CaseStatus.OPEN,
            )
    except IntegrityError:
        raise Conflict(
            _("Barnet har allerede en åben sag. Der kan kun være én åben sag pr. barn – brug den."), code="case_exists"
        )
    with record_language():
        CaseStatusChange.objects.create(
            case=case,
            from_status="",
            to_status=CaseStatus.OPEN,
            reason=_("Sagen er oprettet"),
            changed_by=actor,
            changed_at=now,
        )
    today = timezone.localdate(now)
    contact = parent_contact or responsible_caseworker
    TeamMember.objects.create(
        case=case,
        user=responsible_caseworker,
        unit=cw_unit,
        role=TeamRole.RESPONSIBLE_CASEWORKER,
        is_parent_contact=(contact.pk == responsible_caseworker.pk),
        valid_from=today,
        added_by=actor,
        added_at=now,
    )
    if contact.pk != responsible_caseworker.pk:
        # The contact joins the team as a caseworker (full access), so only case staff may be named here.
        # Other professionals are put on the team with their own role and made the contact there.
        unit = _membership_unit(contact, roles={Role.CASEWORKER, Role.COUNSELLOR, Role.LEADER})
        if unit is None:
            raise HelhedError(
                _(
                    "Kontaktpersonen for forældrene skal være rådgiver eller leder, når sagen oprettes. "
                    "Sæt andre fagpersoner på sagens team bagefter, og gør dem til kontaktperson dér."
                ),
                field="parent_contact",
            )
        TeamMember.objects.create(
            case=case,
            user=contact,
            unit=unit,
            role=TeamRole.CASEWORKER,
            is_parent_contact=True,
            valid_from=today,
            added_by=actor,
            added_at=now,
        )
    with record_language():
        timeline_add(
            person_id=child.pk,
            case=case,
            at=now,
            kind="case_opened",
            title=_("Sag oprettet (%(number)s)") % {"number": case.journal_number},
            administration=responsible_unit.administration.code,
            actor=actor,
            shared_with_team=True,
            obj=case,
        )
    if audit_event:
        audit.record(actor=actor, action=AuditAction.CREATE, obj=case, persons=[child], case_id=case.pk)
    return case


def _check_version(case: Case, version: int | str | None) -> None:
    check_version(
        case,
        version,
        message=_("Sagen er blevet ændret af en anden, siden du åbnede siden. Genindlæs siden og prøv igen."),
    )


_bump = bump_version


@transaction.atomic
def case_change_status(*, actor, case_id: int, to_status: str, reason: str, version: int | None = None) -> Case:
    """Move a case through its status table (open → closed → reopened → closed …) with a reason."""
    access = case_for(actor, case_id, need=CasePerm.CHANGE_STATUS, audit_action=None, lock=True)
    case = access.case
    _check_version(case, version)
    if not (reason or "").strip():
        raise HelhedError(_("Skriv en begrundelse for statusændringen."), field="reason")
    if to_status not in CaseStatus.values:
        raise HelhedError(_("Ukendt status. Vælg lukket eller genåbnet."), field="to_status")
    if not policies.transition_allowed(case.status, to_status):
        raise Conflict(
            _("En sag med status '%(from)s' kan ikke få status '%(to)s'.")
            % {"from": CaseStatus(case.status).label, "to": CaseStatus(to_status).label},
            code="illegal_transition",
        )
    if (
        to_status == CaseStatus.REOPENED
        and Case.objects.filter(child_id=case.child_id, status__in=ACTIVE_STATUSES).exclude(pk=case.pk).exists()
    ):
        raise Conflict(
            _("Barnet har allerede en anden åben sag. Der kan kun være én åben sag pr. barn."), code="case_exists"
        )
    now = timezone.now()
    from_status = case.status
    case.status = to_status
    case.closed_at = now if to_status == CaseStatus.CLOSED else None
    _bump(case, "status", "closed_at")
    CaseStatusChange.objects.create(
        case=case,
        from_status=from_status,
        to_status=to_status,
        reason=reason.strip(),
        changed_by=actor,
        changed_at=now,
    )
    with record_language():
        label = _("Sag lukket") if to_status == CaseStatus.CLOSED else _("Sag genåbnet")
        timeline_add(
            person_id=case.child_id,
            case=case,
            at=now,
            kind=f"case_{to_status}",
            title=label,
            actor=actor,
            administration=case.responsible_unit.administration.code,
            shared_with_team=True,
            obj=case,
        )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=case,
        persons=[case.child_id],
        case_id=case.pk,
        reason=reason,
        detail={"status": [from_status, to_status]},
    )
    return case


# -- team -------------------------------------------------------------------------------------------


@transaction.atomic
def team_member_add(
    *,
    actor,
    case_id: int,
    user,
    role: str,
    unit: Unit | None = None,
    is_parent_contact: bool = False,
    version: int | None = None,
) -> TeamMember:
    """Put a colleague from any administration on the case team with a role."""
    access = case_for(actor, case_id, need=CasePerm.MANAGE_TEAM, audit_action=None, lock=True)
    case = access.case
    _check_version(case, version)
    if role not in TeamRole.values:
        raise HelhedError(_("Ukendt rolle på teamet. Vælg en rolle fra listen."), field="role")
    if role == TeamRole.RESPONSIBLE_CASEWORKER:
        raise HelhedError(_("Brug 'Gør ansvarlig' på teamsiden for at skifte den ansvarlige rådgiver."), field="role")
    memberships = list(active_memberships(user))
    eligible = [m for m in memberships if m.role in policies.TEAM_ELIGIBLE_ROLES]
    if not eligible:
        raise HelhedError(
            _("Personen kan ikke sættes på en sags team (kun medarbejdere med en faglig rolle)."), field="user"
        )
    if unit is None:
        unit = eligible[0].unit
    elif unit.pk not in {m.unit_id for m in eligible}:
        raise HelhedError(_("Medarbejderen er ikke ansat i den valgte enhed."), field="unit")
    if TeamMember.objects.filter(case=case, user=user, valid_to__isnull=True).exists():
        raise Conflict(_("Medarbejderen er allerede på sagens team."), code="duplicate")
    now = timezone.now()
    if is_parent_contact:
        TeamMember.objects.filter(case=case, is_parent_contact=True, valid_to__isnull=True).update(
            is_parent_contact=False
        )
    member = TeamMember.objects.create(
        case=case,
        user=user,
        unit=unit,
        role=role,
        is_parent_contact=is_parent_contact,
        valid_from=timezone.localdate(now),
        added_by=actor,
        added_at=now,
    )
    _bump(case)
    with record_language():
        timeline_add(
            person_id=case.child_id,
            case=case,
            at=now,
            kind="team_added",
            title=_("%(name)s (%(role)s, %(unit)s) er sat på teamet")
            % {"name": user.get_full_name(), "role": member.get_role_display(), "unit": unit.name},
            administration=unit.administration.code,
            actor=actor,
            shared_with_team=True,
            obj=member,
        )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=member,
        persons=[case.child_id],
        case_id=case.pk,
        detail={"user": user.username, "role": role},
    )
    # A professional from another administration gets what the team shares as far as a consent covers it.
    from helhed.consent.services import disclose_covered

    disclose_covered(actor=actor, access=access, unit_ids={unit.pk})
    return member


def _active_member(case: Case, member_id: int) -> TeamMember:
    member = TeamMember.objects.filter(case=case, pk=member_id, valid_to__isnull=True).select_related("user").first()
    if member is None:
        raise NotFound(_("Medlemmet findes ikke på sagens team."), code="not_found")
    return member


@transaction.atomic
def team_member_end(*, actor, case_id: int, member_id: int, version: int | None = None) -> TeamMember:
    """Take a member off the team. The responsible caseworker and the parents' contact must be replaced first."""
    access = case_for(actor, case_id, need=CasePerm.MANAGE_TEAM, audit_action=None, lock=True)
    case = access.case
    _check_version(case, version)
    member = _active_member(case, member_id)
    if member.role == TeamRole.RESPONSIBLE_CASEWORKER:
        raise Conflict(_("Sagen skal altid have en ansvarlig rådgiver. Udpeg en ny ansvarlig rådgiver først."))
    if member.is_parent_contact:
        raise Conflict(_("Forældrene skal altid have en kontaktperson. Udpeg en ny kontaktperson først."))
    member.valid_to, member.ended_by = timezone.localdate(), actor
    member.save(update_fields=["valid_to", "ended_by"])
    _bump(case)
    with record_language():
        timeline_add(
            person_id=case.child_id,
            case=case,
            kind="team_ended",
            title=_("%(name)s er taget af teamet") % {"name": member.user.get_full_name()},
            actor=actor,
            administration=member.unit.administration.code,
            shared_with_team=True,
            obj=member,
        )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=member,
        persons=[case.child_id],
        case_id=case.pk,
        detail={"ended": True},
    )
    return member


def _make_responsible(case: Case, user, unit: Unit, *, actor, parent_contact: bool = False) -> TeamMember:
    """Make `user` the case's one responsible caseworker (and, with `parent_contact`, the parents' one contact):
    the previous responsible caseworker stays on the team as a caseworker. Inside the caller's transaction, with
    the case row locked."""
    TeamMember.objects.filter(case=case, role=TeamRole.RESPONSIBLE_CASEWORKER, valid_to__isnull=True).update(
        role=TeamRole.CASEWORKER
    )
    if parent_contact:
        TeamMember.objects.filter(case=case, is_parent_contact=True, valid_to__isnull=True).update(
            is_parent_contact=False
        )
    member = TeamMember.objects.filter(case=case, user=user, valid_to__isnull=True).first()
    if member is None:
        return TeamMember.objects.create(
            case=case,
            user=user,
            unit=unit,
            role=TeamRole.RESPONSIBLE_CASEWORKER,
            is_parent_contact=parent_contact,
            valid_from=timezone.localdate(),
            added_by=actor,
            added_at=timezone.now(),
        )
    member.role = TeamRole.RESPONSIBLE_CASEWORKER
    fields = ["role"]
    if parent_contact:
        member.is_parent_contact, member.unit = True, unit
        fields += ["is_parent_contact", "unit"]
    member.save(update_fields=fields)
    return member


@transaction.atomic
def team_set_responsible(
    *, actor, case_id: int, user=None, member_id: int | None = None, version: int | None = None
) -> TeamMember:
    """Hand the case to a new responsible caseworker (a user, or a current team member by id); the
    previous one stays on the team as caseworker."""
    access = case_for(actor, case_id, need=CasePerm.MANAGE_TEAM, audit_action=None, lock=True)
    case = access.case
    _check_version(case, version)
    if member_id is not None:
        user = _active_member(case, member_id).user
    if user is None:
        raise HelhedError(_("Vælg den nye ansvarlige rådgiver."), field="user")
    unit = _membership_unit(user, roles={Role.CASEWORKER, Role.COUNSELLOR, Role.LEADER})
    if unit is None:
        raise HelhedError(_("Den ansvarlige rådgiver skal være ansat som rådgiver."), field="user")
    member = _make_responsible(case, user, unit, actor=actor)
    _bump(case)
    with record_language():
        timeline_add(
            person_id=case.child_id,
            case=case,
            kind="responsible_changed",
            title=_("%(name)s er nu ansvarlig rådgiver") % {"name": user.get_full_name()},
            actor=actor,
            administration=unit.administration.code,
            shared_with_team=True,
            obj=member,
        )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=member,
        persons=[case.child_id],
        case_id=case.pk,
        detail={"responsible": user.username},
    )
    return member


@transaction.atomic
def case_transfer(*, actor, case_id: int, to_unit: Unit, to_caseworker, reason: str) -> Case:
    """Move the case to another responsible unit with a new responsible caseworker, who also becomes the parents'
    contact: one step, so the case never has no responsible caseworker or two. The previous responsible
    caseworker stays on the team as a caseworker until taken off. Called by an accepted handover
    (`flow.services.handover_accept`), which has checked the handover itself."""
    access = case_for(actor, case_id, need=CasePerm.MANAGE_TEAM, audit_action=None, lock=True)
    case = access.case
    if to_unit.kind not in CASE_OWNING_KINDS:
        raise HelhedError(_("Sagen kan kun overdrages til en enhed, der har sager."), field="to_unit")
    unit = _membership_unit(to_caseworker, roles={Role.CASEWORKER, Role.COUNSELLOR, Role.LEADER})
    member_units = {m.unit_id for m in active_memberships(to_caseworker)}
    if unit is None or to_unit.pk not in member_units:
        raise HelhedError(
            _("Den nye ansvarlige rådgiver skal være rådgiver i %(unit)s.") % {"unit": to_unit.name},
            field="to_caseworker",
        )
    from_unit = case.responsible_unit
    _make_responsible(case, to_caseworker, to_unit, actor=actor, parent_contact=True)
    case.responsible_unit = to_unit
    _bump(case, "responsible_unit")
    with record_language():
        timeline_add(
            person_id=case.child_id,
            case=case,
            kind="case_transferred",
            title=_("Sagen er overdraget fra %(from)s til %(to)s; %(name)s er ansvarlig rådgiver")
            % {"from": from_unit.name, "to": to_unit.name, "name": to_caseworker.get_full_name()},
            actor=actor,
            administration=to_unit.administration.code,
            shared_with_team=True,
            obj=case,
        )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=case,
        persons=[case.child_id],
        case_id=case.pk,
        reason=reason,
        detail={"from_unit": from_unit.pk, "to_unit": to_unit.pk, "responsible": to_caseworker.username},
    )
    return case


@transaction.atomic
def team_set_parent_contact(*, actor, case_id: int, member_id: int, version: int | None = None) -> TeamMember:
    """Name the one person the parents contact ('tydeligt for forældre, hvor de skal henvende sig')."""
    access = case_for(actor, case_id, need=CasePerm.MANAGE_TEAM, audit_action=None, lock=True)
    case = access.case
    _check_version(case, version)
    member = _active_member(case, member_id)
    TeamMember.objects.filter(case=case, is_parent_contact=True, valid_to__isnull=True).update(is_parent_contact=False)
    member.is_parent_contact = True
    member.save(update_fields=["is_parent_contact"])
    _bump(case)
    with record_language():
        timeline_add(
            person_id=case.child_id,
            case=case,
            kind="parent_contact_changed",
            title=_("%(name)s er nu forældrenes kontaktperson") % {"name": member.user.get_full_name()},
            actor=actor,
            shared_with_team=True,
            obj=member,
        )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=member,
        persons=[case.child_id],
        case_id=case.pk,
        detail={"parent_contact": member.user.username},
    )
    return member


# -- journal ----------------------------------------------------------------------------------------


@transaction.atomic
def journal_note_add(
    *,
    actor,
    case_id: int,
    kind: str,
    title: str,
    body: str,
    occurred_on: date,
    shared_with_team: bool = False,
    share_basis: str = "",
    share_reason: str = "",
    submission_key: str | None = None,
    created_at=None,
    audit_event: bool = True,
) -> JournalNote:
    """Write a journal note. A note is never edited afterwards: corrections are addenda.

    Shared with the team, it reaches the team's units of other administrations only on a consent or the
    chosen legal basis (`share_basis`, with `share_reason`); without one for each, nothing is saved (ADR 0013).
    `submission_key` (a hidden form value) makes a double submit save the note once."""
    access = case_for(actor, case_id, need=CasePerm.WRITE_JOURNAL, audit_action=None)
    case = access.case
    if submission_key and JournalNote.objects.filter(submission_key=submission_key).exists():
        raise Conflict(_("Notatet er allerede gemt (formularen blev sendt to gange)."), code="duplicate_submit")
    if kind not in NoteKind.values:
        raise HelhedError(_("Ukendt notattype. Vælg en type fra listen."), field="kind")
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise HelhedError(_("Et journalnotat skal have både en overskrift og en tekst."), field="body")
    check_length(title, 200, field="title")
    check_length(submission_key, 64, field="submission_key")
    check_not_too_early(occurred_on, field="occurred_on")
    now = created_at or timezone.now()
    if occurred_on > timezone.localdate(now):
        raise HelhedError(_("Datoen for hændelsen ligger i fremtiden. Skriv den dato, det skete."), field="occurred_on")
    covers = _sharing_covers(access, "note", shared_with_team, share_basis, share_reason)
    try:
        with transaction.atomic():
            note = JournalNote.objects.create(
                case=case,
                kind=kind,
                title=title,
                body=body,
                occurred_on=occurred_on,
                shared_with_team=shared_with_team,
                author=actor,
                created_at=now,
                submission_key=submission_key or None,
            )
    except IntegrityError:
        raise Conflict(_("Notatet er allerede gemt (formularen blev sendt to gange)."), code="duplicate_submit")
    if covers:
        _disclose(actor, access, "note", note.pk, note.title, covers, share_reason)
    with record_language():
        timeline_add(
            person_id=case.child_id,
            case=case,
            at=now,
            kind=f"journal_{kind}",
            title=f"{note.get_kind_display()}: {note.title}",
            actor=actor,
            administration=_actor_administration(actor),
            shared_with_team=shared_with_team,
            obj=note,
        )
    if audit_event:
        audit.record(actor=actor, action=AuditAction.CREATE, obj=note, persons=[case.child_id], case_id=case.pk)
    return note


@transaction.atomic
def journal_addendum_add(*, actor, case_id: int, note_id: int, body: str) -> JournalAddendum:
    """Add a dated addendum to a saved note (the only way to correct or complete it)."""
    access = case_for(actor, case_id, need=CasePerm.WRITE_JOURNAL, audit_action=None)
    note = JournalNote.objects.filter(case=access.case, pk=note_id).first()
    if note is None:
        raise NotFound(_("Notatet findes ikke på sagen."), code="not_found")
    body = (body or "").strip()
    if not body:
        raise HelhedError(_("Skriv tilføjelsens tekst."), field="body")
    addendum = JournalAddendum.objects.create(note=note, body=body, author=actor, created_at=timezone.now())
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=addendum,
        persons=[access.case.child_id],
        case_id=access.case.pk,
        detail={"note": note.pk},
    )
    return addendum


def journal_note_edit(*, actor, case_id: int, note_id: int, **changes) -> None:
    """Saved notes are never edited (offentlighedsloven § 13, notatpligt: the record must show what was known when)."""
    case_for(actor, case_id, need=CasePerm.VIEW_JOURNAL, audit_action=None)
    raise Conflict(
        _("Et gemt journalnotat kan ikke ændres. Tilføj i stedet en dateret tilføjelse til notatet."),
        code="note_immutable",
    )


# -- documents --------------------------------------------------------------------------------------


@transaction.atomic
def document_upload(
    *,
    actor,
    case_id: int,
    uploaded_file,
    title: str,
    kind: str,
    shared_with_team: bool = False,
    share_basis: str = "",
    share_reason: str = "",
    submission_key: str | None = None,
) -> Document:
    """Store a document for the case under the data dir (never in the web root) after checking type and size.

    `submission_key` (a hidden form value) makes a double submit store the document once."""
    access = case_for(actor, case_id, need=CasePerm.UPLOAD_DOCUMENT, audit_action=None)
    case = access.case
    idempotency.claim(key=submission_key, actor=actor)
    from .models import DocumentKind

    if kind not in DocumentKind.values:
        raise HelhedError(_("Ukendt dokumenttype. Vælg en type fra listen."), field="kind")
    title = (title or "").strip()
    check_length(title, 200, field="title")
    title = title or (uploaded_file.name or "")[:200]
    checked = check_upload(uploaded_file)
    covers = _sharing_covers(access, "document", shared_with_team, share_basis, share_reason)
    stored = filestore.store(uploaded_file.chunks(), checked.extension)
    return _save_document(
        actor=actor,
        case=case,
        stored=stored,
        title=title,
        kind=kind,
        original_name=uploaded_file.name or "",
        content_type=checked.content_type,
        shared_with_team=shared_with_team,
        disclose=(access, covers, share_reason),
    )


def document_file_generated(
    *, actor, case: Case, content: bytes, filename: str, title: str, kind: str, shared_with_team: bool = False
) -> Document:
    """File a PDF Helhed generated (e.g. a letter to a notifier) on the case. The calling service has
    already passed its own gatekeeper for the object the document belongs to."""
    stored = filestore.store([content], PurePath(filename).suffix.lower() or ".pdf")
    return _save_document(
        actor=actor,
        case=case,
        stored=stored,
        title=title,
        kind=kind,
        original_name=filename,
        content_type="application/pdf",
        shared_with_team=shared_with_team,
        generated=True,
    )


def _sharing_covers(access, kind: str, shared: bool, basis: str, reason: str) -> list:
    """Who on the team gets a shared item and on what basis; refuses before anything is written (ADR 0013)."""
    if not shared:
        return []
    from helhed.consent.services import sharing_covers

    covers, _missing = sharing_covers(access, kind, basis_code=basis, reason=reason)
    return covers


def _disclose(actor, access, kind: str, item_id: int, title: str, covers, reason: str) -> None:
    from helhed.consent.services import disclosures_record

    disclosures_record(
        actor=actor, access=access, info_kind=kind, item_id=item_id, item_title=title, covers=covers, reason=reason
    )


def _save_document(
    *,
    actor,
    case,
    stored,
    title,
    kind,
    original_name,
    content_type,
    shared_with_team,
    generated=False,
    disclose: tuple | None = None,
) -> Document:
    try:
        doc = Document.objects.create(
            case=case,
            title=title[:200],
            kind=kind,
            original_name=original_name[:255],
            content_type=content_type,
            size=stored.size,
            sha256=stored.sha256,
            storage_name=stored.storage_name,
            shared_with_team=shared_with_team,
            uploaded_by=actor,
            uploaded_at=timezone.now(),
        )
        with record_language():
            timeline_add(
                person_id=case.child_id,
                case=case,
                kind="document",
                title=_("Dokument: %(t)s") % {"t": doc.title},
                actor=actor,
                administration=_actor_administration(actor),
                shared_with_team=shared_with_team,
                obj=doc,
            )
        detail = {"size": doc.size, "type": doc.content_type}
        if generated:
            detail["generated"] = True
        audit.record(
            actor=actor, action=AuditAction.CREATE, obj=doc, persons=[case.child_id], case_id=case.pk, detail=detail
        )
        if disclose is not None and disclose[1]:
            access, covers, reason = disclose
            _disclose(actor, access, "document", doc.pk, doc.title, covers, reason)
    except BaseException:
        # Nothing half-saved: no file without its database row.
        filestore.discard([stored])
        raise
    return doc


# -- break the glass --------------------------------------------------------------------------------


@transaction.atomic
def break_glass_open(*, actor, case_id: int, reason: str) -> BreakGlassGrant:
    """Give the actor time-limited, read-only access to a case outside their reach, with a written reason.

    Audited as break_glass and listed for the data protection officer."""
    from helhed.core.permissions import Perm, user_has_perm

    if not user_has_perm(actor, Perm.BREAK_GLASS):
        raise Forbidden(_("Kun rådgivere og ledere kan bruge nødadgang."))
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise HelhedError(_("Skriv en konkret begrundelse for nødadgangen (mindst 10 tegn)."), field="reason")
    case = Case.objects.filter(pk=case_id).select_related("child").first()
    if case is None:
        from django.http import Http404

        raise Http404
    now = timezone.now()
    grant = BreakGlassGrant.objects.create(
        user=actor,
        case=case,
        reason=reason,
        granted_at=now,
        expires_at=now + timedelta(minutes=settings.BREAK_GLASS_MINUTES),
    )
    audit.record(
        actor=actor,
        action=AuditAction.BREAK_GLASS,
        obj=case,
        persons=[case.child_id],
        case_id=case.pk,
        reason=reason,
        detail={"expires_at": grant.expires_at.isoformat()},
    )
    return grant
