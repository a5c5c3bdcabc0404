//! The spatial queries: plain functions over a [`Store`](crate::Store) and the
//! [`Derived`] indexes built once per dataset, returning plain serde types.
//!
//! One question a file. Every function that emits attributes takes an [`Access`]
//! (the caller's clearance and the layers it may see) and emits only fields whose
//! sensitivity is at most the clearance, from layers the caller may see.

pub mod area;
pub mod attenuation;
pub mod clip;
pub mod derived;
pub mod earthquake;
pub mod error;
pub mod fire;
pub mod flow;
pub mod geojson;
pub mod input;
pub mod limits;
pub mod nearest;
pub mod point;
pub mod prepared;
pub mod rules;
pub mod transfer;
pub mod within;

use std::collections::HashSet;

pub use derived::Derived;
pub use error::{ErrorKind, QueryError};
pub use limits::Limits;

use crate::schema::Sensitivity;

/// What a caller may see: fields up to `clearance`, and the layers in `layers`
/// (`None`: all layers).
#[derive(Debug, Clone, Copy)]
pub struct Access<'a> {
    pub clearance: Sensitivity,
    pub layers: Option<&'a HashSet<String>>,
}

impl<'a> Access<'a> {
    /// An unauthenticated caller: public fields of every layer.
    pub fn public() -> Access<'static> {
        Access {
            clearance: Sensitivity::Public,
            layers: None,
        }
    }

    pub fn with_clearance(clearance: Sensitivity) -> Access<'static> {
        Access {
            clearance,
            layers: None,
        }
    }

    pub fn may_see(&self, layer: &str) -> bool {
        self.layers.is_none_or(|set| set.contains(layer))
    }

    /// May this caller see personal data (responsible persons, phones)?
    pub fn personal(&self) -> bool {
        self.clearance >= Sensitivity::Personal
    }
}
