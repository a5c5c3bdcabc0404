//! The HTTP API: thin handlers over `layers::query`, OGC API – Features, and the
//! OpenAPI document. Every failure, axum's own extractor rejections included, comes
//! out as the JSON error shape of [`crate::error::ApiError`].

pub mod analysis;
pub mod extract;
pub mod ogc;
pub mod openapi;
pub mod queries;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::get;

use crate::error::ApiError;
use crate::state::AppState;

/// Routes of the query API, OGC API – Features and the OpenAPI document.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(ogc::landing))
        .route("/conformance", get(ogc::conformance))
        .route("/collections", get(ogc::collections))
        .route("/collections/{layer}", get(ogc::collection_one))
        .route("/collections/{layer}/items", get(ogc::items))
        .route("/collections/{layer}/items/{fid}", get(ogc::item))
        .route("/api/openapi.json", get(openapi::openapi))
        .route("/api/v1/point", get(queries::point))
        .route("/api/v1/nearest", get(queries::nearest))
        .route(
            "/api/v1/within",
            get(queries::within_get).post(queries::within_post),
        )
        .route("/api/v1/areas/{code}/summary", get(queries::area))
        .route(
            "/api/v1/analysis/transfer",
            axum::routing::post(analysis::transfer),
        )
        .route(
            "/api/v1/analysis/earthquake",
            axum::routing::post(analysis::earthquake),
        )
        .route("/api/v1/analysis/fire", axum::routing::post(analysis::fire))
        .layer(DefaultBodyLimit::max(queries::LIMITS.max_body_bytes))
}

/// 404 for paths no route knows, in the JSON error shape.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no such endpoint: {}", uri.path())).field("path")
}

/// 405 for a known path with the wrong method, in the JSON error shape.
pub async fn method_not_allowed(method: axum::http::Method) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not allowed here"),
    )
    .field("method")
}
