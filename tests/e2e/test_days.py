"""End-to-end tests of the per-day charts (issue 16, item 4) on two weeks
written by tests/bench/gen.py: partial first and last days (page text and
JSON, by the rule checked against the generated CSV), --from cutting into
the first day, the baseline's days drawn dashed on the same weekday 7 days
before (values checked against the old run's JSON), and the value axes
from zero (entry success cut and marked).
"""
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rrtest as rr  # noqa: E402

GEN = os.path.join(rr.SOURCE_DIR, "tests", "bench", "gen.py")
START = 1763337600000                    # Monday 2025-11-17 00:00 UTC
DAY = 86_400_000
HOUR = 3_600_000
FROM = "2025-11-17T12:00:00Z"
FROM_MS = START + 12 * HOUR
W = {}


def gen(prefix, seed, start):
    d = W["dir"]
    paths = [os.path.join(d, prefix + s) for s in ("-events.csv", "-abnormal.csv")]
    subprocess.run([sys.executable, GEN, "--calls", "300", "--days", "7", "--seed", str(seed),
                    "--start", str(start), "--out", paths[0], "--abnormal", paths[1]],
                   check=True, timeout=300)
    return paths


def run(files, out, *extra):
    code, _, err = rr.run(["-q", "--tz", "UTC", "-o", out, "--json", out + ".json"]
                          + list(extra) + files, timeout=600)
    if code != 0:
        raise AssertionError("exit %d: %s" % (code, err))
    with open(out + ".json", encoding="utf-8") as f:
        return json.load(f)


def row_times(files, from_ms=None):
    """Every row's time in ms (events: Time in ms; abnormal: EventTime in s)."""
    times = []
    for path in files:
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                t = int(row["Time"]) if "Time" in row else int(row["EventTime"]) * 1000
                if from_ms is None or t >= from_ms:
                    times.append(t)
    return times


class Page:
    """The overview's text and elements, read as XHTML-ish through a lax
    parse of the parts the tests need."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.html = f.read()
        body = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", self.html, flags=re.S)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))
        self.text = re.sub(r" ([,.;:)])", r"\1", text)

    def figure(self, key):
        m = re.search(r'<figure class="trend" data-figure="%s">(.*?)</figure>' % re.escape(key),
                      self.html, re.S)
        assert m, key
        return m.group(1)


def setUpModule():
    if not os.access(rr.BINARY, os.X_OK):
        raise RuntimeError("roomreport binary not found at %s (set ROOMREPORT)" % rr.BINARY)
    W["dir"] = tempfile.mkdtemp(prefix="rr-days-")
    W["old_files"] = gen("old", 1, START - 7 * DAY)
    W["new_files"] = gen("new", 2, START)
    W["old"] = run(W["old_files"], os.path.join(W["dir"], "old"))
    W["plain"] = run(W["new_files"], os.path.join(W["dir"], "plain"))
    W["new"] = run(W["new_files"], os.path.join(W["dir"], "new"),
                   "--baseline", os.path.join(W["dir"], "old.json"), "--from", FROM)
    W["page"] = Page(os.path.join(W["dir"], "new", "index.html"))


def tearDownModule():
    shutil.rmtree(W.get("dir", ""), ignore_errors=True)


def expect_partial(days, times, from_ms=None):
    """The rule, computed from the CSV: first day partial when --from starts
    after its midnight or the first row is more than an hour after it; last
    day when the last row is more than an hour before its end."""
    first, last = min(times), max(times)
    want = []
    for i, d in enumerate(days):
        y, m, dd = map(int, d["date"].split("-"))
        import calendar
        start = calendar.timegm((y, m, dd, 0, 0, 0)) * 1000
        p = False
        if i == 0:
            p = p or (from_ms is not None and from_ms > start) or first > start + HOUR
        if i == len(days) - 1:
            p = p or last < start + DAY - HOUR
        want.append(p)
    return want


class TestPartialDays(unittest.TestCase):
    def test_json_partial_by_the_rule(self):
        for key, from_ms in (("plain", None), ("new", FROM_MS)):
            days = W[key]["days"]
            self.assertEqual(len(days), 7)
            for d in days:
                self.assertIs(type(d["partial"]), bool)
            times = row_times(W["new_files"], from_ms)
            self.assertEqual([d["partial"] for d in days], expect_partial(days, times, from_ms),
                             key)
            self.assertEqual([d["partial"] for d in days[1:-1]], [False] * 5)

    def test_from_cuts_the_first_day(self):
        days = W["new"]["days"]
        self.assertEqual(days[0]["date"], "2025-11-17")
        self.assertIs(days[0]["partial"], True)
        page = W["page"]
        self.assertIn("2025-11-17 (partial)", page.text)
        self.assertIn("2025-11-17 is partial (its figures cover part of the day): --from starts "
                      "at 12:00:00 on it.", page.text)
        self.assertNotIn("2025-11-18 (partial)", page.text)
        rows = re.findall(r'<tr( class="partial")?>\s*<th scope="row">(\d{4}-\d\d-\d\d)',
                          page.html)
        self.assertEqual([(bool(c), d) for c, d in rows],
                         [(d["partial"], d["date"]) for d in days])
        # Every chart says "partial" under each partial day.
        n = sum(d["partial"] for d in days)
        for key in ("calls", "sessions", "entry-success", "entry-latency", "timeouts",
                    "entry-failed", "experiences"):
            self.assertEqual(W["page"].figure(key).count(">partial</text>"), n, key)

    def test_last_day_sentence(self):
        days = W["new"]["days"]
        if not days[-1]["partial"]:
            self.skipTest("the generated week's last day is covered")
        last = max(row_times(W["new_files"], FROM_MS))
        hms = "%02d:%02d:%02d" % (last // HOUR % 24, last // 60000 % 60, last // 1000 % 60)
        self.assertIn("%s is partial (its figures cover part of the day): the input's last row "
                      "is at %s." % (days[-1]["date"], hms), W["page"].text)


class TestBaselineDays(unittest.TestCase):
    def test_dashed_points_are_the_old_days(self):
        old = {d["date"]: d for d in W["old"]["days"]}
        fig = W["page"].figure("calls")
        titles = re.findall(r'<rect class="pt prev-col"[^>]*><title>([^<]*)</title>', fig)
        self.assertEqual(len(titles), 7)
        for t, d in zip(titles, W["new"]["days"]):
            m = re.fullmatch(r"(\d{4}-\d\d-\d\d)( \(partial\))? \(baseline\): (\d+)", t)
            self.assertTrue(m, t)
            self.assertEqual(rr_days_between(m.group(1), d["date"]), 7)
            self.assertEqual(int(m.group(3)), old[m.group(1)]["calls"])
            self.assertEqual(bool(m.group(2)), old[m.group(1)]["partial"])
        line = W["page"].figure("entry-success")
        self.assertEqual(line.count('class="series prev s0"'), 1)
        # Behind: the dashed line comes first.
        self.assertLess(line.index('class="series prev s0"'), line.index('class="series s0"'))
        self.assertIn("baseline (dashed)", line)
        self.assertIn("Dashed: old.json, each day against the same weekday 7 days before "
                      "(7 of 7 days have one).", W["page"].text)

    def test_axes(self):
        page = W["page"]
        for key in ("calls", "sessions", "entry-latency", "timeouts", "entry-failed",
                    "experiences"):
            m = re.search(r'<text class="y-label y-min"[^>]*>([^<]*)</text>', page.figure(key))
            self.assertIn(m.group(1), ("0", "0 ms", "0.0"), key)
        fig = page.figure("entry-success")
        low = min(d["entry_success_pm"] for d in W["new"]["days"] + W["old"]["days"]
                  if d["entry_success_pm"] is not None)
        if low >= 100:
            cut = "%d.0 %%" % (low // 100 * 10)
            self.assertIn('class="axis-break"', fig)
            self.assertIn("Axis cut: it starts at %s, not at 0 (marked // on the axis)." % cut, fig)
        else:
            self.assertNotIn("axis-break", fig)


class TestZone(unittest.TestCase):
    def test_sentence_names_the_zone_on_a_change_day(self):
        # 2026-10-25 in Berlin holds the change from CEST to CET: the time in
        # the sentence carries the zone; on the next day it does not.
        import calendar
        for day, want in (((2026, 10, 25), "05:00:00 CET;"), ((2026, 10, 27), "05:00:00;")):
            t = (calendar.timegm(day + (4, 0, 0)) * 1000)      # 05:00 CET
            rows = [rr.EVENT_HEADER]
            for k, (ev, p1) in enumerate(((5001, -1), (5003, 1), (5008, 1))):
                rows.append("1400000001,,r1,u1,,%d,0,%d,%d,-1" % (t + 1000 * k, ev, p1))
            d = os.path.join(W["dir"], "zone-%d" % day[2])
            os.makedirs(d, exist_ok=True)
            path = os.path.join(d, "e.csv")
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(rows) + "\n")
            code, _, err = rr.run(["-q", "--tz", "Europe/Berlin", "-o", os.path.join(d, "out"),
                                   path])
            self.assertEqual(code, 0, err)
            text = Page(os.path.join(d, "out", "index.html")).text
            self.assertIn("the input's first row is at " + want, text)


def rr_days_between(a, b):
    import datetime
    return (datetime.date.fromisoformat(b) - datetime.date.fromisoformat(a)).days


if __name__ == "__main__":
    unittest.main()
