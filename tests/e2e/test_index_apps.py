"""The call index with several apps (issue 17, call index): two rooms of one
RoomId in different apps are told apart in the index data ("room_apps") and
on the index's day pages; with one app the data has no "room_apps"."""
import json
import os
import re
import tempfile
import unittest

from rrtest import EVENT_HEADER, page_text, run

T0 = 1795168800000            # 2026-11-20 10:00:00 UTC
DATA_RE = re.compile(r'<script type="application/json" id="find-data">(.*?)</script>', re.S)


def rows(app, room, user, start):
    return ["%s,,%s,%s,,%d,0,%d,%d,-1" % (app, room, user, start + dt, e, p1)
            for dt, e, p1 in ((0, 5001, -1), (900, 5003, 1), (60000, 5008, 1))]


class TestIndexApps(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def build(self, lines):
        ev = os.path.join(self.tmp.name, "events.csv")
        with open(ev, "w") as f:
            f.write("\n".join([EVENT_HEADER] + lines) + "\n")
        out = os.path.join(self.tmp.name, "report")
        code, _, err = run(["-o", out, "--tz", "UTC", ev])
        self.assertEqual(code, 0, err)
        with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
            data = json.loads(DATA_RE.search(f.read()).group(1))
        return data, (page_text(os.path.join(out, "index", "day-1.html")) + "\n" +
                      page_text(os.path.join(out, "index", "users-1.html")))

    def test_same_room_in_two_apps(self):
        data, calls = self.build(rows("111", "3101", "anna", T0) +
                                 rows("222", "3101", "ben", T0 + 3600000))
        self.assertEqual(data["rooms"], ["3101", "3101"])
        self.assertEqual(data["room_apps"], ["111", "222"])
        self.assertEqual([data["room_apps"][c[2]] for c in data["calls"]], ["111", "222"])
        self.assertIn("10:00:00 room 3101 (app 111)", calls)
        self.assertIn("11:00:00 room 3101 (app 222)", calls)
        self.assertIn("anna: 2026-11-20 10:00:00", calls)
        self.assertIn("ben: 2026-11-20 11:00:00", calls)

    def test_one_app(self):
        data, calls = self.build(rows("111", "3101", "anna", T0))
        self.assertNotIn("room_apps", data)
        self.assertIn("10:00:00 room 3101 · user anna", calls)
        self.assertIn("anna: 2026-11-20 10:00:00", calls)
        self.assertNotIn("(app", calls)


if __name__ == "__main__":
    unittest.main()
