//! Request limits: a per-request timeout, a per-key rate limit, and one JSON shape for
//! every error response, including those produced by layers below the handlers.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::body::to_bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::access::Caller;
use crate::error::ApiError;

/// Middleware: answer 503 when a request takes longer than the configured timeout.
pub async fn timeout(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!("the request took longer than {} ms", limit.as_millis()),
        )
        .into_response(),
    }
}

/// Per-caller request budget: by API key name, or by client address for public callers.
#[derive(Clone)]
pub struct RateLimit {
    limiter: Arc<DefaultKeyedRateLimiter<String>>,
}

impl RateLimit {
    pub fn per_minute(n: u32) -> Option<Self> {
        let n = NonZeroU32::new(n)?;
        // Allow a second's worth of burst at least, so a map redraw (dozens of tiles
        // at once) is not refused by a limit meant for sustained load.
        let burst = NonZeroU32::new((n.get() / 60).max(1) * 2).unwrap_or(n);
        let quota = Quota::per_minute(n).allow_burst(burst);
        let limiter = Arc::new(RateLimiter::keyed(quota));
        // Forget idle callers now and then so the table does not grow without bound.
        let weak = Arc::downgrade(&limiter);
        tokio::spawn(async move {
            while let Some(l) = weak.upgrade() {
                l.retain_recent();
                drop(l);
                tokio::time::sleep(Duration::from_secs(60)).await;
            }
        });
        Some(RateLimit { limiter })
    }
}

pub async fn rate_limit(State(limit): State<RateLimit>, req: Request, next: Next) -> Response {
    let who = match req
        .extensions()
        .get::<Caller>()
        .and_then(|c| c.key_name.clone())
    {
        Some(name) => format!("key:{name}"),
        None => req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "ip:unknown".into(), |c| format!("ip:{}", c.0.ip())),
    };
    match limit.limiter.check_key(&who) {
        Ok(()) => next.run(req).await,
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let mut r = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many requests for this key or address",
            )
            .into_response();
            let secs = wait.as_secs().max(1).to_string();
            if let Ok(v) = HeaderValue::from_str(&secs) {
                r.headers_mut().insert(RETRY_AFTER, v);
            }
            r
        }
    }
}

fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "timeout",
        413 => "payload_too_large",
        414 => "uri_too_long",
        415 => "unsupported_media_type",
        422 => "unprocessable",
        429 => "rate_limited",
        431 => "headers_too_large",
        503 => "unavailable",
        s if s >= 500 => "internal",
        _ => "error",
    }
}

/// Middleware: every error response leaves in the API's JSON shape. Handlers already
/// answer so; this catches axum's own rejections (wrong method, bad path, body too
/// large) and tower layers, which answer in plain text.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    if status.as_u16() < 400 {
        return response;
    }
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    if status.is_server_error() {
        tracing::error!(status = status.as_u16(), message, "server error");
    }
    let mut error = ApiError::new(status, code_for(status), message);
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        // Refused by the body limit layer before any handler: the body is at fault.
        error = error.field("body");
    }
    let mut fixed = error.into_response();
    for (name, value) in &parts.headers {
        if name != CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            fixed.headers_mut().insert(name.clone(), value.clone());
        }
    }
    fixed
}
