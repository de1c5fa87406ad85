"""End to end: the official TRTC API examples (tests/data/official-api-examples/,
copied from the project's reference; README there), all files together and
each alone (issue 14). Every run: exit 0, no rejected row, no unknown ID,
rows = used + filtered + rejected + duplicates + unmatched. The abnormal
example alone (room 461, no events) shows its experiences on the overview
with room, user, decoded causes and peers; companion rows that match no call
(the examples' files do not agree on rooms) are counted as unmatched and
named in the data-quality section; a call page never says "(no users file)"
when one was given.
"""
import glob
import os
import re
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rrtest as rr  # noqa: E402

DIR = os.path.join(rr.SOURCE_DIR, "tests", "data", "official-api-examples")
EVENTS = os.path.join(DIR, "events-DescribeUserEvent.csv")
ABNORMAL = os.path.join(DIR, "abnormal-DescribeUnusualEvent.csv")
USERS = os.path.join(DIR, "users-DescribeUserInfo.csv")
ROOMS = os.path.join(DIR, "rooms-DescribeRoomInfo.csv")
QUALITY = os.path.join(DIR, "quality-DescribeCallDetailInfo.csv")
QUALITY_OLD = os.path.join(DIR, "quality-DescribeCallDetail-older.csv")
ALL = sorted(glob.glob(os.path.join(DIR, "*.csv")))

# What each file alone gives: data rows, and how many of them match no call.
ALONE = {
    EVENTS: {"rows": 7, "events": 7, "abnormal": 0, "unmatched": (0, 0, 0), "calls": 1},
    ABNORMAL: {"rows": 24, "events": 0, "abnormal": 24, "unmatched": (0, 0, 0), "calls": 0},
    USERS: {"rows": 2, "events": 0, "abnormal": 0, "unmatched": (2, 0, 0), "calls": 0},
    ROOMS: {"rows": 10, "events": 0, "abnormal": 0, "unmatched": (0, 10, 0), "calls": 0},
    QUALITY: {"rows": 6, "events": 0, "abnormal": 0, "unmatched": (0, 0, 6), "calls": 0},
    QUALITY_OLD: {"rows": 50, "events": 0, "abnormal": 0, "unmatched": (0, 0, 50), "calls": 0},
}


def setUpModule():
    if not os.access(rr.BINARY, os.X_OK):
        raise RuntimeError("roomreport binary not found at %s (set ROOMREPORT)" % rr.BINARY)


def report(files, tmp):
    """(JSON, overview path, stderr) of a full run (HTML and JSON)."""
    out = os.path.join(tmp, "report")
    js = os.path.join(tmp, "r.json")
    code, _, err = rr.run(["--tz", "UTC", "-o", out, "--json", js] + files)
    assert code == 0, (files, code, err)
    with open(js, encoding="utf-8") as f:
        return rr.load_json(f.read()), os.path.join(out, "index.html"), err


class Common(unittest.TestCase):
    maxDiff = None

    def check_run(self, files, want_rows):
        with tempfile.TemporaryDirectory() as tmp:
            rep, index, err = report(files, tmp)
            inp = rep["input"]
            self.assertEqual(rr.contract_errors(rep), [])
            self.assertEqual(inp["rows"], want_rows)
            self.assertEqual(inp["rejected"], 0)
            self.assertEqual(inp["unknown_ids"], 0)
            self.assertEqual(inp["unknown"], [])
            self.assertEqual(rr.row_identity_errors(inp), [])
            m = re.search(rr.SUMMARY_RE, err)
            self.assertIsNotNone(m, err)
            self.assertEqual(int(m.group("rows")), inp["rows"])
            self.assertEqual(int(m.group("used")), inp["used"])
            self.assertEqual(int(m.group("unmatched") or 0), sum(inp["unmatched"].values()))
            return rep, rr.page_text(index)


class EachAlone(Common):
    def test_each_file_alone(self):
        for path, want in ALONE.items():
            with self.subTest(file=os.path.basename(path)):
                rep, page = self.check_run([path], want["rows"])
                inp = rep["input"]
                self.assertEqual(inp["events"], want["events"])
                self.assertEqual(inp["abnormal"], want["abnormal"])
                self.assertEqual((inp["unmatched"]["users"], inp["unmatched"]["rooms"],
                                  inp["unmatched"]["quality"]), want["unmatched"])
                self.assertEqual(len(rep["calls"]), want["calls"])
                self.assertNotIn("(no users file)", page)


class AbnormalAlone(Common):
    """DescribeUnusualEvent alone: 24 rows, 8 experiences of room 461 (users
    itachi3 and itachili1), no events: every experience is unattached and
    shown on the overview."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.rep, cls.index, _ = report([ABNORMAL], cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_json_unattached_name_their_room(self):
        un = self.rep["unattached_experiences"]
        self.assertEqual(self.rep["totals"]["abnormal_experiences"], 8)
        self.assertEqual(len(un), 8)
        self.assertEqual({(x["room_id"], x["comm_id"]) for x in un}, {("461", None)})
        self.assertEqual(sorted({x["user_id"] for x in un}), ["itachi3", "itachili1"])
        self.assertEqual(un[0], {
            "time_ms": 1592448600000, "experience_id": 4, "room_id": "461", "sdk_app_id": "1400188366", "comm_id": None,
            "user_id": "itachi3",
            "causes": [{"id": 2011, "peer_id": None}, {"id": 2012, "peer_id": None},
                       {"id": 2014, "peer_id": None}, {"id": 2021, "peer_id": None},
                       {"id": 2022, "peer_id": None}, {"id": 2011, "peer_id": "itachili1"},
                       {"id": 2012, "peer_id": "itachili1"}]})
        self.assertEqual(un[1], {
            "time_ms": 1592448600000, "experience_id": 4, "room_id": "461", "sdk_app_id": "1400188366", "comm_id": None,
            "user_id": "itachili1",
            "causes": [{"id": 2011, "peer_id": None}, {"id": 2012, "peer_id": None}]})

    def test_overview_shows_room_user_and_causes(self):
        text = rr.page_text(self.index, "experiences")
        self.assertIn("Abnormal experiences 8", text)
        self.assertIn("8 abnormal experiences of 2 users in 1 room belong to no call: the "
                      "events of those rooms were not given, so no session or call page "
                      "shows them. Times in UTC.", text)
        self.assertIn("Time Room User Experience Possible causes "
                      "2020-06-18 02:50:00 461 itachi3 Video lagged "
                      "Upstream small-stream capture fps abnormal "
                      "Upstream substream capture fps abnormal Downstream jitter too high "
                      "Downstream small-stream render fps abnormal "
                      "Downstream substream render fps abnormal "
                      "Upstream small-stream capture fps abnormal at peer itachili1 "
                      "Upstream substream capture fps abnormal at peer itachili1 "
                      "2020-06-18 02:50:00 461 itachili1 Video lagged "
                      "Upstream small-stream capture fps abnormal "
                      "Upstream substream capture fps abnormal "
                      "2020-06-18 02:50:00 461 itachi3 Audio lagged Downstream jitter too high",
                      text)
        self.assertIn("2020-06-18 02:53:00 461 itachi3 Video lagged", text)
        self.assertEqual(text.count(" 461 "), 8)


class AllTogether(Common):
    """All six files: one call (room 1400, from the events), the abnormal
    rows of room 461 unattached, and every companion row unmatched (the users
    and quality files speak of room 218695, the rooms file of other rooms)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.rep, cls.index, cls.err = report(ALL, cls.tmp.name)
        cls.out = os.path.join(cls.tmp.name, "report")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_counts(self):
        _, _ = self.check_run(ALL, 99)
        inp = self.rep["input"]
        self.assertEqual((inp["rows"], inp["used"], inp["events"], inp["abnormal"],
                          inp["users"], inp["rooms"], inp["quality"]), (99, 31, 7, 24, 0, 0, 0))
        self.assertEqual(inp["unmatched"], {"users": 2, "rooms": 10, "quality": 56})
        self.assertIn("31 used, 0 rejected, 0 duplicates, 68 unmatched → 1 call", self.err)

    def test_unmatched_examples(self):
        ex = [dict(x, file=os.path.basename(x["file"]))
              for x in self.rep["input"]["unmatched_examples"]]
        self.assertEqual(ex[0], {
            "kind": "users", "file": "users-DescribeUserInfo.csv", "line": 2,
            "room_id": "218695", "sdk_app_id": "1400188366", "comm_id": "1400188366_218695_1590065777",
            "user_id": "user1_54816741", "data_type": None, "rows": 1})
        self.assertEqual([(x["kind"], x["line"]) for x in ex],
                         [("users", 2), ("users", 3), ("rooms", 2), ("rooms", 3), ("rooms", 4),
                          ("quality", None), ("quality", None)])
        # Quality series in room-key order: (SdkAppId, RoomId), so the two
        # apps' series of room 218695 are apart.
        self.assertEqual(ex[-2:], [
            {"kind": "quality", "file": "quality-DescribeCallDetail-older.csv", "line": None,
             "room_id": "218695", "sdk_app_id": "1400353843",
             "comm_id": "1400353843_218695_1590065777", "user_id": "1716",
             "data_type": "bigvCapFps", "rows": 50},
            {"kind": "quality", "file": "quality-DescribeCallDetailInfo.csv", "line": None,
             "room_id": "218695", "sdk_app_id": "1400188366",
             "comm_id": "1400188366_218695_1590065777", "user_id": "1716",
             "data_type": "bigvCapFps", "rows": 6}])

    def test_data_quality_names_them(self):
        text = rr.page_text(self.index, "quality")
        self.assertIn("Companion rows that match no call", text)
        self.assertIn("2 users-file rows match no call: no session of their user is in the "
                      "call they name", text)
        self.assertIn("users-DescribeUserInfo.csv:2: room 218695, CommId "
                      "1400188366_218695_1590065777, user user1_54816741", text)
        self.assertIn("users-DescribeUserInfo.csv:3: room 218695, CommId "
                      "1400188366_218695_1590065777, user user2_2107025", text)
        self.assertIn("10 rooms-file rows match no call", text)
        self.assertIn("rooms-DescribeRoomInfo.csv:2: room 113a730673fee2d86e93e26cddb25b7d, "
                      "CommId 1400188366_563398783_1587959355", text)
        self.assertIn("56 quality samples match no call", text)
        self.assertIn("quality-DescribeCallDetail-older.csv: room 218695, CommId "
                      "1400353843_218695_1590065777, user 1716, bigvCapFps: 50 samples", text)
        inp = rr.page_text(self.index, "input")
        self.assertIn("Rows read 99 Used 31 Filtered out 0 Rejected 0 Duplicates 0 "
                      "Companion rows matching no call 68", inp)

    def test_call_page_knows_the_users_file(self):
        pages = glob.glob(os.path.join(self.out, "calls", "*.html"))
        self.assertEqual(len(pages), 1)
        text = rr.page_text(pages[0])
        self.assertNotIn("no users file", text)
        self.assertIn("No user of this call is in the users file: their device, SDK version, "
                      "client IP, and whether they were still in the room at export, are not "
                      "known.", text)

    def test_orphans_still_shown(self):
        self.assertEqual(len(self.rep["unattached_experiences"]), 8)
        text = rr.page_text(self.index, "experiences")
        self.assertIn("461 itachi3 Video lagged", text)
        self.assertIn("461 itachili1 Video lagged", text)

    def test_call(self):
        (c,) = self.rep["calls"]
        self.assertEqual((c["room_id"], c["comm_id"]), ("1400", "1400188366_218695_1590065777"))
        (s,) = c["sessions"]
        self.assertEqual((s["user_id"], s["platform"], s["start_ms"]),
                         ("user_2045351", "webrtc", 1589975202782))
        # The events in the millisecond of "entered room" (32788), listed
        # before it, belong to the session (DESIGN §3): none is outside it,
        # it starts observed and entered in that millisecond.
        self.assertEqual(c["outside_events"], 0)
        self.assertEqual((s["start_observed"], s["entered"], s["end_ms"], s["exit_reason"]),
                         (True, True, 1589975272790, "unknown"))
        self.assertEqual((c["users"], c["peak_users"]), (1, 1))
        pages = glob.glob(os.path.join(self.out, "calls", "*.html"))
        with open(pages[0], encoding="utf-8") as f:
            self.assertNotIn('title="outside every session"', f.read())

    def test_sampled_rate_counts_only_the_calls_experiences(self):
        # Room 461's experiences belong to no call of the given events: the
        # rate per 100 sessions is of room 1400's session alone (none).
        self.assertEqual(self.rep["totals"]["abnormal_experiences"], 8)
        self.assertEqual(self.rep["headline"]["abnormal_experiences_per_100_x10"], 0)


if __name__ == "__main__":
    unittest.main()
