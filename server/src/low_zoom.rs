//! The public composite's low zooms, rendered once at load.
//!
//! A low-zoom tile covers much of a prefecture or province: it is the most expensive
//! to build (dissolved hazard coverages, every county outline, thousands of grids) and
//! the most requested (wall screens and every first view start there), yet there are
//! few of them. So the zooms whose whole pyramid over the data stays within
//! [`MAX_TILES`] tiles (at most up to [`MAX_ZOOM`]) are built with the dataset, before
//! it is swapped in, and never evicted: a cold request there is a lookup. Over the admin
//! layer's extent that is z0–11 for Chuxiong (262 tiles, 0.35 s) and z0–9 for Yunnan
//! (277 tiles, 1.2 s). Other callers' selections render on demand and go through the
//! cache.

use std::collections::HashMap;

use axum::body::Bytes;
use layers::Store;
use layers::tiles::{TileId, TileSet};

use crate::auth::Caller;
use crate::tile_cache::{CachedTile, TileKey};
use crate::tiles::{Selection, gzip};

/// Highest zoom ever built at load.
pub const MAX_ZOOM: u8 = 11;
/// Most tiles built at load: bounds load time (~2–10 ms a tile) and memory (a tile and
/// its gzip form, mostly under 150 KB together).
pub const MAX_TILES: usize = 512;
/// These tiles are compressed once, so harder than on the request path.
const GZIP_LEVEL: u32 = 6;

/// Prebuilt tiles by cache key (the key carries version, selection and clearance, so a
/// lookup for any other caller simply misses).
#[derive(Debug, Default)]
pub struct LowZoomTiles {
    tiles: HashMap<TileKey, CachedTile>,
    max_zoom: Option<u8>,
}

impl LowZoomTiles {
    /// Build `caller`'s composite at every zoom from 0 down to the deepest whose
    /// pyramid over the data stays within MAX_TILES (and MAX_ZOOM).
    pub fn build(store: &Store, tiles: &TileSet, version_hash: u64, caller: &Caller) -> Self {
        let layers = Selection::onemap_layers(store, caller);
        let selection = Selection::hash_of(crate::tiles::ONEMAP, &layers);
        let Some(bounds) = data_bounds(store) else {
            return LowZoomTiles::default();
        };
        let mut out = HashMap::new();
        let mut planned = 0;
        let deepest = (0..=MAX_ZOOM.min(tiles.options().max_zoom))
            .take_while(|&z| {
                planned += tile_range(bounds, z).count();
                planned <= MAX_TILES
            })
            .last();
        let Some(deepest) = deepest else {
            return LowZoomTiles::default();
        };
        for z in 0..=deepest {
            for (x, y) in tile_range(bounds, z) {
                let Ok(id) = TileId::new(z, x, y) else {
                    continue;
                };
                // Rendering a valid address of a known selection cannot fail; if it ever
                // does, the request path renders that tile and reports the error.
                let Ok(raw) = tiles.render(store, &layers, id, caller.clearance) else {
                    continue;
                };
                let raw = raw.map(Bytes::from);
                let gz = raw.as_ref().map(|r| gzip(r, GZIP_LEVEL));
                let key = TileKey {
                    version: version_hash,
                    layers: selection,
                    z,
                    x,
                    y,
                    clearance: caller.clearance as u8,
                };
                out.insert(key, CachedTile { raw, gzip: gz });
            }
        }
        LowZoomTiles {
            tiles: out,
            max_zoom: Some(deepest),
        }
    }

    /// The deepest zoom built at load, if any.
    pub fn max_zoom(&self) -> Option<u8> {
        self.max_zoom
    }

    pub fn get(&self, key: &TileKey) -> Option<&CachedTile> {
        self.tiles.get(key)
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
        .layer(layers::catalogue::ADMIN)
        .and_then(|l| l.meta.bbox)
        .or_else(union)
        .map(|b| [b[0], b[1].max(-85.05), b[2], b[3].min(85.05)])
}

/// Tiles (x, y) at zoom `z` covering `bounds` (lon/lat).
fn tile_range(b: [f64; 4], z: u8) -> impl Iterator<Item = (u32, u32)> {
    let n = 1u32 << z;
    let col = |lon: f64| {
        (((lon + 180.0) / 360.0 * n as f64).floor() as i64).clamp(0, n as i64 - 1) as u32
    };
    let row = |lat: f64| {
        let y = (1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0;
        ((y * n as f64).floor() as i64).clamp(0, n as i64 - 1) as u32
    };
    let (x0, x1) = (col(b[0]), col(b[2]));
    let (y0, y1) = (row(b[3]), row(b[1]));
    (x0..=x1).flat_map(move |x| (y0..=y1).map(move |y| (x, y)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_range_covers_chuxiong() {
        // Chuxiong prefecture: about 100.7–102.5 E, 24.2–26.5 N.
        let b = [100.7, 24.2, 102.5, 26.5];
        assert_eq!(tile_range(b, 0).collect::<Vec<_>>(), vec![(0, 0)]);
        let z8: Vec<_> = tile_range(b, 8).collect();
        // Columns 199..=200, rows 108..=110 at z8 (computed independently).
        let expected: Vec<_> = [199, 200]
            .into_iter()
            .flat_map(|x| (108..=110).map(move |y| (x, y)))
            .collect();
        assert_eq!(z8, expected);
    }
}
