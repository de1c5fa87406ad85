"""End-to-end tests of the companion exports (users, rooms, quality files;
issue 7) on the samples: what the JSON says per session and per call, the
quality findings, the breakdowns, and the quality charts on the call page.

The samples' stories are in samples/README.md: kai (room 3103) is still in the
room at export, room 3103 is not finished, fay's join time disagrees, chen's
RTT is above 400 ms before his 10:12:14 timeout, chen's and anna's video loss
goes above 5 % (and 10 %), emil's system CPU is above 85 % for 90 s.
"""
import collections
import glob
import html.parser
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rrtest as rr  # noqa: E402
from rrtest import t  # noqa: E402

ALL_SAMPLES = sorted(glob.glob(os.path.join(rr.SAMPLES_DIR, "*.csv")))
USERS = os.path.join(rr.SAMPLES_DIR, "users.csv")
ROOMS = os.path.join(rr.SAMPLES_DIR, "rooms.csv")
QUALITY = os.path.join(rr.SAMPLES_DIR, "quality.csv")
JSON_ARGS = ["--no-html", "--json", "-", "-q", "--tz", "UTC"]


def setUpModule():
    if not os.access(rr.BINARY, os.X_OK):
        raise RuntimeError("roomreport binary not found at %s (set ROOMREPORT)" % rr.BINARY)


def field(test, obj, *names):
    """obj[name] for the first of names present; fails naming the keys there are."""
    for n in names:
        if n in obj:
            return obj[n]
    test.fail("none of %s in %s" % (names, sorted(obj)))


_REPORT = {}


def report():
    if "rep" not in _REPORT:
        code, out, err = rr.run(JSON_ARGS + ALL_SAMPLES)
        if code != 0:
            raise AssertionError("exit %d: %s" % (code, err))
        _REPORT["rep"] = rr.load_json(out)
    return _REPORT["rep"]


class Base(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.rep = report()

    def call(self, room, start=None):
        for c in self.rep["calls"]:
            if c["room_id"] == room and (start is None or c["start_ms"] == t(start)):
                return c
        self.fail("no call in room %s" % room)

    def sessions(self, user):
        return [s for c in self.rep["calls"] for s in c["sessions"] if s["user_id"] == user]

    def findings(self, user, code=None):
        return [f for s in self.sessions(user) for f in s["findings"]
                if code is None or f["code"] == code]


class TestSamplesHaveCompanions(unittest.TestCase):
    def test_files(self):
        for p in (USERS, ROOMS, QUALITY):
            self.assertIn(p, ALL_SAMPLES)
        self.assertEqual(rr.read_export(USERS)[0].keys() >= {
            "SdkAppId", "CommId", "RoomId", "UserId", "JoinTs", "LeaveTs", "DeviceType",
            "SdkVersion", "ClientIp", "Finished"}, True)

    def test_quality_file_is_reproducible(self):
        # samples/make_quality.py writes exactly samples/quality.csv.
        import subprocess
        with tempfile.TemporaryDirectory(prefix="rr-q-") as d:
            out = os.path.join(d, "q.csv")
            subprocess.run([sys.executable, os.path.join(rr.SAMPLES_DIR, "make_quality.py"), out],
                           check=True)
            with open(out, "rb") as a, open(QUALITY, "rb") as b:
                self.assertEqual(a.read(), b.read())

    def test_quality_units_are_seconds(self):
        rows = rr.read_export(QUALITY)
        self.assertTrue(300 <= len(rows) <= 1500, len(rows))
        for r in rows:
            self.assertTrue(t("10:00:00") // 1000 <= int(r["Time"]) <= t("10:41:00") // 1000, r)


class TestSessions(Base):
    def test_contract_still_holds(self):
        self.assertEqual(rr.contract_errors(self.rep), [])

    def test_counts(self):
        inp = self.rep["input"]
        self.assertEqual((inp["rows"], inp["used"], inp["rejected"]),
                         (215 + 14 + 3 + len(rr.read_export(QUALITY)),) * 2 + (0,))
        tot = self.rep["totals"]
        self.assertEqual((tot["calls"], tot["rooms"], tot["users"], tot["sessions"]),
                         (5, 4, 11, 15))
        # kai's unknown exit becomes ongoing: still in the room, not an exit.
        self.assertEqual(tot["exits"]["unknown"], 0)
        self.assertEqual(tot["exits"]["ongoing"], 1)

    def test_device_sdk_ip_per_session(self):
        want = {r["UserId"]: (r["DeviceType"], r["SdkVersion"], r["ClientIp"])
                for r in rr.read_export(USERS)}
        for c in self.rep["calls"]:
            for s in c["sessions"]:
                if s["user_id"] == "dora" and not s["entered"]:
                    continue   # her failed try: the users file row is her stay
                got = (field(self, s, "device"), field(self, s, "sdk_version"),
                       field(self, s, "client_ip"))
                self.assertEqual(got, want[s["user_id"]], "%s %s" % (s["user_id"], s["start_ms"]))

    def test_ongoing_user(self):
        [kai] = self.sessions("kai")
        self.assertEqual(kai["exit_reason"], "ongoing")
        self.assertEqual(kai["start_ms"], t("10:26:00"))
        self.assertNotIn("no_exit", {f["code"] for f in kai["findings"]})
        # Everyone else left: no other ongoing session.
        others = [s for c in self.rep["calls"] for s in c["sessions"]
                  if s["exit_reason"] == "ongoing" and s["user_id"] != "kai"]
        self.assertEqual(others, [])

    def test_join_disagreement(self):
        [f] = self.findings("fay", "join_mismatch")
        self.assertIn("10:08:00", f["text"])
        self.assertIn("10:06:00", f["text"])
        # Within the tolerance: no finding.
        for user in ("anna", "ben", "chen", "emil", "dora", "gus", "hana", "kai", "ivan", "jo"):
            self.assertEqual(self.findings(user, "join_mismatch"), [], user)


class TestCalls(Base):
    def test_room_lifetimes(self):
        want = {"3101": (t("09:59:58"), t("10:20:45"), False),
                "3102": (t("10:02:57"), t("10:25:05"), False),
                "3103": (t("10:07:28"), None, True)}
        for c in self.rep["calls"]:
            got = (field(self, c, "created_ms"), field(self, c, "destroyed_ms"),
                   field(self, c, "ongoing"))
            self.assertEqual(got, want.get(c["room_id"], (None, None, False)), c["room_id"])

    def test_quality_samples_per_call(self):
        rows = rr.read_export(QUALITY)
        per_call = collections.Counter()
        for r in rows:
            ms = int(r["Time"]) * 1000
            for c in self.rep["calls"]:
                if c["room_id"] == r["RoomId"] and c["start_ms"] <= ms <= c["end_ms"]:
                    per_call[(c["room_id"], c["start_ms"])] += 1
                    break
        self.assertEqual(sum(per_call.values()), len(rows))
        for c in self.rep["calls"]:
            self.assertEqual(field(self, c, "quality_samples"),
                             per_call[(c["room_id"], c["start_ms"])], c["room_id"])


class TestQualityFindings(Base):
    def test_high_rtt_before_timeout(self):
        first = [s for s in self.sessions("chen") if s["exit_reason"] == "timeout"][0]
        [f] = [f for f in first["findings"] if f["code"] == "high_rtt"]
        self.assertIn(f["severity"], ("warning", "error"))
        self.assertIn("400 ms", f["text"])
        self.assertIn("before the timeout", f["text"])
        self.assertIn("10:12:14", f["text"])
        self.assertTrue(t("10:09:00") <= f["time_ms"] <= t("10:10:40"), f)
        # Nobody else's RTT is high.
        for user in ("anna", "ben", "emil", "gus", "hana", "kai", "ivan", "jo"):
            self.assertEqual(self.findings(user, "high_rtt"), [], user)

    def test_high_loss(self):
        self.assertTrue(self.findings("chen", "high_loss"))
        # anna's comes from the video she receives from chen.
        [f] = self.findings("anna", "high_loss")
        self.assertIn("chen", f["text"])
        self.assertIn("5 %", f["text"])
        for user in ("ben", "emil", "dora", "fay", "gus", "hana", "kai"):
            self.assertEqual(self.findings(user, "high_loss"), [], user)

    def test_high_cpu(self):
        [f] = self.findings("emil", "high_cpu")
        self.assertIn("85 %", f["text"])
        self.assertTrue(t("10:18:00") <= f["time_ms"] <= t("10:19:30"), f)
        for user in ("anna", "ben", "chen", "dora", "fay"):
            self.assertEqual(self.findings(user, "high_cpu"), [], user)

    def test_findings_well_formed(self):
        for c in self.rep["calls"]:
            for s in c["sessions"]:
                for f in s["findings"]:
                    self.assertEqual(rr.contract_errors(f, rr.FINDING), [])


class TestBreakdowns(Base):
    def table(self, *names):
        b = field(self, self.rep, "breakdowns")
        return {row["key"]: row for row in field(self, b, *names)}

    def test_platform(self):
        rows = self.table("platform")
        self.assertEqual(rows["sdk"]["sessions"], 14)
        self.assertEqual(rows["webrtc"]["sessions"], 1)

    def test_device_type(self):
        rows = self.table("device")
        self.assertEqual(rows["iPhone14,2"]["users"], 3)     # anna, dora, gus
        self.assertEqual(rows["iPhone14,2"]["sessions"], 4)  # dora twice
        self.assertEqual(rows["Windows"]["users"], 2)        # emil, ivan
        self.assertEqual(rows["SM-G9910"]["timeouts"], 1)    # chen
        self.assertEqual(sum(r["sessions"] for r in rows.values()), 15)

    def test_sdk_version(self):
        rows = self.table("sdk_version")
        self.assertEqual({k: r["users"] for k, r in rows.items()},
                         {"11.4.0": 5, "11.3.0": 2, "10.9.0": 3, "5.3.1": 1})

    def test_no_users_file_no_device_breakdown(self):
        code, out, err = rr.run(JSON_ARGS + rr.SAMPLES)
        self.assertEqual(code, 0, err)
        b = rr.load_json(out).get("breakdowns", {})
        # report.h: device type and SDK version come from the users file
        # (empty lists without one).
        for n in ("device", "sdk_version"):
            self.assertEqual(b.get(n, []), [], n)


class Page(html.parser.HTMLParser):
    """The elements of a page as (tag, attrs, parent index) with the text of
    <title> elements."""

    def __init__(self, path):
        super().__init__(convert_charrefs=True)
        self.els, self.stack = [], []
        with open(path, encoding="utf-8") as f:
            self.feed(f.read())

    VOID = {"meta", "link", "br", "img", "input", "hr"}

    def handle_starttag(self, tag, attrs):
        self.els.append({"tag": tag, "attrs": dict(attrs), "parent": self.stack[-1]
                         if self.stack else None, "text": ""})
        if tag not in self.VOID:
            self.stack.append(len(self.els) - 1)

    def handle_startendtag(self, tag, attrs):
        self.els.append({"tag": tag, "attrs": dict(attrs), "parent": self.stack[-1]
                         if self.stack else None, "text": ""})

    def handle_endtag(self, tag):
        while self.stack:
            i = self.stack.pop()
            if self.els[i]["tag"] == tag:
                break

    def handle_data(self, data):
        if self.stack:
            self.els[self.stack[-1]]["text"] += data

    def inside(self, i, j):
        """Element i is a descendant of element j."""
        p = self.els[i]["parent"]
        while p is not None:
            if p == j:
                return True
            p = self.els[p]["parent"]
        return False

    def find(self, tag, cls=None, under=None):
        return [i for i, e in enumerate(self.els) if e["tag"] == tag
                and (cls is None or cls in e["attrs"].get("class", "").split())
                and (under is None or self.inside(i, under))]

    def title_of(self, i):
        for k in range(i + 1, len(self.els)):
            if self.els[k]["parent"] == i and self.els[k]["tag"] == "title":
                return self.els[k]["text"]
        return None


class TestCallPage(Base):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._tmp = tempfile.TemporaryDirectory(prefix="rr-comp-")
        out = os.path.join(cls._tmp.name, "report")
        code, _, err = rr.run(["-q", "-o", out, "--tz", "UTC"] + ALL_SAMPLES)
        if code != 0:
            raise AssertionError(err)
        cls.pages = {}
        for p in glob.glob(os.path.join(out, "calls", "*.html")):
            page = Page(p)
            h1 = page.find("h1")[0]
            cls.pages[page.els[h1]["text"].split()[1]] = cls.pages.get(
                page.els[h1]["text"].split()[1], page)
        cls.index = Page(os.path.join(out, "index.html"))

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def lane_blocks(self, page):
        return {page.els[i]["attrs"]["data-user"]: i for i in page.find("details", "lane-charts")}

    def test_charts_points_3101(self):
        page = self.pages["3101"]
        rows = [r for r in rr.read_export(QUALITY) if r["RoomId"] == "3101"]
        blocks = self.lane_blocks(page)
        self.assertEqual(set(blocks), {"anna", "ben", "chen"})
        for user, blk in blocks.items():
            lines = page.find("polyline", under=blk)
            npts = [len(page.els[i]["attrs"]["points"].split()) for i in lines]
            mine = [r for r in rows if r["UserId"] == user]
            self.assertEqual(sum(npts), len(mine), user)
            # The upstream RTT line has one point per sample; chen's is cut
            # in two where his samples stop while he is offline (10:10:40 to
            # 10:12:50), so no line crosses that time.
            rtt = [n for i, n in zip(lines, npts)
                   if (page.title_of(i) or "").split(" (")[0] == "rtt"]
            self.assertEqual(sum(rtt), sum(1 for r in mine if r["DataType"] == "rtt"
                                           and not r["PeerId"]), user)
            self.assertEqual(len(rtt), 2 if user == "chen" else 1, user)
            for i in lines:
                self.assertTrue(page.title_of(i), "polyline without a title")

    def test_charts_aligned_with_timeline(self):
        page = self.pages["3101"]
        [tl] = page.find("svg", "timeline")
        width = page.els[tl]["attrs"]["viewbox"].split()[2]
        tl_ticks = [page.els[i]["attrs"]["x1"] for i in page.find("line", "tick", under=tl)]
        charts = page.find("svg", "chart")
        self.assertGreaterEqual(len(charts), 3)
        for c in charts:
            self.assertEqual(page.els[c]["attrs"]["viewbox"].split()[2], width)
            self.assertEqual([page.els[i]["attrs"]["x1"]
                              for i in page.find("line", "tick", under=c)], tl_ticks)
            # Dashed reference lines carry their label as a title.
            for g in page.find("g", "ref", under=c):
                self.assertTrue(page.title_of(g))

    def test_reference_lines(self):
        page = self.pages["3101"]
        labels = " ".join(page.title_of(g) for g in page.find("g", "ref"))
        for want in ("5 %", "10 %", "400 ms"):
            self.assertIn(want, labels)

    def test_unknown_metric_charted_raw(self):
        page = self.pages["3103"]
        names = [page.title_of(i) or "" for i in page.find("polyline")]
        self.assertTrue(any(n.startswith("myCustomMetric") for n in names), names)

    def test_participants_and_ongoing(self):
        page = self.pages["3103"]
        [tbl] = page.find("table", "participants")
        rows = {}
        for tr in page.find("tr", under=tbl):
            tds = [page.els[i]["text"].strip() for i in page.find("td", under=tr)]
            if tds:
                rows[tds[0]] = tds
        self.assertEqual(rows["kai"][2:], ["SM-A5360", "11.4.0", "198.51.100.201", "yes"])
        self.assertEqual(rows["gus"][5], "no")
        self.assertEqual(len(page.find("path", "ongoing-mark")), 1)
        [h1] = page.find("h1")
        self.assertTrue(page.find("span", "ongoing", under=h1))
        self.assertFalse(self.pages["3101"].find("path", "ongoing-mark"))
        [h1] = self.pages["3101"].find("h1")
        self.assertFalse(self.pages["3101"].find("span", "ongoing", under=h1))

    def test_no_charts_without_quality(self):
        with tempfile.TemporaryDirectory(prefix="rr-comp-") as d:
            out = os.path.join(d, "r")
            code, _, err = rr.run(["-q", "-o", out, "--tz", "UTC"] + rr.SAMPLES)
            self.assertEqual(code, 0, err)
            for p in glob.glob(os.path.join(out, "calls", "*.html")):
                self.assertEqual(Page(p).find("svg", "chart"), [])

    def test_overview_breakdowns(self):
        page = self.index
        tables = page.find("div", "breakdown")
        heads = [page.els[page.find("h3", under=i)[0]]["text"] for i in tables]
        self.assertEqual(heads, ["By platform", "By network type", "By device type",
                                 "By SDK version"])


if __name__ == "__main__":
    unittest.main()
