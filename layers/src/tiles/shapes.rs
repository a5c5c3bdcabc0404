//! Line and polygon features prepared for tiling: projected arcs with their
//! Douglas–Peucker significance, rings as arc references, and one R-tree per "appears
//! from zoom" band, so a low-zoom tile never even visits features too small to show.

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use super::clip::TPoint;
use super::mercator::{WPoint, units_per_pixel};
use super::significance::significance;
use super::tile_id::TileId;
use super::topology::{ArcRef, Topology};

type BoxEntry = GeomWithData<Rectangle<[i64; 2]>, u32>;

/// Arcs longer than this are filtered through their significance order.
const LONG_ARC: usize = 64;

/// One prepared feature.
#[derive(Debug, Clone)]
pub struct ShapeFeature {
    /// Range into the ring table.
    pub rings: (u32, u32),
    /// `[min_x, min_y, max_x, max_y]` on the world grid.
    pub bbox: [u32; 4],
    /// First zoom the feature appears at.
    pub minzoom: u8,
    /// What the feature stands for: a source fid, or a merged feature's index.
    pub source: u32,
    /// Under two pixels across even at the max zoom: gets a placeholder there if its
    /// own geometry snaps away, so that every source feature is in the max-zoom tiles.
    pub tiny: bool,
}

/// Arcs, rings and features of one layer (or one merged view of it).
#[derive(Debug, Default)]
pub struct ShapeIndex {
    points: Vec<WPoint>,
    sig: Vec<f32>,
    /// Long arcs only: their vertex offsets by significance, highest first, so a
    /// low-zoom tile takes the few it keeps without scanning the whole arc.
    by_sig: Vec<u32>,
    arc_starts: Vec<u32>,
    arc_bbox: Vec<[u32; 4]>,
    ring_arcs: Vec<ArcRef>,
    rings: Vec<(u32, u32)>,
    features: Vec<ShapeFeature>,
    bands: Vec<(u8, RTree<BoxEntry>)>,
}

fn bbox_of(points: &[WPoint]) -> [u32; 4] {
    let mut b = [u32::MAX, u32::MAX, 0, 0];
    for p in points {
        b[0] = b[0].min(p[0]);
        b[1] = b[1].min(p[1]);
        b[2] = b[2].max(p[0]);
        b[3] = b[3].max(p[1]);
    }
    b
}

fn union(a: [u32; 4], b: [u32; 4]) -> [u32; 4] {
    [
        a[0].min(b[0]),
        a[1].min(b[1]),
        a[2].max(b[2]),
        a[3].max(b[3]),
    ]
}

/// The first zoom at which something `extent` grid units across covers one pixel.
fn size_zoom(extent: u32, max_zoom: u8) -> u8 {
    (0..=max_zoom)
        .find(|&z| extent as f64 >= units_per_pixel(z))
        .unwrap_or(max_zoom)
}

impl ShapeIndex {
    fn add_arc(&mut self, points: &[WPoint]) -> usize {
        if self.arc_starts.is_empty() {
            self.arc_starts.push(0);
        }
        let start = self.points.len();
        self.points.extend_from_slice(points);
        significance(points, &mut self.sig);
        self.by_sig.extend(0..points.len() as u32);
        if points.len() > LONG_ARC {
            let sig = &self.sig[start..];
            self.by_sig[start..]
                .sort_by(|&a, &b| sig[b as usize].total_cmp(&sig[a as usize]).then(a.cmp(&b)));
        }
        self.arc_starts.push(self.points.len() as u32);
        self.arc_bbox.push(bbox_of(points));
        self.arc_bbox.len() - 1
    }

    fn add_feature(&mut self, rings: (u32, u32), source: u32, minzoom: u8, max_zoom: u8) {
        let bbox = (rings.0..rings.1)
            .flat_map(|r| {
                let (a, b) = self.rings[r as usize];
                self.ring_arcs[a as usize..b as usize].iter()
            })
            .map(|r| self.arc_bbox[r.arc()])
            .reduce(union)
            .unwrap_or([0, 0, 0, 0]);
        let extent = (bbox[2] - bbox[0]).max(bbox[3] - bbox[1]);
        let empty = rings.0 == rings.1;
        self.features.push(ShapeFeature {
            rings,
            bbox,
            minzoom: minzoom.max(size_zoom(extent, max_zoom)).min(max_zoom),
            source,
            tiny: empty || (extent as f64) < 2.0 * units_per_pixel(max_zoom),
        });
    }

    /// Append a coverage's topology; `sources[i]` and `minzooms[i]` belong to its
    /// feature i. Empty features (all rings collapsed) are kept, as tiny ones.
    pub fn add_topology(&mut self, topo: Topology, sources: &[u32], minzooms: &[u8], max_zoom: u8) {
        let offset = self.arc_bbox.len();
        for arc in &topo.arcs {
            self.add_arc(arc);
        }
        let ring_offset = self.rings.len() as u32;
        for &(a, b) in &topo.rings {
            let start = self.ring_arcs.len() as u32;
            for r in &topo.ring_arcs[a as usize..b as usize] {
                self.ring_arcs
                    .push(ArcRef::new(r.arc() + offset, r.reversed()));
            }
            self.rings.push((start, self.ring_arcs.len() as u32));
        }
        for (i, &(a, b)) in topo.features.iter().enumerate() {
            let rings = (ring_offset + a, ring_offset + b);
            self.add_feature(rings, sources[i], minzooms[i], max_zoom);
        }
    }

    /// Append a line feature: each part becomes one arc with fixed endpoints.
    pub fn add_lines(&mut self, source: u32, parts: &[Vec<WPoint>], minzoom: u8, max_zoom: u8) {
        let first = self.rings.len() as u32;
        for part in parts {
            let mut p = part.clone();
            p.dedup();
            if p.len() < 2 {
                continue;
            }
            let arc = self.add_arc(&p);
            let start = self.ring_arcs.len() as u32;
            self.ring_arcs.push(ArcRef::new(arc, false));
            self.rings.push((start, start + 1));
        }
        self.add_feature((first, self.rings.len() as u32), source, minzoom, max_zoom);
    }

    /// Build the per-band R-trees; call once after adding everything.
    pub fn finish(&mut self) {
        let mut zooms: Vec<u8> = self.features.iter().map(|f| f.minzoom).collect();
        zooms.sort_unstable();
        zooms.dedup();
        self.bands = zooms
            .into_iter()
            .map(|z| {
                let entries = self
                    .features
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.minzoom == z)
                    .map(|(i, f)| {
                        let b = f.bbox.map(|v| v as i64);
                        GeomWithData::new(
                            Rectangle::from_corners([b[0], b[1]], [b[2], b[3]]),
                            i as u32,
                        )
                    })
                    .collect();
                (z, RTree::bulk_load(entries))
            })
            .collect();
    }

    pub fn features(&self) -> &[ShapeFeature] {
        &self.features
    }

    /// Features showing at zoom `z` whose bbox meets `bounds` (world grid), in index order.
    pub fn candidates(&self, z: u8, bounds: [i64; 4], out: &mut Vec<u32>) {
        out.clear();
        let env = AABB::from_corners([bounds[0], bounds[1]], [bounds[2], bounds[3]]);
        for (_, tree) in self.bands.iter().filter(|(mz, _)| *mz <= z) {
            out.extend(tree.locate_in_envelope_intersecting(&env).map(|e| e.data));
        }
        out.sort_unstable();
    }

    /// Feature `i`'s rings (polygons) or parts (lines) in snapped tile coordinates,
    /// keeping the vertices whose significance exceeds `threshold`. An arc lying wholly
    /// beyond one side of `clip` (world grid) is replaced by its chord: the chord stays
    /// on that side, so the clipped result is the same and huge outlines cost little.
    pub fn tile_parts(
        &self,
        i: usize,
        tile: &TileId,
        threshold: f32,
        clip: [i64; 4],
        out: &mut Vec<Vec<TPoint>>,
    ) {
        out.clear();
        let f = &self.features[i];
        let [ox, oy] = tile.origin();
        let shift = tile.shift();
        let half = 1i64 << (shift - 1);
        let snap = |p: WPoint| -> TPoint {
            [
                (p[0] as i64 - ox + half) >> shift,
                (p[1] as i64 - oy + half) >> shift,
            ]
        };
        for r in f.rings.0..f.rings.1 {
            let (a, b) = self.rings[r as usize];
            let mut pts: Vec<TPoint> = Vec::new();
            let mut push = |p: TPoint| {
                if pts.last() != Some(&p) {
                    pts.push(p);
                }
            };
            for aref in &self.ring_arcs[a as usize..b as usize] {
                let arc = aref.arc();
                let (s, e) = (
                    self.arc_starts[arc] as usize,
                    self.arc_starts[arc + 1] as usize,
                );
                let bb = self.arc_bbox[arc].map(|v| v as i64);
                let outside =
                    bb[2] < clip[0] || bb[0] > clip[2] || bb[3] < clip[1] || bb[1] > clip[3];
                if outside {
                    let (first, last) = if aref.reversed() {
                        (e - 1, s)
                    } else {
                        (s, e - 1)
                    };
                    push(snap(self.points[first]));
                    push(snap(self.points[last]));
                    continue;
                }
                if e - s > LONG_ARC {
                    // The kept vertices are a prefix of the significance order.
                    let order = &self.by_sig[s..e];
                    let n = order.partition_point(|&o| self.sig[s + o as usize] > threshold);
                    let mut kept: Vec<u32> = order[..n].to_vec();
                    kept.sort_unstable();
                    if aref.reversed() {
                        kept.reverse();
                    }
                    for o in kept {
                        push(snap(self.points[s + o as usize]));
                    }
                    continue;
                }
                let keep = |k: &usize| self.sig[*k] > threshold;
                if aref.reversed() {
                    (s..e)
                        .rev()
                        .filter(keep)
                        .for_each(|k| push(snap(self.points[k])));
                } else {
                    (s..e).filter(keep).for_each(|k| push(snap(self.points[k])));
                }
            }
            out.push(pts);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiles::topology::{InputRing, build};

    fn index_of_squares() -> ShapeIndex {
        // Two squares, 1/16 of the world each, sharing an edge, with a wiggle of 1000
        // grid units on the shared edge (sub-pixel below zoom 8).
        let s = 1u32 << 28;
        let a = vec![
            [0, 0],
            [s, 0],
            [s, s / 2],
            [s - 1000, s / 2 + 10],
            [s, s],
            [0, s],
        ];
        let b = vec![
            [s, 0],
            [2 * s, 0],
            [2 * s, s],
            [s, s],
            [s - 1000, s / 2 + 10],
            [s, s / 2],
        ];
        let topo = build(vec![
            vec![InputRing {
                points: a,
                hole: false,
            }],
            vec![InputRing {
                points: b,
                hole: false,
            }],
        ]);
        let mut idx = ShapeIndex::default();
        idx.add_topology(topo, &[10, 11], &[0, 3], 14);
        idx.finish();
        idx
    }

    #[test]
    fn long_arcs_keep_the_same_vertices_as_a_scan() {
        // A wiggly 2000-vertex line: the significance-order path must give exactly the
        // vertices a plain scan keeps, at every tolerance.
        let mut s = 5u64;
        let line: Vec<WPoint> = (0..2000u32)
            .map(|i| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                [
                    (1 << 30) + i * 3000,
                    (1 << 30) + ((s >> 40) % 50_000) as u32,
                ]
            })
            .collect();
        let mut idx = ShapeIndex::default();
        idx.add_lines(0, std::slice::from_ref(&line), 0, 14);
        idx.finish();
        let tile = TileId::new(0, 0, 0).unwrap();
        for t in [0.0f32, 500.0, 5000.0, 40000.0] {
            let mut got = Vec::new();
            idx.tile_parts(0, &tile, t, tile.buffered_bounds(), &mut got);
            let mut want: Vec<TPoint> = Vec::new();
            for (k, p) in line.iter().enumerate() {
                if idx.sig[k] > t {
                    let q = [
                        (p[0] as i64 + (1 << 19)) >> 20,
                        (p[1] as i64 + (1 << 19)) >> 20,
                    ];
                    if want.last() != Some(&q) {
                        want.push(q);
                    }
                }
            }
            assert_eq!(got[0], want, "tolerance {t}");
        }
    }

    #[test]
    fn bands_hide_features_below_their_zoom() {
        let idx = index_of_squares();
        let mut c = Vec::new();
        let all = [0, 0, 1 << 32, 1 << 32];
        idx.candidates(2, all, &mut c);
        assert_eq!(c, vec![0]);
        idx.candidates(3, all, &mut c);
        assert_eq!(c, vec![0, 1]);
        assert_eq!(idx.features()[1].source, 11);
    }

    #[test]
    fn shared_edge_simplifies_identically_on_both_sides() {
        let idx = index_of_squares();
        let tile = TileId::new(0, 0, 0).unwrap();
        let clip = tile.buffered_bounds();
        for threshold in [0.0, 2000.0] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            idx.tile_parts(0, &tile, threshold, clip, &mut a);
            idx.tile_parts(1, &tile, threshold, clip, &mut b);
            let mut sa: Vec<_> = a[0].iter().filter(|p| p[0] == 256 || p[0] == 255).collect();
            let mut sb: Vec<_> = b[0].iter().filter(|p| p[0] == 256 || p[0] == 255).collect();
            sa.sort();
            sb.sort();
            assert_eq!(sa, sb, "threshold {threshold}");
        }
    }
}
