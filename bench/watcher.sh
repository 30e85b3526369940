#!/usr/bin/env bash
# Measure the deadline watcher over a large database: N open tickets (1,000,000 by
# default) seeded by bench/seed_deadlines.sh — due times from a day ago to three days
# ahead, so about a quarter are breached, some warned, some paused — with three service
# managers to tell. Then, each as its own `sanbao watch` process:
#   1. the backlog: every warning and escalation due now, with their audit entries and
#      messages (what a watcher that was stopped for a day finds on its return);
#   2. the steady state: the pass right after, nothing due among N open deadlines;
#   3. an hour later: the steps that fell due in that hour.
# The table has each pass's wall time, peak memory (`/usr/bin/time`) and what it did, and
# the load average before it.
#
#   bench/watcher.sh                        # SQLite, in a temporary directory
#   bench/watcher.sh --postgres URL         # PostgreSQL (the database at URL is emptied)
#   TICKETS=100000 bench/watcher.sh         # smaller
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$PWD"
TICKETS="${TICKETS:-1000000}"
PG_URL=""
if [[ "${1:-}" == "--postgres" ]]; then
  PG_URL="${2:?--postgres needs a URL}"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out="bench/results/watcher-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"

cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-$ROOT/target}/release/sanbao"
export SANBAO_BIN="$bin" SANBAO_LOG=warn SANBAO_ADMIN_PASSWORD=bench-admin-password

if [[ -n "$PG_URL" ]]; then
  psql "$PG_URL" -qc 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null
  export DATABASE_URL="$PG_URL"
  backend=postgres
  seed=(--postgres "$PG_URL")
  sql() { psql "$PG_URL" -tAc "$1"; }
else
  export DATABASE_URL="sqlite://$work/watcher.db"
  backend=sqlite
  seed=(--sqlite "$work/watcher.db")
  sql() { sqlite3 "$work/watcher.db" "$1"; }
fi

{
  echo "# watcher, $backend, $TICKETS open tickets"
  echo
  echo "| step | wall time | peak RSS | result | load before |"
  echo "|---|---|---|---|---|"
} > "$out/table.md"

row() { # step, command...
  local step="$1"; shift
  local load; load="$(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" > "$work/stdout"
  local secs kb; read -r secs kb < "$work/time"
  local said; said="$(tail -1 "$work/stdout" | tr '|' '/')"
  printf '| %s | %s s | %s MB | %s | %s |\n' "$step" "$secs" "$((kb / 1024))" "$said" "$load" \
    | tee -a "$out/table.md"
}

row "seed $TICKETS open tickets" bench/seed_deadlines.sh "${seed[@]}" --tickets "$TICKETS"
# Breaches reach the service managers: three of them, as in a department.
for u in "zhou.min 周敏" "wu.gang 吴刚" "sun.li 孙丽"; do
  set -- $u
  echo "bench-password-1" | "$bin" user add --username "$1" --display-name "$2" \
    --role service_manager --password-stdin >/dev/null
done
echo "open deadlines: $(sql "SELECT COUNT(*) FROM ticket_deadlines WHERE met_at IS NULL"); due for the watcher now: $(sql "SELECT COUNT(*) FROM ticket_deadlines WHERE next_alarm_at <= $(date +%s%3N)")" \
  | tee -a "$out/table.md"
now="$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"
hour="$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%S.%3NZ)"
row "pass 1: the backlog" "$bin" watch --at "$now"
row "pass 2: nothing due" "$bin" watch --at "$now"
row "pass 3: an hour later" "$bin" watch --at "$hour"
echo "outbox messages written: $(sql "SELECT COUNT(*) FROM outbox"); audit entries: $(sql "SELECT COUNT(*) FROM audit_log")" \
  | tee -a "$out/table.md"
echo
echo "results: $out"
