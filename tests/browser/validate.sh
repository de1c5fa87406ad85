#!/usr/bin/env bash
# Runs the W3C Nu HTML checker (npm package vnu-jar, pinned in package.json)
# on report pages and fails on any error.
#
#   tests/browser/validate.sh DIR_OR_FILE...
#
# A directory is searched for *.html files (recursively). Prints every error
# in GNU format (file:line.col-line.col: error: message) and exits 1 if there
# is any, 2 if the checker cannot run (no java, no vnu.jar, no input).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
JAR="$HERE/node_modules/vnu-jar/build/dist/vnu.jar"

if [ $# -eq 0 ]; then
  echo "usage: $0 DIR_OR_FILE..." >&2
  exit 2
fi
if ! command -v java >/dev/null 2>&1; then
  echo "validate.sh: java not found (Debian: apt-get install openjdk-17-jre-headless)" >&2
  exit 2
fi
if [ ! -f "$JAR" ]; then
  echo "validate.sh: $JAR missing; running npm ci in $HERE" >&2
  (cd "$HERE" && npm ci --no-audit --no-fund --ignore-scripts >&2)
fi

files=()
for arg in "$@"; do
  if [ -d "$arg" ]; then
    while IFS= read -r -d '' f; do files+=("$f"); done \
      < <(find "$arg" -type f -name '*.html' -print0 | sort -z)
  elif [ -f "$arg" ]; then
    files+=("$arg")
  else
    echo "validate.sh: $arg: no such file or directory" >&2
    exit 2
  fi
done
if [ ${#files[@]} -eq 0 ]; then
  echo "validate.sh: no .html files in: $*" >&2
  exit 2
fi

# vnu prints its messages on stderr; exit status 1 when there is an error.
out="$(java -jar "$JAR" --errors-only --format gnu "${files[@]}" 2>&1)" && rc=0 || rc=$?
if [ $rc -ne 0 ] || [ -n "$out" ]; then
  printf '%s\n' "$out"
  echo "validate.sh: Nu checker found errors in ${#files[@]} page(s) checked (exit $rc)" >&2
  exit 1
fi
echo "validate.sh: ${#files[@]} page(s), 0 errors"
