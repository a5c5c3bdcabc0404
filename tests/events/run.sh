#!/usr/bin/env bash
# The events store on PostgreSQL: a throwaway PostgreSQL 15 cluster (Debian's
# packages, started here as the unprivileged postgres user on a loopback port with
# password authentication) and the riskmap-events tests run against it as well as on
# SQLite (RISKMAP_TEST_PG_URL makes every store test run on both; each test gets a
# database of its own). Then the server's events API tests (SQLite).
#
#   tests/events/run.sh DATASET_DIR [PORT]   (the dataset is not read: events need none)
source "$(dirname "$0")/../../scripts/lib/common.sh"
source "$ROOT/scripts/lib/postgres.sh"

port="${2:-18942}"
profile="${PROFILE:-dev}"
cd "$ROOT"

work="$(mktemp -d)"
chmod 755 "$work"
secret="pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cleanup() { pg_stop "$work/pg"; rm -rf "$work"; }
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
log "events: ok ($made test databases on PostgreSQL)"
