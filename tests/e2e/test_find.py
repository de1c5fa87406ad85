"""The call index (issue 17 items 1 and 3): every call findable from the
overview by room, user, CommId and time; the single file's budget; the
ticket file that opens on its call.

Environment: see rrtest.py.
"""
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rrtest import EVENT_HEADER, SAMPLES, SOURCE_DIR, run  # noqa: E402

HOSTILE_DIR = os.path.join(SOURCE_DIR, "tests", "data", "hostile")
HOSTILE = [os.path.join(HOSTILE_DIR, "events.csv"), os.path.join(HOSTILE_DIR, "abnormal.csv")]
GEN = os.path.join(SOURCE_DIR, "tests", "bench", "gen.py")

DATA_RE = re.compile(r'<script type="application/json" id="find-data">(.*?)</script>', re.S)
TAG_RE = re.compile(r"<[^>]*>")


def text_of(fragment):
    return re.sub(r"\s+", " ", html.unescape(TAG_RE.sub("", fragment))).strip()


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def check_in_page_links(test, src):
    """Every href of a single file is #ID of an element of it."""
    ids = set(re.findall(r'\sid="([^"]+)"', src))
    hrefs = re.findall(r'<a[^>]*\shref="([^"]*)"', src)
    test.assertTrue(hrefs)
    for h in hrefs:
        test.assertTrue(h.startswith("#") and html.unescape(h[1:]) in ids, "dangling %s" % h)


def index_data(page_source):
    blocks = DATA_RE.findall(page_source)
    assert len(blocks) == 1, "one data block"
    return blocks[0], json.loads(blocks[0])


class Find(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="rr-find-")
        cls.built = {}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def build(self, name, args):
        """roomreport -o TMP/name ARGS (once per name): (path, stderr)."""
        if name not in self.built:
            out = os.path.join(self.tmp, name)
            code, _, err = run(["-o", out, "--tz", "UTC"] + args, timeout=300)
            self.assertEqual(code, 0, err)
            self.built[name] = (out, err)
        return self.built[name]

    def week(self, calls):
        """A generated week of `calls` calls: its event and abnormal exports."""
        ev = os.path.join(self.tmp, "week%d-events.csv" % calls)
        ab = os.path.join(self.tmp, "week%d-abnormal.csv" % calls)
        if not os.path.exists(ev):
            subprocess.run([sys.executable, GEN, "--calls", str(calls), "--days", "7", "--seed", "5",
                            "--out", ev, "--abnormal", ab], check=True)
        return [ev, ab]

    def model(self, inputs):
        code, out, err = run(["--no-html", "--json", "-", "--tz", "UTC"] + inputs, timeout=300)
        self.assertEqual(code, 0, err)
        return json.loads(out)

    def check_every_call(self, data, model):
        """Every call of the model in the data: room, CommId, users, findings."""
        calls = data["calls"]
        self.assertEqual(len(calls), len(model["calls"]))
        for c, m in zip(calls, model["calls"]):
            self.assertEqual(data["rooms"][c[2]], m["room_id"])
            self.assertEqual(c[3], m["comm_id"] or "")
            users = []
            for s in m["sessions"]:
                if s["user_id"] not in users:
                    users.append(s["user_id"])
            self.assertEqual([data["users"][u] for u in c[4]], users)
            self.assertEqual(c[5], m["findings"]["error"])
            self.assertEqual(c[6], m["findings"]["warning"])
            self.assertEqual(data["days"][c[0]] + " " + c[1], _utc(m["start_ms"]))
        # Each call's start: t0 plus the deltas (element 8).
        t = data["t0"]
        for c, m in zip(calls, model["calls"]):
            t += c[8]
            self.assertEqual(t, m["start_ms"])
        self.assertEqual(data["offsets"][0], [data["t0"], 0])   # UTC
        self.assertEqual(data["users"], sorted(data["users"], key=lambda u: u.encode()))

    # ---- the overview and calls.html

    def test_summary_and_box(self):
        out, _ = self.build("samples", SAMPLES)
        src = read(os.path.join(out, "index.html"))
        sec = src[src.index('<section id="find">'):]
        sec = sec[:sec.index("</section>")]
        self.assertIn("<h2>Find a call</h2>", sec)
        self.assertIn(
            "5 calls of 11 users in 4 rooms, 2026-11-20 to 2026-11-20 (UTC). Search by user ID, "
            "room, CommId, date or time: a whole ID finds exactly its calls (u217 does not find "
            "u2170); other words find every call with them in its room, CommId, users, date or "
            "time.", text_of(sec))
        self.assertIn('<div class="find" id="find-box" hidden="">', sec)
        self.assertIn('<input type="search" id="find-q"', sec)
        self.assertIn("Every call by day, and every user with their calls, on pages that "
                      "need no script: the call index (calls.html)", text_of(sec))
        self.assertNotIn("first 200", src)
        self.assertIn('<a href="#find">Find a call</a>', src)

    def test_every_call_in_the_data_and_calls_page(self):
        inputs = self.week(300)
        out, _ = self.build("week300", ["--pages", "problems"] + inputs)
        model = self.model(["--pages", "problems"] + inputs)
        raw, data = index_data(read(os.path.join(out, "index.html")))
        self.check_every_call(data, model)
        self.assertEqual(data["fallback"], "calls.html")
        for c, m in zip(data["calls"], model["calls"]):
            # A page's stem, or 0 for a call --pages gave none.
            self.assertEqual(c[7], m["page"][6:-5] if m["page"] else 0)
        day_pages = sorted((p for p in os.listdir(os.path.join(out, "index"))
                            if p.startswith("day-")), key=lambda p: int(p[4:-5]))
        cp = "".join(read(os.path.join(out, "index", p)) for p in day_pages)
        rows = re.findall(r'<li id="c-(\d+)">(.*?)</li>', cp, re.S)
        self.assertEqual([int(k) for k, _ in rows], list(range(1, 301)))
        # The data's day_pages: the first call of each day page.
        self.assertEqual(len(data["day_pages"]), len(day_pages))
        for p, first in zip(day_pages, data["day_pages"]):
            self.assertIn('<li id="c-%d">' % (first + 1), read(os.path.join(out, "index", p)))
        first = model["calls"][0]
        users = []
        for s in first["sessions"]:
            if s["user_id"] not in users:
                users.append(s["user_id"])
        want = "%s room %s · CommId %s · user%s %s" % (
            _utc(first["start_ms"])[11:], first["room_id"], first["comm_id"],
            "s" if len(users) > 1 else "", ", ".join(users))
        self.assertTrue(text_of(rows[0][1]).startswith(want), (text_of(rows[0][1]), want))
        self.assertIn('<time datetime="%s" data-f="t">' % _iso(first["start_ms"]), rows[0][1])
        # Each user's row: every call of theirs, linked.
        up = sorted((p for p in os.listdir(os.path.join(out, "index")) if p.startswith("users-")),
                    key=lambda p: int(p[6:-5]))
        page_of = {}
        urows = []
        for p in up:
            found = re.findall(r'<li id="u-(\d+)">\s*<span class="id">(.*?)</span>: (.*?)</li>',
                               read(os.path.join(out, "index", p)), re.S)
            for n, _, _ in found:
                page_of[int(n)] = p
            urows += found
        self.assertEqual(len(urows), len(data["users"]))
        for k, (n, uid, links) in enumerate(urows):
            self.assertEqual(int(n), k + 1)
            self.assertEqual(html.unescape(uid), data["users"][k])
            mine = sum(1 for c in data["calls"] if k in c[4])
            self.assertEqual(links.count("<a "), mine)
            self.assertEqual(links.count('data-f="dt">'), mine)
        # Problem users link to their rows.
        src = read(os.path.join(out, "index.html"))
        links = re.findall(r'<a class="user" href="index/(users-\d+\.html)#u-(\d+)" '
                           r'data-user="([^"]*)">', src)
        self.assertTrue(links)
        for p, n, uid in links:
            self.assertEqual(data["users"][int(n) - 1], html.unescape(uid))
            self.assertEqual(page_of[int(n)], p)
        self.assertIn("calls have a page of their own (--pages); the others are listed without "
                      "a link.", text_of(src))

    def test_hostile_ids_escaped(self):
        d = os.path.join(self.tmp, "nasty-input")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "events.csv")
        nasty_user = "u\u2028x</script><!--<script>"
        nasty_room = "r</SCRIPT>\u2029&amp;"
        rows = [EVENT_HEADER]
        for i, (room, user) in enumerate([(nasty_room, nasty_user), (nasty_room, "plain"),
                                          ("3101", nasty_user)]):
            t = 1795168800000 + i * 3600000
            q = lambda s: '"' + s.replace('"', '""') + '"'  # noqa: E731
            rows.append("1400188366,,%s,%s,,%d,0,5001,-1,-1" % (q(room), q(user), t))
            rows.append("1400188366,,%s,%s,,%d,0,5003,1,-1" % (q(room), q(user), t + 900))
            rows.append("1400188366,,%s,%s,,%d,0,5008,1,-1" % (q(room), q(user), t + 60000))
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write("\n".join(rows) + "\n")
        for name in ("nasty", "nasty.html"):
            out, _ = self.build(name, [path])
            src = read(os.path.join(out, "index.html") if name == "nasty" else out)
            raw, data = index_data(src)
            for bad in ("<", ">", "&", "\u2028", "\u2029"):
                self.assertNotIn(bad, raw)
            self.assertIn(nasty_user, data["users"])
            self.assertIn(nasty_room, data["rooms"])
            self.assertEqual(src.count("</script>"), 2, "report.js and the data block only")
        self.check_every_call(data, self.model([path]))
        for inputs in (HOSTILE, SAMPLES):
            out, _ = self.build("h%d" % len(inputs), inputs)
            raw, data = index_data(read(os.path.join(out, "index.html")))
            self.check_every_call(data, self.model(inputs))

    # ---- the single file

    def test_budget(self):
        inputs = self.week(150)
        out, err = self.build("week150.html", inputs)
        self.assertIn(
            "roomreport: %s: 20 of 150 calls are in full in this file: the worst 20 (error "
            "findings, then warning findings, then timeouts, kicks and entry failures); the "
            "other 130 are only listed in its index. For a page per call write a directory "
            "report (-o DIR); for a file of some calls choose them with --room, --user, --from "
            "or --to.\n" % out, err)
        src = read(out)
        sections = re.findall(r'<section[^>]* id="call-(\d+)"', src)
        self.assertEqual(len(sections), 20)
        self.assertIn("This file has 20 of the 150 calls in full: the worst 20 by error "
                      "findings, then warning findings, then timeouts, kicks and entry failures. "
                      "The other 130 are listed in the index without their details. A directory "
                      "report (-o DIR) has a page for every call; --room, --user, --from and "
                      "--to choose calls for a file.", text_of(src))
        # The worst by the stated rule: no call left out is worse than one kept.
        model = self.model(inputs)
        key = lambda i: (-model["calls"][i]["findings"]["error"],  # noqa: E731
                         -model["calls"][i]["findings"]["warning"],
                         -sum(model["calls"][i]["exits"][e]
                              for e in ("timeout", "kicked", "entry_failed")),
                         model["calls"][i]["start_ms"], i)
        kept = sorted(int(s) - 1 for s in sections)
        self.assertEqual(kept, sorted(sorted(range(150), key=key)[:20]))
        raw, data = index_data(src)
        self.check_every_call(data, model)
        self.assertEqual(sum(1 for c in data["calls"] if c[7] == 1), 20)
        self.assertEqual(src.count('<li id="c-'), 150)
        check_in_page_links(self, src)
        # The JSON keeps the directory report's page names.
        code, js, _ = run(["--json", "-", "-o", os.path.join(self.tmp, "j.html"), "--tz", "UTC",
                           "-q"] + inputs)
        self.assertEqual(code, 0)
        self.assertTrue(all(c["page"] for c in json.loads(js)["calls"]))

    def test_users_left_out_of_the_file(self):
        # 2501 calls of 10 users each: 25010 links, past the file's 25000.
        path = os.path.join(self.tmp, "many-users.csv")
        rows = [EVENT_HEADER]
        for i in range(2501):
            t = 1795168800000 + i * 600000
            for j in range(10):
                u = "u%d" % ((i * 10 + j) % 997)
                # u0 is kicked out of the first call: a user with a problem.
                last = (60000, 7001, 2) if i == j == 0 else (60000, 5008, 1)
                rows += ["1400188366,,r%d,%s,,%d,0,%d,%d,-1" % (i % 40, u, t + dt, e, p1)
                         for dt, e, p1 in ((0, 5001, -1), (900, 5003, 1), last)]
        with open(path, "w") as f:
            f.write("\n".join(rows) + "\n")
        out, err = self.build("many-users.html", [path])
        self.assertIn(
            "roomreport: %s: its index lists every call by day with its users, but not each "
            "user's calls (25010 links, more than this file's 25000). The search box finds any "
            "user's calls; a directory report (-o DIR) lists them on pages that need no "
            "script.\n" % out, err)
        src = read(out)
        self.assertEqual(src.count('<li id="c-'), 2501)
        check_in_page_links(self, src)
        self.assertNotIn('<li id="u-', src)
        self.assertIn("Not in this file: each user's calls (25010 links, more than this "
                      "file's 25000). Every call above names its users; the search box finds "
                      "any user's calls; a directory report (-o DIR) lists them on pages that "
                      "need no script.", text_of(src))
        # User links go to the search box (the script makes them searches).
        self.assertIn('<a class="user" href="#find" data-user="u0">u0</a>', src)
        self.assertEqual({h for h in re.findall(r'<a class="user" href="([^"]*)"', src)}, {"#find"})
        self.assertTrue('href="#u-' not in src)
        # At 25000 links or fewer, the file has every user's row.
        out, err = self.build("week150.html", self.week(150))
        self.assertNotIn("each user's calls", err)
        self.assertIn('<li id="u-1">', read(out))

    def test_offsets(self):
        # Berlin's change on 2026-10-25 01:00 UTC (CEST +2 to CET +1): the
        # data gives the offset from each instant on.
        change = 1792890000000
        path = os.path.join(self.tmp, "berlin.csv")
        rows = [EVENT_HEADER]
        for k, t in enumerate((change - 3600000, change + 3600000)):
            rows += ["1400188366,,r%d,u,,%d,0,%d,%d,-1" % (k, t + dt, e, p1)
                     for dt, e, p1 in ((0, 5001, -1), (900, 5003, 1), (60000, 5008, 1))]
        with open(path, "w") as f:
            f.write("\n".join(rows) + "\n")
        code, _, err = run(["-o", os.path.join(self.tmp, "berlin"), "--tz", "Europe/Berlin",
                            path])
        self.assertEqual(code, 0, err)
        _, data = index_data(read(os.path.join(self.tmp, "berlin", "index.html")))
        self.assertEqual(data["t0"], change - 3600000)
        self.assertEqual(data["offsets"], [[change - 3600000, 7200], [change, 3600]])
        self.assertEqual([c[8] for c in data["calls"]], [0, 7200000])
        self.assertEqual(data["day_pages"], [0])

    def test_ticket_order(self):
        out, err = self.build("ticket.html", ["--room", "3101"] + SAMPLES)
        self.assertNotIn("in full in this file", err)
        src = read(out)
        title = "Call in room 3101, 2026-11-20 10:00:05 – 10:20:31 (UTC)"
        self.assertIn('<title data-slot="title">%s</title>' % title, src)
        body = src[src.index("<body>"):]
        self.assertTrue(body.startswith('<body>\n<header class="ticket"><h1>%s</h1>' % title),
                        body[:200])
        at_findings = body.index('<ul class="ticket-findings">')
        at_section = body.index('<section class="call" data-slot="call" id="call-1"')
        at_overview = body.index("<h2>Headline figures</h2>")
        self.assertLess(at_findings, at_section)
        self.assertLess(at_section, at_overview)
        first = re.search(r'<ul class="ticket-findings">\s*<li class="sev-error">(.*?)</li>', body, re.S)
        self.assertEqual(text_of(first.group(1)),
                         "error 10:12:14 chen: Timed out of the room at 10:12:14 (last seen "
                         "10:10:44); network lost 4 s before")
        # A file of more calls than a ticket opens on the overview.
        out, _ = self.build("samples.html", SAMPLES + ["--title", "x"])
        self.assertNotIn('class="ticket"', read(out))


def _iso(ms):
    import datetime
    t = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d+00:00" % (ms % 1000)


def _utc(ms):
    import datetime
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S")


if __name__ == "__main__":
    unittest.main()
