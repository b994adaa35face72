"""The URL sweep: every URL pattern and every API operation declares a permission from the map, and
nothing but the declared public pages answers an anonymous visitor (architecture.md, "Every URL
declares its permission"; cisagov/manage.get.gov's test_url_auth.py).

New pages are covered automatically: the sweep reads the URL resolver and the ninja API object, so a
view added without `@requires(...)` or an operation without `@api_requires(...)` fails here.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from helhed.api import api
from helhed.core.mfa import mfa_required
from helhed.core.permissions import ROLE_PERMISSIONS, Perm

# Sample values for path converters, so every pattern can be reversed and requested.
_SAMPLE_BY_CONVERTER = {"IntConverter": 1, "StringConverter": "x", "SlugConverter": "x", "PathConverter": "x"}
# The ninja API mounts its own patterns in the "api" namespace; those are swept through the API object below.
_API_NAMESPACE = "api"


def _walk(patterns, namespace: str | None = None, prefix: str = ""):
    """Yield (qualified name, route, pattern) for every URL pattern, following includes."""
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, ns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield name, prefix + str(p.pattern), p


def site_patterns():
    """Every non-API URL pattern of the site: (qualified name, route, pattern)."""
    out = []
    for name, route, pattern in _walk(get_resolver().url_patterns):
        if (name or "").split(":")[0] == _API_NAMESPACE or route.startswith("api/"):
            continue
        out.append((name, route, pattern))
    return out


def sample_url(name: str, pattern: URLPattern) -> str:
    kwargs = {key: _SAMPLE_BY_CONVERTER[type(conv).__name__] for key, conv in pattern.pattern.converters.items()}
    return reverse(name, kwargs=kwargs)


def api_operations():
    """Every operation of the ninja API: (method, full path, operation)."""
    bound = api._get_bound_routers() if hasattr(api, "_get_bound_routers") else None
    routers = [(b.prefix, b) for b in bound] if bound is not None else list(api._routers)
    out = []
    for prefix, router in routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                for method in op.methods:
                    out.append((method, f"/api/v1{prefix}{path}", op))
    return out


def login(client: Client, user) -> Client:
    """Log a user in as the login page would, with a passed second factor for roles that require one."""
    client.force_login(user, backend="helhed.core.auth.HelhedModelBackend")
    if mfa_required(user):
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


SITE = site_patterns()
LOGIN_PATH = "/login/"


def test_sweep_finds_the_known_pages():
    """Guard against the walker silently finding nothing (a sweep over nothing proves nothing)."""
    names = {name for name, _route, _p in SITE}
    assert {"core:login", "cases:home", "cases:detail", "people:detail", "core:audit_person"} <= names
    assert len(SITE) >= 25
    assert reverse("core:login") == LOGIN_PATH
    methods_paths = {(m, p) for m, p, _op in api_operations()}
    assert ("GET", "/api/v1/cases/{case_id}/journal") in methods_paths
    assert ("GET", "/api/v1/audit/events") in methods_paths


def test_every_url_has_a_name():
    nameless = [route for name, route, _p in SITE if not name]
    assert not nameless, f"URL patterns without a name (the sweep and the permission map need one): {nameless}"


def test_every_url_declares_a_permission_from_the_map():
    offenders = []
    for name, route, pattern in SITE:
        perm = getattr(pattern.callback, "helhed_permission", None)
        if perm is None or perm not in set(Perm):
            offenders.append(f"{name} ({route}): {perm!r}")
    assert not offenders, "URLs without a declared permission (use @requires(Perm.X)): " + ", ".join(offenders)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "route", "pattern"), SITE, ids=[n or r for n, r, _p in SITE])
def test_anonymous_get_is_sent_to_login_unless_public(client, name, route, pattern):
    url = sample_url(name, pattern)
    response = client.get(url)
    perm = pattern.callback.helhed_permission
    if perm == Perm.PUBLIC:
        assert not (response.status_code == 302 and urlsplit(response["Location"]).path == LOGIN_PATH)
        assert response.status_code < 500
    else:
        assert response.status_code == 302, f"{name} answered an anonymous visitor with {response.status_code}"
        location = urlsplit(response["Location"])
        assert location.path == LOGIN_PATH
        assert f"next={url}" in response["Location"].replace("%2F", "/")


ROLE_GATED = [
    (n, r, p)
    for n, r, p in SITE
    if getattr(p.callback, "helhed_permission", None) not in (Perm.PUBLIC, Perm.AUTHENTICATED)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "route", "pattern"), ROLE_GATED, ids=[n for n, _r, _p in ROLE_GATED])
def test_logged_in_user_without_the_role_permission_gets_403(client, town, name, route, pattern):
    """Every page that needs a role permission refuses a logged-in user without it, before the view does any work
    (the permission check is the outermost decorator). The page is tried with the first of the data protection
    officer, the analyst and the administrator who lacks its permission."""
    perm = pattern.callback.helhed_permission
    outsider = next(
        user
        for user in (town.dpo, town.analyst, town.administrator)
        if perm not in ROLE_PERMISSIONS[user.memberships.get().role]
    )
    login(client, outsider)
    for method in (client.get, client.post):
        response = method(sample_url(name, pattern))
        assert response.status_code == 403, f"{method.__name__.upper()} {name}: {response.status_code}"
        assert "ikke adgang" in response.content.decode()


# -- role permissions on particular pages -------------------------------------------------------------


@pytest.mark.django_db
def test_search_is_refused_to_the_analyst_and_open_to_the_caseworker(client, town):
    login(client, town.analyst)
    assert client.get("/soeg/").status_code == 403
    assert client.get("/soeg/", {"q": "Testesen"}).status_code == 403
    client.logout()
    login(client, town.caseworker)
    assert client.get("/soeg/").status_code == 200


@pytest.mark.django_db
def test_audit_pages_are_for_the_data_protection_officer_only(client, town):
    anonymous = client.get("/tilsyn/")
    assert anonymous.status_code == 302 and urlsplit(anonymous["Location"]).path == LOGIN_PATH
    for user in (town.caseworker, town.leader, town.school_social_worker, town.analyst, town.administrator):
        c = login(Client(), user)
        for url in ("/tilsyn/", "/tilsyn/person/", "/tilsyn/bruger/", "/tilsyn/person/1/eksport.csv"):
            assert c.get(url).status_code == 403, (user.username, url)
    dpo = login(Client(), town.dpo)
    assert dpo.get("/tilsyn/").status_code == 200
    assert dpo.get("/tilsyn/person/").status_code == 200
    assert dpo.get("/tilsyn/bruger/").status_code == 200


@pytest.mark.django_db
def test_home_sends_each_role_to_its_start_page(client, town):
    login(client, town.caseworker)
    assert client.get("/").status_code == 200
    dpo = login(Client(), town.dpo)
    response = dpo.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("core:audit_home")
    analyst = login(Client(), town.analyst)
    response = analyst.get("/")
    assert response.status_code == 200
    assert "cases/home_other.html" in [t.name for t in response.templates]
    # The analyst's way to the figures: on the start page and in the menu (desktop and mobile drawer).
    assert response.content.decode().count(f'href="{reverse("deadlines:compliance")}"') == 3
    caseworker_home = client.get("/").content.decode()
    assert f'href="{reverse("deadlines:compliance")}"' not in caseworker_home  # theirs is under 'Mine frister'


@pytest.mark.django_db
def test_case_pages_are_refused_to_roles_without_case_work(client, town, open_case):
    """A role without CASE_WORK gets 403 even for a case that exists (no hint of what is inside)."""
    login(client, town.dpo)
    response = client.get(reverse("cases:detail", args=[open_case.pk]))
    assert response.status_code == 403
    assert open_case.child.last_name not in response.content.decode()


@pytest.mark.django_db
def test_reports_of_concern_pages_declare_their_permissions(client, town):
    """The public form is the only page of reports of concern an anonymous visitor gets; reporting is for
    partners (CONCERN_REPORT), the reception's pages are for the reception (CONCERN_RECEIVE)."""
    perms = {name: p.callback.helhed_permission for name, _r, p in SITE if (name or "").startswith("concerns:")}
    assert perms["concerns:public"] == Perm.PUBLIC
    assert [n for n, p in perms.items() if p == Perm.PUBLIC] == ["concerns:public"]
    for name in ("concerns:new", "concerns:mine", "concerns:receipt", "concerns:letter_download"):
        assert perms[name] == Perm.CONCERN_REPORT, name
    for name in ("concerns:reception", "concerns:detail", "concerns:close", "concerns:attachment_download"):
        assert perms[name] == Perm.CONCERN_RECEIVE, name
    assert client.get("/underret/").status_code == 200
    teacher = login(Client(), town.teacher)
    assert teacher.get("/underretninger/ny/").status_code == 200
    assert teacher.get("/underretninger/modtagelse/").status_code == 403


@pytest.mark.django_db
def test_intervention_pages_declare_their_permissions(client, town):
    """The catalogue is for everyone who works with children (OFFER_VIEW), its upkeep and the budgets for
    OFFER_ADMIN, the decisions for leaders (VISITATION), the sums for ECONOMY_READ; a child's applications and
    grants are case pages (CASE_WORK, the gatekeeper decides the rest)."""
    perms = {name: p.callback.helhed_permission for name, _r, p in SITE if (name or "").startswith("interventions:")}
    expected = {
        "interventions:catalogue": Perm.OFFER_VIEW,
        "interventions:offer_detail": Perm.OFFER_VIEW,
        "interventions:offer_new": Perm.OFFER_ADMIN,
        "interventions:offer_edit": Perm.OFFER_ADMIN,
        "interventions:provider_new": Perm.OFFER_ADMIN,
        "interventions:budgets": Perm.OFFER_ADMIN,
        "interventions:case": Perm.CASE_WORK,
        "interventions:apply": Perm.CASE_WORK,
        "interventions:referral": Perm.CASE_WORK,
        "interventions:referral_withdraw": Perm.CASE_WORK,
        "interventions:visitation": Perm.VISITATION,
        "interventions:referral_decide": Perm.VISITATION,
        "interventions:grant_change": Perm.VISITATION,
        "interventions:grant_terminate": Perm.VISITATION,
        "interventions:forecast": Perm.ECONOMY_READ,
        "interventions:reports": Perm.ECONOMY_READ,
        "interventions:report_csv": Perm.ECONOMY_READ,
    }
    assert perms == expected
    analyst = login(Client(), town.analyst)
    assert analyst.get("/tilbud/").status_code == 200
    assert analyst.get("/oekonomi/").status_code == 200
    assert analyst.get("/visitation/").status_code == 403
    assert analyst.get("/tilbud/nyt/").status_code == 403
    caseworker = login(Client(), town.caseworker)
    assert caseworker.get("/tilbud/").status_code == 200
    assert caseworker.get("/oekonomi/").status_code == 403
    assert login(Client(), town.leader).get("/visitation/").status_code == 200


@pytest.mark.django_db
def test_detection_pages_declare_their_permissions(client, town):
    """Absence alerts and their follow-up are for those who work with pupils (DETECTION; the detection gatekeeper
    decides which pupils), imports for ABSENCE_IMPORT, the counts of children without a school for
    DETECTION_STATS."""
    perms = {name: p.callback.helhed_permission for name, _r, p in SITE if (name or "").startswith("detection:")}
    expected = {name: Perm.DETECTION for name in perms if name.split(":")[1].startswith(("alert", "meeting"))}
    expected.update(
        {
            "detection:imports": Perm.ABSENCE_IMPORT,
            "detection:import": Perm.ABSENCE_IMPORT,
            "detection:evaluate": Perm.ABSENCE_IMPORT,
            "detection:unschooled": Perm.DETECTION_STATS,
        }
    )
    assert perms == expected
    assert len(expected) == 14
    analyst = login(Client(), town.analyst)
    assert analyst.get("/fravaer/uden-skole/").status_code == 200
    assert analyst.get("/fravaer/").status_code == 403
    assert analyst.get("/fravaer/import/").status_code == 403
    assert login(Client(), town.administrator).get("/fravaer/import/").status_code == 200
    assert login(Client(), town.administrator).get("/fravaer/").status_code == 403
    assert login(Client(), town.school_social_worker).get("/fravaer/").status_code == 200
    assert login(Client(), town.school_social_worker).get("/fravaer/import/").status_code == 403


# -- screening and class review (issue 6) ---------------------------------------------------------------


@pytest.mark.django_db
def test_screening_pages_declare_their_permissions(client, town):
    """Screenings and class reviews are for those who work with pupils (DETECTION; the detection gatekeeper decides
    which schools), the instruments and the pilot switch for administrators (DETECTION_ADMIN), the evaluation for
    analysts and leaders (DETECTION_STATS)."""
    perms = {name: p.callback.helhed_permission for name, _r, p in SITE if (name or "").startswith("screening:")}
    expected = {
        "screening:list": Perm.DETECTION,
        "screening:new": Perm.DETECTION,
        "screening:detail": Perm.DETECTION,
        "screening:reviews": Perm.DETECTION,
        "screening:review_new": Perm.DETECTION,
        "screening:review": Perm.DETECTION,
        "screening:entry_concern": Perm.DETECTION,
        "screening:entry_meeting": Perm.DETECTION,
        "screening:instruments": Perm.DETECTION_ADMIN,
        "screening:instrument": Perm.DETECTION_ADMIN,
        "screening:pilot": Perm.DETECTION_ADMIN,
        "screening:evaluation": Perm.DETECTION_STATS,
    }
    assert perms == expected
    assert login(Client(), town.analyst).get("/screening/evaluering/").status_code == 200
    assert login(Client(), town.analyst).get("/screening/").status_code == 403
    assert login(Client(), town.administrator).get("/screening/instrumenter/").status_code == 200
    assert login(Client(), town.administrator).get("/klassegennemgang/").status_code == 403
    assert login(Client(), town.teacher).get("/klassegennemgang/").status_code == 200
    assert login(Client(), town.teacher).get("/screening/instrumenter/").status_code == 403


# -- the API ------------------------------------------------------------------------------------------

API_OPS = api_operations()


def test_every_api_operation_declares_a_permission_and_requires_auth():
    assert len(API_OPS) >= 14
    offenders = []
    for method, path, op in API_OPS:
        perm = getattr(op.view_func, "helhed_permission", None)
        if perm is None or perm not in set(Perm) or perm == Perm.PUBLIC:
            offenders.append(f"{method} {path}: permission {perm!r}")
        if not op.auth_callbacks:
            offenders.append(f"{method} {path}: no authentication")
    assert not offenders, "API operations without permission or auth (use @api_requires): " + "; ".join(offenders)


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "op"), API_OPS, ids=[f"{m} {p}" for m, p, _o in API_OPS])
def test_anonymous_api_request_gets_401_in_danish(client, method, path, op):
    url = _fill(path)
    if method == "GET":
        response = client.get(url)
    else:
        response = client.generic(method, url, data="{}", content_type="application/json")
    assert response.status_code == 401, f"{method} {url}: {response.status_code}"
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert "Log ind" in body["detail"]  # Danish and says what to do


MULTIPART = object()  # marker: send a multipart form with a small PDF instead of JSON

# A valid body for every operation that takes one, so the request gets past input validation and the
# permission check is what answers. A new write operation must add its sample here.
_VALID_BODIES = {
    ("POST", "/api/v1/persons"): {"first_name": "Anna", "last_name": "Prøve", "no_cpr_reason": "ukendt"},
    ("POST", "/api/v1/persons/{person_id}/reveal-cpr"): None,
    ("POST", "/api/v1/persons/search"): {"q": "Hansen"},
    ("POST", "/api/v1/deadlines/{deadline_id}/close"): {},
    ("POST", "/api/v1/cases"): {"child_id": 1, "responsible_unit_id": 1, "responsible_caseworker": "x"},
    ("POST", "/api/v1/cases/{case_id}/status"): {"to_status": "closed", "reason": "Afsluttet"},
    ("POST", "/api/v1/cases/{case_id}/team"): {"username": "x", "role": "teacher"},
    ("POST", "/api/v1/cases/{case_id}/journal"): {"title": "T", "body": "B", "occurred_on": "2024-01-02"},
    ("POST", "/api/v1/cases/{case_id}/journal/{note_id}/addenda"): {"body": "Tilføjelse"},
    ("POST", "/api/v1/cases/{case_id}/team/{member_id}/end"): {},
    ("POST", "/api/v1/cases/{case_id}/team/{member_id}/responsible"): {},
    ("POST", "/api/v1/cases/{case_id}/team/{member_id}/parent-contact"): {},
    ("POST", "/api/v1/cases/{case_id}/documents"): MULTIPART,
    ("POST", "/api/v1/cases/{case_id}/break-glass"): {"reason": "Akut henvendelse fra politiet"},
    ("POST", "/api/v1/persons/{person_id}/relations"): {"relative_id": 2, "kind": "parent"},
    ("POST", "/api/v1/persons/{person_id}/merge"): {"duplicate_id": 2, "reason": "Dublet"},
    ("POST", "/api/v1/persons/merges/{merge_id}/reverse"): {"reason": "Fejl"},
    ("POST", "/api/v1/organisation/units"): {"code": "NY", "name": "Ny", "kind": "daycare", "administration": "BUF"},
    ("POST", "/api/v1/organisation/units/import"): MULTIPART,
    ("POST", "/api/v1/organisation/staff"): {"username": "ny", "first_name": "N", "last_name": "Y", "email": "n@k.dk"},
    ("POST", "/api/v1/organisation/staff/import"): MULTIPART,
    ("POST", "/api/v1/organisation/staff/{user_id}/memberships"): {"unit_code": "x", "role": "caseworker"},
    ("POST", "/api/v1/organisation/staff/{user_id}/deactivate"): {"reason": "Fratrådt"},
    ("POST", "/api/v1/organisation/staff/{user_id}/reactivate"): None,
    ("POST", "/api/v1/organisation/memberships/{membership_id}/end"): {},
    ("POST", "/api/v1/concerns"): {"description": "Bekymring", "categories": ["neglect"]},
    ("POST", "/api/v1/concerns/multipart"): MULTIPART,
    ("POST", "/api/v1/concerns/{concern_id}/assign"): {},
    ("POST", "/api/v1/concerns/{concern_id}/match"): {"person_id": 1},
    ("POST", "/api/v1/concerns/{concern_id}/assessment"): {"acute_danger": False, "decision": "x", "reasoning": "x"},
    ("POST", "/api/v1/concerns/{concern_id}/checklist"): {"code": "danger_assessed"},
    ("POST", "/api/v1/concerns/{concern_id}/letters"): {"kind": "receipt"},
    ("POST", "/api/v1/concerns/{concern_id}/close"): {},
    ("POST", "/api/v1/meetings/tasks/{decision_id}"): {"status": "done"},
    ("POST", "/api/v1/meetings/cases/{case_id}"): {
        "kind": "network",
        "starts_at": "2030-01-02T10:00:00+01:00",
        "ends_at": "2030-01-02T11:00:00+01:00",
        "location": "Rådhuset",
    },
    ("POST", "/api/v1/meetings/{meeting_id}/minutes"): {"title": "T", "body": "B"},
    ("POST", "/api/v1/meetings/{meeting_id}/decisions"): {"text": "T", "owner_id": 1, "due_on": "2030-01-03"},
    ("POST", "/api/v1/meetings/{meeting_id}/attendance"): {"attendance": {}},
    ("POST", "/api/v1/meetings/{meeting_id}/hold"): {},
    ("POST", "/api/v1/meetings/{meeting_id}/cancel"): {"reason": "Syg"},
    ("POST", "/api/v1/meetings/{meeting_id}/send-minutes"): {},
    ("POST", "/api/v1/flow/cases/{case_id}/stage"): {"stage": "family_unit.action", "reason": "x"},
    ("POST", "/api/v1/flow/cases/{case_id}/handovers"): {
        "to_unit_id": 1,
        "to_stage": "family_unit.action",
        "reason": "x",
    },
    ("POST", "/api/v1/flow/handovers/{handover_id}/checklist"): {"checklist": {}},
    ("POST", "/api/v1/flow/handovers/{handover_id}/meeting"): {
        "starts_at": "2030-01-02T10:00:00+01:00",
        "ends_at": "2030-01-02T11:00:00+01:00",
        "location": "Rådhuset",
    },
    ("POST", "/api/v1/flow/handovers/{handover_id}/accept"): {"to_caseworker_id": 1},
    ("POST", "/api/v1/flow/handovers/{handover_id}/close"): {"to_status": "withdrawn", "note": "x"},
    ("POST", "/api/v1/cases/{case_id}/plan/versions"): None,
    ("PUT", "/api/v1/cases/{case_id}/plan/versions/{number}"): {"version": 1, "goals": []},
    ("POST", "/api/v1/cases/{case_id}/plan/versions/{number}/approve"): {"version": 1},
    ("POST", "/api/v1/cases/{case_id}/plan/reviews"): {"ratings": []},
    ("POST", "/api/v1/cases/{case_id}/parent-links"): {"person_id": 1},
    ("POST", "/api/v1/cases/{case_id}/parent-links/{link_id}/revoke"): None,
    ("POST", "/api/v1/counselling"): {
        "pseudonym": "Pigen med cyklen",
        "age_band": "13-15",
        "contact_by": "child",
        "topics": ["school"],
    },
    ("POST", "/api/v1/counselling/{counselling_id}/contacts"): {
        "occurred_on": "2024-01-02",
        "channel": "phone",
        "duration_minutes": 30,
        "summary": "Samtale om skolen",
    },
    ("POST", "/api/v1/counselling/{counselling_id}/close"): {},
    ("POST", "/api/v1/counselling/{counselling_id}/reopen"): {},
    ("POST", "/api/v1/counselling/{counselling_id}/convert"): {},
    ("POST", "/api/v1/consents/cases/{case_id}"): {
        "given_by": [1],
        "given_on": "2026-01-01",
        "administrations": ["BUF"],
        "info_kinds": ["note"],
        "purpose": "x",
        "valid_from": "2026-01-01",
    },
    ("POST", "/api/v1/consents/cases/{case_id}/{consent_id}/withdraw"): {"reason": "x"},
    ("POST", "/api/v1/consents/cases/{case_id}/share"): {"unit_id": 1},
    ("POST", "/api/v1/interventions/offers"): {
        "code": "x",
        "name": "X",
        "kind": "skoleflex",
        "provider_id": 1,
        "legal_basis": "x",
        "ladder_step": 3,
        "price": "1.00",
        "price_unit": "month",
        "active_from": "2026-01-01",
        "funding": [{"administration": "SOF", "share": "100"}],
    },
    ("PUT", "/api/v1/interventions/offers/{offer_id}"): {
        "code": "x",
        "name": "X",
        "kind": "skoleflex",
        "provider_id": 1,
        "legal_basis": "x",
        "ladder_step": 3,
        "price": "1.00",
        "price_unit": "month",
        "active_from": "2026-01-01",
        "funding": [{"administration": "SOF", "share": "100"}],
        "version": 1,
    },
    ("POST", "/api/v1/interventions/providers"): {"name": "X", "kind": "external", "cvr": "13585628"},
    ("POST", "/api/v1/interventions/cases/{case_id}/referrals"): {
        "offer_id": 1,
        "requested_start": "2027-01-01",
        "requested_end": "2027-06-30",
        "reason": "x",
    },
    ("POST", "/api/v1/interventions/referrals/{referral_id}/decision"): {"outcome": "grant"},
    ("POST", "/api/v1/interventions/referrals/{referral_id}/withdraw"): {"reason": "x"},
    ("POST", "/api/v1/interventions/grants/{grant_id}/change"): {"end": "2027-03-31", "reason": "x"},
    ("POST", "/api/v1/interventions/grants/{grant_id}/terminate"): {"last_day": "2027-03-31", "reason": "x"},
    ("PUT", "/api/v1/interventions/budgets"): {"administration": "SOF", "year": 2027, "amount": "1"},
    # -- early detection (absence) --
    ("POST", "/api/v1/detection/absence/imports"): MULTIPART,
    ("POST", "/api/v1/detection/absence/evaluate"): None,
    ("POST", "/api/v1/detection/alerts/{alert_id}/acknowledge"): {},
    ("POST", "/api/v1/detection/alerts/{alert_id}/meetings"): {
        "starts_at": "2026-12-10T14:00:00+01:00",
        "ends_at": "2026-12-10T15:00:00+01:00",
        "location": "Skolen",
    },
    ("POST", "/api/v1/detection/meetings/{meeting_id}/held"): {},
    ("POST", "/api/v1/detection/meetings/{meeting_id}/cancel"): {"reason": "x"},
    ("POST", "/api/v1/detection/alerts/{alert_id}/plan"): {"plan": "x"},
    ("POST", "/api/v1/detection/alerts/{alert_id}/close"): {"reason": "x"},
}


# -- screening and class review (issue 6): sample bodies ------------------------------------------------
_VALID_BODIES.update(
    {
        ("POST", "/api/v1/screening/instruments"): {"yaml": "key: x"},
        ("PUT", "/api/v1/screening/pilot-schools/{school_id}"): {"active": True},
        ("POST", "/api/v1/screening/screenings"): {
            "person_id": 1,
            "school_id": 1,
            "instrument_id": 1,
            "answers": {"a": "b"},
            "judgement": "x",
            "next_step": "none",
        },
        ("POST", "/api/v1/screening/class-reviews"): {"school_id": 1, "grade": "4. kl.", "review_date": "2026-01-05"},
        ("POST", "/api/v1/screening/class-reviews/{review_id}/marks"): {
            "marks": [{"person_id": 1, "level": "none", "next_step": "none"}]
        },
        ("POST", "/api/v1/screening/class-reviews/{review_id}/complete"): {},
        ("POST", "/api/v1/screening/class-reviews/{review_id}/entries/{entry_id}/concern"): {
            "description": "x",
            "categories": ["neglect"],
        },
        ("POST", "/api/v1/screening/class-reviews/{review_id}/entries/{entry_id}/meeting"): {
            "starts_at": "2030-01-02T10:00:00+01:00",
            "ends_at": "2030-01-02T11:00:00+01:00",
            "location": "Skolen",
        },
    }
)


def _fill(path: str) -> str:
    for name in (
        "alert_id",
        "import_id",
        "case_id",
        "person_id",
        "member_id",
        "note_id",
        "document_id",
        "merge_id",
        "user_id",
        "membership_id",
        "deadline_id",
        "concern_id",
        "letter_id",
        "attachment_id",
        "meeting_id",
        "decision_id",
        "handover_id",
        "link_id",
        "counselling_id",
        "consent_id",
        "number",
        "offer_id",
        "referral_id",
        "grant_id",
        "report",
        # screening and class review
        "instrument_id",
        "school_id",
        "screening_id",
        "review_id",
        "entry_id",
    ):
        path = path.replace("{" + name + "}", "1")
    return path


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "op"), API_OPS, ids=[f"{m} {p}" for m, p, _o in API_OPS])
def test_api_operation_refuses_a_user_without_its_permission(client, town, method, path, op):
    """Every operation answers 403, in Danish, to an authenticated user without its permission: the first of the
    analyst (compliance, the catalogue and the economy only), the administrator and the data protection officer
    who lacks it."""
    from helhed.core.apiauth import token_create

    perm = getattr(op.view_func, "helhed_permission", None)
    outsider = next(
        user
        for user in (town.analyst, town.administrator, town.dpo)
        if perm not in ROLE_PERMISSIONS[user.memberships.get().role]
    )
    _token, raw = token_create(user=outsider)
    url = _fill(path)
    headers = {"Authorization": f"Bearer {raw}"}
    if method == "GET":
        response = client.get(url, {"q": "x"}, headers=headers)
    else:
        assert (method, path) in _VALID_BODIES, f"add a valid sample body for {method} {path} to _VALID_BODIES"
        body = _VALID_BODIES[(method, path)]
        if body is MULTIPART:
            from django.core.files.uploadedfile import SimpleUploadedFile

            pdf = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
            response = client.post(url, {"file": pdf, "kind": "other"}, headers=headers)
        else:
            response = client.generic(
                method,
                url,
                data="" if body is None else json.dumps(body),
                content_type="application/json",
                headers=headers,
            )
    assert response.status_code == 403, f"{method} {url}: {response.status_code} {response.content[:200]!r}"
    assert response.json()["detail"] == "Du har ikke adgang til dette endpoint."


@pytest.mark.django_db
def test_api_audit_events_refused_to_caseworker_allowed_for_dpo(town):
    from helhed.core.apiauth import token_create

    _t, caseworker_token = token_create(user=town.caseworker)
    _t, dpo_token = token_create(user=town.dpo)
    c = Client()
    assert c.get("/api/v1/audit/events", headers={"Authorization": f"Bearer {caseworker_token}"}).status_code == 403
    assert c.get("/api/v1/audit/events", headers={"Authorization": f"Bearer {dpo_token}"}).status_code == 200
