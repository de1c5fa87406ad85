#!/usr/bin/env python3
"""Writes one big call for the call page's size and speed checks: USERS users
(default 60) in one room for HOURS hours (default 4), with periodic network
quality events, some network drops that end in a timeout and a rejoin, and
quality samples every 20 s. Deterministic (fixed seed, no clock).

Usage: python3 tests/bench/bigcall.py EVENTS.csv QUALITY.csv [USERS [HOURS]]
"""
import random
import sys

APP = "1400188366"
ROOM = "7700"
T0 = 1795168800000          # 2026-11-20 10:00:00 UTC


def session(w, comm, user, start, end, drop):
    """One stay: entry, quality events every ~2 min, maybe a drop to a
    timeout; returns the end time."""
    def ev(t, typ, eid, p1=-1, p2=-1, peer=""):
        w.append((t, f"{APP},{comm},{ROOM},{user},{peer},{t},{typ},{eid},{p1},{p2}"))
    ev(start, 0, 5001)
    ev(start + 180, 0, 5002, 1)
    ev(start + 900, 0, 5003, 1)
    ev(start + 930, 0, 7000, 0)
    ev(start + 1000, 0, 1003, 1)
    ev(start + 1300, 2, 5004)
    t = start + 120000
    while t < end - 1000:
        ev(t, 0, 3001, random.choice((1, 1, 2, 3)))
        if random.random() < 0.05:
            ev(t + 500, 2, 4008, random.randint(5, 20))
        t += random.randint(90000, 150000)
    if drop:
        ev(end - 95000, 0, 1003, 0)
        ev(end, 0, 7001, 1)
    else:
        ev(end - 300, 0, 5008, 1)
        ev(end, 0, 7001, 0)
    return end


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    users = int(sys.argv[3]) if len(sys.argv) > 3 else 60
    hours = float(sys.argv[4]) if len(sys.argv) > 4 else 4
    random.seed(7)
    comm = f"{APP}_{ROOM}_{T0 // 1000}"
    end = T0 + int(hours * 3600000)
    rows, qrows = [], []
    for i in range(users):
        user = f"u{i:03d}"
        start = T0 + random.randint(0, 600000)
        stop = end - random.randint(0, 600000)
        if i % 7 == 3:
            # A drop to a timeout in the middle, then a rejoin.
            mid = start + (stop - start) // 2
            session(rows, comm, user, start, mid, True)
            session(rows, comm, user, mid + 30000, stop, False)
        else:
            session(rows, comm, user, start, stop, False)
        for t in range(start // 1000 + 20, stop // 1000, 20):
            rtt = 60 + random.random() * 40 + (500 if i % 7 == 3 and abs(t * 1000 - (start + (stop - start) // 2)) < 120000 else 0)
            qrows.append(f"{APP},{comm},{ROOM},{user},,rtt,{t},{rtt:.0f}")
            qrows.append(f"{APP},{comm},{ROOM},{user},,bigvLoss,{t},{random.random() * 2:.1f}")
    rows.sort()
    with open(sys.argv[1], "w") as f:
        f.write("SdkAppId,CommId,RoomId,UserId,PeerId,Time,Type,EventId,ParamOne,ParamTwo\n")
        f.writelines(r + "\n" for _, r in rows)
    with open(sys.argv[2], "w") as f:
        f.write("SdkAppId,CommId,RoomId,UserId,PeerId,DataType,Time,Value\n")
        f.writelines(r + "\n" for r in qrows)


if __name__ == "__main__":
    main()
