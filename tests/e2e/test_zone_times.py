"""End-to-end tests of the pages' instants for the local/UTC switch (issue
17 item 6): every <time> a page writes has a datetime with its offset and a
data-f shape, and its text is that instant in the page's zone in that
shape (with the zone's name after it where the page adds one); the times in
the findings' sentences are <time> elements, and the sentences read as
before; the header names the zone in a <span data-zone>; every page with a
script carries the switch (templates/zone.js).
"""
import datetime
import glob
import html.parser
import os
import re
import sys
import unittest
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rrtest as rr  # noqa: E402
from test_call_page_truth import EV_HEADER, OCT_A, OCT_Z, dst_events  # noqa: E402


def setUpModule():
    if not os.access(rr.BINARY, os.X_OK):
        raise RuntimeError("roomreport binary not found at %s (set ROOMREPORT)" % rr.BINARY)


class Times(html.parser.HTMLParser):
    """Every <time> (datetime, data-f, text, the class of the element it is
    in), the header's zone, the findings' sentences as text and with their
    <time> texts, and the <script>s."""

    def __init__(self, path):
        super().__init__(convert_charrefs=True)
        self.times, self.zones, self.sentences, self.scripts = [], [], [], []
        self.stack, self.cur, self.sentence, self.zone_el = [], None, None, False
        self.script = None
        with open(path, encoding="utf-8") as f:
            self.feed(f.read())

    VOID = {"meta", "link", "br", "img", "input", "hr", "line", "rect", "path", "circle",
            "polyline", "use", "stop"}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "time":
            self.cur = [a.get("datetime"), a.get("data-f"), "",
                        self.stack[-1] if self.stack else ""]
            return
        if tag in self.VOID:
            return
        cls = a.get("class") or ""
        if tag == "span" and "data-zone" in a:
            self.zones.append(a["data-zone"])
        # A finding's sentence: span.text in a finding (call pages) or in
        # an item of the ticket file's ul.ticket-findings.
        if tag == "span" and cls == "text" and any("finding" in c for c in self.stack[-2:]):
            self.sentence = ["", []]
        if tag == "script":
            self.script = ""
        self.stack.append(cls)

    def handle_endtag(self, tag):
        if tag == "time":
            if self.cur:
                self.times.append(tuple(self.cur))
                if self.sentence is not None:
                    self.sentence[1].append(self.cur[2])
            self.cur = None
            return
        if tag == "script" and self.script is not None:
            self.scripts.append(self.script)
            self.script = None
        if self.stack:
            cls = self.stack.pop()
            if cls == "text" and self.sentence is not None:
                self.sentences.append(tuple(self.sentence))
                self.sentence = None

    def handle_data(self, data):
        if self.script is not None:
            self.script += data
        if self.cur is not None:
            self.cur[2] += data
        if self.sentence is not None:
            self.sentence[0] += data


def expected(dt, shape, zone):
    """The instant `dt` (ISO 8601 with offset) in zone, in the page's shape."""
    t = datetime.datetime.fromisoformat(dt).astimezone(zoneinfo.ZoneInfo(zone))
    fmt = {"dt": "%Y-%m-%d %H:%M:%S", "dtms": "%Y-%m-%d %H:%M:%S.{ms}", "t": "%H:%M:%S",
           "tms": "%H:%M:%S.{ms}", "hm": "%H:%M", "d": "%Y-%m-%d"}[shape]
    return t.strftime(fmt).replace("{ms}", "%03d" % (t.microsecond // 1000)), t


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


TIME_RE = re.compile(r"\b\d\d:\d\d(?::\d\d)?\b")


class ZoneTimes(unittest.TestCase):

    def run_tool(self, files, tz, single=False):
        where = rr.temp_dir(self, "rr-zone-")
        return self.run_on(rr.write_files(where, files), tz, where, single)

    def run_on(self, paths, tz, where=None, single=False):
        if where is None:
            where = rr.temp_dir(self, "rr-zone-")
        out = os.path.join(where, "one.html" if single else "report")
        code, _, err = rr.run(["-q", "-o", out, "--tz", tz] + paths)
        self.assertEqual(code, 0, err)
        if single:
            return [out]
        return [os.path.join(out, "index.html")] + sorted(
            glob.glob(os.path.join(out, "calls", "*.html")))

    def check_pages(self, pages, zone):
        """Every <time> of every page is its instant in zone, in its shape;
        returns the pages' parsed times."""
        parsed = []
        for page in pages:
            p = Times(page)
            parsed.append(p)
            self.assertTrue(p.zones, page)
            self.assertEqual(set(p.zones), {zone}, page)
            for dt, shape, text, parent in p.times:
                self.assertIsNotNone(dt, page)
                self.assertIn(shape, ("dt", "dtms", "t", "tms", "hm", "d"), (page, text))
                want, t = expected(dt, shape, zone)
                # The offset in datetime is the zone's at that instant.
                self.assertEqual(datetime.datetime.fromisoformat(dt).utcoffset(),
                                 t.utcoffset(), (page, dt))
                self.assertIn(text, (want, want + " " + t.tzname()), (page, dt, shape, parent))
            # Every time in a finding's sentence is a <time>.
            for sentence, inner in p.sentences:
                self.assertEqual(len(TIME_RE.findall(sentence)),
                                 sum(len(TIME_RE.findall(x)) for x in inner), (page, sentence))
            # A page with a script carries the switch after it (zone.js,
            # shrunk: its comments are gone, its strings kept).
            if p.scripts and any("use strict" in s for s in p.scripts):
                self.assertTrue(any('"roomreport.zone"' in s for s in p.scripts), page)
        return parsed

    def test_samples_shanghai(self):
        # Every sample file: the rooms file gives the room's lifetime.
        pages = self.run_on(sorted(glob.glob(os.path.join(rr.SAMPLES_DIR, "*.csv"))),
                            "Asia/Shanghai")
        parsed = self.check_pages(pages, "Asia/Shanghai")
        index, calls = parsed[0], parsed[1:]
        # The overview: every call's start, named with its zone.
        starts = [t for t in index.times if t[1] == "dt"]
        self.assertIn(("2026-11-20T18:00:05.000+08:00", "dt", "2026-11-20 18:00:05 CST"),
                      [t[:3] for t in starts])
        # The partial day's note: "... the input's first row is at 18:00:05; ..."
        self.assertIn(("2026-11-20T18:00:05.000+08:00", "t", "18:00:05"),
                      [t[:3] for t in index.times])
        # Call 3101: the span, a finding's time and its sentence's times, the
        # session table, the room's lifetime.
        page = [c for c, path in zip(calls, pages[1:]) if "_3101_" in read(path)][0]
        texts = [t[:3] for t in page.times]
        for want in (("2026-11-20T18:00:05.000+08:00", "dt", "2026-11-20 18:00:05"),
                     ("2026-11-20T18:20:31.000+08:00", "t", "18:20:31"),
                     ("2026-11-20T18:12:14.000+08:00", "t", "18:12:14"),
                     ("2026-11-20T18:10:44.000+08:00", "t", "18:10:44"),
                     ("2026-11-20T17:59:58.000+08:00", "t", "17:59:58")):
            self.assertIn(want, texts)
        self.assertIn(("Timed out of the room at 18:12:14 (last seen 18:10:44); network lost "
                       "4 s before", ["18:12:14", "18:10:44"]),
                      [(s, i) for s, i in page.sentences])
        # An abnormal experience on the minute: "hm".
        self.assertTrue(any(s.startswith("Audio lagged at 18:10 ") and i == ["18:10"]
                            for s, i in page.sentences), page.sentences)
        self.assertIn(("2026-11-20T18:10:00.000+08:00", "hm", "18:10"), texts)

    def test_samples_utc_single_file(self):
        pages = self.run_on(rr.SAMPLES, "UTC", single=True)
        p = self.check_pages(pages, "UTC")[0]
        self.assertIn(("2026-11-20T10:12:14.000+00:00", "t", "10:12:14"),
                      [t[:3] for t in p.times])
        self.assertTrue(p.sentences)

    def test_ticket_findings_first(self):
        # The ticket file's list of findings, before the call: each time and
        # each time in its sentence a <time>.
        out = os.path.join(rr.temp_dir(self, "rr-zone-"), "ticket.html")
        code, _, err = rr.run(["-q", "-o", out, "--tz", "Asia/Shanghai", "--room", "3101"]
                              + rr.SAMPLES)
        self.assertEqual(code, 0, err)
        p = self.check_pages([out], "Asia/Shanghai")[0]
        src = read(out)
        first = src[src.index('<ul class="ticket-findings">'):]
        first = first[:first.index("</ul>")]
        self.assertIn('<time datetime="2026-11-20T18:12:14.000+08:00" data-f="t">18:12:14</time> '
                      '<span class="id">chen</span>: <span class="text">Timed out of the room at '
                      '<time datetime="2026-11-20T18:12:14.000+08:00" data-f="t">18:12:14</time> '
                      '(last seen <time datetime="2026-11-20T18:10:44.000+08:00" data-f="t">'
                      '18:10:44</time>); network lost 4 s before</span>', first)
        # Its sentences are among the page's checked ones.
        self.assertIn(("Timed out of the room at 18:12:14 (last seen 18:10:44); network lost "
                       "4 s before", ["18:12:14", "18:10:44"]), p.sentences)

    def test_berlin_across_a_change(self):
        pages = self.run_tool({"e.csv": EV_HEADER + "\n".join(dst_events(OCT_A, OCT_Z)) + "\n"},
                              "Europe/Berlin")
        parsed = self.check_pages(pages, "Europe/Berlin")
        texts = [t[:3] for t in parsed[1].times]
        # Each side of the change with its own offset and name.
        self.assertIn(("2026-10-25T02:50:00.000+02:00", "dt", "2026-10-25 02:50:00 CEST"), texts)
        self.assertIn(("2026-10-25T02:10:00.000+01:00", "t", "02:10:00 CET"), texts)
        self.assertIn(("No network for 2 min 00 s from 02:00:00 CET", ["02:00:00 CET"]),
                      parsed[1].sentences)


if __name__ == "__main__":
    unittest.main()
