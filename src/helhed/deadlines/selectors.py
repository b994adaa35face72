"""Reads of deadlines, through the case gatekeeper and audited: 'Mine frister', the leaders' team view, the
compliance report (aggregate SQL) and its drill-down to the deadlines behind a cell."""

from __future__ import annotations

import operator
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import reduce
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Collate, RowNumber, Trunc
from django.utils import timezone
from django.utils.translation import gettext as _

from helhed.cases.gatekeeper import cases_visible_to
from helhed.core import audit
from helhed.core.errors import Forbidden, HelhedError
from helhed.core.models import AuditAction
from helhed.core.permissions import Perm, user_has_perm
from helhed.core.validation import fits_db_int
from helhed.organisation.models import Role, Unit, User
from helhed.organisation.selectors import actor_profile

from . import policies
from .models import ComplianceCount, ComplianceSnapshot, Deadline, DeadlineStatus
from .policies import ComplianceFilter, Outcome, Period

LIMIT = 200


def urgency(deadline: Deadline, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if deadline.due_at < now:
        return "overdue"
    if deadline.due_at < now + timedelta(days=3):
        return "soon"
    return "later"


ALERT_SOURCE = "detection.absencealert"
REPORT_SOURCE = "concerns.concern"


def my_deadlines(*, actor, limit: int = LIMIT) -> list[Deadline]:
    """The actor's open deadlines, soonest first ('Mine frister'): on cases they may see, those of a report of
    concern they have taken that has no case yet (through the reports' own gatekeeper), and those of an alert of
    concerning school absence about a pupil without a case (through early detection's gatekeeper)."""
    from helhed.concerns.selectors import concerns_visible_to
    from helhed.detection.selectors import open_alert_source_ids

    reports = concerns_visible_to(actor).annotate(key=Cast("id", CharField())).values("key")
    qs = (
        Deadline.objects.filter(owner=actor, status=DeadlineStatus.OPEN)
        .filter(
            Q(case__in=cases_visible_to(actor).values("id"))
            | Q(case__isnull=True, source_type=REPORT_SOURCE, source_id__in=reports)
            | Q(case__isnull=True, source_type=ALERT_SOURCE, source_id__in=open_alert_source_ids(actor))
        )
        .select_related("case", "person")
        .order_by("due_at", "id")
    )
    rows = list(qs[:limit])
    if rows:
        audit.record(
            actor=actor,
            action=AuditAction.LIST,
            object_type="deadlines.deadline",
            persons={d.person_id for d in rows},
            detail={"view": "my_deadlines", "count": len(rows)},
        )
    return rows


def deadline_for(*, actor, deadline_id) -> Deadline:
    """One deadline, if its case is visible to the actor (else the same 404 as a missing one)."""
    from django.http import Http404

    try:
        pk = int(deadline_id)
    except (TypeError, ValueError):
        raise Http404
    if not fits_db_int(pk):
        raise Http404
    deadline = (
        Deadline.objects.filter(pk=pk, case__in=cases_visible_to(actor).values("id"))
        .select_related("case", "person")
        .first()
    )
    if deadline is None:
        raise Http404
    return deadline


def deadlines_of_source(source) -> list[Deadline]:
    """The deadlines an object (e.g. a report of concern) started. The caller has already passed the
    gatekeeper for `source` and audits its own view of it."""
    return list(
        Deadline.objects.filter(source_type=source._meta.label_lower, source_id=str(source.pk)).order_by("due_at", "id")
    )


def deadlines_on_case(case, rule_ids) -> list[Deadline]:
    """A case's open deadlines under `rule_ids`, soonest first (e.g. the child's plan shows its own). The caller
    has already passed the gatekeeper for the case and audits its own view of it."""
    return list(
        Deadline.objects.filter(case=case, rule_id__in=list(rule_ids), status=DeadlineStatus.OPEN).order_by(
            "due_at", "id"
        )
    )


# -- the leaders' team view ----------------------------------------------------------------------------

TEAM_LIMIT = 500
NO_OWNER = "ingen"  # the owner filter's value for deadlines nobody owns yet


@dataclass(frozen=True)
class TeamDeadlines:
    rows: list[Deadline]
    owners: list[User]  # everyone who owns an open deadline of the team, for the filter
    owner: str  # the filter as given: "" (everyone), NO_OWNER or a user id
    truncated: bool


def _team_scope(actor) -> Q:
    """The open deadlines of the units the actor leads (their sub-units included, as in `actor_profile`):
    the deadlines the unit owes that have no case yet or a case the leader may see, and the deadlines of the
    cases those units are responsible for. Cases the leader sees only as a team member or by breaking the
    glass are not the team's, so they are left out."""
    profile = actor_profile(actor)
    led = sorted(profile.led_unit_ids)
    if not led:
        raise Forbidden(_("Teamets frister er for ledere. Du er ikke leder af en enhed."), code="not_leader")
    visible = cases_visible_to(actor).values("id")
    return (Q(unit_id__in=led) & (Q(case__isnull=True) | Q(case__in=visible))) | Q(case__responsible_unit_id__in=led)


def team_deadlines(*, actor, owner: str = "", limit: int = TEAM_LIMIT) -> TeamDeadlines:
    """The open deadlines of the units the actor leads, soonest first, optionally of one owner ('Teamets
    frister'). Non-leaders get `Forbidden`; an owner filter that is not a user id is a `HelhedError`."""
    base = Deadline.objects.filter(_team_scope(actor), status=DeadlineStatus.OPEN)
    owner = (owner or "").strip()
    qs = base
    if owner == NO_OWNER:
        qs = qs.filter(owner__isnull=True)
    elif owner:
        if not owner.isdigit() or not fits_db_int(int(owner)):
            raise HelhedError(_("Vælg en medarbejder fra listen."), field="owner", code="invalid_owner")
        qs = qs.filter(owner_id=int(owner))
    rows = list(qs.select_related("case", "person", "owner").order_by("due_at", "id")[: limit + 1])
    truncated = len(rows) > limit
    rows = rows[:limit]
    owners = list(User.objects.filter(pk__in=base.values("owner_id")).order_by("first_name", "last_name", "id"))
    if rows:
        audit.record(
            actor=actor,
            action=AuditAction.LIST,
            object_type="deadlines.deadline",
            persons={d.person_id for d in rows},
            detail={"view": "team_deadlines", "count": len(rows), "owner": owner},
        )
    return TeamDeadlines(rows=rows, owners=owners, owner=owner, truncated=truncated)


# -- compliance -------------------------------------------------------------------------------------------

COMPLIANCE_OBJECT = "deadlines.compliance"
DRILL_DOWN_LIMIT = 500
_CLOSED = (DeadlineStatus.MET, DeadlineStatus.MISSED)


def compliance_scope(actor) -> frozenset[int] | None:
    """The units whose compliance the actor may see: every unit (None) for an analyst; otherwise the units
    they lead (with sub-units) and the units they are a caseworker in."""
    profile = actor_profile(actor)
    if Role.ANALYST in profile.roles:
        return None
    return frozenset(profile.led_unit_ids) | frozenset(profile.unit_ids_with({Role.CASEWORKER, Role.LEADER}))


def may_drill_down(actor) -> bool:
    """Only those who do case work see the deadlines behind a number; an analyst sees aggregates only."""
    return user_has_perm(actor, Perm.CASE_WORK)


@dataclass(frozen=True)
class ComplianceCell:
    bucket: str  # '2025-03' or '2025-Q1'
    rule_id: str
    unit_id: int | None
    unit_name: str
    total: int  # every deadline that fell due in the bucket (and is past due or closed)
    met: int  # closed on time
    missed: int  # closed late
    overdue: int  # past due, still open
    waived: int  # not owed after all (left out of the rate)
    median_days: float | None  # start to close, met and missed only

    @property
    def late(self) -> int:
        return self.missed + self.overdue

    @property
    def rate(self) -> float | None:
        return policies.on_time_rate(self.met, self.missed, self.overdue)

    @property
    def bucket_label(self) -> str:
        return policies.bucket_label(self.bucket)

    @property
    def rule_title(self) -> str:
        return policies.rule_title(self.rule_id)

    def as_dict(self) -> dict:
        return {
            "period": self.bucket,
            "rule": self.rule_id,
            "unit_id": self.unit_id,
            "unit": self.unit_name,
            "total": self.total,
            "met": self.met,
            "missed": self.missed,
            "overdue": self.overdue,
            "waived": self.waived,
            "rate": None if self.rate is None else round(self.rate, 4),
            "median_days": self.median_days,
        }


@dataclass
class ComplianceReport:
    filter: ComplianceFilter
    cells: list[ComplianceCell]
    units: list[Unit]  # the units the actor may choose between
    drill_down: bool  # whether the actor may open the deadlines behind a number
    unit_names: dict[int, str] = field(default_factory=dict)

    def series(self) -> list[dict]:
        """The share met on time per bucket and rule, over every unit in the report (for the chart)."""
        sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        for cell in self.cells:
            acc = sums[(cell.bucket, cell.rule_id)]
            acc[0] += cell.met
            acc[1] += cell.missed
            acc[2] += cell.overdue
        out = []
        for (bucket, rule_id), (met, missed, overdue) in sorted(sums.items()):
            rate = policies.on_time_rate(met, missed, overdue)
            if rate is not None:
                out.append(
                    {
                        "period": policies.bucket_label(bucket),
                        "order": bucket,
                        "rule": policies.rule_title(rule_id),
                        "share": round(rate, 4),
                    }
                )
        return out


class _PercentileMedian(Aggregate):
    """PostgreSQL's ordered-set aggregate `percentile_cont(0.5)`: the median inside the GROUP BY."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _bucket(period: Period) -> Trunc:
    return Trunc("due_at", "quarter" if period == Period.QUARTER else "month", tzinfo=policies.COPENHAGEN)


def _bucket_key(value, period: Period) -> str:
    local = timezone.localtime(value, policies.COPENHAGEN) if timezone.is_aware(value) else value
    return policies.bucket_key(local.date(), period)


_COUNTS = ("total", "met", "missed", "overdue", "waived")


def _compliance_queryset(
    spans: list[tuple[datetime, datetime]],
    now: datetime,
    *,
    scope: frozenset[int] | None = None,
    rule_id: str = "",
    unit_id: int | None = None,
) -> QuerySet[Deadline]:
    """The deadlines counted: due in one of the spans, and either past due or closed (a deadline not yet due
    and still open has no outcome yet)."""
    merged: list[list[datetime]] = []
    for start, end in sorted(spans):
        if merged and merged[-1][1] >= start:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    within = reduce(operator.or_, (Q(due_at__gte=start, due_at__lt=end) for start, end in merged))
    qs = Deadline.objects.filter(within).filter(Q(due_at__lt=now) | ~Q(status=DeadlineStatus.OPEN))
    if scope is not None:
        qs = qs.filter(unit_id__in=sorted(scope))
    if rule_id:
        qs = qs.filter(rule_id=rule_id)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    return qs


def _medians_by_window(qs: QuerySet[Deadline], period: Period) -> dict[tuple[str, str, int | None], float]:
    """Median seconds from start to close per (bucket, rule, unit), for databases without percentile_cont
    (SQLite): window functions number each group's closed deadlines by duration, and only the one or two
    middle rows per group leave the database."""
    bucket = _bucket(period)
    partition: list[Any] = [bucket, F("rule_id"), F("unit_id")]
    duration = ExpressionWrapper(F("closed_at") - F("started_at"), output_field=DurationField())
    middle = (
        qs.filter(status__in=_CLOSED)
        .annotate(
            b=bucket,
            duration=duration,
            rn=Window(RowNumber(), partition_by=partition, order_by=[duration.asc(), F("id").asc()]),
            n=Window(Count("id"), partition_by=partition),
        )
        # The middle row(s): 2·rn is n+1 for an odd n; n or n+2 for an even n.
        .annotate(twice=F("rn") * 2)
        .filter(twice__gte=F("n"), twice__lte=F("n") + 2)
        .values_list("b", "rule_id", "unit_id", "duration")
    )
    values: dict[tuple[str, str, int | None], list[float]] = defaultdict(list)
    for b, rule_id, unit_id, dur in middle:
        values[(_bucket_key(b, period), rule_id, unit_id)].append(dur.total_seconds())
    return {key: m for key, vals in values.items() if (m := policies.median(vals)) is not None}


def compliance_counts(
    period: Period,
    spans: list[tuple[str, datetime, datetime]],
    now: datetime,
    *,
    scope: frozenset[int] | None = None,
    rule_id: str = "",
    unit_id: int | None = None,
) -> list[dict[str, Any]]:
    """Count the deadlines due in the buckets `spans` ((key, start, end), in order, contiguous or not) per
    (bucket, rule, unit): total, met, missed, overdue, waived and the median seconds from start to close. One
    aggregate query (GROUP BY), plus on SQLite one window query for the medians. No gatekeeper: the caller
    limits the scope (the report) or stores the counts unscoped (`services.compliance_refresh`)."""
    if not spans:
        return []
    qs = _compliance_queryset(
        [(start, end) for _key, start, end in spans], now, scope=scope, rule_id=rule_id, unit_id=unit_id
    )
    counts: dict[str, Any] = {
        "total": Count("id"),
        "met": Count("id", filter=Q(status=DeadlineStatus.MET)),
        "missed": Count("id", filter=Q(status=DeadlineStatus.MISSED)),
        "overdue": Count("id", filter=Q(status=DeadlineStatus.OPEN)),
        "waived": Count("id", filter=Q(status=DeadlineStatus.WAIVED)),
    }
    postgres = connection.vendor == "postgresql"
    bucket: Any = _bucket(period)
    keys_by_index: dict[int, str] = {}
    if postgres:
        # Sort rows into the buckets by comparing with the buckets' start moments (width_bucket: a binary
        # search giving 1..N) rather than converting every row to Copenhagen time and truncating it. Rows
        # between two requested spans fall in an index no span has, and the range filter leaves them out.
        bounds: list[datetime] = []
        for key, start, end in spans:
            if not bounds or bounds[-1] != start:
                bounds.append(start)
            keys_by_index[len(bounds)] = key
            bounds.append(end)
        bucket = RawSQL('width_bucket("deadlines_deadline"."due_at", %s::timestamptz[])', (bounds,))
        seconds = Func(
            ExpressionWrapper(F("closed_at") - F("started_at"), output_field=DurationField()),
            template="EXTRACT(EPOCH FROM %(expressions)s)",
            output_field=FloatField(),
        )
        counts["median"] = _PercentileMedian(
            Case(When(status__in=_CLOSED, then=seconds), default=Value(None), output_field=FloatField())
        )
    # Integers first in the grouping, and the rule id compared byte by byte (COLLATE "C"): the sort behind the
    # median is then about twice as fast on PostgreSQL as one that starts with a locale-aware text comparison.
    rule: Any = Collate("rule_id", "C") if postgres else F("rule_id")
    grouped = qs.annotate(b=bucket, u=F("unit_id"), r=rule).values("b", "u", "r").annotate(**counts).order_by()
    if postgres:
        with transaction.atomic(), connection.cursor() as cursor:
            # The median sorts each group's rows: let the sort stay in memory, and skip JIT compilation (it costs
            # more than it saves on this query). SET LOCAL ends with the transaction.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL jit = off")
            rows: list[dict[str, Any]] = [dict(row) for row in grouped]
    else:
        rows = [dict(row) for row in grouped]
    medians = {} if postgres or not rows else _medians_by_window(qs, period)
    out = []
    for row in rows:
        key = keys_by_index[row["b"]] if postgres else _bucket_key(row["b"], period)
        rule_of, unit_of = row["r"], row["u"]
        out.append(
            {
                "bucket": key,
                "rule_id": rule_of,
                "unit_id": unit_of,
                **{name: row[name] for name in _COUNTS},
                "median_seconds": row["median"] if postgres else medians.get((key, rule_of, unit_of)),
            }
        )
    return out


def _stored_counts(
    flt: ComplianceFilter, keys: list[str], scope: frozenset[int] | None
) -> tuple[set[str], list[dict[str, Any]]]:
    """The buckets among `keys` whose counts are stored and fresh (see `services.compliance_refresh`), and
    those counts within the actor's scope and the filter."""
    if not keys:
        return set(), []
    fresh = set(ComplianceSnapshot.objects.filter(period=flt.period, bucket__in=keys).values_list("bucket", flat=True))
    if not fresh:
        return fresh, []
    qs = ComplianceCount.objects.filter(period=flt.period, bucket__in=sorted(fresh))
    if scope is not None:
        qs = qs.filter(unit_id__in=sorted(scope))
    if flt.rule_id:
        qs = qs.filter(rule_id=flt.rule_id)
    if flt.unit_id is not None:
        qs = qs.filter(unit_id=flt.unit_id)
    return fresh, list(qs.values("bucket", "rule_id", "unit_id", *_COUNTS, "median_seconds"))


def _compliance_cells(
    flt: ComplianceFilter, scope: frozenset[int] | None, unit_names: dict[int, str], now: datetime
) -> list[ComplianceCell]:
    """The report's cells: buckets that have ended and have stored counts are read from the store; the rest
    (this month or quarter, and any bucket a recent write made stale) are counted live."""
    spans = policies.bucket_spans(flt.first, flt.last, flt.period)
    fresh, rows = _stored_counts(flt, [key for key, _start, end in spans if end <= now], scope)
    rows += compliance_counts(
        flt.period,
        [span for span in spans if span[0] not in fresh],
        now,
        scope=scope,
        rule_id=flt.rule_id,
        unit_id=flt.unit_id,
    )
    cells = [
        ComplianceCell(
            bucket=row["bucket"],
            rule_id=row["rule_id"],
            unit_id=row["unit_id"],
            unit_name=unit_names.get(row["unit_id"], "") if row["unit_id"] is not None else _("Uden enhed"),
            **{name: row[name] for name in _COUNTS},
            median_days=policies.days(row["median_seconds"]),
        )
        for row in rows
    ]
    # As people read it: by bucket, then the rule's place in the rule table, then the unit's name.
    order = {rule_id: i for i, rule_id in enumerate(policies.known_rule_ids())}
    cells.sort(key=lambda c: (c.bucket, order.get(c.rule_id, 99), c.unit_name, c.unit_id or 0))
    return cells


def _scope_units(scope: frozenset[int] | None) -> list[Unit]:
    qs = Unit.objects.all() if scope is None else Unit.objects.filter(pk__in=sorted(scope))
    return list(qs.order_by("name", "id"))


def _check_unit(flt: ComplianceFilter, scope: frozenset[int] | None) -> None:
    if flt.unit_id is not None and scope is not None and flt.unit_id not in scope:
        raise Forbidden(_("Du kan kun se overholdelse af frister for dine egne enheder."), code="unit_not_in_scope")


def compliance(*, actor, flt: ComplianceFilter, export: bool = False, now: datetime | None = None) -> ComplianceReport:
    """Compliance per bucket (month or quarter), rule and unit over the units in the actor's scope: one
    aggregate query (GROUP BY), plus on SQLite one window query for the medians. Aggregates only, but the
    look is logged (LIST, or EXPORT for the CSV) with the filters."""
    now = now or timezone.now()
    scope = compliance_scope(actor)
    _check_unit(flt, scope)
    units = _scope_units(scope)
    unit_names = {u.pk: u.name for u in units}
    cells = _compliance_cells(flt, scope, unit_names, now)
    audit.record(
        actor=actor,
        action=AuditAction.EXPORT if export else AuditAction.LIST,
        object_type=COMPLIANCE_OBJECT,
        detail={"view": "compliance", **flt.as_query(), "rows": len(cells), **({"format": "csv"} if export else {})},
    )
    return ComplianceReport(
        filter=flt, cells=cells, units=units, drill_down=may_drill_down(actor), unit_names=unit_names
    )


@dataclass(frozen=True)
class DrillDown:
    rule_id: str
    unit: Unit
    bucket: str
    outcome: Outcome
    rows: list[Deadline]
    truncated: bool

    @property
    def bucket_label(self) -> str:
        return policies.bucket_label(self.bucket)

    @property
    def rule_title(self) -> str:
        return policies.rule_title(self.rule_id)


def _parse_drill_down(params) -> tuple[str, int, str, datetime, datetime, Outcome]:
    rule_id = (params.get("rule") or "").strip()
    if rule_id not in policies.known_rule_ids():
        raise HelhedError(_("Vælg en frist fra listen."), field="rule", code="invalid_rule")
    unit_id = policies.parse_unit_id(params.get("unit") or "")
    month, quarter = (params.get("month") or "").strip(), (params.get("quarter") or "").strip()
    if month and not quarter:
        first = policies.parse_month(month, field="month")
        bucket, last = policies.month_key(first), first
    elif quarter and not month:
        year, _sep, number = quarter.partition("-Q")
        if not (year.isdigit() and number in {"1", "2", "3", "4"}):
            raise HelhedError(_("Skriv kvartalet som fx 2025-Q1."), field="quarter", code="invalid_quarter")
        first = policies.parse_month(f"{year}-{(int(number) - 1) * 3 + 1:02d}", field="quarter")
        bucket, last = quarter, first.replace(month=first.month + 2)
    else:
        raise HelhedError(_("Vælg én måned (fx 2025-03) eller ét kvartal."), field="month", code="invalid_month")
    try:
        outcome = Outcome((params.get("outcome") or "").strip())
    except ValueError:
        raise HelhedError(
            _("Vælg hvilke frister du vil se: overholdt, overskredet eller åben og overskredet."),
            field="outcome",
            code="invalid_outcome",
        )
    start, end = policies.period_bounds(first, last)
    return rule_id, unit_id, bucket, start, end, outcome


def compliance_cases(*, actor, params, limit: int = DRILL_DOWN_LIMIT, now: datetime | None = None) -> DrillDown:
    """The deadlines behind one cell of the compliance report, on cases the actor may see. Analysts (no case
    work) and units outside the actor's scope get `Forbidden`; bad parameters a `HelhedError`."""
    if not may_drill_down(actor):
        raise Forbidden(
            _("Du kan se tallene, men ikke de enkelte sager bag dem. Din rolle giver ikke adgang til sager."),
            code="aggregates_only",
        )
    now = now or timezone.now()
    rule_id, unit_id, bucket, start, end, outcome = _parse_drill_down(params)
    scope = compliance_scope(actor)
    if scope is not None and unit_id not in scope:
        raise Forbidden(_("Du kan kun se overholdelse af frister for dine egne enheder."), code="unit_not_in_scope")
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise HelhedError(_("Vælg en enhed fra listen."), field="unit", code="invalid_unit")
    by_outcome = {
        Outcome.MET: Q(status=DeadlineStatus.MET),
        Outcome.MISSED: Q(status=DeadlineStatus.MISSED),
        Outcome.OVERDUE: Q(status=DeadlineStatus.OPEN, due_at__lt=now),
        Outcome.WAIVED: Q(status=DeadlineStatus.WAIVED),
    }
    qs = (
        Deadline.objects.filter(
            by_outcome[outcome], rule_id=rule_id, unit_id=unit_id, due_at__gte=start, due_at__lt=end
        )
        .filter(case__in=cases_visible_to(actor).values("id"))
        .select_related("case", "person", "owner")
        .order_by("due_at", "id")
    )
    rows = list(qs[: limit + 1])
    truncated = len(rows) > limit
    rows = rows[:limit]
    audit.record(
        actor=actor,
        action=AuditAction.LIST,
        object_type="deadlines.deadline",
        persons={d.person_id for d in rows},
        detail={
            "view": "compliance_cases",
            "rule": rule_id,
            "unit": unit_id,
            "period": bucket,
            "outcome": str(outcome),
            "count": len(rows),
        },
    )
    return DrillDown(rule_id=rule_id, unit=unit, bucket=bucket, outcome=outcome, rows=rows, truncated=truncated)
