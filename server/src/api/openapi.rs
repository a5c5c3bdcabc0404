//! `GET /api/openapi.json`: the OpenAPI 3 document for every endpoint of the server,
//! with the limits enforced (from `Limits`, the one place they live).

use axum::Json as AxumJson;
use axum::response::{IntoResponse, Response};
use layers::catalogue::{HAZARD_TYPES, INVENTORY_CATEGORIES};
use layers::query::GB18306_QINGHAI_TIBET;
use layers::query::NEIGHBOUR_TOLERANCE_M;
use layers::query::{DEFAULT_REACH_KM, FAULT_NEAR_KM};
use layers::query::{METHOD_ALL, METHOD_EXPOSED, METHOD_PLACE};
use serde_json::{Map, Value as Json, json};

use super::openapi_build::{
    bbox_schema, get, lat, limit, lon, num, offset, ok, path, point_schema, polygon_schema, post,
    q, tile_params, with_csv,
};
use super::queries::LIMITS;

/// The document; `body_limit` is the server's configured request body limit.
pub fn document(body_limit: usize) -> Json {
    let mut paths = Map::new();
    ops_paths(&mut paths);
    super::openapi_ogc::ogc_paths(&mut paths);
    tiles_paths(&mut paths);
    super::openapi_ogc::ogc_tiles_paths(&mut paths);
    queries_paths(&mut paths, body_limit);
    analyses_paths(&mut paths);
    super::openapi_events::paths(&mut paths);
    let error = json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let resp = |d: &str| {
        let mut e = error.clone();
        e["description"] = json!(d);
        e
    };
    json!({
        "openapi": "3.0.3",
        "info": {"title": "riskmap API", "version": env!("CARGO_PKG_VERSION"),
            "description": "The unified risk map (一张图): spatial queries, scenario analyses, OGC API – Features and vector tiles. Coordinates EPSG:4326 lon/lat; distances geodesic metres on the WGS84 ellipsoid. Personal fields (responsible persons, phones, special-needs counts) are returned only to callers cleared for personal data.",
            "x-limits": LIMITS, "x-body-limit-bytes": body_limit},
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "responses": {
                "BadRequest": resp("bad or unknown parameter, malformed body"),
                "NotFound": resp("no such thing"),
                "TooLarge": resp(&format!("request body over {body_limit} bytes")),
                "Unprocessable": resp("wrong geometry type or invalid (e.g. self-intersecting) geometry"),
                "Unavailable": resp("no dataset loaded yet")
            }
        }
    })
}

/// The components' schemas: the API's own and the events' (which include the PATCH bodies).
fn schemas() -> Json {
    let mut all = super::openapi_schemas::schemas();
    if let (Some(all), Json::Object(events)) =
        (all.as_object_mut(), super::openapi_events::schemas())
    {
        all.extend(events);
    }
    all
}

/// Operations: health and this document.
fn ops_paths(paths: &mut Map<String, Json>) {
    let mut add = |p: &str, v: Json| {
        paths.insert(p.to_string(), v);
    };

    add(
        "/health",
        get(
            "Is a dataset loaded; its version and layers",
            vec![],
            ok("status", "application/json", "Health"),
        ),
    );
    add(
        "/api/openapi.json",
        get(
            "This document",
            vec![],
            ok(
                "OpenAPI 3.0 document",
                super::ogc::OPENAPI_MEDIA_TYPE,
                "OpenApiDocument",
            ),
        ),
    );
}

/// Vector tiles, their TileJSON, the catalogue and styles.
fn tiles_paths(paths: &mut Map<String, Json>) {
    let mut add = |p: &str, v: Json| {
        paths.insert(p.to_string(), v);
    };
    let mut tp = vec![path("layer", "layer id")];
    tp.extend(tile_params());

    add(
        "/tiles/{layer}/{z}/{x}/{y}.mvt",
        get(
            "XYZ vector tile of one layer (extent 4096, buffer 64, at most 500 KB)",
            tp,
            json!({"200": {"description": "Mapbox Vector Tile 2.1", "content": {"application/vnd.mapbox-vector-tile": {}}}, "204": {"description": "empty tile"}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}),
        ),
    );
    add(
        "/tiles/onemap/{z}/{x}/{y}.mvt",
        get(
            "XYZ composite tile of every layer the caller may see (一张图)",
            tile_params(),
            json!({"200": {"description": "Mapbox Vector Tile 2.1", "content": {"application/vnd.mapbox-vector-tile": {}}}, "204": {"description": "empty tile"}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}),
        ),
    );
    add(
        "/tiles/events/{z}/{x}/{y}.mvt",
        get(
            "XYZ tile of the live `events` layer: active events' areas and points, public fields only; changes without a dataset rebuild (ETag per events generation, Cache-Control no-cache; also a layer of `onemap`)",
            tile_params(),
            json!({"200": {"description": "Mapbox Vector Tile 2.1", "content": {"application/vnd.mapbox-vector-tile": {}}}, "204": {"description": "no active event in this tile"}, "304": {"description": "not modified since the ETag"}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}),
        ),
    );
    add(
        "/tiles/{layer}.json",
        get(
            "TileJSON 3.0 of a tileset (a layer or `onemap`)",
            vec![path(
                "layer",
                "layer id or onemap; the `.json` suffix is part of this segment",
            )],
            ok("TileJSON 3.0", "application/json", "TileJSON"),
        ),
    );
    add(
        "/catalog",
        get(
            "The layer catalogue: layers, fields, labels, sensitivity, synthetic flags",
            vec![],
            ok("catalogue", "application/json", "Catalog"),
        ),
    );
    add(
        "/styles/{name}.json",
        get(
            "A MapLibre style (analyst, wall)",
            vec![path(
                "name",
                "style name; the `.json` suffix is part of this segment",
            )],
            ok("MapLibre style JSON", "application/json", "Style"),
        ),
    );
}

/// The spatial questions.
fn queries_paths(paths: &mut Map<String, Json>, body_limit: usize) {
    let mut add = |p: &str, v: Json| {
        paths.insert(p.to_string(), v);
    };
    let categories: Vec<&str> = INVENTORY_CATEGORIES.iter().map(|c| c.0).collect();
    let layer = q(
        "layer",
        json!({"type": "string"}),
        true,
        "layer id (see /collections)",
    );

    add(
        "/api/v1/point",
        get(
            "Risk profile of a place: admin chain, evacuation grids at every level with their assigned shelter, hazard zones with type and grade, nearest open shelter / water source / depot (geodesic metres)",
            vec![lon(), lat()],
            ok("point profile", "application/json", "PointProfile"),
        ),
    );
    add(
        "/api/v1/nearest",
        get(
            &format!(
                "The k nearest features of a point layer by geodesic distance (WGS84 ellipsoid), nearest first; k <= {}, max_distance_m <= {} m",
                LIMITS.max_k, LIMITS.max_radius_m
            ),
            vec![
                layer.clone(),
                lon(),
                lat(),
                q(
                    "k",
                    json!({"type": "integer", "minimum": 1, "maximum": LIMITS.max_k, "default": 5}),
                    false,
                    "how many",
                ),
                q(
                    "max_distance_m",
                    json!({"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": LIMITS.max_radius_m}),
                    false,
                    "search radius, metres",
                ),
                q(
                    "open",
                    json!({"type": "boolean"}),
                    false,
                    "shelters: status open only",
                ),
                q(
                    "min_capacity",
                    json!({"type": "integer", "minimum": 0}),
                    false,
                    "shelters: capacity at least this (capacity is taken as free capacity)",
                ),
                q(
                    "type",
                    json!({"type": "string", "enum": ["pond", "reservoir", "stream", "tank", "hydrant"]}),
                    false,
                    "water_sources: type",
                ),
                q(
                    "helicopter_access",
                    json!({"type": "boolean"}),
                    false,
                    "water_sources: helicopter access",
                ),
                q(
                    "vehicle_access",
                    json!({"type": "boolean"}),
                    false,
                    "water_sources: vehicle access",
                ),
                q(
                    "level",
                    json!({"type": "string", "enum": ["province", "prefecture", "county", "township"]}),
                    false,
                    "depots: level",
                ),
                q(
                    "category",
                    json!({"type": "string", "enum": categories}),
                    false,
                    "depots: holds this inventory category",
                ),
                q(
                    "min_quantity",
                    json!({"type": "integer", "minimum": 1, "default": 1}),
                    false,
                    "depots: at least this many of `category`",
                ),
            ],
            ok(
                "GeoJSON FeatureCollection; each feature has distance_m",
                "application/json",
                "NearestResult",
            ),
        ),
    );
    add(
        "/api/v1/within",
        json!({
            "get": get(&format!("Features meeting a box, or within radius_m (<= {} m) of a point; exact tests; paged", LIMITS.max_radius_m),
                vec![layer.clone(), q("bbox", bbox_schema(false), false, "min_lon,min_lat,max_lon,max_lat"),
                    q("lon", num(), false, "circle centre longitude"), q("lat", num(), false, "circle centre latitude"),
                    q("radius_m", json!({"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": LIMITS.max_radius_m}), false, "geodesic radius, metres"),
                    limit(), offset()],
                ok("GeoJSON FeatureCollection with numberMatched/numberReturned", "application/json", "WithinResult"))["get"].clone(),
            "post": post(&format!("Features meeting a polygon (body, at most {} vertices, body at most {} bytes); exact tests; paged", LIMITS.max_polygon_vertices, body_limit),
                vec![layer.clone(), limit(), offset()], polygon_schema(),
                ok("GeoJSON FeatureCollection with numberMatched/numberReturned", "application/json", "WithinResult"))["post"].clone()
        }),
    );
    add(
        "/api/v1/areas/{code}/summary",
        get(
            "An admin unit and each unit below it: persons and households in grids per hazard type and grade, persons to move (grids in grade 3-4 zones) against open shelter capacity, depots with inventory totals, water sources",
            vec![path(
                "code",
                "GB/T 2260 code: 6 digits (county and above), 9 (township), 12 (village)",
            )],
            ok("area summary", "application/json", "AreaSummary"),
        ),
    );
}

/// The scenario analyses.
fn analyses_paths(paths: &mut Map<String, Json>) {
    let mut add = |p: &str, v: Json| {
        paths.insert(p.to_string(), v);
    };
    let rel = GB18306_QINGHAI_TIBET;
    let hazards: Vec<&str> = HAZARD_TYPES.iter().map(|h| h.0).collect();

    add(
        "/api/v1/analysis/transfer",
        post(
            &format!(
                "Warning-area transfer. {METHOD_EXPOSED} {METHOD_ALL} {METHOD_PLACE} With `Accept: text/csv` the answer is the per-grid table as CSV (UTF-8 with a BOM)."
            ),
            vec![],
            json!({"type": "object", "required": ["area", "hazard_type"], "additionalProperties": false, "properties": {
            "area": polygon_schema(),
            "hazard_type": {"type": "string", "enum": hazards},
            "max_distance_m": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": LIMITS.max_radius_m, "default": LIMITS.transfer_default_distance_m, "description": "farthest shelter a grid may be sent to"},
            "include_geometry": {"type": "boolean", "default": false, "description": "add the grids as GeoJSON (member geometry)"},
            "scope": {"type": "string", "enum": ["exposed", "all"], "default": "exposed", "description": "exposed: persons in danger zones of the warned hazard and those threatened by hazard points; all: everyone in the area"},
            "min_grade": {"type": "integer", "minimum": 1, "maximum": 4, "default": 3, "description": "lowest zone grade that counts as danger (3 = 较高)"}}}),
            with_csv(ok(
                "summary, exposure basis, one row per grid (persons to move, planned shelter, route planned/rerouted with reason, assignments, unplaced), shelters used, unusable shelters with reasons; geometry only with include_geometry; call_list (叫应) only for callers cleared for personal data. Accept: text/csv gives the per-grid table",
                "application/json",
                "TransferAnalysis",
            )),
        ),
    );
    add(
        "/api/v1/analysis/earthquake",
        post(
            &format!(
                "Earthquake scenario: elliptical isoseismals (degree VI and up) from {} — {}: long axis A={} B={} C={} R0={}, short axis A={} B={} C={} R0={}, sigma={}; long axis along the strike of the nearest active fault within {FAULT_NEAR_KM} km (else strike_deg, else equal-area circles); per zone persons, grids, shelters (unusable at IX and above or closed), depots; depots within reach_km (default {DEFAULT_REACH_KM})",
                rel.name,
                rel.formula,
                rel.long.a,
                rel.long.b,
                rel.long.c,
                rel.long.r0_km,
                rel.short.a,
                rel.short.b,
                rel.short.c,
                rel.short.r0_km,
                rel.sigma
            ),
            vec![],
            json!({"type": "object", "required": ["epicentre", "magnitude"], "additionalProperties": false, "properties": {
            "epicentre": point_schema(),
            "magnitude": {"type": "number", "minimum": LIMITS.min_magnitude, "maximum": LIMITS.max_magnitude, "description": "surface-wave magnitude Ms"},
            "depth_km": {"type": "number", "minimum": 0, "maximum": LIMITS.max_depth_km, "default": 10},
            "strike_deg": {"type": "number", "minimum": 0, "maximum": 360},
            "reach_km": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": LIMITS.max_radius_m / 1000.0}}}),
            ok(
                &format!(
                    "zones (GeoJSON), orientation, depots in reach; relation cited: {}",
                    rel.citation
                ),
                "application/json",
                "EarthquakeAnalysis",
            ),
        ),
    );
    add(
        "/api/v1/analysis/fire",
        post(
            &format!(
                "Forest fire at a point: nearest water sources, nearest depots holding fire-fighting material, the county and its neighbouring counties (overlapping or within {NEIGHBOUR_TOLERANCE_M} m)"
            ),
            vec![],
            json!({"type": "object", "required": ["point"], "additionalProperties": false, "properties": {
            "point": point_schema(),
            "water_k": {"type": "integer", "minimum": 1, "maximum": LIMITS.max_k, "default": 5},
            "depot_k": {"type": "integer", "minimum": 1, "maximum": LIMITS.max_k, "default": 3}}}),
            ok("fire analysis", "application/json", "FireAnalysis"),
        ),
    );
}

pub async fn openapi(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            super::ogc::OPENAPI_MEDIA_TYPE,
        )],
        AxumJson({
            let mut doc = document(state.config.http.body_limit_bytes);
            if let Ok(dataset) = state.dataset() {
                super::openapi_ogc::collection_items_paths(&mut doc, &dataset);
            }
            doc
        }),
    )
        .into_response()
}
