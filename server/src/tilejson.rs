//! Tileset metadata: TileJSON 3.0 (`/tiles/{layer}.json`, `/tiles/onemap.json`), the
//! `/catalog` of tilesets and the MapLibre styles (OGC API – Tiles metadata is in
//! [`crate::api::ogc_tiles`]).
//! Only layers and fields the caller may see are listed.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use layers::Dataset;
use layers::tiles::{EVENTS, ONEMAP, Selection};
use serde_json::{Value, json};

use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::urls::{origin, query_escape};

/// The live `events` layer's public fields (see `crate::events_tiles`).
const EVENT_FIELDS: &[(&str, &str)] = &[
    ("event_id", "String"),
    ("kind", "String"),
    ("hazard_type", "String"),
    ("status", "String"),
    ("revision", "Number"),
    ("level", "Number"),
    ("colour", "String"),
    ("magnitude", "Number"),
    ("depth_km", "Number"),
    ("confidence", "String"),
    ("headline", "String"),
    ("effective", "String"),
    ("expires", "String"),
];

/// The `events` entry of a TileJSON's `vector_layers`.
fn events_vector_layer(dataset: &Dataset) -> Value {
    let fields: serde_json::Map<String, Value> = EVENT_FIELDS
        .iter()
        .map(|(k, t)| ((*k).to_string(), json!(t)))
        .collect();
    json!({"id": EVENTS, "description": "Active events (warnings, earthquakes, fires): public fields",
        "minzoom": 0, "maxzoom": dataset.tile_options().max_zoom, "fields": fields})
}

fn tilejson_value(dataset: &Dataset, sel: &Selection, origin: &str) -> Value {
    let mut v = dataset.tilejson(
        sel,
        &[format!(
            "{origin}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt?v={}",
            sel.name(),
            query_escape(dataset.version())
        )],
    );
    if sel.name() == ONEMAP
        && let Some(layers) = v["vector_layers"].as_array_mut()
    {
        layers.push(events_vector_layer(dataset));
    }
    v
}

/// TileJSON of the live events tileset (no `?v=`: it changes without a new version).
fn events_tilejson(dataset: &Dataset, origin: &str) -> Value {
    json!({"tilejson": "3.0.0", "name": EVENTS, "scheme": "xyz",
        "tiles": [format!("{origin}/tiles/{EVENTS}/{{z}}/{{x}}/{{y}}.mvt")],
        "minzoom": 0, "maxzoom": dataset.tile_options().max_zoom,
        "vector_layers": [events_vector_layer(dataset)]})
}

fn no_store_json(v: Value) -> Response {
    // Metadata names the current dataset version: clients must not keep it long.
    ([(header::CACHE_CONTROL, "no-cache")], Json(v)).into_response()
}

/// `GET /tiles/{layer}.json`
pub async fn tilejson(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    let name = file
        .strip_suffix(".json")
        .ok_or_else(|| ApiError::not_found("TileJSON is at /tiles/{layer}.json").field("layer"))?;
    let dataset = state.dataset()?;
    let origin = origin(&state.config, &headers);
    if name == EVENTS {
        return Ok(no_store_json(events_tilejson(&dataset, &origin)));
    }
    let sel = dataset.select(name, &caller.access)?;
    Ok(no_store_json(tilejson_value(&dataset, &sel, &origin)))
}

/// `GET /catalog`: the tilesets this caller may use.
pub async fn catalog(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let dataset = state.dataset()?;
    let origin = origin(&state.config, &headers);
    let store = dataset.store();
    let v = query_escape(dataset.version());
    let mut tilesets = vec![json!({
        "id": ONEMAP,
        "name": {"zh": "一张图", "en": "One map (all layers)"},
        "tilejson": format!("{origin}/tiles/{ONEMAP}.json"),
        "tiles": format!("{origin}/tiles/{ONEMAP}/{{z}}/{{x}}/{{y}}.mvt?v={v}"),
    })];
    for l in store
        .layers()
        .iter()
        .filter(|l| caller.may_see_layer(l.id()))
    {
        let s = l.schema();
        tilesets.push(json!({
            "id": s.id,
            "name": {"zh": s.zh, "en": s.en},
            "group": {"id": s.group, "zh": s.group.zh()},
            "geometry": s.geometry.as_str(),
            "feature_count": l.features.len(),
            "synthetic": l.meta.synthetic,
            "bbox": l.meta.bbox,
            "tilejson": format!("{origin}/tiles/{}.json", s.id),
            "tiles": format!("{origin}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt?v={v}", s.id),
            "ogc_tiles": format!("{origin}/collections/{}/tiles", s.id),
        }));
    }
    let styles: Vec<Value> = state
        .styles
        .names()
        .map(|n| json!({"id": n, "url": format!("{origin}/styles/{n}.json")}))
        .collect();
    Ok(no_store_json(json!({
        "dataset_version": dataset.version(),
        "title": store.manifest.title,
        "tilesets": tilesets,
        "styles": styles,
    })))
}

/// `GET /styles/{name}.json`
pub async fn style(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    let name = file
        .strip_suffix(".json")
        .ok_or_else(|| ApiError::not_found("styles are at /styles/{name}.json").field("name"))?;
    let origin = origin(&state.config, &headers);
    let text = state
        .styles
        .render(name, &origin)
        .ok_or_else(|| ApiError::not_found(format!("no style {name:?}")).field("name"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        text,
    )
        .into_response())
}
