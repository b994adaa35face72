"""Time the deadline compliance report and 'Mine frister' on the scale database (in-process, PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helhed_bench HELHED_DEMO=1 \\
        .venv/bin/python benchmarks/compliance.py --runs 7

The compliance report runs as the analyst (every unit, 36 months by month and by quarter, all rules) and
as a family-unit leader: first counting everything live (no stored counts), then the nightly refresh that
stores the ended months and quarters (timed once, from nothing), then reading them from the store with this
month and quarter live, and again after a write has made last month stale. 'Mine frister' runs as the demo
caseworker. Each figure is the median and the worst of `--runs` runs after one warm-up, including the audit
write each look makes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))


def timed(fn, runs: int) -> dict:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    ordered = sorted(times)
    return {
        "runs": runs,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(ordered[max(0, round(0.95 * (len(ordered) - 1)))], 1),
        "max_ms": round(max(times), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", default="benchmarks/results/compliance.json")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helhed.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from helhed.concerns.models import Concern
    from helhed.deadlines import policies, selectors, services
    from helhed.deadlines.models import ComplianceCount, ComplianceSnapshot, Deadline
    from helhed.deadlines.policies import ComplianceFilter, Period
    from helhed.people.models import Person

    users = get_user_model().objects
    analyst, leader, worker = (users.get(username=u) for u in ("analytiker", "leder", "raadgiver"))
    first, last = date(2023, 12, 1), date(2026, 11, 1)
    results = {}

    def looks(label: str) -> None:
        for period in (Period.MONTH, Period.QUARTER):
            flt = ComplianceFilter(period=period, first=first, last=last)
            results[f"{label}_analyst_{period}"] = timed(
                lambda f=flt: selectors.compliance(actor=analyst, flt=f), args.runs
            )
            results[f"{label}_leader_{period}"] = timed(
                lambda f=flt: selectors.compliance(actor=leader, flt=f), args.runs
            )

    ComplianceSnapshot.objects.all().delete()
    ComplianceCount.objects.all().delete()
    looks("live")
    t0 = time.perf_counter()
    refreshed = services.compliance_refresh(actor=None)
    results["refresh_from_nothing"] = {"ms": round((time.perf_counter() - t0) * 1000, 1), **refreshed}
    looks("stored")
    # A deadline of last month closed late today: last month and its quarter are counted live again.
    last_month = policies.bucket_spans(date(2026, 10, 1), date(2026, 10, 1), Period.MONTH)[0]
    services.compliance_mark_stale([last_month[1]])
    looks("stored_last_month_stale")
    t0 = time.perf_counter()
    refreshed = services.compliance_refresh(actor=None)
    results["refresh_nightly_one_month"] = {"ms": round((time.perf_counter() - t0) * 1000, 1), **refreshed}
    rows = len(
        selectors.compliance(actor=analyst, flt=ComplianceFilter(period=Period.MONTH, first=first, last=last)).cells
    )
    results["mine_frister"] = timed(lambda: selectors.my_deadlines(actor=worker), max(args.runs, 50))
    report = {
        "database": connection.vendor,
        "children": Person.objects.filter(concerns__isnull=False).distinct().count(),
        "persons": Person.objects.count(),
        "reports": Concern.objects.count(),
        "deadlines": Deadline.objects.count(),
        "compliance_cells_analyst_month": rows,
        "mine_frister_rows": len(selectors.my_deadlines(actor=worker)),
        "results": results,
    }
    print(json.dumps(report, indent=2))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
