//! Vector tile endpoints: XYZ `/tiles/{layer}/{z}/{x}/{y}.mvt`, the composite
//! `/tiles/onemap/{z}/{x}/{y}.mvt`, and OGC API – Tiles
//! `/collections/{id}/tiles/WebMercatorQuad/{z}/{row}/{col}`.
//!
//! HTTP only: the tile is built by `layers::tiles`; here are the layer selection by
//! caller, ETag / 304, gzip, Cache-Control, 204 for empty tiles and the cache.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use layers::Dataset;
use layers::tiles::{
    EVENTS, MVT_MEDIA_TYPE, ONEMAP, Overlay, REQUEST_LEVEL, Selection, TileId, gzip, render_overlay,
};
use serde::Deserialize;

use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::tile_cache::{CachedTile, TileKey};

/// Zoom levels as metric label values, without an allocation per request.
const ZOOM_LABELS: [&str; layers::tiles::MAX_ADDRESSABLE_ZOOM as usize + 1] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "19", "20",
];

fn parse_coord<T: std::str::FromStr>(field: &'static str, v: &str) -> ApiResult<T> {
    v.parse().map_err(|_| {
        ApiError::bad(
            field,
            format!("{field} must be a non-negative integer, got {v:?}"),
        )
    })
}

fn tile_id(dataset: &Dataset, z: &str, x: &str, y: &str) -> ApiResult<TileId> {
    Ok(dataset.tile_id(
        parse_coord("z", z)?,
        parse_coord("x", x)?,
        parse_coord("y", y)?,
    )?)
}

#[derive(Debug, Deserialize)]
pub struct TileQuery {
    /// The dataset version the client's URL was made for.
    pub v: Option<String>,
}

pub async fn xyz_tile(
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
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

pub async fn ogc_tile(
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
    serve(&state, &caller, &headers, &q, &layer, zxy)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// Does the client accept gzip (`Accept-Encoding`, with a non-zero q)?
pub(crate) fn accepts_gzip(headers: &HeaderMap) -> bool {
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

pub(crate) fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

pub(crate) async fn serve(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    q: &TileQuery,
    name: &str,
    (z, x, y): (&str, &str, &str),
) -> ApiResult<Response> {
    let dataset = state.dataset()?;
    let tile = tile_id(&dataset, z, x, y)?;
    let gz = accepts_gzip(headers);
    if name == EVENTS {
        return Ok(events_tile(state, &dataset, headers, tile, gz));
    }
    let sel = dataset.select(name, &caller.access)?;
    // The composite carries the live events layer: its ETag names their generation.
    let overlay = (name == ONEMAP).then(|| state.events_overlay.load_full());
    let key = TileKey {
        version: dataset.version_hash(),
        selection: sel.key(),
        tile,
    };
    // Every part of the key, spelled out: unique per representation, no hashing.
    let etag = format!(
        "\"{:016x}{:016x}{}-{}-{}-{}{}\"",
        key.version,
        key.selection,
        overlay
            .as_ref()
            .map_or(String::new(), |o| format!("-e{:016x}", o.generation)),
        tile.z,
        tile.x,
        tile.y,
        if gz { "-gz" } else { "" }
    );
    let current = q.v.as_deref() == Some(dataset.version());
    let public = caller.clearance() == layers::Sensitivity::Public;
    let cache_control = match (public, current, overlay.is_some()) {
        // Live events change under any dataset version: revalidate every time.
        (true, _, true) => "public, no-cache",
        (false, _, true) => "private, no-cache",
        // The URL names this dataset version: its tiles never change.
        (true, true, false) => "public, max-age=86400, immutable",
        (true, false, false) => "public, max-age=60",
        (false, true, false) => "private, max-age=86400",
        (false, false, false) => "private, max-age=60",
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
    // Events in this tile: the dataset's part uncompressed, the events layer after it
    // (a tile is a sequence of layers), compressed here if asked.
    let events = overlay
        .as_deref()
        .map(|o| render_overlay(EVENTS, o, tile))
        .filter(|b| !b.is_empty());
    let body = match (dataset.prebuilt_tile(&sel, tile), events) {
        (Some(pre), None) if gz => pre.gzip.clone(),
        (Some(pre), None) => pre.raw.clone(),
        (None, None) => cached_or_rendered(state, &dataset, sel, key, gz).await?,
        (pre, Some(ev)) => {
            let base = match pre {
                Some(pre) => pre.raw.clone(),
                None => cached_or_rendered(state, &dataset, sel, key, false).await?,
            };
            let mut raw = base.map(|b| b.to_vec()).unwrap_or_default();
            raw.extend_from_slice(&ev);
            Some(Bytes::from(if gz {
                gzip(&raw, REQUEST_LEVEL)
            } else {
                raw
            }))
        }
    };
    let Some(body) = body else {
        return Ok(builder
            .status(StatusCode::NO_CONTENT)
            .body(Body::empty())
            .unwrap_or_default());
    };
    builder = builder.header(
        header::CONTENT_TYPE,
        HeaderValue::from_static(MVT_MEDIA_TYPE),
    );
    if gz {
        builder = builder.header(header::CONTENT_ENCODING, "gzip");
    }
    Ok(builder
        .status(StatusCode::OK)
        .body(Body::from(body))
        .unwrap_or_default())
}

/// `/tiles/events/{z}/{x}/{y}.mvt`: the live events layer alone, public fields only
/// for every caller (nothing else is in the snapshot). Drawn per request from the
/// in-memory snapshot; the ETag names the events' generation and the dataset
/// version (admin areas are resolved through it), and clients revalidate each time.
fn events_tile(
    state: &AppState,
    dataset: &Dataset,
    headers: &HeaderMap,
    tile: TileId,
    gz: bool,
) -> Response {
    let overlay: Arc<Overlay> = state.events_overlay.load_full();
    let etag = format!(
        "\"ev{:016x}{:016x}-{}-{}-{}{}\"",
        overlay.generation,
        dataset.version_hash(),
        tile.z,
        tile.x,
        tile.y,
        if gz { "-gz" } else { "" }
    );
    let builder = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::CACHE_CONTROL, "public, no-cache")
        .header(header::VARY, "Accept-Encoding");
    if etag_matches(headers, &etag) {
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_default();
    }
    let raw = render_overlay(EVENTS, &overlay, tile);
    if raw.is_empty() {
        return builder
            .status(StatusCode::NO_CONTENT)
            .body(Body::empty())
            .unwrap_or_default();
    }
    let builder = builder.header(
        header::CONTENT_TYPE,
        HeaderValue::from_static(MVT_MEDIA_TYPE),
    );
    let (builder, body) = if gz {
        (
            builder.header(header::CONTENT_ENCODING, "gzip"),
            gzip(&raw, REQUEST_LEVEL),
        )
    } else {
        (builder, raw)
    };
    builder
        .status(StatusCode::OK)
        .body(Body::from(body))
        .unwrap_or_default()
}

/// A tile's body from the cache, or rendered (and cached): `None` for an empty tile.
/// A hit stays on the async path; a miss renders (and compresses) on the blocking
/// pool within the server's CPU budget.
async fn cached_or_rendered(
    state: &AppState,
    dataset: &Arc<Dataset>,
    sel: Selection,
    key: TileKey,
    gz: bool,
) -> ApiResult<Option<Bytes>> {
    let zoom = ZOOM_LABELS[key.tile.z as usize];
    let cached = state.tile_cache.get(&key);
    if state.tile_cache.enabled() {
        let result = if cached.is_some() { "hit" } else { "miss" };
        metrics::counter!("riskmap_tile_cache_requests_total", "result" => result, "z" => zoom)
            .increment(1);
    }
    let entry = match cached {
        Some(e) if !gz || e.gzip.is_some() || e.raw.is_none() => e,
        // A light tile renders here: a thread handoff would cost more than the
        // render (measured: 40% fewer cold z12–14 tiles/s). A heavy one goes to the
        // blocking pool, so that it cannot hold up the async workers.
        found if dataset.is_light(&sel, key.tile) => {
            let entry = complete(dataset, &sel, key.tile, found, gz, zoom)?;
            state.tile_cache.insert(key, entry.clone());
            entry
        }
        found => {
            let dataset = Arc::clone(dataset);
            let entry = state
                .run_blocking(move || complete(&dataset, &sel, key.tile, found, gz, zoom))
                .await??;
            state.tile_cache.insert(key, entry.clone());
            entry
        }
    };
    Ok(if gz { entry.gzip } else { entry.raw })
}

/// Render a tile that is not in the cache, or add the gzip form to one that is.
fn complete(
    dataset: &Dataset,
    sel: &Selection,
    tile: TileId,
    found: Option<CachedTile>,
    gz: bool,
    zoom: &'static str,
) -> ApiResult<CachedTile> {
    let mut entry = match found {
        Some(e) => e,
        None => CachedTile {
            raw: dataset.render(sel, tile)?.map(|raw| {
                metrics::histogram!("riskmap_tile_bytes", "z" => zoom).record(raw.len() as f64);
                Bytes::from(raw)
            }),
            gzip: None,
        },
    };
    if gz && entry.gzip.is_none() {
        entry.gzip = entry
            .raw
            .as_deref()
            .map(|raw| Bytes::from(gzip(raw, REQUEST_LEVEL)));
    }
    Ok(entry)
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
        let e = parse_coord::<u32>("x", "x").unwrap_err();
        assert_eq!(
            (e.status, e.field.as_deref()),
            (StatusCode::BAD_REQUEST, Some("x"))
        );
        let e = parse_coord::<u8>("z", "-1").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("z"));
    }
}
