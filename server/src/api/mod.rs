//! The HTTP API: thin handlers over `layers::query`, OGC API – Features, and the
//! OpenAPI document. Every failure, axum's own extractor rejections included, comes
//! out as the JSON error shape of [`crate::error::ApiError`].

pub mod analysis;
pub mod events;
pub mod events_common;
pub mod events_grids;
pub mod events_stream;
pub mod extract;
pub mod ogc;
pub mod ogc_filter;
pub mod ogc_params;
pub mod ogc_tiles;
pub mod openapi;
pub mod openapi_build;
pub mod openapi_events;
pub mod openapi_ogc;
pub mod openapi_schemas;
pub mod queries;

use axum::http::StatusCode;

use crate::error::ApiError;

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
