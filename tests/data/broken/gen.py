#!/usr/bin/env python3
"""Writes the broken-input corpus next to this file (see README.md for the
expected outcome of each file; tests/e2e/test_broken.py checks them).

The output is deterministic (seeded) and committed, so the exact bytes are in
the repository; run it again after editing it:

    python3 tests/data/broken/gen.py

The large cases (a 100 MB line, 100,000 columns) are not written here: the
test builds them in a temporary directory with the functions below.
"""
import gzip
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))

HEADER = b"SdkAppId,CommId,RoomId,UserId,PeerId,Time,Type,EventId,ParamOne,ParamTwo"
APP = b"1400188366"
COMM = b"1400188366_9001_1795168800"
BASE_MS = 1795168800000  # 2026-11-20 10:00:00 UTC


def row(user=b"zoe", ms=1000, eid=b"5001", p1=b"-1", p2=b"-1", room=b"9001", time=None,
        stream=b"0"):
    """One event row of room 9001; ms is the offset from BASE_MS unless time
    (the raw Time cell) is given."""
    t = time if time is not None else str(BASE_MS + ms).encode()
    return b",".join([APP, COMM, room, user, b"", t, stream, eid, p1, p2])


# A short, complete session of zoe: enter, first frame, leave.
GOOD = [row(ms=1000, eid=b"1001", p1=b"1"),
        row(ms=2000, eid=b"5001", p1=b"1"),
        row(ms=60000, eid=b"5008", p1=b"1")]


def lines(*rows, eol=b"\n"):
    return eol.join(rows) + eol


def good_file(eol=b"\n"):
    return lines(HEADER, *GOOD, eol=eol)


def garbage(n, seed=6):
    r = random.Random(seed)
    return bytes(r.randrange(256) for _ in range(n))


def long_line(size=100 << 20):
    """A valid header and row, then one line of size bytes with no newline."""
    return lines(HEADER, GOOD[0]) + b"x" * size


def many_columns(n=100000):
    """(a header of n columns, a good header with one data row of n fields
    between good rows)."""
    wide_header = b",".join(b"c%d" % i for i in range(n)) + b"\n" + b",".join(
        b"1" for _ in range(n)) + b"\n"
    wide_row = lines(HEADER, GOOD[0], b"," * (n - 1), GOOD[1], GOOD[2])
    return wide_header, wide_row


def corpus():
    """{file name: bytes} of the committed corpus."""
    text = good_file().decode()
    gz = gzip.compress(lines(HEADER, *(row(user=b"u%d" % i, ms=1000 + i, eid=b"1001", p1=b"1")
                                       for i in range(2000))), mtime=0)
    abnormal_header = b"RoomId,UserId,EventTime,ExperienceId,AbnormalEventId,PeerId"
    return {
        "empty.csv": b"",
        "header-only.csv": HEADER + b"\n",
        "no-known-column.csv": b"when,who,what\n2026-11-20,zoe,joined\n",
        "garbage.bin": garbage(2048),
        "garbage-rows.csv": lines(HEADER, GOOD[0], garbage(1500), GOOD[1], GOOD[2]),
        "nul.csv": lines(HEADER, GOOD[0],
                         row(user=b"zo\x00e", ms=1500),        # line 3: NUL in UserId
                         b"\x00\x00\x00",                     # line 4: NULs only
                         GOOD[1], GOOD[2]),
        "invalid-utf8.csv": lines(HEADER, GOOD[0],
                                  row(user=b"zo\xffe<b>x</b>", ms=1500),  # line 3
                                  row(room=b"90\xc0\xaf01", ms=1600),      # line 4: overlong
                                  row(user=b"zoe\xed\xa0\x80", ms=1700),  # line 5: surrogate
                                  GOOD[1], GOOD[2]),
        "utf16le.csv": text.encode("utf-16-le").join([b"\xff\xfe", b""]),
        "utf16be.csv": text.encode("utf-16-be").join([b"\xfe\xff", b""]),
        "utf16le-nobom.csv": text.encode("utf-16-le"),
        "truncated.csv.gz": gz[:len(gz) // 2],
        "cr-only.csv": good_file(eol=b"\r"),
        "times.csv": lines(HEADER, GOOD[0],
                           row(time=b"946684799999"),           # 3: 1999-12-31 23:59:59.999
                           row(time=b"946684800000", eid=b"2001"),  # 4: 2000-01-01, used
                           row(time=b"4102444800000"),          # 5: 2100-01-01 00:00
                           row(time=b"4102444799999", eid=b"2001"),  # 6: last ms of 2099, used
                           row(time=b"1999-12-31 23:59:59"),    # 7
                           row(time=b"2100-01-01T00:00:00Z"),   # 8
                           row(time=b"1"),                      # 9: a unit mix-up
                           row(time=b"95617584000"),            # 10: 1973 in seconds
                           GOOD[1], GOOD[2]),
        "ids.csv": lines(HEADER, GOOD[0],
                         row(ms=1100, eid=b"-1"),                       # 3
                         row(ms=1200, eid=b"-5001"),                    # 4
                         row(ms=1300, eid=b"9223372036854775808"),      # 5: 2^63
                         row(ms=1400, eid=b"-9223372036854775808"),     # 6: -2^63
                         row(ms=1500, eid=b"2147483648"),               # 7: 2^31
                         row(ms=1600, eid=b"0"),                        # 8: used (unknown ID)
                         GOOD[1], GOOD[2]),
        "abnormal-ids.csv": lines(abnormal_header,
                                  b"9001,zoe,1795168860,2,1201,",                    # 2: used
                                  b"9001,zoe,1795168860,-2,1201,",                   # 3
                                  b"9001,zoe,1795168860,2,-1201,",                   # 4
                                  b"9001,zoe,1795168860,9223372036854775808,,",      # 5
                                  b"9001,zoe,1795168860,3,9223372036854775808,"),    # 6
        "duplicate-header.csv": lines(HEADER + b",RoomId,room_id,USER_ID",
                                      GOOD[0] + b",other,other2,nobody",
                                      GOOD[1] + b",other,other2,nobody",
                                      GOOD[2] + b",other,other2,nobody"),
    }


def main():
    for name, data in corpus().items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
