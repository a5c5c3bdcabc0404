//! What the HTTP fuzz targets share: one server state over the fixture store, a
//! single-threaded runtime to drive `app` in process, and the one property every
//! target checks — a request, however hostile, gets an answer below 500 and, when it
//! is refused, the API's JSON error shape.

#![allow(dead_code)] // each target uses part of this module

use std::sync::OnceLock;

use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode, Uri};
use http_body_util::BodyExt;
use riskmap_server::auth::Role;
use riskmap_server::config::KeyConfig;
use riskmap_server::{AppState, ServerConfig, app};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

/// An analyst's key, so the personal-data code paths run too.
pub const ANALYST_KEY: &str = "fuzz-analyst-key";

/// The application, built once: building it per input would cost more than the request.
fn router() -> axum::Router {
    static R: OnceLock<axum::Router> = OnceLock::new();
    R.get_or_init(|| {
        let mut config = ServerConfig {
            keys: vec![KeyConfig {
                name: "fuzz".into(),
                role: Role::Analyst,
                sha256: hex::encode(Sha256::digest(ANALYST_KEY)),
            }],
            ..Default::default()
        };
        // Sanitizer builds are slow: a request that is merely slow must not read as a
        // 503. A genuinely pathological one still trips libFuzzer's -timeout.
        config.http.request_timeout_ms = 600_000;
        config.http.rate_limit_per_minute = 0;
        app(AppState::with_store(
            config,
            layers::testdata::fixture_store(7),
        ))
    })
    .clone()
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static R: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    R.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

/// Percent-encode what may not appear raw in a URI path or query, so that the fuzzer's
/// bytes reach our parsers instead of being refused by `http` before routing (as
/// hyper would refuse them on the wire). `%` is kept raw: broken escapes are input too.
pub fn uri_safe(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    for &b in raw {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%?".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Send one request; `None` when `uri` is not a URI a client could send.
pub fn send(
    method: Method,
    uri: &str,
    body: Option<(&str, Vec<u8>)>,
    key: Option<&str>,
) -> Option<(StatusCode, Bytes)> {
    let uri: Uri = uri.parse().ok()?;
    let mut req = Request::builder().method(method).uri(uri);
    if let Some((content_type, _)) = &body {
        req = req.header("content-type", *content_type);
    }
    if let Some(k) = key {
        req = req.header("x-api-key", k);
    }
    let req = req
        .body(body.map_or(Body::empty(), |(_, b)| Body::from(b)))
        .ok()?;
    runtime().block_on(async {
        let resp = router().oneshot(req).await.expect("infallible service");
        let status = resp.status();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .expect("in-memory body")
            .to_bytes();
        Some((status, bytes))
    })
}

/// The property: never a 5xx; every refusal is `{"error": {"code", "message", ...}}`.
pub fn assert_answered(what: &str, status: StatusCode, body: &[u8]) {
    assert!(
        !status.is_server_error(),
        "{what}: {status}: {}",
        String::from_utf8_lossy(body)
    );
    if status.is_client_error() {
        let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_else(|e| {
            panic!(
                "{what}: {status} without a JSON error ({e}): {}",
                String::from_utf8_lossy(body)
            )
        });
        assert!(
            v["error"]["code"].is_string() && v["error"]["message"].is_string(),
            "{what}: {status}: error shape: {v}"
        );
    }
}
