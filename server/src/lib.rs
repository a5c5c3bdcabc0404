//! riskmap-server: HTTP over the riskmap core. Handlers translate requests into
//! `layers` calls and results back into HTTP, nothing more.

pub mod api;
pub mod auth;
pub mod config;
pub mod error;
pub mod health;
pub mod limits;
pub mod low_zoom;
pub mod metrics;
pub mod reload;
pub mod state;
pub mod styles;
pub mod tile_cache;
pub mod tilejson;
pub mod tiles;
pub mod viewer;
pub mod wall;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, Request};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use config::ServerConfig;
pub use error::{ApiError, ApiResult};
pub use state::{AppState, Loaded};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn cors(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(Any)
        .expose_headers([REQUEST_ID, axum::http::header::ETAG]);
    if origins.iter().any(|o| o == "*") {
        layer.allow_origin(Any)
    } else {
        let list: Vec<HeaderValue> = origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        layer.allow_origin(AllowOrigin::list(list))
    }
}

/// The whole application: routes plus the middleware every request passes through.
pub fn app(state: AppState) -> Router {
    // Install the recorder before anything records.
    metrics::handle();
    let http = &state.config.http;
    let assets = viewer::assets_dir(&state.config);
    let routes = Router::new()
        .route("/health", get(health::health))
        .route("/api/v1/wall", get(wall::get_wall))
        .route(
            "/api/v1/wall/publish",
            post(wall::publish).delete(wall::clear),
        )
        .merge(viewer::routes(&assets))
        .route("/metrics", get(metrics::render))
        .route("/admin/reload", post(reload::reload))
        .merge(api::routes())
        .merge(tiles::routes())
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed);

    // Outermost first: request id, tracing, metrics and error shape see everything,
    // including requests that the limits below refuse.
    let mut router = routes
        .layer(DefaultBodyLimit::max(http.body_limit_bytes))
        .layer(RequestBodyLimitLayer::new(http.body_limit_bytes));
    if let Some(limit) = limits::RateLimit::per_minute(http.rate_limit_per_minute) {
        router = router.layer(from_fn_with_state(limit, limits::rate_limit));
    }
    router
        .layer(from_fn_with_state(state.clone(), auth::authenticate))
        // Global: `Router::layer` wraps each route separately, and the per-service
        // ConcurrencyLimitLayer would then give every route its own budget.
        .layer(GlobalConcurrencyLimitLayer::new(http.concurrency_limit))
        .layer(from_fn_with_state(Duration::from_millis(http.request_timeout_ms), limits::timeout))
        .layer(CompressionLayer::new())
        .layer(cors(&http.cors_origins))
        .layer(from_fn_with_state(viewer::index_file(&assets), viewer::analyst_page))
        .layer(from_fn(limits::json_errors))
        .layer(from_fn(metrics::track))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                    let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", id, method = %req.method(), uri = %req.uri(), role = tracing::field::Empty, key = tracing::field::Empty)
                }))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID)),
        )
        .with_state(state)
}
