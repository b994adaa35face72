"""Measure p50/p95 latency over HTTP against a running Helhed (loopback only).

    .venv/bin/python benchmarks/http_latency.py --base http://127.0.0.1:8099 --requests 300

Needs the same DATABASE_URL/HELHED_DATA_DIR as the server: it reads case ids and decrypts CPR numbers of
the benchmark caseworker's cases directly from the database to build realistic requests, then measures
only HTTP round trips: 'Mine sager', the case page, CPR search, and an API case read (bearer token).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def setup(username: str, limit: int):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helhed.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from helhed.cases.models import TeamMember
    from helhed.core.apiauth import token_create
    from helhed.people import crypto, policies

    user = get_user_model().objects.get(username=username)
    members = (
        TeamMember.objects.filter(user=user, valid_to__isnull=True).select_related("case__child").order_by("id")[:limit]
    )
    cases = [(m.case_id, policies.format_cpr(crypto.decrypt(m.case.child.cpr_encrypted))) for m in members]
    _, token = token_create(user=user, name="benchmark")
    return cases, token


def login(client: httpx.Client, base: str, username: str, password: str) -> None:
    r = client.get(f"{base}/login/")
    token = client.cookies.get("csrftoken")
    r = client.post(
        f"{base}/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/login/"},
    )
    if r.status_code != 302:
        raise SystemExit(f"login failed: {r.status_code}")


def measure(client: httpx.Client, urls: list[str], n: int, headers=None) -> dict:
    for url in urls[:5]:  # warm-up
        client.get(url, headers=headers)
    times = []
    for i in range(n):
        url = urls[i % len(urls)]
        t0 = time.perf_counter()
        r = client.get(url, headers=headers)
        times.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"{url}: HTTP {r.status_code}")
    return {
        "n": n,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "max_ms": round(max(times), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8099")
    parser.add_argument("--username", default="raadgiver")
    parser.add_argument("--password", default="Helhed-demo-2026")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--label", default="")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    host = urlparse(args.base).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("Benchmarks target loopback addresses only.")

    cases, token = setup(args.username, limit=50)
    if not cases:
        raise SystemExit(f"{args.username} has no cases")
    base = args.base
    with httpx.Client(timeout=30, follow_redirects=False) as client:
        login(client, base, args.username, args.password)
        results = {
            "mine_sager": measure(client, [f"{base}/"], args.requests),
            "case_page": measure(client, [f"{base}/sager/{cid}/" for cid, _ in cases], args.requests),
            "cpr_search": measure(client, [f"{base}/soeg/?q={cpr}" for _, cpr in cases], args.requests),
        }
    with httpx.Client(timeout=30) as api:
        results["api_case_read"] = measure(
            api,
            [f"{base}/api/v1/cases/{cid}" for cid, _ in cases],
            args.requests,
            headers={"Authorization": f"Bearer {token}"},
        )
    report = {"label": args.label, "cases_of_user": len(cases), "results": results}
    print(json.dumps(report, indent=2))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
