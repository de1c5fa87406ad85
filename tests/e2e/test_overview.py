"""End to end: every figure of the weekly overview page equals the JSON of
the same run (which test_weekly.py recomputes independently from the CSV):
the per-day table, the headline table with its baseline columns and
regression marks, the histograms, the problem users and the worst calls."""
import html.parser
import json
import os
import subprocess
import sys
import tempfile
import unittest

from rrtest import SOURCE_DIR, run

GEN = os.path.join(SOURCE_DIR, "tests", "bench", "gen.py")
WEEK2 = 1763337600000 + 7 * 86400000


class Tables(html.parser.HTMLParser):
    """Collects, per table class, its body rows as lists of cell texts, and
    per <tr> its class and data-key; and the hist bars' count texts."""

    def __init__(self):
        super().__init__()
        self.tables, self.stack, self.row, self.cell = {}, [], None, None
        self.hists, self.in_hist, self.in_count = [], False, False
        self.in_head = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.stack.append(a.get("class", ""))
            self.tables.setdefault(self.stack[-1], [])
        elif tag == "thead":
            self.in_head = True
        elif tag == "tr" and self.stack and not self.in_head:
            self.row = {"class": a.get("class", ""), "key": a.get("data-key"), "cells": []}
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        elif tag == "svg" and "hist" in a.get("class", "").split():
            self.in_hist = True
            self.hists.append([])
        elif tag == "text" and self.in_hist and a.get("class") == "count":
            self.in_count = True

    def handle_endtag(self, tag):
        if tag == "table" and self.stack:
            self.stack.pop()
        elif tag == "thead":
            self.in_head = False
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row["cells"].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.row["cells"] and self.stack:
                self.tables[self.stack[-1]].append(self.row)
            self.row = None
        elif tag == "svg":
            self.in_hist = False
        elif tag == "text":
            self.in_count = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        if self.in_count:
            self.hists[-1].append(data)


def pct(pm):
    return "—" if pm is None else "%d.%d %%" % (pm // 10, pm % 10)


class Overview(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        files = {}
        for name, extra in (("w1", []), ("w2", ["--regression", "--start", str(WEEK2)])):
            ev, us, ab = (os.path.join(d, "%s-%s.csv" % (name, k)) for k in ("ev", "us", "ab"))
            subprocess.run([sys.executable, GEN, "--calls", "250", "--days", "7", "--seed", "5",
                            "--out", ev, "--users", us, "--abnormal", ab] + extra, check=True)
            files[name] = [ev, us, ab]
        cls.base = os.path.join(d, "w1.json")
        code, _, err = run(["-q", "--no-html", "--tz", "UTC", "--json", cls.base] + files["w1"])
        assert code == 0, err
        cls.out = os.path.join(d, "report")
        cls.json = os.path.join(d, "w2.json")
        code, _, err = run(["-q", "--tz", "UTC", "-o", cls.out, "--json", cls.json,
                            "--baseline", cls.base] + files["w2"])
        assert code == 0, err
        with open(cls.json, encoding="utf-8") as f:
            cls.rep = json.load(f)
        p = Tables()
        with open(os.path.join(cls.out, "index.html"), encoding="utf-8") as f:
            p.feed(f.read())
        cls.page = p

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_days_table_equals_json(self):
        rows = self.page.tables["days"]
        days = self.rep["days"]
        self.assertEqual(len(rows), 7)
        self.assertEqual(len(days), 7)
        for row, d in zip(rows, days):
            c = row["cells"]
            self.assertEqual(c[0], d["date"] + (" (partial)" if d["partial"] else ""))
            ints = [c[1], c[2], c[3], c[5], c[11], c[12], c[13], c[14], c[15]]
            want = [d["calls"], d["sessions"], d["users"], d["entered"], d["timeouts"],
                    d["kicks"], d["entry_failed"], d["no_exit"], d["abnormal_experiences"]]
            self.assertEqual([int(x) for x in ints], want, d["date"])
            self.assertEqual(c[6], pct(d["entry_success_pm"]), d["date"])
            self.assertEqual(c[7], pct(d["entry_within_5s_pm"]), d["date"])
            x10 = d["abnormal_experiences_per_100_x10"]
            self.assertEqual(c[16], "%d.%d" % (x10 // 10, x10 % 10), d["date"])
            tenths = (d["user_ms"] + 180000) // 360000      # rounded half up
            self.assertEqual(c[4], "%d.%d h" % (tenths // 10, tenths % 10), d["date"])

    def test_headline_equals_json(self):
        rows = {r["key"]: r for r in self.page.tables["headline compared"] if r["key"]}
        figures = self.rep["baseline"]["figures"]
        self.assertEqual(set(rows), set(figures))
        self.assertEqual(set(rows), set(self.rep["headline"]))
        for key, f in figures.items():
            marked = "regression" in rows[key]["class"].split()
            self.assertEqual(marked, f["regression"], key)
            self.assertEqual(f["value"], self.rep["headline"][key], key)
        for key in ("calls", "sessions", "users"):
            c = rows[key]["cells"]
            self.assertEqual((int(c[1]), int(c[2])),
                             (figures[key]["value"], figures[key]["previous"]), key)
        # The planted regression (SDK 11.5.0: more timeouts, slower entry).
        self.assertTrue(figures["timeouts_pm"]["regression"])
        self.assertTrue(figures["entry_latency_p50_ms"]["regression"])
        for key in ("calls", "users"):
            self.assertFalse(figures[key]["regression"])

    def test_exits_table_equals_json(self):
        """Exits by reason: each reason in the words of the call pages'
        timeline legend, with the JSON's count."""
        words = {"normal": "left normally", "timeout": "timed out", "kicked": "kicked out",
                 "exit_failed": "exit failed", "entry_failed": "entry failed",
                 "unknown": "exit unknown", "ongoing": "still in the room at export"}
        rows = [r["cells"] for r in self.page.tables["exits"]]
        want = [[words[k], str(v)] for k, v in self.rep["totals"]["exits"].items()]
        self.assertEqual(sorted(rows), sorted(want))
        with open(os.path.join(SOURCE_DIR, "templates", "call.html"), encoding="utf-8") as f:
            legend = f.read()
        for w in words.values():
            if w != "still in the room at export":
                self.assertIn("</span>%s</li>" % w, legend)

    def test_histograms_equal_json(self):
        lat, dur = self.page.hists
        want = self.rep["distributions"]
        self.assertEqual([int(x) for x in lat], [b["count"] for b in want["entry_latency"]])
        self.assertEqual([int(x) for x in dur], [b["count"] for b in want["session_duration"]])

    def test_problem_users_equal_json(self):
        rows = self.page.tables["problem-users"]
        want = self.rep["problem_users"]
        self.assertEqual(len(rows), len(want))
        for r, u in zip(rows, want):
            self.assertEqual([r["cells"][0]] + [int(x) for x in r["cells"][1:]],
                             [u["user_id"], u["sessions"], u["calls"], u["errors"],
                              u["warnings"], u["timeouts"], u["kicks"], u["entry_failed"]])

    def test_worst_calls_equal_json(self):
        rows = self.page.tables["calls"][:len(self.rep["worst_calls"])]
        for r, w in zip(rows, self.rep["worst_calls"]):
            c = r["cells"]
            self.assertEqual((c[0], c[1]), (w["room_id"], w["comm_id"]))
            self.assertEqual([int(x) for x in c[5:10]],
                             [w["errors"], w["warnings"], w["timeouts"], w["kicks"],
                              w["entry_failed"]])

    def test_overview_is_small(self):
        size = os.path.getsize(os.path.join(self.out, "index.html"))
        self.assertLess(size, 2 * 1024 * 1024)


if __name__ == "__main__":
    unittest.main()
