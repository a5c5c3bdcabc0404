//! What a caller may see: one type for every output path of the core.
//!
//! Tiles, TileJSON field lists, queries, OGC items and analyses all take an
//! [`Access`], and emit only fields whose sensitivity is at most its clearance, from
//! layers it may see. A public view (the wall, an unauthenticated caller) is computed
//! with [`Access::public`], never filtered afterwards: a derived figure (persons with
//! special needs to move, say) has no schema name a filter could match.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::schema::Sensitivity;

/// A caller's clearance and the layers it may see.
///
/// ```
/// use layers::{Access, Sensitivity};
/// let public = Access::public();
/// assert!(public.may_see("shelters") && !public.personal());
/// let depots_only = Access::new(Sensitivity::Personal, Some(["depots"]));
/// assert!(depots_only.may_see("depots") && !depots_only.may_see("shelters"));
/// assert!(depots_only.personal());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Access {
    clearance: Sensitivity,
    /// `None`: every layer. Shared, so cloning an `Access` per request is cheap.
    layers: Option<Arc<BTreeSet<String>>>,
}

impl Access {
    /// Fields up to `clearance`, from `layers` (`None`: every layer).
    pub fn new<I, S>(clearance: Sensitivity, layers: Option<I>) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Access {
            clearance,
            layers: layers.map(|l| Arc::new(l.into_iter().map(Into::into).collect())),
        }
    }

    /// An unauthenticated caller: public fields of every layer.
    pub fn public() -> Access {
        Access::with_clearance(Sensitivity::Public)
    }

    /// Fields up to `clearance` of every layer.
    pub fn with_clearance(clearance: Sensitivity) -> Access {
        Access {
            clearance,
            layers: None,
        }
    }

    pub fn clearance(&self) -> Sensitivity {
        self.clearance
    }

    /// May this caller see layer `id` at all?
    pub fn may_see(&self, layer: &str) -> bool {
        self.layers.as_ref().is_none_or(|set| set.contains(layer))
    }

    /// May this caller see fields of sensitivity `s`?
    pub fn may_read(&self, s: Sensitivity) -> bool {
        s <= self.clearance
    }

    /// May this caller see personal data (responsible persons, phones, special needs)?
    pub fn personal(&self) -> bool {
        self.clearance >= Sensitivity::Personal
    }

    /// Is this exactly what an unauthenticated caller sees?
    pub fn is_public(&self) -> bool {
        self.clearance == Sensitivity::Public && self.layers.is_none()
    }
}
