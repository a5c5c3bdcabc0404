//! The public composite's low zooms, built with the dataset.
//!
//! A low-zoom tile covers much of a prefecture or province: it is the most expensive
//! to build (dissolved hazard coverages, every county outline, thousands of grids) and
//! the most requested (wall screens and every first view start there), yet there are
//! few of them. So the zooms whose whole pyramid over the data stays within
//! [`MAX_TILES`] tiles (at most up to [`MAX_ZOOM`]) are built with the dataset, before
//! it is swapped in, and never evicted: a cold request there is a lookup. Over the admin
//! layer's extent that is z0–11 for Chuxiong (262 tiles, 0.35 s) and z0–9 for Yunnan
//! (277 tiles, 1.2 s). Other callers' selections render on demand.

use std::collections::HashMap;

use bytes::Bytes;

use crate::catalogue::ADMIN;
use crate::store::Store;

use super::gzip::{PREBUILT_LEVEL, gzip};
use super::mercator::{MAX_LAT, tile_range};
use super::{Selection, TileId, TileSet};

/// Highest zoom ever built at load.
pub const MAX_ZOOM: u8 = 11;
/// Most tiles built at load: bounds load time (~2–10 ms a tile) and memory (a tile and
/// its gzip form, mostly under 150 KB together).
pub const MAX_TILES: usize = 512;

/// A built tile. `raw` is `None` for a tile without features (served as 204).
#[derive(Debug, Clone, Default)]
pub struct TileBody {
    pub raw: Option<Bytes>,
    pub gzip: Option<Bytes>,
}

/// One selection's tiles at every zoom from 0 to [`PrebuiltTiles::max_zoom`].
#[derive(Debug)]
pub struct PrebuiltTiles {
    selection: Selection,
    tiles: HashMap<TileId, TileBody>,
    max_zoom: Option<u8>,
}

impl PrebuiltTiles {
    /// Build `selection` at every zoom from 0 down to the deepest whose pyramid over
    /// the data stays within MAX_TILES (and MAX_ZOOM).
    pub(crate) fn build(store: &Store, tiles: &TileSet, selection: Selection) -> Self {
        let mut out = PrebuiltTiles {
            selection,
            tiles: HashMap::new(),
            max_zoom: None,
        };
        let Some(bounds) = data_bounds(store) else {
            return out;
        };
        let mut planned = 0;
        out.max_zoom = (0..=MAX_ZOOM.min(tiles.options().max_zoom))
            .take_while(|&z| {
                planned += tile_range(bounds, z).count();
                planned <= MAX_TILES
            })
            .last();
        let clearance = out.selection.access().clearance();
        let zooms = out.max_zoom.map_or(0..=0, |deepest| 0..=deepest);
        for z in zooms.filter(|_| out.max_zoom.is_some()) {
            for (x, y) in tile_range(bounds, z) {
                let Ok(id) = TileId::new(z, x, y) else {
                    continue;
                };
                // Rendering a valid address of a known selection cannot fail; if it ever
                // does, the request path renders that tile and reports the error.
                let sel = &out.selection;
                let Ok(raw) = tiles.render(store, sel.layers(), sel.labels(), id, clearance) else {
                    continue;
                };
                let gz = raw.as_deref().map(|r| Bytes::from(gzip(r, PREBUILT_LEVEL)));
                let body = TileBody {
                    raw: raw.map(Bytes::from),
                    gzip: gz,
                };
                out.tiles.insert(id, body);
            }
        }
        out
    }

    /// The prebuilt tile of `selection` at `tile`, if this is that selection's.
    pub fn get(&self, selection: &Selection, tile: TileId) -> Option<&TileBody> {
        (*selection == self.selection)
            .then(|| self.tiles.get(&tile))
            .flatten()
    }

    /// The deepest zoom built, if any.
    pub fn max_zoom(&self) -> Option<u8> {
        self.max_zoom
    }

    pub fn len(&self) -> usize {
        self.tiles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tiles.is_empty()
    }
}

/// The bureau's area: the admin layer's bounding box (context layers such as faults
/// and rivers reach far beyond it), else the union of all layers', clamped to Web
/// Mercator's latitude range.
fn data_bounds(store: &Store) -> Option<[f64; 4]> {
    let union = || {
        store
            .layers()
            .iter()
            .filter_map(|l| l.meta.bbox)
            .reduce(|a, b| {
                [
                    a[0].min(b[0]),
                    a[1].min(b[1]),
                    a[2].max(b[2]),
                    a[3].max(b[3]),
                ]
            })
    };
    store
        .layer(ADMIN)
        .and_then(|l| l.meta.bbox)
        .or_else(union)
        .map(|b| [b[0], b[1].max(-MAX_LAT), b[2], b[3].min(MAX_LAT)])
}
