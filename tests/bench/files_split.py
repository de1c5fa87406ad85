#!/usr/bin/env python3
"""Inputs for tests/bench/files.sh, made from a gen.py event export.

split: takes the first N users of SRC (in order of their first row), writes
each one's rows to a file of its own, DIR/u00000.csv, DIR/u00001.csv, ...
(with SRC's header), ONE with the same rows in SRC's order, and LIST with
the files' paths one a line.

calls: the first ROWS data rows of SRC with each user's stay in a call made
a call of its own (RoomId and CommId get "-UserId" appended): about four
times the calls of SRC, in fewer rows each.

Same arguments, same bytes.

    files_split.py split SRC N DIR ONE LIST
    files_split.py calls SRC ROWS OUT
"""
import os
import sys


def own_calls(src, rows, out):
    with open(src, newline="") as f, open(out, "w", newline="") as g:
        g.write(f.readline())
        for k, line in enumerate(f):
            if k == rows:
                break
            app, comm, room, uid, rest = line.split(",", 4)
            g.write("%s,%s-%s,%s-%s,%s,%s" % (app, comm, uid, room, uid, uid, rest))


def main():
    usage = "usage: files_split.py split SRC N DIR ONE LIST | calls SRC ROWS OUT"
    if len(sys.argv) == 5 and sys.argv[1] == "calls":
        own_calls(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return
    if len(sys.argv) != 7 or sys.argv[1] != "split":
        sys.exit(usage)
    src, n, out_dir, one, lst = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], \
        sys.argv[6]
    index, rows = {}, []
    with open(src, newline="") as f:
        header = f.readline()
        for line in f:
            uid = line.split(",", 4)[3]
            k = index.get(uid)
            if k is None:
                if len(index) == n:
                    continue
                k = index[uid] = len(index)
                rows.append([])
            rows[k].append(line)
    if len(index) < n:
        sys.exit("%s has %d users, fewer than %d" % (src, len(index), n))
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for k, r in enumerate(rows):
        p = os.path.join(out_dir, "u%05d.csv" % k)
        with open(p, "w", newline="") as g:
            g.write(header)
            g.writelines(r)
        paths.append(p)
    kept = {u for u in index}
    with open(src, newline="") as f, open(one, "w", newline="") as g:
        g.write(f.readline())
        g.writelines(line for line in f if line.split(",", 4)[3] in kept)
    with open(lst, "w") as g:
        g.writelines(p + "\n" for p in paths)


if __name__ == "__main__":
    main()
