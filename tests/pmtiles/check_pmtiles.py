"""Checks of tests/pmtiles/run.sh, through PyPI's `pmtiles` reader (not the Rust crate
that wrote the archive)."""
import argparse
import gzip
import random
import re
import sys
import urllib.error
import urllib.request

from pmtiles.reader import MmapSource, Reader, all_tiles
from pmtiles.tile import Compression, TileType, zxy_to_tileid


def fetch(url, gz=False):
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip" if gz else "identity"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--archive", required=True)
    ap.add_argument("--server", required=True)
    ap.add_argument("--mirror", required=True)
    ap.add_argument("--export-summary", required=True)
    a = ap.parse_args()
    failures = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what, flush=True)
        if not ok:
            failures.append(what)

    with open(a.archive, "rb") as f:
        src = MmapSource(f)
        reader = Reader(src)
        h = reader.header()
        meta = reader.metadata()
        tiles = {}
        for (z, x, y), data in all_tiles(src):
            tiles[(z, x, y)] = data

    summary = open(a.export_summary, encoding="utf-8").read()
    written = int(re.search(r"(\d+) written", summary).group(1))
    check(h["version"] == 3, "a PMTiles v3 archive")
    check(h["tile_type"] == TileType.MVT and h["tile_compression"] == Compression.GZIP,
          "gzipped Mapbox vector tiles")
    check(h["clustered"], "clustered: tiles in Hilbert order")
    check((h["min_zoom"], h["max_zoom"]) == (0, 14), f"zooms {h['min_zoom']}-{h['max_zoom']}")
    check(h["addressed_tiles_count"] == written == len(tiles),
          f"{len(tiles)} tiles read back, {h['addressed_tiles_count']} addressed, {written} written by the export")
    contents = {bytes(d) for d in tiles.values()}
    check(h["tile_contents_count"] == len(contents) < len(tiles),
          f"identical tiles stored once: {len(contents)} contents for {len(tiles)} tiles")

    status, _, body = fetch(f"{a.server}/tiles/onemap.json")
    import json
    served = json.loads(body)
    # The server's composite also carries the live `events` layer, drawn per request
    # from the events store: a dataset export cannot hold it.
    served_ids = [v["id"] for v in served["vector_layers"]]
    check("events" in served_ids, "the server's composite lists the live events layer")
    served["vector_layers"] = [v for v in served["vector_layers"] if v["id"] != "events"]
    check([v["id"] for v in meta["vector_layers"]] == [v["id"] for v in served["vector_layers"]],
          "the archive's TileJSON lists the dataset layers the server's public TileJSON lists")
    check(meta["dataset_version"] == served["dataset_version"], "and names the same dataset version")
    public_fields = {v["id"]: set(v["fields"]) for v in served["vector_layers"]}
    check(all(set(v["fields"]) == public_fields[v["id"]] for v in meta["vector_layers"]),
          "with public fields only")

    # A sample across every zoom: each tile, gunzipped, is the server's public tile.
    rng = random.Random(7)
    by_zoom = {}
    for k in tiles:
        by_zoom.setdefault(k[0], []).append(k)
    sample = [k for z in sorted(by_zoom) for k in rng.sample(sorted(by_zoom[z]), min(25, len(by_zoom[z])))]
    differ = []
    for (z, x, y) in sample:
        raw = gzip.decompress(tiles[(z, x, y)])
        status, _, body = fetch(f"{a.server}/tiles/onemap/{z}/{x}/{y}.mvt")
        if status != 200 or body != raw:
            differ.append((z, x, y, status, len(body), len(raw)))
    check(not differ, f"{len(sample)} sampled tiles equal the server's bytes: {differ[:5]}")

    # Addresses the archive leaves out are the ones the server finds empty.
    missing = []
    for z in range(5, 15):
        zs = by_zoom.get(z, [])
        if not zs:
            continue
        xs, ys = [k[1] for k in zs], [k[2] for k in zs]
        for _ in range(10):
            k = (z, rng.randint(min(xs), max(xs)), rng.randint(min(ys), max(ys)))
            if k not in tiles:
                missing.append(k)
    not_empty = [k for k in missing if fetch(f"{a.server}/tiles/onemap/{k[0]}/{k[1]}/{k[2]}.mvt")[0] != 204]
    check(missing and not not_empty, f"{len(missing)} addresses absent from the archive are empty on the server: {not_empty[:5]}")

    # The mirror: riskmap-server with no dataset, serving the archive.
    status, _, body = fetch(f"{a.mirror}/archives/public.json")
    tj = json.loads(body) if status == 200 else {}
    check(status == 200 and tj.get("tiles", [""])[0].endswith("/archives/public/{z}/{x}/{y}.mvt"),
          f"the mirror's TileJSON points at its tiles: {status} {tj.get('tiles')}")
    mirror_bad = []
    for (z, x, y) in sample[::3]:
        s1, h1, gzbody = fetch(f"{a.mirror}/archives/public/{z}/{x}/{y}.mvt", gz=True)
        s2, _, rawbody = fetch(f"{a.mirror}/archives/public/{z}/{x}/{y}.mvt")
        enc = {k.lower(): v for k, v in h1.items()}.get("content-encoding")
        if (s1, s2, enc) != (200, 200, "gzip") or gzbody != bytes(tiles[(z, x, y)]) \
                or rawbody != gzip.decompress(tiles[(z, x, y)]):
            mirror_bad.append((z, x, y, s1, s2, enc))
    check(not mirror_bad, f"the mirror serves the archive's tiles, gzipped or not: {mirror_bad[:5]}")
    s_missing = fetch(f"{a.mirror}/archives/public/{missing[0][0]}/{missing[0][1]}/{missing[0][2]}.mvt")[0] if missing else 204
    check(s_missing == 204, f"an address absent from the archive is 204 on the mirror: {s_missing}")
    s_deep = fetch(f"{a.mirror}/archives/public/15/0/0.mvt")[0]
    check(s_deep == 404, f"a zoom beyond the archive is 404: {s_deep}")
    s_other = fetch(f"{a.mirror}/archives/nope/0/0/0.mvt")[0]
    check(s_other == 404, f"an unknown archive is 404: {s_other}")
    s_data = fetch(f"{a.mirror}/tiles/onemap/0/0/0.mvt")[0]
    check(s_data == 503, f"the mirror has no dataset: its own tiles are 503: {s_data}")

    if failures:
        print(f"{len(failures)} PMTiles checks failed", file=sys.stderr)
        sys.exit(1)
    print("all PMTiles checks passed")


if __name__ == "__main__":
    main()
