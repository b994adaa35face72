"""Every write of consents and disclosures: atomic, audited, with the acting user (ADR 0013).

The sharing check is here and nowhere else. A service that shares an item with the team (a journal note, a
document, a plan version) calls `sharing_covers` *before* it writes anything and `disclosures_record` after
the item exists, inside the same transaction: without a consent or a chosen legal basis for every receiving
unit the whole action is refused with a message that says why and what would allow it."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helhed.cases import services as case_services
from helhed.cases.gatekeeper import CaseAccess, case_for
from helhed.cases.policies import CasePerm
from helhed.core import audit
from helhed.core.concurrency import bump_version, check_version
from helhed.core.errors import Conflict, HelhedError, NotFound
from helhed.core.i18n import record_language
from helhed.core.models import AuditAction
from helhed.core.validation import as_pk, check_length, check_not_too_early
from helhed.organisation.models import AdministrationCode, Unit

from . import policies, selectors
from .models import Consent, ConsentStatus, ConsentStatusChange, Disclosure, InfoKind, LegalBasis

STALE_MESSAGE = gettext_lazy("Samtykket er ændret af en anden, mens du havde det åbent. Se det igen og prøv på ny.")


_MISSING = {
    "purpose": gettext_lazy("Skriv formålet med samtykket: hvad oplysningerne skal bruges til."),
    "reason": gettext_lazy("Skriv hvem der tilbagekaldte samtykket, hvornår og hvordan."),
}


def _text(value: str | None, *, field: str, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise HelhedError(_MISSING.get(field, _("Skriv en tekst i feltet.")), field=field)
    check_length(text, policies.FREE_TEXT_MAX, field=field)
    return text


def _admin_names(codes) -> str:
    labels = dict(AdministrationCode.choices)
    return ", ".join(str(labels.get(c, c)) for c in codes)


@transaction.atomic
def consent_record(
    *,
    actor,
    case_id,
    given_by: list[int],
    given_on: date,
    administrations: list[str],
    info_kinds: list[str],
    purpose: str,
    valid_from: date,
    valid_to: date | None = None,
    unit_ids: list[int] | None = None,
    document_id: int | None = None,
) -> Consent:
    """Record a written consent from the child's custody holders: to whom (administrations, optionally units),
    which kinds of information, for what purpose and for how long."""
    access = case_for(actor, case_id, need=CasePerm.WRITE_JOURNAL, audit_action=None)
    case = access.case
    holders = {p.pk: p for p in selectors.custody_holders(case.child)}
    if not holders:
        raise HelhedError(
            _(
                "Barnet har ingen registrerede forældremyndighedsindehavere, så der kan ikke registreres et samtykke. "
                "Registrér forældremyndigheden på barnet først."
            ),
            field="given_by",
            code="no_custody_holders",
        )
    ids = {as_pk(x) for x in (given_by or [])}
    if not ids:
        raise HelhedError(_("Vælg hvem der har givet samtykket."), field="given_by")
    if not ids <= set(holders):
        raise HelhedError(
            _("Kun barnets forældremyndighedsindehavere kan give samtykke. Vælg fra listen."), field="given_by"
        )
    admins = sorted(set(administrations or []))
    if not admins or not set(admins) <= set(AdministrationCode.values):
        raise HelhedError(_("Vælg mindst én forvaltning, der må modtage oplysningerne."), field="administrations")
    kinds = sorted(set(info_kinds or []))
    if not kinds or not set(kinds) <= set(InfoKind.values):
        raise HelhedError(_("Vælg hvilke slags oplysninger samtykket gælder."), field="info_kinds")
    purpose = _text(purpose, field="purpose")
    today = timezone.localdate()
    if given_on is None or given_on > today:
        raise HelhedError(_("Skriv den dato samtykket blev givet. Den kan ikke ligge i fremtiden."), field="given_on")
    check_not_too_early(given_on, field="given_on")
    if valid_from is None:
        raise HelhedError(_("Skriv hvorfra samtykket gælder."), field="valid_from")
    check_not_too_early(valid_from, field="valid_from")
    if valid_to is not None and valid_to < valid_from:
        raise HelhedError(_("Slutdatoen ligger før startdatoen."), field="valid_to")
    units = []
    if unit_ids:
        pks = {as_pk(x) for x in unit_ids}
        units = list(Unit.objects.filter(pk__in=pks).select_related("administration"))
        if len(units) != len(pks):
            raise HelhedError(_("En af de valgte enheder findes ikke."), field="units")
        outside = [u.name for u in units if u.administration.code not in admins]
        if outside:
            raise HelhedError(
                _("Enheden %(u)s hører ikke til en af de valgte forvaltninger.") % {"u": ", ".join(outside)},
                field="units",
            )
    if document_id is not None:
        from helhed.cases.selectors import document_on_case

        if document_on_case(case, as_pk(document_id)) is None:
            raise HelhedError(_("Dokumentet findes ikke på sagen."), field="document_id")
    now = timezone.now()
    consent = Consent.objects.create(
        case=case,
        given_on=given_on,
        administrations=admins,
        info_kinds=kinds,
        purpose=purpose,
        valid_from=valid_from,
        valid_to=valid_to,
        document_id=as_pk(document_id) if document_id is not None else None,
        recorded_by=actor,
        recorded_at=now,
    )
    consent.given_by.set(ids)
    if units:
        consent.units.set(units)
    _status_changed(consent, actor=actor, at=now, from_status="")
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=consent,
        persons=[case.child_id, *ids],
        case_id=case.pk,
        detail={"administrations": admins, "info_kinds": kinds, "units": [u.pk for u in units]},
    )
    disclose_covered(actor=actor, access=access)
    return consent


def _status_changed(consent: Consent, *, actor, at, from_status: str, reason: str = "") -> None:
    """The consent's status history and its line on the child's timeline (not shared with the team)."""
    ConsentStatusChange.objects.create(
        consent=consent,
        from_status=from_status,
        to_status=consent.status,
        reason=reason,
        changed_by=actor,
        changed_at=at,
    )
    case = consent.case
    with record_language():
        title = (
            _("Samtykke registreret: %(a)s")
            if consent.status == ConsentStatus.ACTIVE
            else _("Samtykke tilbagekaldt: %(a)s")
        ) % {"a": _admin_names(consent.administrations)}
        case_services.timeline_add(
            person_id=case.child_id,
            case=case,
            at=at,
            kind=f"consent_{consent.status}",
            title=title,
            actor=actor,
            administration=case.responsible_unit.administration.code,
            obj=consent,
        )


@transaction.atomic
def consent_withdraw(*, actor, case_id, consent_id, reason: str, version=None) -> Consent:
    """A custody holder withdraws the consent. From now on nothing more is disclosed on it, and what was
    disclosed on it is no longer shown to the receiving units."""
    access = case_for(actor, case_id, need=CasePerm.WRITE_JOURNAL, audit_action=None)
    case = access.case
    consent = Consent.objects.select_for_update().filter(case=case, pk=as_pk(consent_id)).first()
    if consent is None:
        raise NotFound(_("Samtykket findes ikke på sagen."), code="not_found")
    check_version(consent, version, message=STALE_MESSAGE)
    if not policies.transition_allowed(consent.status, ConsentStatus.WITHDRAWN):
        raise Conflict(_("Samtykket er allerede tilbagekaldt."), code="bad_transition")
    reason = _text(reason, field="reason")
    now = timezone.now()
    from_status = consent.status
    consent.status, consent.withdrawn_at, consent.withdrawal_reason = ConsentStatus.WITHDRAWN, now, reason
    bump_version(consent, "status", "withdrawn_at", "withdrawal_reason")
    _status_changed(consent, actor=actor, at=now, from_status=from_status, reason=reason)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=consent,
        persons=[case.child_id, *consent.given_by.values_list("pk", flat=True)],
        case_id=case.pk,
        reason=reason,
        detail={"withdrawn": True},
    )
    return consent


# -- sharing ------------------------------------------------------------------------------------------


def _chosen_basis(code: str) -> LegalBasis | None:
    code = (code or "").strip()
    if not code:
        return None
    basis = next((b for b in selectors.bases_in_force() if b.code == code), None)
    if basis is None:
        raise HelhedError(_("Ukendt eller udløbet lovgrundlag. Vælg et fra listen."), field="share_basis")
    return basis


def _check_reason(basis: LegalBasis | None, reason: str) -> str:
    """A legal basis is used only with a written reason why it applies here."""
    reason = _text(reason, field="share_reason", required=False)
    if basis is not None and not reason:
        raise HelhedError(
            _("Skriv hvorfor lovgrundlaget »%(b)s« giver adgang til at dele her.") % {"b": basis.name},
            field="share_reason",
            code="reason_required",
        )
    return reason


def sharing_covers(
    access: CaseAccess,
    info_kind: str,
    *,
    basis_code: str = "",
    reason: str = "",
    only_units: set[int] | None = None,
    partial: bool = False,
) -> tuple[list[policies.Cover], list[policies.Recipient]]:
    """Who on the team would receive the item and on what basis. Refuses (400) when a receiving unit has
    neither a consent in force from every custody holder nor the chosen legal basis, unless `partial`
    (the caller then shares with the covered units only and shows the rest as waiting)."""
    case = access.case
    recipients = selectors.recipients(case)
    if only_units is not None:
        recipients = [r for r in recipients if r.unit_id in only_units]
    if not recipients:
        return [], []
    basis = _chosen_basis(basis_code)
    _check_reason(basis, reason)
    covered, missing = policies.covers(
        recipients,
        consents=selectors.consent_facts(case),
        holders=selectors.holder_ids(case),
        info_kind=info_kind,
        on=timezone.localdate(),
        basis=selectors.basis_facts(basis) if basis is not None else None,
    )
    if missing and not partial:
        raise HelhedError(_why_not(missing, info_kind, basis), field="share_basis", code="no_sharing_basis")
    return covered, missing


def _why_not(missing: list[policies.Recipient], info_kind: str, basis: LegalBasis | None) -> str:
    units = ", ".join(f"{r.unit_name} ({r.administration})" for r in missing)
    kind = str(InfoKind(info_kind).label).lower()
    if basis is not None:
        return _(
            "Kan ikke deles med %(units)s: lovgrundlaget »%(basis)s« dækker ikke videregivelse til den forvaltning, "
            "og der er ikke et gyldigt samtykke. Registrér et samtykke under »Samtykke og deling«, vælg et andet "
            "lovgrundlag, eller gem uden at dele."
        ) % {"units": units, "basis": basis.name}
    return _(
        "Kan ikke deles med %(units)s: der er ikke et gyldigt samtykke fra alle forældremyndighedsindehavere, der "
        "dækker %(kind)s til den forvaltning, og der er ikke valgt et lovgrundlag. Registrér samtykket under "
        "»Samtykke og deling«, eller vælg et lovgrundlag og skriv hvorfor det gælder, eller gem uden at dele."
    ) % {"units": units, "kind": kind}


def disclosures_record(
    *, actor, access: CaseAccess, info_kind: str, item_id: int, item_title: str, covers, reason: str = ""
) -> list[Disclosure]:
    """Record the disclosure of one item to each covered unit, each with its basis, in the audit log too."""
    if not covers:
        return []
    case = access.case
    now = timezone.now()
    reason = (reason or "").strip()
    rows = []
    for cover in covers:
        rows.append(
            Disclosure.objects.create(
                case=case,
                item_kind=info_kind,
                item_id=item_id,
                item_title=item_title[:250],
                unit_id=cover.recipient.unit_id,
                administration=cover.recipient.administration,
                consent_id=cover.consent_id,
                legal_basis_id=cover.basis_id,
                reason=reason if cover.basis_id else "",
                disclosed_by=actor,
                disclosed_at=now,
            )
        )
    bases = {b.pk: b for b in LegalBasis.objects.filter(pk__in={c.basis_id for c in covers if c.basis_id})}
    for row in rows:
        basis = bases.get(row.legal_basis_id) if row.legal_basis_id else None
        audit.record(
            actor=actor,
            action=AuditAction.DISCLOSE,
            obj=row,
            persons=[case.child_id],
            case_id=case.pk,
            reason=row.reason,
            detail={
                "item": f"{info_kind}:{item_id}",
                "to_unit": row.unit_id,
                "to_administration": row.administration,
                "basis": "consent" if row.consent_id else basis.code if basis else "",
                "paragraph": basis.paragraph if basis else "",
                "consent": row.consent_id,
            },
        )
    return rows


def _disclose_pending(
    *, actor, access: CaseAccess, recipients, basis: LegalBasis | None, reason: str
) -> list[Disclosure]:
    """Disclose to the given units every shared item they have not (or no longer) received, as far as a consent
    in force (or the chosen basis) covers it. Returns the disclosures made."""
    case = access.case
    pending = selectors.pending_for(case, recipients)
    if not pending:
        return []
    facts, holders = selectors.consent_facts(case), selectors.holder_ids(case)
    basis_facts = selectors.basis_facts(basis) if basis is not None else None
    today = timezone.localdate()
    rows: list[Disclosure] = []
    for p in pending:
        for kind, item_id, title in p.items:
            covers, _missing = policies.covers(
                [p.recipient], consents=facts, holders=holders, info_kind=kind, on=today, basis=basis_facts
            )
            rows += disclosures_record(
                actor=actor,
                access=access,
                info_kind=kind,
                item_id=item_id,
                item_title=title,
                covers=covers,
                reason=reason,
            )
    return rows


def disclose_covered(*, actor, access: CaseAccess, unit_ids: set[int] | None = None) -> list[Disclosure]:
    """What the team shares reaches the team's units of other administrations as far as a consent in force
    covers it. Called when a professional joins the team and when a consent is recorded, so a consent works
    without anyone sharing each item again; each disclosure is recorded with the consent it used."""
    recipients = selectors.recipients(access.case)
    if unit_ids is not None:
        recipients = [r for r in recipients if r.unit_id in unit_ids]
    return _disclose_pending(actor=actor, access=access, recipients=recipients, basis=None, reason="")


@transaction.atomic
def share_pending(*, actor, case_id, unit_id, basis_code: str = "", reason: str = "") -> list[Disclosure]:
    """Disclose to one receiving unit everything the team shares that it has not (or no longer) received, on a
    consent or the chosen legal basis with its reason. Refused with the reason when neither covers an item."""
    access = case_for(actor, case_id, need=CasePerm.WRITE_JOURNAL, audit_action=None)
    case = access.case
    pk = as_pk(unit_id)
    recipient = next((r for r in selectors.recipients(case) if r.unit_id == pk), None)
    pending = selectors.pending_for(case, [recipient]) if recipient is not None else []
    if recipient is None or not pending:
        raise HelhedError(_("Der er intet at dele med den enhed."), field="unit", code="nothing_pending")
    basis = _chosen_basis(basis_code)
    reason = _check_reason(basis, reason)
    rows = _disclose_pending(actor=actor, access=access, recipients=[recipient], basis=basis, reason=reason)
    left = selectors.pending_for(case, [recipient])
    if left:
        kinds = sorted({kind for kind, _id, _title in left[0].items})
        raise HelhedError(_why_not([recipient], kinds[0], basis), field="share_basis", code="no_sharing_basis")
    return rows
