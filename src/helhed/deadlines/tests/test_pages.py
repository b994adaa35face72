"""'Mine frister' in the UI and the API: the owner's open deadlines on visible cases, soonest first."""

from __future__ import annotations

import json
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.cases import services as case_services
from helhed.core.apiauth import token_create
from helhed.deadlines import services
from helhed.deadlines.models import Deadline, DeadlineStatus
from helhed.deadlines.rules import Notifier, Trigger
from helhed.testing.factories import PersonFactory


def _case_with_deadlines(town, *, hours_ago=2, owner=None):
    child = PersonFactory()
    case = case_services.case_open(
        actor=town.caseworker, child=child, responsible_unit=town.investigation, responsible_caseworker=town.caseworker
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


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_my_deadlines_lists_soonest_first_with_paragraph_and_explanation(town):
    _case_with_deadlines(town, hours_ago=30)
    _case_with_deadlines(town, hours_ago=1)
    page = _client(town.caseworker).get(reverse("deadlines:mine"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "BL § 136" in html and "BL § 137" in html and "24 timer efter modtagelsen" in html
    assert "overskredet" in html
    rows = list(Deadline.objects.filter(owner=town.caseworker).order_by("due_at"))
    assert html.index(rows[0].case.journal_number) <= html.index(rows[-1].case.journal_number)


def test_other_workers_deadlines_and_hidden_cases_are_not_listed(town):
    _case_with_deadlines(town)
    html = _client(town.other_caseworker).get(reverse("deadlines:mine")).content.decode()
    assert "Du har ingen åbne frister." in html


def test_closing_from_the_list_and_through_the_api(town):
    _case_with_deadlines(town)
    first, second = Deadline.objects.order_by("due_at")
    response = _client(town.caseworker).post(reverse("deadlines:close", args=[first.pk]), {"action": "meet"})
    assert response.status_code == 302
    assert Deadline.objects.get(pk=first.pk).status == DeadlineStatus.MET
    _t, raw = token_create(user=town.caseworker)
    api = Client()
    api.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    listed = api.get("/api/v1/deadlines").json()
    assert [d["id"] for d in listed] == [second.pk]
    closed = api.post(
        f"/api/v1/deadlines/{second.pk}/close",
        data=json.dumps({"waive": True, "reason": ""}),
        content_type="application/json",
    )
    assert closed.status_code == 400 and "bortfalder" in closed.json()["detail"]
    assert (
        api.post(f"/api/v1/deadlines/{second.pk}/close", data=json.dumps({}), content_type="application/json").json()[
            "status"
        ]
        == "met"
    )


def test_a_deadline_on_a_case_the_user_cannot_see_is_a_404(town):
    _case_with_deadlines(town)
    deadline = Deadline.objects.first()
    response = _client(town.other_caseworker).post(reverse("deadlines:close", args=[deadline.pk]))
    assert response.status_code == 404
    assert Deadline.objects.get(pk=deadline.pk).status == DeadlineStatus.OPEN


def test_my_deadlines_query_count_does_not_grow(town, django_assert_max_num_queries):
    from helhed.core import audit

    for _ in range(2):
        _case_with_deadlines(town)
    client = _client(town.caseworker)
    audit.seal_pending()
    with django_assert_max_num_queries(16):
        assert client.get(reverse("deadlines:mine")).status_code == 200
    for _ in range(8):
        _case_with_deadlines(town)
    audit.seal_pending()
    with django_assert_max_num_queries(16):
        assert client.get(reverse("deadlines:mine")).status_code == 200
