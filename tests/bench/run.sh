#!/usr/bin/env bash
# Benchmark (not part of the test suite): builds with -O2, generates a
# deterministic input with gen.py, and prints medians of 3 runs of the
# JSON-only pipeline: wall time, rows/s, MB/s, peak RSS and bytes per event.
#   tests/bench/run.sh [ROWS...]     (default: 1000000)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${BENCH_DIR:-/tmp/roomreport-bench}
mkdir -p "$work"
cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
  -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null
cmake --build "$root/build-bench" -j2 >/dev/null
bin="$root/build-bench/roomreport"
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 1; }

median() { sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

printf '%-10s %-8s %8s %10s %8s %10s %10s\n' rows run wall_s rows/s MB/s peak_MB B/event
for rows in "${@:-1000000}"; do
  in="$work/events-$rows.csv"
  [ -f "$in" ] || python3 "$root/tests/bench/gen.py" --rows "$rows" --seed 1 --out "$in"
  n=$(($(wc -l < "$in") - 1))
  mb=$(awk -v b="$(stat -c %s "$in")" 'BEGIN{printf "%.1f", b/1e6}')
  walls=(); rss=()
  for i in 1 2 3; do
    /usr/bin/time -v -o "$work/time.txt" "$bin" -q --no-html --json /dev/null "$in"
    walls+=("$(awk -F': ' '/Elapsed/{n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/time.txt")")
    rss+=("$(awk -F': ' '/Maximum resident/{print $2}' "$work/time.txt")")
  done
  w=$(printf '%s\n' "${walls[@]}" | median)
  r=$(printf '%s\n' "${rss[@]}" | median)
  awk -v n="$n" -v w="$w" -v r="$r" -v mb="$mb" 'BEGIN{
    printf "%-10d %-8s %8.2f %10.0f %8.1f %10.1f %10.1f\n", n, "json", w, n/w, mb/w, r/1024, r*1024/n }'
done
