"""Pure rules for reports of concern: categories and the acute track, who a report may be about, the
status pipeline, the acute-track checklist, and what BL § 137 lets the feedback letter say. No ORM, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import ConcernCategory, ConcernStatus, Decision, NotifierKind

# Reports of violence or sexual abuse go on the acute track with its own checklist (mission item 3,
# "klarere sagsgange i sager om vold eller seksuelle overgreb"; BL § 124 børnehus).
ACUTE_CATEGORIES = frozenset({ConcernCategory.VIOLENCE, ConcernCategory.SEXUAL_ABUSE})

ADULT_AGE = 18
AFTERCARE_END_AGE = 23  # BL §§ 113-116: support can run until the 23rd birthday

# Reports about the same child within this many days of each other count as repeated.
REPEAT_WINDOW_DAYS = 365


def clean_categories(values) -> list[str]:
    """The categories as a sorted list without duplicates; an unknown code is refused."""
    from helhed.core.errors import HelhedError

    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for value in values or []:
        code = str(value).strip()
        if code not in ConcernCategory.values:
            raise HelhedError(
                _("Ukendt kategori: %(code)s. Vælg en eller flere kategorier fra listen.") % {"code": code[:40]},
                field="categories",
                code="unknown_category",
            )
        if code not in out:
            out.append(code)
    if not out:
        raise HelhedError(_("Vælg mindst én kategori for bekymringen."), field="categories")
    return [c for c in ConcernCategory.values if c in out]


def is_acute(categories) -> bool:
    return bool(ACUTE_CATEGORIES & set(categories))


def age_on(birth_date: date, on: date) -> int:
    return relativedelta(on, birth_date).years


def age_problem(birth_date: date | None, on: date, *, in_aftercare: bool) -> str | None:
    """Why a report cannot be about this person, or None. Reports concern children under 18; a young
    person of 18-22 only while receiving aftercare (efterværn/ungestøtte) on an active case."""
    if birth_date is None:
        return None
    if birth_date > on:
        return _("Fødselsdatoen ligger efter modtagelsen. Tjek datoen.")
    age = age_on(birth_date, on)
    if age < ADULT_AGE:
        return None
    if in_aftercare and age < AFTERCARE_END_AGE:
        return None
    return _(
        "Personen er %(age)s år. En underretning handler om et barn under 18 år, eller om en ung under 23 år "
        "som får efterværn (barnets lov §§ 113-116). Kontakt voksenområdet, hvis du er bekymret for en voksen."
    ) % {"age": age}


# The status pipeline: (from, to) -> name. Anything else is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    (ConcernStatus.RECEIVED, ConcernStatus.ASSESSED): "assess",
    (ConcernStatus.ASSESSED, ConcernStatus.CLOSED): "close",
}

# Decisions that need the child identified and a case (the work continues on the case).
DECISIONS_NEEDING_CASE = frozenset({Decision.SCREENING, Decision.MAPPING, Decision.CHILD_ASSESSMENT})


@dataclass(frozen=True)
class ChecklistStep:
    code: str
    text: object  # lazy translation
    paragraph: str = ""


# The acute track, version 1 (2026-11): the steps a reception takes on a report of violence or sexual abuse.
ACUTE_CHECKLIST_VERSION = "2026-11"
ACUTE_CHECKLIST: tuple[ChecklistStep, ...] = (
    ChecklistStep(
        "danger_assessed",
        gettext_lazy("Vurdér straks om barnet er i akut fare, og handl i dag hvis det er"),
        "BL § 136",
    ),
    ChecklistStep("leader_informed", gettext_lazy("Nærmeste leder er orienteret")),
    ChecklistStep(
        "police_contacted",
        gettext_lazy("Politiet er kontaktet, og det er aftalt hvornår og hvordan forældrene orienteres"),
        "BL § 126",
    ),
    ChecklistStep(
        "childrens_house",
        gettext_lazy("Børnehuset er kontaktet om samråd og den videre undersøgelse"),
        "BL § 124",
    ),
    ChecklistStep("health_assessed", gettext_lazy("Behovet for lægelig undersøgelse er vurderet")),
    ChecklistStep("siblings_assessed", gettext_lazy("Søskende og andre børn i hjemmet er vurderet")),
)
CHECKLIST_CODES = frozenset(step.code for step in ACUTE_CHECKLIST)


def receipt_owed(kind: str, *, citizen_receipts: bool) -> bool:
    """BL § 137: professionals always get a receipt; citizens as the municipality has configured."""
    if kind == NotifierKind.PROFESSIONAL:
        return True
    return kind == NotifierKind.CITIZEN and citizen_receipts


def feedback_owed(kind: str) -> bool:
    """BL § 137 stk. 1: feedback on the outcome goes to professional notifiers only."""
    return kind == NotifierKind.PROFESSIONAL


def feedback_outcome(decision: str) -> str:
    """What the feedback may say (BL § 137 stk. 1): only whether the report led to a child assessment
    (§ 20) or to support. Supportive measures are decided later on the case, so at the decision on the
    report the answer is 'child_assessment' or 'none' — never the reasons, the family's situation or the
    screening and mapping that may be under way."""
    return "child_assessment" if decision == Decision.CHILD_ASSESSMENT else "none"


def reference(year: int, serial: int) -> str:
    return f"U-{year}-{serial:06d}"


def hours_left(due_at: datetime, now: datetime) -> float:
    return round((due_at - now).total_seconds() / 3600, 1)
