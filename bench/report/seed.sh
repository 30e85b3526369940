#!/usr/bin/env bash
# Seed a company's service history for the monthly report and the reliability page,
# straight into a Sanbao database by SQL (not through the app: a million tickets load in
# minutes, not hours).
#
#   bench/report/seed.sh --sqlite PATH   [--tickets 1000000] [--months 24]
#   bench/report/seed.sh --postgres URL  [--tickets 1000000] [--months 24]
#
# The schema is brought up to date first (`sanbao migrate`; SANBAO_BIN names the binary,
# default target/release/sanbao). The database must hold no tickets yet. Then, in two
# transactions:
#   1. 77 staff (rpt-…, who cannot sign in: 20 salespeople, 40 technicians and senior
#      engineers, 12 service clerks, 3 quality engineers, 2 service managers), 2,000
#      customers over the four regions, each with its site and salesperson, 20 product
#      models, 200,000 units commissioned over five years, 2,000 approved returns;
#   2. N tickets received evenly over the current month and the months-1 before it, in a
#      mix of kinds (emergencies, repairs, quality and other complaints, consultations,
#      letters, installations, guidance, training, return requests), each with the
#      deadline the company policy gives its kind (most met in time, some late, a few
#      still open), one in twenty failure tickets naming a unit of the fleet; for one in
#      five tickets with work on site a job with one trip arriving in the ticket's month,
#      half of the finished jobs with an answered survey; replies recorded and reviewed;
#      about 1 in 11 quality complaints made a quality item (a few hundred a month, with
#      model, component and responsibility) with its corrective and preventive actions;
#      a follow-up for most customers every month.
# Ends with ANALYZE. Prints the time of each step and the counts per table.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${SANBAO_BIN:-$ROOT/target/release/sanbao}"
BACKEND=""; TARGET=""; N=1000000; MONTHS=24
while [ $# -gt 0 ]; do
  case "$1" in
    --sqlite) BACKEND=sqlite; TARGET="$2"; shift 2 ;;
    --postgres) BACKEND=postgres; TARGET="$2"; shift 2 ;;
    --tickets) N="$2"; shift 2 ;;
    --months) MONTHS="$2"; shift 2 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [ -z "$BACKEND" ]; then sed -n '2,26p' "$0" >&2; exit 2; fi
case "$N$MONTHS" in ''|*[!0-9]*) echo "--tickets and --months take numbers" >&2; exit 2 ;; esac
[ "$MONTHS" -ge 1 ] && [ "$N" -ge 1 ] || { echo "--tickets and --months must be at least 1" >&2; exit 2; }

if [ "$BACKEND" = sqlite ]; then URL="sqlite://$TARGET"; else URL="$TARGET"; fi
DATABASE_URL="$URL" SANBAO_LOG=warn "$BIN" migrate >/dev/null

# run_sql: SQL on stdin, in one session (the temporary tables live for its length).
run_sql() {
  if [ "$BACKEND" = sqlite ]; then
    { printf '%s\n' "PRAGMA foreign_keys = ON;" "PRAGMA busy_timeout = 10000;" \
        "PRAGMA cache_size = -262144;" "PRAGMA temp_store = MEMORY;"; cat; } | sqlite3 -bail "$TARGET" >/dev/null
  else
    { printf '%s\n' "\\set ON_ERROR_STOP on" "SET client_min_messages = error;" "SET jit = off;"; cat; } | psql -q -X "$URL" >/dev/null
  fi
}
# q SQL: one value.
q() {
  if [ "$BACKEND" = sqlite ]; then sqlite3 "$TARGET" "$1"; else psql -X -A -t -q "$URL" -c "$1"; fi
}
# gen NAME COUNT: a CTE of the numbers 1..COUNT as NAME(i).
gen() {
  if [ "$BACKEND" = sqlite ]; then
    echo "WITH RECURSIVE $1(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM $1 WHERE i < $2)"
  else
    echo "WITH $1(i) AS (SELECT generate_series(CAST(1 AS BIGINT), $2))"
  fi
}
# day EXPR: the date 'YYYY-MM-DD' of a day number (days since 1970-01-01).
day() {
  if [ "$BACKEND" = sqlite ]; then echo "date(($1) * 86400, 'unixepoch')"
  else echo "to_char(DATE '1970-01-01' + CAST(($1) AS INTEGER), 'YYYY-MM-DD')"; fi
}
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }

if [ "$(q "SELECT COUNT(*) FROM tickets")" != 0 ]; then
  echo "the database already holds tickets: seed a freshly migrated one" >&2; exit 1
fi

# --- The calendar: the company's months (UTC+8), the oldest first; the last is the current.
TZC="UTC-8"   # POSIX spelling of UTC+8 (Asia/Shanghai, no daylight saving)
NOW=$(date +%s%3N)
CUR_FIRST=$(TZ=$TZC date -d "@$((NOW / 1000))" +%Y-%m-01)
MONTH_ROWS=""
for k in $(seq 0 "$MONTHS"); do
  off=$((k - MONTHS + 1))
  if [ "$off" -lt 0 ]; then rel="$off months"; else rel="+$off months"; fi
  first=$(TZ=$TZC date -d "$CUR_FIRST $rel" +%Y-%m-01)
  start_s=$(TZ=$TZC date -d "$first 00:00" +%s)
  eval "M_START_$k=$((start_s * 1000))"
  eval "M_LABEL_$k=${first%-01}"
done
for k in $(seq 0 $((MONTHS - 1))); do
  eval "s=\$M_START_$k; e=\$M_START_$((k + 1)); l=\$M_LABEL_$k"
  # shellcheck disable=SC2154
  MONTH_ROWS="$MONTH_ROWS${MONTH_ROWS:+,}($k, '$l', $s, $e, $(( (s + 28800000) / 86400000 )))"
done
RANGE_START=$M_START_0
SPAN=$((NOW - RANGE_START))
TODAY=$(( (NOW + 28800000) / 86400000 ))   # the company's day number today
DAY_MS=86400000
W=4294967296                               # hashes are 32-bit: h * n / W is 0..n-1

# --- The fleet and the people (fixed sizes)
C=2000; U=200000; MODELS=20; FD=1826      # units commissioned over FD days…
D0=$((TODAY - 30 - FD))                   # …ending a month ago
B_USER=$(q "SELECT COALESCE(MAX(id), 0) FROM users")
B_CUST=$(q "SELECT COALESCE(MAX(id), 0) FROM customers")
B_SITE=$(q "SELECT COALESCE(MAX(id), 0) FROM sites")
B_MODEL=$(q "SELECT COALESCE(MAX(id), 0) FROM product_models")
B_UNIT=$(q "SELECT COALESCE(MAX(id), 0) FROM units")
B_TICKET=$(q "SELECT COALESCE(MAX(id), 0) FROM tickets")
B_JOB=$(q "SELECT COALESCE(MAX(id), 0) FROM jobs")
B_TRIP=$(q "SELECT COALESCE(MAX(id), 0) FROM trips")
B_ITEM=$(q "SELECT COALESCE(MAX(id), 0) FROM quality_items")
SALES0=$((B_USER + 1)); TECH0=$((B_USER + 21)); DESK0=$((B_USER + 61))
QE0=$((B_USER + 73)); MGR0=$((B_USER + 76))
CUST0=$((B_CUST + 1)); SITE0=$((B_SITE + 1)); MODEL0=$((B_MODEL + 1)); UNIT0=$((B_UNIT + 1))
CREATED=$((RANGE_START - 90 * DAY_MS))    # customers and staff: before the first month
REGION_OF="CASE WHEN (i - 1) % 20 < 8 THEN 'hangzhou_urban' WHEN (i - 1) % 20 < 15 THEN 'zhejiang'
                WHEN (i - 1) % 20 < 19 THEN 'out_of_province' ELSE 'unknown' END"
if [ "$BACKEND" = sqlite ]; then BEGIN="BEGIN IMMEDIATE;"; else BEGIN="BEGIN;"; fi
# PostgreSQL: ids were given explicitly; move each sequence past them.
setval() {
  [ "$BACKEND" = postgres ] || return 0
  local t
  for t in "$@"; do
    echo "SELECT setval(pg_get_serial_sequence('$t', 'id'), (SELECT MAX(id) FROM $t));"
  done
}

T0=$(date +%s.%N)
run_sql <<SQL
$BEGIN
$(gen seq 77)
INSERT INTO users (id, username, display_name, role, password_hash, created_at, updated_at)
SELECT $B_USER + i,
       CASE WHEN i <= 20 THEN 'rpt-sales-' WHEN i <= 60 THEN 'rpt-tech-' WHEN i <= 72 THEN 'rpt-desk-'
            WHEN i <= 75 THEN 'rpt-qe-' ELSE 'rpt-mgr-' END || CAST(i AS TEXT),
       CASE WHEN i <= 20 THEN '销售' WHEN i <= 60 THEN '技术员' WHEN i <= 72 THEN '客服'
            WHEN i <= 75 THEN '质量工程师' ELSE '服务经理' END || CAST(i AS TEXT),
       CASE WHEN i <= 20 THEN 'salesperson' WHEN i <= 60 AND i % 3 = 0 THEN 'senior_engineer'
            WHEN i <= 60 THEN 'technician' WHEN i <= 72 THEN 'service_clerk'
            WHEN i <= 75 THEN 'quality_engineer' ELSE 'service_manager' END,
       '!', $CREATED, $CREATED
FROM seq;

$(gen seq $C)
INSERT INTO customers (id, name, address, region, salesperson_id, created_at, updated_at)
SELECT $B_CUST + i, '客户' || CAST(i AS TEXT) || '电气有限公司',
       CASE WHEN (i - 1) % 20 < 8 THEN '浙江省杭州市上城区解放路' WHEN (i - 1) % 20 < 15 THEN '浙江省宁波市海曙区中山西路'
            WHEN (i - 1) % 20 < 19 THEN '江苏省苏州市工业园区星湖街' ELSE '开发区创业路' END || CAST(i AS TEXT) || '号',
       $REGION_OF, $SALES0 + (i - 1) % 20, $CREATED, $CREATED
FROM seq;

INSERT INTO sites (id, customer_id, ordinal, address, region, created_at, updated_at)
SELECT $B_SITE + (id - $B_CUST), id, 1, address, region, created_at, updated_at
FROM customers WHERE id >= $CUST0;

$(gen seq $MODELS)
INSERT INTO product_models (id, code, name, product_line, created_at, updated_at)
SELECT $B_MODEL + i, 'M-' || CASE WHEN i < 10 THEN '0' ELSE '' END || CAST(i AS TEXT),
       CASE WHEN i % 2 = 0 THEN '环网柜 ' ELSE '开关柜 ' END || CAST(i AS TEXT),
       CASE WHEN i % 2 = 0 THEN 'ring_main_unit' ELSE 'switchgear' END, $CREATED, $CREATED
FROM seq;

$(gen seq $U)
INSERT INTO units (id, model_id, serial_no, customer_id, site_id, commissioned_on, created_at, updated_at)
SELECT $B_UNIT + i, $MODEL0 + (i - 1) % $MODELS, 'SN' || CAST(1000000 + i AS TEXT),
       $CUST0 + (i - 1) % $C, $SITE0 + (i - 1) % $C,
       $(day "$D0 + ((i - 1) * $FD) / $U"), $CREATED, $CREATED
FROM seq;

$(gen seq 2000)
INSERT INTO returns (unit_id, ground, description, requested_on, requested_by, status, rule, eligibility,
                     created_at, updated_at)
SELECT $B_UNIT + i * 97, 'quality_problem', '质量问题退货',
       $(day "$D0 + ((i * 97 - 1) * $FD) / $U + 45"), $MGR0, 'approved', '{}', '{}',
       ($D0 + ((i * 97 - 1) * $FD) / $U + 45) * $DAY_MS, ($D0 + ((i * 97 - 1) * $FD) / $U + 45) * $DAY_MS
FROM seq;
$(setval users customers sites product_models units)
COMMIT;
SQL
echo "staff, $C customers with sites, $MODELS models, $U units, 2000 returns: $(elapsed "$T0") s"

# --- The tickets and everything that follows from them
T1=$(date +%s.%N)
DONE_BEFORE=$((NOW - 3 * DAY_MS))   # tickets and jobs older than this are finished
run_sql <<SQL
$BEGIN
CREATE TEMPORARY TABLE bench_months (idx BIGINT, label TEXT, m_start BIGINT, m_end BIGINT, day0 BIGINT);
INSERT INTO bench_months VALUES $MONTH_ROWS;

-- One row per ticket: its kind, customer, unit, deadline and when it was met. h1..h8
-- are independent 32-bit hashes of the row number.
CREATE TEMPORARY TABLE bench_t AS
$(gen seq "$N"),
r AS (
  SELECT i,
         (i * 2654435761) % $W AS h1, (i * 2246822519) % $W AS h2, (i * 3266489917) % $W AS h3,
         (i * 668265263) % $W AS h4, (i * 374761393) % $W AS h5, (i * 1597334677) % $W AS h6,
         (i * 3812015801) % $W AS h7, (i * 2869860233) % $W AS h8,
         $RANGE_START + ((i - 1) * $SPAN) / $N AS recv
  FROM seq
),
k AS (
  SELECT r.*,
         CASE WHEN h1 * 100 / $W < 15 THEN 'emergency' WHEN h1 * 100 / $W < 25 THEN 'repair'
              WHEN h1 * 100 / $W < 33 THEN 'complaint_quality' WHEN h1 * 100 / $W < 38 THEN 'complaint_other'
              WHEN h1 * 100 / $W < 63 THEN 'consultation' WHEN h1 * 100 / $W < 71 THEN 'correspondence'
              WHEN h1 * 100 / $W < 81 THEN 'installation' WHEN h1 * 100 / $W < 89 THEN 'technical_guidance'
              WHEN h1 * 100 / $W < 94 THEN 'training' ELSE 'return_request' END AS kind
  FROM r
),
u AS (
  SELECT k.*,
         CASE WHEN kind IN ('emergency', 'repair', 'complaint_quality') AND h5 * 20 / $W = 0
              THEN 1 + h5 % (CASE WHEN (recv / $DAY_MS - $D0) * $U / $FD > $U THEN $U
                                  ELSE (recv / $DAY_MS - $D0) * $U / $FD END) END AS unit
  FROM k
),
c AS (
  SELECT u.*, CASE WHEN unit IS NULL THEN h3 % $C ELSE (unit - 1) % $C END AS cidx FROM u
),
b AS (
  SELECT c.*,
         CASE WHEN cidx % 20 < 8 THEN 'hangzhou_urban' WHEN cidx % 20 < 15 THEN 'zhejiang'
              WHEN cidx % 20 < 19 THEN 'out_of_province' ELSE 'unknown' END AS region,
         CASE kind WHEN 'complaint_quality' THEN 'handling_opinion' WHEN 'complaint_other' THEN 'handling_opinion'
                   WHEN 'emergency' THEN 'arrival' WHEN 'consultation' THEN 'reply'
                   WHEN 'correspondence' THEN 'reply' END AS dkind,
         h2 * 1000 / $W AS outcome
  FROM c
),
g AS (
  SELECT b.*,
         CASE kind WHEN 'emergency' THEN CASE region WHEN 'zhejiang' THEN 360 WHEN 'out_of_province' THEN 720 ELSE 60 END
                   WHEN 'complaint_quality' THEN 120 WHEN 'complaint_other' THEN 720
                   WHEN 'consultation' THEN 720 WHEN 'correspondence' THEN 1440 END AS budget
  FROM b
),
x AS (
  SELECT g.*, recv + budget * 60000 AS due,
         CASE WHEN outcome < 900 THEN recv + budget * 60000 * (10 + h2 % 85) / 100
              WHEN outcome < 985 THEN recv + budget * 60000 + budget * 60000 * (5 + h2 % 95) / 100 END AS met0,
         CASE WHEN h4 % 100 = 99 THEN 1 ELSE 0 END AS cancelled
  FROM g
)
SELECT i, $B_TICKET + i AS id, recv, kind, cidx, region, unit, dkind, budget, due,
       CASE WHEN met0 < $NOW THEN met0 END AS met, cancelled,
       CASE WHEN kind IN ('emergency', 'repair', 'installation', 'technical_guidance', 'training', 'complaint_quality')
             AND h4 * 5 / $W = 0 AND cancelled = 0 AND (dkind IS NULL OR met0 < $NOW) THEN 1 ELSE 0 END AS job,
       (SELECT bm.idx FROM bench_months bm WHERE x.recv >= bm.m_start AND x.recv < bm.m_end) AS midx,
       h1, h2, h3, h4, h5, h6, h7, h8
FROM x;

CREATE TEMPORARY TABLE bench_s AS
SELECT t.*,
       CASE WHEN cancelled = 1 THEN 'cancelled'
            WHEN dkind IS NOT NULL AND met IS NULL THEN CASE WHEN h3 % 7 = 0 THEN 'open' ELSE 'in_progress' END
            WHEN recv < $DONE_BEFORE THEN 'closed'
            WHEN job = 1 THEN 'on_site' ELSE 'in_progress' END AS status
FROM bench_t t;

INSERT INTO tickets (id, kind, channel, customer_id, summary, status, received_at, site_region, assignee_id,
                     technician_id, next_due_at, next_due_kind, desk_lane, created_by, created_at, updated_at,
                     site_id, unit_id)
SELECT id, kind,
       CASE WHEN kind = 'correspondence' THEN 'letter'
            WHEN kind = 'consultation' AND h8 % 3 = 1 THEN 'email'
            WHEN kind = 'consultation' AND h8 % 3 = 2 THEN 'portal'
            WHEN kind = 'complaint_other' AND h8 % 4 = 0 THEN 'salesperson' ELSE 'phone' END,
       $CUST0 + cidx,
       CASE kind WHEN 'emergency' THEN '配电柜跳闸停电' WHEN 'repair' THEN '断路器无法合闸'
                 WHEN 'complaint_quality' THEN '柜体元件质量问题' WHEN 'complaint_other' THEN '服务响应不满意'
                 WHEN 'consultation' THEN '咨询保护定值设置' WHEN 'correspondence' THEN '来函询问供货周期'
                 WHEN 'installation' THEN '新柜安装调试' WHEN 'technical_guidance' THEN '现场技术指导'
                 WHEN 'training' THEN '操作培训' ELSE '申请退货' END || ' ' || CAST(i AS TEXT),
       status, recv, region,
       CASE WHEN status = 'open' THEN NULL ELSE $DESK0 + h3 % 12 END,
       CASE WHEN job = 1 THEN $TECH0 + h6 % 40 END,
       CASE WHEN status NOT IN ('closed', 'cancelled') AND dkind IS NOT NULL AND met IS NULL THEN due END,
       CASE WHEN status NOT IN ('closed', 'cancelled') AND dkind IS NOT NULL AND met IS NULL THEN dkind END,
       CASE WHEN status IN ('closed', 'cancelled') THEN 'finished'
            WHEN dkind IS NOT NULL AND met IS NULL THEN 'running'
            WHEN dkind IS NOT NULL THEN 'deadlines_met' ELSE 'no_deadline' END,
       $DESK0 + h4 % 12, recv, recv,
       $SITE0 + cidx, CASE WHEN unit IS NOT NULL THEN $B_UNIT + unit END
FROM bench_s ORDER BY id;

INSERT INTO ticket_deadlines (ticket_id, kind, due_at, met_at, warn_at, policy_version, next_alarm_at)
SELECT id, dkind, due, met, recv + budget * 60000 * 3 / 4, 0, NULL
FROM bench_t WHERE dkind IS NOT NULL ORDER BY id;

-- Replies: who sent them and how, reviewed (mostly correct) after a fortnight.
INSERT INTO ticket_answers (ticket_id, reply_sent_via, reply_by, reply_correct, reply_reviewed_by, reply_reviewed_at)
SELECT id, CASE WHEN kind = 'correspondence' THEN 'letter' WHEN h8 % 3 = 0 THEN 'phone' ELSE 'email' END,
       $DESK0 + h3 % 12,
       CASE WHEN met < $NOW - 14 * $DAY_MS THEN CASE WHEN h7 % 100 < 4 THEN 0 ELSE 1 END END,
       CASE WHEN met < $NOW - 14 * $DAY_MS THEN $MGR0 + h7 % 2 END,
       CASE WHEN met < $NOW - 14 * $DAY_MS THEN met + 2 * $DAY_MS END
FROM bench_s WHERE kind IN ('consultation', 'correspondence') AND met IS NOT NULL AND status <> 'cancelled';

-- Jobs: one trip, arriving in the ticket's month (an emergency's at its arrival deadline's
-- meeting), before now.
CREATE TEMPORARY TABLE bench_j AS
SELECT ROW_NUMBER() OVER (ORDER BY tid) AS n, y.* FROM (
  SELECT t.id AS tid, t.kind, t.cidx, t.unit, t.recv, t.h3, t.h6, t.h7, t.h8, m.m_end,
         CASE WHEN t.kind = 'emergency' THEN t.met
              WHEN t.recv + (2 + t.h7 % 70) * 3600000 < m.m_end - 60000 THEN t.recv + (2 + t.h7 % 70) * 3600000
              ELSE m.m_end - 60000 END AS arrival
  FROM bench_t t JOIN bench_months m ON m.idx = t.midx
  WHERE t.job = 1
) y WHERE y.arrival > y.recv AND y.arrival < y.m_end AND y.arrival < $NOW;

INSERT INTO jobs (id, ticket_id, job_type, status, customer_id, site_id, unit_id, contact_name, contact_phone,
                  problem, created_by, created_at, updated_at)
SELECT $B_JOB + n, tid,
       CASE kind WHEN 'installation' THEN 'installation' WHEN 'technical_guidance' THEN 'technical_guidance'
                 WHEN 'training' THEN 'training' WHEN 'complaint_quality' THEN 'inspection' ELSE 'repair' END,
       CASE WHEN arrival < $DONE_BEFORE THEN 'done' ELSE 'on_site' END,
       $CUST0 + cidx, $SITE0 + cidx, CASE WHEN unit IS NOT NULL THEN $B_UNIT + unit END,
       '设备主管', '1380000' || CAST(1000 + cidx AS TEXT), '现场处理',
       $DESK0 + h3 % 12, recv + 60000, arrival
FROM bench_j ORDER BY n;

INSERT INTO trips (id, job_id, ordinal, dispatched_at, dispatched_by, expected_at, departed_at, arrived_at,
                   arrived_by, created_at)
SELECT $B_TRIP + n, $B_JOB + n, 1, recv + (arrival - recv) / 10, $DESK0 + h3 % 12, arrival,
       recv + (arrival - recv) / 5, arrival, $TECH0 + h6 % 40, recv + (arrival - recv) / 10
FROM bench_j ORDER BY n;

INSERT INTO trip_crew (trip_id, user_id, lead)
SELECT $B_TRIP + n, $TECH0 + h6 % 40, 1 FROM bench_j;

-- Surveys: half the finished jobs, answered one to three days after the visit.
INSERT INTO surveys (job_id, answers, comment, answered_at, answered_via, issued_by, issued_at, created_at)
SELECT $B_JOB + n,
       '{"attitude":' || CAST(s2 AS TEXT) || ',"competence":' || CAST(s3 AS TEXT) || ',"on_time":' || CAST(s1 AS TEXT)
         || ',"overall":' || CAST(s5 AS TEXT) || ',"solved":' || CAST(s4 AS TEXT) || '}',
       CASE WHEN s5 <= 3 THEN '到场偏慢' END,
       arrival + $DAY_MS + (h7 % 48) * 3600000, CASE WHEN h8 % 3 = 0 THEN 'link' ELSE 'phone' END,
       $TECH0 + h6 % 40, arrival, arrival
FROM (
  SELECT j.*,
         CASE WHEN p1 < 60 THEN 5 WHEN p1 < 88 THEN 4 WHEN p1 < 96 THEN 3 WHEN p1 < 99 THEN 2 ELSE 1 END AS s1,
         CASE WHEN p2 < 60 THEN 5 WHEN p2 < 88 THEN 4 WHEN p2 < 96 THEN 3 WHEN p2 < 99 THEN 2 ELSE 1 END AS s2,
         CASE WHEN p3 < 60 THEN 5 WHEN p3 < 88 THEN 4 WHEN p3 < 96 THEN 3 WHEN p3 < 99 THEN 2 ELSE 1 END AS s3,
         CASE WHEN p4 < 60 THEN 5 WHEN p4 < 88 THEN 4 WHEN p4 < 96 THEN 3 WHEN p4 < 99 THEN 2 ELSE 1 END AS s4,
         CASE WHEN p5 < 60 THEN 5 WHEN p5 < 88 THEN 4 WHEN p5 < 96 THEN 3 WHEN p5 < 99 THEN 2 ELSE 1 END AS s5
  FROM (
    SELECT bench_j.*,
           ((n * 2654435761) % $W) * 100 / $W AS p1, ((n * 2246822519) % $W) * 100 / $W AS p2,
           ((n * 3266489917) % $W) * 100 / $W AS p3, ((n * 668265263) % $W) * 100 / $W AS p4,
           ((n * 374761393) % $W) * 100 / $W AS p5
    FROM bench_j
  ) j
) s
WHERE arrival < $DONE_BEFORE AND h8 % 2 = 0 AND arrival + $DAY_MS + (h7 % 48) * 3600000 < $NOW;

-- Quality items: about one quality complaint in eleven, in its ticket's month. Models and
-- components are skewed (a few recur), responsibilities mostly the company's own.
CREATE TEMPORARY TABLE bench_q AS
SELECT ROW_NUMBER() OVER (ORDER BY t.id) AS n, t.id AS tid, t.i, t.recv, t.unit, t.h7, t.h8, t.h3, m.label,
       ((t.i * 1103515245) % $W) * 100 / $W AS pr,
       CASE WHEN t.unit IS NOT NULL THEN (t.unit - 1) % $MODELS + 1
            ELSE 1 + ((t.h7 % 1000) * (t.h7 % 1000)) / 50000 END AS model,
       ((t.h8 % 1000) * (t.h8 % 1000)) / 125000 AS comp
FROM bench_t t JOIN bench_months m ON m.idx = t.midx
WHERE t.kind = 'complaint_quality' AND t.cancelled = 0 AND t.h6 * 11 / $W = 0;

INSERT INTO quality_items (id, source_kind, source_id, month, product_model, component, fault_category, cause,
                           responsibility, summary, root_cause, method, created_by, created_at, updated_at)
SELECT $B_ITEM + n, 'complaint', tid, label,
       'M-' || CASE WHEN model < 10 THEN '0' ELSE '' END || CAST(model AS TEXT),
       CASE comp WHEN 0 THEN '断路器' WHEN 1 THEN '隔离开关' WHEN 2 THEN '电流互感器' WHEN 3 THEN '综合保护装置'
                 WHEN 4 THEN '母排' WHEN 5 THEN '电缆接头' WHEN 6 THEN '柜体' ELSE '仪表' END,
       CASE comp % 4 WHEN 0 THEN '电气故障' WHEN 1 THEN '机械故障' WHEN 2 THEN '绝缘故障' ELSE '外观缺陷' END,
       CASE WHEN pr < 30 THEN '装配不良' WHEN pr < 55 THEN '外购件失效' WHEN pr < 70 THEN '设计余量不足'
            WHEN pr < 80 THEN '安装不当' WHEN pr < 85 THEN '运输损伤' WHEN pr < 93 THEN '操作不当'
            WHEN pr < 97 THEN '雷击' ELSE '待查' END,
       CASE WHEN pr < 30 THEN 'manufacturing' WHEN pr < 55 THEN 'purchased_component' WHEN pr < 70 THEN 'product_design'
            WHEN pr < 80 THEN 'installation' WHEN pr < 85 THEN 'transport' WHEN pr < 93 THEN 'customer_operation'
            WHEN pr < 97 THEN 'external' ELSE 'undetermined' END,
       '质量投诉 ' || CAST(tid AS TEXT), '根本原因分析 ' || CAST(n AS TEXT),
       CASE h3 % 7 WHEN 0 THEN 'five_why' WHEN 1 THEN 'man' WHEN 2 THEN 'machine' WHEN 3 THEN 'material'
                   WHEN 4 THEN 'method' WHEN 5 THEN 'measurement' ELSE 'environment' END,
       $QE0 + h7 % 3, recv + 3600000, recv + 3600000
FROM bench_q ORDER BY n;

INSERT INTO ticket_answers (ticket_id, quality_flagged_at, quality_flagged_by, quality_reason)
SELECT tid, recv + 1800000, $DESK0 + h3 % 12, '元件质量' FROM bench_q;

-- One item in forty merged into the one before it, when of the same month.
UPDATE quality_items SET merged_into = id - 1
WHERE id > $B_ITEM + 1 AND (id - $B_ITEM) % 40 = 0
  AND month = (SELECT p.month FROM quality_items p WHERE p.id = quality_items.id - 1);

-- Actions: a corrective one for every item kept, a preventive one for every other; each
-- verified three to seven weeks after the item, except one in fifty (carried over).
INSERT INTO quality_actions (item_id, kind, description, owner_department, owner_user_id, due_on, verified_by,
                             verified_at, verification_note, created_by, created_at)
SELECT $B_ITEM + q.n, a.kind, CASE a.kind WHEN 'corrective' THEN '整改并复检' ELSE '修订作业指导书' END,
       CASE WHEN (q.n + a.o) % 3 = 0 THEN NULL
            ELSE CASE (q.n + a.o) % 4 WHEN 0 THEN '生产部' WHEN 1 THEN '采购部' WHEN 2 THEN '技术部' ELSE '质量部' END END,
       CASE WHEN (q.n + a.o) % 3 = 0 THEN $QE0 + q.h7 % 3 END,
       $(day "(q.recv + 28800000) / $DAY_MS + 30 * a.o"),
       CASE WHEN q.n % 50 <> 0 AND q.recv + (20 + q.n % 30) * $DAY_MS < $NOW THEN $QE0 + q.h8 % 3 END,
       CASE WHEN q.n % 50 <> 0 AND q.recv + (20 + q.n % 30) * $DAY_MS < $NOW THEN q.recv + (20 + q.n % 30) * $DAY_MS END,
       CASE WHEN q.n % 50 <> 0 AND q.recv + (20 + q.n % 30) * $DAY_MS < $NOW THEN '复查有效' END,
       $QE0 + q.h7 % 3, q.recv + 2 * $DAY_MS
FROM bench_q q JOIN (SELECT 'corrective' AS kind, 1 AS o UNION ALL SELECT 'preventive', 2) a ON 1 = 1
WHERE (a.o = 1 OR q.n % 2 = 0)
  AND NOT EXISTS (SELECT 1 FROM quality_items i WHERE i.id = $B_ITEM + q.n AND i.merged_into IS NOT NULL)
ORDER BY q.n, a.o;

-- Follow-ups: most customers visited or called once a month, up to today.
$(gen seq $C)
INSERT INTO follow_ups (customer_id, salesperson_id, visited_on, method, met, usage, remarks, remark_class, late,
                        created_at)
SELECT $CUST0 + (i - 1), $SALES0 + (i - 1) % 20, $(day "m.day0 + (fh / 100) % 25"),
       CASE fh % 4 WHEN 0 THEN 'visit' WHEN 1 THEN 'phone' WHEN 2 THEN 'wechat' ELSE 'phone' END,
       '设备主管', '运行正常',
       CASE WHEN (fh / 2500) % 10 = 0 THEN '柜门密封条老化' END,
       CASE WHEN (fh / 2500) % 10 = 0 THEN 'quality' END,
       FALSE, (m.day0 + (fh / 100) % 25) * $DAY_MS + 7200000
FROM (SELECT seq.i, bm.*, (((seq.i * 131 + bm.idx * 7) * 2654435761) % $W) / 1000 AS fh
      FROM seq JOIN bench_months bm ON 1 = 1) m
WHERE m.fh % 100 < 85 AND m.day0 + (m.fh / 100) % 25 < $TODAY;
$(setval tickets jobs trips quality_items)
COMMIT;
ANALYZE;
SQL
echo "$N tickets over $MONTHS months with deadlines, jobs, trips, surveys, quality items, follow-ups: $(elapsed "$T1") s"

echo "counts:"
for t in tickets ticket_deadlines ticket_answers jobs trips surveys quality_items quality_actions follow_ups \
         customers units returns; do
  printf '  %-18s %s\n' "$t" "$(q "SELECT COUNT(*) FROM $t")"
done
echo "months: $M_LABEL_0 … $(eval echo "\$M_LABEL_$((MONTHS - 1))") (the last is the current month, to now)"
echo "seeded $BACKEND in $(elapsed "$T0") s"
