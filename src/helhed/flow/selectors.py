"""Reads of the case flow, through the case gatekeeper and audited: a case's stage, history and handovers; one
handover with its checklist and what the reader may do; the handovers coming in to the reader's units."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from helhed.cases.gatekeeper import CaseAccess, case_for, cases_visible_to
from helhed.cases.policies import CasePerm
from helhed.core import audit
from helhed.core.errors import NotFound
from helhed.core.models import AuditAction
from helhed.core.validation import as_pk
from helhed.organisation.models import CASE_OWNING_KINDS, Role, Unit
from helhed.organisation.selectors import actor_profile, unit_staff

from . import policies
from .models import OPEN_HANDOVER, CaseStage, Handover


def is_receiver(actor, handover: Handover) -> bool:
    profile = actor_profile(actor)
    return handover.to_unit_id in profile.led_unit_ids or handover.to_unit_id in profile.unit_ids_with(
        {Role.CASEWORKER, Role.LEADER}
    )


def receiving_leaders(unit: Unit) -> list:
    """The leaders of the unit a handover goes to (and of its parent unit)."""
    return unit_staff(unit, [Role.LEADER], with_parent=True)


@dataclass
class CaseFlow:
    access: CaseAccess
    stage: policies.Stage | None
    history: list[CaseStage]
    open_handover: Handover | None
    handovers: list[Handover]
    next_stages: list[policies.Stage]
    units: list[Unit]


def case_flow(*, actor, case_id) -> CaseFlow:
    access = case_for(actor, case_id, need=CasePerm.VIEW_SUMMARY, what="flow")
    history = list(CaseStage.objects.filter(case=access.case).select_related("set_by").order_by("since", "id"))
    current = next((row for row in history if row.until is None), None)
    handovers = list(
        Handover.objects.filter(case=access.case).select_related("from_unit", "to_unit", "to_caseworker", "meeting")
    )
    return CaseFlow(
        access=access,
        stage=policies.STAGES.get(current.stage) if current else None,
        history=history,
        open_handover=next((h for h in handovers if h.status in OPEN_HANDOVER), None),
        handovers=handovers,
        next_stages=policies.next_stages(current.stage if current else None),
        units=list(Unit.objects.filter(kind__in=CASE_OWNING_KINDS, active=True).order_by("name")),
    )


@dataclass
class HandoverView:
    handover: Handover
    access: CaseAccess
    stage: policies.Stage
    missing: list[policies.ChecklistItem]
    is_receiver: bool
    can_manage: bool
    receiving_caseworkers: list


def handover_detail(*, actor, handover_id) -> HandoverView:
    handover = (
        Handover.objects.select_related("case", "case__child", "from_unit", "to_unit", "meeting", "proposed_by")
        .filter(pk=as_pk(handover_id))
        .first()
    )
    if handover is None:
        raise NotFound(_("Overdragelsen findes ikke."))
    access = case_for(actor, handover.case_id, need=CasePerm.VIEW_SUMMARY, audit_action=None)
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=handover,
        persons=[handover.case.child_id],
        case_id=handover.case_id,
        detail={"view": "handover"},
    )
    receiver = is_receiver(actor, handover)
    return HandoverView(
        handover=handover,
        access=access,
        stage=policies.STAGES[handover.to_stage],
        missing=policies.checklist_missing(handover.checklist),
        is_receiver=receiver,
        can_manage=access.can(CasePerm.MANAGE_TEAM),
        receiving_caseworkers=unit_staff(handover.to_unit, [Role.CASEWORKER, Role.LEADER]) if receiver else [],
    )


def incoming_handovers(*, actor) -> list[Handover]:
    """Open handovers to the units the reader leads or is a caseworker in, on cases the reader can see."""
    profile = actor_profile(actor)
    unit_ids = set(profile.led_unit_ids) | profile.unit_ids_with({Role.CASEWORKER, Role.LEADER})
    rows = list(
        Handover.objects.filter(
            status__in=OPEN_HANDOVER, to_unit_id__in=sorted(unit_ids), case__in=cases_visible_to(actor).values("id")
        )
        .select_related("case", "case__child", "from_unit", "to_unit", "meeting")
        .order_by("proposed_at", "id")
    )
    if rows:
        audit.record(
            actor=actor,
            action=AuditAction.LIST,
            object_type="flow.handover",
            persons={h.case.child_id for h in rows},
            detail={"view": "incoming_handovers", "count": len(rows)},
        )
    return rows


def handover_detail_staff(view: HandoverView) -> list:
    """Staff to invite to the handover meeting besides its chair: the receiving unit's leaders who can read the
    case (on its team for the handover, or leading its unit already)."""
    case_id = view.handover.case_id
    return [u for u in receiving_leaders(view.handover.to_unit) if cases_visible_to(u).filter(pk=case_id).exists()]
