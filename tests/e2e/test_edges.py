"""End-to-end tests of the edges of issue 20: wrong kinds of file, two runs
into one report (Python 3 standard library only).

Run from the build:  ctest -R e2e -V
or directly:         ROOMREPORT=build/roomreport python3 -m unittest tests/e2e/test_edges.py
"""
import glob
import gzip
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rrtest as rr  # noqa: E402

GEN = os.path.join(rr.SOURCE_DIR, "tests", "bench", "gen.py")


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return path


TRY = "\nTry 'roomreport --help' for more information.\n"


class Options(unittest.TestCase):
    """Option mistakes name the argument at fault, with a suggestion (exit 2)."""

    def usage(self, args, message):
        code, out, err = rr.run(args)
        self.assertEqual((code, out, err), (2, "", "roomreport: " + message + TRY))

    def test_mistakes(self):
        room = "unknown option '-room' \u2014 did you mean '--room'?"
        self.usage(["-room", "3101", "--no-html", rr.EVENTS], room)
        self.usage(["--no-html", "-room", "3101", rr.EVENTS], room)
        self.usage(["--quiet=yes", rr.EVENTS], "option '--quiet' takes no value ('--quiet=yes')")
        self.usage(["--jsn", "-", rr.EVENTS], "unknown option '--jsn' \u2014 did you mean '--json'?")
        self.usage(["-output", "r", rr.EVENTS],
                   "unknown option '-output' \u2014 did you mean '--output'?")
        self.usage(["--re", "x", rr.EVENTS],
                   "option '--re' is ambiguous ('--rejected', '--regression-threshold')")

    def test_value_looks_like_option(self):
        with tempfile.TemporaryDirectory() as d:
            self.usage(["--json", "--no-html", rr.EVENTS],
                       "option '--json' needs a value, and '--no-html' is an option; write "
                       "'--json=--no-html' if that is the value")
            self.usage(["--room", "-q", rr.EVENTS],
                       "option '--room' needs a value, and '-q' is an option; write "
                       "'--room=-q' if that is the value")
            code, _, err = rr.run(["--no-html", "-q", "--json=--odd-name", rr.EVENTS], cwd=d)
            self.assertEqual((code, err), (0, ""))
            self.assertEqual(os.listdir(d), ["--odd-name"])

    def test_equals_everywhere(self):
        with tempfile.TemporaryDirectory() as d:
            a, b = os.path.join(d, "a.json"), os.path.join(d, "b.json")
            code, _, err = rr.run(["--no-html", "-q", "--tz", "UTC", "--room", "3101",
                                   "--json", a, rr.EVENTS])
            self.assertEqual((code, err), (0, ""))
            code, _, err = rr.run(["--no-html", "--quiet", "--tz=UTC", "--room=3101",
                                   "--json=" + b, rr.EVENTS])
            self.assertEqual((code, err), (0, ""))
            with open(a, "rb") as fa, open(b, "rb") as fb:
                self.assertEqual(fa.read(), fb.read())

    def test_htm_is_one_file(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "ticket.HTM")
            code, _, err = rr.run(["-o", out] + rr.SAMPLES)
            self.assertEqual(code, 0, err)
            self.assertTrue(os.path.isfile(out))
            self.assertIn("wrote %s\n" % out, err)

    def test_time_zones(self):
        self.usage(["--tz", "Shanghai", rr.EVENTS],
                   "unknown time zone 'Shanghai' \u2014 did you mean 'Asia/Shanghai'?")
        self.usage(["--input-tz", "berlin", rr.EVENTS],
                   "unknown time zone 'berlin' \u2014 did you mean 'Europe/Berlin'?")
        self.usage(["--tz", "Mars/Olympus", rr.EVENTS], "unknown time zone 'Mars/Olympus'")
        for zone in ("+08:00", "+0800", "+8", "UTC+8", "UTC+08:00"):
            with self.subTest(zone=zone):
                code, out, err = rr.run(["--no-html", "-q", "--tz", zone, "--sessions-csv", "-",
                                         rr.EVENTS])
                self.assertEqual((code, err), (0, ""))
                self.assertIn(",2026-11-20T18:00:05.000+08:00,", out)
        code, out, err = rr.run(["--no-html", "-q", "--tz", "-03:30", "--json", "-", rr.EVENTS])
        self.assertEqual((code, err), (0, ""))
        self.assertIn('"UTC-03:30"', out)


class Directories(unittest.TestCase):
    """A directory argument reads the CSV files below it in path order;
    --files-from reads a list."""

    def make_tree(self, d):
        """Splits the samples into a folder of small files, some gzip, with
        things to skip; returns (root, files in the order they must be read)."""
        root = os.path.join(d, "exports")
        os.makedirs(os.path.join(root, "day-2"))
        os.makedirs(os.path.join(root, "day", "sub"))
        os.makedirs(os.path.join(root, ".cache"))
        with open(rr.EVENTS, encoding="utf-8") as f:
            header, *rows = f.read().splitlines()
        header += "\n"
        want = []
        for i in range(0, len(rows), 7):
            body = header + "".join(r + "\n" for r in rows[i:i + 7])
            sub = "day-2" if i % 2 else os.path.join("day", "sub")
            name = os.path.join(root, sub, "part-%03d%s" % (i, ".csv.gz" if i % 3 else ".csv"))
            if i % 3:
                with open(name, "wb") as f:
                    f.write(gzip.compress(body.encode(), mtime=0))
            else:
                write(name, body)
            want.append(name)
        write(os.path.join(root, "README.txt"), "Exports of week 47\n")
        write(os.path.join(root, ".cache", "x.csv"), header)
        write(os.path.join(root, ".hidden.csv"), header)
        os.symlink(root, os.path.join(root, "day", "loop"))
        return root, sorted(want)

    def test_directory_argument(self):
        with tempfile.TemporaryDirectory() as d:
            root, want = self.make_tree(d)
            code, out, err = rr.run(["--no-html", "--tz", "UTC", "--json", "-", root])
            self.assertEqual(code, 0, err)
            data = json.loads(out)
            self.assertEqual(data["input"]["files"], want)
            code, one, err1 = rr.run(["--no-html", "-q", "--tz", "UTC", "--json", "-", rr.EVENTS])
            self.assertEqual(code, 0, err1)
            ref = json.loads(one)
            self.assertEqual(data["calls"], ref["calls"])
            self.assertEqual(data["input"]["rows"], ref["input"]["rows"])
            note = ("not CSV, skipped: 1 file below the directories given (the first: %s)"
                    % os.path.join(root, "README.txt"))
            self.assertIn("roomreport: note: %s\n" % note, err)
            self.assertIn("read %d rows from %d files:" % (ref["input"]["rows"], len(want)), err)

    def test_files_from(self):
        with tempfile.TemporaryDirectory() as d:
            root, want = self.make_tree(d)
            listing = "\n".join(want[:3]) + "\n\n" + os.path.join(root, "day-2") + "\r\n"
            expect = want[:3] + sorted(w for w in want if "/day-2/" in w)
            code, out, err = rr.run(["--no-html", "-q", "--json", "-", "--files-from", "-"],
                                    stdin=listing)
            self.assertEqual(code, 0, err)
            self.assertEqual(json.loads(out)["input"]["files"], expect)
            path = write(os.path.join(d, "list.txt"), listing)
            code, out2, err = rr.run(["--no-html", "-q", "--json", "-", "--files-from=" + path])
            self.assertEqual((code, out2), (0, out))

    def test_directory_errors(self):
        with tempfile.TemporaryDirectory() as d:
            empty = os.path.join(d, "empty")
            os.mkdir(empty)
            write(os.path.join(empty, "notes.txt"), "nothing\n")
            code, out, err = rr.run(["--no-html", "--json", "-", empty])
            self.assertEqual((code, out, err), (
                1, "", "roomreport: %s: no CSV file below this directory\n" % empty))
            missing = os.path.join(d, "missing.txt")
            code, out, err = rr.run(["--no-html", "--json", "-", "--files-from", missing])
            self.assertEqual((code, out, err), (
                3, "", "roomreport: %s: No such file or directory\n" % missing))
            code, out, err = rr.run(["--no-html", "--files-from", "-", "-"])
            self.assertEqual((code, err), (2, "roomreport: '-' is both --files-from and an "
                                              "input: stdin is read once" + TRY))

    def test_many_files(self):
        with tempfile.TemporaryDirectory() as d:
            root = os.path.join(d, "many")
            os.mkdir(root)
            header = rr.EVENT_HEADER + "\n"
            for i in range(3000):
                write(os.path.join(root, "u%05d.csv" % (2999 - i)),
                      header + "1400188366,,9%d,u%d,,%d,0,5001,-1,-1\n"
                      % (i % 50, i, rr.DAY + 36000000 + i * 1000))
            code, out, err = rr.run(["--no-html", "-q", "--json", "-", root])
            self.assertEqual(code, 0, err)
            data = json.loads(out)
            self.assertEqual(data["input"]["rows"], 3000)
            self.assertEqual(len(data["input"]["files"]), 3000)
            self.assertEqual(data["input"]["files"], sorted(data["input"]["files"]))


class WrongKindOfFile(unittest.TestCase):
    """A file that is not an export is named for what it looks like (exit 1)."""

    def check(self, path, message):
        code, out, err = rr.run(["--no-html", "--json", "-", path])
        self.assertEqual((code, out, err), (1, "", "roomreport: %s\n" % message))

    def test_other_delimiters(self):
        with tempfile.TemporaryDirectory() as d:
            semi = write(os.path.join(d, "semi.csv"), "RoomId;UserId;Time;EventId\n1;u;1795168805000;5001\n")
            tab = write(os.path.join(d, "tab.csv"), "RoomId\tUserId\tTime\tEventId\n1\tu\t1795168805000\t5001\n")
            quoted = write(os.path.join(d, "q.csv"), '"RoomId";"UserId";"Time";"EventId"\n"1";"u";"1";"2"\n')
            self.check(semi, "%s:1: looks ';'-separated; only ',' is read" % semi)
            self.check(tab, "%s:1: looks tab-separated; only ',' is read" % tab)
            self.check(quoted, "%s:1: looks ';'-separated; only ',' is read" % quoted)

    def test_json(self):
        with tempfile.TemporaryDirectory() as d:
            own = os.path.join(d, "r.json")
            code, _, err = rr.run(["--no-html", "-q", "--json", own] + rr.SAMPLES)
            self.assertEqual(code, 0, err)
            other = write(os.path.join(d, "list.json"), ' [{"RoomId": "1"}]\n')
            self.check(own, "%s: this is JSON: the run's own JSON goes to --baseline" % own)
            self.check(other, "%s: this is JSON: the run's own JSON goes to --baseline" % other)

    def test_own_sessions_csv(self):
        with tempfile.TemporaryDirectory() as d:
            sess = os.path.join(d, "sessions.csv")
            code, _, err = rr.run(["--no-html", "-q", "--sessions-csv", sess] + rr.SAMPLES)
            self.assertEqual(code, 0, err)
            self.check(sess, "%s:1: this looks like roomreport's own --sessions-csv output, "
                       "not an export" % sess)

    def test_plain_unknown_header_unchanged(self):
        with tempfile.TemporaryDirectory() as d:
            path = write(os.path.join(d, "x.csv"), "a;b\n1;2\n")
            self.check(path, "%s: no known column (expected RoomId, UserId, Time, EventId, ...)"
                       % path)


class TwoRuns(unittest.TestCase):
    """Two runs into the same -o directory: the second to finish keeps the
    first's report and says what happened."""

    def test_same_report_directory(self):
        with tempfile.TemporaryDirectory() as d:
            events = os.path.join(d, "events.csv")
            subprocess.run([sys.executable, GEN, "--calls", "3000", "--seed", "3",
                            "--out", events], check=True, stdout=subprocess.DEVNULL)
            rep = os.path.join(d, "rep")
            env = dict(os.environ, TZ="UTC")
            a = subprocess.Popen([rr.BINARY, "-q", "-o", rep, events], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            # A's temporary tree appears once its input is read: stop it there,
            # let B write the same report, then let A finish.
            deadline = time.time() + 60
            while not glob.glob(rep + ".tmp.*") and a.poll() is None \
                    and time.time() < deadline:
                time.sleep(0.001)
            if a.poll() is not None:
                a.communicate()
                self.skipTest("the first run finished before it could be stopped")
            a.send_signal(signal.SIGSTOP)
            try:
                code, _, err = rr.run(["-q", "-o", rep, events])
                self.assertEqual((code, err), (0, ""))
            finally:
                a.send_signal(signal.SIGCONT)
            _, err = a.communicate(timeout=120)
            self.assertEqual(a.returncode, 3)
            self.assertEqual(err.decode(), (
                "roomreport: %s: another run wrote this report while this one was "
                "writing; nothing was lost \u2014 the other run's report is in place; "
                "run again or choose another -o\n") % rep)
            self.assertTrue(os.path.isfile(os.path.join(rep, "index.html")))
            self.assertEqual(sorted(os.listdir(d)), ["events.csv", "rep"])


def gzip_bytes(data):
    """data gzip-compressed, the same bytes every time (no name, no mtime)."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def inflate_prefix(gz):
    """What a cut gzip stream gives before its cut: the bytes zlib can
    inflate from it."""
    return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(gz)


WARN = ("roomreport: warning: %s: truncated gzip stream%s: the %d complete row%s before the "
        "cut %s read%s; the rest of the file is missing\n")


def warning(path, at, rows, cut_row):
    return WARN % (path, ", cut at byte %d" % at if at is not None else "", rows,
                   "" if rows == 1 else "s", "is" if rows == 1 else "are",
                   " (the row cut off is rejected)" if cut_row else "")


class Truncated(unittest.TestCase):
    """A truncated .csv.gz keeps the rows before the cut: warning, exit 0
    (1 with --strict), the file marked in the data-quality section and in
    input.file_details."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = self.tmp.name
        with open(rr.EVENTS, "rb") as f:
            self.text = f.read()
        self.gz = gzip_bytes(self.text)
        # Cut two thirds in: inside a row, as the assertion below checks.
        self.at = len(self.gz) * 2 // 3
        self.cut = os.path.join(self.d, "cut.csv.gz")
        with open(self.cut, "wb") as f:
            f.write(self.gz[:self.at])
        got = inflate_prefix(self.gz[:self.at])
        self.assertTrue(self.text.startswith(got) and not got.endswith(b"\n"))
        self.complete = got.count(b"\n") - 1       # data rows, without the header
        self.cut_line = got.count(b"\n") + 1

    def tearDown(self):
        self.tmp.cleanup()

    def test_rows_before_the_cut(self):
        rep, js = os.path.join(self.d, "rep"), os.path.join(self.d, "r.json")
        code, _, err = rr.run(["-o", rep, "--json", js, self.cut, rr.ABNORMAL])
        self.assertEqual(code, 0, err)
        lines = err.splitlines(True)
        self.assertEqual(lines[0], warning(self.cut, self.at, self.complete, True))
        self.assertEqual(lines[1], "%s:%d: rejected: row cut off where the file was truncated "
                         "(the truncated gzip stream ends inside this row)\n"
                         % (self.cut, self.cut_line))
        with open(js, encoding="utf-8") as f:
            inp = json.load(f)["input"]
        self.assertEqual(rr.row_identity_errors(inp), [])
        self.assertEqual(inp["file_details"], [
            {"file": self.cut, "rows": self.complete + 1, "truncated": True,
             "truncated_at_byte": self.at},
            {"file": rr.ABNORMAL, "rows": 5, "truncated": False, "truncated_at_byte": None}])
        self.assertEqual(inp["rejected_by_reason"]["cut_off"], 1)
        self.assertEqual(inp["events"], self.complete)
        text = rr.page_text(os.path.join(rep, "index.html"), "quality")
        self.assertIn("Truncated files %s: truncated gzip stream, cut at byte %d. The %d "
                      "complete rows before the cut are read (the row cut off is rejected); "
                      "the rest of the file is missing." % (self.cut, self.at, self.complete),
                      text)

    def test_strict(self):
        code, out, err = rr.run(["--strict", "--no-html", "--json", "-", self.cut])
        self.assertEqual((code, out), (1, ""))
        self.assertTrue(err.startswith(warning(self.cut, self.at, self.complete, True)))
        self.assertTrue(err.endswith("roomreport: --strict: 1 truncated file\n"), err)

    def test_split_run_same_json(self):
        args = ["-q", "--no-html", "--json", "-", self.cut, rr.ABNORMAL]
        code, whole, err = rr.run(args)
        self.assertEqual((code, err), (0, ""))
        code, split, err = rr.run(["--max-memory", "2K"] + args)
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(split, whole)
        self.assertEqual(json.loads(split)["input"]["file_details"][0]["truncated_at_byte"],
                         self.at)

    def test_pipe_has_no_byte(self):
        code, out, err = rr.run(["--no-html", "--json", "-", "-"], stdin=self.gz[:self.at])
        self.assertEqual(code, 0, err)
        self.assertTrue(err.startswith(warning("-", None, self.complete, True)), err)
        self.assertEqual(json.loads(out)["input"]["file_details"], [
            {"file": "-", "rows": self.complete + 1, "truncated": True,
             "truncated_at_byte": None}])

    def test_cut_between_rows(self):
        # Only the trailer (CRC, size) is lost: every row is there.
        path = os.path.join(self.d, "trailer.csv.gz")
        with open(path, "wb") as f:
            f.write(self.gz[:-8])
        rows = self.text.count(b"\n") - 1
        code, out, err = rr.run(["--no-html", "--json", "-", path])
        self.assertEqual(code, 0, err)
        self.assertEqual(err.splitlines(True)[0], warning(path, len(self.gz) - 8, rows, False))
        inp = json.loads(out)["input"]
        self.assertEqual((inp["rows"], inp["rejected"], inp["file_details"][0]["truncated"]),
                         (rows, 0, True))

    def test_cut_in_the_header(self):
        path = os.path.join(self.d, "head.csv.gz")
        with open(path, "wb") as f:
            f.write(self.gz[:12])
        code, out, err = rr.run(["--no-html", "--json", "-", path, rr.ABNORMAL])
        self.assertEqual(code, 0, err)
        self.assertEqual(err.splitlines(True)[0], warning(path, 12, 0, False))
        self.assertIn("roomreport: note: %s: no data rows\n" % path, err)
        inp = json.loads(out)["input"]
        self.assertEqual(inp["file_details"][0], {"file": path, "rows": 0, "truncated": True,
                                                  "truncated_at_byte": 12})
        code, _, err = rr.run(["--no-html", "--json", "-", path])
        self.assertEqual(code, 1)
        self.assertTrue(err.endswith("roomreport: no usable rows in the input\n"), err)

    def test_plain_csv_cut_mid_row(self):
        # DESIGN §1: a plain file's last line needs no line end, so a cut
        # one is read as a row: here with a field missing, rejected as
        # ragged (the rows before it are used); the file is not marked.
        path = os.path.join(self.d, "cut.csv")
        cut = self.text[:self.text.rindex(b"\n", 0, len(self.text) - 1) + 1]
        last = self.text[len(cut):]
        cut += last[:last.rindex(b",")]
        with open(path, "wb") as f:
            f.write(cut)
        rows = cut.count(b"\n")
        code, out, err = rr.run(["--no-html", "--json", "-", path])
        self.assertEqual(code, 0, err)
        self.assertIn("%s:%d: rejected: wrong number of fields" % (path, rows + 1), err)
        self.assertNotIn("truncated", err)
        inp = json.loads(out)["input"]
        self.assertEqual((inp["rows"], inp["rejected"], inp["rejected_by_reason"]["ragged_row"]),
                         (rows, 1, 1))
        self.assertEqual(inp["file_details"][0]["truncated"], False)
        self.assertEqual(rr.row_identity_errors(inp), [])

    def test_corrupt_gzip_is_an_io_error(self):
        # A corrupt stream (not a cut one) stays an I/O error: exit 3.
        path = os.path.join(self.d, "bad.csv.gz")
        bad = bytearray(self.gz)
        bad[len(bad) // 2] ^= 0xFF
        with open(path, "wb") as f:
            f.write(bytes(bad))
        code, _, err = rr.run(["--no-html", "--json", "-", path])
        if code == 0:
            self.skipTest("this flip happens to inflate")
        self.assertEqual(code, 3, err)
        self.assertRegex(err, r"^roomreport: %s: corrupt gzip stream \(.+\)\n$" % path)


if __name__ == "__main__":
    unittest.main()
