"""Filters, severities and zones (issue 17 items 4-7): each item of "What is
wrong today" that they cover, with the exact texts and exit codes."""
import glob
import json
import os
import re
import tempfile
import unittest

from rrtest import ABNORMAL, EVENTS, SAMPLES, run


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def build_dir(args, files=SAMPLES):
    """Runs a directory report; returns (code, stderr, index html, {call page: html})."""
    d = tempfile.mkdtemp()
    out = os.path.join(d, "report")
    code, _, err = run(["-o", out, "--tz", "UTC"] + list(args) + list(files))
    if code != 0:
        return code, err, None, {}
    pages = {os.path.basename(p): read(p) for p in glob.glob(os.path.join(out, "calls", "*.html"))}
    return code, err, read(os.path.join(out, "index.html")), pages


class TestSeverity(unittest.TestCase):
    """Item 5: one severity per event, on every page."""

    def test_kick_is_an_error_everywhere(self):
        code, _, index, pages = build_dir([], [EVENTS, ABNORMAL])
        self.assertEqual(code, 0)
        page = next(h for n, h in pages.items() if n.startswith("3102-"))
        self.assertIn('<li class="finding sev-error" data-code="kicked"><span class="badge '
                      'sev-error">error</span>', page)
        self.assertRegex(index, r'<tr class="sev-error">\s*<td>Left room: kicked out</td>\s*'
                         r'<td><span class="badge sev-error">error</span></td>')
        code, out, _ = run(["--no-html", "--json", "-", "--tz", "UTC", EVENTS])
        rep = json.loads(out)
        kicks = [f for c in rep["calls"] for s in c["sessions"] for f in s["findings"]
                 if f["code"] == "kicked"]
        self.assertEqual([f["severity"] for f in kicks], ["error"])
        top = [t for t in rep["top_events"]["by_count"] if t["raw"] == "7001 (2, -1)"]
        self.assertEqual([t["severity"] for t in top], ["error"])

    def test_pages_problems_keeps_calls_worth_opening(self):
        code, out, _ = run(["--no-html", "--json", "-", "--tz", "UTC", "--pages", "problems"]
                           + SAMPLES)
        self.assertEqual(code, 0)
        rep = json.loads(out)
        for c in rep["calls"]:
            finds = [f["severity"] for s in c["sessions"] for f in s["findings"]]
            ex = c["exits"]
            worth = (ex["timeout"] + ex["kicked"] + ex["entry_failed"] + ex["exit_failed"] > 0
                     or "error" in finds or finds.count("warning") >= 3)
            self.assertEqual(c["page"] is not None, worth, c["room_id"])
        self.assertEqual(rep["pages"], sum(c["page"] is not None for c in rep["calls"]))
        self.assertLess(rep["pages"], len(rep["calls"]))


if __name__ == "__main__":
    unittest.main()
