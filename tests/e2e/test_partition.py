"""End to end: --max-memory. A run whose events do not fit the limit builds
the calls a range of rooms at a time from temporary files, and every output
must be byte for byte what an in-memory run writes: JSON, sessions CSV, the
HTML report (directory and single file), the `events` log, the summary line
and the exit code. Temporary files live in $TMPDIR and must be gone however
the run ends.
"""
import glob
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rrtest as rr  # noqa: E402

DATA = os.path.join(rr.SOURCE_DIR, "tests", "data")
GEN = os.path.join(rr.SOURCE_DIR, "tests", "bench", "gen.py")
NOTE = "ranges of rooms"


def tree(root):
    """Every file under root: relative path -> bytes."""
    out = {}
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = os.path.join(dirpath, n)
            out[os.path.relpath(p, root)] = open(p, "rb").read()
    return out


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.spill = os.path.join(self.tmp.name, "spill")
        os.mkdir(self.spill)

    def tearDown(self):
        self.tmp.cleanup()

    def env(self):
        return {"TMPDIR": self.spill, "SOURCE_DATE_EPOCH": "1795000000"}

    def outputs(self, files, limit):
        """All outputs of one run (and of `events`) with --max-memory limit
        (None: the default, in memory)."""
        d = tempfile.mkdtemp(dir=self.tmp.name)
        mm = ["--max-memory", limit] if limit else []
        js, sc = os.path.join(d, "r.json"), os.path.join(d, "s.csv")
        rep, single = os.path.join(d, "report"), os.path.join(d, "one.html")
        code, _, err = rr.run(mm + ["-o", rep, "--json", js, "--sessions-csv", sc] + files,
                              env=self.env())
        notes = [ln for ln in err.splitlines() if NOTE in ln]
        err = "\n".join(ln for ln in err.splitlines() if NOTE not in ln).replace(d, "DIR")
        got = {"code": code, "stderr": err,
               "json": open(js, "rb").read() if os.path.exists(js) else None,
               "csv": open(sc, "rb").read() if os.path.exists(sc) else None,
               "html": tree(rep) if os.path.isdir(rep) else None}
        code2, _, err2 = rr.run(mm + ["-q", "-o", single, "--pages", "all"] + files,
                                env=self.env())
        got["single"] = (code2, err2, open(single, "rb").read() if os.path.exists(single)
                         else None)
        got["events"] = rr.run(["events", "-q"] + mm + files, env=self.env(), binary=True)
        self.assertEqual(os.listdir(self.spill), [], "temporary files left behind")
        return got, notes

    def same(self, files, limit):
        one, notes = self.outputs(files, None)
        self.assertEqual(notes, [], "the in-memory run must not partition")
        two, notes = self.outputs(files, limit)
        self.assertEqual(len(notes), 1, "the limited run must partition")
        for k in one:
            self.assertEqual(two[k], one[k], k)
        return one, notes[0]


class TestSameOutput(Base):
    def test_samples_together(self):
        files = sorted(glob.glob(os.path.join(rr.SAMPLES_DIR, "*.csv")))
        one, note = self.same(files, "1K")
        self.assertEqual(one["code"], 0)
        self.assertIn(b'"calls"', one["json"])
        self.assertGreater(len(one["html"]), 3)

    def test_each_sample_and_hostile_file(self):
        files = sorted(glob.glob(os.path.join(rr.SAMPLES_DIR, "*.csv")))
        files += sorted(f for f in glob.glob(os.path.join(DATA, "hostile", "*"))
                        if not f.endswith((".md", ".py")))
        for f in files:
            with self.subTest(file=os.path.basename(f)):
                one, _ = self.outputs([f], None)
                two, notes = self.outputs([f], "100")
                for k in one:
                    self.assertEqual(two[k], one[k], k)
                # 100 bytes hold two records: more than that must be split.
                if one["json"]:
                    n = json.loads(one["json"])["input"]
                    self.assertEqual(len(notes), 1 if n["events"] + n["abnormal"] > 2 else 0)

    def test_generated_week_many_ranges(self):
        d = self.tmp.name
        week, abn, users = (os.path.join(d, n) for n in ("week.csv", "abn.csv", "users.csv"))
        subprocess.run([sys.executable, GEN, "--calls", "1500", "--days", "2", "--seed", "11",
                        "--out", week, "--abnormal", abn, "--users", users], check=True)
        # 75 rooms. 8 KiB holds about 170 records: a range per room, more
        # than the 64 range files, so loading a range filters its file.
        _, note = self.same([week, abn, users], "8K")
        ranges = int(note.split(" in ")[1].split()[0])
        self.assertGreater(ranges, 64)
        _, note = self.same([week, abn, users], "256K")
        ranges = int(note.split(" in ")[1].split()[0])
        self.assertGreater(ranges, 1)
        self.assertLess(ranges, 64)

    def test_duplicates_and_filters(self):
        files = [os.path.join(rr.SAMPLES_DIR, "events.csv")] * 2
        one, _ = self.same(files + ["--from", "2026-11-20T10:00:00Z"], "1K")
        self.assertEqual(one["code"], 0)
        self.assertRegex(one["stderr"], r"[1-9]\d* duplicates")


    def test_other_options(self):
        files = sorted(glob.glob(os.path.join(rr.SAMPLES_DIR, "*.csv")))
        for extra in (["--pages", "problems"], ["--pages", "none"], ["--tz", "Asia/Shanghai"],
                      ["--call-gap", "30s"], ["--room", "3102", "--room", "4200"]):
            with self.subTest(options=extra):
                self.same(files + extra, "1K")


class TestLimits(Base):
    def test_big_limit_stays_in_memory(self):
        _, notes = self.outputs([rr.EVENTS], "1G")
        self.assertEqual(notes, [])

    def test_usage_errors(self):
        for bad in ("0", "", "abc", "12Q", "-5", "1.5G", "99999999999999999999", "16777216T"):
            with self.subTest(value=bad):
                code, out, err = rr.run(["--max-memory", bad, rr.EVENTS])
                self.assertEqual(code, 2)
                self.assertIn("invalid --max-memory", err)
                self.assertIn("Try 'roomreport --help'", err)

    def test_sizes_accepted(self):
        for good in ("100", "64K", "64k", "64KB", "64KiB", "3M", "1G", "1T"):
            with self.subTest(value=good):
                code, _, err = rr.run(["--no-html", "--json", "/dev/null",
                                       "--max-memory", good, rr.EVENTS], env=self.env())
                self.assertEqual(code, 0, err)

    def test_help_mentions_it(self):
        code, out, _ = rr.run(["--help"])
        self.assertEqual(code, 0)
        self.assertIn("--max-memory SIZE", out)


class TestTemporaryFiles(Base):
    def test_unwritable_tmpdir_is_an_io_error(self):
        env = {"TMPDIR": os.path.join(self.tmp.name, "missing")}
        code, _, err = rr.run(["--no-html", "--json", "/dev/null", "--max-memory", "100",
                               rr.EVENTS], env=env)
        self.assertEqual(code, 3)
        self.assertIn("temporary file", err)
        self.assertIn("missing", err)

    def test_failed_output_leaves_nothing(self):
        bad = os.path.join(self.tmp.name, "no", "such", "dir", "r.json")
        code, _, err = rr.run(["--no-html", "--json", bad, "--max-memory", "100", rr.EVENTS],
                              env=self.env())
        self.assertEqual(code, 3)
        self.assertEqual(os.listdir(self.spill), [])

    def seen_holding(self, p):
        """Whether p was seen holding a temporary file in TMPDIR (nameless
        ones show in /proc as "TMPDIR/#inode (deleted)")."""
        fds = "/proc/%d/fd" % p.pid
        for _ in range(2000):
            try:
                links = [os.readlink(os.path.join(fds, x)) for x in os.listdir(fds)]
            except OSError:
                return False
            if any(ln.startswith(self.spill + "/") for ln in links):
                return True
            time.sleep(0.005)
        return False

    def test_killed_run_leaves_nothing(self):
        week = os.path.join(self.tmp.name, "week.csv")
        subprocess.run([sys.executable, GEN, "--calls", "600", "--days", "2", "--seed", "3",
                        "--out", week], check=True)
        env = dict(os.environ, TMPDIR=self.spill, TZ="UTC")
        # The run holds its temporary files for a fraction of a second: on
        # a loaded machine the polling below can miss that window, so a run
        # that was never seen holding one is tried again (at most 5 times).
        for _ in range(5):
            p = subprocess.Popen([rr.BINARY, "-q", "--max-memory", "16K", "-o",
                                  os.path.join(self.tmp.name, "rep"), week],
                                 env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            holding = self.seen_holding(p)
            p.send_signal(signal.SIGKILL)
            p.wait()
            if holding:
                break
        self.assertTrue(holding, "the run never had a temporary file open")
        self.assertEqual(p.returncode, -signal.SIGKILL)
        self.assertEqual(os.listdir(self.spill), [])


if __name__ == "__main__":
    unittest.main()
