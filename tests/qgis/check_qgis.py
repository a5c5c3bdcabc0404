#!/usr/bin/python3
"""QGIS as a client of riskmap-server, headless through PyQGIS (Debian's QGIS 3.22).

What an analyst does in QGIS, checked against what the server says of itself:

1. OGC API – Features: every public collection opened with QGIS's OAPIF provider holds as
   many features as the server's `numberMatched`, with the fields of the collection's
   `queryables` (the server's own schema) typed as it says, and no field the dataset's
   manifest marks non-public.
2. The served styles (`/styles/onemap.json`, `/styles/wall.json`) converted by QGIS's own
   MapLibre converter (QgsMapBoxGlStyleConverter): any converter warning fails, and so
   does what the converter does not warn about: a converted rule QGIS cannot parse (it
   draws the fallback or nothing) and a layer hidden in the style that QGIS would draw.
3. The composite vector tiles (`/tiles/onemap/{z}/{x}/{y}.mvt`) as a QGIS vector tile
   layer with the converted onemap style, rendered over the region (Chuxiong, 532300):
   the four census-grade colours of the style's visible hazard layer each cover a
   meaningful share of the region, drawn over the admin fill (not washed out under it),
   and no hazard zone falls back to the style's default grey. The image is saved.
"""

import argparse
import json
import os
import sys
import time
import urllib.request

import numpy as np
from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsDataSourceUri,
    QgsExpression,
    QgsFeature,
    QgsFeatureRequest,
    QgsFillSymbol,
    QgsMapBoxGlStyleConverter,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsPalLayerSettings,
    QgsProject,
    QgsSingleSymbolRenderer,
    QgsSymbol,
    QgsSymbolLayer,
    QgsVectorLayer,
    QgsVectorTileLayer,
)
from qgis.PyQt.QtCore import QSize, QVariant
from qgis.PyQt.QtGui import QColor, QImage

# What each JSON schema type of the server's queryables may be in QGIS's fields.
QGIS_TYPES = {
    "integer": {QVariant.Int, QVariant.LongLong},
    "number": {QVariant.Double, QVariant.Int, QVariant.LongLong},
    "string": {QVariant.String},
    "boolean": {QVariant.Bool},
}
# Fields the OAPIF provider adds itself (the feature id).
PROVIDER_FIELDS = {"id", "gml_id", "fid"}
SIZE = QSize(1200, 1000)

problems = []


def problem(msg):
    problems.append(msg)
    print(f"  FAIL {msg}", flush=True)


def get_json(url):
    req = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


# --- 1. OGC API – Features -------------------------------------------------------------


def oapif_layer(base, cid):
    uri = QgsDataSourceUri()
    uri.setParam("url", base)
    uri.setParam("typename", cid)
    uri.setParam("pageSize", "1000")
    return QgsVectorLayer(uri.uri(False), cid, "OAPIF")


def check_features(base, manifest, only):
    sensitivity = {
        ml["schema"]["id"]: {f["name"]: f["sensitivity"] for f in ml["schema"]["fields"]}
        for ml in manifest["layers"]
    }
    collections = get_json(f"{base}/collections")["collections"]
    ids = [c["id"] for c in collections if not only or c["id"] in only]
    if not ids:
        problem("/collections lists no collection")
    for cid in ids:
        t0 = time.monotonic()
        matched = get_json(f"{base}/collections/{cid}/items?limit=1").get("numberMatched")
        queryables = get_json(f"{base}/collections/{cid}/queryables")["properties"]
        layer = oapif_layer(base, cid)
        if not layer.isValid():
            problem(f"OAPIF {cid}: QGIS cannot open the collection ({layer.error().summary()})")
            continue
        count = sum(1 for _ in layer.getFeatures())
        fields = {f.name(): f for f in layer.fields()}
        if matched is None:
            problem(f"OAPIF {cid}: the items answer has no numberMatched")
        elif count != matched:
            problem(f"OAPIF {cid}: QGIS read {count} features, the server says numberMatched={matched}")
        typed = 0
        for name, spec in queryables.items():
            if "type" not in spec:  # the geometry
                continue
            f = fields.get(name)
            if f is None:
                problem(f"OAPIF {cid}: QGIS has no field {name!r} (the queryables list it)")
            elif f.type() not in QGIS_TYPES.get(spec["type"], set()):
                problem(f"OAPIF {cid}.{name}: QGIS typed it {QVariant.typeToName(f.type())}, "
                        f"the server's queryables say {spec['type']}")
            else:
                typed += 1
        known = sensitivity.get(cid, {})
        for name in set(fields) - PROVIDER_FIELDS:
            level = known.get(name)
            if level is not None and level != "public":
                problem(f"OAPIF {cid}: field {name!r} is {level} in the manifest, yet a public caller gets it")
            elif level is None:
                problem(f"OAPIF {cid}: field {name!r} is not in the manifest's schema")
        print(f"  OAPIF {cid}: {count} features (numberMatched {matched}), {typed} fields typed as the "
              f"queryables say, {time.monotonic() - t0:.1f} s", flush=True)


# --- 2. Styles through QGIS's MapLibre converter --------------------------------------


def property_names(definitions):
    return {k: d.name() for k, d in definitions.items()}


SYMBOL_LAYER_PROPS = property_names(QgsSymbolLayer.propertyDefinitions())
SYMBOL_PROPS = property_names(QgsSymbol.propertyDefinitions())
LABEL_PROPS = property_names(QgsPalLayerSettings.propertyDefinitions())


def check_expression(style, layer, what, text):
    if not text:
        return
    e = QgsExpression(text)
    if e.hasParserError():
        first = e.parserErrorString().strip().splitlines()[0]
        problem(f"style {style}: {layer} {what} converts to an expression QGIS cannot parse: {text} ({first})")


def check_properties(style, layer, props, names):
    for key in props.propertyKeys():
        check_expression(style, layer, names.get(key, key), props.property(key).expressionString())


def convert(base, name):
    """The served style converted by QGIS; every warning is a problem."""
    style = get_json(f"{base}/styles/{name}.json")
    conv = QgsMapBoxGlStyleConverter()
    if conv.convert(style) != QgsMapBoxGlStyleConverter.Success:
        problem(f"style {name}: QGIS could not convert it ({conv.errorMessage()})")
    warnings = list(conv.warnings())
    for w in warnings:
        problem(f"style {name}: QGIS converter warning: {w}")
    renderer, labeling = conv.renderer(), conv.labeling()
    rules = renderer.styles() if renderer else []
    labels = labeling.styles() if labeling else []
    # A rule QGIS cannot parse is no converter warning: it draws the fallback or nothing.
    for st in rules:
        check_expression(name, st.styleName(), "filter", st.filterExpression())
        sym = st.symbol()
        if sym:
            check_properties(name, st.styleName(), sym.dataDefinedProperties(), SYMBOL_PROPS)
            for sl in sym.symbolLayers():
                check_properties(name, st.styleName(), sl.dataDefinedProperties(), SYMBOL_LAYER_PROPS)
    for st in labels:
        check_expression(name, st.styleName(), "label filter", st.filterExpression())
        settings = st.labelSettings()  # kept: the properties live in it
        check_properties(name, st.styleName(), settings.dataDefinedProperties(), LABEL_PROPS)
    hidden = {sl["id"] for sl in style["layers"] if sl.get("layout", {}).get("visibility") == "none"}
    for st in list(rules) + list(labels):
        if st.styleName() in hidden and st.isEnabled():
            problem(f"style {name}: layer {st.styleName()} is hidden (layout visibility none) but QGIS draws it")
    print(f"  style {name}: {len(style['layers'])} style layers → {len(rules)} QGIS rules and {len(labels)} "
          f"label rules, {len(warnings)} converter warnings", flush=True)
    return style, renderer, labeling


# --- 3. The rendered map ---------------------------------------------------------------


def hex_rgb(h):
    c = QColor(h)
    return np.array([c.red(), c.green(), c.blue()], dtype=float)


def over(bg, fg, alpha):
    return bg * (1 - alpha) + fg * alpha


def grade_fill(style):
    """The visible fill of hazard_zones: its index, grade → colour match, fallback and opacity."""
    for i, sl in enumerate(style["layers"]):
        if (sl.get("source-layer") == "hazard_zones" and sl["type"] == "fill"
                and sl.get("layout", {}).get("visibility", "visible") == "visible"):
            expr = sl["paint"]["fill-color"]
            if expr[:2] != ["match", ["get", "grade"]]:
                raise SystemExit(f"{sl['id']}: fill-color is not a match on grade: {expr}")
            body = expr[2:-1]
            colours = {}
            for label, colour in zip(body[0::2], body[1::2]):
                for g in (label if isinstance(label, list) else [label]):
                    colours[int(g)] = colour
            return i, colours, expr[-1], float(sl["paint"].get("fill-opacity", 1))
    raise SystemExit("the style has no visible fill on hazard_zones")


def region_geometry(base, code):
    """The region's outline, read through QGIS's OAPIF provider."""
    layer = oapif_layer(base, "admin")
    request = QgsFeatureRequest().setFilterExpression(f"\"code\" = '{code}'")
    feats = list(layer.getFeatures(request))
    if len(feats) != 1:
        raise SystemExit(f"admin {code}: QGIS found {len(feats)} features through OAPIF")
    return feats[0].geometry()


def render(settings, layers):
    settings.setLayers(layers)
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    for err in job.errors():
        problem(f"rendering: {err.layerID}: {err.message}")
    return job.renderedImage()


def as_rgb(image):
    img = image.convertToFormat(QImage.Format_RGB888)
    ptr = img.constBits()
    ptr.setsize(img.sizeInBytes())
    rows = np.frombuffer(ptr, dtype=np.uint8).reshape(img.height(), img.bytesPerLine())
    return rows[:, : img.width() * 3].reshape(img.height(), img.width(), 3).astype(float)


def tiles_layer(base, maxzoom, name, renderer, labeling):
    """The composite vector tiles as a QGIS vector tile layer with a converted style."""
    uri = QgsDataSourceUri()
    uri.setParam("type", "xyz")
    uri.setParam("url", f"{base}/tiles/onemap/{{z}}/{{x}}/{{y}}.mvt")
    uri.setParam("zmin", "0")
    uri.setParam("zmax", str(maxzoom))
    layer = QgsVectorTileLayer(bytes(uri.encodedUri()).decode(), name)
    if not layer.isValid():
        raise SystemExit("QGIS cannot open the composite vector tiles")
    layer.setRenderer(renderer)
    if labeling:
        layer.setLabeling(labeling)
    QgsProject.instance().addMapLayer(layer)
    return layer


def region_settings(geometry):
    """Map settings over the region in Web Mercator, and a mask of the region's pixels."""
    mask = QgsVectorLayer("MultiPolygon?crs=EPSG:4326", "region", "memory")
    feat = QgsFeature()
    feat.setGeometry(geometry)
    mask.dataProvider().addFeatures([feat])
    mask.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple({"color": "0,0,0,255", "outline_style": "no"})))
    QgsProject.instance().addMapLayer(mask)
    merc = QgsCoordinateReferenceSystem("EPSG:3857")
    to_merc = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), merc, QgsProject.instance())
    settings = QgsMapSettings()
    settings.setDestinationCrs(merc)
    settings.setOutputSize(SIZE)
    settings.setExtent(to_merc.transformBoundingBox(geometry.boundingBox()).buffered(2000))
    settings.setBackgroundColor(QColor(255, 255, 255))
    inside = np.all(as_rgb(render(settings, [mask])) < 128, axis=-1)
    return settings, inside


def render_to(settings, layer, out):
    t0 = time.monotonic()
    image = render(settings, [layer])
    took = time.monotonic() - t0
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    image.save(out)
    print(f"  {layer.name()}: rendered {image.width()}x{image.height()} at 1:{settings.scale():,.0f} in {took:.1f} s "
          f"→ {out}", flush=True)
    return as_rgb(image)


def count_near(rgb, where, targets, tol=6):
    hit = np.zeros(where.shape, dtype=bool)
    for t in targets:
        hit |= np.all(np.abs(rgb - t) <= tol, axis=-1)
    return int((hit & where).sum())


def check_colours(rgb, inside, style, min_share):
    at, colours, fallback, alpha = grade_fill(style)
    sl = style["layers"][at]
    legend = style.get("metadata", {}).get("riskmap:legend", {}).get("grades", [])
    if legend and {g["grade"]: g["color"].lower() for g in legend} != {g: c.lower() for g, c in colours.items()}:
        problem(f"style: {sl['id']} colours {colours} differ from the legend {legend}")
    if sorted(colours) != [1, 2, 3, 4]:
        problem(f"style: {sl['id']} colours grades {sorted(colours)}, not 1–4")
    bg = next(hex_rgb(l["paint"]["background-color"]) for l in style["layers"] if l["type"] == "background")
    admin = [(i, l) for i, l in enumerate(style["layers"]) if l["type"] == "fill" and l.get("source-layer") == "admin"]
    for i, l in admin:
        if i > at:
            problem(f"style: the admin fill {l['id']} is drawn over the grades ({sl['id']})")
    fills = [(hex_rgb(l["paint"]["fill-color"]), float(l["paint"].get("fill-opacity", 1))) for _, l in admin]
    # What the grades should be drawn over: the background under the admin fills, once
    # or twice (prefecture and county overlap); what they look like under those fills.
    bases = [bg]
    for colour, fa in fills:
        for _ in range(2):
            bases.append(over(bases[-1], colour, fa))
    region = int(inside.sum())
    print(f"  {sl['id']}: {region} of {inside.size} pixels in the region; grade colours at opacity {alpha}",
          flush=True)
    counts = {}
    for g in sorted(colours):
        c = hex_rgb(colours[g])
        drawn = count_near(rgb, inside, [over(b, c, alpha) for b in bases])
        washed = count_near(rgb, inside, [over(over(b, c, alpha), fc, fa) for b in bases for fc, fa in fills])
        counts[g] = drawn
        print(f"    grade {g} {colours[g]}: {drawn} pixels ({drawn / max(region, 1):.1%} of the region), "
              f"{washed} under the admin fill", flush=True)
        if drawn < min_share * region:
            problem(f"grade {g} ({colours[g]}) covers {drawn} pixels, {drawn / max(region, 1):.2%} of the region "
                    f"(at least {min_share:.0%} expected)")
        if washed > drawn / 10:
            problem(f"grade {g} ({colours[g]}): {washed} pixels show it under the admin fill, {drawn} over it")
    grey = count_near(rgb, inside, [over(b, hex_rgb(fallback), alpha) for b in bases])
    print(f"    fallback {fallback}: {grey} pixels", flush=True)
    if grey > region / 200:
        problem(f"{grey} pixels show the fallback {fallback}: QGIS matched no grade there")
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True, help="riskmap-server, e.g. http://127.0.0.1:18500")
    ap.add_argument("--dataset", required=True, help="the dataset the server serves (for its manifest.json)")
    ap.add_argument("--region", default="532300", help="admin code of the region to render (default Chuxiong)")
    ap.add_argument("--out", required=True, help="where to save the map rendered with the onemap style (PNG)")
    ap.add_argument("--wall-out", help="where to save the map rendered with the wall style (PNG), for review")
    ap.add_argument("--min-share", type=float, default=0.02,
                    help="each grade colour must cover at least this share of the region's pixels")
    ap.add_argument("--collections", default="", help="comma-separated collection ids to read (default: all)")
    args = ap.parse_args()
    base = args.url.rstrip("/")
    manifest = json.load(open(os.path.join(args.dataset, "manifest.json"), encoding="utf-8"))

    QgsApplication.setPrefixPath("/usr", True)  # Debian's QGIS
    app = QgsApplication([], False)
    app.initQgis()
    t0 = time.monotonic()
    print("OGC API – Features through QGIS's OAPIF provider", flush=True)
    check_features(base, manifest, {c for c in args.collections.split(",") if c})

    print("the served styles through QGIS's MapLibre converter", flush=True)
    onemap, onemap_renderer, onemap_labeling = convert(base, "onemap")
    _, wall_renderer, wall_labeling = convert(base, "wall")

    print(f"the composite vector tiles rendered over {args.region}", flush=True)
    maxzoom = get_json(f"{base}/tiles/onemap.json")["maxzoom"]
    settings, inside = region_settings(region_geometry(base, args.region))
    rgb = render_to(settings, tiles_layer(base, maxzoom, "onemap", onemap_renderer, onemap_labeling), args.out)
    check_colours(rgb, inside, onemap, args.min_share)
    if args.wall_out:  # for review: the wall's style as QGIS draws it
        render_to(settings, tiles_layer(base, maxzoom, "wall", wall_renderer, wall_labeling), args.wall_out)

    QgsProject.instance().removeAllMapLayers()
    app.exitQgis()
    took = time.monotonic() - t0
    if problems:
        print(f"QGIS client check: {len(problems)} problem(s) ({took:.0f} s)", file=sys.stderr)
        return 1
    print(f"QGIS client check: passed ({took:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
