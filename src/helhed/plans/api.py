"""/api/v1/cases/{case_id}/plan: the child's plan (BL § 91), its versions, the youth plan (BL § 108) and the
reviews (BL § 95). The same services and selectors as the pages, so the same access rules and audit: the case
team reads the approved plan, the caseworkers read drafts and write. A case the caller may not see answers 404.

`number` is a version's number (1, 2, 3 …); `version` is the draft's edit counter, sent back with every change
so that two people editing at once get a 409 instead of overwriting each other."""

from __future__ import annotations

from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from helhed.cases.downloads import document_file_response
from helhed.core.apiauth import api_requires
from helhed.core.errors import HelhedError
from helhed.core.permissions import Perm
from helhed.organisation.selectors import user_by_username

from . import policies, selectors, services
from .models import PlanGoal, PlanReview, PlanVersion

router = Router(tags=["plans"])


# -- schemas ------------------------------------------------------------------------------------------


class PlanLifeAreaOut(Schema):
    code: str
    label: str
    youth: bool


class PlanGoalOut(Schema):
    id: int
    key: str
    life_area: str
    life_area_label: str
    youth: bool
    text: str
    administration: str
    responsible_person: str | None  # username
    measures: list[str]
    success: str
    child_view: str
    parents_view: str


class PlanVersionSummaryOut(Schema):
    number: int
    status: str
    version: int
    based_on: int | None
    approved_by: str | None
    approved_at: datetime | None
    plan_date: date | None
    updated_at: datetime
    has_letter: bool


class PlanVersionOut(PlanVersionSummaryOut):
    life_areas_version: str
    purpose: str
    youth_note: str
    psychiatry_contact: str
    psychiatry_plan_date: date | None
    psychiatry_next_coordination: date | None
    goals: list[PlanGoalOut]


class PlanFieldChangeOut(Schema):
    field: str
    label: str
    old: str
    new: str


class PlanGoalChangeOut(Schema):
    kind: str  # added / removed / changed
    key: str
    life_area: str
    text: str
    changes: list[PlanFieldChangeOut]


class PlanRatingOut(Schema):
    goal_id: int
    goal_key: str
    goal_text: str
    rating: str
    note: str


class PlanReviewOut(Schema):
    id: int
    number: int  # the approved version reviewed
    reviewed_by: str
    reviewed_at: datetime
    note: str
    next_review_on: date
    next_review_reason: str
    ratings: list[PlanRatingOut]


class PlanDeadlineOut(Schema):
    rule_id: str
    title: str
    law: str
    paragraph: str
    due_at: datetime
    explanation: str


class PlanOut(Schema):
    case_id: int
    plan_id: int | None
    youth_section: bool = Field(description="The child is 16 or more today: the plan has a youth section (BL § 108)")
    life_areas: list[PlanLifeAreaOut]
    approved: PlanVersionOut | None
    draft: PlanVersionOut | None = Field(description="Only for those with full sight of the case (the caseworkers)")
    changes: list[PlanGoalChangeOut] = Field(description="The draft's goals against the approved version's")
    field_changes: list[PlanFieldChangeOut]
    versions: list[PlanVersionSummaryOut]
    reviews: list[PlanReviewOut]
    deadlines: list[PlanDeadlineOut]


class PlanVersionDetailOut(Schema):
    version: PlanVersionOut
    based_on: int | None
    changes: list[PlanGoalChangeOut]
    field_changes: list[PlanFieldChangeOut]


class PlanGoalIn(Schema):
    key: str | None = Field(None, description="A goal already in the draft; leave out for a new goal")
    life_area: str = Field(description="Codes: " + ", ".join(a.code for a in policies.LIFE_AREAS))
    text: str
    administration: str = Field(description="SOF, BUF, BIF or PSY")
    responsible_person: str | None = Field(None, description="Username of a staff member")
    measures: list[str] = []
    success: str = ""
    child_view: str = ""
    parents_view: str = ""


class PlanDraftIn(Schema):
    version: int = Field(description="The draft's edit counter as you read it")
    purpose: str = ""
    youth_note: str = ""
    psychiatry_contact: str = ""
    psychiatry_plan_date: date | None = None
    psychiatry_next_coordination: date | None = None
    goals: list[PlanGoalIn] = Field(description="The draft's goals, in order: all of them (goals left out are removed)")


class PlanApproveIn(Schema):
    version: int


class PlanRatingIn(Schema):
    goal_id: int = Field(description="A goal of the approved version (its id)")
    rating: str = Field(description="achieved, progress, no_progress or worse")
    note: str = ""


class PlanReviewIn(Schema):
    ratings: list[PlanRatingIn]
    next_review_on: date | None = None
    next_review_reason: str = ""
    note: str = ""


# -- shaping ------------------------------------------------------------------------------------------


def _username(user) -> str | None:
    return user.username if user is not None else None


def _goal(g: PlanGoal) -> dict:
    return {
        "id": g.pk,
        "key": g.key,
        "life_area": g.life_area,
        "life_area_label": g.life_area_label,
        "youth": g.is_youth,
        "text": g.text,
        "administration": g.administration,
        "responsible_person": _username(g.responsible_person),
        "measures": list(g.measures or []),
        "success": g.success,
        "child_view": g.child_view,
        "parents_view": g.parents_view,
    }


def _summary(v: PlanVersion) -> dict:
    return {
        "number": v.number,
        "status": v.status,
        "version": v.version,
        "based_on": v.based_on.number if v.based_on_id and v.based_on else None,
        "approved_by": _username(v.approved_by),
        "approved_at": v.approved_at,
        "plan_date": v.plan_date,
        "updated_at": v.updated_at,
        "has_letter": v.letter_id is not None,
    }


def _version(v: PlanVersion | None) -> dict | None:
    if v is None:
        return None
    return {
        **_summary(v),
        "life_areas_version": v.life_areas_version,
        "purpose": v.purpose,
        "youth_note": v.youth_note,
        "psychiatry_contact": v.psychiatry_contact,
        "psychiatry_plan_date": v.psychiatry_plan_date,
        "psychiatry_next_coordination": v.psychiatry_next_coordination,
        "goals": [_goal(g) for g in v.goal_list],
    }


def _changes(changes: list[policies.GoalChange]) -> list[dict]:
    return [
        {"kind": c.kind, "key": c.key, "life_area": c.life_area, "text": c.text, "changes": list(c.changes)}
        for c in changes
    ]


def _review(r: PlanReview) -> dict:
    return {
        "id": r.pk,
        "number": r.plan_version.number,
        "reviewed_by": r.reviewed_by.username,
        "reviewed_at": r.reviewed_at,
        "note": r.note,
        "next_review_on": r.next_review_on,
        "next_review_reason": r.next_review_reason,
        "ratings": [
            {"goal_id": x.goal_id, "goal_key": x.goal.key, "goal_text": x.goal.text, "rating": x.rating, "note": x.note}
            for x in r.ratings.all()
        ],
    }


def _overview(o: selectors.PlanOverview) -> dict:
    return {
        "case_id": o.case.pk,
        "plan_id": o.plan.pk if o.plan is not None else None,
        "youth_section": o.youth_today,
        "life_areas": [
            {"code": a.code, "label": str(a.label), "youth": a.youth} for a in policies.life_areas(youth=o.youth_today)
        ],
        "approved": _version(o.approved),
        "draft": _version(o.draft),
        "changes": _changes(o.goal_changes),
        "field_changes": list(o.field_changes),
        "versions": [_summary(v) for v in o.versions],
        "reviews": [_review(r) for r in o.reviews],
        "deadlines": o.deadlines,
    }


def _user(username: str | None):
    if not username:
        return None
    user = user_by_username(username)
    if user is None:
        raise HelhedError(
            _("Der findes ingen medarbejder med brugernavnet '%(name)s'.") % {"name": username[:150]},
            field="responsible_person",
        )
    return user


# -- operations ---------------------------------------------------------------------------------------


@router.get(
    "/{case_id}/plan",
    response=PlanOut,
    summary="The child's plan: approved version, draft and its changes, versions, reviews, deadlines (audited)",
)
@api_requires(Perm.CASE_WORK)
def get_plan(request, case_id: int):
    return _overview(selectors.plan_overview(actor=request.auth, case_id=case_id, view="api_plan"))


@router.get(
    "/{case_id}/plan/versions",
    response=list[PlanVersionSummaryOut],
    summary="The plan's versions, newest first (audited)",
)
@api_requires(Perm.CASE_WORK)
def list_versions(request, case_id: int):
    return [
        _summary(v) for v in selectors.plan_overview(actor=request.auth, case_id=case_id, view="api_versions").versions
    ]


@router.get(
    "/{case_id}/plan/versions/{number}",
    response=PlanVersionDetailOut,
    summary="One version with its goals and what it changed from the approved version before it (audited)",
)
@api_requires(Perm.CASE_WORK)
def get_version(request, case_id: int, number: int):
    return _detail_of(request, case_id, number)


def _detail_of(request, case_id: int, number: int) -> dict:
    d = selectors.plan_version(actor=request.auth, case_id=case_id, number=number, view="api_plan_version")
    return {
        "version": _version(d.version),
        "based_on": d.previous.number if d.previous is not None else None,
        "changes": _changes(d.goal_changes),
        "field_changes": list(d.field_changes),
    }


@router.post(
    "/{case_id}/plan/versions",
    response={201: PlanVersionDetailOut},
    summary="Start the plan's next version: the first one empty, later ones as a copy of the approved version",
)
@api_requires(Perm.CASE_WORK)
def start_version(request, case_id: int):
    draft = services.plan_draft_start(actor=request.auth, case_id=case_id)
    return Status(201, _detail_of(request, case_id, draft.number))


@router.put(
    "/{case_id}/plan/versions/{number}",
    response=PlanVersionDetailOut,
    summary="Save the draft as a whole (an approved version is immutable: 409; a stale `version`: 409)",
)
@api_requires(Perm.CASE_WORK)
def save_version(request, case_id: int, number: int, payload: PlanDraftIn):
    goals = [
        services.GoalIn(
            key=g.key or None,
            life_area=g.life_area,
            text=g.text,
            administration=g.administration,
            responsible_person=_user(g.responsible_person),
            measures=g.measures,
            success=g.success,
            child_view=g.child_view,
            parents_view=g.parents_view,
        )
        for g in payload.goals
    ]
    fields = services.PlanFieldsIn(
        purpose=payload.purpose,
        youth_note=payload.youth_note,
        psychiatry_contact=payload.psychiatry_contact,
        psychiatry_plan_date=payload.psychiatry_plan_date,
        psychiatry_next_coordination=payload.psychiatry_next_coordination,
    )
    services.plan_draft_save(
        actor=request.auth, case_id=case_id, version=payload.version, fields=fields, goals=goals, number=number
    )
    return _detail_of(request, case_id, number)


@router.post(
    "/{case_id}/plan/versions/{number}/approve",
    response=PlanVersionDetailOut,
    summary="Approve the draft: immutable from now on; the letter to the family is made and filed on the case",
)
@api_requires(Perm.CASE_WORK)
def approve_version(request, case_id: int, number: int, payload: PlanApproveIn):
    services.plan_approve(actor=request.auth, case_id=case_id, version=payload.version, number=number)
    return _detail_of(request, case_id, number)


@router.get(
    "/{case_id}/plan/versions/{number}/letter",
    summary="The plan letter to the family of an approved version, as PDF (audited)",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "The letter", "content": {"application/pdf": {}}}}},
)
@api_requires(Perm.CASE_WORK)
def version_letter(request, case_id: int, number: int):
    document = selectors.plan_letter(actor=request.auth, case_id=case_id, number=number)
    return document_file_response(document)


@router.post(
    "/{case_id}/plan/reviews",
    response={201: PlanReviewOut},
    summary="Review the approved plan (BL § 95): rate every goal, set the next review (at most 6 months) with a reason",
)
@api_requires(Perm.CASE_WORK)
def add_review(request, case_id: int, payload: PlanReviewIn):
    review = services.plan_review_add(
        actor=request.auth,
        case_id=case_id,
        data=services.ReviewIn(
            ratings=[services.RatingIn(goal_id=r.goal_id, rating=r.rating, note=r.note) for r in payload.ratings],
            next_review_on=payload.next_review_on,
            next_review_reason=payload.next_review_reason,
            note=payload.note,
        ),
    )
    return Status(201, _review(review))
