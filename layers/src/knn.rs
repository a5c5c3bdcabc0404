//! k nearest neighbours: exact k-nearest search by geodesic distance over a point layer.

use geo::{Distance, Geodesic, Geometry, Point};

use crate::sphere::{min_geodesic_m, unit_vector};
use crate::store::Layer;

/// One result of a nearest search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    pub fid: u32,
    /// Geodesic distance on the WGS84 / CGCS2000 ellipsoid, metres.
    pub distance_m: f64,
}

/// The `k` features of a point layer nearest to `origin` by geodesic distance, closest
/// first, among those `accept` lets through and within `max_distance_m`.
///
/// Candidates come from the unit-sphere R-tree in great-circle order; the search stops
/// once the sphere bound proves no later candidate can beat the k-th found, so the
/// answer is exact, not approximate. Returns an empty list for non-point layers.
pub fn nearest(
    layer: &Layer,
    origin: Point<f64>,
    k: usize,
    max_distance_m: Option<f64>,
    mut accept: impl FnMut(u32) -> bool,
) -> Vec<Neighbour> {
    let Some(tree) = &layer.sphere else {
        return Vec::new();
    };
    if k == 0 {
        return Vec::new();
    }
    let limit = max_distance_m.unwrap_or(f64::INFINITY);
    let q = unit_vector(origin);
    let mut best: Vec<Neighbour> = Vec::with_capacity(k + 1);
    for (entry, chord2) in tree.nearest_neighbor_iter_with_distance_2(&q) {
        let bound = min_geodesic_m(chord2);
        let kth = if best.len() == k {
            best[k - 1].distance_m
        } else {
            f64::INFINITY
        };
        if bound > kth || bound > limit {
            break;
        }
        let fid = entry.data;
        if !accept(fid) {
            continue;
        }
        let Geometry::Point(p) = layer.features[fid as usize].geometry else {
            continue;
        };
        let d = Geodesic.distance(origin, p);
        if d > limit || d >= kth {
            continue;
        }
        let at = best.partition_point(|n| n.distance_m <= d);
        best.insert(at, Neighbour { fid, distance_m: d });
        best.truncate(k);
    }
    best
}
