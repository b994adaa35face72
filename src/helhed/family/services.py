"""Every write of the parents' view: a caseworker creates a one-time login link for one of the child's custody
holders and may revoke it; the parent uses it once to log in. Every write is audited (the child and the parent are
the persons concerned) and creating and revoking land on the child's timeline (not shared with the team)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helhed.cases import services as case_services
from helhed.cases.gatekeeper import case_for
from helhed.cases.policies import CasePerm
from helhed.core import audit, idempotency
from helhed.core.errors import HelhedError, NotFound
from helhed.core.i18n import record_language
from helhed.core.models import AuditAction
from helhed.core.validation import as_pk
from helhed.people.selectors import custody_holders

from . import policies
from .models import ParentAccount, ParentLink

ACCOUNT_FIRST_NAME = "Forælder"  # shown in the header; the person's name stays off the user row (ADR 0014)


@dataclass
class CreatedLink:
    link: ParentLink
    token: str  # the clear-text token: shown once, never stored


@transaction.atomic
def parent_link_create(*, actor, case_id, person_id, submission_key: str | None = None) -> CreatedLink:
    """A one-time login link to the parents' view of the case for one of the child's custody holders (72 hours).
    An earlier unused link of the same person on the case is revoked, so only the newest works."""
    access = case_for(actor, case_id, need=CasePerm.WRITE_JOURNAL, audit_action=None, lock=True)
    case = access.case
    if not case.is_active:
        raise HelhedError(_("Sagen er lukket. Forældrevisningen er kun for åbne sager."), code="case_closed")
    pk = as_pk(person_id)
    person = next((p for p in custody_holders(case.child) if p.pk == pk), None)
    if person is None:
        raise HelhedError(
            _(
                "Kun barnets forældremyndighedsindehavere kan få et link til forældrevisningen. Vælg en af dem på "
                "listen, eller registrer forældremyndigheden på barnet først."
            ),
            field="person_id",
            code="not_custody_holder",
        )
    idempotency.claim(key=submission_key, actor=actor)
    now = timezone.now()
    replaced = list(
        ParentLink.objects.filter(
            case=case, person=person, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).values_list("pk", flat=True)
    )
    if replaced:
        ParentLink.objects.filter(pk__in=replaced).update(revoked_at=now, revoked_by=actor)
    token = secrets.token_urlsafe(policies.TOKEN_BYTES)
    link = ParentLink.objects.create(
        case=case,
        person=person,
        token_hash=policies.token_digest(token),
        created_by=actor,
        created_at=now,
        expires_at=policies.expires_at(now),
    )
    with record_language():
        title = _("Link til forældrevisningen oprettet til %(name)s") % {"name": person.full_name}
    case_services.timeline_add(
        person_id=case.child_id, case=case, kind="parent_link", title=title, actor=actor, obj=link
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=link,
        persons=[case.child_id, person.pk],
        case_id=case.pk,
        detail={"expires_at": link.expires_at.isoformat(), "replaced": replaced},
    )
    return CreatedLink(link=link, token=token)


@transaction.atomic
def parent_link_revoke(*, actor, case_id, link_id) -> ParentLink:
    """Take a link back: unused, it no longer logs anyone in; used, the parent no longer sees the case."""
    access = case_for(actor, case_id, need=CasePerm.WRITE_JOURNAL, audit_action=None, lock=True)
    case = access.case
    link = ParentLink.objects.select_related("person").filter(pk=as_pk(link_id), case=case).first()
    if link is None:
        raise NotFound(_("Linket findes ikke på sagen."))
    now = timezone.now()
    state = policies.link_state(expires_at=link.expires_at, used_at=link.used_at, revoked_at=link.revoked_at, now=now)
    if not policies.can_revoke(state):
        raise HelhedError(
            _("Linket er allerede trukket tilbage eller udløbet. Der er intet at trække tilbage."), code="not_revocable"
        )
    link.revoked_at = now
    link.revoked_by = actor
    link.save(update_fields=["revoked_at", "revoked_by"])
    with record_language():
        title = _("Forældrevisningen lukket for %(name)s") % {"name": link.person.full_name}
    case_services.timeline_add(
        person_id=case.child_id, case=case, kind="parent_link", title=title, actor=actor, obj=link
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=link,
        persons=[case.child_id, link.person_id],
        case_id=case.pk,
        detail={"revoked": True, "was": state},
    )
    return link


def _account_for(person, now) -> ParentAccount:
    account = ParentAccount.objects.select_related("user").filter(person=person).first()
    if account is not None:
        return account
    user = get_user_model()(
        username=f"familie-{uuid.uuid4().hex[:12]}",
        first_name=ACCOUNT_FIRST_NAME,
        synthetic=person.synthetic,
        is_active=True,
    )
    user.set_unusable_password()  # no password login: only a link logs a parent in
    user.save()
    return ParentAccount.objects.create(person=person, user=user, created_at=now)


@transaction.atomic
def parent_link_use(*, token: str):
    """Use a link once: check it, mark it used and return the user of the person's parent account (created the
    first time) for the view to log in. Refused with a Danish 404 (unknown) or 410 (used, expired, revoked, or no
    longer valid). Audited as the parent's login."""
    if not policies.well_formed(token):
        raise policies.unknown_link()
    link = (
        ParentLink.objects.select_for_update(of=("self",))
        .select_related("case", "case__child", "person")
        .filter(token_hash=policies.token_digest(token))
        .first()
    )
    if link is None:
        raise policies.unknown_link()
    now = timezone.now()
    state = policies.link_state(expires_at=link.expires_at, used_at=link.used_at, revoked_at=link.revoked_at, now=now)
    refusal = policies.login_refusal(state)
    if refusal is not None:
        raise refusal
    if not link.case.is_active or link.person_id not in {p.pk for p in custody_holders(link.case.child)}:
        raise policies.no_longer_valid()
    account = _account_for(link.person, now)
    # The conditional update makes the link single-use even if two requests pass the checks at once.
    taken = ParentLink.objects.filter(pk=link.pk, used_at__isnull=True, revoked_at__isnull=True).update(
        used_at=now, used_by=account
    )
    if taken != 1:
        raise policies.login_refusal(policies.LinkState.USED) or policies.no_longer_valid()
    audit.record(
        actor=account.user,
        action=AuditAction.LOGIN,
        obj=link,
        persons=[link.case.child_id, link.person_id],
        case_id=link.case_id,
        detail={"via": "parent_link"},
    )
    return account.user
