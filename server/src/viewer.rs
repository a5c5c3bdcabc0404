//! The browser side, served by this server alone (command centres run offline): the
//! analyst viewer at `/`, the wall screen at `/wall`, their built assets under
//! `/assets/`, SDF glyphs at `/fonts/{fontstack}/{range}.pbf`, and
//! `/viewer/config.json`, the layer schemas the viewer builds its tree, legend and
//! popups from (filtered for the caller like every other output).
//!
//! The assets are `web-viewer/dist`, built by `npm run build` in `web-viewer/`.

use std::path::{Path, PathBuf};

use axum::Json;
use axum::Router;
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use layers::pbf::{Wire, bytes_field, tag};
use serde_json::{Value, json};
use tower_http::services::ServeDir;

use crate::access::Caller;
use crate::config::ServerConfig;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The assets directory: configured, else the first built `web-viewer/dist` found
/// next to the executable (`target/<profile>/riskmap-server` in a checkout, or an
/// installed tree) or under the working directory.
pub fn assets_dir(config: &ServerConfig) -> PathBuf {
    if let Some(dir) = &config.viewer.assets_dir {
        return dir.clone();
    }
    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        for up in exe.ancestors().skip(1).take(4) {
            candidates.push(up.join("web-viewer/dist"));
        }
    }
    candidates.push(PathBuf::from("web-viewer/dist"));
    candidates
        .iter()
        .find(|d| d.join("index.html").is_file())
        .cloned()
        .unwrap_or_else(|| PathBuf::from("web-viewer/dist"))
}

/// Routes for the wall page, assets, glyphs and viewer configuration. The analyst page
/// at `/` is answered by [`analyst_page`] (a middleware, since `/` is also the OGC API
/// landing page for JSON clients).
pub fn routes(dir: &Path) -> Router<AppState> {
    if !dir.join("index.html").is_file() {
        tracing::warn!(dir = %dir.display(), "viewer assets not built (run `npm run build` in web-viewer/); / and /wall will answer 404");
    }
    let wall = dir.join("wall.html");
    let fonts = dir.join("fonts");
    Router::new()
        .route("/wall", get(move || async move { html_file(&wall).await }))
        .route(
            "/fonts/{fontstack}/{range}",
            get(move |p: UrlPath<(String, String)>| async move { glyphs(&fonts, p).await }),
        )
        .route("/viewer/config.json", get(viewer_config))
        .route("/viewer/admin.json", get(admin_index))
        .nest_service("/assets", ServeDir::new(dir.join("assets")))
}

async fn html_file(path: &Path) -> Response {
    match tokio::fs::read(path).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => ApiError::not_found(
            "the viewer is not built: run `npm ci && npm run build` in web-viewer/",
        )
        .into_response(),
    }
}

/// The analyst page's file, the state of the [`analyst_page`] middleware.
pub fn index_file(dir: &Path) -> PathBuf {
    dir.join("index.html")
}

fn wants_html(req: &Request) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

/// `GET /` from a browser (Accept: text/html) gets the analyst viewer; other clients
/// pass through to whatever `/` serves for them (the OGC API landing page).
pub async fn analyst_page(State(index): State<PathBuf>, req: Request, next: Next) -> Response {
    if req.method() == Method::GET && req.uri().path() == "/" && wants_html(&req) {
        return html_file(&index).await;
    }
    next.run(req).await
}

/// MapLibre requests `{range}` as `<start>-<end>.pbf`, 256 codepoints from a multiple
/// of 256; anything else is refused.
fn parse_range(range: &str) -> Option<u32> {
    let (a, b) = range.strip_suffix(".pbf")?.split_once('-')?;
    let (a, b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
    (a % 256 == 0 && b == a + 255 && b <= 0xFFFF).then_some(a)
}

/// The glyph ranges of a font stack that holds no glyph in a range: a valid PBF naming
/// the stack and range with no glyphs, so MapLibre draws nothing and logs no error.
fn empty_range(name: &str, start: u32) -> Vec<u8> {
    // glyphs.proto: glyphs { repeated fontstack stacks = 1 },
    // fontstack { string name = 1; string range = 2; repeated glyph glyphs = 3 }.
    let len = tag(1, Wire::Len);
    let range = format!("{}-{}", start, start + 255);
    let mut stack = Vec::new();
    bytes_field(&mut stack, len, name.as_bytes());
    bytes_field(&mut stack, tag(2, Wire::Len), range.as_bytes());
    let mut out = Vec::new();
    bytes_field(&mut out, len, &stack);
    out
}

fn safe_font_name(n: &str) -> bool {
    !n.is_empty() && !n.contains(['/', '\\']) && n != "." && n != ".."
}

/// `GET /fonts/{fontstack}/{range}.pbf`: the first font of the comma-separated stack
/// that we ship, else the first font we have (the shipped CJK font covers Latin too).
async fn glyphs(fonts: &Path, UrlPath((stack, range)): UrlPath<(String, String)>) -> Response {
    let Some(start) = parse_range(&range) else {
        return ApiError::bad(
            "range",
            "expected <start>-<end>.pbf, 256 codepoints from a multiple of 256",
        )
        .into_response();
    };
    let mut dirs: Vec<PathBuf> = stack
        .split(',')
        .map(str::trim)
        .filter(|n| safe_font_name(n))
        .map(|n| fonts.join(n))
        .collect();
    if let Ok(mut rd) = tokio::fs::read_dir(fonts).await {
        let mut all = Vec::new();
        while let Ok(Some(e)) = rd.next_entry().await {
            all.push(e.path());
        }
        all.sort();
        dirs.extend(all);
    }
    let file = format!("{}-{}.pbf", start, start + 255);
    for d in &dirs {
        if !d.is_dir() {
            continue;
        }
        let body = match tokio::fs::read(d.join(&file)).await {
            Ok(b) => b,
            Err(_) => empty_range(&stack, start),
        };
        return pbf(body);
    }
    if dirs.is_empty() {
        tracing::warn!(dir = %fonts.display(), "no glyphs built; labels will not draw");
    }
    pbf(empty_range(&stack, start))
}

fn pbf(body: Vec<u8>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-protobuf"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /viewer/config.json`: what the viewer needs to build itself for this caller:
/// the layers it may see with the fields it may see (display names, coded values),
/// the dataset's extent and version, and the optional basemap key.
pub async fn viewer_config(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    let dataset = state.dataset()?;
    let m = &dataset.store().manifest;
    let layers: Vec<Value> = m
        .layers
        .iter()
        .filter(|l| caller.may_see_layer(&l.schema.id))
        .map(|l| {
            let s = &l.schema;
            let fields: Vec<Value> = s
                .visible_fields(caller.clearance())
                .map(|i| {
                    let f = &s.fields[i];
                    json!({"name": f.name, "type": f.ty, "zh": f.zh, "en": f.en, "values": f.values})
                })
                .collect();
            json!({
                "id": s.id, "geometry": s.geometry, "zh": s.zh, "en": s.en,
                "group": s.group, "group_zh": s.group.zh(), "context": s.context,
                "feature_count": l.feature_count, "bbox": l.bbox, "synthetic": l.synthetic,
                "fields": fields,
            })
        })
        .collect();
    // The region in view: the admin layer's extent, else every layer's.
    let bbox = m
        .layers
        .iter()
        .find(|l| l.schema.id == "admin")
        .and_then(|l| l.bbox)
        .or_else(|| {
            m.layers.iter().filter_map(|l| l.bbox).reduce(|a, b| {
                [
                    a[0].min(b[0]),
                    a[1].min(b[1]),
                    a[2].max(b[2]),
                    a[3].max(b[3]),
                ]
            })
        });
    let body = json!({
        "dataset_version": m.dataset_version,
        "created": m.created,
        "title": m.title,
        "region": m.region,
        "attribution": m.attribution,
        "bbox": bbox,
        "role": caller.role.as_str(),
        "layers": layers,
        "tianditu_key": state.config.viewer.tianditu_key,
        "wall_cycle_seconds": state.config.viewer.wall_cycle_seconds,
    });
    Ok(([(header::CACHE_CONTROL, "no-cache")], Json(body)).into_response())
}

/// `GET /viewer/admin.json`: every admin unit's code, name, level, parent and extent,
/// for the viewer's search box (names and codes are public; no geometry is sent).
pub async fn admin_index(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    let dataset = state.dataset()?;
    let Some(layer) = dataset
        .store()
        .layer("admin")
        .filter(|_| caller.may_see_layer("admin"))
    else {
        return Ok(Json(json!({"units": []})).into_response());
    };
    let schema = layer.schema();
    let text = |f: &layers::Feature, name: &str| {
        f.get(schema, name)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let units: Vec<Value> = layer
        .features
        .iter()
        .map(|f| {
            let bbox = f
                .bbox()
                .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]);
            json!({
                "code": text(f, "code"), "name": text(f, "name"),
                "level": text(f, "level"), "parent_code": text(f, "parent_code"), "bbox": bbox,
            })
        })
        .collect();
    Ok((
        [(header::CACHE_CONTROL, "no-cache")],
        Json(json!({"units": units})),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_checked() {
        assert_eq!(parse_range("0-255.pbf"), Some(0));
        assert_eq!(parse_range("19968-20223.pbf"), Some(19968));
        assert_eq!(parse_range("65280-65535.pbf"), Some(65280));
        for bad in [
            "1-256.pbf",
            "0-256.pbf",
            "65536-65791.pbf",
            "0-255",
            "a-b.pbf",
            "../x",
        ] {
            assert_eq!(parse_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn empty_range_is_a_decodable_fontstack() {
        let b = empty_range("F", 256);
        // stacks { name "F", range "256-511" }
        let mut want = vec![0x0a, 12, 0x0a, 1, b'F', 0x12, 7];
        want.extend_from_slice(b"256-511");
        assert_eq!(b, want);
    }
}
