"""Pure rules for the organisation: reading codes, roles, dates and names as an administrator writes them.
No ORM and no I/O, so they are tested without a database.

Every rule raises `Invalid` with a Danish, plain-language message that says what is wrong and what to
write instead. The services use the same rules as the CSV import, so a form, a file and the API give the
same answer.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

from .models import AdministrationCode, ProfessionalTitle, Role, UnitKind

USERNAME_MAX = 150
EMAIL_MAX = 254
REASON_MAX = 500
EARLIEST_YEAR = 1900  # an earlier year is a typing mistake (0024 for 2024), not a start date
UNIT_CODE_MAX = 30
UNIT_NAME_MAX = 160
NAME_MAX = 150
EMAIL_MAX = 254
REASON_MAX = 500
EARLIEST_YEAR = 1900  # an earlier year is a typing mistake (0024 for 2024), not a start date
DISTRICT_CODE_MAX = 20
DISTRICT_NAME_MAX = 80

# Django's own username rule (letters, digits and @ . + - _), without spaces.
_USERNAME = re.compile(r"^[\w.@+-]+\Z")
_UNIT_CODE = re.compile(r"^[\w.-]+\Z")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DANISH_DATE = re.compile(r"^(\d{1,2})[-./](\d{1,2})[-./](\d{4})$")


class Invalid(ValueError):
    """A value an administrator wrote that Helhed cannot use. `message` is Danish and says what to do."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


def plain_text(value: str, *, field: str) -> str:
    """Free text without the NUL character, which PostgreSQL cannot store (the forms refuse it too)."""
    value = value or ""
    if "\x00" in value:
        raise Invalid(
            _("Teksten indeholder et ugyldigt tegn (NUL-tegnet). Fjern det, fx ved at skrive teksten igen."),
            field=field,
        )
    return value


def valid_values(choices: type[models.TextChoices]) -> str:
    """'a (Label A), b (Label B), …' for an error message that lists what may be written."""
    return ", ".join(f"{value} ({label})" for value, label in choices.choices)


def choice(value: str, choices: type[models.TextChoices], *, what: str, field: str) -> str:
    """The choice's value for `value`, written either as the value (`caseworker`) or as the Danish label
    (`Rådgiver`), in any case."""
    text = (value or "").strip()
    if not text:
        raise Invalid(
            _("Skriv %(what)s. Gyldige værdier: %(values)s.") % {"what": what, "values": valid_values(choices)},
            field=field,
        )
    folded = text.casefold()
    # The Danish label is accepted whatever language the page is in: a file means the same to everyone.
    with translation.override("da"):
        danish = {str(val): str(label).casefold() for val, label in choices.choices}
    for val, label in choices.choices:
        if folded in (str(val).casefold(), str(label).casefold(), danish[str(val)]):
            return str(val)
    raise Invalid(
        _("Ukendt %(what)s '%(value)s'. Gyldige værdier: %(values)s.")
        % {"what": what, "value": text, "values": valid_values(choices)},
        field=field,
    )


def role(value: str) -> str:
    return choice(value, Role, what=_("rolle"), field="role")


def unit_kind(value: str) -> str:
    return choice(value, UnitKind, what=_("enhedstype"), field="kind")


def administration_code(value: str) -> str:
    return choice(value, AdministrationCode, what=_("forvaltning"), field="administration")


def title(value: str) -> str:
    """A professional title, or '' when none is given (the title is optional)."""
    if not (value or "").strip():
        return ""
    return choice(value, ProfessionalTitle, what=_("titel"), field="title")


def parse_date(value: str, *, field: str = "valid_from") -> date:
    """A date written as YYYY-MM-DD (2024-08-01) or DD-MM-YYYY (01-08-2024; also with . or /)."""
    text = (value or "").strip()
    iso, danish = _ISO_DATE.match(text), _DANISH_DATE.match(text)
    parsed = None
    try:
        if iso:
            parsed = date(int(iso[1]), int(iso[2]), int(iso[3]))
        elif danish:
            parsed = date(int(danish[3]), int(danish[2]), int(danish[1]))
    except ValueError:
        pass  # a date that does not exist, e.g. 31-02-2024
    if parsed is not None:
        return not_too_early(parsed, field=field)
    raise Invalid(
        _(
            "'%(value)s' er ikke en gyldig dato. Skriv datoen som ÅÅÅÅ-MM-DD (fx 2024-08-01) "
            "eller DD-MM-ÅÅÅÅ (fx 01-08-2024)."
        )
        % {"value": text},
        field=field,
    )


def not_too_early(value: date, *, field: str) -> date:
    if value.year < EARLIEST_YEAR:
        raise Invalid(
            _("Datoen %(date)s ligger før år 1900. Tjek årstallet, og prøv igen.") % {"date": value.isoformat()},
            field=field,
        )
    return value


def username(value: str) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(_("Skriv et brugernavn."), field="username")
    if len(text) > USERNAME_MAX:
        raise Invalid(_("Brugernavnet er for langt (højst %(max)s tegn).") % {"max": USERNAME_MAX}, field="username")
    if not _USERNAME.match(text):
        raise Invalid(
            _("Brugernavnet '%(value)s' må kun indeholde bogstaver, tal og tegnene @ . + - _ (ingen mellemrum).")
            % {"value": text},
            field="username",
        )
    return text


def person_name(value: str, *, field: str, what: str) -> str:
    text = " ".join(plain_text(value, field=field).split())
    if not text:
        raise Invalid(_("Skriv %(what)s.") % {"what": what}, field=field)
    if len(text) > NAME_MAX:
        raise Invalid(_("%(what)s er for langt (højst %(max)s tegn).") % {"what": what, "max": NAME_MAX}, field=field)
    return text


def email(value: str) -> str:
    text = plain_text(value, field="email").strip()
    if not text:
        raise Invalid(_("Skriv medarbejderens e-mailadresse."), field="email")
    if len(text) > EMAIL_MAX:
        raise Invalid(_("E-mailadressen er for lang (højst %(max)s tegn).") % {"max": EMAIL_MAX}, field="email")
    try:
        validate_email(text)
    except ValidationError:
        raise Invalid(
            _("'%(value)s' er ikke en gyldig e-mailadresse. Skriv den som fx navn@kk.dk.") % {"value": text},
            field="email",
        )
    return text


def unit_code(value: str, *, field: str = "code") -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(_("Skriv enhedens kode, fx BFE-NORD."), field=field)
    if len(text) > UNIT_CODE_MAX or not _UNIT_CODE.match(text):
        raise Invalid(
            _(
                "Enhedskoden '%(value)s' er ikke gyldig. Brug højst %(max)s bogstaver, tal og tegnene - . _ "
                "(ingen mellemrum), fx BFE-NORD."
            )
            % {"value": text, "max": UNIT_CODE_MAX},
            field=field,
        )
    return text


def unit_name(value: str) -> str:
    text = " ".join(plain_text(value, field="name").split())
    if not text:
        raise Invalid(_("Skriv enhedens navn."), field="name")
    if len(text) > UNIT_NAME_MAX:
        raise Invalid(_("Enhedens navn er for langt (højst %(max)s tegn).") % {"max": UNIT_NAME_MAX}, field="name")
    return text


def district_name(value: str) -> str:
    text = " ".join(plain_text(value, field="district").split())
    if len(text) > DISTRICT_NAME_MAX:
        raise Invalid(
            _("Bydelens navn er for langt (højst %(max)s tegn).") % {"max": DISTRICT_NAME_MAX}, field="district"
        )
    return text


def reason(value: str) -> str:
    """Why an account is closed: required, kept in the audit log."""
    text = " ".join(plain_text(value, field="reason").split())
    if not text:
        raise Invalid(_("Skriv hvorfor kontoen lukkes, fx 'fratrådt 31.08'."), field="reason")
    if len(text) > REASON_MAX:
        raise Invalid(_("Begrundelsen er for lang (højst %(max)s tegn).") % {"max": REASON_MAX}, field="reason")
    return text


def periods_overlap(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    """Whether two periods overlap. A period includes both its days; no end date means open-ended."""
    return (b_to is None or a_from <= b_to) and (a_to is None or b_from <= a_to)


def parent_cycle(code: str, parents: dict[str, str | None]) -> bool:
    """Whether following `parents` (code -> parent code, casefolded) upwards from `code` comes back to it."""
    seen = {code}
    current = parents.get(code)
    while current is not None:
        if current == code:
            return True
        if current in seen:
            return False  # a loop higher up, not through this unit: its own members report it
        seen.add(current)
        current = parents.get(current)
    return False
