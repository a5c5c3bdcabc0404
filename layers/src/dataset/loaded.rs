//! A prepared dataset loaded and ready to answer: the store with its R-trees, the
//! indexes the queries derive from it, the tile geometry and the public composite's
//! prebuilt low zooms, built together and swapped as one value.

use std::path::Path;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::access::Access;
use crate::query::Derived;
use crate::store::Store;
use crate::tiles::{
    ONEMAP, PrebuiltTiles, Selection, TileBody, TileError, TileId, TileOptions, TileSet,
    VectorLayerInfo,
};

use super::DatasetError;

/// At most this many features meet a [light](Dataset::is_light) tile.
pub const LIGHT_TILE_FEATURES: usize = 256;

/// One loaded dataset. Everything in it was built from the same [`Store`], so a tile
/// and a query answer always come from the same version.
#[derive(Debug)]
pub struct Dataset {
    store: Store,
    derived: Derived,
    tiles: TileSet,
    prebuilt: PrebuiltTiles,
    version_hash: u64,
    timings: LoadTimings,
}

/// How long each load step took, for logs and /health.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadTimings {
    pub derived: Duration,
    pub tiles: Duration,
    pub prebuilt: Duration,
}

impl Dataset {
    /// Open the prepared dataset in `dir` and build everything from it.
    pub fn open(dir: &Path, options: TileOptions) -> Result<Dataset, DatasetError> {
        Ok(Dataset::new(Store::open(dir)?, options))
    }

    /// Build the query indexes, the tile geometry and the public composite's low zooms
    /// of `store`.
    pub fn new(store: Store, options: TileOptions) -> Dataset {
        let mut timings = LoadTimings::default();
        let t = Instant::now();
        let derived = Derived::new(&store);
        timings.derived = t.elapsed();
        let t = Instant::now();
        let tiles = TileSet::build(&store, options);
        timings.tiles = t.elapsed();
        let t = Instant::now();
        let public = Selection::resolve(&store, ONEMAP, &Access::public())
            .unwrap_or_else(|_| unreachable!("onemap always resolves"));
        let prebuilt = PrebuiltTiles::build(&store, &tiles, public);
        timings.prebuilt = t.elapsed();
        let version_hash = u64::from_le_bytes(
            Sha256::digest(store.version().as_bytes())[..8]
                .try_into()
                .unwrap_or([0; 8]),
        );
        Dataset {
            store,
            derived,
            tiles,
            prebuilt,
            version_hash,
            timings,
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn derived(&self) -> &Derived {
        &self.derived
    }

    pub fn version(&self) -> &str {
        self.store.version()
    }

    /// The version hashed once, for cache keys and ETags.
    pub fn version_hash(&self) -> u64 {
        self.version_hash
    }

    pub fn timings(&self) -> LoadTimings {
        self.timings
    }

    pub fn tile_options(&self) -> TileOptions {
        self.tiles.options()
    }

    /// The public composite's prebuilt low zooms.
    pub fn prebuilt(&self) -> &PrebuiltTiles {
        &self.prebuilt
    }

    /// The tileset `name` (`onemap` or a layer id) as `access` may see it.
    pub fn select(&self, name: &str, access: &Access) -> Result<Selection, TileError> {
        Selection::resolve(&self.store, name, access)
    }

    /// A tile address this dataset serves: on the zoom's grid and within max zoom.
    pub fn tile_id(&self, z: u8, x: u32, y: u32) -> Result<TileId, TileError> {
        let tile = TileId::new(z, x, y)?;
        let max = self.tiles.options().max_zoom;
        if tile.z > max {
            return Err(TileError::ZoomOutOfRange { z: tile.z, max });
        }
        Ok(tile)
    }

    /// The prebuilt body of `tile`, if it was built at load for this selection.
    pub fn prebuilt_tile(&self, selection: &Selection, tile: TileId) -> Option<&TileBody> {
        self.prebuilt.get(selection, tile)
    }

    /// Is `tile` of `selection` light: do at most [`LIGHT_TILE_FEATURES`] features meet
    /// it? A light tile renders in well under a millisecond, less than handing it to
    /// another thread costs; a heavy one (tens of ms at province scale) belongs off any
    /// async runtime. Counting stops at the bound, so asking is cheap at every zoom.
    pub fn is_light(&self, selection: &Selection, tile: TileId) -> bool {
        let bounds = tile.lonlat_bounds();
        let mut left = LIGHT_TILE_FEATURES;
        for &i in selection.layers() {
            let n = self.store.layers()[i]
                .ids_in_bbox(bounds)
                .take(left + 1)
                .count();
            if n > left {
                return false;
            }
            left -= n;
        }
        true
    }

    /// Render one tile of `selection` (MVT, uncompressed); `Ok(None)` for a tile with
    /// no features. CPU-bound (up to tens of ms at province scale): call it off any
    /// async runtime.
    pub fn render(
        &self,
        selection: &Selection,
        tile: TileId,
    ) -> Result<Option<Vec<u8>>, TileError> {
        let tile = self.tile_id(tile.z, tile.x, tile.y)?;
        self.tiles.render(
            &self.store,
            selection.layers(),
            selection.labels(),
            tile,
            selection.access().clearance(),
        )
    }

    /// The MVT layers of `selection`, with the fields its access may see.
    pub fn vector_layers(&self, selection: &Selection) -> Vec<VectorLayerInfo> {
        let clearance = selection.access().clearance();
        let mut out: Vec<VectorLayerInfo> = selection
            .layers()
            .iter()
            .map(|&i| self.tiles.vector_layer(&self.store, i, clearance))
            .collect();
        if selection.labels() {
            out.extend(self.tiles.labels_layer(&self.store, clearance));
        }
        out
    }

    /// The store layers whose extent `selection` covers (the admin layer for labels).
    fn extent_layers(&self, selection: &Selection) -> Vec<usize> {
        let mut layers = selection.layers().to_vec();
        if selection.labels()
            && let Some(l) = self.tiles.labels()
            && !layers.contains(&l.layer)
        {
            layers.push(l.layer);
        }
        layers
    }

    /// `[west, south, east, north]` of `selection`'s layers.
    pub fn bounds(&self, selection: &Selection) -> [f64; 4] {
        TileSet::bounds(&self.store, &self.extent_layers(selection))
    }

    /// `[lon, lat, zoom]` at which `selection` fills about a tile.
    pub fn center(&self, selection: &Selection) -> [f64; 3] {
        self.tiles
            .center(&self.store, &self.extent_layers(selection))
    }
}
