"""Synthetic reports of concern and their statutory deadlines for the demo and the benchmarks.

Written in bulk, like an import: each report gets its status history, its 24-hour assessment when it is
older than a day, and the deadlines the law starts (24-hour assessment, receipt, feedback, child
assessment), met on time, met late or still open, as a real reception's record would look. Reports in the
last 30 hours are left unassessed so the reception has live work with running clocks. Historical reports
carry no letter files (the letters are made when the reception works a live report)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from functools import lru_cache

from django.utils import timezone, translation

from helhed.concerns.models import (
    ChecklistItem,
    Concern,
    ConcernAssessment,
    ConcernCategory,
    ConcernStatus,
    ConcernStatusChange,
    Decision,
    NotifierKind,
    ReferenceCounter,
)
from helhed.concerns.policies import ACUTE_CHECKLIST, feedback_owed, is_acute, reference
from helhed.deadlines import policies as dl_policies
from helhed.deadlines import services as deadline_services
from helhed.deadlines.models import Deadline, DeadlineStatus, DeadlineStatusChange

DESCRIPTIONS = [
    "{navn} kommer ofte sulten i skole og har ikke madpakke med. Har set det flere gange den seneste måned.",
    "{navn} har haft stort fravær siden sommerferien, og forældrene svarer ikke på beskeder fra skolen.",
    "{navn} fortalte i dag en voksen, at der er meget råben derhjemme, og at {navn} er bange for at gå hjem.",
    "{navn} virker trist og trukket ind i sig selv og har sagt at ingen kan lide {navn}.",
    "Naboer har flere aftener hørt høje skænderier og gråd fra lejligheden, hvor {navn} bor.",
    "{navn} havde blå mærker på overarmene og ville ikke fortælle, hvordan de var opstået.",
    "Mor virkede påvirket ved afhentning i institutionen, og {navn} blev hentet meget sent.",
    "{navn} er set sammen med ældre unge, der sælger hash, og har været involveret i et tyveri.",
]
CATEGORY_WEIGHTS = [
    (ConcernCategory.NEGLECT, 22),
    (ConcernCategory.SCHOOL_ABSENCE, 18),
    (ConcernCategory.BEHAVIOUR, 16),
    (ConcernCategory.PARENTS_RESOURCES, 12),
    (ConcernCategory.VIOLENCE, 7),
    (ConcernCategory.SEXUAL_ABUSE, 2),
    (ConcernCategory.SUBSTANCE_USE, 6),
    (ConcernCategory.CRIME, 5),
    (ConcernCategory.MENTAL_HEALTH, 8),
    (ConcernCategory.OTHER, 4),
]
DECISION_WEIGHTS = [
    (Decision.NO_ACTION, 40),
    (Decision.OPEN_COUNSELLING, 10),
    (Decision.SCREENING, 15),
    (Decision.MAPPING, 15),
    (Decision.CHILD_ASSESSMENT, 20),
]


@lru_cache(maxsize=20000)
def _date_due(rule_id: str, day) -> tuple:
    start = datetime.combine(day, datetime.min.time().replace(hour=12), tzinfo=dl_policies.COPENHAGEN)
    due = dl_policies.compute(rule_id, at=start)
    return due.rule, due.due, due.explanation


def _deadline(rule_id: str, start: datetime, *, person, case, unit, owner, source_type: str, source_id):
    if rule_id == "concern.assess_24h":
        due = dl_policies.compute(rule_id, at=start)
        rule, due_at, explanation, is_date = due.rule, due.due, due.explanation, False
    else:
        rule, due_day, explanation = _date_due(rule_id, timezone.localtime(start, dl_policies.COPENHAGEN).date())
        due_at, is_date = dl_policies.due_moment(due_day), True
    return Deadline(
        rule_id=rule_id,
        law=str(rule.law),
        paragraph=rule.paragraph,
        title=rule.title_da,
        case=case,
        person=person,
        owner=owner,
        unit=unit,
        started_at=start,
        due_at=due_at,
        due_is_date=is_date,
        explanation=explanation,
        source_type=source_type,
        source_id=str(source_id),
    )


def _close(deadline: Deadline, at: datetime, now: datetime, actor, changes: list) -> None:
    if at > now:
        return  # still open
    deadline.status = DeadlineStatus.MET if at <= deadline.due_at else DeadlineStatus.MISSED
    deadline.closed_at = at
    changes.append(
        DeadlineStatusChange(
            deadline=deadline,
            from_status=DeadlineStatus.OPEN,
            to_status=deadline.status,
            changed_by=actor,
            changed_at=at,
        )
    )


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def seed_concerns(
    *,
    rng: random.Random,
    anchor_now: datetime,
    kids: list,
    case_of: dict,
    family_unit_of: dict,
    workers_of: dict,
    any_workers: list,
    notifiers: list,
    per_child: float = 3.0,
) -> int:
    """Reports for `kids` (a batch): on average `per_child` each, spread over the last three years."""
    with translation.override("da"):
        return _seed(rng, anchor_now, kids, case_of, family_unit_of, workers_of, any_workers, notifiers, per_child)


def _seed(rng, anchor_now, kids, case_of, family_unit_of, workers_of, any_workers, notifiers, per_child) -> int:
    now = timezone.now()
    concerns, pending = [], []
    years: dict[int, ReferenceCounter] = {}
    for kid in kids:
        case = case_of.get(kid.pk)
        n = min(12, int(rng.expovariate(1 / per_child))) if per_child else 0
        for _ in range(n):
            live = rng.random() < 0.004
            if live:
                received = now - timedelta(minutes=rng.randint(20, 30 * 60))
            else:
                received = anchor_now - timedelta(days=rng.randint(1, 1095), minutes=rng.randint(0, 600))
            born = kid.birth_date
            if born is None or received.date() <= born:
                continue  # no report before the child was born
            if (received.date() - born).days >= 18 * 365 and case is None:
                continue  # over 18 without aftercare: not a report of concern (concerns.policies.age_problem)
            unit = case.responsible_unit if case is not None else family_unit_of[kid.district_id]
            kind = _pick(
                rng, [(NotifierKind.PROFESSIONAL, 75), (NotifierKind.CITIZEN, 15), (NotifierKind.ANONYMOUS, 10)]
            )
            notifier = rng.choice(notifiers) if kind == NotifierKind.PROFESSIONAL and notifiers else None
            categories = sorted({_pick(rng, CATEGORY_WEIGHTS) for _ in range(rng.choice([1, 1, 2]))})
            year = timezone.localtime(received).year
            if year not in years:
                years[year], _c = ReferenceCounter.objects.select_for_update().get_or_create(year=year)
            years[year].last += 1
            concern = Concern(
                reference=reference(year, years[year].last),
                received_at=received,
                channel="in_app" if notifier is not None else rng.choice(["public_form", "phone"]),
                status=ConcernStatus.RECEIVED,
                receiving_unit=unit,
                notifier_kind=kind,
                notifier_user=notifier[0] if notifier else None,
                notifier_unit=notifier[1] if notifier else None,
                notifier_name=(notifier[0].get_full_name() if notifier else ("Nabo" if kind == "citizen" else "")),
                child_first_name=kid.first_name,
                child_last_name=kid.last_name,
                child_birth_date=kid.birth_date,
                child=kid,
                case=case,
                description=rng.choice(DESCRIPTIONS).format(navn=kid.first_name),
                categories=categories,
                acute_track=is_acute(categories),
                created_at=received,
            )
            concerns.append(concern)
            pending.append((concern, live))
    for counter in years.values():
        counter.save(update_fields=["last"])
    Concern.objects.bulk_create(concerns, batch_size=2000)

    history: list = []
    assessments: list = []
    deadlines: list = []
    dl_changes: list = []
    checklist: list = []
    for concern, live in pending:
        unit = concern.receiving_unit
        worker = rng.choice(workers_of.get(unit.id) or any_workers)
        history.append(
            ConcernStatusChange(
                concern=concern, from_status="", to_status=ConcernStatus.RECEIVED, changed_at=concern.received_at
            )
        )
        src = ("concerns.concern", concern.pk)
        assess_dl = _deadline(
            "concern.assess_24h",
            concern.received_at,
            person=concern.child,
            case=concern.case,
            unit=unit,
            owner=worker if not live else None,
            source_type=src[0],
            source_id=src[1],
        )
        deadlines.append(assess_dl)
        receipt_dl = None
        if concern.notifier_kind != NotifierKind.ANONYMOUS:
            receipt_dl = _deadline(
                "concern.receipt",
                concern.received_at,
                person=concern.child,
                case=concern.case,
                unit=unit,
                owner=worker,
                source_type=src[0],
                source_id=src[1],
            )
            deadlines.append(receipt_dl)
        if live:
            continue
        late = rng.random() < 0.08
        assessed_at = concern.received_at + timedelta(hours=rng.randint(25, 60) if late else rng.randint(1, 23))
        assessed_at = min(assessed_at, now)
        decision = (
            _pick(rng, DECISION_WEIGHTS)
            if concern.case_id
            else rng.choice([Decision.NO_ACTION, Decision.NO_ACTION, Decision.OPEN_COUNSELLING])
        )
        assessment = ConcernAssessment(
            concern=concern,
            acute_danger=concern.acute_track and rng.random() < 0.3,
            acute_measures="Barnet er bragt i sikkerhed samme dag." if concern.acute_track else "",
            decision=decision,
            reasoning="Vurderet ud fra underretningen og tidligere oplysninger på sagen.",
            police_involved=concern.acute_track,
            childrens_house_involved=concern.acute_track and rng.random() < 0.7,
            parents_informed=not concern.acute_track,
            parents_not_informed_reason="Politiet skal høres først." if concern.acute_track else "",
            assessed_by=worker,
            assessed_at=assessed_at,
        )
        assessments.append(assessment)
        _close(assess_dl, assessed_at, now, worker, dl_changes)
        if receipt_dl is not None:
            _close(
                receipt_dl,
                concern.received_at + timedelta(days=rng.choice([0, 1, 2, 3, 5, 9])),
                now,
                worker,
                dl_changes,
            )
        if feedback_owed(concern.notifier_kind):
            feedback = _deadline(
                "concern.feedback",
                assessed_at,
                person=concern.child,
                case=concern.case,
                unit=unit,
                owner=worker,
                source_type=src[0],
                source_id=src[1],
            )
            deadlines.append(feedback)
            _close(feedback, assessed_at + timedelta(days=rng.choice([1, 2, 4, 6, 12])), now, worker, dl_changes)
        closed_at = assessed_at + timedelta(days=rng.randint(2, 20))
        history.append(
            ConcernStatusChange(
                concern=concern,
                from_status=ConcernStatus.RECEIVED,
                to_status=ConcernStatus.ASSESSED,
                changed_by=worker,
                changed_at=assessed_at,
            )
        )
        concern.status = ConcernStatus.ASSESSED
        if closed_at < now:
            history.append(
                ConcernStatusChange(
                    concern=concern,
                    from_status=ConcernStatus.ASSESSED,
                    to_status=ConcernStatus.CLOSED,
                    changed_by=worker,
                    changed_at=closed_at,
                )
            )
            concern.status, concern.closed_at = ConcernStatus.CLOSED, closed_at
            if concern.acute_track:
                checklist += [
                    ChecklistItem(concern=concern, code=step.code, done_by=worker, done_at=assessed_at)
                    for step in ACUTE_CHECKLIST
                ]
    ConcernAssessment.objects.bulk_create(assessments, batch_size=2000)
    for assessment in assessments:
        case = assessment.concern.case
        if assessment.decision == Decision.CHILD_ASSESSMENT and case is not None:
            complete = _deadline(
                "assessment.complete",
                assessment.assessed_at,
                person=assessment.concern.child,
                case=case,
                unit=case.responsible_unit,
                owner=assessment.assessed_by,
                source_type="concerns.concernassessment",
                source_id=assessment.pk,
            )
            deadlines.append(complete)
            done = assessment.assessed_at + timedelta(days=rng.randint(60, 150))
            _close(complete, done, now, assessment.assessed_by, dl_changes)
    Concern.objects.bulk_update([c for c, live in pending if not live], ["status", "closed_at"], batch_size=2000)
    ConcernStatusChange.objects.bulk_create(history, batch_size=2000)
    ChecklistItem.objects.bulk_create(checklist, batch_size=2000)
    Deadline.objects.bulk_create(deadlines, batch_size=2000)
    DeadlineStatusChange.objects.bulk_create(dl_changes, batch_size=2000)
    deadline_services.compliance_mark_stale([d.due_at for d in deadlines])  # seeding on top of older data
    return len(concerns)
