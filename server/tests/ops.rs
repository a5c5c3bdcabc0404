//! Operating the server: health, keys, reload, metrics, limits, the error shape.
// Test support: a panic here is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use geo::{Geometry, point};
use http_body_util::BodyExt;
use layers::dataset::{DatasetMeta, LayerData, write_dataset};
use layers::{Feature, Value, catalogue};
use riskmap_server::access::Role;
use riskmap_server::{AppState, ServerConfig, app, reload};
use serde_json::Value as Json;
use tower::ServiceExt;

mod common;
use common::{assert_error, get, key};

/// [`common::call_json`]: every reply here is JSON.
async fn call(state: &AppState, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Json) {
    common::call_json(state, req).await
}

fn with_key(req: Request<Body>, k: &str) -> Request<Body> {
    common::with_key(req, Some(k))
}

fn write_demo(dir: &std::path::Path, n: usize) -> String {
    let schema = catalogue::core_layer("water_sources").unwrap();
    let features = (0..n)
        .map(|i| {
            let mut p = vec![Value::Null; schema.fields.len()];
            p[0] = format!("W{i}").into();
            p[schema.field_index("type").unwrap()] = "pond".into();
            Feature::new(
                Geometry::Point(point!(x: 101.0 + i as f64 * 0.01, y: 25.0)),
                p,
            )
        })
        .collect();
    let m = write_dataset(
        dir,
        DatasetMeta {
            title: "t".into(),
            ..Default::default()
        },
        &[LayerData {
            schema,
            features,
            synthetic: true,
            sources: vec![],
        }],
    )
    .unwrap();
    m.dataset_version
}

fn config(dataset: &std::path::Path) -> ServerConfig {
    ServerConfig {
        dataset: dataset.to_path_buf(),
        keys: vec![
            key("ops", Role::Admin, "admin-key"),
            key("gis", Role::Analyst, "analyst-key"),
        ],
        ..Default::default()
    }
}

#[tokio::test]
async fn health_is_503_until_loaded_then_names_the_version() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let version = write_demo(&ds, 3);
    let state = AppState::new(config(&ds));
    let (status, _, json) = call(&state, get("/health")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json["status"], "loading");
    assert!(reload::load(&state).await.ok);
    let (status, headers, json) = call(&state, get("/health")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["dataset_version"], version.as_str());
    assert!(headers.contains_key("x-request-id"));
}

#[tokio::test]
async fn keys_roles_and_admin_reload() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let v1 = write_demo(&ds, 3);
    let state = AppState::new(config(&ds));
    reload::load(&state).await;
    let reload_req = || Request::post("/admin/reload").body(Body::empty()).unwrap();

    let (status, _, json) = call(&state, with_key(get("/health"), "wrong")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(json["error"]["field"], "Authorization");
    let mut basic = get("/health");
    basic
        .headers_mut()
        .insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
    assert_eq!(call(&state, basic).await.0, StatusCode::UNAUTHORIZED);

    let (status, _, json) = call(&state, reload_req()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_error(&json, "forbidden");
    assert_eq!(
        call(&state, with_key(reload_req(), "analyst-key")).await.0,
        StatusCode::FORBIDDEN
    );

    let v2 = write_demo(&ds, 5);
    assert_ne!(v1, v2);
    let mut by_header = reload_req();
    by_header
        .headers_mut()
        .insert("x-api-key", "admin-key".parse().unwrap());
    let (status, _, json) = call(&state, by_header).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["load"]["dataset_version"], v2.as_str());
    assert_eq!(state.dataset().unwrap().version(), v2);

    // A broken dataset: the reload fails, the old version keeps serving, health says why.
    std::fs::write(ds.join("manifest.json"), "{ not json").unwrap();
    let (status, _, json) = call(&state, with_key(reload_req(), "admin-key")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_error(&json, "dataset_invalid");
    let (status, _, json) = call(&state, get("/health")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["dataset_version"], v2.as_str());
    assert_eq!(json["last_load"]["ok"], false);
    assert!(
        json["last_load"]["error"]
            .as_str()
            .unwrap()
            .contains("manifest.json")
    );
}

#[tokio::test]
async fn watcher_picks_up_a_new_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    write_demo(&ds, 3);
    let mut c = config(&ds);
    c.watch = true;
    c.watch_interval_ms = 200;
    let state = AppState::new(c);
    reload::load(&state).await;
    reload::spawn_watcher(state.clone());
    let v2 = write_demo(&ds, 4);
    for _ in 0..50 {
        if state.dataset().unwrap().version() == v2 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("watcher did not load {v2}");
}

#[tokio::test]
async fn errors_are_json_for_unknown_paths_methods_and_big_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    write_demo(&ds, 1);
    let mut c = config(&ds);
    c.http.body_limit_bytes = 1024;
    let state = AppState::new(c);
    let (status, _, json) = call(&state, get("/no/such/thing")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&json, "not_found");
    let (status, _, json) = call(&state, get("/admin/reload")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_error(&json, "method_not_allowed");
    let big = Request::post("/admin/reload")
        .header(header::CONTENT_LENGTH, 4096)
        .body(Body::from(vec![b'x'; 4096]))
        .unwrap();
    let (status, _, json) = call(&state, with_key(big, "admin-key")).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(&json, "payload_too_large");
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    write_demo(&ds, 1);
    let mut c = config(&ds);
    c.http.rate_limit_per_minute = 60; // burst of 2
    let state = AppState::new(c);
    let router = app(state.clone());
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let r = router
            .clone()
            .oneshot(with_key(get("/health"), "analyst-key"))
            .await
            .unwrap();
        statuses.push((r.status(), r.headers().get(header::RETRY_AFTER).cloned()));
    }
    assert!(
        statuses[..2]
            .iter()
            .all(|(s, _)| *s != StatusCode::TOO_MANY_REQUESTS)
    );
    assert_eq!(statuses[3].0, StatusCode::TOO_MANY_REQUESTS);
    assert!(statuses[3].1.is_some());
    // Another key has its own budget.
    let r = router
        .clone()
        .oneshot(with_key(get("/health"), "admin-key"))
        .await
        .unwrap();
    assert_ne!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn metrics_report_requests_and_the_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    let version = write_demo(&ds, 2);
    let state = AppState::new(config(&ds));
    reload::load(&state).await;
    call(&state, get("/health")).await;
    // A method nobody defined must not become a series of its own.
    let odd = Request::builder()
        .method("XYZZY")
        .uri("/health")
        .body(Body::empty())
        .unwrap();
    call(&state, odd).await;
    // The tile holding the first water source (101.0 E, 25.0 N).
    let (status, _, _) = call(&state, get("/tiles/water_sources/14/12788/7016.mvt")).await;
    assert_eq!(status, StatusCode::OK);
    let r = app(state.clone()).oneshot(get("/metrics")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text =
        String::from_utf8(r.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(
        text.contains("riskmap_http_requests_total{route=\"/health\""),
        "{text}"
    );
    assert!(
        text.contains("riskmap_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(
        text.contains(&format!("riskmap_dataset_info{{version=\"{version}\"}}")),
        "{text}"
    );
    assert!(text.contains("riskmap_dataset_load_duration_seconds"));
    // Cache misses by zoom, and the size of what was built.
    assert!(
        text.lines()
            .any(|l| l.starts_with("riskmap_tile_cache_requests_total{")
                && l.contains("result=\"miss\"")
                && l.contains("z=\"14\"")),
        "{text}"
    );
    assert!(text.contains("riskmap_tile_bytes"), "{text}");
    assert!(!text.contains("XYZZY"), "{text}");
    assert!(text.contains("method=\"other\""), "{text}");
    // Every family says what it is (promtool lint asks for HELP).
    let families: std::collections::BTreeSet<&str> = text
        .lines()
        .filter(|l| l.starts_with("riskmap_"))
        .filter_map(|l| l.split(['{', ' ']).next())
        .map(|n| {
            n.trim_end_matches("_bucket")
                .trim_end_matches("_sum")
                .trim_end_matches("_count")
        })
        .collect();
    assert!(families.len() >= 6, "{families:?}");
    for family in families {
        assert!(
            text.contains(&format!("# HELP {family} ")),
            "no HELP for {family}"
        );
    }
}

#[tokio::test]
async fn the_concurrency_limit_is_one_budget_for_all_routes() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("ds");
    write_demo(&ds, 1);
    let mut c = config(&ds);
    c.http.concurrency_limit = 1;
    c.http.request_timeout_ms = 30_000;
    let state = AppState::new(c);
    assert!(reload::load(&state).await.ok);
    let router = app(state.clone());
    // A request whose body never arrives holds the only slot.
    let stalled = Request::post("/api/v1/analysis/fire")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(futures_util::stream::pending::<
            Result<axum::body::Bytes, std::io::Error>,
        >()))
        .unwrap();
    let holder = tokio::spawn(router.clone().oneshot(stalled));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    // Another route waits for it, rather than having a budget of its own.
    let waiting = tokio::time::timeout(
        std::time::Duration::from_millis(300),
        router.clone().oneshot(get("/health")),
    )
    .await;
    assert!(waiting.is_err(), "a second route was served past the limit");
    holder.abort();
    let _ = holder.await;
    let r = router.oneshot(get("/health")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}
