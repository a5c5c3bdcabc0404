"""OGC API – Features and Tiles through their clients: GDAL's OGCAPI driver, OWSLib,
and a plain HTTP client following the OGC API – Tiles links to a decoded tile.

Each check drives a real client against the live server and compares what it read
with the prepared dataset's manifest (feature counts, public fields only). The CRS
checks (Part 2) compare every coordinate the server writes in EPSG:4490 and
EPSG:4543 with PROJ's own cs2cs run on the CRS84 coordinates of the same features.

GDAL 3.6.2 (Debian 12) lists the collections through `-oo API=TILES` but cannot open
a collection's vector tiles. Collections carry no tilesets-vector link, so it says
"API TILES requested, but not available". With that link (tried), GDAL 3.6 takes the
tiles path by default, then fails on /tileMatrixSets/WebMercatorQuad with "Invalid
tiling matrix set name": its parser is older than TMS 2.0 JSON and only reads a
document that has `identifier` and `boundingBox`. It then no longer reads the
collection's items either. So the check expects a failure with one of those two
messages below GDAL 3.7, prints GDAL's own message, and needs success from 3.7 on.
OWSLib 0.32 has no `owslib.ogcapi.tiles`, so the tiles are followed by links with
urllib and decoded with mapbox-vector-tile.
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

import mapbox_vector_tile

from owslib.ogcapi.features import Features

TILES_CONF = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"
REL_TILESETS = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
REL_SCHEMES = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
# A Chuxiong-city tile at zoom 10 (lon 101.5, lat 25.0): row 438, column 799.
TILE_Z, TILE_ROW, TILE_COL = 10, 438, 799

PERSONAL_OR_INTERNAL = ("personal", "internal")
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


def run(*cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stderr[-2000:]}")
    return p.stdout


def positions(geom):
    """Every position of a GeoJSON geometry, in order."""
    out = []

    def walk(c):
        if c and isinstance(c[0], (int, float)):
            out.append((c[0], c[1]))
        else:
            for x in c:
                walk(x)

    walk(geom["coordinates"])
    return out


def cs2cs(code, lonlat):
    """PROJ's transformation of CRS84 (lon, lat) pairs into EPSG:code, in its axis order."""
    if not lonlat:
        return []
    text = "".join(f"{x!r} {y!r}\n" for x, y in lonlat)
    p = subprocess.run(["cs2cs", "-d", "10", "OGC:CRS84", f"EPSG:{code}"], input=text,
                       capture_output=True, text=True, timeout=600, check=True)
    rows = [l.split() for l in p.stdout.splitlines() if l.strip()]
    assert len(rows) == len(lonlat), (len(rows), len(lonlat))
    return [(float(r[0]), float(r[1])) for r in rows]


def fetch(url):
    """GET a URL: (JSON body, headers)."""
    with urllib.request.urlopen(url, timeout=120) as r:
        return json.load(r), r.headers


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

    def owslib_items_in_cgcs2000_and_gauss_kruger_agree_with_cs2cs():
        # Points and polygons; OWSLib passes crs through as the standard's parameter.
        f = Features(a.url)
        for lid, limit in (("shelters", 1000), ("admin", 60)):
            base = f.collection_items(lid, limit=limit)
            ll = [p for feat in base["features"] for p in positions(feat["geometry"])]
            assert len(ll) > 50, (lid, len(ll))
            for code, tol, metres in ((4490, 1e-9, False), (4543, 1e-3, True)):
                got = f.collection_items(lid, limit=limit, crs=f"{EPSG}{code}")
                assert [x["id"] for x in got["features"]] == [x["id"] for x in base["features"]]
                ours = [p for feat in got["features"] for p in positions(feat["geometry"])]
                proj = cs2cs(code, ll)
                worst = max(math.hypot(o[0] - p[0], o[1] - p[1]) for o, p in zip(ours, proj))
                assert len(ours) == len(proj) and worst <= tol, (lid, code, worst)
                if metres:
                    # The bbox of each feature is in the CRS too: northing first.
                    for feat in got["features"]:
                        b = feat["bbox"]
                        for n, e in positions(feat["geometry"]):
                            assert b[0] <= n <= b[2] and b[1] <= e <= b[3], (b, n, e)
                print(f"     {lid} EPSG:{code}: {len(ours)} positions, worst {worst:.2e}", flush=True)

    def content_crs_names_the_crs_of_the_answer():
        for crs in (CRS84, f"{EPSG}4490", f"{EPSG}4543"):
            q = "" if crs == CRS84 else f"crs={crs}"
            for url in (f"{a.url}/collections/shelters/items?limit=1&{q}",
                        f"{a.url}/collections/shelters/items/0?{q}"):
                _, h = fetch(url)
                assert h["Content-Crs"] == f"<{crs}>", (url, h["Content-Crs"])
        col, _ = fetch(f"{a.url}/collections/shelters")
        assert f"{EPSG}4543" in col["crs"] and col["storageCrs"] == CRS84, col

    def gdal_pages_a_whole_layer_with_page_size_5000():
        # The page size above the server's maximum (1000) must be served as the
        # maximum (/req/core/fc-limit-response-1), not refused, or GDAL aborts the copy.
        lid = max(layers, key=lambda k: layers[k]["feature_count"])
        out = os.path.join(a.work, f"{lid}_5000.geojson")
        run("ogr2ogr", "-f", "GeoJSON", out, f"OAPIF:{a.url}", lid, "-oo", "PAGE_SIZE=5000")
        n = len(json.load(open(out, encoding="utf-8"))["features"])
        assert n == layers[lid]["feature_count"] > 5000, (n, layers[lid]["feature_count"])

    def gdal_sends_an_attribute_filter_to_the_server():
        # GDAL 3.6 turns `-where` equality on a name the OpenAPI document lists under
        # /collections/{id}/items into `name=value` on the request; the server's
        # answer must be exactly the features a local evaluation selects.
        every = fetch(f"{a.url}/collections/shelters/items?limit=1000")[0]["features"]
        assert len(every) == layers["shelters"]["feature_count"]
        want = sorted(f["properties"]["shelter_id"] for f in every if f["properties"]["status"] == "closed")
        assert 0 < len(want) < len(every), len(want)
        p = subprocess.run(["ogrinfo", "-ro", "-al", "-q", f"OAPIF:{a.url}", "shelters",
                            "-where", "status = 'closed'", "--config", "CPL_DEBUG", "ON", "--config", "CPL_CURL_VERBOSE", "YES"],
                           capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr[-2000:]
        assert "status=closed" in p.stderr, "GDAL evaluated the filter itself: " + \
            "".join(l for l in p.stderr.splitlines(True) if "OAPIF" in l)[-1500:]
        got = sorted(re.findall(r"shelter_id \(String\) = (\S+)", p.stdout))
        assert got == want, (len(got), len(want))

    def owslib_queryables_and_a_cql2_filter():
        f = Features(a.url)
        q = f.collection_queryables("shelters")
        props = set(q["properties"])
        assert {"geometry", "capacity", "status"} <= props and not props & hidden["shelters"], props
        every = fetch(f"{a.url}/collections/shelters/items?limit=1000")[0]["features"]
        want = sorted(x["id"] for x in every
                      if (x["properties"].get("capacity") or 0) >= 500 and x["properties"]["status"] == "open"
                      and x["geometry"]["coordinates"][0] <= 101.6)
        assert want, "the filter selects nothing on the demo"
        got = f.collection_items("shelters", limit=1000,
                                 filter="capacity >= 500 AND status = 'open' AND S_INTERSECTS(geometry, BBOX(-180, -90, 101.6, 90))")
        assert sorted(x["id"] for x in got["features"]) == want, (len(got["features"]), len(want))
        # A personal field is as unknown as a misspelt one, to filters and sorts alike.
        for bad in ("filter=manager_phone%20IS%20NULL", "sortby=manager_phone"):
            try:
                fetch(f"{a.url}/collections/shelters/items?{bad}")
                raise AssertionError(f"{bad}: accepted")
            except urllib.error.HTTPError as e:
                assert e.code == 400, (bad, e.code)

    def gdal_reads_the_gauss_kruger_output():
        # GDAL 3.6's OAPIF driver has no CRS open option (`ogrinfo --format OAPIF`
        # lists URL, PAGE_SIZE, USERPWD, IGNORE_SCHEMA only: it always asks CRS84), so
        # ogr2ogr reads the server's crs= output through its GeoJSON driver instead,
        # declared EPSG:4543, and its positions are checked against cs2cs.
        url = f"{a.url}/collections/shelters/items?limit=1000"
        out = os.path.join(a.work, "shelters_4543.geojson")
        run("ogr2ogr", "-f", "GeoJSON", "-a_srs", "EPSG:4543", "-lco", "COORDINATE_PRECISION=6",
            out, f"GeoJSON:{url}&crs={EPSG}4543")
        gdal = json.load(open(out, encoding="utf-8"))["features"]
        base, _ = fetch(url)
        assert len(gdal) == len(base["features"]) > 0, (len(gdal), len(base["features"]))
        ll = [positions(x["geometry"])[0] for x in base["features"]]
        proj = cs2cs(4543, ll)
        read = [positions(x["geometry"])[0] for x in gdal]
        worst = max(math.hypot(o[0] - p[0], o[1] - p[1]) for o, p in zip(read, proj))
        assert worst <= 1e-3, worst

    def bbox_crs_in_gauss_kruger_selects_as_projected():
        # A 50 km box in EPSG:4543 round Chuxiong city; the features expected are
        # those whose CRS84 position cs2cs projects into it.
        n0, e0 = cs2cs(4543, [(101.53, 25.03)])[0]
        box = (n0 - 25000, e0 - 25000, n0 + 25000, e0 + 25000)
        every = fetch(f"{a.url}/collections/shelters/items?limit=1000")[0]["features"]
        assert len(every) == layers["shelters"]["feature_count"], "one page holds every shelter"
        proj = cs2cs(4543, [positions(x["geometry"])[0] for x in every])
        expected = {x["id"] for x, (n, e) in zip(every, proj)
                    if box[0] <= n <= box[2] and box[1] <= e <= box[3]}
        bb = ",".join(repr(v) for v in box)
        got = fetch(f"{a.url}/collections/shelters/items?limit=1000&bbox={bb}&bbox-crs={EPSG}4543")[0]
        ids = {x["id"] for x in got["features"]}
        assert 0 < len(expected) < len(every), len(expected)
        assert ids == expected, (sorted(ids ^ expected))[:10]
        # And the same box as lon/lat read back from it is no stand-in: in CRS84 a
        # box's edges are meridians and parallels, so only a lat,lon EPSG:4490 box
        # equals a CRS84 one.
        c84 = fetch(f"{a.url}/collections/shelters/items?limit=1000&bbox=101.2,24.8,101.8,25.3")[0]
        c4490 = fetch(f"{a.url}/collections/shelters/items?limit=1000&bbox=24.8,101.2,25.3,101.8&bbox-crs={EPSG}4490")[0]
        assert {x["id"] for x in c84["features"]} == {x["id"] for x in c4490["features"]} != set()

    def unknown_crs_is_refused_by_name():
        for param in ("crs", "bbox-crs"):
            try:
                fetch(f"{a.url}/collections/shelters/items?bbox=1,2,3,4&{param}=EPSG:9999")
                raise AssertionError(f"{param}: accepted")
            except urllib.error.HTTPError as e:
                body = json.load(e)
                assert e.code == 400 and body["error"]["field"] == param, (e.code, body)

    def get_json(url):
        with urllib.request.urlopen(url, timeout=60) as r:
            return json.load(r)

    def href(doc, rel):
        hits = [l["href"] for l in doc["links"] if l["rel"] == rel]
        assert hits, f"no {rel} link in {doc['links']}"
        assert hits[0].startswith("http"), f"relative {rel} link {hits[0]}"
        return hits[0]

    def gdal_lists_tilesets_through_the_tiles_api():
        out = run("ogrinfo", "-ro", f"OGCAPI:{a.url}", "-oo", "API=TILES")
        for lid in layers:
            assert f"OGCAPI:{a.url}/collections/{lid}" in out, f"{lid} missing:\n{out}"

    def gdal_opens_a_collections_tiles():
        ver = run("ogrinfo", "--version")
        major, minor = (int(v) for v in re.search(r"GDAL (\d+)\.(\d+)", ver).groups())
        p = subprocess.run(["ogrinfo", "-ro", "-so", f"OGCAPI:{a.url}/collections/shelters", "-oo", "API=TILES"],
                           capture_output=True, text=True, timeout=300)
        if (major, minor) >= (3, 7):
            assert p.returncode == 0, p.stderr[-2000:]
            assert "shelters" in p.stdout, p.stdout[-2000:]
            return
        # GDAL 3.6: its TMS parser cannot read TMS 2.0 JSON (see the module docstring).
        errors = [l for l in p.stderr.splitlines() if l.startswith("ERROR")]
        print(f"     GDAL {major}.{minor} cannot open OGC API vector tiles: exit {p.returncode}, {errors}")
        known = ("API TILES requested, but not available", "Invalid tiling matrix set name")
        assert p.returncode != 0 and any(k in e for e in errors for k in known), p.stderr[-2000:]

    def owslib_sees_the_tiles_conformance_classes():
        conf = Features(a.url).conformance()["conformsTo"]
        for c in ("core", "tileset", "tilesets-list", "dataset-tilesets", "mvt", "oas30"):
            assert TILES_CONF + c in conf, (c, conf)

    def http_follows_tile_links_to_a_decoded_tile():
        landing = get_json(a.url + "/")
        tms = get_json(href(get_json(href(landing, REL_SCHEMES))["tileMatrixSets"][0], "self"))
        assert tms["id"] == "WebMercatorQuad" and tms["crs"].endswith("/EPSG/0/3857"), tms["id"]
        assert len(tms["tileMatrices"]) > TILE_Z, len(tms["tileMatrices"])
        tileset = get_json(href(get_json(href(landing, REL_TILESETS))["tilesets"][0], "self"))
        ids = {l["id"] for l in tileset["layers"]}
        assert "admin_labels" in ids and set(layers) <= ids, ids
        url = (href(tileset, "item").replace("{tileMatrix}", str(TILE_Z))
               .replace("{tileRow}", str(TILE_ROW)).replace("{tileCol}", str(TILE_COL)))
        with urllib.request.urlopen(url, timeout=60) as r:
            tile = mapbox_vector_tile.decode(r.read())
        assert "admin" in tile and "admin_labels" in tile, sorted(tile)
        # One collection's tileset (not linked from the collection: GDAL 3.6 would then
        # read it as tiles only), as a public caller: public fields only.
        meta = get_json(href(get_json(f"{a.url}/collections/shelters/tiles")["tilesets"][0], "self"))
        props = set(meta["layers"][0]["propertiesSchema"]["properties"])
        assert props and not props & hidden["shelters"], props & hidden["shelters"]
        url = (href(meta, "item").replace("{tileMatrix}", "12")
               .replace("{tileRow}", "1752").replace("{tileCol}", "3197"))
        with urllib.request.urlopen(url, timeout=60) as r:
            body = r.read()
        if body:  # 204 for an empty tile
            for f in mapbox_vector_tile.decode(body).get("shelters", {}).get("features", []):
                assert not set(f["properties"]) & hidden["shelters"], f["properties"]

    for name, fn in list(locals().items()):
        if callable(fn) and name.split("_")[0] in ("gdal", "owslib", "content", "bbox", "unknown", "http"):
            check(name, fn)
    print(f"{passed} passed, {len(failures)} failed: OGC API clients")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
