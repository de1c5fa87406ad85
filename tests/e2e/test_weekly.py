"""End-to-end tests of the weekly report (issue 4) on weeks written by the
generator tests/bench/gen.py: days[] and the headline against an
independent computation from the generated CSV, --baseline with a planted
regression, --regression-threshold, --pages, and the generator itself.

The "normal" week and the "regression" week use the same seed; the second
starts 7 days later and has --regression (SDK 11.5.0: 3x timeouts, +2 s
entry), so everything else is drawn identically.
"""
import collections
import datetime
import hashlib
import html.parser
import json
import os
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
SEED = 7
CALLS = 300
JSON_ARGS = ["--no-html", "-q", "--tz", "UTC"]
HEADLINE_KEYS = ["calls", "sessions", "users", "user_ms", "entry_success_pm",
                 "entry_within_5s_pm", "entry_latency_p50_ms", "entry_latency_p95_ms",
                 "first_frame_p50_ms", "timeouts_pm", "kicks_pm", "entry_failed_pm",
                 "no_exit_pm", "abnormal_experiences_per_100_x10"]

W = {}                                   # shared state, filled by setUpModule


def gen(prefix, *extra, calls=CALLS, seed=SEED, start=START):
    """Generates one week into W['dir']; returns [events, abnormal, users]."""
    d = W["dir"]
    paths = [os.path.join(d, prefix + s) for s in ("-events.csv", "-abnormal.csv", "-users.csv")]
    subprocess.run([sys.executable, GEN, "--calls", str(calls), "--days", "7",
                    "--seed", str(seed), "--start", str(start), "--out", paths[0],
                    "--abnormal", paths[1], "--users", paths[2]] + list(extra),
                   check=True, timeout=300)
    return paths


def run_json(files, *extra):
    code, out, err = rr.run(JSON_ARGS + ["--json", "-"] + list(extra) + files, timeout=600)
    if code != 0:
        raise AssertionError("exit %d: %s" % (code, err))
    return json.loads(out)


def setUpModule():
    if not os.access(rr.BINARY, os.X_OK):
        raise RuntimeError("roomreport binary not found at %s (set ROOMREPORT)" % rr.BINARY)
    W["dir"] = tempfile.mkdtemp(prefix="rr-weekly-")
    W["normal"] = gen("normal")
    W["regressed"] = gen("regressed", "--regression", start=START + WEEK)
    W["normal_json_path"] = os.path.join(W["dir"], "normal.json")
    code, _, err = rr.run(JSON_ARGS + ["--json", W["normal_json_path"]] + W["normal"],
                          timeout=600)
    if code != 0:
        raise AssertionError("normal week: exit %d: %s" % (code, err))
    with open(W["normal_json_path"]) as f:
        W["normal_json"] = json.load(f)
    W["regressed_json"] = run_json(W["regressed"], "--baseline", W["normal_json_path"])


def tearDownModule():
    if "dir" in W:
        shutil.rmtree(W["dir"], ignore_errors=True)


def day_of(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%d")


def per_mille(num, den):
    """report.c's rounding: half up."""
    return None if den == 0 else (num * 2000 + den) // (den * 2)


def recompute(events_path):
    """Per-day and total figures from the event export alone, by the rules
    in DESIGN section 3 as they apply to what gen.py writes: a session opens
    at 5001/32788 and runs until the user's next opening in the call; its
    exit is 7001 (ParamOne 1 timeout, 2 kicked, else normal), 5008 or 32789
    (normal), 5003/0 (entry failed) or none (unknown). Calls count by their
    first session's start, sessions by their own start."""
    by_user = collections.defaultdict(list)
    for i, r in enumerate(rr.read_export(events_path)):
        by_user[(r["RoomId"], r["CommId"], r["UserId"])].append(
            (int(r["Time"]), i, int(r["EventId"]), int(r["ParamOne"])))
    sessions = []                        # (call key, user, start, exit, latency, first frame)
    for (room, comm, user), evs in by_user.items():
        evs.sort()
        cur = None
        for tm, _, eid, p1 in evs:
            if eid in (5001, 32788):
                if cur:
                    sessions.append(cur)
                cur = [(room, comm), user, tm, "unknown", None, None]
            elif cur is None:
                continue
            if eid in (7000, 5003) and (eid == 7000 or p1 == 1) and cur[4] is None:
                cur[4] = tm - cur[2]         # SDK only: WebRTC has no 5001
            if eid == 5007 and cur[5] is None:
                cur[5] = tm - cur[2]
            if eid in (5001, 32788):
                continue
            elif eid == 7001 and cur[3] in ("unknown", "normal"):
                cur[3] = {1: "timeout", 2: "kicked"}.get(p1, "normal")
            elif eid in (5008, 32789) and cur[3] == "unknown":
                cur[3] = "normal"
            elif eid == 5003 and p1 == 0:
                cur[3] = "entry_failed"
        if cur:
            sessions.append(cur)
    call_start = {}
    for key, _, start, *_ in sessions:
        call_start[key] = min(start, call_start.get(key, start))
    days = collections.defaultdict(lambda: collections.Counter())
    users = collections.defaultdict(set)
    lat = collections.defaultdict(list)
    ff = collections.defaultdict(list)
    for start in call_start.values():
        days[day_of(start)]["calls"] += 1
    for _, user, start, exit_, latency, first_frame in sessions:
        d = day_of(start)
        if latency is not None:
            lat[d].append(latency)
        if first_frame is not None:
            ff[d].append(first_frame)
        days[d]["sessions"] += 1
        days[d][exit_] += 1
        users[d].add(user)
    for d in days:
        days[d]["users"] = len(users[d])
        days[d]["latency"] = lat[d]
        days[d]["first_frame"] = ff[d]
    total = collections.Counter()
    for c in days.values():
        total.update({k: v for k, v in c.items() if k not in ("users", "latency",
                                                                "first_frame")})
    total["users"] = len({s[1] for s in sessions})
    return days, total


class TestGenerator(unittest.TestCase):
    def digest(self, paths):
        h = hashlib.sha256()
        for p in paths:
            with open(p, "rb") as f:
                h.update(f.read())
        return h.hexdigest()

    def test_deterministic(self):
        again = gen("again")
        self.assertEqual(self.digest(again), self.digest(W["normal"]))
        other = gen("other", seed=SEED + 1)
        self.assertNotEqual(self.digest(other), self.digest(W["normal"]))

    def test_rows_mode_still_works(self):
        # tests/bench/run.sh: --rows N --seed S --out FILE
        out = os.path.join(W["dir"], "rows.csv")
        subprocess.run([sys.executable, GEN, "--rows", "2000", "--seed", "1", "--out", out],
                       check=True, timeout=300)
        with open(out) as f:
            n = sum(1 for _ in f) - 1
        self.assertGreaterEqual(n, 2000)
        self.assertLess(n, 2000 + 2000)

    def test_shape(self):
        events, abnormal, users = W["normal"]
        ev = rr.read_export(events)
        ids = collections.Counter(int(r["EventId"]) for r in ev)
        for eid in (5001, 5003, 7001, 5008, 1003, 2001, 32788, 32789):
            self.assertIn(eid, ids)
        exits = collections.Counter(int(r["ParamOne"]) for r in ev if r["EventId"] == "7001")
        self.assertTrue(exits[0] and exits[1] and exits[2], exits)
        nets = {int(r["ParamOne"]) for r in ev if r["EventId"] == "1003"}
        self.assertTrue({0, 1, 2, 3} <= nets, nets)
        ab = rr.read_export(abnormal)
        self.assertTrue(any(r["PeerId"] for r in ab))
        self.assertTrue(any(not r["AbnormalEventId"] for r in ab))
        us = rr.read_export(users)
        self.assertEqual({r["SdkVersion"] for r in us} >= {"11.2.0", "11.3.1", "11.4.0",
                                                           "11.5.0"}, True)
        self.assertGreater(len({r["DeviceType"] for r in us}), 4)
        per_call = collections.Counter(r["CommId"] for r in us)
        calls = {r["CommId"] for r in ev}
        self.assertEqual(len(calls), CALLS)
        users_per_call = collections.defaultdict(set)
        for r in ev:
            users_per_call[r["CommId"]].add(r["UserId"])
        self.assertTrue(all(2 <= len(u) <= 6 for u in users_per_call.values()))
        self.assertTrue(per_call)


class TestDays(unittest.TestCase):
    def test_seven_days_in_order(self):
        for name, start in (("normal_json", START), ("regressed_json", START + WEEK)):
            days = W[name]["days"]
            self.assertEqual([d["date"] for d in days],
                             [day_of(start + i * 86_400_000) for i in range(7)], name)

    def test_days_recomputed(self):
        want, _ = recompute(W["normal"][0])
        got = {d["date"]: d for d in W["normal_json"]["days"]}
        self.assertEqual(sorted(got), sorted(want))
        mismatches = []
        for date, c in sorted(want.items()):
            d = got[date]
            for key, mine in (("calls", c["calls"]), ("sessions", c["sessions"]),
                              ("users", c["users"]), ("timeouts", c["timeout"]),
                              ("kicks", c["kicked"]), ("entry_failed", c["entry_failed"]),
                              ("no_exit", c["unknown"]),
                              ("entered", c["sessions"] - c["entry_failed"])):
                if d.get(key) != mine:
                    mismatches.append("%s %s: json %r, recomputed %r" % (date, key,
                                                                         d.get(key), mine))
            l, f = c["latency"], c["first_frame"]
            for key, mine in (("entry_latency_ms", {"n": len(l), "p50": rr.nearest_rank(l, 0.5),
                                                    "p95": rr.nearest_rank(l, 0.95)}),
                              ("entry_within_5s_pm",
                               per_mille(sum(1 for x in l if x <= 5000), len(l))),
                              ("first_frame_ms", {"n": len(f), "p50": rr.nearest_rank(f, 0.5),
                                                  "p95": rr.nearest_rank(f, 0.95)})):
                if d.get(key) != mine:
                    mismatches.append("%s %s: json %r, recomputed %r" % (date, key,
                                                                         d.get(key), mine))
            if d.get("entry_success_pm") != per_mille(c["sessions"] - c["entry_failed"],
                                                      c["sessions"]):
                mismatches.append("%s entry_success_pm: json %r" % (date,
                                                                   d.get("entry_success_pm")))
        self.assertEqual(mismatches, [])

    def test_day_experiences_recomputed(self):
        # An experience is the rows of one user, EventTime and ExperienceId;
        # it counts on the day of its own time.
        groups = {(r["RoomId"], r["CommId"], r["UserId"], r["EventTime"], r["ExperienceId"])
                  for r in rr.read_export(W["normal"][1])}
        want = collections.Counter(day_of(int(g[3]) * 1000) for g in groups)
        days = W["normal_json"]["days"]
        self.assertEqual({d["date"]: d["abnormal_experiences"] for d in days if
                          d["abnormal_experiences"]}, dict(want))
        for d in days:
            self.assertEqual(d["abnormal_experiences_per_100_x10"],
                             per_mille(d["abnormal_experiences"], d["sessions"]))
            self.assertIs(d["abnormal_experiences_sampled"], True)
        self.assertEqual(W["normal_json"]["totals"]["abnormal_experiences"], len(groups))

    def test_days_sum_to_totals(self):
        rep = W["normal_json"]
        days = rep["days"]
        self.assertEqual(sum(d["calls"] for d in days), rep["totals"]["calls"])
        self.assertEqual(sum(d["sessions"] for d in days), rep["totals"]["sessions"])
        self.assertEqual(sum(d["timeouts"] for d in days), rep["totals"]["exits"]["timeout"])


class TestHeadline(unittest.TestCase):
    def test_present(self):
        for name in ("normal_json", "regressed_json"):
            hl = W[name]["headline"]
            for k in HEADLINE_KEYS:
                self.assertIn(k, hl, name)
                self.assertTrue(rr.NINT.check(hl[k]), (name, k, hl[k]))

    def test_recomputed(self):
        _, t = recompute(W["normal"][0])
        hl = W["normal_json"]["headline"]
        want = {
            "sessions": t["sessions"],
            "users": t["users"],
            "timeouts_pm": per_mille(t["timeout"], t["sessions"]),
            "kicks_pm": per_mille(t["kicked"], t["sessions"]),
            "entry_failed_pm": per_mille(t["entry_failed"], t["sessions"]),
            "no_exit_pm": per_mille(t["unknown"], t["sessions"]),
            "entry_success_pm": per_mille(t["sessions"] - t["entry_failed"], t["sessions"]),
        }
        self.assertEqual(hl["calls"], CALLS)
        self.assertEqual({k: hl[k] for k in want}, want)

    def test_planted_regression_moves_the_figures(self):
        a, b = W["normal_json"]["headline"], W["regressed_json"]["headline"]
        self.assertEqual(a["calls"], b["calls"])
        self.assertGreater(b["timeouts_pm"], a["timeouts_pm"] * 1.3)
        self.assertGreater(b["entry_latency_p50_ms"], a["entry_latency_p50_ms"] * 1.1)


class TestBaseline(unittest.TestCase):
    def figures(self):
        return W["regressed_json"]["baseline"]["figures"]

    def test_figures_beside_previous(self):
        base = W["regressed_json"]["baseline"]
        self.assertEqual(base["file"], "normal.json")
        now, before = W["regressed_json"]["headline"], W["normal_json"]["headline"]
        for k in HEADLINE_KEYS:
            f = self.figures()[k]
            self.assertEqual(f["value"], now[k], k)
            self.assertEqual(f["previous"], before[k], k)
            if now[k] is not None and before[k] is not None:
                self.assertEqual(f["change"], now[k] - before[k], k)
            self.assertIsInstance(f["regression"], bool)

    def test_regressions_marked(self):
        f = self.figures()
        self.assertTrue(f["timeouts_pm"]["regression"], f["timeouts_pm"])
        self.assertTrue(f["entry_latency_p50_ms"]["regression"], f["entry_latency_p50_ms"])
        # Kicks are drawn identically in both weeks (only the number of
        # sessions grows with the rejoins after timeouts): not a regression.
        self.assertFalse(f["kicks_pm"]["regression"], f["kicks_pm"])
        self.assertLessEqual(f["kicks_pm"]["value"], f["kicks_pm"]["previous"])
        for k in ("calls", "sessions", "users", "user_ms"):   # volumes never regress
            self.assertFalse(f[k]["regression"], k)

    def test_threshold(self):
        f = self.figures()["timeouts_pm"]
        pct = f["change"] * 100 / f["previous"]             # > 30 (see above)
        above = run_json(W["regressed"], "--baseline", W["normal_json_path"],
                         "--regression-threshold", str(int(pct) + 1))
        self.assertFalse(above["baseline"]["figures"]["timeouts_pm"]["regression"])
        below = run_json(W["regressed"], "--baseline", W["normal_json_path"],
                         "--regression-threshold", "%d%%" % (int(pct) - 1))
        self.assertTrue(below["baseline"]["figures"]["timeouts_pm"]["regression"])
        self.assertFalse(below["baseline"]["figures"]["kicks_pm"]["regression"])

    def test_no_baseline(self):
        b = W["normal_json"].get("baseline")
        self.assertTrue(b is None or not b.get("figures"), b)

    def test_bad_baseline_file(self):
        d = W["dir"]
        cases = [("truncated.json", '{"headline": {"calls": 1', 1, "offset 24"),
                 ("notjson.json", "<html></html>", 1, "offset 0"),
                 ("nohead.json", '{"calls": []}', 1, "headline"),
                 ("float.json", '{"headline": {"calls": 1.5}}', 1, "not an integer"),
                 ("deep.json", '{"headline": {}, "x": ' + "[" * 70 + "]" * 70 + "}", 1,
                  "nesting deeper than 64")]
        for name, text, code_want, needle in cases:
            path = os.path.join(d, name)
            with open(path, "w") as f:
                f.write(text)
            out = os.path.join(d, "out-" + name)
            code, _, err = rr.run(JSON_ARGS + ["--json", out, "--baseline", path]
                                  + W["regressed"])
            self.assertEqual(code, code_want, (name, err))
            self.assertIn(name, err)
            self.assertIn(needle, err)
            self.assertFalse(os.path.exists(out), name)
        # Read before the input: a missing input file is not reached.
        code, _, err = rr.run(JSON_ARGS + ["--json", "-", "--baseline",
                                           os.path.join(d, "notjson.json"),
                                           os.path.join(d, "no-such-input.csv")])
        self.assertEqual(code, 1, err)
        self.assertNotIn("no-such-input", err)

    def test_unreadable_baseline(self):
        for path in (os.path.join(W["dir"], "missing.json"), W["dir"]):
            code, _, err = rr.run(JSON_ARGS + ["--json", "-", "--baseline", path]
                                  + W["regressed"])
            self.assertEqual(code, 3, err)
            self.assertIn(path, err)

    def test_usage_errors(self):
        for bad in ("0", "1001", "abc", "5.5", "-3", "", "10%%", "%"):
            code, _, err = rr.run(["--regression-threshold", bad] + W["regressed"])
            self.assertEqual(code, 2, (bad, err))
            self.assertIn("--regression-threshold", err)
        for bad in ("some", "", "ALL"):
            code, _, err = rr.run(["--pages", bad] + W["regressed"])
            self.assertEqual(code, 2, (bad, err))
            self.assertIn("--pages", err)

    def test_help(self):
        code, out, _ = rr.run(["--help"])
        self.assertEqual(code, 0)
        for opt in ("--baseline FILE", "--regression-threshold PCT", "--pages all|problems|none"):
            self.assertIn(opt, out)


class Hrefs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k == "href" and v:
                self.hrefs.append(v)


class TestPages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.files = gen("small", calls=40, seed=11)
        cls.rep = run_json(cls.files)

    def build(self, mode):
        out = os.path.join(W["dir"], "html-" + (mode or "default"))
        args = ["-q", "--tz", "UTC", "-o", out] + (["--pages", mode] if mode else [])
        code, _, err = rr.run(args + self.files, timeout=600)
        self.assertEqual(code, 0, err)
        calls_dir = os.path.join(out, "calls")
        pages = sorted(os.listdir(calls_dir)) if os.path.isdir(calls_dir) else []
        p = Hrefs()
        with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
            p.feed(f.read())
        linked = {h.split("#")[0] for h in p.hrefs if h.startswith("calls/")}
        for h in linked:
            self.assertTrue(os.path.isfile(os.path.join(out, h)), "dangling link %s" % h)
        return pages, linked

    def problem_calls(self):
        n = 0
        for c in self.rep["calls"]:
            ex = c["exits"]
            finds = [f for s in c["sessions"] for f in s["findings"]]
            # Worth opening (issue 17 item 5): a bad exit, an error, or
            # at least 3 warnings.
            if (ex["timeout"] + ex["kicked"] + ex["entry_failed"] + ex["exit_failed"] or
                    any(f["severity"] == "error" for f in finds) or
                    sum(f["severity"] == "warning" for f in finds) >= 3):
                n += 1
        return n

    def test_all_problems_none(self):
        ncalls = len(self.rep["calls"])
        self.assertEqual(ncalls, 40)
        default, _ = self.build(None)
        every, linked_all = self.build("all")
        self.assertEqual(len(every), ncalls)
        self.assertEqual(default, every)
        self.assertTrue(linked_all)
        some, linked_some = self.build("problems")
        self.assertLess(len(some), ncalls)
        self.assertGreater(len(some), 0)
        self.assertLessEqual(set(some), set(every))
        self.assertEqual(len(some), self.problem_calls())
        self.assertLessEqual({h[len("calls/"):] for h in linked_some}, set(some))
        none, linked_none = self.build("none")
        self.assertEqual(none, [])
        self.assertEqual(linked_none, set())

    def test_json_pages(self):
        rep = run_json(self.files, "--pages", "problems")
        self.assertEqual(rep["pages"], self.problem_calls())
        paged = [c for c in rep["calls"] if c.get("page")]
        self.assertEqual(len(paged), rep["pages"])


if __name__ == "__main__":
    unittest.main()
