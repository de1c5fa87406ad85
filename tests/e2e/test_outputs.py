"""End to end: how output files are written — in place for devices, through
a temporary name and a rename for regular files, and write errors reported."""
import os
import stat
import tempfile
import unittest

from rrtest import SAMPLES, run


class Outputs(unittest.TestCase):
    def test_device_is_written_in_place(self):
        code, _, err = run(["--no-html", "-q", "--json", "/dev/null"] + SAMPLES)
        self.assertEqual(code, 0, err)
        self.assertTrue(stat.S_ISCHR(os.stat("/dev/null").st_mode))

    def test_full_disk_is_an_io_error(self):
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")
        code, _, err = run(["--no-html", "--json", "/dev/full"] + SAMPLES)
        self.assertEqual(code, 3)
        self.assertIn("/dev/full: write error", err)

    def test_stdout_write_errors(self):
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")
        for args in (["catalog"], ["events", "-q"] + SAMPLES,
                     ["--no-html", "-q", "--json", "-"] + SAMPLES):
            with open("/dev/full", "w") as full:
                import subprocess
                from rrtest import BINARY
                p = subprocess.run([BINARY] + args, stdout=full, stderr=subprocess.PIPE)
            self.assertEqual(p.returncode, 3, args)
            self.assertIn(b"standard output: write error", p.stderr)

    def test_no_temporary_left_behind(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "r.json")
            code, _, err = run(["--no-html", "--json", out, "--sessions-csv",
                                os.path.join(d, "s.csv")] + SAMPLES)
            self.assertEqual(code, 0, err)
            self.assertEqual(sorted(os.listdir(d)), ["r.json", "s.csv"])
            self.assertIn("wrote " + out, err)

    def test_files_get_the_usual_mode(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "r.json")
            csv = os.path.join(d, "s.csv")
            old = os.umask(0o022)
            try:
                code, _, err = run(["--no-html", "-q", "--json", out, "--sessions-csv", csv]
                                   + SAMPLES)
            finally:
                os.umask(old)
            self.assertEqual(code, 0, err)
            for f in (out, csv):
                self.assertEqual(stat.S_IMODE(os.stat(f).st_mode), 0o644, f)

    def test_failed_run_keeps_previous_output(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "r.json")
            with open(out, "w") as f:
                f.write("previous")
            bad = os.path.join(d, "bad.csv")
            with open(bad, "w") as f:
                f.write("RoomId,UserId,EventId\nr,u,5001\n")
            code, _, err = run(["--no-html", "--json", out, bad])
            self.assertEqual(code, 1)
            self.assertIn("missing required column 'Time'", err)
            with open(out) as f:
                self.assertEqual(f.read(), "previous")
            self.assertEqual(sorted(os.listdir(d)), ["bad.csv", "r.json"])

    def test_output_is_a_directory(self):
        with tempfile.TemporaryDirectory() as d:
            code, _, err = run(["--no-html", "--json", d] + SAMPLES)
            self.assertEqual(code, 3)
            self.assertIn("Is a directory", err)



class Title(unittest.TestCase):
    def test_title_in_json_escaped(self):
        import json
        title = 'Week 47 </script> "x" & \u623f\u95f4'
        code, out, err = run(["--no-html", "-q", "--json", "-", "--title", title] + SAMPLES)
        self.assertEqual(code, 0, err)
        self.assertNotIn("</script>", out)
        self.assertEqual(json.loads(out)["title"], title)
        code, out, _ = run(["--no-html", "-q", "--json", "-"] + SAMPLES)
        self.assertIsNone(json.loads(out)["title"])

    def test_title_must_be_utf8(self):
        import subprocess
        from rrtest import BINARY
        p = subprocess.run([BINARY, "--no-html", "--title", b"\xff"] + SAMPLES,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"--title is not valid UTF-8", p.stderr)


if __name__ == "__main__":
    unittest.main()
