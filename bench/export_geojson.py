#!/usr/bin/env python3
"""Export a prepared dataset's layers as GeoJSON files for Martin (bench/tiles.sh), with
public fields only, as a public caller sees them from riskmap. Prints the layer ids,
comma-separated. Existing files are kept (the export of the Yunnan scale is slow).

    export_geojson.py DATASET_DIR OUT_DIR
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "lib"))
from fgb import read_features  # noqa: E402

ds, out = sys.argv[1], sys.argv[2]
m = json.load(open(os.path.join(ds, "manifest.json"), encoding="utf-8"))
ids = []
for layer in m["layers"]:
    lid = layer["schema"]["id"]
    public = {f["name"] for f in layer["schema"]["fields"] if f["sensitivity"] == "public"}
    path = os.path.join(out, lid + ".geojson")
    if not os.path.exists(path):
        feats = [{"type": "Feature", "geometry": ft["geometry"],
                  "properties": {k: v for k, v in (ft.get("properties") or {}).items() if k in public}}
                 for ft in read_features(os.path.join(ds, layer["file"]))]
        with open(path + ".tmp", "w") as f:
            json.dump({"type": "FeatureCollection", "features": feats}, f, ensure_ascii=False)
        os.replace(path + ".tmp", path)
    ids.append(lid)
print(",".join(ids))
