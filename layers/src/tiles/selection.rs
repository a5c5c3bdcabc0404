//! Which layers one tile request covers, for one caller: the composite `onemap` (every
//! layer the caller may see, in dataset order, then `admin_labels`) or a single layer
//! (`admin_labels` among them, for a caller who may see `admin`).

use crate::access::Access;
use crate::store::Store;

use super::TileError;
use super::labels::ADMIN_LABELS;
use crate::catalogue::ADMIN;

/// The composite tileset's name.
pub const ONEMAP: &str = "onemap";

/// The layers of one tileset as one caller may see them. Made only by
/// [`Selection::resolve`], so a selection always matches the access it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    name: String,
    /// Store layer indices, one MVT layer each, in this order.
    layers: Vec<usize>,
    /// Whether the tiles end with the `admin_labels` layer.
    labels: bool,
    access: Access,
}

impl Selection {
    /// `onemap` or one layer id, for `access`. A layer the caller may not see is
    /// reported as unknown, so its existence does not leak.
    pub fn resolve(store: &Store, name: &str, access: &Access) -> Result<Selection, TileError> {
        let has_admin = store.layers().iter().any(|l| l.id() == ADMIN) && access.may_see(ADMIN);
        let position = store.layers().iter().position(|l| l.id() == name);
        let (layers, labels) = if name == ONEMAP {
            (Self::onemap_layers(store, access), has_admin)
        } else {
            match position {
                Some(i) if access.may_see(name) => (vec![i], false),
                // A dataset's own layer of that name wins over the label layer.
                None if name == ADMIN_LABELS && has_admin => (Vec::new(), true),
                _ => return Err(TileError::UnknownLayer(name.to_string())),
            }
        };
        Ok(Selection {
            name: name.to_string(),
            layers,
            labels,
            access: access.clone(),
        })
    }

    /// The store layers in `access`'s composite.
    fn onemap_layers(store: &Store, access: &Access) -> Vec<usize> {
        (0..store.layers().len())
            .filter(|&i| access.may_see(store.layers()[i].id()))
            .collect()
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn layers(&self) -> &[usize] {
        &self.layers
    }

    /// Do the tiles carry `admin_labels` (after [`Self::layers`])?
    pub fn labels(&self) -> bool {
        self.labels
    }

    pub fn access(&self) -> &Access {
        &self.access
    }

    /// Is this the composite?
    pub fn is_onemap(&self) -> bool {
        self.name == ONEMAP
    }

    /// A key that differs whenever the tiles could: name, layers and clearance.
    pub fn key(&self) -> u64 {
        use std::hash::{BuildHasher, Hash, Hasher};
        // A fixed seed: the key is the same in every process, and ETags are made of it.
        let mut h = foldhash::quality::FixedState::with_seed(0x5e1e_c710).build_hasher();
        self.name.hash(&mut h);
        self.layers.hash(&mut h);
        self.labels.hash(&mut h);
        self.access.clearance().hash(&mut h);
        h.finish()
    }
}
