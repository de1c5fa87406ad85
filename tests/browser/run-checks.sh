#!/usr/bin/env bash
# Builds HTML reports with the roomreport binary and checks them; run by
# CTest (tests html_validator and html_browser, tests/CMakeLists.txt).
#
#   tests/browser/run-checks.sh validator|browser ROOMREPORT BUILD_DIR
#
# Inputs: samples/*.csv and tests/data/hostile/*.csv, each as a directory
# report (-o DIR) and as one file (-o FILE.html), and the official API
# examples (tests/data/official-api-examples/) as a directory report, written
# under BUILD_DIR/html-check/<mode>/.
#   validator  the W3C Nu checker on every produced page (validate.sh)
#   browser    headless Chromium on the single-file reports, the one-call
#              ticket file (--room 3101), the overview and a call page
#              (check-browser.mjs, axe-core included); screenshots saved as
#              BUILD_DIR/screenshot-{report,overview,call,hostile,ticket,exits}[-phone].png,
#              timelines in a deuteranopia simulation as screenshot-*-deutan.png;
#              the timeline's script on room 3101 (check-timeline.mjs), its
#              PNGs in BUILD_DIR/shots-timeline/; chart text sizes and the
#              A4 print of the overviews and the single file
#              (check-overview.mjs, PDFs in BUILD_DIR/print-*.pdf); the
#              local/UTC switch on the samples in Asia/Shanghai (check-zone.mjs)
# Fails (never skips) when java, node or chromium is missing. Installs the
# pinned npm packages (npm ci) first when node_modules is missing or stale.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
SRC="$(cd "$HERE/../.." && pwd)"

if [ $# -ne 3 ] || { [ "$1" != validator ] && [ "$1" != browser ]; }; then
  echo "usage: $0 validator|browser ROOMREPORT BUILD_DIR" >&2
  exit 2
fi
MODE="$1"
BIN="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
BUILD="$(mkdir -p "$3" && cd "$3" && pwd)"
OUT="$BUILD/html-check/$MODE"

die() { echo "run-checks ($MODE): $*" >&2; exit 1; }

[ -x "$BIN" ] || die "$BIN is not an executable"
command -v node >/dev/null || die "node not found (Debian: apt-get install nodejs npm)"
command -v npm >/dev/null || die "npm not found (Debian: apt-get install npm)"
if [ "$MODE" = validator ]; then
  command -v java >/dev/null || die "java not found (Debian: apt-get install openjdk-17-jre-headless)"
else
  [ -x "${CHROMIUM:-/usr/bin/chromium}" ] || die "${CHROMIUM:-/usr/bin/chromium} not found (Debian: apt-get install chromium)"
fi

# The pinned packages; both tests may start at once, so one npm ci at a time.
installed() {
  (cd "$HERE" && node -e '
    const fs = require("fs");
    const want = require("./package.json").devDependencies;
    for (const [name, v] of Object.entries(want)) {
      const p = "node_modules/" + name + "/package.json";
      if (!fs.existsSync(p) || JSON.parse(fs.readFileSync(p)).version !== v) process.exit(1);
    }')
}
exec 9>"$BUILD/html-check-npm.lock"
flock 9
if ! installed; then
  echo "run-checks ($MODE): installing the pinned npm packages in $HERE" >&2
  (cd "$HERE" && npm ci --no-audit --no-fund --ignore-scripts) >&2 \
    || die "npm ci failed in $HERE"
  installed || die "npm ci did not install the versions in package.json"
fi
flock -u 9

# Builds the four reports. SOURCE_DATE_EPOCH is unset so that pages are as
# a user gets them by default.
rm -rf "$OUT"
mkdir -p "$OUT"
build() { # NAME OUTPUT FILE...
  local name="$1" out="$2"; shift 2
  local rc=0
  env -u SOURCE_DATE_EPOCH "$BIN" -q -o "$out" --tz UTC "$@" >"$OUT/$name.log" 2>&1 || rc=$?
  if [ $rc -ne 0 ]; then
    cat "$OUT/$name.log" >&2
    die "roomreport -o $out exited $rc"
  fi
}
build samples-dir "$OUT/samples" "$SRC"/samples/*.csv
build samples-file "$OUT/samples.html" "$SRC"/samples/*.csv
build hostile-dir "$OUT/hostile" "$SRC"/tests/data/hostile/*.csv
build hostile-file "$OUT/hostile.html" "$SRC"/tests/data/hostile/*.csv
# One call with a user per exit reason (nothing by colour alone).
build exits-dir "$OUT/exits" "$SRC"/tests/data/exits/events.csv
# A one-call ticket file: the single file of room 3101 alone.
build ticket-file "$OUT/ticket.html" --room 3101 "$SRC"/samples/*.csv
# The official API examples: an overview with experiences of a room without
# events and companion rows that match no call.
build official-dir "$OUT/official" "$SRC"/tests/data/official-api-examples/*.csv
# A generated week against the week before (--baseline) with --from cutting
# into its first day: the baseline's days dashed, partial days, a cut axis;
# and the week before that as a second --baseline: the headline's trend.
gen() { # SEED START NAME
  python3 "$SRC/tests/bench/gen.py" --calls 80 --days 7 --seed "$1" --start "$2" \
    --out "$OUT/$3-events.csv" --abnormal "$OUT/$3-abnormal.csv" || die "gen.py failed"
}
gen 1 1762732800000 week-old
gen 2 1763337600000 week
gen 3 1762128000000 week-older
build week-old-json "$OUT/week-old" --json "$OUT/week-old.json" "$OUT"/week-old-*.csv
build week-older-json "$OUT/week-older" --json "$OUT/week-older.json" "$OUT"/week-older-*.csv
build week-dir "$OUT/week" --baseline "$OUT/week-older.json" --baseline "$OUT/week-old.json" \
  --from 2025-11-17T12:00:00Z \
  "$OUT"/week-events.csv "$OUT"/week-abnormal.csv
# The zone switch (check-zone.mjs): the samples in Asia/Shanghai (the later
# --tz wins over build's --tz UTC).
build zone-dir "$OUT/zone" --tz Asia/Shanghai "$SRC"/samples/*.csv
# ... and a call across Berlin's autumn change of 2026 (02:50 CEST to 02:10 CET).
printf '%s\n' CommId,RoomId,UserId,Time,EventId,ParamOne,ParamTwo \
  c1,r1,u1,1792889400000,5001,, c1,r1,u1,1792889401000,5003,1, \
  c1,r1,u1,1792890000000,1003,0, c1,r1,u1,1792890120000,1003,1, \
  c1,r1,u1,1792890600000,7001,0, >"$OUT/dst-events.csv"
build dst-dir "$OUT/dst" --tz Europe/Berlin "$OUT/dst-events.csv"
# The call index (check-find.mjs): a week of 400 calls, as a directory report
# with --pages problems and as one file (past its budget of 20 calls).
python3 "$SRC/tests/bench/gen.py" --calls 400 --days 7 --seed 3 --out "$OUT/find-events.csv" \
  --abnormal "$OUT/find-abnormal.csv" || die "gen.py failed"
build find-dir "$OUT/find" --pages problems "$OUT"/find-*.csv
build find-file "$OUT/find.html" "$OUT"/find-*.csv
# One RoomId in two apps (check-find-apps.mjs).
build apps-dir "$OUT/apps" "$SRC"/tests/data/two-apps/events.csv
for d in samples hostile; do
  [ -f "$OUT/$d/index.html" ] || die "no $OUT/$d/index.html"
  ls "$OUT/$d"/calls/*.html >/dev/null 2>&1 || die "no call pages in $OUT/$d/calls/"
done

if [ "$MODE" = validator ]; then
  "$HERE/validate.sh" "$OUT/samples" "$OUT/samples.html" "$OUT/hostile" "$OUT/hostile.html" \
    "$OUT/ticket.html" "$OUT/exits" \
    "$OUT/official" "$OUT/week" "$OUT/find" "$OUT/find.html" "$OUT/apps"
  exit
fi

# Browser: the single-file reports (everything in one page), the overview
# and the call page of room 3101 (the timeout-and-rejoin story).
fails=0
check() { # [--overview] FILE PNG
  if ! node "$HERE/check-browser.mjs" "$@"; then fails=$((fails + 1)); fi
}
call="$(grep -l -F '_3101_' "$OUT"/samples/calls/*.html | head -n 1 || true)"
[ -n "$call" ] || die "no call page of room 3101 in $OUT/samples/calls/"
check "$OUT/samples.html" "$BUILD/screenshot-report.png"
check --overview "$OUT/samples/index.html" "$BUILD/screenshot-overview.png"
check "$call" "$BUILD/screenshot-call.png"
check "$OUT/hostile.html" "$BUILD/screenshot-hostile.png"
check "$OUT/ticket.html" "$BUILD/screenshot-ticket.png"
check "$(ls "$OUT"/exits/calls/*.html | head -n 1)" "$BUILD/screenshot-exits.png"
check --overview "$OUT/week/index.html" "$BUILD/screenshot-week.png"
check --overview "$OUT/find/index.html" "$BUILD/screenshot-find.png"
# The call index without scripts: calls.html and its pages under index/.
check --overview "$OUT/find/calls.html" "$BUILD/screenshot-find-calls.png"
check --overview "$OUT/find/index/day-1.html" "$BUILD/screenshot-find-day.png"
check --overview "$OUT/find/index/users-1.html" "$BUILD/screenshot-find-users.png"
node "$HERE/check-find.mjs" "$OUT/find/index.html" "$OUT/find.html" "$OUT/find-events.csv" || fails=$((fails + 1))
node "$HERE/check-find-apps.mjs" "$OUT/apps/index.html" || fails=$((fails + 1))
# The local/UTC switch on the overview and the call page of room 3101.
zcall="$(grep -l -F '_3101_' "$OUT"/zone/calls/*.html | head -n 1 || true)"
node "$HERE/check-zone.mjs" "$OUT/zone/index.html" "$zcall" "$(ls "$OUT"/dst/calls/*.html | head -n 1)" \
  || fails=$((fails + 1))
# The timeline's zoom, keyboard, list view and finding buttons on room 3101;
# PNGs of the timeline, normal and in Chromium's deuteranopia simulation.
EXITS="$(ls "$OUT"/exits/calls/*.html | head -n 1)" \
  node "$HERE/check-timeline.mjs" "$call" "" "$BUILD/shots-timeline" || fails=$((fails + 1))
# Every chart text of the overviews and the single file at 11 px or more;
# printed on A4, every column of every table (PDFs in BUILD_DIR/print-*.pdf).
for p in samples/index.html:overview samples.html:report week/index.html:week; do
  node "$HERE/check-overview.mjs" "$OUT/${p%%:*}" "$BUILD/print-${p##*:}.pdf" || fails=$((fails + 1))
done
[ $fails -eq 0 ] || die "$fails of 18 browser checks failed"
echo "run-checks (browser): screenshots in $BUILD/screenshot-*.png"
