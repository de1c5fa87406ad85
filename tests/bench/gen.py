#!/usr/bin/env python3
"""Deterministic synthetic TRTC exports for benchmarks and scale tests.

Writes an event export (and, with --abnormal, an abnormal-experience export)
with realistic call shapes: normal exits, timeouts with rejoin, kicks, entry
failures, missing exits, WebRTC users and network changes. Same seed, same
bytes.

    gen.py --rows 1000000 --seed 1 --out events.csv [--abnormal abnormal.csv]
"""
import argparse
import random

SDKAPP = 1400188366


def sdk_session(rng, t, out, outcome):
    """Append one SDK session's events starting at t; return the end time."""
    ev = [(t, 5001, -1, -1)]
    t += rng.randint(20, 200)
    ev.append((t, 5002, 1, -1))
    if outcome == "entry_failed":
        t += rng.randint(3000, 15000)
        ev.append((t, 5003, 0, -1))
        out.extend(ev)
        return t
    t += rng.randint(300, 9000 if rng.random() < 0.1 else 2500)
    ev.append((t, 5003, 1, -1))
    ev.append((t, 7000, 0, -1))
    ev.append((t + 5, 6001, rng.choice([1, 2, 101, 102]), rng.randint(0, 3)))
    ev.append((t + 6, 3003, 11, -1))
    ev.append((t + 40, 1003, rng.choice([1, 1, 2, 5]), -1))
    ev.append((t + 60, 5009, -1, -1))
    ev.append((t + 80, 4001, 0, -1))
    ev.append((t + 300, 5006, -1, -1))
    ev.append((t + 350, 5007, -1, -1))
    dur = rng.randint(60_000, 2_400_000)
    end = t + dur
    n_mid = rng.randint(2, 40)
    for _ in range(n_mid):
        mt = rng.randint(t + 400, end - 1)
        kind = rng.random()
        if kind < 0.3:
            ev.append((mt, 3001, rng.choice([1, 3]), -1))
        elif kind < 0.5:
            ev.append((mt, 4008, rng.choice([15, 24, 30]), -1))
        elif kind < 0.65:
            ev.append((mt, 4009, rng.randint(300, 2500), -1))
        elif kind < 0.75:
            ev.append((mt, 1003, rng.choice([0, 1, 2, 3]), -1))
        elif kind < 0.85:
            ev.append((mt, 2001, rng.choice([0, 1]), -1))
        else:
            ev.append((mt, 4003, 1280, 720))
    ev.sort(key=lambda e: e[0])
    if outcome == "normal":
        ev.append((end, 5008, 1, -1))
        ev.append((end + 20, 7001, 0, -1))
    elif outcome == "timeout":
        ev.append((end + 90_000, 7001, 1, -1))
        end += 90_000
    elif outcome == "kicked":
        ev.append((end, 7001, 2, -1))
    # "missing": no exit recorded at all
    out.extend(ev)
    return end


def webrtc_session(rng, t, out):
    ev = [(t, 32788, -1, -1), (t + 50, 32769, -1, -1), (t + 60, 32768, -1, -1),
          (t + 200, 32776, -1, -1), (t + 210, 32777, -1, -1)]
    end = t + rng.randint(60_000, 1_800_000)
    if rng.random() < 0.2:
        mt = rng.randint(t + 1000, end - 1000)
        ev += [(mt, 32790, -1, -1), (mt + 1500, 32791, -1, -1)]
    ev.append((end, 32789, -1, -1))
    ev.sort(key=lambda e: e[0])
    out.extend(ev)
    return end


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--abnormal")
    ap.add_argument("--start", type=int, default=1763596800000)  # 2025-11-20 00:00 UTC
    ap.add_argument("--days", type=int, default=7)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    rows = 0
    call_no = 0
    ab = open(a.abnormal, "w") if a.abnormal else None
    if ab:
        ab.write("SdkAppId,CommId,RoomId,UserId,PeerId,EventTime,ExperienceId,AbnormalEventId\n")
    with open(a.out, "w") as f:
        f.write("SdkAppId,CommId,RoomId,UserId,PeerId,Time,Type,EventId,ParamOne,ParamTwo\n")
        while rows < a.rows:
            call_no += 1
            room = "room%d" % rng.randint(1, max(1, a.rows // 2000))
            t0 = a.start + rng.randint(0, a.days * 86_400_000)
            comm = "%d_%s_%d" % (SDKAPP, room, t0 // 1000)
            users = ["u%d" % rng.randint(1, 10 * max(1, a.rows // 100)) for _ in range(rng.randint(2, 6))]
            lines = []
            for u in set(users):
                ev = []
                t = t0 + rng.randint(0, 30_000)
                if rng.random() < 0.1:
                    webrtc_session(rng, t, ev)
                else:
                    r = rng.random()
                    outcome = ("normal" if r < 0.8 else "timeout" if r < 0.88 else
                               "kicked" if r < 0.91 else "entry_failed" if r < 0.96 else "missing")
                    end = sdk_session(rng, t, ev, outcome)
                    if outcome in ("timeout", "entry_failed"):
                        sdk_session(rng, end + rng.randint(1000, 20000), ev, "normal")
                for (tm, eid, p1, p2) in ev:
                    lines.append("%d,%s,%s,%s,,%d,0,%d,%d,%d\n" % (SDKAPP, comm, room, u, tm, eid, p1, p2))
                if ab and rng.random() < 0.05:
                    et = (t // 60000) * 60 + 60
                    peer = rng.choice(users)
                    ab.write("%d,%s,%s,%s,%s,%d,4,2017\n" % (SDKAPP, comm, room, u, peer, et))
                    ab.write("%d,%s,%s,%s,,%d,4,2024\n" % (SDKAPP, comm, room, u, et))
            rng.shuffle(lines) if rng.random() < 0.02 else None
            f.writelines(lines)
            rows += len(lines)
    if ab:
        ab.close()


if __name__ == "__main__":
    main()
