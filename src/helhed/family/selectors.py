"""Every read of the parents' view, audited.

The parent's gatekeeper is here, not in the case gatekeeper (a parent has no relation to a case in
`cases.gatekeeper`, and never gets one): the logged-in user must have a `ParentAccount`; its person must hold a
used, unrevoked link to the case, still be a custody holder of the child, and the case must be open. Anything else
is the same 404 as a case that does not exist. What the parent then sees is only what the family may see: the
parents' contact person, the approved plan, coming meetings the family is invited to and the decisions marked for
the family (read through small selectors in `cases`, `plans` and `meetings`). Every look records a `view` with the
child and the parent as persons concerned.

The caseworker's side (the links of a case) goes through the case gatekeeper as every other case page does."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404
from django.utils import timezone

from helhed.cases import selectors as case_selectors
from helhed.cases.gatekeeper import CaseAccess, case_for
from helhed.cases.models import Case, TeamMember
from helhed.cases.policies import CasePerm
from helhed.core import audit
from helhed.core.models import AuditAction
from helhed.core.permissions import Perm
from helhed.core.validation import as_pk
from helhed.meetings import selectors as meeting_selectors
from helhed.meetings.models import Decision, Meeting
from helhed.people.models import Person
from helhed.people.selectors import custody_holders
from helhed.plans import selectors as plan_selectors

from . import policies
from .models import ParentAccount, ParentLink

LINKS_SHOWN = 50


def principal_perms(user) -> frozenset[Perm] | None:
    """Registered with core.permissions: an active parent account may see the parents' view and nothing else."""
    if ParentAccount.objects.filter(user_id=user.pk, user__is_active=True).exists():
        return frozenset({Perm.FAMILY_VIEW})
    return None


# -- the parent's side --------------------------------------------------------------------------------------


@dataclass
class ChildView:
    case: Case
    child: Person
    contact: TeamMember | None
    plan: plan_selectors.FamilyPlan | None
    meetings: list[Meeting]
    decisions: list[Decision]


@dataclass
class FamilyView:
    parent: Person
    children: list[ChildView] = field(default_factory=list)


def _account(actor) -> ParentAccount:
    user_id = getattr(actor, "pk", None)
    account = ParentAccount.objects.select_related("person").filter(user_id=user_id).first() if user_id else None
    if account is None:
        raise Http404
    return account


def _cases_of(account: ParentAccount) -> list[Case]:
    """The open cases the parent may see: a used, unrevoked link, and custody of the child today."""
    links = (
        ParentLink.objects.filter(person=account.person, used_at__isnull=False, revoked_at__isnull=True)
        .select_related("case", "case__child")
        .order_by("case_id")
    )
    cases: dict[int, Case] = {}
    for link in links:
        case = link.case
        if case.pk in cases or not case.is_active:
            continue
        if account.person_id in {p.pk for p in custody_holders(case.child)}:
            cases[case.pk] = case
    return list(cases.values())


def _child_view(case: Case) -> ChildView:
    return ChildView(
        case=case,
        child=case.child,
        contact=case_selectors.parent_contact_of(case),
        plan=plan_selectors.plan_for_family(case),
        meetings=meeting_selectors.family_meetings(case),
        decisions=meeting_selectors.family_decisions(case),
    )


def _record(actor, account: ParentAccount, case: Case | None, view: str) -> None:
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=case,
        persons=[case.child_id, account.person_id] if case is not None else [account.person_id],
        case_id=case.pk if case is not None else None,
        detail={"view": view},
    )


def family_overview(*, actor, view: str = "family") -> FamilyView:
    """'Min familie': each child the parent may see, with what the family may see of the child's case. One audit
    event per child (and one about the parent when there is no child to show)."""
    account = _account(actor)
    children = [_child_view(case) for case in _cases_of(account)]
    for child in children:
        _record(actor, account, child.case, view)
    if not children:
        _record(actor, account, None, view)
    return FamilyView(parent=account.person, children=children)


def family_child(*, actor, case_id, view: str = "family") -> tuple[Person, ChildView]:
    """One child's part of the parents' view; 404 for a case the parent may not see (or that does not exist)."""
    account = _account(actor)
    pk = as_pk(case_id)
    case = next((c for c in _cases_of(account) if c.pk == pk), None)
    if case is None:
        raise Http404
    child = _child_view(case)
    _record(actor, account, case, view)
    return account.person, child


def is_own_link(user, token: str) -> bool:
    """Whether `token` is a link already used by this user's own parent account (a double click on 'Log ind')."""
    if not getattr(user, "is_authenticated", False) or not policies.well_formed(token):
        return False
    return ParentLink.objects.filter(
        token_hash=policies.token_digest(token), used_by__user_id=user.pk, revoked_at__isnull=True
    ).exists()


def link_for_login(token: str) -> ParentLink:
    """The login page's check before it offers 'Log ind' (it shows no person data, so no audit): the same Danish
    404 or 410 as the login itself would give."""
    if not policies.well_formed(token):
        raise policies.unknown_link()
    link = ParentLink.objects.filter(token_hash=policies.token_digest(token)).first()
    if link is None:
        raise policies.unknown_link()
    state = policies.link_state(
        expires_at=link.expires_at, used_at=link.used_at, revoked_at=link.revoked_at, now=timezone.now()
    )
    refusal = policies.login_refusal(state)
    if refusal is not None:
        raise refusal
    return link


# -- the caseworker's side ----------------------------------------------------------------------------------


@dataclass
class LinkRow:
    link: ParentLink
    state: str

    @property
    def state_label(self) -> str:
        return str(policies.STATE_LABELS[policies.LinkState(self.state)])

    @property
    def can_revoke(self) -> bool:
        return policies.can_revoke(self.state)


@dataclass
class CaseLinks:
    access: CaseAccess
    holders: list[Person]  # the child's custody holders today: who may get a link
    links: list[LinkRow]

    @property
    def can_write(self) -> bool:
        return self.access.can(CasePerm.WRITE_JOURNAL) and self.access.case.is_active


def case_parent_links(*, actor, case_id, view: str = "parent_links") -> CaseLinks:
    """The case's links to the parents' view and who may get one, for those with full sight of the case."""
    access = case_for(actor, case_id, need=CasePerm.VIEW_JOURNAL, audit_action=None)
    case = access.case
    holders = custody_holders(case.child)
    now = timezone.now()
    rows = [
        LinkRow(
            link,
            policies.link_state(expires_at=link.expires_at, used_at=link.used_at, revoked_at=link.revoked_at, now=now),
        )
        for link in ParentLink.objects.filter(case=case)
        .select_related("person", "created_by", "revoked_by")
        .order_by("-created_at", "-id")[:LINKS_SHOWN]
    ]
    persons = {case.child_id, *(p.pk for p in holders), *(r.link.person_id for r in rows)}
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="family.parentlink",
        persons=sorted(persons),
        case_id=case.pk,
        detail={"view": view, "count": len(rows)},
    )
    return CaseLinks(access=access, holders=holders, links=rows)
