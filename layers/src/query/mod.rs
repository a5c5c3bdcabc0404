//! The spatial queries: plain functions over a [`Store`](crate::Store) and the
//! [`Derived`] indexes built once per dataset, returning plain serde types.
//!
//! One question a file. Every function that emits attributes takes an [`Access`]
//! (the caller's clearance and the layers it may see) and emits only fields whose
//! sensitivity is at most the clearance, from layers the caller may see.

pub mod area;
pub mod attenuation;
pub mod convex_clip;
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

pub use crate::access::Access;
pub use derived::Derived;
pub use error::{ErrorKind, QueryError};
pub use limits::Limits;
