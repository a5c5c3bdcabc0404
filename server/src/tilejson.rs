//! Tileset metadata: TileJSON 3.0 (`/tiles/{layer}.json`, `/tiles/onemap.json`), the
//! `/catalog` of tilesets, the OGC API – Tiles tileset resources of a collection, and
//! the MapLibre styles.
//! Only layers and fields the caller may see are listed.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use layers::Dataset;
use layers::tiles::{ONEMAP, Selection, TileError, VectorLayerInfo};
use serde_json::{Map, Value, json};

use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::urls::{origin, query_escape};

fn tilejson_value(dataset: &Dataset, sel: &Selection, origin: &str) -> Value {
    dataset.tilejson(
        sel,
        &[format!(
            "{origin}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt?v={}",
            sel.name(),
            query_escape(dataset.version())
        )],
    )
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
    let sel = dataset.select(name, &caller.access)?;
    let origin = origin(&state.config, &headers);
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

const WEB_MERCATOR_QUAD: &str = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";

fn ogc_links(origin: &str, id: &str) -> Value {
    json!([
        {"rel": "self", "type": "application/json",
         "href": format!("{origin}/collections/{id}/tiles/WebMercatorQuad")},
        {"rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "type": "application/json",
         "href": WEB_MERCATOR_QUAD},
        {"rel": "item", "type": layers::tiles::MVT_MEDIA_TYPE, "templated": true,
         "href": format!("{origin}/collections/{id}/tiles/WebMercatorQuad/{{tileMatrix}}/{{tileRow}}/{{tileCol}}")},
    ])
}

/// One collection's tileset (`onemap` is a tileset, not a collection).
fn ogc_layer(
    dataset: &Dataset,
    caller: &Caller,
    id: &str,
) -> ApiResult<(Selection, VectorLayerInfo)> {
    if id == ONEMAP {
        return Err(TileError::UnknownLayer(id.to_string()).into());
    }
    let sel = dataset.select(id, &caller.access)?;
    let info = dataset.vector_layers(&sel).remove(0);
    Ok((sel, info))
}

/// `GET /collections/{id}/tiles`: the collection's tilesets (one, WebMercatorQuad).
pub async fn ogc_tilesets(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let dataset = state.dataset()?;
    let (_, info) = ogc_layer(&dataset, &caller, &id)?;
    let origin = origin(&state.config, &headers);
    Ok(no_store_json(json!({
        "tilesets": [{
            "title": format!("{} / {}", info.zh, info.en),
            "dataType": "vector",
            "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
            "tileMatrixSetURI": WEB_MERCATOR_QUAD,
            "links": ogc_links(&origin, &id),
        }]
    })))
}

/// `GET /collections/{id}/tiles/WebMercatorQuad`: the tileset metadata.
pub async fn ogc_tileset(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let dataset = state.dataset()?;
    let (sel, info) = ogc_layer(&dataset, &caller, &id)?;
    let origin = origin(&state.config, &headers);
    let b = dataset.bounds(&sel);
    let properties: Map<String, Value> = info
        .fields
        .iter()
        .map(|f| {
            let ty = match f.ty {
                "Number" => "number",
                "Boolean" => "boolean",
                _ => "string",
            };
            (
                f.name.clone(),
                json!({"type": ty, "title": f.zh, "description": f.en}),
            )
        })
        .collect();
    Ok(no_store_json(json!({
        "title": format!("{} / {}", info.zh, info.en),
        "dataType": "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": WEB_MERCATOR_QUAD,
        "boundingBox": {
            "lowerLeft": [b[0], b[1]],
            "upperRight": [b[2], b[3]],
            "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        },
        "layers": [{
            "id": info.id,
            "dataType": "vector",
            "geometryDimension": match info.geometry { "point" => 0, "line" => 1, _ => 2 },
            "minTileMatrix": info.minzoom.to_string(),
            "maxTileMatrix": info.maxzoom.to_string(),
            "propertiesSchema": {"type": "object", "properties": properties},
        }],
        "links": ogc_links(&origin, &id),
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
