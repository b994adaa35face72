"""Pure rules about CPR numbers: parse, validate, mask. No database, no I/O.

Validation is python-stdnum's `stdnum.dk.cpr` (format and a real birth date; the modulus-11 check has
not been required since 2007, so it is not applied). Birth date and sex are derived from the number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.dk import cpr as stdnum_cpr


class InvalidCpr(ValueError):
    """Raised with a Danish, plain-language message saying what is wrong and what to do."""


@dataclass(frozen=True)
class ParsedCpr:
    number: str  # ten digits, no separator
    birth_date: date
    sex: str  # "F" or "M": the last digit, odd = male

    @property
    def masked(self) -> str:
        return mask(self.number)


_CPR_LIKE = re.compile(r"^\s*(\d{6})\s*-?\s*(\d{4})\s*$")


def looks_like_cpr(text: str) -> bool:
    return bool(_CPR_LIKE.match(text or ""))


def parse(value: str, *, today: date | None = None) -> ParsedCpr:
    """Parse a CPR number written as 10 digits, with or without a dash. Raises InvalidCpr."""
    raw = (value or "").strip()
    if not raw:
        raise InvalidCpr(_("Skriv et CPR-nummer med 10 cifre, fx 010203-1234."))
    compact = stdnum_cpr.compact(raw)
    # isascii: str.isdigit() also accepts e.g. Arabic-Indic digits, which would hash to a different "same" number.
    if not (compact.isascii() and compact.isdigit()) or len(compact) != 10:
        raise InvalidCpr(_("Et CPR-nummer består af 10 cifre (6 for fødselsdatoen og 4 løbenumre), fx 010203-1234."))
    try:
        birth = stdnum_cpr.get_birth_date(compact)
    except stdnum_exceptions.ValidationError:
        raise InvalidCpr(_("De første seks cifre i CPR-nummeret er ikke en gyldig dato (DDMMÅÅ). Tjek dag og måned."))
    if birth > (today or date.today()):
        raise InvalidCpr(_("CPR-nummeret giver en fødselsdato i fremtiden. Tjek tallene."))
    sex = "M" if int(compact[-1]) % 2 else "F"
    return ParsedCpr(number=compact, birth_date=birth, sex=sex)


def format_cpr(number: str) -> str:
    return f"{number[:6]}-{number[6:]}"


def mask(number: str) -> str:
    """Show only the birth date part: 010203-xxxx."""
    return f"{number[:6]}-xxxx"


def mask_in_text(text: str) -> str:
    """Mask anything CPR-shaped in free text (used for search criteria in the audit log)."""
    # Spaces around the dash too: the search accepts "010203 1234", so the log must mask it as well.
    return re.sub(r"\b(\d{6})[ \t]*-?[ \t]*\d{4}\b", lambda m: f"{m.group(1)}-xxxx", text or "")
