#!/usr/bin/env bash
# Measure the archive import: 100,000 customers and 100,000 units, from XLSX and from
# GB18030 CSV, on a fresh database; each import run twice (the second must add nothing).
# Prints one table row per run with the wall time and the process's peak memory, and the
# load average before and after.
#
#   bench/import.sh                         # SQLite, in a temporary directory
#   bench/import.sh --postgres URL          # PostgreSQL (the database at URL is emptied)
#   ROWS=10000 bench/import.sh              # smaller files
set -euo pipefail

cd "$(dirname "$0")/.."
ROWS="${ROWS:-100000}"
PG_URL=""
if [[ "${1:-}" == "--postgres" ]]; then
  PG_URL="${2:?--postgres needs a URL}"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out="bench/results/import-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/table.md"
cargo build --release --quiet
bin="$PWD/target/release/sanbao"
python3 bench/gen_archive.py --rows "$ROWS" --out "$work/archive" >/dev/null

if [[ -n "$PG_URL" ]]; then
  export DATABASE_URL="$PG_URL"
  psql "$PG_URL" -qc 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null
  backend=postgres
else
  export DATABASE_URL="sqlite://$work/archive.db"
  backend=sqlite
fi
export SANBAO_LOG=warn
"$bin" migrate
for u in "zhou.min 周敏 service_manager" "huang.lei 黄磊 salesperson" "xu.jing 徐静 salesperson"; do
  set -- $u
  echo "import-bench-password" | "$bin" user add --username "$1" --display-name "$2" --role "$3" --password-stdin >/dev/null
done

run() { # label kind file
  local label="$1" kind="$2" file="$3"
  /usr/bin/time -f '%e %M' -o "$out/$label.time" \
    "$bin" import --by zhou.min "$kind" "$file" >"$out/$label.txt" 2>"$out/$label.err"
  local t secs kb
  t="$(cat "$out/$label.time")"
  secs="${t%% *}" kb="${t##* }"
  printf '| %s | %s | %s | %s s | %s MB | %s |\n' "$backend" "$label" "$(basename "$file")" \
    "$secs" "$((kb / 1024))" "$(grep -iE '^ *(added|unchanged|rejected)' "$out/$label.txt" | tr '\n' ' ' | tr -s ' ')" |
    tee -a "$out/table.md"
}

echo "| backend | run | file | time | peak RSS | report |" | tee -a "$out/table.md"
echo "|---|---|---|---|---|---|" | tee -a "$out/table.md"
run models models "$work/archive/models.csv"
run customers-xlsx customers "$work/archive/customers.xlsx"
run customers-xlsx-again customers "$work/archive/customers.xlsx"
run customers-gb18030-again customers "$work/archive/customers-gb18030.csv"
run units-gb18030 units "$work/archive/units-gb18030.csv"
run units-gb18030-again units "$work/archive/units-gb18030.csv"
run units-xlsx-again units "$work/archive/units.xlsx"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/table.md"
echo "results in $out"
