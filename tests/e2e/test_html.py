"""End to end: the HTML reports (DESIGN §4, issue 3) read back with Python's
html.parser — the `-o DIR` and `-o FILE.html` forms, safe call file names,
links, no external URL, hostile IDs shown as text and nowhere else,
byte-identical output, SOURCE_DATE_EPOCH, and failed or killed runs leaving
the previous report intact.

The hostile export is tests/data/hostile/ (see its README and gen.py)."""
import csv
import html
import html.parser
import io
import json
import os
import posixpath
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from rrtest import BINARY, SAMPLES, SOURCE_DIR, run

HOSTILE_DIR = os.path.join(SOURCE_DIR, "tests", "data", "hostile")
HOSTILE = [os.path.join(HOSTILE_DIR, "events.csv"), os.path.join(HOSTILE_DIR, "abnormal.csv")]

LONG_ROOM = "10k:" + "0123456789" * 1024
# IDs of the hostile export that must appear as text (rooms, users, peers).
HOSTILE_ROOMS = [
    '<script>alert("room")</script>',
    "\"><img src=x onerror=alert('q')>",
    "Tom & Jerry's \"room\" &amp; &lt;b&gt;",
    "../../etc/passwd",
    "会议室-测试",
    "غرفة الاجتماعات \u202egnp.exe",
    "🎥📞 room 👩\u200d👩\u200d👧",
    "https://evil.example/x",
    "<rr-injected data-rr-injected=1>",
    "a/b",
    "a?b",
]
HOSTILE_USERS = [
    "<svg onload=alert(2)>",
    "user \"double\" & 'single'",
    "&#x3C;script&#x3E;",
    "../../x",
    "..\\..\\win",
    "用户一",
    "رضا",
    "\u200fמשתמש",
    "😀",
    "🏳️\u200d🌈",
    "javascript:alert(1)",
    "//evil.example/y",
]
# Byte strings of the export that would be markup if copied into a page.
HOSTILE_MARKUP = [b"<script>alert(", b"<img src=x", b"<svg onload", b"<rr-injected",
                  b"<b>bold", b"&#x3C;script&#x3E;"]

CALL_FILE_RE = re.compile(r"^[A-Za-z0-9_-]+\.html$")
MAX_NAME = 128
RESERVED = {"con", "prn", "aux", "nul"} | {"com%d" % i for i in range(10)} \
    | {"lpt%d" % i for i in range(10)}
URL_ATTRS = {"src", "href", "xlink:href", "action", "formaction", "poster", "data",
             "srcset", "ping", "background", "cite", "manifest", "longdesc", "usemap"}
# Attributes in which data may appear (escaped, as text for a reader or for
# the filter script); anywhere else an ID must not show up.
TEXT_ATTRS = {"title", "aria-label", "alt", "value", "placeholder", "label", "content"}
# Elements a page may gain from hostile data beyond those the samples give
# (e.g. the rejected-rows table); none can run or load anything.
BENIGN_TAGS = {"table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "col",
               "colgroup", "ul", "ol", "li", "dl", "dt", "dd", "p", "div", "span", "section",
               "article", "header", "footer", "nav", "main", "aside", "h1", "h2", "h3", "h4",
               "h5", "h6", "a", "code", "pre", "kbd", "samp", "small", "strong", "em", "b",
               "i", "abbr", "time", "mark", "br", "hr", "details", "summary", "figure",
               "figcaption", "bdi", "bdo", "wbr", "q", "var", "sub", "sup",
               "g", "rect", "line", "circle", "path", "text", "title", "tspan", "polyline",
               "polygon", "desc"}
BENIGN_ATTRS = {"id", "class", "title", "colspan", "rowspan", "scope", "open", "datetime",
                "dir", "lang", "role", "aria-label", "href", "x", "y", "x1", "x2", "y1",
                "y2", "width", "height", "fill", "stroke", "d", "r", "cx", "cy", "points",
                "transform", "text-anchor", "dominant-baseline", "opacity",
                "fill-opacity", "stroke-width", "stroke-dasharray"}
# Markup spelled by the hostile payloads: it must never become markup.
PAYLOAD_TAGS = {"img", "rr-injected", "iframe", "object", "embed", "base"}
PAYLOAD_ATTRS = {"onerror", "onload", "data-rr-injected", "src"}
CONTROL_RE = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


# The pages of a directory report that are not call pages: the overview and
# the call index without scripts (calls.html and index/*.html,
# render_index_pages.c).
def is_index_page(p):
    p = p.replace(os.sep, "/")
    return p in ("index.html", "calls.html") or p.startswith("index/")


class Page(html.parser.HTMLParser):
    """One page, parsed: elements (tag, attrs), text outside script/style,
    ids, links."""

    def __init__(self, path):
        super().__init__(convert_charrefs=True)
        self.path = path
        with open(path, "rb") as f:
            self.raw = f.read()
        self.source = self.raw.decode("utf-8")  # strict: must be UTF-8
        self.elements = []
        self.texts = []
        self.scripts = 0
        self.script_texts = []
        self.data_blocks = []
        self.styles = []
        self.doctype = None
        self._cdata = None
        self.feed(self.source)
        self.close()
        self.text = "".join(self.texts)
        self.ids = [a["id"] for _, a in self.elements if a.get("id") is not None]

    def handle_decl(self, decl):
        if self.doctype is None:
            self.doctype = decl

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: (v if v is not None else "") for k, v in attrs}))
        if tag == "script" and dict(attrs).get("type") == "application/json":
            # A data block (the call index, render_index.c): never run.
            self._cdata = "data"
        elif tag == "script":
            self.scripts += 1
            self._cdata = "script"
        elif tag == "style":
            self._cdata = "style"

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, {k: (v if v is not None else "") for k, v in attrs}))

    def handle_endtag(self, tag):
        if tag == self._cdata or (tag == "script" and self._cdata == "data"):
            self._cdata = None

    def handle_data(self, data):
        if self._cdata == "script":
            self.script_texts.append(data)
        elif self._cdata == "data":
            self.data_blocks.append(data)
        elif self._cdata == "style":
            self.styles.append(data)
        else:
            self.texts.append(data)

    def tags(self):
        return {t for t, _ in self.elements}

    def attr_names(self):
        return {k for _, a in self.elements for k in a}

    def attr_values(self, name):
        return [a[name] for _, a in self.elements if name in a]

    def links(self):
        """href of every <a> (and SVG <a>)."""
        return [a["href"] for t, a in self.elements if t == "a" and "href" in a]

    def find(self, tag, **want):
        return [a for t, a in self.elements
                if t == tag and all(a.get(k) == v for k, v in want.items())]


def report_json(inputs):
    code, out, err = run(["--no-html", "-q", "--json", "-", "--tz", "UTC"] + inputs)
    assert code == 0, err
    return json.loads(out)


def tree_bytes(root):
    """{relative path: bytes} of every file under root."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            p = os.path.join(dirpath, name)
            with open(p, "rb") as f:
                out[os.path.relpath(p, root)] = f.read()
    return out


def html_pages(root):
    return sorted(p for p in tree_bytes(root) if p.endswith(".html"))


class Built:
    """Reports built once for the whole module: samples and hostile, as a
    directory and as one file."""
    tmp = None
    runs = {}

    @classmethod
    def get(cls, name):
        if cls.tmp is None:
            cls.tmp = tempfile.mkdtemp(prefix="rr-html-")
        if name not in cls.runs:
            inputs = SAMPLES if name.startswith("samples") else HOSTILE
            # Each report alone in a directory, to see what else it leaves.
            os.mkdir(os.path.join(cls.tmp, name))
            out = os.path.join(cls.tmp, name, "r.html" if name.endswith("-file") else "r")
            code, so, se = run(["-o", out, "--tz", "UTC"] + inputs)
            cls.runs[name] = (out, code, so, se)
        return cls.runs[name]

    @classmethod
    def cleanup(cls):
        if cls.tmp:
            shutil.rmtree(cls.tmp, ignore_errors=True)


def tearDownModule():
    Built.cleanup()


class Base(unittest.TestCase):
    maxDiff = 2000

    def built(self, name):
        out, code, so, se = Built.get(name)
        self.assertEqual(code, 0, "roomreport -o %s exited %d: %s" % (out, code, se))
        return out

    def dir_pages(self, name):
        root = self.built(name)
        return root, {p: Page(os.path.join(root, p)) for p in html_pages(root)}


class DirectoryReport(Base):
    def check_layout(self, name, inputs):
        root = self.built(name)
        ncalls = len(report_json(inputs)["calls"])
        self.assertTrue(os.path.isfile(os.path.join(root, "index.html")))
        entries = sorted(os.listdir(root))
        self.assertEqual(entries, ["calls", "calls.html", "index", "index.html"],
                         "only index.html, calls.html and index/ (the call index) and calls/")
        for n in os.listdir(os.path.join(root, "index")):
            self.assertRegex(n, r"^(day|users)-[1-9][0-9]*\.html$")
        names = sorted(os.listdir(os.path.join(root, "calls")))
        for n in names:
            self.assertRegex(n, CALL_FILE_RE)
            self.assertLessEqual(len(n), MAX_NAME, n)
            self.assertNotIn(n[:-5].lower(), RESERVED)
            self.assertTrue(os.path.isfile(os.path.join(root, "calls", n)))
        self.assertEqual(len(names), ncalls, "one page per call, no collisions")
        # Nothing else next to the report (no temporary directory left).
        self.assertEqual(os.listdir(os.path.dirname(root)), ["r"])

    def test_samples_layout(self):
        self.check_layout("samples-dir", SAMPLES)

    def test_hostile_layout(self):
        # a/b and a?b, CON, .., ../../etc/passwd and a 10 KB ID all get a
        # safe, bounded, distinct name.
        self.check_layout("hostile-dir", HOSTILE)

    def check_links(self, name):
        """Every href of every page resolves: a file of the report (inside it)
        and, with a fragment, an id of that page; every call page is linked
        from the call index (calls.html and index/)."""
        root, pages = self.dir_pages(name)
        ids = {p.replace(os.sep, "/"): set(page.ids) for p, page in pages.items()}
        from_index = set()
        for p, page in pages.items():
            here = posixpath.dirname(p.replace(os.sep, "/"))
            for href in page.links():
                target, _, frag = href.partition("#")
                self.assertNotRegex(target, r"^[a-z]+:", "%s: %s" % (p, href))
                dest = posixpath.normpath(posixpath.join(here, target)) if target else \
                    p.replace(os.sep, "/")
                self.assertFalse(dest.startswith(".."), "%s: %s leaves the report" % (p, href))
                self.assertIn(dest, ids, "%s: dangling %s" % (p, href))
                if frag:
                    self.assertIn(frag, ids[dest], "%s: dangling %s" % (p, href))
                if is_index_page(p) and p != "index.html" and dest.startswith("calls/"):
                    from_index.add(dest)
        calls = {p.replace(os.sep, "/") for p in pages if not is_index_page(p)}
        self.assertEqual(from_index, calls, "every call page is linked from the call index")

    def test_samples_links(self):
        self.check_links("samples-dir")

    def test_hostile_links(self):
        self.check_links("hostile-dir")


class EveryPage(Base):
    """Checks on every page of the four reports."""

    def all_pages(self):
        out = []
        for name in ("samples-dir", "hostile-dir"):
            root, pages = self.dir_pages(name)
            out += [(name + "/" + p, page) for p, page in pages.items()]
        for name in ("samples-file", "hostile-file"):
            path = self.built(name)
            out.append((name, Page(path)))
        return out

    def test_head(self):
        for name, page in self.all_pages():
            with self.subTest(page=name):
                self.assertTrue(page.source.lower().startswith("<!doctype html>"),
                                page.source[:40])
                self.assertEqual(len(page.find("html")), 1)
                self.assertTrue(page.find("html")[0].get("lang"), "<html lang>")
                charset = [a for a in page.find("meta") if a.get("charset", "").lower() == "utf-8"]
                self.assertEqual(len(charset), 1, "<meta charset=utf-8>")
                gen = page.find("meta", name="generator")
                self.assertEqual(len(gen), 1, '<meta name="generator">')
                self.assertTrue(gen[0].get("content", "").startswith("roomreport"), gen)
                vp = page.find("meta", name="viewport")
                self.assertTrue(vp and "width=device-width" in vp[0].get("content", ""),
                                "<meta name=viewport content=width=device-width>")
                self.assertEqual(len(page.find("title")) >= 1, True)
                self.assertTrue(page.find("style"), "inline stylesheet")
                self.assertTrue(any("@media print" in s for s in page.styles),
                                "a print stylesheet")

    def test_no_external_urls(self):
        for name, page in self.all_pages():
            with self.subTest(page=name):
                for tag, attrs in page.elements:
                    for k, v in attrs.items():
                        if k in URL_ATTRS:
                            v = v.strip()
                            # data: is in the page; any other scheme or
                            # //host is not.
                            self.assertNotRegex(v, r"^(//|(?!data:)[A-Za-z][A-Za-z0-9+.-]*:)",
                                                "<%s %s=%r>" % (tag, k, v))
                    if tag == "link":
                        self.assertTrue(attrs.get("href", "").startswith("data:"),
                                        "<link> to another file: %r" % attrs)
                    if tag == "script":
                        self.assertNotIn("src", attrs, "external script")
                for css in page.styles + page.attr_values("style"):
                    self.assertNotRegex(css, r"(?i)url\(\s*['\"]?\s*(https?:|//)")
                    self.assertNotRegex(css, r"(?i)@import")
                self.assertNotRegex(page.source, r"(?i)(src|href)\s*=\s*[\"']?\s*(https?:)?//")

    def test_no_control_characters(self):
        for name, page in self.all_pages():
            with self.subTest(page=name):
                m = CONTROL_RE.search(page.raw)
                self.assertIsNone(m, m and page.raw[max(0, m.start() - 40):m.end() + 40])

    def test_at_most_one_script(self):
        for name, page in self.all_pages():
            with self.subTest(page=name):
                self.assertLessEqual(page.scripts, 1)


class CallPages(Base):
    """What call pages are made of (issue 5): one script (call.js, the
    filters of issue 17; issue 18), a stylesheet of their own, and an event
    log of one line per record of the call."""

    LOG_RE = re.compile(r'<pre class="log"[^>]*>(.*?)</pre>', re.S)
    TAG_RE = re.compile(r"<[^>]*>")

    def log_lines(self, page):
        out = []
        for block in self.LOG_RE.findall(page.source):
            out += html.unescape(self.TAG_RE.sub("", block)).split("\n")
        return out

    def test_one_script_and_own_stylesheet(self):
        for name in ("samples-dir", "hostile-dir"):
            root, pages = self.dir_pages(name)
            overview_css = pages["index.html"].styles[0]
            for p, page in pages.items():
                if is_index_page(p):
                    continue
                with self.subTest(page=name + "/" + p):
                    self.assertEqual(page.scripts, 1)
                    self.assertIn("call-filter", page.source)
                    self.assertNotIn("<!--", page.source)
                    [css] = page.styles
                    self.assertLess(len(css), len(overview_css) * 0.7)
                    self.assertNotIn("/*", css)
                    self.assertIn("@media print", css)
                    self.assertIn("svg.timeline", css)

    def test_log_has_every_event(self):
        root, pages = self.dir_pages("samples-dir")
        code, out, err = run(["events", "--tz", "UTC"] + SAMPLES)
        self.assertEqual(code, 0, err)
        rows = list(csv.DictReader(io.StringIO(out)))
        rep = report_json(SAMPLES)
        self.assertEqual(sum(1 for p in pages if not is_index_page(p)), len(rep["calls"]))
        seen = 0
        for p, page in pages.items():
            if is_index_page(p):
                continue
            lines = self.log_lines(page)
            heading = re.search(r'<h1 data-slot="heading">Room ([^<]*)', page.source).group(1)
            comm = [c["comm_id"] for c in rep["calls"] if c["room_id"] == heading]
            mine = [r for r in rows if r["room_id"] == heading and r["comm_id"] in comm]
            with self.subTest(page=p):
                self.assertTrue(lines)
                for r in mine:
                    if r["kind"] != "event":
                        continue
                    raw = r["event_id"]
                    if r["param_one"] != "-1" or r["param_two"] != "-1":
                        raw += " (" + r["param_one"]
                        raw += ", " + r["param_two"] + ")" if r["param_two"] != "-1" else ")"
                    want = "%s  %s\t" % (r["time"][11:23], raw)
                    hits = [ln for ln in lines if ln.startswith(want) and r["label"] in ln]
                    self.assertTrue(hits, "no log line %r ... %r" % (want, r["label"]))
                    seen += 1
        self.assertGreater(seen, 100)


class Hostile(Base):
    def test_invalid_utf8_row_is_rejected(self):
        rep = report_json(HOSTILE)
        self.assertEqual(rep["input"]["rejected"], 1)
        self.assertEqual(rep["input"]["rejected_by_reason"]["invalid_utf8"], 1)
        self.assertEqual(len(rep["calls"]), 14)
        root, pages = self.dir_pages("hostile-dir")
        # The overview names the rejected row by file:line and reason.
        self.assertTrue("events.csv:226" in pages["index.html"].text,
                        "the overview shows the rejected row as events.csv:226")
        for p, page in pages.items():
            self.assertTrue(b"bad\xc3\x28user" not in page.raw, p)
            self.assertTrue("bad-utf8-room" not in page.text, p)

    def test_same_number_of_scripts_as_samples(self):
        _, sp = self.dir_pages("samples-dir")
        _, hp = self.dir_pages("hostile-dir")
        self.assertEqual(hp["index.html"].scripts, sp["index.html"].scripts)
        want = {page.scripts for p, page in sp.items() if not is_index_page(p)}
        self.assertEqual(len(want), 1, "every sample call page has the same scripts")
        for p, page in hp.items():
            if not is_index_page(p):
                self.assertEqual(page.scripts, next(iter(want)), p)
        self.assertEqual(Page(self.built("hostile-file")).scripts,
                         Page(self.built("samples-file")).scripts)

    def test_no_markup_from_data(self):
        _, sp = self.dir_pages("samples-dir")
        tags = set().union(*(p.tags() for p in sp.values())) | BENIGN_TAGS
        attrs = set().union(*(p.attr_names() for p in sp.values())) | BENIGN_ATTRS
        _, hp = self.dir_pages("hostile-dir")
        pages = list(hp.items()) + [("hostile-file", Page(self.built("hostile-file")))]
        for p, page in pages:
            with self.subTest(page=p):
                self.assertEqual(page.tags() - tags, set(), "elements named by data")
                self.assertEqual(page.attr_names() - attrs, set(), "attributes named by data")
                self.assertEqual(page.tags() & PAYLOAD_TAGS, set())
                self.assertEqual(page.attr_names() & PAYLOAD_ATTRS, set())
                self.assertEqual({a for a in page.attr_names() if a.startswith("on")}, set(),
                                 "event handler attributes")
                for raw in HOSTILE_MARKUP:
                    i = page.raw.find(raw)
                    self.assertEqual(i, -1, "%r copied as markup: %r" % (
                        raw, page.raw[max(0, i - 80):i + 80]))

    def test_ids_appear_as_text(self):
        page = Page(self.built("hostile-file"))
        for ident in HOSTILE_ROOMS + HOSTILE_USERS:
            with self.subTest(id=ident):
                self.assertTrue(ident in page.text, "%r not in the text of the page" % ident)
        self.assertTrue(LONG_ROOM[:64] in page.text, "the 10 KB room ID is not in the text")
        # Each room on its own call page, in the directory form too.
        _, hp = self.dir_pages("hostile-dir")
        for room in HOSTILE_ROOMS:
            with self.subTest(room=room):
                self.assertTrue(any(room in pg.text for p, pg in hp.items()
                                    if not is_index_page(p)), room)

    def test_ids_nowhere_else(self):
        """An ID may be in text and in text-like attributes (title, aria-label,
        data-*), never in a link, an id, a class, a style or a name."""
        _, hp = self.dir_pages("hostile-dir")
        pages = list(hp.items()) + [("hostile-file", Page(self.built("hostile-file")))]
        for p, page in pages:
            for tag, attrs in page.elements:
                for k, v in attrs.items():
                    if k in TEXT_ATTRS or k.startswith("data-"):
                        continue
                    for ident in HOSTILE_ROOMS + HOSTILE_USERS + [LONG_ROOM[:64]]:
                        self.assertTrue(ident not in v, "%s: %r in <%s %s=%r>" % (p, ident, tag, k, v[:200]))
            for ident in HOSTILE_ROOMS + HOSTILE_USERS:
                for s in page.script_texts:
                    self.assertTrue(ident not in s, "%s: %r inside <script>" % (p, ident))
            # In the call index's data block only as JSON strings, with
            # nothing that could end the element or a line of script.
            for s in page.data_blocks:
                self.assertIsInstance(json.loads(s), dict)
                for bad in ("<", ">", "&", "\u2028", "\u2029"):
                    self.assertNotIn(bad, s, p)


class SingleFile(Base):
    def check_single(self, name, inputs):
        path = self.built(name)
        self.assertEqual(os.listdir(os.path.dirname(path)), ["r.html"],
                         "one file, no temporary file left next to it")
        rep = report_json(inputs)
        page = Page(path)
        anchors = [i for i in page.ids if re.fullmatch(r"call-\d+", i)]
        self.assertEqual(len(anchors), len(rep["calls"]), anchors)
        self.assertEqual(len(set(page.ids)), len(page.ids), "ids are unique")
        for href in page.links():
            self.assertTrue(href.startswith("#"), "in-page links only: %r" % href)
            self.assertTrue(href[1:] in page.ids, "dangling %s" % href)
        for a in anchors:
            self.assertTrue("#" + a in page.links(), "nothing links to #%s" % a)
        for call in rep["calls"]:
            self.assertTrue(call["room_id"][:64] in page.text,
                            "room %r not in the page" % call["room_id"][:64])
        return page

    def test_samples(self):
        page = self.check_single("samples-file", SAMPLES)
        self.assertTrue(page.find("svg"), "inline SVG timelines")

    def test_hostile(self):
        self.check_single("hostile-file", HOSTILE)


class Reproducible(Base):
    def test_same_input_same_bytes(self):
        with tempfile.TemporaryDirectory() as d:
            for inputs in (SAMPLES, HOSTILE):
                got = []
                for i in range(2):
                    if i:
                        time.sleep(1.1)  # a wall-clock stamp would show
                    out = os.path.join(d, "r")
                    code, _, err = run(["-q", "-o", out, "--tz", "UTC"] + inputs)
                    self.assertEqual(code, 0, err)
                    code, _, err = run(["-q", "-o", out + ".html", "--tz", "UTC"] + inputs)
                    self.assertEqual(code, 0, err)
                    tree = tree_bytes(out)
                    with open(out + ".html", "rb") as f:
                        tree["<single>"] = f.read()
                    got.append(tree)
                    shutil.rmtree(out)
                    os.unlink(out + ".html")
                self.assertEqual(sorted(got[0]), sorted(got[1]))
                for k in got[0]:
                    self.assertTrue(got[0][k] == got[1][k], "%s differs between runs" % k)

    def test_source_date_epoch(self):
        with tempfile.TemporaryDirectory() as d:
            a, b = os.path.join(d, "a.html"), os.path.join(d, "b.html")
            code, _, err = run(["-q", "-o", a, "--tz", "UTC"] + SAMPLES,
                               env={"SOURCE_DATE_EPOCH": "1795169000"})
            self.assertEqual(code, 0, err)
            code, _, err = run(["-q", "-o", b, "--tz", "UTC"] + SAMPLES)
            self.assertEqual(code, 0, err)
            with_t, without = Page(a), Page(b)
            self.assertNotEqual(with_t.raw, without.raw, "SOURCE_DATE_EPOCH shows in the page")
            # Text that only the page with SOURCE_DATE_EPOCH has: the
            # generation time, 2026-11-20 10:03:20 UTC.
            extra = [t for t in with_t.texts if t.strip() and t not in without.texts]
            self.assertTrue(any("10:03" in t for t in extra), extra)
            # Without it, no generation time: nothing from the wall clock.
            today = time.strftime("%Y-%m-%d", time.gmtime())
            if today != "2026-11-20":
                self.assertTrue(today not in without.source,
                                "today's date in a page built without SOURCE_DATE_EPOCH")


class FailedWrites(Base):
    def fresh_report(self, d, single):
        out = os.path.join(d, "r.html" if single else "r")
        code, _, err = run(["-q", "-o", out, "--tz", "UTC"] + SAMPLES)
        self.assertEqual(code, 0, err)
        return out, self.after(out, single)

    def after(self, out, single):
        if single:
            with open(out, "rb") as f:
                return {"": f.read()}
        return tree_bytes(out)

    def run_limited(self, args, kill):
        """Runs the tool with files limited to 4 KiB: each write past that
        fails with EFBIG (kill=False) or kills the process with SIGXFSZ
        (kill=True), half-way through writing a page."""
        def limit():
            resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
            signal.signal(signal.SIGXFSZ, signal.SIG_DFL if kill else signal.SIG_IGN)
        e = dict(os.environ, TZ="UTC")
        e.pop("SOURCE_DATE_EPOCH", None)
        return subprocess.run([BINARY] + args, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e,
                              preexec_fn=limit, timeout=120)

    def test_unwritable_file_exits_3(self):
        for out in ("/proc/rr-report.html", "/proc/rr-report"):
            with self.subTest(out=out):
                code, _, err = run(["-o", out, "--tz", "UTC"] + SAMPLES)
                self.assertEqual(code, 3, err)
                self.assertIn("/proc/rr-report", err)

    @unittest.skipIf(os.geteuid() == 0, "root writes into read-only directories")
    def test_read_only_directory_exits_3(self):
        with tempfile.TemporaryDirectory() as d:
            os.chmod(d, 0o555)
            try:
                code, _, err = run(["-o", os.path.join(d, "r"), "--tz", "UTC"] + SAMPLES)
                self.assertEqual(code, 3, err)
            finally:
                os.chmod(d, 0o755)

    def test_write_error_keeps_previous_report(self):
        for single in (False, True):
            with self.subTest(single=single), tempfile.TemporaryDirectory() as d:
                out, before = self.fresh_report(d, single)
                listing = sorted(os.listdir(d))
                # Another input, so that a half-replaced report would show.
                p = self.run_limited(["-o", out, "--tz", "UTC"] + HOSTILE, kill=False)
                err = p.stderr.decode("utf-8", "replace")
                self.assertEqual(p.returncode, 3, err)
                self.assertIn(d, err, "the error names the path")
                self.assertTrue(self.after(out, single) == before, "previous report changed")
                self.assertEqual(sorted(os.listdir(d)), listing, "temporary files left")

    def test_killed_run_keeps_previous_report(self):
        for single in (False, True):
            with self.subTest(single=single), tempfile.TemporaryDirectory() as d:
                out, before = self.fresh_report(d, single)
                p = self.run_limited(["-o", out, "--tz", "UTC"] + HOSTILE, kill=True)
                self.assertEqual(p.returncode, -signal.SIGXFSZ,
                                 p.stderr.decode("utf-8", "replace"))
                self.assertTrue(self.after(out, single) == before, "previous report changed")
                # What the killed run left behind does not stop the next one.
                code, _, err = run(["-q", "-o", out, "--tz", "UTC"] + HOSTILE)
                self.assertEqual(code, 0, err)
                self.assertNotEqual(self.after(out, single), before)


class QuickStart(Base):
    def test_report_dir_and_its_path(self):
        with tempfile.TemporaryDirectory() as d:
            code, out, err = run(["-o", "report"] + SAMPLES, cwd=d)
            self.assertEqual(code, 0, err)
            self.assertIn("report/index.html", out + err)
            self.assertTrue(os.path.isfile(os.path.join(d, "report", "index.html")))
            self.assertTrue(os.listdir(os.path.join(d, "report", "calls")))

    def test_default_output_is_report_dir(self):
        with tempfile.TemporaryDirectory() as d:
            code, out, err = run(SAMPLES, cwd=d)
            self.assertEqual(code, 0, err)
            self.assertIn("report/index.html", out + err)
            self.assertTrue(os.path.isfile(os.path.join(d, "report", "index.html")))


if __name__ == "__main__":
    unittest.main()
