"""Filters, severities and zones (issue 17 items 4-7): each item of "What is
wrong today" that they cover, with the exact texts and exit codes."""
import glob
import json
import os
import re
import tempfile
import unittest

from rrtest import ABNORMAL, EVENTS, SAMPLES, SOURCE_DIR, read_csv_text, run


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def untag(html):
    """html with the zone switch's markup taken out: the zone's name
    (<span data-zone>) and instants (<time>) as their text."""
    html = re.sub(r'<span class="zone-name" data-zone="[^"]*">([^<]*)</span>', r"\1", html)
    return re.sub(r"<time [^>]*>([^<]*)</time>", r"\1", html)


def generated(html):
    """The overview's header line (zone, generation time, filters)."""
    m = re.search(r'<p class="generated" data-slot="generated">(.*?)</p>', html)
    return untag(m.group(1)) if m else None


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
        self.assertRegex(page, r'<li class="finding sev-error" data-code="kicked"[^>]*>'
                         r'<span class="badge sev-error">error</span>')
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


ROOMS_HELD = "the input has rooms 3101, 3102, 3103, 4200 (4 rooms)"


class TestNothingMatched(unittest.TestCase):
    """Item 7: filters that match nothing are said, with what the input holds."""

    def test_room_not_in_input(self):
        for extra in ([], ["--max-memory", "2K"]):
            with self.subTest(extra=extra):
                d = tempfile.mkdtemp()
                code, _, err = run(["-o", os.path.join(d, "r"), "--tz", "UTC",
                                    "--room", "8812-standup"] + extra + [EVENTS, ABNORMAL])
                self.assertEqual(code, 1)
                self.assertIn("roomreport: warning: no rows of room 8812-standup; "
                              + ROOMS_HELD + "\n", err)
                self.assertTrue(err.endswith(
                    "roomreport: nothing left to report: no calls match the filters "
                    "(room 8812-standup)\n"), err)
                self.assertFalse(os.path.exists(os.path.join(d, "r")))

    def test_one_room_of_two_missing(self):
        code, err, index, pages = build_dir(["--room", "8812-standup", "--room", "3101"])
        self.assertEqual(code, 0)
        self.assertIn("roomreport: warning: no rows of room 8812-standup; " + ROOMS_HELD,
                      err)
        self.assertEqual([n[:4] for n in pages], ["3101"])
        self.assertEqual(generated(index), 'Times in UTC. <span class="filters">Filters: '
                         '</span>rooms 8812-standup, 3101.')

    def test_user_not_in_input(self):
        code, _, err = run(["--no-html", "--tz", "UTC", "--user", "zed", EVENTS])
        self.assertEqual(code, 1)
        self.assertIn("roomreport: warning: no rows of user zed; the input has users anna, "
                      "ben, chen, dora, emil, \u2026 (10 users)\n", err)
        self.assertIn("nothing left to report: no calls match the filters (user zed: the whole "
                      "calls they are in, with every participant)", err)
        code, out, err = run(["events", "--tz", "UTC", "--user", "zed", EVENTS])
        self.assertEqual((code, out), (1, ""))
        self.assertIn("nothing left to report: no rows match the filters (user zed)", err)

    def test_from_not_before_to(self):
        for frm, to in (("2026-11-21 10:00", "2026-11-20"), ("2026-11-20", "2026-11-20")):
            code, _, err = run(["--no-html", "--tz", "UTC", "--from", frm, "--to", to, EVENTS])
            self.assertEqual(code, 2)
        self.assertIn("roomreport: --from (2026-11-20 00:00:00 UTC) is not before --to "
                      "(2026-11-20 00:00:00 UTC): no time is in [from, to)\n", err)

    def test_time_window_outside_input(self):
        code, _, err = run(["--no-html", "--tz", "Asia/Shanghai", "--from", "2026-11-21 10:00",
                            EVENTS])
        self.assertEqual(code, 1)
        self.assertEqual(err, "roomreport: --from 2026-11-21 10:00 read in Asia/Shanghai "
                         "(--tz): 2026-11-21 02:00:00 UTC\n"
                         "roomreport: warning: the input's rows span 2026-11-20 18:00:05 CST "
                         "to 2026-11-20 18:40:30 CST\n"
                         "roomreport: nothing left to report: no calls match the filters "
                         "(from 2026-11-21 10:00:00 CST)\n")

    def test_time_of_day_alone_is_refused(self):
        code, _, err = run(["--no-html", "--tz", "Asia/Shanghai", "--from", "18:30", EVENTS])
        self.assertEqual(code, 2)
        self.assertIn("invalid --from time '18:30'", err)

    def test_readme_ticket_example(self):
        readme = read(os.path.join(SOURCE_DIR, "README.md"))
        line = next(l for l in readme.splitlines() if l.startswith("roomreport -o ticket-"))
        args = line.split()[1:]
        d = tempfile.mkdtemp()
        args[1] = os.path.join(d, args[1])
        code, _, err = run(args + ["--tz", "UTC"], cwd=SOURCE_DIR)
        self.assertEqual(code, 0, err)
        self.assertNotIn("warning", err)
        self.assertEqual(generated(read(args[1])), 'Times in UTC. <span class="filters">'
                         'Filters: </span>room 3101.')


class TestZones(unittest.TestCase):
    """Item 6: zones named everywhere; filters read in the display zone."""

    def test_from_read_in_display_zone(self):
        a = run(["--no-html", "-q", "--json", "-", "--tz", "Asia/Shanghai",
                 "--from", "2026-11-20 18:10"] + SAMPLES)
        b = run(["--no-html", "-q", "--json", "-", "--from", "2026-11-20T10:10:00Z"] + SAMPLES)
        self.assertEqual((a[0], b[0]), (0, 0))
        self.assertEqual(json.loads(a[1])["input"], json.loads(b[1])["input"])
        self.assertGreater(json.loads(a[1])["input"]["filtered"], 0)
        code, _, err = run(["--no-html", "--tz", "Asia/Shanghai", "--from", "2026-11-20 18:10",
                            EVENTS])
        self.assertIn("roomreport: --from 2026-11-20 18:10 read in Asia/Shanghai (--tz): "
                      "2026-11-20 10:10:00 UTC\n", err)
        # An offset is taken as it is, without a note.
        code, _, err = run(["--no-html", "--tz", "Asia/Shanghai", "--from",
                            "2026-11-20T18:10:00+08:00", EVENTS])
        self.assertNotIn("read in", err)

    def test_spring_forward_gap(self):
        code, _, err = run(["--no-html", "--tz", "America/New_York", "--from",
                            "2026-03-08 02:30", EVENTS])
        self.assertEqual(code, 0)
        self.assertIn("roomreport: --from 2026-03-08 02:30 is a time America/New_York skips "
                      "(its clocks moved forward); read with the offset before the change: "
                      "2026-03-08 03:30:00 EDT (2026-03-08 07:30:00 UTC)\n", err)
        code, _, err = run(["--no-html", "--tz", "America/New_York", "--from",
                            "2026-11-01 01:30", EVENTS])
        self.assertIn("roomreport: --from 2026-11-01 01:30 comes twice in America/New_York "
                      "(its clocks moved back); read as the first: 2026-11-01 01:30:00 EDT "
                      "(2026-11-01 05:30:00 UTC)\n", err)

    def test_events_iso_with_offset_reads_back(self):
        code, out, _ = run(["events", "--tz", "Asia/Shanghai", EVENTS])
        self.assertEqual(code, 0)
        rows = read_csv_text(out)
        self.assertEqual(rows[1][:2], ["1795168805000", "2026-11-20T18:00:05.000+08:00"])
        # The written time, given back as a filter, is the same instant
        # (in any display zone).
        third = rows[3]
        code, out, _ = run(["events", "--tz", "UTC", "-q", "--from", third[1], EVENTS])
        back = read_csv_text(out)
        self.assertEqual(back[1][0], third[0])
        self.assertEqual(len(back), len(rows) - 2)

    def test_headers_name_zone_and_filters(self):
        d = tempfile.mkdtemp()
        code, _, err = run(["-o", os.path.join(d, "r"), "-q", "--tz", "Asia/Shanghai",
                            "--room", "3101", "--from", "2026-11-20T10:00:00Z", EVENTS])
        self.assertEqual(code, 0, err)
        index = read(os.path.join(d, "r", "index.html"))
        self.assertEqual(generated(index), 'Times in Asia/Shanghai. <span class="filters">'
                         'Filters: </span>room 3101; from 2026-11-20 18:00:00 CST.')
        worst = untag(index[index.index('<section id="worst">'):])
        self.assertEqual(re.findall(r"<td>(2026-[^<]*)</td>", worst)[0],
                         "2026-11-20 18:00:05 CST")
        page = untag(read(glob.glob(os.path.join(d, "r", "calls", "*.html"))[0]))
        self.assertEqual(len(re.findall(r'Times in Asia/Shanghai\. <span class="filters">'
                                        r'Filters: </span>room 3101; from 2026-11-20 '
                                        r'18:00:00 CST</p>', page)), 1)
        code, _, err = run(["-o", os.path.join(d, "u"), "-q", "--tz", "UTC", EVENTS])
        self.assertEqual(generated(read(os.path.join(d, "u", "index.html"))), "Times in UTC.")


if __name__ == "__main__":
    unittest.main()
