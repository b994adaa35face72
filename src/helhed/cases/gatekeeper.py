"""The gatekeeper for cases: the one place that decides who may see which case (ADR 0003).

A case is visible to the active members of its team, to the caseworkers, counsellors and leaders of
its responsible unit, to leaders of that unit's parent unit, and to a user holding an unexpired
break-the-glass grant. To anyone else a case does not exist: `case_for` raises the same 404 as for a
case id that was never used. Every successful look is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from helhed.core import audit
from helhed.core.errors import Forbidden
from helhed.core.models import AuditAction
from helhed.organisation.selectors import actor_profile

from . import policies
from .models import BreakGlassGrant, Case, TeamMember
from .policies import CasePerm, CaseRelation


def cases_visible_to(actor) -> QuerySet[Case]:
    """Every case the actor may see, as a queryset to filter further (no audit: nothing is shown yet)."""
    profile = actor_profile(actor)
    if not profile.user_id:
        return Case.objects.none()
    now = timezone.now()
    team_cases = TeamMember.objects.filter(user_id=profile.user_id, valid_to__isnull=True).values("case_id")
    glass_cases = BreakGlassGrant.objects.filter(user_id=profile.user_id, expires_at__gt=now).values("case_id")
    staff_unit_ids = profile.unit_ids_with(policies.UNIT_STAFF_ROLES)
    visible = Q(id__in=team_cases) | Q(id__in=glass_cases)
    unit_ids = staff_unit_ids | set(profile.led_unit_ids)
    if unit_ids:
        visible |= Q(responsible_unit_id__in=unit_ids)
    return Case.objects.filter(visible)


def cases_with_full_sight(actor) -> QuerySet[Case]:
    """The cases whose journal the actor may read (`CasePerm.VIEW_JOURNAL`: the full relation or a break-the-glass
    grant), as one queryset: what `case_for(..., need=VIEW_JOURNAL)` would allow, for a list of many cases at
    once. A team member with limited sight (a teacher) sees those cases through `cases_visible_to` only."""
    profile = actor_profile(actor)
    if not profile.user_id:
        return Case.objects.none()
    full_team = TeamMember.objects.filter(
        user_id=profile.user_id, valid_to__isnull=True, role__in=policies.FULL_TEAM_ROLES
    ).values("case_id")
    glass = BreakGlassGrant.objects.filter(user_id=profile.user_id, expires_at__gt=timezone.now()).values("case_id")
    full = Q(id__in=full_team) | Q(id__in=glass)
    unit_ids = profile.unit_ids_with(policies.UNIT_STAFF_ROLES) | set(profile.led_unit_ids)
    if unit_ids:
        full |= Q(responsible_unit_id__in=unit_ids)
    return Case.objects.filter(full)


def case_relation(actor, case: Case) -> CaseRelation:
    profile = actor_profile(actor)
    if not profile.user_id:
        return CaseRelation()
    team_row = (
        TeamMember.objects.filter(case=case, user_id=profile.user_id, valid_to__isnull=True)
        .values_list("role", "unit_id", "unit__administration__code")
        .first()
    )
    team_role, team_unit_id, team_administration = team_row or (None, None, None)
    unit_roles = frozenset(
        role
        for unit_id, role in profile.unit_roles
        if unit_id == case.responsible_unit_id and role in policies.UNIT_STAFF_ROLES
    )
    leads = case.responsible_unit_id in profile.led_unit_ids
    glass = BreakGlassGrant.objects.filter(user_id=profile.user_id, case=case, expires_at__gt=timezone.now()).exists()
    return CaseRelation(
        team_role=team_role,
        unit_roles=unit_roles,
        leads_unit=leads,
        break_glass=glass,
        team_unit_id=team_unit_id,
        team_administration=team_administration,
    )


@dataclass(frozen=True)
class CaseAccess:
    case: Case
    relation: CaseRelation
    perms: frozenset[CasePerm]

    @property
    def level(self):
        return policies.access_level(self.relation)

    def can(self, perm: CasePerm) -> bool:
        return perm in self.perms

    @property
    def disclosure_unit_id(self) -> int | None:
        """The reader's team unit when what the team shares reaches them only by a disclosure: a limited reader
        from another administration than the case's (ADR 0013). None: the reader sees every shared item."""
        return policies.disclosure_unit(
            self.relation, case_administration=self.case.responsible_unit.administration.code
        )


def case_for(
    actor,
    case_id,
    *,
    need: CasePerm = CasePerm.VIEW_SUMMARY,
    audit_action: str | None = AuditAction.VIEW,
    what: str = "case",
    lock: bool = False,
) -> CaseAccess:
    """Fetch a case for the actor. Not visible → Http404 (identical to a missing case). Visible but
    lacking `need` → Forbidden. Records an audit event of `audit_action` unless it is None (used by
    services that record their own, more specific event)."""
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise Http404
    qs = Case.objects.select_related("child", "responsible_unit", "responsible_unit__administration")
    if lock:
        qs = qs.select_for_update(of=("self",))
    case = qs.filter(pk=pk).first()
    if case is None:
        raise Http404
    relation = case_relation(actor, case)
    perms = policies.permissions(relation, status=case.status)
    if not perms:
        raise Http404
    if need not in perms:
        raise Forbidden(
            _("Du har ikke adgang til denne del af sagen. Kontakt sagens ansvarlige rådgiver."), code="forbidden"
        )
    if audit_action:
        audit.record(
            actor=actor,
            action=audit_action,
            obj=case,
            persons=[case.child_id],
            case_id=case.pk,
            detail={
                "view": what,
                "break_glass": relation.break_glass
                and policies.access_level(
                    CaseRelation(relation.team_role, relation.unit_roles, relation.leads_unit, False)
                )
                is None,
            },
        )
    return CaseAccess(case=case, relation=relation, perms=perms)
