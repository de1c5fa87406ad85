#!/usr/bin/env python3
"""Writes the hostile export next to this file: events.csv and abnormal.csv.

Every room, user, peer and CommId below is data that a careless HTML writer
would turn into markup, a path or a broken page. The report built from these
files must show each of them as text and nowhere else (tests/e2e/test_html.py,
tests/browser/run-checks.sh). Run it again after changing it; the output is
deterministic and committed, so the exact bytes are in the repository.

    python3 tests/data/hostile/gen.py
"""
import csv
import io
import os

HERE = os.path.dirname(os.path.abspath(__file__))
APP = "1400188366"
BASE_MS = 1795172400000  # 2026-11-20 11:00:00 UTC

LONG = "10k:" + "0123456789" * 1024  # a 10,244-byte room ID

# (room, CommId or "", first user, second user). The IDs that the tests look
# for by value are listed in HOSTILE_IDS in tests/e2e/test_html.py.
CALLS = [
    ('<script>alert("room")</script>', "", "<svg onload=alert(2)>", "anna"),
    ("\"><img src=x onerror=alert('q')>", "", "user \"double\" & 'single'", "ben"),
    ("Tom & Jerry's \"room\" &amp; &lt;b&gt;", "1400188366_<b>bold</b>_1795172400",
     "&#x3C;script&#x3E;", "chen"),
    ("../../etc/passwd", "", "../../x", "..\\..\\win"),
    ("..", "", ".", "dora"),
    (LONG, "", "long-room-user", "emil"),
    ("会议室-测试", "", "用户一", "用户二"),
    ("غرفة الاجتماعات \u202egnp.exe", "", "رضا", "\u200fמשתמש"),
    ("🎥📞 room 👩\u200d👩\u200d👧", "", "😀", "🏳️\u200d🌈"),
    ("CON", "", "nul", "aux.txt"),
    ("a/b", "", "fay", "gus"),
    ("a?b", "", "hana", "ivan"),
    ("https://evil.example/x", "", "javascript:alert(1)", "//evil.example/y"),
    ("<rr-injected data-rr-injected=1>", "", "ctl\x01\x0b\x7fend", "jo"),
]


def session_rows(comm, room, u1, u2, t):
    """A short call: u1 stays and leaves normally, u2 loses the network and
    times out. Each row: (comm, room, user, peer, time_ms, type, id, p1, p2)."""
    return [
        (comm, room, u1, "", t, 0, 5001, -1, -1),
        (comm, room, u1, "", t + 150, 0, 5002, 1, -1),
        (comm, room, u1, "", t + 1000, 0, 5003, 1, -1),
        (comm, room, u1, "", t + 1030, 0, 7000, 0, -1),
        (comm, room, u1, "", t + 1050, 0, 1003, 1, -1),
        (comm, room, u1, u2, t + 12000, 2, 5006, -1, -1),
        (comm, room, u1, "", t + 240000, 0, 5008, 1, -1),
        (comm, room, u1, "", t + 240050, 0, 7001, 0, -1),
        (comm, room, u2, "", t + 10000, 0, 5001, -1, -1),
        (comm, room, u2, "", t + 10150, 0, 5002, 1, -1),
        (comm, room, u2, "", t + 11000, 0, 5003, 1, -1),
        (comm, room, u2, "", t + 11030, 0, 7000, 0, -1),
        (comm, room, u2, "", t + 11050, 0, 1003, 2, -1),
        (comm, room, u2, u1, t + 13000, 2, 5006, -1, -1),
        (comm, room, u2, "", t + 120000, 0, 1003, 0, -1),
        (comm, room, u2, "", t + 210000, 0, 7001, 1, -1),
    ]


def main():
    events = io.StringIO(newline="")
    w = csv.writer(events, lineterminator="\n")
    w.writerow(["SdkAppId", "CommId", "RoomId", "UserId", "PeerId", "Time", "Type",
                "EventId", "ParamOne", "ParamTwo"])
    abnormal = io.StringIO(newline="")
    a = csv.writer(abnormal, lineterminator="\n")
    a.writerow(["SdkAppId", "CommId", "RoomId", "UserId", "PeerId", "EventTime",
                "ExperienceId", "AbnormalEventId"])
    for i, (room, comm, u1, u2) in enumerate(CALLS):
        t = BASE_MS + i * 600000
        for r in session_rows(comm, room, u1, u2, t):
            w.writerow([APP] + [str(x) for x in r])
        # u2 sees u1's video lag a minute in, caused by u1's uplink.
        a.writerow([APP, comm, room, u2, u1, (t + 60000) // 1000, 4, 2017])
    data = events.getvalue().encode("utf-8")
    # One row whose user ID is not UTF-8 (0xC3 starts a two-byte sequence
    # that 0x28 does not continue): the tool must reject it as invalid_utf8
    # and the report must not carry its bytes.
    t = BASE_MS + len(CALLS) * 600000
    data += (APP + ",," + "bad-utf8-room,").encode() + b"bad\xc3\x28user" + \
        (",,%d,0,5001,-1,-1\n" % t).encode()
    with open(os.path.join(HERE, "events.csv"), "wb") as f:
        f.write(data)
    with open(os.path.join(HERE, "abnormal.csv"), "wb") as f:
        f.write(abnormal.getvalue().encode("utf-8"))


if __name__ == "__main__":
    main()
