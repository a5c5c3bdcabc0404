"""Checks of the export half of tests/sources/run.sh: the tables ogr2ogr reads back
from PostGIS hold the dataset's features and values, personal columns sit in their own
schema, comments, indexes and the metadata table are there, a dropped connection left
the previous version, and the operator's grants survived a re-export."""
import argparse
import json
import os
import sys


def load(path):
    return json.load(open(path, encoding="utf-8"))


def read(path):
    return open(path, encoding="utf-8").read().strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", required=True)
    ap.add_argument("--pg-built", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--secret", required=True)
    a = ap.parse_args()
    w = a.work
    failures = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what, flush=True)
        if not ok:
            failures.append(what)

    manifest = load(os.path.join(a.files, "manifest.json"))
    schemas = {l["schema"]["id"]: l["schema"] for l in manifest["layers"]}
    rt = os.path.join(w, "roundtrip")
    personal_rows = {}
    p = os.path.join(rt, "evacuation_grids.personal.geojson")
    for f in load(p)["features"]:
        personal_rows[f["id"]] = f["properties"]

    def close(c1, c2):
        if isinstance(c1, (int, float)):
            return abs(c1 - c2) < 1e-9
        return len(c1) == len(c2) and all(close(x, y) for x, y in zip(c1, c2))

    for lid in ("evacuation_grids", "shelters", "depots", "hazard_zones"):
        schema = schemas[lid]
        personal = {f["name"] for f in schema["fields"] if f["sensitivity"] == "personal"}
        pg = sorted(load(os.path.join(rt, f"{lid}.pg.geojson"))["features"], key=lambda f: f["id"])
        fgb = load(os.path.join(rt, f"{lid}.fgb.geojson"))["features"]
        check(len(pg) == len(fgb), f"{lid}: {len(pg)} rows read back, {len(fgb)} features in the dataset")
        bad_values, bad_geom, leaked = [], [], set()
        for i, (g, f) in enumerate(zip(pg, fgb)):
            props = dict(g["properties"])
            check_fid = g["id"]
            if check_fid != i:
                bad_values.append((i, "fid", check_fid))
            leaked |= personal & set(props)
            if lid == "evacuation_grids":
                props.update(personal_rows.get(i, {}))
            for field in schema["fields"]:
                name = field["name"]
                if name in personal and lid != "evacuation_grids":
                    continue  # checked for the grids; the rule is the same for all
                want, got = f["properties"].get(name), props.get(name)
                if field["type"] == "float" and want is not None and got is not None:
                    same = abs(float(want) - float(got)) < 1e-9
                elif field["type"] == "bool" and want is not None:
                    same = bool(want) == bool(got)
                else:
                    same = want == got
                if not same:
                    bad_values.append((i, name, want, got))
            if g["geometry"]["type"] != f["geometry"]["type"] or not close(
                    g["geometry"]["coordinates"], f["geometry"]["coordinates"]):
                bad_geom.append(i)
        check(not bad_values, f"{lid}: every value read back equals the dataset's: {bad_values[:3]}")
        check(not bad_geom, f"{lid}: every geometry read back equals the dataset's: {bad_geom[:3]}")
        check(not leaked, f"{lid}: no personal column in the public schema: {sorted(leaked)}")
    check(len(personal_rows) == len(load(os.path.join(rt, "evacuation_grids.fgb.geojson"))["features"]),
          f"the grids' personal columns are in riskmap_personal: {len(personal_rows)} rows")

    comments = {}
    for line in read(os.path.join(w, "comments.tsv")).splitlines():
        table, col, text = (line.split("\t") + ["", ""])[:3]
        comments[(table, col)] = text
    grid_fields = {f["name"]: f for f in schemas["evacuation_grids"]["fields"]}
    missing = [n for n, f in grid_fields.items()
               if f"[sensitivity: {f['sensitivity']}]" not in comments.get(("evacuation_grids", n), "")
               or f["zh"] not in comments.get(("evacuation_grids", n), "")]
    check(not missing, f"every grid column carries its Chinese label and sensitivity as a comment: {missing}")
    indexes = read(os.path.join(w, "indexes.txt"))
    no_gist = [l for l in schemas if not any(line.startswith(l + " ") and "gist" in line.lower()
                                             for line in indexes.splitlines())]
    check(not no_gist, f"every layer table has a GiST index: missing {no_gist}")
    check(read(os.path.join(w, "version1.txt")) == manifest["dataset_version"],
          "riskmap_dataset holds the exported version")

    built = load(os.path.join(a.pg_built, "manifest.json"))["dataset_version"]
    err2 = read(os.path.join(w, "export2.err"))
    check(read(os.path.join(w, "version2.txt")) == manifest["dataset_version"],
          "after the dropped connection the previous version is still there")
    check("previous version is untouched" in err2 and "terminat" in err2.lower(),
          f"the failed export says why and that nothing changed: {err2[-300:]}")
    check(read(os.path.join(w, "leftovers.txt")) == "0", "no half-written schema is left behind")
    check(read(os.path.join(w, "version3.txt")) == built != manifest["dataset_version"],
          "the next export replaced the version whole")
    check(read(os.path.join(w, "grants.txt")) == "t t f t",
          f"the readers' grants survived it, and stayed apart: {read(os.path.join(w, 'grants.txt'))}")

    leaks = [n for n in os.listdir(w) if n.startswith("export")
             and a.secret in open(os.path.join(w, n), encoding="utf-8").read()]
    check(not leaks, f"no export output prints the password: {leaks}")

    if failures:
        print(f"{len(failures)} export checks failed", file=sys.stderr)
        sys.exit(1)
    print("all export checks passed")


if __name__ == "__main__":
    main()
