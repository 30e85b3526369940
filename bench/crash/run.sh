#!/usr/bin/env bash
# Crash test: writers under concurrent load, the server killed with SIGKILL at random
# moments and restarted, then every acknowledged write (customers, tickets, ticket events)
# read back through the API and the missing ones counted. On SQLite with
# synchronous=normal, with synchronous=full, and on PostgreSQL.
#
#   bench/crash/run.sh [--kills N] [--writers N] [--modes "sqlite-normal sqlite-full postgres"]
#
# Env: CRASH_SKIP_BUILD=1  no cargo build; SANBAO_BIN names the binary
#        (default $CARGO_TARGET_DIR/release/sanbao, CARGO_TARGET_DIR defaulting to ./target),
#      CRASH_KILLS (10), CRASH_WRITERS (8), CRASH_MODES (all three),
#      CRASH_DELAY_MIN / CRASH_DELAY_MAX (0.5 / 3.0): seconds of load before each kill,
#      CRASH_SEED (the time): the random delays and the writers' choices,
#      CRASH_PORT (18591), CRASH_OUT (a new /tmp/crash-results.XXXXXX),
#      CRASH_POSTGRES_URL (postgres://sanbao:sanbao@127.0.0.1:5432/sanbao; a fresh
#        database crash_<pid> is created beside it and dropped at the end unless
#        CRASH_KEEP_DB=1).
# Each mode's acknowledged writes, unknown outcomes, counters, read-back and server logs
# are kept in $CRASH_OUT/<mode>/; the table is $CRASH_OUT/table.md. Exits 1 when an
# acknowledged write is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/bench/crash"
KILLS="${CRASH_KILLS:-10}"
WRITERS="${CRASH_WRITERS:-8}"
MODES="${CRASH_MODES:-sqlite-normal sqlite-full postgres}"
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) KILLS="$2"; shift 2 ;;
    --writers) WRITERS="$2"; shift 2 ;;
    --modes) MODES="$2"; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
DELAY_MIN="${CRASH_DELAY_MIN:-0.5}"
DELAY_MAX="${CRASH_DELAY_MAX:-3.0}"
SEED="${CRASH_SEED:-$(date +%s)}"
PORT="${CRASH_PORT:-18591}"
BASE="http://127.0.0.1:$PORT"
PASS="crash-admin-password"
PG_ADMIN="${CRASH_POSTGRES_URL:-postgres://sanbao:sanbao@127.0.0.1:5432/sanbao}"
PG_DB="crash_$$"
OUT="${CRASH_OUT:-$(mktemp -d /tmp/crash-results.XXXXXX)}"
mkdir -p "$OUT"
pg() { PGOPTIONS="-c client_min_messages=warning" psql -q -X "$PG_ADMIN" "$@" >/dev/null; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="${SANBAO_BIN:-$CARGO_TARGET_DIR/release/sanbao}"

SERVER=""; LOADER=""; PG_CREATED=0
stop_server() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=""; fi
}
cleanup() {
  if [ -n "$LOADER" ]; then kill "$LOADER" 2>/dev/null || true; wait "$LOADER" 2>/dev/null || true; fi
  stop_server
  if [ "$PG_CREATED" = 1 ] && [ "${CRASH_KEEP_DB:-}" != 1 ]; then
    pg -c "DROP DATABASE IF EXISTS $PG_DB" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "${CRASH_SKIP_BUILD:-}" != 1 ]; then
  echo "== cargo build --release -p sanbao-server"
  (cd "$ROOT" && cargo build --release -p sanbao-server)
fi
[ -x "$BIN" ] || { echo "no binary at $BIN" >&2; exit 1; }
if curl -s -o /dev/null --max-time 1 "$BASE/healthz"; then
  echo "something already answers on port $PORT; set CRASH_PORT" >&2; exit 1
fi

# start_server URL SYNC LOG: the server in the background, waited for until /readyz answers.
start_server() {
  local url="$1" sync="$2" log="$3" i
  DATABASE_URL="$url" SANBAO_LISTEN="127.0.0.1:$PORT" SANBAO_ADMIN_PASSWORD="$PASS" \
    SANBAO_SQLITE_SYNCHRONOUS="$sync" SANBAO_LOG="${SANBAO_LOG:-warn}" \
    "$BIN" serve >> "$log" 2>&1 &
  SERVER=$!
  for i in $(seq 1 600); do
    curl -fs -o /dev/null --max-time 1 "$BASE/readyz" && return 0
    kill -0 "$SERVER" 2>/dev/null || { echo "the server exited on start; see $log" >&2; tail -20 "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "the server did not become ready in 60 s; see $log" >&2; exit 1
}

# delay K: the seconds of load before kill K, from the seed.
delay() {
  python3 -c 'import random, sys; s, k, lo, hi = sys.argv[1:]
print("%.2f" % random.Random(f"{s}-{k}").uniform(float(lo), float(hi)))' "$SEED" "$1" "$DELAY_MIN" "$DELAY_MAX"
}

run_mode() {
  local mode="$1" url sync="normal" dir="$OUT/$1" k d t0 t1
  mkdir -p "$dir"
  case "$mode" in
    sqlite-normal) url="sqlite://$dir/sanbao.db"; sync=normal ;;
    sqlite-full) url="sqlite://$dir/sanbao.db"; sync=full ;;
    postgres)
      pg -c "DROP DATABASE IF EXISTS $PG_DB" -c "CREATE DATABASE $PG_DB"
      PG_CREATED=1
      url="${PG_ADMIN%/*}/$PG_DB" ;;
    *) echo "unknown mode $mode" >&2; exit 2 ;;
  esac
  echo "== $mode: $WRITERS writers, $KILLS kills after ${DELAY_MIN}-${DELAY_MAX} s of load each"
  start_server "$url" "$sync" "$dir/server.log"
  python3 "$HERE/driver.py" load --base "$BASE" --password "$PASS" --out "$dir" \
    --writers "$WRITERS" --seed "$SEED" --tag "$mode" > "$dir/load.txt" 2>&1 &
  LOADER=$!
  t0=$(date +%s)
  sleep 1
  for k in $(seq 1 "$KILLS"); do
    d=$(delay "$k")
    sleep "$d"
    kill -0 "$LOADER" 2>/dev/null || { echo "the load driver stopped; see $dir/load.txt" >&2; cat "$dir/load.txt" >&2; exit 1; }
    kill -KILL "$SERVER"
    wait "$SERVER" 2>/dev/null || true
    echo "--- SIGKILL $k after ${d} s ($(date +%T.%N | cut -c1-12))" >> "$dir/server.log"
    printf '  kill %2d after %s s; ' "$k" "$d"
    t1=$(date +%s.%N)
    start_server "$url" "$sync" "$dir/server.log"
    awk -v a="$t1" -v b="$(date +%s.%N)" 'BEGIN { printf "ready again in %.2f s\n", b - a }'
  done
  sleep 2  # the writers go on against the last restart, so its writes are checked too
  touch "$dir/stop"
  wait "$LOADER" || { echo "the load driver failed; see $dir/load.txt" >&2; cat "$dir/load.txt" >&2; exit 1; }
  LOADER=""
  echo "  load: $(( $(date +%s) - t0 )) s; $(tail -1 "$dir/load.txt")"
  # Read back from a server started afresh after one more SIGKILL, so nothing is read
  # from a cache the killed process held.
  kill -KILL "$SERVER"; wait "$SERVER" 2>/dev/null || true
  echo "--- SIGKILL before the read-back" >> "$dir/server.log"
  start_server "$url" "$sync" "$dir/server.log"
  python3 "$HERE/driver.py" check --base "$BASE" --password "$PASS" --out "$dir" | tee "$dir/check.txt" | sed 's/^/  check: /'
  stop_server
  if [ "${mode%%-*}" = sqlite ] && command -v sqlite3 >/dev/null; then
    echo "  integrity_check: $(sqlite3 "$dir/sanbao.db" 'PRAGMA integrity_check' | head -3 | tr '\n' ' ')"
  fi
  if [ "$mode" = postgres ] && [ "${CRASH_KEEP_DB:-}" != 1 ]; then
    pg -c "DROP DATABASE IF EXISTS $PG_DB"
    PG_CREATED=0
  fi
  printf '{"mode": "%s", "kills": %s, "writers": %s, "seed": %s}\n' \
    "$(echo "$mode" | sed 's/-/ /')" "$KILLS" "$WRITERS" "$SEED" > "$dir/meta.json"
  rm -f "$dir/sanbao.db" "$dir/sanbao.db-wal" "$dir/sanbao.db-shm"
}

LOAD_BEFORE="$(uptime)"
HEAD="$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo '?')"
echo "HEAD $HEAD; binary $BIN ($(date -r "$BIN" '+%Y-%m-%d %H:%M')); $(nproc) CPUs; seed $SEED"
echo "before: $LOAD_BEFORE"
DIRS=()
for mode in $MODES; do
  run_mode "$mode"
  DIRS+=("$OUT/$mode")
done
{
  echo "HEAD $HEAD, seed $SEED, $WRITERS writers, $(nproc) CPUs."
  echo "Load before: $LOAD_BEFORE"
  echo "Load after:  $(uptime)"
  echo
  python3 "$HERE/driver.py" table "${DIRS[@]}"
} > "$OUT/table.md"
echo
cat "$OUT/table.md"
echo
echo "(results in $OUT)"
MISSING=0
for d in "${DIRS[@]}"; do
  n=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["counts"]; print(sum(c.get(k,0) for k in ("customers_missing","tickets_missing","events_missing")))' "$d/check.json")
  MISSING=$((MISSING + n))
done
if [ "$MISSING" -gt 0 ]; then
  echo "ACKNOWLEDGED WRITES MISSING: $MISSING (see lost in each check.json)" >&2
  exit 1
fi
