"""The audit sweep: every page and API endpoint that shows or changes a person's data writes an audit
event with the right actor, action, person and request id (issue 2: "A test proves that every view and
endpoint that returns person data writes an audit event").

The sweep checks itself: every URL name and every API operation must either be in the table below or in
an explicit EXEMPT list with the reason, so a new page cannot slip past the audit unnoticed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from helhed.cases import services as case_services
from helhed.cases.models import Document, JournalNote, TeamMember, TeamRole
from helhed.core.apiauth import token_create
from helhed.core.mfa import mfa_required
from helhed.core.models import AuditAction, AuditEvent
from helhed.core.permissions import Perm
from helhed.core.tests.test_url_sweep import api_operations, site_patterns
from helhed.people import services as people_services
from helhed.people.models import Person, RelationKind
from helhed.testing.factories import PersonFactory, synthetic_cpr

# -- the world every look is made in ------------------------------------------------------------------


@dataclass
class World:
    town: Any
    child: Person
    cpr: str  # the child's CPR number, 10 digits (synthetic)
    case: Any
    note: JournalNote
    document: Document
    parent: Person
    other_child: Person  # a child without a case
    teacher_member: TeamMember
    extra: dict = field(default_factory=dict)

    def fresh_case(self):
        self.case.refresh_from_db()
        return self.case


@pytest.fixture
def world(town, settings, tmp_path) -> World:
    settings.DOCUMENT_ROOT = tmp_path / "documents"
    cpr = synthetic_cpr()
    child = PersonFactory(first_name="Karla", last_name="Auditsen", cpr=cpr)
    case = case_services.case_open(
        actor=town.caseworker, child=child, responsible_unit=town.investigation, responsible_caseworker=town.caseworker
    )
    note = case_services.journal_note_add(
        actor=town.caseworker,
        case_id=case.pk,
        kind="note",
        title="Samtale med skolen",
        body="Opdigtet notat.",
        occurred_on=timezone.localdate(),
    )
    document = case_services.document_upload(
        actor=town.caseworker,
        case_id=case.pk,
        uploaded_file=SimpleUploadedFile("udtalelse.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", "application/pdf"),
        title="Udtalelse",
        kind="statement",
    )
    parent = PersonFactory(first_name="Pia", last_name="Auditsen")
    people_services.relation_add(actor=town.caseworker, person=child, relative=parent, kind=RelationKind.PARENT)
    teacher_member = case_services.team_member_add(
        actor=town.caseworker, case_id=case.pk, user=town.teacher, role=TeamRole.TEACHER
    )
    other_child = PersonFactory(first_name="Otto", last_name="Udensag")
    case.refresh_from_db()
    return World(
        town=town,
        child=child,
        cpr=cpr,
        case=case,
        note=note,
        document=document,
        parent=parent,
        other_child=other_child,
        teacher_member=teacher_member,
    )


def login(client: Client, user) -> Client:
    client.force_login(user, backend="helhed.core.auth.HelhedModelBackend")
    if mfa_required(user):
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


# -- the table ----------------------------------------------------------------------------------------


@dataclass
class Look:
    key: str  # URL name, or "METHOD /api/v1/path/{param}" as in the API
    actor: str  # attribute of the `town` fixture
    action: str
    request: Callable[[World, Client], Any]
    subject: Callable[[World, Any], int] = lambda w, r: w.child.pk
    status: int = 200
    criterion: Callable[[World], str] | None = None
    prepare: Callable[[World], None] | None = None
    label: str = ""
    # Staff accounts and units are not citizens' data: such looks name the object type (and, when known,
    # the object) their event must carry instead of a person, and the event must concern no person.
    object_type: str | None = None
    object_id: Callable[[World, Any], Any] | None = None

    @property
    def id(self) -> str:
        return f"{self.key} {self.label}".strip()

    @property
    def is_api(self) -> bool:
        return self.key.split(" ")[0] in {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _url(name, *args):
    return reverse(name, args=args)


def _post_json(c: Client, url: str, body: dict | None = None, **kw):
    return c.post(url, data=json.dumps(body or {}), content_type="application/json", **kw)


def _break_glass(w: World) -> None:
    case_services.break_glass_open(
        actor=w.town.other_caseworker, case_id=w.case.pk, reason="Akut henvendelse fra politiet om barnet."
    )


def _merge(w: World) -> None:
    duplicate = PersonFactory(first_name="Otto", last_name="Udensag", cpr=None)
    w.extra["merge"] = people_services.person_merge(
        actor=w.town.caseworker, survivor=w.other_child, duplicate=duplicate, reason="Samme barn oprettet to gange"
    )


def _deadline(w: World) -> None:
    from datetime import timedelta

    from helhed.deadlines import services as deadline_services
    from helhed.deadlines.rules import Notifier, Trigger

    w.extra["deadlines"] = deadline_services.deadlines_start(
        actor=w.town.caseworker,
        trigger=Trigger.CONCERN_RECEIVED,
        at=timezone.now() - timedelta(hours=2),
        person=w.child,
        case=w.case,
        owner=w.town.caseworker,
        notifier=Notifier.PROFESSIONAL,
        source=w.case,
    )


def _overdue_deadline(w: World) -> None:
    """The child's 24-hour deadline, started 30 hours ago and still open: one overdue cell in compliance."""
    from datetime import timedelta

    from helhed.deadlines import services as deadline_services
    from helhed.deadlines.rules import Notifier, Trigger

    w.extra["deadlines"] = deadline_services.deadlines_start(
        actor=w.town.caseworker,
        trigger=Trigger.CONCERN_RECEIVED,
        at=timezone.now() - timedelta(hours=30),
        person=w.child,
        case=w.case,
        owner=w.town.caseworker,
        notifier=Notifier.PROFESSIONAL,
        source=w.case,
    )


def _overdue_cell(w: World) -> dict:
    from helhed.deadlines.policies import COPENHAGEN, month_key

    deadline = w.extra["deadlines"][0]
    month = month_key(timezone.localtime(deadline.due_at, COPENHAGEN).date())
    return {"rule": deadline.rule_id, "unit": deadline.unit_id, "month": month, "outcome": "overdue"}


def _colleague(w: World) -> None:
    w.extra["colleague"] = case_services.team_member_add(
        actor=w.town.caseworker, case_id=w.case.pk, user=w.town.caseworker2, role=TeamRole.CASEWORKER
    )


def _formatted_cpr(w: World) -> str:
    return f"{w.cpr[:6]}-{w.cpr[6:]}"


def _new_person_id(last_name):
    return lambda w, r: Person.objects.get(last_name=last_name).pk


UI_LOOKS = [
    Look(
        "deadlines:mine",
        "caseworker",
        AuditAction.LIST,
        lambda w, c: c.get(_url("deadlines:mine")),
        prepare=_deadline,
    ),
    Look(
        "deadlines:close",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: c.post(_url("deadlines:close", w.extra["deadlines"][0].pk), {"action": "meet"}),
        prepare=_deadline,
        status=302,
    ),
    Look("deadlines:team", "leader", AuditAction.LIST, lambda w, c: c.get(_url("deadlines:team")), prepare=_deadline),
    Look(
        "deadlines:compliance_cases",
        "leader",
        AuditAction.LIST,
        lambda w, c: c.get(_url("deadlines:compliance_cases"), _overdue_cell(w)),
        prepare=_overdue_deadline,
    ),
    # Compliance is aggregates (no person), but the look is logged all the same.
    Look(
        "deadlines:compliance",
        "analyst",
        AuditAction.LIST,
        lambda w, c: c.get(_url("deadlines:compliance")),
        prepare=_overdue_deadline,
        object_type="deadlines.compliance",
    ),
    Look(
        "deadlines:compliance_csv",
        "analyst",
        AuditAction.EXPORT,
        lambda w, c: c.get(_url("deadlines:compliance_csv")),
        prepare=_overdue_deadline,
        object_type="deadlines.compliance",
    ),
    Look("cases:home", "caseworker", AuditAction.LIST, lambda w, c: c.get(_url("cases:home"))),
    Look(
        "cases:search",
        "caseworker",
        AuditAction.SEARCH,
        lambda w, c: c.get(_url("cases:search"), {"q": "Auditsen"}),
        criterion=lambda w: "Auditsen",
        label="by name",
    ),
    Look(
        "cases:search",
        "caseworker",
        AuditAction.SEARCH,
        lambda w, c: c.get(_url("cases:search"), {"q": _formatted_cpr(w)}),
        criterion=lambda w: f"{w.cpr[:6]}-xxxx",
        label="by CPR",
    ),
    Look(
        "cases:search",
        "caseworker",
        AuditAction.SEARCH,
        lambda w, c: c.get(_url("cases:search"), {"q": w.case.journal_number}),
        criterion=lambda w: w.case.journal_number,
        label="by journal number",
    ),
    Look("cases:detail", "caseworker", AuditAction.VIEW, lambda w, c: c.get(_url("cases:detail", w.case.pk))),
    Look("cases:timeline", "caseworker", AuditAction.VIEW, lambda w, c: c.get(_url("cases:timeline", w.case.pk))),
    Look("cases:journal", "caseworker", AuditAction.VIEW, lambda w, c: c.get(_url("cases:journal", w.case.pk))),
    Look(
        "cases:journal",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _url("cases:journal", w.case.pk),
            {
                "submission_key": uuid.uuid4().hex,
                "kind": "phone",
                "title": "Opkald fra mor",
                "occurred_on": timezone.localdate().isoformat(),
                "body": "Opdigtet samtale.",
            },
        ),
        status=302,
        label="write",
    ),
    Look(
        "cases:addendum",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: c.post(_url("cases:addendum", w.case.pk, w.note.pk), {"body": "Rettelse: dato var forkert."}),
        status=302,
    ),
    Look("cases:documents", "caseworker", AuditAction.VIEW, lambda w, c: c.get(_url("cases:documents", w.case.pk))),
    Look(
        "cases:documents",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _url("cases:documents", w.case.pk),
            {"title": "Brev", "kind": "letter", "file": SimpleUploadedFile("brev.pdf", b"%PDF-1.4\n%%EOF\n")},
        ),
        status=302,
        label="upload",
    ),
    Look(
        "cases:document_download",
        "caseworker",
        AuditAction.DOWNLOAD,
        lambda w, c: c.get(_url("cases:document_download", w.case.pk, w.document.pk)),
    ),
    Look("cases:team", "caseworker", AuditAction.VIEW, lambda w, c: c.get(_url("cases:team", w.case.pk))),
    Look(
        "cases:team",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _url("cases:team", w.case.pk),
            {
                "user": w.town.school_social_worker.pk,
                "role": TeamRole.SCHOOL_SOCIAL_WORKER,
                "version": w.fresh_case().version,
            },
        ),
        status=302,
        label="add member",
    ),
    Look(
        "cases:team_member",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: c.post(
            _url("cases:team_member", w.case.pk, w.teacher_member.pk),
            {"action": "end", "version": w.fresh_case().version},
        ),
        status=302,
    ),
    Look(
        "cases:status",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: c.post(
            _url("cases:status", w.case.pk),
            {"to_status": "closed", "reason": "Indsatsen er afsluttet.", "version": w.fresh_case().version},
        ),
        status=302,
    ),
    Look(
        "cases:reveal_cpr",
        "caseworker",
        AuditAction.REVEAL_CPR,
        lambda w, c: c.post(_url("cases:reveal_cpr", w.case.pk), {"reason": "Brev til forældrene"}),
        status=302,
    ),
    Look(
        "cases:break_glass",
        "other_caseworker",
        AuditAction.BREAK_GLASS,
        lambda w, c: c.post(_url("cases:break_glass", w.case.pk), {"reason": "Akut henvendelse uden for åbningstid."}),
        status=302,
    ),
    Look(
        "cases:open",
        "caseworker",
        AuditAction.VIEW,
        lambda w, c: c.get(_url("cases:open", w.other_child.pk)),
        subject=lambda w, r: w.other_child.pk,
    ),
    Look(
        "cases:open",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _url("cases:open", w.other_child.pk),
            {"responsible_unit": w.town.investigation.pk, "responsible_caseworker": w.town.caseworker.pk},
        ),
        subject=lambda w, r: w.other_child.pk,
        status=302,
        label="write",
    ),
    Look("people:detail", "caseworker", AuditAction.VIEW, lambda w, c: c.get(_url("people:detail", w.child.pk))),
    Look(
        "people:create",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _url("people:create"), {"first_name": "Nina", "last_name": "Nyoprettet", "cpr": synthetic_cpr()}
        ),
        subject=_new_person_id("Nyoprettet"),
        status=302,
    ),
    Look(
        "people:relation_add",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _url("people:relation_add", w.child.pk), {"relative": w.parent.pk, "kind": RelationKind.CUSTODY_HOLDER}
        ),
        status=302,
    ),
    Look(
        "people:merge",
        "caseworker",
        AuditAction.MERGE,
        lambda w, c: c.post(
            _url("people:merge", w.other_child.pk),
            {"duplicate": PersonFactory(last_name="Dublet", cpr=None).pk, "reason": "Oprettet to gange"},
        ),
        subject=lambda w, r: w.other_child.pk,
        status=302,
    ),
    Look(
        "people:merge_reverse",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: c.post(_url("people:merge_reverse", w.extra["merge"].pk), {"reason": "Det var to børn"}),
        subject=lambda w, r: w.other_child.pk,
        status=302,
        prepare=_merge,
    ),
    Look("core:audit_home", "dpo", AuditAction.VIEW, lambda w, c: c.get(_url("core:audit_home")), prepare=_break_glass),
    Look(
        "core:audit_person",
        "dpo",
        AuditAction.VIEW,
        lambda w, c: c.get(_url("core:audit_person"), {"person": w.child.pk}),
        label="by id",
    ),
    Look(
        "core:audit_person",
        "dpo",
        AuditAction.VIEW,
        lambda w, c: c.get(_url("core:audit_person"), {"cpr": _formatted_cpr(w)}),
        label="by CPR",
    ),
    Look(
        "core:audit_person_export",
        "dpo",
        AuditAction.EXPORT,
        lambda w, c: c.get(_url("core:audit_person_export", w.child.pk)),
    ),
    Look(
        "core:audit_actor",
        "dpo",
        AuditAction.VIEW,
        lambda w, c: c.get(_url("core:audit_actor"), {"username": w.town.caseworker.username}),
    ),
]

_CASE = "/api/v1/cases/{case_id}"
API_LOOKS = [
    Look(
        "GET /api/v1/deadlines",
        "caseworker",
        AuditAction.LIST,
        lambda w, c: c.get("/api/v1/deadlines"),
        prepare=_deadline,
    ),
    Look(
        "POST /api/v1/deadlines/{deadline_id}/close",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, f"/api/v1/deadlines/{w.extra['deadlines'][0].pk}/close", {}),
        prepare=_deadline,
    ),
    Look(
        "GET /api/v1/deadlines/compliance",
        "analyst",
        AuditAction.LIST,
        lambda w, c: c.get("/api/v1/deadlines/compliance"),
        prepare=_overdue_deadline,
        object_type="deadlines.compliance",
    ),
    Look(
        "GET /api/v1/persons",
        "caseworker",
        AuditAction.SEARCH,
        lambda w, c: c.get("/api/v1/persons", {"q": "Karla Auditsen"}),
        criterion=lambda w: "Karla Auditsen",
        label="by name",
    ),
    Look(
        "GET /api/v1/persons",
        "caseworker",
        AuditAction.SEARCH,
        lambda w, c: c.get("/api/v1/persons", {"q": w.cpr}),
        criterion=lambda w: f"{w.cpr[:6]}-xxxx",
        label="by CPR",
    ),
    Look(
        "POST /api/v1/persons/search",
        "caseworker",
        AuditAction.SEARCH,
        lambda w, c: _post_json(c, "/api/v1/persons/search", {"q": _formatted_cpr(w)}),
        criterion=lambda w: f"{w.cpr[:6]}-xxxx",
    ),
    Look(
        "POST /api/v1/persons",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c,
            "/api/v1/persons",
            {"first_name": "Ida", "last_name": "Apioprettet", "cpr": None, "no_cpr_reason": "ukendt endnu"},
        ),
        subject=lambda w, r: r.json()["id"],
        status=201,
    ),
    Look(
        "GET /api/v1/persons/{person_id}",
        "caseworker",
        AuditAction.VIEW,
        lambda w, c: c.get(f"/api/v1/persons/{w.child.pk}"),
    ),
    Look(
        "POST /api/v1/persons/{person_id}/reveal-cpr",
        "caseworker",
        AuditAction.REVEAL_CPR,
        lambda w, c: c.post(f"/api/v1/persons/{w.child.pk}/reveal-cpr?reason=Brev"),
    ),
    Look("GET /api/v1/cases", "caseworker", AuditAction.LIST, lambda w, c: c.get("/api/v1/cases")),
    Look(
        "POST /api/v1/cases",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c,
            "/api/v1/cases",
            {
                "child_id": w.other_child.pk,
                "responsible_unit_id": w.town.investigation.pk,
                "responsible_caseworker": w.town.caseworker.username,
            },
        ),
        subject=lambda w, r: w.other_child.pk,
        status=201,
    ),
    Look(f"GET {_CASE}", "caseworker", AuditAction.VIEW, lambda w, c: c.get(f"/api/v1/cases/{w.case.pk}")),
    Look(
        f"POST {_CASE}/status",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, f"/api/v1/cases/{w.case.pk}/status", {"to_status": "closed", "reason": "Afsluttet"}),
    ),
    Look(f"GET {_CASE}/team", "caseworker", AuditAction.VIEW, lambda w, c: c.get(f"/api/v1/cases/{w.case.pk}/team")),
    Look(
        f"POST {_CASE}/team",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c,
            f"/api/v1/cases/{w.case.pk}/team",
            {"username": w.town.school_social_worker.username, "role": "school_social_worker"},
        ),
        status=201,
    ),
    Look(
        f"GET {_CASE}/journal", "caseworker", AuditAction.VIEW, lambda w, c: c.get(f"/api/v1/cases/{w.case.pk}/journal")
    ),
    Look(
        f"POST {_CASE}/journal",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c,
            f"/api/v1/cases/{w.case.pk}/journal",
            {"title": "Møde", "body": "Opdigtet møde.", "occurred_on": timezone.localdate().isoformat()},
        ),
        status=201,
    ),
    Look(
        f"GET {_CASE}/timeline",
        "caseworker",
        AuditAction.VIEW,
        lambda w, c: c.get(f"/api/v1/cases/{w.case.pk}/timeline"),
    ),
    Look(
        f"POST {_CASE}/journal/{{note_id}}/addenda",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: _post_json(c, f"/api/v1/cases/{w.case.pk}/journal/{w.note.pk}/addenda", {"body": "Rettelse"}),
        status=201,
    ),
    Look(
        f"POST {_CASE}/team/{{member_id}}/end",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, f"/api/v1/cases/{w.case.pk}/team/{w.teacher_member.pk}/end", {}),
    ),
    Look(
        f"POST {_CASE}/team/{{member_id}}/parent-contact",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, f"/api/v1/cases/{w.case.pk}/team/{w.teacher_member.pk}/parent-contact", {}),
    ),
    Look(
        f"POST {_CASE}/team/{{member_id}}/responsible",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, f"/api/v1/cases/{w.case.pk}/team/{w.extra['colleague'].pk}/responsible", {}),
        prepare=_colleague,
    ),
    Look(
        f"GET {_CASE}/documents",
        "caseworker",
        AuditAction.VIEW,
        lambda w, c: c.get(f"/api/v1/cases/{w.case.pk}/documents"),
    ),
    Look(
        f"POST {_CASE}/documents",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: c.post(
            f"/api/v1/cases/{w.case.pk}/documents",
            {
                "file": SimpleUploadedFile("brev.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", "application/pdf"),
                "kind": "letter",
                "title": "Brev til forældrene",
            },
        ),
        status=201,
    ),
    Look(
        f"GET {_CASE}/documents/{{document_id}}/content",
        "caseworker",
        AuditAction.DOWNLOAD,
        lambda w, c: c.get(f"/api/v1/cases/{w.case.pk}/documents/{w.document.pk}/content"),
    ),
    Look(
        f"POST {_CASE}/break-glass",
        "other_caseworker",
        AuditAction.BREAK_GLASS,
        lambda w, c: _post_json(c, f"/api/v1/cases/{w.case.pk}/break-glass", {"reason": "Akut henvendelse om barnet"}),
        status=201,
    ),
    Look(
        "GET /api/v1/persons/{person_id}/relations",
        "caseworker",
        AuditAction.VIEW,
        lambda w, c: c.get(f"/api/v1/persons/{w.child.pk}/relations"),
        subject=lambda w, r: w.parent.pk,
    ),
    Look(
        "POST /api/v1/persons/{person_id}/relations",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c, f"/api/v1/persons/{w.other_child.pk}/relations", {"relative_id": w.parent.pk, "kind": "custody_holder"}
        ),
        subject=lambda w, r: w.other_child.pk,
        status=201,
    ),
    Look(
        "GET /api/v1/persons/{person_id}/enrolments",
        "caseworker",
        AuditAction.VIEW,
        lambda w, c: c.get(f"/api/v1/persons/{w.child.pk}/enrolments"),
    ),
    Look(
        "POST /api/v1/persons/{person_id}/merge",
        "caseworker",
        AuditAction.MERGE,
        lambda w, c: _post_json(
            c,
            f"/api/v1/persons/{w.other_child.pk}/merge",
            {"duplicate_id": PersonFactory(last_name="Apidublet", cpr=None).pk, "reason": "Oprettet to gange"},
        ),
        subject=lambda w, r: w.other_child.pk,
        status=201,
    ),
    Look(
        "POST /api/v1/persons/merges/{merge_id}/reverse",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, f"/api/v1/persons/merges/{w.extra['merge'].pk}/reverse", {"reason": "To børn"}),
        subject=lambda w, r: w.other_child.pk,
        prepare=_merge,
    ),
    Look(
        "GET /api/v1/audit/events",
        "dpo",
        AuditAction.VIEW,
        lambda w, c: c.get("/api/v1/audit/events", {"person": w.child.pk}),
        label="by person",
    ),
    Look(
        "GET /api/v1/audit/events",
        "dpo",
        AuditAction.VIEW,
        lambda w, c: c.get("/api/v1/audit/events", {"actor": w.town.caseworker.username}),
        label="by actor",
    ),
]

# -- the organisation (administrators): staff accounts are personal data of employees -------------------

_STAFF_CSV = (
    "username;first_name;last_name;email;title;unit_code;role;valid_from\n"
    "nyansat;Nina;Nyansat;nina@kk.dk;;{unit};caseworker;2024-08-01\n"
)
_UNITS_CSV = "code;name;kind;administration;district;parent_code\nNY-ENHED;Ny enhed;daycare;BUF;;\n"
_ORG = "organisation.user"


def _csv(text: str, name: str = "medarbejdere.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), "text/csv")


def _teacher_membership(w: World):
    return w.town.teacher.memberships.get()


def _deactivate_teacher(w: World) -> None:
    from helhed.organisation import services as org_services

    org_services.staff_deactivate(actor=w.town.administrator, user=w.town.teacher, reason="Orlov")


def _import_preview_then_confirm(w: World, c: Client):
    preview = c.post(
        _url("organisation:import"), {"kind": "staff", "file": _csv(_STAFF_CSV.format(unit=w.town.school.code))}
    )
    assert preview.status_code == 200, preview.content[:300]
    return c.post(_url("organisation:import_confirm"), {"token": preview.context["token"]})


def _new_user_id(username: str):
    from helhed.organisation.models import User

    return lambda w, r: User.objects.get(username=username).pk


UI_LOOKS += [
    Look(
        "organisation:staff",
        "administrator",
        AuditAction.LIST,
        lambda w, c: c.get(_url("organisation:staff")),
        object_type=_ORG,
        label="all",
    ),
    Look(
        "organisation:staff",
        "administrator",
        AuditAction.SEARCH,
        lambda w, c: c.get(_url("organisation:staff"), {"q": "Lotte"}),
        object_type=_ORG,
        criterion=lambda w: "Lotte",
        label="search",
    ),
    Look(
        "organisation:staff_detail",
        "administrator",
        AuditAction.VIEW,
        lambda w, c: c.get(_url("organisation:staff_detail", w.town.teacher.pk)),
        object_type=_ORG,
        object_id=lambda w, r: w.town.teacher.pk,
    ),
    Look(
        "organisation:staff_create",
        "administrator",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _url("organisation:staff_create"),
            {
                "username": "nyansat",
                "first_name": "Nina",
                "last_name": "Nyansat",
                "email": "nina@kk.dk",
                "unit": w.town.school.pk,
                "role": "professional",
                "valid_from": timezone.localdate().isoformat(),
            },
        ),
        status=302,
        object_type=_ORG,
        object_id=_new_user_id("nyansat"),
    ),
    Look(
        "organisation:unit_create",
        "administrator",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _url("organisation:unit_create"),
            {"code": "NY-ENHED", "name": "Ny enhed", "kind": "daycare", "administration": "BUF"},
        ),
        status=302,
        object_type="organisation.unit",
    ),
    Look(
        "organisation:membership_add",
        "administrator",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _url("organisation:membership_add", w.town.teacher.pk),
            {"unit": w.town.daycare.pk, "role": "professional", "valid_from": timezone.localdate().isoformat()},
        ),
        status=302,
        object_type="organisation.membership",
    ),
    Look(
        "organisation:membership_end",
        "administrator",
        AuditAction.UPDATE,
        lambda w, c: c.post(
            _url("organisation:membership_end", _teacher_membership(w).pk),
            {"valid_to": timezone.localdate().isoformat()},
        ),
        status=302,
        object_type="organisation.membership",
        object_id=lambda w, r: _teacher_membership(w).pk,
    ),
    Look(
        "organisation:staff_deactivate",
        "administrator",
        AuditAction.UPDATE,
        lambda w, c: c.post(_url("organisation:staff_deactivate", w.town.teacher.pk), {"reason": "Fratrådt"}),
        status=302,
        object_type=_ORG,
        object_id=lambda w, r: w.town.teacher.pk,
    ),
    Look(
        "organisation:staff_reactivate",
        "administrator",
        AuditAction.UPDATE,
        lambda w, c: c.post(_url("organisation:staff_reactivate", w.town.teacher.pk)),
        status=302,
        object_type=_ORG,
        object_id=lambda w, r: w.town.teacher.pk,
        prepare=_deactivate_teacher,
    ),
    Look(
        "organisation:staff_password",
        "administrator",
        AuditAction.UPDATE,
        lambda w, c: c.post(
            _url("organisation:staff_password", w.town.teacher.pk),
            {"password": "Ny-lang-adgangskode-2024", "password2": "Ny-lang-adgangskode-2024"},
        ),
        status=302,
        object_type=_ORG,
        object_id=lambda w, r: w.town.teacher.pk,
    ),
    Look(
        "organisation:import_confirm",
        "administrator",
        AuditAction.CREATE,
        _import_preview_then_confirm,
        object_type="organisation.staffimport",
    ),
]

_ORG_API = "/api/v1/organisation"
API_LOOKS += [
    Look(
        f"GET {_ORG_API}/staff",
        "administrator",
        AuditAction.LIST,
        lambda w, c: c.get(f"{_ORG_API}/staff"),
        object_type=_ORG,
    ),
    Look(
        f"GET {_ORG_API}/staff/{{user_id}}",
        "administrator",
        AuditAction.VIEW,
        lambda w, c: c.get(f"{_ORG_API}/staff/{w.town.teacher.pk}"),
        object_type=_ORG,
        object_id=lambda w, r: w.town.teacher.pk,
    ),
    Look(
        f"POST {_ORG_API}/staff",
        "administrator",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c,
            f"{_ORG_API}/staff",
            {"username": "apiansat", "first_name": "Api", "last_name": "Ansat", "email": "api@kk.dk"},
        ),
        status=201,
        object_type=_ORG,
        object_id=lambda w, r: r.json()["id"],
    ),
    Look(
        f"POST {_ORG_API}/staff/import",
        "administrator",
        AuditAction.CREATE,
        lambda w, c: c.post(f"{_ORG_API}/staff/import", {"file": _csv(_STAFF_CSV.format(unit=w.town.school.code))}),
        object_type="organisation.staffimport",
    ),
    Look(
        f"POST {_ORG_API}/units",
        "administrator",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c, f"{_ORG_API}/units", {"code": "NY-ENHED", "name": "Ny enhed", "kind": "daycare", "administration": "BUF"}
        ),
        status=201,
        object_type="organisation.unit",
        object_id=lambda w, r: r.json()["id"],
    ),
    Look(
        f"POST {_ORG_API}/units/import",
        "administrator",
        AuditAction.CREATE,
        lambda w, c: c.post(f"{_ORG_API}/units/import", {"file": _csv(_UNITS_CSV, "enheder.csv")}),
        object_type="organisation.unitsimport",
    ),
    Look(
        f"POST {_ORG_API}/staff/{{user_id}}/memberships",
        "administrator",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c,
            f"{_ORG_API}/staff/{w.town.teacher.pk}/memberships",
            {"unit_code": w.town.daycare.code, "role": "professional"},
        ),
        status=201,
        object_type="organisation.membership",
        object_id=lambda w, r: r.json()["id"],
    ),
    Look(
        f"POST {_ORG_API}/memberships/{{membership_id}}/end",
        "administrator",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, f"{_ORG_API}/memberships/{_teacher_membership(w).pk}/end", {}),
        object_type="organisation.membership",
        object_id=lambda w, r: r.json()["id"],
    ),
    Look(
        f"POST {_ORG_API}/staff/{{user_id}}/deactivate",
        "administrator",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, f"{_ORG_API}/staff/{w.town.teacher.pk}/deactivate", {"reason": "Fratrådt"}),
        object_type=_ORG,
        object_id=lambda w, r: w.town.teacher.pk,
    ),
    Look(
        f"POST {_ORG_API}/staff/{{user_id}}/reactivate",
        "administrator",
        AuditAction.UPDATE,
        lambda w, c: c.post(f"{_ORG_API}/staff/{w.town.teacher.pk}/reactivate"),
        object_type=_ORG,
        object_id=lambda w, r: w.town.teacher.pk,
        prepare=_deactivate_teacher,
    ),
]

# -- reports of concern (API) ---------------------------------------------------------------------------

_CONCERNS = "/api/v1/concerns"
_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def _concern_report(w: World, *, categories=("neglect",), matched: bool = True, attachments=()) -> None:
    from helhed.concerns import services as concern_services

    data = concern_services.ReportIn(
        description="Opdigtet bekymring fra skolen.",
        categories=list(categories),
        child_first_name="Karla",
        child_cpr=w.cpr if matched else "",
        channel="api",
        attachments=list(attachments),
    )
    w.extra["concern"] = concern_services.concern_file(actor=w.town.school_social_worker, data=data)


def _concern_letter(w: World) -> None:
    from helhed.concerns import services as concern_services

    _concern_report(w)
    concern = w.extra["concern"]
    w.extra["letter"] = concern_services.letter_make(actor=w.town.caseworker, concern_id=concern.pk, kind="receipt")


def _concern_assessed_and_answered(w: World) -> None:
    from helhed.concerns import services as concern_services

    _concern_report(w)
    concern = w.extra["concern"]
    concern_services.concern_assess(
        actor=w.town.caseworker,
        concern_id=concern.pk,
        data=concern_services.AssessmentIn(
            acute_danger=False, decision="no_action", reasoning="Ingen grund til bekymring.", parents_informed=True
        ),
    )
    for kind in ("receipt", "feedback"):
        concern_services.letter_make(actor=w.town.caseworker, concern_id=concern.pk, kind=kind)


def _concern_url(w: World, suffix: str = "") -> str:
    return f"{_CONCERNS}/{w.extra['concern'].pk}{suffix}"


API_LOOKS += [
    Look(
        f"POST {_CONCERNS}",
        "school_social_worker",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c, _CONCERNS, {"description": "Bekymring.", "categories": ["neglect"], "child": {"cpr": w.cpr}}
        ),
        status=201,
    ),
    Look(
        f"POST {_CONCERNS}/multipart",
        "school_social_worker",
        AuditAction.CREATE,
        lambda w, c: c.post(
            f"{_CONCERNS}/multipart",
            {
                "payload": json.dumps(
                    {"description": "Bekymring.", "categories": ["neglect"], "child": {"cpr": w.cpr}}
                ),
                "files": [SimpleUploadedFile("observation.pdf", _PDF, "application/pdf")],
            },
        ),
        status=201,
    ),
    Look(f"GET {_CONCERNS}", "caseworker", AuditAction.LIST, lambda w, c: c.get(_CONCERNS), prepare=_concern_report),
    Look(
        f"GET {_CONCERNS}/mine",
        "school_social_worker",
        AuditAction.LIST,
        lambda w, c: c.get(f"{_CONCERNS}/mine"),
        prepare=_concern_report,
    ),
    Look(
        f"GET {_CONCERNS}/{{concern_id}}",
        "caseworker",
        AuditAction.VIEW,
        lambda w, c: c.get(_concern_url(w)),
        prepare=_concern_report,
    ),
    Look(
        f"GET {_CONCERNS}/{{concern_id}}/letters/{{letter_id}}/pdf",
        "school_social_worker",
        AuditAction.DOWNLOAD,
        lambda w, c: c.get(_concern_url(w, f"/letters/{w.extra['letter'].pk}/pdf")),
        prepare=_concern_letter,
    ),
    Look(
        f"GET {_CONCERNS}/{{concern_id}}/attachments/{{attachment_id}}/content",
        "caseworker",
        AuditAction.DOWNLOAD,
        lambda w, c: c.get(_concern_url(w, f"/attachments/{w.extra['concern'].attachments.get().pk}/content")),
        prepare=lambda w: _concern_report(
            w, attachments=[SimpleUploadedFile("observation.pdf", _PDF, "application/pdf")]
        ),
    ),
    Look(
        f"POST {_CONCERNS}/{{concern_id}}/assign",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, _concern_url(w, "/assign")),
        prepare=_concern_report,
    ),
    Look(
        f"POST {_CONCERNS}/{{concern_id}}/match",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, _concern_url(w, "/match"), {"person_id": w.child.pk}),
        prepare=lambda w: _concern_report(w, matched=False),
    ),
    Look(
        f"POST {_CONCERNS}/{{concern_id}}/assessment",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c,
            _concern_url(w, "/assessment"),
            {"acute_danger": False, "decision": "screening", "reasoning": "Screening.", "parents_informed": True},
        ),
        status=201,
        prepare=_concern_report,
    ),
    Look(
        f"POST {_CONCERNS}/{{concern_id}}/checklist",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, _concern_url(w, "/checklist"), {"code": "leader_informed"}),
        status=201,
        prepare=lambda w: _concern_report(w, categories=("violence",)),
    ),
    Look(
        f"POST {_CONCERNS}/{{concern_id}}/letters",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: _post_json(c, _concern_url(w, "/letters"), {"kind": "receipt"}),
        status=201,
        prepare=_concern_report,
    ),
    Look(
        f"POST {_CONCERNS}/{{concern_id}}/close",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, _concern_url(w, "/close"), {"reason": "Ingen videre handling."}),
        prepare=_concern_assessed_and_answered,
    ),
]

# -- reports of concern (pages) -------------------------------------------------------------------------


def _page_concern(w: World, *, matched: bool = True, categories=("neglect",), attachments=()) -> None:
    """A report from the school social worker; matched by the CPR number to the child and the case."""
    from helhed.concerns import services as concern_services

    w.extra["page_concern"] = concern_services.concern_file(
        actor=w.town.school_social_worker,
        data=concern_services.ReportIn(
            description="Opdigtet bekymring fra skolen.",
            categories=list(categories),
            child_first_name="Karla",
            child_cpr=w.cpr if matched else "",
            attachments=list(attachments),
        ),
    )


def _page_concern_letter(w: World) -> None:
    from helhed.concerns import services as concern_services

    _page_concern(w)
    w.extra["page_letter"] = concern_services.letter_make(
        actor=w.town.caseworker, concern_id=w.extra["page_concern"].pk, kind="receipt"
    )


def _page_concern_answered(w: World) -> None:
    from helhed.concerns import services as concern_services

    _page_concern(w)
    pk = w.extra["page_concern"].pk
    concern_services.concern_assess(
        actor=w.town.caseworker,
        concern_id=pk,
        data=concern_services.AssessmentIn(
            acute_danger=False, decision="no_action", reasoning="Ingen grund til bekymring.", parents_informed=True
        ),
    )
    for kind in ("receipt", "feedback"):
        concern_services.letter_make(actor=w.town.caseworker, concern_id=pk, kind=kind)


def _page_concern_url(name: str, *extra):
    return lambda w: _url(name, w.extra["page_concern"].pk, *extra)


def _page_version(w: World) -> int:
    w.extra["page_concern"].refresh_from_db()
    return w.extra["page_concern"].version


UI_LOOKS += [
    Look(
        "concerns:new",
        "school_social_worker",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _url("concerns:new"),
            {
                "submission_key": uuid.uuid4().hex,
                "child_cpr": _formatted_cpr(w),
                "description": "Opdigtet bekymring.",
                "categories": ["neglect"],
            },
        ),
        status=302,
    ),
    Look(
        "concerns:receipt",
        "school_social_worker",
        AuditAction.VIEW,
        lambda w, c: c.get(_page_concern_url("concerns:receipt")(w)),
        prepare=_page_concern,
    ),
    Look(
        "concerns:mine",
        "school_social_worker",
        AuditAction.LIST,
        lambda w, c: c.get(_url("concerns:mine")),
        prepare=_page_concern,
    ),
    Look(
        "concerns:reception",
        "caseworker",
        AuditAction.LIST,
        lambda w, c: c.get(_url("concerns:reception")),
        prepare=_page_concern,
    ),
    Look(
        "concerns:detail",
        "caseworker",
        AuditAction.VIEW,
        lambda w, c: c.get(_page_concern_url("concerns:detail")(w)),
        prepare=_page_concern,
    ),
    Look(
        "concerns:assign",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: c.post(_page_concern_url("concerns:assign")(w), {"version": _page_version(w)}),
        prepare=_page_concern,
        status=302,
    ),
    Look(
        "concerns:match",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: c.post(
            _page_concern_url("concerns:match")(w),
            {"version": _page_version(w), "action": "match", "person_id": w.child.pk},
        ),
        prepare=lambda w: _page_concern(w, matched=False),
        status=302,
    ),
    Look(
        "concerns:match",
        "caseworker",
        AuditAction.SEARCH,
        lambda w, c: c.post(
            _page_concern_url("concerns:match")(w),
            {"version": _page_version(w), "action": "search", "query": _formatted_cpr(w)},
        ),
        prepare=lambda w: _page_concern(w, matched=False),
        criterion=lambda w: f"{w.cpr[:6]}-xxxx",
        label="search",
    ),
    Look(
        "concerns:assess",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _page_concern_url("concerns:assess")(w),
            {
                "version": _page_version(w),
                "acute_danger": "no",
                "decision": "screening",
                "reasoning": "Screening.",
                "parents_informed": "on",
            },
        ),
        prepare=_page_concern,
        status=302,
    ),
    Look(
        "concerns:checklist",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: c.post(_page_concern_url("concerns:checklist")(w), {"code": "leader_informed"}),
        prepare=lambda w: _page_concern(w, categories=("violence",)),
        status=302,
    ),
    Look(
        "concerns:letter_make",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: c.post(_page_concern_url("concerns:letter_make")(w), {"kind": "receipt"}),
        prepare=_page_concern,
        status=302,
    ),
    Look(
        "concerns:letter_download",
        "school_social_worker",
        AuditAction.DOWNLOAD,
        lambda w, c: c.get(_page_concern_url("concerns:letter_download", w.extra["page_letter"].pk)(w)),
        prepare=_page_concern_letter,
    ),
    Look(
        "concerns:attachment_download",
        "caseworker",
        AuditAction.DOWNLOAD,
        lambda w, c: c.get(
            _page_concern_url("concerns:attachment_download", w.extra["page_concern"].attachments.get().pk)(w)
        ),
        prepare=lambda w: _page_concern(
            w, attachments=[SimpleUploadedFile("observation.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")]
        ),
    ),
    Look(
        "concerns:close",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: c.post(
            _page_concern_url("concerns:close")(w), {"version": _page_version(w), "reason": "Ingen videre handling."}
        ),
        prepare=_page_concern_answered,
        status=302,
    ),
]


def _meeting(w: World, *, held: bool = False) -> None:
    """A network meeting on the child's case tomorrow, with the teacher invited, a minutes point and a decision
    the teacher owns. `held`: the meeting began an hour ago and is marked held."""
    from helhed.meetings import services as meeting_services
    from helhed.meetings.models import Meeting

    start = timezone.now() + timedelta(days=1)
    meeting = meeting_services.meeting_schedule(
        actor=w.town.caseworker,
        case_id=w.case.pk,
        data=meeting_services.MeetingIn(
            kind="network",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            location="Rådhuset",
            staff_ids=[w.town.teacher.pk],
            externals=[meeting_services.ExternalIn(kind="parent", name="Pia Auditsen", role="mor")],
        ),
    )
    meeting_services.minutes_add(actor=w.town.caseworker, meeting_id=meeting.pk, title="Skolen", body="Opdigtet.")
    w.extra["decision"] = meeting_services.decision_add(
        actor=w.town.caseworker,
        meeting_id=meeting.pk,
        data=meeting_services.DecisionIn(
            text="Klassen får en ekstra voksen.", owner_id=w.town.teacher.pk, due_on=(start + timedelta(days=7)).date()
        ),
    )
    if held:
        Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(hours=1))
        meeting_services.meeting_hold(actor=w.town.caseworker, meeting_id=meeting.pk)
    meeting.refresh_from_db()
    w.extra["meeting"] = meeting


def _meeting_started(w: World) -> None:
    """A meeting that began a moment ago and can be marked held."""
    from helhed.meetings.models import Meeting

    _meeting(w)
    Meeting.objects.filter(pk=w.extra["meeting"].pk).update(starts_at=timezone.now())


def _meeting_url(name: str, *extra):
    return lambda w: _url(name, w.extra["meeting"].pk, *extra)


def _meeting_version(w: World) -> int:
    w.extra["meeting"].refresh_from_db()
    return w.extra["meeting"].version


def _meeting_api(path: str) -> Callable[[World], str]:
    return lambda w: "/api/v1/meetings/" + path.format(meeting=w.extra["meeting"].pk, case=w.case.pk)


UI_LOOKS += [
    Look(
        "meetings:case_meetings",
        "teacher",
        AuditAction.VIEW,
        lambda w, c: c.get(_url("meetings:case_meetings", w.case.pk)),
    ),
    Look(
        "meetings:case_meetings",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _url("meetings:case_meetings", w.case.pk),
            {
                "kind": "network",
                "day": (timezone.localdate() + timedelta(days=3)).isoformat(),
                "start": "10:00",
                "end": "11:00",
                "location": "Rådhuset",
                "chair": w.town.caseworker.pk,
                "ext-TOTAL_FORMS": "0",
                "ext-INITIAL_FORMS": "0",
            },
        ),
        status=302,
        label="schedule",
    ),
    Look(
        "meetings:detail",
        "teacher",
        AuditAction.VIEW,
        lambda w, c: c.get(_meeting_url("meetings:detail")(w)),
        prepare=_meeting,
    ),
    Look(
        "meetings:minutes_add",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _meeting_url("meetings:minutes_add")(w),
            {"minutes-title": "T", "minutes-body": "B", "minutes-visibility": "family"},
        ),
        prepare=_meeting,
        status=302,
    ),
    Look(
        "meetings:decision_add",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _meeting_url("meetings:decision_add")(w),
            {
                "decision-text": "Skolen holder et møde med forældrene.",
                "decision-binding": "on",
                "decision-owner": w.town.teacher.pk,
                "decision-due_on": (timezone.localdate() + timedelta(days=10)).isoformat(),
                "decision-visibility": "family",
            },
        ),
        prepare=_meeting,
        status=302,
    ),
    Look(
        "meetings:attendance",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: c.post(
            _meeting_url("meetings:attendance")(w),
            {f"p-{w.extra['meeting'].participants.get(user=w.town.teacher).pk}": "present"},
        ),
        prepare=_meeting,
        status=302,
    ),
    Look(
        "meetings:hold",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: c.post(_meeting_url("meetings:hold")(w), {"version": _meeting_version(w)}),
        prepare=_meeting_started,
        status=302,
    ),
    Look(
        "meetings:cancel",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: c.post(
            _meeting_url("meetings:cancel")(w), {"cancel-version": _meeting_version(w), "cancel-reason": "Syg"}
        ),
        prepare=_meeting,
        status=302,
    ),
    Look(
        "meetings:send_minutes",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: c.post(_meeting_url("meetings:send_minutes")(w), {"version": _meeting_version(w)}),
        prepare=lambda w: _meeting(w, held=True),
        status=302,
    ),
    Look(
        "meetings:minutes_pdf",
        "teacher",
        AuditAction.DOWNLOAD,
        lambda w, c: c.get(_meeting_url("meetings:minutes_pdf")(w)),
        prepare=_meeting,
    ),
    Look("meetings:tasks", "teacher", AuditAction.LIST, lambda w, c: c.get(_url("meetings:tasks")), prepare=_meeting),
    Look(
        "meetings:task_status",
        "teacher",
        AuditAction.UPDATE,
        lambda w, c: c.post(
            _url("meetings:task_status", w.extra["decision"].pk),
            {"status": "done", "version": w.extra["decision"].version},
        ),
        prepare=_meeting,
        status=302,
    ),
    Look("meetings:mine", "teacher", AuditAction.LIST, lambda w, c: c.get(_url("meetings:mine")), prepare=_meeting),
    Look(
        "meetings:aftaleforum",
        "leader",
        AuditAction.LIST,
        lambda w, c: c.get(_url("meetings:aftaleforum")),
        prepare=_meeting,
        object_type="meetings.meeting",
    ),
]

API_LOOKS += [
    Look(
        "GET /api/v1/meetings/tasks",
        "teacher",
        AuditAction.LIST,
        lambda w, c: c.get("/api/v1/meetings/tasks"),
        prepare=_meeting,
    ),
    Look(
        "POST /api/v1/meetings/tasks/{decision_id}",
        "teacher",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, f"/api/v1/meetings/tasks/{w.extra['decision'].pk}", {"status": "done"}),
        prepare=_meeting,
    ),
    Look(
        "GET /api/v1/meetings/mine",
        "teacher",
        AuditAction.LIST,
        lambda w, c: c.get("/api/v1/meetings/mine"),
        prepare=_meeting,
    ),
    Look(
        "GET /api/v1/meetings/aftaleforum",
        "leader",
        AuditAction.LIST,
        lambda w, c: c.get("/api/v1/meetings/aftaleforum"),
        prepare=_meeting,
        object_type="meetings.meeting",
    ),
    Look(
        "GET /api/v1/meetings/cases/{case_id}",
        "teacher",
        AuditAction.VIEW,
        lambda w, c: c.get(f"/api/v1/meetings/cases/{w.case.pk}"),
    ),
    Look(
        "POST /api/v1/meetings/cases/{case_id}",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c,
            f"/api/v1/meetings/cases/{w.case.pk}",
            {
                "kind": "aftaleforum",
                "starts_at": (timezone.now() + timedelta(days=2)).isoformat(),
                "ends_at": (timezone.now() + timedelta(days=2, hours=1)).isoformat(),
                "location": "Rådhuset",
            },
        ),
        status=201,
    ),
    Look(
        "GET /api/v1/meetings/{meeting_id}",
        "teacher",
        AuditAction.VIEW,
        lambda w, c: c.get(_meeting_api("{meeting}")(w)),
        prepare=_meeting,
    ),
    Look(
        "POST /api/v1/meetings/{meeting_id}/minutes",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: _post_json(c, _meeting_api("{meeting}/minutes")(w), {"title": "T", "body": "B"}),
        prepare=_meeting,
        status=201,
    ),
    Look(
        "POST /api/v1/meetings/{meeting_id}/decisions",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c,
            _meeting_api("{meeting}/decisions")(w),
            {
                "text": "T",
                "owner_id": w.town.teacher.pk,
                "due_on": (timezone.localdate() + timedelta(days=9)).isoformat(),
            },
        ),
        prepare=_meeting,
        status=201,
    ),
    Look(
        "POST /api/v1/meetings/{meeting_id}/attendance",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(
            c,
            _meeting_api("{meeting}/attendance")(w),
            {"attendance": {str(w.extra["meeting"].participants.get(user=w.town.teacher).pk): "present"}},
        ),
        prepare=_meeting,
    ),
    Look(
        "POST /api/v1/meetings/{meeting_id}/hold",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, _meeting_api("{meeting}/hold")(w), {}),
        prepare=_meeting_started,
    ),
    Look(
        "POST /api/v1/meetings/{meeting_id}/cancel",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, _meeting_api("{meeting}/cancel")(w), {"reason": "Syg"}),
        prepare=_meeting,
    ),
    Look(
        "POST /api/v1/meetings/{meeting_id}/send-minutes",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, _meeting_api("{meeting}/send-minutes")(w), {}),
        prepare=lambda w: _meeting(w, held=True),
    ),
    Look(
        "GET /api/v1/meetings/{meeting_id}/minutes.pdf",
        "teacher",
        AuditAction.DOWNLOAD,
        lambda w, c: c.get(_meeting_api("{meeting}/minutes.pdf")(w)),
        prepare=_meeting,
    ),
]

# -- the child's plan (plans) ---------------------------------------------------------------------------


def _plan(w: World, *, approve: bool = True, new_draft: bool = False) -> None:
    """The case's plan through the services: version 1 with one goal (approved unless `approve` is False), and
    with `new_draft` a draft version 2 copied from it."""
    from helhed.plans import services as plan_services
    from helhed.testing.sharing import give_consent

    actor = w.town.caseworker
    give_consent(w.case, actor)  # the teacher (BUF) reads the approved plan on the parents' consent
    draft = plan_services.plan_draft_start(actor=actor, case_id=w.case.pk)
    goal = plan_services.plan_goal_save(
        actor=actor,
        case_id=w.case.pk,
        version=draft.version,
        goal=plan_services.GoalIn(life_area="learning", text="Karla kommer i skole hver dag", administration="BUF"),
    )
    w.extra["plan_goal"] = goal
    if approve:
        draft.refresh_from_db()
        plan_services.plan_approve(actor=actor, case_id=w.case.pk, version=draft.version)
    if new_draft:
        second = plan_services.plan_draft_start(actor=actor, case_id=w.case.pk)
        w.extra["plan_goal"] = second.goals.get()


def _plan_draft(w: World) -> None:
    _plan(w, new_draft=True)


def _plan_unapproved(w: World) -> None:
    _plan(w, approve=False)


def _plan_draft_version(w: World) -> int:
    from helhed.plans.models import PlanVersion

    return PlanVersion.objects.get(plan__case=w.case, status="draft").version


def _plan_url(name: str, *extra):
    return lambda w: _url(f"plans:{name}", w.case.pk, *extra)


def _plan_review_body(w: World) -> dict:
    from helhed.plans.models import PlanVersion

    approved = PlanVersion.objects.get(plan__case=w.case, status="approved")
    return {
        "ratings": [{"goal_id": g.pk, "rating": "progress"} for g in approved.goals.all()],
        "next_review_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "next_review_reason": "Skoleskift efter ferien.",
    }


def _plan_review_form(w: World) -> dict:
    body = _plan_review_body(w)
    data = {f"rating_{r['goal_id']}": r["rating"] for r in body["ratings"]}
    return {**data, "next_review_on": body["next_review_on"], "next_review_reason": body["next_review_reason"]}


def _plan_goal_form(w: World, text: str) -> dict:
    return {"version": _plan_draft_version(w), "life_area": "health", "text": text, "administration": "SOF"}


UI_LOOKS += [
    Look("plans:plan", "teacher", AuditAction.VIEW, lambda w, c: c.get(_plan_url("plan")(w)), prepare=_plan),
    Look(
        "plans:draft_start",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: c.post(_plan_url("draft_start")(w)),
        status=302,
    ),
    Look("plans:draft", "caseworker", AuditAction.VIEW, lambda w, c: c.get(_plan_url("draft")(w)), prepare=_plan_draft),
    Look(
        "plans:draft",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: c.post(_plan_url("draft")(w), {"version": _plan_draft_version(w), "purpose": "Trivsel"}),
        prepare=_plan_draft,
        status=302,
        label="save",
    ),
    Look(
        "plans:goal_new",
        "caseworker",
        AuditAction.VIEW,
        lambda w, c: c.get(_plan_url("goal_new")(w)),
        prepare=_plan_draft,
    ),
    Look(
        "plans:goal_new",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: c.post(_plan_url("goal_new")(w), _plan_goal_form(w, "Karla sover mindst 9 timer")),
        prepare=_plan_draft,
        status=302,
        label="save",
    ),
    Look(
        "plans:goal_edit",
        "caseworker",
        AuditAction.VIEW,
        lambda w, c: c.get(_url("plans:goal_edit", w.case.pk, w.extra["plan_goal"].pk)),
        prepare=_plan_draft,
    ),
    Look(
        "plans:goal_edit",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: c.post(
            _url("plans:goal_edit", w.case.pk, w.extra["plan_goal"].pk), _plan_goal_form(w, "Karla møder til tiden")
        ),
        prepare=_plan_draft,
        status=302,
        label="save",
    ),
    Look(
        "plans:goal_remove",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: c.post(
            _url("plans:goal_remove", w.case.pk, w.extra["plan_goal"].pk), {"version": _plan_draft_version(w)}
        ),
        prepare=_plan_draft,
        status=302,
    ),
    Look(
        "plans:approve",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: c.post(_plan_url("approve")(w), {"version": _plan_draft_version(w)}),
        prepare=_plan_unapproved,
        status=302,
    ),
    Look(
        "plans:version",
        "teacher",
        AuditAction.VIEW,
        lambda w, c: c.get(_plan_url("version", 1)(w)),
        prepare=_plan,
    ),
    Look(
        "plans:letter",
        "teacher",
        AuditAction.DOWNLOAD,
        lambda w, c: c.get(_plan_url("letter", 1)(w)),
        prepare=_plan,
    ),
    Look("plans:review", "caseworker", AuditAction.VIEW, lambda w, c: c.get(_plan_url("review")(w)), prepare=_plan),
    Look(
        "plans:review",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: c.post(_plan_url("review")(w), _plan_review_form(w)),
        prepare=_plan,
        status=302,
        label="save",
    ),
]

_PLAN = "/api/v1/cases/{case_id}/plan"


def _plan_api(path: str = ""):
    return lambda w: f"/api/v1/cases/{w.case.pk}/plan{path}"


def _put_json(c: Client, url: str, body: dict):
    return c.generic("PUT", url, data=json.dumps(body), content_type="application/json")


API_LOOKS += [
    Look(f"GET {_PLAN}", "teacher", AuditAction.VIEW, lambda w, c: c.get(_plan_api()(w)), prepare=_plan),
    Look(
        f"GET {_PLAN}/versions",
        "teacher",
        AuditAction.VIEW,
        lambda w, c: c.get(_plan_api("/versions")(w)),
        prepare=_plan,
    ),
    Look(
        f"POST {_PLAN}/versions",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: _post_json(c, _plan_api("/versions")(w)),
        status=201,
    ),
    Look(
        f"GET {_PLAN}/versions/{{number}}",
        "teacher",
        AuditAction.VIEW,
        lambda w, c: c.get(_plan_api("/versions/1")(w)),
        prepare=_plan,
    ),
    Look(
        f"PUT {_PLAN}/versions/{{number}}",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _put_json(
            c,
            _plan_api("/versions/2")(w),
            {
                "version": _plan_draft_version(w),
                "goals": [{"life_area": "health", "text": "Karla sover mindst 9 timer", "administration": "SOF"}],
            },
        ),
        prepare=_plan_draft,
    ),
    Look(
        f"POST {_PLAN}/versions/{{number}}/approve",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, _plan_api("/versions/1/approve")(w), {"version": _plan_draft_version(w)}),
        prepare=_plan_unapproved,
    ),
    Look(
        f"GET {_PLAN}/versions/{{number}}/letter",
        "teacher",
        AuditAction.DOWNLOAD,
        lambda w, c: c.get(_plan_api("/versions/1/letter")(w)),
        prepare=_plan,
    ),
    Look(
        f"POST {_PLAN}/reviews",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: _post_json(c, _plan_api("/reviews")(w), _plan_review_body(w)),
        prepare=_plan,
        status=201,
    ),
]


def _handover(w: World) -> None:
    """The child's case placed in the investigation stage and proposed for handover to Børnefamilieenhed Syd,
    whose leader is then on the team."""
    from helhed.flow import services as flow_services

    flow_services.stage_set(actor=w.town.caseworker, case_id=w.case.pk, stage="family_unit.investigation", reason="x")
    w.extra["handover"] = flow_services.handover_propose(
        actor=w.town.caseworker,
        case_id=w.case.pk,
        to_unit_id=w.town.other_family_unit.pk,
        to_stage="family_unit.action",
        reason="Afgørelse om støtte",
    )


def _handover_ready(w: World) -> None:
    """A handover with its checklist done and its handover meeting held: ready to accept."""
    from helhed.flow import policies as flow_policies
    from helhed.flow import services as flow_services
    from helhed.meetings import services as meeting_services
    from helhed.meetings.models import Meeting

    _handover(w)
    h = w.extra["handover"]
    flow_services.handover_checklist(
        actor=w.town.caseworker, handover_id=h.pk, checklist={i.code: True for i in flow_policies.CHECKLIST}
    )
    start = timezone.now() + timedelta(days=1)
    h = flow_services.handover_meeting(
        actor=w.town.caseworker,
        handover_id=h.pk,
        data=meeting_services.MeetingIn(
            kind="handover",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            location="Syd",
            externals=[meeting_services.ExternalIn(kind="parent", name="Pia Auditsen")],
        ),
    )
    Meeting.objects.filter(pk=h.meeting_id).update(starts_at=timezone.now() - timedelta(minutes=1))
    meeting_services.meeting_hold(actor=w.town.caseworker, meeting_id=h.meeting_id)
    h.refresh_from_db()
    w.extra["handover"] = h


def _placed(w: World) -> None:
    from helhed.flow import services as flow_services

    flow_services.stage_set(actor=w.town.caseworker, case_id=w.case.pk, stage="family_unit.investigation", reason="x")


def _handover_url(w: World) -> str:
    return _url("flow:handover", w.extra["handover"].pk)


UI_LOOKS += [
    Look("flow:case", "caseworker", AuditAction.VIEW, lambda w, c: c.get(_url("flow:case", w.case.pk))),
    Look(
        "flow:case",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _url("flow:case", w.case.pk),
            {"action": "propose", "to_stage": "family_unit.action", "to_unit": w.town.action.pk, "reason": "x"},
        ),
        prepare=_placed,
        status=302,
        label="propose",
    ),
    Look("flow:handover", "other_leader", AuditAction.VIEW, lambda w, c: c.get(_handover_url(w)), prepare=_handover),
    Look(
        "flow:handover",
        "other_leader",
        AuditAction.UPDATE,
        lambda w, c: c.post(
            _handover_url(w),
            {"action": "accept", "version": w.extra["handover"].version, "to_caseworker": w.town.other_caseworker.pk},
        ),
        prepare=_handover_ready,
        status=302,
        label="accept",
    ),
    Look(
        "flow:incoming", "other_leader", AuditAction.LIST, lambda w, c: c.get(_url("flow:incoming")), prepare=_handover
    ),
]

API_LOOKS += [
    Look(
        "GET /api/v1/flow/handovers",
        "other_leader",
        AuditAction.LIST,
        lambda w, c: c.get("/api/v1/flow/handovers"),
        prepare=_handover,
    ),
    Look(
        "GET /api/v1/flow/cases/{case_id}",
        "caseworker",
        AuditAction.VIEW,
        lambda w, c: c.get(f"/api/v1/flow/cases/{w.case.pk}"),
    ),
    Look(
        "POST /api/v1/flow/cases/{case_id}/stage",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(
            c, f"/api/v1/flow/cases/{w.case.pk}/stage", {"stage": "family_unit.investigation", "reason": "x"}
        ),
    ),
    Look(
        "POST /api/v1/flow/cases/{case_id}/handovers",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c,
            f"/api/v1/flow/cases/{w.case.pk}/handovers",
            {"to_unit_id": w.town.other_family_unit.pk, "to_stage": "family_unit.action", "reason": "x"},
        ),
        status=201,
    ),
    Look(
        "GET /api/v1/flow/handovers/{handover_id}",
        "other_leader",
        AuditAction.VIEW,
        lambda w, c: c.get(f"/api/v1/flow/handovers/{w.extra['handover'].pk}"),
        prepare=_handover,
    ),
    Look(
        "POST /api/v1/flow/handovers/{handover_id}/checklist",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(
            c, f"/api/v1/flow/handovers/{w.extra['handover'].pk}/checklist", {"checklist": {"network": True}}
        ),
        prepare=_handover,
    ),
    Look(
        "POST /api/v1/flow/handovers/{handover_id}/meeting",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(
            c,
            f"/api/v1/flow/handovers/{w.extra['handover'].pk}/meeting",
            {
                "starts_at": (timezone.now() + timedelta(days=2)).isoformat(),
                "ends_at": (timezone.now() + timedelta(days=2, hours=1)).isoformat(),
                "location": "Syd",
                "externals": [{"kind": "parent", "name": "Pia Auditsen"}],
            },
        ),
        prepare=_handover,
    ),
    Look(
        "POST /api/v1/flow/handovers/{handover_id}/accept",
        "other_leader",
        AuditAction.UPDATE,
        lambda w, c: _post_json(
            c,
            f"/api/v1/flow/handovers/{w.extra['handover'].pk}/accept",
            {"to_caseworker_id": w.town.other_caseworker.pk},
        ),
        prepare=_handover_ready,
    ),
    Look(
        "POST /api/v1/flow/handovers/{handover_id}/close",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(
            c, f"/api/v1/flow/handovers/{w.extra['handover'].pk}/close", {"to_status": "withdrawn", "note": "x"}
        ),
        prepare=_handover,
    ),
]

_COURSE = "counselling.anonymouscounselling"


def _course(w: World) -> None:
    """An anonymous course in the open counselling unit with its first contact. It carries no identity, so its
    looks name the course, not a person (until it becomes a case)."""
    from helhed.counselling import services as counselling_services

    w.extra["course"] = counselling_services.counselling_open(
        actor=w.town.counsellor,
        data=counselling_services.CounsellingIn(
            pseudonym="Drengen med hættetrøjen",
            age_band="13-15",
            contact_by="child",
            topics=["school", "wellbeing"],
            first_contact=counselling_services.ContactIn(
                occurred_on=timezone.localdate(), channel="phone", duration_minutes=20, summary="Ked af skolen."
            ),
        ),
    )


def _course_closed(w: World) -> None:
    from helhed.counselling import services as counselling_services

    _course(w)
    w.extra["course"] = counselling_services.counselling_close(
        actor=w.town.counsellor, counselling_id=w.extra["course"].pk
    )


def _course_url(name: str):
    return lambda w: _url(f"counselling:{name}", w.extra["course"].pk)


def _course_id(w: World, r) -> int:
    return w.extra["course"].pk


def _course_form() -> dict:
    return {
        "pseudonym": "Pigen med cyklen",
        "age_band": "10-12",
        "contact_by": "parent",
        "topics": ["family_conflict"],
        "occurred_on": timezone.localdate().isoformat(),
        "channel": "in_person",
        "duration_minutes": "45",
        "summary": "Mor fortæller om skænderier derhjemme.",
    }


def _convert_form(w: World) -> dict:
    return {
        "action": "convert",
        "version": w.extra["course"].version,
        "child": str(w.other_child.pk),
        "consent_given": "on",
        "consent_name": "Pia Udensag",
        "consent_relation": "custody_holder",
        "consent_on": timezone.localdate().isoformat(),
        "consent_text": "At forløbet bliver en sag i rådgivningen.",
        "responsible_unit": w.town.counselling.pk,
        "responsible_caseworker": w.town.counsellor.pk,
    }


UI_LOOKS += [
    Look(
        "counselling:list",
        "counsellor",
        AuditAction.LIST,
        lambda w, c: c.get(_url("counselling:list")),
        prepare=_course,
        object_type=_COURSE,
    ),
    Look(
        "counselling:new",
        "counsellor",
        AuditAction.CREATE,
        lambda w, c: c.post(_url("counselling:new"), _course_form()),
        status=302,
        object_type=_COURSE,
    ),
    Look(
        "counselling:statistics",
        "counsellor",
        AuditAction.LIST,
        lambda w, c: c.get(_url("counselling:statistics")),
        prepare=_course,
        object_type="counselling.statistics",
    ),
    Look(
        "counselling:detail",
        "counsellor",
        AuditAction.VIEW,
        lambda w, c: c.get(_course_url("detail")(w)),
        prepare=_course,
        object_type=_COURSE,
        object_id=_course_id,
    ),
    Look(
        "counselling:detail",
        "counsellor",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _course_url("detail")(w),
            {
                "action": "contact",
                "occurred_on": timezone.localdate().isoformat(),
                "channel": "online",
                "duration_minutes": "15",
                "summary": "Chat om venner.",
            },
        ),
        prepare=_course,
        status=302,
        object_type="counselling.counsellingcontact",
        label="contact",
    ),
    Look(
        "counselling:convert",
        "counsellor",
        AuditAction.VIEW,
        lambda w, c: c.get(_course_url("convert")(w)),
        prepare=_course,
        object_type=_COURSE,
        object_id=_course_id,
    ),
    Look(
        "counselling:convert",
        "counsellor",
        AuditAction.UPDATE,
        lambda w, c: c.post(_course_url("convert")(w), _convert_form(w)),
        prepare=_course,
        subject=lambda w, r: w.other_child.pk,
        status=302,
        label="convert",
    ),
]

_COUNSELLING = "/api/v1/counselling"


def _course_api(path: str = ""):
    return lambda w: f"{_COUNSELLING}/{w.extra['course'].pk}{path}"


API_LOOKS += [
    Look(
        f"GET {_COUNSELLING}",
        "counsellor",
        AuditAction.LIST,
        lambda w, c: c.get(_COUNSELLING),
        prepare=_course,
        object_type=_COURSE,
    ),
    Look(
        f"POST {_COUNSELLING}",
        "counsellor",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c,
            _COUNSELLING,
            {"pseudonym": "Pigen med cyklen", "age_band": "10-12", "contact_by": "parent", "topics": ["school"]},
        ),
        status=201,
        object_type=_COURSE,
    ),
    Look(
        f"GET {_COUNSELLING}/statistics",
        "counsellor",
        AuditAction.LIST,
        lambda w, c: c.get(f"{_COUNSELLING}/statistics"),
        object_type="counselling.statistics",
    ),
    Look(
        f"GET {_COUNSELLING}/{{counselling_id}}",
        "counsellor",
        AuditAction.VIEW,
        lambda w, c: c.get(_course_api()(w)),
        prepare=_course,
        object_type=_COURSE,
        object_id=_course_id,
    ),
    Look(
        f"POST {_COUNSELLING}/{{counselling_id}}/contacts",
        "counsellor",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c,
            _course_api("/contacts")(w),
            {
                "occurred_on": timezone.localdate().isoformat(),
                "channel": "email",
                "duration_minutes": 10,
                "summary": "Svar på mail.",
            },
        ),
        prepare=_course,
        status=201,
        object_type="counselling.counsellingcontact",
    ),
    Look(
        f"POST {_COUNSELLING}/{{counselling_id}}/close",
        "counsellor",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, _course_api("/close")(w), {"note": "Familien har fået svar."}),
        prepare=_course,
        object_type=_COURSE,
        object_id=_course_id,
    ),
    Look(
        f"POST {_COUNSELLING}/{{counselling_id}}/reopen",
        "counsellor",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, _course_api("/reopen")(w), {"note": "Ringede igen."}),
        prepare=_course_closed,
        object_type=_COURSE,
        object_id=_course_id,
    ),
    Look(
        f"POST {_COUNSELLING}/{{counselling_id}}/convert",
        "counsellor",
        AuditAction.UPDATE,
        lambda w, c: _post_json(
            c,
            _course_api("/convert")(w),
            {
                "child_id": w.other_child.pk,
                "consent": {
                    "given_by": "Pia Udensag",
                    "relation": "custody_holder",
                    "given_on": timezone.localdate().isoformat(),
                    "text": "At forløbet bliver en sag i rådgivningen.",
                },
            },
        ),
        prepare=_course,
        subject=lambda w, r: w.other_child.pk,
    ),
]


def _parent_access(w: World) -> None:
    """The parents' view (ADR 0014): the caseworker gives the child's parent a link and the parent uses it; the
    parent's user becomes the look's actor `town.parent_user`."""
    from helhed.family import services as family_services

    created = family_services.parent_link_create(actor=w.town.caseworker, case_id=w.case.pk, person_id=w.parent.pk)
    w.town.parent_user = family_services.parent_link_use(token=created.token)
    w.extra["parent_link"] = created.link


def _parent_link(w: World) -> None:
    from helhed.family import services as family_services

    w.extra["parent_link"] = family_services.parent_link_create(
        actor=w.town.caseworker, case_id=w.case.pk, person_id=w.parent.pk
    ).link


UI_LOOKS += [
    Look("family:case_links", "caseworker", AuditAction.VIEW, lambda w, c: c.get(_url("family:case_links", w.case.pk))),
    Look(
        "family:case_links",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: c.post(_url("family:case_links", w.case.pk), {"person_id": w.parent.pk}),
        status=201,
        label="create",
    ),
    Look(
        "family:link_revoke",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: c.post(_url("family:link_revoke", w.case.pk, w.extra["parent_link"].pk)),
        prepare=_parent_link,
        status=302,
    ),
    Look(
        "family:home", "parent_user", AuditAction.VIEW, lambda w, c: c.get(_url("family:home")), prepare=_parent_access
    ),
    Look(
        "family:home",
        "parent_user",
        AuditAction.VIEW,
        lambda w, c: c.get(_url("family:home")),
        subject=lambda w, r: w.parent.pk,
        prepare=_parent_access,
        label="parent",
    ),
    Look(
        "family:child",
        "parent_user",
        AuditAction.VIEW,
        lambda w, c: c.get(_url("family:child", w.case.pk)),
        prepare=_parent_access,
    ),
]

_PARENT_LINKS = "/api/v1/cases/{case_id}/parent-links"

API_LOOKS += [
    Look(
        f"GET {_PARENT_LINKS}",
        "caseworker",
        AuditAction.VIEW,
        lambda w, c: c.get(f"/api/v1/cases/{w.case.pk}/parent-links"),
        prepare=_parent_link,
    ),
    Look(
        f"POST {_PARENT_LINKS}",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: _post_json(c, f"/api/v1/cases/{w.case.pk}/parent-links", {"person_id": w.parent.pk}),
        status=201,
    ),
    Look(
        f"POST {_PARENT_LINKS}/{{link_id}}/revoke",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, f"/api/v1/cases/{w.case.pk}/parent-links/{w.extra['parent_link'].pk}/revoke"),
        prepare=_parent_link,
    ),
    Look(
        "GET /api/v1/family/",
        "parent_user",
        AuditAction.VIEW,
        lambda w, c: c.get("/api/v1/family/"),
        prepare=_parent_access,
    ),
    Look(
        "GET /api/v1/family/cases/{case_id}",
        "parent_user",
        AuditAction.VIEW,
        lambda w, c: c.get(f"/api/v1/family/cases/{w.case.pk}"),
        prepare=_parent_access,
    ),
]


def _consent(w: World) -> None:
    from helhed.testing.sharing import give_consent

    w.extra["consent"] = give_consent(w.case, w.town.caseworker, holders=[w.parent])


def _waiting_note(w: World) -> None:
    """A note shared with the team on a legal basis, whose disclosure to the school is then undone, so it waits."""
    from helhed.consent.models import Disclosure

    case_services.journal_note_add(
        actor=w.town.caseworker,
        case_id=w.case.pk,
        kind="note",
        title="Delt",
        body="Opdigtet.",
        occurred_on=timezone.localdate(),
        shared_with_team=True,
        share_basis="early_preventive",
        share_reason="Skolen skal støtte barnet.",
    )
    Disclosure.objects.all().delete()


def _consent_form(w: World) -> dict:
    today = timezone.localdate().isoformat()
    return {
        "action": "consent",
        "consent-given_by": [w.parent.pk],
        "consent-given_on": today,
        "consent-administrations": ["BUF"],
        "consent-info_kinds": ["note"],
        "consent-purpose": "Samarbejde med skolen.",
        "consent-valid_from": today,
    }


UI_LOOKS += [
    Look("consent:case", "caseworker", AuditAction.VIEW, lambda w, c: c.get(_url("consent:case", w.case.pk))),
    Look(
        "consent:case",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: c.post(_url("consent:case", w.case.pk), _consent_form(w)),
        status=302,
        label="record",
    ),
    Look(
        "consent:case",
        "caseworker",
        AuditAction.DISCLOSE,
        lambda w, c: c.post(
            _url("consent:case", w.case.pk),
            {
                "action": "share",
                "share-unit": w.town.school.pk,
                "share-share_basis": "fvl_28",
                "share-share_reason": "x",
            },
        ),
        prepare=_waiting_note,
        status=302,
        label="share",
    ),
]

_CONSENTS = "/api/v1/consents/cases/{case_id}"
API_LOOKS += [
    Look(f"GET {_CONSENTS}", "caseworker", AuditAction.VIEW, lambda w, c: c.get(f"/api/v1/consents/cases/{w.case.pk}")),
    Look(
        f"POST {_CONSENTS}",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c,
            f"/api/v1/consents/cases/{w.case.pk}",
            {
                "given_by": [w.parent.pk],
                "given_on": timezone.localdate().isoformat(),
                "administrations": ["BUF"],
                "info_kinds": ["note"],
                "purpose": "Samarbejde med skolen.",
                "valid_from": timezone.localdate().isoformat(),
            },
        ),
        status=201,
    ),
    Look(
        f"POST {_CONSENTS}/{{consent_id}}/withdraw",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(
            c, f"/api/v1/consents/cases/{w.case.pk}/{w.extra['consent'].pk}/withdraw", {"reason": "Mor ringede."}
        ),
        prepare=_consent,
    ),
    Look(
        f"POST {_CONSENTS}/share",
        "caseworker",
        AuditAction.DISCLOSE,
        lambda w, c: _post_json(
            c,
            f"/api/v1/consents/cases/{w.case.pk}/share",
            {"unit_id": w.town.school.pk, "share_basis": "fvl_28", "share_reason": "Barnets sikkerhed."},
        ),
        prepare=_waiting_note,
    ),
]


# -- the intervention catalogue (API): applications, decisions and grants name the child ----------------

_IV = "/api/v1/interventions"
_IV_START, _IV_END = "2027-01-01", "2027-06-30"


def _iv_offer(w: World) -> None:
    from datetime import date

    from helhed.interventions import services as iv

    provider = iv.provider_create(
        actor=w.town.administrator, data=iv.ProviderIn(name="Nørrebro Skole", kind="internal", unit_id=w.town.school.pk)
    )
    w.extra["offer"] = iv.offer_create(
        actor=w.town.administrator,
        data=iv.OfferIn(
            code="skoleflex-audit",
            name="Skoleflex",
            kind="skoleflex",
            provider_id=provider.pk,
            legal_basis="Barnets lov § 32",
            ladder_step=3,
            price="12000.00",
            price_unit="month",
            active_from=date(2026, 1, 1),
            capacity=1,
            funding=[iv.FundingIn("SOF", 50), iv.FundingIn("BUF", 50)],
        ),
    )


def _iv_referral(w: World) -> None:
    from datetime import date

    from helhed.interventions import services as iv

    _iv_offer(w)
    w.extra["referral"] = iv.referral_apply(
        actor=w.town.caseworker,
        case_id=w.case.pk,
        data=iv.ReferralIn(
            offer_id=w.extra["offer"].pk,
            requested_start=date.fromisoformat(_IV_START),
            requested_end=date.fromisoformat(_IV_END),
            reason="Opdigtet begrundelse.",
        ),
    )


def _iv_decided(w: World, outcome: str) -> None:
    from helhed.interventions import services as iv

    _iv_referral(w)
    referral = iv.referral_decide(
        actor=w.town.leader, referral_id=w.extra["referral"].pk, data=iv.DecisionIn(outcome=outcome)
    )
    if outcome == "grant":
        w.extra["grant"] = referral.grant


def _iv_offer_body(w: World, **kw) -> dict:
    body = {
        "code": "kontaktperson-audit",
        "name": "Kontaktperson",
        "kind": "contact_person",
        "provider_id": w.extra["offer"].provider_id,
        "legal_basis": "Barnets lov § 32",
        "ladder_step": 3,
        "price": "450.00",
        "price_unit": "hour",
        "active_from": "2026-01-01",
        "funding": [{"administration": "SOF", "share": "100"}],
    }
    body.update(kw)
    return body


API_LOOKS += [
    Look(
        f"GET {_IV}/cases/{{case_id}}/referrals",
        "caseworker",
        AuditAction.VIEW,
        lambda w, c: c.get(f"{_IV}/cases/{w.case.pk}/referrals"),
        prepare=_iv_referral,
    ),
    Look(
        f"POST {_IV}/cases/{{case_id}}/referrals",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c,
            f"{_IV}/cases/{w.case.pk}/referrals",
            {
                "offer_id": w.extra["offer"].pk,
                "requested_start": _IV_START,
                "requested_end": _IV_END,
                "reason": "Opdigtet begrundelse.",
            },
        ),
        prepare=_iv_offer,
        status=201,
    ),
    Look(
        f"GET {_IV}/referrals/{{referral_id}}",
        "caseworker",
        AuditAction.VIEW,
        lambda w, c: c.get(f"{_IV}/referrals/{w.extra['referral'].pk}"),
        prepare=_iv_referral,
    ),
    Look(
        f"POST {_IV}/referrals/{{referral_id}}/decision",
        "leader",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, f"{_IV}/referrals/{w.extra['referral'].pk}/decision", {"outcome": "grant"}),
        prepare=_iv_referral,
    ),
    Look(
        f"POST {_IV}/referrals/{{referral_id}}/withdraw",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, f"{_IV}/referrals/{w.extra['referral'].pk}/withdraw", {"reason": "Fortrudt."}),
        prepare=_iv_referral,
    ),
    Look(
        f"GET {_IV}/visitation",
        "leader",
        AuditAction.VIEW,
        lambda w, c: c.get(f"{_IV}/visitation"),
        prepare=_iv_referral,
    ),
    Look(
        f"GET {_IV}/grants/{{grant_id}}",
        "caseworker",
        AuditAction.VIEW,
        lambda w, c: c.get(f"{_IV}/grants/{w.extra['grant'].pk}"),
        prepare=lambda w: _iv_decided(w, "grant"),
    ),
    Look(
        f"POST {_IV}/grants/{{grant_id}}/change",
        "leader",
        AuditAction.UPDATE,
        lambda w, c: _post_json(
            c, f"{_IV}/grants/{w.extra['grant'].pk}/change", {"end": "2027-03-31", "reason": "Kortere forløb."}
        ),
        prepare=lambda w: _iv_decided(w, "grant"),
    ),
    Look(
        f"POST {_IV}/grants/{{grant_id}}/terminate",
        "leader",
        AuditAction.UPDATE,
        lambda w, c: _post_json(
            c, f"{_IV}/grants/{w.extra['grant'].pk}/terminate", {"last_day": "2027-02-28", "reason": "Flyttet."}
        ),
        prepare=lambda w: _iv_decided(w, "grant"),
    ),
    # The offer's page names the waiting children the reader may see (the others are only counted).
    Look(
        f"GET {_IV}/offers/{{offer_id}}",
        "caseworker",
        AuditAction.VIEW,
        lambda w, c: c.get(f"{_IV}/offers/{w.extra['offer'].pk}"),
        prepare=lambda w: _iv_decided(w, "waitlist"),
    ),
    # The catalogue's writes concern no person; they are audited with the object.
    Look(
        f"POST {_IV}/offers",
        "administrator",
        AuditAction.CREATE,
        lambda w, c: _post_json(c, f"{_IV}/offers", _iv_offer_body(w)),
        prepare=_iv_offer,
        status=201,
        object_type="interventions.offer",
        object_id=lambda w, r: r.json()["id"],
    ),
    Look(
        f"PUT {_IV}/offers/{{offer_id}}",
        "administrator",
        AuditAction.UPDATE,
        lambda w, c: c.put(
            f"{_IV}/offers/{w.extra['offer'].pk}",
            data=json.dumps(_iv_offer_body(w, version=1)),
            content_type="application/json",
        ),
        prepare=_iv_offer,
        object_type="interventions.offer",
        object_id=lambda w, r: w.extra["offer"].pk,
    ),
    Look(
        f"POST {_IV}/providers",
        "administrator",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c, f"{_IV}/providers", {"name": "Skolehjælpen ApS", "kind": "external", "cvr": "13585628"}
        ),
        status=201,
        object_type="interventions.provider",
        object_id=lambda w, r: r.json()["id"],
    ),
    Look(
        f"PUT {_IV}/budgets",
        "administrator",
        AuditAction.CREATE,
        lambda w, c: c.put(
            f"{_IV}/budgets",
            data=json.dumps({"administration": "SOF", "year": 2027, "amount": "1000000"}),
            content_type="application/json",
        ),
        object_type="interventions.budget",
        object_id=lambda w, r: r.json()["id"],
    ),
]


# -- the intervention catalogue (pages): the case tab, the application, the visitation and the offer's named
# waiting list show a child; the catalogue, the forecast and the reports are counts and sums (EXEMPT below).


def _iv_page_decision(w: World, outcome: str = "grant") -> dict:
    referral = w.extra["referral"]
    referral.refresh_from_db()
    return {
        "decision-version": referral.version,
        "decision-outcome": outcome,
        "decision-start": _IV_START,
        "decision-end": _IV_END,
        "decision-units": "1",
    }


def _iv_page_grant(w: World) -> int:
    w.extra["grant"].refresh_from_db()
    return w.extra["grant"].version


UI_LOOKS += [
    Look(
        "interventions:case",
        "caseworker",
        AuditAction.VIEW,
        lambda w, c: c.get(_url("interventions:case", w.case.pk)),
        prepare=lambda w: _iv_decided(w, "grant"),
    ),
    Look(
        "interventions:apply",
        "caseworker",
        AuditAction.VIEW,
        lambda w, c: c.get(_url("interventions:apply", w.case.pk)),
    ),
    Look(
        "interventions:apply",
        "caseworker",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _url("interventions:apply", w.case.pk),
            {
                "submission_key": uuid.uuid4().hex,
                "offer": w.extra["offer"].pk,
                "requested_start": _IV_START,
                "requested_end": _IV_END,
                "units": "1",
                "reason": "Opdigtet begrundelse.",
            },
        ),
        prepare=_iv_offer,
        status=302,
        label="apply",
    ),
    Look(
        "interventions:visitation",
        "leader",
        AuditAction.VIEW,
        lambda w, c: c.get(_url("interventions:visitation")),
        prepare=_iv_referral,
    ),
    Look(
        "interventions:referral",
        "caseworker",
        AuditAction.VIEW,
        lambda w, c: c.get(_url("interventions:referral", w.extra["referral"].pk)),
        prepare=_iv_referral,
    ),
    Look(
        "interventions:referral_decide",
        "leader",
        AuditAction.UPDATE,
        lambda w, c: c.post(_url("interventions:referral_decide", w.extra["referral"].pk), _iv_page_decision(w)),
        prepare=_iv_referral,
        status=302,
    ),
    Look(
        "interventions:referral_withdraw",
        "caseworker",
        AuditAction.UPDATE,
        lambda w, c: c.post(
            _url("interventions:referral_withdraw", w.extra["referral"].pk),
            {"withdraw-version": w.extra["referral"].version, "withdraw-reason": "Fortrudt."},
        ),
        prepare=_iv_referral,
        status=302,
    ),
    Look(
        "interventions:grant_change",
        "leader",
        AuditAction.UPDATE,
        lambda w, c: c.post(
            _url("interventions:grant_change", w.extra["grant"].pk),
            {"change-version": _iv_page_grant(w), "change-end": "2027-03-31", "change-reason": "Kortere forløb."},
        ),
        prepare=lambda w: _iv_decided(w, "grant"),
        status=302,
    ),
    Look(
        "interventions:grant_terminate",
        "leader",
        AuditAction.UPDATE,
        lambda w, c: c.post(
            _url("interventions:grant_terminate", w.extra["grant"].pk),
            {"end-version": _iv_page_grant(w), "end-last_day": "2027-02-28", "end-reason": "Flyttet."},
        ),
        prepare=lambda w: _iv_decided(w, "grant"),
        status=302,
    ),
    # The offer's page names the waiting children the reader may see (the others are only counted).
    Look(
        "interventions:offer_detail",
        "caseworker",
        AuditAction.VIEW,
        lambda w, c: c.get(_url("interventions:offer_detail", w.extra["offer"].pk)),
        prepare=lambda w: _iv_decided(w, "waitlist"),
    ),
    # The catalogue's and the budgets' forms concern no person; they are audited with the object.
    Look(
        "interventions:offer_new",
        "administrator",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _url("interventions:offer_new"),
            {
                "submission_key": uuid.uuid4().hex,
                "name": "Kontaktperson",
                "code": "kontaktperson-side",
                "kind": "contact_person",
                "provider": w.extra["offer"].provider_id,
                "legal_basis": "Barnets lov § 32",
                "ladder_step": "3",
                "age_min": "0",
                "age_max": "22",
                "price": "450",
                "price_unit": "hour",
                "active_from": "2026-01-01",
                "funding_0_administration": "SOF",
                "funding_0_share": "100",
            },
        ),
        prepare=_iv_offer,
        status=302,
        object_type="interventions.offer",
    ),
    Look(
        "interventions:offer_edit",
        "administrator",
        AuditAction.UPDATE,
        lambda w, c: c.post(
            _url("interventions:offer_edit", w.extra["offer"].pk),
            {
                "version": "1",
                "name": "Skoleflex",
                "code": "skoleflex-audit",
                "kind": "skoleflex",
                "provider": w.extra["offer"].provider_id,
                "legal_basis": "Barnets lov § 32",
                "ladder_step": "3",
                "age_min": "0",
                "age_max": "22",
                "capacity": "2",
                "price": "12500",
                "price_unit": "month",
                "active_from": "2026-01-01",
                "funding_0_administration": "SOF",
                "funding_0_share": "100",
            },
        ),
        prepare=_iv_offer,
        status=302,
        object_type="interventions.offer",
        object_id=lambda w, r: w.extra["offer"].pk,
    ),
    Look(
        "interventions:provider_new",
        "administrator",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _url("interventions:provider_new"),
            {"submission_key": uuid.uuid4().hex, "name": "Skolehjælpen ApS", "kind": "external", "cvr": "13585628"},
        ),
        status=302,
        object_type="interventions.provider",
    ),
    Look(
        "interventions:budgets",
        "administrator",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _url("interventions:budgets"), {"year": "2027", "administration": "SOF", "amount": "1000000"}
        ),
        status=302,
        object_type="interventions.budget",
    ),
]


# Pages and operations that show no person data, with the reason. Everything else must be in the table.
EXEMPT = {
    "GET /api/v1/consents/bases": "the legal bases for sharing: rule data, no person",
    "core:logout": "ends the session; shows nothing (the logout itself is audited as 'logout')",
    "core:totp_verify": "second-factor form for the user's own account; no person data",
    "core:totp_setup": "second-factor enrolment for the user's own account; no person data",
    "core:help": "the list of user guides; no person data",
    "core:help_page": "a user guide (static Danish text); no person data",
    "organisation:units": "the units and how many staff each has (counts); no personal data",
    "GET /api/v1/organisation/units": "the units and how many staff each has (counts); no personal data",
    "organisation:import": (
        "the upload form and its dry-run preview: checks the file and shows counts and line errors, saves and "
        "shows no stored staff data (the confirmed import, organisation:import_confirm, is audited)"
    ),
}
# Public pages need no entry: they are open to anyone and must never show person data (the URL sweep
# proves which ones are public).
EXEMPT.update(
    {
        "GET /api/v1/interventions/offers": "the catalogue with occupancy and waiting-list lengths (counts); no person",
        "GET /api/v1/interventions/providers": "the providers (municipal units, companies by CVR); no person",
        "GET /api/v1/interventions/forecast": "the committed cost by month against the budget (sums); no person",
        "GET /api/v1/interventions/budgets": "the budgets (amounts per administration and unit); no person",
        "GET /api/v1/interventions/reports": "occupancy, waiting times and cost per offer, kind and step (aggregates)",
        "GET /api/v1/interventions/reports/{report}.csv": "the same aggregates as CSV; no person",
    }
)
EXEMPT.update(
    {
        "interventions:catalogue": "the catalogue with today's occupancy and waiting-list lengths (counts); no person",
        "interventions:forecast": "the committed cost by month against the budget (sums); no person",
        "interventions:reports": "occupancy, waiting times and cost per offer, kind and step (aggregates); no person",
        "interventions:report_csv": "the same aggregates as CSV; no person",
    }
)


# -- screening and class review (issue 6): a pupil of the town's school (in the pilot) is screened and reviewed --
_SC_GRADE = "4. kl."
_SC_ANSWERS = {"fravaer": "ja", "rygning": "nej", "hash": "nej", "konflikter": "ofte", "familie": "tvivl"}


def _sc_setup(w: World) -> None:
    """The example instrument, the pilot at the town's school, and the child without a case in its 4th grade."""
    from helhed.people.models import Enrolment
    from helhed.screening import services as sc

    w.extra["instrument"] = sc.instruments_load_bundled(actor=w.town.administrator)[0]
    sc.pilot_set(actor=w.town.administrator, school_id=w.town.school.pk, active=True)
    Enrolment.objects.create(
        person=w.other_child, unit=w.town.school, grade=_SC_GRADE, valid_from=timezone.localdate() - timedelta(days=30)
    )


def _sc_screening(w: World) -> None:
    from helhed.screening import services as sc

    _sc_setup(w)
    w.extra["screening"] = sc.screening_create(
        actor=w.town.teacher,
        data=sc.ScreeningIn(
            person_id=w.other_child.pk,
            school_id=w.town.school.pk,
            instrument_id=w.extra["instrument"].pk,
            answers=_SC_ANSWERS,
            judgement="Eleven er ofte i konflikt; jeg taler med forældrene.",
            next_step="parent_talk",
        ),
    )


def _sc_review(w: World, step: str = "report") -> None:
    from helhed.screening import services as sc

    _sc_setup(w)
    review = sc.review_create(
        actor=w.town.teacher, school_id=w.town.school.pk, grade=_SC_GRADE, review_date=timezone.localdate()
    )
    sc.review_mark(
        actor=w.town.teacher,
        review_id=review.pk,
        marks=[sc.MarkIn(person_id=w.other_child.pk, level="some", next_step=step)],
    )
    review.refresh_from_db()
    w.extra["review"] = review
    w.extra["entry"] = review.entries.get()


def _sc_meeting_review(w: World) -> None:
    _sc_review(w, step="parent_meeting")


def _sc_tomorrow(hour: int) -> str:
    from datetime import datetime, time

    day = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(hour))).isoformat()


def _sc_url(name: str, *keys: str):
    return lambda w: _url(f"screening:{name}", *[w.extra[k].pk for k in keys])


def _sc_screening_form(w: World) -> dict:
    return {
        "action": "save",
        "klass": f"{w.town.school.pk}|{_SC_GRADE}",
        "instrument": w.extra["instrument"].pk,
        "person": w.other_child.pk,
        "judgement": "Min vurdering.",
        "next_step": "none",
        **{f"item_{k}": v for k, v in _SC_ANSWERS.items()},
    }


def _sc_yaml(w: World) -> str:
    from helhed.screening import services as sc

    return (sc.INSTRUMENT_DIR / "skoletrivsel-eksempel.yaml").read_text(encoding="utf-8")


_SC_OTHER = lambda w, r: w.other_child.pk  # noqa: E731
_SC_API = "/api/v1/screening"

UI_LOOKS += [
    Look(
        "screening:list",
        "teacher",
        AuditAction.LIST,
        lambda w, c: c.get(_url("screening:list")),
        prepare=_sc_screening,
        subject=_SC_OTHER,
    ),
    Look(
        "screening:new",
        "teacher",
        AuditAction.LIST,
        lambda w, c: c.get(_url("screening:new"), {"klass": f"{w.town.school.pk}|{_SC_GRADE}"}),
        prepare=_sc_setup,
        subject=_SC_OTHER,
        label="class",
    ),
    Look(
        "screening:new",
        "teacher",
        AuditAction.CREATE,
        lambda w, c: c.post(_url("screening:new"), _sc_screening_form(w)),
        prepare=_sc_setup,
        subject=_SC_OTHER,
        status=302,
    ),
    Look(
        "screening:detail",
        "teacher",
        AuditAction.VIEW,
        lambda w, c: c.get(_sc_url("detail", "screening")(w)),
        prepare=_sc_screening,
        subject=_SC_OTHER,
    ),
    Look(
        "screening:instruments",
        "administrator",
        AuditAction.CREATE,
        lambda w, c: c.post(_url("screening:instruments"), {"action": "load"}),
        status=302,
        object_type="screening.instrument",
    ),
    Look(
        "screening:pilot",
        "administrator",
        AuditAction.UPDATE,
        lambda w, c: c.post(_url("screening:pilot"), {"school": w.town.school.pk, "active": "1"}),
        status=302,
        object_type="screening.pilotschool",
    ),
    Look(
        "screening:evaluation",
        "analyst",
        AuditAction.LIST,
        lambda w, c: c.get(_url("screening:evaluation")),
        prepare=_sc_screening,
        object_type="screening.evaluation",
    ),
    Look(
        "screening:reviews",
        "teacher",
        AuditAction.LIST,
        lambda w, c: c.get(_url("screening:reviews")),
        prepare=_sc_review,
        object_type="screening.classreview",
    ),
    Look(
        "screening:review_new",
        "teacher",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _url("screening:review_new"),
            {"klass": f"{w.town.school.pk}|{_SC_GRADE}", "review_date": timezone.localdate().isoformat()},
        ),
        prepare=_sc_setup,
        status=302,
        object_type="screening.classreview",
    ),
    Look(
        "screening:review",
        "teacher",
        AuditAction.VIEW,
        lambda w, c: c.get(_sc_url("review", "review")(w)),
        prepare=_sc_review,
        subject=_SC_OTHER,
    ),
    Look(
        "screening:review",
        "teacher",
        AuditAction.UPDATE,
        lambda w, c: c.post(
            _sc_url("review", "review")(w), {"action": "complete", "version": w.extra["review"].version}
        ),
        prepare=_sc_review,
        subject=_SC_OTHER,
        status=302,
        label="complete",
    ),
    Look(
        "screening:entry_concern",
        "teacher",
        AuditAction.VIEW,
        lambda w, c: c.get(_sc_url("entry_concern", "review", "entry")(w)),
        prepare=_sc_review,
        subject=_SC_OTHER,
    ),
    Look(
        "screening:entry_concern",
        "teacher",
        AuditAction.REVEAL_CPR,
        lambda w, c: c.post(
            _sc_url("entry_concern", "review", "entry")(w),
            {
                "description": "Bekymret.",
                "categories": ["neglect"],
                "child_knows": "unknown",
                "parents_know": "unknown",
            },
        ),
        prepare=_sc_review,
        subject=_SC_OTHER,
        status=302,
        label="report",
    ),
    Look(
        "screening:entry_meeting",
        "teacher",
        AuditAction.VIEW,
        lambda w, c: c.get(_sc_url("entry_meeting", "review", "entry")(w)),
        prepare=_sc_meeting_review,
        subject=_SC_OTHER,
    ),
    Look(
        "screening:entry_meeting",
        "teacher",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _sc_url("entry_meeting", "review", "entry")(w),
            {
                "day": (timezone.localdate() + timedelta(days=1)).isoformat(),
                "start": "09:00",
                "end": "10:00",
                "location": "Skolen",
            },
        ),
        prepare=_sc_meeting_review,
        subject=_SC_OTHER,
        status=302,
        label="book",
    ),
]

API_LOOKS += [
    Look(
        "POST /api/v1/screening/instruments",
        "administrator",
        AuditAction.CREATE,
        lambda w, c: _post_json(c, f"{_SC_API}/instruments", {"yaml": _sc_yaml(w)}),
        status=201,
        object_type="screening.instrument",
    ),
    Look(
        "PUT /api/v1/screening/pilot-schools/{school_id}",
        "administrator",
        AuditAction.UPDATE,
        lambda w, c: c.put(
            f"{_SC_API}/pilot-schools/{w.town.school.pk}",
            data=json.dumps({"active": True}),
            content_type="application/json",
        ),
        object_type="screening.pilotschool",
    ),
    Look(
        "GET /api/v1/screening/screenings",
        "teacher",
        AuditAction.LIST,
        lambda w, c: c.get(f"{_SC_API}/screenings"),
        prepare=_sc_screening,
        subject=_SC_OTHER,
    ),
    Look(
        "POST /api/v1/screening/screenings",
        "teacher",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c,
            f"{_SC_API}/screenings",
            {
                "person_id": w.other_child.pk,
                "school_id": w.town.school.pk,
                "instrument_id": w.extra["instrument"].pk,
                "answers": _SC_ANSWERS,
                "judgement": "Min vurdering.",
                "next_step": "none",
            },
        ),
        prepare=_sc_setup,
        subject=_SC_OTHER,
        status=201,
    ),
    Look(
        "GET /api/v1/screening/screenings/{screening_id}",
        "teacher",
        AuditAction.VIEW,
        lambda w, c: c.get(f"{_SC_API}/screenings/{w.extra['screening'].pk}"),
        prepare=_sc_screening,
        subject=_SC_OTHER,
    ),
    Look(
        "GET /api/v1/screening/class-reviews",
        "teacher",
        AuditAction.LIST,
        lambda w, c: c.get(f"{_SC_API}/class-reviews"),
        prepare=_sc_review,
        object_type="screening.classreview",
    ),
    Look(
        "POST /api/v1/screening/class-reviews",
        "teacher",
        AuditAction.VIEW,
        lambda w, c: _post_json(
            c,
            f"{_SC_API}/class-reviews",
            {"school_id": w.town.school.pk, "grade": _SC_GRADE, "review_date": timezone.localdate().isoformat()},
        ),
        prepare=_sc_setup,
        subject=_SC_OTHER,
        status=201,
    ),
    Look(
        "GET /api/v1/screening/class-reviews/{review_id}",
        "teacher",
        AuditAction.VIEW,
        lambda w, c: c.get(f"{_SC_API}/class-reviews/{w.extra['review'].pk}"),
        prepare=_sc_review,
        subject=_SC_OTHER,
    ),
    Look(
        "POST /api/v1/screening/class-reviews/{review_id}/marks",
        "teacher",
        AuditAction.UPDATE,
        lambda w, c: _post_json(
            c,
            f"{_SC_API}/class-reviews/{w.extra['review'].pk}/marks",
            {"marks": [{"person_id": w.other_child.pk, "level": "great", "next_step": "report"}]},
        ),
        prepare=_sc_review,
        subject=_SC_OTHER,
    ),
    Look(
        "POST /api/v1/screening/class-reviews/{review_id}/complete",
        "teacher",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, f"{_SC_API}/class-reviews/{w.extra['review'].pk}/complete", {}),
        prepare=_sc_review,
        subject=_SC_OTHER,
    ),
    Look(
        "POST /api/v1/screening/class-reviews/{review_id}/entries/{entry_id}/concern",
        "teacher",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c,
            f"{_SC_API}/class-reviews/{w.extra['review'].pk}/entries/{w.extra['entry'].pk}/concern",
            {"description": "Bekymret.", "categories": ["neglect"]},
        ),
        prepare=_sc_review,
        subject=_SC_OTHER,
        status=201,
    ),
    Look(
        "POST /api/v1/screening/class-reviews/{review_id}/entries/{entry_id}/meeting",
        "teacher",
        AuditAction.UPDATE,
        lambda w, c: _post_json(
            c,
            f"{_SC_API}/class-reviews/{w.extra['review'].pk}/entries/{w.extra['entry'].pk}/meeting",
            {"starts_at": _sc_tomorrow(9), "ends_at": _sc_tomorrow(10), "location": "Skolen"},
        ),
        prepare=_sc_meeting_review,
        subject=_SC_OTHER,
        status=201,
    ),
    Look(
        "GET /api/v1/screening/evaluation",
        "analyst",
        AuditAction.LIST,
        lambda w, c: c.get(f"{_SC_API}/evaluation"),
        prepare=_sc_screening,
        object_type="screening.evaluation",
    ),
]

EXEMPT.update(
    {
        "screening:instrument": "one instrument version: questions, weights and thresholds (rule data); no person",
        "GET /api/v1/screening/instruments": "the instrument versions (rule data); no person",
        "GET /api/v1/screening/instruments/{instrument_id}": "one instrument version (rule data); no person",
        "GET /api/v1/screening/pilot-schools": "which schools run the screening pilot; no person",
    }
)


# -- early detection: absence alerts and their follow-up, imports, children without a school -----------------

_DET = "/api/v1/detection"


def _det_school(w: World) -> None:
    from datetime import date

    from helhed.people.models import Enrolment

    w.town.school.institution_number = "101001"
    w.town.school.save(update_fields=["institution_number"])
    Enrolment.objects.get_or_create(
        person=w.child, unit=w.town.school, defaults={"grade": "4. kl.", "valid_from": date(2022, 8, 1)}
    )


def _det_absence_file(w: World) -> bytes:
    """Ten school days of unauthorised absence for the child, as a school's file."""
    from helhed.detection import policies

    days, day = [], timezone.localdate()
    while len(days) < 10:
        if policies.MUNICIPAL_CALENDAR.is_school_day(day):
            days.append(day)
        day -= timedelta(days=1)
    lines = ["cpr;institutionsnummer;dato;fravaerstype;fravaer_dage"]
    lines += [f"{w.cpr};101001;{d.isoformat()};ulovligt;1" for d in sorted(days)]
    return ("\n".join(lines) + "\n").encode()


def _det_absence(w: World) -> None:
    from helhed.detection.imports import import_file

    _det_school(w)
    path = w.extra.setdefault("tmp", __import__("pathlib").Path(__import__("tempfile").mkdtemp())) / "f.csv"
    path.write_bytes(_det_absence_file(w))
    import_file(actor=w.town.administrator, path=path, file_name="f.csv")


def _det_alert(w: World) -> None:
    from helhed.detection import services as det

    _det_absence(w)
    det.alerts_raise(actor=None)
    from helhed.detection.models import AbsenceAlert

    w.extra["alert"] = AbsenceAlert.objects.get(person=w.child)


def _det_acknowledged(w: World) -> None:
    from helhed.detection import services as det

    _det_alert(w)
    det.alert_acknowledge(actor=w.town.school_social_worker, alert_id=w.extra["alert"].pk)


def _det_meeting(w: World, *, past: bool = False) -> None:
    from helhed.detection import services as det

    _det_acknowledged(w)
    start = timezone.now() + timedelta(days=(-1 if past else 2))
    w.extra["meeting"] = det.followup_meeting_book(
        actor=w.town.school_social_worker,
        person=w.child,
        school=w.town.school,
        alert=w.extra["alert"],
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        location="Skolens mødelokale",
    )


def _det_held(w: World) -> None:
    from helhed.detection import services as det

    _det_meeting(w, past=True)
    det.followup_meeting_held(actor=w.town.school_social_worker, meeting_id=w.extra["meeting"].pk)


def _det_version(w: World) -> int:
    w.extra["alert"].refresh_from_db()
    return w.extra["alert"].version


def _det_unschooled(w: World) -> None:
    from datetime import date

    Person.objects.filter(pk=w.other_child.pk).update(birth_date=date(2015, 5, 5))


def _det_day() -> str:
    return (timezone.localdate() + timedelta(days=2)).isoformat()


UI_LOOKS += [
    Look(
        "detection:alerts",
        "school_social_worker",
        AuditAction.LIST,
        lambda w, c: c.get(_url("detection:alerts")),
        prepare=_det_alert,
    ),
    Look(
        "detection:alert",
        "school_social_worker",
        AuditAction.VIEW,
        lambda w, c: c.get(_url("detection:alert", w.extra["alert"].pk)),
        prepare=_det_alert,
    ),
    Look(
        "detection:alert_acknowledge",
        "school_social_worker",
        AuditAction.UPDATE,
        lambda w, c: c.post(_url("detection:alert_acknowledge", w.extra["alert"].pk), {"ack-version": _det_version(w)}),
        prepare=_det_alert,
        status=302,
    ),
    Look(
        "detection:alert_book",
        "school_social_worker",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _url("detection:alert_book", w.extra["alert"].pk),
            {
                "book-day": _det_day(),
                "book-start": "14:00",
                "book-end": "15:00",
                "book-location": "Skolen",
                "book-staff": str(w.town.teacher.pk),
            },
        ),
        prepare=_det_acknowledged,
        status=302,
    ),
    Look(
        "detection:alert_plan",
        "school_social_worker",
        AuditAction.UPDATE,
        lambda w, c: c.post(
            _url("detection:alert_plan", w.extra["alert"].pk),
            {"plan-version": _det_version(w), "plan-plan": "Morgenopkald hver dag i fire uger."},
        ),
        prepare=_det_held,
        status=302,
    ),
    Look(
        "detection:alert_close",
        "school_social_worker",
        AuditAction.UPDATE,
        lambda w, c: c.post(
            _url("detection:alert_close", w.extra["alert"].pk),
            {"close-version": _det_version(w), "close-reason": "Kendt sygdom."},
        ),
        prepare=_det_alert,
        status=302,
    ),
    Look(
        "detection:meeting",
        "teacher",
        AuditAction.VIEW,
        lambda w, c: c.get(_url("detection:meeting", w.extra["meeting"].pk)),
        prepare=_det_meeting,
    ),
    Look(
        "detection:meeting_ics",
        "school_social_worker",
        AuditAction.VIEW,
        lambda w, c: c.get(_url("detection:meeting_ics", w.extra["meeting"].pk)),
        prepare=_det_meeting,
    ),
    Look(
        "detection:meeting_held",
        "school_social_worker",
        AuditAction.UPDATE,
        lambda w, c: c.post(_url("detection:meeting_held", w.extra["meeting"].pk), {"held-note": "Godt møde."}),
        prepare=lambda w: _det_meeting(w, past=True),
        status=302,
    ),
    Look(
        "detection:meeting_cancel",
        "school_social_worker",
        AuditAction.UPDATE,
        lambda w, c: c.post(_url("detection:meeting_cancel", w.extra["meeting"].pk), {"cancel-reason": "Syg."}),
        prepare=_det_meeting,
        status=302,
    ),
    Look(
        "detection:imports",
        "administrator",
        AuditAction.CREATE,
        lambda w, c: c.post(
            _url("detection:imports"), {"file": SimpleUploadedFile("fravaer.csv", _det_absence_file(w), "text/csv")}
        ),
        prepare=_det_school,
        status=302,
    ),
    Look(
        "detection:evaluate",
        "administrator",
        AuditAction.CREATE,
        lambda w, c: c.post(_url("detection:evaluate")),
        prepare=_det_absence,
        status=302,
    ),
    Look(
        "detection:unschooled",
        "leader",
        AuditAction.LIST,
        lambda w, c: c.get(_url("detection:unschooled")),
        subject=lambda w, r: w.other_child.pk,
        prepare=_det_unschooled,
    ),
]
API_LOOKS += [
    Look(
        f"GET {_DET}/alerts",
        "school_social_worker",
        AuditAction.LIST,
        lambda w, c: c.get(f"{_DET}/alerts"),
        prepare=_det_alert,
    ),
    Look(
        f"GET {_DET}/alerts/{{alert_id}}",
        "school_social_worker",
        AuditAction.VIEW,
        lambda w, c: c.get(f"{_DET}/alerts/{w.extra['alert'].pk}"),
        prepare=_det_alert,
    ),
    Look(
        f"POST {_DET}/alerts/{{alert_id}}/acknowledge",
        "school_social_worker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, f"{_DET}/alerts/{w.extra['alert'].pk}/acknowledge"),
        prepare=_det_alert,
    ),
    Look(
        f"POST {_DET}/alerts/{{alert_id}}/meetings",
        "school_social_worker",
        AuditAction.CREATE,
        lambda w, c: _post_json(
            c,
            f"{_DET}/alerts/{w.extra['alert'].pk}/meetings",
            {
                "starts_at": (timezone.now() + timedelta(days=2)).isoformat(),
                "ends_at": (timezone.now() + timedelta(days=2, hours=1)).isoformat(),
                "location": "Skolen",
            },
        ),
        prepare=_det_acknowledged,
        status=201,
    ),
    Look(
        f"POST {_DET}/meetings/{{meeting_id}}/held",
        "school_social_worker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, f"{_DET}/meetings/{w.extra['meeting'].pk}/held"),
        prepare=lambda w: _det_meeting(w, past=True),
    ),
    Look(
        f"POST {_DET}/meetings/{{meeting_id}}/cancel",
        "school_social_worker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, f"{_DET}/meetings/{w.extra['meeting'].pk}/cancel", {"reason": "Syg."}),
        prepare=_det_meeting,
    ),
    Look(
        f"POST {_DET}/alerts/{{alert_id}}/plan",
        "school_social_worker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, f"{_DET}/alerts/{w.extra['alert'].pk}/plan", {"plan": "Morgenopkald."}),
        prepare=_det_held,
    ),
    Look(
        f"POST {_DET}/alerts/{{alert_id}}/close",
        "school_social_worker",
        AuditAction.UPDATE,
        lambda w, c: _post_json(c, f"{_DET}/alerts/{w.extra['alert'].pk}/close", {"reason": "Kendt sygdom."}),
        prepare=_det_alert,
    ),
    Look(
        f"GET {_DET}/absence/flagged",
        "school_social_worker",
        AuditAction.LIST,
        lambda w, c: c.get(f"{_DET}/absence/flagged"),
        prepare=_det_absence,
    ),
    Look(
        f"POST {_DET}/absence/imports",
        "administrator",
        AuditAction.CREATE,
        lambda w, c: c.post(
            f"{_DET}/absence/imports", {"file": SimpleUploadedFile("fravaer.csv", _det_absence_file(w), "text/csv")}
        ),
        prepare=_det_school,
        status=202,
    ),
    Look(
        f"POST {_DET}/absence/evaluate",
        "administrator",
        AuditAction.CREATE,
        lambda w, c: _post_json(c, f"{_DET}/absence/evaluate"),
        prepare=_det_absence,
    ),
    Look(
        f"GET {_DET}/unschooled",
        "leader",
        AuditAction.LIST,
        lambda w, c: c.get(f"{_DET}/unschooled"),
        subject=lambda w, r: w.other_child.pk,
        prepare=_det_unschooled,
    ),
]
EXEMPT.update(
    {
        "detection:import": "one import's counts, bad lines (line numbers, messages) and masked CPR numbers of pupils "
        "unknown to the registry; no registered person's data (the import itself is audited with every pupil)",
        f"GET {_DET}/absence/imports": "the latest imports (files and counts); no person",
        f"GET {_DET}/absence/imports/{{import_id}}": "one import's counts and bad lines; no registered person",
    }
)


def _is_api_key(key: str) -> bool:
    return key.split(" ")[0] in {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _perm(pattern) -> Perm | None:
    return getattr(pattern.callback, "helhed_permission", None)


def test_sweep_covers_every_page_that_is_not_public():
    covered = {look.key for look in UI_LOOKS}
    missing = [
        name
        for name, _route, pattern in site_patterns()
        if _perm(pattern) != Perm.PUBLIC and name not in covered and name not in EXEMPT
    ]
    assert not missing, f"Pages missing from the audit sweep (add them to UI_LOOKS or EXEMPT with a reason): {missing}"
    pages = [key for key in (*covered, *EXEMPT) if not _is_api_key(key)]
    stale = [key for key in pages if key not in {n for n, _r, _p in site_patterns()}]
    assert not stale, f"The audit sweep names pages that no longer exist: {stale}"


def test_sweep_covers_every_api_operation():
    covered = {look.key for look in API_LOOKS}
    ops = {f"{method} {path}" for method, path, _op in api_operations()}
    missing = sorted(ops - covered - set(EXEMPT))
    assert not missing, f"API operations missing from the audit sweep (add them to API_LOOKS or EXEMPT): {missing}"
    assert not covered - ops, f"The audit sweep names operations that no longer exist: {sorted(covered - ops)}"
    stale = sorted(key for key in EXEMPT if _is_api_key(key) and key not in ops)
    assert not stale, f"EXEMPT names operations that no longer exist: {stale}"


ALL_LOOKS = UI_LOOKS + API_LOOKS


@pytest.mark.django_db
@pytest.mark.parametrize("look", ALL_LOOKS, ids=[look.id for look in ALL_LOOKS])
def test_every_look_is_audited(world, look: Look):
    if look.prepare:
        look.prepare(world)
    actor = getattr(world.town, look.actor)  # after prepare, which may add an actor (the parent's account)
    client = Client()
    if look.is_api:
        _token, raw = token_create(user=actor)
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    else:
        login(client, actor)
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    response = look.request(world, client)

    assert response.status_code == look.status, (look.id, response.status_code, response.content[:300])
    request_id = response["X-Request-ID"]
    assert request_id
    events = AuditEvent.objects.filter(id__gt=before, request_id=request_id)
    if look.object_type:
        matching = events.filter(actor=actor, action=look.action, object_type=look.object_type)
        if look.object_id:
            matching = matching.filter(object_id=str(look.object_id(world, response)))
        assert matching.exists(), (
            f"{look.id}: no '{look.action}' event by {actor.username} on {look.object_type} in request {request_id}; "
            f"found {list(events.values_list('action', 'actor_username', 'object_type', 'object_id'))}"
        )
        event = matching.first()
        assert event.person_ids == []
    else:
        subject = look.subject(world, response)
        matching = events.filter(actor=actor, action=look.action, subjects__person_id=subject).distinct()
        assert matching.exists(), (
            f"{look.id}: no '{look.action}' event by {actor.username} about person {subject} in request "
            f"{request_id}; found {list(events.values_list('action', 'actor_username', 'person_ids'))}"
        )
        event = matching.first()
        assert subject in event.person_ids
    assert event.actor_username == actor.username
    assert event.channel == ("api" if look.is_api else "ui")
    if look.criterion:
        assert event.criterion == look.criterion(world)
    # A CPR number never reaches the log in clear text.
    assert not AuditEvent.objects.filter(criterion__contains=world.cpr).exists()
    assert not AuditEvent.objects.filter(criterion__contains=world.cpr[6:]).exists()


@pytest.mark.django_db
def test_a_refused_look_is_not_logged_as_a_view(world):
    """Another unit's caseworker gets the 404; the log does not claim they saw the child."""
    client = login(Client(), world.town.other_caseworker)
    response = client.get(reverse("cases:detail", args=[world.case.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(
        request_id=response["X-Request-ID"], subjects__person_id=world.child.pk
    ).exists()


@pytest.mark.django_db
def test_a_proxy_request_id_is_kept_on_the_event(world):
    client = login(Client(), world.town.caseworker)
    response = client.get(reverse("cases:detail", args=[world.case.pk]), headers={"X-Request-ID": "proxy-abc-12345"})
    assert response["X-Request-ID"] == "proxy-abc-12345"
    assert AuditEvent.objects.filter(
        request_id="proxy-abc-12345", action=AuditAction.VIEW, subjects__person_id=world.child.pk
    ).exists()
    # A header that is not a plain id is replaced, so nothing odd is written into the log.
    response = client.get(reverse("cases:detail", args=[world.case.pk]), headers={"X-Request-ID": "<script>"})
    assert response["X-Request-ID"] != "<script>"
    assert len(response["X-Request-ID"]) == 32
