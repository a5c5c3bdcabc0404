"""Durability while writes stream: clients stream 叫应 and feedback writes (single-grid
PATCHes of called/answered times, persons_moved counts and notes, batch PATCHes)
and new revisions of a second warning; the server is killed (SIGKILL) in the middle.
Every write that got a 2xx is recorded with its values. After a restart:
  - every acknowledged value is there, or the value of the one write that was in
    flight for that grid when the server died (each client owns its grids and
    writes them one request at a time, so nothing else may be there);
  - an in-flight batch is all there or not at all;
  - revisions of each event are contiguous 1..n, n the last acknowledged (or one
    more, if one was in flight), each acknowledged one with the level it was sent
    with, and the current revision's analysis is done again;
  - the progress totals are the sums of the grids' states.

    python3 durability.py BASE KEY SECONDS -- SERVER_COMMAND...
"""
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

base, key, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
server_cmd = sys.argv[sys.argv.index("--") + 1:]
WRITERS = 8
GRIDS_EACH = 4


def fail(msg):
    print(f"durability: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def call(method, path, body=None, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, json.load(r)


def start():
    log = open(os.environ.get("SERVER_LOG", "/dev/null"), "a")
    p = subprocess.Popen(server_cmd, stdout=log, stderr=log)
    for _ in range(600):
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as r:
                if r.status == 200:
                    return p
        except (urllib.error.URLError, OSError):
            pass
        if p.poll() is not None:
            fail("the server exited at start")
        time.sleep(0.1)
    fail("the server did not become healthy")


def analysed(eid, revision, wait=60):
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        _, ev = call("GET", f"/api/v1/events/{eid}")
        a = ev["properties"]["analysis"]
        if a["status"] == "done" and a["revision"] == revision:
            return ev
        time.sleep(0.1)
    fail(f"event {eid} revision {revision} was not analysed: {a}")


AREA = {"polygons": [[[101.2, 24.8], [101.9, 24.8], [101.9, 25.3], [101.2, 25.3], [101.2, 24.8]]]}
server = start()
_, out = call("POST", "/api/v1/events", {"type": "warning", "hazard_type": "flood", "level": 3, "area": AREA})
grids_event = out["event"]["id"]
_, out = call("POST", "/api/v1/events", {"type": "warning", "hazard_type": "flood", "level": 1, "area": AREA})
rev_event = out["event"]["id"]
analysed(grids_event, 1)
_, prog = call("GET", f"/api/v1/events/{grids_event}/progress")
codes = [g["grid_code"] for g in prog["grids"]]
len(codes) >= WRITERS * GRIDS_EACH or fail(f"the warning moves persons from only {len(codes)} grids")

stop = threading.Event()
killed = threading.Event()
# Per client: last acknowledged value per (grid, member), and the write in flight.
acked = [dict() for _ in range(WRITERS)]
inflight = [None] * WRITERS
counts = {"acked": 0, "failed": 0}
count_lock = threading.Lock()
t0 = 1_780_000_000  # called/answered times: unique per write, so each is checkable


def stamp(n):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0 + n))


def grid_writer(w):
    mine = codes[w * GRIDS_EACH:(w + 1) * GRIDS_EACH]
    rng = random.Random(w)
    n = 0
    while not stop.is_set():
        n += 1
        # Unique per write (a batch takes uniq..uniq+2); persons_moved is at most 10,000,000.
        uniq = w * 1_000_000 + 4 * n
        kind = rng.choice(["called", "answered", "persons_moved", "note", "batch"])
        if kind == "batch":
            sel = rng.sample(mine, 3)
            body = [{"grid_code": g, "persons_moved": uniq + i, "note": f"b{uniq}-{i}"} for i, g in enumerate(sel)]
            values = {}
            for i, g in enumerate(sel):
                values[(g, "persons_moved")] = uniq + i
                values[(g, "note")] = f"b{uniq}-{i}"
            path = f"/api/v1/events/{grids_event}/grids"
        else:
            g = rng.choice(mine)
            v = {"called": stamp(uniq), "answered": stamp(uniq), "persons_moved": uniq, "note": f"n{uniq}"}[kind]
            body = {kind: v}
            values = {(g, kind): v}
            path = f"/api/v1/events/{grids_event}/grids/{g}"
        inflight[w] = values
        try:
            status, _ = call("PATCH", path, body, timeout=5)
        except urllib.error.HTTPError as e:
            status = e.code
            if not stop.is_set():
                fail_early.append(f"{e.code} {e.read()[:200]!r}")
        except (urllib.error.URLError, OSError, ValueError):
            status = None
        if status is not None and 200 <= status < 300:
            acked[w].update(values)
            inflight[w] = None
            with count_lock:
                counts["acked"] += 1
        else:
            # Not acknowledged: it may or may not be there; this client stops here,
            # so it stays the one write in flight for its grids.
            with count_lock:
                counts["failed"] += 1
                if not stop.is_set() and not killed.is_set():
                    fail_early.append(f"writer {w} stopped before the kill: {status}")
            return


rev_acked = {}  # revision -> level
fail_early = []  # refusals while the server was up: the test itself is wrong
rev_inflight = [None]


def revision_writer():
    n = 0
    while not stop.is_set():
        n += 1
        level = 1 + n % 4
        rev_inflight[0] = level
        try:
            status, out = call("POST", "/api/v1/events", {"type": "warning", "event_id": rev_event, "hazard_type": "flood",
                                                          "level": level, "area": AREA}, timeout=5)
        except (urllib.error.URLError, OSError, ValueError):
            return
        if 200 <= status < 300:
            rev_acked[out["event"]["properties"]["revision"]] = level
            rev_inflight[0] = None
        else:
            return
        time.sleep(0.05)  # each revision is analysed twice: leave the CPU to the grid writes


threads = [threading.Thread(target=grid_writer, args=(w,)) for w in range(WRITERS)]
threads.append(threading.Thread(target=revision_writer))
for t in threads:
    t.start()
time.sleep(seconds)
killed.set()
server.send_signal(signal.SIGKILL)
server.wait()
stop.set()
for t in threads:
    t.join()
print(f"durability: killed the server after {seconds:.0f} s: {counts['acked']} grid writes and "
      f"{len(rev_acked)} revisions acknowledged")
fail_early and fail(f"writes were refused while the server was up: {fail_early[:3]}")
counts["acked"] >= 50 or fail("too few writes were acknowledged to test anything")

server = start()
try:
    _, prog = call("GET", f"/api/v1/events/{grids_event}/progress")
    by_code = {g["grid_code"]: g for g in prog["grids"]}
    member_of = {"called": "called_at", "answered": "answered_at", "persons_moved": "persons_moved", "note": "note"}

    def now_value(g, m):
        return by_code[g].get(member_of[m])

    if any("note" in k for a in acked for k in a) and "note" not in next(iter(by_code.values())):
        fail("the progress does not show notes to this key")
    checked = 0
    for w in range(WRITERS):
        fl = inflight[w] or {}
        committed = None  # whether the write in flight is there
        if os.environ.get("DURABILITY_DEBUG"):
            print(w, "inflight", fl, "acked", {k: (v, now_value(*k)) for k, v in acked[w].items()})
        for k in set(acked[w]) | set(fl):
            g, m = k
            have = now_value(g, m)
            if k in fl and have == fl[k]:
                state = True
            elif have == acked[w].get(k):
                state = False
            else:
                fail(f"grid {g} {m} is {have!r}; acknowledged {acked[w].get(k)!r}, in flight {fl.get(k)!r}")
            if k in fl and fl[k] != acked[w].get(k):
                if committed is not None and committed != state:
                    fail(f"the write in flight on {sorted(fl)} is half there")
                committed = state
            checked += 1
    t = prog["totals"]
    grids = prog["grids"]
    sums = {"called": sum(1 for g in grids if g["called_at"]), "answered": sum(1 for g in grids if g["answered_at"]),
            "persons_moved": sum(g["persons_moved"] or 0 for g in grids)}
    for k, v in sums.items():
        t[k] == v or fail(f"progress total {k} is {t[k]}, the grids sum to {v}")

    _, hist = call("GET", f"/api/v1/events/{rev_event}/history")
    revs = [r["revision"] for r in hist["revisions"]]
    last = max(rev_acked, default=1)
    revs == list(range(1, len(revs) + 1)) or fail(f"revisions are not contiguous: {revs}")
    len(revs) in (last, last + (rev_inflight[0] is not None)) or fail(
        f"{len(revs)} revisions stored, {last} acknowledged")
    for r in hist["revisions"]:
        if r["revision"] in rev_acked and r["state"]["details"]["level"] != rev_acked[r["revision"]]:
            fail(f"revision {r['revision']} has level {r['state']['details']['level']}, sent {rev_acked[r['revision']]}")
    for eid, n in ((grids_event, 1), (rev_event, len(revs))):
        analysed(eid, n)
    print(f"durability: after the restart all {checked} acknowledged grid values are there (or the one in flight), "
          f"revisions 1..{len(revs)} contiguous and analysed, progress totals consistent")
finally:
    server.send_signal(signal.SIGKILL)
    server.wait()
