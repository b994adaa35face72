"""Every write of person data. Keyword-only, atomic, audited, taking the acting user."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from helhed.core import audit, idempotency
from helhed.core.errors import Conflict, HelhedError
from helhed.core.models import AuditAction
from helhed.core.validation import check_length, check_not_too_early

from . import crypto, policies
from .models import Enrolment, Person, PersonMerge, Relation


def _apply_cpr(person: Person, cpr: str | None, no_cpr_reason: str) -> None:
    if cpr:
        parsed = policies.parse(cpr)
        person.cpr_encrypted = crypto.encrypt(parsed.number)
        person.cpr_hash = crypto.lookup_hash(parsed.number)
        person.cpr_masked = parsed.masked
        person.birth_date = parsed.birth_date
        person.sex = parsed.sex
        person.no_cpr_reason = ""
    else:
        if not (no_cpr_reason or "").strip():
            raise HelhedError(
                _("Skriv hvorfor personen ikke har et CPR-nummer (fx 'ukendt endnu' eller 'udenlandsk')."),
                field="no_cpr_reason",
            )
        person.no_cpr_reason = no_cpr_reason.strip()


@transaction.atomic
def person_create(
    *,
    actor,
    first_name: str,
    last_name: str,
    cpr: str | None = None,
    no_cpr_reason: str = "",
    birth_date: date | None = None,
    sex: str = "",
    address: str = "",
    postal_code: str = "",
    city: str = "",
    district=None,
    synthetic: bool = False,
    audit_event: bool = True,
    submission_key: str | None = None,
) -> Person:
    """Create a person. The CPR number is validated, encrypted and hashed; birth date and sex follow from it."""
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    if not first_name or not last_name:
        raise HelhedError(_("Skriv både fornavn og efternavn."), field="first_name")
    for value, max_length, field in (
        (first_name, 120, "first_name"),
        (last_name, 120, "last_name"),
        (address, 200, "address"),
        (city, 80, "city"),
        (no_cpr_reason, 200, "no_cpr_reason"),
    ):
        check_length(value, max_length, field=field)
    if birth_date and birth_date > timezone.localdate():
        raise HelhedError(_("Fødselsdatoen ligger i fremtiden. Tjek datoen."), field="birth_date")
    check_not_too_early(birth_date, field="birth_date")
    # isascii: str.isdigit() also accepts e.g. Arabic-Indic digits.
    if postal_code and not (postal_code.isascii() and postal_code.isdigit() and len(postal_code) == 4):
        raise HelhedError(_("Et postnummer består af 4 cifre."), field="postal_code")
    person = Person(
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        sex=sex,
        address=address,
        postal_code=postal_code,
        city=city,
        district=district,
        synthetic=synthetic,
    )
    try:
        _apply_cpr(person, cpr, no_cpr_reason)
    except policies.InvalidCpr as exc:
        raise HelhedError(str(exc), field="cpr")
    if person.cpr_hash and Person.objects.filter(cpr_hash=person.cpr_hash, merged_into__isnull=True).exists():
        raise Conflict(
            _("Der findes allerede en person med dette CPR-nummer. Søg personen frem i stedet."), field="cpr"
        )
    idempotency.claim(key=submission_key, actor=actor)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise Conflict(
            _("Der findes allerede en person med dette CPR-nummer. Søg personen frem i stedet."), field="cpr"
        )
    if audit_event:
        audit.record(actor=actor, action=AuditAction.CREATE, obj=person, persons=[person])
    return person


@transaction.atomic
def person_reveal_cpr(*, actor, person: Person, reason: str = "", case_id: int | None = None) -> str:
    """Decrypt the full CPR number for display. Always audited (action reveal_cpr)."""
    if not person.cpr_encrypted:
        raise HelhedError(_("Personen har intet CPR-nummer registreret."))
    number = crypto.decrypt(person.cpr_encrypted)
    audit.record(
        actor=actor, action=AuditAction.REVEAL_CPR, obj=person, persons=[person], case_id=case_id, reason=reason
    )
    return policies.format_cpr(number)


@transaction.atomic
def relation_add(
    *, actor, person: Person, relative: Person, kind: str, note: str = "", audit_event: bool = True
) -> Relation:
    if person.pk == relative.pk:
        raise HelhedError(_("En person kan ikke have en relation til sig selv."))
    if person.merged_into_id or relative.merged_into_id:
        raise HelhedError(
            _("Personen er lagt sammen med en anden person. Tilføj relationen på den samlede person."),
            field="relative_id",
        )
    check_length(note, 200, field="note")
    relation, created = Relation.objects.get_or_create(
        person=person, relative=relative, kind=kind, defaults={"note": note}
    )
    if not created:
        raise Conflict(_("Relationen findes allerede."))
    if audit_event:
        audit.record(actor=actor, action=AuditAction.CREATE, obj=relation, persons=[person, relative])
    return relation


@transaction.atomic
def enrolment_add(
    *, actor, person: Person, unit, valid_from: date, grade: str = "", audit_event: bool = True
) -> Enrolment:
    enrolment = Enrolment.objects.create(person=person, unit=unit, grade=grade, valid_from=valid_from)
    if audit_event:
        audit.record(actor=actor, action=AuditAction.CREATE, obj=enrolment, persons=[person])
    return enrolment


# Key in PersonMerge.moved recording that the survivor took over the duplicate's CPR number.
CPR_TAKEN_OVER = "people.person.cpr"


# Rows that point at a person and move to the survivor on a merge: (model label, field).
def _merge_targets():
    from helhed.cases.models import Case, TimelineEvent

    return [
        (Relation, "person"),
        (Relation, "relative"),
        (Enrolment, "person"),
        (Case, "child"),
        (TimelineEvent, "person"),
    ]


def _relation_clash(field: str, survivor: Person) -> Q:
    """Relations of the duplicate that the survivor already has (same relative and kind), or that link the two
    records to each other. Moving them would break `relation_unique` / `relation_not_self`; they stay on the
    merged-away record, so the merge can still be reversed exactly."""
    other = "relative" if field == "person" else "person"
    same = Relation.objects.filter(**{field: survivor, other: OuterRef(other), "kind": OuterRef("kind")})
    return Q(**{other: survivor}) | Q(Exists(same))


@transaction.atomic
def person_merge(*, actor, survivor: Person, duplicate: Person, reason: str) -> PersonMerge:
    """Merge a duplicate person into the survivor. Every re-pointed row is recorded so it can be undone."""
    if not (reason or "").strip():
        raise HelhedError(_("Skriv hvorfor de to personer er den samme."), field="reason")
    if survivor.pk == duplicate.pk:
        raise HelhedError(_("Vælg to forskellige personer."))
    # Lock both rows (in id order, so two merges cannot deadlock) and re-read their state under the lock:
    # two people merging the same duplicate at the same moment must not both succeed.
    locked = {
        p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[survivor.pk, duplicate.pk]).order_by("pk")
    }
    if locked[survivor.pk].merged_into_id or locked[duplicate.pk].merged_into_id:
        raise Conflict(_("En af personerne er allerede lagt sammen med en anden."))
    if survivor.cpr_hash and duplicate.cpr_hash and survivor.cpr_hash != duplicate.cpr_hash:
        raise HelhedError(_("Personerne har forskellige CPR-numre og kan ikke lægges sammen."))
    from helhed.cases.models import ACTIVE_STATUSES, Case

    if (
        Case.objects.filter(child=survivor, status__in=ACTIVE_STATUSES).exists()
        and Case.objects.filter(child=duplicate, status__in=ACTIVE_STATUSES).exists()
    ):
        raise Conflict(_("Begge personer har en åben sag. Luk den ene sag, før personerne lægges sammen."))
    moved: dict[str, Any] = {}
    for model, field in _merge_targets():
        rows = model.objects.filter(**{field: duplicate})
        if model is Relation:
            rows = rows.exclude(_relation_clash(field, survivor))
        ids = list(rows.values_list("id", flat=True))
        if ids:
            model.objects.filter(id__in=ids).update(**{field: survivor})
            moved[f"{model._meta.label_lower}.{field}"] = ids
    duplicate.merged_into = survivor
    duplicate.save(update_fields=["merged_into", "updated_at"])
    if duplicate.cpr_hash and not survivor.cpr_hash:
        # The survivor takes over the duplicate's CPR number, so a CPR search still finds the child.
        # What the survivor had before is kept in the merge record and put back if the merge is undone.
        moved[CPR_TAKEN_OVER] = {
            "birth_date": survivor.birth_date.isoformat() if survivor.birth_date else None,
            "sex": survivor.sex,
            "no_cpr_reason": survivor.no_cpr_reason,
        }
        survivor.cpr_encrypted, survivor.cpr_hash, survivor.cpr_masked = (
            duplicate.cpr_encrypted,
            duplicate.cpr_hash,
            duplicate.cpr_masked,
        )
        survivor.birth_date, survivor.sex, survivor.no_cpr_reason = duplicate.birth_date, duplicate.sex, ""
        survivor.save(
            update_fields=[
                "cpr_encrypted",
                "cpr_hash",
                "cpr_masked",
                "birth_date",
                "sex",
                "no_cpr_reason",
                "updated_at",
            ]
        )
    merge = PersonMerge.objects.create(
        survivor=survivor,
        duplicate=duplicate,
        moved=moved,
        reason=reason.strip(),
        merged_by=actor,
        merged_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action=AuditAction.MERGE,
        obj=merge,
        persons=[survivor, duplicate],
        reason=reason,
        detail={"moved": {k: len(v) for k, v in moved.items()}},
    )
    return merge


@transaction.atomic
def person_merge_reverse(*, actor, merge: PersonMerge, reason: str) -> PersonMerge:
    """Undo a merge: move the recorded rows back to the duplicate and make it a living record again."""
    if merge.reversed_at:
        raise Conflict(_("Sammenlægningen er allerede fortrudt."))
    if not (reason or "").strip():
        raise HelhedError(_("Skriv hvorfor sammenlægningen fortrydes."), field="reason")
    if Person.objects.filter(pk=merge.survivor_id, merged_into__isnull=False).exists():
        raise Conflict(_("Personen er siden lagt sammen med en tredje person. Fortryd den senere sammenlægning først."))
    duplicate = Person.objects.get(pk=merge.duplicate_id)
    taken_over = merge.moved.get(CPR_TAKEN_OVER)
    # Living persons other than the duplicate (and the survivor, when it only holds the number because of
    # this merge and gives it back below).
    holders = Person.objects.filter(cpr_hash=duplicate.cpr_hash, merged_into__isnull=True).exclude(pk=duplicate.pk)
    if taken_over is not None:
        holders = holders.exclude(pk=merge.survivor_id)
    if duplicate.cpr_hash and holders.exists():
        # Two living persons may not share a CPR number (person_unique_active_cpr).
        raise Conflict(
            _(
                "Sammenlægningen kan ikke fortrydes: dubletten har et CPR-nummer, som nu står på en anden person. "
                "Læg den anden person sammen med denne først, eller ret CPR-nummeret."
            )
        )
    if taken_over is not None:
        Person.objects.filter(pk=merge.survivor_id).update(
            cpr_encrypted="",
            cpr_hash="",
            cpr_masked="",
            birth_date=taken_over["birth_date"],
            sex=taken_over["sex"],
            no_cpr_reason=taken_over["no_cpr_reason"] or "ukendt",
            updated_at=timezone.now(),
        )
    models_by_label = {f"{m._meta.label_lower}.{f}": (m, f) for m, f in _merge_targets()}
    for key, ids in merge.moved.items():
        if key == CPR_TAKEN_OVER:
            continue
        model, field = models_by_label[key]
        model.objects.filter(id__in=ids).update(**{field: merge.duplicate_id})
    Person.objects.filter(pk=merge.duplicate_id).update(merged_into=None, updated_at=timezone.now())
    merge.reversed_at, merge.reversed_by = timezone.now(), actor
    merge.save(update_fields=["reversed_at", "reversed_by"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=merge,
        persons=[merge.survivor_id, merge.duplicate_id],
        reason=reason,
        detail={"merge": "reversed"},
    )
    return merge
