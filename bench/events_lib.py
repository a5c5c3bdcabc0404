"""Helpers of bench/events.sh (stdlib only): CAP ingest to stored analysis, and SSE
fan-out latency to many stream clients.

    python3 events_lib.py ingest BASE KEY COUNTY_CODE RUNS
    python3 events_lib.py setup BASE KEY GRIDS_FILE          # prints the event id
    python3 events_lib.py fanout BASE KEY EVENT GRIDS_FILE CLIENTS WRITES
"""
import asyncio
import json
import statistics
import sys
import time
import urllib.request


def call(base, key, method, path, body=None, ctype="application/json"):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        req.add_header("Content-Type", ctype)
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.load(r)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


CAP = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>BENCH-{n}-{t}</identifier><sender>53230000000000@12379.cn</sender>
  <sent>2026-12-03T08:30:{s:02d}+08:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
  <info><language>zh-CN</language><category>Met</category><event>暴雨</event><urgency>Expected</urgency>
    <severity>Extreme</severity><certainty>Likely</certainty><headline>暴雨红色预警</headline>
    <area><areaDesc>{code}</areaDesc><geocode><valueName>GB/T 2260</valueName><value>{code}</value></geocode></area>
  </info>
</alert>"""


def ingest(base, key, code, runs):
    times = []
    for n in range(runs):
        xml = CAP.format(n=n, t=time.time_ns(), s=n % 60, code=code).encode()
        t0 = time.perf_counter()
        ev = call(base, key, "POST", "/api/v1/events", xml, "application/cap+xml")["event"]
        while True:
            a = call(base, key, "GET", f"/api/v1/events/{ev['id']}")["properties"]["analysis"]
            if a["status"] != "pending":
                break
            time.sleep(0.005)
        if a["status"] != "done":
            sys.exit(f"analysis {a['status']}")
        times.append((time.perf_counter() - t0) * 1000)
    print(f"RESULT ingest_runs={runs} p50_ms={statistics.median(times):.0f} max_ms={max(times):.0f} "
          f"min_ms={min(times):.0f}")


AREA = {"polygons": [[[101.2, 24.8], [101.9, 24.8], [101.9, 25.3], [101.2, 25.3], [101.2, 24.8]]]}


def setup(base, key, grids_file):
    ev = call(base, key, "POST", "/api/v1/events", {"type": "warning", "hazard_type": "flood", "level": 3, "area": AREA})
    eid = ev["event"]["id"]
    for _ in range(6000):
        a = call(base, key, "GET", f"/api/v1/events/{eid}")["properties"]["analysis"]
        if a["status"] != "pending":
            break
        time.sleep(0.01)
    codes = [g["grid_code"] for g in call(base, key, "GET", f"/api/v1/events/{eid}/progress")["grids"]]
    with open(grids_file, "w") as f:
        f.write("\n".join(codes) + "\n")
    print(eid)


async def fanout(base, key, eid, grids_file, clients, writes):
    host, port = base.split("//")[1].split(":")
    codes = open(grids_file).read().split()
    got = [dict() for _ in range(writes)]  # write index -> {client: arrival}
    ready = 0

    async def client(c):
        nonlocal ready
        r, w = await asyncio.open_connection(host, int(port))
        w.write(f"GET /api/v1/events/stream HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
        await w.drain()
        ready += 1
        while True:
            line = await r.readline()
            if not line:
                return
            if line.startswith(b"data:"):
                m = json.loads(line[5:])
                if m.get("type") == "grids" and m.get("event_id") == eid:
                    pm = m["progress"].get("persons_moved")
                    i = seq_of.get(pm)
                    if i is not None:
                        got[i][c] = time.perf_counter()

    seq_of = {}
    tasks = [asyncio.create_task(client(c)) for c in range(clients)]
    while ready < clients:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    loop = asyncio.get_running_loop()
    lat_all, lat_last = [], []
    # One grid takes every write; its persons_moved (and so the event's total) is
    # unique per write, which names the write in each client's message.
    grid = codes[0]
    base_total = call(base, key, "GET", f"/api/v1/events/{eid}/progress")["totals"]["persons_moved"]
    cur = next((g["persons_moved"] or 0) for g in call(base, key, "GET", f"/api/v1/events/{eid}/progress")["grids"]
               if g["grid_code"] == grid)
    for i in range(writes):
        value = 5000 + i
        seq_of[base_total - cur + value] = i
        await loop.run_in_executor(None, call, base, key, "PATCH", f"/api/v1/events/{eid}/grids/{grid}",
                                   {"persons_moved": value})
        acked = time.perf_counter()
        deadline = acked + 5
        while len(got[i]) < clients and time.perf_counter() < deadline:
            await asyncio.sleep(0.002)
        if len(got[i]) < clients:
            sys.exit(f"write {i}: only {len(got[i])} of {clients} clients got it within 5 s")
        ls = [(t - acked) * 1000 for t in got[i].values()]
        lat_all += ls
        lat_last.append(max(ls))
        await asyncio.sleep(0.05)
    for t in tasks:
        t.cancel()
    print(f"RESULT fanout_clients={clients} writes={writes} all_delivered_p50_ms={pct(lat_last, 50):.1f} "
          f"all_delivered_p99_ms={pct(lat_last, 99):.1f} all_delivered_max_ms={max(lat_last):.1f} "
          f"per_client_p99_ms={pct(lat_all, 99):.1f}")


if __name__ == "__main__":
    cmd, base, key = sys.argv[1:4]
    if cmd == "ingest":
        ingest(base, key, sys.argv[4], int(sys.argv[5]))
    elif cmd == "setup":
        setup(base, key, sys.argv[4])
    elif cmd == "fanout":
        asyncio.run(fanout(base, key, sys.argv[4], sys.argv[5], int(sys.argv[6]), int(sys.argv[7])))
