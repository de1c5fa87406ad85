#!/usr/bin/env python3
"""Writes events.csv beside this script: one call, one user per exit reason
(see README.md). Deterministic; run again, same bytes."""
import os

APP = "1400188366"
ROOM = "5500"
T0 = 1795168800000          # 2026-11-20 10:00:00 UTC
COMM = f"{APP}_{ROOM}_{T0 // 1000}"
rows = []


def ev(u, t, typ, eid, p1=-1, p2=-1):
    rows.append((t, u, f"{APP},{COMM},{ROOM},{u},,{t},{typ},{eid},{p1},{p2}"))


def stay(u, start, end, close):
    ev(u, start, 0, 5001)
    if close == "entry_failed":
        ev(u, start + 180, 0, 5002, 1)
        ev(u, start + 900, 0, 5003, 0)
        return
    ev(u, start + 180, 0, 5002, 1)
    ev(u, start + 900, 0, 5003, 1)
    ev(u, start + 300000, 0, 3001, 1)
    ev(u, start + 400000, 2, 4008, 12)
    if close == "normal":
        ev(u, end - 300, 0, 5008, 1)
        ev(u, end, 0, 7001, 0)
    elif close == "timeout":
        ev(u, end - 60000, 0, 1003, 0)
        ev(u, end, 0, 7001, 1)
    elif close == "kicked":
        ev(u, end, 0, 7001, 2)
    elif close == "exit_failed":
        ev(u, end, 0, 5008, 0)
    elif close == "unknown":
        ev(u, end, 0, 7001, 7)


USERS = [("norm", "normal"), ("tim", "timeout"), ("kick", "kicked"),
         ("exfail", "exit_failed"), ("enfail", "entry_failed"), ("unk", "unknown")]
for i, (u, c) in enumerate(USERS):
    start = T0 + i * 20000
    stay(u, start, T0 + 1200000 - i * 30000, c)
    if c == "entry_failed":
        stay(u, start + 120000, T0 + 1100000, "normal")
rows.sort()
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "events.csv"), "w") as f:
    f.write("SdkAppId,CommId,RoomId,UserId,PeerId,Time,Type,EventId,ParamOne,ParamTwo\n")
    f.writelines(r[2] + "\n" for r in rows)
