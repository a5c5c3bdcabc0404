//! OGC API – Tiles Part 1 over the existing vector tiles: the tiling scheme served
//! locally (`/tileMatrixSets`, `/tileMatrixSets/WebMercatorQuad`, OGC Two Dimensional
//! Tile Matrix Set 2.0 JSON) so an offline client need not reach opengis.net; the
//! dataset's tilesets (`/tiles`, `/tiles/WebMercatorQuad`: the composite `onemap`) and
//! each collection's (`/collections/{id}/tiles[/WebMercatorQuad]`).
//!
//! HTTP only: what a tileset holds (layers, fields by clearance, bounds, zooms) comes
//! from the core's `vector_layers`; tiles themselves come from [`crate::tiles`].

use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use layers::Dataset;
use layers::tiles::{MVT_MEDIA_TYPE, ONEMAP, Selection, TileError};
use serde_json::{Map, Value, json};

use super::extract::Params;
use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::tiles::{TileQuery, serve};
use crate::urls::origin;

/// The one tiling scheme served, by its local id and its registry URI.
pub const WEB_MERCATOR_QUAD: &str = "WebMercatorQuad";
pub const WEB_MERCATOR_QUAD_URI: &str =
    "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";
const EPSG_3857: &str = "http://www.opengis.net/def/crs/EPSG/0/3857";
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// Link relations of OGC API – Tiles.
pub const REL_TILESETS_VECTOR: &str = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector";
pub const REL_TILING_SCHEMES: &str = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes";
const REL_TILING_SCHEME: &str = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme";

/// The conformance classes of OGC API – Tiles Part 1 this server meets.
/// Not geodata-tilesets: it asks for a tilesets link on each collection, which GDAL 3.6
/// cannot take (see `api::ogc::collection`).
pub const CONFORMANCE: [&str; 6] = [
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/dataset-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
];

/// Half the Web Mercator square's side, metres (π × 6378137).
const HALF_WORLD_M: f64 = 20_037_508.342_789_244;
/// Standardized rendering pixel size of the TMS standard (0.28 mm).
const PIXEL_M: f64 = 0.000_28;
/// WebMercatorQuad's tiles are 256 cells wide (our MVT extent is independent of it).
const TILE_CELLS: u32 = 256;

fn json_no_cache(v: Value) -> Response {
    // Zoom range and bounds follow the loaded dataset: clients must revalidate.
    ([(header::CACHE_CONTROL, "no-cache")], Json(v)).into_response()
}

/// WebMercatorQuad as TMS 2.0 JSON, tile matrices 0..=`max_zoom`.
pub fn web_mercator_quad(max_zoom: u8) -> Value {
    let matrices: Vec<Value> = (0..=max_zoom)
        .map(|z| {
            let n = 1u64 << z;
            let cell = 2.0 * HALF_WORLD_M / (TILE_CELLS as f64 * n as f64);
            json!({
                "id": z.to_string(),
                "scaleDenominator": cell / PIXEL_M,
                "cellSize": cell,
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-HALF_WORLD_M, HALF_WORLD_M],
                "tileWidth": TILE_CELLS,
                "tileHeight": TILE_CELLS,
                "matrixWidth": n,
                "matrixHeight": n,
            })
        })
        .collect();
    json!({
        "id": WEB_MERCATOR_QUAD,
        "title": "Google Maps Compatible for the World",
        "uri": WEB_MERCATOR_QUAD_URI,
        "crs": EPSG_3857,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": matrices,
    })
}

fn tms_link(o: &str, rel: &str) -> Value {
    json!({"rel": rel, "type": "application/json", "title": "WebMercatorQuad tile matrix set",
        "href": format!("{o}/tileMatrixSets/{WEB_MERCATOR_QUAD}")})
}

/// `GET /tileMatrixSets`
pub async fn tile_matrix_sets(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    Params::parse(q.as_deref(), &["f"])?;
    let o = origin(&state.config, &headers);
    Ok(json_no_cache(json!({
        "tileMatrixSets": [{
            "id": WEB_MERCATOR_QUAD,
            "title": "Google Maps Compatible for the World",
            "uri": WEB_MERCATOR_QUAD_URI,
            "crs": EPSG_3857,
            "links": [tms_link(&o, "self")],
        }],
        "links": [{"rel": "self", "type": "application/json", "href": format!("{o}/tileMatrixSets")}],
    })))
}

/// `GET /tileMatrixSets/{tileMatrixSetId}`: zooms up to the deepest this server serves.
pub async fn tile_matrix_set(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    Params::parse(q.as_deref(), &["f"])?;
    if id != WEB_MERCATOR_QUAD {
        return Err(ApiError::not_found(format!(
            "no tile matrix set {id:?}: this server serves {WEB_MERCATOR_QUAD}"
        ))
        .field("tileMatrixSetId"));
    }
    let max_zoom = state.dataset()?.tile_options().max_zoom;
    Ok(json_no_cache(web_mercator_quad(max_zoom)))
}

/// Where a tileset's metadata and tiles are: the dataset's composite or a collection.
fn base(o: &str, sel: &Selection) -> String {
    if sel.is_onemap() {
        format!("{o}/tiles/{WEB_MERCATOR_QUAD}")
    } else {
        format!("{o}/collections/{}/tiles/{WEB_MERCATOR_QUAD}", sel.name())
    }
}

fn tileset_links(o: &str, sel: &Selection) -> Value {
    let b = base(o, sel);
    json!([
        {"rel": "self", "type": "application/json", "title": "this tileset", "href": b},
        tms_link(o, REL_TILING_SCHEME),
        {"rel": "item", "type": MVT_MEDIA_TYPE, "templated": true, "title": "a tile (Mapbox Vector Tile)",
         "href": format!("{b}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}")},
        {"rel": "describedby", "type": "application/json", "title": "TileJSON",
         "href": format!("{o}/tiles/{}.json", sel.name())},
    ])
}

fn title(dataset: &Dataset, sel: &Selection) -> String {
    if sel.is_onemap() {
        format!("{} 一张图", dataset.store().manifest.title)
    } else {
        dataset.vector_layers(sel).first().map_or_else(
            || sel.name().to_string(),
            |v| format!("{} / {}", v.zh, v.en),
        )
    }
}

/// A tileset's entry in a tilesets list.
/// A tilesets list (/req/tilesets-list) holding the one tileset of `sel`.
fn tilesets_list(dataset: &Dataset, sel: &Selection, self_href: &str, o: &str) -> Value {
    json!({
        "tilesets": [tileset_entry(dataset, sel, o)],
        "links": [{"rel": "self", "type": "application/json", "href": self_href}],
    })
}

fn tileset_entry(dataset: &Dataset, sel: &Selection, o: &str) -> Value {
    json!({
        "title": title(dataset, sel),
        "dataType": "vector",
        "crs": EPSG_3857,
        "tileMatrixSetURI": WEB_MERCATOR_QUAD_URI,
        "links": tileset_links(o, sel),
    })
}

/// A tileset's metadata (TMS 2.0 tileset): one entry per MVT layer, with the fields
/// the caller may see and the zooms each layer is in.
fn tileset(dataset: &Dataset, sel: &Selection, o: &str) -> Value {
    let layers = dataset.vector_layers(sel);
    let b = dataset.bounds(sel);
    let max = dataset.tile_options().max_zoom;
    let min = layers.iter().map(|v| v.minzoom).min().unwrap_or(0);
    let entries: Vec<Value> = layers
        .iter()
        .map(|info| {
            let properties: Map<String, Value> = info
                .fields
                .iter()
                .map(|f| {
                    let ty = match f.ty {
                        "Number" => "number",
                        "Boolean" => "boolean",
                        _ => "string",
                    };
                    let s = json!({"type": ty, "title": f.zh, "description": f.en});
                    (f.name.clone(), s)
                })
                .collect();
            json!({
                "id": info.id,
                "title": format!("{} / {}", info.zh, info.en),
                "dataType": "vector",
                "geometryDimension": match info.geometry { "point" => 0, "line" => 1, _ => 2 },
                "minTileMatrix": info.minzoom.to_string(),
                "maxTileMatrix": info.maxzoom.to_string(),
                "propertiesSchema": {"type": "object", "properties": properties},
            })
        })
        .collect();
    json!({
        "title": title(dataset, sel),
        "dataType": "vector",
        "crs": EPSG_3857,
        "tileMatrixSetURI": WEB_MERCATOR_QUAD_URI,
        "tileMatrixSetLimits": limits(b, min, max),
        "boundingBox": {"lowerLeft": [b[0], b[1]], "upperRight": [b[2], b[3]], "crs": CRS84},
        "minTileMatrix": min.to_string(),
        "maxTileMatrix": max.to_string(),
        "layers": entries,
        "links": tileset_links(o, sel),
    })
}

/// Per zoom, the rows and columns that hold the bounds.
fn limits(b: [f64; 4], min: u8, max: u8) -> Vec<Value> {
    (min..=max)
        .map(|z| {
            let (mut c0, mut c1, mut r0, mut r1) = (u32::MAX, 0, u32::MAX, 0);
            for (x, y) in layers::tiles::mercator::tile_range(b, z) {
                (c0, c1, r0, r1) = (c0.min(x), c1.max(x), r0.min(y), r1.max(y));
            }
            json!({"tileMatrix": z.to_string(), "minTileRow": r0, "maxTileRow": r1,
                "minTileCol": c0, "maxTileCol": c1})
        })
        .collect()
}

/// A collection's tileset: any collection the caller may see, but not `onemap` (a
/// tileset of the dataset, not a collection).
fn collection_selection(dataset: &Dataset, caller: &Caller, id: &str) -> ApiResult<Selection> {
    let known = dataset.store().layer(id).is_some();
    if id == ONEMAP || !known {
        return Err(ApiError::from(TileError::UnknownLayer(id.to_string())).field("collectionId"));
    }
    Ok(dataset.select(id, &caller.access)?)
}

/// `GET /tiles`: the dataset's tilesets (the composite, WebMercatorQuad).
pub async fn dataset_tilesets(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    Params::parse(q.as_deref(), &["f"])?;
    let dataset = state.dataset()?;
    let sel = dataset.select(ONEMAP, &caller.access)?;
    let o = origin(&state.config, &headers);
    Ok(json_no_cache(tilesets_list(
        &dataset,
        &sel,
        &format!("{o}/tiles"),
        &o,
    )))
}

/// `GET /tiles/WebMercatorQuad`: the composite's tileset metadata.
pub async fn dataset_tileset(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    Params::parse(q.as_deref(), &["f"])?;
    let dataset = state.dataset()?;
    let sel = dataset.select(ONEMAP, &caller.access)?;
    let o = origin(&state.config, &headers);
    Ok(json_no_cache(tileset(&dataset, &sel, &o)))
}

/// `GET /tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}`: a composite tile.
pub async fn dataset_tile(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(q): Query<TileQuery>,
    Path((z, row, col)): Path<(String, String, String)>,
) -> Response {
    serve(&state, &caller, &headers, &q, ONEMAP, (&z, &col, &row))
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// `GET /collections/{collectionId}/tiles`
pub async fn collection_tilesets(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    Params::parse(q.as_deref(), &["f"])?;
    let dataset = state.dataset()?;
    let sel = collection_selection(&dataset, &caller, &id)?;
    let o = origin(&state.config, &headers);
    Ok(json_no_cache(tilesets_list(
        &dataset,
        &sel,
        &format!("{o}/collections/{id}/tiles"),
        &o,
    )))
}

/// `GET /collections/{collectionId}/tiles/WebMercatorQuad`
pub async fn collection_tileset(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    Params::parse(q.as_deref(), &["f"])?;
    let dataset = state.dataset()?;
    let sel = collection_selection(&dataset, &caller, &id)?;
    let o = origin(&state.config, &headers);
    Ok(json_no_cache(tileset(&dataset, &sel, &o)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_mercator_quad_matches_the_ogc_registry() {
        // Values of registry/json/WebMercatorQuad.json (OGC 2D Tile Matrix Set 2.0).
        let t = web_mercator_quad(14);
        let m = t["tileMatrices"].as_array().unwrap();
        assert_eq!(m.len(), 15);
        let close = |a: &Value, b: f64| (a.as_f64().unwrap() - b).abs() <= b * 1e-12;
        assert!(close(&m[0]["scaleDenominator"], 559_082_264.028_717));
        assert!(close(&m[0]["cellSize"], 156_543.033_928_041));
        assert!(close(&m[14]["scaleDenominator"], 34_123.673_341_596_4));
        assert!(close(&m[14]["cellSize"], 9.554_628_535_647_03));
        let x0 = m[9]["pointOfOrigin"][0].as_f64().unwrap();
        assert!((x0 + 20_037_508.342_789_2).abs() < 1e-6, "{x0}");
        assert_eq!(m[14]["matrixWidth"], 16384);
        assert_eq!(m[14]["id"], "14");
        assert_eq!(t["crs"], EPSG_3857);
    }
}
