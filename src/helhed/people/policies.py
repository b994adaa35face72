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


# Separators people put inside a CPR number: spaces (also no-break), dashes of every kind (Word turns "-"
# into "–"), dots, slashes, underscores.
_SEP = r"[\s\-\u2010-\u2015\u2212./_]"
# Written CPR numbers. (?<!\d) and (?!\d) rather than \b: a letter right next to the number ("x0102031234")
# must not keep it from being masked.
_CPR_WRITTEN = [
    re.compile(rf"(?<!\d)(\d{{6}}){_SEP}{{0,3}}\d{{4}}(?!\d)"),  # 0102031234, 010203-1234, 010203 – 1234
    # 01.02.03-1234, 01 02 03 1234
    re.compile(rf"(?<!\d)(\d{{2}}){_SEP}{{1,3}}(\d{{2}}){_SEP}{{1,3}}(\d{{2}}){_SEP}{{0,3}}\d{{4}}(?!\d)"),
    re.compile(r"(?<!\d)(\d{6})\d{5,}(?!\d)"),  # a CPR number with a digit too many
]
# Anything else with ten or more digits, however it is split, is masked too: better a masked phone number
# in the log than a full CPR number.
_DIGIT_RUN = re.compile(rf"\d(?:{_SEP}{{0,3}}\d)*")
_MARK = "\ue000"  # a private-use character: stands in for an already masked number while the rest is checked


def _birth_part(digits: str) -> str:
    return "".join(str(int(d)) for d in digits[:6]) + "-xxxx"  # int(): also "０１０２０３" (full width)


def mask_in_text(text: str) -> str:
    """Mask anything that may be a CPR number in free text (used for search criteria in the audit log).

    Only the birth-date part is kept, however the number was written: the log must never hold a full CPR
    number."""
    text = (text or "").replace(_MARK, "")
    masked: list[str] = []

    def _keep(match: re.Match) -> str:
        masked.append(_birth_part("".join(match.groups())))
        return _MARK

    for pattern in _CPR_WRITTEN:
        text = pattern.sub(_keep, text)

    def _run(match: re.Match) -> str:
        digits = [ch for ch in match.group(0) if ch.isdigit()]
        return _birth_part("".join(digits)) if len(digits) >= 10 else match.group(0)

    text = _DIGIT_RUN.sub(_run, text)
    replacements = iter(masked)
    return re.sub(_MARK, lambda _m: next(replacements), text)
