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


def fill_concerns(target: int, seed: int = 13) -> None:
    """Top the reports of concern up to `target` with more reports about children already in the database
    (the generator keeps fewer than its mean: none before birth, none about adults outside aftercare)."""
    from django.db import transaction

    from helhed.cases.models import Case, CaseStatus
    from helhed.concerns.models import Concern
    from helhed.demo.concerns_gen import seed_concerns
    from helhed.demo.generator import FAMILY_UNITS, TZ
    from helhed.organisation.models import District, Membership, Role, Unit
    from helhed.people.models import Person

    have = Concern.objects.count()
    if have >= target:
        return
    rng = random.Random(seed)
    fam_of = {d: code for code, _n, covered in FAMILY_UNITS for d in covered}
    family_unit_of = {d.id: Unit.objects.get(code=f"BFE-{fam_of[d.code]}") for d in District.objects.all()}
    workers_of: dict = {}
    for m in Membership.objects.filter(role=Role.CASEWORKER).select_related("user", "unit"):
        workers_of.setdefault(m.unit_id, []).append(m.user)
        if m.unit.parent_id:
            workers_of.setdefault(m.unit.parent_id, []).append(m.user)
    any_workers = [u for users in workers_of.values() for u in users]
    partner = [Role.SCHOOL_SOCIAL_WORKER, Role.PROFESSIONAL, Role.EMPLOYMENT_ADVISER]
    notifiers = [(m.user, m.unit) for m in Membership.objects.filter(role__in=partner).select_related("user", "unit")]
    case_of = {c.child_id: c for c in Case.objects.exclude(status=CaseStatus.CLOSED).select_related("responsible_unit")}
    kid_ids = list(Concern.objects.values_list("child_id", flat=True).distinct())
    t0 = time.time()
    while Concern.objects.count() < target:
        batch = Person.objects.filter(id__in=rng.sample(kid_ids, 2000))
        with transaction.atomic():
            seed_concerns(
                rng=rng,
                anchor_now=datetime(2026, 11, 1, 12, tzinfo=TZ),
                kids=list(batch),
                case_of=case_of,
                family_unit_of=family_unit_of,
                workers_of=workers_of,
                any_workers=any_workers,
                notifiers=notifiers,
                per_child=min(4.0, (target - Concern.objects.count()) / 2000 / 0.7),
            )
    print(f"added {Concern.objects.count() - have:,} reports in {time.time() - t0:.0f}s")


def fill_deadlines(target: int, seed: int = 11) -> None:
    """Top the deadline table up to `target` with plan deadlines (barnets plan, first follow-up) on the cases,
    started on random dates over three years and met, met late or still open, as the reports' are."""
    from helhed.cases.models import Case, TeamMember
    from helhed.deadlines import policies
    from helhed.deadlines.models import Deadline, DeadlineStatus

    have = Deadline.objects.count()
    if have >= target:
        return
    rng = random.Random(seed)
    owners = dict(TeamMember.objects.filter(role="responsible_caseworker").values_list("case_id", "user_id"))
    cases = list(Case.objects.values_list("id", "child_id", "responsible_unit_id"))
    now = datetime.now(UTC)
    memo: dict = {}
    batch: list = []
    made = 0
    t0 = time.time()
    while have + made < target:
        case_id, child_id, unit_id = rng.choice(cases)
        rule_id = rng.choice(["plan.create", "plan.first_review"])
        start_day = (now - timedelta(days=rng.randint(1, 1095))).date()
        key = (rule_id, start_day)
        if key not in memo:
            start = datetime.combine(start_day, datetime.min.time(), tzinfo=policies.COPENHAGEN).replace(hour=12)
            due = policies.compute(rule_id, at=start)
            memo[key] = (due, policies.due_moment(due.due), start)
        due, due_at, start = memo[key]
        closed_at = start + timedelta(days=rng.randint(20, 130))
        status = DeadlineStatus.OPEN
        if closed_at < now:
            status = DeadlineStatus.MET if closed_at <= due_at else DeadlineStatus.MISSED
        batch.append(
            Deadline(
                rule_id=rule_id,
                law=str(due.rule.law),
                paragraph=due.rule.paragraph,
                title=due.rule.title_da,
                case_id=case_id,
                person_id=child_id,
                owner_id=owners.get(case_id),
                unit_id=unit_id,
                started_at=start,
                due_at=due_at,
                due_is_date=True,
                explanation=due.explanation,
                status=status,
                closed_at=closed_at if status != DeadlineStatus.OPEN else None,
                source_type="bench.plan",
                source_id=f"{case_id}-{have + made}",
            )
        )
        made += 1
        if len(batch) >= 5000:
            Deadline.objects.bulk_create(batch)
            batch.clear()
    Deadline.objects.bulk_create(batch)
    print(f"added {made:,} plan deadlines in {time.time() - t0:.0f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/helhed_bench")
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--notes-per-case", type=int, default=20)
    parser.add_argument("--audit-events", type=int, default=3_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reports-per-child", type=float, default=4.0, help="mean; ~3 kept per child after checks")
    parser.add_argument("--concerns", type=int, default=300_000, help="top the reports up to this many")
    parser.add_argument("--deadlines", type=int, default=1_000_000, help="top the deadline table up to this many")
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
        call_command(
            "demo",
            "seed",
            children=args.children,
            seed=args.seed,
            notes_per_case=args.notes_per_case,
            reports_per_child=args.reports_per_child,
        )
        print(f"seeded in {time.time() - t0:.0f}s")
    fill_concerns(args.concerns)
    fill_deadlines(args.deadlines)
    from helhed.core.models import AuditEvent

    have = AuditEvent.objects.count()
    if have < args.audit_events:
        fill_audit(args.audit_events - have)
    from django.db import connection

    with connection.cursor() as cur:
        for table in (
            "people_person",
            "cases_case",
            "cases_journalnote",
            "cases_timelineevent",
            "core_auditevent",
            "concerns_concern",
            "deadlines_deadline",
        ):
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed table names)
            print(f"{table}: {cur.fetchone()[0]:,}")


if __name__ == "__main__":
    main()
