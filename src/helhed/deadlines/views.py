"""The deadline pages: 'Mine frister', the leaders' 'Teamets frister', and 'Overholdelse af frister' (the
compliance report with its chart, CSV export and drill-down to the deadlines behind a number)."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helhed.core.errors import HelhedError
from helhed.core.permissions import Perm, requires

from . import charts, policies, selectors, services
from .policies import Outcome, Period


@requires(Perm.CASE_WORK)
def my_deadlines(request):
    now = timezone.now()
    rows = [{"deadline": d, "urgency": selectors.urgency(d, now)} for d in selectors.my_deadlines(actor=request.user)]
    overdue = sum(1 for row in rows if row["urgency"] == "overdue")
    return render(request, "deadlines/my_deadlines.html", {"rows": rows, "overdue": overdue})


@requires(Perm.CASE_WORK)
@require_POST
def close(request, deadline_id: int):
    waive = request.POST.get("action") == "waive"
    try:
        services.deadline_close_for(
            actor=request.user, deadline_id=deadline_id, waive=waive, reason=request.POST.get("reason", "")[:500]
        )
        messages.success(request, _("Fristen er lukket."))
    except HelhedError as exc:
        if exc.status_code in (403, 404):
            raise
        messages.error(request, str(exc.message))
    return redirect("deadlines:mine")


@requires(Perm.CASE_WORK)
def team(request):
    """'Teamets frister': leaders only (anyone else gets a Danish 403 from the selector)."""
    now = timezone.now()
    data = selectors.team_deadlines(actor=request.user, owner=request.GET.get("owner", "")[:20])
    rows = [{"deadline": d, "urgency": selectors.urgency(d, now)} for d in data.rows]
    overdue = sum(1 for row in rows if row["urgency"] == "overdue")
    return render(
        request,
        "deadlines/team.html",
        {"rows": rows, "data": data, "overdue": overdue, "no_owner": selectors.NO_OWNER},
    )


# -- compliance ---------------------------------------------------------------------------------------------


def _drill_link(cell: selectors.ComplianceCell, period: Period, outcome: Outcome) -> str:
    bucket = {"quarter": cell.bucket} if period == Period.QUARTER else {"month": cell.bucket}
    query = {"rule": cell.rule_id, "unit": cell.unit_id, **bucket, "outcome": outcome.value}
    return f"{reverse('deadlines:compliance_cases')}?{urlencode(query)}"


def _table_rows(report: selectors.ComplianceReport) -> list[dict]:
    rows = []
    for cell in report.cells:
        links = {}
        if report.drill_down and cell.unit_id is not None:
            for outcome, count in (
                (Outcome.MET, cell.met),
                (Outcome.MISSED, cell.missed),
                (Outcome.OVERDUE, cell.overdue),
            ):
                if count:
                    links[outcome.value] = _drill_link(cell, report.filter.period, outcome)
        rows.append({"cell": cell, "rate": policies.percent(cell.rate), "links": links})
    return rows


@requires(Perm.COMPLIANCE_READ)
def compliance(request):
    """'Overholdelse af frister': per period, rule and unit. The table is the presentation; the chart repeats
    the share met on time per rule."""
    try:
        flt = policies.parse_compliance_filter(request.GET, today=timezone.localdate())
    except HelhedError as exc:
        context = {"error": exc.message, "params": request.GET, "rules": _rule_choices(), "periods": _periods()}
        return render(request, "deadlines/compliance.html", context, status=400)
    report = selectors.compliance(actor=request.user, flt=flt)
    label = _("Andel af frister overholdt til tiden pr. %(period)s og frist. Tallene står også i tabellen.") % {
        "period": _("kvartal") if flt.period == Period.QUARTER else _("måned")
    }
    chart = charts.share_chart(
        report.series(),
        label=label,
        x_title=_("Kvartal") if flt.period == Period.QUARTER else _("Måned"),
        y_title=_("Overholdt til tiden"),
        colour_title=_("Frist"),
    )
    context = {
        "report": report,
        "rows": _table_rows(report),
        "chart": chart,
        "chart_label": label,
        "params": flt.as_query(),
        "rules": _rule_choices(),
        "periods": _periods(),
        "csv_query": urlencode(flt.as_query()),
    }
    return render(request, "deadlines/compliance.html", context)


def _rule_choices() -> list[tuple[str, str]]:
    return [(rule_id, policies.rule_title(rule_id)) for rule_id in policies.known_rule_ids()]


def _periods() -> list[tuple[str, str]]:
    return [(Period.MONTH.value, _("Måned")), (Period.QUARTER.value, _("Kvartal"))]


def _csv_header() -> list[str]:
    return [
        _("Periode"),
        _("Frist"),
        _("Regel-id"),
        _("Enhed"),
        _("Forfaldne i alt"),
        _("Overholdt til tiden"),
        _("Lukket for sent"),
        _("Overskredet og stadig åben"),
        _("Bortfaldet"),
        _("Andel overholdt til tiden (%)"),
        _("Median dage fra start til lukning"),
    ]


def _csv_text(value: str) -> str:
    """Text cells that a spreadsheet would read as a formula get a leading apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@requires(Perm.COMPLIANCE_READ)
def compliance_csv(request):
    """The compliance table as CSV for Danish Excel: UTF-8 with BOM, semicolons, decimal commas. Aggregates
    only; audited as an export."""
    flt = policies.parse_compliance_filter(request.GET, today=timezone.localdate())
    report = selectors.compliance(actor=request.user, flt=flt, export=True)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"overholdelse-af-frister-{policies.month_key(flt.first)}-{policies.month_key(flt.last)}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow(_csv_header())
    for cell in report.cells:
        rate = cell.rate
        writer.writerow(
            [
                cell.bucket,
                _csv_text(cell.rule_title),
                cell.rule_id,
                _csv_text(cell.unit_name),
                cell.total,
                cell.met,
                cell.missed,
                cell.overdue,
                cell.waived,
                "" if rate is None else policies.one_decimal(rate * 100),
                policies.one_decimal(cell.median_days),
            ]
        )
    return response


@requires(Perm.COMPLIANCE_READ)
def compliance_cases(request):
    """The deadlines behind one number of the compliance table, on cases the user may see. Analysts see
    aggregates only and get a Danish 403."""
    now = timezone.now()
    data = selectors.compliance_cases(actor=request.user, params=request.GET)
    rows = [{"deadline": d, "urgency": selectors.urgency(d, now) if d.status == "open" else ""} for d in data.rows]
    return render(request, "deadlines/compliance_cases.html", {"data": data, "rows": rows})
