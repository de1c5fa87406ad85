"""End-to-end tests of several --baseline files (issue 16 item 5, README
"Weekly report"): three generated weeks, the third compared with the other
two given in any order — the JSON's "baselines" (oldest first, period and
headline), comparisons against the newest, the headline's trend column with
its text alternative — and the command line's errors for repeated
--baseline: a duplicate, one of this run's period, one newer than this run,
one without days, an unreadable one (exact message and exit code).
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
ARGS = ["-q", "--tz", "UTC"]
W = {}


def gen(prefix, start, seed, *extra):
    d = W["dir"]
    paths = [os.path.join(d, prefix + s) for s in ("-events.csv", "-abnormal.csv", "-users.csv")]
    subprocess.run([sys.executable, GEN, "--calls", "150", "--days", "7", "--seed", str(seed),
                    "--start", str(start), "--out", paths[0], "--abnormal", paths[1],
                    "--users", paths[2]] + list(extra), check=True, timeout=300)
    return paths


def run_ok(args):
    code, out, err = rr.run(ARGS + args, timeout=600)
    if code != 0:
        raise AssertionError("exit %d: %s" % (code, err))
    return out


def setUpModule():
    W["dir"] = tempfile.mkdtemp(prefix="rr-baselines-")
    W["csv"] = {}
    W["json"] = {}
    for k, (start, seed) in enumerate([(START - 2 * WEEK, 1), (START - WEEK, 2), (START, 3)]):
        name = "w%d" % k
        W["csv"][name] = gen(name, start, seed, *(["--regression"] if k == 2 else []))
        path = os.path.join(W["dir"], name + ".json")
        run_ok(["--no-html", "--json", path] + W["csv"][name])
        W["json"][name] = path
    W["out"] = os.path.join(W["dir"], "rep")
    W["two"] = json.loads(run_ok(["-o", W["out"], "--json", "-", "--baseline", W["json"]["w1"],
                                  "--baseline", W["json"]["w0"]] + W["csv"]["w2"]))
    with open(os.path.join(W["out"], "index.html"), encoding="utf-8") as f:
        W["html"] = f.read()


def tearDownModule():
    shutil.rmtree(W["dir"], ignore_errors=True)


def load(name):
    with open(W["json"][name]) as f:
        return json.load(f)


class Several(unittest.TestCase):
    def test_baselines_oldest_first(self):
        b = W["two"]["baselines"]
        self.assertEqual(len(b), 2)
        for got, name in zip(b, ("w0", "w1")):
            old = load(name)
            self.assertEqual(got["headline"], old["headline"])
            self.assertEqual(got["period"], {"first": old["days"][0]["date"],
                                             "last": old["days"][-1]["date"]})
        self.assertEqual(b[0]["period"], {"first": "2025-11-03", "last": "2025-11-09"})
        self.assertEqual(b[1]["period"], {"first": "2025-11-10", "last": "2025-11-16"})

    def test_any_order_same_output(self):
        other = json.loads(run_ok(["--no-html", "--json", "-", "--baseline", W["json"]["w0"],
                                   "--baseline", W["json"]["w1"]] + W["csv"]["w2"]))
        self.assertEqual(other, W["two"])

    def test_compared_with_the_newest(self):
        one = json.loads(run_ok(["--no-html", "--json", "-", "--baseline", W["json"]["w1"]]
                                + W["csv"]["w2"]))
        self.assertEqual(W["two"]["baseline"], one["baseline"])
        self.assertEqual(W["two"]["baseline"]["file"], "w1.json")
        self.assertEqual(W["two"]["context"], one["context"])
        self.assertEqual(len(one["baselines"]), 1)

    def test_trend_column(self):
        """A Trend column; each figure's sparkline names its values, oldest
        first, with each run's period, then this report."""
        h = W["html"]
        self.assertIn('scope="col">Trend</th>', h)
        old = [load("w0")["headline"], load("w1")["headline"]]
        now = W["two"]["headline"]
        labels = re.findall(r'<svg class="spark"[^>]*aria-label="([^"]*)"', h)
        self.assertEqual(len(labels), 14)
        lab = html.unescape([x for x in labels if x.startswith("Timeouts per 1000")][0])
        self.assertEqual(lab, "Timeouts per 1000 sessions, oldest first: "
                         "%d (2025-11-03 to 2025-11-09), %d (2025-11-10 to 2025-11-16), "
                         "%d (this report)" % (old[0]["timeouts_pm"], old[1]["timeouts_pm"],
                                               now["timeouts_pm"]))
        text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", h)))
        self.assertIn("Trend: the 2 baselines, oldest first (2025-11-03 to 2025-11-09 … "
                      "2025-11-10 to 2025-11-16), then this report", text)

    def test_one_baseline_no_trend(self):
        out = os.path.join(W["dir"], "rep1")
        run_ok(["-o", out, "--baseline", W["json"]["w1"]] + W["csv"]["w2"])
        with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
            h = f.read()
        self.assertNotIn('class="spark"', h)
        self.assertNotIn(">Trend</th>", h)

    def test_one_baseline_of_the_same_period_is_allowed(self):
        """As before: one --baseline may be any earlier JSON, even of the
        same week (a run before and after a fix)."""
        j = json.loads(run_ok(["--no-html", "--json", "-", "--baseline", W["json"]["w2"]]
                              + W["csv"]["w2"]))
        self.assertEqual(j["baselines"][0]["period"]["first"], "2025-11-17")


class Errors(unittest.TestCase):
    def check(self, baselines, code, message, inputs="w2"):
        args = ["--no-html", "--json", "-"]
        for b in baselines:
            args += ["--baseline", b]
        got, out, err = rr.run(ARGS + args + W["csv"][inputs], timeout=600)
        self.assertEqual((got, err), (code, message + "\n"))
        self.assertEqual(out, "")

    def test_duplicate(self):
        p = W["json"]["w1"]
        self.check([p, W["json"]["w0"], p], 1,
                   "roomreport: --baseline %s: the same period (2025-11-10 to 2025-11-16) as "
                   "%s; give each earlier run once" % (p, p))

    def test_same_period_as_this_run(self):
        self.check([W["json"]["w1"], W["json"]["w2"]], 1,
                   "roomreport: --baseline %s: its period (2025-11-17 to 2025-11-23) is this "
                   "run's; a baseline is an earlier run" % W["json"]["w2"])

    def test_newer_than_this_run(self):
        self.check([W["json"]["w0"], W["json"]["w2"]], 1,
                   "roomreport: --baseline %s: its period (2025-11-17 to 2025-11-23) does not "
                   "end before this run's (2025-11-10 to 2025-11-16) begins; a baseline is an "
                   "earlier run" % W["json"]["w2"], inputs="w1")

    def test_without_days(self):
        p = os.path.join(W["dir"], "nodays.json")
        with open(p, "w") as f:
            json.dump({"headline": load("w0")["headline"]}, f)
        self.check([W["json"]["w1"], p], 1,
                   "roomreport: --baseline %s: has no days, so its period is unknown (with "
                   "several --baseline, each must be the --json of a run with days)" % p)

    def test_unreadable(self):
        p = os.path.join(W["dir"], "missing.json")
        self.check([W["json"]["w1"], p], 3,
                   "roomreport: --baseline %s: No such file or directory" % p)

    def test_broken_second(self):
        p = os.path.join(W["dir"], "broken.json")
        with open(p, "w") as f:
            f.write('{"headline": {"calls": 1}')
        self.check([W["json"]["w1"], p], 1,
                   "roomreport: --baseline %s: offset 25: unexpected end of input, expected "
                   "',' or '}'" % p)

    def test_too_many(self):
        p = W["json"]["w0"]
        self.check([p] * 53, 1, "roomreport: --baseline %s: more than 52 --baseline files" % p)

    def test_help_says_repeatable(self):
        code, out, _ = rr.run(["--help"])
        self.assertEqual(code, 0)
        self.assertIn("--baseline FILE", out)
        self.assertIn("repeatable", out[out.index("--baseline FILE"):][:400])


if __name__ == "__main__":
    unittest.main()
