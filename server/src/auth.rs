//! Who is calling: their role, what sensitivity of field they are cleared for, and which
//! layers they may see. Every output path (tiles, TileJSON, queries, OGC items,
//! analyses) filters by the `Caller` it is handed.
//!
//! A request without a recognised key is `Role::Public`: it sees public fields only.

use std::collections::HashSet;
use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use layers::Sensitivity;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Public,
    Analyst,
    System,
    Admin,
}

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    pub role: Role,
    /// Highest field sensitivity this caller may see.
    pub clearance: Sensitivity,
    /// Layers this caller may see; `None` means all.
    pub layers: Option<HashSet<String>>,
}

impl Caller {
    pub fn public() -> Self {
        Caller {
            role: Role::Public,
            clearance: Sensitivity::Public,
            layers: None,
        }
    }

    pub fn may_see_layer(&self, id: &str) -> bool {
        self.layers.as_ref().is_none_or(|set| set.contains(id))
    }
}

/// Handlers take `Caller` as an extractor. Authentication middleware puts the caller
/// into the request extensions; without it the caller is public.
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
