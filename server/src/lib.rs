//! riskmap-server: HTTP over the riskmap core. Handlers translate requests into
//! `layers` calls and results back into HTTP, nothing more.

pub mod api;
pub mod auth;
pub mod error;
pub mod health;
pub mod state;

use axum::Router;
use axum::routing::get;

pub use state::{AppState, Loaded, ServerConfig};

/// The whole application router.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health::health))
        .merge(api::routes())
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .with_state(state)
}
