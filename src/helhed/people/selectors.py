"""Every read of person data. Each one writes an audit event (searches with their criterion, CPR masked)."""

from __future__ import annotations

import re
from functools import reduce
from operator import and_

from django.db.models import Q
from django.http import Http404

from helhed.core import audit
from helhed.core.models import AuditAction

from . import crypto, policies
from .models import Enrolment, Person, PersonMerge, Relation

SEARCH_LIMIT = 50
_JOURNAL_NUMBER = re.compile(r"^\s*27\.\d{2}\.\d{2}-[A-Z]\d{2}-\d+-\d{2}\s*$")


def looks_like_journal_number(text: str) -> bool:
    return bool(_JOURNAL_NUMBER.match(text or ""))


def person_search(*, actor, query: str, limit: int = SEARCH_LIMIT) -> list[Person]:
    """Find living (not merged-away) persons by CPR number (exact, via the keyed hash) or by name.

    Raises policies.InvalidCpr when the query is shaped like a CPR number but is not a valid one."""
    text = (query or "").strip()
    qs = Person.objects.filter(merged_into__isnull=True).select_related("district")
    if policies.looks_like_cpr(text):
        parsed = policies.parse(text)
        qs = qs.filter(cpr_hash=crypto.lookup_hash(parsed.number))
        kind = "cpr"
    else:
        tokens = [t for t in re.split(r"\s+", text) if t][:5]
        if not tokens:
            return []
        qs = qs.filter(reduce(and_, [Q(first_name__icontains=t) | Q(last_name__icontains=t) for t in tokens]))
        kind = "name"
    results = list(qs.order_by("last_name", "first_name", "id")[:limit])
    audit.record(
        actor=actor,
        action=AuditAction.SEARCH,
        object_type="people.person",
        criterion=policies.mask_in_text(text),
        persons=results,
        detail={"kind": kind, "hits": len(results)},
    )
    return results


def person_for(*, actor, person_id, case_id: int | None = None, what: str = "person") -> Person:
    try:
        pk = int(person_id)
    except (TypeError, ValueError):
        raise Http404
    person = Person.objects.select_related("district", "merged_into").filter(pk=pk).first()
    if person is None:
        raise Http404
    audit.record(
        actor=actor, action=AuditAction.VIEW, obj=person, persons=[person], case_id=case_id, detail={"view": what}
    )
    return person


def relations_of(*, actor, person: Person) -> list[Relation]:
    """Relations in both directions. The relatives shown are persons too, so they are audited as subjects."""
    relations = list(
        Relation.objects.filter(Q(person=person) | Q(relative=person)).select_related("person", "relative")
    )
    others = {r.relative_id if r.person_id == person.pk else r.person_id for r in relations}
    if others:
        audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            object_type="people.relation",
            persons=others,
            detail={"view": "relations", "of": person.pk},
        )
    return relations


def merges_into(person: Person) -> list[PersonMerge]:
    return list(PersonMerge.objects.filter(survivor=person).select_related("duplicate", "merged_by"))


def enrolments_of(person: Person) -> list[Enrolment]:
    """School and daycare enrolments, newest first; the caller has already audited the look at `person`."""
    return list(
        Enrolment.objects.filter(person=person).select_related("unit", "unit__administration").order_by("-valid_from")
    )


def person_by_cpr(number: str) -> Person | None:
    """The living record with this (already validated) CPR number, following merges to the survivor.
    For services that match incoming data to a person; they audit the use themselves."""
    person = Person.objects.filter(cpr_hash=crypto.lookup_hash(number)).select_related("merged_into").first()
    while person is not None and person.merged_into_id:
        person = person.merged_into
    return person


def custody_holders(person: Person) -> list[Person]:
    """The person's custody holders (forældremyndighedsindehavere) now; parents when none is recorded. No audit:
    the calling service records its own event about the child (e.g. a letter to them)."""
    from django.utils import timezone

    from .models import RelationKind

    today = timezone.localdate()
    current = Relation.objects.filter(person=person).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
    for kind in (RelationKind.CUSTODY_HOLDER, RelationKind.PARENT):
        rows = [r.relative for r in current.filter(kind=kind).select_related("relative").order_by("id")]
        if rows:
            return rows
    return []
