"""OGC API – Features through its clients: GDAL's OGCAPI driver and OWSLib.

Each check drives a real client against the live server and compares what it read
with the prepared dataset's manifest (feature counts, public fields only).
"""
import argparse
import json
import os
import subprocess
import sys

from owslib.ogcapi.features import Features

PERSONAL_OR_INTERNAL = ("personal", "internal")


def run(*cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stderr[-2000:]}")
    return p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    manifest = json.load(open(os.path.join(a.dataset, "manifest.json"), encoding="utf-8"))
    layers = {l["schema"]["id"]: l for l in manifest["layers"]}
    hidden = {lid: {f["name"] for f in l["schema"]["fields"] if f["sensitivity"] in PERSONAL_OR_INTERNAL}
              for lid, l in layers.items()}
    failures, passed = [], 0

    def check(name, fn):
        nonlocal passed
        try:
            fn()
            passed += 1
            print(f"ok   {name}", flush=True)
        except Exception as e:  # noqa: BLE001 - every failure is reported, then counted
            failures.append(name)
            print(f"FAIL {name}: {e}", flush=True)

    def gdal_lists_every_collection():
        out = run("ogrinfo", "-ro", "-so", f"OGCAPI:{a.url}")
        for lid in layers:
            assert f"OGCAPI:{a.url}/collections/{lid}" in out, f"{lid} missing:\n{out}"

    def gdal_copies_a_collection_whole():
        # More features than one page (water sources: thousands; pages of at most 1000).
        lid = max(layers, key=lambda k: layers[k]["feature_count"] if layers[k]["schema"]["geometry"] == "point" else 0)
        out = os.path.join(a.work, f"{lid}.geojson")
        run("ogr2ogr", "-f", "GeoJSON", out, f"OGCAPI:{a.url}/collections/{lid}", lid)
        feats = json.load(open(out, encoding="utf-8"))["features"]
        assert len(feats) == layers[lid]["feature_count"], (len(feats), layers[lid]["feature_count"])
        seen = set().union(*(f["properties"].keys() for f in feats))
        assert not seen & hidden[lid], f"non-public fields reached a public client: {seen & hidden[lid]}"

    def gdal_reads_a_layers_schema_and_extent():
        out = run("ogrinfo", "-ro", "-so", f"OGCAPI:{a.url}/collections/shelters", "shelters")
        assert f"Feature Count: {layers['shelters']['feature_count']}" in out, out
        assert "Extent: (" in out, out

    def owslib_reads_landing_conformance_and_api():
        f = Features(a.url)
        conf = f.conformance()["conformsTo"]
        assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf, conf
        api = f.api()
        assert str(api.get("openapi", "")).startswith("3.0"), api.get("openapi")

    def owslib_pages_items():
        f = Features(a.url)
        ids = {c["id"] for c in f.collections()["collections"]}
        assert ids == set(layers), ids ^ set(layers)
        first = f.collection_items("shelters", limit=10)
        assert first["numberReturned"] == 10 and first["numberMatched"] == layers["shelters"]["feature_count"]
        # A limit above the server's maximum is served at the maximum, not refused.
        big = f.collection_items("water_sources", limit=5000)
        assert 0 < big["numberReturned"] <= 5000, big["numberReturned"]
        nxt = [l for l in big["links"] if l["rel"] == "next"]
        assert nxt and nxt[0]["href"].startswith("http"), big["links"]

    def owslib_filters_by_bbox_and_datetime():
        f = Features(a.url)
        bbox = [101.0, 24.8, 101.8, 25.3]
        r = f.collection_items("shelters", bbox=bbox, limit=1000, **{"datetime": "../.."})
        assert 0 < r["numberMatched"] < layers["shelters"]["feature_count"], r["numberMatched"]
        for feat in r["features"]:
            x, y = feat["geometry"]["coordinates"][:2]
            assert bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3], (x, y)

    for name, fn in list(locals().items()):
        if callable(fn) and (name.startswith("gdal_") or name.startswith("owslib_")):
            check(name, fn)
    print(f"{passed} passed, {len(failures)} failed: OGC API clients")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
