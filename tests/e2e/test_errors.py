"""End to end: error paths of the binary.

Allocation failure: ROOMREPORT_FAIL_ALLOC=N makes the N-th allocation fail.
For N = 1, 2, 3, ... until a run succeeds, every run must exit 3 with the
single line "roomreport: out of memory", leave no temporary file or
directory, and leave the previous report as it was. (Leaks on these paths
are for the sanitizer and valgrind runs.)

Write errors: every output (--json, --sessions-csv, --rejected, -o FILE.html,
-o DIR, and `events`, `catalog` and '-' on standard output) on a full disk
(/dev/full, or a file-size limit that makes writes fail with EFBIG) exits 3
with a message naming the output, and leaves its previous content.
"""
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rrtest as rr  # noqa: E402
from rrtest import BINARY, SAMPLES  # noqa: E402

OOM = "roomreport: out of memory\n"
BROKEN = os.path.join(rr.SOURCE_DIR, "tests", "data", "broken")
# An input with rejected rows, so that the diagnostics paths allocate too.
WITH_REJECTS = SAMPLES + [os.path.join(BROKEN, "invalid-utf8.csv")]


def env(extra=None):
    e = dict(os.environ, TZ="UTC")
    e.pop("SOURCE_DATE_EPOCH", None)
    e.pop("ROOMREPORT_FAIL_ALLOC", None)
    if extra:
        e.update(extra)
    return e


def run(args, fail_at=None, stdout=subprocess.PIPE, preexec_fn=None):
    extra = {"ROOMREPORT_FAIL_ALLOC": str(fail_at)} if fail_at else None
    p = subprocess.run([BINARY] + args, stdin=subprocess.DEVNULL, stdout=stdout,
                       stderr=subprocess.PIPE, env=env(extra), preexec_fn=preexec_fn,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def tree(path):
    """{relative path: bytes} of every file under path, or of the file."""
    if not os.path.exists(path):
        return None
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


def limit_file_size(size):
    def pre():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return pre


def next_n(n):
    return n + 1 if n < 300 else n + 7


class AllocationFailure(unittest.TestCase):
    # Seconds for all sweeps of this class together: about 10 in a normal
    # build, 40 under ASan+UBSan; this only catches a runaway loop.
    budget = 180.0
    spent = 0.0

    def sweep(self, make_args, keep=(), check_kept=True):
        """Runs make_args(d) with allocation N failing for N = 1, 2, ... until
        the run succeeds. keep: output names in d made by a previous run
        that a failed run must not change. Returns (N of the first success,
        the N whose run replaced a kept output)."""
        start = time.monotonic()
        replaced = []
        with tempfile.TemporaryDirectory() as d:
            args = make_args(d)
            # Previous outputs from another input, so a replacement shows.
            code, _, err = run(["-q", "--title", "previous"] + make_args(d, previous=True))
            self.assertEqual(code, 0, err)
            before = {k: tree(os.path.join(d, k)) for k in keep}
            listing = sorted(os.listdir(d))
            n = 1
            while True:
                code, _, err = run(args, fail_at=n)
                if code == 0:
                    break
                self.assertEqual((code, err), (3, OOM), "allocation %d" % n)
                self.assertEqual(sorted(os.listdir(d)), listing,
                                 "allocation %d left files behind" % n)
                changed = [k for k in keep if tree(os.path.join(d, k)) != before[k]]
                if changed and check_kept:
                    self.fail("allocation %d changed the previous %s" % (n, changed))
                if changed:
                    replaced += [(n, k) for k in changed]
                    # Put them back so that the next run is checked alone.
                    run(["-q", "--title", "previous"] + make_args(d, previous=True))
                n = next_n(n)
                self.assertLess(n, 20000, "never succeeds")
            # The run that got its memory writes what a normal run writes.
            got = tree(d)
            code, _, err = run(args)
            self.assertEqual(code, 0, err)
            self.assertTrue(tree(d) == got, "output differs from a normal run")
        AllocationFailure.spent += time.monotonic() - start
        self.assertLess(AllocationFailure.spent, self.budget, "allocation sweeps too slow")
        return n, replaced

    def test_json_csv_rejected(self):
        def args(d, previous=False):
            return (["-q", "--no-html", "--json", os.path.join(d, "r.json"), "--sessions-csv",
                     os.path.join(d, "s.csv"), "--rejected", os.path.join(d, "rej.csv")] +
                    ([rr.EVENTS] if previous else WITH_REJECTS))
        # The previous files are not checked here: --rejected is replaced
        # after reading, before later allocations (see the expected failure
        # below).
        n, _ = self.sweep(args)
        self.assertGreater(n, 10, "the hook does not reach the pipeline")

    def test_report_dir(self):
        def args(d, previous=False):
            return (["-q", "-o", os.path.join(d, "report")] +
                    ([rr.EVENTS] if previous else WITH_REJECTS))
        self.sweep(args, keep=("report",))

    def test_single_file_report(self):
        def args(d, previous=False):
            return (["-q", "-o", os.path.join(d, "report.html")] +
                    ([rr.EVENTS] if previous else SAMPLES))
        self.sweep(args, keep=("report.html",))

    def test_every_output_kept_when_a_later_one_fails(self):
        """Every output is renamed into place only once all of them have been
        written: a run that fails at any step (exit 3) replaces none."""
        def args(d, previous=False):
            return (["-q", "-o", os.path.join(d, "report"), "--json", os.path.join(d, "r.json"),
                     "--sessions-csv", os.path.join(d, "s.csv"), "--rejected",
                     os.path.join(d, "rej.csv")] + ([rr.EVENTS] if previous else WITH_REJECTS))
        self.sweep(args, keep=("report", "r.json", "s.csv", "rej.csv"))

    def test_events_and_catalog(self):
        for cmd in (["events", "-q"] + WITH_REJECTS, ["catalog"]):
            with self.subTest(cmd=cmd[0]):
                ref = run(cmd)
                self.assertEqual(ref[0], 0, ref[2])
                n = 1
                while True:
                    code, out, err = run(cmd, fail_at=n)
                    if code == 0:
                        break
                    self.assertEqual((code, err), (3, OOM), "allocation %d" % n)
                    n = next_n(n)
                    self.assertLess(n, 20000)
                self.assertEqual(out, ref[1])


class WriteErrors(unittest.TestCase):
    def setUp(self):
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")

    def test_outputs_to_dev_full(self):
        cases = [(["--no-html", "--json", "/dev/full"], "/dev/full"),
                 (["--no-html", "--sessions-csv", "/dev/full"], "/dev/full"),
                 (["--no-html", "--rejected", "/dev/full"], "/dev/full")]
        with tempfile.TemporaryDirectory() as d:
            link = os.path.join(d, "full.html")
            os.symlink("/dev/full", link)
            cases.append((["-o", link], link))
            for args, name in cases:
                for inputs in (SAMPLES, WITH_REJECTS):
                    with self.subTest(args=args, rejects=inputs is WITH_REJECTS):
                        code, _, err = run(["-q"] + args + inputs)
                        self.assertEqual(code, 3, err)
                        self.assertIn("roomreport: %s: write error" % name, err)
            self.assertEqual(os.listdir(d), ["full.html"])

    def test_standard_output_full(self):
        cases = [["catalog"], ["events", "-q"] + WITH_REJECTS,
                 ["--no-html", "-q", "--json", "-"] + SAMPLES,
                 ["--no-html", "-q", "--sessions-csv", "-"] + SAMPLES,
                 ["--no-html", "-q", "--rejected", "-"] + WITH_REJECTS]
        for args in cases:
            with self.subTest(args=args[:4]), open("/dev/full", "wb") as full:
                code, _, err = run(args, stdout=full)
                self.assertEqual(code, 3, err)
                self.assertEqual(err, "roomreport: standard output: write error: "
                                      "No space left on device\n")

    def test_file_size_limit_keeps_previous(self):
        """Regular files hit a file-size limit (EFBIG, like a full disk)
        half-way: exit 3 naming the output, previous content kept, no
        temporary left."""
        cases = [("r.json", ["--no-html", "--json"], 1024),
                 ("s.csv", ["--no-html", "--sessions-csv"], 256),
                 ("rej.csv", ["--no-html", "--rejected"], 64),
                 ("report.html", ["-o"], 4096),
                 ("report", ["-o"], 4096)]
        for name, opts, size in cases:
            with self.subTest(output=name), tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, name)
                code, _, err = run(["-q", "--title", "previous"] + opts + [path] + [rr.EVENTS])
                self.assertEqual(code, 0, err)
                before, listing = tree(path), sorted(os.listdir(d))
                code, _, err = run(["-q"] + opts + [path] + WITH_REJECTS,
                                   preexec_fn=limit_file_size(size))
                self.assertEqual(code, 3, err)
                self.assertIn(path, err)
                self.assertIn("write error", err)
                self.assertEqual(len(err.splitlines()), 1, err)
                self.assertTrue(tree(path) == before, "previous %s changed" % name)
                self.assertEqual(sorted(os.listdir(d)), listing, "temporary left")


class TruncatedWhileRead(unittest.TestCase):
    """When someone truncates a plain input during the read, the run ends
    with exit 3 and the message naming the file, and no temporary output is
    left: the rows before the cut are not reported as if they were all."""

    def test_truncated_input(self):
        header = "SdkAppId,CommId,RoomId,UserId,PeerId,Time,Type,EventId,ParamOne,ParamTwo\n"
        row = "1400188366,1400188366_room1_1763553274,room1,u1,,%d,0,5001,-1,-1\n"
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "big.csv")
            with open(path, "w") as f:
                f.write(header)
                block = "".join(row % (1763553286135 + i) for i in range(20000))
                for _ in range(120):     # 2.4M rows, ~180 MB
                    f.write(block)
            rejected = os.path.join(d, "rejected.csv")
            # --rejected reads the file on one thread: a long read to hit.
            p = subprocess.Popen([BINARY, "-q", "--no-html", "--json", os.path.join(d, "o.json"),
                                  "--rejected", rejected, path],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env())
            fds = "/proc/%d/fd" % p.pid
            deadline = time.time() + 30
            hit = False
            while time.time() < deadline and p.poll() is None:
                try:
                    hit = any(os.readlink(os.path.join(fds, n)) == path
                              for n in os.listdir(fds))
                except OSError:
                    hit = False
                if hit:
                    os.truncate(path, 0)
                    break
                time.sleep(0.001)
            out, err = p.communicate(timeout=60)
            self.assertTrue(hit, "the input was never seen open")
            self.assertEqual(p.returncode, 3, err)
            self.assertEqual(err.decode(), "roomreport: %s: the file was cut short while it was "
                             "being read\n" % path)
            self.assertEqual(sorted(os.listdir(d)), ["big.csv"])


if __name__ == "__main__":
    unittest.main()
