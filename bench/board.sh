#!/usr/bin/env bash
# The manager's board at scale: N open deadlines (default 1,000,000) seeded straight into a
# fresh database by seed_deadlines.sh, then a release `sanbao serve` on it and wrk against
# the board's API and page — first page, a state filter, a region + kind filter, a page
# deep in the list (by cursor) — on SQLite and on PostgreSQL.
#
#   bench/board.sh [--tickets N] [--sqlite-only | --postgres-only]
#
# Env: BOARD_SQLITE_DB / BOARD_POSTGRES_SEEDED=1 reuse a database seeded before (by
#      seed_deadlines.sh --no-alarms) instead of seeding afresh,
#      BOARD_SKIP_BUILD=1 uses the release binary as it is,
#      BENCH_POSTGRES_URL (postgres://sanbao:sanbao@127.0.0.1:5432/sanbao; a database
#      sanbao_bench_board is created there and dropped again), SANBAO_BENCH_PORT (8093),
#      WRK_THREADS (2), WRK_CONNS (8), WRK_DURATION (10s).
# Results (wrk output, server log, table.md) go to bench/results/board-<time>/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N=1000000; RUN_SQLITE=1; RUN_PG=1
while [ $# -gt 0 ]; do
  case "$1" in
    --tickets) N="$2"; shift 2 ;;
    --sqlite-only) RUN_PG=0; shift ;;
    --postgres-only) RUN_SQLITE=0; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
PG_ADMIN="${BENCH_POSTGRES_URL:-postgres://sanbao:sanbao@127.0.0.1:5432/sanbao}"
PG_URL="${PG_ADMIN%/*}/sanbao_bench_board"
PORT="${SANBAO_BENCH_PORT:-8093}"
BASE="http://127.0.0.1:$PORT"
THREADS="${WRK_THREADS:-2}"; CONNS="${WRK_CONNS:-8}"; DURATION="${WRK_DURATION:-10s}"
OUT="$ROOT/bench/results/board-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
WORK="$(mktemp -d /tmp/sanbao-board.XXXXXX)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$CARGO_TARGET_DIR/release/sanbao"
PASS="board-bench-password"
SERVER=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ "${BOARD_SKIP_BUILD:-}" != 1 ]; then
  (cd "$ROOT" && cargo build --release --bin sanbao >/dev/null 2>&1)
fi
echo "| backend | request | req/s | p50 | p99 | notes |" > "$OUT/table.md"
echo "|---|---|---|---|---|---|" >> "$OUT/table.md"

# The p50 and p99 of a wrk --latency report, and non-2xx answers if any.
row() {
  local backend="$1" name="$2" file="$3"
  local rps p50 p99 notes
  rps=$(awk '/Requests\/sec/ {print $2}' "$file")
  p50=$(awk '$1 == "50%" {print $2}' "$file")
  p99=$(awk '$1 == "99%" {print $2}' "$file")
  notes=$(grep -E "Non-2xx|Socket errors" "$file" | tr '\n' ' ' || true)
  echo "| $backend | $name | $rps | $p50 | $p99 | $notes |" >> "$OUT/table.md"
}

bench_backend() {
  local backend="$1" url="$2"
  echo "== $backend: seeding $N open deadlines"
  if [ "${3:-}" = reuse ]; then
    echo "(reusing the database as seeded)"
  elif [ "$backend" = sqlite ]; then
    SANBAO_BIN="$BIN" "$ROOT/bench/seed_deadlines.sh" --sqlite "${url#sqlite://}" --tickets "$N" --no-alarms
  else
    SANBAO_BIN="$BIN" "$ROOT/bench/seed_deadlines.sh" --postgres "$url" --tickets "$N" --no-alarms
  fi
  printf '%s\n' "$PASS" | DATABASE_URL="$url" "$BIN" user add --username boardbench \
    --display-name 看板测试 --role service_manager --password-stdin >/dev/null 2>&1 || true
  DATABASE_URL="$url" SANBAO_LISTEN="127.0.0.1:$PORT" "$BIN" serve > "$OUT/server-$backend.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 300); do curl -fs "$BASE/healthz" >/dev/null && break; sleep 0.2; done
  local token
  token=$(curl -fs -X POST "$BASE/api/v1/sessions" -H 'content-type: application/json' \
    -d "{\"username\":\"boardbench\",\"password\":\"$PASS\"}" | sed 's/.*"token":"\([^"]*\)".*/\1/')
  # A page session for /board: the sign-in form with its CSRF cookie.
  local jar="$WORK/jar-$backend" csrf cookie
  csrf=$(curl -fs -c "$jar" "$BASE/login" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
  curl -fs -b "$jar" -c "$jar" -o /dev/null -X POST "$BASE/login" \
    --data-urlencode "_csrf=$csrf" --data-urlencode "username=boardbench" \
    --data-urlencode "password=$PASS" --data-urlencode "next=/board"
  # HttpOnly cookies are written as "#HttpOnly_host …" lines.
  cookie=$(sed 's/^#HttpOnly_//' "$jar" | awk '!/^#/ && NF >= 7 {printf "%s=%s; ", $6, $7}')
  if [ "$(curl -s -o /dev/null -w '%{http_code}' -H "cookie: $cookie" "$BASE/board")" != 200 ]; then
    echo "the page session did not open /board" >&2; exit 1
  fi
  # A cursor deep in the list: the last line of the 200th page of 50.
  local cursor="" page
  for _ in $(seq 1 200); do
    page=$(curl -fs -H "authorization: Bearer $token" "$BASE/api/v1/board/deadlines?limit=50${cursor:+&cursor=$cursor}")
    cursor=$(printf '%s' "$page" | sed -n 's/.*"next_cursor":"\([^"]*\)".*/\1/p')
  done
  curl -fs -H "authorization: Bearer $token" "$BASE/api/v1/board/deadlines?limit=1" > "$OUT/sample-$backend.json"
  local name path
  while IFS='|' read -r name path; do
    wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "authorization: Bearer $token" \
      "$BASE$path" > "$OUT/wrk-$backend-$name.txt" 2>&1
    row "$backend" "GET $path" "$OUT/wrk-$backend-$name.txt"
  done <<LIST
api-first|/api/v1/board/deadlines
api-breached|/api/v1/board/deadlines?state=breached
api-region-kind|/api/v1/board/deadlines?region=zhejiang&deadline_kind=arrival
api-deep|/api/v1/board/deadlines?cursor=$cursor
api-load|/api/v1/board/load
LIST
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "cookie: $cookie" \
    "$BASE/board" > "$OUT/wrk-$backend-page.txt" 2>&1
  row "$backend" "GET /board (page)" "$OUT/wrk-$backend-page.txt"
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "cookie: $cookie" \
    "$BASE/board?state=warning&region=out_of_province" > "$OUT/wrk-$backend-page-filtered.txt" 2>&1
  row "$backend" "GET /board?state=warning&region=out_of_province (page)" "$OUT/wrk-$backend-page-filtered.txt"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
}

if [ "$RUN_SQLITE" = 1 ]; then
  if [ -n "${BOARD_SQLITE_DB:-}" ]; then
    bench_backend sqlite "sqlite://$BOARD_SQLITE_DB" reuse
  else
    bench_backend sqlite "sqlite://$WORK/board.db"
  fi
fi
if [ "$RUN_PG" = 1 ]; then
  if [ "${BOARD_POSTGRES_SEEDED:-}" = 1 ]; then
    bench_backend postgres "$PG_URL" reuse
  else
    psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS sanbao_bench_board" -c "CREATE DATABASE sanbao_bench_board" 2>/dev/null
    bench_backend postgres "$PG_URL"
    psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS sanbao_bench_board" 2>/dev/null || true
  fi
fi
echo
cat "$OUT/table.md"
echo "(results in $OUT)"
