"""/api/v1/family: the parents' view for the logged-in parent (FAMILY_VIEW: parent accounts only), the same
content and audit as the page /familie/. /api/v1/cases/{case_id}/parent-links: the caseworker's links to it (case
gatekeeper; the clear-text token is in the answer to the create call only, never again)."""

from __future__ import annotations

from datetime import date, datetime

from django.urls import reverse
from ninja import Router, Schema, Status

from helhed.core.apiauth import api_requires
from helhed.core.http import absolute_link
from helhed.core.permissions import Perm

from . import policies, selectors, services

router = Router(tags=["family"])
staff_router = Router(tags=["family"])


# -- schemas ------------------------------------------------------------------------------------------------


class ContactOut(Schema):
    name: str
    unit: str
    phone: str
    email: str


class FamilyGoalOut(Schema):
    life_area: str
    life_area_label: str
    youth: bool
    text: str
    measures: list[str]
    success: str
    administration: str
    responsible_person: str  # the name, not the username
    child_view: str
    parents_view: str


class FamilyPlanOut(Schema):
    number: int
    approved_at: datetime
    plan_date: date | None
    purpose: str
    youth_section: bool
    youth_note: str
    goals: list[FamilyGoalOut]


class FamilyMeetingOut(Schema):
    kind: str
    kind_label: str
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    agenda: str
    chair: str


class FamilyDecisionOut(Schema):
    text: str
    binding: bool
    responsible: str
    administration: str
    due_on: date
    status: str
    status_label: str
    meeting_date: date


class ChildOut(Schema):
    case_id: int
    child_first_name: str
    child_last_name: str
    contact: ContactOut | None
    plan: FamilyPlanOut | None
    meetings: list[FamilyMeetingOut]
    decisions: list[FamilyDecisionOut]


class FamilyOut(Schema):
    parent_first_name: str
    parent_last_name: str
    children: list[ChildOut]


class ParentLinkIn(Schema):
    person_id: int


class ParentLinkOut(Schema):
    id: int
    person_id: int
    person_name: str
    state: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


class ParentLinkCreatedOut(ParentLinkOut):
    token: str  # shown once; only its SHA-256 is stored
    url: str


# -- serialising --------------------------------------------------------------------------------------------


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def _child(c: selectors.ChildView) -> dict:
    plan = None
    if c.plan is not None:
        v = c.plan.version
        goals = [g for g in v.goal_list if c.plan.youth or not g.is_youth]
        plan = {
            "number": v.number,
            "approved_at": v.approved_at,
            "plan_date": v.plan_date,
            "purpose": v.purpose,
            "youth_section": c.plan.youth,
            "youth_note": v.youth_note if c.plan.youth else "",
            "goals": [
                {
                    "life_area": g.life_area,
                    "life_area_label": g.life_area_label,
                    "youth": g.is_youth,
                    "text": g.text,
                    "measures": list(g.measures or []),
                    "success": g.success,
                    "administration": g.administration,
                    "responsible_person": _name(g.responsible_person),
                    "child_view": g.child_view,
                    "parents_view": g.parents_view,
                }
                for g in goals
            ],
        }
    contact = None
    if c.contact is not None:
        contact = {
            "name": _name(c.contact.user),
            "unit": c.contact.unit.name,
            "phone": c.contact.user.phone,
            "email": c.contact.user.email,
        }
    return {
        "case_id": c.case.pk,
        "child_first_name": c.child.first_name,
        "child_last_name": c.child.last_name,
        "contact": contact,
        "plan": plan,
        "meetings": [
            {
                "kind": m.kind,
                "kind_label": str(m.get_kind_display()),
                "title": m.title,
                "starts_at": m.starts_at,
                "ends_at": m.ends_at,
                "location": m.location,
                "agenda": m.agenda,
                "chair": _name(m.chair),
            }
            for m in c.meetings
        ],
        "decisions": [
            {
                "text": d.text,
                "binding": d.binding,
                "responsible": _name(d.owner),
                "administration": d.administration,
                "due_on": d.due_on,
                "status": d.status,
                "status_label": str(d.get_status_display()),
                "meeting_date": d.meeting.starts_at.date(),
            }
            for d in c.decisions
        ],
    }


def _link(row: selectors.LinkRow) -> dict:
    link = row.link
    return {
        "id": link.pk,
        "person_id": link.person_id,
        "person_name": link.person.full_name,
        "state": row.state,
        "created_by": link.created_by.username,
        "created_at": link.created_at,
        "expires_at": link.expires_at,
        "used_at": link.used_at,
        "revoked_at": link.revoked_at,
    }


# -- the parent's operations --------------------------------------------------------------------------------


@router.get("/", response=FamilyOut, summary="The parents' view: each child's contact, plan, meetings (audited)")
@api_requires(Perm.FAMILY_VIEW)
def family(request):
    data = selectors.family_overview(actor=request.auth, view="api_family")
    return {
        "parent_first_name": data.parent.first_name,
        "parent_last_name": data.parent.last_name,
        "children": [_child(c) for c in data.children],
    }


@router.get("/cases/{case_id}", response=ChildOut, summary="The parents' view of one child (audited; 404 if not yours)")
@api_requires(Perm.FAMILY_VIEW)
def family_child(request, case_id: int):
    _parent, child = selectors.family_child(actor=request.auth, case_id=case_id, view="api_family")
    return _child(child)


# -- the caseworker's operations ----------------------------------------------------------------------------


@staff_router.get(
    "/{case_id}/parent-links", response=list[ParentLinkOut], summary="The case's links to the parents' view (audited)"
)
@api_requires(Perm.CASE_WORK)
def list_links(request, case_id: int):
    data = selectors.case_parent_links(actor=request.auth, case_id=case_id, view="api_parent_links")
    return [_link(r) for r in data.links]


@staff_router.post(
    "/{case_id}/parent-links",
    response={201: ParentLinkCreatedOut},
    summary="A one-time login link to the parents' view for one of the child's custody holders (72 hours)",
)
@api_requires(Perm.CASE_WORK)
def create_link(request, case_id: int, payload: ParentLinkIn):
    created = services.parent_link_create(actor=request.auth, case_id=case_id, person_id=payload.person_id)
    row = selectors.LinkRow(created.link, policies.LinkState.ACTIVE)
    path = reverse("family:login", args=[created.token])
    return Status(201, {**_link(row), "token": created.token, "url": absolute_link(path)})


@staff_router.post(
    "/{case_id}/parent-links/{link_id}/revoke",
    response=ParentLinkOut,
    summary="Revoke a link: unused it no longer logs in; used the parent no longer sees the case",
)
@api_requires(Perm.CASE_WORK)
def revoke_link(request, case_id: int, link_id: int):
    link = services.parent_link_revoke(actor=request.auth, case_id=case_id, link_id=link_id)
    return _link(selectors.LinkRow(link, policies.LinkState.REVOKED))
