"""Small input checks shared by services, so the UI and the API refuse the same things in the same words.

Forms already check lengths; the API does not, and PostgreSQL refuses a value longer than its column with
an error (a 500) where SQLite silently stores it. Services therefore check the length of free text that
goes into a length-limited column, instead of cutting it short without telling anyone.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from .errors import HelhedError

# Dates before this are typing mistakes (year 0001, 1026 for 2026), not events in a child's case.
EARLIEST_DATE = date(1900, 1, 1)
# Ids must fit in a signed 64-bit database integer; list offsets are kept far below that.
MAX_DB_INT = 2**63 - 1
MAX_OFFSET = 1_000_000_000


def check_length(value: str | None, max_length: int, *, field: str) -> None:
    """Refuse text longer than its column, with a message saying how long it may be."""
    if value is not None and len(value) > max_length:
        raise HelhedError(
            _("Teksten er for lang (%(length)s tegn). Der må højst være %(max)s tegn. Forkort den, og prøv igen.")
            % {"length": len(value), "max": max_length},
            field=field,
        )


def check_not_too_early(value: date | None, *, field: str) -> None:
    if value is not None and value < EARLIEST_DATE:
        raise HelhedError(
            _("Datoen %(date)s ligger før år 1900. Tjek årstallet, og prøv igen.") % {"date": value.isoformat()},
            field=field,
        )


def fits_db_int(value: int | None) -> bool:
    return value is None or -MAX_DB_INT <= value <= MAX_DB_INT


def as_pk(value) -> int:
    """A primary key from user input (a path, a form, JSON): a positive integer that fits the database, else 0,
    which no row has (so a lookup answers 'not found' rather than a 500)."""
    text = str(value if value is not None else "").strip()
    if not text.isdigit():
        return 0
    number = int(text)
    return number if 0 < number <= MAX_DB_INT else 0
