"""Organisation services: units, staff accounts, memberships, deactivation. Each write is audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from helhed.core.apiauth import token_create
from helhed.core.errors import Conflict, HelhedError
from helhed.core.models import ApiToken, AuditAction, AuditEvent
from helhed.organisation import services
from helhed.organisation.models import Membership, Role, Unit, UnitKind, User
from helhed.organisation.selectors import actor_profile


def _events(action, object_type):
    return AuditEvent.objects.filter(action=action, object_type=object_type)


@pytest.mark.django_db
def test_unit_create_validates_and_audits(town):
    unit = services.unit_create(
        actor=town.administrator,
        code="BFE-VEST",
        name="  Børnefamilieenhed   Vest ",
        kind="Børnefamilieenhed",
        administration=town.sof,
        district=town.district,
    )
    assert (unit.name, unit.kind) == ("Børnefamilieenhed Vest", UnitKind.FAMILY_UNIT)
    event = _events(AuditAction.CREATE, "organisation.unit").get()
    assert event.actor == town.administrator and event.object_id == str(unit.pk)
    with pytest.raises(Conflict, match="findes allerede"):
        services.unit_create(
            actor=town.administrator, code="bfe-vest", name="X", kind="daycare", administration=town.buf
        )
    with pytest.raises(HelhedError) as exc:
        services.unit_create(actor=town.administrator, code="A B", name="X", kind="daycare", administration=town.buf)
    assert exc.value.field == "code"


@pytest.mark.django_db
def test_unit_update_refuses_a_parent_loop(town):
    with pytest.raises(HelhedError, match="ligger allerede under"):
        services.unit_update(actor=town.administrator, unit=town.family_unit, parent=town.investigation)
    with pytest.raises(HelhedError, match="sin egen overenhed"):
        services.unit_update(actor=town.administrator, unit=town.family_unit, parent=town.family_unit)
    assert services.unit_update(actor=town.administrator, unit=town.daycare, name=town.daycare.name) == []
    assert services.unit_update(actor=town.administrator, unit=town.daycare, name="Nyt navn") == ["name"]


@pytest.mark.django_db
def test_staff_create_with_unusable_or_given_password(town):
    nopw = services.staff_create(
        actor=town.administrator, username="ny.en", first_name="Ny", last_name="En", email="ny@kk.dk"
    )
    assert not nopw.has_usable_password() and nopw.is_active and not nopw.synthetic
    withpw = services.staff_create(
        actor=town.administrator,
        username="ny.to",
        first_name="Ny",
        last_name="To",
        email="to@kk.dk",
        title="Lærer",
        password="En-lang-og-god-kode-42",
    )
    assert withpw.check_password("En-lang-og-god-kode-42") and withpw.title == "teacher"
    events = _events(AuditAction.CREATE, "organisation.user")
    assert events.count() == 2
    assert "En-lang" not in str(list(events.values_list("detail", flat=True)))


@pytest.mark.django_db
def test_staff_create_refuses_weak_password_taken_username_and_bad_email(town):
    with pytest.raises(HelhedError) as exc:
        services.staff_create(
            actor=town.administrator, username="ny", first_name="N", last_name="Y", email="n@kk.dk", password="123"
        )
    assert exc.value.field == "password"
    with pytest.raises(Conflict, match="allerede i brug"):
        services.staff_create(
            actor=town.administrator, username="RIKKE", first_name="R", last_name="R", email="r@kk.dk"
        )
    with pytest.raises(HelhedError) as exc:
        services.staff_create(actor=town.administrator, username="ny", first_name="N", last_name="Y", email="nej")
    assert exc.value.field == "email"
    assert not User.objects.filter(username="ny").exists()


@pytest.mark.django_db
def test_membership_add_gives_the_role_and_refuses_an_overlapping_identical_one(town):
    user = services.staff_create(actor=town.administrator, username="ny", first_name="N", last_name="Y", email="n@k.dk")
    start = timezone.localdate() - timedelta(days=10)
    m = services.membership_add(
        actor=town.administrator, user=user, unit=town.school, role="professional", valid_from=start
    )
    assert Role.PROFESSIONAL in actor_profile(User.objects.get(pk=user.pk)).roles
    with pytest.raises(Conflict, match="allerede fagperson i Nørrebro Skole"):
        services.membership_add(
            actor=town.administrator, user=user, unit=town.school, role="professional", valid_from=timezone.localdate()
        )
    # Another role in the same unit, or the same role elsewhere, is fine.
    services.membership_add(actor=town.administrator, user=user, unit=town.school, role="leader", valid_from=start)
    services.membership_add(
        actor=town.administrator, user=user, unit=town.daycare, role="professional", valid_from=start
    )
    # After the first one ends, the same role may start again later.
    services.membership_end(actor=town.administrator, membership=m, valid_to=timezone.localdate())
    services.membership_add(
        actor=town.administrator,
        user=user,
        unit=town.school,
        role="professional",
        valid_from=timezone.localdate() + timedelta(days=1),
    )
    assert Membership.objects.filter(user=user).count() == 4
    assert _events(AuditAction.CREATE, "organisation.membership").count() == 4


@pytest.mark.django_db
def test_membership_add_refuses_bad_periods_inactive_units_and_unknown_roles(town):
    user = town.teacher
    with pytest.raises(HelhedError) as exc:
        services.membership_add(
            actor=town.administrator,
            user=user,
            unit=town.daycare,
            role="professional",
            valid_from=date(2024, 5, 1),
            valid_to=date(2024, 4, 1),
        )
    assert exc.value.field == "valid_to"
    closed = Unit.objects.create(code="LUKKET", name="Lukket", kind="daycare", administration=town.buf, active=False)
    with pytest.raises(HelhedError, match="nedlagt"):
        services.membership_add(
            actor=town.administrator, user=user, unit=closed, role="professional", valid_from=date(2024, 5, 1)
        )
    with pytest.raises(HelhedError, match="Ukendt rolle"):
        services.membership_add(
            actor=town.administrator, user=user, unit=town.daycare, role="boss", valid_from=date(2024, 5, 1)
        )


@pytest.mark.django_db
def test_membership_end_removes_the_role_after_its_last_day(town):
    m = town.teacher.memberships.get()
    yesterday = timezone.localdate() - timedelta(days=1)
    services.membership_end(actor=town.administrator, membership=m, valid_to=yesterday)
    assert Role.PROFESSIONAL not in actor_profile(User.objects.get(pk=town.teacher.pk)).roles
    event = _events(AuditAction.UPDATE, "organisation.membership").get()
    assert event.detail["valid_to"] == yesterday.isoformat()
    with pytest.raises(Conflict, match="allerede afsluttet"):
        services.membership_end(actor=town.administrator, membership=m)


@pytest.mark.django_db
def test_membership_end_before_its_start_and_own_administrator_role_are_refused(town):
    m = town.teacher.memberships.get()
    with pytest.raises(HelhedError) as exc:
        services.membership_end(actor=town.administrator, membership=m, valid_to=m.valid_from - timedelta(days=1))
    assert exc.value.field == "valid_to"
    own = town.administrator.memberships.get()
    with pytest.raises(HelhedError, match="egen administratorrolle"):
        services.membership_end(actor=town.administrator, membership=own)


@pytest.mark.django_db
def test_staff_deactivate_closes_login_api_and_memberships(town):
    teacher = town.teacher
    future = Membership.objects.create(
        user=teacher, unit=town.daycare, role="professional", valid_from=timezone.localdate() + timedelta(days=5)
    )
    _token, raw = token_create(user=teacher)
    services.staff_deactivate(actor=town.administrator, user=teacher, reason="Fratrådt 31.08")
    teacher.refresh_from_db()
    assert not teacher.is_active
    assert teacher.memberships.get().valid_to == timezone.localdate()
    assert not Membership.objects.filter(pk=future.pk).exists()
    assert not ApiToken.objects.filter(user=teacher, revoked_at__isnull=True).exists()
    event = _events(AuditAction.UPDATE, "organisation.user").get()
    assert event.reason == "Fratrådt 31.08"
    assert event.detail["memberships_ended"] == 1 and event.detail["tokens_revoked"] == 1
    with pytest.raises(Conflict, match="allerede deaktiveret"):
        services.staff_deactivate(actor=town.administrator, user=teacher, reason="Igen")
    services.staff_reactivate(actor=town.administrator, user=teacher)
    teacher.refresh_from_db()
    assert teacher.is_active


@pytest.mark.django_db
def test_staff_deactivate_refuses_self_missing_reason_and_responsible_caseworker(town, open_case):
    with pytest.raises(HelhedError, match="egen konto"):
        services.staff_deactivate(actor=town.administrator, user=town.administrator, reason="Test")
    with pytest.raises(HelhedError) as exc:
        services.staff_deactivate(actor=town.administrator, user=town.teacher, reason="  ")
    assert exc.value.field == "reason"
    with pytest.raises(Conflict, match="ansvarlig rådgiver på 1 åbne sager"):
        services.staff_deactivate(actor=town.administrator, user=town.caseworker, reason="Fratrådt")
    town.caseworker.refresh_from_db()
    assert town.caseworker.is_active


@pytest.mark.django_db
def test_staff_set_password_checks_the_rules_and_audits_without_the_password(town):
    user = services.staff_create(actor=town.administrator, username="ny", first_name="N", last_name="Y", email="n@k.dk")
    with pytest.raises(HelhedError) as exc:
        services.staff_set_password(actor=town.administrator, user=user, password="kort")
    assert exc.value.field == "password"
    services.staff_set_password(actor=town.administrator, user=user, password="Helt-ny-adgangskode-77")
    user.refresh_from_db()
    assert user.check_password("Helt-ny-adgangskode-77")
    event = _events(AuditAction.UPDATE, "organisation.user").get()
    assert event.detail == {"username": "ny", "password": "changed"}


@pytest.mark.django_db
def test_district_ensure_matches_by_code_or_name_and_creates_unknown(town):
    assert services.district_ensure(actor=town.administrator, name=town.district.name.upper()) == town.district
    assert services.district_ensure(actor=town.administrator, name=town.district.code) == town.district
    new = services.district_ensure(actor=town.administrator, name="Amager Øst")
    assert (new.code, new.name) == ("amager-oest", "Amager Øst")
