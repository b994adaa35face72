#!/usr/bin/env bash
# Full benchmark: seed PostgreSQL at scale (once), then measure p50/p95 over HTTP with audit on and off.
#   bash benchmarks/run.sh            (defaults: 100,000 children, 3,000,000 audit events)
# Figures go to benchmarks/results/*.json; copy them into docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/helhed_bench}"
export HELHED_DATA_DIR="${HELHED_DATA_DIR:-$PWD/var/bench}"
export HELHED_DEMO=1
PORT="${BENCH_PORT:-8099}"
CHILDREN="${BENCH_CHILDREN:-100000}"
AUDIT="${BENCH_AUDIT_EVENTS:-3000000}"
REQUESTS="${BENCH_REQUESTS:-300}"
WORKERS="${BENCH_WORKERS:-2}"

.venv/bin/python benchmarks/scale_seed.py --database-url "$DATABASE_URL" --children "$CHILDREN" --audit-events "$AUDIT"
.venv/bin/helhed collectstatic --noinput -v0

run() {  # $1 = label, $2 = audit disabled (0/1)
  HELHED_AUDIT_DISABLED="$2" HELHED_AXES_DISABLED=1 .venv/bin/gunicorn helhed.wsgi --chdir src \
    --bind "127.0.0.1:$PORT" --workers "$WORKERS" --log-level warning &
  local pid=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/sundhed/" >/dev/null && break; sleep 0.2; done
  .venv/bin/python benchmarks/http_latency.py --base "http://127.0.0.1:$PORT" --requests "$REQUESTS" \
    --label "$1" --out "benchmarks/results/$1.json"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
run audit-on 0
run audit-off 1
