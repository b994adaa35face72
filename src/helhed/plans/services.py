"""Every write of the child's plan: start a draft (the first version, or a copy of the approved one), change it
(the whole draft, or one goal at a time), approve it, and record a review. Keyword-only, atomic, audited, and
each asks the case gatekeeper for write access (`CasePerm.WRITE_JOURNAL`) with the case row locked, so two
writers of one plan take turns and a stale form is refused by the version check instead of overwriting."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helhed.cases import selectors as case_selectors
from helhed.cases import services as case_services
from helhed.cases.gatekeeper import case_for
from helhed.cases.models import Case, DocumentKind
from helhed.cases.policies import CasePerm
from helhed.consent import services as consent_services
from helhed.consent.models import InfoKind
from helhed.core import audit, filestore, idempotency
from helhed.core.concurrency import bump_version, check_version
from helhed.core.errors import Conflict, HelhedError, NotFound
from helhed.core.i18n import record_language
from helhed.core.models import AuditAction
from helhed.core.validation import check_length, check_not_too_early
from helhed.deadlines import services as deadline_services
from helhed.deadlines.rules import Trigger
from helhed.organisation.models import AdministrationCode
from helhed.organisation.selectors import active_memberships

from . import letters, policies
from .models import GoalRating, Plan, PlanGoal, PlanReview, PlanVersion, Rating, VersionStatus

STALE_MESSAGE = gettext_lazy(
    "Planen er blevet ændret af en anden, siden du åbnede siden. Genindlæs siden, se ændringerne, og prøv igen."
)


@dataclass
class GoalIn:
    """One goal as a form or the API gives it. `key` names a goal already in the draft (None: a new goal)."""

    life_area: str
    text: str
    administration: str
    responsible_person: object | None = None  # a staff user
    measures: list[str] = field(default_factory=list)
    success: str = ""
    child_view: str = ""
    parents_view: str = ""
    key: str | None = None


@dataclass
class PlanFieldsIn:
    purpose: str = ""
    youth_note: str = ""
    psychiatry_contact: str = ""
    psychiatry_plan_date: date | None = None
    psychiatry_next_coordination: date | None = None


@dataclass
class RatingIn:
    goal_id: int
    rating: str
    note: str = ""


@dataclass
class ReviewIn:
    ratings: list[RatingIn]
    next_review_on: date | None
    next_review_reason: str
    note: str = ""


# -- helpers ------------------------------------------------------------------------------------------


def _write_access(actor, case_id):
    return case_for(actor, case_id, need=CasePerm.WRITE_JOURNAL, audit_action=None, lock=True)


def _plan_of(case: Case) -> Plan | None:
    return Plan.objects.filter(case=case).first()


def _draft(case: Case, number: int | None = None) -> PlanVersion:
    """The plan's draft, locked. With `number` (the API names the version it edits), an approved version is
    refused as immutable and an unknown one is a 404."""
    plan = _plan_of(case)
    if plan is None:
        raise Conflict(_("Sagen har ingen plan endnu. Start planen først."), code="no_plan")
    if number is not None:
        target = PlanVersion.objects.select_for_update().filter(plan=plan, number=number).first()
        if target is None:
            raise NotFound(_("Planen har ingen version %(n)s.") % {"n": number}, code="not_found")
        if not target.is_draft:
            raise Conflict(
                _(
                    "Version %(n)s er godkendt og kan ikke ændres. Start en ny version af planen; den bliver en kopi "
                    "af den godkendte, som du kan rette i."
                )
                % {"n": number},
                code="approved_immutable",
            )
        return target
    draft = PlanVersion.objects.select_for_update().filter(plan=plan, status=VersionStatus.DRAFT).first()
    if draft is None:
        raise Conflict(
            _(
                "Planen har intet udkast. En godkendt plan kan ikke ændres; start en ny version, så bliver den "
                "godkendte plan kopieret til et nyt udkast."
            ),
            code="no_draft",
        )
    return draft


def _youth_today(case: Case) -> bool:
    return policies.youth_section_applies(case.child.birth_date, timezone.localdate())


def _text(value: str | None, *, field: str, max_length: int = policies.FREE_TEXT_MAX) -> str:
    value = (value or "").strip()
    check_length(value, max_length, field=field)
    return value


def _check_staff(user, *, field: str = "responsible_person") -> None:
    if user is None:
        return
    if not getattr(user, "is_active", False) or not active_memberships(user).exists():
        raise HelhedError(
            _("Den ansvarlige person skal være en aktiv medarbejder. Vælg en anden, eller lad feltet stå tomt."),
            field=field,
        )


def _clean_goal(goal: GoalIn, *, youth: bool, where: str = "") -> dict:
    """The goal's values after the rules, or a HelhedError that says what to fix (`where` names the goal when
    a whole draft is checked at once)."""
    prefix = where + ": " if where else ""
    area = policies.life_area(goal.life_area or "")
    if not goal.life_area:
        raise HelhedError(prefix + _("Vælg målets livsområde."), field="life_area")
    if area is None:
        raise HelhedError(
            prefix
            + _("Ukendt livsområde '%(code)s'. Vælg et af livsområderne på listen.") % {"code": goal.life_area[:40]},
            field="life_area",
        )
    if area.youth and not youth:
        raise HelhedError(
            prefix
            + _(
                "Livsområdet '%(area)s' hører til ungeplanen, som først gælder, når barnet er fyldt 16 år "
                "(barnets lov § 108). Vælg et andet livsområde."
            )
            % {"area": area.label},
            field="life_area",
        )
    text = _text(goal.text, field="text", max_length=policies.GOAL_TEXT_MAX)
    if not text:
        raise HelhedError(prefix + _("Skriv målet: hvad skal være anderledes for barnet?"), field="text")
    if goal.administration not in AdministrationCode.values:
        raise HelhedError(
            prefix + _("Vælg den forvaltning, der er ansvarlig for målet (SOF, BUF, BIF eller PSY)."),
            field="administration",
        )
    _check_staff(goal.responsible_person)
    measures = policies.clean_measures(goal.measures)
    if len(measures) > policies.MEASURES_MAX:
        raise HelhedError(
            prefix + _("Der må højst være %(n)s indsatser pr. mål.") % {"n": policies.MEASURES_MAX}, field="measures"
        )
    for line in measures:
        check_length(line, policies.MEASURE_MAX, field="measures")
    return {
        "life_area": area.code,
        "text": text,
        "administration": goal.administration,
        "responsible_person": goal.responsible_person,
        "measures": measures,
        "success": _text(goal.success, field="success"),
        "child_view": _text(goal.child_view, field="child_view"),
        "parents_view": _text(goal.parents_view, field="parents_view"),
    }


def _clean_fields(data: PlanFieldsIn) -> dict:
    for name in ("psychiatry_plan_date", "psychiatry_next_coordination"):
        check_not_too_early(getattr(data, name), field=name)
    return {
        "purpose": _text(data.purpose, field="purpose"),
        "youth_note": _text(data.youth_note, field="youth_note"),
        "psychiatry_contact": _text(data.psychiatry_contact, field="psychiatry_contact", max_length=policies.NAME_MAX),
        "psychiatry_plan_date": data.psychiatry_plan_date,
        "psychiatry_next_coordination": data.psychiatry_next_coordination,
    }


_FIELD_NAMES = tuple(name for name, _label in policies.PLAN_FIELDS)
_GOAL_COLUMNS = (
    "life_area",
    "text",
    "administration",
    "responsible_person",
    "measures",
    "success",
    "child_view",
    "parents_view",
)


def _touch(draft: PlanVersion, actor, *fields: str) -> None:
    draft.updated_by, draft.updated_at = actor, timezone.now()
    bump_version(draft, *fields, "updated_by", "updated_at")


def _record(actor, action, obj, case: Case, **detail) -> None:
    audit.record(actor=actor, action=action, obj=obj, persons=[case.child_id], case_id=case.pk, detail=detail)


# -- drafts -------------------------------------------------------------------------------------------


@transaction.atomic
def plan_draft_start(*, actor, case_id) -> PlanVersion:
    """Start the plan's next version: the first one empty, a later one as a copy of the latest approved version
    (its goals keep their keys, so the page can show what changes). There is at most one draft at a time."""
    case = _write_access(actor, case_id).case
    now = timezone.now()
    plan = _plan_of(case)
    created_plan = plan is None
    if plan is None:
        plan = Plan.objects.create(case=case, created_by=actor, created_at=now)
    if PlanVersion.objects.filter(plan=plan, status=VersionStatus.DRAFT).exists():
        raise Conflict(_("Planen har allerede et udkast. Arbejd videre i det."), code="draft_exists")
    approved = (
        PlanVersion.objects.filter(plan=plan, status=VersionStatus.APPROVED).order_by("-number").first()
        if not created_plan
        else None
    )
    last_number = PlanVersion.objects.filter(plan=plan).order_by("-number").values_list("number", flat=True).first()
    copied = {name: getattr(approved, name) for name in _FIELD_NAMES} if approved is not None else {}
    try:
        with transaction.atomic():
            draft = PlanVersion.objects.create(
                plan=plan,
                number=(last_number or 0) + 1,
                based_on=approved,
                created_by=actor,
                created_at=now,
                updated_by=actor,
                updated_at=now,
                **copied,
            )
    except IntegrityError:  # another draft was started at the same moment
        raise Conflict(_("Planen har allerede et udkast. Genindlæs siden og arbejd videre i det."), code="draft_exists")
    if approved is not None:
        PlanGoal.objects.bulk_create(
            [
                PlanGoal(
                    plan_version=draft, key=g.key, position=g.position, **{c: getattr(g, c) for c in _GOAL_COLUMNS}
                )
                for g in approved.goals.all()
            ]
        )
    if created_plan:
        _record(actor, AuditAction.CREATE, plan, case)
    _record(
        actor,
        AuditAction.CREATE,
        draft,
        case,
        number=draft.number,
        based_on=approved.number if approved is not None else None,
    )
    return draft


@transaction.atomic
def plan_draft_save(
    *,
    actor,
    case_id,
    version,
    fields: PlanFieldsIn,
    goals: list[GoalIn] | None = None,
    number: int | None = None,
) -> PlanVersion:
    """Save the draft: its own fields, and (when `goals` is given) its goals as a whole: goals named by key
    are changed, goals without a key are added, goals left out are removed. Refused for an approved version
    and for a draft read at another version."""
    case = _write_access(actor, case_id).case
    draft = _draft(case, number)
    check_version(draft, version, message=STALE_MESSAGE)
    values = _clean_fields(fields)
    for name, value in values.items():
        setattr(draft, name, value)
    goal_detail = {}
    if goals is not None:
        goal_detail = _replace_goals(draft, goals, youth=_youth_today(case))
    _touch(draft, actor, *values.keys())
    _record(actor, AuditAction.UPDATE, draft, case, number=draft.number, **goal_detail)
    return draft


def _replace_goals(draft: PlanVersion, goals: list[GoalIn], *, youth: bool) -> dict:
    if len(goals) > policies.GOALS_MAX:
        raise HelhedError(_("En plan kan højst have %(n)s mål.") % {"n": policies.GOALS_MAX}, field="goals")
    existing = {g.key: g for g in draft.goals.all()}
    seen: set[str] = set()
    cleaned = []
    for i, goal in enumerate(goals, start=1):
        where = _("Mål %(n)s") % {"n": i}
        if goal.key:
            if goal.key not in existing:
                raise HelhedError(
                    _("%(where)s: målet med nøglen '%(key)s' findes ikke i udkastet. Udelad nøglen for et nyt mål.")
                    % {"where": where, "key": goal.key[:40]},
                    field="goals",
                )
            if goal.key in seen:
                raise HelhedError(
                    _("%(where)s: målet med nøglen '%(key)s' står to gange.") % {"where": where, "key": goal.key[:40]},
                    field="goals",
                )
            seen.add(goal.key)
        try:
            cleaned.append((goal.key, _clean_goal(goal, youth=youth, where=str(where))))
        except HelhedError as exc:
            exc.field = "goals"
            raise
    removed = [g.pk for key, g in existing.items() if key not in seen]
    PlanGoal.objects.filter(pk__in=removed).delete()
    added = changed = 0
    for position, (key, values) in enumerate(cleaned, start=1):
        if key:
            row = existing[key]
            for name, value in values.items():
                setattr(row, name, value)
            row.position = position
            row.save(update_fields=[*values.keys(), "position"])
            changed += 1
        else:
            PlanGoal.objects.create(plan_version=draft, key=uuid.uuid4().hex, position=position, **values)
            added += 1
    return {"goals_added": added, "goals_changed": changed, "goals_removed": len(removed)}


@transaction.atomic
def plan_goal_save(*, actor, case_id, version, goal: GoalIn, goal_id: int | None = None) -> PlanGoal:
    """Add a goal to the draft (`goal_id` None) or change one of its goals."""
    case = _write_access(actor, case_id).case
    draft = _draft(case)
    check_version(draft, version, message=STALE_MESSAGE)
    values = _clean_goal(goal, youth=_youth_today(case))
    if goal_id is None:
        if draft.goals.count() >= policies.GOALS_MAX:
            raise HelhedError(_("En plan kan højst have %(n)s mål.") % {"n": policies.GOALS_MAX}, field="text")
        last = draft.goals.order_by("-position").values_list("position", flat=True).first() or 0
        row = PlanGoal.objects.create(plan_version=draft, key=uuid.uuid4().hex, position=last + 1, **values)
        action = AuditAction.CREATE
    else:
        found = draft.goals.filter(pk=goal_id).first()
        if found is None:
            raise NotFound(_("Målet findes ikke i planens udkast. Genindlæs siden."), code="not_found")
        row = found
        for name, value in values.items():
            setattr(row, name, value)
        row.save(update_fields=list(values.keys()))
        action = AuditAction.UPDATE
    _touch(draft, actor)
    _record(actor, action, row, case, number=draft.number, life_area=row.life_area)
    return row


@transaction.atomic
def plan_goal_remove(*, actor, case_id, version, goal_id: int) -> PlanVersion:
    """Take a goal out of the draft (the approved versions keep it)."""
    case = _write_access(actor, case_id).case
    draft = _draft(case)
    check_version(draft, version, message=STALE_MESSAGE)
    row = draft.goals.filter(pk=goal_id).first()
    if row is None:
        raise NotFound(_("Målet findes ikke i planens udkast. Genindlæs siden."), code="not_found")
    row.delete()
    _touch(draft, actor)
    _record(actor, AuditAction.UPDATE, draft, case, number=draft.number, goal_removed=goal_id)
    return draft


# -- approval -----------------------------------------------------------------------------------------


@transaction.atomic
def plan_approve(*, actor, case_id, version, number: int | None = None) -> PlanVersion:
    """Approve the draft: it becomes immutable, gets the plan's date, and its letter to the family is made and
    filed on the case. The first approval meets the case's open `plan.create` deadlines (BL § 91); a plan with
    a youth section (the child is 16 or more) meets its open `youth.plan_16` deadlines (BL § 108)."""
    access = _write_access(actor, case_id)
    case = access.case
    draft = _draft(case, number)
    check_version(draft, version, message=STALE_MESSAGE)
    goals = list(draft.goals.select_related("responsible_person").order_by("position", "id"))
    if not goals:
        raise HelhedError(
            _("Planen skal have mindst ét mål, før den kan godkendes. Tilføj et mål."), field="goals", code="no_goals"
        )
    now = timezone.now()
    today = timezone.localdate(now)
    youth = policies.youth_section_applies(case.child.birth_date, today)
    for goal in goals:
        area = policies.life_area(goal.life_area)
        if area is None or (area.youth and not youth):
            raise HelhedError(
                _("Målet '%(goal)s' står under et livsområde, der ikke gælder for barnet. Ret målet.")
                % {"goal": goal.text[:60]},
                field="goals",
            )
    if youth and not any(g.is_youth for g in goals) and not draft.youth_note.strip():
        raise HelhedError(
            _(
                "Barnet er fyldt 16 år, så planen skal have en ungeplan (barnets lov § 108). Tilføj mindst ét mål om "
                "uddannelse, beskæftigelse, egen bolig eller efterværn, eller skriv under 'Om ungeplanen', hvorfor "
                "der ikke er mål."
            ),
            field="youth_note",
            code="youth_plan_missing",
        )
    first = not PlanVersion.objects.filter(plan=draft.plan, status=VersionStatus.APPROVED).exists()
    draft.status = VersionStatus.APPROVED
    draft.approved_by, draft.approved_at, draft.plan_date = actor, now, today
    _touch(draft, actor, "status", "approved_by", "approved_at", "plan_date")
    met = []
    if first:
        met += deadline_services.deadlines_meet_on_case(actor=actor, case=case, rule_ids=["plan.create"], at=now)
    if youth:
        met += deadline_services.deadlines_meet_on_case(actor=actor, case=case, rule_ids=["youth.plan_16"], at=now)
    with record_language():
        case_services.timeline_add(
            person_id=case.child_id,
            case=case,
            at=now,
            kind="plan_approved",
            title=_("Barnets plan godkendt (version %(n)s)") % {"n": draft.number},
            actor=actor,
            administration=case.responsible_unit.administration.code,
            shared_with_team=True,
            obj=draft,
        )
    _record(
        actor,
        AuditAction.UPDATE,
        draft,
        case,
        number=draft.number,
        approved=True,
        youth_section=youth,
        goals=len(goals),
        deadlines_met=[d.rule_id for d in met],
    )
    # The letter last: it writes a file, which must not outlive a transaction that rolls back.
    contact = next((m for m in case_selectors.case_team(access) if m.is_parent_contact), None)
    _file_letter(actor, case, draft, goals, youth=youth, contact=contact)
    _disclose_to_team(actor, access, draft)
    return draft


def _disclose_to_team(actor, access, version: PlanVersion) -> None:
    """An approved plan is shared with the team: with the units of other administrations as far as a consent
    in force covers them; the rest wait on the case's sharing page for a consent or a legal basis (ADR 0013)."""
    covers, _missing = consent_services.sharing_covers(access, InfoKind.PLAN, partial=True)
    with record_language():
        title = _("Barnets plan, version %(n)s") % {"n": version.number}
    consent_services.disclosures_record(
        actor=actor, access=access, info_kind=InfoKind.PLAN, item_id=version.pk, item_title=title, covers=covers
    )
    if version.letter_id:
        consent_services.disclosures_record(
            actor=actor,
            access=access,
            info_kind=InfoKind.DOCUMENT,
            item_id=version.letter_id,
            item_title=title,
            covers=covers,
        )


def _file_letter(actor, case: Case, version: PlanVersion, goals: list[PlanGoal], *, youth: bool, contact) -> None:
    content = letters.render_pdf(case=case, version=version, goals=goals, youth=youth, contact=contact)
    with record_language():
        title = _("Barnets plan, version %(n)s (brev til familien)") % {"n": version.number}
    doc = case_services.document_file_generated(
        actor=actor,
        case=case,
        content=content,
        filename=letters.filename(case, version),
        title=title,
        kind=DocumentKind.LETTER,
        shared_with_team=True,
    )
    try:
        version.letter = doc
        version.save(update_fields=["letter"])
    except BaseException:
        filestore.path_for(doc.storage_name).unlink(missing_ok=True)
        raise


# -- reviews ------------------------------------------------------------------------------------------


@transaction.atomic
def plan_review_add(*, actor, case_id, data: ReviewIn, submission_key: str | None = None) -> PlanReview:
    """Record a review of the approved plan (BL § 95): every goal rated, and the next review set with a reason.
    Meets the case's open `plan.first_review` and `plan.review` deadlines and starts the next `plan.review`
    deadline on the chosen date; the deadline engine refuses a date after the statutory latest."""
    case = _write_access(actor, case_id).case
    idempotency.claim(key=submission_key, actor=actor)
    plan = _plan_of(case)
    approved = PlanVersion.objects.filter(plan__case=case, status=VersionStatus.APPROVED).order_by("-number").first()
    if plan is None or approved is None:
        raise Conflict(
            _("Planen er ikke godkendt endnu. Godkend planen, før du følger op på den."), code="not_approved"
        )
    goals = list(approved.goals.order_by("position", "id"))
    by_id = {g.pk: g for g in goals}
    given: dict[int, RatingIn] = {}
    for item in data.ratings:
        if item.goal_id not in by_id:
            raise Conflict(
                _(
                    "Et af de vurderede mål er ikke med i den godkendte plan (version %(n)s). Måske er en ny version "
                    "godkendt i mellemtiden. Genindlæs siden og prøv igen."
                )
                % {"n": approved.number},
                code="stale",
            )
        if item.goal_id in given:
            raise HelhedError(_("Et mål er vurderet to gange. Vurdér hvert mål én gang."), field="ratings")
        if item.rating not in Rating.values:
            raise HelhedError(
                _("Ukendt vurdering '%(value)s'. Vælg opnået, fremskridt, ingen fremskridt eller forværret.")
                % {"value": str(item.rating)[:30]},
                field="ratings",
            )
        check_length(item.note, policies.FREE_TEXT_MAX, field="ratings")
        given[item.goal_id] = item
    missing = [g for g in goals if g.pk not in given]
    if missing:
        raise HelhedError(
            _("Vurdér alle planens mål. Der mangler en vurdering af: %(goals)s.")
            % {"goals": "; ".join(f"'{g.text[:60]}'" for g in missing)},
            field="ratings",
            code="rating_missing",
        )
    note = _text(data.note, field="note")
    reason = _text(data.next_review_reason, field="next_review_reason")
    if data.next_review_on is None:
        raise HelhedError(_("Vælg datoen for den næste opfølgning."), field="next_review_on")
    now = timezone.now()
    if data.next_review_on < timezone.localdate(now):
        raise HelhedError(
            _("Den næste opfølgning kan ikke ligge før i dag. Vælg en dato fra i dag og frem."), field="next_review_on"
        )
    if not reason:
        raise HelhedError(
            _("Skriv hvorfor den næste opfølgning skal være på den valgte dato (barnets lov § 95)."),
            field="next_review_reason",
        )
    review = PlanReview.objects.create(
        plan=plan,
        plan_version=approved,
        note=note,
        next_review_on=data.next_review_on,
        next_review_reason=reason,
        reviewed_by=actor,
        reviewed_at=now,
    )
    GoalRating.objects.bulk_create(
        [
            GoalRating(review=review, goal=by_id[i], rating=r.rating, note=(r.note or "").strip())
            for i, r in given.items()
        ]
    )
    met = deadline_services.deadlines_meet_on_case(
        actor=actor, case=case, rule_ids=["plan.first_review", "plan.review"], at=now
    )
    try:
        started = deadline_services.deadlines_start(
            actor=actor,
            trigger=Trigger.PLAN_REVIEWED,
            at=now,
            person=case.child,
            case=case,
            owner=case_selectors.responsible_caseworker_of(case) or actor,
            source=review,
            due_on=data.next_review_on,
            due_reason=reason,
        )
    except HelhedError as exc:  # the engine speaks of its own arguments; the form knows them by these names
        exc.field = {"due_on": "next_review_on", "due_reason": "next_review_reason"}.get(exc.field or "", exc.field)
        raise
    with record_language():
        case_services.timeline_add(
            person_id=case.child_id,
            case=case,
            at=now,
            kind="plan_reviewed",
            title=_("Opfølgning på barnets plan (version %(n)s); næste opfølgning senest %(date)s")
            % {"n": approved.number, "date": data.next_review_on.strftime("%d.%m.%Y")},
            actor=actor,
            administration=case.responsible_unit.administration.code,
            shared_with_team=True,
            obj=review,
        )
    _record(
        actor,
        AuditAction.CREATE,
        review,
        case,
        number=approved.number,
        ratings=dict(Counter(r.rating for r in given.values())),
        next_review_on=data.next_review_on.isoformat(),
        deadlines_met=[d.rule_id for d in met],
        deadlines_started=[d.rule_id for d in started],
    )
    return review
