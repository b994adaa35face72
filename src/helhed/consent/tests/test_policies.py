"""The pure sharing rules: which consent or legal basis covers which receiving unit."""

from __future__ import annotations

from datetime import date

from helhed.consent import policies
from helhed.consent.policies import BasisFacts, ConsentFacts, Recipient

SCHOOL = Recipient(1, "Nørrebro Skole", "BUF")
JOBCENTER = Recipient(2, "Jobcenter", "BIF")
DAY = date(2026, 11, 22)


def consent(**kw) -> ConsentFacts:
    data = {
        "id": 10,
        "given_by": frozenset({100, 101}),
        "administrations": frozenset({"BUF"}),
        "unit_ids": frozenset(),
        "info_kinds": frozenset({"note", "plan"}),
        "valid_from": date(2026, 1, 1),
        "valid_to": date(2026, 12, 31),
        "withdrawn": False,
    }
    data.update(kw)
    return ConsentFacts(**data)


EARLY = BasisFacts(
    id=5, code="early_preventive", administrations=frozenset({"BUF", "SOF"}), valid_from=date(2024, 1, 1), valid_to=None
)
ANY = BasisFacts(id=6, code="fvl_28", administrations=frozenset(), valid_from=date(2024, 1, 1), valid_to=None)


def covered(recipients, consents, *, holders=frozenset({100, 101}), kind="note", on=DAY, basis=None):
    return policies.covers(recipients, consents=consents, holders=holders, info_kind=kind, on=on, basis=basis)


def test_a_consent_from_every_custody_holder_covers_the_named_administration_and_kind():
    ok, missing = covered([SCHOOL, JOBCENTER], [consent()])
    assert [c.recipient for c in ok] == [SCHOOL] and ok[0].consent_id == 10
    assert missing == [JOBCENTER]


def test_one_parent_of_two_with_custody_is_not_enough():
    ok, missing = covered([SCHOOL], [consent(given_by=frozenset({100}))])
    assert ok == [] and missing == [SCHOOL]


def test_no_custody_holders_means_no_consent_can_cover():
    assert covered([SCHOOL], [consent()], holders=frozenset())[1] == [SCHOOL]


def test_kind_period_withdrawal_and_units_are_respected():
    assert covered([SCHOOL], [consent()], kind="document")[1] == [SCHOOL]
    assert covered([SCHOOL], [consent()], on=date(2027, 1, 1))[1] == [SCHOOL]
    assert covered([SCHOOL], [consent()], on=date(2025, 12, 31))[1] == [SCHOOL]
    assert covered([SCHOOL], [consent(valid_to=None)], on=date(2030, 1, 1))[1] == []
    assert covered([SCHOOL], [consent(withdrawn=True)])[1] == [SCHOOL]
    assert covered([SCHOOL], [consent(unit_ids=frozenset({99}))])[1] == [SCHOOL]
    assert covered([SCHOOL], [consent(unit_ids=frozenset({1}))])[1] == []


def test_a_legal_basis_covers_only_the_administrations_it_names_and_consent_comes_first():
    ok, missing = covered([SCHOOL, JOBCENTER], [], basis=EARLY)
    assert [(c.recipient, c.basis_id) for c in ok] == [(SCHOOL, 5)] and missing == [JOBCENTER]
    ok, missing = covered([SCHOOL, JOBCENTER], [consent()], basis=ANY)
    assert [(c.recipient, c.consent_id, c.basis_id) for c in ok] == [(SCHOOL, 10, None), (JOBCENTER, None, 6)]
    assert missing == []


def test_a_basis_out_of_force_covers_nothing():
    old = BasisFacts(
        id=7, code="x", administrations=frozenset(), valid_from=date(2020, 1, 1), valid_to=date(2024, 1, 1)
    )
    assert covered([SCHOOL], [], basis=old)[1] == [SCHOOL]


def test_consent_transitions():
    assert policies.transition_allowed("active", "withdrawn")
    assert not policies.transition_allowed("withdrawn", "active")
    assert not policies.transition_allowed("withdrawn", "withdrawn")
