"""End to end: one export row for every row of the official Event ID Mapping
Table (tests/data/mapping-table.txt, copied from the official table) decodes
to a known catalog entry: input.unknown_ids is 0, and value rows show their
values in the decoded log."""
import csv
import io
import os
import tempfile
import unittest

from rrtest import SOURCE_DIR, run

TABLE = os.path.join(SOURCE_DIR, "tests", "data", "mapping-table.txt")
T0 = 1795168800000  # 2026-11-20 10:00:00 UTC


def official_rows():
    with open(TABLE, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            table, eid, p1, p2 = line.split()[:4]
            yield table, int(eid), p1, p2


class OfficialTable(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        ev = ["RoomId,UserId,Time,EventId,ParamOne,ParamTwo"]
        ab = ["RoomId,UserId,EventTime,ExperienceId,AbnormalEventId"]
        self.n = {"event": 0, "abnormal": 0}
        for i, (table, eid, p1, p2) in enumerate(official_rows()):
            if table in ("sdk", "webrtc"):
                # Value-carrying parameters get recognisable values.
                v1 = {"4003": "1280", "4007": "960", "4008": "24", "4009": "1500",
                      "4013": "7"}.get(str(eid), "0") if p1 == "value" else p1
                v2 = ("720" if eid == 4003 else "540") if p2 == "value" else p2
                ev.append("r1,u%d,%d,%d,%s,%s" % (i, T0 + i, eid, v1, v2))
                self.n["event"] += 1
            elif table == "experience":
                ab.append("r1,u%d,%d,%d," % (i, T0 // 1000 + 60, eid))
                self.n["abnormal"] += 1
            else:
                ab.append("r1,u%d,%d,,%d" % (i, T0 // 1000 + 60, eid))
                self.n["abnormal"] += 1
        self.events = os.path.join(self.tmp.name, "events.csv")
        self.abnormal = os.path.join(self.tmp.name, "abnormal.csv")
        with open(self.events, "w") as f:
            f.write("\n".join(ev) + "\n")
        with open(self.abnormal, "w") as f:
            f.write("\n".join(ab) + "\n")

    def tearDown(self):
        self.tmp.cleanup()

    def test_counts_match_the_official_table(self):
        self.assertEqual(self.n["event"], 83 + 27)
        self.assertEqual(self.n["abnormal"], 5 + 32 + 26)

    def test_every_row_is_known(self):
        import json
        code, out, err = run(["--no-html", "-q", "--json", "-", self.events, self.abnormal])
        self.assertEqual(code, 0, err)
        rep = json.loads(out)
        self.assertEqual(rep["input"]["rows"], 173)
        self.assertEqual(rep["input"]["used"], 173)
        self.assertEqual(rep["input"]["unknown_ids"], 0)
        self.assertEqual(rep["input"]["unknown"], [])

    def test_value_rows_show_their_values(self):
        code, out, err = run(["events", "-q", "--tz", "UTC", self.events])
        self.assertEqual(code, 0, err)
        rows = list(csv.DictReader(io.StringIO(out)))
        self.assertEqual(len(rows), 110)
        labels = {}
        for r in rows:
            labels.setdefault(r["event_id"], []).append(r["label"])
            self.assertFalse(r["label"].startswith("Unknown"), r)
        self.assertIn("1280\u00d7720", labels["4003"][0])
        self.assertIn("960\u00d7540", labels["4007"][0])
        self.assertIn("24", labels["4008"][0])
        self.assertIn("1500", labels["4009"][0])
        self.assertEqual(len(labels["4013"]), 2)
        self.assertTrue(any("7" in l and "software" in l for l in labels["4013"]))
        self.assertTrue(any("7" in l and "hardware" in l for l in labels["4013"]))
        qos = labels["6001"]
        self.assertEqual(len(qos), 16)
        self.assertEqual(len(set(qos)), 16)


if __name__ == "__main__":
    unittest.main()
