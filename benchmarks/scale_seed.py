"""Seed a PostgreSQL database at municipal scale for the benchmarks.

    .venv/bin/python benchmarks/scale_seed.py --database-url postgres://postgres@127.0.0.1:5432/helhed_bench \
        --children 100000 --notes-per-case 20 --audit-events 3000000

Creates the database if missing, migrates, runs the synthetic-municipality generator (the same one
`helhed demo seed` uses) and then fills the audit log with sealed, chained events spread over the last six
months (written with COPY, chained exactly as `helhed audit seal` would, so `helhed audit verify` holds).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def fill_audit(total: int, seed: int = 7) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from helhed.cases.models import Case
    from helhed.core.audit import chain_hash
    from helhed.core.models import AuditChain, AuditEvent

    rng = random.Random(seed)
    users = list(get_user_model().objects.values_list("id", "username"))
    cases = list(Case.objects.values_list("id", "child_id"))
    if not cases:
        print("no cases; skipping audit fill")
        return
    chain, _ = AuditChain.objects.get_or_create(id=1)
    from helhed.core.audit import seal_pending

    seal_pending()
    chain.refresh_from_db()
    seq, prev = chain.last_seq, chain.last_hash
    now = datetime.now(UTC)
    start = now - timedelta(days=180)
    step = (now - start) / max(total, 1)
    actions = ["view"] * 6 + ["list", "search", "create", "update"]
    next_id = (AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    t0 = time.time()
    batch = 50_000
    written = 0
    raw = connection.cursor().cursor
    while written < total:
        n = min(batch, total - written)
        events, subjects = [], []
        for i in range(n):
            at = start + step * (written + i)
            actor_id, username = rng.choice(users)
            case_id, child_id = rng.choice(cases)
            action = rng.choice(actions)
            seq += 1
            ev = AuditEvent(
                id=next_id,
                seq=seq,
                at=at,
                actor_id=actor_id,
                actor_username=username,
                action=action,
                channel="ui",
                object_type="cases.case",
                object_id=str(case_id),
                case_id=case_id,
                reason="",
                criterion="",
                detail={"view": "overview"},
                request_id=f"bench{next_id:012d}",
                person_ids=[child_id],
            )
            ev.prev_hash = prev
            ev.hash = chain_hash(prev, ev)
            prev = ev.hash
            events.append(ev)
            subjects.append((next_id, child_id, at))
            next_id += 1
        with raw.copy(
            "COPY core_auditevent (id, seq, at, actor_id, actor_username, action, channel, object_type, object_id,"
            " case_id, reason, criterion, detail, request_id, person_ids, prev_hash, hash) FROM STDIN"
        ) as copy:
            for e in events:
                copy.write_row(
                    (
                        e.id,
                        e.seq,
                        e.at,
                        e.actor_id,
                        e.actor_username,
                        e.action,
                        e.channel,
                        e.object_type,
                        e.object_id,
                        e.case_id,
                        e.reason,
                        e.criterion,
                        json.dumps(e.detail),
                        e.request_id,
                        json.dumps(e.person_ids),
                        e.prev_hash,
                        e.hash,
                    )
                )
        with raw.copy("COPY core_auditsubject (event_id, person_id, at) FROM STDIN") as copy:
            for row in subjects:
                copy.write_row(row)
        written += n
        print(f"  audit events: {written:,} ({time.time() - t0:.0f}s)", flush=True)
    AuditChain.objects.filter(id=1).update(last_seq=seq, last_hash=prev)
    with connection.cursor() as cur:
        cur.execute("SELECT setval(pg_get_serial_sequence('core_auditevent','id'), %s)", [next_id])
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('core_auditsubject','id'), (SELECT max(id) FROM core_auditsubject))"
        )
        cur.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/helhed_bench")
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--notes-per-case", type=int, default=20)
    parser.add_argument("--audit-events", type=int, default=3_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("HELHED_DATA_DIR", str(REPO / "var" / "bench"))
    os.environ.setdefault("HELHED_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helhed.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from helhed.people.models import Person

    call_command("migrate", verbosity=0)
    if Person.objects.exists():
        print("database already seeded; only filling the audit log if it is short")
    else:
        t0 = time.time()
        call_command("demo", "seed", children=args.children, seed=args.seed, notes_per_case=args.notes_per_case)
        print(f"seeded in {time.time() - t0:.0f}s")
    from helhed.core.models import AuditEvent

    have = AuditEvent.objects.count()
    if have < args.audit_events:
        fill_audit(args.audit_events - have)
    from django.db import connection

    with connection.cursor() as cur:
        for table in ("people_person", "cases_case", "cases_journalnote", "cases_timelineevent", "core_auditevent"):
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed table names)
            print(f"{table}: {cur.fetchone()[0]:,}")


if __name__ == "__main__":
    main()
