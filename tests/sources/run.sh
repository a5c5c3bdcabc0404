#!/usr/bin/env bash
# riskmap-prep reading its sources from PostgreSQL/PostGIS, as bureaus keep them: a
# throwaway PostgreSQL 15 + PostGIS cluster (Debian's packages, started here as the
# unprivileged postgres user on a loopback port) is loaded with ogr2ogr from the demo
# sources; the demo's prep.toml is then pointed at it (a table for the evacuation
# grids, an SQL query for the depots) and built. Checked: the layers read from the
# database equal those built from the files, the database sources are checksummed by
# rows and content (and the hash follows a change), and the password appears nowhere;
# a wrong password fails the build with a clear error that does not print it.
#
#   tests/sources/run.sh DATASET_DIR [PORT]   (DATASET_DIR.sources holds the demo sources)
source "$(dirname "$0")/../../scripts/lib/common.sh"
source "$ROOT/scripts/lib/postgres.sh"

dataset="${1:?usage: tests/sources/run.sh DATASET_DIR [PORT]}"
port="${2:-18532}"
profile="${PROFILE:-dev}"
dir="$([ "$profile" = dev ] && echo debug || echo "$profile")"
target="${CARGO_TARGET_DIR:-$ROOT/target}"
sources="$dataset.sources"
[ -f "$sources/prep.toml" ] || die "$sources has no prep.toml (made by riskmap-prep demo --out $dataset)"

ensure_apt gdal-bin python3
cd "$ROOT"
cargo build --profile "$profile" --quiet -p riskmap-prep
prep="$target/$dir/riskmap-prep"

work="$(mktemp -d)"
chmod 755 "$work"
secret="pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cleanup() { pg_stop "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT
log "starting PostgreSQL 15 + PostGIS on 127.0.0.1:$port"
pg_start "$work/pg" "$port" "$secret"

conn="PG:host=127.0.0.1 port=$port dbname=riskmap user=riskmap password=$secret"
log "loading the demo's grids and depots into PostGIS with ogr2ogr"
ogr2ogr -f PostgreSQL "$conn" "$sources/evacuation_grids.gpkg" -nln evacuation_grids -lco GEOMETRY_NAME=geom
ogr2ogr -f PostgreSQL "$conn" "$sources/depots.geojson" -nln depot_register -lco GEOMETRY_NAME=geom

cp -r "$sources" "$work/src"
python3 - "$work/src/prep.toml" "$conn" <<'PY'
import re, sys
path, conn = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
def point(text, file, extra):
    new = f'source = "{conn}"\n{extra}'
    assert f'source = "{file}"' in text, file
    return text.replace(f'source = "{file}"', new, 1)
text = point(text, "evacuation_grids.gpkg", 'source_layer = "evacuation_grids"')
# An SQL query: the rows in register order, as a bureau's view over its table would be.
text = point(text, "depots.geojson", 'sql = "SELECT * FROM depot_register ORDER BY ogc_fid"')
open(path, "w", encoding="utf-8").write(text)
PY

build() { # OUT LOGPREFIX
  "$prep" build --config "$work/src/prep.toml" --out "$1" --report "$2.report.json" --no-progress \
    >"$2.out" 2>"$2.err"
}

log "building from PostGIS"
build "$work/pg-built" "$work/run1" || { cat "$work/run1.err" >&2; die "build from PostGIS failed"; }
build "$work/pg-built-again" "$work/run2" || { cat "$work/run2.err" >&2; die "second build failed"; }

log "changing one depot row: its source hash must change"
PGPASSWORD="$secret" psql -h 127.0.0.1 -p "$port" -U riskmap -d riskmap -qAt \
  -c "UPDATE depot_register SET name = name || ' (改)' WHERE ogc_fid = 1" >/dev/null
build "$work/pg-changed" "$work/run3" || { cat "$work/run3.err" >&2; die "build after the change failed"; }

log "a wrong password"
sed -i "s/password=$secret/password=wrong-$secret/g" "$work/src/prep.toml"
if build "$work/pg-wrong" "$work/run4"; then die "a build with a wrong password succeeded"; fi
[ ! -e "$work/pg-wrong" ] || die "a failed build left a dataset behind"

python3 "$ROOT/tests/sources/check_sources.py" --files "$dataset" --work "$work" --secret "$secret"

# ---- riskmap-prep export: PostGIS as the system of record -------------------------
sql() { PGPASSWORD="$secret" psql -h 127.0.0.1 -p "$port" -U riskmap -d riskmap -qAtX -v ON_ERROR_STOP=1 "$@"; }
log "export the demo dataset to PostGIS, personal columns in their own schema"
"$prep" export "$dataset" --to "$conn" --personal-schema riskmap_personal >"$work/export1.out" 2>"$work/export1.err" \
  || { cat "$work/export1.err" >&2; die "export failed"; }
# The operator's grants: a reader of the public schema, and of the personal one.
sql -c "CREATE ROLE map_reader; CREATE ROLE personal_reader;
        GRANT USAGE ON SCHEMA riskmap TO map_reader; GRANT SELECT ON ALL TABLES IN SCHEMA riskmap TO map_reader;
        GRANT USAGE ON SCHEMA riskmap_personal TO personal_reader;
        GRANT SELECT ON ALL TABLES IN SCHEMA riskmap_personal TO personal_reader;"
mkdir -p "$work/roundtrip"
for l in evacuation_grids shelters depots hazard_zones; do
  ogr2ogr -preserve_fid -f GeoJSON "$work/roundtrip/$l.pg.geojson" "PG:host=127.0.0.1 port=$port dbname=riskmap user=riskmap password=$secret active_schema=riskmap" "$l"
  ogr2ogr -f GeoJSON "$work/roundtrip/$l.fgb.geojson" "$dataset/layers/$l.fgb"
done
ogr2ogr -preserve_fid -f GeoJSON "$work/roundtrip/evacuation_grids.personal.geojson" \
  "PG:host=127.0.0.1 port=$port dbname=riskmap user=riskmap password=$secret active_schema=riskmap_personal" evacuation_grids
sql -F $'\t' -c "SELECT c.relname, a.attname, col_description(c.oid, a.attnum) FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid
    WHERE n.nspname IN ('riskmap', 'riskmap_personal') AND a.attnum > 0 AND c.relkind = 'r'" >"$work/comments.tsv"
sql -c "SELECT tablename || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'riskmap'" >"$work/indexes.txt"
sql -c "SELECT dataset_version FROM riskmap.riskmap_dataset" >"$work/version1.txt"

log "an export whose connection drops mid-way leaves the previous version"
"$prep" export "$work/pg-built" --to "$conn" --personal-schema riskmap_personal >"$work/export2.out" 2>"$work/export2.err" &
export_pid=$!
killed=0
for _ in $(seq 1 600); do
  n=$(sql -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE query LIKE 'INSERT INTO \"riskmap__new\"%' AND pid <> pg_backend_pid()" | grep -c t || true)
  [ "$n" -gt 0 ] && { killed=1; break; }
  kill -0 "$export_pid" 2>/dev/null || break
  sleep 0.05
done
if wait "$export_pid"; then export2=0; else export2=$?; fi
[ "$killed" = 1 ] || die "the export finished before its connection could be dropped"
[ "$export2" != 0 ] || die "an export whose connection was dropped reported success"
sql -c "SELECT dataset_version FROM riskmap.riskmap_dataset" >"$work/version2.txt"
sql -c "SELECT count(*) FROM pg_namespace WHERE nspname LIKE '%\_\_new' OR nspname LIKE '%\_\_old'" >"$work/leftovers.txt"

log "a second export replaces the first whole and keeps the grants"
"$prep" export "$work/pg-built" --to "$conn" --personal-schema riskmap_personal >"$work/export3.out" 2>"$work/export3.err" \
  || { cat "$work/export3.err" >&2; die "second export failed"; }
sql -c "SELECT dataset_version FROM riskmap.riskmap_dataset" >"$work/version3.txt"
sql -F ' ' -c "SELECT has_table_privilege('map_reader', 'riskmap.evacuation_grids', 'SELECT'),
                      has_table_privilege('personal_reader', 'riskmap_personal.evacuation_grids', 'SELECT'),
                      has_table_privilege('map_reader', 'riskmap_personal.evacuation_grids', 'SELECT'),
                      has_schema_privilege('personal_reader', 'riskmap_personal', 'USAGE')" >"$work/grants.txt"
python3 "$ROOT/tests/sources/check_export.py" --files "$dataset" --pg-built "$work/pg-built" --work "$work" --secret "$secret"
