//! Merge neighbouring polygons of the same class (hazard zones of one grade) into one,
//! for low zooms, using the coverage's shared arcs.
//!
//! An arc with the same class on both sides is an inner border and disappears; the
//! remaining arcs, walked with their class on the left, close into the merged rings.
//! Working on arcs rather than a polygon union keeps every surviving vertex exactly
//! where it was, so the merged coverage is still gap-free along its class borders.

use foldhash::{HashMap, HashMapExt};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use super::mercator::WPoint;
use super::topology::{InputRing, Topology, signed_area2};

/// One merged polygon: its class, outer ring and holes (open rings).
#[derive(Debug, Clone)]
pub struct Merged {
    pub class: u32,
    pub rings: Vec<InputRing>,
}

#[derive(Clone, Copy)]
struct HalfEdge {
    arc: u32,
    reversed: bool,
}

impl HalfEdge {
    fn points<'a>(&self, topo: &'a Topology) -> impl DoubleEndedIterator<Item = WPoint> + 'a {
        let arc = &topo.arcs[self.arc as usize];
        let rev = self.reversed;
        let n = arc.len();
        (0..n).map(move |i| if rev { arc[n - 1 - i] } else { arc[i] })
    }
    fn start(&self, topo: &Topology) -> WPoint {
        let arc = &topo.arcs[self.arc as usize];
        if self.reversed {
            arc[arc.len() - 1]
        } else {
            arc[0]
        }
    }
    fn end(&self, topo: &Topology) -> WPoint {
        let arc = &topo.arcs[self.arc as usize];
        if self.reversed {
            arc[0]
        } else {
            arc[arc.len() - 1]
        }
    }
    /// Direction leaving the start vertex.
    fn out_angle(&self, topo: &Topology) -> f64 {
        let mut it = self.points(topo);
        let a = it.next().unwrap_or([0, 0]);
        let b = it.next().unwrap_or(a);
        angle(a, b)
    }
    /// Direction from the end vertex back along the edge.
    fn back_angle(&self, topo: &Topology) -> f64 {
        let mut it = self.points(topo).rev();
        let a = it.next().unwrap_or([0, 0]);
        let b = it.next().unwrap_or(a);
        angle(a, b)
    }
}

fn angle(from: WPoint, to: WPoint) -> f64 {
    (to[1] as f64 - from[1] as f64).atan2(to[0] as f64 - from[0] as f64)
}

/// Dissolve the features of `topo` by `class[feature]`.
pub fn dissolve(topo: &Topology, class: &[u32]) -> Vec<Merged> {
    // Every use of an arc, with the class on its left.
    let mut uses: Vec<(u32, bool, u32)> = Vec::with_capacity(topo.ring_arcs.len());
    for (f, &c) in class.iter().enumerate() {
        for ring in topo.feature_rings(f) {
            for r in ring {
                uses.push((r.arc() as u32, r.reversed(), c));
            }
        }
    }
    uses.sort_unstable();
    uses.dedup();
    // Keep a half-edge unless the same class also lies on its other side.
    let mut by_class: HashMap<u32, Vec<HalfEdge>> = HashMap::new();
    for &(arc, rev, c) in &uses {
        if uses.binary_search(&(arc, !rev, c)).is_err() {
            by_class
                .entry(c)
                .or_default()
                .push(HalfEdge { arc, reversed: rev });
        }
    }
    let mut classes: Vec<u32> = by_class.keys().copied().collect();
    classes.sort_unstable();
    let mut out = Vec::new();
    for c in classes {
        let rings = trace(topo, &by_class[&c]);
        out.extend(
            assemble(rings)
                .into_iter()
                .map(|rings| Merged { class: c, rings }),
        );
    }
    out
}

/// Walk half-edges into closed rings. At a vertex with several ways on, take the first
/// one clockwise from the way back, which keeps each ring tight around its own face
/// (two same-class polygons touching at a corner stay two rings).
fn trace(topo: &Topology, edges: &[HalfEdge]) -> Vec<Vec<WPoint>> {
    let mut from: HashMap<WPoint, Vec<usize>> = HashMap::new();
    for (i, e) in edges.iter().enumerate() {
        from.entry(e.start(topo)).or_default().push(i);
    }
    let mut used = vec![false; edges.len()];
    let mut rings = Vec::new();
    for first in 0..edges.len() {
        if used[first] {
            continue;
        }
        let mut ring: Vec<WPoint> = Vec::new();
        let mut cur = first;
        loop {
            used[cur] = true;
            let e = edges[cur];
            let skip = usize::from(!ring.is_empty());
            ring.extend(e.points(topo).skip(skip));
            let node = e.end(topo);
            let back = e.back_angle(topo);
            let next = from.get(&node).and_then(|cands| {
                cands
                    .iter()
                    .copied()
                    .filter(|&k| !used[k])
                    .min_by(|&a, &b| {
                        let turn = |k: usize| {
                            let d = back - edges[k].out_angle(topo);
                            let d = d.rem_euclid(std::f64::consts::TAU);
                            if d == 0.0 { std::f64::consts::TAU } else { d }
                        };
                        turn(a).total_cmp(&turn(b))
                    })
            });
            match next {
                Some(k) => cur = k,
                None => break,
            }
        }
        ring.dedup();
        while ring.len() > 1 && ring.first() == ring.last() {
            ring.pop();
        }
        if ring.len() >= 3 && signed_area2(&ring) != 0 {
            rings.push(ring);
        }
    }
    rings
}

fn bbox(ring: &[WPoint]) -> [f64; 4] {
    let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for p in ring {
        b[0] = b[0].min(p[0] as f64);
        b[1] = b[1].min(p[1] as f64);
        b[2] = b[2].max(p[0] as f64);
        b[3] = b[3].max(p[1] as f64);
    }
    b
}

/// Where a point lies relative to a ring.
#[derive(PartialEq)]
enum Side {
    Inside,
    Outside,
    Boundary,
}

fn locate(p: WPoint, ring: &[WPoint]) -> Side {
    let (px, py) = (p[0] as i128, p[1] as i128);
    let n = ring.len();
    let mut inside = false;
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + 1) % n]);
        let (ax, ay, bx, by) = (a[0] as i128, a[1] as i128, b[0] as i128, b[1] as i128);
        let cross = (bx - ax) * (py - ay) - (by - ay) * (px - ax);
        if cross == 0
            && px >= ax.min(bx)
            && px <= ax.max(bx)
            && py >= ay.min(by)
            && py <= ay.max(by)
        {
            return Side::Boundary;
        }
        if (ay > py) != (by > py) {
            // x of the edge at height py, compared without division.
            let lhs = (px - ax) * (by - ay);
            let rhs = (bx - ax) * (py - ay);
            if (by > ay && lhs < rhs) || (by < ay && lhs > rhs) {
                inside = !inside;
            }
        }
    }
    if inside { Side::Inside } else { Side::Outside }
}

/// Group rings into polygons: positive rings are outers, negative ones holes of the
/// smallest outer that contains them.
fn assemble(rings: Vec<Vec<WPoint>>) -> Vec<Vec<InputRing>> {
    let (outers, holes): (Vec<_>, Vec<_>) = rings.into_iter().partition(|r| signed_area2(r) > 0);
    let tree = RTree::bulk_load(
        outers
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let b = bbox(r);
                GeomWithData::new(Rectangle::from_corners([b[0], b[1]], [b[2], b[3]]), i)
            })
            .collect(),
    );
    let areas: Vec<i128> = outers.iter().map(|r| signed_area2(r)).collect();
    let mut polys: Vec<Vec<InputRing>> = outers
        .into_iter()
        .map(|points| {
            vec![InputRing {
                points,
                hole: false,
            }]
        })
        .collect();
    for hole in holes {
        let b = bbox(&hole);
        let env = AABB::from_corners([b[0], b[1]], [b[2], b[3]]);
        let owner = tree
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.data)
            .filter(|&i| {
                let outer = &polys[i][0].points;
                // A hole may touch its outer at a vertex: decide on the first vertex
                // that is not on the outer's boundary.
                hole.iter()
                    .map(|&p| locate(p, outer))
                    .find(|s| *s != Side::Boundary)
                    .is_some_and(|s| s == Side::Inside)
            })
            .min_by_key(|&i| areas[i]);
        if let Some(i) = owner {
            polys[i].push(InputRing {
                points: hole,
                hole: true,
            });
        }
    }
    polys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiles::topology::build;

    fn cell(i: u32, j: u32) -> Vec<InputRing> {
        let (x, y) = (i * 10, j * 10);
        vec![InputRing {
            points: vec![[x, y], [x + 10, y], [x + 10, y + 10], [x, y + 10]],
            hole: false,
        }]
    }

    fn area(m: &Merged) -> i128 {
        m.rings
            .iter()
            .map(|r| signed_area2(&r.points))
            .sum::<i128>()
    }

    #[test]
    fn same_class_neighbours_merge_and_area_is_kept() {
        // 4x4 cells; class 1 is the inner 2x2 block, class 0 the frame around it.
        let mut feats = Vec::new();
        let mut class = Vec::new();
        for j in 0..4 {
            for i in 0..4 {
                feats.push(cell(i, j));
                class.push(u32::from((1..3).contains(&i) && (1..3).contains(&j)));
            }
        }
        let merged = dissolve(&build(feats), &class);
        assert_eq!(merged.len(), 2);
        let frame = merged.iter().find(|m| m.class == 0).unwrap();
        let block = merged.iter().find(|m| m.class == 1).unwrap();
        // The frame is one polygon with one hole, exactly where the block is.
        assert_eq!(frame.rings.len(), 2);
        assert!(frame.rings[1].hole);
        assert_eq!(area(frame), 2 * (1600 - 400));
        assert_eq!(area(block), 2 * 400);
        // The block's centre vertex (20, 20) was inner to the class and is gone.
        assert!(!block.rings[0].points.contains(&[20, 20]));
        let mut hole = frame.rings[1].points.clone();
        let mut outer = block.rings[0].points.clone();
        hole.sort();
        outer.sort();
        assert_eq!(
            hole, outer,
            "the hole is the block's outline, vertex for vertex"
        );
    }

    #[test]
    fn corner_touching_same_class_cells_stay_two_rings() {
        // Checkerboard 2x2: class 1 on the diagonal touches itself at (10, 10).
        let feats = vec![cell(0, 0), cell(1, 0), cell(0, 1), cell(1, 1)];
        let merged = dissolve(&build(feats), &[1, 0, 0, 1]);
        let ones: Vec<_> = merged.iter().filter(|m| m.class == 1).collect();
        assert_eq!(ones.len(), 2);
        for m in ones {
            assert_eq!(m.rings.len(), 1);
            assert_eq!(m.rings[0].points.len(), 4);
        }
    }
}
