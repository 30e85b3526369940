#!/usr/bin/env bash
# A sign-in flood: 128 connections sending wrong passwords for unknown names, each from
# its own address (the server trusts X-Forwarded-For here, as behind a reverse proxy, so
# the per-address throttle does not stop them and every one reaches the password check).
# It shows that password checks run on a bounded pool: the server's memory stays small
# during the flood and after it, and the requests beyond the pool's queue are answered
# 503 with Retry-After at once, while a real user still signs in.
#
#   bench/signin/flood.sh            build the release binary, then flood for 20 s
#
# Env: SANBAO_BIN (a built binary; skips the build), FLOOD_PORT (18610), FLOOD_CONNS (128),
#      FLOOD_DURATION (20s), WRK_THREADS (2). Results go to bench/results/signin-<time>/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PORT="${FLOOD_PORT:-18610}"
CONNS="${FLOOD_CONNS:-128}"
DURATION="${FLOOD_DURATION:-20s}"
THREADS="${WRK_THREADS:-2}"
BASE="http://127.0.0.1:$PORT"
OUT="$ROOT/bench/results/signin-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
WORK="$(mktemp -d /tmp/sanbao-flood.XXXXXX)"

if [ -z "${SANBAO_BIN:-}" ]; then
  (cd "$ROOT" && cargo build --release --locked -p sanbao-server >/dev/null)
  SANBAO_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/sanbao"
fi

SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

DATABASE_URL="sqlite://$WORK/flood.db" SANBAO_LISTEN="127.0.0.1:$PORT" SANBAO_LOG=warn,tower_http=off \
  SANBAO_ADMIN_PASSWORD="flood-admin-password" SANBAO_TRUST_PROXY=true \
  "$SANBAO_BIN" serve > "$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done

rss() { awk '/^VmRSS/ {print int($2/1024)}' "/proc/$SERVER_PID/status"; }
hwm() { awk '/^VmHWM/ {print int($2/1024)}' "/proc/$SERVER_PID/status"; }
signin() {
  curl -s -o /dev/null -w '%{http_code} %{time_total}' -H 'Content-Type: application/json' \
    -H "X-Forwarded-For: 192.0.2.200" \
    -d '{"username":"admin","password":"flood-admin-password"}' "$BASE/api/v1/sessions"
}
# One real sign-in first, so the figures after it are a warmed-up server's.
signin >/dev/null
BEFORE=$(rss)

# Sample the server's memory every half second during the flood.
( while kill -0 "$SERVER_PID" 2>/dev/null; do rss; sleep 0.5; done ) > "$OUT/rss.txt" &
SAMPLER=$!
wrk -t "$THREADS" -c "$CONNS" -d "$DURATION" --timeout 30s --latency \
  -s "$ROOT/bench/signin/flood.lua" "$BASE" > "$OUT/wrk.txt" 2>&1 &
WRK=$!
sleep 5
DURING_SIGNIN=$(signin)
wait "$WRK"
kill "$SAMPLER" 2>/dev/null || true
PEAK=$(sort -n "$OUT/rss.txt" | tail -1)
sleep 2
AFTER=$(rss)
AFTER_SIGNIN=$(signin)

{
  echo "# Sign-in flood: $CONNS connections, $DURATION, unknown names from many addresses"
  echo
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)   cores: $(nproc)   HEAD: $(git -C "$ROOT" rev-parse --short HEAD)"
  echo
  grep -E "Requests/sec|Latency  " "$OUT/wrk.txt" | sed 's/^/    /'
  grep -E "^status" "$OUT/wrk.txt" | sed 's/^/    /'
  echo
  echo "| server memory (RSS) | MB |"
  echo "|---|---:|"
  echo "| before the flood | $BEFORE |"
  echo "| peak during it (sampled every 0.5 s) | $PEAK |"
  echo "| 2 s after it | $AFTER |"
  echo "| high-water mark (VmHWM) | $(hwm) |"
  echo
  echo "a real sign-in during the flood (status, seconds): $DURING_SIGNIN"
  echo "a real sign-in after it (status, seconds): $AFTER_SIGNIN"
} | tee "$OUT/summary.md"
