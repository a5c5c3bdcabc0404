//! riskmap-server: HTTP over the riskmap core. Handlers translate requests into
//! `layers` calls and results back into HTTP, nothing more.

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
        .with_state(state)
}
