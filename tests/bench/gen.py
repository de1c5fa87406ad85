#!/usr/bin/env python3
"""Deterministic synthetic TRTC exports: a realistic week of calls.

Writes an event export and, on request, an abnormal-experience export and a
users file (one row per stay, with device type and SDK version). Calls are
spread over --days days with a working-hours peak; each has 2-6 users from a
pool, each user keeping one device and SDK version all week. Sessions end
normally, time out (the exit logged ~90 s late) and rejoin, are kicked, fail
to enter (often followed by a second try), or have no exit recorded; about a
tenth of the users are WebRTC users. Sessions change networks (Wi-Fi, 4G,
3G), lose the network for a while, go to the background, and have abnormal
experiences with causes and peers. SDK 11.5.0 enters about 0.7 s slower.

--regression plants a regression on SDK 11.5.0: three times the timeouts and
entry 2 s slower. Everything else is drawn exactly as without it (one random
stream per user of each call), so figures that do not depend on 11.5.0's
timeouts or entry stay the same; with the same --seed, a week with and one
without --regression differ only by the regression.

--order sets the order the rows are written in (the rows are the same):
"user" (the default) writes each call's users one after the other, each
user's events in time order, so consecutive rows repeat their leading ID
columns; "time" sorts all rows by Time across rooms (stable, as a warehouse
dump or exports merged by time); "interleave" shuffles the rows of each block
of 64 consecutive calls together (several exports concatenated and mixed).
Several orders separated by commas write one file each, OUT with "{order}"
replaced by the order's name. --ids realistic writes room IDs of real shapes
(half 9-digit numbers, half 8-hex-digit strings) and user IDs of 10-16
characters (11-digit numbers, "user_" and 8-11 hex digits, 10-16 hex
digits) instead of "room12" and "u345"; the draws are the same, so only the
ID strings differ.

Same arguments, same bytes.

    gen.py --calls 5000 --days 7 --seed 1 --out events.csv \\
           [--abnormal abnormal.csv] [--users users.csv] [--regression] [--start MS]
    gen.py --rows 1000000 --seed 1 --out events.csv     (calls until ROWS event rows)
    gen.py --rows 1000000 --ids realistic --order user,time,interleave --out ev-{order}.csv
"""
import argparse
import random

SDKAPP = 1400188366
DAY_MS = 86_400_000

SDK_VERSIONS = [("11.2.0", 10), ("11.3.1", 25), ("11.4.0", 35), ("11.5.0", 30)]
WEB_VERSIONS = [("5.4.0", 60), ("5.6.1", 40)]
DEVICES = [("iPhone14,2", 20), ("iPhone15,3", 15), ("SM-G9910", 15), ("M2102J2SC", 10),
           ("PCT-AL10", 10), ("Windows 10", 15), ("MacBookPro18,1", 15)]
WEB_DEVICES = [("Chrome 124 (Windows)", 60), ("Safari 17 (macOS)", 25), ("Edge 124", 15)]
SLOW_VERSION = "11.5.0"      # enters slower; the --regression target
# Hours of the day weighted like a working week (UTC).
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 6, 10, 12, 12, 11, 9, 10, 12, 12, 11, 9, 6, 4, 3, 2, 1, 1]
# Causes: (AbnormalEventId, caused by a peer)
REALTIME_CAUSES = [(2001, False), (2002, False), (2003, False), (2005, False), (2007, False),
                   (2015, True), (2017, True), (2018, True), (2024, False)]
ENTRY_CAUSES = [1005, 1006, 1013, 1004]
ORDERS = ("user", "time", "interleave")
INTERLEAVE_CALLS = 64        # calls whose rows "interleave" shuffles together


def weighted(rng, items):
    total = sum(w for _, w in items)
    x = rng.random() * total
    for v, w in items:
        x -= w
        if x < 0:
            return v
    return items[-1][0]


class Profile:
    """One user's device, SDK version, platform and IP, fixed for the week."""

    def __init__(self, seed, uid):
        r = random.Random("profile/%d/%s" % (seed, uid))
        self.webrtc = r.random() < 0.1
        if self.webrtc:
            self.version = weighted(r, WEB_VERSIONS)
            self.device = weighted(r, WEB_DEVICES)
        else:
            self.version = weighted(r, SDK_VERSIONS)
            self.device = weighted(r, DEVICES)
        self.ip = "%d.%d.%d.%d" % (r.choice([203, 198, 100, 58]), r.randint(0, 255),
                                   r.randint(0, 255), r.randint(1, 254))
        self.wifi = r.random() < 0.65


def entry_latency(rng, prof, regression):
    lat = rng.randint(300, 9000 if rng.random() < 0.1 else 2500)
    if prof.version == SLOW_VERSION:
        lat += 700
        if regression:
            lat += 2000
    return lat


def sdk_session(rng, t, ev, outcome, prof, regression, peers):
    """Appends one SDK session's events (time, type, id, p1, p2, peer) starting
    at t; returns (entered at or None, end time)."""
    ev.append((t, 0, 5001, -1, -1, ""))
    t += rng.randint(20, 200)
    ev.append((t, 0, 5002, 1, -1, ""))
    if outcome == "entry_failed":
        t += rng.randint(3000, 15000)
        ev.append((t, 0, 5003, 0, -1, ""))
        return None, t
    t += entry_latency(rng, prof, regression)
    entered = t
    net = 1 if prof.wifi else (2 if rng.random() < 0.85 else 3)
    ev.append((t, 0, 5003, 1, -1, ""))
    ev.append((t, 0, 7000, 0, -1, ""))
    ev.append((t + 5, 0, 6001, rng.choice([1, 2, 101, 102]), rng.randint(0, 3), ""))
    ev.append((t + 6, 0, 3003, 11, -1, ""))
    ev.append((t + 40, 0, 1003, net, -1, ""))
    ev.append((t + 60, 0, 5009, -1, -1, ""))
    ev.append((t + 80, 0, 4001, 0, -1, ""))
    ev.append((t + 300, 2, 5006, -1, -1, peers[0] if peers else ""))
    ev.append((t + 350 + rng.randint(0, 900), 2, 5007, -1, -1, peers[0] if peers else ""))
    end = t + rng.randint(60_000, 2_400_000)
    for _ in range(rng.randint(2, 30)):
        mt = rng.randint(t + 1400, end - 1)
        kind = rng.random()
        if kind < 0.3:
            ev.append((mt, 0, 3001, rng.choice([1, 3]), -1, ""))
        elif kind < 0.5:
            ev.append((mt, 2, 4008, rng.choice([15, 24, 30]), -1, ""))
        elif kind < 0.65:
            ev.append((mt, 2, 4009, rng.randint(300, 2500), -1, ""))
        elif kind < 0.85:
            ev.append((mt, 0, 3002, rng.choice([0, 1]), -1, ""))
        else:
            ev.append((mt, 2, 4003, 1280, 720, ""))
    x = rng.random()
    if x < 0.2:                      # network change: Wi-Fi <-> 4G (or 3G)
        mt = rng.randint(t + 1000, end - 1)
        ev.append((mt, 0, 1003, 2 if net == 1 else (1 if rng.random() < 0.5 else 3), -1, ""))
    elif x < 0.26:                   # outage: no network for 2-60 s
        mt = rng.randint(t + 1000, max(t + 1000, end - 61_000))
        ev.append((mt, 0, 1003, 0, -1, ""))
        ev.append((min(mt + rng.randint(2000, 60_000), end - 500), 0, 1003, net, -1, ""))
    if rng.random() < 0.1:           # background for 5-120 s
        mt = rng.randint(t + 1000, max(t + 1000, end - 121_000))
        ev.append((mt, 0, 2001, 1, -1, ""))
        ev.append((min(mt + rng.randint(5000, 120_000), end - 500), 0, 2001, 0, -1, ""))
    if outcome == "normal":
        ev.append((end, 0, 5008, 1, -1, ""))
        ev.append((end + 20, 0, 7001, 0, -1, ""))
        end += 20
    elif outcome == "timeout":       # logged ~90 s after the user was last seen
        end += 90_000
        ev.append((end, 0, 7001, 1, -1, ""))
    elif outcome == "kicked":
        ev.append((end, 0, 7001, 2, -1, ""))
    # "missing": no exit recorded at all
    return entered, end


def webrtc_session(rng, t, ev):
    ev += [(t, 0, 32788, -1, -1, ""), (t + 50, 0, 32769, -1, -1, ""),
           (t + 60, 0, 32768, -1, -1, ""), (t + 200, 0, 32776, -1, -1, ""),
           (t + 210, 0, 32777, -1, -1, "")]
    end = t + rng.randint(60_000, 1_800_000)
    if rng.random() < 0.2:
        mt = rng.randint(t + 1000, end - 1000)
        ev += [(mt, 0, 32790, -1, -1, ""), (mt + 1500, 0, 32791, -1, -1, "")]
    ev.append((end, 0, 32789, -1, -1, ""))
    return t, end


def outcome_for(r, prof, regression):
    """Outcome from one uniform draw. The regression widens the timeout band
    downwards into "normal" (8 % -> 24 %), leaving the other bands alone."""
    timeout_lo = 0.80
    if regression and prof.version == SLOW_VERSION:
        timeout_lo = 0.64
    if r < timeout_lo:
        return "normal"
    if r < 0.88:
        return "timeout"
    if r < 0.91:
        return "kicked"
    if r < 0.96:
        return "entry_failed"
    return "missing"


def gen_user(a, call_no, k, room, comm, uid, prof, t, peers):
    """All rows of one user in one call. Returns (event rows, abnormal rows,
    user rows). A random stream of its own per (seed, call, user)."""
    rng = random.Random("user/%d/%d/%d" % (a.seed, call_no, k))
    ev, stays = [], []
    if prof.webrtc:
        stays.append(webrtc_session(rng, t, ev) + (True,))
    else:
        outcome = outcome_for(rng.random(), prof, a.regression)
        entered, end = sdk_session(rng, t, ev, outcome, prof, a.regression, peers)
        stays.append((entered if entered is not None else t, end, entered is not None))
        if outcome == "timeout" or (outcome == "entry_failed" and rng.random() < 0.7):
            entered, end = sdk_session(rng, end + rng.randint(1000, 20_000), ev, "normal",
                                       prof, a.regression, peers)
            stays.append((entered, end, entered is not None))
    ev.sort(key=lambda e: e[0])
    rows = ["%d,%s,%s,%s,%s,%d,%d,%d,%d,%d\n" % (SDKAPP, comm, room, a.uname(uid),
                                                 a.uname(peer), tm, typ, eid, p1, p2)
            for (tm, typ, eid, p1, p2, peer) in ev]
    times = [e[0] for e in ev]
    ab = []
    for (s0, s1, _) in stays:
        if rng.random() < 0.08:
            et = (s0 + rng.randint(0, max(1, s1 - s0))) // 60_000 * 60
            exp = rng.randint(1, 5)
            n = rng.choice([0, 1, 1, 2, 3])
            if n == 0:
                ab.append("%d,%s,%s,%s,,%d,%d,\n" % (SDKAPP, comm, room, a.uname(uid), et, exp))
            for cause, by_peer in rng.sample(REALTIME_CAUSES, n):
                peer = a.uname(rng.choice(peers)) if by_peer and peers else ""
                ab.append("%d,%s,%s,%s,%s,%d,%d,%d\n" % (SDKAPP, comm, room, a.uname(uid), peer, et,
                                                        exp, cause))
    if not prof.webrtc and any(e[2] == 5003 and e[3] == 0 for e in ev) and rng.random() < 0.5:
        et = ev[-1][0] // 1000
        ab.append("%d,%s,%s,%s,,%d,1,%d\n" % (SDKAPP, comm, room, a.uname(uid), et,
                                             rng.choice(ENTRY_CAUSES)))
    # The users file lists stays in the room: a failed entry has none.
    users = ["%d,%s,%s,%s,%d,%d,\"%s\",%s,%s,1\n" % (SDKAPP, comm, room, a.uname(uid), s0 // 1000,
                                                    s1 // 1000, prof.device, prof.version,
                                                    prof.ip)
             for (s0, s1, entered) in stays if entered]
    return rows, times, ab, users


def room_realistic(n):
    """Room n as a real-looking ID: even n a 9-digit number, odd n 8 hex
    digits (both one-to-one in n, and of different lengths)."""
    if n % 2 == 0:
        return "%d" % (100_000_000 + n * 7919 % 900_000_000)
    return "%08x" % (n * 2654435761 & 0xFFFFFFFF)


def user_realistic(n):
    """User n (from "u<n>") as a real-looking ID of 10-16 characters, one to
    one in n: an 11-digit number, "user_" and 8-11 hex digits, or 10-16 hex
    digits (never 11, so never one of the numbers)."""
    h = n * 0x9E3779B97F4A7C15 & 0xFFFFFFFFFFFFFFFF
    if n % 3 == 0:
        return "1%010d" % (h & 0xFFFFFFFF)
    if n % 3 == 1:
        return "user_%0*x" % (8 + n % 4, h & 0xFFFFFFFF)
    w = (10, 12, 13, 14, 15, 16)[n % 6]
    return ("%016x" % h)[16 - w:]


class Writer:
    """The event rows in the --order orders: "user" straight to its file,
    "interleave" a block of calls at a time, "time" all rows at the end."""

    def __init__(self, a, orders):
        self.seed = a.seed
        self.files = {o: open(a.out.replace("{order}", o) if len(orders) > 1 else a.out,
                              "w", newline="") for o in orders}
        self.block = []              # (row) of the calls of the current block
        self.block_calls = 0
        self.block_no = 0
        self.timed = []              # (time, row) of every row, for "time"
        head = "SdkAppId,CommId,RoomId,UserId,PeerId,Time,Type,EventId,ParamOne,ParamTwo\n"
        for f in self.files.values():
            f.write(head)

    def add(self, rows, times):
        if "user" in self.files:
            self.files["user"].writelines(rows)
        if "interleave" in self.files:
            self.block += rows
        if "time" in self.files:
            self.timed += zip(times, rows)

    def end_call(self, last=False):
        self.block_calls += 1
        if "interleave" in self.files and (last or self.block_calls == INTERLEAVE_CALLS):
            random.Random("interleave/%d/%d" % (self.seed, self.block_no)).shuffle(self.block)
            self.files["interleave"].writelines(self.block)
            self.block, self.block_calls = [], 0
            self.block_no += 1

    def close(self):
        self.end_call(last=True)
        if "time" in self.files:
            self.timed.sort(key=lambda r: r[0])
            self.files["time"].writelines(r for _, r in self.timed)
        for f in self.files.values():
            f.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", type=int, help="number of calls (default: until --rows)")
    ap.add_argument("--rows", type=int, default=1_000_000,
                    help="with no --calls: generate calls until this many event rows")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="event export")
    ap.add_argument("--abnormal", help="abnormal-experience export")
    ap.add_argument("--users", help="users file (device type, SDK version)")
    ap.add_argument("--start", type=int, default=1763337600000,
                    help="epoch ms of the first day (default Monday 2025-11-17 00:00 UTC)")
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--regression", action="store_true",
                    help="plant a regression on SDK %s" % SLOW_VERSION)
    ap.add_argument("--order", default="user",
                    help="row order(s), comma-separated: " + ", ".join(ORDERS) +
                    " (several: OUT names each file with {order})")
    ap.add_argument("--ids", choices=("short", "realistic"), default="short",
                    help="ID shapes: short (room12, u345) or realistic")
    a = ap.parse_args()
    orders = a.order.split(",")
    if any(o not in ORDERS for o in orders) or len(set(orders)) != len(orders):
        ap.error("--order takes %s, comma-separated, each once" % ", ".join(ORDERS))
    if len(orders) > 1 and "{order}" not in a.out:
        ap.error("several orders need {order} in --out")
    names = {}

    def uname(u):
        if a.ids == "short" or not u:
            return u
        if u not in names:
            names[u] = user_realistic(int(u[1:]))
        return names[u]
    a.uname = uname
    if a.days < 1 or (a.calls is not None and a.calls < 0):
        ap.error("--days must be >= 1 and --calls >= 0")
    rng = random.Random("week/%d" % a.seed)
    target = a.calls if a.calls is not None else a.rows // 120 + 1
    pool = max(50, 3 * target)
    profiles = {}
    used = set()
    rows = 0
    ab = open(a.abnormal, "w", newline="") if a.abnormal else None
    us = open(a.users, "w", newline="") if a.users else None
    if ab:
        ab.write("SdkAppId,CommId,RoomId,UserId,PeerId,EventTime,ExperienceId,AbnormalEventId\n")
    if us:
        us.write("SdkAppId,CommId,RoomId,UserId,JoinTs,LeaveTs,DeviceType,SdkVersion,"
                 "ClientIp,Finished\n")
    out = Writer(a, orders)
    call_no = 0
    while (call_no < a.calls) if a.calls is not None else (rows < a.rows):
        call_no += 1
        room_no = rng.randint(1, max(5, target // 20))
        room = "room%d" % room_no if a.ids == "short" else room_realistic(room_no)
        day = rng.randrange(a.days)
        hour = weighted(rng, list(enumerate(HOUR_WEIGHTS)))
        if day == a.days - 1:
            # Calls, rejoins and all, end inside the week (in UTC).
            hour = min(hour, 20)
        t0 = a.start + day * DAY_MS + hour * 3_600_000 + rng.randrange(3_600_000)
        # CommId = SdkAppId_RoomId_CreateTime: one per call.
        while (room, t0 // 1000) in used:
            t0 += 1000
        used.add((room, t0 // 1000))
        comm = "%d_%s_%d" % (SDKAPP, room, t0 // 1000)
        uids = ["u%d" % n for n in rng.sample(range(1, pool + 1), rng.randint(2, 6))]
        offsets = [rng.randint(0, 30_000) for _ in uids]
        for k, uid in enumerate(uids):
            if uid not in profiles:
                profiles[uid] = Profile(a.seed, uid)
            peers = [p for p in uids if p != uid]
            r, times, x, u = gen_user(a, call_no, k, room, comm, uid, profiles[uid],
                                      t0 + offsets[k], peers)
            out.add(r, times)
            rows += len(r)
            if ab:
                ab.writelines(x)
            if us:
                us.writelines(u)
        out.end_call()
    out.close()
    for fh in (ab, us):
        if fh:
            fh.close()


if __name__ == "__main__":
    main()
