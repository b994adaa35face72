"""Links to the parents' view through the services: only for the child's custody holders, by those who do the case
work; the token is stored as its hash only, used once, expires, can be revoked; every write is audited."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from helhed.cases import services as case_services
from helhed.cases.models import TeamRole, TimelineEvent
from helhed.core.errors import Forbidden, HelhedError, NotFound
from helhed.core.models import AuditAction, AuditEvent
from helhed.core.permissions import Perm, perms_for_user
from helhed.family import selectors, services
from helhed.family.models import ParentAccount, ParentLink
from helhed.family.policies import LinkNotUsable
from helhed.people import services as people_services
from helhed.people.models import Relation, RelationKind
from helhed.testing.factories import PersonFactory

from .conftest import give_access


def _create(town, case, person, actor=None):
    return services.parent_link_create(actor=actor or town.caseworker, case_id=case.pk, person_id=person.pk)


# -- who may get a link, and who may give one ------------------------------------------------------------


def test_a_custody_holder_gets_a_link_that_expires_in_72_hours(town, open_case, mother):
    created = _create(town, open_case, mother)
    link = created.link
    assert link.person == mother and link.case == open_case and link.created_by == town.caseworker
    assert link.expires_at - link.created_at == timedelta(hours=72)
    assert link.used_at is None and link.revoked_at is None


def test_the_token_is_stored_only_as_its_sha256(town, open_case, mother):
    created = _create(town, open_case, mother)
    row = ParentLink.objects.get(pk=created.link.pk)
    assert row.token_hash == hashlib.sha256(created.token.encode()).hexdigest()
    stored = " ".join(str(v) for v in ParentLink.objects.filter(pk=row.pk).values().first().values())
    assert created.token not in stored
    assert not AuditEvent.objects.filter(detail__icontains=created.token).exists()


def test_a_parent_without_custody_gets_no_link(town, open_case, mother, father):
    with pytest.raises(HelhedError) as exc:
        _create(town, open_case, father)
    assert exc.value.status_code == 400
    assert exc.value.code == "not_custody_holder"
    assert "forældremyndighedsindehavere" in str(exc.value.message)
    assert not ParentLink.objects.exists()


def test_a_stranger_or_the_child_gets_no_link(town, open_case, mother, child):
    for person in (PersonFactory(), child):
        with pytest.raises(HelhedError) as exc:
            _create(town, open_case, person)
        assert exc.value.code == "not_custody_holder"
    with pytest.raises(HelhedError):
        services.parent_link_create(actor=town.caseworker, case_id=open_case.pk, person_id="abc")


def test_a_custody_relation_that_has_ended_counts_no_more(town, open_case, mother):
    Relation.objects.filter(relative=mother).update(valid_to=timezone.localdate() - timedelta(days=1))
    with pytest.raises(HelhedError):
        _create(town, open_case, mother)


def test_without_a_recorded_custody_holder_the_parents_count(town, open_case, child):
    """people.selectors.custody_holders: the parents, when no custody holder is recorded."""
    dad = PersonFactory(first_name="Dan")
    people_services.relation_add(actor=town.caseworker, person=child, relative=dad, kind=RelationKind.PARENT)
    assert _create(town, open_case, dad).link.person == dad


def test_only_those_who_write_the_case_give_links(town, open_case, mother):
    case_services.team_member_add(actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER)
    with pytest.raises(Forbidden):
        _create(town, open_case, mother, actor=town.teacher)
    with pytest.raises(Http404):
        _create(town, open_case, mother, actor=town.other_caseworker)
    assert not ParentLink.objects.exists()


def test_no_link_on_a_closed_case(town, open_case, mother):
    case_services.case_change_status(
        actor=town.caseworker, case_id=open_case.pk, to_status="closed", reason="Afsluttet"
    )
    with pytest.raises(HelhedError) as exc:
        _create(town, open_case, mother)
    assert exc.value.status_code in (400, 403)
    assert not ParentLink.objects.exists()


def test_a_new_link_replaces_the_unused_one(town, open_case, mother):
    first = _create(town, open_case, mother)
    second = _create(town, open_case, mother)
    first.link.refresh_from_db()
    assert first.link.revoked_at is not None
    with pytest.raises(LinkNotUsable):
        services.parent_link_use(token=first.token)
    assert services.parent_link_use(token=second.token) is not None


# -- using the link --------------------------------------------------------------------------------------


def test_the_link_logs_in_a_parent_account_without_staff_rights(town, open_case, mother):
    created = _create(town, open_case, mother)
    user = services.parent_link_use(token=created.token)
    account = ParentAccount.objects.get(user=user)
    assert account.person == mother
    assert not user.has_usable_password()
    assert not user.memberships.exists() and not user.is_staff and not user.is_superuser
    assert perms_for_user(user) == frozenset({Perm.AUTHENTICATED, Perm.FAMILY_VIEW})
    link = ParentLink.objects.get(pk=created.link.pk)
    assert link.used_at is not None and link.used_by == account


def test_staff_never_get_the_family_permission(town):
    for name in ("caseworker", "leader", "teacher", "analyst", "administrator", "dpo"):
        assert Perm.FAMILY_VIEW not in perms_for_user(getattr(town, name)), name


def test_the_same_person_keeps_one_account(town, open_case, mother, other_family):
    first = give_access(town, open_case, mother)
    second = give_access(town, open_case, mother)
    assert first == second
    assert ParentAccount.objects.count() == 1


def test_a_link_works_once(town, open_case, mother):
    created = _create(town, open_case, mother)
    services.parent_link_use(token=created.token)
    with pytest.raises(LinkNotUsable) as exc:
        services.parent_link_use(token=created.token)
    assert exc.value.status_code == 410 and exc.value.code == "link_used"


def test_an_expired_link_does_not_work(town, open_case, mother):
    created = _create(town, open_case, mother)
    ParentLink.objects.filter(pk=created.link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(LinkNotUsable) as exc:
        services.parent_link_use(token=created.token)
    assert exc.value.code == "link_expired"
    assert not ParentAccount.objects.exists()


def test_a_revoked_link_does_not_work(town, open_case, mother):
    created = _create(town, open_case, mother)
    services.parent_link_revoke(actor=town.caseworker, case_id=open_case.pk, link_id=created.link.pk)
    with pytest.raises(LinkNotUsable) as exc:
        services.parent_link_use(token=created.token)
    assert exc.value.code == "link_revoked"


@pytest.mark.parametrize("token", ["", "x", "a" * 43, "../../etc/passwd"])
def test_an_unknown_token_is_a_danish_404(db, token):
    with pytest.raises(NotFound) as exc:
        services.parent_link_use(token=token)
    assert "Linket findes ikke" in str(exc.value.message)


def test_a_link_is_refused_once_custody_ends_or_the_case_closes(town, open_case, mother):
    created = _create(town, open_case, mother)
    Relation.objects.filter(relative=mother).update(valid_to=timezone.localdate() - timedelta(days=1))
    with pytest.raises(LinkNotUsable) as exc:
        services.parent_link_use(token=created.token)
    assert exc.value.code == "link_not_valid"
    Relation.objects.filter(relative=mother).update(valid_to=None)
    case_services.case_change_status(
        actor=town.caseworker, case_id=open_case.pk, to_status="closed", reason="Afsluttet"
    )
    with pytest.raises(LinkNotUsable):
        services.parent_link_use(token=created.token)


# -- revoking --------------------------------------------------------------------------------------------


def test_revoking_a_used_link_ends_the_parents_access(town, open_case, mother):
    user = give_access(town, open_case, mother)
    assert [c.case for c in selectors.family_overview(actor=user).children] == [open_case]
    link = ParentLink.objects.get(person=mother)
    services.parent_link_revoke(actor=town.caseworker, case_id=open_case.pk, link_id=link.pk)
    assert selectors.family_overview(actor=user).children == []
    with pytest.raises(HelhedError) as exc:
        services.parent_link_revoke(actor=town.caseworker, case_id=open_case.pk, link_id=link.pk)
    assert exc.value.code == "not_revocable"


def test_a_link_of_another_case_cannot_be_revoked_through_this_one(town, open_case, mother, other_family):
    created = _create(town, other_family.case, other_family.parent)
    with pytest.raises(NotFound):
        services.parent_link_revoke(actor=town.caseworker, case_id=open_case.pk, link_id=created.link.pk)
    with pytest.raises(NotFound):
        services.parent_link_revoke(actor=town.caseworker, case_id=open_case.pk, link_id="nonsense")


# -- audit and timeline ----------------------------------------------------------------------------------


def test_creating_using_and_revoking_are_audited_with_child_and_parent(town, open_case, mother, child):
    created = _create(town, open_case, mother)
    made = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="family.parentlink")
    assert made.actor == town.caseworker and made.case_id == open_case.pk
    assert set(made.person_ids) == {child.pk, mother.pk}
    user = services.parent_link_use(token=created.token)
    used = AuditEvent.objects.get(action=AuditAction.LOGIN, object_type="family.parentlink")
    assert used.actor == user and set(used.person_ids) == {child.pk, mother.pk}
    services.parent_link_revoke(actor=town.caseworker, case_id=open_case.pk, link_id=created.link.pk)
    revoked = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="family.parentlink")
    assert revoked.actor == town.caseworker and revoked.detail["was"] == "used"
    lines = TimelineEvent.objects.filter(case=open_case, kind="parent_link")
    assert lines.count() == 2 and not lines.filter(shared_with_team=True).exists()
