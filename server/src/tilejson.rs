//! Tileset metadata: TileJSON 3.0 (`/tiles/{layer}.json`, `/tiles/onemap.json`), the
//! `/catalog` of tilesets, and the OGC API – Tiles tileset resources of a collection.
//! Only layers and fields the caller may see are listed.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use layers::tiles::VectorLayerInfo;
use serde_json::{Map, Value, json};

use crate::auth::Caller;
use crate::config::ServerConfig;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Loaded};
use crate::tiles::{ONEMAP, Selection, tile_error};

/// The origin (`scheme://host[:port]`) clients reach this server at: the configured
/// public URL, else the request's (forwarded) Host. Host values that are not plain
/// host names fall back to localhost rather than being echoed into URLs.
pub fn origin(config: &ServerConfig, headers: &HeaderMap) -> String {
    if let Some(url) = &config.tiles.public_url {
        return url.trim_end_matches('/').to_string();
    }
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let host = get("x-forwarded-host")
        .or_else(|| get(header::HOST.as_str()))
        .map(|h| h.split(',').next().unwrap_or("").trim())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]_".contains(c))
        })
        .unwrap_or("localhost");
    let proto = match get("x-forwarded-proto") {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    format!("{proto}://{host}")
}

/// Percent-encode a query value (RFC 3986 unreserved characters pass).
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn vector_layer_json(v: &VectorLayerInfo) -> Value {
    let fields: Map<String, Value> = v
        .fields
        .iter()
        .map(|f| (f.name.clone(), Value::String(f.ty.to_string())))
        .collect();
    let labels: Map<String, Value> = v
        .fields
        .iter()
        .map(|f| (f.name.clone(), json!({"zh": f.zh, "en": f.en})))
        .collect();
    json!({
        "id": v.id,
        "description": format!("{} / {}", v.zh, v.en),
        "minzoom": v.minzoom,
        "maxzoom": v.maxzoom,
        "fields": fields,
        "geometry": v.geometry,
        "synthetic": v.synthetic,
        "field_labels": labels,
    })
}

fn tilejson_value(loaded: &Loaded, caller: &Caller, sel: &Selection, origin: &str) -> Value {
    let store = &loaded.store;
    let tiles = &loaded.tiles;
    let m = &store.manifest;
    let vector_layers: Vec<Value> = sel
        .layers
        .iter()
        .map(|&i| vector_layer_json(&tiles.vector_layer(store, i, caller.clearance)))
        .collect();
    let (name, description) = if sel.name == ONEMAP {
        (
            format!("{} 一张图", m.title),
            "All layers of the dataset, one MVT layer each".to_string(),
        )
    } else {
        let s = store.layers()[sel.layers[0]].schema();
        (s.zh.clone(), s.en.clone())
    };
    let minzoom = sel
        .layers
        .iter()
        .map(|&i| tiles.vector_layer(store, i, caller.clearance).minzoom)
        .min()
        .unwrap_or(0);
    json!({
        "tilejson": "3.0.0",
        "name": name,
        "description": description,
        "version": "1.0.0",
        "attribution": m.attribution,
        "scheme": "xyz",
        "tiles": [format!(
            "{origin}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt?v={}",
            sel.name,
            query_escape(loaded.version())
        )],
        "minzoom": minzoom,
        "maxzoom": tiles.options().max_zoom,
        "bounds": tiles.bounds(store, &sel.layers),
        "center": tiles.center(store, &sel.layers),
        "vector_layers": vector_layers,
        "dataset_version": loaded.version(),
    })
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
    let loaded = state.loaded()?;
    let sel = Selection::resolve(&loaded, &caller, name)?;
    let origin = origin(&state.config, &headers);
    Ok(no_store_json(tilejson_value(
        &loaded, &caller, &sel, &origin,
    )))
}

/// `GET /catalog`: the tilesets this caller may use.
pub async fn catalog(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let loaded = state.loaded()?;
    let origin = origin(&state.config, &headers);
    let store = &loaded.store;
    let v = query_escape(loaded.version());
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
        "dataset_version": loaded.version(),
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
        {"rel": "item", "type": crate::tiles::MVT_CONTENT_TYPE, "templated": true,
         "href": format!("{origin}/collections/{id}/tiles/WebMercatorQuad/{{tileMatrix}}/{{tileRow}}/{{tileCol}}")},
    ])
}

fn ogc_layer(loaded: &Loaded, caller: &Caller, id: &str) -> ApiResult<(usize, VectorLayerInfo)> {
    let sel = Selection::resolve(loaded, caller, id)?;
    if id == ONEMAP {
        return Err(tile_error(layers::tiles::TileError::UnknownLayer(
            id.to_string(),
        )));
    }
    let i = sel.layers[0];
    Ok((
        i,
        loaded
            .tiles
            .vector_layer(&loaded.store, i, caller.clearance),
    ))
}

/// `GET /collections/{id}/tiles`: the collection's tilesets (one, WebMercatorQuad).
pub async fn ogc_tilesets(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let loaded = state.loaded()?;
    let (_, info) = ogc_layer(&loaded, &caller, &id)?;
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
    let loaded = state.loaded()?;
    let (i, info) = ogc_layer(&loaded, &caller, &id)?;
    let origin = origin(&state.config, &headers);
    let b = loaded.tiles.bounds(&loaded.store, &[i]);
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn origin_prefers_config_then_forwarded_then_host() {
        let mut cfg = ServerConfig::default();
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert_eq!(origin(&cfg, &h), "http://127.0.0.1:8080");
        h.insert(
            "x-forwarded-host",
            HeaderValue::from_static("map.example.org"),
        );
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(origin(&cfg, &h), "https://map.example.org");
        cfg.tiles.public_url = Some("https://gis.local/".into());
        assert_eq!(origin(&cfg, &h), "https://gis.local");
    }

    #[test]
    fn hostile_host_headers_are_not_echoed() {
        let cfg = ServerConfig::default();
        let mut h = HeaderMap::new();
        h.insert(
            header::HOST,
            HeaderValue::from_static("evil.com/\"><script>"),
        );
        assert_eq!(origin(&cfg, &h), "http://localhost");
    }

    #[test]
    fn versions_are_escaped_in_urls() {
        assert_eq!(
            query_escape("2025-01-01T00:00:00Z+ab"),
            "2025-01-01T00%3A00%3A00Z%2Bab"
        );
    }
}
