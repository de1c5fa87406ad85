"""End-to-end tests of the call page's figures and times (issue 14, items 1
and 11): bitrates charted in kbps from the API's bps; a call across a
daylight-saving change gets a real-time axis labelled on each side's clock,
and every time on its page carries the zone's name for its offset; pages
that cross no change are unchanged.
"""
import calendar
import glob
import html.parser
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rrtest as rr  # noqa: E402


def setUpModule():
    if not os.access(rr.BINARY, os.X_OK):
        raise RuntimeError("roomreport binary not found at %s (set ROOMREPORT)" % rr.BINARY)


def ms(y, mo, d, h, mi, s=0):
    return calendar.timegm((y, mo, d, h, mi, s)) * 1000


class Page(html.parser.HTMLParser):
    """Texts of a page by element class, and the page's visible text."""

    def __init__(self, path):
        super().__init__(convert_charrefs=True)
        self.stack, self.by_class, self.text, self.titles = [], {}, [], []
        self.skip = 0
        # Instants (<time>) and the zone's name (<span data-zone>) are
        # inline: not elements here, their text joins the text around it.
        self.last_owner, self.in_zone = None, False
        with open(path, encoding="utf-8") as f:
            self.feed(f.read())

    VOID = {"meta", "link", "br", "img", "input", "hr", "line", "rect", "path", "circle",
            "polyline", "use"}

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        cls = dict(attrs).get("class", "") or ""
        if tag == "time" or {"zone-name", "zone-change"} & set(cls.split()):
            self.in_zone = self.in_zone or tag == "span"
            return
        self.last_owner = None
        self.stack.append((tag, cls.split(), []))
        if tag in ("style", "script"):
            self.skip += 1

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag == "time" or (tag == "span" and self.in_zone):
            self.in_zone = self.in_zone and tag != "span"
            return
        self.last_owner = None
        while self.stack:
            t, cls, buf = self.stack.pop()
            if t in ("style", "script"):
                self.skip -= 1
            s = "".join(buf)
            for c in cls:
                self.by_class.setdefault(c, []).append(s)
            if t == "title":
                self.titles.append(s)
            if self.stack:
                self.stack[-1][2].append(s)
            if t == tag:
                break

    def handle_data(self, data):
        if self.stack and not self.skip:
            self.stack[-1][2].append(data)
            if self.last_owner is self.stack[-1][2] and self.text:
                self.text[-1] += data
            else:
                self.text.append(data)
            self.last_owner = self.stack[-1][2]

    def all_text(self):
        return re.sub(r"\s+", " ", " ".join(self.text))


def tick_labels(page_path):
    """The timeline's tick labels, in order."""
    with open(page_path, encoding="utf-8") as f:
        doc = f.read()
    tl = re.search(r'<svg class="timeline".*?</svg>', doc, re.S).group(0)
    g = re.search(r'<g class="tick-label"[^>]*>(.*?)</g>', tl, re.S).group(1)
    return re.findall(r">([^<]+)</text>", g)


def build(test, files, tz, extra=()):
    """Runs the tool on {name: text} files; returns (json, [call page paths])."""
    where = rr.temp_dir(test, "rr-truth-")
    paths = rr.write_files(where, files)
    out = os.path.join(where, "report")
    js = os.path.join(where, "r.json")
    code, _, err = rr.run(["-q", "-o", out, "--json", js, "--tz", tz] + list(extra) + paths)
    test.assertEqual(code, 0, err)
    with open(js, encoding="utf-8") as f:
        rep = rr.load_json(f.read())
    pages = sorted(glob.glob(os.path.join(out, "calls", "*.html")))
    return rep, pages, os.path.join(out, "index.html")


EV_HEADER = "CommId,RoomId,UserId,Time,EventId,ParamOne,ParamTwo\n"
Q_HEADER = "CommId,RoomId,UserId,PeerId,DataType,Time,Value\n"
T0 = 1795168800000   # 2026-11-20 10:00:00 UTC


class TestBitrateUnits(unittest.TestCase):
    """Item 1: the API gives aBit/bigvBit in bps; charts show kbps."""

    def events(self, users=("u1",), webrtc=()):
        rows = []
        for u in users:
            rows += ["c1,r1,%s,%d,5001,," % (u, T0), "c1,r1,%s,%d,5003,1," % (u, T0 + 1000),
                     "c1,r1,%s,%d,7001,0," % (u, T0 + 200000)]
        for u in webrtc:
            rows += ["c1,r1,%s,%d,32788,," % (u, T0), "c1,r1,%s,%d,32789,," % (u, T0 + 200000)]
        return EV_HEADER + "\n".join(rows) + "\n"

    def captions(self, page):
        return Page(page).by_class.get("chart-desc", [])

    def test_issue_row(self):
        # The issue's row: drawn as "max 850000 kbps" before; 850 kbps is right.
        rep, pages, _ = build(self, {"e.csv": self.events(),
                                     "q.csv": Q_HEADER + "c1,r1,u1,,bigvBit,1795168900,850000\n"},
                              "UTC")
        self.assertEqual(rep["input"]["rows"], 4)
        [page] = pages
        self.assertEqual(self.captions(page), ["bigvBit: 1 sample, max 850 kbps"])
        self.assertNotIn("850000", Page(page).all_text())

    def test_every_known_unit(self):
        rows = [("bigvBit", 850000), ("aBit", 48000), ("rtt", 120), ("aLoss", 3),
                ("bigvLoss", 12), ("aBlock", 250), ("bigvBlock", 700), ("bigvCapFps", 15),
                ("appCpu", 40), ("sysCpu", 90)]
        q = Q_HEADER + "".join("c1,r1,u1,,%s,1795168900,%s\n" % r for r in rows)
        _, [page], _ = build(self, {"e.csv": self.events(), "q.csv": q}, "UTC")
        self.assertEqual(sorted(self.captions(page)), sorted([
            "rtt: 1 sample, max 120 ms",
            "aLoss: 1 sample, max 3 %; bigvLoss: 1 sample, max 12 %",
            "aBit: 1 sample, max 48 kbps; bigvBit: 1 sample, max 850 kbps",
            "bigvCapFps: 1 sample, max 15 fps",
            "aBlock: 1 sample, max 250 ms; bigvBlock: 1 sample, max 700 ms",
            "appCpu: 1 sample, max 40 %; sysCpu: 1 sample, max 90 %",
        ]))

    def test_orders_users_and_platforms(self):
        # Rows in time order, reversed, and grouped by peer; an SDK and a
        # WebRTC user; a received stream (PeerId) in bps too.
        rows = []
        for i in range(5):
            rows.append("c1,r1,u1,,bigvBit,%d,%d" % (1795168900 + 10 * i, 800000 + 10000 * i))
            rows.append("c1,r1,web,,aBit,%d,%d" % (1795168900 + 10 * i, 32000 + 1000 * i))
            rows.append("c1,r1,u1,web,aBit,%d,%d" % (1795168900 + 10 * i, 30000))
        want = {"u1": ["aBit from web: 5 samples, max 30 kbps; bigvBit: 5 samples, max 840 kbps"],
                "web": ["aBit: 5 samples, max 36 kbps"]}
        for order in (rows, rows[::-1], sorted(rows, key=lambda r: r.split(",")[3])):
            _, [page], _ = build(self, {"e.csv": self.events(webrtc=("web",)),
                                        "q.csv": Q_HEADER + "\n".join(order) + "\n"}, "UTC")
            got = self.captions(page)
            self.assertEqual(sorted(got), sorted(want["u1"] + want["web"]))

    def test_quality_findings_unchanged_units(self):
        # Loss is in %, rtt in ms: 6 % loss for a minute is a finding, 0.06 is not.
        q = Q_HEADER
        for i in range(8):
            q += "c1,r1,u1,,aLoss,%d,6\n" % (1795168810 + 10 * i)
            q += "c1,r1,u1,,bigvLoss,%d,0.06\n" % (1795168810 + 10 * i)
        rep, _, _ = build(self, {"e.csv": self.events(), "q.csv": q}, "UTC")
        codes = [(f["code"], f["text"]) for f in rep["calls"][0]["sessions"][0]["findings"]]
        loss = [c for c in codes if c[0] == "high_loss"]
        self.assertEqual(len(loss), 1, codes)
        self.assertIn("audio loss above 5 %", loss[0][1])


# 25 Oct 2026: 03:00 CEST (01:00 UTC) becomes 02:00 CET. 29 Mar 2026:
# 02:00 CET (01:00 UTC) becomes 03:00 CEST.
OCT_A, OCT_Z = ms(2026, 10, 25, 0, 50), ms(2026, 10, 25, 1, 10)   # 02:50 CEST -> 02:10 CET
MAR_A, MAR_Z = ms(2026, 3, 29, 0, 50), ms(2026, 3, 29, 1, 10)     # 01:50 CET -> 03:10 CEST


def dst_events(a, z, user="u1", webrtc=False):
    if webrtc:
        rows = ["c1,r1,%s,%d,32788,," % (user, a), "c1,r1,%s,%d,32789,," % (user, z)]
    else:
        rows = ["c1,r1,%s,%d,5001,," % (user, a), "c1,r1,%s,%d,5003,1," % (user, a + 1000),
                "c1,r1,%s,%d,1003,0," % (user, a + 600000),
                "c1,r1,%s,%d,1003,1," % (user, a + 720000),
                "c1,r1,%s,%d,7001,0," % (user, z)]
    return rows


class TestDaylightSaving(unittest.TestCase):
    """Item 11: a call across a change of offset in the display zone."""

    def page_of(self, rows, tz="Europe/Berlin"):
        rep, [page], index = build(self, {"e.csv": EV_HEADER + "\n".join(rows) + "\n"}, tz)
        return rep, page, index

    def test_autumn_repeated_hour(self):
        rep, page, index = self.page_of(dst_events(OCT_A, OCT_Z))
        # Real time, each side on its own clock; the zone named on the
        # first tick and where the offset changes.
        self.assertEqual(tick_labels(page), [
            "02:50 CEST", "02:52", "02:54", "02:56", "02:58",
            "02:00 CET", "02:02", "02:04", "02:06", "02:08", "02:10"])
        p = Page(page)
        text = p.all_text()
        self.assertIn("2026-10-25 02:50:00 CEST – 02:10:00 CET (Europe/Berlin)", p.titles[0])
        self.assertIn("Times in Europe/Berlin; clocks went back at 03:00 CEST to 02:00 CET "
                      "(2026-10-25 01:00 UTC)", text)
        # The event log: times on both sides of the change, never bare.
        for want in ("02:50:00.000 CEST", "02:50:01.000 CEST", "02:00:00.000 CET",
                     "02:02:00.000 CET", "02:10:00.000 CET"):
            self.assertIn(want, text)
        # The finding's time, and the bar's and span's hover texts.
        self.assertIn("Findings warning 02:00:00 CET u1 No network", text)
        # The finding's own words carry the zone too: 02:00 happened twice.
        self.assertIn("No network for 2 min 00 s from 02:00:00 CET", text)
        self.assertIn("02:50:00 CEST–02:10:00 CET · entered after 1 s · left normally",
                      p.titles)
        self.assertIn("No network 02:00:00 CET–02:02:00 CET (2 min 00 s)", p.titles)
        # The JSON is in epoch ms: no change.
        c = rep["calls"][0]
        self.assertEqual((c["start_ms"], c["end_ms"]), (OCT_A, OCT_Z))
        self.assertEqual(c["sessions"][0]["network"]["outage_ms"], 120000)
        # The overview's call list says which side the start is on.
        self.assertIn("2026-10-25 02:50:00 CEST", Page(index).all_text())

    def test_spring_skipped_hour(self):
        _, page, _ = self.page_of(dst_events(MAR_A, MAR_Z))
        self.assertEqual(tick_labels(page), [
            "01:50 CET", "01:52", "01:54", "01:56", "01:58",
            "03:00 CEST", "03:02", "03:04", "03:06", "03:08", "03:10"])
        p = Page(page)
        self.assertIn("2026-03-29 01:50:00 CET – 03:10:00 CEST (Europe/Berlin)", p.titles[0])
        self.assertIn("clocks went forward at 02:00 CET to 03:00 CEST (2026-03-29 01:00 UTC)",
                      p.all_text())

    def test_ticks_step_in_real_time(self):
        # Across either change, ticks are evenly spaced on the axis.
        for a, z in ((OCT_A, OCT_Z), (MAR_A, MAR_Z)):
            _, page, _ = self.page_of(dst_events(a, z))
            with open(page, encoding="utf-8") as f:
                tl = re.search(r'<svg class="timeline".*?</svg>', f.read(), re.S).group(0)
            xs = [float(x) for x in re.findall(r'<line class="tick" x1="([-0-9.]+)"', tl)]
            self.assertEqual(len(xs), 11)
            gaps = [round(b - a, 1) for a, b in zip(xs, xs[1:])]
            self.assertLessEqual(max(gaps) - min(gaps), 0.2, gaps)

    def test_variations(self):
        # Two users, one on WebRTC; rows interleaved or grouped by user:
        # the same axis and zone names.
        rows = dst_events(OCT_A, OCT_Z) + dst_events(OCT_A + 60000, OCT_Z - 60000, "web", True)
        for order in (rows, sorted(rows, key=lambda r: int(r.split(",")[3])), rows[::-1]):
            _, page, _ = self.page_of(order)
            self.assertEqual(tick_labels(page)[4:7], ["02:58", "02:00 CET", "02:02"])
            text = Page(page).all_text()
            self.assertIn("02:51:00.000 CEST", text)     # web's 32788
            self.assertIn("02:09:00.000 CET", text)      # web's 32789

    def test_southern_hemisphere(self):
        # Sydney, 5 Apr 2026: 03:00 AEDT (16:00 UTC on the 4th) becomes 02:00 AEST.
        a, z = ms(2026, 4, 4, 15, 50), ms(2026, 4, 4, 16, 10)
        _, page, _ = self.page_of(dst_events(a, z), "Australia/Sydney")
        self.assertEqual(tick_labels(page)[:6], ["02:50 AEDT", "02:52", "02:54", "02:56",
                                                  "02:58", "02:00 AEST"])

    def test_days_are_local_dates(self):
        # 25 Oct 2026 has 25 hours in Berlin: 22:00 UTC on the 24th is
        # 00:00 CEST on the 25th, 22:30 UTC on the 25th is 23:30 CET still on
        # the 25th. In UTC the first is on the 24th.
        rows = []
        for n, a in enumerate((ms(2026, 10, 24, 22, 10), ms(2026, 10, 25, 22, 30),
                               ms(2026, 10, 25, 23, 10))):
            rows += ["c%d,r%d,u,%d,5001,," % (n, n, a), "c%d,r%d,u,%d,7001,0," % (n, n, a + 60000)]
        text = EV_HEADER + "\n".join(rows) + "\n"
        for tz, want in (("Europe/Berlin", {"2026-10-25": 2, "2026-10-26": 1}),
                         ("UTC", {"2026-10-24": 1, "2026-10-25": 2})):
            rep, _, index = build(self, {"e.csv": text}, tz)
            self.assertEqual({d["date"]: d["calls"] for d in rep["days"]}, want, tz)
        # Berlin: the call index (calls.html and its day pages), across the
        # change, names the zone.
        rep, _, index = build(self, {"e.csv": text}, "Europe/Berlin")
        top = os.path.dirname(index)
        listed = Page(os.path.join(top, "calls.html")).all_text()
        self.assertIn("2026-10-25: 2 calls · 00:10:00 CEST to 23:30:00 CET (2)", listed)
        self.assertIn("2026-10-26: 1 call · 00:10:00 CET (1)", listed)
        day1 = Page(os.path.join(top, "index", "day-1.html")).all_text()
        day2 = Page(os.path.join(top, "index", "day-2.html")).all_text()
        for want in ("Calls of 2026-10-25", "00:10:00 CEST room r0", "23:30:00 CET room r1"):
            self.assertIn(want, day1)
        for want in ("Calls of 2026-10-26", "00:10:00 CET room r2"):
            self.assertIn(want, day2)

    def test_no_change_no_names(self):
        # Calls that cross no change are shown as before: no zone names.
        for a, z, tz, ticks in (
                (OCT_A + 86400000, OCT_Z + 86400000, "Europe/Berlin",
                 ["01:50", "01:52", "01:54", "01:56", "01:58", "02:00", "02:02", "02:04",
                  "02:06", "02:08", "02:10"]),
                (OCT_A, OCT_Z, "UTC",
                 ["00:50", "00:52", "00:54", "00:56", "00:58", "01:00", "01:02", "01:04",
                  "01:06", "01:08", "01:10"]),
                (OCT_A, OCT_Z, "Asia/Shanghai",
                 ["08:50", "08:52", "08:54", "08:56", "08:58", "09:00", "09:02", "09:04",
                  "09:06", "09:08", "09:10"])):
            _, page, index = self.page_of(dst_events(a, z), tz)
            self.assertEqual(tick_labels(page), ticks)
            text = Page(page).all_text()
            self.assertNotIn("clocks went", text)
            self.assertIsNone(re.search(r"\d\d:\d\d(:\d\d(\.\d{3})?)? (CES?T|UTC|CST)\b",
                                        text), tz)
            # The overview's call tables name the zone on every start
            # (issue 17 item 6), changed or not; nothing else does.
            itext = Page(index).all_text()
            self.assertEqual(set(re.findall(r"\d\d:\d\d(?::\d\d(?:\.\d{3})?)? (CES?T|UTC|CST)\b",
                                            itext)),
                             {{"Europe/Berlin": "CET", "UTC": "UTC", "Asia/Shanghai": "CST"}[tz]},
                             tz)


if __name__ == "__main__":
    unittest.main()
