//! Vector tiles (MVT 2.1) of the store's layers, per layer and composite.
//!
//! At load ([`TileSet::build`]): every vertex is projected to Web Mercator once;
//! polygon coverages (hazard zones per type, evacuation grids and admin areas per level)
//! are cut into shared arcs and each arc gets its Douglas–Peucker significance once, so a
//! border is simplified the same way for both neighbours at every zoom; hazard zones
//! are also merged by type and grade for low zooms; points are clustered per zoom with
//! counts and sums. Per tile ([`TileSet::render`]): select by R-tree, filter vertices by
//! the zoom's tolerance, clip to the tile plus a 64/4096 buffer, snap to the 4096 grid,
//! repair and orient, encode; a tile over the byte budget is rebuilt coarser.
//!
//! Fields are filtered by the caller's clearance here, in the core: a public tile never
//! carries an Internal or Personal field.

pub mod clip;
pub mod cluster;
pub mod dissolve;
pub mod encode;
pub mod mercator;
pub mod metadata;
pub mod prepare;
pub mod profile;
pub mod render;
pub mod repair;
pub mod shapes;
pub mod significance;
pub mod tile_id;
pub mod topology;

use std::time::{Duration, Instant};

use crate::Sensitivity;
use crate::store::Store;

pub use metadata::{FieldInfo, VectorLayerInfo};
pub use prepare::TileLayer;
pub use tile_id::{MAX_ADDRESSABLE_ZOOM, TileId};

use encode::LayerEncoder;
use prepare::prepare_layer;
use render::{Detail, RenderContext, render_layer};
use repair::Repair;

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
/// the features: rendering reads attributes from the [`Store`] it was built from.
#[derive(Debug)]
pub struct TileSet {
    layers: Vec<TileLayer>,
    options: TileOptions,
    version: String,
    pub build_time: Duration,
}

impl TileSet {
    /// Prepare every layer of `store`.
    pub fn build(store: &Store, options: TileOptions) -> TileSet {
        let started = Instant::now();
        let layers = store
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
        TileSet {
            layers,
            options,
            version: store.version().to_string(),
            build_time: started.elapsed(),
        }
    }

    pub fn options(&self) -> TileOptions {
        self.options
    }

    /// The store layer index of `id`.
    pub fn layer_index(&self, store: &Store, id: &str) -> Result<usize, TileError> {
        store
            .layers()
            .iter()
            .position(|l| l.id() == id)
            .ok_or_else(|| TileError::UnknownLayer(id.to_string()))
    }

    pub fn layer(&self, index: usize) -> &TileLayer {
        &self.layers[index]
    }

    /// Build one tile holding `layers` (store indices; one MVT layer each, in this
    /// order) for a caller cleared to `clearance`. `Ok(None)` for a tile with no
    /// features.
    pub fn render(
        &self,
        store: &Store,
        layers: &[usize],
        tile: TileId,
        clearance: Sensitivity,
    ) -> Result<Option<Vec<u8>>, TileError> {
        debug_assert_eq!(
            store.version(),
            self.version,
            "tile set built from another store"
        );
        if tile.z > self.options.max_zoom {
            return Err(TileError::ZoomOutOfRange {
                z: tile.z,
                max: self.options.max_zoom,
            });
        }
        let mut repair = Repair::default();
        let mut detail = Detail::NORMAL;
        loop {
            let bytes = self.render_with(store, layers, tile, clearance, detail, &mut repair);
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

    fn render_with(
        &self,
        store: &Store,
        layers: &[usize],
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
        out
    }
}
