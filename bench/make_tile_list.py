#!/usr/bin/env python3
"""Record a realistic tile request mix for bench/tiles.sh (run once; the list is kept).

    make_tile_list.py DATASET_DIR OUT_FILE [--viewports 160] [--seed 7]

Each "viewport" is a 1280x800 map view at a zoom from 6 to 14 (weighted to the middle
zooms, where analysts work), centred on a random facility (people look where the
facilities are), or a random point of the data's extent when there are none. Every
512-pixel tile the view covers is listed as z/x/y, view after view, as a map client
would request them.
"""
import argparse
import json
import math
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "lib"))
from fgb import read_features  # noqa: E402

ZOOMS = [6, 7, 8, 9, 10, 11, 12, 13, 14]
WEIGHTS = [1, 1, 2, 2, 3, 3, 3, 2, 2]


def world(lon, lat):
    lat = max(min(lat, 85.05), -85.05)
    x = (lon + 180.0) / 360.0
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0
    return x, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset")
    ap.add_argument("out")
    ap.add_argument("--viewports", type=int, default=160)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    m = json.load(open(os.path.join(a.dataset, "manifest.json"), encoding="utf-8"))
    centres = []
    for layer in m["layers"]:
        if layer["schema"]["geometry"] == "point" and layer["schema"]["id"] in (
                "shelters", "water_sources", "hazard_points", "depots"):
            for feat in read_features(os.path.join(a.dataset, layer["file"])):
                c = feat["geometry"]["coordinates"]
                centres.append((c[0], c[1]))
    boxes = [l["bbox"] for l in m["layers"] if l.get("bbox")]
    bbox = [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]
    lines = []
    for _ in range(a.viewports):
        z = rng.choices(ZOOMS, WEIGHTS)[0]
        if centres:
            lon, lat = rng.choice(centres)
        else:
            lon, lat = rng.uniform(bbox[0], bbox[2]), rng.uniform(bbox[1], bbox[3])
        x, y = world(lon, lat)
        n = 2 ** z
        px, py = x * n * 512, y * n * 512
        for ty in range(int((py - 400) // 512), int((py + 400) // 512) + 1):
            for tx in range(int((px - 640) // 512), int((px + 640) // 512) + 1):
                if 0 <= tx < n and 0 <= ty < n:
                    lines.append(f"{z}/{tx}/{ty}")
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{len(lines)} tiles from {a.viewports} views -> {a.out}")


if __name__ == "__main__":
    main()
