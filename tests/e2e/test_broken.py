"""End to end: the broken-input corpus (tests/data/broken/README.md).

Every case is run through the binary and checked for its exit code and its
message (the file name, and file:line with the reason for rejected rows).
When a report is written, the accounting rows = used + filtered + rejected +
duplicates must hold in the JSON, the stderr summary line must give the same
numbers, --rejected must list every rejected row, and the HTML report (-o DIR)
must be valid UTF-8 with no temporary left behind.

Large cases (a 100 MB line, 100,000 columns) are generated into a temporary
directory; conditions of the machine (unreadable files, read-only
directories, a full disk) are set up by the test. As root, unreadable files
and read-only directories are tested by running the binary as nobody with
setpriv(1).
"""
import importlib.util
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rrtest as rr  # noqa: E402
from rrtest import BINARY, SAMPLES, run  # noqa: E402

BROKEN = os.path.join(rr.SOURCE_DIR, "tests", "data", "broken")

# The corpus generator, loaded without writing bytecode into the source tree.
_spec = importlib.util.spec_from_file_location("broken_gen", os.path.join(BROKEN, "gen.py"))
gen = importlib.util.module_from_spec(_spec)
_dont_write, sys.dont_write_bytecode = sys.dont_write_bytecode, True
_spec.loader.exec_module(gen)
sys.dont_write_bytecode = _dont_write

COUNTS = ("rows", "used", "filtered", "rejected", "duplicates")

# Cases that end in an error: file -> (exit code, [texts on stderr with -q]).
ERRORS = {
    "empty.csv": (1, ["roomreport: no usable rows in the input"]),
    "header-only.csv": (1, ["roomreport: no usable rows in the input"]),
    "no-known-column.csv": (1, ["roomreport: no-known-column.csv: no known column "
                                "(expected RoomId, UserId, Time, EventId, ...)"]),
    "garbage.bin": (1, ["roomreport: garbage.bin: no known column"]),
    "utf16le.csv": (1, ["roomreport: utf16le.csv: UTF-16 LE encoding is not supported; "
                        "convert the file to UTF-8"]),
    "utf16be.csv": (1, ["roomreport: utf16be.csv: UTF-16 BE encoding is not supported; "
                        "convert the file to UTF-8"]),
    "utf16le-nobom.csv": (1, ["roomreport: utf16le-nobom.csv: UTF-16 LE (no byte-order mark) encoding is not supported"]),
}

# Notes printed (without -q) for error cases.
ERROR_NOTES = {
    "empty.csv": "roomreport: note: empty.csv: no data rows",
    "header-only.csv": "roomreport: note: header-only.csv: no data rows",
}

# Cases that give a report: file -> counts, rejected rows {line: (code,
# detail)} (all of them, or None to check only the count per reason),
# rejected_by_reason (non-zero ones), and notes.
REPORTS = {
    "garbage-rows.csv": dict(rows=15, used=3, rejected=12,
                             by_reason={"ragged_row": 9, "bad_quote": 3}, lines=None),
    "nul.csv": dict(rows=5, used=3, rejected=2,
                    by_reason={"nul_byte": 1, "ragged_row": 1},
                    lines={3: ("nul_byte", "NUL byte in column 4 (UserId)"),
                           4: ("ragged_row", "1 fields, the header has 10")}),
    "invalid-utf8.csv": dict(rows=6, used=3, rejected=3, by_reason={"invalid_utf8": 3},
                             lines={3: ("invalid_utf8", "invalid UTF-8 in column 4 (UserId)"),
                                    4: ("invalid_utf8", "invalid UTF-8 in column 3 (RoomId)"),
                                    5: ("invalid_utf8", "invalid UTF-8 in column 4 (UserId)")}),
    "cr-only.csv": dict(rows=3, used=3, rejected=0, by_reason={}, lines={}),
    # Cut in half: the rows before the cut are read, the row it falls in is
    # rejected (tests/e2e/test_edges.py checks the warning and the marks).
    "truncated.csv.gz": dict(rows=979, used=978, rejected=1, by_reason={"cut_off": 1}, lines={
        980: ("cut_off", "the truncated gzip stream ends inside this row")}),
    "times.csv": dict(rows=11, used=5, rejected=6, by_reason={"bad_time": 6}, lines={
        3: ("bad_time", 'Time "946684799999" is outside 2000-2099'),
        5: ("bad_time", 'Time "4102444800000" is outside 2000-2099'),
        7: ("bad_time", 'Time "1999-12-31 23:59:59" is outside 2000-2099'),
        8: ("bad_time", 'Time "2100-01-01T00:00:00Z" is outside 2000-2099'),
        9: ("bad_time", 'Time "1" is outside 2000-2099'),
        10: ("bad_time", 'Time "95617584000" is outside 2000-2099')}),
    "ids.csv": dict(rows=9, used=4, rejected=5, by_reason={"out_of_range": 5}, lines={
        3: ("out_of_range", 'EventId "-1" is out of range'),
        4: ("out_of_range", 'EventId "-5001" is out of range'),
        5: ("out_of_range", 'EventId "9223372036854775808" is out of range'),
        6: ("out_of_range", 'EventId "-9223372036854775808" is out of range'),
        7: ("out_of_range", 'EventId "2147483648" is out of range')}),
    "abnormal-ids.csv": dict(rows=5, used=1, rejected=4, by_reason={"out_of_range": 4}, lines={
        3: ("out_of_range", 'ExperienceId "-2" is out of range'),
        4: ("out_of_range", 'AbnormalEventId "-1201" is out of range'),
        5: ("out_of_range", 'ExperienceId "9223372036854775808" is out of range'),
        6: ("out_of_range", 'AbnormalEventId "9223372036854775808" is out of range')}),
    "duplicate-header.csv": dict(rows=3, used=3, rejected=0, by_reason={}, lines={}, notes=[
        "duplicate-header.csv: column 11 is another 'RoomId'; the first one (column 3) is used",
        "duplicate-header.csv: column 12 is another 'RoomId'; the first one (column 3) is used",
        "duplicate-header.csv: column 13 is another 'UserId'; the first one (column 4) is used"]),
}

SETPRIV = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def env():
    e = dict(os.environ, TZ="UTC")
    e.pop("SOURCE_DATE_EPOCH", None)
    return e


def run_cmd(cmd, cwd=None, preexec_fn=None, timeout=300):
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, cwd=cwd, env=env(), preexec_fn=preexec_fn,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def tree(path):
    """{relative path: bytes} of every file under path (or the file itself)."""
    if os.path.isfile(path):
        with open(path, "rb") as f:
            return {"": f.read()}
    out = {}
    for root, _, files in os.walk(path):
        for name in files:
            full = os.path.join(root, name)
            with open(full, "rb") as f:
                out[os.path.relpath(full, path)] = f.read()
    return out


def temporaries(d):
    return [n for n in os.listdir(d) if ".tmp." in n]


def readable_copy(test):
    """(binary, samples): copies of the binary and of SAMPLES in a fresh
    folder under /tmp that every user can read (0755, files 0644, the
    binary 0755), so a run as nobody works wherever the checkout is (a
    clone inside a 0700 directory included). Removed after the test."""
    d = tempfile.mkdtemp(prefix="rr-readable-", dir="/tmp")
    test.addCleanup(shutil.rmtree, d, True)
    os.chmod(d, 0o755)
    binary = os.path.join(d, "roomreport")
    shutil.copyfile(BINARY, binary)
    os.chmod(binary, 0o755)
    samples = []
    for path in SAMPLES:
        copy = os.path.join(d, os.path.basename(path))
        shutil.copyfile(path, copy)
        os.chmod(copy, 0o644)
        samples.append(copy)
    return binary, samples


def as_nobody(test, binary=BINARY):
    """The command prefix that runs binary without the right to read a
    mode-000 file: nothing when not root, setpriv as root (skips without it
    or when nobody cannot run the binary)."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        test.skipTest("running as root and setpriv(1) is missing")
    code, _, err = run_cmd(SETPRIV + [binary, "--version"])
    if code != 0:
        test.skipTest("nobody cannot run %s: %s" % (binary, err.strip()))
    return SETPRIV


def limit_file_size(size=1024):
    def pre():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return pre


class Corpus(unittest.TestCase):
    maxDiff = None

    def test_corpus_is_up_to_date(self):
        """The committed files are what gen.py writes, and every one is a case."""
        for name, data in gen.corpus().items():
            with self.subTest(name=name), open(os.path.join(BROKEN, name), "rb") as f:
                self.assertEqual(f.read(), data, "run tests/data/broken/gen.py")
        names = set(os.listdir(BROKEN)) - {"README.md", "gen.py", "__pycache__"}
        self.assertEqual(names, set(gen.corpus()))
        self.assertEqual(names, set(ERRORS) | set(REPORTS))
        with open(os.path.join(BROKEN, "README.md")) as f:
            readme = f.read()
        for name in names:
            self.assertIn("`%s`" % name, readme)

    # ---- errors ------------------------------------------------------------------

    def test_error_cases(self):
        for name, (code, texts) in sorted(ERRORS.items()):
            with self.subTest(name=name), tempfile.TemporaryDirectory() as d:
                out = os.path.join(d, "r.json")
                rej = os.path.join(d, "rejected.csv")
                c, _, err = run_cmd([BINARY, "-q", "-o", os.path.join(d, "report"),
                                     "--json", out, "--rejected", rej, name], cwd=BROKEN)
                self.assertEqual(c, code, err)
                for text in texts:
                    self.assertIn(text, err)
                self.assertEqual(len(err.splitlines()), 1, err)
                # A failed run writes no report. The rejected rows are kept
                # when every file was read and nothing was usable (they tell
                # why); after a read or header error they are not.
                if "no usable rows" in texts[0]:
                    self.assertEqual(os.listdir(d), ["rejected.csv"])
                    with open(rej) as f:
                        self.assertEqual(f.read(), "file,line,reason,detail,row\n")
                else:
                    self.assertEqual(os.listdir(d), [], "outputs of a failed run")
                # Without -q the notes explain an empty input.
                c, _, err = run_cmd([BINARY, "--no-html", "--json", out, name], cwd=BROKEN)
                self.assertEqual(c, code, err)
                if name in ERROR_NOTES:
                    self.assertIn(ERROR_NOTES[name], err)
                self.assertFalse(os.path.exists(out))

    def test_utf16_without_bom_names_the_encoding(self):
        # Without a BOM the header "S\0d\0k\0..." is recognised by its NULs.
        c, _, err = run_cmd([BINARY, "-q", "--no-html", "utf16le-nobom.csv"], cwd=BROKEN)
        self.assertEqual(c, 1, err)
        self.assertIn("UTF-16", err)

    def test_empty_file_beside_a_good_one(self):
        with tempfile.TemporaryDirectory() as d:
            good = os.path.join(d, "good.csv")
            with open(good, "wb") as f:
                f.write(gen.good_file())
            for other in ("empty.csv", "header-only.csv"):
                with self.subTest(other=other):
                    data, err = self.report([other, good], cwd=BROKEN)
                    self.assertIn("roomreport: note: %s: no data rows" % other, err)
                    self.assertEqual(data["input"]["rows"], 3)
                    self.assertEqual(data["input"]["files"], [other, good])

    def test_truncated_gzip_keeps_the_rows_before_the_cut(self):
        """Read through a pipe, the rows before the cut are reported too
        (exit 0); the byte of the cut is not known there. Cut inside the
        header, the file has no row: exit 1, no usable rows."""
        with open(os.path.join(BROKEN, "truncated.csv.gz"), "rb") as f:
            data = f.read()
        code, out, err = run(["--no-html", "-q", "--json", "-", "-"], stdin=data)
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(json.loads(out)["input"]["file_details"], [
            {"file": "-", "rows": 979, "truncated": True, "truncated_at_byte": None}])
        for cut in (2, 10, 11):
            with self.subTest(cut=cut):
                code, out, err = run(["--no-html", "-q", "--json", "-", "-"],
                                     stdin=data[:cut])
                self.assertEqual((code, out, err),
                                 (1, "", "roomreport: no usable rows in the input\n"))
        code, out, err = run(["--no-html", "-q", "--json", "-", "-"], stdin=data[:-1])
        self.assertEqual((code, err), (0, ""))

    def test_directory_and_missing_file(self):
        with tempfile.TemporaryDirectory() as d:
            # A directory is read as the CSV files below it: one with none is
            # a data error (exit 1).
            for path, reason, want in ((d, "no CSV file below this directory", 1),
                                       (os.path.join(d, "nope.csv"),
                                        "No such file or directory", 3)):
                with self.subTest(path=path):
                    out = os.path.join(d, "r.json")
                    code, _, err = run(["--no-html", "-q", "--json", out,
                                        rr.EVENTS, path])
                    self.assertEqual(code, want, err)
                    self.assertEqual(err, "roomreport: %s: %s\n" % (path, reason))
                    self.assertFalse(os.path.exists(out))

    def test_unreadable_file(self):
        with tempfile.TemporaryDirectory() as d:
            os.chmod(d, 0o755)
            binary, _ = readable_copy(self)
            prefix = as_nobody(self, binary)
            path = os.path.join(d, "secret.csv")
            with open(path, "wb") as f:
                f.write(gen.good_file())
            os.chmod(path, 0)
            code, out, err = run_cmd(prefix + [binary, "--no-html", "-q", "--json", "-", path])
            self.assertEqual(code, 3, err)
            self.assertEqual(err, "roomreport: %s: Permission denied\n" % path)
            self.assertEqual(out, b"")

    # ---- reports -------------------------------------------------------------------

    def report(self, files, cwd=None):
        """Runs the report on files and checks what every run must hold; returns
        (JSON, stderr of the run without -q)."""
        with tempfile.TemporaryDirectory() as d:
            code, out, err = run(["--no-html", "-q", "--tz", "UTC", "--json", "-"] + files,
                                 cwd=cwd)
            self.assertEqual(code, 0, err)
            data = json.loads(out)
            self.assertEqual(rr.contract_errors(data), [])
            n = data["input"]
            self.assertEqual(n["rows"], n["used"] + n["filtered"] + n["rejected"] +
                             n["duplicates"], n)
            self.assertEqual(n["rejected"], sum(n["rejected_by_reason"].values()))
            self.assertEqual(n["used"], n["events"] + n["abnormal"])

            # The same run without -q: its summary agrees with the JSON, and
            # --rejected lists every rejected row.
            js, rej = os.path.join(d, "r.json"), os.path.join(d, "rejected.csv")
            code, _, summary = run(["--no-html", "--tz", "UTC", "--json", js, "--rejected", rej]
                                   + files, cwd=cwd)
            self.assertEqual(code, 0, summary)
            with open(js) as f:
                self.assertEqual(json.load(f), data)
            m = re.search(rr.SUMMARY_RE, summary)
            self.assertIsNotNone(m, summary)
            for k in COUNTS:
                self.assertEqual(int(m.group(k) or 0), n[k], (k, summary))
            self.assertEqual(int(m.group("files")), len(n["files"]))
            self.assertEqual(int(m.group("calls")), data["totals"]["calls"])
            self.assertEqual(int(m.group("sessions")), data["totals"]["sessions"])
            with open(rej, "rb") as f:
                rows = rr.read_csv_bytes(f.read())
            self.assertEqual(rows[0], ["file", "line", "reason", "detail", "row"])
            self.assertEqual(len(rows) - 1, n["rejected"])
            self.rejected_lines = {(r[0], int(r[1])): (r[2], r[3]) for r in rows[1:]}
            by = {}
            for r in rows[1:]:
                by[r[2]] = by.get(r[2], 0) + 1
            self.assertEqual(by, {k: v for k, v in n["rejected_by_reason"].items() if v})

            # The HTML report: every page valid UTF-8, nothing temporary left.
            html = os.path.join(d, "report")
            code, _, err = run(["-q", "--tz", "UTC", "-o", html] + files, cwd=cwd)
            self.assertEqual(code, 0, err)
            pages = tree(html)
            self.assertIn("index.html", pages)
            for name, page in pages.items():
                page.decode("utf-8")  # raises on invalid UTF-8
            self.assertEqual(temporaries(d), [])
            self.html = pages
        return data, summary

    def test_report_cases(self):
        for name, want in sorted(REPORTS.items()):
            with self.subTest(name=name):
                data, err = self.report([name], cwd=BROKEN)
                n = data["input"]
                for k in ("rows", "used", "rejected"):
                    self.assertEqual(n[k], want[k], k)
                self.assertEqual(n["filtered"], 0)
                self.assertEqual(n["duplicates"], 0)
                self.assertEqual({k: v for k, v in n["rejected_by_reason"].items() if v},
                                 want["by_reason"])
                if want["lines"] is not None:
                    # The report keeps the first examples of each reason;
                    # --rejected (checked in report()) has them all.
                    got = {e["line"]: (e["reason"], e["detail"])
                           for e in n["rejected_examples"]}
                    self.assertEqual(got, {k: v for k, v in want["lines"].items() if k in got})
                    self.assertGreaterEqual(len(got), min(len(want["lines"]), 5))
                    for line, (code, detail) in got.items():
                        self.assertRegex(err, r"(?m)^%s:%d: rejected: .*\(%s\)$" % (
                            re.escape(name), line, re.escape(detail)))
                    self.assertEqual(self.rejected_lines,
                                     {(name, k): v for k, v in want["lines"].items()})
                else:
                    for e in n["rejected_examples"]:
                        self.assertIn("%s:%d: rejected: " % (name, e["line"]), err)
                for note in want.get("notes", []):
                    self.assertIn("roomreport: note: " + note, err)
                    self.assertIn(note, n["notes"])

    def test_invalid_utf8_not_in_html(self):
        self.report(["invalid-utf8.csv"], cwd=BROKEN)
        index = self.html["index.html"].decode("utf-8")
        for line in (3, 4, 5):
            self.assertIn("invalid-utf8.csv:%d" % line, index)
        for page in self.html.values():
            # No raw bytes, no replacement character, no part of the rows.
            self.assertNotIn(b"\xef\xbf\xbd", page)
            self.assertNotIn(b"<b>x</b>", page)
            self.assertNotIn(b"&lt;b&gt;x", page)

    def test_cr_only_is_like_lf(self):
        with tempfile.TemporaryDirectory() as d:
            lf = os.path.join(d, "cr-only.csv")
            with open(lf, "wb") as f:
                f.write(gen.good_file())
            a, _ = self.report(["cr-only.csv"], cwd=BROKEN)
            b, _ = self.report(["cr-only.csv"], cwd=d)
            self.assertEqual(a, b)
            self.assertEqual(a["totals"]["sessions"], 1)
            self.assertEqual(a["calls"][0]["sessions"][0]["exit_reason"], "normal")

    def test_boundary_times_are_used(self):
        data, _ = self.report(["times.csv"], cwd=BROKEN)
        self.assertEqual(data["input"]["events"], 5)

    def test_duplicate_header_first_wins(self):
        data, _ = self.report(["duplicate-header.csv"], cwd=BROKEN)
        self.assertEqual([c["room_id"] for c in data["calls"]], ["9001"])
        self.assertEqual([s["user_id"] for s in data["calls"][0]["sessions"]], ["zoe"])

    # ---- large inputs, built here --------------------------------------------------

    def test_100mb_line_without_newline(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "long.csv")
            with open(path, "wb") as f:
                f.write(gen.lines(gen.HEADER, gen.GOOD[0]))
                chunk = b"x" * (1 << 20)
                for _ in range(100):
                    f.write(chunk)
            # Peak memory of the binary alone: a child Python runs it and
            # reports its RUSAGE_CHILDREN (KiB on Linux).
            probe = ("import resource, subprocess, sys\n"
                     "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL,"
                     " stderr=subprocess.PIPE)\n"
                     "sys.stderr.buffer.write(p.stderr)\n"
                     "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
                     "print(p.returncode, peak)\n")
            code, out, err = run_cmd([sys.executable, "-c", probe, BINARY, "--no-html",
                                      "--json", os.path.join(d, "r.json"), path])
            rc, maxrss_kib = map(int, out.split())
            self.assertEqual(rc, 0, err)
            self.assertLess(maxrss_kib, 200 * 1024, "peak memory grows with the line")
            self.assertIn("%s:3: rejected: field or row too long" % path, err)
            with open(os.path.join(d, "r.json")) as f:
                n = json.load(f)["input"]
            self.assertEqual((n["rows"], n["used"], n["rejected"]), (2, 1, 1))
            self.assertEqual(n["rejected_by_reason"]["field_too_long"], 1)
            m = re.search(rr.SUMMARY_RE, err)
            self.assertEqual([int(m.group(k) or 0) for k in COUNTS], [n[k] for k in COUNTS])

    def test_100000_columns(self):
        wide_header, wide_row = gen.many_columns()
        with tempfile.TemporaryDirectory() as d:
            for name, data in (("header.csv", wide_header), ("row.csv", wide_row)):
                with open(os.path.join(d, name), "wb") as f:
                    f.write(data)
            code, out, err = run(["--no-html", "-q", "--json", "-", "header.csv"], cwd=d)
            self.assertEqual(code, 1, err)
            self.assertEqual(err, "roomreport: header.csv: line 1: cannot read the header "
                                  "(more than 1024 fields)\n")
            self.assertEqual(out, "")
            data, err = self.report(["row.csv"], cwd=d)
            n = data["input"]
            self.assertEqual((n["rows"], n["used"], n["rejected"]), (4, 3, 1))
            self.assertEqual(n["rejected_examples"][0]["line"], 3)
            self.assertEqual(n["rejected_examples"][0]["reason"], "field_too_long")
            self.assertIn("row.csv:3: rejected: field or row too long (more than 1024 fields)",
                          err)

    # ---- outputs that cannot be written --------------------------------------------

    def test_output_directory_not_writable(self):
        with tempfile.TemporaryDirectory() as d:
            os.chmod(d, 0o755)
            # What nobody must read (the binary, the samples) is copied to a
            # folder it can read: the checkout may be inside a 0700 directory.
            binary, samples = readable_copy(self)
            prefix = as_nobody(self, binary)
            ro = os.path.join(d, "ro")
            os.mkdir(ro)
            # A previous report, then the directory made read-only.
            prev = os.path.join(ro, "prev")
            code, _, err = run(["-q", "-o", prev, rr.EVENTS])
            self.assertEqual(code, 0, err)
            before = tree(prev)
            os.chmod(ro, 0o555)
            try:
                cases = [["-o", os.path.join(ro, "new")],
                         ["-o", os.path.join(ro, "new.html")],
                         ["-o", prev],
                         ["--no-html", "--json", os.path.join(ro, "r.json")],
                         ["--no-html", "--sessions-csv", os.path.join(ro, "s.csv")],
                         ["--no-html", "--rejected", os.path.join(ro, "rej.csv")]]
                for args in cases:
                    with self.subTest(args=args):
                        code, _, err = run_cmd(prefix + [binary, "-q"] + args + samples)
                        self.assertEqual(code, 3, err)
                        self.assertIn(args[-1] + ": Permission denied", err)
                        self.assertEqual(os.listdir(ro), ["prev"])
                        self.assertTrue(tree(prev) == before, "previous report changed")
            finally:
                os.chmod(ro, 0o755)
        for out in ("/proc/rr-broken", "/proc/rr-broken.html"):
            with self.subTest(out=out):
                code, _, err = run(["-q", "-o", out] + SAMPLES)
                self.assertEqual(code, 3, err)
                self.assertIn(out, err)

    def test_full_disk(self):
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")
        for opt in ("--json", "--sessions-csv"):
            with self.subTest(opt=opt):
                code, _, err = run(["--no-html", opt, "/dev/full"] + SAMPLES)
                self.assertEqual(code, 3, err)
                self.assertIn("roomreport: /dev/full: write error", err)
                self.assertNotRegex(err, "read .* rows from")

    def test_full_disk_keeps_previous_report(self):
        """A file-size limit makes every write past 1 KiB fail (EFBIG), as on
        a full disk: exit 3, the previous report byte-identical, nothing
        temporary left."""
        with tempfile.TemporaryDirectory() as d:
            for out, extra in (("report", []), ("report.html", []),
                               ("r.json", ["--no-html", "--json"])):
                with self.subTest(out=out):
                    path = os.path.join(d, out)
                    if extra:
                        args = extra + [path]
                    else:
                        args = ["-o", path]
                    code, _, err = run(["-q", "--title", "previous"] + args + [rr.EVENTS])
                    self.assertEqual(code, 0, err)
                    before, listing = tree(path), sorted(os.listdir(d))
                    code, _, err = run_cmd([BINARY, "-q"] + args + SAMPLES,
                                           preexec_fn=limit_file_size())
                    self.assertEqual(code, 3, err)
                    self.assertIn(path, err)
                    self.assertIn("write error", err)
                    self.assertTrue(tree(path) == before, "previous report changed")
                    self.assertEqual(sorted(os.listdir(d)), listing)
                    self.assertEqual(temporaries(d), [])


if __name__ == "__main__":
    unittest.main()
