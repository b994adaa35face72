"""Pure rules for sharing between administrations: which consent or legal basis covers which recipient.
No ORM, no I/O (legal-rules.md, "Sharing between administrations").

Default: written consent from *all* the child's custody holders naming the data, the recipient and the
purpose. Without it only on a named legal basis, chosen by the caseworker with a written reason, and only
for the receiving administrations the basis names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

FREE_TEXT_MAX = 2000


@dataclass(frozen=True)
class ConsentFacts:
    id: int
    given_by: frozenset[int]  # person ids
    administrations: frozenset[str]
    unit_ids: frozenset[int]  # empty: every unit of the administrations
    info_kinds: frozenset[str]
    valid_from: date
    valid_to: date | None  # inclusive
    withdrawn: bool


@dataclass(frozen=True)
class BasisFacts:
    id: int
    code: str
    administrations: frozenset[str]  # empty: every administration
    valid_from: date
    valid_to: date | None  # exclusive


@dataclass(frozen=True)
class Recipient:
    unit_id: int
    unit_name: str
    administration: str


@dataclass(frozen=True)
class Cover:
    recipient: Recipient
    consent_id: int | None = None
    basis_id: int | None = None


def consent_in_force(c: ConsentFacts, on: date) -> bool:
    return not c.withdrawn and c.valid_from <= on and (c.valid_to is None or on <= c.valid_to)


def consent_covers(c: ConsentFacts, *, holders: frozenset[int], recipient: Recipient, info_kind: str, on: date) -> bool:
    """A consent covers a recipient when it is in force, given by every current custody holder, names the
    recipient's administration (and unit, if it names units) and the kind of information."""
    return (
        consent_in_force(c, on)
        and bool(holders)
        and holders <= c.given_by
        and recipient.administration in c.administrations
        and (not c.unit_ids or recipient.unit_id in c.unit_ids)
        and info_kind in c.info_kinds
    )


def basis_in_force(b: BasisFacts, on: date) -> bool:
    return b.valid_from <= on and (b.valid_to is None or on < b.valid_to)


def basis_covers(b: BasisFacts, *, recipient: Recipient, on: date) -> bool:
    return basis_in_force(b, on) and (not b.administrations or recipient.administration in b.administrations)


def covers(
    recipients: list[Recipient],
    *,
    consents: list[ConsentFacts],
    holders: frozenset[int],
    info_kind: str,
    on: date,
    basis: BasisFacts | None = None,
) -> tuple[list[Cover], list[Recipient]]:
    """Split recipients into those covered (by a consent first, else by the chosen basis) and those not."""
    covered: list[Cover] = []
    missing: list[Recipient] = []
    for r in recipients:
        consent = next(
            (c for c in consents if consent_covers(c, holders=holders, recipient=r, info_kind=info_kind, on=on)), None
        )
        if consent is not None:
            covered.append(Cover(r, consent_id=consent.id))
        elif basis is not None and basis_covers(basis, recipient=r, on=on):
            covered.append(Cover(r, basis_id=basis.id))
        else:
            missing.append(r)
    return covered, missing


# Consent status transitions: (from, to) -> name. A withdrawn consent stays withdrawn; a new consent is a new record.
TRANSITIONS: dict[tuple[str, str], str] = {("active", "withdrawn"): "withdraw"}


def transition_allowed(from_status: str, to_status: str) -> bool:
    return (from_status, to_status) in TRANSITIONS
