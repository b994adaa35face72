"""Query counts on the pages caseworkers open all day: "Mine sager" and the case page.

The number of queries must not grow with the number of cases, team members, journal lines, relations or
recently viewed cases (no N+1). Each page is measured at a small and a large size; both must stay under
the same ceiling, and the two counts must be equal.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helhed.cases import services
from helhed.cases.models import TeamRole
from helhed.core import audit
from helhed.people import services as people_services
from helhed.people.models import RelationKind
from helhed.testing.factories import PersonFactory, Role, staff

# Ceilings: session, user, second-factor device, memberships, the page's own reads, the audit inserts and
# the sealing of the request's audit events into the hash chain when the response closes (about six
# statements: savepoint, lock the chain head, read the unsealed events, update them, update the head,
# release). Measured: 20 for "Mine sager", 22 for the case page, on SQLite. Raise them only with a reason;
# the equal-count assertions below are what catch an N+1.
HOME_MAX_QUERIES = 22
CASE_PAGE_MAX_QUERIES = 24


def _login(user) -> Client:
    client = Client()
    client.force_login(user, backend="helhed.core.auth.HelhedModelBackend")
    return client


def _caseload(town, n: int):
    """n cases where the caseworker is responsible, n where they are on the team, n viewed recently."""
    for i in range(n):
        services.case_open(
            actor=town.caseworker,
            child=PersonFactory(),
            responsible_unit=town.investigation,
            responsible_caseworker=town.caseworker,
            title=f"Sag {i}",
        )
        team_case = services.case_open(
            actor=town.caseworker2,
            child=PersonFactory(),
            responsible_unit=town.action,
            responsible_caseworker=town.caseworker2,
        )
        services.team_member_add(actor=town.caseworker2, case_id=team_case.pk, user=town.caseworker, role="caseworker")
    # Cases the caseworker sees through the unit (not on the team) and has looked at: "recently viewed".
    client = _login(town.caseworker)
    for _ in range(n):
        other = services.case_open(
            actor=town.leader,
            child=PersonFactory(),
            responsible_unit=town.investigation,
            responsible_caseworker=town.leader,
        )
        assert client.get(reverse("cases:detail", args=[other.pk])).status_code == 200


def _count(client, url) -> int:
    audit.seal_pending()  # events from the setup (never committed here) would otherwise be sealed inside the count
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("n", [5, 30])
def test_my_cases_has_a_fixed_query_ceiling(town, django_assert_max_num_queries, n):
    _caseload(town, n)
    client = _login(town.caseworker)
    audit.seal_pending()
    with django_assert_max_num_queries(HOME_MAX_QUERIES):
        response = client.get(reverse("cases:home"))
    assert response.status_code == 200
    data = response.context["data"]
    assert len(data.mine) == n
    assert len(data.team) == n
    assert len(data.recent) == min(n, 10)
    # Every row shows its responsible caseworker (the prefetch is really used, not skipped).
    assert response.content.decode().count("Rådgiver</td>") >= n


@pytest.mark.django_db
def test_my_cases_query_count_does_not_grow_with_the_caseload(town):
    _caseload(town, 3)
    client = _login(town.caseworker)
    small = _count(client, reverse("cases:home"))
    _caseload(town, 12)
    large = _count(client, reverse("cases:home"))
    assert large == small, f"'Mine sager' used {small} queries with 3 cases of each kind and {large} with 15"


def _busy_case(town, *, members: int, notes: int, relatives: int):
    child = PersonFactory()
    case = services.case_open(
        actor=town.caseworker, child=child, responsible_unit=town.investigation, responsible_caseworker=town.caseworker
    )
    # Notes by two authors: the second caseworker (another group) is on the team as caseworker.
    services.team_member_add(actor=town.caseworker, case_id=case.pk, user=town.caseworker2, role=TeamRole.CASEWORKER)
    for i in range(members):
        colleague = staff(f"laerer{case.pk}x{i}", Role.PROFESSIONAL, town.school)
        services.team_member_add(actor=town.caseworker, case_id=case.pk, user=colleague, role=TeamRole.TEACHER)
    for i in range(notes):
        services.journal_note_add(
            actor=town.caseworker if i % 2 else town.caseworker2,
            case_id=case.pk,
            kind="note",
            title=f"Notat {i}",
            body="Opdigtet tekst.",
            occurred_on=timezone.localdate() - timedelta(days=i),
            shared_with_team=bool(i % 3),
            share_basis="early_preventive" if i % 3 else "",
            share_reason="Skolen skal kende barnets situation for at kunne støtte i klassen." if i % 3 else "",
        )
    for i in range(relatives):
        kind = RelationKind.PARENT if i < 2 else RelationKind.SIBLING
        people_services.relation_add(actor=town.caseworker, person=child, relative=PersonFactory(), kind=kind)
    for reason in ("Afsluttet", "Ny henvendelse"):
        case.refresh_from_db()
        to_status = "closed" if case.status != "closed" else "reopened"
        services.case_change_status(actor=town.caseworker, case_id=case.pk, to_status=to_status, reason=reason)
    return case


@pytest.mark.django_db
@pytest.mark.parametrize(("members", "notes", "relatives"), [(2, 5, 2), (12, 40, 8)])
def test_case_page_has_a_fixed_query_ceiling(town, django_assert_max_num_queries, members, notes, relatives):
    case = _busy_case(town, members=members, notes=notes, relatives=relatives)
    client = _login(town.caseworker)
    audit.seal_pending()
    with django_assert_max_num_queries(CASE_PAGE_MAX_QUERIES):
        response = client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    assert len(response.context["team"]) == members + 2
    assert len(response.context["timeline"]) == min(30, notes + members + 4)
    assert len(response.context["family"]) == relatives
    html = response.content.decode()
    assert "forælder" in html.lower()


@pytest.mark.django_db
def test_case_page_query_count_does_not_grow_with_team_notes_or_family(town):
    small_case = _busy_case(town, members=1, notes=3, relatives=1)
    large_case = _busy_case(town, members=10, notes=35, relatives=7)
    client = _login(town.caseworker)
    small = _count(client, reverse("cases:detail", args=[small_case.pk]))
    large = _count(client, reverse("cases:detail", args=[large_case.pk]))
    assert large == small, f"The case page used {small} queries on a small case and {large} on a large one"


@pytest.mark.django_db
def test_limited_access_case_page_has_the_same_query_count(town):
    """The school social worker on the team (summary only) is not served by a slower path."""
    small_case = _busy_case(town, members=1, notes=3, relatives=1)
    large_case = _busy_case(town, members=10, notes=35, relatives=7)
    for case in (small_case, large_case):
        services.team_member_add(
            actor=town.caseworker, case_id=case.pk, user=town.school_social_worker, role=TeamRole.SCHOOL_SOCIAL_WORKER
        )
    client = _login(town.school_social_worker)
    small = _count(client, reverse("cases:detail", args=[small_case.pk]))
    large = _count(client, reverse("cases:detail", args=[large_case.pk]))
    assert large == small
    assert small <= CASE_PAGE_MAX_QUERIES
