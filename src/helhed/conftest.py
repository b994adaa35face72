"""Shared test fixtures: a small municipality (SOF family unit with groups, a school, a daycare, the
jobcenter, psychiatry, the staff office) and staff in every role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

# Playwright fixtures for the browser tests (registered once here, so the whole session shares one Chromium).
from helhed.testing.browser import browser, browser_tests_last, page, strict_page  # noqa: F401
from helhed.testing.factories import (
    AdministrationCode,
    AdministrationFactory,
    DistrictFactory,
    PersonFactory,
    Role,
    UnitFactory,
    UnitKind,
    staff,
)


def pytest_collection_modifyitems(config, items):
    browser_tests_last(items)


@dataclass
class Town:
    sof: object
    buf: object
    bif: object
    psy: object
    district: object
    family_unit: object
    investigation: object
    action: object
    other_family_unit: object
    counselling: object
    school: object
    daycare: object
    jobcenter: object
    clinic: object
    office: object
    caseworker: object
    caseworker2: object
    other_caseworker: object
    leader: object
    other_leader: object
    counsellor: object
    school_social_worker: object
    teacher: object
    employment_adviser: object
    analyst: object
    administrator: object
    dpo: object


@pytest.fixture
def town(db) -> Town:
    sof = AdministrationFactory(code=AdministrationCode.SOF)
    buf = AdministrationFactory(code=AdministrationCode.BUF)
    bif = AdministrationFactory(code=AdministrationCode.BIF)
    psy = AdministrationFactory(code=AdministrationCode.PSY)
    district = DistrictFactory()
    family = UnitFactory(
        name="Børnefamilieenhed Nord", kind=UnitKind.FAMILY_UNIT, administration=sof, district=district
    )
    inv = UnitFactory(
        name="BFE Nord, undersøgelsesgruppen",
        kind=UnitKind.INVESTIGATION_GROUP,
        administration=sof,
        district=district,
        parent=family,
    )
    act = UnitFactory(
        name="BFE Nord, handlegruppen", kind=UnitKind.ACTION_GROUP, administration=sof, district=district, parent=family
    )
    other = UnitFactory(name="Børnefamilieenhed Syd", kind=UnitKind.FAMILY_UNIT, administration=sof, district=district)
    counselling = UnitFactory(name="Åben anonym rådgivning", kind=UnitKind.OPEN_COUNSELLING, administration=sof)
    school = UnitFactory(name="Nørrebro Skole", kind=UnitKind.MUNICIPAL_SCHOOL, administration=buf, district=district)
    daycare = UnitFactory(name="Børnehuset Mælkebøtten", kind=UnitKind.DAYCARE, administration=buf, district=district)
    jobcenter = UnitFactory(name="Jobcenter", kind=UnitKind.JOBCENTER, administration=bif, district=None)
    clinic = UnitFactory(name="BUC ambulatoriet", kind=UnitKind.PSYCHIATRY_CLINIC, administration=psy, district=None)
    office = UnitFactory(name="SOF stab", kind=UnitKind.ADMINISTRATION_OFFICE, administration=sof, district=None)
    return Town(
        sof=sof,
        buf=buf,
        bif=bif,
        psy=psy,
        district=district,
        family_unit=family,
        investigation=inv,
        action=act,
        other_family_unit=other,
        counselling=counselling,
        school=school,
        daycare=daycare,
        jobcenter=jobcenter,
        clinic=clinic,
        office=office,
        caseworker=staff("rikke", Role.CASEWORKER, inv, first_name="Rikke", last_name="Rådgiver"),
        caseworker2=staff("rasmus", Role.CASEWORKER, act, first_name="Rasmus", last_name="Rådgiversen"),
        other_caseworker=staff("olga", Role.CASEWORKER, other, first_name="Olga", last_name="Andenenhed"),
        leader=staff("lene", Role.LEADER, family, first_name="Lene", last_name="Leder"),
        other_leader=staff("lars", Role.LEADER, other, first_name="Lars", last_name="Sydleder"),
        counsellor=staff("aase", Role.COUNSELLOR, counselling, first_name="Åse", last_name="Åben"),
        school_social_worker=staff(
            "sofie", Role.SCHOOL_SOCIAL_WORKER, school, first_name="Sofie", last_name="Skolesocialrådgiver"
        ),
        teacher=staff("lotte", Role.PROFESSIONAL, school, first_name="Lotte", last_name="Lærer", title="teacher"),
        employment_adviser=staff(
            "jonas", Role.EMPLOYMENT_ADVISER, jobcenter, first_name="Jonas", last_name="Jobcenter"
        ),
        analyst=staff("anders", Role.ANALYST, office, first_name="Anders", last_name="Analytiker"),
        administrator=staff("ada", Role.ADMINISTRATOR, office, first_name="Ada", last_name="Admin"),
        dpo=staff("dorte", Role.DPO, office, first_name="Dorte", last_name="DPO"),
    )


@pytest.fixture
def child(db):
    return PersonFactory(first_name="Karla", last_name="Testesen")


@pytest.fixture
def open_case(town, child):
    from helhed.cases import services

    return services.case_open(
        actor=town.caseworker, child=child, responsible_unit=town.investigation, responsible_caseworker=town.caseworker
    )
