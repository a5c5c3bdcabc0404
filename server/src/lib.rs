//! riskmap-server: HTTP over the riskmap core. Handlers translate requests into
//! `layers` calls and results back into HTTP, nothing more.
//!
//! Modules in layers, each using only those above it:
//! - [`access`] (roles, keys, callers; no HTTP), [`config`], [`error`] (the JSON error
//!   shape and every conversion into it), [`styles`], [`tile_archives`], [`tile_cache`],
//!   [`urls`];
//! - [`state`]: what every handler reads;
//! - middleware: [`auth`], [`throttle`], [`metrics`] (and [`error::json_errors`]);
//! - handlers: [`tiles`], [`tilejson`], [`archives`], [`api`], [`wall`], [`viewer`], [`health`],
//!   [`reload`];
//! - [`app`] below: every route, mounted here and nowhere else.

pub mod access;
pub mod api;
pub mod archives;
pub mod auth;
pub mod config;
pub mod error;
pub mod events_analysis_cache;
pub mod events_live;
pub mod events_progress;
pub mod events_replicas;
pub mod events_tiles;
pub mod health;
pub mod metrics;
pub mod reload;
pub mod state;
pub mod styles;
pub mod throttle;
pub mod tile_archives;
pub mod tile_cache;
pub mod tilejson;
pub mod tiles;
pub mod urls;
pub mod viewer;
pub mod wall;

use std::time::Duration;

use api::{
    analysis, events, events_grids, events_stream, ogc, ogc_filter, ogc_tiles, openapi, queries,
};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, Request};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, patch, post};
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use config::ServerConfig;
pub use error::{ApiError, ApiResult};
pub use state::AppState;

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
        // Operations.
        .route("/health", get(health::health))
        .route("/metrics", get(metrics::render))
        .route("/admin/reload", post(reload::reload))
        // Tiles, their metadata and styles.
        .route("/tiles/{layer}/{z}/{x}/{y}", get(tiles::xyz_tile))
        .route("/tiles/{layer}", get(tilejson::tilejson))
        .route("/catalog", get(tilejson::catalog))
        .route("/archives/{name}", get(archives::tilejson))
        .route("/archives/{name}/{z}/{x}/{y}", get(archives::tile))
        .route("/styles/{name}", get(tilejson::style))
        .route(
            "/collections/{collection_id}/tiles/WebMercatorQuad/{z}/{row}/{col}",
            get(tiles::ogc_tile),
        )
        .route(
            "/collections/{collection_id}/tiles",
            get(ogc_tiles::collection_tilesets),
        )
        .route(
            "/collections/{collection_id}/tiles/WebMercatorQuad",
            get(ogc_tiles::collection_tileset),
        )
        // OGC API – Tiles: the tiling scheme and the dataset's tilesets. The static
        // `/tiles/WebMercatorQuad` paths take precedence over `/tiles/{layer}` ones.
        .route("/tileMatrixSets", get(ogc_tiles::tile_matrix_sets))
        .route(
            "/tileMatrixSets/{tile_matrix_set_id}",
            get(ogc_tiles::tile_matrix_set),
        )
        .route("/tiles", get(ogc_tiles::dataset_tilesets))
        .route("/tiles/WebMercatorQuad", get(ogc_tiles::dataset_tileset))
        .route(
            "/tiles/WebMercatorQuad/{z}/{row}/{col}",
            get(ogc_tiles::dataset_tile),
        )
        // OGC API – Features and the OpenAPI document.
        .route("/", get(ogc::landing))
        .route("/conformance", get(ogc::conformance))
        .route("/collections", get(ogc::collections))
        .route("/collections/{layer}", get(ogc::collection_one))
        .route("/collections/{layer}/items", get(ogc::items))
        .route(
            "/collections/{layer}/queryables",
            get(ogc_filter::queryables),
        )
        .route("/collections/{layer}/items/{fid}", get(ogc::item))
        .route("/api/openapi.json", get(openapi::openapi))
        // Spatial questions and analyses.
        .route("/api/v1/point", get(queries::point))
        .route("/api/v1/nearest", get(queries::nearest))
        .route(
            "/api/v1/within",
            get(queries::within_get).post(queries::within_post),
        )
        .route("/api/v1/areas/{code}/summary", get(queries::area))
        .route(
            "/api/v1/analysis/transfer",
            post(analysis::transfer_handler),
        )
        .route(
            "/api/v1/analysis/earthquake",
            post(analysis::earthquake_handler),
        )
        .route("/api/v1/analysis/fire", post(analysis::fire_handler))
        // Live events.
        .route(
            "/api/v1/events",
            get(events::list_events).post(events::post_event),
        )
        .route("/api/v1/events/{id}", get(events::get_event))
        .route("/api/v1/events/{id}/history", get(events::history))
        .route("/api/v1/events/stream", get(events_stream::stream))
        .route("/api/v1/events/{id}/progress", get(events_grids::progress))
        .route(
            "/api/v1/events/{id}/grids",
            patch(events_grids::patch_grids),
        )
        .route(
            "/api/v1/events/{id}/grids/{grid_code}",
            patch(events_grids::patch_grid),
        )
        // The wall screen's publication.
        .route("/api/v1/wall", get(wall::get_wall))
        .route(
            "/api/v1/wall/publish",
            post(wall::publish).delete(wall::clear),
        )
        // The viewer's pages, assets and glyphs.
        .merge(viewer::routes(&assets))
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed);

    // Outermost first: request id, tracing, metrics and error shape see everything,
    // including requests that the limits below refuse.
    let mut router = routes
        .layer(DefaultBodyLimit::max(http.body_limit_bytes))
        .layer(RequestBodyLimitLayer::new(http.body_limit_bytes));
    if let Some(limit) = throttle::RateLimit::per_minute(http.rate_limit_per_minute) {
        router = router.layer(from_fn_with_state(limit, throttle::rate_limit));
    }
    router
        .layer(from_fn_with_state(state.clone(), auth::authenticate))
        // Global: `Router::layer` wraps each route separately, and the per-service
        // ConcurrencyLimitLayer would then give every route its own budget.
        .layer(GlobalConcurrencyLimitLayer::new(http.concurrency_limit))
        .layer(from_fn_with_state(Duration::from_millis(http.request_timeout_ms), throttle::timeout))
        .layer(CompressionLayer::new())
        .layer(cors(&http.cors_origins))
        .layer(from_fn_with_state(viewer::index_file(&assets), viewer::analyst_page))
        .layer(from_fn(error::json_errors))
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
