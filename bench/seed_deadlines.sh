#!/usr/bin/env bash
# Seed N open tickets, each with one running deadline, straight into a Sanbao database
# (SQL, not through the app: 1,000,000 rows load in minutes). For the benchmarks of the
# manager's board and of the deadline watcher.
#
#   bench/seed_deadlines.sh --sqlite PATH      --tickets N [--no-alarms]
#   bench/seed_deadlines.sh --postgres URL     --tickets N [--no-alarms]
#
# The schema is brought up to date first (`sanbao migrate`; SANBAO_BIN names the binary,
# default target/release/sanbao). Then, in one transaction: 30 staff (bench-NN, who cannot
# sign in), 1,000 customers over the four regions, and N tickets received over the past
# days — a third emergencies (arrival), a third quality complaints (handling opinion), a
# third consultations (reply) — whose due times spread from a day ago to three days ahead
# of now, so every state appears: about a quarter breached, some due within the hour, some
# warned, the rest pending; one in fifty paused (waiting for the customer); one in ten
# unassigned; half the emergencies with a technician sent. Each deadline is stored as the
# app stores one (warn_at at 75 % of the time, next_alarm_at at the first alarm); with
# --no-alarms next_alarm_at is left empty, so a running watcher leaves them alone (for
# measuring reads alone). Run it again to add N more. Ends with ANALYZE.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${SANBAO_BIN:-$ROOT/target/release/sanbao}"
BACKEND=""; TARGET=""; N=""; ALARMS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --sqlite) BACKEND=sqlite; TARGET="$2"; shift 2 ;;
    --postgres) BACKEND=postgres; TARGET="$2"; shift 2 ;;
    --tickets) N="$2"; shift 2 ;;
    --no-alarms) ALARMS=0; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [ -z "$BACKEND" ] || [ -z "$N" ]; then sed -n '2,20p' "$0" >&2; exit 2; fi
case "$N" in ''|*[!0-9]*) echo "--tickets takes a number" >&2; exit 2 ;; esac

if [ "$BACKEND" = sqlite ]; then URL="sqlite://$TARGET"; else URL="$TARGET"; fi
DATABASE_URL="$URL" "$BIN" migrate >/dev/null

NOW=$(date +%s%3N)
if [ "$ALARMS" = 1 ]; then NEXT_ALARM="warn_at"; else NEXT_ALARM="NULL"; fi
if [ "$BACKEND" = sqlite ]; then
  SEQ="WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $N)"
  STAFF_SEQ="WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 30)"
  CUST_SEQ="WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 1000)"
  BEGIN="BEGIN IMMEDIATE;"
else
  SEQ="WITH seq(i) AS (SELECT generate_series(CAST(1 AS BIGINT), $N))"
  STAFF_SEQ="WITH seq(i) AS (SELECT generate_series(1, 30))"
  CUST_SEQ="WITH seq(i) AS (SELECT generate_series(1, 1000))"
  BEGIN="BEGIN;"
fi

# One SQL text for both backends; only the row generator differs. Minutes per deadline
# kind: arrival 240, handling opinion 1440, reply 2880. `h` is a hash of the row number.
SQL=$(cat <<SQL
$BEGIN
CREATE TEMPORARY TABLE bench_base AS SELECT
  (SELECT COALESCE(MAX(id), 0) FROM tickets) AS last_ticket,
  (SELECT COALESCE(MAX(id), 0) FROM users) AS last_user,
  (SELECT COALESCE(MAX(id), 0) FROM customers) AS last_customer,
  (SELECT COUNT(*) FROM users WHERE username LIKE 'bench-%') AS have_staff,
  (SELECT COUNT(*) FROM customers WHERE name LIKE 'bench %') AS have_customers;

$STAFF_SEQ
INSERT INTO users (username, display_name, role, password_hash, created_at, updated_at)
SELECT 'bench-' || CAST(i AS TEXT), '工程师' || CAST(i AS TEXT),
       CASE WHEN i % 3 = 0 THEN 'technician' ELSE 'senior_engineer' END,
       '!', $NOW, $NOW
FROM seq WHERE (SELECT have_staff FROM bench_base) = 0;

$CUST_SEQ
INSERT INTO customers (name, address, region, created_at, updated_at)
SELECT 'bench 客户 ' || CAST(i AS TEXT), '浙江省杭州市上城区解放路' || CAST(i AS TEXT) || '号',
       CASE i % 4 WHEN 0 THEN 'hangzhou_urban' WHEN 1 THEN 'zhejiang'
                  WHEN 2 THEN 'out_of_province' ELSE 'unknown' END,
       $NOW, $NOW
FROM seq WHERE (SELECT have_customers FROM bench_base) = 0;

CREATE TEMPORARY TABLE bench_ids AS SELECT
  (SELECT MIN(id) FROM users WHERE username LIKE 'bench-%') AS first_user,
  (SELECT MIN(id) FROM customers WHERE name LIKE 'bench %') AS first_customer;

$SEQ,
rows AS (
  SELECT i, (i * 7919) % 5760 AS h,
         CASE i % 3 WHEN 0 THEN 'emergency' WHEN 1 THEN 'complaint_quality' ELSE 'consultation' END AS tkind,
         CASE i % 3 WHEN 0 THEN 'arrival' WHEN 1 THEN 'handling_opinion' ELSE 'reply' END AS dkind,
         CASE i % 3 WHEN 0 THEN 240 WHEN 1 THEN 1440 ELSE 2880 END AS budget
  FROM seq
),
timed AS (
  SELECT i, tkind, dkind, budget,
         $NOW + (h - 1440) * 60000 AS due_at
  FROM rows
)
INSERT INTO tickets (kind, channel, customer_id, summary, status, received_at, site_region,
                     assignee_id, technician_id, next_due_at, next_due_kind, desk_lane,
                     created_by, created_at, updated_at)
SELECT tkind, 'phone',
       (SELECT first_customer FROM bench_ids) + (i % 1000),
       'bench 配电柜故障 ' || CAST(i AS TEXT),
       CASE WHEN i % 50 = 0 THEN 'waiting' WHEN tkind = 'emergency' AND i % 2 = 0 THEN 'dispatched' ELSE 'open' END,
       due_at - budget * 60000,
       CASE (i % 1000) % 4 WHEN 0 THEN 'hangzhou_urban' WHEN 1 THEN 'zhejiang'
                           WHEN 2 THEN 'out_of_province' ELSE 'unknown' END,
       CASE WHEN i % 10 = 0 THEN NULL ELSE (SELECT first_user FROM bench_ids) + (i % 30) END,
       CASE WHEN tkind = 'emergency' AND i % 2 = 0 THEN (SELECT first_user FROM bench_ids) + ((i / 7) % 30) ELSE NULL END,
       due_at, dkind, 'running',
       (SELECT first_user FROM bench_ids), due_at - budget * 60000, due_at - budget * 60000
FROM timed;

INSERT INTO ticket_deadlines (ticket_id, kind, due_at, met_at, warn_at, paused_since,
                              policy_version, next_alarm_at)
SELECT id, next_due_kind, next_due_at, NULL,
       received_at + (next_due_at - received_at) * 3 / 4,
       CASE WHEN status = 'waiting' THEN
            CASE WHEN received_at + (next_due_at - received_at) / 2 < $NOW
                 THEN received_at + (next_due_at - received_at) / 2 ELSE $NOW END
       END,
       0, NULL
FROM tickets WHERE id > (SELECT last_ticket FROM bench_base);
UPDATE ticket_deadlines SET next_alarm_at = $NEXT_ALARM
WHERE ticket_id > (SELECT last_ticket FROM bench_base) AND paused_since IS NULL;
UPDATE tickets SET pause_count = 1
WHERE id > (SELECT last_ticket FROM bench_base) AND status = 'waiting';
DROP TABLE bench_base;
DROP TABLE bench_ids;
COMMIT;
ANALYZE users;
ANALYZE customers;
ANALYZE tickets;
ANALYZE ticket_deadlines;
SQL
)

START=$(date +%s)
if [ "$BACKEND" = sqlite ]; then
  printf '%s\n' "PRAGMA foreign_keys = ON;" "PRAGMA busy_timeout = 10000;" "$SQL" | sqlite3 "$TARGET" >/dev/null
else
  printf '%s\n' "\\set ON_ERROR_STOP on" "$SQL" | psql -q "$URL" >/dev/null
fi
echo "seeded $N open tickets with deadlines into $BACKEND in $(( $(date +%s) - START )) s"
