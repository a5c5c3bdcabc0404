//! riskmap-server: HTTP over the riskmap core. Handlers translate requests into
//! `layers` calls and results back into HTTP, nothing more.

pub mod auth;
pub mod error;
pub mod health;
pub mod state;
pub mod styles;
pub mod tile_cache;
pub mod tilejson;
pub mod tiles;

use axum::Router;
use axum::http::{HeaderValue, Method, header};
use axum::routing::get;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use state::{AppState, Loaded, ServerConfig};

/// CORS for the configured origins (`*`: any); none configured, no CORS headers.
fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
            .allow_headers([header::IF_NONE_MATCH, header::AUTHORIZATION])
            .expose_headers([header::ETAG, header::CONTENT_ENCODING]),
    )
}

/// The whole application router.
pub fn app(state: AppState) -> Router {
    let cors = cors(&state.config.cors_origins);
    let router = Router::new()
        .route("/health", get(health::health))
        .merge(tiles::routes())
        .with_state(state);
    match cors {
        Some(layer) => router.layer(layer),
        None => router,
    }
}
