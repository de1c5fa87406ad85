"""Helpers for the end-to-end tests: where the binary and the data are, running
it, reading exports and checking the JSON contract of DESIGN.md section 4.

Environment:
  ROOMREPORT     path of the binary (default: <repo>/build/roomreport)
  RR_SOURCE_DIR  repository root (default: two levels above this file)
"""
import calendar
import csv
import html.parser
import io
import json
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.abspath(os.environ.get("RR_SOURCE_DIR") or os.path.join(HERE, "..", ".."))
BINARY = os.path.abspath(os.environ.get("ROOMREPORT")
                         or os.path.join(HERE, "..", "..", "build", "roomreport"))
SAMPLES_DIR = os.path.join(SOURCE_DIR, "samples")
DATA_DIR = os.path.join(SOURCE_DIR, "tests", "data", "e2e")

EVENTS = os.path.join(SAMPLES_DIR, "events.csv")
WEBRTC = os.path.join(SAMPLES_DIR, "events-webrtc.csv")
ABNORMAL = os.path.join(SAMPLES_DIR, "abnormal.csv")
SAMPLES = [EVENTS, WEBRTC, ABNORMAL]

EVENT_HEADER = "SdkAppId,CommId,RoomId,UserId,PeerId,Time,Type,EventId,ParamOne,ParamTwo"

SUMMARY_RE = (r"read (?P<rows>\d+) rows? from (?P<files>\d+) files?: (?P<used>\d+) used, "
              r"(?:(?P<filtered>\d+) filtered, )?(?P<rejected>\d+) rejected, "
              r"(?P<duplicates>\d+) duplicates?(?:, (?P<unmatched>\d+) unmatched)? → "
              r"(?P<calls>\d+) calls?, (?P<sessions>\d+) sessions?")

REJECT_CODES = {"ragged_row", "bad_quote", "field_too_long", "invalid_utf8", "nul_byte",
                "bad_id", "bad_param", "out_of_range", "bad_time", "missing_value", "cut_off"}
EXIT_REASONS = ["normal", "timeout", "kicked", "exit_failed", "entry_failed", "unknown", "ongoing"]

DAY = calendar.timegm((2026, 11, 20, 0, 0, 0)) * 1000


def t(hms):
    """'10:12:14.250' on the sample day (2026-11-20, UTC) as epoch ms."""
    h, m, s = hms.split(":")
    return DAY + (int(h) * 3600 + int(m) * 60) * 1000 + round(float(s) * 1000)


def run(args, stdin=None, binary=False, cwd=None, env=None, timeout=120):
    """Runs the tool; returns (exit code, stdout, stderr). stdin may be str or
    bytes; outputs are str (invalid UTF-8 replaced) unless binary is set."""
    e = dict(os.environ)
    e["TZ"] = "UTC"
    e.pop("SOURCE_DATE_EPOCH", None)
    if env:
        e.update(env)
    if isinstance(stdin, str):
        stdin = stdin.encode("utf-8")
    p = subprocess.run([BINARY] + list(args), input=stdin if stdin is not None else b"",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=e,
                       timeout=timeout)
    if binary:
        return p.returncode, p.stdout, p.stderr
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def temp_dir(test, prefix="rr-"):
    """A new temporary directory, removed when test (a TestCase) ends."""
    d = tempfile.TemporaryDirectory(prefix=prefix)
    test.addCleanup(d.cleanup)
    return d.name


def write_files(where, files):
    """Writes {name: text} files into directory where, in UTF-8 and with
    newlines as they are; returns their paths in the order of files."""
    paths = []
    for name, text in files.items():
        p = os.path.join(where, name)
        with open(p, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        paths.append(p)
    return paths


def read_csv_text(text):
    csv.field_size_limit(1 << 30)
    return list(csv.reader(io.StringIO(text, newline="")))


def read_csv_bytes(data):
    """Parses CSV output that may hold any bytes (rejected rows are written
    as read): invalid UTF-8 is kept as surrogate escapes."""
    return read_csv_text(data.decode("utf-8", "surrogateescape"))


def read_export(path):
    """Rows of one export file as dicts."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def sample_rows():
    """(room, user, time_ms) of every data row of the three sample files."""
    out = []
    for path in SAMPLES:
        for r in read_export(path):
            if "Time" in r:
                ms = int(r["Time"])
            else:
                ms = int(r["EventTime"]) * 1000
            out.append((r["RoomId"], r["UserId"], ms))
    return out


def bad_input():
    """A mixed event file: valid rows for user zoe in room 9001 with one bad
    row of each kind between them. Returns (bytes, {line: reason code},
    number of valid rows). Line 1 is the header."""
    comm = b"1400188366_9001_1795172400"

    def row(user=b"zoe", time=b"1795172401000", eid=b"5001", p1=b"-1", p2=b"-1",
            room=b"9001", peer=b""):
        return b",".join([b"1400188366", comm, room, user, peer, time, b"0", eid, p1, p2])

    lines = [EVENT_HEADER.encode()]
    reasons = {}

    def good(**kw):
        lines.append(row(**kw))

    def bad(code, raw):
        lines.append(raw)
        reasons[len(lines)] = code

    good(time=b"1795172401000", eid=b"5001")
    bad("bad_id", row(time=b"1795172401100", eid=b"abc"))
    good(time=b"1795172401200", eid=b"5002", p1=b"1")
    bad("bad_time", row(time=b"yesterday", eid=b"3001", p1=b"1"))
    bad("ragged_row", b"1400188366," + comm + b",9001,zoe,,1795172401300")
    good(time=b"1795172402000", eid=b"5003", p1=b"1")
    bad("bad_quote", row(user=b'zo"e', time=b"1795172402100", eid=b"3001", p1=b"3"))
    bad("field_too_long", row(peer=b"x" * 1000000, time=b"1795172402200", eid=b"5006"))
    good(time=b"1795172402050", eid=b"7000", p1=b"0")
    bad("nul_byte", row(user=b"zo\x00e", time=b"1795172403000", eid=b"3001", p1=b"1"))
    bad("invalid_utf8", row(user=b"zo\xffe", time=b"1795172403100", eid=b"3001", p1=b"3"))
    bad("bad_param", row(time=b"1795172403200", eid=b"1003", p1=b"wifi"))
    bad("missing_value", row(room=b"", time=b"1795172403300", eid=b"1003", p1=b"1"))
    bad("out_of_range", row(time=b"1795172403400", eid=b"4294967296"))
    good(time=b"1795172460000", eid=b"5008", p1=b"1")
    good(time=b"1795172460300", eid=b"7001", p1=b"0")
    return b"\n".join(lines) + b"\n", reasons, 6


# ---- the JSON contract -------------------------------------------------------

class _T:
    def __init__(self, name, check):
        self.name, self.check = name, check


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


INT = _T("int", _is_int)
NINT = _T("int or null", lambda v: v is None or _is_int(v))
STR = _T("string", lambda v: isinstance(v, str))
NSTR = _T("string or null", lambda v: v is None or isinstance(v, str))
BOOL = _T("bool", lambda v: isinstance(v, bool))
NBOOL = _T("bool or null", lambda v: v is None or isinstance(v, bool))


def ONE_OF(*vals):
    return _T("one of %s" % (vals,), lambda v: v in vals)


def LIST(item):
    return ("list", item)


EXITS = {k: INT for k in EXIT_REASONS}
CAUSE = {"id": INT, "peer_id": NSTR}
EXPERIENCE = {"time_ms": INT, "experience_id": INT, "causes": LIST(CAUSE)}
FINDING = {"code": STR, "severity": ONE_OF("info", "warning", "error"), "time_ms": INT,
           "text": STR}
SESSION = {
    "user_id": STR, "platform": ONE_OF("sdk", "webrtc", "unknown"),
    "start_ms": INT, "end_ms": INT, "start_observed": BOOL, "entered": NBOOL,
    "entry_latency_ms": NINT, "first_frame_ms": NINT,
    "exit_reason": ONE_OF(*EXIT_REASONS), "reentries": INT,
    "network": {"changes": INT, "outage_ms": INT},
    "findings": LIST(FINDING), "abnormal_experiences": LIST(EXPERIENCE),
    "duration_ms": NINT, "last_seen_ms": NINT,
}
CALL = {"room_id": STR, "comm_id": NSTR, "start_ms": INT, "end_ms": INT, "users": INT,
        "peak_users": INT, "sessions": LIST(SESSION), "duration_ms": NINT, "exits": EXITS}
FILE_DETAIL = {"file": STR, "rows": INT, "truncated": BOOL, "truncated_at_byte": NINT}
UNKNOWN = {"table": STR, "id": INT, "param_one": INT, "param_two": INT, "count": INT}
REPORT = {
    "generator": STR, "tz": STR,
    "input": {"rows": INT, "used": INT, "filtered": INT, "rejected": INT, "duplicates": INT,
              "unmatched": {"users": INT, "rooms": INT, "quality": INT},
              "events": INT, "abnormal": INT, "unknown_ids": INT, "files": LIST(STR),
              "file_details": LIST(FILE_DETAIL),
              "rejected_by_reason": ("map", INT), "unknown": LIST(UNKNOWN)},
    "totals": {"calls": INT, "rooms": INT, "users": INT, "sessions": INT, "entered": INT,
               "entry_observed": INT,
               "exits": EXITS, "entry_latency_ms": {"n": INT, "p50": NINT, "p95": NINT},
               "abnormal_experiences": INT},
    "calls": LIST(CALL),
    "days": LIST({"date": STR, "calls": INT, "sessions": INT, "entered": INT,
                  "entry_observed": INT, "entry_failed": INT, "timeouts": INT}),
}


def contract_errors(value, spec=REPORT, path="$"):
    """Every place where value does not follow spec: missing keys, wrong
    types. Extra keys are allowed (the contract says more may be added)."""
    errs = []
    if isinstance(spec, _T):
        if not spec.check(value):
            errs.append("%s: expected %s, got %r" % (path, spec.name, value))
    elif isinstance(spec, dict):
        if not isinstance(value, dict):
            return ["%s: expected an object, got %r" % (path, type(value).__name__)]
        for key, sub in spec.items():
            if key not in value:
                errs.append("%s: missing key %r" % (path, key))
            else:
                errs += contract_errors(value[key], sub, "%s.%s" % (path, key))
    elif spec[0] == "list":
        if not isinstance(value, list):
            return ["%s: expected a list, got %r" % (path, type(value).__name__)]
        for i, item in enumerate(value):
            errs += contract_errors(item, spec[1], "%s[%d]" % (path, i))
    elif spec[0] == "map":
        if not isinstance(value, dict):
            return ["%s: expected an object, got %r" % (path, type(value).__name__)]
        for key, item in value.items():
            errs += contract_errors(item, spec[1], "%s.%s" % (path, key))
    return errs


def strip_keys(value, drop):
    """A copy of a JSON value without the object keys in drop, at any depth."""
    if isinstance(value, dict):
        return {k: strip_keys(v, drop) for k, v in value.items() if k not in drop}
    if isinstance(value, list):
        return [strip_keys(v, drop) for v in value]
    return value


def nearest_rank(values, q):
    v = sorted(values)
    if not v:
        return None
    k = -(-len(v) * q // 1)  # ceil
    return v[max(int(k), 1) - 1]


def load_json(text):
    return json.loads(text)


# ---- page text ---------------------------------------------------------------

class _Text(html.parser.HTMLParser):
    """The text of the element with id `target`, or of the whole page when
    target is None: elements other than inline ones are separated by a
    space; style and script contents are left out."""
    VOID = ("br", "img", "meta", "link", "input", "hr", "wbr", "area", "col", "source")
    INLINE = ("span", "a", "em", "strong", "b", "i", "code", "abbr", "time", "small", "sub",
              "sup")

    def __init__(self, target):
        super().__init__(convert_charrefs=True)
        self.target, self.depth, self.parts = target, 0 if target else 1, []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self.skip += 1
        if self.depth:
            if tag not in self.INLINE:
                self.parts.append(" ")
            if tag not in self.VOID:
                self.depth += 1
        elif dict(attrs).get("id") == self.target:
            self.depth = 1

    def handle_endtag(self, tag):
        if tag in ("style", "script") and self.skip:
            self.skip -= 1
        if self.depth and tag not in self.INLINE:
            self.parts.append(" ")
        if self.depth and self.target:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.parts.append(data)


def page_text(path, section=None):
    """The visible text of an HTML page, or of its element with that id,
    with runs of whitespace made one space."""
    with open(path, encoding="utf-8") as f:
        p = _Text(section)
        p.feed(f.read())
    return " ".join("".join(p.parts).split())


def row_identity_errors(inp):
    """How input (the JSON "input" object) breaks rows = used + filtered +
    rejected + duplicates + unmatched, and used = events + abnormal + users
    + rooms + quality; [] when it holds."""
    errs = []
    unmatched = sum(inp["unmatched"].values())
    total = inp["used"] + inp["filtered"] + inp["rejected"] + inp["duplicates"] + unmatched
    if inp["rows"] != total:
        errs.append("rows %d != used %d + filtered %d + rejected %d + duplicates %d + "
                    "unmatched %d" % (inp["rows"], inp["used"], inp["filtered"],
                                      inp["rejected"], inp["duplicates"], unmatched))
    parts = inp["events"] + inp["abnormal"] + inp["users"] + inp["rooms"] + inp["quality"]
    if inp["used"] != parts:
        errs.append("used %d != events + abnormal + users + rooms + quality = %d"
                    % (inp["used"], parts))
    return errs
