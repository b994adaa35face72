"""Every read of the child's plan, through the case gatekeeper (`CasePerm.VIEW_SHARED`: the whole team reads
the plan, only caseworkers write it) and audited with the child as the person concerned. The number of
queries does not grow with the number of goals, versions or reviews."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from helhed.cases import selectors as case_selectors
from helhed.cases.gatekeeper import CaseAccess, case_for
from helhed.cases.policies import CasePerm
from helhed.core import audit
from helhed.core.models import AuditAction
from helhed.core.validation import fits_db_int
from helhed.deadlines.selectors import deadlines_on_case

from . import policies
from .models import GoalRating, Plan, PlanGoal, PlanReview, PlanVersion, VersionStatus

REVIEWS_SHOWN = 20
# The plan's deadlines, shown on its page: the plan itself, its reviews, and the youth plan.
PLAN_RULES = ("plan.create", "plan.first_review", "plan.review", "youth.plan_16", "youth.decide_before_18")


@dataclass
class PlanOverview:
    access: CaseAccess
    plan: Plan | None
    approved: PlanVersion | None  # the latest approved version, with `goal_list`
    draft: PlanVersion | None  # the draft, with `goal_list`
    versions: list[PlanVersion]
    reviews: list[PlanReview]
    goal_changes: list[policies.GoalChange] = field(default_factory=list)  # draft against the approved version
    field_changes: list[policies.FieldChange] = field(default_factory=list)
    youth_today: bool = False
    deadlines: list = field(default_factory=list)
    not_shared_with: list = field(default_factory=list)  # team units of other administrations without the plan

    @property
    def case(self):
        return self.access.case


@dataclass
class VersionDetail:
    access: CaseAccess
    plan: Plan
    version: PlanVersion  # with `goal_list`
    previous: PlanVersion | None  # the approved version it was copied from, with `goal_list`
    goal_changes: list[policies.GoalChange]
    field_changes: list[policies.FieldChange]
    youth: bool


def snapshot(goal: PlanGoal) -> policies.GoalSnapshot:
    person = goal.responsible_person
    return policies.GoalSnapshot(
        key=goal.key,
        life_area=goal.life_area,
        text=goal.text,
        administration=goal.administration,
        responsible=(person.get_full_name() or person.username) if person is not None else "",
        measures=tuple(goal.measures or ()),
        success=goal.success,
        child_view=goal.child_view,
        parents_view=goal.parents_view,
    )


def plan_fields(version: PlanVersion) -> dict:
    return {name: getattr(version, name) for name, _label in policies.PLAN_FIELDS}


def differences(previous: PlanVersion | None, current: PlanVersion) -> tuple[list, list]:
    """What changed from `previous` (None: nothing before) to `current`; both carry `goal_list`."""
    before = [snapshot(g) for g in previous.goal_list] if previous is not None else []
    goals = policies.diff_goals(before, [snapshot(g) for g in current.goal_list])
    fields = policies.diff_fields(plan_fields(previous) if previous is not None else {}, plan_fields(current))
    return goals, fields


def _attach_goals(*versions: PlanVersion | None) -> None:
    """Load the goals of the given versions in one query and put them on each as `goal_list`."""
    present = [v for v in versions if v is not None]
    by_version: dict[int, list[PlanGoal]] = {v.pk: [] for v in present}
    if present:
        rows = PlanGoal.objects.filter(plan_version_id__in=list(by_version)).select_related("responsible_person")
        for goal in rows.order_by("position", "id"):
            by_version[goal.plan_version_id].append(goal)
    for v in present:
        v.goal_list = by_version[v.pk]
        v.areas = policies.grouped(v.goal_list, youth=False)
        v.youth_areas = policies.grouped(v.goal_list, youth=True)


def sees_drafts(access: CaseAccess) -> bool:
    """A draft is the caseworkers' working material: those with full sight of the case see it; the rest of the
    team reads the approved plan."""
    return access.can(CasePerm.VIEW_JOURNAL)


def _disclosed_versions(access: CaseAccess) -> set[int] | None:
    """For a limited reader from another administration: the approved versions disclosed to their unit."""
    from helhed.consent.selectors import visible_item_ids

    return visible_item_ids(access, "plan")


def approved_version_of(case) -> PlanVersion | None:
    """The case's approved plan version now. No audit: for services that record their own events."""
    return PlanVersion.objects.filter(plan__case=case, status=VersionStatus.APPROVED).order_by("-number").first()


def _read_access(actor, case_id) -> CaseAccess:
    return case_for(actor, case_id, need=CasePerm.VIEW_SHARED, audit_action=None)


def _record(actor, access: CaseAccess, plan: Plan | None, view: str, **detail) -> None:
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="plans.plan",
        object_id=plan.pk if plan is not None else "",
        persons=[access.case.child_id],
        case_id=access.case.pk,
        detail={"view": view, **detail},
    )


def plan_overview(*, actor, case_id, view: str = "plan") -> PlanOverview:
    """The case's plan: the approved version, the draft with what it changes, the versions, the latest reviews
    and the plan's open deadlines."""
    access = _read_access(actor, case_id)
    case = access.case
    plan = Plan.objects.filter(case=case).first()
    youth_today = policies.youth_section_applies(case.child.birth_date, timezone.localdate())
    deadlines = deadlines_on_case(case, PLAN_RULES)
    _record(actor, access, plan, view)
    if plan is None:
        return PlanOverview(access, None, None, None, [], [], youth_today=youth_today, deadlines=deadlines)
    versions = list(
        PlanVersion.objects.filter(plan=plan).select_related("approved_by", "updated_by").order_by("-number")
    )
    if not sees_drafts(access):
        versions = [v for v in versions if v.status != VersionStatus.DRAFT]
    disclosed = _disclosed_versions(access)
    if disclosed is not None:
        versions = [v for v in versions if v.pk in disclosed]
    draft = next((v for v in versions if v.status == VersionStatus.DRAFT), None)
    approved = next((v for v in versions if v.status == VersionStatus.APPROVED), None)
    _attach_goals(approved, draft)
    ratings = Prefetch("ratings", queryset=GoalRating.objects.select_related("goal"))
    reviews = list(
        PlanReview.objects.filter(plan=plan)
        .select_related("reviewed_by", "plan_version")
        .prefetch_related(ratings)
        .order_by("-reviewed_at", "-id")[:REVIEWS_SHOWN]
    )
    if disclosed is not None:
        reviews = [r for r in reviews if r.plan_version_id in disclosed]
    goal_changes, field_changes = differences(approved, draft) if draft is not None else ([], [])
    not_shared_with = []
    if approved is not None and access.can(CasePerm.VIEW_JOURNAL):
        from helhed.consent.selectors import disclosed_units, recipients

        have = disclosed_units(case, "plan", approved.pk)
        not_shared_with = [r for r in recipients(case) if r.unit_id not in have]
    return PlanOverview(
        access,
        plan,
        approved,
        draft,
        versions,
        reviews,
        goal_changes=goal_changes,
        field_changes=field_changes,
        youth_today=youth_today,
        deadlines=deadlines,
        not_shared_with=not_shared_with,
    )


def _version_number(number) -> int:
    try:
        value = int(number)
    except (TypeError, ValueError):
        raise Http404
    if not fits_db_int(value):
        raise Http404
    return value


def plan_version(*, actor, case_id, number, view: str = "plan_version") -> VersionDetail:
    """One version with its goals and what it changed from the approved version it was copied from."""
    access = _read_access(actor, case_id)
    number = _version_number(number)
    plan = Plan.objects.filter(case=access.case).first()
    if plan is None:
        raise Http404
    version = (
        PlanVersion.objects.filter(plan=plan, number=number)
        .select_related("approved_by", "updated_by", "based_on")
        .first()
    )
    if version is None or (version.is_draft and not sees_drafts(access)):
        raise Http404
    disclosed = _disclosed_versions(access)
    if disclosed is not None and version.pk not in disclosed:
        raise Http404
    previous = version.based_on
    _attach_goals(version, previous)
    goal_changes, field_changes = differences(previous, version)
    on = version.plan_date or timezone.localdate()
    _record(actor, access, plan, view, number=number)
    return VersionDetail(
        access,
        plan,
        version,
        previous,
        goal_changes,
        field_changes,
        youth=policies.youth_section_applies(access.case.child.birth_date, on),
    )


def plan_letter(*, actor, case_id, number):
    """The letter of an approved version, for download: the plan's gatekeeper, then the case's document
    download, which records the download in the audit log."""
    access = _read_access(actor, case_id)
    number = _version_number(number)
    letter_id = (
        PlanVersion.objects.filter(plan__case=access.case, number=number, status=VersionStatus.APPROVED)
        .values_list("letter_id", flat=True)
        .first()
    )
    if letter_id is None:
        raise Http404
    _access, document = case_selectors.document_for_download(actor=actor, case_id=access.case.pk, document_id=letter_id)
    return document


@dataclass
class FamilyPlan:
    version: PlanVersion  # approved, with `goal_list`, `areas` and `youth_areas`
    youth: bool  # the youth section applies (the child's age on the plan's date)


def plan_for_family(case) -> FamilyPlan | None:
    """The plan as the family may see it: the latest approved version with its goals (the child's words and the
    parents' view included), never a draft; what the plan letter says. No gatekeeper and no audit here: the parents'
    view (family.selectors) has checked that the reader holds custody of the child and records the look itself."""
    version = (
        PlanVersion.objects.filter(plan__case=case, status=VersionStatus.APPROVED)
        .select_related("approved_by")
        .order_by("-number")
        .first()
    )
    if version is None:
        return None
    _attach_goals(version)
    on = version.plan_date or timezone.localdate()
    return FamilyPlan(version=version, youth=policies.youth_section_applies(case.child.birth_date, on))


def draft_for_edit(*, actor, case_id) -> PlanOverview:
    """The overview, for the draft's edit pages (the same read, recorded as a look at the draft)."""
    return plan_overview(actor=actor, case_id=case_id, view="plan_draft")
