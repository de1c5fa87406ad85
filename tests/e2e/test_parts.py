"""End to end: reading a file in parts on several threads changes nothing.

ROOMREPORT_PART_BYTES=N lets parts be as small as N bytes, so the parallel
reader runs on the small inputs of the test data. Every output of a run —
JSON, sessions CSV, the event log, the rejected rows (read on one thread,
since they are written in input order), the summary line, the exit code —
must be the same as a run with one part, on every sample and test-data file
and on a generated week.
"""
import glob
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rrtest as rr  # noqa: E402

DATA = os.path.join(rr.SOURCE_DIR, "tests", "data")


def corpus():
    files = sorted(glob.glob(os.path.join(rr.SAMPLES_DIR, "*.csv")))
    for sub in ("e2e", "hostile", "broken"):
        files += sorted(f for f in glob.glob(os.path.join(DATA, sub, "*"))
                        if not f.endswith((".md", ".py")))
    return files


class TestParts(unittest.TestCase):
    def outputs(self, args, part_bytes):
        env = {"ROOMREPORT_PART_BYTES": str(part_bytes)} if part_bytes else {}
        with tempfile.TemporaryDirectory() as d:
            js = os.path.join(d, "r.json")
            sc = os.path.join(d, "s.csv")
            code, out, err = rr.run(["--no-html", "--json", js, "--sessions-csv", sc] + args,
                                    env=env)
            got = [code, err.replace(d, "DIR")]
            for p in (js, sc):
                got.append(open(p, "rb").read() if os.path.exists(p) else None)
            code2, log, err2 = rr.run(["events"] + args, env=env, binary=True)
            got += [code2, log, err2]
        return got

    def test_each_file(self):
        files = corpus()
        self.assertGreater(len(files), 25)
        for f in files:
            with self.subTest(file=os.path.basename(f)):
                one = self.outputs([f], None)
                for part in (1, 50, 4096):
                    self.assertEqual(self.outputs([f], part), one, f"parts of {part} bytes")

    def test_all_samples_together(self):
        files = sorted(glob.glob(os.path.join(rr.SAMPLES_DIR, "*.csv")))
        self.assertEqual(self.outputs(files, 64), self.outputs(files, None))

    def test_generated_week(self):
        with tempfile.TemporaryDirectory() as d:
            week = os.path.join(d, "week.csv")
            subprocess.run([sys.executable, os.path.join(rr.SOURCE_DIR, "tests", "bench", "gen.py"),
                            "--calls", "300", "--days", "2", "--seed", "7", "--out", week],
                           check=True)
            one = self.outputs([week], None)
            self.assertEqual(one[0], 0)
            self.assertEqual(self.outputs([week], 20000), one)

    def test_rejected_rows_identical(self):
        f = os.path.join(DATA, "hostile", "events.csv")
        with tempfile.TemporaryDirectory() as d:
            a, b = os.path.join(d, "a.csv"), os.path.join(d, "b.csv")
            rr.run(["--no-html", "--rejected", a, f])
            rr.run(["--no-html", "--rejected", b, f], env={"ROOMREPORT_PART_BYTES": "64"})
            self.assertEqual(open(a, "rb").read(), open(b, "rb").read())


if __name__ == "__main__":
    unittest.main()
