"""Test factories (factory-boy). Persons are always synthetic; CPR numbers are generated, never real."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

import factory
from django.utils import timezone

from helhed.organisation.models import (
    Administration,
    AdministrationCode,
    District,
    Membership,
    Role,
    Unit,
    UnitKind,
    User,
)
from helhed.people import crypto
from helhed.people.models import Person

_cpr_rng = random.Random(4242)
_used: set[str] = set()


def synthetic_cpr(birth: date | None = None, sex: str | None = None) -> str:
    """A CPR-shaped number that python-stdnum accepts (valid date, right century digit)."""
    birth = birth or date(2014, 1, 1) + timedelta(days=_cpr_rng.randint(0, 3000))
    while True:
        seventh = _cpr_rng.choice([4, 5, 6, 7, 8, 9]) if birth.year >= 2000 else _cpr_rng.choice([0, 1, 2, 3])
        last = _cpr_rng.choice([1, 3, 5, 7, 9] if sex == "M" else [0, 2, 4, 6, 8] if sex == "F" else range(10))
        number = f"{birth:%d%m%y}{seventh}{_cpr_rng.randint(0, 99):02d}{last}"
        if number not in _used:
            _used.add(number)
            return number


class AdministrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Administration
        django_get_or_create = ("code",)

    code = AdministrationCode.SOF
    name = factory.LazyAttribute(lambda o: str(AdministrationCode(o.code).label))


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    code = "noerrebro"
    name = "Nørrebro"


_unit_seq = itertools.count(1)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"Enhed {n}")
    kind = UnitKind.FAMILY_UNIT
    administration = factory.SubFactory(AdministrationFactory)
    district = factory.SubFactory(DistrictFactory)
    code = factory.LazyFunction(lambda: f"U{next(_unit_seq)}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"bruger{n}")
    first_name = factory.Faker("first_name", locale="da_DK")
    last_name = factory.Faker("last_name", locale="da_DK")
    password = factory.django.Password("Hemmelig-kode-123")
    synthetic = True


def staff(username: str, role: str, unit: Unit, *, valid_from: date | None = None, **kw) -> User:
    user = UserFactory(username=username, **kw)
    Membership.objects.create(
        user=user, unit=unit, role=role, valid_from=valid_from or timezone.localdate() - timedelta(days=365)
    )
    return user


class PersonFactory(factory.django.DjangoModelFactory):
    """A synthetic person with an encrypted, hashed CPR number (pass cpr=None for no CPR)."""

    class Meta:
        model = Person

    class Params:
        cpr = factory.LazyFunction(synthetic_cpr)

    first_name = factory.Faker("first_name", locale="da_DK")
    last_name = factory.Faker("last_name", locale="da_DK")
    synthetic = True
    cpr_encrypted = factory.LazyAttribute(lambda o: crypto.encrypt(o.cpr) if o.cpr else "")
    cpr_hash = factory.LazyAttribute(lambda o: crypto.lookup_hash(o.cpr) if o.cpr else "")
    cpr_masked = factory.LazyAttribute(lambda o: f"{o.cpr[:6]}-xxxx" if o.cpr else "")
    no_cpr_reason = factory.LazyAttribute(lambda o: "" if o.cpr else "ukendt")
    birth_date = factory.LazyAttribute(
        lambda o: __import__("stdnum.dk.cpr", fromlist=["get_birth_date"]).get_birth_date(o.cpr) if o.cpr else None
    )


__all__ = [
    "AdministrationFactory",
    "DistrictFactory",
    "UnitFactory",
    "UserFactory",
    "PersonFactory",
    "staff",
    "synthetic_cpr",
    "Role",
    "UnitKind",
    "AdministrationCode",
]
