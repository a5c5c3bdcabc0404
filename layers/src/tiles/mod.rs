//! Vector tiles (MVT 2.1) of the store's layers, per layer and composite.
//!
//! At load (from [`Dataset::new`](crate::Dataset::new)):
//! 1. every vertex is projected to Web Mercator once ([`mercator`]);
//! 2. polygon coverages (hazard zones per type, evacuation grids and admin areas per
//!    level) are cut into shared arcs ([`build_topology`]) and each arc gets its
//!    Douglas–Peucker [`significance`] once, so a border is simplified the same way
//!    for both neighbours at every zoom;
//! 3. hazard zones are merged by type and grade for low zooms, and points are
//!    clustered per zoom with counts and sums ([`cluster_levels`]);
//! 4. the public composite's low zooms are rendered and gzipped ([`PrebuiltTiles`],
//!    [`gzip`]), so the tiles every visitor asks for first cost nothing.
//!
//! Per tile ([`Dataset::render`](crate::Dataset::render)), for a [`Selection`] (the
//! `onemap` composite or one layer, as an [`Access`](crate::Access) may see it):
//! select by R-tree, filter vertices by the zoom's tolerance, clip to the tile plus a
//! 64/4096 buffer ([`clip_ring`]), snap to the 4096 grid, repair and orient, encode
//! ([`LayerEncoder`]); a tile over the byte budget is rebuilt coarser.
//!
//! Fields are filtered by the caller's clearance here, in the core: a public tile never
//! carries an Internal or Personal field.

mod clip;
mod cluster;
mod dissolve;
mod encode;
mod gzip;
mod labels;
pub mod mercator;
mod metadata;
mod overlay;
mod prebuilt;
mod prepare;
mod profile;
mod render;
mod repair;
mod selection;
mod shapes;
mod significance;
mod tile_id;
mod topology;

use std::time::Instant;

use crate::Sensitivity;
use crate::store::Store;

// The building blocks of a tile, public for their doc examples, tests and benches.
pub use clip::clip_ring;
pub use cluster::{Cluster, ClusterLevel, cluster_levels};
pub use encode::{GeomType, Geometry as EncodedGeometry, LayerEncoder, TileValue};
pub use gzip::{PREBUILT_LEVEL, REQUEST_LEVEL, gzip};
pub use labels::{ADMIN_LABELS, LABEL_FIELDS, label_point};
pub use metadata::{FieldInfo, VectorLayerInfo};
pub use overlay::{
    EVENTS, Overlay, OverlayFeature, OverlayGeometry, OverlayValue,
    generation as overlay_generation, render_overlay,
};
pub use prebuilt::{MAX_TILES as PREBUILT_MAX_TILES, MAX_ZOOM as PREBUILT_MAX_ZOOM};
pub use prebuilt::{PrebuiltTiles, TileBody};
pub use selection::{ONEMAP, Selection};
pub use significance::{ALWAYS, significance};
pub use tile_id::{MAX_ADDRESSABLE_ZOOM, TileId};
pub use topology::{ArcRef, InputRing, Topology, build as build_topology};

use labels::AdminLabels;
use prepare::TileLayer;

use prepare::prepare_layer;
use render::{Detail, RenderContext, render_layer};
use repair::Repair;

/// The media type of a Mapbox Vector Tile.
pub const MVT_MEDIA_TYPE: &str = "application/vnd.mapbox-vector-tile";
/// Tile extent (MVT units per tile side) and its log2.
pub const EXTENT: u32 = 4096;
pub const EXTENT_BITS: u32 = 12;
/// Buffer around each tile, in tile units.
pub const BUFFER: u32 = 64;
/// The deepest zoom served by default.
pub const DEFAULT_MAX_ZOOM: u8 = 14;
/// No tile may be larger than this.
pub const DEFAULT_BUDGET_BYTES: usize = 500 * 1024;
/// Coarsening steps tried before features are thinned to fit the budget.
const MAX_LOD: u32 = 3;

/// Why a tile cannot be served. Each names the request field at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TileError {
    #[error("{message}")]
    BadAddress {
        field: &'static str,
        message: String,
    },
    #[error("zoom {z} is beyond this tileset's max zoom {max}")]
    ZoomOutOfRange { z: u8, max: u8 },
    #[error("no layer {0} in this dataset")]
    UnknownLayer(String),
}

/// Tileset-wide settings.
#[derive(Debug, Clone, Copy)]
pub struct TileOptions {
    pub max_zoom: u8,
    pub budget_bytes: usize,
    /// Line or polygon features of one layer in one tile (below the max zoom) beyond
    /// which the features first showing at that zoom wait for the next.
    pub dense_features: usize,
}

impl Default for TileOptions {
    fn default() -> Self {
        TileOptions {
            max_zoom: DEFAULT_MAX_ZOOM,
            budget_bytes: DEFAULT_BUDGET_BYTES,
            dense_features: render::DENSE_FEATURES,
        }
    }
}

/// Everything tiles need from one loaded dataset, built once at load. Holds no copy of
/// the features: rendering reads attributes from the [`Store`] it was built from, which
/// is why only a [`Dataset`](crate::Dataset), owning both, renders.
#[derive(Debug)]
pub(crate) struct TileSet {
    layers: Vec<TileLayer>,
    /// One point per admin unit (the `admin_labels` layer), if there is an admin layer.
    labels: Option<AdminLabels>,
    options: TileOptions,
    version: String,
}

impl TileSet {
    /// Prepare every layer of `store`.
    pub(crate) fn build(store: &Store, options: TileOptions) -> TileSet {
        let layers: Vec<TileLayer> = store
            .layers()
            .iter()
            .map(|l| {
                let t = Instant::now();
                let tl = prepare_layer(l, options.max_zoom);
                tracing::debug!(
                    layer = l.id(),
                    ms = t.elapsed().as_millis() as u64,
                    "tiles prepared"
                );
                tl
            })
            .collect();
        let labels = store
            .layers()
            .iter()
            .enumerate()
            .find_map(|(i, l)| AdminLabels::build(l, i, &layers[i]));
        TileSet {
            layers,
            labels,
            options,
            version: store.version().to_string(),
        }
    }

    pub(crate) fn options(&self) -> TileOptions {
        self.options
    }

    pub(crate) fn layer(&self, index: usize) -> &TileLayer {
        &self.layers[index]
    }

    pub(crate) fn labels(&self) -> Option<&AdminLabels> {
        self.labels.as_ref()
    }

    /// Build one tile holding `layers` (store indices; one MVT layer each, in this
    /// order), then `admin_labels` if `labels`, for a caller cleared to `clearance`. `Ok(None)` for a tile with no
    /// features. The zoom was checked by [`Dataset::tile_id`](crate::Dataset::tile_id).
    pub(crate) fn render(
        &self,
        store: &Store,
        layers: &[usize],
        labels: bool,
        tile: TileId,
        clearance: Sensitivity,
    ) -> Result<Option<Vec<u8>>, TileError> {
        debug_assert_eq!(
            store.version(),
            self.version,
            "tile set built from another store"
        );
        let mut repair = Repair::default();
        let mut detail = Detail::NORMAL;
        loop {
            let bytes =
                self.render_with(store, layers, labels, tile, clearance, detail, &mut repair);
            if bytes.len() <= self.options.budget_bytes {
                if detail.lod > 0 {
                    tracing::warn!(%tile, lod = detail.lod, stride = detail.stride, bytes = bytes.len(),
                        "tile over budget at full detail; served coarser");
                }
                return Ok((!bytes.is_empty()).then_some(bytes));
            }
            if detail.lod < MAX_LOD {
                detail.lod += 1;
            } else {
                // Last resort: keep every n-th feature, n growing until it fits.
                let ratio = bytes.len().div_ceil(self.options.budget_bytes);
                detail.stride = (detail.stride * ratio.max(2)).max(2);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn render_with(
        &self,
        store: &Store,
        layers: &[usize],
        labels: bool,
        tile: TileId,
        clearance: Sensitivity,
        detail: Detail,
        repair: &mut Repair,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        let mut ctx = RenderContext {
            tile,
            max_zoom: self.options.max_zoom,
            dense_features: self.options.dense_features,
            clearance,
            detail,
            repair,
        };
        for &i in layers {
            let layer = &store.layers()[i];
            let mut enc = LayerEncoder::new(layer.id());
            render_layer(layer, &self.layers[i], &mut ctx, &mut enc);
            enc.finish_into(&mut out);
        }
        if let Some(l) = self.labels.as_ref().filter(|_| labels) {
            l.render(&store.layers()[l.layer], tile, clearance, &mut out);
        }
        out
    }
}
