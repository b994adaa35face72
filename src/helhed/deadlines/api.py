"""/api/v1/deadlines: my open deadlines, closing one, and compliance in aggregate."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from ninja import Query, Router, Schema

from helhed.core.apiauth import api_requires
from helhed.core.permissions import Perm

from . import policies, selectors, services

router = Router(tags=["deadlines"])


class DeadlineOut(Schema):
    id: int
    rule_id: str
    law: str
    paragraph: str
    title: str
    case_id: int | None
    person_id: int | None
    due_at: datetime
    due_is_date: bool
    explanation: str
    status: str
    urgency: str

    @staticmethod
    def resolve_urgency(obj):
        return selectors.urgency(obj) if obj.status == "open" else ""


class CloseIn(Schema):
    waive: bool = False
    reason: str = ""


@router.get("", response=list[DeadlineOut], summary="My open statutory deadlines, soonest first (audited)")
@api_requires(Perm.CASE_WORK)
def my_deadlines(request):
    return selectors.my_deadlines(actor=request.auth)


@router.post("/{deadline_id}/close", response=DeadlineOut, summary="Close a deadline: met (on time or late) or waived")
@api_requires(Perm.CASE_WORK)
def close_deadline(request, deadline_id: int, payload: CloseIn):
    return services.deadline_close_for(
        actor=request.auth, deadline_id=deadline_id, waive=payload.waive, reason=payload.reason
    )


class ComplianceRowOut(Schema):
    period: str
    rule: str
    rule_title: str
    unit_id: int | None
    unit: str
    total: int
    met: int
    missed: int
    overdue: int
    waived: int
    rate: float | None
    median_days: float | None


class ComplianceOut(Schema):
    period: str
    from_month: str
    to_month: str
    rule: str
    unit_id: int | None
    rows: list[ComplianceRowOut]


@router.get(
    "/compliance",
    response=ComplianceOut,
    summary="Deadline compliance per period, rule and unit (aggregates only; audited)",
    description=(
        "Counts the deadlines that fell due in the period (and are past due or closed): total, met on time, "
        "missed (closed late), overdue (still open), waived, the share met on time = met / (met + missed + "
        "overdue), and the median days from start to close of the met and missed ones. `period` is `month` or "
        "`quarter`; `from` and `to` are months as YYYY-MM (default: the last twelve months). Analysts see every "
        "unit, leaders the units they lead, caseworkers their own units."
    ),
)
@api_requires(Perm.COMPLIANCE_READ)
def compliance(
    request,
    period: str = "month",
    from_month: str = Query("", alias="from"),
    to_month: str = Query("", alias="to"),
    rule: str = "",
    unit: str = "",
):
    params = {"period": period, "from": from_month, "to": to_month, "rule": rule, "unit": unit}
    flt = policies.parse_compliance_filter(params, today=timezone.localdate())
    report = selectors.compliance(actor=request.auth, flt=flt)
    return {
        "period": str(flt.period),
        "from_month": policies.month_key(flt.first),
        "to_month": policies.month_key(flt.last),
        "rule": flt.rule_id,
        "unit_id": flt.unit_id,
        "rows": [{**cell.as_dict(), "rule_title": cell.rule_title} for cell in report.cells],
    }
