"""End to end: what a room, a call and a duplicate are (DESIGN §1, §3; issue 14
items 4, 5 and 6).

- Rows without CommId join the CommId call of their room whose span holds
  them (the rooms file's CreateTime..DestroyTime, else the call's first..last
  row); the rest keep the --call-gap split.
- Two rows are duplicates when they agree on room, user, time, EventId,
  ParamOne, ParamTwo and on each of Type, PeerId, CommId, SdkAppId that both
  carry.
- A room is (SdkAppId, RoomId); a row without SdkAppId belongs to the one app
  that uses its RoomId.

Every input runs three ways -- in memory, with --max-memory 2K (ranges of
rooms from temporary files) and with ROOMREPORT_PART_BYTES=64 (the threaded
reader on tiny parts) -- and the JSON must be the same bytes.
"""
import html.parser
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rrtest as rr  # noqa: E402

t = rr.t
APP1, APP2 = "1400000001", "1400000002"


class Text(html.parser.HTMLParser):
    """The text of a page, one line per block element, scripts and styles out."""

    BLOCKS = {"tr", "h1", "h2", "h3", "li", "p", "div", "dd", "dt", "td", "th", "title"}

    def __init__(self):
        super().__init__()
        self.out, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1
        if tag in self.BLOCKS:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)

    def text(self):
        lines = (ln.strip() for ln in "".join(self.out).split("\n"))
        return "\n".join(ln for ln in lines if ln)


def page_text(path):
    p = Text()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    return p.text()


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def csv(self, name, header, rows):
        """Writes an export: header (a comma-separated string) and rows
        (tuples, or comma-separated strings)."""
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(header + "\n")
            for r in rows:
                f.write((r if isinstance(r, str) else ",".join(str(v) for v in r)) + "\n")
        return path

    def report(self, files, args=()):
        """The JSON of a run over files, checked to be the same bytes in
        memory, in ranges of rooms and on tiny parallel parts; the counts
        add up."""
        base = ["--no-html", "-q", "--json", "-", "--tz", "UTC"] + list(args)
        outs = []
        for extra, env in (([], None), (["--max-memory", "2K"], None),
                           ([], {"ROOMREPORT_PART_BYTES": "64"})):
            code, out, err = rr.run(base + extra + files, env=env)
            self.assertEqual(code, 0, err)
            outs.append(out)
        self.assertEqual(outs[1], outs[0], "--max-memory 2K changed the JSON")
        self.assertEqual(outs[2], outs[0], "ROOMREPORT_PART_BYTES=64 changed the JSON")
        d = json.loads(outs[0])
        n = d["input"]
        unmatched = n.get("unmatched", 0)
        if isinstance(unmatched, dict):
            unmatched = sum(unmatched.values())
        self.assertEqual(n["rows"], n["used"] + n["filtered"] + n["rejected"] + n["duplicates"]
                         + unmatched)
        self.assertEqual(rr.contract_errors(d), [])
        return d

    def page(self, files, args=()):
        """The text of the single-file report (every call page in it)."""
        out = os.path.join(self.dir, "report.html")
        code, _, err = rr.run(["-q", "--tz", "UTC", "-o", out, "--pages", "all"] + list(args)
                              + files)
        self.assertEqual(code, 0, err)
        return page_text(out)

    def summary(self, d):
        """Per call: (room, app, comm, users, peak, [(user, start, end, exit)])."""
        return [(c["room_id"], c.get("sdk_app_id", "(missing)"), c["comm_id"], c["users"], c["peak_users"],
                 [(s["user_id"], s["start_ms"], s["end_ms"], s["exit_reason"])
                  for s in c["sessions"]])
                for c in d["calls"]]


# ---- item 4: rows without CommId join the CommId call --------------------------

A_HEADER = "CommId,RoomId,UserId,Time,EventId,ParamOne,ParamTwo"
B_HEADER = "RoomId,UserId,Time,EventId,ParamOne,ParamTwo"


def stay(user, start, end, room="r1", comm=None, enter=5001, entered=(5003, 1),
         leave=(7001, 0)):
    """One user's stay as event tuples (room, user, time, id, p1, p2), with
    the CommId first when comm is given."""
    rows = [(room, user, t(start), enter, -1, -1),
            (room, user, t(start) + 1000, entered[0], entered[1], -1),
            (room, user, t(end), leave[0], leave[1], -1)]
    return [((comm,) + r) if comm else r for r in rows]


class CommIdJoin(Base):
    def minimal(self):
        a = self.csv("a.csv", A_HEADER, stay("pia", "10:00:00", "10:30:00", comm="c1"))
        b = self.csv("b.csv", B_HEADER, stay("quinn", "10:05:00", "10:25:00"))
        return a, b

    def test_minimal(self):
        a, b = self.minimal()
        want = [("r1", None, "c1", 2, 2,
                 [("pia", t("10:00:00"), t("10:30:00"), "normal"),
                  ("quinn", t("10:05:00"), t("10:25:00"), "normal")])]
        for files in ([a, b], [b, a]):
            d = self.report(files)
            self.assertEqual(self.summary(d), want)
            self.assertEqual(d["totals"]["calls"], 1)
            self.assertEqual(d["totals"]["rooms"], 1)
            self.assertEqual(d["input"]["duplicates"], 0)
        text = self.page([a, b])
        self.assertIn("Room r1\nRoom\nr1\nCommId\nc1\n", text)
        self.assertIn("Users\n2\nPeak users\n2\n", text)
        self.assertIn("Summary\nCalls\n1\nRooms\n1\nUsers\n2\nSessions\n2\n", text)

    def test_commless_alone_is_a_call_of_its_own(self):
        """The CommId-less half alone is a call of its own (null CommId)."""
        _, b = self.minimal()
        d = self.report([b])
        self.assertEqual(self.summary(d), [
            ("r1", None, None, 1, 1, [("quinn", t("10:05:00"), t("10:25:00"), "normal")])])

    def test_overlapping_exports_of_both_shapes(self):
        """One meeting exported with CommId (both users) and without (quinn
        alone): quinn's three rows are duplicates, nothing doubles."""
        rows = stay("pia", "10:00:00", "10:30:00", comm="c1") + \
            stay("quinn", "10:05:00", "10:25:00", comm="c1")
        a = self.csv("a.csv", A_HEADER, rows)
        b = self.csv("b.csv", B_HEADER, stay("quinn", "10:05:00", "10:25:00"))
        for files in ([a, b], [b, a]):
            d = self.report(files)
            self.assertEqual(d["input"]["duplicates"], 3)
            self.assertEqual(d["input"]["used"], 6)
            self.assertEqual(self.summary(d)[0][3:5], (2, 2))
            self.assertEqual(len(d["calls"][0]["sessions"]), 2)
            self.assertEqual(sum(s["duration_ms"] for s in d["calls"][0]["sessions"]),
                                   30 * 60000 + 20 * 60000)

    def test_row_orders(self):
        """The same rows grouped by user, sorted by time across rooms, and
        interleaved give the same calls."""
        full = []
        for user, s, e in (("pia", "10:00:00", "10:30:00"), ("rex", "10:02:00", "10:20:00")):
            full += [(f"{APP1}", "c1", "r1", user, "", r[2], 0, r[3], r[4], r[5])
                     for r in stay(user, s, e)]
        full += [(f"{APP1}", "c9", "r2", "sam", "", r[2], 0, r[3], r[4], r[5])
                 for r in stay("sam", "10:01:00", "10:09:00", room="r2")]
        bare = [r for u in ("quinn", "tia")
                for r in stay(u, "10:05:00", "10:25:00")]
        bare += stay("uma", "10:03:00", "10:06:00", room="r2")
        orders = {
            "grouped": (full, bare),
            "by time": (sorted(full, key=lambda r: r[5]), sorted(bare, key=lambda r: r[2])),
            "interleaved": (full[::2] + full[1::2], bare[1::2] + bare[::2]),
        }
        got = {}
        for name, (f_rows, b_rows) in orders.items():
            a = self.csv(name + "-a.csv", rr.EVENT_HEADER, f_rows)
            b = self.csv(name + "-b.csv", B_HEADER, b_rows)
            got[name] = self.summary(self.report([a, b]))
        self.assertEqual(got["by time"], got["grouped"])
        self.assertEqual(got["interleaved"], got["grouped"])
        calls = {(c[0], c[2]): c for c in got["grouped"]}
        self.assertEqual(sorted(calls), [("r1", "c1"), ("r2", "c9")])
        self.assertEqual(calls[("r1", "c1")][3:5], (4, 4))
        self.assertEqual(calls[("r2", "c9")][3:5], (2, 2))
        self.assertEqual(calls[("r1", "c1")][1], APP1)

    def test_three_shapes_three_exports(self):
        """The full export, one without CommId and PeerId, one without Type
        and SdkAppId: every event once."""
        users = (("pia", "10:00:00", "10:30:00"), ("quinn", "10:05:00", "10:25:00"))
        full, no_comm, no_type = [], [], []
        for u, s, e in users:
            for r in stay(u, s, e):
                full.append((APP1, "c1", "r1", u, "", r[2], 0, r[3], r[4], r[5]))
                no_comm.append((APP1, "r1", u, r[2], 0, r[3], r[4], r[5]))
                no_type.append(("c1", "r1", u, r[2], r[3], r[4], r[5]))
        f1 = self.csv("full.csv", rr.EVENT_HEADER, full)
        f2 = self.csv("nocomm.csv", "SdkAppId,RoomId,UserId,Time,Type,EventId,ParamOne,ParamTwo",
                      no_comm)
        f3 = self.csv("notype.csv", A_HEADER, no_type)
        for files in ([f1, f2, f3], [f3, f2, f1], [f2, f3, f1]):
            d = self.report(files)
            self.assertEqual((d["input"]["used"], d["input"]["duplicates"]), (6, 12))
            self.assertEqual(self.summary(d), [
                ("r1", APP1, "c1", 2, 2,
                 [("pia", t("10:00:00"), t("10:30:00"), "normal"),
                  ("quinn", t("10:05:00"), t("10:25:00"), "normal")])])

    def test_webrtc(self):
        """WebRTC users (32788 entered, 32789 left) join the same way."""
        a = self.csv("a.csv", A_HEADER, [
            ("c1", "r1", "pia", t("10:00:00"), 32788, -1, -1),
            ("c1", "r1", "pia", t("10:30:00"), 32789, -1, -1)])
        b = self.csv("b.csv", B_HEADER, [
            ("r1", "quinn", t("10:05:00"), 32788, -1, -1),
            ("r1", "quinn", t("10:25:00"), 32789, -1, -1)])
        d = self.report([a, b])
        self.assertEqual(self.summary(d), [
            ("r1", None, "c1", 2, 2,
             [("pia", t("10:00:00"), t("10:30:00"), "normal"),
              ("quinn", t("10:05:00"), t("10:25:00"), "normal")])])
        self.assertEqual([s["platform"] for s in d["calls"][0]["sessions"]],
                         ["webrtc", "webrtc"])

    def test_outside_every_span_keeps_the_gap_split(self):
        """CommId-less rows after the CommId call ended (and more than
        --call-gap apart) stay a call of their own."""
        a = self.csv("a.csv", A_HEADER, stay("pia", "10:00:00", "10:30:00", comm="c1"))
        b = self.csv("b.csv", B_HEADER, stay("quinn", "10:05:00", "10:25:00") +
                     stay("quinn", "11:00:00", "11:10:00") + stay("vic", "11:30:00", "11:40:00"))
        d = self.report([a, b])
        self.assertEqual(self.summary(d), [
            ("r1", None, "c1", 2, 2,
             [("pia", t("10:00:00"), t("10:30:00"), "normal"),
              ("quinn", t("10:05:00"), t("10:25:00"), "normal")]),
            ("r1", None, None, 1, 1, [("quinn", t("11:00:00"), t("11:10:00"), "normal")]),
            ("r1", None, None, 1, 1, [("vic", t("11:30:00"), t("11:40:00"), "normal")])])

    def test_rooms_file_span(self):
        """With a rooms file the call's span is CreateTime..DestroyTime: a
        row after the call's last event but before DestroyTime joins."""
        a = self.csv("a.csv", A_HEADER, stay("pia", "10:00:00", "10:30:00", comm="c1"))
        b = self.csv("b.csv", B_HEADER, stay("quinn", "10:38:00", "10:45:00"))
        rooms = self.csv("rooms.csv", "RoomId,CommId,CreateTime,DestroyTime,IsFinished",
                         [("r1", "c1", t("09:55:00") // 1000, t("10:50:00") // 1000, 1)])
        d = self.report([a, b])
        self.assertEqual([c[2] for c in self.summary(d)], ["c1", None])
        d = self.report([a, b, rooms])
        self.assertEqual(self.summary(d), [
            ("r1", None, "c1", 2, 1,
             [("pia", t("10:00:00"), t("10:30:00"), "normal"),
              ("quinn", t("10:38:00"), t("10:45:00"), "normal")])])
        self.assertEqual(d["calls"][0]["created_ms"], t("09:55:00"))

    def test_rooms_file_alone_names_the_call(self):
        """A call of the rooms file without CommId rows: rows in its span
        join it, so the call carries its CommId and its lifetime."""
        b = self.csv("b.csv", B_HEADER, stay("quinn", "10:05:00", "10:25:00"))
        rooms = self.csv("rooms.csv", "RoomId,CommId,CreateTime,DestroyTime,IsFinished",
                         [("r1", "c7", t("10:00:00") // 1000, t("10:30:00") // 1000, 1)])
        d = self.report([b, rooms])
        self.assertEqual(self.summary(d), [
            ("r1", None, "c7", 1, 1, [("quinn", t("10:05:00"), t("10:25:00"), "normal")])])
        self.assertEqual(d["calls"][0]["destroyed_ms"], t("10:30:00"))

    def test_abnormal_rows_join(self):
        """The abnormal-experience API has no CommId: its rows join too, and
        the experience attaches to the user's session in the CommId call."""
        a = self.csv("a.csv", A_HEADER, stay("pia", "10:00:00", "10:30:00", comm="c1"))
        ab = self.csv("ab.csv", "RoomId,UserId,PeerId,EventTime,ExperienceId,AbnormalEventId",
                      [("r1", "pia", "", t("10:10:00") // 1000, 2, 1201)])
        d = self.report([a, ab])
        self.assertEqual(len(d["calls"]), 1)
        self.assertEqual(d["calls"][0]["comm_id"], "c1")
        exps = d["calls"][0]["sessions"][0]["abnormal_experiences"]
        self.assertEqual([(e["time_ms"], e["experience_id"]) for e in exps],
                         [(t("10:10:00"), 2)])
        # The same experience also from an export with CommId: once.
        ab2 = self.csv("ab2.csv", "CommId,RoomId,UserId,PeerId,EventTime,ExperienceId,"
                       "AbnormalEventId", [("c1", "r1", "pia", "", t("10:10:00") // 1000, 2, 1201)])
        for files in ([a, ab, ab2], [ab2, a, ab]):
            d = self.report(files)
            self.assertEqual((d["input"]["abnormal"], d["input"]["duplicates"]), (1, 1))
            self.assertEqual(d["totals"]["abnormal_experiences"], 1)


class GeneratedWeek(Base):
    """A generated day of 40 calls, exported once in full and again without
    the CommId and SdkAppId columns (and the events without PeerId): the
    report is the one of the full export alone, every row of the second a
    duplicate."""

    def strip(self, src, name, drop):
        with open(src, encoding="utf-8") as f:
            rows = rr.read_csv_text(f.read())
        keep = [i for i, h in enumerate(rows[0]) if h not in drop]
        return self.csv(name, ",".join(rows[0][i] for i in keep),
                        [",".join(r[i] for i in keep) for r in rows[1:]])

    def test_second_export_without_ids(self):
        ev, ab = os.path.join(self.dir, "ev.csv"), os.path.join(self.dir, "ab.csv")
        users = os.path.join(self.dir, "users.csv")
        subprocess.run([sys.executable, os.path.join(rr.SOURCE_DIR, "tests", "bench", "gen.py"),
                        "--calls", "40", "--days", "1", "--seed", "3", "--out", ev,
                        "--abnormal", ab, "--users", users], check=True)
        # A cause's empty PeerId is a value ("not a remote user"): the
        # abnormal export keeps that column.
        ev2 = self.strip(ev, "ev2.csv", {"CommId", "PeerId", "SdkAppId"})
        ab2 = self.strip(ab, "ab2.csv", {"CommId", "SdkAppId"})
        one = self.report([ev, ab, users])
        nrows = one["input"]["rows"] - one["input"]["users"]
        for files in ([ev, ab, users, ev2, ab2], [ev2, ab2, users, ab, ev]):
            two = self.report(files)
            self.assertEqual(two["input"]["duplicates"] - one["input"]["duplicates"], nrows)
            for k in one:
                if k != "input":
                    self.assertEqual(two[k], one[k], k)


# ---- item 5: duplicates across exports with fewer columns ----------------------

THREE = [("r1", "u", t("10:00:00"), 5001, -1, -1),
         ("r1", "u", t("10:00:01"), 5003, 1, -1),
         ("r1", "u", t("10:01:00"), 7001, 0, -1)]


class Duplicates(Base):
    def pair(self, column, value):
        """The three events once with column (= value) and once without."""
        with_col = self.csv("with.csv", B_HEADER + "," + column,
                            [r + (value,) for r in THREE])
        without = self.csv("without.csv", B_HEADER, THREE)
        return with_col, without

    def check_one_session(self, files):
        d = self.report(files)
        self.assertEqual((d["input"]["rows"], d["input"]["used"], d["input"]["duplicates"]),
                         (6, 3, 3))
        self.assertEqual(len(d["calls"]), 1)
        sessions = d["calls"][0]["sessions"]
        self.assertEqual([(s["user_id"], s["start_ms"], s["end_ms"], s["exit_reason"],
                           s["entered"]) for s in sessions],
                         [("u", t("10:00:00"), t("10:01:00"), "normal", True)])
        self.assertEqual(d["totals"]["exits"]["unknown"], 0)
        return d

    def test_type(self):
        for files in ([*self.pair("Type", 0)], [*self.pair("Type", 0)][::-1]):
            self.check_one_session(files)
        text = self.page(list(self.pair("Type", 0)))
        self.assertIn("Duplicates\n3\n", text)
        self.assertIn("No exit recorded per 1000 sessions\n0\n", text)
        self.assertIn("Exits\nleft normally 1\n", text)

    def test_peer_id(self):
        self.check_one_session(list(self.pair("PeerId", "p9")))

    def test_comm_id(self):
        d = self.check_one_session(list(self.pair("CommId", "c1")))
        self.assertEqual(d["calls"][0]["comm_id"], "c1")

    def test_sdk_app_id(self):
        d = self.check_one_session(list(self.pair("SdkAppId", APP1)))
        self.assertEqual(d["calls"][0]["sdk_app_id"], APP1)
        self.assertEqual(d["totals"]["rooms"], 1)

    def test_empty_cells_are_missing_columns(self):
        """A column the export has but leaves empty counts as not carried."""
        full = self.csv("full.csv", B_HEADER + ",Type,PeerId,CommId,SdkAppId",
                        [r + (2, "p9", "c1", APP1) for r in THREE])
        empty = self.csv("empty.csv", B_HEADER + ",Type,PeerId,CommId,SdkAppId",
                         [r + ("", "", "", "") for r in THREE])
        self.check_one_session([full, empty])
        self.check_one_session([empty, full])

    def test_values_both_carry_must_agree(self):
        """Type 2 and Type 3 of one event are two rows; a third export
        without Type matches both and is the duplicate."""
        rows = [("r1", "u", t("10:00:10"), 5006, 1, -1)]
        t2 = self.csv("t2.csv", B_HEADER + ",Type", [THREE[0] + (2,), rows[0] + (2,)])
        t3 = self.csv("t3.csv", B_HEADER + ",Type", [rows[0] + (3,)])
        bare = self.csv("bare.csv", B_HEADER, rows)
        for files in ([t2, t3, bare], [bare, t3, t2], [t3, bare, t2]):
            d = self.report(files)
            self.assertEqual((d["input"]["used"], d["input"]["duplicates"]), (3, 1))

    def test_causes_with_and_without_peer(self):
        """Causes of one experience: an empty PeerId says the cause is not a
        remote user's (the official DescribeUnusualEvent example lists 2011
        both ways), so those are two causes, not a duplicate."""
        ev = self.csv("ev.csv", B_HEADER, THREE)
        header = "RoomId,UserId,PeerId,EventTime,ExperienceId,AbnormalEventId"
        rows = [("r1", "u", "", t("10:00:00") // 1000, 4, 2011),
                ("r1", "u", "peer1", t("10:00:00") // 1000, 4, 2011)]
        ab = self.csv("ab.csv", header, rows)
        again = self.csv("again.csv", header, rows)
        d = self.report([ev, ab, again])
        self.assertEqual((d["input"]["abnormal"], d["input"]["duplicates"]), (2, 2))
        exps = d["calls"][0]["sessions"][0]["abnormal_experiences"]
        self.assertEqual([[(c["id"], c["peer_id"]) for c in e["causes"]] for e in exps],
                         [[(2011, None), (2011, "peer1")]])

    def test_more_columns_kept(self):
        """The row kept is the one carrying more columns, whatever the file
        order: the events log shows the Type and PeerId."""
        with_col = self.csv("with.csv", B_HEADER + ",Type,PeerId",
                            [r + (2, "p9") for r in THREE])
        without = self.csv("without.csv", B_HEADER, THREE)
        for files in ([with_col, without], [without, with_col]):
            code, out, err = rr.run(["events", "-q", "--tz", "UTC"] + files)
            self.assertEqual(code, 0, err)
            rows = rr.read_csv_text(out)
            self.assertEqual(len(rows), 4)
            self.assertEqual({(r[5], r[10]) for r in rows[1:]}, {("p9", "2")})


# ---- item 6: (SdkAppId, RoomId) -----------------------------------------------

APP_HEADER = "SdkAppId," + B_HEADER


def app_rows(app, *stays):
    return [(app,) + r for r in stays]


class Apps(Base):
    def two_apps(self):
        return self.csv("apps.csv", APP_HEADER,
                        app_rows(APP1, *stay("ann", "10:00:00", "10:10:00", room="1234")) +
                        app_rows(APP2, *stay("bob", "10:01:00", "10:08:00", room="1234")))

    def test_two_apps_one_room_id(self):
        f = self.two_apps()
        d = self.report([f])
        self.assertEqual(self.summary(d), [
            ("1234", APP1, None, 1, 1, [("ann", t("10:00:00"), t("10:10:00"), "normal")]),
            ("1234", APP2, None, 1, 1, [("bob", t("10:01:00"), t("10:08:00"), "normal")])])
        self.assertEqual(d["totals"]["rooms"], 2)
        text = self.page([f])
        # The call index names the app beside the room (render_index.c).
        self.assertIn("2026-11-20 (2 calls)\n10:00:00 room 1234 (app %s) · user ann\n"
                      "10:01:00 room 1234 (app %s) · user bob\n" % (APP1, APP2), text)
        self.assertIn("Room 1234 (app %s)\nRoom\n1234 (app %s)\n" % (APP1, APP1), text)
        self.assertIn("Room 1234 (app %s)\nRoom\n1234 (app %s)\n" % (APP2, APP2), text)

    def test_one_app_pages_unchanged(self):
        f = self.csv("one.csv", APP_HEADER,
                     app_rows(APP1, *stay("ann", "10:00:00", "10:10:00", room="1234")))
        d = self.report([f])
        self.assertEqual(d["calls"][0]["sdk_app_id"], APP1)
        text = self.page([f])
        self.assertNotIn("SdkAppId", text)
        self.assertNotIn("(app ", text)
        self.assertIn("Room 1234\nRoom\n1234\n", text)

    def test_rows_without_app_resolve(self):
        """RoomId 555 is used by one app only: its app-less rows are of it
        (and join its CommId call); companion rows too."""
        a = self.csv("a.csv", "SdkAppId,CommId,RoomId,UserId,Time,EventId,ParamOne,ParamTwo",
                     [(APP1, "c5") + r for r in stay("eve", "10:00:00", "10:10:00", room="555")])
        b = self.csv("b.csv", B_HEADER, stay("dee", "10:02:00", "10:05:00", room="555"))
        users = self.csv("users.csv", "RoomId,UserId,JoinTs,DeviceType",
                         [("555", "dee", t("10:02:00") // 1000, "iPhone")])
        d = self.report([a, b, users])
        self.assertEqual(self.summary(d), [
            ("555", APP1, "c5", 2, 2,
             [("eve", t("10:00:00"), t("10:10:00"), "normal"),
              ("dee", t("10:02:00"), t("10:05:00"), "normal")])])
        self.assertEqual(d["calls"][0]["sessions"][1]["device"], "iPhone")
        self.assertEqual(d["input"]["notes"], [])

    def test_ambiguous_room(self):
        """RoomId 1234 is used by two apps: app-less rows stay a room of
        their own, without app, and the note says so."""
        f = self.two_apps()
        b = self.csv("b.csv", B_HEADER, stay("cy", "10:00:05", "10:00:30", room="1234"))
        d = self.report([f, b])
        self.assertEqual([(c[0], c[1], c[5][0][0]) for c in self.summary(d)],
                         [("1234", APP1, "ann"), ("1234", None, "cy"), ("1234", APP2, "bob")])
        self.assertEqual(d["totals"]["rooms"], 3)
        note = ("RoomId 1234 is used by 2 apps (SdkAppId %s, %s): its 3 rows without SdkAppId "
                "could belong to any of them and are kept apart as room 1234 without an app"
                % (APP1, APP2))
        self.assertEqual(d["input"]["notes"], [note])
        text = self.page([f, b])
        self.assertIn(note, text)
        self.assertIn("Room 1234 (no SdkAppId)\n", text)

    def test_many_ambiguous_rooms(self):
        """Three apps share RoomIds r0..r24: twenty notes, then one for the
        rest; a room of one app with app-less rows gets none."""
        rows, bare = [], []
        for r in range(25):
            for app in (APP1, APP2, "1400000003"):
                rows.append((app, "r%d" % r, "ann", t("10:00:00") + r, 5001, -1, -1))
            bare.append(("r%d" % r, "bob", t("10:00:00") + r, 5001, -1, -1))
        rows.append((APP1, "solo", "ann", t("10:00:00"), 5001, -1, -1))
        bare.append(("solo", "bob", t("10:00:00"), 5001, -1, -1))
        d = self.report([self.csv("apps.csv", APP_HEADER, rows),
                         self.csv("bare.csv", B_HEADER, bare)])
        notes = d["input"]["notes"]
        self.assertEqual(len(notes), 21)
        self.assertEqual(notes[0], "RoomId r0 is used by 3 apps (SdkAppId %s, %s, 1400000003): "
                         "its 1 row without SdkAppId could belong to any of them and is kept "
                         "apart as room r0 without an app" % (APP1, APP2))
        self.assertEqual(notes[20], "5 more RoomIds used by several apps have rows without "
                         "SdkAppId, each kept apart as a room without an app")
        solo = [c for c in d["calls"] if c["room_id"] == "solo"]
        self.assertEqual([(c["sdk_app_id"], c["users"]) for c in solo], [(APP1, 2)])
        self.assertEqual(d["totals"]["rooms"], 25 * 4 + 1)

    def test_companion_rows_match_by_app(self):
        """A users-file row of app 2's room 1234 describes bob, not ann."""
        f = self.two_apps()
        users = self.csv("users.csv", "SdkAppId,RoomId,UserId,JoinTs,DeviceType",
                         [(APP2, "1234", "bob", t("10:01:00") // 1000, "Pixel"),
                          (APP2, "1234", "ann", t("10:00:00") // 1000, "iPad"),
                          (APP1, "1234", "ann", t("10:00:00") // 1000, "iPhone")])
        d = self.report([f, users])
        dev = {s["user_id"]: s["device"] for c in d["calls"] for s in c["sessions"]}
        self.assertEqual(dev, {"ann": "iPhone", "bob": "Pixel"})

    def test_both_platforms_two_apps(self):
        rows = app_rows(APP1, ("1234", "ann", t("10:00:00"), 32788, -1, -1),
                        ("1234", "ann", t("10:05:00"), 32789, -1, -1))
        rows += app_rows(APP2, *stay("bob", "10:00:00", "10:05:00", room="1234"))
        f = self.csv("mixed.csv", APP_HEADER, rows)
        d = self.report([f])
        self.assertEqual([(c["sdk_app_id"], c["sessions"][0]["platform"]) for c in d["calls"]],
                         [(APP1, "webrtc"), (APP2, "sdk")])


if __name__ == "__main__":
    unittest.main()
