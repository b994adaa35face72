"""Pure rules of the case flow: the tracks and their stages with the guidelines for which cases belong where
(versioned data, shown at a handover), the allowed moves between stages, the handover checklist and the
handover's status transitions. No database, no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helhed.organisation.models import UnitKind

from .models import HandoverStatus

StrOrPromise = str | Promise
FLOW_VERSION = "2026-11"  # the version of the tracks, guidelines and checklist below


@dataclass(frozen=True)
class Stage:
    key: str  # "<track>.<stage>"
    track: str
    title: StrOrPromise
    unit_kinds: frozenset[str]  # the kinds of unit that take cases in this stage
    guideline: StrOrPromise  # which cases belong here (Copenhagen's strategy papers; configurable with the version)


STAGES: dict[str, Stage] = {
    s.key: s
    for s in (
        Stage(
            "open_counselling.counselling",
            "open_counselling",
            gettext_lazy("Åben anonym rådgivning"),
            frozenset({UnitKind.OPEN_COUNSELLING}),
            gettext_lazy(
                "Familier og unge, der selv henvender sig om mindre problemer. Ingen afgørelse, ingen journal med "
                "navn; bliver det en sag, sker det kun med familiens samtykke."
            ),
        ),
        Stage(
            "family_unit.investigation",
            "family_unit",
            gettext_lazy("Børnefamilieenhed: undersøgelsesgruppe"),
            frozenset({UnitKind.INVESTIGATION_GROUP, UnitKind.FAMILY_UNIT}),
            gettext_lazy(
                "Nye sager: underretninger der er vurderet, afdækning (BL § 19) og børnefaglige undersøgelser "
                "(BL § 20), indtil der er truffet afgørelse om støtte."
            ),
        ),
        Stage(
            "family_unit.action",
            "family_unit",
            gettext_lazy("Børnefamilieenhed: handlegruppe"),
            frozenset({UnitKind.ACTION_GROUP, UnitKind.FAMILY_UNIT}),
            gettext_lazy(
                "Sager med iværksat støtte (BL § 32) eller anbringelse: barnets plan, opfølgning (BL § 95) og "
                "samarbejdet med skole og dagtilbud."
            ),
        ),
        Stage(
            "joint.sof_buf",
            "joint",
            gettext_lazy("Fælles SOF–BUF-forløb"),
            frozenset({UnitKind.ACTION_GROUP, UnitKind.FAMILY_UNIT}),
            gettext_lazy(
                "Børn, hvor skolen og socialforvaltningen arbejder på én fælles plan med én koordinerende "
                "rådgiver, fx ved bekymrende skolefravær eller i overgangen til specialtilbud."
            ),
        ),
        Stage(
            "aftercare.aftercare",
            "aftercare",
            gettext_lazy("Ungestøtte og efterværn"),
            frozenset({UnitKind.ACTION_GROUP, UnitKind.FAMILY_UNIT}),
            gettext_lazy(
                "Unge fra 18 til 23 år med ungestøtte efter barnets lov §§ 113-116; forberedes fra 17½ år "
                "(BL § 111) sammen med jobcenter og UU."
            ),
        ),
    )
}

# Allowed moves between stages; None is a case without a stage yet (its first placement may be any stage).
STAGE_MOVES: frozenset[tuple[str, str]] = frozenset(
    {
        ("open_counselling.counselling", "family_unit.investigation"),
        ("family_unit.investigation", "family_unit.action"),
        ("family_unit.investigation", "open_counselling.counselling"),
        ("family_unit.investigation", "joint.sof_buf"),
        ("family_unit.action", "joint.sof_buf"),
        ("joint.sof_buf", "family_unit.action"),
        ("family_unit.action", "aftercare.aftercare"),
        ("joint.sof_buf", "aftercare.aftercare"),
        ("family_unit.action", "family_unit.investigation"),  # a new child assessment is needed
    }
)


def move_allowed(from_stage: str | None, to_stage: str) -> bool:
    if to_stage not in STAGES:
        return False
    return from_stage is None or (from_stage, to_stage) in STAGE_MOVES


def next_stages(from_stage: str | None) -> list[Stage]:
    return [s for key, s in STAGES.items() if move_allowed(from_stage, key) and key != from_stage]


def unit_takes(unit_kind: str, stage_key: str) -> bool:
    stage = STAGES.get(stage_key)
    return stage is not None and unit_kind in stage.unit_kinds


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    text: StrOrPromise


CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem("latest_assessment", gettext_lazy("Den seneste børnefaglige undersøgelse eller vurdering er ajour")),
    ChecklistItem("current_plan", gettext_lazy("Barnets plan er aktuel og følger med")),
    ChecklistItem("network", gettext_lazy("Netværket er beskrevet: familie, skole/dagtilbud og andre fagpersoner")),
    ChecklistItem("child_view", gettext_lazy("Barnets egne ord og syn på overdragelsen er skrevet ned")),
)
CHECKLIST_CODES = frozenset(item.code for item in CHECKLIST)


def clean_checklist(answers: dict) -> dict[str, dict]:
    """Keep the known items as {"done": bool, "note": str}; refuse an unknown item."""
    out = {}
    for code, value in (answers or {}).items():
        if code not in CHECKLIST_CODES:
            from helhed.core.errors import HelhedError

            raise HelhedError(_("Ukendt punkt på tjeklisten: %(code)s.") % {"code": code}, field="checklist")
        if isinstance(value, dict):
            done, note = bool(value.get("done")), str(value.get("note") or "").strip()[:1000]
        else:
            done, note = bool(value), ""
        out[code] = {"done": done, "note": note}
    return out


def checklist_missing(checklist: dict) -> list[ChecklistItem]:
    return [item for item in CHECKLIST if not (checklist.get(item.code) or {}).get("done")]


HANDOVER_TRANSITIONS: dict[tuple[str, str], str] = {
    (HandoverStatus.PROPOSED, HandoverStatus.PREPARED): "prepare",
    (HandoverStatus.PROPOSED, HandoverStatus.REJECTED): "reject",
    (HandoverStatus.PREPARED, HandoverStatus.REJECTED): "reject",
    (HandoverStatus.PROPOSED, HandoverStatus.WITHDRAWN): "withdraw",
    (HandoverStatus.PREPARED, HandoverStatus.WITHDRAWN): "withdraw",
    (HandoverStatus.PREPARED, HandoverStatus.ACCEPTED): "accept",
}
