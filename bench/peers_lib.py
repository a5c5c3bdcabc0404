#!/usr/bin/env python3
"""Helpers for bench/peers.sh (stdlib only).

    peers_lib.py layers DATASET            id<TAB>file<TAB>public,fields   per layer
    peers_lib.py wrk WRK_OUTPUT            "tiles/s p50_ms p99_ms non2xx socket_errors"
    peers_lib.py fetch URL_PREFIX SUFFIX LIST OUT.json DEADLINE_S
        fetch every tile of LIST (gzip, 4 at a time, until the deadline) recording its
        gzip size and time: warms a cache and measures sizes
    peers_lib.py sizes A.json [B.json]     per zoom band: mean/max gzip KB (and ratio)
    peers_lib.py pick OUT.json TARGET_BYTES   the tile whose gzip size is nearest
    peers_lib.py same URL_A SUFFIX_A URL_B LIST N   compare N sampled tiles' gunzipped bodies
    peers_lib.py pss PID...                 summed proportional set size, MiB
"""
import concurrent.futures as cf
import gzip
import json
import os
import random
import re
import sys
import time
import urllib.error
import urllib.request

BANDS = [(6, 8), (9, 11), (12, 14), (6, 14)]


def get(url):
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req, timeout=120) as r:
        body = r.read()
        return r.status, body, r.headers.get("Content-Encoding")


def layers(ds):
    m = json.load(open(os.path.join(ds, "manifest.json"), encoding="utf-8"))
    for layer in m["layers"]:
        s = layer["schema"]
        public = [f["name"] for f in s["fields"] if f["sensitivity"] == "public"]
        print(f"{s['id']}\t{os.path.join(ds, layer['file'])}\t{','.join(public)}")


def wrk(path):
    t = open(path).read()

    def ms(label):
        m = re.search(r"^\s*" + label + r"%\s+([\d.]+)(us|ms|s)\b", t, re.M)
        if not m:
            return float("nan")
        v, u = float(m.group(1)), m.group(2)
        return v / 1000 if u == "us" else v * 1000 if u == "s" else v

    rps = re.search(r"Requests/sec:\s+([\d.]+)", t)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
    print(f"{float(rps.group(1)) if rps else float('nan'):.0f} {ms('50'):.2f} {ms('99'):.2f} "
          f"{non2xx.group(1) if non2xx else 0} {sum(map(int, sock.groups())) if sock else 0}")


def fetch(prefix, suffix, lst, out, deadline_s):
    tiles = [l.strip() for l in open(lst) if l.strip()]
    stop = time.monotonic() + float(deadline_s)
    rows = {}

    def one(t):
        if time.monotonic() > stop:
            return t, None
        t0 = time.monotonic()
        try:
            status, body, enc = get(prefix + t + suffix)
        except Exception as e:  # a timeout or refusal is a result here, not a crash
            return t, {"error": str(e)}
        return t, {"status": status, "bytes": len(body), "gzip": enc == "gzip",
                   "ms": (time.monotonic() - t0) * 1000}

    with cf.ThreadPoolExecutor(4) as ex:
        for t, r in ex.map(one, tiles):
            if r is not None:
                rows[t] = r
    json.dump(rows, open(out, "w"))
    print(f"{len(rows)}/{len(tiles)} tiles fetched", file=sys.stderr)


def band_stats(rows, lo, hi):
    ok = [r for t, r in rows.items() if lo <= int(t.split("/")[0]) <= hi and r.get("status") == 200]
    if not ok:
        return None
    b = [r["bytes"] for r in ok]
    return {"n": len(ok), "mean_kb": sum(b) / len(b) / 1024, "max_kb": max(b) / 1024,
            "mean_ms": sum(r["ms"] for r in ok) / len(ok), "max_ms": max(r["ms"] for r in ok)}


def sizes(*paths):
    data = [json.load(open(p)) for p in paths]
    for lo, hi in BANDS:
        st = [band_stats(d, lo, hi) for d in data]
        cells = [f"{s['mean_kb']:.1f} / {s['max_kb']:.0f} ({s['n']} tiles)" if s else "–" for s in st]
        if len(st) == 2 and all(st):
            cells.append(f"{st[0]['mean_kb'] / st[1]['mean_kb']:.2f}×")
        print(f"| {lo}-{hi} | " + " | ".join(cells) + " |")


def pick(path, target):
    rows = json.load(open(path))
    ok = [(abs(r["bytes"] - int(target)), t) for t, r in rows.items() if r.get("status") == 200 and r["gzip"]]
    print(min(ok)[1])


def unzip(body, enc):
    return gzip.decompress(body) if enc == "gzip" or body[:2] == b"\x1f\x8b" else body


def fetch_or_status(url):
    try:
        return get(url)
    except urllib.error.HTTPError as e:
        return e.code, b"", None


def same(a, suffix_a, b, lst, n):
    tiles = sorted({l.strip() for l in open(lst) if l.strip()})
    sample = random.Random(3).sample(tiles, min(int(n), len(tiles)))
    differ = []
    for t in sample:
        sa, ba, ea = fetch_or_status(a + t + suffix_a)
        sb, bb, eb = fetch_or_status(b + t)
        # riskmap answers 204 for an empty tile; an archive has no entry for it.
        if sa == 204 and sb in (204, 404):
            continue
        if (sa, unzip(ba, ea)) != (sb, unzip(bb, eb)):
            differ.append(t)
    print(f"{len(sample) - len(differ)}/{len(sample)} identical" + (f"; differ: {differ[:5]}" if differ else ""))
    sys.exit(1 if differ else 0)


def pss(*pids):
    total = 0
    for p in pids:
        try:
            for line in open(f"/proc/{p}/smaps_rollup"):
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    print(total // 1024)


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    {"layers": layers, "wrk": wrk, "fetch": fetch, "sizes": sizes, "pick": pick,
     "same": same, "pss": pss}[cmd](*args)
