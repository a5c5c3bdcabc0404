//! riskmap core: everything between a prepared dataset and an answer, with no HTTP
//! and no C library (the server and the data-prep tool are thin shells over it).
//!
//! Read top-down, the modules are the pipeline a dataset goes through:
//!
//! 1. **What a layer is.** [`catalogue`] names the layers of an emergency bureau's
//!    一张图 (hazard zones, evacuation grids, shelters, water sources, depots, ...) with
//!    their [`schema`]s: typed fields, Chinese and English labels, and a
//!    [`Sensitivity`] class per field. Attribute values are [`Value`]s on
//!    [`Feature`]s.
//! 2. **On disk.** [`dataset`] writes and reads a prepared dataset atomically:
//!    [`manifest`] (`manifest.json`: version, schemas, sources, checksums) plus one
//!    FlatGeobuf file per layer, with its spatial index.
//! 3. **In memory.** [`store`] holds every [`Layer`] with its R-trees (bounding boxes
//!    in lon/lat, and points as unit vectors on the sphere, [`sphere`], for exact
//!    geodesic k-nearest search, [`knn`]).
//! 4. **Loaded as one value.** [`Dataset`] owns the store, the query indexes derived
//!    from it ([`query::Derived`]: grid hierarchy, exposure, admin areas), and the
//!    tile structures ([`tiles`]): Web Mercator vertices, shared polygon arcs with
//!    their simplification order, merged zones and point clusters, and the public
//!    composite's low zooms prebuilt and gzipped at load ([`tiles::PrebuiltTiles`],
//!    [`tiles::gzip`]). A reload builds a new `Dataset` and swaps it whole.
//! 5. **Who asks.** An [`Access`] is a caller's clearance and visible layers. Every
//!    output path takes one: tile selection and rendering, TileJSON field lists,
//!    queries, analyses. A public view is computed with [`Access::public`], never
//!    filtered afterwards.
//! 6. **Answers.** [`tiles`] renders Mapbox Vector Tiles per layer and as the
//!    `onemap` composite (encoded with the [`pbf`] writer); [`query`] answers the
//!    spatial questions (risk at a point, nearest facilities, within an area, area
//!    summaries) and the scenario analyses (transfer, earthquake, fire).
//!
//! Distances are geodesic metres on the CGCS2000 / WGS84 ellipsoid; coordinates are
//! EPSG:4326 (CGCS2000 treated as equal); tiles are Web Mercator. [`crs`] writes them
//! in CGCS2000 and its Gauss-Krüger zones when a caller asks.

pub mod access;
pub mod catalogue;
pub mod crs;
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
