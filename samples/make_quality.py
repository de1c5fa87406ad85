#!/usr/bin/env python3
"""Writes samples/quality.csv: made-up TRTC quality samples for the sample calls.

Deterministic (a fixed seed, no clock): running it again gives the same file.
The stories are told in samples/README.md; in short:
  - chen's RTT climbs above 400 ms from 10:09:00 until his network drops at
    10:10:40, ahead of his timeout at 10:12:14; his video loss goes above 5 %
    and then 10 %, and anna sees the same loss on the video she receives from
    him (PeerId chen), with stutter;
  - emil's system CPU stays above 85 % from 10:18:00 to 10:19:30;
  - hana's browser reports a metric TRTC does not list ("myCustomMetric").
Samples lie within each user's stays (no samples while the network is down).

Usage: python3 samples/make_quality.py [OUT]   (default: quality.csv beside this script)
"""
import calendar
import os
import random
import sys

APP = "1400188366"
DAY = calendar.timegm((2026, 11, 20, 0, 0, 0))
COMM = {"3101": APP + "_3101_1795168798", "3102": APP + "_3102_1795168977",
        "3103": APP + "_3103_1795169248", "4200": ""}


def t(hms):
    h, m, s = (int(x) for x in hms.split(":"))
    return DAY + h * 3600 + m * 60 + s


# (room, user, start, end): the stays of samples/events.csv, first sample
# 10 s after the start; chen's first stay ends when his network drops.
STAYS = [
    ("3101", "anna", "10:00:05", "10:20:30"),
    ("3101", "ben", "10:00:40", "10:20:31"),
    ("3101", "chen", "10:01:10", "10:10:40"),
    ("3101", "chen", "10:12:40", "10:20:20"),
    ("3102", "emil", "10:03:00", "10:25:00"),
    ("3102", "dora", "10:04:30", "10:22:00"),
    ("3102", "fay", "10:06:00", "10:15:30"),
    ("3103", "gus", "10:07:30", "10:30:05"),
    ("3103", "hana", "10:08:00", "10:30:00"),
    ("3103", "kai", "10:26:00", "10:40:30"),
    ("4200", "ivan", "10:01:00", "10:07:00"),
    ("4200", "jo", "10:01:30", "10:06:50"),
    ("4200", "ivan", "10:37:00", "10:40:00"),
    ("4200", "jo", "10:37:20", "10:40:10"),
]
VIDEO_ROOMS = {"3101", "3102", "3103"}


def times(start, end, step):
    x = t(start) + 10
    while x <= t(end):
        yield x
        x += step


def rtt(rng, room, user, x):
    if user == "chen" and t("10:09:00") <= x <= t("10:10:40"):
        return 430 + (x - t("10:09:00")) * 3 + rng.randint(0, 40)   # 430 .. ~770
    if user == "chen" and t("10:08:00") <= x < t("10:09:00"):
        return 180 + (x - t("10:08:00")) * 3 + rng.randint(0, 30)   # climbing
    base = 45 if room != "4200" else 70
    return base + rng.randint(0, 35)


def big_loss(rng, user, x):
    if user in ("chen", "anna") and t("10:09:40") <= x <= t("10:10:40"):
        return round((7.0 if x < t("10:10:10") else 12.5) + rng.random() * 2.5, 1)
    return round(rng.random() * 1.2, 1)


def sys_cpu(rng, user, x):
    if user == "emil" and t("10:18:00") <= x <= t("10:19:30"):
        return 88 + rng.randint(0, 8)
    return 30 + rng.randint(0, 25)


def rows():
    rng = random.Random(20261120)
    out = []

    def add(room, user, peer, metric, x, value):
        out.append((room, user, peer, metric, x, value))

    for room, user, start, end in STAYS:
        for x in times(start, end, 10 if room == "3101" else 30):
            add(room, user, "", "rtt", x, rtt(rng, room, user, x))
        for x in times(start, end, 20 if room == "3101" else 30):
            if room in VIDEO_ROOMS:
                add(room, user, "", "bigvLoss", x, big_loss(rng, user, x))
            else:
                add(room, user, "", "aLoss", x, round(rng.random() * 1.5, 1))
        if room in ("3101", "3102"):
            for x in times(start, end, 30 if user == "emil" else 60):
                add(room, user, "", "sysCpu", x, sys_cpu(rng, user, x))
        if user == "chen":
            for x in times(start, end, 30):
                add(room, user, "", "appCpu", x, 8 + rng.randint(0, 10))
        if user == "emil":   # the hot minute, sampled more densely
            for x in range(t("10:18:00"), t("10:19:30") + 1, 10):
                if (x - t(start) - 10) % 30:
                    add(room, user, "", "sysCpu", x, sys_cpu(rng, user, x))
        if user in ("gus", "kai"):
            for x in times(start, end, 30):
                # bps, as the API gives bitrates: 0.9-1.2 Mbit/s
                add(room, user, "", "bigvBit", x, (900 + rng.randint(0, 300)) * 1000)
                add(room, user, "", "bigvCapFps", x, 15 if user == "kai" else 30)
        if user == "hana":
            for x in times(start, end, 60):
                add(room, user, "", "myCustomMetric", x, rng.randint(1, 9))
    # What anna receives from chen: the same loss, and stutter (ms).
    for x in times("10:01:10", "10:10:40", 20):
        add("3101", "anna", "chen", "bigvLoss", x, big_loss(rng, "anna", x))
        stutter = 650 + rng.randint(0, 300) if x >= t("10:09:40") else rng.randint(0, 80)
        add("3101", "anna", "chen", "bigvBlock", x, stutter)
    out.sort(key=lambda r: (r[0], r[1], r[2], r[3], r[4]))
    return out


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "quality.csv")
    with open(path, "w", newline="") as f:
        f.write("SdkAppId,CommId,RoomId,UserId,PeerId,DataType,Time,Value\n")
        for room, user, peer, metric, x, value in rows():
            f.write("%s,%s,%s,%s,%s,%s,%d,%s\n" % (APP, COMM[room], room, user, peer, metric,
                                                   x, value))


if __name__ == "__main__":
    main()
