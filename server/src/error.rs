//! The one error shape every endpoint answers with:
//! `{"error": {"code": "...", "message": "...", "field": "..."}}`, and every mapping
//! from a core or extractor error to it.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use layers::query::{ErrorKind, QueryError};
use layers::tiles::TileError;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable, machine-readable code (`bad_parameter`, `not_found`, ...).
    pub code: &'static str,
    pub message: String,
    /// The request field at fault (query parameter, path segment, JSON pointer).
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// 400 for a bad value of a named request field.
    pub fn bad(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_parameter", message).field(field)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 503 while no dataset is loaded.
    pub fn unavailable(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    field: Option<&'a str>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
                field: self.field.as_deref(),
            },
        };
        (self.status, Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        let (status, code) = match e.kind {
            ErrorKind::BadParameter => (StatusCode::BAD_REQUEST, "bad_parameter"),
            ErrorKind::Unprocessable => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_geometry"),
            ErrorKind::NotFound => (StatusCode::NOT_FOUND, "not_found"),
        };
        ApiError::new(status, code, e.message).field(e.field)
    }
}

impl From<TileError> for ApiError {
    fn from(e: TileError) -> Self {
        match &e {
            TileError::BadAddress { field, .. } => ApiError::bad(*field, e.to_string()),
            TileError::ZoomOutOfRange { .. } => ApiError::not_found(e.to_string()).field("z"),
            TileError::UnknownLayer(_) => ApiError::not_found(e.to_string()).field("layer"),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(e: PathRejection) -> Self {
        ApiError::new(e.status(), "bad_path", e.body_text()).field("path")
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        ApiError::bad("body", e.body_text())
    }
}
