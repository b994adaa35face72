"""Every read of consents and disclosures, through the case gatekeeper and audited.

`visible_item_ids` is what the case, plan and document readers ask before they show a limited reader from
another administration anything the team shares: only items disclosed to the reader's unit, on a legal basis
or on a consent still in force (a withdrawn or lapsed consent stops further access, ADR 0013)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from helhed.cases.gatekeeper import CaseAccess, case_for
from helhed.cases.models import Case, TeamMember
from helhed.cases.policies import CasePerm
from helhed.core import audit
from helhed.core.models import AuditAction
from helhed.people.selectors import custody_holders, enrolments_of

from . import policies
from .models import Consent, ConsentStatus, Disclosure, InfoKind, LegalBasis


def _in_force(on: date) -> Q:
    """Disclosures that still give sight: every legal-basis disclosure, consent ones while the consent is."""
    consent_live = Q(consent__status=ConsentStatus.ACTIVE, consent__valid_from__lte=on) & (
        Q(consent__valid_to__isnull=True) | Q(consent__valid_to__gte=on)
    )
    return Q(consent__isnull=True) | consent_live


def visible_item_ids(access: CaseAccess, item_kind: str) -> set[int] | None:
    """Ids of the items of `item_kind` the reader may see among those shared with the team; None when the
    reader is not restricted (same administration as the case, or full sight)."""
    unit_id = access.disclosure_unit_id
    if unit_id is None:
        return None
    today = timezone.localdate()
    return set(
        Disclosure.objects.filter(case=access.case, item_kind=item_kind, unit_id=unit_id)
        .filter(_in_force(today))
        .values_list("item_id", flat=True)
    )


def recipients(case: Case) -> list[policies.Recipient]:
    """The units of another administration than the case's that sit on the team now: who would receive what
    the team shares."""
    own = case.responsible_unit.administration.code
    rows = (
        TeamMember.objects.filter(case=case, valid_to__isnull=True)
        .exclude(unit__administration__code=own)
        .values_list("unit_id", "unit__name", "unit__administration__code")
        .distinct()
        .order_by("unit__name", "unit_id")
    )
    seen: dict[int, policies.Recipient] = {}
    for unit_id, name, admin in rows:
        seen.setdefault(unit_id, policies.Recipient(unit_id, name, admin))
    return list(seen.values())


def consent_facts(case: Case) -> list[policies.ConsentFacts]:
    consents = Consent.objects.filter(case=case, status=ConsentStatus.ACTIVE).prefetch_related("given_by", "units")
    return [
        policies.ConsentFacts(
            id=c.pk,
            given_by=frozenset(p.pk for p in c.given_by.all()),
            administrations=frozenset(c.administrations),
            unit_ids=frozenset(u.pk for u in c.units.all()),
            info_kinds=frozenset(c.info_kinds),
            valid_from=c.valid_from,
            valid_to=c.valid_to,
            withdrawn=c.status != ConsentStatus.ACTIVE,
        )
        for c in consents
    ]


def holder_ids(case: Case) -> frozenset[int]:
    return frozenset(p.pk for p in custody_holders(case.child))


def bases_in_force(on: date | None = None) -> list[LegalBasis]:
    """The legal bases that can be chosen today (one version per code)."""
    on = on or timezone.localdate()
    rows = LegalBasis.objects.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
    by_code: dict[str, LegalBasis] = {}
    for b in rows.order_by("position", "code", "-valid_from"):
        by_code.setdefault(b.code, b)
    return list(by_code.values())


def basis_facts(b: LegalBasis) -> policies.BasisFacts:
    return policies.BasisFacts(
        id=b.pk, code=b.code, administrations=frozenset(b.administrations), valid_from=b.valid_from, valid_to=b.valid_to
    )


def disclosed_units(case: Case, item_kind: str, item_id: int) -> set[int]:
    today = timezone.localdate()
    return set(
        Disclosure.objects.filter(case=case, item_kind=item_kind, item_id=item_id)
        .filter(_in_force(today))
        .values_list("unit_id", flat=True)
    )


@dataclass
class RecipientCoverage:
    recipient: policies.Recipient
    kinds: dict[str, str]  # info kind -> "consent" | "" (not covered by a consent in force)


@dataclass
class Pending:
    recipient: policies.Recipient
    items: list[tuple[str, int, str]] = field(default_factory=list)  # (kind, id, title)


@dataclass
class CaseSharing:
    access: CaseAccess
    consents: list[Consent]
    holders: list
    bases: list[LegalBasis]
    coverage: list[RecipientCoverage]
    pending: list[Pending]
    disclosures: list[Disclosure]
    enrolled_unit_ids: list[int] = field(default_factory=list)  # the child's school and daycare now

    @property
    def case(self):
        return self.access.case


def shared_items(case: Case) -> list[tuple[str, int, str]]:
    """What the team shares on the case now: shared notes and documents and the approved plan version."""
    from helhed.cases.selectors import shared_with_team_items
    from helhed.plans.selectors import approved_version_of

    items = [(InfoKind.NOTE.value, pk, title) for pk, title in shared_with_team_items(case, "note")]
    items += [(InfoKind.DOCUMENT.value, pk, title) for pk, title in shared_with_team_items(case, "document")]
    version = approved_version_of(case)
    if version is not None:
        items.append((InfoKind.PLAN.value, version.pk, _("Barnets plan, version %(n)s") % {"n": version.number}))
    return items


def pending_for(case: Case, recipients_now: list[policies.Recipient]) -> list[Pending]:
    """Per receiving unit, the shared items not (or no longer) disclosed to it."""
    if not recipients_now:
        return []
    items = shared_items(case)
    today = timezone.localdate()
    done = set(
        Disclosure.objects.filter(case=case, unit_id__in=[r.unit_id for r in recipients_now])
        .filter(_in_force(today))
        .values_list("unit_id", "item_kind", "item_id")
    )
    out = []
    for r in recipients_now:
        missing = [it for it in items if (r.unit_id, it[0], it[1]) not in done]
        if missing:
            out.append(Pending(r, missing))
    return out


def case_sharing(*, actor, case_id) -> CaseSharing:
    """The case's consent register, who on the team would receive shared information and on what basis, what
    is still waiting for a basis, and the disclosures made. Full sight only (the register names the parents)."""
    access = case_for(actor, case_id, need=CasePerm.VIEW_JOURNAL, audit_action=None)
    case = access.case
    today = timezone.localdate()
    consents = list(
        Consent.objects.filter(case=case)
        .select_related("recorded_by")
        .prefetch_related("given_by", "units", "history__changed_by")
        .order_by("-valid_from", "-id")
    )
    holders = custody_holders(case.child)
    facts = consent_facts(case)
    holder_set = frozenset(p.pk for p in holders)
    recipients_now = recipients(case)
    coverage = []
    for r in recipients_now:
        kinds = {}
        for kind in InfoKind.values:
            covered, _missing = policies.covers([r], consents=facts, holders=holder_set, info_kind=kind, on=today)
            kinds[kind] = "consent" if covered else ""
        coverage.append(RecipientCoverage(r, kinds))
    disclosures = list(
        Disclosure.objects.filter(case=case)
        .select_related("unit", "consent", "legal_basis", "disclosed_by")
        .order_by("-disclosed_at", "-id")[:200]
    )
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="consent.consent",
        persons=[case.child_id, *holder_set],
        case_id=case.pk,
        detail={"view": "sharing"},
    )
    return CaseSharing(
        access=access,
        consents=consents,
        holders=holders,
        bases=bases_in_force(today),
        coverage=coverage,
        pending=pending_for(case, recipients_now),
        disclosures=disclosures,
        enrolled_unit_ids=[e.unit_id for e in enrolments_of(case.child) if e.valid_to is None or e.valid_to >= today],
    )


def consents_for_api(*, actor, case_id) -> tuple[CaseAccess, list[Consent]]:
    data = case_sharing(actor=actor, case_id=case_id)
    return data.access, data.consents
