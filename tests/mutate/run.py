#!/usr/bin/env python3
"""Runs roomreport on the mutated inputs of gen.py and checks every run.

For each case: no crash (no signal), no sanitizer report on stderr
(AddressSanitizer, LeakSanitizer, UBSan's "runtime error"), no hang (a
timeout per run), an exit status of 0 or 1 -- or 3 where DESIGN §4 makes
it an I/O error: only a gzip stream that is corrupt (not cut short), said as
"corrupt gzip stream" -- and, on every run that exits 0 with a JSON, the
row accounting: rows = used + filtered + rejected + duplicates + unmatched,
used = events + abnormal + users + rooms + quality, and the rows of
input.file_details adding up to rows.

The runs vary by case number, so every way through the program meets the
mutations: a single-file HTML report with JSON, JSON only, a split run
(--max-memory 2K) with --rejected, and `events` or a directory report with
--sessions-csv.

    python3 tests/mutate/run.py --binary build/roomreport [--seed 1] [--cases 400]
                                [--jobs 2] [--keep DIR]

Exits 0 when every case passes; otherwise lists each failure (case name,
command, what went wrong) and, with --keep, leaves the failing inputs in DIR.
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402

SANITIZER = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
             "UndefinedBehaviorSanitizer", "ThreadSanitizer")


def command(binary, i, inp, companions, d):
    """The command line of case i and whether it writes out.json."""
    files = [inp] + [os.path.join(gen.SOURCE_DIR, c) for c in companions]
    js = os.path.join(d, "out.json")
    mode = i % 4
    if mode == 0:
        return [binary, "-o", os.path.join(d, "r.html"), "--json", js] + files, True
    if mode == 1:
        return [binary, "--no-html", "--json", js] + files, True
    if mode == 2:
        return [binary, "--max-memory", "2K", "--no-html", "--json", js,
                "--rejected", os.path.join(d, "rej.csv")] + files, True
    if i % 8 == 3:
        return [binary, "events"] + files, False
    return [binary, "-o", os.path.join(d, "rep"), "--json", js,
            "--sessions-csv", os.path.join(d, "s.csv")] + files, True


def accounting_errors(inp):
    errs = []
    unmatched = sum(inp["unmatched"].values())
    total = inp["used"] + inp["filtered"] + inp["rejected"] + inp["duplicates"] + unmatched
    if inp["rows"] != total:
        errs.append("rows %d != used + filtered + rejected + duplicates + unmatched = %d"
                    % (inp["rows"], total))
    parts = inp["events"] + inp["abnormal"] + inp["users"] + inp["rooms"] + inp["quality"]
    if inp["used"] != parts:
        errs.append("used %d != events + abnormal + users + rooms + quality = %d"
                    % (inp["used"], parts))
    per_file = sum(f["rows"] for f in inp["file_details"])
    if per_file != inp["rows"]:
        errs.append("rows %d != the rows of file_details, %d" % (inp["rows"], per_file))
    if [f["file"] for f in inp["file_details"]] != inp["files"]:
        errs.append("file_details does not list input.files")
    return errs


def check(i, case, binary, timeout):
    """Runs case i; returns (name, exit code or None, [problems], command)."""
    name, data, companions = case
    d = tempfile.mkdtemp(prefix="rr-mutate-")
    try:
        inp = os.path.join(d, name)
        with open(inp, "wb") as f:
            f.write(data)
        cmd, has_json = command(binary, i, inp, companions, d)
        env = dict(os.environ, TZ="UTC")
        env.pop("SOURCE_DATE_EPOCH", None)
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env, timeout=timeout, cwd=d)
        except subprocess.TimeoutExpired:
            return name, None, ["hang: no exit within %d s" % timeout], cmd
        err = p.stderr.decode("utf-8", "replace")
        problems = []
        if p.returncode < 0:
            problems.append("crash: killed by signal %d" % -p.returncode)
        for s in SANITIZER:
            if s in err:
                problems.append("sanitizer report: %s" % err.strip()[-2000:])
                break
        allowed = {0, 1} | ({3} if "corrupt gzip stream" in err else set())
        if p.returncode >= 0 and p.returncode not in allowed:
            problems.append("exit %d: %s" % (p.returncode, err.strip()[-500:]))
        if p.returncode == 0 and has_json:
            try:
                with open(os.path.join(d, "out.json"), encoding="utf-8") as f:
                    problems += accounting_errors(json.load(f)["input"])
            except (OSError, ValueError, KeyError) as e:
                problems.append("JSON of a run that exited 0: %s" % e)
        return name, p.returncode, problems, cmd
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=400)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=120, help="seconds per run")
    ap.add_argument("--keep", help="directory for the inputs of failing cases")
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    cases = gen.cases(a.seed, a.cases)
    start = time.time()
    codes, failures = {}, []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        futures = [ex.submit(check, i, c, binary, a.timeout) for i, c in enumerate(cases)]
        for i, fut in enumerate(futures):
            name, code, problems, cmd = fut.result()
            codes[code] = codes.get(code, 0) + 1
            if problems:
                failures.append((i, name, problems, cmd))
    for i, name, problems, cmd in failures:
        print("FAIL %s (seed %d, case %d)\n  %s" % (name, a.seed, i, " ".join(cmd)))
        for p in problems:
            print("  " + p)
        if a.keep:
            os.makedirs(a.keep, exist_ok=True)
            with open(os.path.join(a.keep, name), "wb") as f:
                f.write(cases[i][1])
    print("mutate: seed %d, %d cases, %.0f s, exit codes %s: %d failed"
          % (a.seed, len(cases), time.time() - start,
             ", ".join("%s: %d" % (k, v) for k, v in sorted(codes.items(), key=str)),
             len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
