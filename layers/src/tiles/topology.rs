//! Shared arcs of a polygon coverage (as TopoJSON builds them).
//!
//! Neighbouring polygons of a coverage (hazard zones of one hazard type, evacuation
//! grids of one level, counties) repeat the same vertices along their common border.
//! Simplifying each polygon on its own moves those vertices differently on each side and
//! opens slivers. Here every ring is cut at its junctions (vertices where the rings
//! passing through stop agreeing on their neighbours), equal pieces are stored once as
//! one arc, and rings become lists of arc references, so that a border simplified once
//! is the same border for both polygons.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use super::mercator::WPoint;

/// A reference to an arc, walked forwards or backwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArcRef(u32);

impl ArcRef {
    pub fn new(arc: usize, reversed: bool) -> Self {
        ArcRef(((arc as u32) << 1) | reversed as u32)
    }
    pub fn arc(self) -> usize {
        (self.0 >> 1) as usize
    }
    pub fn reversed(self) -> bool {
        self.0 & 1 == 1
    }
}

/// One input ring: its vertices (closed or not) and whether it is a hole.
#[derive(Debug, Clone)]
pub struct InputRing {
    pub points: Vec<WPoint>,
    pub hole: bool,
}

/// A coverage cut into shared arcs. Rings are oriented as MVT wants them in tile
/// coordinates (y down): outer rings have positive shoelace area, holes negative, so the
/// polygon's inside is always on the left of a ring walked in its order.
#[derive(Debug, Default)]
pub struct Topology {
    /// Arc vertices; an arc has ≥ 2 vertices, a closed arc repeats its first at the end.
    pub arcs: Vec<Vec<WPoint>>,
    pub ring_arcs: Vec<ArcRef>,
    /// Ranges into `ring_arcs`.
    pub rings: Vec<(u32, u32)>,
    /// Per input feature, a range into `rings`.
    pub features: Vec<(u32, u32)>,
}

impl Topology {
    pub fn feature_rings(&self, f: usize) -> impl Iterator<Item = &[ArcRef]> {
        let (a, b) = self.features[f];
        self.rings[a as usize..b as usize]
            .iter()
            .map(|&(s, e)| &self.ring_arcs[s as usize..e as usize])
    }

    /// The vertices of a ring, closed (first repeated at the end).
    pub fn ring_points(&self, ring: &[ArcRef]) -> Vec<WPoint> {
        let mut out: Vec<WPoint> = Vec::new();
        for r in ring {
            let arc = &self.arcs[r.arc()];
            let pts: Box<dyn Iterator<Item = &WPoint>> = if r.reversed() {
                Box::new(arc.iter().rev())
            } else {
                Box::new(arc.iter())
            };
            for (i, p) in pts.enumerate() {
                if i == 0 && !out.is_empty() {
                    continue;
                }
                out.push(*p);
            }
        }
        out
    }
}

/// Twice the signed shoelace area (positive: counter-clockwise in the math plane, which
/// is what MVT calls an exterior ring in y-down tile coordinates).
pub fn signed_area2(points: &[WPoint]) -> i128 {
    let n = points.len();
    let mut s: i128 = 0;
    for i in 0..n {
        let a = points[i];
        let b = points[(i + 1) % n];
        s += a[0] as i128 * b[1] as i128 - b[0] as i128 * a[1] as i128;
    }
    s
}

/// Remove repeated consecutive vertices and the closing vertex; `None` if fewer than
/// three distinct vertices or no area remain.
fn clean_ring(mut points: Vec<WPoint>, hole: bool) -> Option<Vec<WPoint>> {
    points.dedup();
    while points.len() > 1 && points.first() == points.last() {
        points.pop();
    }
    if points.len() < 3 {
        return None;
    }
    let area = signed_area2(&points);
    if area == 0 {
        return None;
    }
    if (area > 0) == hole {
        points.reverse();
    }
    Some(points)
}

fn mix(v: u64) -> u64 {
    // splitmix64 finaliser: a well-spread 64-bit hash of a vertex.
    let mut z = v.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn key(p: WPoint) -> u64 {
    ((p[0] as u64) << 32) | p[1] as u64
}

/// Vertices where rings stop running together: a vertex is a junction when the rings
/// through it do not all have the same pair of neighbours there.
fn junctions(rings: &[Vec<WPoint>]) -> HashSet<WPoint> {
    // (vertex, hash of its unordered neighbour pair), sorted by vertex: cheaper in
    // memory than a map from every vertex of a million-polygon coverage.
    let total: usize = rings.iter().map(Vec::len).sum();
    let mut occ: Vec<(u64, u64)> = Vec::with_capacity(total);
    for ring in rings {
        let n = ring.len();
        for i in 0..n {
            let prev = key(ring[(i + n - 1) % n]);
            let next = key(ring[(i + 1) % n]);
            let (lo, hi) = if prev < next {
                (prev, next)
            } else {
                (next, prev)
            };
            occ.push((key(ring[i]), mix(lo) ^ mix(hi).rotate_left(17)));
        }
    }
    occ.sort_unstable();
    let mut out = HashSet::new();
    let mut i = 0;
    while i < occ.len() {
        let mut j = i + 1;
        while j < occ.len() && occ[j].0 == occ[i].0 {
            j += 1;
        }
        if occ[i + 1..j].iter().any(|o| o.1 != occ[i].1) {
            let k = occ[i].0;
            out.insert([(k >> 32) as u32, k as u32]);
        }
        i = j;
    }
    out
}

/// The canonical form of an arc: the direction whose vertex sequence is
/// lexicographically smaller. Returns whether `seq` had to be reversed.
fn canonical(seq: &mut [WPoint]) -> bool {
    let n = seq.len();
    for i in 0..n {
        let (a, b) = (seq[i], seq[n - 1 - i]);
        if a != b {
            if b < a {
                seq.reverse();
                return true;
            }
            return false;
        }
    }
    false
}

/// A ring without junctions: rotate it to start at its smallest vertex, so the same
/// ring used by two polygons (an island and the hole it fills) becomes one arc.
fn closed_arc(ring: &[WPoint]) -> Vec<WPoint> {
    let start = (0..ring.len()).min_by_key(|&i| ring[i]).unwrap_or(0);
    let mut seq: Vec<WPoint> = ring[start..]
        .iter()
        .chain(&ring[..start])
        .copied()
        .collect();
    seq.push(seq[0]);
    seq
}

struct ArcTable {
    arcs: Vec<Vec<WPoint>>,
    by_hash: HashMap<u64, Vec<u32>>,
}

impl ArcTable {
    /// The reference for `seq` (any direction), adding it as a new arc if unseen.
    fn intern(&mut self, mut seq: Vec<WPoint>) -> ArcRef {
        let reversed = canonical(&mut seq);
        let h = seq.iter().fold(seq.len() as u64, |h, &p| mix(h ^ key(p)));
        let bucket = self.by_hash.entry(h).or_default();
        for &idx in bucket.iter() {
            if self.arcs[idx as usize] == seq {
                return ArcRef::new(idx as usize, reversed);
            }
        }
        let idx = self.arcs.len();
        bucket.push(idx as u32);
        self.arcs.push(seq);
        ArcRef::new(idx, reversed)
    }
}

/// Cut a coverage into shared arcs. `features[i]` lists feature i's rings; a feature
/// whose rings all collapse keeps an empty ring range.
///
/// ```
/// use layers::tiles::{build_topology as build, InputRing};
/// // Two unit squares sharing the edge x = 10.
/// let a = vec![InputRing { points: vec![[0, 0], [10, 0], [10, 10], [0, 10]], hole: false }];
/// let b = vec![InputRing { points: vec![[10, 0], [20, 0], [20, 10], [10, 10]], hole: false }];
/// let topo = build(vec![a, b]);
/// assert_eq!(topo.arcs.len(), 3); // the shared edge is stored once
/// ```
pub fn build(features: Vec<Vec<InputRing>>) -> Topology {
    let mut clean: Vec<Vec<WPoint>> = Vec::new();
    let mut feature_ranges = Vec::with_capacity(features.len());
    for rings in features {
        let start = clean.len() as u32;
        clean.extend(
            rings
                .into_iter()
                .filter_map(|r| clean_ring(r.points, r.hole)),
        );
        feature_ranges.push((start, clean.len() as u32));
    }
    let junction = junctions(&clean);
    let mut table = ArcTable {
        arcs: Vec::new(),
        by_hash: HashMap::with_capacity(clean.len()),
    };
    let mut ring_arcs = Vec::new();
    let mut rings = Vec::with_capacity(clean.len());
    for ring in &clean {
        let start = ring_arcs.len() as u32;
        let n = ring.len();
        match (0..n).find(|&i| junction.contains(&ring[i])) {
            None => ring_arcs.push(table.intern(closed_arc(ring))),
            Some(first) => {
                let mut seq = vec![ring[first]];
                for k in 1..=n {
                    let p = ring[(first + k) % n];
                    seq.push(p);
                    if k == n || junction.contains(&p) {
                        ring_arcs.push(table.intern(std::mem::replace(&mut seq, vec![p])));
                    }
                }
            }
        }
        rings.push((start, ring_arcs.len() as u32));
    }
    Topology {
        arcs: table.arcs,
        ring_arcs,
        rings,
        features: feature_ranges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: u32, y: u32, s: u32) -> Vec<InputRing> {
        vec![InputRing {
            points: vec![[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]],
            hole: false,
        }]
    }

    /// A 3×3 grid of squares, each edge split in two (so borders have inner vertices).
    fn grid() -> Vec<Vec<InputRing>> {
        let mut out = Vec::new();
        for j in 0..3u32 {
            for i in 0..3u32 {
                let (x, y) = (i * 100, j * 100);
                let pts = vec![
                    [x, y],
                    [x + 50, y],
                    [x + 100, y],
                    [x + 100, y + 50],
                    [x + 100, y + 100],
                    [x + 50, y + 100],
                    [x, y + 100],
                    [x, y + 50],
                ];
                out.push(vec![InputRing {
                    points: pts,
                    hole: false,
                }]);
            }
        }
        out
    }

    #[test]
    fn rings_rebuild_to_their_input_and_orientation_is_mvt() {
        let input = grid();
        let topo = build(input.clone());
        for (f, rings) in input.iter().enumerate() {
            let ring = topo.feature_rings(f).next().unwrap();
            let pts = topo.ring_points(ring);
            assert_eq!(pts.first(), pts.last());
            let open = &pts[..pts.len() - 1];
            // Same vertex set, positive area (input was clockwise in the math plane).
            let mut a = open.to_vec();
            let mut b = rings[0].points.clone();
            a.sort();
            b.sort();
            assert_eq!(a, b);
            assert!(signed_area2(open) > 0);
        }
    }

    #[test]
    fn shared_borders_are_single_arcs_used_in_opposite_directions() {
        let topo = build(grid());
        // Junctions are where rings meet and part: the 4 inner corners and the 8 points
        // where inner edges reach the outline (the outline's own corners lie on one ring
        // only). So: 12 inner edges, and 8 outline arcs between the 8 outline junctions.
        assert_eq!(topo.arcs.len(), 20);
        let mut uses: HashMap<usize, Vec<bool>> = HashMap::new();
        for r in &topo.ring_arcs {
            uses.entry(r.arc()).or_default().push(r.reversed());
        }
        let shared: Vec<_> = uses.values().filter(|v| v.len() == 2).collect();
        assert_eq!(shared.len(), 12, "inner edges");
        for v in shared {
            assert_ne!(
                v[0], v[1],
                "neighbours walk a shared arc in opposite directions"
            );
        }
    }

    #[test]
    fn island_and_the_hole_it_fills_share_one_closed_arc() {
        let outer = InputRing {
            points: vec![[0, 0], [0, 100], [100, 100], [100, 0]],
            hole: false,
        };
        let hole = InputRing {
            points: vec![[40, 40], [60, 40], [60, 60], [40, 60]],
            hole: true,
        };
        let island = square(40, 40, 20);
        let topo = build(vec![vec![outer, hole], island]);
        assert_eq!(topo.arcs.len(), 2);
        let hole_ref = topo.feature_rings(0).nth(1).unwrap()[0];
        let island_ref = topo.feature_rings(1).next().unwrap()[0];
        assert_eq!(hole_ref.arc(), island_ref.arc());
        assert_ne!(hole_ref.reversed(), island_ref.reversed());
        let hole_pts = topo.ring_points(&[hole_ref]);
        assert!(signed_area2(&hole_pts[..hole_pts.len() - 1]) < 0);
    }

    #[test]
    fn degenerate_rings_are_dropped() {
        let flat = vec![InputRing {
            points: vec![[0, 0], [10, 0], [20, 0], [0, 0]],
            hole: false,
        }];
        let topo = build(vec![flat, square(0, 0, 5)]);
        assert_eq!(topo.features[0].0, topo.features[0].1);
        assert_eq!(topo.feature_rings(1).count(), 1);
    }
}
