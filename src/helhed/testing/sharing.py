"""Test helpers for consent-checked sharing (ADR 0013): a custody holder for a child and a consent on a case."""

from __future__ import annotations

from django.utils import timezone

from helhed.people.models import Relation, RelationKind

from .factories import PersonFactory


def custody_holder(child, *, first_name: str = "Mette", last_name: str = "Testesen"):
    parent = PersonFactory(first_name=first_name, last_name=last_name)
    Relation.objects.create(person=child, relative=parent, kind=RelationKind.CUSTODY_HOLDER)
    return parent


def give_consent(case, actor, *, holders=None, administrations=("BUF",), kinds=("note", "document", "plan"), **extra):
    """Record a consent from the child's custody holders (one is made when the child has none)."""
    from helhed.consent import services
    from helhed.people.selectors import custody_holders

    holders = holders or custody_holders(case.child) or [custody_holder(case.child)]
    today = timezone.localdate()
    return services.consent_record(
        actor=actor,
        case_id=case.pk,
        given_by=[h.pk for h in holders],
        given_on=extra.pop("given_on", today),
        administrations=list(administrations),
        info_kinds=list(kinds),
        purpose=extra.pop("purpose", "Samarbejde mellem skole og socialforvaltning om barnets trivsel."),
        valid_from=extra.pop("valid_from", today),
        **extra,
    )
