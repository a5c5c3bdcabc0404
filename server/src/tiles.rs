//! Vector tile endpoints: XYZ `/tiles/{layer}/{z}/{x}/{y}.mvt`, the composite
//! `/tiles/onemap/{z}/{x}/{y}.mvt`, and OGC API – Tiles
//! `/collections/{id}/tiles/WebMercatorQuad/{z}/{row}/{col}`.
//!
//! HTTP only: the tile is built by `layers::tiles`; here are the layer selection by
//! caller, ETag / 304, gzip, Cache-Control, 204 for empty tiles and the cache.

use std::io::Write;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use flate2::Compression;
use flate2::write::GzEncoder;
use layers::tiles::{TileError, TileId};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Loaded};
use crate::tile_cache::{CachedTile, TileKey};
use crate::{styles, tilejson};

pub const MVT_CONTENT_TYPE: &str = "application/vnd.mapbox-vector-tile";
/// The composite tileset's name.
pub const ONEMAP: &str = "onemap";
/// gzip level for tiles (zlib-rs). A cold tile is compressed while the client waits,
/// and compression was half of a cold tile's time at level 4. Measured on the Chuxiong
/// demo's largest z10 tile (405 KB raw): level 2 gives 152 KB against level 4's 147 KB
/// at +16% cold tiles/s; level 1 gives 182 KB at +44%.
const GZIP_LEVEL: u32 = 2;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tiles/{layer}/{z}/{x}/{y}", get(xyz_tile))
        .route("/tiles/{layer}", get(tilejson::tilejson))
        .route(
            "/collections/{collection_id}/tiles/WebMercatorQuad/{z}/{row}/{col}",
            get(ogc_tile),
        )
        .route(
            "/collections/{collection_id}/tiles",
            get(tilejson::ogc_tilesets),
        )
        .route(
            "/collections/{collection_id}/tiles/WebMercatorQuad",
            get(tilejson::ogc_tileset),
        )
        .route("/catalog", get(tilejson::catalog))
        .route("/styles/{name}", get(styles::style))
}

/// The layers one tileset request covers, as the caller may see them.
pub struct Selection {
    pub name: String,
    /// Store layer indices, one MVT layer each.
    pub layers: Vec<usize>,
}

impl Selection {
    /// `onemap` (every layer the caller may see) or one layer. A layer the caller may
    /// not see is reported as unknown, so its existence does not leak.
    pub fn resolve(loaded: &Loaded, caller: &Caller, name: &str) -> ApiResult<Selection> {
        let store = &loaded.store;
        let layers = if name == ONEMAP {
            Self::onemap_layers(store, caller)
        } else {
            match loaded.tiles.layer_index(store, name) {
                Ok(i) if caller.may_see_layer(name) => vec![i],
                _ => return Err(tile_error(TileError::UnknownLayer(name.to_string()))),
            }
        };
        Ok(Selection {
            name: name.to_string(),
            layers,
        })
    }

    /// The store layers in `caller`'s composite.
    pub fn onemap_layers(store: &layers::Store, caller: &Caller) -> Vec<usize> {
        (0..store.layers().len())
            .filter(|&i| caller.may_see_layer(store.layers()[i].id()))
            .collect()
    }

    /// The cache-key hash of a selection.
    pub fn hash_of(name: &str, layers: &[usize]) -> u64 {
        let mut h = Sha256::new();
        h.update(name.as_bytes());
        for i in layers {
            h.update((*i as u64).to_le_bytes());
        }
        first_u64(&h.finalize())
    }

    fn hash(&self) -> u64 {
        Self::hash_of(&self.name, &self.layers)
    }
}

/// Zoom levels as metric label values, without an allocation per request.
const ZOOM_LABELS: [&str; layers::tiles::MAX_ADDRESSABLE_ZOOM as usize + 1] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "19", "20",
];

fn first_u64(digest: &[u8]) -> u64 {
    u64::from_le_bytes(digest[..8].try_into().unwrap_or([0; 8]))
}

pub fn version_hash(version: &str) -> u64 {
    first_u64(&Sha256::digest(version.as_bytes()))
}

/// Map a core tile error to its HTTP answer.
pub fn tile_error(e: TileError) -> ApiError {
    match &e {
        TileError::BadAddress { field, .. } => ApiError::bad(*field, e.to_string()),
        TileError::ZoomOutOfRange { .. } => ApiError::not_found(e.to_string()).field("z"),
        TileError::UnknownLayer(_) => ApiError::not_found(e.to_string()).field("layer"),
    }
}

fn parse_coord<T: std::str::FromStr>(field: &'static str, v: &str) -> ApiResult<T> {
    v.parse().map_err(|_| {
        ApiError::bad(
            field,
            format!("{field} must be a non-negative integer, got {v:?}"),
        )
    })
}

fn tile_id(z: &str, x: &str, y: &str) -> ApiResult<TileId> {
    TileId::new(
        parse_coord("z", z)?,
        parse_coord("x", x)?,
        parse_coord("y", y)?,
    )
    .map_err(tile_error)
}

#[derive(Debug, Deserialize)]
pub struct TileQuery {
    /// The dataset version the client's URL was made for.
    pub v: Option<String>,
}

async fn xyz_tile(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(q): Query<TileQuery>,
    Path((layer, z, x, y)): Path<(String, String, String, String)>,
) -> Response {
    let Some(y) = y.strip_suffix(".mvt") else {
        return ApiError::not_found("tile URLs end in .mvt: /tiles/{layer}/{z}/{x}/{y}.mvt")
            .field("y")
            .into_response();
    };
    serve(&state, &caller, &headers, &q, &layer, (&z, &x, y))
        .unwrap_or_else(IntoResponse::into_response)
}

async fn ogc_tile(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(q): Query<TileQuery>,
    Path((layer, z, row, col)): Path<(String, String, String, String)>,
) -> Response {
    if layer == ONEMAP {
        return ApiError::not_found(
            "onemap is a tileset, not a collection: use /tiles/onemap/{z}/{x}/{y}.mvt",
        )
        .field("collection_id")
        .into_response();
    }
    let zxy = (z.as_str(), col.as_str(), row.as_str());
    serve(&state, &caller, &headers, &q, &layer, zxy).unwrap_or_else(IntoResponse::into_response)
}

/// Does the client accept gzip (`Accept-Encoding`, with a non-zero q)?
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let zero_q = parts.any(|p| {
                let p = p.trim();
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    == Some(0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !zero_q
        })
}

fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim())
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

pub(crate) fn gzip(raw: &[u8], level: u32) -> Bytes {
    let mut enc = GzEncoder::new(Vec::with_capacity(raw.len() / 2), Compression::new(level));
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(raw);
    Bytes::from(enc.finish().unwrap_or_default())
}

fn serve(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    q: &TileQuery,
    name: &str,
    (z, x, y): (&str, &str, &str),
) -> ApiResult<Response> {
    let loaded = state.loaded()?;
    let sel = Selection::resolve(&loaded, caller, name)?;
    let tile = tile_id(z, x, y)?;
    let max = loaded.tiles.options().max_zoom;
    if tile.z > max {
        return Err(tile_error(TileError::ZoomOutOfRange { z: tile.z, max }));
    }
    let gz = accepts_gzip(headers);
    let key = TileKey {
        version: loaded.version_hash,
        layers: sel.hash(),
        z: tile.z,
        x: tile.x,
        y: tile.y,
        clearance: caller.clearance as u8,
    };
    // Every part of the key, spelled out: unique per representation, no hashing.
    let etag = format!(
        "\"{:016x}{:016x}-{}-{}-{}-{}{}\"",
        key.version,
        key.layers,
        key.z,
        key.x,
        key.y,
        key.clearance,
        if gz { "-gz" } else { "" }
    );
    let current = q.v.as_deref() == Some(loaded.version());
    let cache_control = match (caller.clearance > layers::Sensitivity::Public, current) {
        // The URL names this dataset version: its tiles never change.
        (false, true) => "public, max-age=86400, immutable",
        (false, false) => "public, max-age=60",
        (true, true) => "private, max-age=86400",
        (true, false) => "private, max-age=60",
    };
    let mut builder = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::CACHE_CONTROL, cache_control)
        .header(header::VARY, "Accept-Encoding");
    if etag_matches(headers, &etag) {
        return Ok(builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_default());
    }
    let body = match loaded.low_zoom.get(&key) {
        Some(pre) if gz => pre.gzip.clone(),
        Some(pre) => pre.raw.clone(),
        None => cached_or_rendered(state, &loaded, &sel, tile, caller, key, gz)?,
    };
    let Some(body) = body else {
        return Ok(builder
            .status(StatusCode::NO_CONTENT)
            .body(Body::empty())
            .unwrap_or_default());
    };
    builder = builder.header(
        header::CONTENT_TYPE,
        HeaderValue::from_static(MVT_CONTENT_TYPE),
    );
    if gz {
        builder = builder.header(header::CONTENT_ENCODING, "gzip");
    }
    Ok(builder
        .status(StatusCode::OK)
        .body(Body::from(body))
        .unwrap_or_default())
}

/// A tile's body from the cache, or rendered (and cached): `None` for an empty tile.
fn cached_or_rendered(
    state: &AppState,
    loaded: &Loaded,
    sel: &Selection,
    tile: TileId,
    caller: &Caller,
    key: TileKey,
    gz: bool,
) -> ApiResult<Option<Bytes>> {
    let zoom = ZOOM_LABELS[tile.z as usize];
    let cached = state.tile_cache.get(&key);
    if state.tile_cache.enabled() {
        let result = if cached.is_some() { "hit" } else { "miss" };
        metrics::counter!("riskmap_tile_cache_requests_total", "result" => result, "z" => zoom)
            .increment(1);
    }
    let mut changed = cached.is_none();
    let mut entry = match cached {
        Some(e) => e,
        None => CachedTile {
            raw: loaded
                .tiles
                .render(&loaded.store, &sel.layers, tile, caller.clearance)
                .map_err(tile_error)?
                .map(|raw| {
                    metrics::histogram!("riskmap_tile_bytes", "z" => zoom).record(raw.len() as f64);
                    Bytes::from(raw)
                }),
            gzip: None,
        },
    };
    if gz
        && entry.gzip.is_none()
        && let Some(raw) = &entry.raw
    {
        entry.gzip = Some(gzip(raw, GZIP_LEVEL));
        changed = true;
    }
    let body = if gz {
        entry.gzip.clone()
    } else {
        entry.raw.clone()
    };
    if changed {
        state.tile_cache.insert(key, entry);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: header::HeaderName, v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn accept_encoding_is_parsed_with_q_values() {
        assert!(accepts_gzip(&headers(
            header::ACCEPT_ENCODING,
            "gzip, deflate, br"
        )));
        assert!(accepts_gzip(&headers(
            header::ACCEPT_ENCODING,
            "br;q=1.0, GZIP;q=0.5"
        )));
        assert!(!accepts_gzip(&headers(header::ACCEPT_ENCODING, "gzip;q=0")));
        assert!(!accepts_gzip(&headers(header::ACCEPT_ENCODING, "br")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn if_none_match_lists_and_weak_tags_match() {
        let h = headers(header::IF_NONE_MATCH, "\"a\", W/\"b\"");
        assert!(etag_matches(&h, "\"b\""));
        assert!(!etag_matches(&h, "\"c\""));
    }

    #[test]
    fn bad_coordinates_are_400_naming_the_field() {
        let e = tile_id("3", "x", "1").unwrap_err();
        assert_eq!(
            (e.status, e.field.as_deref()),
            (StatusCode::BAD_REQUEST, Some("x"))
        );
        let e = tile_id("3", "8", "1").unwrap_err();
        assert_eq!(
            (e.status, e.field.as_deref()),
            (StatusCode::BAD_REQUEST, Some("x"))
        );
        let e = tile_id("-1", "0", "0").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("z"));
    }
}
