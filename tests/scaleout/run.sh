#!/usr/bin/env bash
# Scale-out as a bureau would run it: two stateless riskmap-server replicas over one
# prepared dataset behind a real load balancer (Debian's HAProxy, health-checked,
# retrying idempotent GETs on another replica), under load from wrk. One replica is
# killed with SIGKILL mid-run and later restarted. Checked: no request fails at the
# client (every non-2xx, reset or timeout counts), both replicas served before the kill,
# the survivor carried the load while its peer was down, and the restarted replica was
# taken back. The figures are printed for bench/RESULTS.md.
#
#   tests/scaleout/run.sh DATASET_DIR [PORT] [SECONDS]   (uses PORT..PORT+3)
source "$(dirname "$0")/../../scripts/lib/common.sh"

dataset="${1:?usage: tests/scaleout/run.sh DATASET_DIR [PORT] [SECONDS]}"
port="${2:-18800}"
seconds="${3:-24}"
profile="${PROFILE:-dev}"
dir="$([ "$profile" = dev ] && echo debug || echo "$profile")"
target="${CARGO_TARGET_DIR:-$ROOT/target}"
[ -f "$dataset/manifest.json" ] || die "$dataset has no manifest.json"

ensure_apt haproxy wrk curl python3
cd "$ROOT"
cargo build --profile "$profile" --quiet -p riskmap-server
server="$target/$dir/riskmap-server"

work="$(mktemp -d)"
declare -A pid=()
cleanup() {
  for p in "${pid[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

lb=$port stats=$((port + 3))
declare -A replica_port=([a]=$((port + 1)) [b]=$((port + 2)))
start_replica() { # NAME
  "$server" --dataset "$dataset" --listen "127.0.0.1:${replica_port[$1]}" --log warn \
    >>"$work/replica-$1.log" 2>&1 &
  pid[$1]=$!
  wait_healthy "127.0.0.1:${replica_port[$1]}" 300 || { cat "$work/replica-$1.log" >&2; die "replica $1 did not start"; }
}
log "two riskmap-server replicas on :${replica_port[a]} and :${replica_port[b]}"
start_replica a
start_replica b

# Retries: a GET that met a refused or reset connection, or no response, is sent again
# on the other replica (`retry-on` + `redispatch`); health checks take a dead replica
# out within about a second and put it back when it answers again.
cat >"$work/haproxy.cfg" <<CFG
global
  maxconn 4096
defaults
  mode http
  timeout connect 500ms
  timeout client 30s
  timeout server 15s
  retries 3
  option redispatch 1
  retry-on all-retryable-errors
frontend riskmap
  bind 127.0.0.1:$lb
  default_backend replicas
backend replicas
  balance roundrobin
  option httpchk GET /health
  http-check expect status 200
  default-server inter 300ms fall 2 rise 2
  server a 127.0.0.1:${replica_port[a]} check
  server b 127.0.0.1:${replica_port[b]} check
listen stats
  bind 127.0.0.1:$stats
  stats enable
  stats uri /stats
CFG
haproxy -c -f "$work/haproxy.cfg" >/dev/null || die "haproxy rejected its configuration"
haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
pid[haproxy]=$!
for _ in $(seq 1 40); do curl -fs "http://127.0.0.1:$lb/health" >/dev/null 2>&1 && break; sleep 0.25; done

# The mix a map session sends: composite tiles over recorded views, the risk at a point
# and the nearest shelters (all idempotent GETs, so the balancer may retry them).
python3 - "$ROOT/bench/tiles-chuxiong.txt" >"$work/paths.txt" <<'PY'
import random, sys
rng = random.Random(7)
tiles = [l.strip() for l in open(sys.argv[1]) if l.strip()]
for i, t in enumerate(tiles):
    print(f"/tiles/onemap/{t}.mvt")
    if i % 3 == 0:
        lon, lat = rng.uniform(100.8, 102.4), rng.uniform(24.2, 26.4)
        print(f"/api/v1/point?lon={lon:.5f}&lat={lat:.5f}")
        print(f"/api/v1/nearest?layer=shelters&lon={lon:.5f}&lat={lat:.5f}&k=3")
PY
for p in $(head -3 "$work/paths.txt"); do
  curl -fsS -o /dev/null "http://127.0.0.1:$lb$p" || die "warm-up request $p failed through the balancer"
done

stats_csv() { curl -fsS "http://127.0.0.1:$stats/stats;csv" >"$1"; }
log "wrk through HAProxy for ${seconds}s; replica a is killed (SIGKILL) at $((seconds / 3))s and restarted at $((2 * seconds / 3))s"
stats_csv "$work/stats0.csv"
TILE_LIST="$work/paths.txt" TILE_PREFIX="" TILE_SUFFIX="" \
  wrk -t2 -c16 -d"${seconds}s" --timeout 10s --latency -s "$ROOT/bench/tiles.lua" "http://127.0.0.1:$lb" \
  >"$work/wrk.out" 2>&1 &
wrk_pid=$!
sleep $((seconds / 3))
stats_csv "$work/stats1.csv"
kill -9 "${pid[a]}"
wait "${pid[a]}" 2>/dev/null || true
stats_csv "$work/stats1k.csv"
sleep $((seconds / 3))
stats_csv "$work/stats2.csv"
start_replica a
wait "$wrk_pid" || die "wrk failed: $(cat "$work/wrk.out")"
sleep 1
stats_csv "$work/stats3.csv"
cat "$work/wrk.out"

python3 - "$work" <<'PY'
import csv, re, sys
work = sys.argv[1]
wrk = open(f"{work}/wrk.out").read()

def stats(i):
    rows = {}
    for r in csv.DictReader(open(f"{work}/stats{i}.csv").read().lstrip("# ").splitlines()):
        if r["pxname"] == "replicas":
            rows[r["svname"]] = r
    return rows

def n(r, k):
    return int(r[k] or 0)

s = [stats(i) for i in ("0", "1", "2", "3")]
killed = stats("1k")
total = int(re.search(r"(\d+) requests in", wrk).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", wrk).group(1))
non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", wrk)) else 0
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", wrk)
socket_errors = sum(map(int, sock.groups())) if sock else 0
p99 = re.search(r"^\s*99%\s+(\S+)", wrk, re.M).group(1)
served = lambda i, sv: n(s[i][sv], "hrsp_2xx")
before = {sv: served(1, sv) - served(0, sv) for sv in "ab"}
while_down_a = served(2, "a") - n(killed["a"], "hrsp_2xx")
while_down_b = served(2, "b") - n(killed["b"], "hrsp_2xx")
after_a = served(3, "a") - served(2, "a")
retries = n(s[3]["BACKEND"], "wretr") - n(s[0]["BACKEND"], "wretr")
redispatches = n(s[3]["BACKEND"], "wredis") - n(s[0]["BACKEND"], "wredis")
print(f"scale-out: {total} requests at {rps:.0f}/s through HAProxy, p99 {p99}; "
      f"failed at the client: {non2xx} non-2xx, {socket_errors} socket errors; "
      f"balancer retries {retries}, redispatches {redispatches}; 2xx served before the kill a={before['a']} b={before['b']}, "
      f"while a was down a={while_down_a} b={while_down_b}, after a's restart a={after_a}")
problems = []
if non2xx or socket_errors:
    problems.append(f"{non2xx} non-2xx responses and {socket_errors} socket errors reached the client")
if min(before.values()) == 0:
    problems.append(f"both replicas should serve before the kill, got {before}")
if while_down_a != 0:
    problems.append(f"replica a served {while_down_a} requests while killed: the kill did not happen")
if while_down_b == 0:
    problems.append("the surviving replica served nothing while its peer was down")
if after_a == 0:
    problems.append("the restarted replica was not taken back into the pool")
if total < 1000:
    problems.append(f"only {total} requests were made: the load was not real")
if problems:
    sys.exit("scale-out test failed: " + "; ".join(problems))
PY
log "scale-out: no request lost across a replica's kill and restart"
