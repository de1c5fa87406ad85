# build.sh — the benchmarks' build of roomreport, sourced (not run) by
# tests/bench/run.sh and files.sh once they have set root (the repository):
# a Release build with -O2 and assertions off, without the tests, into
# $root/build-bench; sets bin to the binary. A failed build stops the
# script that sourced it (set -e there).
cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
  -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null
cmake --build "$root/build-bench" -j2 >/dev/null
bin="$root/build-bench/roomreport"
