"""End to end, issue 14 items 9, 10 and 12 (sampled rate) on minimal inputs,
with variations (row orders, more users, SDK 5001/5003/7001 and WebRTC
32788/32789):

- 9: abnormal experiences of a room without events are listed on the
  overview (room, user, time, experience, causes, peer) with a sentence that
  the events of that room were not given; JSON unattached experiences name
  their room and CommId. An experience of the call's room whose user has no
  session there is on the call page, under the call.
- 10: companion rows (users, rooms, quality) that match no call are counted
  as unmatched per kind, out of used; named in the data-quality section with
  file:line; a call page says "not in the users file", never "(no users
  file)", when a users file was given.
- 12: the abnormal-experience rate (a sample) is compared with --baseline
  but never marked as a regression.
"""
import glob
import json
import os
import random
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rrtest as rr  # noqa: E402
from rrtest import t  # noqa: E402

EV_HEADER = "SdkAppId,CommId,RoomId,UserId,PeerId,Time,Type,EventId,ParamOne,ParamTwo"
AB_HEADER = "SdkAppId,RoomId,UserId,PeerId,EventTime,ExperienceId,AbnormalEventId"
US_HEADER = "SdkAppId,CommId,RoomId,UserId,JoinTs,LeaveTs,Finished,DeviceType,SdkVersion,ClientIp"
RM_HEADER = "SdkAppId,CommId,RoomId,CreateTime,DestroyTime,IsFinished"
QU_HEADER = "SdkAppId,CommId,RoomId,UserId,PeerId,DataType,Time,Value"
APP = "1400000001"


def setUpModule():
    if not os.access(rr.BINARY, os.X_OK):
        raise RuntimeError("roomreport binary not found at %s (set ROOMREPORT)" % rr.BINARY)


def sec(hms):
    return t(hms) // 1000


def stay(comm, room, user, start, end, webrtc=False, exit_p1=0):
    """Event rows of one stay: SDK 5001, 5003/1, 7001/exit_p1; WebRTC 32788,
    32789 (exit_p1 ignored)."""
    def row(ms, eid, p1=-1):
        return "%s,%s,%s,%s,,%d,0,%d,%d,-1" % (APP, comm, room, user, ms, eid, p1)
    if webrtc:
        return [row(t(start), 32788), row(t(end), 32789)]
    return [row(t(start), 5001), row(t(start) + 1000, 5003, 1), row(t(end), 7001, exit_p1)]


def write(tmp, name, header, rows):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(header + "\n" + "".join(r + "\n" for r in rows))
    return path


def fmt_x10(v):
    return "%d.%d" % (v // 10, v % 10)


def run_report(tmp, files, *extra):
    out = os.path.join(tmp, "report")
    js = os.path.join(tmp, "r.json")
    code, _, err = rr.run(["--tz", "UTC", "-o", out, "--json", js] + list(extra) + files)
    assert code == 0, (code, err)
    with open(js, encoding="utf-8") as f:
        rep = json.load(f)
    return rep, out, err


def call_page(out, room_slug):
    pages = glob.glob(os.path.join(out, "calls", room_slug + "-*.html"))
    assert len(pages) == 1, pages
    return rr.page_text(pages[0])


class Unmatched(unittest.TestCase):
    """Call c1 in room r1: amy (users row: iPhone) and ben (no users row).
    Users file: amy's row (matches), zoe in c2/r2 (no such call), ben in c1
    but joining and leaving an hour later (still matches: by CommId). Rooms
    file: c1 (matches), c9/r9 (no call). Quality: amy's rtt in c1 (2
    samples, match), zoe's rtt in c2 (3 samples, match no call)."""
    maxDiff = None

    def build(self, tmp, webrtc=False, shuffle=None, extra_users=0):
        ev = stay("c1", "r1", "amy", "10:00:00", "10:20:00", webrtc) + \
            stay("c1", "r1", "ben", "10:01:00", "10:21:00", webrtc)
        users = ["%s,c1,r1,amy,%d,%d,true,iPhone,9.0,10.0.0.1" % (APP, sec("10:00:00"),
                                                               sec("10:20:00")),
                 "%s,c2,r2,zoe,%d,%d,true,Pixel,9.0,10.0.0.2" % (APP, sec("10:00:00"),
                                                              sec("10:20:00"))]
        for i in range(extra_users):
            users.append("%s,c3,r3,x%d,%d,%d,true,Pixel,9.0,10.0.0.3" % (
                APP, i, sec("10:00:00"), sec("10:20:00")))
        rooms = ["%s,c1,r1,%d,%d,true" % (APP, sec("09:59:00"), sec("10:30:00")),
                 "%s,c9,r9,%d,%d,true" % (APP, sec("09:59:00"), sec("10:30:00"))]
        quality = ["%s,c1,r1,amy,,rtt,%d,80" % (APP, sec("10:05:00")),
                   "%s,c1,r1,amy,,rtt,%d,90" % (APP, sec("10:05:02"))] + \
                  ["%s,c2,r2,zoe,,rtt,%d,70" % (APP, sec("10:05:0%d" % i)) for i in range(3)]
        if shuffle is not None:
            for lst in (ev, users, rooms, quality):
                shuffle.shuffle(lst)
        return [write(tmp, "events.csv", EV_HEADER, ev),
                write(tmp, "users.csv", US_HEADER, users),
                write(tmp, "rooms.csv", RM_HEADER, rooms),
                write(tmp, "quality.csv", QU_HEADER, quality)], ev, users

    def check(self, webrtc=False, shuffle=None, extra_users=0):
        with tempfile.TemporaryDirectory() as tmp:
            files, ev, users = self.build(tmp, webrtc, shuffle, extra_users)
            rep, out, err = run_report(tmp, files)
            inp = rep["input"]
            nev = len(ev)
            self.assertEqual(rr.row_identity_errors(inp), [])
            self.assertEqual(
                {k: inp[k] for k in ("rows", "used", "filtered", "rejected", "duplicates",
                                     "events", "abnormal", "users", "rooms", "quality",
                                     "unmatched")},
                {"rows": nev + 2 + extra_users + 2 + 5, "used": nev + 1 + 1 + 2,
                 "filtered": 0, "rejected": 0, "duplicates": 0, "events": nev, "abnormal": 0,
                 "users": 1, "rooms": 1, "quality": 2,
                 "unmatched": {"users": 1 + extra_users, "rooms": 1, "quality": 3}})
            zoe_line = users.index(users[[u.split(",")[3] for u in users].index("zoe")]) + 2
            ex = [dict(x, file=os.path.basename(x["file"])) for x in inp["unmatched_examples"]]
            self.assertIn({"kind": "users", "file": "users.csv", "line": zoe_line,
                           "room_id": "r2", "sdk_app_id": "1400000001", "comm_id": "c2", "user_id": "zoe",
                           "data_type": None, "rows": 1}, ex)
            self.assertIn({"kind": "rooms", "file": "rooms.csv", "line": ex[-2]["line"],
                           "room_id": "r9", "sdk_app_id": "1400000001", "comm_id": "c9", "user_id": None,
                           "data_type": None, "rows": 1}, ex)
            self.assertEqual(ex[-1], {"kind": "quality", "file": "quality.csv", "line": None,
                                      "room_id": "r2", "sdk_app_id": "1400000001", "comm_id": "c2", "user_id": "zoe",
                                      "data_type": "rtt", "rows": 3})
            self.assertEqual(len([x for x in ex if x["kind"] == "users"]),
                             min(3, 1 + extra_users))
            self.assertIn("%d used, 0 rejected, 0 duplicates, %d unmatched → 1 call, "
                          "2 sessions" % (nev + 4, 5 + extra_users), err)
            (c,) = rep["calls"]
            self.assertEqual(c["quality_samples"], 2)
            self.assertEqual(c["created_ms"], t("09:59:00"))
            by_user = {s["user_id"]: s for s in c["sessions"]}
            self.assertEqual(by_user["amy"]["device"], "iPhone")
            self.assertIsNone(by_user["ben"]["device"])

            dq = rr.page_text(os.path.join(out, "index.html"), "quality")
            self.assertIn("%d users-file row%s match%s no call" % (
                1 + extra_users, "s" if extra_users else "", "" if extra_users else "es"), dq)
            self.assertIn("users.csv:%d: room r2, CommId c2, user zoe" % zoe_line, dq)
            self.assertIn("1 rooms-file row matches no call", dq)
            self.assertIn(": room r9, CommId c9", dq)
            self.assertIn("3 quality samples match no call", dq)
            self.assertIn("quality.csv: room r2, CommId c2, user zoe, rtt: 3 samples", dq)

            page = call_page(out, "r1")
            self.assertNotIn("no users file", page)
            plat = "webrtc" if webrtc else "sdk"
            self.assertIn("amy %s iPhone 9.0 10.0.0.1 no" % plat, page)
            self.assertIn("ben %s — — — not known (not in the users file)" % plat, page)

    def test_minimal(self):
        self.check()

    def test_webrtc(self):
        self.check(webrtc=True)

    def test_shuffled_rows(self):
        for seed in (1, 2, 3):
            with self.subTest(seed=seed):
                self.check(shuffle=random.Random(seed))

    def test_more_users(self):
        self.check(extra_users=4)
        self.check(webrtc=True, shuffle=random.Random(7), extra_users=2)

    def test_no_user_of_the_call_in_the_users_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            ev = write(tmp, "events.csv", EV_HEADER, stay("c1", "r1", "amy", "10:00:00",
                                                          "10:20:00"))
            us = write(tmp, "users.csv", US_HEADER, [
                "%s,c2,r2,zoe,%d,%d,true,Pixel,9.0,10.0.0.2" % (APP, sec("10:00:00"),
                                                             sec("10:20:00"))])
            rep, out, _ = run_report(tmp, [ev, us])
            self.assertEqual(rep["input"]["unmatched"], {"users": 1, "rooms": 0, "quality": 0})
            page = call_page(out, "r1")
            self.assertNotIn("no users file", page)
            self.assertIn("No user of this call is in the users file: their device, SDK "
                          "version, client IP, and whether they were still in the room at "
                          "export, are not known.", page)

    def test_without_users_file_unchanged(self):
        with tempfile.TemporaryDirectory() as tmp:
            ev = write(tmp, "events.csv", EV_HEADER, stay("c1", "r1", "amy", "10:00:00",
                                                          "10:20:00"))
            rep, out, err = run_report(tmp, [ev])
            self.assertEqual(rep["input"]["unmatched"], {"users": 0, "rooms": 0, "quality": 0})
            self.assertEqual(rep["input"]["unmatched_examples"], [])
            self.assertNotIn("unmatched", err)
            self.assertIn("No device, SDK version or client IP known (no users file), and "
                          "nobody still in the room at export.", call_page(out, "r1"))
            self.assertNotIn("Companion rows that match no call",
                             rr.page_text(os.path.join(out, "index.html")))

    def test_all_matched(self):
        with tempfile.TemporaryDirectory() as tmp:
            ev = write(tmp, "events.csv", EV_HEADER, stay("c1", "r1", "amy", "10:00:00",
                                                          "10:20:00"))
            us = write(tmp, "users.csv", US_HEADER, [
                "%s,c1,r1,amy,%d,%d,true,iPhone,9.0,10.0.0.1" % (APP, sec("10:00:00"),
                                                              sec("10:20:00"))])
            rep, out, _ = run_report(tmp, [ev, us])
            self.assertEqual(rep["input"]["users"], 1)
            self.assertEqual(sum(rep["input"]["unmatched"].values()), 0)
            self.assertIn("Companion rows that match no call Every users, rooms and quality "
                          "row given matches a call.",
                          rr.page_text(os.path.join(out, "index.html"), "quality"))

    def test_filtered_rows_are_not_unmatched(self):
        with tempfile.TemporaryDirectory() as tmp:
            files, ev, _ = self.build(tmp)
            rep, _, _ = run_report(tmp, files, "--room", "r1")
            inp = rep["input"]
            self.assertEqual(rr.row_identity_errors(inp), [])
            # zoe's users row, r9's rooms row and zoe's samples name other rooms.
            self.assertEqual(inp["filtered"], 1 + 1 + 3)
            self.assertEqual(inp["unmatched"], {"users": 0, "rooms": 0, "quality": 0})


class Orphans(unittest.TestCase):
    """Room r1 has events (amy); abnormal rows: amy in her session, ghost in
    r1 (no session: on the call), zoe in r2 (no events at all) with two
    causes, one from peer amy, and zoe again with no cause listed."""
    maxDiff = None

    def check(self, webrtc=False, shuffle=None):
        with tempfile.TemporaryDirectory() as tmp:
            ev = stay("c1", "r1", "amy", "10:00:00", "10:20:00", webrtc) + \
                stay("c1", "r1", "bob", "10:02:00", "10:22:00", webrtc)
            ab = ["%s,r1,amy,,%d,4,2017" % (APP, sec("10:05:00")),
                  "%s,r1,ghost,,%d,4,2017" % (APP, sec("10:06:00")),
                  "%s,r2,zoe,,%d,4,2017" % (APP, sec("11:00:00")),
                  "%s,r2,zoe,amy,%d,4,2018" % (APP, sec("11:00:00")),
                  "%s,r2,zoe,,%d,5," % (APP, sec("11:01:00"))]
            if shuffle is not None:
                shuffle.shuffle(ev)
                shuffle.shuffle(ab)
            files = [write(tmp, "events.csv", EV_HEADER, ev),
                     write(tmp, "abnormal.csv", AB_HEADER, ab)]
            rep, out, _ = run_report(tmp, files)
            self.assertEqual(rr.row_identity_errors(rep["input"]), [])
            self.assertEqual(rep["totals"]["abnormal_experiences"], 4)
            un = rep["unattached_experiences"]
            if shuffle is not None:
                # Causes keep the order of their rows, whatever it is.
                for x in un:
                    x["causes"].sort(key=lambda c: c["id"])
            self.assertEqual(un, [
                {"time_ms": t("11:00:00"), "experience_id": 4, "room_id": "r2",
                 "sdk_app_id": "1400000001", "comm_id": None, "user_id": "zoe",
                 "causes": [{"id": 2017, "peer_id": None}, {"id": 2018, "peer_id": "amy"}]},
                {"time_ms": t("11:01:00"), "experience_id": 5, "room_id": "r2",
                 "sdk_app_id": "1400000001", "comm_id": None, "user_id": "zoe", "causes": []}])
            (c,) = rep["calls"]
            self.assertEqual([(x["user_id"], x["time_ms"]) for x in c["abnormal_experiences"]],
                             [("ghost", t("10:06:00"))])
            self.assertNotIn("room_id", c["abnormal_experiences"][0])
            text = rr.page_text(os.path.join(out, "index.html"), "experiences")
            self.assertIn("2 abnormal experiences of 1 user in 1 room belong to no call: the "
                          "events of those rooms were not given, so no session or call page "
                          "shows them. Times in UTC.", text)
            if shuffle is None:
                self.assertIn("2026-11-20 11:00:00 r2 zoe Video lagged Downstream big-stream "
                              "loss too high Downstream small-stream loss too high on the "
                              "stream from peer amy 2026-11-20 11:01:00 r2 zoe Audio lagged "
                              "no cause listed", text)
            else:
                self.assertIn("2026-11-20 11:00:00 r2 zoe Video lagged Downstream ", text)
                self.assertIn(" Downstream small-stream loss too high on the stream from peer amy ", text)
                self.assertIn("2026-11-20 11:01:00 r2 zoe Audio lagged no cause listed", text)
            self.assertNotIn("ghost", text)
            page = call_page(out, "r1")
            self.assertIn("Abnormal experiences not tied to a session", page)
            self.assertIn("10:06 · Video lagged — possible causes: downstream big-stream loss "
                          "too high", page)

    def test_minimal(self):
        self.check()

    def test_webrtc(self):
        self.check(webrtc=True)

    def test_shuffled(self):
        for seed in (1, 2):
            with self.subTest(seed=seed):
                self.check(shuffle=random.Random(seed))

    def test_no_orphans_no_list(self):
        with tempfile.TemporaryDirectory() as tmp:
            files = [write(tmp, "events.csv", EV_HEADER,
                           stay("c1", "r1", "amy", "10:00:00", "10:20:00")),
                     write(tmp, "abnormal.csv", AB_HEADER,
                           ["%s,r1,amy,,%d,4,2017" % (APP, sec("10:05:00"))])]
            rep, out, _ = run_report(tmp, files)
            self.assertEqual(rep["unattached_experiences"], [])
            self.assertNotIn("In rooms without events",
                             rr.page_text(os.path.join(out, "index.html")))

    def test_many_orphans_listed_up_to_100(self):
        with tempfile.TemporaryDirectory() as tmp:
            ab = ["%s,r%d,u%d,,%d,4,2017" % (APP, i % 7, i % 11, sec("10:00:00") + 60 * i)
                  for i in range(130)]
            rep, out, _ = run_report(tmp, [write(tmp, "abnormal.csv", AB_HEADER, ab)])
            self.assertEqual(len(rep["unattached_experiences"]), 130)
            text = rr.page_text(os.path.join(out, "index.html"), "experiences")
            self.assertIn("130 abnormal experiences of 11 users in 7 rooms belong to no call",
                          text)
            self.assertIn("The first 100 are listed; the JSON (--json) has all 130 in "
                          "unattached_experiences.", text)


class HostileIds(unittest.TestCase):
    """IDs with markup in an orphan experience and in unmatched companion
    rows reach the overview as text, never as elements."""

    def test_escaped(self):
        room, user = "<script>alert(1)</script>", '"><img src=x onerror=alert(2)>'
        with tempfile.TemporaryDirectory() as tmp:
            ab = write(tmp, "abnormal.csv", AB_HEADER, [
                '%s,"%s","%s","%s",%d,4,2017' % (APP, room.replace('"', '""'),
                                                 user.replace('"', '""'),
                                                 user.replace('"', '""'), sec("10:00:00"))])
            us = write(tmp, "users.csv", US_HEADER, [
                '%s,c&1,"%s","%s",%d,%d,true,,,' % (APP, room, user.replace('"', '""'),
                                                    sec("10:00:00"), sec("10:20:00"))])
            rep, out, _ = run_report(tmp, [ab, us])
            self.assertEqual(rep["unattached_experiences"][0]["room_id"], room)
            self.assertEqual(rep["input"]["unmatched"]["users"], 1)
            index = os.path.join(out, "index.html")
            with open(index, encoding="utf-8") as f:
                page = f.read()
            self.assertNotIn("<script>alert", page)
            self.assertNotIn("<img", page)
            text = rr.page_text(index)
            self.assertIn("%s %s Video lagged" % (room, user), text)
            self.assertIn("on the stream from peer %s" % user, text)
            self.assertIn("users.csv:2: room %s, CommId c&1, user %s" % (room, user), text)


class SampledRate(unittest.TestCase):
    """Week A: 10 sessions, no experience, no timeout. Week B: the same
    sessions, one ending in a timeout, and 3 experiences: both rates go up
    from 0; the timeout rate is a regression, the sampled experience rate
    never is."""

    def test_never_a_regression(self):
        for webrtc in (False, True):
            with self.subTest(webrtc=webrtc), tempfile.TemporaryDirectory() as tmp:
                a_ev, b_ev = [], []
                for i in range(10):
                    a_ev += stay("c1", "r1", "u%d" % i, "10:00:00", "10:20:00")
                    b_ev += stay("c1", "r1", "u%d" % i, "10:00:00", "10:20:00",
                                 exit_p1=1 if i == 0 else 0)
                if webrtc:
                    for i in range(3):
                        b_ev += stay("c2", "r2", "w%d" % i, "11:00:00", "11:10:00", True)
                os.mkdir(os.path.join(tmp, "a"))
                a = write(tmp, "a/events.csv", EV_HEADER, a_ev)
                base, _, _ = run_report(os.path.join(tmp, "a"), [a])
                ab = write(tmp, "abnormal.csv", AB_HEADER,
                           ["%s,r1,u%d,,%d,4,2017" % (APP, i, sec("10:05:00")) for i in range(3)])
                b = write(tmp, "events.csv", EV_HEADER, b_ev)
                rep, out, _ = run_report(tmp, [b, ab], "--baseline",
                                         os.path.join(tmp, "a", "r.json"))
                f = rep["baseline"]["figures"]
                exp = f["abnormal_experiences_per_100_x10"]
                self.assertEqual(base["headline"]["abnormal_experiences_per_100_x10"], 0)
                self.assertEqual(exp["previous"], 0)
                self.assertGreater(exp["value"], 0)
                self.assertEqual(exp["change"], exp["value"])
                self.assertIs(exp["regression"], False)
                self.assertIs(exp["sampled"], True)
                self.assertIs(f["timeouts_pm"]["regression"], True)
                self.assertNotIn("sampled", f["timeouts_pm"])
                page = rr.page_text(os.path.join(out, "index.html"), "headline")
                self.assertIn("Abnormal experiences per 100 sessions (sample) — never marked "
                              "as a regression %s" % fmt_x10(exp["value"]), page)
                self.assertIn("Timeouts per 1000 sessions regression", page)
                self.assertIn("so their rate is compared but never marked as a regression.",
                              page)
                with open(os.path.join(out, "index.html"), encoding="utf-8") as fh:
                    html = fh.read()
                row = html[html.index('data-key="abnormal_experiences_per_100_x10"') - 40:]
                row = row[:row.index("</tr>")]
                self.assertNotIn("regression\"", row.split(">")[0])
                self.assertNotIn("badge regression", row)


if __name__ == "__main__":
    unittest.main()
