//! The harness every server test shares: requests, keys, calls through the whole
//! application (`tower::ServiceExt::oneshot` on [`app`]), and reading the replies.
//! Each test binary uses part of it.
#![allow(dead_code)]
// Test support: a panic here is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use riskmap_server::access::{KeyConfig, Role, sha256_hex};
use riskmap_server::{AppState, app};
use serde_json::Value as Json;
use tower::ServiceExt;

/// A configured key named `name` for `role`, whose secret is `secret`.
pub fn key(name: &str, role: Role, secret: &str) -> KeyConfig {
    KeyConfig {
        name: name.into(),
        role,
        sha256: sha256_hex(secret),
    }
}

pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

pub fn post_json(uri: &str, body: &Json) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// `req` presenting `key` as a bearer token, or as it is when `key` is `None`.
pub fn with_key(mut req: Request<Body>, key: Option<&str>) -> Request<Body> {
    if let Some(k) = key {
        req.headers_mut().insert(
            header::AUTHORIZATION,
            format!("Bearer {k}").parse().unwrap(),
        );
    }
    req
}

/// Send `req` through the whole application on `state`.
pub async fn call(state: &AppState, req: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let r = app(state.clone()).oneshot(req).await.unwrap();
    let (parts, body) = r.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes().to_vec();
    (parts.status, parts.headers, bytes)
}

/// [`call`], the body read as JSON (`null` when it is not JSON).
pub async fn call_json(state: &AppState, req: Request<Body>) -> (StatusCode, HeaderMap, Json) {
    let (status, headers, body) = call(state, req).await;
    (status, headers, json_of(&body))
}

pub fn json_of(body: &[u8]) -> Json {
    serde_json::from_slice(body).unwrap_or(Json::Null)
}

pub fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Assert `json` is the API's error shape with code `code` and a message.
pub fn assert_error(json: &Json, code: &str) {
    assert_eq!(json["error"]["code"], code, "{json}");
    assert!(
        json["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{json}"
    );
}
pub mod mvt;

/// A state over the fixture dataset (seed 7) with `config` and an in-memory SQLite
/// events store: what every events test starts from.
pub async fn state_with_events(config: riskmap_server::ServerConfig) -> AppState {
    let state = AppState::with_store(config, layers::testdata::fixture_store(7));
    state.set_events(
        riskmap_events::EventStore::open("sqlite::memory:")
            .await
            .unwrap(),
    );
    state
}

/// A closed square ring of side `d` degrees from (`lon`, `lat`).
pub fn square(lon: f64, lat: f64, d: f64) -> Json {
    serde_json::json!([
        [lon, lat],
        [lon + d, lat],
        [lon + d, lat + d],
        [lon, lat + d],
        [lon, lat]
    ])
}
