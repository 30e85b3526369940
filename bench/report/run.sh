#!/usr/bin/env bash
# The monthly report and the reliability page of a large company: a release `sanbao serve`
# on a database seeded by seed.sh (default 1,000,000 tickets over 24 months, 200,000 units),
# on SQLite and on PostgreSQL. Each request is timed with curl, one call at a time: the
# first call after the server starts (cold), then REPORT_CALLS more (min / median / max);
# the server's peak memory (VmHWM) and the load average before and after are recorded.
#
#   bench/report/run.sh [--tickets N] [--months M] [--sqlite-only | --postgres-only]
#
# Requests: GET /api/v1/reports/{month} (a full month in the middle of the range),
#           GET /api/v1/reports/{month}/records?figure=F&limit=100 for each F of
#           REPORT_FIGURES, GET /api/v1/reliability — as a quality engineer.
# Env: REPORT_SQLITE_DB=PATH  seed into PATH and keep it, or reuse it if it holds tickets,
#      REPORT_POSTGRES_SEEDED=1  reuse sanbao_bench_report as seeded before (kept),
#      REPORT_KEEP_POSTGRES=1  keep sanbao_bench_report after the run,
#      REPORT_SKIP_BUILD=1  no cargo build; SANBAO_BIN names the binary
#        (default $CARGO_TARGET_DIR/release/sanbao),
#      REPORT_MONTH (YYYY-MM; default the month M/2 months before the current one),
#      REPORT_CALLS (10), REPORT_FIGURES ("complaints.all.all satisfaction.all.overall"),
#      BENCH_POSTGRES_URL (postgres://sanbao:sanbao@127.0.0.1:5432/sanbao; the database
#      sanbao_bench_report is created beside it), SANBAO_BENCH_PORT (8094).
# Results (table.md, each answer, timings, memory samples, server logs) go to
# bench/results/report-<time>/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
N=1000000; MONTHS=24; RUN_SQLITE=1; RUN_PG=1
while [ $# -gt 0 ]; do
  case "$1" in
    --tickets) N="$2"; shift 2 ;;
    --months) MONTHS="$2"; shift 2 ;;
    --sqlite-only) RUN_PG=0; shift ;;
    --postgres-only) RUN_SQLITE=0; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
PG_ADMIN="${BENCH_POSTGRES_URL:-postgres://sanbao:sanbao@127.0.0.1:5432/sanbao}"
PG_DB=sanbao_bench_report
PG_URL="${PG_ADMIN%/*}/$PG_DB"
PORT="${SANBAO_BENCH_PORT:-8094}"
BASE="http://127.0.0.1:$PORT"
CALLS="${REPORT_CALLS:-10}"
FIGURES="${REPORT_FIGURES:-complaints.all.all satisfaction.all.overall}"
MONTH="${REPORT_MONTH:-$(TZ=UTC-8 date -d "$(TZ=UTC-8 date +%Y-%m-01) -$((MONTHS / 2)) months" +%Y-%m)}"
OUT="$ROOT/bench/results/report-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
WORK="$(mktemp -d /tmp/sanbao-report.XXXXXX)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="${SANBAO_BIN:-$CARGO_TARGET_DIR/release/sanbao}"
PASS="report-bench-password"
SERVER=""; SAMPLER=""
stop_server() {
  if [ -n "$SAMPLER" ]; then kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true; SAMPLER=""; fi
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=""; fi
}
DROP_PG=0
cleanup() {
  stop_server
  if [ "$DROP_PG" = 1 ]; then psql -q -X "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ "${REPORT_SKIP_BUILD:-}" != 1 ]; then
  echo "== cargo build --release"
  (cd "$ROOT" && cargo build --release --bin sanbao >/dev/null 2>&1)
fi
[ -x "$BIN" ] || { echo "no binary at $BIN" >&2; exit 1; }
case "$BIN" in */release/*) PROFILE=release ;; */debug/*) PROFILE=debug ;; *) PROFILE="?" ;; esac
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")
BUILT=$(date -r "$BIN" '+%Y-%m-%d %H:%M')

T="$OUT/table.md"
{
  echo "# Monthly report and reliability page: $N tickets over $MONTHS months, 200,000 units"
  echo
  echo "Month measured: $MONTH. Build: $PROFILE, binary of $BUILT (HEAD $COMMIT), $(nproc) CPUs. Times in seconds, curl"
  echo "\`time_total\`, one call at a time; cold = the first call after the server started; min,"
  echo "median and max over the $CALLS calls after it."
  echo
  echo "| backend | request | cold | min | median | max | answer | notes |"
  echo "|---|---|---:|---:|---:|---:|---|---|"
} > "$T"
row() { echo "| $* |" >> "$T"; }

# measure BACKEND NAME PATH: the cold call, then $CALLS more; one table row.
measure() {
  local backend="$1" name="$2" path="$3" slug i code
  slug=$(printf '%s' "$name" | tr -c 'a-zA-Z0-9' '-' | tr -s '-')
  local times="$OUT/times-$backend-$slug.txt"
  : > "$times"
  for i in $(seq 0 "$CALLS"); do
    curl -s -o "$OUT/answer-$backend-$slug.json" --max-time 900 \
      -w '%{http_code} %{time_total} %{size_download}\n' \
      -H "authorization: Bearer $TOKEN" "$BASE$path" >> "$times" || echo "000 0 0" >> "$times"
  done
  local cold stats codes bytes
  cold=$(awk 'NR == 1 {printf "%.3f", $2}' "$times")
  stats=$(awk 'NR > 1 {print $2}' "$times" | sort -g |
    awk '{v[NR] = $1} END {if (NR == 0) {print "- - -"; exit}
         m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
         printf "%.3f %.3f %.3f", v[1], m, v[NR]}')
  codes=$(awk '{print $1}' "$times" | sort | uniq -c | awk '{printf "%s%s×%s", (NR > 1 ? ", " : ""), $2, $1}')
  bytes=$(awk 'NR == 1 {print $3}' "$times")
  local notes="HTTP $codes"
  case "$name" in
    report*) notes="$notes; $(grep -o '"figure":' "$OUT/answer-$backend-$slug.json" | wc -l) figures" ;;
    records*) notes="$notes; total $(sed -n 's/.*"total":\([0-9]*\).*/\1/p' "$OUT/answer-$backend-$slug.json") records" ;;
  esac
  notes="$notes; VmHWM after: $(hwm) MB"
  # shellcheck disable=SC2086
  row "$backend | GET $path | $cold | $(echo $stats | tr ' ' '|' | sed 's/|/ | /g') | $bytes B | $notes"
  echo "  $name: cold $cold s, min/median/max $stats s ($codes)"
}
hwm() { awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER/status" 2>/dev/null || echo "?"; }

bench_backend() {
  local backend="$1" url="$2" how="$3"
  echo "== $backend"
  if [ "$how" = seed ]; then
    local t0; t0=$(date +%s)
    if [ "$backend" = sqlite ]; then
      SANBAO_BIN="$BIN" "$ROOT/bench/report/seed.sh" --sqlite "${url#sqlite://}" --tickets "$N" --months "$MONTHS" |
        tee "$OUT/seed-$backend.txt"
    else
      SANBAO_BIN="$BIN" "$ROOT/bench/report/seed.sh" --postgres "$url" --tickets "$N" --months "$MONTHS" |
        tee "$OUT/seed-$backend.txt"
    fi
    row "$backend | seed.sh --tickets $N --months $MONTHS | | | | | | $(( $(date +%s) - t0 )) s in all"
  else
    echo "(reusing the database as seeded)"
    DATABASE_URL="$url" SANBAO_LOG=warn "$BIN" migrate >/dev/null
  fi
  if [ "$backend" = sqlite ]; then
    row "$backend | database size | | | | | | $(du -cm "${url#sqlite://}"* | awk 'END {print $1}') MB (with WAL)"
  else
    row "$backend | database size | | | | | | $(psql -X -A -t -q "$url" -c "SELECT pg_database_size(current_database()) / 1048576") MB"
  fi
  printf '%s\n' "$PASS" | DATABASE_URL="$url" "$BIN" user add --username reportbench \
    --display-name 报表测试 --role quality_engineer --password-stdin >/dev/null 2>&1 || true
  local load_before; load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  DATABASE_URL="$url" SANBAO_LISTEN="127.0.0.1:$PORT" SANBAO_LOG=warn \
    SANBAO_ADMIN_PASSWORD="report-admin-password" "$BIN" serve > "$OUT/server-$backend.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 300); do curl -fs -o /dev/null "$BASE/healthz" && break; sleep 0.2; done
  ( while [ -r "/proc/$SERVER/status" ]; do
      awk -v t="$(date +%s.%N)" '/^Vm(RSS|HWM):/ {printf "%s %s %s\n", t, $1, $2}' "/proc/$SERVER/status" 2>/dev/null || true
      sleep 0.5
    done ) > "$OUT/memory-$backend.txt" &
  SAMPLER=$!
  TOKEN=$(curl -fs -X POST "$BASE/api/v1/sessions" -H 'content-type: application/json' \
    -d "{\"username\":\"reportbench\",\"password\":\"$PASS\"}" | sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')
  [ -n "$TOKEN" ] || { echo "could not sign in as reportbench" >&2; exit 1; }
  row "$backend | server started, signed in | | | | | | VmHWM $(hwm) MB"
  measure "$backend" "report $MONTH" "/api/v1/reports/$MONTH"
  local f
  for f in $FIGURES; do
    measure "$backend" "records $f" "/api/v1/reports/$MONTH/records?figure=$f&limit=100"
  done
  measure "$backend" "reliability" "/api/v1/reliability"
  local rss_max
  rss_max=$(awk '$2 == "VmRSS:" && $3 > m {m = $3} END {printf "%.1f", m / 1024}' "$OUT/memory-$backend.txt")
  row "$backend | peak memory of the server | | | | | | VmHWM $(hwm) MB; max sampled VmRSS $rss_max MB"
  row "$backend | load average (1/5/15 min) before / after | | | | | | $load_before / $(cut -d' ' -f1-3 /proc/loadavg)"
  stop_server
}

if [ "$RUN_SQLITE" = 1 ]; then
  if [ -n "${REPORT_SQLITE_DB:-}" ] && [ -s "$REPORT_SQLITE_DB" ] &&
     [ "$(sqlite3 "$REPORT_SQLITE_DB" "SELECT COUNT(*) FROM tickets" 2>/dev/null || echo 0)" != 0 ]; then
    bench_backend sqlite "sqlite://$REPORT_SQLITE_DB" reuse
  else
    bench_backend sqlite "sqlite://${REPORT_SQLITE_DB:-$WORK/report.db}" seed
  fi
fi
if [ "$RUN_PG" = 1 ]; then
  if [ "${REPORT_POSTGRES_SEEDED:-}" = 1 ]; then
    bench_backend postgres "$PG_URL" reuse
  else
    psql -q -X "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $PG_DB" -c "CREATE DATABASE $PG_DB" >/dev/null 2>&1
    [ "${REPORT_KEEP_POSTGRES:-}" = 1 ] || DROP_PG=1
    bench_backend postgres "$PG_URL" seed
  fi
fi
echo
cat "$T"
echo "(results in $OUT)"
