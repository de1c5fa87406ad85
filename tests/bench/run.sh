#!/usr/bin/env bash
# Benchmark of issue 5 (not part of the test suite). Builds roomreport with
# -O2 into build-bench and the libcsv parse floor (parse_only.c), generates
# deterministic inputs with gen.py (cached under $BENCH_DIR), and prints for
# each input, as medians of $BENCH_RUNS runs (default 3): wall time, rows/s,
# MB/s, peak RSS and bytes per event of
#   json    roomreport --no-html --json /dev/null
#   full    roomreport -o DIR (the HTML report with its call pages)
#   floor   with full: write_floor.c writing the same files, of the same
#           sizes, to the same place on as many threads as there are cores,
#           computing nothing (the kernel's share of full; the report's own
#           cost is the difference)
#   parse   parse_only: libcsv alone on one core, counting fields and rows
#   split   json with --max-memory at a tenth of json's peak RSS (the calls
#           built a range of rooms at a time from temporary files); its JSON
#           is compared with an in-memory run's, byte for byte
#   duckdb  SELECT RoomId, UserId, count(*), min(Time), max(Time) ... GROUP BY 1,2
#           (2 threads; only when node and npm can install @duckdb/node-api)
# and each one's time and RSS as a ratio to parse's from the same run, for
# each row order of the same rows (gen.py --ids realistic --order ORDER):
#   user        each call's users one after the other (leading IDs repeat)
#   time        all rows sorted by time across rooms
#   interleave  the rows of each 64 calls shuffled together
#   legacy      gen.py's default file (short IDs, user order; the README's
#               figures before issue 19)
# Each order's in-memory JSON is compared byte for byte with the first
# order's (every order is read through the same path, a symbolic link, so
# the file name in the JSON is the same).
#
#   tests/bench/run.sh [ROWS...]   default: 1000000, plus 10000000 when BENCH_10M=1
#   BENCH_ORDERS="user time interleave"  the orders (default these three)
#   BENCH_FIGURES="json full split duckdb"  the figures besides parse (default all)
#   BENCH_DIR=/tmp/roomreport-bench  inputs (10M rows is ~0.9 GB), builds, node_modules
#   BENCH_NODUCK=1                   skip DuckDB
#   BENCH_PAGES=DIR                  where the full reports go (default: /dev/shm
#                                    when it has 3 GB free, else BENCH_DIR)
#
# The full report's figure depends on where its pages go: on this 2-core VM's
# ext4, writeback of the 2 GB of a 10M-row report runs on the same cores and
# its cost grows from run to run (and creating files is slow for minutes
# after many are deleted), so by default the pages go to tmpfs, each report
# removed after its run (untimed), which times roomreport itself (the
# kernel's copy into the page cache included).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${BENCH_DIR:-/tmp/roomreport-bench}
runs=${BENCH_RUNS:-3}
mkdir -p "$work"
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 1; }

. "$root/tests/bench/build.sh"
parse="$root/build-bench/parse_only"
cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -o "$parse" \
  "$root/tests/bench/parse_only.c" -lcsv
floor="$root/build-bench/write_floor"
cc -std=c11 -O2 -Wall -Wextra -pthread -o "$floor" "$root/tests/bench/write_floor.c"

# DuckDB lives next to its own node_modules under $work, so the repository
# stays clean; the version is pinned by tests/bench/package.json.
duck=""
if [ -z "${BENCH_NODUCK:-}" ] && command -v node >/dev/null && command -v npm >/dev/null; then
  d="$work/duckdb"
  mkdir -p "$d"
  cp "$root/tests/bench/package.json" "$root/tests/bench/duckdb_groupby.mjs" "$d/"
  if [ -d "$d/node_modules/@duckdb/node-api" ] ||
     (cd "$d" && npm install --no-audit --no-fund >"$work/npm.log" 2>&1); then
    duck="$d/duckdb_groupby.mjs"
  else
    echo "duckdb: npm install failed (see $work/npm.log); skipping it" >&2
  fi
fi

median() { sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

# measure NAME CMD...: runs CMD $runs times under /usr/bin/time -v and sets
# W[NAME] (median wall seconds), C[NAME] (median user + system CPU seconds)
# and R[NAME] (median peak RSS, KB).
declare -A W R C
# An argument @RUN@ is replaced by the run's number, so each full report goes
# to a directory of its own: deleting tens of thousands of pages just before
# writing as many again makes ext4 slow to create files for a minute, which
# would time the file system rather than roomreport.
# after_run I: what follows run I of measure, outside its timing.
after_run() { :; }
measure() {
  local name=$1 walls=() rss=() cpus=() i
  shift
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -v -o "$work/time.txt" "${@//@RUN@/$i}" >/dev/null
    after_run "$i"
    walls+=("$(awk -F': ' '/Elapsed/{n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/time.txt")")
    rss+=("$(awk -F': ' '/Maximum resident/{print $2}' "$work/time.txt")")
    cpus+=("$(awk -F': ' '/User time|System time/{s+=$2} END{print s}' "$work/time.txt")")
  done
  C[$name]=$(printf '%s\n' "${cpus[@]}" | median)
  W[$name]=$(printf '%s\n' "${walls[@]}" | median)
  R[$name]=$(printf '%s\n' "${rss[@]}" | median)
}

sizes=("$@")
if [ ${#sizes[@]} -eq 0 ]; then
  sizes=(1000000)
  [ -n "${BENCH_10M:-}" ] && sizes+=(10000000)
fi

pages=${BENCH_PAGES:-}
if [ -z "$pages" ]; then
  pages=$work
  if [ -d /dev/shm ] && [ "$(df --output=avail -k /dev/shm | tail -1)" -gt 3000000 ]; then
    pages=/dev/shm/roomreport-bench
  fi
fi
mkdir -p "$pages"

# Reports of an earlier invocation go first, then a wait (see measure): on
# this VM's ext4, creating files stays several times slower for one to six
# minutes after gigabytes of them are deleted. BENCH_SETTLE: seconds (300).
if compgen -G "$pages/pages*" >/dev/null || compgen -G "$pages/floor*" >/dev/null; then
  rm -rf "$pages"/pages* "$pages"/floor*
  sync
  sleep "${BENCH_SETTLE:-300}"
fi

orders=(${BENCH_ORDERS:-user time interleave})
figures=" ${BENCH_FIGURES:-json full split duckdb} "
want() { [[ $figures == *" $1 "* ]]; }
for o in "${orders[@]}"; do
  case $o in user|time|interleave|legacy) ;; *) echo "unknown order $o" >&2; exit 2 ;; esac
done

# input ROWS ORDER: the cached file of ROWS rows in ORDER, generated (all
# missing realistic-ID orders in one gen.py run) when absent.
input() {
  local rows=$1 o=$2 want=() x
  if [ "$o" = legacy ]; then
    if [ ! -f "$work/events-$rows.csv" ]; then
      python3 "$root/tests/bench/gen.py" --rows "$rows" --seed 1 --out "$work/events-$rows.csv.tmp"
      mv "$work/events-$rows.csv.tmp" "$work/events-$rows.csv"
    fi
    echo "$work/events-$rows.csv"
    return
  fi
  if [ ! -f "$work/events-$rows-$o.csv" ]; then
    for x in "${orders[@]}"; do
      [ "$x" != legacy ] && [ ! -f "$work/events-$rows-$x.csv" ] && want+=("$x")
    done
    python3 "$root/tests/bench/gen.py" --rows "$rows" --seed 1 --ids realistic \
      --order "$(IFS=,; echo "${want[*]}")" --out "$work/gen-$rows-{order}.tmp" >&2
    for x in "${want[@]}"; do mv "$work/gen-$rows-$x.tmp" "$work/events-$rows-$x.csv"; done
  fi
  echo "$work/events-$rows-$o.csv"
}

printf 'medians of %d runs; ratios are to parse on the same input; full reports in %s\n' \
  "$runs" "$pages"
printf 'load average at the start: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-9s %-10s %-7s %8s %7s %10s %7s %8s %8s %7s %7s %7s\n' \
  rows order run wall_s cpu_s rows/s MB/s peak_MB B/event t/parse cpu/pa rss/pa
splits=()
sames=()
for rows in "${sizes[@]}"; do
 first=""
 for order in "${orders[@]}"; do
  file=$(input "$rows" "$order")
  # One path for every order, so the JSONs can be compared byte for byte.
  in="$work/input-$rows.csv"
  ln -sf "$file" "$in"
  n=$(($(wc -l <"$in") - 1))
  bytes=$(stat -L -c %s "$in")
  W=(); R=(); C=()
  names=(parse)
  measure parse "$parse" "$in"
  if want json; then
    measure json "$bin" -q --no-html --json /dev/null "$in"
    names+=(json)
  fi
  if want full; then
    # tmpfs holds each report in memory (2 GB at 10M rows): it goes right
    # after its run, or the next runs time the kernel reclaiming memory for
    # them (measured: the third of three 10M reports kept took 7.0 s against
    # 3.9 s). On disk they stay until the next invocation.
    # The first run's files and sizes are kept (outside the timing) for
    # the floor: write_floor writes the same files, of the same sizes,
    # where the report went, computing nothing.
    keep_manifest() {
      [ "$1" = 0 ] && find "$pages/pages-$rows-0" -type f -printf '%s %P\n' >"$work/manifest-$rows.txt"
      case "$pages" in /dev/shm/*) rm -rf "$pages/pages-$rows-$1" ;; esac
    }
    after_run() { keep_manifest "$1"; }
    measure full "$bin" -q -o "$pages/pages-$rows-@RUN@" "$in"
    case "$pages" in /dev/shm/*) after_run() { rm -rf "$pages/floor-$rows-$order-$1"; } ;; *) after_run() { :; } ;; esac
    measure floor "$floor" "$work/manifest-$rows.txt" "$pages/floor-$rows-$order-@RUN@"
    after_run() { :; }
    rm -f "$work/manifest-$rows.txt"
    names+=(full floor)
  fi
  "$bin" -q --no-html --json "$work/mem-$rows-$order.json" "$in"
  if want split; then
    # A tenth of the JSON run's peak RSS (measured here when json is not).
    [ -n "${R[json]:-}" ] || measure json "$bin" -q --no-html --json /dev/null "$in"
    limit=$((R[json] * 1024 / 10))
    measure split "$bin" -q --no-html --json "$work/split-$rows.json" --max-memory "$limit" "$in"
    if cmp -s "$work/split-$rows.json" "$work/mem-$rows-$order.json"; then same=identical; else same=DIFFERENT; fi
    splits+=("$n rows, $order: split run at --max-memory $limit bytes: JSON $same to the in-memory run's")
    names+=(split)
  fi
  if [ -z "$first" ]; then
    first=$order
  else
    if cmp -s "$work/mem-$rows-$first.json" "$work/mem-$rows-$order.json"; then same=identical; else same=DIFFERENT; fi
    sames+=("$n rows: JSON of order $order $same to order $first's")
  fi
  rm -f "$work/split-$rows.json"
  if [ -n "$duck" ] && want duckdb; then
    measure duckdb node "$duck" "$in" 2
    names+=(duckdb)
  fi
  for k in "${names[@]}"; do
    awk -v n="$n" -v b="$bytes" -v w="${W[$k]}" -v c="${C[$k]}" -v r="${R[$k]}" -v k="$k" \
        -v o="$order" -v pw="${W[parse]}" -v pc="${C[parse]}" -v pr="${R[parse]}" 'BEGIN{
      printf "%-9d %-10s %-7s %8.2f %7.2f %10.0f %7.1f %8.1f %8.1f %7.2f %7.2f %7.1f\n",
        n, o, k, w, c, n / w, b / 1e6 / w, r / 1024, r * 1024 / n, w / pw,
        (pc > 0 ? c / pc : 0), r / pr }'
  done
 done
 for order in "${orders[@]}"; do rm -f "$work/mem-$rows-$order.json"; done
 rm -f "$in"
done
printf '%s\n' "${splits[@]}" "${sames[@]}"
printf 'load average at the end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
