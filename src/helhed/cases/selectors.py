"""Every read of case data, all through the gatekeeper and all audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from helhed.core import audit
from helhed.core.errors import Forbidden
from helhed.core.models import AuditAction, AuditEvent
from helhed.people.models import Relation

from .gatekeeper import CaseAccess, case_for, cases_visible_to
from .models import ACTIVE_STATUSES, Case, Document, JournalAddendum, JournalNote, TeamMember, TeamRole, TimelineEvent
from .policies import CasePerm

RECENT_LIMIT = 10
LIST_LIMIT = 100


def _case_list_qs(qs):
    responsible = Prefetch(
        "team",
        queryset=TeamMember.objects.filter(valid_to__isnull=True, role=TeamRole.RESPONSIBLE_CASEWORKER).select_related(
            "user"
        ),
        to_attr="responsible_members",
    )
    return qs.select_related("child", "responsible_unit").prefetch_related(responsible)


@dataclass
class MyCases:
    mine: list[Case]
    team: list[Case]
    recent: list[Case]


def my_cases(*, actor) -> MyCases:
    """'Mine sager': cases where I am responsible, cases where I am otherwise on the team, recently viewed."""
    memberships = TeamMember.objects.filter(user=actor, valid_to__isnull=True, case__status__in=ACTIVE_STATUSES)
    mine_ids = memberships.filter(role=TeamRole.RESPONSIBLE_CASEWORKER).values("case_id")
    team_ids = memberships.exclude(role=TeamRole.RESPONSIBLE_CASEWORKER).values("case_id")
    mine = list(_case_list_qs(Case.objects.filter(id__in=mine_ids)).order_by("-opened_at")[:LIST_LIMIT])
    team = list(_case_list_qs(Case.objects.filter(id__in=team_ids)).order_by("-opened_at")[:LIST_LIMIT])
    recent_ids: list[int] = []
    for case_id in (
        AuditEvent.objects.filter(actor=actor, action=AuditAction.VIEW, case_id__isnull=False)
        .order_by("-at")
        .values_list("case_id", flat=True)[:200]
    ):
        if case_id is not None and case_id not in recent_ids:
            recent_ids.append(case_id)
        if len(recent_ids) >= RECENT_LIMIT:
            break
    recent_by_id = {c.pk: c for c in _case_list_qs(cases_visible_to(actor).filter(id__in=recent_ids))}
    recent = [recent_by_id[i] for i in recent_ids if i in recent_by_id]
    shown = {c.child_id for c in (*mine, *team, *recent)}
    if shown:
        audit.record(
            actor=actor,
            action=AuditAction.LIST,
            object_type="cases.case",
            persons=shown,
            detail={"view": "my_cases", "count": len(mine) + len(team) + len(recent)},
        )
    return MyCases(mine=mine, team=team, recent=recent)


def visible_cases(*, actor, status: str | None = None, limit: int = LIST_LIMIT, offset: int = 0) -> list[Case]:
    qs = cases_visible_to(actor)
    if status:
        qs = qs.filter(status=status)
    cases = list(_case_list_qs(qs).order_by("-opened_at", "-id")[offset : offset + limit])
    if cases:
        audit.record(
            actor=actor,
            action=AuditAction.LIST,
            object_type="cases.case",
            persons=[c.child_id for c in cases],
            detail={"view": "case_list", "count": len(cases)},
        )
    return cases


def cases_by_journal_number(*, actor, number: str) -> list[Case]:
    cases = list(_case_list_qs(cases_visible_to(actor).filter(journal_number=number.strip())))
    audit.record(
        actor=actor,
        action=AuditAction.SEARCH,
        object_type="cases.case",
        criterion=number.strip(),
        persons=[c.child_id for c in cases],
        detail={"kind": "journal_number", "hits": len(cases)},
    )
    return cases


def case_map_for_children(*, actor, child_ids) -> dict[int, Case]:
    """Visible active-or-latest case per child, for search results (no extra audit: the search logged it)."""
    out: dict[int, Case] = {}
    for case in cases_visible_to(actor).filter(child_id__in=child_ids).order_by("opened_at"):
        out[case.child_id] = case
    return out


def children_with_hidden_cases(*, actor, child_ids) -> dict[int, int]:
    """child id -> case id for active cases the actor cannot see (offered for break-the-glass)."""
    visible = cases_visible_to(actor).values("id")
    return dict(
        Case.objects.filter(child_id__in=child_ids, status__in=ACTIVE_STATUSES)
        .exclude(id__in=visible)
        .values_list("child_id", "id")
    )


def case_team(access: CaseAccess) -> list[TeamMember]:
    if not access.can(CasePerm.VIEW_TEAM):
        raise Forbidden(_("Du har ikke adgang til sagens team."))
    return list(
        TeamMember.objects.filter(case=access.case, valid_to__isnull=True)
        .select_related("user", "unit", "unit__administration")
        .order_by("role", "id")
    )


def case_team_history(access: CaseAccess) -> list[TeamMember]:
    return list(
        TeamMember.objects.filter(case=access.case, valid_to__isnull=False)
        .select_related("user", "unit")
        .order_by("-valid_to")
    )


def _disclosed(access: CaseAccess, kind: str) -> set[int] | None:
    from helhed.consent.selectors import visible_item_ids

    return visible_item_ids(access, kind)


def _shared_only(access: CaseAccess, qs, kind: str):
    """Limited sight: what the team shares, and from another administration only what was disclosed to the
    reader's unit on a consent or a legal basis (ADR 0013)."""
    qs = qs.filter(shared_with_team=True)
    disclosed = _disclosed(access, kind)
    return qs if disclosed is None else qs.filter(pk__in=disclosed)


def case_journal(access: CaseAccess, *, limit: int = 200) -> list[JournalNote]:
    """The journal for full access; only notes shared with (and disclosed to) the reader for limited access."""
    qs = JournalNote.objects.filter(case=access.case)
    if not access.can(CasePerm.VIEW_JOURNAL):
        if not access.can(CasePerm.VIEW_SHARED):
            raise Forbidden(_("Du har ikke adgang til sagens journal."))
        qs = _shared_only(access, qs, "note")
    addenda = Prefetch("addenda", queryset=JournalAddendum.objects.select_related("author"))
    return list(qs.select_related("author").prefetch_related(addenda).order_by("-created_at", "-id")[:limit])


def case_documents(access: CaseAccess) -> list[Document]:
    qs = Document.objects.filter(case=access.case).select_related("uploaded_by")
    if not access.can(CasePerm.VIEW_DOCUMENTS):
        qs = _shared_only(access, qs, "document")
    return list(qs.order_by("-uploaded_at", "-id"))


def case_timeline(access: CaseAccess, *, actor, limit: int = 200) -> list[TimelineEvent]:
    """Everything about the child across administrations, newest first (limited access: shared lines only).

    Lines that belong to another of the child's cases (an earlier, closed case held by another unit) are
    shown only if the reader may see that case too: the timeline must not leak what the gatekeeper hides."""
    qs = (
        TimelineEvent.objects.filter(person_id=access.case.child_id)
        .filter(Q(case__isnull=True) | Q(case_id=access.case.pk) | Q(case_id__in=cases_visible_to(actor).values("id")))
        .select_related("actor")
    )
    if not access.can(CasePerm.VIEW_JOURNAL):
        qs = qs.filter(shared_with_team=True)
        for kind, object_type in (("note", "cases.journalnote"), ("document", "cases.document")):
            disclosed = _disclosed(access, kind)
            if disclosed is not None:
                qs = qs.exclude(Q(object_type=object_type) & ~Q(object_id__in=[str(i) for i in disclosed]))
    return list(qs.order_by("-at", "-id")[:limit])


def case_status_history(access: CaseAccess):
    return list(access.case.status_history.select_related("changed_by").all())


@dataclass
class FamilyMember:
    relative: object
    kinds: list[str]


def case_family(*, actor, access: CaseAccess) -> list[FamilyMember]:
    """The child's relations (parents, custody holders, siblings, network). Full access only; the
    relatives shown are persons too, so the look is audited with them as subjects."""
    if not access.can(CasePerm.VIEW_JOURNAL):
        return []
    relations = list(
        Relation.objects.filter(person_id=access.case.child_id).select_related("relative").order_by("kind", "id")
    )
    if relations:
        audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            object_type="people.relation",
            persons=[r.relative_id for r in relations],
            case_id=access.case.pk,
            detail={"view": "family"},
        )
    grouped: dict[int, FamilyMember] = {}
    for r in relations:
        member = grouped.setdefault(r.relative_id, FamilyMember(relative=r.relative, kinds=[]))
        member.kinds.append(str(r.get_kind_display()).lower())
    return list(grouped.values())


def document_for_download(*, actor, case_id, document_id) -> tuple[CaseAccess, Document]:
    access = case_for(actor, case_id, need=CasePerm.VIEW_SUMMARY, audit_action=None)
    qs = Document.objects.filter(case=access.case)
    if not access.can(CasePerm.VIEW_DOCUMENTS):
        qs = _shared_only(access, qs, "document")
    try:
        doc = qs.filter(pk=int(document_id)).first()
    except (TypeError, ValueError):
        doc = None
    if doc is None:
        raise Http404
    audit.record(
        actor=actor,
        action=AuditAction.DOWNLOAD,
        obj=doc,
        persons=[access.case.child_id],
        case_id=access.case.pk,
        detail={"sha256": doc.sha256},
    )
    return access, doc


def shared_with_team_items(case: Case, kind: str) -> list[tuple[int, str]]:
    """(id, title) of the notes or documents on the case shared with the team. No audit: for the sharing
    services, which record their own events."""
    model = JournalNote if kind == "note" else Document
    return list(model.objects.filter(case=case, shared_with_team=True).order_by("pk").values_list("pk", "title"))


def document_on_case(case: Case, document_id: int) -> Document | None:
    return Document.objects.filter(case=case, pk=document_id).first()


def documents_of_kind(access: CaseAccess, kind: str) -> list[Document]:
    """The case's documents of one kind (e.g. signed consents), for a choice on a form (full sight only)."""
    if not access.can(CasePerm.VIEW_DOCUMENTS):
        return []
    return list(Document.objects.filter(case=access.case, kind=kind).order_by("-uploaded_at", "-id"))


def active_case_of(person) -> Case | None:
    """The child's open (or reopened) case, if any. For services matching incoming data to a child; they
    pass their own gatekeeper and audit the use themselves."""
    if person is None:
        return None
    return Case.objects.filter(child=person, status__in=ACTIVE_STATUSES).select_related("responsible_unit").first()


def responsible_caseworker_of(case: Case):
    member = (
        TeamMember.objects.filter(case=case, role=TeamRole.RESPONSIBLE_CASEWORKER, valid_to__isnull=True)
        .select_related("user")
        .first()
    )
    return member.user if member is not None else None


def parent_contact_of(case: Case) -> TeamMember | None:
    """The case's contact person for the parents (the team member marked so), with user and unit. For the parents'
    view (family.selectors), which checks the reader and records the look itself."""
    return (
        TeamMember.objects.filter(case=case, is_parent_contact=True, valid_to__isnull=True)
        .select_related("user", "unit")
        .first()
    )


def active_cases_of_children(child_ids) -> dict[int, Case]:
    """child id -> open (or reopened) case, for services matching incoming data to children in bulk (early
    detection's alerts). They pass their own gatekeeper and audit the use themselves."""
    return {
        case.child_id: case
        for case in Case.objects.filter(child_id__in=list(child_ids), status__in=ACTIVE_STATUSES).select_related(
            "responsible_unit"
        )
    }


def active_team_users(case: Case) -> list:
    """The staff on a case's team today (each once), e.g. to tell them of a new alert about the child."""
    today = timezone.localdate()
    members = (
        TeamMember.objects.filter(case=case, valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("user")
        .order_by("id")
    )
    seen: dict[int, object] = {}
    for member in members:
        seen.setdefault(member.user_id, member.user)
    return list(seen.values())
