"""Writes of person data: create with CPR, reveal, merge and reverse a merge."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from helhed.cases import services as case_services
from helhed.cases.models import Case, CaseStatus, TimelineEvent
from helhed.core.errors import Conflict, HelhedError
from helhed.core.models import AuditAction, AuditEvent
from helhed.people import crypto, services
from helhed.people.models import Enrolment, Person, PersonMerge, Relation, RelationKind
from helhed.testing.factories import PersonFactory, synthetic_cpr


def _last_event():
    return AuditEvent.objects.order_by("-id").first()


def _raw_row(person):
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Person._meta.db_table)
        cursor.execute("SELECT * FROM " + table + " WHERE id = %s", [person.pk])  # noqa: S608 (constant table name)
        return cursor.fetchone()


# -- person_create -----------------------------------------------------------------------------------


@pytest.mark.parametrize("dashed", [False, True])
def test_create_with_cpr_derives_birth_date_and_sex_and_stores_no_clear_number(town, dashed):
    number = synthetic_cpr(birth=date(2015, 4, 9), sex="F")
    written = f"{number[:6]}-{number[6:]}" if dashed else number
    person = services.person_create(actor=town.caseworker, first_name=" Karla ", last_name=" Testesen ", cpr=written)
    person.refresh_from_db()
    assert (person.first_name, person.last_name) == ("Karla", "Testesen")
    assert person.birth_date == date(2015, 4, 9)
    assert person.sex == "F"
    assert person.cpr_masked == "090415-xxxx"
    assert person.cpr_hash == crypto.lookup_hash(number)
    assert crypto.decrypt(person.cpr_encrypted) == number
    assert person.no_cpr_reason == ""

    # The clear number (either spelling) and its serial part appear in no column of the row.
    serial = number[6:]
    for value in _raw_row(person):
        text = str(value)
        assert number not in text
        assert f"{number[:6]}-{serial}" not in text
    assert serial not in person.cpr_masked

    event = _last_event()
    assert (event.action, event.object_type, event.object_id) == (AuditAction.CREATE, "people.person", str(person.pk))
    assert event.person_ids == [person.pk]
    assert number not in str(event.detail) + event.reason + event.criterion


def test_create_male_from_odd_last_digit(town):
    number = synthetic_cpr(birth=date(2012, 1, 31), sex="M")
    person = services.person_create(actor=town.caseworker, first_name="Bo", last_name="Testesen", cpr=number)
    assert person.sex == "M"
    assert person.birth_date == date(2012, 1, 31)


def test_cpr_overrides_a_typed_birth_date(town):
    number = synthetic_cpr(birth=date(2016, 6, 1))
    person = services.person_create(
        actor=town.caseworker, first_name="Ida", last_name="Testesen", cpr=number, birth_date=date(2016, 1, 1)
    )
    assert person.birth_date == date(2016, 6, 1)


@pytest.mark.parametrize(
    ("cpr", "message"),
    [
        ("12345", "Et CPR-nummer består af 10 cifre (6 for fødselsdatoen og 4 løbenumre), fx 010203-1234."),
        ("31029a-1234", "Et CPR-nummer består af 10 cifre (6 for fødselsdatoen og 4 løbenumre), fx 010203-1234."),
        ("310299-1234", "De første seks cifre i CPR-nummeret er ikke en gyldig dato (DDMMÅÅ). Tjek dag og måned."),
        ("300200-4123", "De første seks cifre i CPR-nummeret er ikke en gyldig dato (DDMMÅÅ). Tjek dag og måned."),
        ("010157-5123", "CPR-nummeret giver en fødselsdato i fremtiden. Tjek tallene."),
    ],
)
def test_invalid_cpr_is_a_field_error(town, cpr, message):
    with pytest.raises(HelhedError) as exc:
        services.person_create(actor=town.caseworker, first_name="Karla", last_name="Testesen", cpr=cpr)
    assert exc.value.field == "cpr"
    assert str(exc.value) == message
    assert exc.value.status_code == 400
    assert not Person.objects.exists()
    assert not AuditEvent.objects.exists()


def test_duplicate_cpr_is_a_conflict(town):
    number = synthetic_cpr()
    first = services.person_create(actor=town.caseworker, first_name="Karla", last_name="Testesen", cpr=number)
    events = AuditEvent.objects.count()
    with pytest.raises(Conflict) as exc:
        # Same number written with a dash is the same number.
        services.person_create(
            actor=town.caseworker, first_name="Karla", last_name="Dublet", cpr=f"{number[:6]}-{number[6:]}"
        )
    assert exc.value.field == "cpr"
    assert str(exc.value) == "Der findes allerede en person med dette CPR-nummer. Søg personen frem i stedet."
    assert list(Person.objects.values_list("pk", flat=True)) == [first.pk]
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("reason", ["", "   "])
def test_no_cpr_needs_a_reason(town, reason):
    with pytest.raises(HelhedError) as exc:
        services.person_create(actor=town.caseworker, first_name="Karla", last_name="Testesen", no_cpr_reason=reason)
    assert exc.value.field == "no_cpr_reason"
    assert not Person.objects.exists()


def test_no_cpr_with_reason(town):
    person = services.person_create(
        actor=town.caseworker,
        first_name="Karla",
        last_name="Testesen",
        no_cpr_reason=" udenlandsk ",
        birth_date=date(2016, 2, 3),
    )
    assert person.no_cpr_reason == "udenlandsk"
    assert (person.cpr_encrypted, person.cpr_hash, person.cpr_masked) == ("", "", "")
    assert person.cpr_display == "intet CPR-nummer"
    # Several persons without a CPR number do not collide on the empty hash.
    services.person_create(actor=town.caseworker, first_name="Ali", last_name="Testesen", no_cpr_reason="ukendt endnu")
    assert Person.objects.filter(cpr_hash="").count() == 2


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"first_name": " "}, "first_name"),
        ({"last_name": ""}, "first_name"),
        ({"birth_date": date.today() + timedelta(days=2)}, "birth_date"),
        ({"postal_code": "22OO"}, "postal_code"),
        ({"postal_code": "220"}, "postal_code"),
    ],
)
def test_other_field_errors(town, kw, field):
    args = {"first_name": "Karla", "last_name": "Testesen", "no_cpr_reason": "ukendt"} | kw
    with pytest.raises(HelhedError) as exc:
        services.person_create(actor=town.caseworker, **args)
    assert exc.value.field == field
    assert not Person.objects.exists()


# -- person_reveal_cpr -------------------------------------------------------------------------------


def test_reveal_cpr_is_audited(town):
    number = synthetic_cpr()
    person = PersonFactory(cpr=number)
    shown = services.person_reveal_cpr(actor=town.caseworker, person=person, reason="Brev til forældre", case_id=7)
    assert shown == f"{number[:6]}-{number[6:]}"
    event = _last_event()
    assert event.action == AuditAction.REVEAL_CPR
    assert (event.object_type, event.object_id) == ("people.person", str(person.pk))
    assert event.actor_id == town.caseworker.pk
    assert event.reason == "Brev til forældre"
    assert event.case_id == 7
    assert list(event.subjects.values_list("person_id", flat=True)) == [person.pk]
    # The log says that the number was revealed, never the number itself.
    assert number[6:] not in str(event.detail) + event.reason + event.criterion


def test_reveal_without_cpr(town):
    person = PersonFactory(cpr=None)
    with pytest.raises(HelhedError):
        services.person_reveal_cpr(actor=town.caseworker, person=person)
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL_CPR).exists()


# -- merge and reverse -------------------------------------------------------------------------------


def _pointers(*persons):
    """Every row that points at one of the persons, as (table.field, row id, person id)."""
    ids = [p.pk for p in persons]
    rows = set()
    for model, field in [
        (Relation, "person"),
        (Relation, "relative"),
        (Enrolment, "person"),
        (Case, "child"),
        (TimelineEvent, "person"),
    ]:
        for pk, target in model.objects.filter(**{f"{field}__in": ids}).values_list("id", f"{field}_id"):
            rows.add((f"{model.__name__}.{field}", pk, target))
    return rows


@pytest.fixture
def duplicates(town):
    """A child registered twice: the survivor with a CPR number, a duplicate without, each with their own rows."""
    survivor = PersonFactory(first_name="Karla", last_name="Testesen")
    duplicate = PersonFactory(first_name="Karla", last_name="Testesen", cpr=None)
    mother, father, sibling = PersonFactory(), PersonFactory(), PersonFactory()
    Relation.objects.create(person=survivor, relative=mother, kind=RelationKind.CUSTODY_HOLDER)
    Relation.objects.create(person=duplicate, relative=father, kind=RelationKind.PARENT)
    Relation.objects.create(person=sibling, relative=duplicate, kind=RelationKind.SIBLING)
    Enrolment.objects.create(person=duplicate, unit=town.school, valid_from=date(2022, 8, 1), grade="3a")
    Enrolment.objects.create(person=survivor, unit=town.daycare, valid_from=date(2019, 8, 1))
    case = case_services.case_open(
        actor=town.caseworker,
        child=duplicate,
        responsible_unit=town.investigation,
        responsible_caseworker=town.caseworker,
    )
    case_services.timeline_add(person_id=survivor.pk, kind="note", title="Survivor's own line")
    return survivor, duplicate, case


def test_merge_moves_everything_and_reverse_restores_exactly(town, duplicates):
    survivor, duplicate, case = duplicates
    before = _pointers(survivor, duplicate)
    survivor_rows = {r for r in before if r[2] == survivor.pk}
    duplicate_rows = {r for r in before if r[2] == duplicate.pk}
    assert len(duplicate_rows) == 5  # relation x2, enrolment, case, timeline line of the case

    merge = services.person_merge(actor=town.leader, survivor=survivor, duplicate=duplicate, reason="Samme barn")

    after = _pointers(survivor, duplicate)
    assert after == survivor_rows | {(table, pk, survivor.pk) for table, pk, _ in duplicate_rows}
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk
    case.refresh_from_db()
    assert case.child_id == survivor.pk
    assert merge.merged_by == town.leader
    assert sum(len(v) for v in merge.moved.values()) == len(duplicate_rows)
    event = _last_event()
    assert event.action == AuditAction.MERGE
    assert event.person_ids == sorted([survivor.pk, duplicate.pk])
    assert event.reason == "Samme barn"

    services.person_merge_reverse(actor=town.administrator, merge=merge, reason="Fejl: to forskellige børn")

    assert _pointers(survivor, duplicate) == before
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None
    merge.refresh_from_db()
    assert merge.reversed_by == town.administrator
    assert merge.reversed_at is not None
    event = _last_event()
    assert (event.action, event.detail, event.reason) == (
        AuditAction.UPDATE,
        {"merge": "reversed"},
        "Fejl: to forskellige børn",
    )
    with pytest.raises(Conflict):
        services.person_merge_reverse(actor=town.administrator, merge=merge, reason="Igen")


def test_merged_away_person_drops_out_of_search(town, duplicates):
    from helhed.people.selectors import person_search

    survivor, duplicate, _ = duplicates
    assert {p.pk for p in person_search(actor=town.caseworker, query="Karla Testesen")} == {survivor.pk, duplicate.pk}
    merge = services.person_merge(actor=town.leader, survivor=survivor, duplicate=duplicate, reason="Samme barn")
    assert [p.pk for p in person_search(actor=town.caseworker, query="Karla Testesen")] == [survivor.pk]
    services.person_merge_reverse(actor=town.leader, merge=merge, reason="Fortrudt")
    assert {p.pk for p in person_search(actor=town.caseworker, query="Karla Testesen")} == {survivor.pk, duplicate.pk}


def test_merge_refused_when_both_have_open_cases(town, duplicates):
    survivor, duplicate, _ = duplicates
    case_services.case_open(
        actor=town.caseworker,
        child=survivor,
        responsible_unit=town.investigation,
        responsible_caseworker=town.caseworker,
    )
    before = _pointers(survivor, duplicate)
    with pytest.raises(Conflict) as exc:
        services.person_merge(actor=town.leader, survivor=survivor, duplicate=duplicate, reason="Samme barn")
    assert str(exc.value) == "Begge personer har en åben sag. Luk den ene sag, før personerne lægges sammen."
    assert _pointers(survivor, duplicate) == before
    assert not PersonMerge.objects.exists()
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None


def test_merge_allowed_when_one_of_the_cases_is_closed(town, duplicates):
    survivor, duplicate, dup_case = duplicates
    case_services.case_change_status(
        actor=town.caseworker, case_id=dup_case.pk, to_status=CaseStatus.CLOSED, reason="Slut"
    )
    own = case_services.case_open(
        actor=town.caseworker,
        child=survivor,
        responsible_unit=town.investigation,
        responsible_caseworker=town.caseworker,
    )
    services.person_merge(actor=town.leader, survivor=survivor, duplicate=duplicate, reason="Samme barn")
    assert set(Case.objects.filter(child=survivor).values_list("pk", flat=True)) == {own.pk, dup_case.pk}


def test_merge_refused_when_cpr_numbers_differ(town):
    a, b = PersonFactory(), PersonFactory()
    with pytest.raises(HelhedError) as exc:
        services.person_merge(actor=town.leader, survivor=a, duplicate=b, reason="Samme barn")
    assert str(exc.value) == "Personerne har forskellige CPR-numre og kan ikke lægges sammen."
    assert not PersonMerge.objects.exists()
    b.refresh_from_db()
    assert b.merged_into_id is None


def test_merge_refusals(town, duplicates):
    survivor, duplicate, _ = duplicates
    with pytest.raises(HelhedError) as exc:
        services.person_merge(actor=town.leader, survivor=survivor, duplicate=duplicate, reason="  ")
    assert exc.value.field == "reason"
    with pytest.raises(HelhedError):
        services.person_merge(actor=town.leader, survivor=survivor, duplicate=survivor, reason="Samme barn")
    services.person_merge(actor=town.leader, survivor=survivor, duplicate=duplicate, reason="Samme barn")
    third = PersonFactory(cpr=None)
    with pytest.raises(Conflict):
        services.person_merge(actor=town.leader, survivor=third, duplicate=duplicate, reason="Samme barn")
    assert PersonMerge.objects.count() == 1


def test_reverse_needs_a_reason(town, duplicates):
    survivor, duplicate, _ = duplicates
    merge = services.person_merge(actor=town.leader, survivor=survivor, duplicate=duplicate, reason="Samme barn")
    moved = _pointers(survivor, duplicate)
    with pytest.raises(HelhedError) as exc:
        services.person_merge_reverse(actor=town.leader, merge=merge, reason="")
    assert exc.value.field == "reason"
    assert _pointers(survivor, duplicate) == moved


def test_merge_when_both_records_share_a_relative(town):
    # The usual duplicate: the same child registered twice, both times with the same mother.
    survivor, duplicate = PersonFactory(), PersonFactory(cpr=None)
    mother = PersonFactory()
    Relation.objects.create(person=survivor, relative=mother, kind=RelationKind.CUSTODY_HOLDER)
    Relation.objects.create(person=duplicate, relative=mother, kind=RelationKind.CUSTODY_HOLDER)
    before = _pointers(survivor, duplicate)
    merge = services.person_merge(actor=town.leader, survivor=survivor, duplicate=duplicate, reason="Samme barn")
    assert Relation.objects.filter(person=survivor, relative=mother, kind=RelationKind.CUSTODY_HOLDER).count() == 1
    # The clashing row stays on the merged-away record (nothing is deleted, so the merge stays reversible).
    assert Relation.objects.filter(person=duplicate, relative=mother).count() == 1
    assert merge.moved.get("people.relation.person", []) == []
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk
    services.person_merge_reverse(actor=town.leader, merge=merge, reason="Fortrudt")
    assert _pointers(survivor, duplicate) == before


def test_merge_when_the_two_records_are_related_to_each_other(town):
    # E.g. the duplicate was registered as the survivor's sibling.
    survivor, duplicate = PersonFactory(), PersonFactory(cpr=None)
    Relation.objects.create(person=survivor, relative=duplicate, kind=RelationKind.SIBLING)
    before = _pointers(survivor, duplicate)
    merge = services.person_merge(actor=town.leader, survivor=survivor, duplicate=duplicate, reason="Samme barn")
    assert not Relation.objects.filter(person=survivor, relative=survivor).exists()
    services.person_merge_reverse(actor=town.leader, merge=merge, reason="Fortrudt")
    assert _pointers(survivor, duplicate) == before


def test_updated_at_moves_on_merge(town, duplicates):
    survivor, duplicate, _ = duplicates
    old = timezone.now() - timedelta(days=10)
    Person.objects.filter(pk=duplicate.pk).update(updated_at=old)
    services.person_merge(actor=town.leader, survivor=survivor, duplicate=duplicate, reason="Samme barn")
    duplicate.refresh_from_db()
    assert duplicate.updated_at > old
