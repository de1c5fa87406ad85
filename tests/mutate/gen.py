#!/usr/bin/env python3
"""Mutated inputs for roomreport, deterministic from a seed (issue 20).

The bases are the real-shaped files of the repository: samples/*.csv,
every CSV (and .csv.gz) under tests/data/ (the broken and hostile corpora,
the official API examples, the e2e files). Each case takes one base and
applies one or two mutations to it, in order:

  truncate        cut at a random byte
  bitflip         1-8 random bits flipped
  stray_quote     1-3 quotes inserted at random places
  cr_only         every line end made a lone CR
  nul             1-3 NUL bytes inserted
  invalid_utf8    an invalid UTF-8 sequence inserted into a row
  huge_field      a field of 64 KiB + 1 .. 70 KB in a row (rarely a 1.1 MB row)
  wide_row        a row of 1,000-1,100 fields
  giant_numbers   numbers replaced by ones no column can hold (2^63, 1e400, -0, ...)
  bom_crlf        a UTF-8 BOM and CRLF line ends
  cut_gzip        gzip-compressed, then cut short
  utf16           re-encoded as UTF-16 (LE or BE, with or without a BOM)
  header_only     the first line alone
  empty           no bytes at all
  garbage         random bytes (1-4,096) in place of the file, or inserted
  renamed_headers header names swapped, misspelt, aliased, re-cased or dropped

A case is (name, bytes, companions): companions are other unmutated base
files run beside it (event, abnormal and companion files together reach
the joins of companion.c), chosen by the same seed.

Use as a module (cases(seed, n)) or from the command line to write the
cases out:  python3 tests/mutate/gen.py --seed 1 --cases 400 --out DIR
"""
import argparse
import glob
import gzip
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.abspath(os.path.join(HERE, "..", ".."))


def bases(source_dir=SOURCE_DIR):
    """{relative path: bytes} of every base file, in sorted path order."""
    paths = glob.glob(os.path.join(source_dir, "samples", "*.csv"))
    for pattern in ("*.csv", "*.csv.gz"):
        paths += glob.glob(os.path.join(source_dir, "tests", "data", "**", pattern),
                           recursive=True)
    out = {}
    for p in sorted(paths):
        with open(p, "rb") as f:
            out[os.path.relpath(p, source_dir)] = f.read()
    return out


def _lines(data):
    return data.split(b"\n")


def _pos(rng, data):
    return rng.randrange(len(data) + 1)


def _insert(rng, data, what):
    at = _pos(rng, data)
    return data[:at] + what + data[at:]


def _row_index(rng, lines):
    """A data row's index (1..), or 0 when there is none."""
    return rng.randrange(1, len(lines)) if len(lines) > 1 else 0


def truncate(rng, data):
    return data[:_pos(rng, data)]


def bitflip(rng, data):
    if not data:
        return data
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def stray_quote(rng, data):
    for _ in range(rng.randint(1, 3)):
        data = _insert(rng, data, b'"')
    return data


def cr_only(rng, data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")


def nul(rng, data):
    for _ in range(rng.randint(1, 3)):
        data = _insert(rng, data, b"\0")
    return data


BAD_UTF8 = [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82",
            b"\x80", b"\xf0\x9f\x98"]


def invalid_utf8(rng, data):
    lines = _lines(data)
    i = _row_index(rng, lines)
    line = lines[i]
    at = rng.randrange(len(line) + 1)
    lines[i] = line[:at] + rng.choice(BAD_UTF8) + line[at:]
    return b"\n".join(lines)


def huge_field(rng, data):
    lines = _lines(data)
    i = _row_index(rng, lines)
    n = 1100 * 1024 if rng.random() < 0.05 else rng.randint(64 * 1024 + 1, 70000)
    fields = lines[i].split(b",")
    k = rng.randrange(len(fields))
    fields[k] = rng.choice([b"9", b"x", b"\xe4\xb8\xad"]) * (n // 3 + 1)
    if rng.random() < 0.3:
        fields[k] = b'"' + fields[k] + b'"'
    lines[i] = b",".join(fields)
    return b"\n".join(lines)


def wide_row(rng, data):
    lines = _lines(data)
    i = _row_index(rng, lines)
    lines[i] = lines[i] + b"," * rng.randint(1000, 1100)
    return b"\n".join(lines)


GIANT = [b"9223372036854775808", b"-9223372036854775809", b"99999999999999999999999999",
         b"1e400", b"-0", b"0x10", b"1.5e3", b"4294967296", b"2147483648", b"-2147483649",
         b"18446744073709551616", b"NaN", b"inf", b"+1", b"00000000000000000000001"]


def giant_numbers(rng, data):
    lines = _lines(data)
    for _ in range(rng.randint(1, 4)):
        i = _row_index(rng, lines)
        fields = lines[i].split(b",")
        nums = [k for k, f in enumerate(fields) if f.strip(b"\r").isdigit()]
        if nums:
            fields[rng.choice(nums)] = rng.choice(GIANT)
        lines[i] = b",".join(fields)
    return b"\n".join(lines)


def bom_crlf(rng, data):
    body = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return body if body.startswith(b"\xef\xbb\xbf") else b"\xef\xbb\xbf" + body


def cut_gzip(rng, data):
    gz = gzip.compress(data, compresslevel=rng.choice([1, 6, 9]), mtime=0)
    return gz[:rng.randrange(len(gz))]


def utf16(rng, data):
    text = data.decode("utf-8", "replace")
    enc = rng.choice(["utf-16-le", "utf-16-be"])
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[enc]
    return (bom if rng.random() < 0.5 else b"") + text.encode(enc)


def header_only(rng, data):
    end = data.find(b"\n")
    return data if end < 0 else data[:end + rng.randint(0, 1)]


def empty(rng, data):
    return b""


def garbage(rng, data):
    junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4096)))
    return junk if rng.random() < 0.4 else _insert(rng, data, junk)


ALIASES = {b"roomid": [b"RoomStr", b"room_id", b"ROOM-ID", b"Room Id", b"RoomString"],
           b"time": [b"Timestamp", b"EventTime", b"time"],
           b"eventid": [b"event_id", b"ExperienceId", b"AbnormalEventId"],
           b"userid": [b"user_id", b"PeerId", b"USERID"],
           b"paramone": [b"Param1", b"ParamTwo"], b"paramtwo": [b"Param2", b"ParamOne"]}


def renamed_headers(rng, data):
    lines = _lines(data)
    cols = lines[0].split(b",")
    for _ in range(rng.randint(1, 3)):
        k = rng.randrange(len(cols))
        how = rng.randrange(5)
        key = cols[k].lower().replace(b"_", b"").replace(b"-", b"").replace(b" ", b"")
        if how == 0 and len(cols) > 1:              # two columns swap names
            j = rng.randrange(len(cols))
            cols[k], cols[j] = cols[j], cols[k]
        elif how == 1 and len(cols[k]) > 1:         # a typo
            c = cols[k]
            i = rng.randrange(len(c) - 1)
            cols[k] = c[:i] + c[i + 1:i + 2] + c[i:i + 1] + c[i + 2:]
        elif how == 2 and key in ALIASES:           # an alias, maybe another column's
            cols[k] = rng.choice(ALIASES[key])
        elif how == 3:                              # another case
            cols[k] = cols[k].upper() if rng.random() < 0.5 else cols[k].lower()
        elif len(cols) > 1:                         # a column dropped from the header
            del cols[k]
    lines[0] = b",".join(cols)
    return b"\n".join(lines)


MUTATIONS = [truncate, bitflip, stray_quote, cr_only, nul, invalid_utf8, huge_field, wide_row,
             giant_numbers, bom_crlf, cut_gzip, utf16, header_only, empty, garbage,
             renamed_headers]
# These change the encoding of the whole file: applied after any other.
LAST = {cut_gzip, utf16}


def cases(seed, n, source_dir=SOURCE_DIR):
    """n cases [(name, bytes, [companion paths relative to source_dir])]
    from seed: the same seed gives the same cases."""
    rng = random.Random(seed)
    base = bases(source_dir)
    names = sorted(base)
    plain = [p for p in names if p.startswith("samples/")]
    out = []
    for i in range(n):
        src = names[i % len(names)] if i < len(names) else rng.choice(names)
        muts = rng.sample(MUTATIONS, rng.choice([1, 1, 2]))
        muts.sort(key=lambda m: m in LAST)
        data = base[src]
        for m in muts:
            data = m(rng, data)
        companions = sorted(rng.sample([p for p in plain if p != src], rng.randint(0, 3)))
        name = "%04d-%s-%s" % (i, "+".join(m.__name__ for m in muts),
                                os.path.basename(src))
        out.append((name, data, companions))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=400)
    ap.add_argument("--out", required=True, help="directory to write the cases to")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for name, data, companions in cases(a.seed, a.cases):
        with open(os.path.join(a.out, name), "wb") as f:
            f.write(data)
        if companions:
            with open(os.path.join(a.out, name + ".with"), "w") as f:
                f.write("\n".join(companions) + "\n")


if __name__ == "__main__":
    main()
