"""End-to-end: the breakdown rows' rates and their comparison with the
baseline's rows (README "Weekly report"), on generated weeks
(tests/bench/gen.py): a normal week, and the week after it with the planted
regression on SDK 11.5.0."""
import csv
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
CALLS = 1500                             # 11.5.0 has over 1000 sessions each week
ARGS = ["-q", "--tz", "UTC", "--pages", "none"]
FIGURES = ["entry_success_pm", "entry_within_5s_pm", "timeouts_pm", "kicks_pm",
           "entry_failed_pm", "no_exit_pm", "entry_latency_p50_ms", "entry_latency_p95_ms",
           "first_frame_p50_ms"]
DIMS = ["platform", "device", "sdk_version", "network"]
MIN_SESSIONS = 1000
PERCENTILES = ["entry_latency_p50_ms", "entry_latency_p95_ms", "first_frame_p50_ms"]

W = {}


def gen(prefix, *extra, seed=7, start=START):
    d = W["dir"]
    paths = [os.path.join(d, prefix + s) for s in ("-events.csv", "-users.csv")]
    subprocess.run([sys.executable, GEN, "--calls", str(CALLS), "--days", "7",
                    "--seed", str(seed), "--start", str(start), "--out", paths[0],
                    "--users", paths[1]] + list(extra), check=True, timeout=300)
    return paths


def report(files, name, *extra):
    """Runs the tool; returns (JSON, path of index.html)."""
    out = os.path.join(W["dir"], name)
    js = out + ".json"
    code, _, err = rr.run(ARGS + ["-o", out, "--json", js] + list(extra) + files, timeout=600)
    if code != 0:
        raise AssertionError("exit %d: %s" % (code, err))
    with open(js) as f:
        return json.load(f), os.path.join(out, "index.html")


def setUpModule():
    if not os.access(rr.BINARY, os.X_OK):
        raise RuntimeError("roomreport binary not found at %s (set ROOMREPORT)" % rr.BINARY)
    W["dir"] = tempfile.mkdtemp(prefix="rr-changes-")
    W["normal"], W["normal_page"] = report(gen("normal"), "normal")
    W["reg"], W["reg_page"] = report(gen("reg", "--regression", start=START + WEEK), "reg",
                                     "--baseline", os.path.join(W["dir"], "normal.json"))


def tearDownModule():
    if "dir" in W:
        shutil.rmtree(W["dir"], ignore_errors=True)


def per_mille(num, den):
    return None if den == 0 else (num * 2000 + den) // (den * 2)


def row(j, dim, key):
    return next(r for r in j["breakdowns"][dim] if r["key"] == key)


class TestBreakdownRates(unittest.TestCase):
    def test_rates_from_counts(self):
        """Every row's rates are its counts over the headline's denominators."""
        for j in (W["normal"], W["reg"]):
            for dim in DIMS:
                self.assertTrue(j["breakdowns"][dim], dim)
                for r in j["breakdowns"][dim]:
                    s = r["sessions"]
                    self.assertEqual(r["entry_success_pm"],
                                     per_mille(r["entered"], r["entry_observed"]))
                    self.assertEqual(r["timeouts_pm"], per_mille(r["timeouts"], s))
                    self.assertEqual(r["kicks_pm"], per_mille(r["kicks"], s))
                    self.assertEqual(r["entry_failed_pm"], per_mille(r["entry_failed"], s))
                    self.assertEqual(r["no_exit_pm"], per_mille(r["no_exit"], s))
                    self.assertEqual(r["entry_latency_p50_ms"], r["entry_latency_ms"]["p50"])
                    self.assertEqual(r["first_frame_p50_ms"], r["first_frame_ms"]["p50"])

    def test_rows_sum_to_headline(self):
        """A dimension's rows cover every session: their counts give the
        headline's rates."""
        j = W["reg"]
        h = j["headline"]
        for dim in DIMS:
            rows = j["breakdowns"][dim]
            s = sum(r["sessions"] for r in rows)
            self.assertEqual(s, h["sessions"], dim)
            self.assertEqual(per_mille(sum(r["timeouts"] for r in rows), s), h["timeouts_pm"])
            self.assertEqual(per_mille(sum(r["entered"] for r in rows),
                                       sum(r["entry_observed"] for r in rows)),
                             h["entry_success_pm"])

    def test_no_baseline_is_null(self):
        for dim in DIMS:
            for r in W["normal"]["breakdowns"][dim]:
                self.assertIsNone(r["baseline"])


class TestBreakdownBaseline(unittest.TestCase):
    def test_previous_is_the_old_rows(self):
        old, new = W["normal"], W["reg"]
        for dim in DIMS:
            for r in new["breakdowns"][dim]:
                b = r["baseline"]
                try:
                    o = row(old, dim, r["key"])
                except StopIteration:
                    self.assertIsNone(b["sessions"])
                    continue
                self.assertEqual(b["sessions"], o["sessions"])
                self.assertEqual(b["small"], min(r["sessions"], o["sessions"]) < MIN_SESSIONS)
                for f in FIGURES:
                    fb = b["figures"][f]
                    self.assertEqual(fb["previous"], o[f])
                    want = None if o[f] is None or r[f] is None else r[f] - o[f]
                    self.assertEqual(fb["change"], want)
                    if b["small"] or f in PERCENTILES:
                        self.assertFalse(fb["regression"])

    def test_planted_regression_marked(self):
        """Timeouts of 11.5.0 moved beyond the threshold and beyond chance:
        marked. Its entry p50 moved as much, shown, but a percentile is
        never marked on a row (no test for it against last week's row)."""
        r = row(W["reg"], "sdk_version", "11.5.0")
        self.assertFalse(r["baseline"]["small"])
        self.assertTrue(r["baseline"]["figures"]["timeouts_pm"]["regression"])
        p50 = r["baseline"]["figures"]["entry_latency_p50_ms"]
        self.assertGreater(p50["change"], 0)
        self.assertFalse(p50["regression"])
        for other in ("11.4.0", "11.3.1"):
            o = row(W["reg"], "sdk_version", other)
            self.assertFalse(o["baseline"]["figures"]["timeouts_pm"]["regression"], other)

    def test_page_rows(self):
        """The overview's SDK table: the rate, "was" the old one, the change
        and the mark as text, the row's id from its number."""
        text = rr.page_text(W["reg_page"], "breakdowns")
        r = row(W["reg"], "sdk_version", "11.5.0")
        f = r["baseline"]["figures"]["timeouts_pm"]
        want = "%d was %d, ▲ +%d regression" % (r["timeouts_pm"], f["previous"], f["change"])
        self.assertIn(want, text)
        self.assertIn("small: never marked", text)
        self.assertIn("fewer than %d sessions" % MIN_SESSIONS, text)
        self.assertIn("beyond chance: a two-proportion test, p < 0.01", text)
        self.assertIn("percentiles are never marked", text)
        with open(W["reg_page"], encoding="utf-8") as fh:
            page = fh.read()
        k = [x["key"] for x in W["reg"]["breakdowns"]["sdk_version"]].index("11.5.0")
        self.assertRegex(page, r'<tr id="bd-sdk_version-%d">' % (k + 1))
        self.assertEqual(len(re.findall(r'id="bd-', page)),
                         sum(len(W["reg"]["breakdowns"][d]) for d in DIMS))


class TestBreakdownByApp(unittest.TestCase):
    def test_one_app_no_rows(self):
        self.assertEqual(W["normal"]["breakdowns"]["app"], [])
        self.assertNotIn("By app", rr.page_text(W["normal_page"], "breakdowns"))

    def test_several_apps(self):
        """Rooms whose number is odd moved to another SdkAppId: one row per
        app, with the rates of its sessions."""
        src = os.path.join(W["dir"], "normal-events.csv")
        two = os.path.join(W["dir"], "two-apps.csv")
        with open(src, newline="") as f, open(two, "w", newline="") as g:
            rd, wr = csv.reader(f), csv.writer(g, lineterminator="\n")
            head = next(rd)
            wr.writerow(head)
            app, room = head.index("SdkAppId"), head.index("RoomId")
            for r in rd:
                if int(re.sub(r"\D", "", r[room]) or 0) % 2:
                    r[app] = "1500000001"
                wr.writerow(r)
        j, page = report([two], "two-apps")
        rows = j["breakdowns"]["app"]
        self.assertEqual(len(rows), 2)
        self.assertEqual(sorted(r["key"] for r in rows), sorted(
            {r["key"] for r in rows} | {"1500000001"}))
        self.assertEqual(sum(r["sessions"] for r in rows), j["headline"]["sessions"])
        for r in rows:
            self.assertEqual(r["timeouts_pm"], per_mille(r["timeouts"], r["sessions"]))
        text = rr.page_text(page, "breakdowns")
        self.assertIn("By app", text)
        self.assertIn("1500000001", text)


# ---- "What changed" (README "What changed") ----

DIM_NAME = {"platform": "Platform", "device": "Device type", "sdk_version": "SDK",
            "network": "Network", "app": "App"}
DIM_PLAIN = {"platform": "platform", "device": "device type", "sdk_version": "SDK version",
             "network": "network type", "app": "app"}
NOUN = {"entry_success_pm": "sessions with the entry seen",
        "entry_within_5s_pm": "sessions with an entry latency",
        "entry_latency_p50_ms": "sessions with an entry latency",
        "entry_latency_p95_ms": "sessions with an entry latency",
        "first_frame_p50_ms": "sessions with a first frame"}
PER1000 = ["timeouts_pm", "kicks_pm", "entry_failed_pm", "no_exit_pm"]
CHANGE_KEYS = ["figure", "direction", "before", "after", "dimension", "segment",
               "segment_before", "segment_after", "sessions_before", "sessions_after",
               "share_of_change_pct", "mix_part", "rate_part", "p_value"]


def fmt_value(fig, v):
    """As the page shows a figure (render_weekly's fmt_value)."""
    if fig in ("entry_success_pm", "entry_within_5s_pm"):
        return "%d.%d %%" % (v // 10, v % 10)
    if fig in PERCENTILES:
        if v < 1000:
            return "%d ms" % v
        if v < 60000 and v % 1000 >= 100:
            return "%d.%d s" % (v // 1000, v % 1000 // 100)
        return "%d s" % (v // 1000)
    return str(v)


def segment_sentence(c):
    """The page's sentence of one named segment, from its JSON entry."""
    fig = c["figure"]
    unit = " per 1000 sessions" if fig in PER1000 else ""
    noun = NOUN.get(fig, "sessions")
    word = c["direction"]
    name = "%s %s" % (DIM_NAME[c["dimension"]], c["segment"])
    head = "%s accounts for %d %% of the %s: " % (name, c["share_of_change_pct"], word)
    if c["sessions_before"] == 0:
        return "%s, not in the baseline, accounts for %d %% of the %s: %s%s (%s %s," % (
            name, c["share_of_change_pct"], word, fmt_value(fig, c["segment_after"]), unit,
            "{:,}".format(c["sessions_after"]), noun)
    if c["sessions_after"] == 0:
        return "%s, not in this report, accounts for %d %% of the %s: it had %s%s (%s %s," % (
            name, c["share_of_change_pct"], word, fmt_value(fig, c["segment_before"]), unit,
            "{:,}".format(c["sessions_before"]), noun)
    return head + "%s → %s%s (%s %s); its share of %s " % (
        fmt_value(fig, c["segment_before"]), fmt_value(fig, c["segment_after"]), unit,
        "{:,}".format(c["sessions_after"]), noun, noun)


def rename_users(src, dst, old, new):
    with open(src, newline="") as f, open(dst, "w", newline="") as g:
        g.write(f.read().replace("," + old + ",", "," + new + ","))


class TestWhatChanged(unittest.TestCase):
    def changes(self, fig):
        return [c for c in W["reg"]["changes"] if c["figure"] == fig]

    def test_planted_regression_named_first(self):
        """11.5.0 first for timeouts and entry latency p50, with its share;
        no other segment named for any figure."""
        for fig in ("timeouts_pm", "entry_latency_p50_ms"):
            cs = self.changes(fig)
            self.assertTrue(cs, fig)
            self.assertEqual((cs[0]["dimension"], cs[0]["segment"]), ("sdk_version", "11.5.0"))
            self.assertGreaterEqual(cs[0]["share_of_change_pct"], 80)
            self.assertLess(cs[0]["p_value"], 0.01)
            self.assertEqual(cs[0]["direction"], "rise")
        for c in W["reg"]["changes"]:
            self.assertEqual((c["dimension"], c["segment"]), ("sdk_version", "11.5.0"), c)

    def test_entries_agree_with_rows(self):
        j, old = W["reg"], W["normal"]
        order = [(FIGURES.index(c["figure"]), -c["share_of_change_pct"]) for c in j["changes"]]
        self.assertEqual(order, sorted(order))
        for c in j["changes"]:
            self.assertEqual(list(c), CHANGE_KEYS)
            self.assertEqual(c["before"], old["headline"][c["figure"]])
            self.assertEqual(c["after"], j["headline"][c["figure"]])
            r, o = row(j, c["dimension"], c["segment"]), row(old, c["dimension"], c["segment"])
            self.assertEqual(c["segment_after"], r[c["figure"]])
            self.assertEqual(c["segment_before"], o[c["figure"]])
            if c["figure"] in PER1000:
                self.assertEqual(c["sessions_after"], r["sessions"])
                self.assertEqual(c["sessions_before"], o["sessions"])
                # The parts add up to its share of the change.
                delta = sum(x["timeouts"] for x in j["breakdowns"][c["dimension"]]) * 1000 / \
                    j["headline"]["sessions"] - old["headline"]["timeouts_pm"]
                self.assertAlmostEqual((c["mix_part"] + c["rate_part"]) * 100 / delta,
                                       c["share_of_change_pct"], delta=3)
            if c["figure"] == "entry_latency_p50_ms":
                self.assertEqual(c["sessions_after"], r["entry_latency_ms"]["n"])

    def test_page_sentences(self):
        """One paragraph per moved figure, at the top, linked to the row."""
        j = W["reg"]
        text = rr.page_text(W["reg_page"], "changes")
        self.assertTrue(text.startswith("What changed"))
        for fig, v in j["baseline"]["figures"].items():
            if fig not in FIGURES or v["previous"] in (None, v["value"]):
                continue
            moved = abs(v["change"]) > (20 if fig.startswith("entry_") and fig.endswith("_pm")
                                        else v["previous"] / 10)
            head = "%s %s %s → %s." % ("", "rose" if v["change"] > 0 else "fell",
                                       fmt_value(fig, v["previous"]), fmt_value(fig, v["value"]))
            self.assertEqual(moved, head.strip() in text, fig)
        for c in j["changes"]:
            self.assertIn(segment_sentence(c), text)
        self.assertIn("Timeouts per 1000 sessions rose %d → %d. SDK 11.5.0 accounts for" % (
            W["normal"]["headline"]["timeouts_pm"], j["headline"]["timeouts_pm"]), text)
        self.assertIn("No device type or network type stands out beyond chance.", text)
        self.assertIn("not why", text)
        self.assertNotIn("caused", text)
        with open(W["reg_page"], encoding="utf-8") as fh:
            page = fh.read()
        k = [x["key"] for x in j["breakdowns"]["sdk_version"]].index("11.5.0")
        self.assertIn('<a class="id key" href="#bd-sdk_version-%d">11.5.0</a>' % (k + 1), page)
        self.assertLess(page.index('id="changes"'), page.index('class="headline compared'))

    def test_nothing_moved(self):
        """A week against itself: changes is empty and the page says so."""
        j, page = report(gen("normal"), "self", "--baseline",
                         os.path.join(W["dir"], "normal.json"))
        self.assertEqual(j["changes"], [])
        self.assertEqual(rr.page_text(page, "changes"), "What changed No headline figure with "
                         "a breakdown moved beyond the threshold (10 %; success rates 2.0 "
                         "points) against the baseline.")

    def test_no_baseline(self):
        self.assertIsNone(W["normal"]["changes"])
        self.assertNotIn("What changed", rr.page_text(W["normal_page"]))

    def test_old_baseline(self):
        """A baseline written without the counts and histograms: the rates
        are still worked out, the percentiles say they could not be."""
        with open(os.path.join(W["dir"], "normal.json")) as f:
            old = json.load(f)
        del old["breakdown_bins_ms"]
        for dim in old["breakdowns"].values():
            for r in dim:
                for k in ("entry_within_5s", "entry_latency_hist", "first_frame_hist"):
                    del r[k]
        path = os.path.join(W["dir"], "old.json")
        with open(path, "w") as f:
            json.dump(old, f)
        j, page = report(gen("reg", "--regression", start=START + WEEK), "vs-old",
                         "--baseline", path)
        figs = {c["figure"] for c in j["changes"]}
        self.assertIn("timeouts_pm", figs)
        self.assertIn("entry_within_5s_pm", figs)   # its count derived from the rate
        self.assertFalse(figs & set(PERCENTILES))
        text = rr.page_text(page, "changes")
        self.assertIn("No segment could be tested against the rest: too few sessions, or "
                      "the baseline's rows lack the counts or histograms.", text)

    def test_new_and_gone_segments(self):
        """11.5.0 renamed 11.6.0 in the regression week: the new version is
        named "not in the baseline"; the other way round (the normal week
        renamed, against the regression week) the gone one "not in this
        report", for the fall."""
        ev, us = gen("reg", "--regression", start=START + WEEK)
        ren = os.path.join(W["dir"], "reg-renamed-users.csv")
        rename_users(us, ren, "11.5.0", "11.6.0")
        j, page = report([ev, ren], "renamed", "--baseline",
                         os.path.join(W["dir"], "normal.json"))
        c = next(c for c in j["changes"] if c["figure"] == "timeouts_pm")
        self.assertEqual((c["segment"], c["sessions_before"], c["segment_before"]),
                         ("11.6.0", 0, None))
        self.assertIn(segment_sentence(c), rr.page_text(page, "changes"))
        nev, nus = gen("normal")
        ren = os.path.join(W["dir"], "normal-renamed-users.csv")
        rename_users(nus, ren, "11.5.0", "11.6.0")
        j, page = report([nev, ren], "gone", "--baseline", os.path.join(W["dir"], "reg.json"))
        c = next(c for c in j["changes"] if c["figure"] == "timeouts_pm")
        self.assertEqual((c["segment"], c["direction"], c["sessions_after"], c["segment_after"]),
                         ("11.5.0", "fall", 0, None))
        text = rr.page_text(page, "changes")
        self.assertIn(segment_sentence(c), text)
        self.assertIn("Timeouts per 1000 sessions fell", text)


if __name__ == "__main__":
    unittest.main()


STANDOUT_KEYS = ["figure", "dimension", "segment", "segment_value", "rest_value", "ratio",
                 "sessions", "rest_sessions", "p_value"]
REST = {"platform": "the other platforms", "device": "the other device types",
        "sdk_version": "the other versions", "network": "the other network types",
        "app": "the other apps"}
VERB = {"entry_success_pm": "enters", "entry_within_5s_pm": "enters within 5 s",
        "timeouts_pm": "times out", "kicks_pm": "has kicks",
        "entry_failed_pm": "has entry failures", "no_exit_pm": "has missing exits"}
RATES = ["entry_success_pm", "entry_within_5s_pm"] + PER1000
COUNTS = {"entry_success_pm": ("entered", "entry_observed"),
          "entry_within_5s_pm": ("entry_within_5s", None), "timeouts_pm": ("timeouts", "sessions"),
          "kicks_pm": ("kicks", "sessions"), "entry_failed_pm": ("entry_failed", "sessions"),
          "no_exit_pm": ("no_exit", "sessions")}


def standout_sentence(s):
    """The page's sentence of one standout, from its JSON entry."""
    fig = s["figure"]
    if fig in PER1000 and s["ratio"] >= 1.1:
        how = "%.1f× as often as" % s["ratio"]
    else:
        how = "%s often than" % ("more" if s["ratio"] > 1 else "less")
    unit = " per 1000 sessions" if fig in PER1000 else ""
    return "%s %s %s %s %s: %s against %s%s (%s %s)." % (
        DIM_NAME[s["dimension"]], s["segment"], VERB[fig], how, REST[s["dimension"]],
        fmt_value(fig, s["segment_value"]), fmt_value(fig, s["rest_value"]), unit,
        "{:,}".format(s["sessions"]), NOUN.get(fig, "sessions"))


class TestStandouts(unittest.TestCase):
    """Without --baseline: the regression week alone names SDK 11.5.0 for
    timeouts; the normal week names nothing."""

    @classmethod
    def setUpClass(cls):
        d = W["dir"]
        cls.j, cls.page = report([os.path.join(d, "reg-events.csv"),
                                  os.path.join(d, "reg-users.csv")], "reg-alone")

    def test_regression_names_sdk(self):
        s = self.j["standouts"]
        timeouts = [x for x in s if x["figure"] == "timeouts_pm"]
        self.assertTrue(timeouts)
        first = timeouts[0]
        self.assertEqual((first["dimension"], first["segment"]), ("sdk_version", "11.5.0"))
        self.assertGreater(first["ratio"], 2)
        self.assertLess(first["p_value"], 0.01)
        for x in s:
            self.assertEqual(list(x), STANDOUT_KEYS)
            self.assertIn(x["figure"], RATES)
            self.assertLess(x["p_value"], 0.01)
            self.assertGreaterEqual(x["sessions"], 0)

    def test_entries_agree_with_rows(self):
        j = self.j
        for x in j["standouts"]:
            # Rows of unknown value are not in the rest (README).
            rows = [q for q in j["breakdowns"][x["dimension"]]
                    if q["key"] not in ("(not given)", "(not reported)", "(unknown)")]
            r = row(j, x["dimension"], x["segment"])
            self.assertGreaterEqual(r["sessions"], MIN_SESSIONS)
            num, den = COUNTS[x["figure"]]

            def n_of(q):
                return q["entry_latency_ms"]["n"] if den is None else q[den]
            self.assertEqual(x["sessions"], n_of(r))
            self.assertEqual(x["rest_sessions"], sum(n_of(q) for q in rows) - n_of(r))
            self.assertEqual(x["segment_value"], per_mille(r[num], n_of(r)))
            rest_x = sum(q[num] for q in rows) - r[num]
            self.assertEqual(x["rest_value"], per_mille(rest_x, x["rest_sessions"]))
            ratio = (r[num] / n_of(r)) / (rest_x / x["rest_sessions"])
            self.assertAlmostEqual(x["ratio"], ratio, places=2)

    def test_page_sentences(self):
        text = rr.page_text(self.page, "standouts")
        self.assertTrue(text.startswith("Where this week stands out "))
        for x in self.j["standouts"]:
            self.assertIn(standout_sentence(x), text)
        self.assertIn("SDK 11.5.0 times out ", text)
        self.assertNotIn("caused", text)
        self.assertNotIn("because", text)
        with open(self.page, encoding="utf-8") as f:
            html = f.read()
        i = next(k for k, q in enumerate(self.j["breakdowns"]["sdk_version"])
                 if q["key"] == "11.5.0")
        self.assertIn('href="#bd-sdk_version-%d"' % (i + 1), html)
        self.assertIn('id="bd-sdk_version-%d"' % (i + 1), html)

    def test_normal_week_names_nothing(self):
        self.assertEqual(W["normal"]["standouts"], [])
        self.assertEqual(rr.page_text(W["normal_page"], "standouts"),
                         "Where this week stands out No breakdown segment differs from the "
                         "rest of its breakdown beyond chance in entry success, entries "
                         "within 5 s, timeouts, kicks, entry failures or missing exits. "
                         "A segment (a row of the breakdowns below, with at least 1000 "
                         "sessions) is named when its rate differs from the rest of its "
                         "breakdown this week beyond chance: a pooled two-proportion test of "
                         "the segment against the other rows together, p < 0.01 after Holm's "
                         "correction over every test of the page. This says where the week "
                         "differs, not why.")

    def test_with_baseline_null(self):
        self.assertIsNone(W["reg"]["standouts"])
        self.assertNotIn("Where this week stands out", rr.page_text(W["reg_page"]))
