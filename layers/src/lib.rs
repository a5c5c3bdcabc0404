//! riskmap core: the layer catalogue and schemas, the prepared dataset on disk, the
//! in-memory store with its R-trees, and the geometry and spatial queries built on them.
//!
//! No HTTP and no C libraries live here: the server and the data-prep tool are thin
//! shells over this crate.

pub mod access;
pub mod catalogue;
pub mod dataset;
pub mod feature;
pub mod knn;
pub mod manifest;
pub mod pbf;
pub mod query;
pub mod schema;
pub mod sphere;
pub mod store;
#[cfg(feature = "testdata")]
pub mod testdata;
pub mod tiles;
pub mod value;

pub use access::Access;
pub use dataset::Dataset;
pub use feature::Feature;
pub use manifest::Manifest;
pub use schema::{FieldDef, FieldType, GeometryKind, LayerSchema, Sensitivity};
pub use store::{Layer, Store};
pub use value::Value;
