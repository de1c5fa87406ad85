"""--user keeps whole calls (issue 17 item 4): the calls a selected user is
in, with every participant's rows; the user's lane marked, their findings
first; the header says what --user kept; the row accounting holds; a split
run (--max-memory) gives the same bytes."""
import glob
import json
import os
import re
import tempfile
import unittest

from rrtest import EVENT_HEADER, SAMPLES_DIR, page_text, row_identity_errors, run

ALL = sorted(glob.glob(os.path.join(SAMPLES_DIR, "*.csv")))
T0 = 1795168800000            # 2026-11-20 10:00:00 UTC
FINDINGS = "Findings errors 1, warnings 7 Findings "
KEEPS = ": the whole calls they are in, with every participant"


def session(app, comm, room, user, start, end):
    """A user's rows entering at start, leaving normally at end (ms)."""
    rows = [(start, 5001, -1), (start + 180, 5002, 1), (start + 1100, 5003, 1),
            (start + 1130, 7000, 0), (end - 300, 5008, 1), (end, 7001, 0)]
    return ["%s,%s,%s,%s,,%d,0,%d,%d,-1" % (app, comm, room, user, t, e, p1)
            for t, e, p1 in rows]


def gap_room(dirname):
    """Room 'gap' without CommId: call 1 (x, y) at 10:00, call 2 (y, z) at
    11:00; y has an event between them nearer call 1; an abnormal row of y
    in call 1 and of z in call 2. Returns (events path, abnormal path)."""
    ev = [EVENT_HEADER]
    ev += session("7", "", "gap", "x", T0, T0 + 300000)
    ev += session("7", "", "gap", "y", T0 + 10000, T0 + 290000)
    ev += session("7", "", "gap", "y", T0 + 3600000, T0 + 3900000)
    ev += session("7", "", "gap", "z", T0 + 3610000, T0 + 3890000)
    ev.append("7,,gap,y,,%d,0,3001,1,-1" % (T0 + 1200000))   # outside, nearer call 1
    ab = ["SdkAppId,CommId,RoomId,UserId,PeerId,EventTime,ExperienceId,AbnormalEventId",
          "7,,gap,y,x,%d,5,2015" % ((T0 + 60000) // 1000),
          "7,,gap,z,y,%d,5,2015" % ((T0 + 3700000) // 1000)]
    paths = []
    for name, rows in (("events.csv", ev), ("abnormal.csv", ab)):
        paths.append(os.path.join(dirname, name))
        with open(paths[-1], "w") as f:
            f.write("\n".join(rows) + "\n")
    return paths


def read(path):
    with open(path, "rb") as f:
        return f.read()


class TestUserKeepsWholeCalls(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def report(self, args, files=ALL, limit=None):
        """(JSON, {call page name: text}, stderr) of a directory report."""
        d = tempfile.mkdtemp(dir=self.tmp.name)
        js, out = os.path.join(d, "r.json"), os.path.join(d, "report")
        mm = ["--max-memory", limit] if limit else []
        code, _, err = run(mm + ["--tz", "UTC", "--json", js, "-o", out] + args + files,
                           env={"SOURCE_DATE_EPOCH": "1795000000"})
        self.assertEqual(code, 0, err)
        pages = {os.path.basename(p): read(p)
                 for p in glob.glob(os.path.join(out, "calls", "*.html"))}
        with open(js, "rb") as f:
            return f.read(), pages, err, out

    def test_three_person_call_kept_whole(self):
        raw, pages, err, out = self.report(["--user", "chen"])
        rep = json.loads(raw)
        self.assertEqual(rep["selected_users"], ["chen"])
        self.assertEqual([(c["room_id"], c["users"], c["peak_users"]) for c in rep["calls"]],
                         [("3101", 3, 3)])
        sess = rep["calls"][0]["sessions"]
        self.assertEqual([s["user_id"] for s in sess], ["anna", "ben", "chen", "chen"])
        anna = [f["text"] for s in sess if s["user_id"] == "anna" for f in s["findings"]]
        self.assertIn("Video loss from chen above 5 % for 1 min 00 s from 10:09:40", anna)
        inp = rep["input"]
        self.assertEqual(row_identity_errors(inp), [])
        self.assertEqual((inp["rows"], inp["used"], inp["filtered"]), (1652, 751, 901))
        self.assertIn("read 1652 rows from 6 files: 751 used, 901 filtered, 0 rejected, "
                      "0 duplicates \u2192 1 call, 4 sessions", err)
        (page,) = glob.glob(os.path.join(out, "calls", "*.html"))
        text = page_text(page)
        self.assertIn("Users 3 Peak users 3", text)
        self.assertIn("Filters: user chen" + KEEPS, text)
        self.assertIn("anna 10:00:05", text)                 # lane without the mark
        self.assertIn("chen (selected)", text)
        self.assertNotIn("anna (selected)", text)
        html = read(page).decode()
        self.assertEqual(len(re.findall(r'<g class="lane lane-selected"[ >]', html)), 1)
        # chen's findings first, then the others' (most severe first within each)


        self.assertIn(FINDINGS + "error10:12:14chenTimed out of the room at 10:12:14", text)

    def test_selected_findings_first(self):
        # anna's warnings before chen's error: the selected user first
        out = self.report(["--user", "anna"])[3]
        (page,) = glob.glob(os.path.join(out, "calls", "*.html"))
        text = page_text(page)
        self.assertIn(FINDINGS + "warning10:09:40annaVideo loss from chen above 5 % for 1 min "
                      "00 s from 10:09:40 warning10:09:40annaVideo stutter", text)
        self.assertLess(text.index("annaVideo lagged at 10:11"),
                        text.index("error10:12:14chenTimed out of the room"))
        self.assertIn("anna (selected)", text)
        index = page_text(os.path.join(out, "index.html"))
        self.assertIn("Filters: user anna" + KEEPS, index)

    def test_without_user_nothing_selected(self):
        raw, pages, _, out = self.report(["--room", "3101"])
        rep = json.loads(raw)
        self.assertEqual(rep["selected_users"], [])
        for p in glob.glob(os.path.join(out, "calls", "*.html")):
            self.assertNotIn("(selected)", page_text(p))

    def test_split_run_same_bytes(self):
        for args in (["--user", "chen"], ["--user", "anna", "--user", "jo"]):
            one = self.report(args)
            two = self.report(args, limit="1")
            self.assertIn("building the calls in", two[2])
            self.assertEqual(one[0], two[0], args)
            self.assertEqual(one[1], two[1], args)

    def test_gap_split_room(self):
        files = gap_room(self.tmp.name)
        raw, _, err, _ = self.report(["--user", "x"], files)
        rep = json.loads(raw)
        self.assertEqual([sorted({s["user_id"] for s in c["sessions"]}) for c in rep["calls"]],
                         [["x", "y"]])
        c = rep["calls"][0]
        self.assertEqual(c["outside_events"], 1)
        inp = rep["input"]
        self.assertEqual(row_identity_errors(inp), [])
        # call 2: y's and z's 6 rows each and z's abnormal row
        self.assertEqual((inp["rows"], inp["filtered"], inp["abnormal"]), (27, 13, 1))
        self.assertEqual(raw, self.report(["--user", "x"], files, limit="1")[0])
        raw = self.report(["--user", "y"], files)[0]
        self.assertEqual(len(json.loads(raw)["calls"]), 2)
        self.assertEqual(json.loads(raw)["input"]["filtered"], 0)

    def test_user_with_other_filters(self):
        raw = self.report(["--user", "jo", "--from", "2026-11-20T10:30:00Z"])[0]
        rep = json.loads(raw)
        self.assertEqual(row_identity_errors(rep["input"]), [])
        self.assertEqual([(c["room_id"], sorted({s["user_id"] for s in c["sessions"]}))
                          for c in rep["calls"]], [("4200", ["ivan", "jo"])])

    def test_user_not_in_input_still_said(self):
        code, _, err = run(["--no-html", "--tz", "UTC", "--user", "zed"] + ALL)
        self.assertEqual(code, 1)
        self.assertIn("roomreport: warning: no rows of user zed; the input has users anna, "
                      "ben, chen, dora, emil, \u2026 (11 users)\n", err)
        self.assertIn("nothing left to report: no calls match the filters (user zed"
                      + KEEPS + ")", err)

    def test_events_keeps_rows_of_the_user(self):
        code, out, err = run(["events", "--tz", "UTC", "--user", "chen"] + ALL)
        self.assertEqual(code, 0, err)
        users = {ln.split(",")[3] for ln in out.splitlines()[1:]}
        self.assertEqual(len(users), 1, users)


if __name__ == "__main__":
    unittest.main()
