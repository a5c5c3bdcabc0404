//! Web Mercator (EPSG:3857) on an integer world grid.
//!
//! Every vertex is projected once, at load, to a 2^32 × 2^32 grid over the whole
//! WebMercatorQuad square (x east, y **south**, as tile coordinates run). At zoom 14 a
//! tile pixel (1/4096 of a tile) is 64 grid units, so the grid is far finer than any tile
//! we serve, and integer coordinates make shared borders compare exactly.

use std::f64::consts::PI;

/// A projected vertex: `[x, y]` on the 2^32 world grid, y growing southwards.
pub type WPoint = [u32; 2];

/// log2 of the world grid size.
pub const WORLD_BITS: u32 = 32;
const WORLD: f64 = 4_294_967_296.0; // 2^32
/// The latitude where Web Mercator's square ends.
pub const MAX_LAT: f64 = 85.051_128_779_806_59;

fn to_grid(v: f64) -> u32 {
    (v * WORLD).round().clamp(0.0, u32::MAX as f64) as u32
}

/// Project lon/lat degrees (EPSG:4326) to the world grid. Latitudes beyond the
/// Mercator square are clamped to its edge.
///
/// ```
/// use layers::tiles::mercator::{project, unproject};
/// let w = project(0.0, 0.0);
/// assert_eq!(w, [1 << 31, 1 << 31]);
/// let (lon, lat) = unproject(project(101.5, 25.0));
/// assert!((lon - 101.5).abs() < 1e-7 && (lat - 25.0).abs() < 1e-7);
/// ```
pub fn project(lon: f64, lat: f64) -> WPoint {
    let x = (lon + 180.0) / 360.0;
    let lat = lat.clamp(-MAX_LAT, MAX_LAT).to_radians();
    let y = 0.5 - (lat.tan() + 1.0 / lat.cos()).ln() / (2.0 * PI);
    [to_grid(x), to_grid(y)]
}

/// Back to lon/lat degrees (for bounds and cluster positions).
pub fn unproject(w: WPoint) -> (f64, f64) {
    let x = w[0] as f64 / WORLD;
    let y = w[1] as f64 / WORLD;
    let lon = x * 360.0 - 180.0;
    let lat = (PI * (1.0 - 2.0 * y)).sinh().atan().to_degrees();
    (lon, lat)
}

/// World grid units per tile pixel (1/4096 of a tile) at zoom `z` (`z` ≤ 20).
pub fn units_per_pixel(z: u8) -> f64 {
    (1u64 << (WORLD_BITS - 12 - z as u32)) as f64
}

/// The tiles `(x, y)` at zoom `z` (≤ 20) that cover `[west, south, east, north]`
/// (lon/lat degrees), row 0 at the north.
///
/// ```
/// use layers::tiles::mercator::tile_range;
/// assert_eq!(tile_range([100.7, 24.2, 102.5, 26.5], 0).collect::<Vec<_>>(), vec![(0, 0)]);
/// ```
pub fn tile_range(bounds: [f64; 4], z: u8) -> impl Iterator<Item = (u32, u32)> {
    // In u64: at z0 the shift is the grid's whole 32 bits.
    let shift = WORLD_BITS - u32::from(z);
    let tile = |w: u32| (u64::from(w) >> shift) as u32;
    let nw = project(bounds[0], bounds[3]);
    let se = project(bounds[2], bounds[1]);
    // The east and south edges of the world grid fall in the last tile, not past it.
    let last = (1u32 << z) - 1;
    let (x0, y0) = (tile(nw[0]).min(last), tile(nw[1]).min(last));
    let (x1, y1) = (tile(se[0]).min(last), tile(se[1]).min(last));
    (x0..=x1).flat_map(move |x| (y0..=y1).map(move |y| (x, y)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_and_axis_direction() {
        assert_eq!(project(-180.0, MAX_LAT), [0, 0]);
        assert_eq!(project(180.0, -MAX_LAT), [u32::MAX, u32::MAX]);
        // y grows southwards, as in tile coordinates.
        assert!(project(101.0, 24.0)[1] > project(101.0, 26.0)[1]);
        // Beyond the Mercator square clamps instead of overflowing.
        assert_eq!(project(0.0, 89.9)[1], 0);
    }

    #[test]
    fn tile_range_covers_chuxiong() {
        // Chuxiong prefecture: about 100.7–102.5 E, 24.2–26.5 N. Columns 199..=200 and
        // rows 108..=110 at z8, computed independently with the XYZ formulas.
        let z8: Vec<_> = tile_range([100.7, 24.2, 102.5, 26.5], 8).collect();
        let expected: Vec<_> = [199, 200]
            .into_iter()
            .flat_map(|x| (108..=110).map(move |y| (x, y)))
            .collect();
        assert_eq!(z8, expected);
        assert_eq!(tile_range([-180.0, -MAX_LAT, 180.0, MAX_LAT], 1).count(), 4);
    }

    #[test]
    fn known_value_matches_epsg3857() {
        // EPSG:3857 of (101.5, 25.0) is (11298928.3, 2875744.6) metres (cs2cs).
        let half = 20_037_508.342_789_244;
        let w = project(101.5, 25.0);
        let mx = w[0] as f64 / WORLD * 2.0 * half - half;
        let my = half - w[1] as f64 / WORLD * 2.0 * half;
        assert!((mx - 11_298_928.3).abs() < 1.0, "{mx}");
        assert!((my - 2_875_744.6).abs() < 1.0, "{my}");
    }
}
