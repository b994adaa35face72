"""Time the economy of the intervention catalogue on PostgreSQL: the forecast of committed cost against the budget
and the reports, over 25,000 grants in one year (in-process, through `interventions.selectors`).

    .venv/bin/python benchmarks/interventions_forecast.py --runs 7
    .venv/bin/python benchmarks/interventions_forecast.py --database-url postgres://postgres@127.0.0.1:5432/NAME

Creates the database if missing (default `helhed_bench_interventions`, never `test`) and migrates it. Then it
seeds what is missing, once:

- a synthetic municipality from the demo generator (`--children`, no journal notes or reports of concern);
- the demo's intervention catalogue (`demo/interventions_gen.py`: 18 offers priced per day, month, hour and course,
  paid 100 % by SOF, 50/50 or 60/40 by SOF and BUF, some from a central unit);
- `--grants` grants whose periods touch `--year` (starts from half a year before it, lengths as the demo offers
  have them), each with its referral, funding rows and monthly cost lines computed with `policies.monthly_cost`
  and `policies.split` as `services.write_cost_lines` does. The rows are written in bulk (cost lines with COPY):
  capacity and the other checks of the services are not applied, since they do not change what is timed;
- `--extra-years` more years of the same before `--year`, as history the queries must skip;
- the year's budgets for SOF, BUF and the family units.

Then it times, after one warm-up, `--runs` runs each of the forecast of SOF, of the whole municipality and of one
family unit (Børnefamilieenhed Nord), and the reports of the year, and prints the median and the worst run.
The forecast and the reports hold no person data and write no audit event.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/helhed_bench_interventions"


def timed(fn, runs: int) -> dict:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return {"runs": runs, "median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


def seed_grants(year: int, total: int, seed: int) -> int:
    """Bulk-write `total` grants touching `year` (with referral, funding and cost lines) on the open cases."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from helhed.cases.models import ACTIVE_STATUSES, Case, TeamMember, TeamRole
    from helhed.demo.generator import TZ
    from helhed.demo.interventions_gen import InterventionsResult, _catalogue
    from helhed.interventions import policies
    from helhed.interventions.models import Grant, GrantFunding, Referral, ReferralStatus
    from helhed.organisation.models import Membership, Role

    have = Grant.objects.filter(start__lte=date(year, 12, 31), end__gte=date(year, 1, 1)).count()
    if have >= total:
        return 0
    rng = random.Random(seed * 7907 + year)
    admin = get_user_model().objects.get(username="administrator")
    offers = list(_catalogue(admin, date(year, 1, 1), InterventionsResult()).values())
    weights = [o.spec.weight for o in offers]
    leaders = dict(Membership.objects.filter(role=Role.LEADER).values_list("unit_id", "user_id"))
    workers = dict(
        TeamMember.objects.filter(role=TeamRole.RESPONSIBLE_CASEWORKER, valid_to__isnull=True).values_list(
            "case_id", "user_id"
        )
    )
    cases = [
        (c.pk, c.child_id, c.responsible_unit.administration_id, c.responsible_unit.parent_id or c.responsible_unit_id)
        for c in Case.objects.filter(status__in=ACTIVE_STATUSES).select_related("responsible_unit")
        if c.pk in workers
    ]
    first = date(year, 1, 1) - timedelta(days=182)
    span = (date(year, 12, 31) - first).days
    made = 0
    t0 = time.time()
    while have + made < total:
        n = min(5000, total - have - made)
        plan = []
        for _ in range(n):
            offer = rng.choices(offers, weights=weights)[0]
            case_id, child_id, case_admin, family_id = rng.choice(cases)
            end = date.min
            while end < date(year, 1, 1):  # every grant runs at least one day of the year
                start = first + timedelta(days=rng.randint(0, span))
                end = policies.add_months(start, rng.randint(*offer.spec.months)) - timedelta(days=1)
            units = Decimal(rng.choice(offer.spec.units))
            decided = datetime.combine(start - timedelta(days=rng.randint(3, 30)), clock(11), tzinfo=TZ)
            plan.append((offer, case_id, child_id, case_admin, family_id, start, end, units, decided))
        with transaction.atomic():
            referrals = [
                Referral(
                    case_id=case_id,
                    child_id=child_id,
                    offer=offer.obj,
                    requested_start=start,
                    requested_end=end,
                    units=units,
                    reason="Benchmark",
                    status=ReferralStatus.GRANTED,
                    applied_by_id=workers[case_id],
                    applied_at=decided - timedelta(days=5),
                    decided_by_id=leaders.get(family_id, admin.pk),
                    decided_at=decided,
                    version=2,
                )
                for offer, case_id, child_id, _a, family_id, start, end, units, decided in plan
            ]
            Referral.objects.bulk_create(referrals, batch_size=5000)
            grants = [
                Grant(
                    referral=referral,
                    case_id=case_id,
                    child_id=child_id,
                    offer=offer.obj,
                    start=start,
                    end=end,
                    units=units,
                    price=offer.obj.price,
                    price_unit=offer.obj.price_unit,
                    decided_by_id=referral.decided_by_id,
                    decided_at=decided,
                )
                for referral, (offer, case_id, child_id, _a, _f, start, end, units, decided) in zip(
                    referrals, plan, strict=True
                )
            ]
            Grant.objects.bulk_create(grants, batch_size=5000)
            funding, lines = [], []
            for grant, (offer, _c, _ch, case_admin, family_id, start, end, units, _d) in zip(grants, plan, strict=True):
                shares = []
                for administration_id, _code, share, chosen in offer.funding:
                    unit_id = policies.paying_unit(
                        chosen=chosen,
                        administration=administration_id,
                        case_unit_administration=case_admin,
                        family_unit=family_id,
                    )
                    funding.append(
                        GrantFunding(
                            grant=grant, administration_id=administration_id, share=share, paying_unit_id=unit_id
                        )
                    )
                    shares.append(((administration_id, unit_id), share))
                lines.extend(
                    (grant.pk, month, administration_id, unit_id, amount)
                    for month, (administration_id, unit_id), amount in policies.cost_lines(
                        price=grant.price, price_unit=grant.price_unit, units=units, start=start, end=end, shares=shares
                    )
                )
            GrantFunding.objects.bulk_create(funding, batch_size=5000)
            with (
                connection.cursor() as cur,
                cur.cursor.copy(
                    "COPY interventions_costline (grant_id, month, administration_id, unit_id, amount) FROM STDIN"
                ) as copy,
            ):
                for row in lines:
                    copy.write_row(row)
        made += n
        print(f"  {year}: {have + made:,} grants ({time.time() - t0:.0f}s)", flush=True)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--grants", type=int, default=25_000, help="grants touching the year")
    parser.add_argument("--year", type=int, default=date.today().year)
    parser.add_argument("--extra-years", type=int, default=0, help="as many grants again in each earlier year")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", default="benchmarks/results/interventions_forecast.json")
    args = parser.parse_args()
    if args.database_url.rstrip("/").rsplit("/", 1)[-1] == "test":
        parser.error("use a dedicated benchmark database, not 'test'")

    from benchmarks.scale_seed import ensure_database

    ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("HELHED_DATA_DIR", str(REPO / "var" / "bench-interventions"))
    os.environ.setdefault("HELHED_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helhed.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from helhed.demo import generator
    from helhed.demo.interventions_gen import _budgets
    from helhed.interventions import selectors
    from helhed.interventions.models import CostLine, Grant, Offer
    from helhed.organisation.models import Unit
    from helhed.people.models import Person

    call_command("migrate", verbosity=0)
    seeded = {}
    if not Person.objects.exists():
        t0 = time.time()
        generator.seed(children=args.children, seed=args.seed, notes_per_case=0, reports_per_child=0)
        seeded["municipality_s"] = round(time.time() - t0)
        print(f"municipality seeded in {seeded['municipality_s']}s", flush=True)
    t0 = time.time()
    made = sum(seed_grants(y, args.grants, args.seed) for y in range(args.year - args.extra_years, args.year + 1))
    if made:
        seeded["grants_s"] = round(time.time() - t0)
        _budgets(get_user_model().objects.get(username="administrator"), args.year)
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE interventions_costline")
            cur.execute("ANALYZE")
        print(f"{made:,} grants seeded in {seeded['grants_s']}s", flush=True)

    year = args.year
    nord = Unit.objects.get(code="BFE-NORD")
    results = {
        "forecast_sof": timed(lambda: selectors.forecast(year=year, administration="SOF"), args.runs),
        "forecast_municipality": timed(lambda: selectors.forecast(year=year), args.runs),
        "forecast_family_unit": timed(lambda: selectors.forecast(year=year, unit_id=nord.pk), args.runs),
        "reports": timed(lambda: selectors.reports(year=year), args.runs),
    }
    whole = selectors.forecast(year=year)
    in_year = Grant.objects.filter(start__lte=date(year, 12, 31), end__gte=date(year, 1, 1))
    report = {
        "database": connection.vendor,
        "year": year,
        "persons": Person.objects.count(),
        "offers": Offer.objects.count(),
        "grants": Grant.objects.count(),
        "grants_touching_year": in_year.count(),
        "cost_lines": CostLine.objects.count(),
        "cost_lines_in_year": CostLine.objects.filter(
            month__gte=date(year, 1, 1), month__lte=date(year, 12, 1)
        ).count(),
        "committed_in_year": str(whole.total),
        "seeded": seeded,
        "results": results,
    }
    print(json.dumps(report, indent=2))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
