"""End-to-end tests of the call page's order and its big-call layout
(issue 18 item 1): the findings come right after the header, then the
timeline, sessions, participants, experiences, quality charts and the event
log; on a call of more than 8 users the findings are grouped per user under
"USER · errors N · warnings N · info N", users ranked by their most severe,
earliest finding, and every user's log and charts start collapsed; on a
small call the logs and charts are open.
"""
import glob
import html
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rrtest as rr  # noqa: E402

SECTIONS = ["findings", "timeline", "sessions", "participants", "call-experiences",
            "quality-charts", "eventlog"]
SEV = {"error": 2, "warning": 1, "info": 0}


def setUpModule():
    if not os.access(rr.BINARY, os.X_OK):
        raise RuntimeError("roomreport binary not found at %s (set ROOMREPORT)" % rr.BINARY)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def text(s):
    return html.unescape(re.sub(r"<[^>]*>", "", s))


class CallPageOrder(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory()
        d = cls._tmp.name
        rr.run(["-q", "-o", os.path.join(d, "samples"), "--tz", "UTC"] + rr.SAMPLES
               + [os.path.join(rr.SAMPLES_DIR, "quality.csv")])
        [cls.small] = [read(p)
                       for p in glob.glob(os.path.join(d, "samples", "calls", "3101-*.html"))]
        ev, q = os.path.join(d, "big-events.csv"), os.path.join(d, "big-quality.csv")
        subprocess.run([sys.executable, os.path.join(rr.SOURCE_DIR, "tests", "bench", "bigcall.py"),
                        ev, q, "12", "1"], check=True)
        rr.run(["-q", "-o", os.path.join(d, "big"), "--json", os.path.join(d, "big.json"),
                "--tz", "UTC", ev, q])
        [cls.big] = [read(p)
                     for p in glob.glob(os.path.join(d, "big", "calls", "*.html"))]
        cls.big_json = rr.load_json(read(os.path.join(d, "big.json")))

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def test_section_order(self):
        for name, page in (("3101", self.small), ("big", self.big)):
            with self.subTest(page=name):
                at = [page.find('<section class="%s"' % s) for s in SECTIONS]
                self.assertTrue(all(a > 0 for a in at), at)
                self.assertEqual(at, sorted(at))
                self.assertLess(page.find('<dl class="facts">'), at[0])

    def test_small_call_flat_and_open(self):
        self.assertNotIn('class="finding-user"', self.small)
        self.assertEqual(self.small.count('<ol class="findings">'), 1)
        lanes = re.findall(r'<details class="lane-log"[^>]*>', self.small)
        self.assertEqual(len(lanes), 3)
        self.assertTrue(all(" open" in d for d in lanes))
        charts = re.findall(r'<details class="lane-charts"[^>]*>', self.small)
        self.assertTrue(charts and all(" open" in d for d in charts))

    def test_big_call_grouped_per_user(self):
        sec = self.big[self.big.find('<section class="findings"'):]
        sec = sec[:sec.find("</section>")]
        heads = re.findall(r'<h3 class="finding-user">(.*?)</h3>\s*<ol class="findings">(.*?)</ol>',
                           sec, re.S)
        # Every finding of the JSON is listed once, under its user.
        want = {}
        for c in self.big_json["calls"]:
            for s in c["sessions"]:
                for f in s["findings"]:
                    want.setdefault(s["user_id"], []).append(f)
        self.assertEqual(len(heads), len(want))
        firsts = []
        for head, items in heads:
            m = re.fullmatch(r"(\S+) · errors (\d+) · warnings (\d+) · info (\d+)", text(head))
            self.assertIsNotNone(m, text(head))
            user = m.group(1)
            sevs = [SEV[x] for x in re.findall(r'<li class="finding sev-(\w+)"', items)]
            users = re.findall(r'data-user="([^"]*)"', items)
            self.assertEqual(set(users), {user})
            self.assertEqual([sevs.count(2), sevs.count(1), sevs.count(0)],
                             [int(m.group(2)), int(m.group(3)), int(m.group(4))])
            self.assertEqual(len(sevs), len(want[user]))
            self.assertEqual(sevs, sorted(sevs, reverse=True))   # most severe first
            firsts.append((-sevs[0], int(re.search(r'data-t="(\d+)"', items).group(1))))
        # Users ranked by their most severe, earliest finding.
        self.assertEqual(firsts, sorted(firsts))

    def test_big_call_collapsed(self):
        lanes = re.findall(r'<details class="lane-log"[^>]*>', self.big)
        self.assertEqual(len(lanes), 12)
        self.assertFalse(any(" open" in d for d in lanes))
        charts = re.findall(r'<details class="lane-charts"[^>]*>', self.big)
        self.assertEqual(len(charts), 12)
        self.assertFalse(any(" open" in d for d in charts))


if __name__ == "__main__":
    unittest.main()
