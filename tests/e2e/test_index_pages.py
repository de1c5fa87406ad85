"""The call index without scripts (issue 17, items 1 and 4): a directory
report's calls.html, a page of links, and the pages under index/ it links to
(the calls by day, the users by ID; render_index_pages.c).

On the generated 5,000-call week (gen.py --calls 5000 --days 7 --seed 1,
--pages problems, --tz UTC): every href of the overview and of every index
page resolves to a file of the report and an id in it; the pages keep to
their budgets; a user ID and a room are found from the overview by following
links only, as a reader without scripts does, with a link to each of their
calls (counted against --json) and to nothing else. The same week as one
file (-o week.html) keeps every user's list in its folded index.

Environment: see rrtest.py.
"""
import html.parser
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rrtest import SOURCE_DIR, run  # noqa: E402

GEN = os.path.join(SOURCE_DIR, "tests", "bench", "gen.py")
DAY_CALLS = 3000     # REPORT_INDEX_PAGE_CALLS
USER_LINKS = 4000    # REPORT_INDEX_PAGE_LINKS


class Page(html.parser.HTMLParser):
    """One page: its ids, its links (href, text, the id and class of the
    enclosing li and ul), and each li's text."""

    def __init__(self, path):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.links = []          # (href, text, li id, ul class)
        self.li_text = {}        # li id -> text
        self.spans = {}          # li id -> text of its span.id
        self._stack = []         # open elements: (tag, attrs)
        self._a = None
        self._li = None
        self._span = None
        with open(path, encoding="utf-8") as f:
            self.feed(f.read())

    def _ul(self):
        for tag, a in reversed(self._stack):
            if tag == "ul":
                return a.get("class")
        return None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "li":
            self._li = a.get("id")
            if self._li:
                self.li_text[self._li] = ""
        if tag == "a" and "href" in a:
            self._a = [a["href"], "", self._li, self._ul()]
        if tag == "span" and a.get("class") == "id" and self._li:
            self._span = self._li
            self.spans[self._li] = ""
        if tag not in ("meta", "link", "input", "br"):
            self._stack.append((tag, a))

    def handle_endtag(self, tag):
        while self._stack:
            t, _ = self._stack.pop()
            if t == tag:
                break
        if tag == "a" and self._a:
            self.links.append(tuple(self._a))
            self._a = None
        if tag == "span":
            self._span = None
        if tag == "li":
            self._li = None

    def handle_data(self, data):
        if self._a:
            self._a[1] += data
        if self._li in self.li_text:
            self.li_text[self._li] += data
        if self._span:
            self.spans[self._span] += data


class IndexPages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="rr-index-")
        ev = os.path.join(cls.tmp, "events.csv")
        ab = os.path.join(cls.tmp, "abnormal.csv")
        subprocess.run([sys.executable, GEN, "--calls", "5000", "--days", "7", "--seed", "1",
                        "--out", ev, "--abnormal", ab], check=True)
        cls.root = os.path.join(cls.tmp, "week")
        args = ["--tz", "UTC", "--pages", "problems", ev, ab]
        code, out, err = run(["-o", cls.root, "--json", "-"] + args, timeout=600)
        assert code == 0, err
        cls.model = json.loads(out)
        cls.pages = {}
        # The same week as one file: its folded index holds every list.
        cls.single = os.path.join(cls.tmp, "week.html")
        code, _, cls.single_err = run(["-o", cls.single] + args, timeout=600)
        assert code == 0, cls.single_err

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def page(self, rel):
        if rel not in self.pages:
            self.pages[rel] = Page(os.path.join(self.root, rel))
        return self.pages[rel]

    @staticmethod
    def resolve(rel, href):
        """(file, fragment) of href on page rel, relative to the report."""
        target, _, frag = href.partition("#")
        if not target:
            return rel, frag
        return posixpath.normpath(posixpath.join(posixpath.dirname(rel), target)), frag

    def index_pages(self):
        names = sorted(os.listdir(os.path.join(self.root, "index")))
        return ["calls.html"] + ["index/" + n for n in names]

    def call_target(self, i):
        """Where the index links call i: its page, or its row by day."""
        page = self.model["calls"][i]["page"]
        return (page, "") if page else (None, "c-%d" % (i + 1))

    def test_every_href_resolves(self):
        n = 0
        for rel in ["index.html"] + self.index_pages():
            for href, _, _, _ in self.page(rel).links:
                self.assertNotRegex(href, r"^[a-z]+:", "%s: %s" % (rel, href))
                dest, frag = self.resolve(rel, href)
                self.assertFalse(dest.startswith(".."), "%s: %s" % (rel, href))
                self.assertTrue(os.path.isfile(os.path.join(self.root, dest)),
                                "%s: %s: no such file" % (rel, href))
                if frag:
                    self.assertIn(frag, self.page(dest).ids, "%s: %s" % (rel, href))
                n += 1
        self.assertGreater(n, 20000)

    def test_budgets_and_every_call_once(self):
        names = self.index_pages()
        days = [p for p in names if p.startswith("index/day-")]
        users = [p for p in names if p.startswith("index/users-")]
        self.assertEqual(len(days), 7)                      # 5000 calls: one page a day
        self.assertGreaterEqual(len(users), 2)
        rows = []
        for p in sorted(days, key=lambda p: int(p[10:-5])):
            mine = [k for k in self.page(p).li_text if k.startswith("c-")]
            self.assertLessEqual(len(mine), DAY_CALLS)
            rows += mine
        self.assertEqual(rows, ["c-%d" % (i + 1) for i in range(len(self.model["calls"]))])
        for p in users:
            pg = self.page(p)
            links = sum(1 for _, _, li, ul in pg.links if ul == "find-users")
            nusers = sum(1 for k in pg.li_text if k.startswith("u-"))
            self.assertTrue(links <= USER_LINKS or nusers == 1, p)
            # Titled with its first and last user ID.
            ids = [pg.spans[k] for k in pg.spans]
            with open(os.path.join(self.root, p), encoding="utf-8") as f:
                src = f.read()
            want = "Users %s to %s" % (ids[0], ids[-1]) if len(ids) > 1 else "User " + ids[0]
            self.assertIn("<h1>%s</h1>" % want, src)
        # The Find data's day_pages give each call without a page its row.
        with open(os.path.join(self.root, "index.html"), encoding="utf-8") as f:
            data = json.loads(re.search(r'id="find-data">(.*?)</script>', f.read(), re.S).group(1))
        for i, c in enumerate(data["calls"]):
            if c[7] == 0:
                k = max(j for j, first in enumerate(data["day_pages"]) if first <= i)
                self.assertIn("c-%d" % (i + 1), self.page("index/day-%d.html" % (k + 1)).ids)

    def test_pages_notes(self):
        npages = sum(1 for c in self.model["calls"] if c["page"])
        with open(os.path.join(self.root, "calls.html"), encoding="utf-8") as f:
            hub = f.read()
        self.assertIn('<p class="note pages">%d of 5000 calls have a page of their own '
                      '(--pages); the others are listed without a link.</p>' % npages, hub)
        with open(os.path.join(self.root, "index", "day-1.html"), encoding="utf-8") as f:
            day = f.read()
        self.assertIn('<p class="note pages">Calls without a page of their own (--pages) are '
                      'listed without a link.</p>', day)
        self.assertRegex(day, r'<p class="note">\d+ calls\. Times in UTC\. Each call with its '
                         r'room, CommId, users and findings; its time links to its page\.</p>')

    def follow(self, rel, pred):
        """The links of page rel whose (href, text, li, ul) satisfy pred."""
        return [ln for ln in self.page(rel).links if pred(ln)]

    def test_links_up(self):
        # Each index page's header names where its links lead: calls.html
        # to the overview, the pages under index/ to calls.html and the
        # overview.
        for rel in self.index_pages():
            want = [("index.html", "Overview")]
            if rel != "calls.html":
                want.insert(0, ("calls.html", "Call index"))
            up = [(self.resolve(rel, h)[0], text) for h, text, _, _ in self.page(rel).links]
            self.assertEqual(up[:len(want)], want, rel)

    def test_find_a_user_without_scripts(self):
        calls = self.model["calls"]
        per_user = {}
        for i, c in enumerate(calls):
            for u in {s["user_id"] for s in c["sessions"]}:
                per_user.setdefault(u, []).append(i)
        user = max(sorted(per_user), key=lambda u: len(per_user[u]))
        mine = per_user[user]
        self.assertGreater(len(mine), 1)
        # The overview links to calls.html; calls.html to the users' pages,
        # each named by its first and last user ID.
        self.assertTrue(self.follow("index.html", lambda ln: ln[0] == "calls.html"))
        key = user.encode()
        pages = []
        for href, text, _, ul in self.follow("calls.html", lambda ln: ln[3] == "index-users"):
            first, _, last = text.partition(" to ")
            if first.encode() <= key <= (last or first).encode():
                pages.append(href)
        self.assertEqual(len(pages), 1, "one users' page names a range holding %s" % user)
        rel = self.resolve("calls.html", pages[0])[0]
        pg = self.page(rel)
        [row] = [k for k, v in pg.spans.items() if v == user]
        got = [self.resolve(rel, h) for h, _, li, _ in pg.links if li == row]
        self.assertEqual(len(got), len(mine))
        # Each link lands on the call: its page names the user; a call
        # without a page on its row by day, which names the user too.
        for (dest, frag), i in zip(got, mine):
            page, row_id = self.call_target(i)
            if page:
                self.assertEqual((dest, frag), (page, ""))
                with open(os.path.join(self.root, dest), encoding="utf-8") as f:
                    self.assertIn(user, f.read())
            else:
                self.assertEqual(frag, row_id)
                self.assertIn(user, self.page(dest).li_text[row_id])
        self.assertTrue(any(self.call_target(i)[0] is None for i in mine) or
                        all(c["page"] for c in calls))

    def test_find_a_room_without_scripts(self):
        calls = self.model["calls"]
        per_room = {}
        for i, c in enumerate(calls):
            per_room.setdefault(c["room_id"], []).append(i)
        room = max(sorted(per_room), key=lambda r: len(per_room[r]))
        mine = per_room[room]
        # From calls.html, every day page; the room's rows on each.
        found = {}
        days = self.follow("calls.html", lambda ln: ln[3] == "index-days")
        self.assertEqual(len(days), 7)
        for href, _, _, _ in days:
            rel = self.resolve("calls.html", href)[0]
            pg = self.page(rel)
            for row, text in pg.li_text.items():
                if " room %s · " % room in text:
                    found[row] = [self.resolve(rel, h) for h, _, li, _ in pg.links if li == row]
        self.assertEqual(sorted(found), sorted("c-%d" % (i + 1) for i in mine))
        with_page = 0
        for i in mine:
            page, _ = self.call_target(i)
            links = found["c-%d" % (i + 1)]
            self.assertEqual(links, [(page, "")] if page else [])
            with_page += bool(page)
        self.assertGreater(with_page, 0)
        self.assertLess(with_page, len(mine), "the room has calls with and without a page")

    def test_single_file_finds_a_user_without_scripts(self):
        # The single file of the week keeps every user's list (fewer than
        # 25,000 links): a user's row links to the row of each of their
        # calls, which names them and links to the call's section when
        # the file has it in full.
        self.assertNotIn("not each user's calls", self.single_err)
        calls = self.model["calls"]
        per_user = {}
        for i, c in enumerate(calls):
            for u in {s["user_id"] for s in c["sessions"]}:
                per_user.setdefault(u, []).append(i)
        pg = Page(self.single)
        rows = {v: k for k, v in pg.spans.items() if k.startswith("u-")}
        self.assertEqual(len(rows), len(per_user))
        in_full = 0
        for user in (max(sorted(per_user), key=lambda u: len(per_user[u])), sorted(per_user)[0]):
            links = [h for h, _, li, _ in pg.links if li == rows[user]]
            self.assertEqual(links, ["#c-%d" % (i + 1) for i in per_user[user]])
            for i in per_user[user]:
                row = "c-%d" % (i + 1)
                self.assertIn(user, pg.li_text[row])
        # A call in full is reached from its row: 20 rows link to a section.
        for h, _, li, _ in pg.links:
            if li and li.startswith("c-") and h.startswith("#"):
                self.assertIn(h[1:], pg.ids)
                in_full += h.startswith("#call-")
        self.assertEqual(in_full, 20)


class CutPages(unittest.TestCase):
    """A day past the page budget and users past theirs: 3001 calls (a room
    each) on 2026-11-20 (UTC), two users each (6002 links), the texts of the
    pages."""

    @classmethod
    def setUpClass(cls):
        from rrtest import EVENT_HEADER
        cls.tmp = tempfile.mkdtemp(prefix="rr-cut-")
        path = os.path.join(cls.tmp, "events.csv")
        rows = [EVENT_HEADER]
        t0 = 1795132800000          # 2026-11-20 00:00:00 UTC
        for i in range(3001):
            t = t0 + i * 20000
            for u in ("a%04d" % i, "b%04d" % (i % 1000)):
                rows += ["1400188366,,r%d,%s,,%d,0,%d,%d,-1" % (i, u, t + dt, e, p1)
                         for dt, e, p1 in ((0, 5001, -1), (900, 5003, 1), (10000, 5008, 1))]
        with open(path, "w") as f:
            f.write("\n".join(rows) + "\n")
        cls.root = os.path.join(cls.tmp, "r")
        code, _, err = run(["-o", cls.root, "--tz", "UTC", path], timeout=300)
        assert code == 0, err

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def text(self, rel):
        with open(os.path.join(self.root, rel), encoding="utf-8") as f:
            src = f.read()
        src = src[src.index("<body>"):]
        return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", src))).strip()

    def test_texts(self):
        self.assertEqual(sorted(os.listdir(os.path.join(self.root, "index"))),
                         ["day-1.html", "day-2.html", "users-1.html", "users-2.html"])
        hub = self.text("calls.html")
        for want in (
                "Call index Overview 3001 calls on 4 pages that need no script: by day, and "
                "by user. The overview (index.html) has a search box over the same calls.",
                "Every call, by day Times in UTC. A day of more than 3000 calls is on several "
                "pages, each named by the start times of its first and last calls.",
                "2026-11-20: 3001 calls · 00:00:00 to 08:19:40 (1500), 08:20:00 to 16:40:00 "
                "(1501)",
                "Every user (4001), with their calls Sorted by ID (byte order). A call is "
                "listed under each of its users; a page holds whole users and at most 4000 "
                "such listings (a user with more has a page alone).",
                # Whole users while at most 4000 links: 3001 a-users of
                # one call, then 332 b-users of 3 calls (3997), one more.
                "a0000 to b0331 (3333 users, 3998 call listings)",
                "b0332 to b0999 (668 users, 2004 call listings)"):
            self.assertIn(want, hub)
        d1, d2 = self.text("index/day-1.html"), self.text("index/day-2.html")
        self.assertTrue(d1.startswith(
            "Calls of 2026-11-20, part 1 of 2 Call index · Overview Calls 1 to 1500 of the "
            "day's 3001, in start order. Times in UTC. Each call with its room, CommId, users "
            "and findings; its time links to its page. Next: 2026-11-20, part 2 of 2 "
            "00:00:00 room r0 · users a0000, b0000"), d1[:400])
        self.assertIn("Calls 1501 to 3001 of the day's 3001, in start order.", d2)
        self.assertIn("Previous: 2026-11-20, part 1 of 2 08:20:00 room r1500", d2)
        self.assertNotIn("Next:", d2)
        u1, u2 = self.text("index/users-1.html"), self.text("index/users-2.html")
        self.assertTrue(u1.startswith(
            "Users a0000 to b0331 Call index · Overview 3333 users, sorted by ID, with their "
            "3998 calls (a call of several of them is counted for each). Times in UTC; each "
            "call links to its page, or to its line in the list by day. Next: b0332 to b0999 "
            "a0000 : 2026-11-20 00:00:00 a0001 : 2026-11-20 00:00:20"), u1[:500])
        self.assertIn("b0000 : 2026-11-20 00:00:00 , 2026-11-20 05:33:20 , 2026-11-20 11:06:40 , "
                      "2026-11-20 16:40:00", u1)
        self.assertIn("Previous: a0000 to b0331 b0332 : 2026-11-20 01:50:40 , "
                      "2026-11-20 07:24:00 , 2026-11-20 12:57:20", u2)


if __name__ == "__main__":
    unittest.main()
