"""Every write to the organisation: units, staff accounts and their memberships (unit + role for a period).

Keyword-only, atomic, taking the acting user (None on the command line, where the channel says `cli`).
Staff accounts are personal data of employees, so every change is audited. The audit detail names what
changed, never the new names or e-mail addresses themselves.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from helhed.core import audit
from helhed.core.errors import Conflict, HelhedError
from helhed.core.models import AuditAction

from . import policies, selectors
from .models import Administration, AdministrationCode, District, Membership, Role, Unit, User

_UNSET: Any = object()


def _check(rule, *args, **kwargs):
    """Run a pure rule and turn its complaint into a HelhedError (400 in the API, a form error in the UI)."""
    try:
        return rule(*args, **kwargs)
    except policies.Invalid as exc:
        raise HelhedError(exc.message, field=exc.field or None)


def _day(d: date) -> str:
    return d.strftime("%d.%m.%Y")


# -- administrations and districts ----------------------------------------------------------------------


@transaction.atomic
def administration_ensure(*, actor, code: str) -> Administration:
    """The administration with this code (SOF, BUF, BIF, PSY), created with its standard name if missing."""
    code = _check(policies.administration_code, code)
    administration, created = Administration.objects.get_or_create(
        code=code, defaults={"name": str(AdministrationCode(code).label)}
    )
    if created:
        audit.record(actor=actor, action=AuditAction.CREATE, obj=administration, detail={"code": code})
    return administration


def district_match(name_or_code: str, districts) -> District | None:
    """The district whose code or name is `name_or_code` (ignoring case), among `districts`."""
    folded = (name_or_code or "").strip().casefold()
    for district in districts:
        if folded in (district.code.casefold(), district.name.casefold()):
            return district
    return None


@transaction.atomic
def district_ensure(*, actor, name: str) -> District:
    """The district with this code or name, created (with a code made from the name) if there is none."""
    name = _check(policies.district_name, name)
    if not name:
        raise HelhedError(_("Skriv bydelens navn."), field="district")
    existing = district_match(name, District.objects.all())
    if existing is not None:
        return existing
    danish = name.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    base = (slugify(danish) or "bydel")[: policies.DISTRICT_CODE_MAX]
    code, n = base, 1
    while District.objects.filter(code=code).exists():
        n += 1
        code = f"{base[: policies.DISTRICT_CODE_MAX - len(str(n)) - 1]}-{n}"
    district = District.objects.create(code=code, name=name)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=district, detail={"code": code})
    return district


# -- units ------------------------------------------------------------------------------------------------


def _check_parent(unit: Unit | None, parent: Unit | None) -> None:
    if parent is None:
        return
    if unit is not None and unit.pk is not None:
        if parent.pk == unit.pk:
            raise HelhedError(_("En enhed kan ikke være sin egen overenhed."), field="parent")
        ancestor: Unit | None = parent
        hops = 0
        while ancestor is not None and hops < 100:
            if ancestor.parent_id == unit.pk:
                raise HelhedError(
                    _("%(parent)s ligger allerede under %(unit)s, så den kan ikke også være dens overenhed.")
                    % {"parent": parent.name, "unit": unit.name},
                    field="parent",
                )
            ancestor, hops = ancestor.parent, hops + 1  # a chain of parents; 100 is far beyond any real one


@transaction.atomic
def unit_create(
    *,
    actor,
    code: str,
    name: str,
    kind: str,
    administration: Administration,
    district: District | None = None,
    parent: Unit | None = None,
) -> Unit:
    """Create a unit. The code is the unit's short, unique name in files and integrations (fx BFE-NORD)."""
    code = _check(policies.unit_code, code)
    name = _check(policies.unit_name, name)
    kind = _check(policies.unit_kind, kind)
    if Unit.objects.filter(code__iexact=code).exists():
        raise Conflict(
            _("Der findes allerede en enhed med koden %(code)s. Vælg en anden kode.") % {"code": code}, field="code"
        )
    _check_parent(None, parent)
    unit = Unit.objects.create(
        code=code, name=name, kind=kind, administration=administration, district=district, parent=parent
    )
    audit.record(actor=actor, action=AuditAction.CREATE, obj=unit, detail={"code": code})
    return unit


@transaction.atomic
def unit_update(
    *,
    actor,
    unit: Unit,
    name: str = _UNSET,
    kind: str = _UNSET,
    administration: Administration = _UNSET,
    district: District | None = _UNSET,
    parent: Unit | None = _UNSET,
    active: bool = _UNSET,
) -> list[str]:
    """Change a unit's name, kind, administration, district, parent or active flag. Returns the fields
    that changed (audited only when something did)."""
    changes: dict[str, Any] = {}
    if name is not _UNSET:
        changes["name"] = _check(policies.unit_name, name)
    if kind is not _UNSET:
        changes["kind"] = _check(policies.unit_kind, kind)
    if administration is not _UNSET:
        changes["administration_id"] = administration.pk
    if district is not _UNSET:
        changes["district_id"] = district.pk if district else None
    if parent is not _UNSET:
        _check_parent(unit, parent)
        changes["parent_id"] = parent.pk if parent else None
    if active is not _UNSET:
        changes["active"] = bool(active)
    changed = [f for f, v in changes.items() if getattr(unit, f) != v]
    if not changed:
        return []
    for f in changed:
        setattr(unit, f, changes[f])
    unit.save(update_fields=changed)
    fields = [f.removesuffix("_id") for f in changed]
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=unit, detail={"code": unit.code, "fields": fields})
    return fields


# -- staff accounts ---------------------------------------------------------------------------------------


def _password_problems(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise HelhedError(" ".join(str(m) for m in exc.messages), field="password")


@transaction.atomic
def staff_create(
    *,
    actor,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    title: str = "",
    password: str | None = None,
) -> User:
    """Create a staff account. Without a password the account cannot log in until one is set (by an
    administrator on the staff page, or `helhed changepassword USERNAME`)."""
    username = _check(policies.username, username)
    first_name = _check(policies.person_name, first_name, field="first_name", what=_("fornavn"))
    last_name = _check(policies.person_name, last_name, field="last_name", what=_("efternavn"))
    email = _check(policies.email, email)
    title = _check(policies.title, title)
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(
            _("Brugernavnet %(username)s er allerede i brug. Vælg et andet, eller find medarbejderen i listen.")
            % {"username": username},
            field="username",
        )
    user = User(username=username, first_name=first_name, last_name=last_name, email=email, title=title)
    if password:
        _password_problems(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=user,
        detail={"username": username, "password": "set" if password else "none"},
    )
    return user


@transaction.atomic
def staff_update(
    *, actor, user: User, first_name: str, last_name: str, email: str, title: str | None = None
) -> list[str]:
    """Update a staff account's names and e-mail address (and title, when one is given). Returns the
    fields that changed; audited only when something did."""
    changes = {
        "first_name": _check(policies.person_name, first_name, field="first_name", what=_("fornavn")),
        "last_name": _check(policies.person_name, last_name, field="last_name", what=_("efternavn")),
        "email": _check(policies.email, email),
    }
    if title:
        changes["title"] = _check(policies.title, title)
    changed = [f for f, v in changes.items() if getattr(user, f) != v]
    if not changed:
        return []
    for f in changed:
        setattr(user, f, changes[f])
    user.save(update_fields=changed)
    audit.record(
        actor=actor, action=AuditAction.UPDATE, obj=user, detail={"username": user.username, "fields": changed}
    )
    return changed


@transaction.atomic
def staff_set_password(*, actor, user: User, password: str) -> None:
    """Give a staff account a new password (checked against the password rules)."""
    if not password:
        raise HelhedError(_("Skriv den nye adgangskode."), field="password")
    _password_problems(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(
        actor=actor, action=AuditAction.UPDATE, obj=user, detail={"username": user.username, "password": "changed"}
    )


@transaction.atomic
def staff_deactivate(*, actor, user: User, reason: str) -> User:
    """Close a staff account: it can no longer log in or use its API keys, and its memberships end today
    (memberships that had not started yet are removed). Refused while the person is responsible
    caseworker on open cases, so no case is left without one."""
    reason = _check(policies.reason, reason)
    if actor is not None and actor.pk == user.pk:
        raise HelhedError(_("Du kan ikke deaktivere din egen konto. Bed en anden administrator om det."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise Conflict(_("Kontoen er allerede deaktiveret."))
    open_cases = selectors.responsible_open_case_count(user)
    if open_cases:
        raise Conflict(
            _(
                "%(name)s er ansvarlig rådgiver på %(count)s åbne sager. Bed lederen om at give sagerne en ny "
                "ansvarlig rådgiver, og deaktivér derefter kontoen."
            )
            % {"name": user.get_full_name() or user.username, "count": open_cases}
        )
    today = timezone.localdate()
    user.is_active = False
    user.save(update_fields=["is_active"])
    started = Membership.objects.filter(user=user, valid_from__lte=today).exclude(valid_to__lt=today)
    ended = started.update(valid_to=today)
    removed, _detail = Membership.objects.filter(user=user, valid_from__gt=today).delete()
    from helhed.core.models import ApiToken

    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=user,
        reason=reason,
        detail={
            "username": user.username,
            "active": False,
            "memberships_ended": ended,
            "memberships_removed": removed,
            "tokens_revoked": revoked,
        },
    )
    return user


@transaction.atomic
def staff_reactivate(*, actor, user: User) -> User:
    """Open a closed staff account again. Its old memberships stay ended: add the ones it needs now."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise Conflict(_("Kontoen er allerede aktiv."))
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=user, detail={"username": user.username, "active": True})
    return user


# -- memberships ------------------------------------------------------------------------------------------


def identical_membership(*, user: User, unit: Unit, role: str, valid_from: date, valid_to: date | None):
    """The user's membership with the same unit and role whose period overlaps the given one, if any."""
    for m in Membership.objects.filter(user=user, unit=unit, role=role).order_by("valid_from"):
        if policies.periods_overlap(m.valid_from, m.valid_to, valid_from, valid_to):
            return m
    return None


@transaction.atomic
def membership_add(
    *, actor, user: User, unit: Unit, role: str, valid_from: date, valid_to: date | None = None
) -> Membership:
    """Give a staff member a role in a unit for a period (no end date: until further notice). Refused
    when the same role in the same unit already covers part of the period."""
    role = _check(policies.role, role)
    if valid_from is None:
        raise HelhedError(_("Vælg den første dag, tilknytningen gælder."), field="valid_from")
    _check(policies.not_too_early, valid_from, field="valid_from")
    if valid_to is not None and valid_to < valid_from:
        raise HelhedError(
            _("Slutdatoen ligger før startdatoen. Ret en af datoerne."),
            field="valid_to",
        )
    # Serialise changes to one person's memberships, so two simultaneous submits cannot both pass the check.
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise HelhedError(_("Kontoen er deaktiveret. Genaktivér den, før du tilføjer en tilknytning."))
    if not unit.active:
        raise HelhedError(_("Enheden %(unit)s er nedlagt. Vælg en aktiv enhed.") % {"unit": unit.name}, field="unit")
    existing = identical_membership(user=user, unit=unit, role=role, valid_from=valid_from, valid_to=valid_to)
    if existing is not None:
        until = _day(existing.valid_to) if existing.valid_to else _("indtil videre")
        raise Conflict(
            _(
                "%(name)s er allerede %(role)s i %(unit)s fra %(start)s til %(end)s. Afslut den tilknytning "
                "først, eller vælg en periode, der ikke overlapper."
            )
            % {
                "name": user.get_full_name() or user.username,
                "role": str(Role(role).label).lower(),
                "unit": unit.name,
                "start": _day(existing.valid_from),
                "end": until,
            }
        )
    membership = Membership.objects.create(user=user, unit=unit, role=role, valid_from=valid_from, valid_to=valid_to)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=membership,
        detail={"username": user.username, "unit": unit.code, "role": role},
    )
    return membership


@transaction.atomic
def membership_end(*, actor, membership: Membership, valid_to: date | None = None) -> Membership:
    """End a membership: `valid_to` (default today) is its last day."""
    membership = Membership.objects.select_for_update().select_related("user", "unit").get(pk=membership.pk)
    today = timezone.localdate()
    valid_to = valid_to or today
    _check(policies.not_too_early, valid_to, field="valid_to")
    if membership.valid_to is not None and membership.valid_to < today:
        raise Conflict(
            _("Tilknytningen er allerede afsluttet (sidste dag %(day)s).") % {"day": _day(membership.valid_to)}
        )
    if valid_to < membership.valid_from:
        raise HelhedError(
            _("Sidste dag kan ikke ligge før tilknytningens første dag (%(day)s). Vælg en senere dato.")
            % {"day": _day(membership.valid_from)},
            field="valid_to",
        )
    if actor is not None and membership.user_id == actor.pk and membership.role == Role.ADMINISTRATOR:
        raise HelhedError(_("Du kan ikke afslutte din egen administratorrolle. Bed en anden administrator om det."))
    membership.valid_to = valid_to
    membership.save(update_fields=["valid_to"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=membership,
        detail={"username": membership.user.username, "unit": membership.unit.code, "valid_to": valid_to.isoformat()},
    )
    return membership
