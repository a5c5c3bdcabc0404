//! Tile addresses in WebMercatorQuad (XYZ: row 0 at the north) and their extent on the
//! world grid.

use std::fmt;

use super::mercator::{WORLD_BITS, unproject};
use super::{BUFFER, EXTENT_BITS, TileError};

/// The deepest zoom a tile address may name at all (the world grid has room for 20).
pub const MAX_ADDRESSABLE_ZOOM: u8 = 20;

/// One tile: zoom, column, row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl fmt::Display for TileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

impl TileId {
    /// A checked tile address: `x` and `y` must lie in `0..2^z`.
    ///
    /// ```
    /// use layers::tiles::TileId;
    /// assert!(TileId::new(3, 7, 7).is_ok());
    /// assert!(TileId::new(3, 8, 0).is_err());
    /// ```
    pub fn new(z: u8, x: u32, y: u32) -> Result<Self, TileError> {
        if z > MAX_ADDRESSABLE_ZOOM {
            return Err(TileError::BadAddress {
                field: "z",
                message: format!("zoom {z} is beyond {MAX_ADDRESSABLE_ZOOM}"),
            });
        }
        let n = 1u32 << z;
        for (field, v) in [("x", x), ("y", y)] {
            if v >= n {
                return Err(TileError::BadAddress {
                    field,
                    message: format!("{field} = {v} is outside 0..{n} at zoom {z}"),
                });
            }
        }
        Ok(TileId { z, x, y })
    }

    /// log2 of world grid units per tile pixel.
    pub fn shift(&self) -> u32 {
        WORLD_BITS - EXTENT_BITS - self.z as u32
    }

    /// The tile's north-west corner on the world grid.
    pub fn origin(&self) -> [i64; 2] {
        let s = WORLD_BITS - self.z as u32;
        [(self.x as i64) << s, (self.y as i64) << s]
    }

    /// `[min_x, min_y, max_x, max_y]` on the world grid, widened by `buffer` tile pixels.
    pub fn world_bounds(&self, buffer: i64) -> [i64; 4] {
        let [x0, y0] = self.origin();
        let size = 1i64 << (WORLD_BITS - self.z as u32);
        let b = buffer << self.shift();
        [x0 - b, y0 - b, x0 + size + b, y0 + size + b]
    }

    /// World bounds with the standard 64-pixel buffer.
    pub fn buffered_bounds(&self) -> [i64; 4] {
        self.world_bounds(BUFFER as i64)
    }

    /// `[west, south, east, north]` in degrees.
    pub fn lonlat_bounds(&self) -> [f64; 4] {
        let [x0, y0, x1, y1] = self.world_bounds(0);
        let clamp = |v: i64| v.clamp(0, u32::MAX as i64) as u32;
        let (w, n) = unproject([clamp(x0), clamp(y0)]);
        let (e, s) = unproject([clamp(x1), clamp(y1)]);
        [w, s, e, n]
    }

    /// The tiles at zoom `z` that meet a world-grid rectangle.
    pub fn covering(z: u8, bounds: [i64; 4]) -> impl Iterator<Item = TileId> {
        let s = WORLD_BITS - z as u32;
        let max = (1i64 << z) - 1;
        let x0 = (bounds[0] >> s).clamp(0, max) as u32;
        let y0 = (bounds[1] >> s).clamp(0, max) as u32;
        let x1 = (bounds[2] >> s).clamp(0, max) as u32;
        let y1 = (bounds[3] >> s).clamp(0, max) as u32;
        (y0..=y1).flat_map(move |y| (x0..=x1).map(move |x| TileId { z, x, y }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiles::mercator::project;

    #[test]
    fn addresses_are_checked() {
        assert!(TileId::new(0, 0, 0).is_ok());
        assert!(TileId::new(14, 16383, 16383).is_ok());
        assert!(TileId::new(14, 16384, 0).is_err());
        assert!(TileId::new(1, 0, 2).is_err());
        assert!(TileId::new(21, 0, 0).is_err());
    }

    #[test]
    fn bounds_contain_the_point_they_were_found_from() {
        // Chuxiong city, z10: the XYZ formula gives x = 800, y = 438.
        let w = project(101.5456, 25.0322);
        let t = TileId::covering(10, [w[0] as i64, w[1] as i64, w[0] as i64, w[1] as i64])
            .next()
            .unwrap();
        assert_eq!((t.x, t.y), (800, 438));
        let [west, south, east, north] = t.lonlat_bounds();
        assert!(west <= 101.5456 && 101.5456 <= east, "{west} {east}");
        assert!(south <= 25.0322 && 25.0322 <= north, "{south} {north}");
    }
}
