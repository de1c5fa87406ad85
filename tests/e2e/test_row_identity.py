"""End to end: the row accounting of the JSON "input" object on every test
input there is (issue 14): every data row of every file, of every kind
(events, abnormal experiences, users, rooms, quality), is counted once in
`rows` and once in exactly one of used, filtered, rejected, duplicates and
unmatched (companion rows that match no call):

    rows = used + filtered + rejected + duplicates + unmatched
    used = events + abnormal + users + rooms + quality

Inputs: samples/ together, each alone, twice over (duplicates), with
filters; every CSV under tests/data/ alone (those that give a report); the
official API examples together and alone; the broken-row file of
rrtest.bad_input; a generated week with its users and abnormal files.
"""
import glob
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rrtest as rr  # noqa: E402

SAMPLES = sorted(glob.glob(os.path.join(rr.SAMPLES_DIR, "*.csv")))
DATA = sorted(p for p in glob.glob(os.path.join(rr.SOURCE_DIR, "tests", "data", "**", "*"),
                                   recursive=True)
              if os.path.isfile(p) and (p.endswith(".csv") or p.endswith(".csv.gz")))
OFFICIAL = sorted(glob.glob(os.path.join(rr.SOURCE_DIR, "tests", "data",
                                         "official-api-examples", "*.csv")))
ARGS = ["--no-html", "-q", "--tz", "UTC", "--json", "-"]


def setUpModule():
    if not os.access(rr.BINARY, os.X_OK):
        raise RuntimeError("roomreport binary not found at %s (set ROOMREPORT)" % rr.BINARY)


class Identity(unittest.TestCase):
    def holds(self, files, *extra, stdin=None, must_report=True):
        code, out, err = rr.run(ARGS + list(extra) + files, stdin=stdin)
        if code != 0:
            # Inputs with nothing usable, a missing column or an unreadable
            # stream make no report:
            # nothing to account for.
            self.assertFalse(must_report, (files, extra, code, err))
            self.assertIn(code, (1, 3), (files, code, err))   # 3: a truncated gzip
            return None
        inp = rr.load_json(out)["input"]
        self.assertEqual(rr.row_identity_errors(inp), [], (files, extra))
        return inp

    def test_samples(self):
        inp = self.holds(SAMPLES)
        self.assertEqual(sum(inp["unmatched"].values()), 0)   # every sample row matches
        for p in SAMPLES:
            with self.subTest(alone=os.path.basename(p)):
                self.holds([p])

    def test_samples_twice_and_filtered(self):
        inp = self.holds(SAMPLES + SAMPLES)
        self.assertEqual(inp["duplicates"], inp["rows"] // 2)
        for extra in (["--room", "3101"], ["--user", "chen"], ["--from", "2026-11-20T10:05:00Z"],
                      ["--to", "2026-11-20T10:05:00Z"], ["--room", "3103", "--user", "kai"]):
            with self.subTest(filters=extra):
                inp = self.holds(SAMPLES, *extra, must_report=False)
                if inp is not None:
                    self.assertGreater(inp["filtered"], 0)

    def test_every_data_file_alone(self):
        self.assertGreater(len(DATA), 20)
        for p in DATA:
            with self.subTest(file=os.path.relpath(p, rr.SOURCE_DIR)):
                self.holds([p], must_report=False)

    def test_official_examples(self):
        inp = self.holds(OFFICIAL)
        self.assertEqual(inp["rows"], 99)
        self.assertEqual(sum(inp["unmatched"].values()), 68)
        for p in OFFICIAL:
            with self.subTest(alone=os.path.basename(p)):
                self.holds([p])

    def test_split_run(self):
        """A run in ranges of rooms (--max-memory) counts the same."""
        whole = self.holds(OFFICIAL + SAMPLES)
        for limit in ("1K", "4K"):
            with self.subTest(max_memory=limit):
                self.assertEqual(self.holds(OFFICIAL + SAMPLES, "--max-memory", limit), whole)

    def test_rejected_rows(self):
        data, reasons, good = rr.bad_input()
        inp = self.holds(["-"], stdin=data)
        self.assertEqual(inp["rejected"], len(reasons))
        self.assertEqual(inp["used"], good)

    def test_generated_week(self):
        with tempfile.TemporaryDirectory() as tmp:
            ev, ab, us = (os.path.join(tmp, n) for n in ("ev.csv", "ab.csv", "us.csv"))
            subprocess.run([sys.executable, os.path.join(rr.SOURCE_DIR, "tests", "bench",
                                                         "gen.py"),
                            "--calls", "40", "--days", "2", "--seed", "3", "--out", ev,
                            "--abnormal", ab, "--users", us], check=True)
            inp = self.holds([ev, ab, us])
            self.assertGreater(inp["users"], 0)
            self.holds([ev, ab, us], "--from", "1763380800000")
            self.holds([us])


class InputSection(unittest.TestCase):
    """The overview's Input section prints the accounting of the JSON of the
    same run, one fact per count, each companion kind only when its file was
    given, so that its kinds add up to Used on the page too."""

    FACTS = (("Rows read", "rows"), ("Used", "used"), ("Filtered out", "filtered"),
             ("Rejected", "rejected"), ("Duplicates", "duplicates"),
             ("Event rows", "events"), ("Abnormal-experience rows", "abnormal"),
             ("Users-file rows", "users"), ("Rooms-file rows", "rooms"),
             ("Quality samples", "quality"))

    def page(self, files, *extra):
        with tempfile.TemporaryDirectory() as tmp:
            js = os.path.join(tmp, "r.json")
            code, _, err = rr.run(["-q", "--tz", "UTC", "-o", os.path.join(tmp, "r"),
                                   "--json", js] + list(extra) + files)
            self.assertEqual(code, 0, err)
            with open(js, encoding="utf-8") as f:
                inp = rr.load_json(f.read())["input"]
            text = rr.page_text(os.path.join(tmp, "r", "index.html"), "input")
        return inp, text

    def test_every_count_printed(self):
        cases = (("all samples", SAMPLES, ()),
                 ("events alone", [os.path.join(rr.SAMPLES_DIR, "events.csv")], ()),
                 ("filtered", SAMPLES, ("--room", "3101")))
        for name, files, extra in cases:
            with self.subTest(name):
                inp, text = self.page(files, *extra)
                given = {os.path.basename(f) for f in files}
                for label, key in self.FACTS:
                    companion = {"users": "users.csv", "rooms": "rooms.csv",
                                 "quality": "quality.csv"}.get(key)
                    if companion and companion not in given:
                        self.assertNotIn(label, text)
                        continue
                    self.assertIn("%s %d " % (label, inp[key]), text + " ")
                self.assertIn("Companion rows matching no call %d" %
                              sum(inp["unmatched"].values()), text)


if __name__ == "__main__":
    unittest.main()
