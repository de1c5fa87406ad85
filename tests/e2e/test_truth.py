"""End to end: the session rules of DESIGN §3 revised for issue 14, and the
sentences they produce, on the issue's minimal inputs and on variations
(other row orders, more users, SDK and WebRTC).

- item 2: a session whose entry was not observed has entered null ("entry
  not seen") and stays out of the entry success rate's denominator;
- item 3: a timeout logged late, after the user rejoined from another
  device, is the silent session's;
- item 7: events in the millisecond of an opening are inside its session,
  whatever the row order;
- item 8: an abnormal experience belongs to the session overlapping the
  minute it was counted in; a slow entry to the session opening in it;
- item 12 (parts): "last seen ..., when the network was lost", "no network
  from ... until the timeout at ...", causes with a PeerId read as that
  remote user's.
"""
import html
import itertools
import json
import os
import random
import re
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rrtest as rr  # noqa: E402

t = rr.t
EVENTS_HEADER = "RoomId,UserId,Time,EventId,ParamOne"
ABNORMAL_HEADER = "RoomId,UserId,PeerId,EventTime,ExperienceId,AbnormalEventId"


def events_csv(rows):
    """rows: (room, user, time_ms, event_id[, param_one])."""
    out = [EVENTS_HEADER]
    for r in rows:
        room, user, ms, eid = r[:4]
        p1 = r[4] if len(r) > 4 else ""
        out.append("%s,%s,%d,%s,%s" % (room, user, ms, eid, p1))
    return "\n".join(out) + "\n"


def abnormal_csv(rows):
    """rows: (room, user, peer, event_time_s, experience_id, cause_id)."""
    out = [ABNORMAL_HEADER]
    for room, user, peer, sec, exp, cause in rows:
        out.append("%s,%s,%s,%d,%s,%s" % (room, user, peer, sec, exp, cause))
    return "\n".join(out) + "\n"


def text_of(fragment):
    """The text of an HTML fragment, tags dropped, entities decoded, spaces
    collapsed."""
    # Instants (<time>) and the zone's name (<span data-zone>) are inline:
    # their text joins what is around it.
    fragment = re.sub(r'</?time\b[^>]*>|<span class="zone-name"[^>]*>([^<]*)</span>', r"\1",
                      fragment)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


class Report:
    """One run of the tool on the given files (name -> text): the JSON, the
    sessions CSV and the HTML pages."""

    def __init__(self, files, *extra, html_pages=True):
        self.dir = tempfile.mkdtemp(prefix="rr-truth-")
        try:
            paths = rr.write_files(self.dir, files)
            out = os.path.join(self.dir, "report")
            args = ["-q", "--tz", "UTC", "--json", os.path.join(self.dir, "r.json"),
                    "--sessions-csv", os.path.join(self.dir, "s.csv")]
            args += ["-o", out] if html_pages else ["--no-html"]
            code, _, err = rr.run(args + list(extra) + paths)
            if code != 0:
                raise AssertionError("exit %d: %s" % (code, err))
            with open(os.path.join(self.dir, "r.json"), encoding="utf-8") as f:
                self.json_text = f.read()
            self.json = json.loads(self.json_text)
            with open(os.path.join(self.dir, "s.csv"), encoding="utf-8") as f:
                rows = rr.read_csv_text(f.read())
            self.csv = [dict(zip(rows[0], r)) for r in rows[1:]]
            self.overview = self.calls = None
            if html_pages:
                with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
                    self.overview = f.read()
                self.calls = []
                for name in sorted(os.listdir(os.path.join(out, "calls"))):
                    with open(os.path.join(out, "calls", name), encoding="utf-8") as f:
                        self.calls.append(f.read())
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def sessions(self, user=None):
        return [s for c in self.json["calls"] for s in c["sessions"]
                if user is None or s["user_id"] == user]

    def findings(self, session, code=None):
        return [f["text"] for f in session["findings"] if code is None or f["code"] == code]

    def session_rows(self, page=0):
        """The call page's session table: [user, title, platform, exit, ...]."""
        s = self.calls[page]
        body = s[s.index('<tbody data-slot="sessions">'):]
        body = body[:body.index("</tbody>")]
        return [[text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
                for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)]

    def findings_text(self, page=0):
        """The text of the call page's findings list."""
        m = re.search(r'<ol class="findings">(.*?)</ol>', self.calls[page], re.S)
        return text_of(m.group(1)) if m else ""

    def bar_classes(self, page=0):
        return re.findall(r'<path class="(bar [^"]*)"', self.calls[page])

    def fact(self, term):
        m = re.search(r"<dt>%s</dt>\s*<dd>(.*?)</dd>" % re.escape(term), self.overview, re.S)
        return text_of(m.group(1)) if m else None

    def pages_text(self):
        return " ".join(text_of(p) for p in [self.overview] + self.calls)


def setUpModule():
    if not os.access(rr.BINARY, os.X_OK):
        raise RuntimeError("roomreport binary not found at %s (set ROOMREPORT)" % rr.BINARY)


# ---- item 2: entry not seen ------------------------------------------------

TOM = [("r1", "tom", 1795168830000, 1003, 1), ("r1", "tom", 1795170000000, 7001, 0)]

# One room, one call: tom (start before the export), ann (entered), bea
# (entry failed), cid (opened, never entered, no exit), wes (WebRTC, only a
# video event and the exit: start not seen), wen (WebRTC, entered).
MIXED = TOM + [
    ("r1", "ann", t("10:01:00"), 5001), ("r1", "ann", t("10:01:02"), 5003, 1),
    ("r1", "ann", t("10:15:00"), 7001, 0),
    ("r1", "bea", t("10:02:00"), 5001), ("r1", "bea", t("10:02:09"), 5003, 0),
    ("r1", "cid", t("10:03:00"), 5001), ("r1", "cid", t("10:03:05"), 3001, 1),
    ("r1", "wes", t("10:00:40"), 32768), ("r1", "wes", t("10:12:00"), 32789),
    ("r1", "wen", t("10:04:00"), 32788), ("r1", "wen", t("10:04:30"), 32768),
    ("r1", "wen", t("10:14:00"), 32789),
]
MIXED_ENTERED = {"tom": None, "ann": True, "bea": False, "cid": False, "wes": None,
                 "wen": True}


class EntryNotSeen(unittest.TestCase):
    def test_issue_minimal(self):
        r = Report({"e.csv": events_csv(TOM)})
        [s] = r.sessions()
        self.assertIsNone(s["entered"])
        self.assertIs(s["start_observed"], False)
        self.assertEqual(s["exit_reason"], "normal")
        self.assertEqual((s["start_ms"], s["end_ms"]), (1795168830000, 1795170000000))
        tot = r.json["totals"]
        self.assertEqual((tot["sessions"], tot["entered"], tot["entry_observed"]), (1, 0, 0))
        self.assertIsNone(r.json["headline"]["entry_success_pm"])
        [d] = r.json["days"]
        self.assertEqual((d["entered"], d["entry_observed"]), (0, 0))
        self.assertIsNone(d["entry_success_pm"])
        self.assertEqual([(b["key"], b["sessions"], b["entered"], b["entry_observed"])
                          for b in r.json["breakdowns"]["platform"]], [("sdk", 1, 0, 0)])
        self.assertEqual(r.csv[0]["entered"], "")
        self.assertEqual(r.csv[0]["start_observed"], "0")
        # Pages: "entry not seen", never "did not enter" nor a not-entered bar.
        self.assertEqual(r.session_rows()[0][:2],
                         ["tom", "10:00:30–10:20:00 (start not seen) · entry not seen · "
                                 "left normally"])
        self.assertEqual(r.bar_classes(), ["bar exit-normal unobserved"])
        self.assertNotIn("did not enter", r.pages_text())
        self.assertEqual(r.fact("Entry success"), "—")
        self.assertEqual(r.fact("Sessions with the entry seen"), "0")

    def check_mixed(self, r):
        got = {s["user_id"]: s["entered"] for s in r.sessions()}
        self.assertEqual(got, MIXED_ENTERED)
        tot = r.json["totals"]
        self.assertEqual((tot["sessions"], tot["entered"], tot["entry_observed"]), (6, 2, 4))
        self.assertEqual(tot["exits"]["entry_failed"], 1)
        self.assertEqual(r.json["headline"]["entry_success_pm"], 500)
        # ann's 2 s is the only latency: within 5 s over sessions with one.
        self.assertEqual(r.json["headline"]["entry_within_5s_pm"], 1000)
        [d] = r.json["days"]
        self.assertEqual((d["sessions"], d["entered"], d["entry_observed"],
                          d["entry_success_pm"]), (6, 2, 4, 500))
        plat = {b["key"]: (b["sessions"], b["entered"], b["entry_observed"])
                for b in r.json["breakdowns"]["platform"]}
        self.assertEqual(plat, {"sdk": (4, 1, 3), "webrtc": (2, 1, 1)})
        csv_entered = {row["user_id"]: row["entered"] for row in r.csv}
        self.assertEqual(csv_entered, {"tom": "", "ann": "1", "bea": "0", "cid": "0",
                                       "wes": "", "wen": "1"})
        return r

    def test_more_users_both_platforms(self):
        r = self.check_mixed(Report({"e.csv": events_csv(MIXED)}))
        self.assertEqual(rr.contract_errors(r.json), [])
        rows = {row[0]: row[1] for row in r.session_rows()}
        self.assertIn("· entry not seen ·", rows["tom"])
        self.assertIn("· entry not seen ·", rows["wes"])
        self.assertIn("· did not enter ·", rows["bea"])
        self.assertIn("· did not enter ·", rows["cid"])
        self.assertIn("· entered after 2 s ·", rows["ann"])
        self.assertIn("· entered ·", rows["wen"])
        self.assertEqual(r.pages_text().count("did not enter"), 4)  # 2 bars, 2 table rows
        self.assertEqual(sum("not-entered" in c for c in r.bar_classes()), 2)
        self.assertEqual(r.fact("Entry success"), "50.0 %")
        self.assertEqual(r.fact("Sessions with the entry seen"), "4")
        self.assertEqual(r.fact("Entered"), "2")

    def test_row_orders(self):
        for name, rows in (("reversed", MIXED[::-1]),
                           ("by time", sorted(MIXED, key=lambda x: x[2])),
                           ("shuffled", random.Random(14).sample(MIXED, len(MIXED)))):
            with self.subTest(order=name):
                self.check_mixed(Report({"e.csv": events_csv(rows)}, html_pages=False))

    def test_from_cuts_the_opening(self):
        """A weekly report whose --from cuts a call keeps no entry figure for
        it, instead of 0 %."""
        rows = [("r1", "ann", t("10:00:00"), 5001), ("r1", "ann", t("10:00:01"), 5003, 1),
                ("r1", "ann", t("10:05:00"), 1003, 1), ("r1", "ann", t("10:20:00"), 7001, 0)]
        whole = Report({"e.csv": events_csv(rows)}, html_pages=False)
        self.assertIs(whole.sessions()[0]["entered"], True)
        self.assertEqual(whole.json["headline"]["entry_success_pm"], 1000)
        cut = Report({"e.csv": events_csv(rows)}, "--from", str(t("10:02:00")))
        [s] = cut.sessions()
        self.assertIsNone(s["entered"])
        self.assertEqual(s["start_ms"], t("10:05:00"))
        self.assertIsNone(cut.json["headline"]["entry_success_pm"])
        self.assertEqual(cut.json["totals"]["entry_observed"], 0)
        self.assertNotIn("did not enter", cut.pages_text())

    def test_baseline_reads_the_headline(self):
        """--baseline reads only headline: a null entry success there or here
        is no figure to compare, not an error."""
        d = tempfile.mkdtemp(prefix="rr-truth-base-")
        try:
            tom = os.path.join(d, "tom.json")
            mixed = os.path.join(d, "mixed.json")
            with open(tom, "w") as f:
                f.write(Report({"e.csv": events_csv(TOM)}, html_pages=False).json_text)
            with open(mixed, "w") as f:
                f.write(Report({"e.csv": events_csv(MIXED)}, html_pages=False).json_text)
            r = Report({"e.csv": events_csv(MIXED)}, "--baseline", tom)
            fig = r.json["baseline"]["figures"]["entry_success_pm"]
            self.assertEqual(fig["value"], 500)
            self.assertIsNone(fig["previous"])
            self.assertIs(fig["regression"], False)
            r = Report({"e.csv": events_csv(TOM)}, "--baseline", mixed)
            fig = r.json["baseline"]["figures"]["entry_success_pm"]
            self.assertIsNone(fig["value"])
            self.assertEqual(fig["previous"], 500)
            self.assertIs(fig["regression"], False)
        finally:
            shutil.rmtree(d, ignore_errors=True)


# ---- item 3: the late timeout after a rejoin ---------------------------------

IVAN = [
    ("r1", "ivan", t("10:00:00"), 5001), ("r1", "ivan", t("10:00:01"), 5003, 1),
    ("r1", "ivan", t("10:00:02"), 1003, 1), ("r1", "ivan", t("10:30:44"), 3001, 1),
    ("r1", "ivan", t("10:31:20"), 5001), ("r1", "ivan", t("10:31:21"), 5003, 1),
    ("r1", "ivan", t("10:31:22"), 1003, 2), ("r1", "ivan", t("10:32:15"), 7001, 1),
    ("r1", "ivan", t("10:40:00"), 3001, 0), ("r1", "ivan", t("10:45:00"), 7001, 0),
]
IVAN_TIMEOUT = "Timed out of the room at 10:32:15 (last seen 10:30:44)"


class LateTimeout(unittest.TestCase):
    def check_ivan(self, r, timeout_text=IVAN_TIMEOUT):
        phone, laptop = r.sessions("ivan")
        self.assertEqual((phone["start_ms"], phone["end_ms"], phone["last_seen_ms"],
                          phone["exit_reason"], phone["entered"]),
                         (t("10:00:00"), t("10:32:15"), t("10:30:44"), "timeout", True))
        self.assertEqual((laptop["start_ms"], laptop["end_ms"], laptop["last_seen_ms"],
                          laptop["exit_reason"], laptop["entered"]),
                         (t("10:31:20"), t("10:45:00"), t("10:40:00"), "normal", True))
        self.assertEqual(r.findings(phone, "timeout"), [timeout_text])
        self.assertEqual(r.findings(laptop, "timeout"), [])
        self.assertEqual(r.findings(laptop, "no_exit"), [])
        self.assertEqual(r.findings(phone, "no_exit"), [])

    def test_issue_minimal(self):
        r = Report({"e.csv": events_csv(IVAN)})
        self.check_ivan(r)
        [c] = r.json["calls"]
        self.assertEqual((c["users"], c["peak_users"], len(c["sessions"])), (1, 1, 2))
        self.assertEqual(c["exits"]["timeout"], 1)
        self.assertEqual(c["exits"]["normal"], 1)
        self.assertEqual(c["exits"]["unknown"], 0)
        self.assertEqual([row[1] for row in r.session_rows()],
                         ["10:00:00–10:32:15 · entered after 1 s · timed out",
                          "10:31:20–10:45:00 · entered after 1 s · left normally"])
        findings = r.findings_text()
        self.assertEqual(findings, "error 10:32:15 ivan " + IVAN_TIMEOUT)
        self.assertNotIn("outside every session", r.calls[0])

    def test_row_orders(self):
        for name, rows in (("reversed", IVAN[::-1]),
                           ("laptop rows first", IVAN[4:] + IVAN[:4]),
                           ("shuffled", random.Random(3).sample(IVAN, len(IVAN)))):
            with self.subTest(order=name):
                self.check_ivan(Report({"e.csv": events_csv(rows)}, html_pages=False))

    def test_network_lost_before_the_silence(self):
        rows = [r for r in IVAN if r[3] != 3001 or r[2] != t("10:30:44")]
        rows.append(("r1", "ivan", t("10:30:44"), 1003, 0))
        r = Report({"e.csv": events_csv(rows)})
        text = "Timed out of the room at 10:32:15 (last seen 10:30:44, when the network was lost)"
        self.check_ivan(r, text)
        phone = r.sessions("ivan")[0]
        self.assertEqual(r.findings(phone, "network_lost"),
                         ["No network from 10:30:44 until the timeout at 10:32:15"])
        self.assertEqual(phone["network"]["outage_ms"], 91000)
        page = text_of(r.calls[0])
        self.assertIn(text, page)
        self.assertIn("No network from 10:30:44 until the timeout at 10:32:15", page)
        self.assertNotIn("0 ms before", page)

    def test_more_users_both_platforms(self):
        """ivan beside kay (a plain timeout), lou (a late timeout of her own,
        rejoining by 5001 within a minute) and wen on WebRTC."""
        rows = IVAN + [
            ("r1", "kay", t("10:05:00"), 5001), ("r1", "kay", t("10:05:02"), 5003, 1),
            ("r1", "kay", t("10:20:00"), 3001, 0), ("r1", "kay", t("10:21:30"), 7001, 1),
            ("r1", "lou", t("10:10:00"), 5001), ("r1", "lou", t("10:10:01"), 5003, 1),
            ("r1", "lou", t("10:12:00"), 1003, 2), ("r1", "lou", t("10:12:10"), 3001, 1),
            ("r1", "lou", t("10:13:00"), 5001), ("r1", "lou", t("10:13:04"), 5003, 1),
            ("r1", "lou", t("10:13:40"), 7001, 1), ("r1", "lou", t("10:30:00"), 5008, 1),
            ("r1", "wen", t("10:02:00"), 32788), ("r1", "wen", t("10:40:00"), 32789),
        ]
        r = Report({"e.csv": events_csv(random.Random(5).sample(rows, len(rows)))})
        self.check_ivan(r)
        [kay] = r.sessions("kay")
        self.assertEqual((kay["exit_reason"], kay["end_ms"], kay["last_seen_ms"]),
                         ("timeout", t("10:21:30"), t("10:20:00")))
        lou1, lou2 = r.sessions("lou")
        self.assertEqual((lou1["exit_reason"], lou1["end_ms"], lou1["last_seen_ms"]),
                         ("timeout", t("10:13:40"), t("10:12:10")))
        self.assertEqual(r.findings(lou1, "timeout"),
                         ["Timed out of the room at 10:13:40 (last seen 10:12:10); "
                          "network reported as 4G 10 s before"])
        self.assertEqual((lou2["exit_reason"], lou2["start_ms"], lou2["end_ms"]),
                         ("normal", t("10:13:00"), t("10:30:00")))
        [wen] = r.sessions("wen")
        self.assertEqual((wen["platform"], wen["exit_reason"]), ("webrtc", "normal"))
        [c] = r.json["calls"]
        # ivan, kay, lou and wen at 10:10-10:12; a user's two devices count once.
        self.assertEqual((c["users"], c["peak_users"]), (4, 4))
        self.assertEqual(c["exits"]["timeout"], 3)


# ---- item 7: the same millisecond ---------------------------------------------

SAME_MS = [("r1", "u", 1795168800000, 32769), ("r1", "u", 1795168800000, 32788),
           ("r1", "u", 1795168805000, 32789)]


class SameMillisecond(unittest.TestCase):
    def check(self, r, nevents):
        [s] = r.sessions()
        self.assertEqual((s["start_ms"], s["end_ms"], s["exit_reason"], s["entered"],
                          s["start_observed"], s["platform"]),
                         (1795168800000, 1795168805000, "normal", True, True, "webrtc"))
        self.assertEqual(r.findings(s), [])
        self.assertEqual(r.json["calls"][0]["outside_events"], 0)
        if r.calls is not None:
            self.assertNotIn("outside every session", r.calls[0])
            self.assertIn("u · %d events" % nevents, text_of(r.calls[0]))
            self.assertEqual(r.session_rows()[0][-2], str(nevents))   # Events column

    def test_issue_minimal_every_order(self):
        for rows in itertools.permutations(SAME_MS):
            with self.subTest(rows=[x[3] for x in rows]):
                self.check(Report({"e.csv": events_csv(rows)}), 3)

    def test_official_millisecond(self):
        """The official DescribeUserEvent example: three events listed before
        "entered room" in its millisecond."""
        path = os.path.join(rr.SOURCE_DIR, "..", "shared", "reference",
                            "official-api-examples", "events-DescribeUserEvent.csv")
        if not os.path.exists(path):
            self.skipTest("official examples not found")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        r = Report({"official.csv": text})
        [s] = r.sessions("user_2045351")
        self.assertEqual((s["start_ms"], s["start_observed"], s["entered"]),
                         (1589975202782, True, True))
        self.assertEqual(sum(c["outside_events"] for c in r.json["calls"]), 0)
        self.assertNotIn("outside every session", "".join(r.calls))

    def test_sdk_and_close_then_open(self):
        """SDK: network and mic in the millisecond of 5001; a 7001 and the
        next 5001 in one millisecond close first, then open."""
        rows = [("r1", "v", t("10:00:00"), 1003, 1), ("r1", "v", t("10:00:00"), 3001, 1),
                ("r1", "v", t("10:00:00"), 5001), ("r1", "v", t("10:00:01"), 5003, 1),
                ("r1", "v", t("10:05:00"), 7001, 0), ("r1", "v", t("10:05:00"), 5001),
                ("r1", "v", t("10:05:00"), 3001, 0), ("r1", "v", t("10:05:02"), 5003, 1),
                ("r1", "v", t("10:09:00"), 5008, 1)]
        orders = [rows, rows[::-1], random.Random(1).sample(rows, len(rows))]
        for k, order in enumerate(orders):
            with self.subTest(order=k):
                r = Report({"e.csv": events_csv(order)})
                a, b = r.sessions("v")
                self.assertEqual((a["start_ms"], a["end_ms"], a["exit_reason"],
                                  a["entry_latency_ms"], a["network"]["changes"]),
                                 (t("10:00:00"), t("10:05:00"), "normal", 1000, 0))
                self.assertEqual((b["start_ms"], b["end_ms"], b["exit_reason"],
                                  b["entry_latency_ms"]),
                                 (t("10:05:00"), t("10:09:00"), "normal", 2000))
                self.assertNotIn("outside every session", r.calls[0])
                self.assertEqual([row[-2] for row in r.session_rows()], ["5", "4"])

    def test_more_users_in_one_millisecond(self):
        """Two users' rows of one millisecond, interleaved: each user's own."""
        rows = [("r1", "a", 1795168800000, 32769), ("r1", "b", 1795168800000, 5003, 1),
                ("r1", "a", 1795168800000, 32788), ("r1", "b", 1795168800000, 1003, 1),
                ("r1", "b", 1795168800000, 5001), ("r1", "a", 1795168805000, 32789),
                ("r1", "b", 1795168809000, 5008, 1)]
        r = Report({"e.csv": events_csv(rows)})
        [a] = r.sessions("a")
        [b] = r.sessions("b")
        self.assertEqual((a["start_ms"], a["platform"], a["entered"]),
                         (1795168800000, "webrtc", True))
        self.assertEqual((b["start_ms"], b["platform"], b["entered"], b["entry_latency_ms"]),
                         (1795168800000, "sdk", True, 0))
        self.assertNotIn("outside every session", r.calls[0])


# ---- item 8: the minute of an abnormal experience ----------------------------

NOA = [("r1", "noa", t("09:50:00"), 5001), ("r1", "noa", t("09:50:01"), 5003, 1),
       ("r1", "noa", t("09:58:30"), 7001, 0), ("r1", "noa", t("10:00:15"), 5001),
       ("r1", "noa", t("10:00:27"), 5003, 1), ("r1", "noa", t("10:20:00"), 7001, 0)]
NOA_ABNORMAL = "RoomId,UserId,EventTime,ExperienceId,AbnormalEventId\nr1,noa,1795168800,1,2003\n"
SLOW = "Slow room entry at 10:00 — possible causes: upstream latency too high"


class ExperienceMinute(unittest.TestCase):
    def check_noa(self, r):
        s1, s2 = r.sessions("noa")
        self.assertEqual(s1["abnormal_experiences"], [])
        self.assertEqual([(x["time_ms"], x["experience_id"], x["causes"])
                          for x in s2["abnormal_experiences"]],
                         [(1795168800000, 1, [{"id": 2003, "peer_id": None}])])
        self.assertEqual(r.findings(s1, "abnormal_experience"), [])
        self.assertEqual(r.findings(s2, "abnormal_experience"), [SLOW])
        self.assertEqual(r.findings(s2, "entry_slow"), ["Entered after 12 s"])

    def test_issue_minimal(self):
        r = Report({"e.csv": events_csv(NOA), "a.csv": NOA_ABNORMAL})
        self.check_noa(r)
        self.assertIn("noa " + SLOW, text_of(r.calls[0]))
        rows = r.session_rows()
        self.assertEqual([(row[1], row[-1]) for row in rows],
                         [("09:50:00–09:58:30 · entered after 1 s · left normally", "0"),
                          ("10:00:15–10:20:00 · entered after 12 s · left normally", "2")])

    def test_orders_more_users_webrtc(self):
        """noa's rows reversed among other users; wen (WebRTC) left at
        09:59:30 and entered again at 10:00:40, her slow entry counted at
        10:00; ola's video lag in the minute goes to the session overlapping
        it."""
        events = NOA[::-1] + [
            ("r1", "wen", t("09:40:00"), 32788), ("r1", "wen", t("09:59:30"), 32789),
            ("r1", "wen", t("10:00:40"), 32788), ("r1", "wen", t("10:10:00"), 32789),
            ("r1", "ola", t("09:55:00"), 5001), ("r1", "ola", t("09:55:01"), 5003, 1),
            ("r1", "ola", t("10:00:20"), 7001, 0), ("r1", "ola", t("10:00:50"), 5001),
            ("r1", "ola", t("10:00:51"), 5003, 1), ("r1", "ola", t("10:15:00"), 7001, 0),
        ]
        abnormal = abnormal_csv([
            ("r1", "ola", "noa", 1795168800, 4, 2017),
            ("r1", "wen", "", 1795168800, 1, 1013),
            ("r1", "noa", "", 1795168800, 1, 2003),
        ])
        r = Report({"e.csv": events_csv(random.Random(8).sample(events, len(events))),
                    "a.csv": abnormal})
        self.check_noa(r)
        w1, w2 = r.sessions("wen")
        self.assertEqual(w1["abnormal_experiences"], [])
        self.assertEqual([x["experience_id"] for x in w2["abnormal_experiences"]], [1])
        o1, o2 = r.sessions("ola")
        self.assertEqual([x["experience_id"] for x in o1["abnormal_experiences"]], [4])
        self.assertEqual(o2["abnormal_experiences"], [])
        self.assertEqual(r.findings(o1, "abnormal_experience"),
                         ["Video lagged at 10:00 — possible causes: downstream big-stream "
                          "loss too high on the stream from peer noa"])


# ---- item 12: sentences -------------------------------------------------------

KIM = [("r1", "kim", t("10:00:00"), 5001), ("r1", "kim", t("10:00:01"), 5003, 1),
       ("r1", "kim", t("10:00:02"), 1003, 1), ("r1", "kim", t("10:14:00"), 1003, 0),
       ("r1", "kim", t("10:15:30"), 7001, 1)]


class Words(unittest.TestCase):
    def test_timeout_when_the_network_was_lost(self):
        r = Report({"e.csv": events_csv(KIM)})
        [s] = r.sessions("kim")
        self.assertEqual(r.findings(s, "timeout"),
                         ["Timed out of the room at 10:15:30 (last seen 10:14:00, "
                          "when the network was lost)"])
        self.assertEqual(r.findings(s, "network_lost"),
                         ["No network from 10:14:00 until the timeout at 10:15:30"])
        # The JSON figure keeps its contract: until the session's end.
        self.assertEqual(s["network"]["outage_ms"], 90000)
        page = text_of(r.calls[0])
        self.assertIn("(last seen 10:14:00, when the network was lost)", page)
        self.assertIn("No network from 10:14:00 until the timeout at 10:15:30", page)
        self.assertNotIn("0 ms before", page)
        self.assertNotIn("No network for 1 min 30 s", page)

    def test_outage_seen_to_its_end(self):
        """An outage the user came back from keeps its length."""
        rows = KIM[:4] + [("r1", "kim", t("10:14:47"), 1003, 2),
                          ("r1", "kim", t("10:20:00"), 7001, 0)]
        r = Report({"e.csv": events_csv(rows)}, html_pages=False)
        [s] = r.sessions("kim")
        self.assertEqual(r.findings(s, "network_lost"), ["No network for 47 s from 10:14:00"])

    def test_causes_with_a_peer(self):
        events = [("r1", "lin", t("10:00:00"), 5001), ("r1", "lin", t("10:00:01"), 5003, 1),
                  ("r1", "lin", t("10:30:00"), 7001, 0)]
        abnormal = abnormal_csv([
            ("r1", "lin", "8812", 1795169400, 4, 2017),
            ("r1", "lin", "8812", 1795169400, 4, 2007),
            ("r1", "lin", "", 1795169400, 4, 2005),
        ])
        r = Report({"e.csv": events_csv(events), "a.csv": abnormal})
        [s] = r.sessions("lin")
        text = ("Video lagged at 10:10 — possible causes: downstream big-stream loss too high "
                "on the stream from peer 8812, upstream big-stream loss too high at peer 8812, "
                "upstream audio loss too high")
        self.assertEqual(r.findings(s, "abnormal_experience"), [text])
        self.assertEqual([c["peer_id"] for c in s["abnormal_experiences"][0]["causes"]],
                         ["8812", "8812", None])
        page = text_of(r.calls[0])
        self.assertIn(text, page)
        # The event log names the peer once, in the words.
        self.assertIn("experience 4, cause 2017 warning: Video lagged — possible cause: "
                      "downstream big-stream loss too high on the stream from peer 8812 "
                      "10:10:00.000", page)
        self.assertIn("experience 4, cause 2007 warning: Video lagged — possible cause: "
                      "upstream big-stream loss too high at peer 8812 10:10:00.000", page)
        self.assertNotIn("(peer 8812)", page)


if __name__ == "__main__":
    unittest.main()
