"""The statutory deadline rules as versioned data (../shared/brief/legal-rules.md).

Barnets lov (BL) replaced the child parts of Serviceloven (SEL) on 2024-01-01. A rule applies by the date
of the event that starts it: events before 2024-01-01 follow SEL, later ones BL. Each rule id has one
version per law with its own paragraph and validity period. No `if` about dates or laws lives elsewhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Law(StrEnum):
    BL = "BL"
    SEL = "SEL"
    # The municipality's own promise (a strategy paper's rule, not a statute); its "paragraph" names the paper.
    MUNICIPAL = "KOM"


class Unit(StrEnum):
    HOURS = "hours"  # real elapsed hours, every day of the week
    WORKING_DAYS = "working_days"  # hverdage: Monday-Friday minus holidays and closing days
    MONTHS = "months"  # calendar months, clamped to the month's last day
    AGE = "age"  # a birthday (offset in months of age), for rules triggered by birth


class Trigger(StrEnum):
    CONCERN_RECEIVED = "concern_received"
    CONCERN_DECIDED = "concern_decided"  # the reception's decision on a report (feedback to the notifier)
    ASSESSMENT_STARTED = "assessment_started"
    MEASURE_DECIDED = "measure_decided"
    MEASURE_STARTED = "measure_started"
    PLAN_REVIEWED = "plan_reviewed"  # a review of the child's plan sets the next one
    ABSENCE_ACKNOWLEDGED = "absence_acknowledged"  # a school social worker takes an alert of concerning absence
    BIRTH = "birth"


class Notifier(StrEnum):
    PROFESSIONAL = "professional"
    CITIZEN = "citizen"
    ANONYMOUS = "anonymous"


BL_IN_FORCE = date(2024, 1, 1)


@dataclass(frozen=True)
class Rule:
    id: str
    law: Law
    paragraph: str
    trigger: Trigger
    unit: Unit
    offset: int
    valid_from: date | None
    valid_to: date | None  # exclusive
    title_da: str
    title_en: str
    # Who the rule is for; None = everyone.
    notifiers: frozenset[Notifier] | None = None
    placed_only: bool = False
    # For a placed young person (or placement without consent) a different offset applies.
    placed_offset: int | None = None
    source: str = ""

    def in_force(self, on: date) -> bool:
        return (self.valid_from is None or on >= self.valid_from) and (self.valid_to is None or on < self.valid_to)


def _pair(rule_id, trigger, unit, offset, *, bl, sel, title_da, title_en, **kw) -> tuple[Rule, Rule]:
    return (
        Rule(rule_id, Law.SEL, sel, trigger, unit, offset, None, BL_IN_FORCE, title_da, title_en, **kw),
        Rule(rule_id, Law.BL, bl, trigger, unit, offset, BL_IN_FORCE, None, title_da, title_en, **kw),
    )


RULES: tuple[Rule, ...] = (
    *_pair(
        "concern.assess_24h",
        Trigger.CONCERN_RECEIVED,
        Unit.HOURS,
        24,
        bl="§ 136",
        sel="§ 155, stk. 2",
        title_da="Vurdering af underretningen inden for 24 timer",
        title_en="Assess the report of concern within 24 hours",
        source="VEJ nr 9471 af 21/06/2024, kap. 2",
    ),
    *_pair(
        "concern.receipt",
        Trigger.CONCERN_RECEIVED,
        Unit.WORKING_DAYS,
        6,
        bl="§ 137",
        sel="§ 155 b, stk. 1",
        title_da="Kvittering til underretteren",
        title_en="Receipt to the notifier",
        notifiers=frozenset({Notifier.PROFESSIONAL, Notifier.CITIZEN}),
    ),
    *_pair(
        "concern.feedback",
        Trigger.CONCERN_DECIDED,
        Unit.WORKING_DAYS,
        6,
        bl="§ 137, stk. 1",
        sel="§ 155 b, stk. 2",
        title_da="Tilbagemelding til den faglige underretter",
        title_en="Feedback to the professional notifier",
        notifiers=frozenset({Notifier.PROFESSIONAL}),
        source="Reminder 6 working days after the decision (configurable; the law says when the decision is taken)",
    ),
    *_pair(
        "assessment.complete",
        Trigger.ASSESSMENT_STARTED,
        Unit.MONTHS,
        4,
        bl="§ 20, stk. 3",
        sel="§ 50, stk. 7",
        title_da="Børnefaglig undersøgelse afsluttet",
        title_en="Child assessment completed",
    ),
    *_pair(
        "plan.create",
        Trigger.MEASURE_DECIDED,
        Unit.MONTHS,
        3,
        bl="§ 91",
        sel="§ 140",
        title_da="Barnets plan / handleplan udarbejdet",
        title_en="Child's plan in place",
        placed_offset=0,
    ),
    *_pair(
        "plan.first_review",
        Trigger.MEASURE_STARTED,
        Unit.MONTHS,
        3,
        bl="§ 95",
        sel="§ 70, stk. 2",
        title_da="Første opfølgning på planen",
        title_en="First review of the plan",
    ),
    *_pair(
        "plan.review",
        Trigger.PLAN_REVIEWED,
        Unit.MONTHS,
        6,
        bl="§ 95",
        sel="§ 70, stk. 2",
        title_da="Næste opfølgning på planen",
        title_en="Next review of the plan",
        source="At least every 6 months after the first review; the review may set an earlier date with a reason",
    ),
    *_pair(
        "youth.plan_16",
        Trigger.BIRTH,
        Unit.AGE,
        16 * 12,
        bl="§ 108",
        sel="§ 140, stk. 6",
        title_da="Ungeplan overvejet ved 16 år",
        title_en="Youth plan considered at 16",
        placed_offset=16 * 12 + 3,
    ),
    *_pair(
        "youth.decide_before_18",
        Trigger.BIRTH,
        Unit.AGE,
        17 * 12 + 6,
        bl="§ 111",
        sel="§ 68, stk. 11",
        title_da="Afgørelse om ungestøtte efter 18 år",
        title_en="Decision on support after 18",
        placed_only=True,
    ),
    *_pair(
        "aftercare.end",
        Trigger.BIRTH,
        Unit.AGE,
        23 * 12,
        bl="§§ 113-116",
        sel="§ 76",
        title_da="Efterværn / ungestøtte ophører",
        title_en="Aftercare ends",
    ),
    # Strategi 2010, 'Hurtig reaktion ved skolefravær': the family is met quickly. Municipal, not statutory, so the
    # municipality sets the number of working days (HELHED_ABSENCE_MEETING_DAYS, default 10).
    Rule(
        "absence.parent_meeting",
        Law.MUNICIPAL,
        "Strategi 2010",
        Trigger.ABSENCE_ACKNOWLEDGED,
        Unit.WORKING_DAYS,
        int(os.environ.get("HELHED_ABSENCE_MEETING_DAYS", "10")),
        None,
        None,
        "Møde med forældrene om bekymrende fravær",
        "Meeting with the parents about concerning absence",
        source="Strategi 2010: systematic local follow-up on concerning absence, with a meeting with the parents",
    ),
)
