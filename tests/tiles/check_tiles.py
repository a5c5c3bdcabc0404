#!/usr/bin/env python3
"""Independent check of a running riskmap-server's vector tiles against its dataset.

    check_tiles.py --url http://127.0.0.1:18080 --dataset DIR [--workers 4]

Derives the list of tiles that hold data from the dataset itself (read with the
FlatGeobuf project's Python reader, not with riskmap), fetches every such tile of the composite `onemap` tileset
at zooms 0..maxzoom as a public caller (plus each layer's own tileset up to zoom 10 and
a sample through the OGC API – Tiles route), and checks with the mapbox-vector-tile
package's protobuf decoder and our own reading of the geometry commands:

* MVT 2.1: version 2, extent 4096, unique layer names, valid geometry types and
  command streams, no repeated points, lines of >= 2 points, rings of >= 3 points with
  non-zero area, each polygon starting with a positive-area (y-down) exterior ring,
  holes negative, every polygon valid (shapely);
* every tile <= 500 KB, answers 200 (MVT) or 204 (empty), never anything else;
* fields: a public tile carries only fields the manifest marks public;
* feature accounting: every feature of every layer appears at the max zoom (by MVT
  feature id = fid) with all its public attributes equal to the source;
* admin labels: at z9 and z12 over the whole pyramid, each admin unit's `admin_labels`
  point appears exactly once (no name repeats across tiles), inside the unit's polygon,
  with its name, and every county is labelled at both zooms.

Exits non-zero listing the first problems found.
"""

import argparse
import concurrent.futures
import gzip
import json
import math
import os
import sys
import urllib.error
import urllib.request
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lib"))
from fgb import read_features  # noqa: E402  (patches flatgeobuf 0.3.1's bool columns)
import mapbox_vector_tile
from mapbox_vector_tile.Mapbox import vector_tile_pb2
from shapely.geometry import Point, Polygon, shape

LABELS = "admin_labels"
LABEL_FIELDS = {"code", "name", "level"}
LABEL_ZOOMS = (9, 12)
BUDGET = 500 * 1024
EXTENT = 4096
MAX_PROBLEMS = 50


# ---------------------------------------------------------------- source data


def read_layer(path):
    """Features of one layer file in file order (index = fid), read with the FlatGeobuf
    project's own Python reader. (Not GDAL: GDAL 3.6 rejects single-part
    MultiLineStrings written without `ends`, which the FlatGeobuf spec allows.)"""
    return read_features(path)


def lonlat_to_tile(lon, lat, z):
    lat = max(min(lat, 85.0511287798066), -85.0511287798066)
    n = 2 ** z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def coords_of(geom):
    t, c = geom["type"], geom["coordinates"]
    if t == "Point":
        return [[c]]
    if t in ("LineString", "MultiPoint"):
        return [c]
    if t in ("MultiLineString", "Polygon"):
        return c
    if t == "MultiPolygon":
        return [ring for poly in c for ring in poly]
    return []


def tiles_of(geom, maxzoom):
    """Tiles at maxzoom a feature touches: bbox for polygons, walked paths for lines."""
    if geom is None:
        return set()
    t = geom["type"]
    out = set()
    if t in ("Polygon", "MultiPolygon"):
        pts = [p for ring in coords_of(geom) for p in ring]
        x0, y1 = lonlat_to_tile(min(p[0] for p in pts), min(p[1] for p in pts), maxzoom)
        x1, y0 = lonlat_to_tile(max(p[0] for p in pts), max(p[1] for p in pts), maxzoom)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                out.add((x, y))
        return out
    step = 360.0 / 2 ** maxzoom / 4.0
    for path in coords_of(geom):
        for i, p in enumerate(path):
            out.add(lonlat_to_tile(p[0], p[1], maxzoom))
            if i + 1 < len(path):
                q = path[i + 1]
                n = int(max(abs(q[0] - p[0]), abs(q[1] - p[1])) / step) + 1
                for k in range(1, n):
                    f = k / n
                    out.add(lonlat_to_tile(p[0] + f * (q[0] - p[0]), p[1] + f * (q[1] - p[1]), maxzoom))
    return out


def pyramid(max_tiles, maxzoom, minzoom=0):
    tiles = set()
    for (x, y) in max_tiles:
        for z in range(minzoom, maxzoom + 1):
            s = maxzoom - z
            tiles.add((z, x >> s, y >> s))
    return tiles


# ---------------------------------------------------------------- tile reading


def zigzag(v):
    return (v >> 1) ^ -(v & 1)


def commands(geometry):
    """Yield (command id, [(x, y), ...]) with absolute coordinates; raises on errors."""
    i, cx, cy = 0, 0, 0
    while i < len(geometry):
        cmd, count = geometry[i] & 7, geometry[i] >> 3
        i += 1
        if cmd not in (1, 2, 7):
            raise ValueError(f"unknown command {cmd}")
        if cmd == 7:
            if count != 1:
                raise ValueError("ClosePath count must be 1")
            yield 7, []
            continue
        if count == 0:
            raise ValueError("command with count 0")
        pts = []
        for _ in range(count):
            if i + 1 >= len(geometry):
                raise ValueError("truncated parameters")
            cx += zigzag(geometry[i])
            cy += zigzag(geometry[i + 1])
            i += 2
            pts.append((cx, cy))
        yield cmd, pts


def area2(ring):
    return sum(ring[k][0] * ring[(k + 1) % len(ring)][1] - ring[(k + 1) % len(ring)][0] * ring[k][1]
               for k in range(len(ring)))


def check_geometry(ftype, geometry):
    """Problems with one feature's geometry (empty list if valid)."""
    seq = list(commands(geometry))
    if ftype == 1:
        if len(seq) != 1 or seq[0][0] != 1:
            return ["point feature must be one MoveTo"]
        return []
    if ftype == 2:
        problems, k = [], 0
        while k < len(seq):
            if seq[k][0] != 1 or len(seq[k][1]) != 1 or k + 1 >= len(seq) or seq[k + 1][0] != 2:
                return ["line must be MoveTo(1) LineTo(n) sequences"]
            line = seq[k][1] + seq[k + 1][1]
            if any(line[j] == line[j + 1] for j in range(len(line) - 1)):
                problems.append("repeated point in line")
            k += 2
        return problems
    if ftype == 3:
        problems, rings, k = [], [], 0
        while k < len(seq):
            if (k + 2 >= len(seq) or seq[k][0] != 1 or len(seq[k][1]) != 1
                    or seq[k + 1][0] != 2 or seq[k + 2][0] != 7):
                return ["ring must be MoveTo(1) LineTo(n) ClosePath"]
            ring = seq[k][1] + seq[k + 1][1]
            k += 3
            if len(ring) < 3:
                problems.append("ring under 3 points")
            if any(ring[j] == ring[(j + 1) % len(ring)] for j in range(len(ring))):
                problems.append("repeated point in ring")
            rings.append(ring)
        polys = []
        for ring in rings:
            a = area2(ring)
            if a == 0:
                problems.append("zero-area ring")
            elif a > 0:
                polys.append([ring])
            elif not polys:
                problems.append("polygon starts with a hole (negative-area ring)")
            else:
                polys[-1].append(ring)
        for p in polys:
            shape = Polygon(p[0], p[1:])
            if not shape.is_valid:
                from shapely.validation import explain_validity
                problems.append("invalid polygon: " + explain_validity(shape))
        return problems
    return [f"geometry type {ftype}"]


def value_of(v):
    for name in ("string_value", "float_value", "double_value", "int_value", "uint_value",
                 "sint_value", "bool_value"):
        if v.HasField(name):
            return getattr(v, name)
    return None


# ---------------------------------------------------------------- the run


class Checker:
    def __init__(self, url, manifest, public_fields, layer_names):
        self.url = url.rstrip("/")
        self.public_fields = public_fields
        self.layer_names = layer_names
        self.problems = []
        self.seen = defaultdict(dict)  # layer -> fid -> properties (max zoom)
        self.largest = defaultdict(int)  # zoom -> bytes
        self.counts = defaultdict(int)
        self.labels = defaultdict(list)  # zoom -> [(fid, props, lon, lat)] from onemap

    def problem(self, msg):
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(msg)

    def fetch(self, path):
        req = urllib.request.Request(self.url + path, headers={"Accept-Encoding": "gzip"})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                body = r.read()
                if r.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                return r.status, r.headers.get("Content-Type"), body
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type"), e.read()

    def check_tile(self, path, z, maxzoom):
        status, ctype, body = self.fetch(path)
        self.counts[status] += 1
        if status == 204:
            return
        if status != 200:
            self.problem(f"{path}: HTTP {status} {body[:200]!r}")
            return
        if ctype != "application/vnd.mapbox-vector-tile":
            self.problem(f"{path}: Content-Type {ctype}")
        if len(body) > BUDGET:
            self.problem(f"{path}: {len(body)} bytes > {BUDGET}")
        self.largest[z] = max(self.largest[z], len(body))
        try:
            mapbox_vector_tile.decode(body)  # the package's own decoding must succeed
            tile = vector_tile_pb2.tile()
            tile.ParseFromString(body)
        except Exception as e:  # noqa: BLE001 - any decoding failure is a finding
            self.problem(f"{path}: does not decode: {e}")
            return
        names = [layer.name for layer in tile.layers]
        if len(set(names)) != len(names):
            self.problem(f"{path}: duplicate layer names {names}")
        for layer in tile.layers:
            if layer.version != 2 or layer.extent != EXTENT:
                self.problem(f"{path}/{layer.name}: version {layer.version} extent {layer.extent}")
            if layer.name not in self.layer_names:
                self.problem(f"{path}: unknown layer {layer.name}")
                continue
            allowed = self.public_fields[layer.name] | {"point_count", "cluster"}
            bad_keys = set(layer.keys) - allowed
            if bad_keys:
                self.problem(f"{path}/{layer.name}: non-public fields {sorted(bad_keys)}")
            if not layer.features:
                self.problem(f"{path}/{layer.name}: empty layer")
            for f in layer.features:
                if len(f.tags) % 2 or any(f.tags[i] >= len(layer.keys) for i in range(0, len(f.tags), 2)) \
                        or any(f.tags[i] >= len(layer.values) for i in range(1, len(f.tags), 2)):
                    self.problem(f"{path}/{layer.name}: bad tags")
                    continue
                try:
                    probs = check_geometry(f.type, list(f.geometry))
                except ValueError as e:
                    probs = [str(e)]
                for p in probs:
                    self.problem(f"{path}/{layer.name} feature {f.id}: {p}")
                props = {layer.keys[f.tags[i]]: value_of(layer.values[f.tags[i + 1]])
                         for i in range(0, len(f.tags), 2)}
                if layer.name == LABELS:
                    if path.startswith("/tiles/onemap/") and z in LABEL_ZOOMS and not probs:
                        self.labels[z].append((f.id, props) + label_lonlat(path, f.geometry))
                    continue
                if z == maxzoom and f.HasField("id"):
                    self.seen[layer.name].setdefault(f.id, props)

    def account(self, sources):
        for layer, feats in sources.items():
            seen = self.seen.get(layer, {})
            missing = [fid for fid in range(len(feats)) if fid not in seen]
            if missing:
                self.problem(f"{layer}: {len(missing)} of {len(feats)} features missing at max zoom, "
                             f"e.g. fids {missing[:5]}")
            for fid, feat in enumerate(feats):
                got = seen.get(fid)
                if got is None:
                    continue
                for k in self.public_fields[layer]:
                    want = (feat.get("properties") or {}).get(k)
                    have = got.get(k)
                    same = (want == have if not isinstance(want, float)
                            else have is not None and math.isclose(want, have, rel_tol=1e-9, abs_tol=1e-9))
                    if not same:
                        self.problem(f"{layer} fid {fid}: field {k} is {have!r} in tiles, {want!r} in source")
                        break


def label_lonlat(path, geometry):
    """Lon/lat of a one-point feature's pixel centre in the tile at `path` (/z/x/y.mvt)."""
    z, x, y = (int(v) for v in path.rsplit(".", 1)[0].split("/")[-3:])
    px, py = zigzag(geometry[1]), zigzag(geometry[2])
    n = 2 ** z * EXTENT
    lon = (x * EXTENT + px + 0.5) / n * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y * EXTENT + py + 0.5) / n))))
    return lon, lat


def check_labels(checker, admin):
    """Each admin unit labelled once per zoom, inside its polygon, counties all there."""
    for z in LABEL_ZOOMS:
        got = checker.labels.get(z, [])
        per_fid = defaultdict(list)
        for fid, props, lon, lat in got:
            per_fid[fid].append((props, lon, lat))
        for fid, hits in per_fid.items():
            if fid >= len(admin):
                checker.problem(f"z{z} {LABELS}: fid {fid} is no admin unit")
                continue
            src = admin[fid].get("properties") or {}
            if len(hits) != 1:
                checker.problem(f"z{z} {LABELS}: {src.get('name')} ({src.get('code')}) labelled {len(hits)} times")
            props, lon, lat = hits[0]
            for k in LABEL_FIELDS:
                if props.get(k) != src.get(k):
                    checker.problem(f"z{z} {LABELS} fid {fid}: {k} {props.get(k)!r}, source {src.get(k)!r}")
            if not shape(admin[fid]["geometry"]).covers(Point(lon, lat)):
                checker.problem(f"z{z} {LABELS}: {src.get('name')} at ({lon:.5f}, {lat:.5f}) is outside its polygon")
        counties = [i for i, f in enumerate(admin) if (f.get("properties") or {}).get("level") == "county"]
        missing = [admin[i]["properties"].get("name") for i in counties if i not in per_fid]
        if not counties or missing:
            checker.problem(f"z{z} {LABELS}: {len(missing)} of {len(counties)} counties unlabelled, e.g. {missing[:3]}")
        names = [admin[fid]["properties"].get("name") for fid in per_fid if fid < len(admin)]
        print(f"  {LABELS} z{z}: {len(got)} labels for {len(per_fid)} units, "
              f"{len(names) - len(set(names))} repeated names", flush=True)


def self_test():
    """The geometry rules reject what they should (so a pass means something)."""
    def enc(cmds):
        out, cx, cy = [], 0, 0
        for cmd, pts in cmds:
            out.append(cmd | ((len(pts) if cmd != 7 else 1) << 3))
            for x, y in pts:
                out += [((x - cx) << 1) ^ ((x - cx) >> 31), ((y - cy) << 1) ^ ((y - cy) >> 31)]
                cx, cy = x, y
        return out
    square = [(1, [(0, 0)]), (2, [(10, 0), (10, 10), (0, 10)]), (7, [])]
    assert check_geometry(3, enc(square)) == []
    backwards = [(1, [(0, 0)]), (2, [(0, 10), (10, 10), (10, 0)]), (7, [])]
    assert any("hole" in p for p in check_geometry(3, enc(backwards)))
    repeated = [(1, [(0, 0)]), (2, [(10, 0), (10, 0), (10, 10), (0, 10)]), (7, [])]
    assert any("repeated" in p for p in check_geometry(3, enc(repeated)))
    flat = [(1, [(0, 0)]), (2, [(10, 0), (20, 0)]), (7, [])]
    assert any("zero-area" in p for p in check_geometry(3, enc(flat)))
    bow = [(1, [(0, 0)]), (2, [(10, 10), (10, 0), (0, 10), (0, 5)]), (7, [])]
    assert check_geometry(3, enc(bow)), "self-intersecting ring must be reported"
    assert check_geometry(2, enc([(1, [(0, 0)]), (2, [(0, 0)])]))
    assert check_geometry(2, enc([(1, [(0, 0)]), (2, [(5, 5)])])) == []
    print("self-test passed")


def main():
    if "--self-test" in sys.argv:
        self_test()
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True)
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--layer-maxzoom", type=int, default=10,
                    help="per-layer tilesets are checked up to this zoom (onemap: all zooms)")
    args = ap.parse_args()

    manifest = json.load(open(os.path.join(args.dataset, "manifest.json"), encoding="utf-8"))
    with urllib.request.urlopen(args.url.rstrip("/") + "/tiles/onemap.json", timeout=60) as r:
        tilejson = json.load(r)
    maxzoom = tilejson["maxzoom"]
    problems = []
    if tilejson.get("tilejson") != "3.0.0":
        problems.append(f"TileJSON version {tilejson.get('tilejson')}")
    public_fields, sources = {}, {}
    for ml in manifest["layers"]:
        schema = ml["schema"]
        public_fields[schema["id"]] = {f["name"] for f in schema["fields"] if f["sensitivity"] == "public"}
        if schema["id"] == "admin":
            public_fields[LABELS] = public_fields["admin"] & LABEL_FIELDS
        sources[schema["id"]] = read_layer(os.path.join(args.dataset, ml["file"]))
        if len(sources[schema["id"]]) != ml["feature_count"]:
            problems.append(f"{schema['id']}: the file holds {len(sources[schema['id']])} features, "
                            f"manifest says {ml['feature_count']}")
    # The live events layer is not in the dataset: these are the public event fields
    # it may carry (issue 11), anything else is a leak.
    public_fields["events"] = {"event_id", "kind", "hazard_type", "status", "revision", "level",
                               "colour", "magnitude", "depth_km", "confidence", "headline",
                               "effective", "expires"}
    for vl in tilejson["vector_layers"]:
        extra = set(vl["fields"]) - public_fields.get(vl["id"], set()) - {"point_count", "cluster"}
        if extra:
            problems.append(f"TileJSON {vl['id']} lists non-public fields {sorted(extra)}")
    # Every style layer drawing from the composite names a layer the tiles hold (a
    # misspelt source-layer draws nothing and MapLibre says nothing).
    tiled = {vl["id"] for vl in tilejson["vector_layers"]}
    for style in ("onemap", "wall"):
        with urllib.request.urlopen(f"{args.url.rstrip('/')}/styles/{style}.json", timeout=60) as r:
            doc = json.load(r)
        for sl in doc.get("layers", []):
            src = sl.get("source-layer")
            if sl.get("source") == "onemap" and src is not None and src not in tiled:
                problems.append(f"style {style}: layer {sl['id']} reads source-layer {src!r}, "
                                f"which the composite does not have ({sorted(tiled)})")
    if "admin" in sources and LABELS not in tiled:
        problems.append(f"TileJSON vector_layers lacks {LABELS}")
    checker = Checker(args.url, manifest, public_fields, set(public_fields))
    checker.problems.extend(problems)

    layer_tiles = {}
    for layer, feats in sources.items():
        t = set()
        for f in feats:
            t |= tiles_of(f.get("geometry"), maxzoom)
        layer_tiles[layer] = t
    all_max = set().union(*layer_tiles.values()) if layer_tiles else set()
    jobs = [(f"/tiles/onemap/{z}/{x}/{y}.mvt", z) for (z, x, y) in sorted(pyramid(all_max, maxzoom))]
    for layer, t in layer_tiles.items():
        lz = min(args.layer_maxzoom, maxzoom)
        shifted = {(x >> (maxzoom - lz), y >> (maxzoom - lz)) for (x, y) in t}
        jobs += [(f"/tiles/{layer}/{z}/{x}/{y}.mvt", z) for (z, x, y) in sorted(pyramid(shifted, lz))]
        # The OGC route (row before column) for a sample of the same tiles.
        jobs += [(f"/collections/{layer}/tiles/WebMercatorQuad/{z}/{y}/{x}", z)
                 for (z, x, y) in sorted(pyramid(shifted, lz))[::17]]
    print(f"checking {len(jobs)} tiles ({len(all_max)} at zoom {maxzoom}) of {len(sources)} layers, "
          f"{sum(len(v) for v in sources.values())} features", flush=True)
    with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:
        futures = [pool.submit(checker.check_tile, p, z, maxzoom) for (p, z) in jobs]
        for k, fut in enumerate(concurrent.futures.as_completed(futures)):
            fut.result()
            if (k + 1) % 2000 == 0:
                print(f"  {k + 1}/{len(jobs)}", flush=True)
    checker.account({k: v for k, v in sources.items() if k != LABELS})
    if "admin" in sources:
        check_labels(checker, sources["admin"])

    print("HTTP statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(checker.counts.items())))
    print("largest tile per zoom (bytes): " + ", ".join(f"z{z} {b}" for z, b in sorted(checker.largest.items())))
    for layer, feats in sources.items():
        print(f"  {layer}: {len(checker.seen.get(layer, {}))}/{len(feats)} features found at z{maxzoom}")
    if checker.problems:
        print(f"{len(checker.problems)} problem(s) (first {MAX_PROBLEMS} shown):")
        for p in checker.problems:
            print("  " + p)
        print(f"0 passed, 1 failed: tiles check")
        return 1
    print(f"1 passed, 0 failed: tiles check ({len(jobs)} tiles)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
