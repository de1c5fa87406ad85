#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build-fuzz/ and runs each for
# SECONDS, from a corpus in build-fuzz/corpus-<target> seeded with samples/,
# tests/data/{hostile,e2e,broken}/ (files up to 1 MB) and tests/fuzz/seeds/,
# and fuzz_script_min also with the page scripts, templates/*.js.
# First replays tests/fuzz/regressions/ through every target. Fails on any
# crash, leak, timeout or out-of-memory; the input is saved in
# build-fuzz/artifacts/.
#
#   tests/fuzz/run.sh SECONDS [fuzz_ingest fuzz_pipeline fuzz_render fuzz_reader fuzz_script_min]
#
# FUZZ_JOBS (default: nproc, at most 2) targets run at a time, one process
# each; logs in build-fuzz/fuzz-<target>.log.
set -euo pipefail
cd "$(dirname "$0")/../.."

[ $# -ge 1 ] && [[ $1 =~ ^[0-9]+$ ]] || { echo "usage: $0 SECONDS [targets...]" >&2; exit 2; }
secs=$1
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_ingest fuzz_pipeline fuzz_render fuzz_reader fuzz_script_min)
jobs=${FUZZ_JOBS:-$(nproc)}
[ "$jobs" -le 2 ] || jobs=2
B=build-fuzz

cmake -S . -B $B -DCMAKE_C_COMPILER=clang -DROOMREPORT_FUZZ=ON -DBUILD_TESTING=OFF \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build $B -j2 --target "${targets[@]}" >/dev/null
mkdir -p $B/artifacts

# Known crashers, fixed: each must now run clean through every target.
regs=()
for f in tests/fuzz/regressions/*; do
	[ -f "$f" ] && [ "$(basename "$f")" != README.md ] && regs+=("$f")
done
if [ ${#regs[@]} -gt 0 ]; then
	for t in "${targets[@]}"; do
		if ! $B/tests/fuzz/$t -timeout=10 -rss_limit_mb=2048 "${regs[@]}" \
			>$B/regress-$t.log 2>&1; then
			tail -n 40 $B/regress-$t.log
			echo "FAIL $t: a regression input in tests/fuzz/regressions/ fails again" >&2
			exit 1
		fi
		echo "$t: ${#regs[@]} regression input(s) pass"
	done
fi

run() {
	local t=$1 max=65536 c=$B/corpus-$1 js=()
	[ "$t" = fuzz_render ] && max=16384
	[ "$t" = fuzz_script_min ] && js=(templates/*.js)
	mkdir -p "$c"
	for f in samples/*.csv tests/data/hostile/*.csv tests/data/e2e/*.csv tests/data/broken/*.csv* \
		tests/data/broken/*.bin tests/fuzz/seeds/* "${js[@]}"; do
		[ -f "$f" ] && [ "$(stat -c %s "$f")" -le 1048576 ] || continue
		cp -f "$f" "$c/seed-$(basename "$(dirname "$f")")-$(basename "$f")"
	done
	$B/tests/fuzz/$t "$c" -dict=tests/fuzz/csv.dict -max_len=$max -timeout=10 \
		-rss_limit_mb=2048 -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix=$B/artifacts/$t- >$B/fuzz-$t.log 2>&1
}

fail=0
pids=()
names=()
finish() {
	local t=$1 pid=$2 rc=0
	wait "$pid" || rc=$?
	if [ $rc -ne 0 ]; then
		tail -n 60 $B/fuzz-$t.log
		echo "FAIL $t (exit $rc); reproducer: $(ls -t $B/artifacts/$t-* 2>/dev/null | head -n 1)" >&2
		fail=1
	else
		echo "$t: $(grep -E '^Done [0-9]+ runs in [0-9]+ second' $B/fuzz-$t.log | tail -n 1)"
	fi
}
for t in "${targets[@]}"; do
	if [ ${#pids[@]} -ge "$jobs" ]; then
		finish "${names[0]}" "${pids[0]}"
		pids=("${pids[@]:1}")
		names=("${names[@]:1}")
	fi
	run "$t" &
	pids+=($!)
	names+=("$t")
done
for i in "${!pids[@]}"; do
	finish "${names[$i]}" "${pids[$i]}"
done
exit $fail
