//! `components.schemas` of the OpenAPI document: the shapes the handlers really
//! serialize (server/tests/openapi_responses.rs validates live answers against them,
//! so they cannot drift). Members a client relies on are required; others are typed
//! where present. Objects stay open (no `additionalProperties: false`): layers' own
//! fields and optional members vary by dataset and caller clearance.

use serde_json::{Value as Json, json};

fn r(name: &str) -> Json {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn obj(required: &[&str], properties: Json) -> Json {
    json!({"type": "object", "required": required, "properties": properties})
}

fn arr(items: Json) -> Json {
    json!({"type": "array", "items": items})
}

fn s() -> Json {
    json!({"type": "string"})
}

fn i() -> Json {
    json!({"type": "integer"})
}

fn n() -> Json {
    json!({"type": "number"})
}

fn b() -> Json {
    json!({"type": "boolean"})
}

/// `schema` or null (3.0's `nullable`; a `$ref` ignores siblings, so it goes in `allOf`).
fn nullable(mut schema: Json) -> Json {
    if schema.get("$ref").is_some() {
        schema = json!({"allOf": [schema]});
    }
    schema["nullable"] = json!(true);
    schema
}

/// Every schema the document's responses refer to (besides the events' own).
pub(super) fn schemas() -> Json {
    let mut all = serde_json::Map::new();
    for (name, schema) in ogc().into_iter().chain(tiles()).chain(api()) {
        all.insert(name.to_string(), schema);
    }
    Json::Object(all)
}

fn ogc() -> Vec<(&'static str, Json)> {
    let links = || arr(r("Link"));
    vec![
        (
            "Error",
            obj(
                &["error"],
                json!({"error": obj(&["code", "message"], json!({
            "code": {"type": "string", "description": "stable, machine-readable (bad_parameter, not_found, ...)"},
            "message": s(),
            "field": {"type": "string", "nullable": true, "description": "the request field at fault"}}))}),
            ),
        ),
        (
            "OpenApiDocument",
            obj(
                &["openapi", "info", "paths"],
                json!({"openapi": s(), "info": {"type": "object"}, "paths": {"type": "object"}, "components": {"type": "object"}}),
            ),
        ),
        (
            "Link",
            obj(
                &["href", "rel"],
                json!({"href": s(), "rel": s(), "type": s(), "title": s(), "templated": b()}),
            ),
        ),
        (
            "LandingPage",
            obj(
                &["links"],
                json!({"title": s(), "description": s(), "links": links()}),
            ),
        ),
        (
            "Conformance",
            obj(&["conformsTo"], json!({"conformsTo": arr(s())})),
        ),
        (
            "Collection",
            obj(
                &["id", "links"],
                json!({"id": s(), "title": s(), "description": s(),
            "links": links(), "itemType": s(), "crs": arr(s()), "storageCrs": s(),
            "extent": {"type": "object", "properties": {"spatial": obj(&["bbox"], json!({"bbox": arr(arr(n())), "crs": s()}))}}}),
            ),
        ),
        (
            "Collections",
            obj(
                &["collections", "links"],
                json!({"collections": arr(r("Collection")), "links": links()}),
            ),
        ),
        (
            "Queryables",
            obj(
                &["type", "properties"],
                json!({"$schema": s(), "$id": s(), "title": s(),
            "type": {"type": "string", "enum": ["object"]}, "properties": {"type": "object", "additionalProperties": {"type": "object"}},
            "additionalProperties": b()}),
            ),
        ),
        (
            "Geometry",
            json!({"type": "object", "nullable": true, "required": ["type"], "properties": {
            "type": {"type": "string", "enum": ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"]},
            "coordinates": {"type": "array"}, "geometries": {"type": "array", "items": {"type": "object"}}}}),
        ),
        (
            "Feature",
            obj(
                &["type", "geometry", "properties"],
                json!({
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"oneOf": [i(), s()]}, "geometry": r("Geometry"),
            "properties": nullable(json!({"type": "object"})), "bbox": arr(n()), "links": links()}),
            ),
        ),
        (
            "FeatureCollection",
            obj(
                &["type", "features"],
                json!({
            "type": {"type": "string", "enum": ["FeatureCollection"]}, "features": arr(r("Feature")),
            "numberMatched": {"type": "integer", "minimum": 0}, "numberReturned": {"type": "integer", "minimum": 0},
            "timeStamp": s(), "links": links()}),
            ),
        ),
    ]
}

fn tiles() -> Vec<(&'static str, Json)> {
    let links = || arr(r("Link"));
    let tileset_ref = obj(
        &["dataType", "crs", "links"],
        json!({"title": s(), "dataType": {"type": "string", "enum": ["vector"]},
        "crs": s(), "tileMatrixSetURI": s(), "links": links()}),
    );
    vec![
        (
            "TileMatrixSets",
            obj(
                &["tileMatrixSets"],
                json!({"tileMatrixSets": arr(obj(&["id", "links"], json!({
            "id": s(), "title": s(), "uri": s(), "crs": s(), "links": links()}))), "links": links()}),
            ),
        ),
        (
            "TileMatrixSet",
            obj(
                &["id", "crs", "tileMatrices"],
                json!({"id": s(), "title": s(), "uri": s(), "crs": s(),
            "orderedAxes": arr(s()), "wellKnownScaleSet": s(),
            "tileMatrices": arr(obj(&["id", "scaleDenominator", "cellSize", "pointOfOrigin", "tileWidth", "tileHeight", "matrixWidth", "matrixHeight"], json!({
                "id": s(), "scaleDenominator": n(), "cellSize": n(), "cornerOfOrigin": s(), "pointOfOrigin": arr(n()),
                "tileWidth": i(), "tileHeight": i(), "matrixWidth": i(), "matrixHeight": i()})))}),
            ),
        ),
        (
            "TileSets",
            obj(
                &["tilesets"],
                json!({"tilesets": arr(tileset_ref.clone()), "links": links()}),
            ),
        ),
        ("TileSet", {
            let mut t = tileset_ref;
            t["properties"]["tileMatrixSetLimits"] = arr(obj(
                &[
                    "tileMatrix",
                    "minTileRow",
                    "maxTileRow",
                    "minTileCol",
                    "maxTileCol",
                ],
                json!({
                "tileMatrix": s(), "minTileRow": i(), "maxTileRow": i(), "minTileCol": i(), "maxTileCol": i()}),
            ));
            t["properties"]["layers"] = arr(obj(
                &["id"],
                json!({"id": s(), "title": s(), "dataType": s(), "geometryDimension": i(),
                "minTileMatrix": s(), "maxTileMatrix": s(), "propertiesSchema": {"type": "object"}}),
            ));
            t["properties"]["boundingBox"] = obj(
                &["lowerLeft", "upperRight"],
                json!({"crs": s(), "lowerLeft": arr(n()), "upperRight": arr(n())}),
            );
            t["properties"]["minTileMatrix"] = s();
            t["properties"]["maxTileMatrix"] = s();
            t
        }),
        (
            "TileJSON",
            obj(
                &["tilejson", "tiles", "vector_layers"],
                json!({"tilejson": s(), "name": s(), "description": s(),
            "version": s(), "attribution": s(), "scheme": s(), "tiles": arr(s()), "minzoom": i(), "maxzoom": i(),
            "bounds": arr(n()), "center": arr(n()), "dataset_version": s(),
            "vector_layers": arr(obj(&["id", "fields"], json!({"id": s(), "description": s(), "minzoom": i(), "maxzoom": i(),
                "fields": {"type": "object", "additionalProperties": s()}, "geometry": s(), "synthetic": b()})))}),
            ),
        ),
        (
            "Catalog",
            obj(
                &["tilesets", "styles"],
                json!({"title": s(), "dataset_version": s(),
            "styles": arr(obj(&["id", "url"], json!({"id": s(), "url": s()}))),
            "tilesets": arr(obj(&["id", "tilejson", "tiles"], json!({"id": s(), "tilejson": s(), "tiles": s(),
                "name": obj(&["zh", "en"], json!({"zh": s(), "en": s()})), "bbox": nullable(arr(n())), "feature_count": i(), "geometry": s()})))}),
            ),
        ),
        (
            "Style",
            obj(
                &["version", "sources", "layers"],
                json!({"version": {"type": "integer", "enum": [8]}, "name": s(),
            "sources": {"type": "object"}, "layers": arr(obj(&["id", "type"], json!({"id": s(), "type": s()})))}),
            ),
        ),
        (
            "Health",
            obj(
                &["status"],
                json!({"status": s(), "title": s(), "dataset_version": s(), "dataset_created": s(), "load_ms": i(),
            "layers": arr(obj(&["id", "features"], json!({"id": s(), "features": i(), "bbox": nullable(arr(n())), "synthetic": b()}))),
            "last_load": {"type": "object", "nullable": true}}),
            ),
        ),
    ]
}

fn api() -> Vec<(&'static str, Json)> {
    let unit = obj(
        &["code", "name", "level"],
        json!({"code": s(), "name": s(), "level": s(), "parent_code": nullable(s()),
        "population": nullable(i()), "households": nullable(i()), "synthetic": nullable(b())}),
    );
    // A nearby point feature: where it is, how far, its (access-filtered) fields.
    let near = obj(
        &["fid", "lon", "lat", "distance_m", "properties"],
        json!({"fid": i(), "lon": n(), "lat": n(),
        "distance_m": n(), "properties": {"type": "object"}}),
    );
    let figures = obj(
        &["grids", "persons", "households", "persons_to_move"],
        json!({"grids": i(), "persons": i(), "households": i(),
        "persons_to_move": i(), "exposure": arr(json!({"type": "object"})), "shelters": i(), "shelters_open": i(),
        "shelter_capacity_open": i(), "capacity_gap": i(), "depots": i(), "inventory": {"type": "object", "additionalProperties": i()},
        "water_sources": i(), "water_sources_by_type": {"type": "object", "additionalProperties": i()}, "water_volume_m3": n()}),
    );
    let tally = obj(
        &["grids", "called", "answered", "silent", "persons_to_move"],
        json!({"grids": i(), "called": i(), "answered": i(),
        "silent": i(), "not_called": i(), "persons_to_move": i(), "persons_moved": i(), "persons_remaining": i(),
        "oldest_unanswered_call_age_s": nullable(n())}),
    );
    let mut county = tally.clone();
    county["properties"]["county_code"] = s();
    county["properties"]["townships"] = arr(tally.clone());
    let grid_state = obj(
        &["grid_code"],
        json!({"grid_code": s(), "called_at": nullable(s()), "answered_at": nullable(s()),
        "persons_moved": nullable(i()), "updated_at": nullable(s()), "called_by": nullable(s()), "note": nullable(s())}),
    );
    let mut nearest_fc = obj(
        &["type", "features", "layer", "origin", "k"],
        json!({"layer": s(), "origin": arr(n()), "k": i(),
        "max_distance_m": nullable(n())}),
    );
    nearest_fc = json!({"allOf": [r("FeatureCollection"), nearest_fc]});
    let within_fc = json!({"allOf": [r("FeatureCollection"), obj(&["layer", "numberMatched", "numberReturned", "limit", "offset"],
        json!({"layer": s(), "limit": i(), "offset": i()}))]});
    vec![
        ("AdminUnit", unit),
        ("NearFeature", near),
        ("NearestResult", nearest_fc),
        ("WithinResult", within_fc),
        (
            "PointProfile",
            obj(
                &["lon", "lat", "admin", "grids", "hazards", "nearest"],
                json!({"lon": n(), "lat": n(),
            "admin": arr(r("AdminUnit")),
            "grids": arr(obj(&["fid", "properties"], json!({"fid": i(), "properties": {"type": "object"}, "assigned_shelter": nullable(json!({"type": "object"}))}))),
            "hazards": arr(obj(&["fid", "hazard_type", "grade"], json!({"fid": i(), "hazard_type": s(), "hazard_type_zh": s(), "grade": i(), "grade_zh": s(), "properties": {"type": "object"}}))),
            "nearest": {"type": "object", "additionalProperties": nullable(r("NearFeature"))}}),
            ),
        ),
        (
            "AreaSummary",
            obj(
                &["unit", "figures", "children"],
                json!({"unit": r("AdminUnit"), "figures": figures.clone(),
            "children": arr(obj(&["unit", "figures"], json!({"unit": r("AdminUnit"), "figures": figures})))}),
            ),
        ),
        (
            "TransferAnalysis",
            obj(
                &[
                    "hazard_type",
                    "method",
                    "summary",
                    "exposure",
                    "grids",
                    "shelters",
                    "unusable_shelters",
                ],
                json!({
            "hazard_type": s(), "method": s(), "exposure": obj(&["scope", "min_grade"], json!({"scope": s(), "min_grade": i()})),
            "summary": obj(&["grids", "persons", "persons_placed", "persons_unplaced"], json!({"grids": i(), "persons": i(), "persons_placed": i(), "persons_unplaced": i()})),
            "grids": arr(obj(&["fid", "grid_code", "persons_to_move", "unplaced"], json!({"fid": i(), "grid_code": s(), "name": nullable(s()),
                "persons_to_move": i(), "households_to_move": i(), "unplaced": i(), "planned_shelter_id": nullable(s()), "reroute_reason": nullable(s()),
                "assignments": arr(json!({"type": "object"})), "geometry": r("Geometry")}))),
            "shelters": arr(obj(&["fid", "assigned", "capacity"], json!({"fid": i(), "shelter_id": nullable(s()), "name": nullable(s()), "assigned": i(), "capacity": i(), "remaining": i()}))),
            "unusable_shelters": arr(obj(&["fid", "reason"], json!({"fid": i(), "reason": s()}))),
            "call_list": arr(json!({"type": "object"}))}),
            ),
        ),
        (
            "EarthquakeAnalysis",
            obj(
                &[
                    "epicentre",
                    "magnitude",
                    "zones",
                    "orientation",
                    "depots_in_reach",
                    "relation",
                ],
                json!({
            "epicentre": arr(n()), "magnitude": n(), "depth_km": n(), "epicentral_intensity": n(), "reach_km": n(),
            "orientation": obj(&["source"], json!({"source": s(), "strike_deg": nullable(n())})),
            "zones": r("FeatureCollection"), "depots_in_reach": arr(r("NearFeature")), "notes": arr(s()),
            "relation": obj(&["name", "citation"], json!({"name": s(), "citation": s(), "formula": s()}))}),
            ),
        ),
        (
            "FireAnalysis",
            obj(
                &[
                    "lon",
                    "lat",
                    "water_sources",
                    "fire_depots",
                    "neighbouring_counties",
                ],
                json!({
            "lon": n(), "lat": n(), "county": nullable(r("AdminUnit")), "water_sources": arr(r("NearFeature")),
            "fire_depots": arr(r("NearFeature")), "neighbouring_counties": arr(r("AdminUnit")), "neighbour_tolerance_m": n()}),
            ),
        ),
        (
            "EventCollection",
            obj(
                &["type", "features"],
                json!({"type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": arr(r("EventFeature")), "numberReturned": i()}),
            ),
        ),
        ("GridState", grid_state),
        (
            "GridWritten",
            obj(
                &["event_id", "grid"],
                json!({"event_id": s(), "grid": r("GridState")}),
            ),
        ),
        (
            "GridsWritten",
            obj(
                &["event_id", "grids"],
                json!({"event_id": s(), "grids": arr(r("GridState"))}),
            ),
        ),
        (
            "Progress",
            obj(
                &[
                    "event_id", "revision", "as_of", "totals", "counties", "grids",
                ],
                json!({"event_id": s(), "revision": i(),
            "dataset_version": nullable(s()), "as_of": s(), "totals": tally, "counties": arr(county),
            "grids": arr(obj(&["grid_code", "persons_to_move"], json!({"grid_code": s(), "name": nullable(s()), "county_code": nullable(s()),
                "township_code": nullable(s()), "persons_to_move": i(), "called_at": nullable(s()), "answered_at": nullable(s()),
                "persons_moved": nullable(i())})))}),
            ),
        ),
    ]
}
