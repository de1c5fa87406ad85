"""End-to-end tests of the edges of issue 20: wrong kinds of file, two runs
into one report (Python 3 standard library only).

Run from the build:  ctest -R e2e -V
or directly:         ROOMREPORT=build/roomreport python3 -m unittest tests/e2e/test_edges.py
"""
import glob
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

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


if __name__ == "__main__":
    unittest.main()
