//! Who is calling: their role, what sensitivity of field they are cleared for, and which
//! layers they may see. Every output path (tiles, TileJSON, queries, OGC items,
//! analyses) filters by the `Caller` it is handed.
//!
//! Keys arrive as `Authorization: Bearer <key>` or `X-API-Key: <key>` and are looked
//! up by their SHA-256 (the configuration holds digests only). A request without a key
//! is `Role::Public` and sees public fields only; a request with an unknown key is
//! refused (401) rather than silently served as public.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use layers::Sensitivity;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::ServerConfig;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Public,
    Analyst,
    System,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Public => "public",
            Role::Analyst => "analyst",
            Role::System => "system",
            Role::Admin => "admin",
        }
    }
}

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    pub role: Role,
    /// The key holder's name from the configuration (`None` for public callers).
    pub key_name: Option<String>,
    /// Highest field sensitivity this caller may see.
    pub clearance: Sensitivity,
    /// Layers this caller may see; `None` means all.
    pub layers: Option<HashSet<String>>,
}

impl Caller {
    pub fn public() -> Self {
        Caller {
            role: Role::Public,
            key_name: None,
            clearance: Sensitivity::Public,
            layers: None,
        }
    }

    pub fn may_see_layer(&self, id: &str) -> bool {
        self.layers.as_ref().is_none_or(|set| set.contains(id))
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

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

/// Keys by digest, and the caller each one makes.
#[derive(Debug, Clone)]
pub struct KeyRing {
    by_digest: HashMap<String, Caller>,
    public: Caller,
}

pub fn sha256_hex(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

impl KeyRing {
    pub fn new(config: &ServerConfig) -> Self {
        let caller_for = |role: Role, key_name: Option<String>| {
            let rc = config.role(role);
            Caller {
                role,
                key_name,
                clearance: rc.clearance,
                layers: (!rc.layers.iter().any(|l| l == "*"))
                    .then(|| rc.layers.iter().cloned().collect()),
            }
        };
        KeyRing {
            by_digest: config
                .keys
                .iter()
                .map(|k| {
                    (
                        k.sha256.to_ascii_lowercase(),
                        caller_for(k.role, Some(k.name.clone())),
                    )
                })
                .collect(),
            public: caller_for(Role::Public, None),
        }
    }

    /// The caller for a presented key; `None` if the key is unknown.
    pub fn caller(&self, key: Option<&str>) -> Option<Caller> {
        match key {
            None => Some(self.public.clone()),
            Some(k) => self.by_digest.get(&sha256_hex(k)).cloned(),
        }
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

/// A new random key and its digest, for `riskmap-server --gen-key`.
pub fn generate_key() -> (String, String) {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let key = format!("rmk_{}", hex::encode(bytes));
    let digest = sha256_hex(&key);
    (key, digest)
}
