"""Time the absence import and the evaluation of concerning absence at municipal scale (issue 6): a synthetic file
of 70,000 pupils x 200 school days (14 million lines) imported and evaluated, beside a bare DuckDB read-and-aggregate
of the same file (the ratio is the figure).

    .venv/bin/python benchmarks/absence_import.py
    .venv/bin/python benchmarks/absence_import.py --pupils 70000 --days 200 --runs 1
    .venv/bin/python benchmarks/absence_import.py --database-url sqlite:///var/bench-absence/helhed.sqlite3

The default database is PostgreSQL `helhed_bench_absence` (created if missing, never `test`). It seeds, once,
`--pupils` synthetic pupils (encrypted and hashed CPR numbers, as `people.services` stores them) spread over 60
schools with institution numbers, and writes the file with DuckDB (`;`-separated, one line per pupil and school
day, ending on the last school day before today): about 5 % of pupil-days absent (mostly illness), and a few pupils
with much absence or runs of unauthorised absence.

Each run empties the absence tables, then times:

- `duckdb_bare`: DuckDB reads the CSV and sums the absence per pupil (no checks, nothing written);
- `import`: `detection.imports.import_file` — read, check every line, look up every CPR number and school, write
  the pupil-days with absence and the coverage, audit — in one transaction;
- `evaluate`: `detection.selectors.evaluate_absence` on the last day (the rule over every pupil);
- `reimport_unchanged`: the same file again (recognised, nothing changes).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/helhed_bench_absence"
SCHOOLS = 60


def seed_pupils(total: int) -> None:
    """Bulk-create `total` synthetic pupils with CPR numbers and 60 schools, if not there yet."""
    from django.db import transaction

    from helhed.organisation.models import Administration, AdministrationCode, District, Unit, UnitKind
    from helhed.people.crypto import encrypt, lookup_hash
    from helhed.people.models import Person

    have = Person.objects.count()
    if have >= total:
        return
    buf, _ = Administration.objects.get_or_create(code=AdministrationCode.BUF, defaults={"name": "BUF"})
    district, _ = District.objects.get_or_create(code="bench", defaults={"name": "Benchmark"})
    for i in range(SCHOOLS):
        Unit.objects.get_or_create(
            code=f"BENCH-SKOLE-{i + 1}",
            defaults={
                "name": f"Benchmarkskole {i + 1}",
                "kind": UnitKind.MUNICIPAL_SCHOOL if i % 10 else UnitKind.PRIVATE_SCHOOL,
                "administration": buf,
                "district": district,
                "institution_number": f"{900000 + i + 1}",
            },
        )
    rows = []
    for n in range(have, total):
        birth = date(2010, 1, 1) + timedelta(days=n % 3650)
        serial = 4000 + n // 3650  # 7th digit 4-9 with birth years 2000-2036: valid, unique per birth date
        number = f"{birth:%d%m%y}{serial:04d}"
        rows.append(
            Person(
                first_name="Elev",
                last_name=f"Nr{n}",
                cpr_encrypted=encrypt(number),
                cpr_hash=lookup_hash(number),
                cpr_masked=f"{number[:6]}-xxxx",
                birth_date=birth,
                synthetic=True,
            )
        )
    with transaction.atomic():
        Person.objects.bulk_create(rows, batch_size=5000)
    print(f"seeded {len(rows)} pupils", flush=True)


def write_file(path: Path, pupils: int, days: int, end: date) -> None:
    """The file, written by DuckDB from the pupils' CPR numbers and the school days."""
    import duckdb
    import pyarrow as pa

    from helhed.detection import policies
    from helhed.organisation.models import Unit
    from helhed.people.crypto import decrypt
    from helhed.people.models import Person

    school_days: list[date] = []
    day = end
    while len(school_days) < days:
        if policies.MUNICIPAL_CALENDAR.is_school_day(day):
            school_days.append(day)
        day -= timedelta(days=1)
    institutions = list(
        Unit.objects.filter(code__startswith="BENCH-SKOLE-")
        .order_by("code")
        .values_list("institution_number", flat=True)
    )
    cprs = [decrypt(t) for t in Person.objects.order_by("id").values_list("cpr_encrypted", flat=True)[:pupils]]
    con = duckdb.connect()
    con.register(
        "pupils_arrow",
        pa.table(
            {
                "n": list(range(len(cprs))),
                "cpr": cprs,
                "inst": [institutions[i % len(institutions)] for i in range(len(cprs))],
            }
        ),
    )
    con.register("days_arrow", pa.table({"d": pa.array(sorted(school_days), pa.date32())}))
    # h: a stable pseudo-random number per pupil and day. Pupils n % 50 == 0 are often absent (~20 %); n % 97 == 0
    # have a run of unauthorised absence in their last eight school days.
    con.execute(
        f"""
        COPY (
          WITH grid AS (
            SELECT p.n, p.cpr, p.inst, d.d, hash(p.cpr || CAST(d.d AS VARCHAR)) % 1000 AS h,
                   row_number() OVER (PARTITION BY p.n ORDER BY d.d DESC) AS back
            FROM pupils_arrow p CROSS JOIN days_arrow d
          )
          SELECT cpr, inst AS institutionsnummer, strftime(d, '%Y-%m-%d') AS dato,
                 CASE WHEN n % 97 = 0 AND back <= 8 THEN 'ulovligt'
                      WHEN h < CASE WHEN n % 50 = 0 THEN 200 ELSE 50 END
                        THEN CASE WHEN h % 10 < 7 THEN 'sygdom' WHEN h % 10 < 9 THEN 'lovligt' ELSE 'ulovligt' END
                      ELSE '' END AS fravaerstype,
                 CASE WHEN n % 97 = 0 AND back <= 8 THEN '1'
                      WHEN h < CASE WHEN n % 50 = 0 THEN 200 ELSE 50 END
                        THEN CASE WHEN h % 4 = 0 THEN '0,5' ELSE '1' END
                      ELSE '0' END AS fravaer_dage
          FROM grid ORDER BY n, d
        ) TO '{path}' (HEADER, DELIMITER ';')
        """
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--pupils", type=int, default=70_000)
    parser.add_argument("--days", type=int, default=200)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--out", default="benchmarks/results/absence_import.json")
    args = parser.parse_args()
    if args.database_url.rstrip("/").rsplit("/", 1)[-1] == "test":
        parser.error("use a dedicated benchmark database, not 'test'")
    if args.database_url.startswith("postgres"):
        from benchmarks.scale_seed import ensure_database

        ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("HELHED_DATA_DIR", str(REPO / "var" / "bench-absence"))
    Path(os.environ["HELHED_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HELHED_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helhed.settings")
    import django

    django.setup()
    import duckdb
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from helhed.detection import policies
    from helhed.detection.imports import import_file
    from helhed.detection.models import AbsenceCoverage, AbsenceDay, AbsenceImport
    from helhed.detection.selectors import evaluate_absence

    call_command("migrate", verbosity=0)
    seed_pupils(args.pupils)
    end = timezone.localdate() - timedelta(days=1)
    while not policies.MUNICIPAL_CALENDAR.is_school_day(end):
        end -= timedelta(days=1)
    path = Path(os.environ["HELHED_DATA_DIR"]) / f"absence-{args.pupils}x{args.days}-{end}.csv"
    if not path.exists():
        t0 = time.perf_counter()
        write_file(path, args.pupils, args.days, end)
        print(f"file written in {time.perf_counter() - t0:.1f}s: {path.stat().st_size / 1e6:.0f} MB", flush=True)

    results: dict[str, list[float]] = {
        "duckdb_bare": [],
        "import": [],
        "evaluate": [],
        "import_and_evaluate": [],
        "reimport_unchanged": [],
    }
    summary = {}
    for run in range(args.runs):
        AbsenceDay.objects.all().delete()
        AbsenceCoverage.objects.all().delete()
        AbsenceImport.objects.all().delete()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE detection_absenceday")
        t0 = time.perf_counter()
        con = duckdb.connect()
        bare = con.execute(
            f"SELECT count(*), count(DISTINCT cpr), sum(TRY_CAST(replace(fravaer_dage, ',', '.') AS DOUBLE)) "
            f"FROM read_csv('{path}', delim=';', header=true, all_varchar=true)"
        ).fetchall()[0]
        con.close()
        results["duckdb_bare"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        _record, outcome = import_file(actor=None, path=path, file_name=path.name, channel="cli")
        t1 = time.perf_counter()
        flags = evaluate_absence(as_of=end)
        t2 = time.perf_counter()
        results["import"].append(t1 - t0)
        results["evaluate"].append(t2 - t1)
        results["import_and_evaluate"].append(t2 - t0)
        t0 = time.perf_counter()
        _r, again = import_file(actor=None, path=path, file_name=path.name, channel="cli")
        results["reimport_unchanged"].append(time.perf_counter() - t0)
        assert again.status == "unchanged", again.status
        summary = {
            "rows": outcome.rows,
            "pupils": outcome.pupils,
            "absence_rows": outcome.absence_rows,
            "bad_lines": outcome.bad_lines,
            "flagged": len(flags),
            "bare_rows": bare[0],
            "bare_pupils": bare[1],
        }
        print(f"run {run + 1}: " + ", ".join(f"{k} {v[-1]:.1f}s" for k, v in results.items()), flush=True)
    out = {
        "database": connection.vendor,
        "pupils": args.pupils,
        "school_days": args.days,
        "file_mb": round(path.stat().st_size / 1e6),
        **summary,
        **{f"{k}_s": round(statistics.median(v), 1) for k, v in results.items()},
        "ratio_import_and_evaluate_to_bare": round(
            statistics.median(results["import_and_evaluate"]) / statistics.median(results["duckdb_bare"]), 1
        ),
        "cores": os.cpu_count(),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
