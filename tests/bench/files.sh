#!/usr/bin/env bash
# files.sh — nothing quadratic in files or calls (issue 19); not part of the
# test suite (speed is checked by benchmark scripts, never by timed tests).
#
# Files: a gen.py export (--rows $FILES_ROWS, default 2,000,000, --seed 1)
# is cut by tests/bench/files_split.py into $FILES_N (default 20,000) files
# of one user each, the first users in order of their first row; the same
# rows in one file are the baseline. Times `--no-html --json` on the one
# file, on the folder of files (a directory argument) and on the same files
# through --files-from, medians of $BENCH_RUNS (3) runs each, and prints wall
# and CPU (user + sys) time, peak RSS and each one's ratio to the one file's.
# The three JSON files must be identical but for input.files and
# input.file_details (the list of files read).
#
# Calls: the same export with each user's stay in a call made a call of its
# own (files_split.py calls: about four times the calls, of fewer rows), at
# a quarter of its rows and at all of them, timed the same way: CPU time per
# row should stay the same.
#
# The files are read once, untimed, before each timed run, so the runs time
# roomreport and not the disk. Exit status 1 when a JSON differs or the many
# files take more than 1.5 times the one file's time (wall or CPU).
#
#   tests/bench/files.sh        # BENCH_DIR (default /tmp/roomreport-bench)/files
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
work=${BENCH_DIR:-/tmp/roomreport-bench}/files
runs=${BENCH_RUNS:-3}
nfiles=${FILES_N:-20000}
rows=${FILES_ROWS:-2000000}
mkdir -p "$work"
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 1; }

. "$root/tests/bench/build.sh"

src=$work/events-$rows.csv
if [ ! -s "$src" ]; then
  python3 "$root/tests/bench/gen.py" --rows "$rows" --seed 1 --out "$src.tmp"
  mv "$src.tmp" "$src"
fi
cut=$work/split-$rows-$nfiles
if [ ! -s "$cut/list.txt" ]; then
  rm -rf "$cut"
  python3 "$root/tests/bench/files_split.py" split "$src" "$nfiles" "$cut/u" "$cut/one.csv" \
    "$cut/list.txt.tmp"
  mv "$cut/list.txt.tmp" "$cut/list.txt"
fi

median() { sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

# measure NAME WARM CMD...: cats WARM (a file or directory) to /dev/null,
# then times CMD; $runs times. Sets W[NAME] (median wall s), C[NAME]
# (median user + sys s), R[NAME] (median peak RSS, KB).
declare -A W C R
measure() {
  local name=$1 warm=$2 walls=() cpus=() rss=() i
  shift 2
  for ((i = 0; i < runs; i++)); do
    if [ -d "$warm" ]; then
      find "$warm" -type f -exec cat {} + >/dev/null
    else
      cat "$warm" >/dev/null
    fi
    /usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" "$@" >/dev/null
    read -r e u s m <"$work/time.txt"
    walls+=("$e")
    cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u + s}')")
    rss+=("$m")
  done
  W[$name]=$(printf '%s\n' "${walls[@]}" | median)
  C[$name]=$(printf '%s\n' "${cpus[@]}" | median)
  R[$name]=$(printf '%s\n' "${rss[@]}" | median)
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", (b > 0 ? a / b : 0)}'; }

fail=0
measure one "$cut/one.csv" "$bin" -q --no-html --json "$work/one.json" "$cut/one.csv"
measure dir "$cut/u" "$bin" -q --no-html --json "$work/dir.json" "$cut/u"
measure list "$cut/u" "$bin" -q --no-html --json "$work/list.json" --files-from "$cut/list.txt"

nrows=$(($(wc -l <"$cut/one.csv") - 1))
echo "$nrows rows of $nfiles users (from gen.py --rows $rows --seed 1), medians of $runs"
echo "| input | wall | CPU (user+sys) | peak RSS | wall / one file | CPU / one file |"
echo "|---|---|---|---|---|---|"
for k in one dir list; do
  case $k in
    one) what="one file" ;;
    dir) what="$nfiles files, a directory argument" ;;
    list) what="$nfiles files, --files-from" ;;
  esac
  w=$(ratio "${W[$k]}" "${W[one]}")
  c=$(ratio "${C[$k]}" "${C[one]}")
  echo "| $what | ${W[$k]} s | ${C[$k]} s | $((R[$k] / 1024)) MB | $w | $c |"
  if awk -v w="$w" -v c="$c" 'BEGIN{exit !(w > 1.5 || c > 1.5)}'; then
    echo "over 1.5x: $what" >&2
    fail=1
  fi
done

python3 - "$work/one.json" "$work/dir.json" "$work/list.json" <<'EOF' || fail=1
import json
import sys


def load(path):
    with open(path) as f:
        j = json.load(f)
    for k in ("files", "file_details"):
        j["input"].pop(k)
    return j


one = load(sys.argv[1])
for other in sys.argv[2:]:
    if load(other) != one:
        sys.exit("JSON differs beyond input.files and input.file_details: %s" % other)
print("JSON identical but for input.files and input.file_details")
EOF

# Calls: two sizes of the same shape.
big=$work/calls-$rows.csv
small=$work/calls-$((rows / 4)).csv
[ -s "$big" ] || python3 "$root/tests/bench/files_split.py" calls "$src" "$rows" "$big"
[ -s "$small" ] || python3 "$root/tests/bench/files_split.py" calls "$src" $((rows / 4)) "$small"
measure small "$small" "$bin" -q --no-html --json "$work/small.json" "$small"
measure big "$big" "$bin" -q --no-html --json "$work/big.json" "$big"
echo
echo "Each user's stay a call of its own, medians of $runs"
echo "| rows | calls | sessions | wall | CPU (user+sys) | CPU per million rows |"
echo "|---|---|---|---|---|---|"
for k in small big; do
  read -r n calls sessions < <(python3 -c 'import json,sys
j = json.load(open(sys.argv[1]))
print(j["input"]["rows"], j["totals"]["calls"], j["totals"]["sessions"])' "$work/$k.json")
  echo "| $n | $calls | $sessions | ${W[$k]} s | ${C[$k]} s | $(awk -v c="${C[$k]}" -v n="$n" 'BEGIN{printf "%.3f", c / n * 1e6}') s |"
done
exit $fail
