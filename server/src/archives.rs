//! PMTiles archives served as tilesets (`[tiles.archives]` in the config): a public
//! mirror of the map (`riskmap-prep tiles`) needs no dataset, only the archive.
//!
//! `GET /archives/{name}.json` is the archive's TileJSON with this server's tile URL;
//! `GET /archives/{name}/{z}/{x}/{y}.mvt` is a tile, gzipped as stored (or gunzipped
//! for a client that does not accept gzip), 204 where the archive has none.

use std::io::Read;

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use layers::tiles::{MVT_MEDIA_TYPE, TileId};
use pmtiles::TileCoord;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::tiles::{accepts_gzip, etag_matches};
use crate::urls::origin;

/// `GET /archives/{name}.json`
pub async fn tilejson(
    State(state): State<AppState>,
    headers: HeaderMap,
    UrlPath(file): UrlPath<String>,
) -> ApiResult<Response> {
    let name = file.strip_suffix(".json").ok_or_else(|| {
        ApiError::not_found("an archive's TileJSON is at /archives/{name}.json").field("name")
    })?;
    let archive = state.archives.get(name)?;
    let mut v = archive.metadata.clone();
    let o = origin(&state.config, &headers);
    v["tiles"] = serde_json::json!([format!("{o}/archives/{name}/{{z}}/{{x}}/{{y}}.mvt")]);
    v["minzoom"] = archive.min_zoom.into();
    v["maxzoom"] = archive.max_zoom.into();
    Ok(axum::Json(v).into_response())
}

/// `GET /archives/{name}/{z}/{x}/{y}.mvt`
pub async fn tile(
    State(state): State<AppState>,
    headers: HeaderMap,
    UrlPath((name, z, x, y)): UrlPath<(String, String, String, String)>,
) -> ApiResult<Response> {
    let archive = state.archives.get(&name)?;
    let y = y.strip_suffix(".mvt").ok_or_else(|| {
        ApiError::not_found("tile URLs end in .mvt: /archives/{name}/{z}/{x}/{y}.mvt").field("y")
    })?;
    let num = |field: &'static str, v: &str| {
        v.parse::<u32>().map_err(|_| {
            ApiError::bad(
                field,
                format!("{field} must be a non-negative integer, got {v:?}"),
            )
        })
    };
    let z = u8::try_from(num("z", &z)?).unwrap_or(u8::MAX);
    let tile = TileId::new(z, num("x", &x)?, num("y", y)?)?;
    if !(archive.min_zoom..=archive.max_zoom).contains(&tile.z) {
        return Err(ApiError::not_found(format!(
            "archive {name} holds zooms {}–{}, not {}",
            archive.min_zoom, archive.max_zoom, tile.z
        ))
        .field("z"));
    }
    let gz = accepts_gzip(&headers);
    let etag = format!(
        "\"{}-{}-{}-{}{}\"",
        archive.tag,
        tile.z,
        tile.x,
        tile.y,
        if gz { "-gz" } else { "" }
    );
    let builder = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::CACHE_CONTROL, "public, max-age=3600")
        .header(header::VARY, "Accept-Encoding");
    if etag_matches(&headers, &etag) {
        return Ok(builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_default());
    }
    let coord = TileCoord::new(tile.z, tile.x, tile.y)
        .map_err(|e| ApiError::bad("z", format!("not a tile address: {e}")))?;
    let stored = archive
        .reader
        .get_tile(coord)
        .await
        .map_err(|e| ApiError::internal(format!("reading archive {name}: {e}")))?;
    let Some(stored) = stored else {
        return Ok(builder
            .status(StatusCode::NO_CONTENT)
            .body(Body::empty())
            .unwrap_or_default());
    };
    let builder = builder.header(
        header::CONTENT_TYPE,
        HeaderValue::from_static(MVT_MEDIA_TYPE),
    );
    let response = if gz {
        builder
            .header(header::CONTENT_ENCODING, "gzip")
            .body(Body::from(stored))
    } else {
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(&stored[..])
            .read_to_end(&mut raw)
            .map_err(|e| ApiError::internal(format!("archive {name} holds a bad tile: {e}")))?;
        builder.body(Body::from(raw))
    };
    Ok(response.unwrap_or_default())
}
