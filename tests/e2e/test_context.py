"""End-to-end tests of "what went with it" (issue 16 item 3, README "Weekly
report"): the JSON's context counts and the page's table on hand-made calls
(each circumstance, the window's edges, another user, the same millisecond),
the rise sentence on a generated week with a planted regression against the
week before (and its JSON, recomputed from the CSV for network losses), a
split run (--max-memory) giving the same bytes, and the top lists' rates per
1000 sessions with the baseline's.
"""
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rrtest as rr  # noqa: E402

GEN = os.path.join(rr.SOURCE_DIR, "tests", "bench", "gen.py")
START = 1763337600000                    # Monday 2025-11-17 00:00 UTC
WEEK = 7 * 86_400_000
T0 = 1795168800000                       # 2026-11-20 10:00:00 UTC
HEADER = "RoomId,UserId,Time,EventId,ParamOne"
KINDS = ["network_loss", "network_change", "background", "device_or_permission",
         "abnormal_experience", "network", "any"]

# (user, seconds after T0, EventId, ParamOne) in room "r1".
EVENTS = [
    # a: timeout; a loss 30 s before last seen (the 3001 at 100 s), 7001 90 s later.
    ("a", 0, 5001, -1), ("a", 1, 5003, 1), ("a", 70, 1003, 0), ("a", 100, 3001, 1),
    ("a", 190, 7001, 1),
    # b: kicked; background 50 s before.
    ("b", 0, 5001, -1), ("b", 1, 5003, 1), ("b", 150, 2001, 1), ("b", 200, 7001, 2),
    # c: entry failure after a camera failure.
    ("c", 0, 5001, -1), ("c", 3, 4002, 0), ("c", 8, 5003, 0),
    # d: kicked; a loss 61 s before (not within the minute).
    ("d", 0, 5001, -1), ("d", 1, 5003, 1), ("d", 139, 1003, 0), ("d", 200, 7001, 2),
    # e: kicked; e's loss in the same millisecond as the kick, listed after it.
    ("e", 0, 5001, -1), ("e", 1, 5003, 1), ("e", 200, 7001, 2), ("e", 200, 1003, 0),
    # f: kicked; nothing before it but g's network loss (another user).
    ("f", 0, 5001, -1), ("f", 1, 5003, 1), ("g", 0, 5001, -1), ("g", 1, 5003, 1),
    ("g", 190, 1003, 0), ("f", 200, 7001, 2), ("g", 400, 7001, 0),
]


def events_csv():
    out = [HEADER]
    for u, s, eid, p1 in EVENTS:
        out.append("r1,%s,%d,%d,%d" % (u, T0 + s * 1000, eid, p1))
    return "\n".join(out) + "\n"


def gen(d, prefix, *extra, seed=7, start=START, calls=300):
    paths = [os.path.join(d, prefix + s) for s in ("-events.csv", "-abnormal.csv", "-users.csv")]
    subprocess.run([sys.executable, GEN, "--calls", str(calls), "--days", "7",
                    "--seed", str(seed), "--start", str(start), "--out", paths[0],
                    "--abnormal", paths[1], "--users", paths[2]] + list(extra),
                   check=True, timeout=300)
    return paths


def page_text(path):
    with open(path, encoding="utf-8") as f:
        s = f.read()
    s = re.sub(r"<title>.*?</title>", " ", s, flags=re.S)
    s = re.sub(r"<[^>]+>", " ", s)
    return re.sub(r"\s+", " ", html.unescape(s))


def run_ok(args, timeout=600):
    code, out, err = rr.run(args, timeout=timeout)
    if code != 0:
        raise AssertionError("exit %d: %s" % (code, err))
    return out


class HandMade(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="rr-context-")
        p = os.path.join(cls.dir, "e.csv")
        with open(p, "w") as f:
            f.write(events_csv())
        cls.json = json.loads(run_ok(["-q", "--tz", "UTC", "-o", os.path.join(cls.dir, "rep"),
                                      "--json", "-", p]))
        cls.text = page_text(os.path.join(cls.dir, "rep", "index.html"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_counts(self):
        c = self.json["context"]
        self.assertEqual(c["window_ms"], 60000)
        self.assertEqual(c["timeouts"]["sessions"], 1)
        self.assertEqual(c["timeouts"]["with"]["network_loss"], 1)
        self.assertEqual(c["timeouts"]["none"], 0)
        k = c["kicks"]
        self.assertEqual(k["sessions"], 4)                        # b, d, e, f
        self.assertEqual(k["with"]["background"], 1)              # b
        self.assertEqual(k["with"]["network_loss"], 1)            # e (same ms); not d, not f
        self.assertEqual(k["with"]["any"], 2)
        self.assertEqual(k["none"], 2)
        self.assertEqual(k["share_pm"]["none"], 500)
        f = c["entry_failed"]
        self.assertEqual((f["sessions"], f["with"]["device_or_permission"], f["none"]), (1, 1, 0))
        for e in ("timeouts", "kicks", "entry_failed"):
            self.assertIsNone(c[e]["baseline"])
            self.assertIsNone(c[e]["rise"])
            self.assertEqual(sorted(c[e]["with"]), sorted(KINDS))

    def test_page(self):
        t = self.text
        self.assertIn("What went with timeouts, kicks and entry failures", t)
        self.assertIn("Network loss 100.0 % (1 of 1) 25.0 % (1 of 4) 0.0 % (0 of 1)", t)
        self.assertIn("App in the background 0.0 % (0 of 1) 25.0 % (1 of 4)", t)
        self.assertIn("Device or permission failure 0.0 % (0 of 1) 0.0 % (0 of 4) "
                      "100.0 % (1 of 1)", t)
        self.assertIn("None of these 0.0 % (0 of 1) 50.0 % (2 of 4) 0.0 % (0 of 1)", t)
        self.assertIn("the data does not say they caused it", t)
        self.assertNotIn("caused by", t)
        self.assertNotIn("The rise is", t)        # no baseline: nothing said of a rise


class Weeks(unittest.TestCase):
    """A normal week and, 7 days later, the same seed with --regression."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="rr-context-weeks-")
        cls.normal = gen(cls.dir, "normal")
        cls.regressed = gen(cls.dir, "regressed", "--regression", start=START + WEEK)
        cls.base = os.path.join(cls.dir, "normal.json")
        run_ok(["-q", "--no-html", "--tz", "UTC", "--json", cls.base] + cls.normal)
        with open(cls.base) as f:
            cls.base_json = json.load(f)
        cls.out = os.path.join(cls.dir, "rep")
        cls.json_text = run_ok(["-q", "--tz", "UTC", "-o", cls.out, "--json", "-",
                                "--baseline", cls.base] + cls.regressed)
        cls.json = json.loads(cls.json_text)
        cls.text = page_text(os.path.join(cls.out, "index.html"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_losses_recomputed_from_csv(self):
        """Timeouts with a network loss in the minute before the last seen
        event, recomputed from the CSV (one session per user and call)."""
        by = {}
        for row in rr.read_export(self.regressed[0]):
            key = (row["CommId"], row["UserId"])
            by.setdefault(key, []).append((int(row["Time"]), int(row["EventId"]),
                                           int(row["ParamOne"] or -1)))
        n = with_loss = 0
        for evs in by.values():
            evs.sort()
            for i, (ms, eid, p1) in enumerate(evs):
                if eid != 7001 or p1 != 1:
                    continue
                n += 1
                last = evs[i - 1][0] if i else ms
                if any(last - 60000 <= t <= ms and (e == 1003 and q == 0 or e in (32790, 32792))
                       for t, e, q in evs[:i + 1]):
                    with_loss += 1
        c = self.json["context"]["timeouts"]
        self.assertEqual(c["sessions"], n)
        self.assertEqual(c["with"]["network_loss"], with_loss)

    def test_baseline_counts(self):
        for e in ("timeouts", "kicks", "entry_failed"):
            b = self.json["context"][e]["baseline"]
            old = self.base_json["context"][e]
            self.assertEqual(b["sessions"], old["sessions"])
            self.assertEqual(b["with"], old["with"])
            self.assertEqual(b["share_pm"], old["share_pm"])

    def test_rise_sentence(self):
        """The planted timeouts follow no network event: the rise is said to
        be in timeouts without a network loss or change before them, with
        the figures of the JSON."""
        hl = self.json["baseline"]["figures"]["timeouts_pm"]
        self.assertTrue(hl["regression"])
        c = self.json["context"]["timeouts"]
        self.assertEqual(c["rise"]["where"], "without_network")
        sessions = self.json["headline"]["sessions"]
        self.assertEqual(c["network_pm"]["with"],
                         (c["with"]["network"] * 1000 * 2 + sessions) // (2 * sessions))
        before, after = c["baseline"]["network_pm"]["without"], c["network_pm"]["without"]
        m = re.search(r"Timeouts per 1000 sessions rose (\d+) → (\d+)\. The rise is in timeouts "
                      r"without a network loss or change before them: (\d+) → (\d+) per 1000 "
                      r"sessions \(([^)]*)\); timeouts preceded by one (rose|fell|stayed at)",
                      self.text)
        self.assertIsNotNone(m, self.text[:3000])
        self.assertEqual((int(m.group(1)), int(m.group(2))), (hl["previous"], hl["value"]))
        self.assertEqual((int(m.group(3)), int(m.group(4))), (before, after))
        share = c["rise"]["without_network_share_pm"]
        self.assertEqual(m.group(5), "more than the whole rise" if share > 1000
                         else "%d %% of the rise" % ((share + 5) // 10))
        for e, title in (("kicks", "Kicks"), ("entry_failed", "Entry failures")):
            if self.json["context"][e]["rise"] is None:
                self.assertNotIn("%s per 1000 sessions rose" % title, self.text)

    def test_tops_rates(self):
        sessions = self.json["headline"]["sessions"]
        old_sessions = self.base_json["headline"]["sessions"]
        old = {}
        for lst in ("by_count", "by_users"):
            for it in self.base_json["top_events"][lst]:
                old[(it["table"], it["id"], it["param_one"], it["param_two"])] = it
        seen = 0
        for it in self.json["top_events"]["by_count"]:
            self.assertEqual(it["count_pm"], (it["count"] * 2000 + sessions) // (2 * sessions))
            o = old.get((it["table"], it["id"], it["param_one"], it["param_two"]))
            if o is None:
                self.assertIsNone(it["baseline"]["count_pm"])
                continue
            seen += 1
            prev = (o["count"] * 2000 + old_sessions) // (2 * old_sessions)
            self.assertEqual(it["baseline"]["count_pm"], prev)
            self.assertEqual(it["baseline"]["count_pm_change"], it["count_pm"] - prev)
        self.assertGreater(seen, 0)
        t = self.json["top_events"]["by_count"][0]
        b = t["baseline"]
        sign = "▲ " if b["count_pm_change"] > 0 else "▼ " if b["count_pm_change"] < 0 else ""
        want = "%d was %d, %s%+d" % (t["count_pm"], b["count_pm"], sign, b["count_pm_change"]) \
            if b["count_pm_change"] else "%d was %d, = 0" % (t["count_pm"], b["count_pm"])
        self.assertIn(want, self.text)

    def test_split_run_same_bytes(self):
        out = run_ok(["-q", "--no-html", "--tz", "UTC", "--json", "-", "--max-memory", "64K",
                      "--baseline", self.base] + self.regressed)
        self.assertEqual(out, self.json_text)


if __name__ == "__main__":
    unittest.main()
