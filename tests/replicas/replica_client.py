"""Two replicas, one PostgreSQL: subscribe to B's SSE stream, write through A (a
warning posted with a system key, then one grid's 叫应), and require each write on
B's stream within 1 s of A's acknowledgement; then B's reads show A's writes.

    python3 replica_client.py BASE_A BASE_B KEY
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse
import urllib.request

LIMIT_S = 1.0
base_a, base_b, key = sys.argv[1:4]
seen = []  # (arrival time, message)
cond = threading.Condition()


def fail(msg):
    print(f"replicas: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def follow(base):
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    conn.request("GET", "/api/v1/events/stream", headers={"Accept": "text/event-stream"})
    r = conn.getresponse()
    if r.status != 200:
        fail(f"B's stream answered {r.status}")
    with cond:
        seen.append((time.monotonic(), {"type": "_open"}))
        cond.notify_all()
    while True:
        line = r.fp.readline()
        if not line:
            return
        line = line.decode().rstrip("\n")
        if line.startswith("data:"):
            msg = json.loads(line[5:].strip())
            with cond:
                seen.append((time.monotonic(), msg))
                cond.notify_all()


def call(method, base, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, json.load(r)


def wait_for(pred, sent, acked, what):
    """The first message after the write was `sent` matching pred; its latency from
    A's acknowledgement (`acked`). B may hear of a write before A's answer reaches
    this client (the commit comes first, then both), so that latency can be < 0."""
    deadline = acked + 5.0
    with cond:
        while True:
            for t, m in seen:
                if t >= sent and pred(m):
                    lat = t - acked
                    print(f"replicas: {what} on B's stream {lat * 1000:.1f} ms after A acknowledged it")
                    if lat > LIMIT_S:
                        fail(f"{what} took {lat:.3f} s to reach B (limit {LIMIT_S} s)")
                    return m
            left = deadline - time.monotonic()
            if left <= 0:
                fail(f"{what} never reached B's stream; B saw {[m for _, m in seen]}")
            cond.wait(left)


threading.Thread(target=follow, args=(base_b,), daemon=True).start()
with cond:
    cond.wait_for(lambda: seen, 10) or fail("B's stream did not open")

warning = {"type": "warning", "hazard_type": "flood", "level": 3,
           "area": {"polygons": [[[101.2, 24.8], [101.9, 24.8], [101.9, 25.3], [101.2, 25.3], [101.2, 24.8]]]}}
sent = time.monotonic()
status, out = call("POST", base_a, "/api/v1/events", warning)
acked = time.monotonic()
status == 201 or fail(f"POST through A answered {status}")
eid = out["event"]["id"]
wait_for(lambda m: m.get("type") == "revision" and m.get("event_id") == eid and m.get("revision") == 1,
         sent, acked, f"revision 1 of {eid}")
# The analysis runs on A after the commit; B hears that it is stored.
deadline = time.monotonic() + 30
while True:
    _, ev = call("GET", base_b, f"/api/v1/events/{eid}")
    if ev["properties"]["analysis"]["status"] != "pending" or time.monotonic() > deadline:
        break
    time.sleep(0.1)
a = ev["properties"]["analysis"]
a["status"] == "done" and a["revision"] == 1 or fail(f"B does not show A's analysis: {a}")
# B may read the stored analysis a moment before A's notification of it arrives.
with cond:
    cond.wait_for(lambda: any(m.get("type") == "analysis" and m.get("event_id") == eid for _, m in seen),
                  LIMIT_S) or fail(f"B's stream did not say the analysis was stored within {LIMIT_S} s of B reading it")
print(f"replicas: B reads event {eid} revision 1 with its analysis done (dataset {a['dataset_version']})")

_, prog = call("GET", base_b, f"/api/v1/events/{eid}/progress")
prog["grids"] or fail("the warning moves nobody")
grid = prog["grids"][0]["grid_code"]
sent = time.monotonic()
status, _ = call("PATCH", base_a, f"/api/v1/events/{eid}/grids/{grid}", {"called": True, "persons_moved": 3})
acked = time.monotonic()
status == 200 or fail(f"PATCH through A answered {status}")
m = wait_for(lambda m: m.get("type") == "grids" and m.get("event_id") == eid and grid in m.get("grid_codes", []),
             sent, acked, f"叫应 of grid {grid}")
m["progress"]["called"] == 1 or fail(f"the grids message says {m['progress']}")
_, prog = call("GET", base_b, f"/api/v1/events/{eid}/progress")
t = prog["totals"]
t["called"] == 1 and t["persons_moved"] == 3 or fail(f"B's progress does not show A's write: {t}")
# Nothing came twice (no echo between replicas) and B's own messages are not replayed.
with cond:
    revs = [m for _, m in seen if m.get("type") == "revision" and m.get("event_id") == eid]
    len(revs) == 1 or fail(f"B's stream carried revision 1 {len(revs)} times")
    any("origin" in m or "seq" in m for _, m in seen) and fail("transport members leaked onto the stream")
print("replicas: B's progress shows A's 叫应 (called 1, persons moved 3)")
