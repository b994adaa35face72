"""The catalogue's reports as CSV for Danish Excel: UTF-8 with a BOM, `;` between fields, decimal commas, Danish
headers. Shared by the pages and the API, so both export the same file. Aggregates only: no person data.

Each function takes `selectors.reports(...)` and returns the whole file as text (BOM included); encode it as
UTF-8 and serve it as `text/csv; charset=utf-8`."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from .selectors import Reports

BOM = "\ufeff"
CONTENT_TYPE = "text/csv; charset=utf-8"


def _number(value: Decimal | int | None, places: str = "0.01") -> str:
    """A number with a decimal comma and no thousands separator ('36000,00'); '' for None."""
    if value is None:
        return ""
    return str(Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP)).replace(".", ",")


def _one(value: Decimal | None) -> str:
    return _number(value, "0.1")


def _int(value: int | None) -> str:
    return "" if value is None else str(value)


def _text(value: object) -> str:
    """Text cells that a spreadsheet would read as a formula get a leading apostrophe."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _write(header: list[str], rows: Iterable[list[str]]) -> str:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def occupancy_csv(reports: Reports) -> str:
    """Per offer: capacity, places in use today, the average in use over the year, utilisation and waiting list."""
    header = [
        _("Tilbud"),
        _("Type"),
        _("Kapacitet"),
        _("Optaget i dag"),
        _("Gennemsnitligt optaget"),
        _("Udnyttelse (%)"),
        _("På venteliste"),
    ]
    rows = [
        [
            _text(r.offer.name),
            _text(r.offer.get_kind_display()),
            _int(r.capacity),
            str(r.occupied_today),
            _one(r.average),
            _one(r.utilisation),
            str(r.waiting),
        ]
        for r in reports.occupancy
    ]
    return _write(header, rows)


def waiting_csv(reports: Reports) -> str:
    """Per offer: grants made after a wait in the year, the average and longest wait, and who waits now."""
    header = [
        _("Tilbud"),
        _("Bevilget efter venteliste"),
        _("Gennemsnitlig ventetid (dage)"),
        _("Længste ventetid (dage)"),
        _("På venteliste nu"),
        _("Længst ventende nu (dage)"),
    ]
    rows = [
        [
            _text(r.offer.name),
            str(r.granted_after_wait),
            _one(r.average_days),
            _int(r.longest_days),
            str(r.waiting_now),
            _int(r.longest_waiting_now_days),
        ]
        for r in reports.waiting
    ]
    return _write(header, rows)


def cost_by_kind_csv(reports: Reports) -> str:
    """The year's committed cost by kind of offer."""
    header = [_("Type"), _("Forpligtede udgifter (kr.)")]
    return _write(header, ([_text(label), _number(amount)] for label, amount in reports.cost_by_kind))


def cost_by_step_csv(reports: Reports) -> str:
    """The year's committed cost by step on the intervention ladder."""
    header = [_("Trin på indsatstrappen"), _("Navn"), _("Tæt på almenskolen"), _("Forpligtede udgifter (kr.)")]
    rows = (
        [str(step.number), _text(step.name), _("ja") if step.close_to_general else _("nej"), _number(amount)]
        for step, amount in reports.cost_by_step
    )
    return _write(header, rows)


EXPORTS: dict[str, Callable[[Reports], str]] = {
    "occupancy": occupancy_csv,
    "waiting": waiting_csv,
    "cost_by_kind": cost_by_kind_csv,
    "cost_by_step": cost_by_step_csv,
}

_NAMES = {
    "occupancy": "belaegning",
    "waiting": "ventetid",
    "cost_by_kind": "udgifter-pr-type",
    "cost_by_step": "udgifter-pr-trin",
}


def filename(report: str, year: int) -> str:
    """The download's file name, e.g. 'tilbud-belaegning-2027.csv'."""
    return f"tilbud-{_NAMES[report]}-{year}.csv"
