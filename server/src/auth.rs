//! Authentication over HTTP: the key is read from `Authorization: Bearer <key>` or
//! `X-API-Key: <key>`, turned into a [`Caller`] by the key ring
//! ([`crate::access`]), and attached to the request. A request with an unknown key is
//! refused (401) rather than silently served as public.

use std::convert::Infallible;

use crate::access::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Handlers take `Caller` as an extractor. The authentication middleware puts the
/// caller into the request extensions; without it the caller is public.
impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Caller>()
            .cloned()
            .unwrap_or_else(Caller::public))
    }
}

fn presented_key(parts: &axum::http::HeaderMap) -> Result<Option<&str>, ApiError> {
    if let Some(v) = parts.get(axum::http::header::AUTHORIZATION) {
        let v = v
            .to_str()
            .map_err(|_| unauthorized("Authorization", "header is not ASCII"))?;
        let token = v
            .strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
            .ok_or_else(|| unauthorized("Authorization", "expected `Bearer <key>`"))?;
        return Ok(Some(token.trim()));
    }
    if let Some(v) = parts.get("x-api-key") {
        let v = v
            .to_str()
            .map_err(|_| unauthorized("X-API-Key", "header is not ASCII"))?;
        return Ok(Some(v.trim()));
    }
    Ok(None)
}

fn unauthorized(field: &str, message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message).field(field)
}

/// Middleware: resolve the caller from the request's key and attach it.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let caller = match presented_key(req.headers()) {
        Ok(key) => match state.keys.caller(key) {
            Some(c) => c,
            None => {
                let field = if req
                    .headers()
                    .contains_key(axum::http::header::AUTHORIZATION)
                {
                    "Authorization"
                } else {
                    "X-API-Key"
                };
                return unauthorized(field, "unknown API key").into_response();
            }
        },
        Err(e) => return e.into_response(),
    };
    tracing::Span::current().record("role", caller.role.as_str());
    if let Some(name) = &caller.key_name {
        tracing::Span::current().record("key", name.as_str());
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}

/// Refuse anyone but an admin.
pub fn require_admin(caller: &Caller) -> Result<(), ApiError> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this needs an admin key",
        )
        .field("Authorization"))
    }
}
