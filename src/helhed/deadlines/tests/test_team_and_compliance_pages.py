"""'Teamets frister', 'Overholdelse af frister' (page, chart, CSV, API) and the drill-down: who may see what,
Danish answers to bad input, and query counts that do not grow with the data."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.cases import services as case_services
from helhed.core import audit
from helhed.core.apiauth import token_create
from helhed.core.models import AuditAction, AuditEvent
from helhed.core.tests.test_url_sweep import login
from helhed.deadlines import policies, services
from helhed.deadlines.models import Deadline
from helhed.deadlines.rules import Notifier, Trigger
from helhed.testing.factories import PersonFactory


def _case_with_deadlines(town, *, hours_ago=30, owner=None, unit=None):
    child = PersonFactory()
    case = case_services.case_open(
        actor=town.caseworker,
        child=child,
        responsible_unit=unit or town.investigation,
        responsible_caseworker=town.caseworker,
    )
    services.deadlines_start(
        actor=town.caseworker,
        trigger=Trigger.CONCERN_RECEIVED,
        at=timezone.now() - timedelta(hours=hours_ago),
        person=child,
        case=case,
        owner=owner or town.caseworker,
        notifier=Notifier.PROFESSIONAL,
        source=case,
    )
    return case


def _overdue_cell(case) -> dict:
    """The drill-down query of the case's overdue 24-hour deadline."""
    deadline = Deadline.objects.get(case=case, rule_id="concern.assess_24h")
    month = policies.month_key(timezone.localtime(deadline.due_at, policies.COPENHAGEN).date())
    return {"rule": "concern.assess_24h", "unit": deadline.unit_id, "month": month, "outcome": "overdue"}


# -- the team view -------------------------------------------------------------------------------------------


def test_the_leader_sees_the_teams_open_deadlines_with_owners(town):
    first = _case_with_deadlines(town, hours_ago=30)
    second = _case_with_deadlines(town, hours_ago=2, owner=town.caseworker2, unit=town.action)
    elsewhere = _case_with_deadlines(town, unit=town.other_family_unit, owner=town.other_caseworker)
    page = login(Client(), town.leader).get(reverse("deadlines:team"))
    assert page.status_code == 200
    html = page.content.decode()
    assert first.journal_number in html and second.journal_number in html
    assert elsewhere.journal_number not in html
    assert first.child.full_name in html and "Rikke Rådgiver" in html and "Rasmus Rådgiversen" in html
    assert "overskredet" in html
    assert html.index(first.journal_number) < html.index(second.journal_number)  # soonest first
    event = AuditEvent.objects.filter(action=AuditAction.LIST, detail__view="team_deadlines").get()
    assert set(event.person_ids) == {first.child_id, second.child_id}


def test_the_team_view_filters_by_owner_and_refuses_a_bad_owner(town):
    first = _case_with_deadlines(town)
    second = _case_with_deadlines(town, owner=town.caseworker2)
    client = login(Client(), town.leader)
    html = client.get(reverse("deadlines:team"), {"owner": town.caseworker2.pk}).content.decode()
    assert second.journal_number in html and first.journal_number not in html
    empty = "Teamet har ingen åbne frister."
    assert empty in client.get(reverse("deadlines:team"), {"owner": "ingen"}).content.decode()
    bad = client.get(reverse("deadlines:team"), {"owner": "rikke"})
    assert bad.status_code == 400 and "Vælg en medarbejder fra listen." in bad.content.decode()
    # A user id nobody has shows nothing; one no database column can hold is refused.
    assert empty in client.get(reverse("deadlines:team"), {"owner": "9" * 15}).content.decode()
    assert client.get(reverse("deadlines:team"), {"owner": "9" * 30}).status_code == 400


@pytest.mark.parametrize("who", ["caseworker", "school_social_worker", "counsellor"])
def test_the_team_view_is_for_leaders_only(town, who):
    response = login(Client(), getattr(town, who)).get(reverse("deadlines:team"))
    assert response.status_code == 403
    assert "Teamets frister er for ledere." in response.content.decode()


def test_the_team_view_query_count_does_not_grow(town, django_assert_max_num_queries):
    for _ in range(2):
        _case_with_deadlines(town)
    client = login(Client(), town.leader)
    audit.seal_pending()
    with django_assert_max_num_queries(16):
        assert client.get(reverse("deadlines:team")).status_code == 200
    for i in range(8):
        _case_with_deadlines(town, owner=town.caseworker2 if i % 2 else town.caseworker)
    audit.seal_pending()
    with django_assert_max_num_queries(16):
        assert client.get(reverse("deadlines:team")).status_code == 200


def test_mine_frister_says_how_many_are_overdue(town):
    _case_with_deadlines(town, hours_ago=30)
    _case_with_deadlines(town, hours_ago=30)
    html = login(Client(), town.caseworker).get(reverse("deadlines:mine")).content.decode()
    assert "2 frister er overskredet." in html


# -- compliance ---------------------------------------------------------------------------------------------


def _no_inline_script_or_style(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    assert "<style" not in html and " style=" not in html


def test_the_analyst_sees_aggregates_and_a_chart_but_no_way_to_the_cases(town):
    case = _case_with_deadlines(town)
    client = login(Client(), town.analyst)
    page = client.get(reverse("deadlines:compliance"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Vurdering af underretningen inden for 24 timer" in html and town.investigation.name in html
    assert reverse("deadlines:compliance_cases") not in html
    assert case.child.last_name not in html and case.journal_number not in html
    assert "<svg" in html and 'role="img"' in html and 'aria-label="Andel af frister' in html
    _no_inline_script_or_style(html)
    drill = client.get(reverse("deadlines:compliance_cases"), _overdue_cell(case))
    assert drill.status_code == 403
    assert "ikke de enkelte sager" in drill.content.decode()
    assert case.child.last_name not in drill.content.decode()
    assert AuditEvent.objects.filter(
        actor=town.analyst, action=AuditAction.LIST, object_type="deadlines.compliance", detail__view="compliance"
    ).exists()


def test_the_leader_drills_down_to_the_deadlines_behind_a_number(town):
    case = _case_with_deadlines(town)
    client = login(Client(), town.leader)
    html = client.get(reverse("deadlines:compliance")).content.decode()
    assert reverse("deadlines:compliance_cases") in html
    drill = client.get(reverse("deadlines:compliance_cases"), _overdue_cell(case))
    assert drill.status_code == 200
    assert case.journal_number in drill.content.decode() and case.child.full_name in drill.content.decode()


def test_compliance_is_refused_to_roles_without_it(town):
    for user in (town.teacher, town.counsellor, town.dpo, town.administrator):
        assert login(Client(), user).get(reverse("deadlines:compliance")).status_code == 403, user.username


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"period": "uge"}, "måned eller kvartal"),
        ({"from": "januar"}, "fx 2025-03"),
        ({"from": "2025-06", "to": "2025-01"}, "Fra-måneden"),
        ({"rule": "x"}, "Vælg en frist fra listen."),
        ({"unit": "x"}, "Vælg en enhed fra listen."),
    ],
)
def test_bad_compliance_filters_get_a_danish_400(town, params, text):
    client = login(Client(), town.leader)
    for name in ("deadlines:compliance", "deadlines:compliance_csv"):
        response = client.get(reverse(name), params)
        assert response.status_code == 400, name
        assert text in response.content.decode(), name


def test_a_unit_outside_the_scope_is_a_403(town):
    client = login(Client(), town.caseworker)
    response = client.get(reverse("deadlines:compliance"), {"unit": town.other_family_unit.pk})
    assert response.status_code == 403 and "dine egne enheder" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"rule": "concern.assess_24h", "unit": "1", "month": "2025-13", "outcome": "met"},
        {"rule": "concern.assess_24h", "unit": "1", "month": "2025-01", "outcome": "late"},
        {"rule": "concern.assess_24h", "unit": "1", "month": "2025-01", "quarter": "2025-Q1", "outcome": "met"},
        {"rule": "concern.assess_24h", "unit": "1", "quarter": "2025-Q5", "outcome": "met"},
    ],
)
def test_bad_drill_down_parameters_get_a_danish_400(town, params):
    response = login(Client(), town.leader).get(reverse("deadlines:compliance_cases"), params)
    assert response.status_code == 400
    assert "Vælg" in response.content.decode() or "Skriv" in response.content.decode()


def test_the_csv_is_for_danish_excel_and_audited(town):
    _case_with_deadlines(town)
    response = login(Client(), town.analyst).get(reverse("deadlines:compliance_csv"), {"period": "quarter"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[:5] == ["Periode", "Frist", "Regel-id", "Enhed", "Forfaldne i alt"]
    row = next(line.split(";") for line in lines[1:] if "concern.assess_24h" in line)
    assert re.match(r"^\d{4}-Q[1-4]$", row[0]) and row[3] == town.investigation.name
    assert row[4:9] == ["1", "0", "0", "1", "0"] and row[9] == "0,0" and row[10] == ""
    assert AuditEvent.objects.filter(
        actor=town.analyst, action=AuditAction.EXPORT, object_type="deadlines.compliance", detail__format="csv"
    ).exists()


def test_the_api_gives_the_same_numbers(town):
    _case_with_deadlines(town)
    _t, raw = token_create(user=town.analyst)
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    body = api.get("/api/v1/deadlines/compliance", {"period": "month"}).json()
    assert body["period"] == "month" and re.match(r"^\d{4}-\d{2}$", body["from_month"])
    row = next(r for r in body["rows"] if r["rule"] == "concern.assess_24h")
    assert (row["total"], row["met"], row["overdue"], row["rate"]) == (1, 0, 1, 0.0)
    assert row["unit_id"] == town.investigation.pk and row["rule_title"]
    bad = api.get("/api/v1/deadlines/compliance", {"from": "2025-1"})
    assert bad.status_code == 400 and "2025-03" in bad.json()["detail"]
    _t, teacher = token_create(user=town.teacher)
    assert Client(headers={"Authorization": f"Bearer {teacher}"}).get("/api/v1/deadlines/compliance").status_code == 403


def test_compliance_and_drill_down_query_counts_do_not_grow(town, django_assert_max_num_queries):
    cases = [_case_with_deadlines(town) for _ in range(2)]
    client = login(Client(), town.leader)
    audit.seal_pending()
    # Two more on PostgreSQL: the compliance query's SET LOCAL work_mem and jit; two for the stored counts (which
    # ended months are stored, and their counts).
    with django_assert_max_num_queries(20):
        assert client.get(reverse("deadlines:compliance")).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(reverse("deadlines:compliance_cases"), _overdue_cell(cases[0])).status_code == 200
    for i in range(8):
        _case_with_deadlines(town, unit=town.action if i % 2 else town.investigation, hours_ago=24 * 40 * (i % 3))
    assert services.compliance_refresh()["cells"] > 0  # ended months now come from the store
    audit.seal_pending()
    with django_assert_max_num_queries(20):
        assert client.get(reverse("deadlines:compliance")).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(reverse("deadlines:compliance_cases"), _overdue_cell(cases[0])).status_code == 200


def test_the_user_guide_is_under_help(town):
    client = login(Client(), town.caseworker)
    assert reverse("core:help_page", args=["frister"]) in client.get(reverse("core:help")).content.decode()
    html = client.get(reverse("core:help_page", args=["frister"])).content.decode()
    assert "Overholdelse af frister" in html and "Teamets frister" in html and "<table>" in html
