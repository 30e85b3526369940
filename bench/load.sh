#!/usr/bin/env bash
# Sanbao's HTTP load test on SQLite: a fresh release server on a temp database seeded with
# 100,000 tickets (each with its deadlines and audit record), measured with the same wrk
# settings and helpers as ../shared/ceilings/run.sh, so the two tables compare row by row.
#
#   bench/load.sh                   Sanbao only (run ../shared/ceilings/run.sh in the same session)
#   bench/load.sh --with-ceilings   the ceilings first, then Sanbao, then Sanbao as a share of them
#
# Env: SANBAO_BENCH_PORT (8092), BENCH_TICKETS (100000), BENCH_CUSTOMERS (2000),
#      BENCH_SEED_TASKS (4), CEILINGS_DIR (../shared/ceilings from the repo root),
#      WRK_THREADS (2), WRK_CONNS (16), WRK_DURATION (12s) as in the ceilings.
# Results (wrk output, server logs, memory samples, the table) go to bench/results/<time>/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CEILINGS_DIR="${CEILINGS_DIR:-$ROOT/../shared/ceilings}"
WITH_CEILINGS=0
for arg in "$@"; do
  case "$arg" in
    --with-ceilings) WITH_CEILINGS=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

export OUT="$ROOT/bench/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
WORK="$(mktemp -d /tmp/sanbao-bench.XXXXXX)"
PORT="${SANBAO_BENCH_PORT:-8092}"
TICKETS="${BENCH_TICKETS:-100000}"
CUSTOMERS="${BENCH_CUSTOMERS:-2000}"
SEED_TASKS="${BENCH_SEED_TASKS:-4}"
BASE="http://127.0.0.1:$PORT"

if [ -f "$CEILINGS_DIR/common.sh" ]; then
  # shellcheck source=/dev/null
  source "$CEILINGS_DIR/common.sh"
else
  # The same helpers and wrk settings as the ceilings, for a checkout without them.
  echo "note: $CEILINGS_DIR/common.sh not found; using built-in copies of its helpers" >&2
  WRK_THREADS="${WRK_THREADS:-2}"; WRK_CONNS="${WRK_CONNS:-16}"
  WRK_DURATION="${WRK_DURATION:-12s}"; WRK_TIMEOUT="${WRK_TIMEOUT:-30s}"
  _slug() { printf '%s' "$1" | tr 'A-Z' 'a-z' | sed 's/[^a-z0-9]\{1,\}/_/g; s/^_//; s/_$//'; }
  _to_ms() {
    awk -v v="$1" 'BEGIN{ if (v=="") {print "-"; exit}
      if (v ~ /us$/) {sub(/us$/,"",v); printf "%.3f", v/1000}
      else if (v ~ /ms$/) {sub(/ms$/,"",v); printf "%.2f", v}
      else if (v ~ /m$/) {sub(/m$/,"",v); printf "%.0f", v*60000}
      else if (v ~ /s$/) {sub(/s$/,"",v); printf "%.0f", v*1000}
      else print v }'
  }
  table_row() {
    printf '| %-22s | %-44s | %10s | %9s | %9s | %s |\n' "$1" "$2" "$3" "$4" "$5" "$6" | tee -a "$OUT/table.md"
  }
  table_header() {
    if [ ! -s "$OUT/table.md" ]; then
      printf '| %-22s | %-44s | %10s | %9s | %9s | %s |\n' suite endpoint "req/s" "p50 ms" "p99 ms" notes > "$OUT/table.md"
      printf '|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..24})" "$(printf -- '-%.0s' {1..46})" "-----------:" "---------:" "---------:" "---" >> "$OUT/table.md"
    fi
  }
  bench_wrk() {
    local suite="$1" name="$2" url="$3"; shift 3
    case "$url" in http://127.0.0.1:*) ;; *) echo "refusing non-loopback url $url" >&2; return 1;; esac
    local raw; raw="$OUT/wrk-$(_slug "$suite-$name").txt"
    wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$WRK_DURATION" --timeout "$WRK_TIMEOUT" --latency "$@" "$url" > "$raw" 2>&1 || true
    local rps p50 p99 non2xx sockerr
    rps=$(awk '/^Requests\/sec:/{printf "%.1f", $2}' "$raw")
    p50=$(_to_ms "$(awk '$1=="50%"{print $2}' "$raw")")
    p99=$(_to_ms "$(awk '$1=="99%"{print $2}' "$raw")")
    non2xx=$(awk '/Non-2xx/{print $NF}' "$raw")
    sockerr=$(awk '/Socket errors/{print}' "$raw" | sed 's/^ *Socket errors: *//')
    local note="wrk c=$WRK_CONNS t=$WRK_THREADS $WRK_DURATION"
    [ -n "$non2xx" ] && note="$note; NON-2xx=$non2xx"
    [ -n "$sockerr" ] && note="$note; sock: $sockerr"
    table_row "$suite" "$name" "${rps:--}" "$p50" "$p99" "$note"
  }
  wait_http() {
    local url="$1" secs="${2:-30}" i
    for i in $(seq $((secs * 5))); do
      curl -s -o /dev/null --max-time 2 "$url" && return 0
      sleep 0.2
    done
    echo "server at $url did not come up" >&2; return 1
  }
fi
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

SPID=""; SAMPLER=""
stop_server() {
  if [ -n "$SAMPLER" ]; then kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true; SAMPLER=""; fi
  if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; SPID=""; fi
}
trap 'stop_server; rm -rf "$WORK"' EXIT

# --- the ceilings first, if asked: same session, same machine state
CEILINGS_TABLE=""
if [ "$WITH_CEILINGS" = 1 ]; then
  [ -x "$CEILINGS_DIR/run.sh" ] || { echo "no $CEILINGS_DIR/run.sh" >&2; exit 1; }
  echo "== ceilings: $CEILINGS_DIR/run.sh"
  "$CEILINGS_DIR/run.sh" | tee "$OUT/ceilings-output.txt"
  # run.sh prints its rows as it goes, then the whole table: keep the last table.
  awk '/^\| suite /{buf=""} /^\|/{buf=buf $0 "\n"} END{printf "%s", buf}' "$OUT/ceilings-output.txt" > "$OUT/ceilings.md"
  CEILINGS_TABLE="$OUT/ceilings.md"
fi

echo "== sanbao: cargo build --release"
(cd "$ROOT" && cargo build --release -q)
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/sanbao"

export DATABASE_URL="sqlite://$WORK/sanbao.db"
export SANBAO_ADMIN_PASSWORD="${SANBAO_ADMIN_PASSWORD:-bench-admin-password}"
export SANBAO_LISTEN="127.0.0.1:$PORT"
export SANBAO_LOG="${SANBAO_LOG:-warn}"
unset SANBAO_SQLITE_SYNCHRONOUS SANBAO_CONFIG

table_header
SUITE="sanbao (sqlite)"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

echo "== seeding $TICKETS tickets over $CUSTOMERS customers"
t0=$(date +%s.%N)
"$BIN" bench-seed --tickets "$TICKETS" --customers "$CUSTOMERS" --tasks "$SEED_TASKS" | tee "$OUT/seed.txt"
t1=$(date +%s.%N)
seed_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
seed_rate=$(awk -v n="$TICKETS" -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", n/(b-a)}')
db_mb=$(du -cm "$WORK"/sanbao.db* | awk 'END{print $1}')
table_row "$SUITE" "bench-seed: $TICKETS tickets, $CUSTOMERS customers" "$seed_rate" "-" "-" \
  "tickets/s; ${seed_s} s in all; store create_ticket, $SEED_TASKS writers; db ${db_mb} MB"

# start_server SYNC: a server on the seeded database, with its memory sampled every 0.5 s.
start_server() {
  local sync="$1"
  SANBAO_SQLITE_SYNCHRONOUS="$sync" "$BIN" serve > "$OUT/server-$sync.log" 2>&1 &
  SPID=$!
  wait_http "$BASE/healthz" 60
  ( while [ -r "/proc/$SPID/status" ]; do
      awk -v t="$(date +%s.%N)" '/^Vm(RSS|HWM):/{printf "%s %s %s\n", t, $1, $2}' "/proc/$SPID/status" 2>/dev/null || true
      sleep 0.5
    done ) > "$OUT/memory-$sync.txt" &
  SAMPLER=$!
  TOKEN=$(curl -s --max-time 30 -X POST -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$SANBAO_ADMIN_PASSWORD\"}" "$BASE/api/v1/sessions" |
    sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')
  [ -n "$TOKEN" ] || { echo "could not sign in as admin" >&2; exit 1; }
}

# memory_row SYNC: the server's peak resident memory (VmHWM, kernel-kept) before it stops.
memory_row() {
  local sync="$1" hwm rss_max
  hwm=$(awk '/^VmHWM:/{print $2}' "/proc/$SPID/status")
  rss_max=$(awk '$2=="VmRSS:" && $3>m {m=$3} END{print m+0}' "$OUT/memory-$sync.txt")
  table_row "sanbao: memory" "peak RSS of the server, synchronous=$(printf '%s' "$sync" | tr a-z A-Z)" "-" "-" "-" \
    "$(awk -v k="$hwm" 'BEGIN{printf "%.1f MB", k/1024}') (VmHWM); max sampled VmRSS $(awk -v k="$rss_max" 'BEGIN{printf "%.1f MB", k/1024}')"
}

echo "== load: synchronous=normal (the default)"
start_server normal
AUTH=(-H "Authorization: Bearer $TOKEN")
MID=$((TICKETS / 2 + 1))
bench_wrk "$SUITE" "GET /api/v1/tickets/{id} (one of 100k)" "$BASE/api/v1/tickets/$MID" "${AUTH[@]}"
bench_wrk "$SUITE" "GET /api/v1/tickets (first page of 25)" "$BASE/api/v1/tickets" "${AUTH[@]}"
bench_wrk "$SUITE" "GET /api/v1/dashboard" "$BASE/api/v1/dashboard" "${AUTH[@]}"
BENCH_CUSTOMER_ID=1 bench_wrk "$SUITE" "POST /api/v1/tickets, synchronous=NORMAL" "$BASE/api/v1/tickets" \
  "${AUTH[@]}" -s "$ROOT/bench/post_ticket.lua"
memory_row normal
stop_server

echo "== load: synchronous=full"
start_server full
AUTH=(-H "Authorization: Bearer $TOKEN")
BENCH_CUSTOMER_ID=1 bench_wrk "$SUITE" "POST /api/v1/tickets, synchronous=FULL" "$BASE/api/v1/tickets" \
  "${AUTH[@]}" -s "$ROOT/bench/post_ticket.lua"
memory_row full
stop_server

# The machine is shared: its load says how far to trust a single run.
table_row "machine" "load average (1/5/15 min) before / after" "-" "-" "-" \
  "$LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"

echo
cat "$OUT/table.md"

# --- Sanbao as a share of the ceilings, against the targets in bench/README.md
if [ -n "$CEILINGS_TABLE" ]; then
  cp "$CEILINGS_TABLE" "$OUT/ceilings.md" 2>/dev/null || true
  echo
  awk -F'|' '
    function trim(s) { gsub(/^ +| +$/, "", s); return s }
    FNR == NR { c[trim($3)] = trim($4); next }
    { s[trim($3)] = trim($4); p99[trim($3)] = trim($6) }
    function ratio(name, ceiling, target,   a, b, r) {
      a = s[name]; b = c[ceiling]
      if (a == "" || b == "" || b + 0 == 0) { printf "| %-44s | %10s | %10s | %7s | %s |\n", name, a, b, "-", "missing"; return }
      r = 100 * a / b
      printf "| %-44s | %10s | %10s | %6.1f%% | %s |\n", name, a, b, r, (target == "" ? "(no req/s target)" : r >= target ? "ok (>= " target "%)" : "MISSED (< " target "%)")
    }
    function p99row(name, limit,   v) {
      v = p99[name]
      printf "| %-44s | %10s | %10s | %7s | %s |\n", name " (p99 ms)", v, "-", "-", (v != "" && v + 0 < limit ? "ok (< " limit " ms)" : "MISSED (>= " limit " ms)")
    }
    END {
      print "| Sanbao endpoint                              |   Sanbao/s |  ceiling/s |   share | target |"
      print "|----------------------------------------------|-----------:|-----------:|--------:|---|"
      ratio("POST /api/v1/tickets, synchronous=NORMAL", "POST one INSERT, synchronous=NORMAL", 50)
      ratio("POST /api/v1/tickets, synchronous=FULL", "POST one INSERT, synchronous=FULL", 50)
      ratio("GET /api/v1/tickets/{id} (one of 100k)", "GET one row by primary key (100k rows)", 50)
      ratio("GET /api/v1/tickets (first page of 25)", "GET 25-row page + COUNT", "")
      p99row("GET /api/v1/tickets (first page of 25)", 20)
      p99row("GET /api/v1/dashboard", 20)
    }' "$CEILINGS_TABLE" "$OUT/table.md" | tee "$OUT/ratios.md"
  awk -F'|' '$2 ~ /sanbao: memory/ { split($7, a, " "); v = a[1] + 0;
      printf "| %-44s | %10s | %10s | %7s | %s |\n", "memory, " substr($3, index($3, "synchronous")), a[1] " MB", "-", "-", (v < 100 ? "ok (< 100 MB)" : "MISSED (>= 100 MB)") }' \
    "$OUT/table.md" | tee -a "$OUT/ratios.md"
fi
echo
echo "results: $OUT"
