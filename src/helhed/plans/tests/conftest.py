"""Fixtures for the plan's tests: files under a temporary data dir, a case with a teacher on its team, and a
young person's case."""

from __future__ import annotations

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from helhed.cases import services as case_services
from helhed.cases.models import TeamRole
from helhed.testing.factories import PersonFactory, synthetic_cpr
from helhed.testing.sharing import give_consent


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path / "documents"


@pytest.fixture
def team_case(town, open_case):
    """The open case with the teacher on its team (limited access) and the parents' consent to share with BUF."""
    give_consent(open_case, town.caseworker)
    case_services.team_member_add(actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role=TeamRole.TEACHER)
    open_case.refresh_from_db()
    return open_case


@pytest.fixture
def youth_case(town):
    """A case of a young person who turned 17 this year."""
    birth = timezone.localdate() - relativedelta(years=17, days=10)
    child = PersonFactory(first_name="Ulla", last_name="Ungesen", cpr=synthetic_cpr(birth))
    assert child.birth_date == birth
    return case_services.case_open(
        actor=town.caseworker, child=child, responsible_unit=town.investigation, responsible_caseworker=town.caseworker
    )
