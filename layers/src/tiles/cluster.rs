//! Grid clustering of point layers for the zooms below their individual-point zoom.
//!
//! Each zoom's clusters are built from the next finer zoom's, cell by cell (cells are a
//! fixed number of tile pixels, so they nest and align with tiles): counts and sums add
//! up exactly from level to level, and a cluster of one is the original point again.

use foldhash::{HashMap, HashMapExt};
use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::mercator::WPoint;

/// Cluster cell size in tile pixels (of 4096): 32 screen pixels on a 512-pixel tile.
pub const CELL_PIXELS: u32 = 256;

/// One cluster (or single point) at one zoom.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Mean position of the members.
    pub pos: WPoint,
    pub count: u32,
    /// The member's fid when `count == 1`.
    pub fid: u32,
}

/// Clusters of one zoom, with their sums (`sums[i * stride + k]`, NaN = no value).
#[derive(Debug, Default)]
pub struct ClusterLevel {
    pub clusters: Vec<Cluster>,
    pub sums: Vec<f64>,
    pub stride: usize,
    pub tree: RTree<GeomWithData<[i64; 2], u32>>,
}

impl ClusterLevel {
    pub fn sums_of(&self, i: usize) -> &[f64] {
        &self.sums[i * self.stride..(i + 1) * self.stride]
    }

    fn finish(mut self) -> Self {
        self.tree = RTree::bulk_load(
            self.clusters
                .iter()
                .enumerate()
                .map(|(i, c)| GeomWithData::new([c.pos[0] as i64, c.pos[1] as i64], i as u32))
                .collect(),
        );
        self
    }
}

fn add(acc: f64, v: f64) -> f64 {
    match (acc.is_nan(), v.is_nan()) {
        (true, _) => v,
        (false, true) => acc,
        (false, false) => acc + v,
    }
}

/// The clusters of zoom `z`, from those of zoom `z + 1` (or the points).
fn merge(prev: &ClusterLevel, z: u8) -> ClusterLevel {
    let stride = prev.stride;
    let cell_bits = super::mercator::WORLD_BITS - 12 - z as u32 + CELL_PIXELS.trailing_zeros();
    let mut cells: HashMap<(u32, u32), usize> = HashMap::new();
    // (sum x, sum y, count, fid) per cell, in first-seen order.
    let mut acc: Vec<(f64, f64, u32, u32)> = Vec::new();
    let mut sums: Vec<f64> = Vec::new();
    for (i, c) in prev.clusters.iter().enumerate() {
        let key = (c.pos[0] >> cell_bits, c.pos[1] >> cell_bits);
        let slot = *cells.entry(key).or_insert_with(|| {
            acc.push((0.0, 0.0, 0, c.fid));
            sums.extend(std::iter::repeat_n(f64::NAN, stride));
            acc.len() - 1
        });
        let a = &mut acc[slot];
        a.0 += c.pos[0] as f64 * c.count as f64;
        a.1 += c.pos[1] as f64 * c.count as f64;
        a.2 += c.count;
        for k in 0..stride {
            sums[slot * stride + k] = add(sums[slot * stride + k], prev.sums[i * stride + k]);
        }
    }
    let clusters = acc
        .iter()
        .map(|&(sx, sy, n, fid)| Cluster {
            pos: [
                (sx / n as f64).round() as u32,
                (sy / n as f64).round() as u32,
            ],
            count: n,
            fid: if n == 1 { fid } else { u32::MAX },
        })
        .collect();
    ClusterLevel {
        clusters,
        sums,
        stride,
        tree: RTree::new(),
    }
}

/// Cluster `points` (position, fid, one value per summed field) for every zoom below
/// `individual_zoom`; `result[z]` is zoom z's level.
///
/// ```
/// use layers::tiles::cluster_levels;
/// let pts = vec![([100, 100], 0, vec![5.0]), ([110, 100], 1, vec![7.0])];
/// let levels = cluster_levels(&pts, 1, 3);
/// let z0 = &levels[0];
/// assert_eq!(z0.clusters.len(), 1);
/// assert_eq!(z0.clusters[0].count, 2);
/// assert_eq!(z0.sums_of(0), &[12.0]);
/// ```
pub fn cluster_levels(
    points: &[(WPoint, u32, Vec<f64>)],
    stride: usize,
    individual_zoom: u8,
) -> Vec<ClusterLevel> {
    // Start from the points themselves, then merge cells zoom by zoom upwards.
    let mut cur = ClusterLevel {
        stride,
        ..Default::default()
    };
    for (pos, fid, values) in points {
        cur.clusters.push(Cluster {
            pos: *pos,
            count: 1,
            fid: *fid,
        });
        cur.sums
            .extend((0..stride).map(|k| values.get(k).copied().unwrap_or(f64::NAN)));
    }
    let mut levels: Vec<ClusterLevel> = Vec::with_capacity(individual_zoom as usize);
    for z in (0..individual_zoom).rev() {
        let next = merge(levels.last().unwrap_or(&cur), z);
        levels.push(next.finish());
    }
    levels.reverse();
    levels
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg_points(n: usize) -> Vec<(WPoint, u32, Vec<f64>)> {
        let mut s = 7u64;
        (0..n)
            .map(|i| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let x = (1u32 << 31) + ((s >> 40) as u32 % (1 << 24));
                let y = (1u32 << 30) + ((s >> 8) as u32 % (1 << 24));
                let v = if i % 5 == 0 {
                    f64::NAN
                } else {
                    (i % 13) as f64
                };
                ([x, y], i as u32, vec![v, 1.0])
            })
            .collect()
    }

    #[test]
    fn counts_and_sums_are_conserved_at_every_zoom() {
        let pts = lcg_points(2000);
        let want: f64 = pts.iter().map(|p| p.2[0]).filter(|v| !v.is_nan()).sum();
        let levels = cluster_levels(&pts, 2, 12);
        assert_eq!(levels.len(), 12);
        for (z, level) in levels.iter().enumerate() {
            let count: u32 = level.clusters.iter().map(|c| c.count).sum();
            assert_eq!(count, 2000, "zoom {z}");
            let total: f64 = (0..level.clusters.len())
                .map(|i| level.sums_of(i)[0])
                .filter(|v| !v.is_nan())
                .sum();
            assert_eq!(total, want, "zoom {z}");
            let ones: f64 = (0..level.clusters.len()).map(|i| level.sums_of(i)[1]).sum();
            assert_eq!(ones, 2000.0);
        }
        // Coarser zooms have fewer clusters; the finest keeps far more.
        assert!(levels[0].clusters.len() < levels[11].clusters.len());
        assert_eq!(levels[0].tree.size(), levels[0].clusters.len());
    }

    #[test]
    fn a_cluster_of_one_is_the_point_itself() {
        let pts = vec![
            ([1000, 1000], 7, vec![3.0]),
            ([u32::MAX - 5, 1000], 9, vec![4.0]),
        ];
        let levels = cluster_levels(&pts, 1, 4);
        for level in &levels {
            assert_eq!(level.clusters.len(), 2);
            assert!(level.clusters.iter().all(|c| c.count == 1));
            let fids: Vec<u32> = level.clusters.iter().map(|c| c.fid).collect();
            assert_eq!(fids, vec![7, 9]);
            assert_eq!(level.clusters[0].pos, [1000, 1000]);
        }
    }

    #[test]
    fn cluster_position_is_the_members_mean() {
        let pts = vec![([100, 100], 0, vec![]), ([300, 500], 1, vec![])];
        let levels = cluster_levels(&pts, 0, 1);
        assert_eq!(levels[0].clusters[0].pos, [200, 300]);
    }
}
