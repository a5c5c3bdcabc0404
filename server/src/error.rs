//! The one error shape every endpoint answers with:
//! `{"error": {"code": "...", "message": "...", "field": "..."}}`, and every mapping
//! from a core or extractor error to it, and the middleware that puts the responses
//! of axum's own rejections and of tower layers into it.

use axum::Json;
use axum::body::to_bytes;
use axum::extract::Request;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
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

    /// 500 for a fault of the server's own data (a corrupt archive), never of the
    /// request.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
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

impl From<riskmap_events::IngestError> for ApiError {
    fn from(e: riskmap_events::IngestError) -> Self {
        use riskmap_events::ErrorKind as K;
        let (status, code) = match e.kind {
            K::Malformed => (StatusCode::BAD_REQUEST, "bad_event"),
            K::UnknownAdminCode => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_admin_code"),
            K::UnknownReference => (StatusCode::UNPROCESSABLE_ENTITY, "unknown_reference"),
            K::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            K::Conflict => (StatusCode::CONFLICT, "conflict"),
            K::Store => {
                // The database's own words stay in the log, not in the answer.
                tracing::error!(error = %e, "events store failed");
                return ApiError::unavailable("the events store failed; nothing was stored");
            }
        };
        ApiError::new(status, code, e.message).field(e.path)
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

fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
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
