#!/usr/bin/env bash
# The events store on PostgreSQL: a throwaway PostgreSQL 15 cluster (Debian's
# packages, started here as the unprivileged postgres user on a loopback port with
# password authentication) and the riskmap-events tests run against it as well as on
# SQLite (RISKMAP_TEST_PG_URL makes every store test run on both; each test gets a
# database of its own). Then riskmap-server itself on DATASET_DIR with its events in
# that PostgreSQL: a CAP alert with a geocode from the dataset's admin layer is
# posted, resent, read back, and still there after the server is killed (SIGKILL) and
# started again; the warning's analysis is stored in PostgreSQL with the dataset
# version, a grid is called (叫应) and the progress survives the restart. Last,
# durability while writes stream, on SQLite and on PostgreSQL (durability.py).
#
#   tests/events/run.sh DATASET_DIR [PG_PORT] [HTTP_PORT]
source "$(dirname "$0")/../../scripts/lib/common.sh"
source "$ROOT/scripts/lib/postgres.sh"

dataset="${1:?usage: tests/events/run.sh DATASET_DIR [PG_PORT] [HTTP_PORT]}"
port="${2:-18942}"
http_port="${3:-18901}"
[ -f "$dataset/manifest.json" ] || die "$dataset is not a prepared dataset (riskmap-prep demo --out $dataset)"
profile="${PROFILE:-dev}"
cd "$ROOT"

work="$(mktemp -d)"
chmod 755 "$work"
secret="pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
server_pid=""
stop_server() { [ -z "$server_pid" ] || { kill -9 "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""; }; }
cleanup() { stop_server; pg_stop "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT
log "starting PostgreSQL 15 on 127.0.0.1:$port"
pg_start "$work/pg" "$port" "$secret"

log "riskmap-events tests on SQLite and PostgreSQL"
RISKMAP_TEST_PG_URL="postgres://riskmap:$secret@127.0.0.1:$port/riskmap" \
  cargo test --profile "$profile" --quiet -p riskmap-events

# The suite must have reached PostgreSQL: every test made its own database there.
made="$(PGPASSWORD="$secret" psql -h 127.0.0.1 -p "$port" -U riskmap -d riskmap -qAt \
  -c "SELECT count(*) FROM pg_database WHERE datname LIKE 'events_test_%'")"
[ "$made" -ge 5 ] || die "the tests made $made PostgreSQL databases; they did not run on PostgreSQL"
log "riskmap-events: ok ($made test databases on PostgreSQL)"

dir="$([ "$profile" = dev ] && echo debug || echo "$profile")"
cargo build --profile "$profile" --quiet -p riskmap-server
server="${CARGO_TARGET_DIR:-$ROOT/target}/$dir/riskmap-server"
key="rmk_events_suite_$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
admin_key="rmk_events_admin_$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cat >"$work/riskmap.toml" <<TOML
[[keys]]
name = "warning-release"
role = "system"
sha256 = "$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)"

[[keys]]
name = "duty-admin"
role = "admin"
sha256 = "$(printf '%s' "$admin_key" | sha256sum | cut -d' ' -f1)"
TOML
db="postgres://riskmap:$secret@127.0.0.1:$port/riskmap"
base="http://127.0.0.1:$http_port"
start_server() {
  "$server" --config "$work/riskmap.toml" --dataset "$dataset" --listen "127.0.0.1:$http_port" \
    --events-database "$db" >>"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do
    curl -fs "$base/health" >/dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; die "riskmap-server exited"; }
    sleep 0.1
  done
  cat "$work/server.log" >&2; die "riskmap-server did not become healthy"
}
log "riskmap-server on $dataset, events in PostgreSQL"
start_server
grep -q "$secret" "$work/server.log" && die "the server logged the database password"
code="$(curl -fs "$base/collections/admin/items?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["features"][0]["properties"]["code"])')"
cat >"$work/alert.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>SUITE-001</identifier><sender>53230000000000@12379.cn</sender>
  <sent>2026-07-12T08:30:00+08:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
  <info><language>zh-CN</language><category>Met</category><event>暴雨</event><urgency>Expected</urgency>
    <severity>Extreme</severity><certainty>Likely</certainty><headline>暴雨红色预警</headline>
    <area><areaDesc>$code</areaDesc><geocode><valueName>GB/T 2260</valueName><value>$code</value></geocode></area>
  </info>
</alert>
XML
post() { curl -s -o "$work/out.json" -w '%{http_code}' -X POST "$base/api/v1/events" \
  -H "Authorization: Bearer $key" -H 'Content-Type: application/cap+xml' --data-binary @"$work/alert.xml"; }
[ "$(post)" = 201 ] || { cat "$work/out.json" >&2; die "CAP alert not created"; }
id="$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["event"]; assert e["properties"]["level"]==4 and e["geometry"], e; print(e["id"])' "$work/out.json")"
[ "$(post)" = 200 ] || die "a resend was not recognised"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/api/v1/events" -H 'Content-Type: application/cap+xml' --data-binary @"$work/alert.xml")" = 401 ] \
  || die "a post without a key was not refused"
# The analysis of revision 1 is stored with the dataset version it ran on; then 叫应
# for a grid the warning moves persons from, read back as progress figures.
version="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["dataset_version"])' "$dataset/manifest.json")"
# A JSON flood warning over part of the demo area: it moves persons.
wid="$(curl -fs -X POST "$base/api/v1/events" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"type":"warning","hazard_type":"flood","level":3,"area":{"polygons":[[[101.2,24.8],[101.9,24.8],[101.9,25.3],[101.2,25.3],[101.2,24.8]]]}}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["event"]["id"])')" || die "the JSON warning was not created"
analysed() {
  for _ in $(seq 1 300); do
    curl -fs "$base/api/v1/events/$1" >"$work/event.json"
    python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["properties"]["analysis"]; sys.exit(a["status"]=="pending")' "$work/event.json" && break
    sleep 0.1
  done
  python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["properties"]["analysis"]
assert a["status"] == "done" and a["revision"] == 1 and a["dataset_version"] == sys.argv[2], a
' "$work/event.json" "$version" || die "event $1 was not analysed on dataset $version"
  local n
  n="$(PGPASSWORD="$secret" psql -h 127.0.0.1 -p "$port" -U riskmap -d riskmap -qAt \
    -c "SELECT count(*) FROM event_analyses WHERE event_id = '$1' AND revision = 1 AND status = 'done' AND dataset_version = '$version'")"
  [ "$n" = 2 ] || die "expected a public and a personal analysis of $1 in PostgreSQL, found $n"
}
analysed "$id"
analysed "$wid"
curl -fs "$base/api/v1/events/$wid/progress" >"$work/progress.json" || die "no progress for the warning"
grid="$(python3 -c 'import json,sys; g=json.load(open(sys.argv[1]))["grids"]; print(g[0]["grid_code"] if g else "")' "$work/progress.json")"
[ -n "$grid" ] || die "the flood warning moves nobody"
status="$(curl -s -o "$work/out.json" -w '%{http_code}' -X PATCH "$base/api/v1/events/$wid/grids/$grid" \
  -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d '{"called": true, "persons_moved": 1}')"
[ "$status" = 200 ] || { cat "$work/out.json" >&2; die "PATCH of grid $grid answered $status"; }
status="$(curl -s -o /dev/null -w '%{http_code}' -X PATCH "$base/api/v1/events/$wid/grids/NO-SUCH-GRID" \
  -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d '{"called": true}')"
[ "$status" = 422 ] || die "a grid outside the analysis answered $status, not 422"
log "killing the server (SIGKILL) and starting it again"
stop_server
start_server
curl -fs "$base/api/v1/events?status=active" | python3 -c '
import json, sys
fc = json.load(sys.stdin)
ids = [f["id"] for f in fc["features"]]
assert sorted(ids) == sorted(sys.argv[1:]), ids
' "$id" "$wid" || die "the event did not survive the restart"
curl -fs "$base/api/v1/events/$wid/progress" | python3 -c '
import json, sys
t = json.load(sys.stdin)["totals"]
assert t["called"] == 1 and t["silent"] == 1 and t["persons_moved"] == 1, t
assert t["oldest_unanswered_call_age_s"] is not None, t
' || die "the grid state did not survive the restart"
revs="$(PGPASSWORD="$secret" psql -h 127.0.0.1 -p "$port" -U riskmap -d riskmap -qAt -c "SELECT count(*) FROM event_revisions")"
[ "$revs" = 2 ] || die "expected 2 revisions in PostgreSQL, found $revs"
stop_server

# Durability while writes stream, on both stores: SIGKILL in the middle of
# concurrent 叫应/feedback writes and revisions; every acknowledged write must be
# there after the restart, and no revision half-written (tests/events/durability.py).
durability() { # NAME DATABASE_URL
  mkdir -p "$work/state-$1"
  log "durability while writes stream ($1): kill -9 mid-stream, restart, check every acknowledged write"
  SERVER_LOG="$work/durability-$1.log" python3 "$ROOT/tests/events/durability.py" "$base" "$admin_key" 4 -- \
    "$server" --config "$work/riskmap.toml" --dataset "$dataset" --listen "127.0.0.1:$http_port" \
    --state-dir "$work/state-$1" --events-database "$2" \
    || { tail -n 20 "$work/durability-$1.log" >&2; die "durability on $1 failed"; }
}
durability sqlite "sqlite://$work/state-sqlite/events.db"
durability postgres "$db"
log "events: ok"
