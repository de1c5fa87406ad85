#!/usr/bin/env bash
# Holds a refactoring to "same input, same bytes out": runs two builds of
# roomreport (OLD and NEW) on the same inputs and compares every output file
# byte for byte. Not part of the test suite (it needs an old build); use it
# before merging a change that must not change output.
#
#   tests/tools/same-output.sh OLD_BINARY NEW_BINARY [WORKDIR]
#
# Cases: samples/ and tests/data/hostile/ (directory report, single file,
# JSON, sessions CSV, events log, --pages problems, --user, a split run with
# --max-memory), and a generated week (tests/bench/gen.py, 300 calls, with
# its users file) in the same forms plus a week-over-week run. Exit 0 when
# every file is the same; else the differing files are listed.
set -euo pipefail
old=$(realpath "$1"); new=$(realpath "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${3:-$(mktemp -d)}
mkdir -p "$work/in"
week="$work/in/week.csv"
if [ ! -s "$week" ]; then
  python3 "$root/tests/bench/gen.py" --calls 300 --seed 7 --out "$week" \
    --abnormal "$work/in/week-abnormal.csv" --users "$work/in/week-users.csv" >/dev/null
  python3 "$root/tests/bench/gen.py" --calls 300 --seed 8 --start 1762732800000 \
    --out "$work/in/prev.csv" --abnormal "$work/in/prev-abnormal.csv" >/dev/null
fi
samples=("$root"/samples/*.csv)
hostile=("$root"/tests/data/hostile/*.csv)
weekin=("$week" "$work/in/week-abnormal.csv" "$work/in/week-users.csv")

run_all() {   # BIN OUTDIR
  local bin=$1 o=$2
  rm -rf "$o"; mkdir -p "$o"
  export TZ=UTC
  for set in samples hostile week; do
    local -n in=$set
    [ "$set" = week ] && in=("${weekin[@]}")
    local common=(-q --tz Europe/Berlin --title "Same $set")
    "$bin" "${common[@]}" -o "$o/$set-dir" --json "$o/$set.json" \
      --sessions-csv "$o/$set-sessions.csv" --rejected "$o/$set-rejected.csv" "${in[@]}" || echo "exit $?" >"$o/$set-dir.rc"
    "$bin" "${common[@]}" -o "$o/$set-file.html" "${in[@]}" || echo "exit $?" >"$o/$set-file.rc"
    "$bin" "${common[@]}" --pages problems -o "$o/$set-problems" "${in[@]}" || true
    "$bin" "${common[@]}" --max-memory 64K -o "$o/$set-split" --json "$o/$set-split.json" \
      "${in[@]}" 2>/dev/null || echo "exit $?" >"$o/$set-split.rc"
    "$bin" "${common[@]}" --max-memory 64K -o "$o/$set-split-file.html" "${in[@]}" \
      2>/dev/null || echo "exit $?" >"$o/$set-split-file.rc"
    "$bin" events --tz Asia/Shanghai "${in[@]}" >"$o/$set-events.csv" 2>/dev/null || true
  done
  "$bin" -q --user u12 -o "$o/week-user" --json "$o/week-user.json" "${weekin[@]}" || true
  "$bin" -q --no-html --json "$o/prev.json" "$work/in/prev.csv" "$work/in/prev-abnormal.csv"
  "$bin" -q --baseline "$o/prev.json" -o "$o/week-baseline" --json "$o/week-baseline.json" \
    "${weekin[@]}" || true
  "$bin" catalog >"$o/catalog.csv"
}
run_all "$old" "$work/old"
run_all "$new" "$work/new"
files=$(find "$work/old" -type f | wc -l)
if diff -rq "$work/old" "$work/new"; then
  echo "same bytes: $files files ($(du -sh "$work/new" | cut -f1)) in $work"
else
  echo "DIFFERENT (see above); outputs in $work"
  exit 1
fi
