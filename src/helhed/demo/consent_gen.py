"""Synthetic consents and disclosures for the demo (ADR 0006 bulk loader, ADR 0013 sharing).

The case generator shares about a third of the notes with the team, and puts school social workers, health
visitors and employment advisers (BUF, BIF) on many teams. Without a recorded basis those professionals would
see none of it. Here, most such cases get a consent from the child's custody holders covering the
administrations on the team, with a disclosure row for every shared note to every receiving unit, as the
services would have written them; some get the early-preventive legal basis for the school instead; the rest
have nothing, so the case's "Samtykke og deling" page shows what waits for a consent or a basis."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q

from helhed.cases.models import ACTIVE_STATUSES, Case, JournalNote, TeamMember, TeamRole
from helhed.consent.models import Consent, ConsentStatus, ConsentStatusChange, Disclosure, InfoKind, LegalBasis
from helhed.people.models import Relation, RelationKind

TZ = ZoneInfo("Europe/Copenhagen")
PURPOSE = (
    "At skole, sundhedspleje og jobcenter kan samarbejde med socialforvaltningen om {navn}s trivsel og barnets plan."
)


@dataclass
class ConsentsResult:
    consents: int = 0
    disclosures: int = 0


@transaction.atomic
def seed_consents(*, seed: int = 1) -> ConsentsResult:
    rng = random.Random(seed * 7919)
    result = ConsentsResult()
    cases = {
        c.pk: c
        for c in Case.objects.filter(status__in=ACTIVE_STATUSES).select_related(
            "child", "responsible_unit__administration"
        )
    }
    receivers: dict[int, dict[int, str]] = defaultdict(dict)  # case -> unit -> administration
    recorder: dict[int, int] = {}
    for m in TeamMember.objects.filter(case_id__in=list(cases), valid_to__isnull=True).select_related(
        "unit__administration"
    ):
        if m.role == TeamRole.RESPONSIBLE_CASEWORKER:
            recorder[m.case_id] = m.user_id
        elif m.unit.administration.code != cases[m.case_id].responsible_unit.administration.code:
            receivers[m.case_id][m.unit_id] = m.unit.administration.code
    # The custody holders, or the parents where none is recorded (as people.selectors.custody_holders reads it).
    by_kind: dict[tuple[int, str], list[int]] = defaultdict(list)
    for person_id, relative_id, kind in (
        Relation.objects.filter(
            person_id__in=[c.child_id for c in cases.values()],
            kind__in=[RelationKind.CUSTODY_HOLDER, RelationKind.PARENT],
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=date.today()))
        .values_list("person_id", "relative_id", "kind")
    ):
        by_kind[(person_id, kind)].append(relative_id)
    holders = {
        c.child_id: by_kind.get((c.child_id, RelationKind.CUSTODY_HOLDER))
        or by_kind.get((c.child_id, RelationKind.PARENT))
        for c in cases.values()
    }
    shared: dict[int, list[tuple[int, str, datetime]]] = defaultdict(list)
    for pk, case_id, title, at in JournalNote.objects.filter(
        case_id__in=list(receivers), shared_with_team=True
    ).values_list("pk", "case_id", "title", "created_at"):
        shared[case_id].append((pk, title, at))
    early = LegalBasis.objects.filter(code="early_preventive").order_by("-valid_from").first()
    consents: list[tuple[Consent, list[int]]] = []
    given_by: list = []
    changes: list[ConsentStatusChange] = []
    plan: list[tuple[Case, Consent | None, LegalBasis | None, dict[int, str]]] = []
    for case_id in sorted(receivers):
        case, units = cases[case_id], receivers[case_id]
        parents = holders.get(case.child_id)
        roll = rng.random()
        if not parents or case_id not in recorder or roll >= 0.9:
            continue  # nothing recorded: the sharing page shows what waits
        if roll >= 0.75 and early is not None:
            plan.append((case, None, early, units))
            continue
        given_on = min(case.opened_at.astimezone(TZ).date() + timedelta(days=rng.randint(1, 20)), date.today())
        consent = Consent(
            case=case,
            given_on=given_on,
            administrations=sorted(set(units.values())),
            info_kinds=[InfoKind.NOTE, InfoKind.DOCUMENT, InfoKind.PLAN],
            purpose=PURPOSE.format(navn=case.child.first_name),
            valid_from=given_on,
            valid_to=None if rng.random() < 0.5 else given_on + timedelta(days=730),
            status=ConsentStatus.ACTIVE,
            recorded_by_id=recorder[case_id],
            recorded_at=datetime.combine(given_on, time(10, 0), TZ),
        )
        consents.append((consent, parents))
        plan.append((case, consent, None, units))
    Consent.objects.bulk_create([c for c, _p in consents], batch_size=1000)
    for consent, parents in consents:
        given_by += [Consent.given_by.through(consent_id=consent.pk, person_id=p) for p in parents]
        changes.append(
            ConsentStatusChange(
                consent=consent,
                from_status="",
                to_status=ConsentStatus.ACTIVE,
                changed_by_id=consent.recorded_by_id,
                changed_at=consent.recorded_at,
            )
        )
    Consent.given_by.through.objects.bulk_create(given_by, batch_size=2000)
    ConsentStatusChange.objects.bulk_create(changes, batch_size=2000)
    rows = []
    for case, given, basis, units in plan:
        for unit_id, admin in units.items():
            if basis is not None and admin not in basis.administrations:
                continue
            for pk, title, at in shared[case.pk]:
                rows.append(
                    Disclosure(
                        case=case,
                        item_kind=InfoKind.NOTE,
                        item_id=pk,
                        item_title=title[:250],
                        unit_id=unit_id,
                        administration=admin,
                        consent=given,
                        legal_basis=basis,
                        reason="" if basis is None else "Skolen skal kende barnets situation for at støtte i klassen.",
                        disclosed_by_id=recorder[case.pk],
                        disclosed_at=max(at, given.recorded_at) if given is not None else at,
                    )
                )
    Disclosure.objects.bulk_create(rows, batch_size=2000)
    result.consents, result.disclosures = len(consents), len(rows)
    return result
