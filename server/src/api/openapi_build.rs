//! Building blocks of the OpenAPI document: parameters, responses and operations,
//! shared by its parts (openapi.rs, openapi_ogc.rs).

use layers::crs::Crs;
use layers::tiles::MAX_ADDRESSABLE_ZOOM;
use serde_json::{Value as Json, json};

use super::queries::LIMITS;

pub(super) fn q(name: &str, schema: Json, required: bool, description: &str) -> Json {
    json!({"name": name, "in": "query", "required": required, "schema": schema, "description": description})
}

pub(super) fn path(name: &str, description: &str) -> Json {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}, "description": description})
}

pub(super) fn num() -> Json {
    json!({"type": "number"})
}

pub(super) fn lon() -> Json {
    q(
        "lon",
        json!({"type": "number", "minimum": -180, "maximum": 180}),
        true,
        "longitude, EPSG:4326 degrees",
    )
}

pub(super) fn lat() -> Json {
    q(
        "lat",
        json!({"type": "number", "minimum": -90, "maximum": 90}),
        true,
        "latitude, EPSG:4326 degrees",
    )
}

pub(super) fn limit() -> Json {
    q(
        "limit",
        json!({"type": "integer", "minimum": 1, "maximum": LIMITS.max_page_size, "default": LIMITS.default_page_size}),
        false,
        "page size",
    )
}

pub(super) fn offset() -> Json {
    q(
        "offset",
        json!({"type": "integer", "minimum": 0, "default": 0}),
        false,
        "items to skip",
    )
}

/// `crs` or `bbox-crs`: exactly the URIs the collections list.
pub(super) fn crs_param(name: &str, description: &str) -> Json {
    let uris: Vec<String> = Crs::all().map(|c| c.uri()).collect();
    q(
        name,
        json!({"type": "string", "enum": uris, "default": Crs::Crs84.uri()}),
        false,
        description,
    )
}

/// A features answer, whose 200 names its coordinates' CRS in `Content-Crs`.
pub(super) fn with_content_crs(mut responses: Json) -> Json {
    responses["200"]["headers"] = json!({"Content-Crs": {
        "description": "the CRS of the coordinates, as <URI> (OGC API – Features Part 2)",
        "schema": {"type": "string"}}});
    responses
}

/// A 200 whose body is the component schema `schema`, with the errors every GET can answer.
pub(super) fn ok(description: &str, media: &str, schema: &str) -> Json {
    json!({
        "200": {"description": description, "content": {media: {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "404": {"$ref": "#/components/responses/NotFound"},
        "503": {"$ref": "#/components/responses/Unavailable"}
    })
}

/// A 200 answer that also comes as CSV (`Accept: text/csv`).
pub(super) fn with_csv(mut responses: Json) -> Json {
    responses["200"]["content"]["text/csv"] = json!({"schema": {"type": "string"}});
    responses
}

pub(super) fn with_body(mut responses: Json) -> Json {
    responses["413"] = json!({"$ref": "#/components/responses/TooLarge"});
    responses["415"] = json!({"$ref": "#/components/responses/BadRequest"});
    responses["422"] = json!({"$ref": "#/components/responses/Unprocessable"});
    responses
}

pub(super) fn get(summary: &str, params: Vec<Json>, responses: Json) -> Json {
    json!({"get": {"summary": summary, "parameters": params, "responses": responses}})
}

pub(super) fn post(summary: &str, params: Vec<Json>, body: Json, responses: Json) -> Json {
    json!({"post": {"summary": summary, "parameters": params,
        "requestBody": {"required": true, "content": {"application/json": {"schema": body}}},
        "responses": with_body(responses)}})
}

/// A path segment holding a non-negative integer (tile addresses); `max` bounds it.
pub(super) fn int_path(name: &str, max: Option<u32>, description: &str) -> Json {
    let mut p = path(name, description);
    p["schema"] = json!({"type": "integer", "minimum": 0});
    if let Some(max) = max {
        p["schema"]["maximum"] = json!(max);
    }
    p
}

/// z, x, y of an XYZ tile: z up to the addressable zoom (beyond it 400; beyond a
/// tileset's own max zoom 404), x and y in 0..2^z (else 400).
pub(super) fn tile_params() -> Vec<Json> {
    vec![
        int_path(
            "z",
            Some(MAX_ADDRESSABLE_ZOOM.into()),
            &format!("zoom 0-{MAX_ADDRESSABLE_ZOOM}; above the tileset's maxzoom: 404"),
        ),
        int_path("x", None, "column, 0..2^z"),
        int_path(
            "y",
            None,
            "row, 0..2^z; the `.mvt` suffix is part of this segment",
        ),
    ]
}

/// OGC API – Tiles' z/row/col under `.../tiles/WebMercatorQuad/`.
pub(super) fn ogc_tile_params(z: &str, row: &str, col: &str) -> Vec<Json> {
    vec![
        int_path(
            z,
            Some(MAX_ADDRESSABLE_ZOOM.into()),
            &format!("zoom (tile matrix) 0-{MAX_ADDRESSABLE_ZOOM}; above the tileset's max: 404"),
        ),
        int_path(row, None, "tile row, 0..2^z"),
        int_path(col, None, "tile column, 0..2^z"),
    ]
}

/// A number as the server's parser reads it (Rust `f64` syntax, no spaces).
const NUMBER: &str = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?";

/// A comma-separated bbox of 4 numbers, or of 6 when `six`.
pub(super) fn bbox_schema(six: bool) -> Json {
    let rest = if six { "{3}(,N,N)?" } else { "{3}" };
    json!({"type": "string", "pattern": format!("^N(,N){rest}$").replace('N', NUMBER)})
}

/// A position: `[lon, lat]` or a GeoJSON Point.
pub(super) fn point_schema() -> Json {
    json!({"description": "[lon, lat] or a GeoJSON Point, EPSG:4326", "oneOf": [
        {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        {"type": "object", "required": ["type", "coordinates"], "properties": {
            "type": {"type": "string", "enum": ["Point"]},
            "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}}}]})
}

pub(super) fn polygon_schema() -> Json {
    json!({"description": format!("GeoJSON Polygon or MultiPolygon (or a Feature holding one), EPSG:4326; at most {} vertices; no self-intersection", LIMITS.max_polygon_vertices),
        "type": "object", "required": ["type"], "properties": {
            "type": {"type": "string", "enum": ["Polygon", "MultiPolygon", "Feature"]},
            "coordinates": {"type": "array", "minItems": 1, "items": {"type": "array"}},
            "geometry": {"type": "object"}}})
}
