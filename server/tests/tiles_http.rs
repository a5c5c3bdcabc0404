//! HTTP behaviour of the tile endpoints on a small in-memory dataset.
// Test support: a panic here is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::io::Read;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use geo::{Geometry, LineString, MultiPolygon, Point, Polygon};
use layers::catalogue::core_layer;
use layers::manifest::{FORMAT, FORMAT_VERSION, Manifest, ManifestLayer};
use layers::tiles::{PREBUILT_MAX_ZOOM, TileId, TileOptions};
use layers::{Access, Dataset};
use layers::{Feature, Layer, Sensitivity, Store, Value};
use riskmap_server::access::{Role, RoleConfig};
use riskmap_server::styles::Styles;
use riskmap_server::{AppState, ServerConfig, app};
use tower::ServiceExt;

mod common;
use common::{contains, key};

fn layer(id: &str, features: Vec<Feature>) -> Layer {
    let schema = core_layer(id).unwrap();
    let meta = ManifestLayer {
        schema,
        file: format!("layers/{id}.fgb"),
        feature_count: features.len() as u64,
        bbox: Some([101.0, 25.0, 101.2, 25.2]),
        synthetic: true,
        sha256: String::new(),
        sources: vec![],
    };
    Layer::new(meta, features)
}

fn props(id: &str, set: &[(&str, Value)]) -> Vec<Value> {
    let schema = core_layer(id).unwrap();
    let mut p = vec![Value::Null; schema.fields.len()];
    for (k, v) in set {
        p[schema.field_index(k).unwrap()] = v.clone();
    }
    p
}

fn square(x: f64, y: f64, s: f64) -> Geometry<f64> {
    let ring = LineString::from(vec![(x, y), (x + s, y), (x + s, y + s), (x, y + s), (x, y)]);
    Geometry::MultiPolygon(MultiPolygon(vec![Polygon::new(ring, vec![])]))
}

fn store(version: &str) -> Store {
    let shelters = layer(
        "shelters",
        (0..20)
            .map(|i| {
                Feature::new(
                    Geometry::Point(Point::new(101.0 + i as f64 * 0.01, 25.1)),
                    props(
                        "shelters",
                        &[
                            ("shelter_id", format!("S{i}").into()),
                            ("name", format!("避难场所{i}").into()),
                            ("capacity", Value::Int(500)),
                            ("status", "open".into()),
                            ("manager_phone", "13912345678".into()),
                        ],
                    ),
                )
            })
            .collect(),
    );
    let zones = layer(
        "hazard_zones",
        vec![
            Feature::new(
                square(101.0, 25.0, 0.1),
                props(
                    "hazard_zones",
                    &[("hazard_type", "flood".into()), ("grade", Value::Int(4))],
                ),
            ),
            Feature::new(
                square(101.1, 25.0, 0.1),
                props(
                    "hazard_zones",
                    &[("hazard_type", "flood".into()), ("grade", Value::Int(2))],
                ),
            ),
        ],
    );
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        dataset_version: version.into(),
        created: "2025-01-01T00:00:00Z".into(),
        title: "test".into(),
        region: None,
        attribution: "test data".into(),
        layers: vec![zones.meta.clone(), shelters.meta.clone()],
        sources: vec![],
    };
    Store::from_layers(manifest, vec![zones, shelters])
}

fn state(cache_bytes: u64) -> AppState {
    let mut config = ServerConfig::default();
    config.tiles.cache_bytes = cache_bytes;
    config.http.cors_origins = vec![];
    config.keys = vec![
        key("analyst", Role::Analyst, ANALYST),
        key("zones-only", Role::System, ZONES_ONLY),
    ];
    config.roles.insert(
        Role::System,
        RoleConfig {
            layers: vec!["hazard_zones".into()],
            clearance: Sensitivity::Internal,
        },
    );
    let state = AppState::with_styles(
        config,
        Styles::from_texts([(
        "onemap".to_string(),
        r#"{"version":8,"sources":{"onemap":{"type":"vector","url":"{origin}/tiles/onemap.json"}},"layers":[]}"#
            .to_string(),
    )]),
    );
    state.install(Dataset::new(store("v1"), TileOptions::default()));
    state
}

/// Chuxiong-area tile holding both test layers at zoom 10 (x 799, y 438).
const TILE: &str = "/tiles/onemap/10/799/438.mvt";
/// A zoom-12 tile at (101.05, 25.1), where points carry all their (visible) fields.
const DETAIL_TILE: &str = "/tiles/onemap/12/3197/1752.mvt";

/// API keys of an analyst (personal clearance) and of a system allowed hazard zones only.
const ANALYST: &str = "analyst-key";
const ZONES_ONLY: &str = "zones-key";

async fn get(
    app: &Router,
    uri: &str,
    headers: &[(&str, &str)],
    key: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::builder().uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(key) = key {
        req = req.header("x-api-key", key);
    }
    let req = req.body(Body::empty()).unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = to_bytes(resp.into_body(), 1 << 24).await.unwrap().to_vec();
    (status, headers, body)
}

fn analyst() -> Option<&'static str> {
    Some(ANALYST)
}

#[tokio::test]
async fn tile_has_mvt_type_and_public_fields_only() {
    let app = app(state(1 << 20));
    let (status, h, body) = get(&app, TILE, &[], None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        h[header::CONTENT_TYPE],
        "application/vnd.mapbox-vector-tile"
    );
    assert!(h.contains_key(header::ETAG));
    assert!(
        h[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    assert!(contains(&body, "shelters") && contains(&body, "hazard_zones"));
    assert!(contains(&body, "capacity"));
    assert!(
        !contains(&body, "manager_phone") && !contains(&body, "13912345678"),
        "Personal field in a public tile"
    );

    // Low zooms carry only the styles' fields, whatever the clearance; from the detail
    // zoom on, a caller cleared for personal data gets it, privately cached.
    let (_, _, body) = get(&app, TILE, &[], analyst()).await;
    assert!(!contains(&body, "manager_phone"));
    let (_, _, body) = get(&app, DETAIL_TILE, &[], None).await;
    assert!(contains(&body, "capacity") && !contains(&body, "manager_phone"));
    let (status, h, body) = get(&app, DETAIL_TILE, &[], analyst()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(contains(&body, "manager_phone") && contains(&body, "13912345678"));
    assert!(
        h[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .starts_with("private")
    );
}

#[tokio::test]
async fn empty_tile_is_204() {
    let app = app(state(1 << 20));
    let (status, _, body) = get(&app, "/tiles/onemap/10/0/0.mvt", &[], None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(body.is_empty());
}

#[tokio::test]
async fn matching_etag_is_304_and_gzip_is_served_when_accepted() {
    let app = app(state(1 << 20));
    let (_, h, raw) = get(&app, TILE, &[], None).await;
    let etag = h[header::ETAG].to_str().unwrap().to_string();
    let (status, h304, body) = get(&app, TILE, &[("if-none-match", &etag)], None).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    assert_eq!(h304[header::ETAG], etag.as_str());

    let (status, hgz, gz) = get(&app, TILE, &[("accept-encoding", "gzip, br")], None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hgz[header::CONTENT_ENCODING], "gzip");
    assert_ne!(
        hgz[header::ETAG],
        etag.as_str(),
        "each encoding has its own ETag"
    );
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, raw);
}

#[tokio::test]
async fn bad_addresses_are_json_errors_never_500() {
    let app = app(state(1 << 20));
    for (uri, status, field) in [
        ("/tiles/onemap/10/1024/0.mvt", StatusCode::BAD_REQUEST, "x"),
        ("/tiles/onemap/10/0/99999.mvt", StatusCode::BAD_REQUEST, "y"),
        ("/tiles/onemap/ten/0/0.mvt", StatusCode::BAD_REQUEST, "z"),
        ("/tiles/onemap/10/-1/0.mvt", StatusCode::BAD_REQUEST, "x"),
        ("/tiles/onemap/99/0/0.mvt", StatusCode::BAD_REQUEST, "z"),
        ("/tiles/onemap/15/0/0.mvt", StatusCode::NOT_FOUND, "z"),
        (
            "/tiles/no_such_layer/1/0/0.mvt",
            StatusCode::NOT_FOUND,
            "layer",
        ),
        ("/tiles/onemap/1/0/0.png", StatusCode::NOT_FOUND, "y"),
        (
            "/collections/no_such_layer/tiles/WebMercatorQuad/0/0/0",
            StatusCode::NOT_FOUND,
            "layer",
        ),
        ("/tiles/no_such_layer.json", StatusCode::NOT_FOUND, "layer"),
    ] {
        let (s, h, body) = get(&app, uri, &[], None).await;
        assert_eq!(s, status, "{uri}");
        assert!(
            h[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{uri}"
        );
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"]["field"], field, "{uri}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
}

#[tokio::test]
async fn etag_changes_with_dataset_version() {
    let state = state(1 << 20);
    let app = app(state.clone());
    let (_, h1, b1) = get(&app, TILE, &[], None).await;
    state.install(Dataset::new(store("v2"), TileOptions::default()));
    let (_, h2, b2) = get(&app, TILE, &[], None).await;
    assert_ne!(h1[header::ETAG], h2[header::ETAG]);
    assert_eq!(b1, b2, "same data, same tile");
    // The old ETag no longer matches.
    let old = h1[header::ETAG].to_str().unwrap();
    let (status, _, _) = get(&app, TILE, &[("if-none-match", old)], None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn versioned_urls_are_cached_long_and_the_cache_counts_hits() {
    let state = state(1 << 20);
    let app = app(state.clone());
    // A zoom deeper than those built at load, so it goes through the cache.
    let uri = format!("{DETAIL_TILE}?v=v1");
    let (_, h, first) = get(&app, &uri, &[], None).await;
    // The composite carries the live events layer, so it is revalidated; a layer's
    // tile at a named dataset version never changes.
    let cc = |h: &axum::http::HeaderMap| h[header::CACHE_CONTROL].to_str().unwrap().to_string();
    assert!(cc(&h).contains("no-cache"), "{}", cc(&h));
    let layer_uri = format!("{}?v=v1", DETAIL_TILE.replace("onemap", "hazard_zones"));
    let (_, h, _) = get(&app, &layer_uri, &[], None).await;
    assert!(cc(&h).contains("immutable"), "{}", cc(&h));
    let before = state.tile_cache.stats();
    let (_, _, second) = get(&app, &uri, &[], None).await;
    let after = state.tile_cache.stats();
    assert_eq!(first, second);
    assert_eq!(after.hits, before.hits + 1);
    assert!(after.bytes > 0);
    // With the cache off the same tile comes out, and nothing is kept.
    let off = state_with_cache_off();
    let (_, _, third) = get(&app_of(&off), &uri, &[], None).await;
    assert_eq!(third, first);
    assert_eq!(off.tile_cache.stats().entries, 0);
}

fn state_with_cache_off() -> AppState {
    state(0)
}

fn app_of(s: &AppState) -> Router {
    app(s.clone())
}

#[tokio::test]
async fn tilejson_lists_only_visible_fields_and_versioned_urls() {
    let app = app(state(1 << 20));
    let (status, _, body) = get(
        &app,
        "/tiles/onemap.json",
        &[("host", "maps.local:8080")],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let tj: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(
        tj["tiles"][0],
        "http://maps.local:8080/tiles/onemap/{z}/{x}/{y}.mvt?v=v1"
    );
    let shelters = tj["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "shelters")
        .unwrap();
    assert_eq!(shelters["fields"]["capacity"], "Number");
    assert!(shelters["fields"].get("manager_phone").is_none());
    assert_eq!(tj["bounds"].as_array().unwrap().len(), 4);

    let (_, _, body) = get(&app, "/tiles/shelters.json", &[], analyst()).await;
    let tj: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(tj["vector_layers"][0]["fields"]["manager_phone"], "String");
}

#[tokio::test]
async fn layer_restrictions_apply_to_tiles_tilejson_and_catalog() {
    let app = app(state(1 << 20));
    let only_zones = Some(ZONES_ONLY);
    let (_, _, body) = get(&app, TILE, &[], only_zones).await;
    assert!(contains(&body, "hazard_zones") && !contains(&body, "shelters"));
    let (status, _, _) = get(&app, "/tiles/shelters/10/799/438.mvt", &[], only_zones).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, _, body) = get(&app, "/catalog", &[], only_zones).await;
    let cat: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let ids: Vec<&str> = cat["tilesets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["onemap", "hazard_zones"]);
}

#[tokio::test]
async fn ogc_route_takes_row_before_column() {
    let app = app(state(1 << 20));
    let (_, _, xyz) = get(&app, "/tiles/shelters/10/799/438.mvt", &[], None).await;
    let (status, h, ogc) = get(
        &app,
        "/collections/shelters/tiles/WebMercatorQuad/10/438/799",
        &[],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        h[header::CONTENT_TYPE],
        "application/vnd.mapbox-vector-tile"
    );
    assert_eq!(xyz, ogc);
    let (status, _, body) = get(
        &app,
        "/collections/shelters/tiles/WebMercatorQuad",
        &[],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let meta: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(meta["dataType"], "vector");
    assert!(
        meta["layers"][0]["propertiesSchema"]["properties"]
            .get("manager_phone")
            .is_none()
    );
}

#[tokio::test]
async fn styles_are_served_with_our_origin() {
    let app = app(state(1 << 20));
    let (status, _, body) = get(
        &app,
        "/styles/onemap.json",
        &[("host", "10.1.2.3:8080")],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let style: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        style["sources"]["onemap"]["url"],
        "http://10.1.2.3:8080/tiles/onemap.json"
    );
    let (status, _, _) = get(&app, "/styles/nope.json", &[], None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn cors_follows_the_configured_origins() {
    let app_plain = app(state(1 << 20));
    let (_, h, _) = get(&app_plain, TILE, &[("origin", "http://viewer.local")], None).await;
    assert!(!h.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
    let mut config = ServerConfig::default();
    config.http.cors_origins = vec!["http://viewer.local".into()];
    let s = AppState::new(config);
    s.install(Dataset::new(store("v1"), TileOptions::default()));
    let (_, h, _) = get(&app(s), TILE, &[("origin", "http://viewer.local")], None).await;
    assert_eq!(
        h[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "http://viewer.local"
    );
}

/// A zoom-7 tile over the data (101.0–101.2 E, 25.0–25.2 N).
const LOW_TILE: &str = "/tiles/onemap/7/99/54.mvt";

#[tokio::test]
async fn low_zooms_of_the_public_composite_are_built_at_load() {
    let state = state(1 << 20);
    let app = app(state.clone());
    let dataset = state.dataset().unwrap();
    // The data spans 0.2 degrees: its pyramid is small, so built up to the cap.
    assert_eq!(dataset.prebuilt().max_zoom(), Some(PREBUILT_MAX_ZOOM));
    let before = state.tile_cache.stats();
    let (status, _, public) = get(&app, LOW_TILE, &[], None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, h, public_gz) = get(&app, LOW_TILE, &[("accept-encoding", "gzip")], None).await;
    assert_eq!(h[header::CONTENT_ENCODING], "gzip");
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&public_gz[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, public);
    // Served without the cache, and the same bytes a render on request gives.
    assert_eq!(state.tile_cache.stats(), before);
    let onemap = dataset.select("onemap", &Access::public()).unwrap();
    assert_eq!(onemap.layers().len(), dataset.store().layers().len());
    let fresh = dataset
        .render(&onemap, TileId::new(7, 99, 54).unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(public, fresh);
    assert!(!contains(&public, "13912345678"));
    // An analyst's composite (other clearance) is rendered on request, through the cache.
    let (status, _, _) = get(&app, LOW_TILE, &[], analyst()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(state.tile_cache.stats().misses, before.misses + 1);
    // So is a public tile deeper than the prebuilt zooms.
    let (status, _, _) = get(&app, DETAIL_TILE, &[], None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(state.tile_cache.stats().misses, before.misses + 2);
}
