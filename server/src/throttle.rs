//! Throttling requests: a per-request timeout and a per-key rate limit.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::RETRY_AFTER;
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
