#!/usr/bin/env bash
# Measure the deadline watcher over a large database: N open tickets (1,000,000 by
# default) written through the store as requests would write them, received over the past
# year, so every deadline among them is already breached. Then:
#   1. one pass at "now": the whole backlog (warnings passed over, escalations, second
#      escalations) with their audit entries and messages — the worst case, a watcher
#      that was down for a year;
#   2. one pass right after: the steady state, nothing due among N open deadlines;
#   3. one pass a day later: nothing due either (every step done).
# Each pass is `sanbao watch` on its own; the table has its wall time and peak memory
# (`/usr/bin/time`), and the load average before each.
#
#   bench/watcher.sh                        # SQLite, in a temporary directory
#   bench/watcher.sh --postgres URL         # PostgreSQL (the database at URL is emptied)
#   TICKETS=100000 bench/watcher.sh         # smaller
set -euo pipefail

cd "$(dirname "$0")/.."
TICKETS="${TICKETS:-1000000}"
CUSTOMERS="${CUSTOMERS:-5000}"
PG_URL=""
if [[ "${1:-}" == "--postgres" ]]; then
  PG_URL="${2:?--postgres needs a URL}"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out="bench/results/watcher-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"

cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/sanbao"

if [[ -n "$PG_URL" ]]; then
  export DATABASE_URL="$PG_URL"
  psql "$PG_URL" -qc 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null
  backend=postgres
else
  export DATABASE_URL="sqlite://$work/watcher.db"
  backend=sqlite
fi
export SANBAO_LOG=warn SANBAO_ADMIN_PASSWORD=bench-admin-password
"$bin" migrate >/dev/null
# Breaches reach the service managers: three of them, as in a real department.
for u in "zhou.min 周敏" "wu.gang 吴刚" "sun.li 孙丽"; do
  set -- $u
  echo "bench-password-1" | "$bin" user add --username "$1" --display-name "$2" \
    --role service_manager --password-stdin >/dev/null
done

{
  echo "# watcher, $backend, $TICKETS tickets"
  echo
  echo "| step | wall time | peak RSS | result | load before |"
  echo "|---|---|---|---|---|"
} > "$out/table.md"

row() { # step, command...
  local step="$1"; shift
  local load; load="$(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" > "$work/stdout"
  local secs kb; read -r secs kb < "$work/time"
  local said; said="$(tail -1 "$work/stdout")"
  printf '| %s | %s s | %s MB | %s | %s |\n' "$step" "$secs" "$((kb / 1024))" "$said" "$load" \
    | tee -a "$out/table.md"
}

row "seed: bench-seed --tickets $TICKETS" "$bin" bench-seed --tickets "$TICKETS" --customers "$CUSTOMERS"
if [[ -n "$PG_URL" ]]; then
  open=$(psql "$PG_URL" -tAc "SELECT COUNT(*) FROM ticket_deadlines WHERE met_at IS NULL")
else
  open=$(sqlite3 "$work/watcher.db" "SELECT COUNT(*) FROM ticket_deadlines WHERE met_at IS NULL" 2>/dev/null || echo "?")
fi
echo "open deadlines: $open" | tee -a "$out/table.md"
now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
later="$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)"
row "pass 1: the backlog" "$bin" watch --at "$now"
row "pass 2: nothing due" "$bin" watch --at "$now"
row "pass 3: a day later" "$bin" watch --at "$later"
echo
echo "results: $out"
