"""Every write of the case flow: set a case's stage, and the handover from one unit to another — proposed by the
sender with the checklist, prepared with a handover meeting with child and parents, accepted by the receiver
(the case moves unit and responsible caseworker in one step, the parents get a letter with their new contact),
or rejected, or withdrawn. Access is the case gatekeeper's; every write is audited and on the child's timeline."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helhed.cases import services as case_services
from helhed.cases.gatekeeper import case_for, cases_visible_to
from helhed.cases.models import DocumentKind, TeamMember, TeamRole
from helhed.cases.policies import CasePerm
from helhed.core import audit
from helhed.core.concurrency import bump_version, check_version
from helhed.core.errors import Conflict, Forbidden, HelhedError, NotFound
from helhed.core.i18n import record_language
from helhed.core.models import AuditAction
from helhed.core.validation import as_pk, check_length
from helhed.meetings import services as meeting_services
from helhed.meetings.models import MeetingKind, MeetingStatus
from helhed.organisation.models import CASE_OWNING_KINDS, Unit, User
from helhed.organisation.selectors import actor_profile

from . import documents, policies
from .models import OPEN_HANDOVER, CaseStage, Handover, HandoverStatus, HandoverStatusChange
from .selectors import is_receiver, receiving_leaders

_STALE = gettext_lazy("Overdragelsen er ændret af en anden imens. Genindlæs siden og prøv igen.")


def current_stage(case) -> CaseStage | None:
    return CaseStage.objects.filter(case=case, until__isnull=True).first()


def _move_stage(case, to_stage: str, *, actor, reason: str) -> CaseStage:
    now = timezone.now()
    CaseStage.objects.filter(case=case, until__isnull=True).update(until=now)
    return CaseStage.objects.create(case=case, stage=to_stage, since=now, set_by=actor, reason=reason)


def _reason(text: str, *, field: str = "reason", message=None) -> str:
    text = (text or "").strip()
    if not text:
        raise HelhedError(message or _("Skriv en begrundelse."), field=field, code="required")
    check_length(text, 2000, field=field)
    return text


@transaction.atomic
def stage_set(*, actor, case_id, stage: str, reason: str) -> CaseStage:
    """Place the case in a stage of a track (its first placement, or a move within its own unit)."""
    access = case_for(actor, case_id, need=CasePerm.MANAGE_TEAM, audit_action=None, lock=True)
    case = access.case
    reason = _reason(reason)
    now_stage = current_stage(case)
    from_key = now_stage.stage if now_stage else None
    if stage not in policies.STAGES:
        raise HelhedError(_("Vælg et trin fra listen."), field="stage", code="invalid_stage")
    if from_key == stage:
        raise Conflict(_("Sagen er allerede på det trin."), code="same_stage")
    if not policies.move_allowed(from_key, stage):
        raise Conflict(
            _("Sagen kan ikke flyttes direkte fra %(a)s til %(b)s.")
            % {
                "a": policies.STAGES[from_key].title if from_key else "",
                "b": policies.STAGES[stage].title,
            },
            code="illegal_move",
        )
    if not policies.unit_takes(case.responsible_unit.kind, stage):
        raise HelhedError(
            _("%(unit)s tager ikke sager på trinnet %(stage)s. Overdrag sagen til en enhed, der gør.")
            % {"unit": case.responsible_unit.name, "stage": policies.STAGES[stage].title},
            field="stage",
            code="unit_does_not_take",
        )
    row = _move_stage(case, stage, actor=actor, reason=reason)
    with record_language():
        title = _("Sagen er nu på trinnet %(stage)s") % {"stage": policies.STAGES[stage].title}
    case_services.timeline_add(
        person_id=case.child_id, case=case, kind="stage", title=title, actor=actor, shared_with_team=True, obj=row
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=row,
        persons=[case.child_id],
        case_id=case.pk,
        reason=reason,
        detail={"stage": stage, "from": from_key},
    )
    return row


@transaction.atomic
def handover_propose(
    *, actor, case_id, to_unit_id, to_stage: str, reason: str, checklist: dict | None = None
) -> Handover:
    """Propose to hand the case to another unit. The receiving unit must take cases in the chosen stage. Its leaders
    are put on the case team while the handover is open so they can read the case before they accept it."""
    access = case_for(actor, case_id, need=CasePerm.MANAGE_TEAM, audit_action=None, lock=True)
    case = access.case
    reason = _reason(reason, message=_("Skriv hvorfor sagen skal overdrages."))
    to_unit = Unit.objects.filter(pk=as_pk(to_unit_id), active=True).first()
    if to_unit is None or to_unit.kind not in CASE_OWNING_KINDS:
        raise HelhedError(_("Vælg en enhed, der har sager."), field="to_unit", code="invalid_unit")
    if to_unit.pk == case.responsible_unit_id:
        raise HelhedError(
            _("Sagen er allerede i %(unit)s.") % {"unit": to_unit.name}, field="to_unit", code="same_unit"
        )
    if to_stage not in policies.STAGES:
        raise HelhedError(_("Vælg hvilket trin sagen skal til."), field="to_stage", code="invalid_stage")
    if not policies.unit_takes(to_unit.kind, to_stage):
        raise HelhedError(
            _("%(unit)s tager ikke sager på trinnet %(stage)s. Vælg en anden enhed eller et andet trin.")
            % {"unit": to_unit.name, "stage": policies.STAGES[to_stage].title},
            field="to_unit",
            code="unit_does_not_take",
        )
    now_stage = current_stage(case)
    from_key = now_stage.stage if now_stage else ""
    if not policies.move_allowed(from_key or None, to_stage):
        raise Conflict(
            _("Sagen kan ikke gå direkte fra %(a)s til %(b)s.")
            % {"a": policies.STAGES[from_key].title, "b": policies.STAGES[to_stage].title},
            code="illegal_move",
        )
    answers = policies.clean_checklist(checklist or {})
    try:
        with transaction.atomic():
            handover = Handover.objects.create(
                case=case,
                from_unit=case.responsible_unit,
                to_unit=to_unit,
                from_stage=from_key,
                to_stage=to_stage,
                reason=reason,
                checklist=answers,
                checklist_version=policies.FLOW_VERSION,
                proposed_by=actor,
                proposed_at=timezone.now(),
            )
    except IntegrityError:
        raise Conflict(_("Sagen har allerede en åben overdragelse. Afslut den først."), code="open_handover")
    added = []
    for leader in receiving_leaders(to_unit):
        if not cases_visible_to(leader).filter(pk=case.pk).exists():
            member = case_services.team_member_add(actor=actor, case_id=case.pk, user=leader, role=TeamRole.LEADER)
            added.append(member.pk)
    handover.temporary_members = added
    handover.save(update_fields=["temporary_members"])
    with record_language():
        title = _("Overdragelse foreslået fra %(a)s til %(b)s") % {"a": case.responsible_unit.name, "b": to_unit.name}
    case_services.timeline_add(
        person_id=case.child_id,
        case=case,
        kind="handover",
        title=title,
        actor=actor,
        shared_with_team=True,
        obj=handover,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=handover,
        persons=[case.child_id],
        case_id=case.pk,
        reason=reason,
        detail={"to_unit": to_unit.pk, "to_stage": to_stage, "missing": len(policies.checklist_missing(answers))},
    )
    return handover


def _locked(actor, handover_id, *, need: CasePerm = CasePerm.VIEW_SUMMARY) -> Handover:
    handover = (
        Handover.objects.select_for_update(of=("self",))
        .select_related("case", "case__child", "to_unit", "from_unit", "meeting")
        .filter(pk=as_pk(handover_id))
        .first()
    )
    if handover is None:
        raise NotFound(_("Overdragelsen findes ikke."))
    case_for(actor, handover.case_id, need=need, audit_action=None)
    return handover


def _transition(handover: Handover, to_status: str, *, actor, note: str = "") -> None:
    if (handover.status, to_status) not in policies.HANDOVER_TRANSITIONS:
        raise Conflict(
            _("Overdragelsen er %(status)s og kan ikke ændres sådan.")
            % {"status": handover.get_status_display().lower()},
            code="illegal_transition",
        )
    HandoverStatusChange.objects.create(
        handover=handover,
        from_status=handover.status,
        to_status=to_status,
        note=note,
        changed_by=actor,
        changed_at=timezone.now(),
    )
    handover.status = to_status


@transaction.atomic
def handover_checklist(*, actor, handover_id, checklist: dict, version=None) -> Handover:
    """Record the checklist answers (the sender's side)."""
    handover = _locked(actor, handover_id, need=CasePerm.MANAGE_TEAM)
    check_version(handover, version, message=_STALE)
    if handover.status not in OPEN_HANDOVER:
        raise Conflict(_("Overdragelsen er afsluttet."), code="closed")
    handover.checklist = {**handover.checklist, **policies.clean_checklist(checklist)}
    bump_version(handover, "checklist")
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=handover,
        persons=[handover.case.child_id],
        case_id=handover.case_id,
        detail={"checklist": sorted(k for k, v in handover.checklist.items() if v["done"])},
    )
    return handover


@transaction.atomic
def handover_meeting(*, actor, handover_id, data: meeting_services.MeetingIn, version=None) -> Handover:
    """Plan the handover meeting with child and parents (a meeting of kind 'handover' on the case, invitations
    and all); the handover is then prepared."""
    handover = _locked(actor, handover_id, need=CasePerm.WRITE_JOURNAL)
    check_version(handover, version, message=_STALE)
    data.kind = MeetingKind.HANDOVER
    if not any(e.kind in ("parent", "child") for e in data.externals):
        raise HelhedError(
            _("Inviter barnet og forældrene til overdragelsesmødet."), field="externals", code="family_missing"
        )
    meeting = meeting_services.meeting_schedule(actor=actor, case_id=handover.case_id, data=data)
    handover.meeting = meeting
    _transition(handover, HandoverStatus.PREPARED, actor=actor)
    bump_version(handover, "meeting", "status")
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=handover,
        persons=[handover.case.child_id],
        case_id=handover.case_id,
        detail={"meeting": meeting.pk, "status": handover.status},
    )
    return handover


def _end_temporary(actor, handover: Handover, *, keep: set[int]) -> None:
    for member_id in handover.temporary_members:
        member = TeamMember.objects.filter(pk=member_id, valid_to__isnull=True).first()
        if member is not None and member.user_id not in keep and member.role == TeamRole.LEADER:
            case_services.team_member_end(actor=actor, case_id=handover.case_id, member_id=member_id)


@transaction.atomic
def handover_accept(*, actor, handover_id, to_caseworker_id, note: str = "", version=None) -> Handover:
    """The receiver takes the case: the checklist is complete and the handover meeting has been held. The case moves
    to the receiving unit and stage with the chosen caseworker as responsible and as the parents' contact, and a
    letter telling the custody holders who their new contact is is filed on the case."""
    handover = _locked(actor, handover_id)
    check_version(handover, version, message=_STALE)
    if not is_receiver(actor, handover):
        raise Forbidden(_("Kun den modtagende enhed kan tage imod sagen."), code="not_receiver")
    missing = policies.checklist_missing(handover.checklist)
    if missing:
        raise Conflict(
            _("Tjeklisten er ikke færdig: %(items)s.") % {"items": "; ".join(str(i.text).lower() for i in missing)},
            code="checklist_incomplete",
        )
    if handover.meeting is None or handover.meeting.status != MeetingStatus.HELD:
        raise Conflict(
            _("Overdragelsesmødet med barnet og forældrene skal være holdt, før sagen modtages."), code="no_meeting"
        )
    caseworker = User.objects.filter(pk=as_pk(to_caseworker_id)).first()
    if caseworker is None:
        raise HelhedError(_("Vælg den nye ansvarlige rådgiver."), field="to_caseworker", code="required")
    note = (note or "").strip()
    check_length(note, 2000, field="note")
    case_services.case_transfer(
        actor=actor,
        case_id=handover.case_id,
        to_unit=handover.to_unit,
        to_caseworker=caseworker,
        reason=note or handover.reason,
    )
    _move_stage(handover.case, handover.to_stage, actor=actor, reason=_("Overdragelse modtaget"))
    _transition(handover, HandoverStatus.ACCEPTED, actor=actor, note=note)
    handover.to_caseworker, handover.decided_by, handover.decided_at, handover.decision_note = (
        caseworker,
        actor,
        timezone.now(),
        note,
    )
    handover.case.refresh_from_db()
    content = documents.new_contact_letter(handover)
    with record_language():
        doc_title = _("Brev til forældrene: ny kontaktperson")
    doc = case_services.document_file_generated(
        actor=actor,
        case=handover.case,
        content=content,
        filename=f"ny-kontaktperson-{handover.pk}.pdf",
        title=doc_title,
        kind=DocumentKind.LETTER,
    )
    handover.letter_document_id = doc.pk
    bump_version(handover, "status", "to_caseworker", "decided_by", "decided_at", "decision_note", "letter_document_id")
    _end_temporary(actor, handover, keep=set())
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=handover,
        persons=[handover.case.child_id],
        case_id=handover.case_id,
        detail={"status": HandoverStatus.ACCEPTED, "responsible": caseworker.username},
    )
    return handover


@transaction.atomic
def handover_close(*, actor, handover_id, to_status: str, note: str, version=None) -> Handover:
    """Reject (the receiver, with a reason) or withdraw (the sender, with a reason) an open handover. The
    receiving leaders put on the team for it are taken off again."""
    handover = _locked(actor, handover_id)
    check_version(handover, version, message=_STALE)
    note = _reason(note, field="note")
    if to_status == HandoverStatus.REJECTED:
        if not is_receiver(actor, handover):
            raise Forbidden(_("Kun den modtagende enhed kan afvise overdragelsen."), code="not_receiver")
    elif to_status == HandoverStatus.WITHDRAWN:
        case_for(actor, handover.case_id, need=CasePerm.MANAGE_TEAM, audit_action=None)
        if is_receiver(actor, handover) and handover.from_unit_id not in actor_profile(actor).unit_ids:
            raise Forbidden(_("Den modtagende enhed afviser i stedet for at trække tilbage."), code="not_sender")
    else:
        raise HelhedError(_("Vælg afvis eller træk tilbage."), field="to_status", code="invalid")
    _transition(handover, to_status, actor=actor, note=note)
    handover.decided_by, handover.decided_at, handover.decision_note = actor, timezone.now(), note
    bump_version(handover, "status", "decided_by", "decided_at", "decision_note")
    if handover.meeting is not None and handover.meeting.status == MeetingStatus.PLANNED:
        meeting_services.meeting_cancel(actor=actor, meeting_id=handover.meeting_id, reason=note)
    _end_temporary(actor, handover, keep=set())
    with record_language():
        title = _("Overdragelsen til %(unit)s er %(status)s") % {
            "unit": handover.to_unit.name,
            "status": handover.get_status_display().lower(),
        }
    case_services.timeline_add(
        person_id=handover.case.child_id,
        case=handover.case,
        kind="handover",
        title=title,
        actor=actor,
        shared_with_team=True,
        obj=handover,
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=handover,
        persons=[handover.case.child_id],
        case_id=handover.case_id,
        reason=note,
        detail={"status": to_status},
    )
    return handover
