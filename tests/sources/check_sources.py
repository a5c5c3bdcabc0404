"""Checks of tests/sources/run.sh: datasets built from PostGIS against the one built
from the demo's files, the database checksums, and where the password may not be."""
import argparse
import json
import os
import sys


def load(path):
    return json.load(open(path, encoding="utf-8"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", required=True, help="the dataset built from the files")
    ap.add_argument("--work", required=True)
    ap.add_argument("--secret", required=True)
    a = ap.parse_args()
    w = a.work
    failures = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what, flush=True)
        if not ok:
            failures.append(what)

    files = {l["schema"]["id"]: l for l in load(os.path.join(a.files, "manifest.json"))["layers"]}
    built = load(os.path.join(w, "pg-built", "manifest.json"))
    again = load(os.path.join(w, "pg-built-again", "manifest.json"))
    changed = load(os.path.join(w, "pg-changed", "manifest.json"))
    layers = {l["schema"]["id"]: l for l in built["layers"]}

    for lid in ("evacuation_grids", "depots"):
        f, p = files[lid], layers[lid]
        check(p["feature_count"] == f["feature_count"],
              f"{lid}: {p['feature_count']} features from PostGIS, {f['feature_count']} from the files")
        # The prepared layer file is written from the features alone: equal bytes mean
        # every geometry and value came through the database unchanged.
        check(p["sha256"] == f["sha256"], f"{lid}: the layer built from PostGIS equals the one built from files")
        check(all(s.startswith("PG:") and "password=***" in s for s in p["sources"]),
              f"{lid}: its sources are the redacted connection: {p['sources']}")

    def db_sources(m):
        return {s["path"]: s for s in m["sources"] if s["path"].startswith("PG:")}

    srcs = db_sources(built)
    check(len(srcs) == 2, f"two database sources in the manifest: {list(srcs)}")
    grids = next((s for p, s in srcs.items() if "layer: evacuation_grids" in p), None)
    depots = next((s for p, s in srcs.items() if "sql: SELECT" in p), None)
    check(grids is not None and grids.get("rows") == files["evacuation_grids"]["feature_count"],
          f"the grids table's checksum counts its rows: {grids}")
    check(depots is not None and depots.get("rows") == files["depots"]["feature_count"],
          f"the depots query's checksum counts its rows: {depots}")
    check(all(len(s["sha256"]) == 64 for s in srcs.values()), "each database source has a SHA-256")
    check(db_sources(again) == srcs, "the content hash is stable: the same rows hash the same")
    after = db_sources(changed)
    same_grids = [s for p, s in after.items() if "layer: evacuation_grids" in p]
    new_depots = [s for p, s in after.items() if "sql: SELECT" in p]
    check(bool(same_grids) and same_grids[0]["sha256"] == grids["sha256"], "an untouched table keeps its hash")
    check(bool(new_depots) and new_depots[0]["sha256"] != depots["sha256"],
          "a changed row changes the query's hash")

    # The wrong password: a clear error, with the layer, and the reason from the server.
    err = open(os.path.join(w, "run4.err"), encoding="utf-8").read()
    out = open(os.path.join(w, "run4.out"), encoding="utf-8").read()
    report = load(os.path.join(w, "run4.report.json"))
    text = err + out
    check("password authentication failed" in text, "a wrong password says so")
    check("evacuation_grids" in text, "the error names the layer")
    check(any(i.get("layer") == "evacuation_grids" and "password authentication failed" in i["message"]
              for i in report["issues"]), "the report's error names the layer and the reason")

    # The secret (and the wrong one, which contains it) appears in no output and no file.
    leaks = []
    for root, _, names in os.walk(w):
        if os.path.join(w, "pg") in root or root.startswith(os.path.join(w, "src")):
            continue  # the cluster itself, and the config that holds the connection string
        for n in names:
            p = os.path.join(root, n)
            try:
                if a.secret.encode() in open(p, "rb").read():
                    leaks.append(p)
            except OSError:
                pass
    check(not leaks, f"the password appears in no output, report or dataset file: {leaks}")

    if failures:
        print(f"{len(failures)} source checks failed", file=sys.stderr)
        sys.exit(1)
    print("all source checks passed")


if __name__ == "__main__":
    main()
