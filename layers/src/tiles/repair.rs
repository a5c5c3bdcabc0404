//! Making snapped polygons valid MVT 2.1 polygons.
//!
//! Simplifying, clipping and snapping to the 4096 grid can make rings cross, touch, fold
//! back on themselves or collapse (t-rex's and BBOX's most reported bug class). Every
//! polygon therefore goes through i_overlay's integer overlay on the snapped grid, with
//! the "positive winding" fill rule: outer rings arrive with positive area and holes with
//! negative, so what is filled is exactly "inside an outer and not inside a hole", and
//! what comes out is simple, OGC-valid (self-touching rings split) and oriented as MVT
//! wants: exterior rings positive shoelace area in y-down tile coordinates, holes
//! negative. No vertex repeats, and rings without area are dropped.

use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::{IntOverlayOptions, Overlay};
use i_overlay::i_float::int::point::IntPoint;

use super::clip::TPoint;

/// A valid polygon in tile coordinates: the exterior ring first, then its holes; rings
/// are open (the closing vertex is implied, as MVT encodes it with ClosePath).
pub type TilePolygon = Vec<Vec<[i32; 2]>>;

pub fn area2(ring: &[[i32; 2]]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            a[0] as i64 * b[1] as i64 - b[0] as i64 * a[1] as i64
        })
        .sum()
}

/// Reusable repair state (the overlay keeps its buffers between polygons).
pub struct Repair {
    overlay: Overlay,
    contours: Vec<Vec<IntPoint>>,
}

impl Default for Repair {
    fn default() -> Self {
        let options = IntOverlayOptions {
            ogc: true,
            ..IntOverlayOptions::default()
        };
        Repair {
            overlay: Overlay::new_custom(64, options, Default::default()),
            contours: Vec::new(),
        }
    }
}

impl Repair {
    /// Turn snapped, clipped rings (open; outers positive, holes negative; coordinates
    /// within i32) into valid polygons, dropping rings whose area is below `min_area2`
    /// (twice the area, in square tile pixels; at least 1).
    pub fn polygons(&mut self, rings: &[Vec<TPoint>], min_area2: i64, out: &mut Vec<TilePolygon>) {
        self.contours.clear();
        for ring in rings {
            let mut c: Vec<IntPoint> = Vec::with_capacity(ring.len());
            for p in ring {
                let q = IntPoint::new(p[0] as i32, p[1] as i32);
                if c.last() != Some(&q) {
                    c.push(q);
                }
            }
            while c.len() > 1 && c.first() == c.last() {
                c.pop();
            }
            if c.len() >= 3 {
                self.contours.push(c);
            }
        }
        if self.contours.is_empty() {
            return;
        }
        let shapes = match self
            .overlay
            .simplify_shape(&self.contours, FillRule::Positive)
        {
            Some(shapes) => shapes,
            // Already valid and correctly oriented: one contour, used as it is.
            None => vec![vec![std::mem::take(&mut self.contours[0])]],
        };
        let min = min_area2.max(1);
        for shape in shapes {
            let mut poly: TilePolygon = Vec::with_capacity(shape.len());
            for (i, contour) in shape.into_iter().enumerate() {
                let ring: Vec<[i32; 2]> = contour.iter().map(|p| [p.x, p.y]).collect();
                let a = area2(&ring);
                let wanted_sign_ok = if i == 0 { a > 0 } else { a < 0 };
                if ring.len() < 3 || !wanted_sign_ok || a.abs() < min {
                    if i == 0 {
                        break; // no exterior: the holes go with it
                    }
                    continue;
                }
                poly.push(ring);
            }
            if !poly.is_empty() {
                out.push(poly);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repair(rings: &[Vec<TPoint>]) -> Vec<TilePolygon> {
        let mut out = Vec::new();
        Repair::default().polygons(rings, 1, &mut out);
        out
    }

    fn assert_valid(polys: &[TilePolygon]) {
        for p in polys {
            assert!(area2(&p[0]) > 0, "exterior positive: {p:?}");
            for h in &p[1..] {
                assert!(area2(h) < 0, "hole negative: {p:?}");
            }
            for r in p {
                assert!(r.len() >= 3);
                let mut v = r.clone();
                v.sort();
                v.dedup();
                assert_eq!(v.len(), r.len(), "no repeated vertex: {r:?}");
            }
        }
    }

    #[test]
    fn valid_polygon_with_hole_passes_through() {
        let outer = vec![[0, 0], [100, 0], [100, 100], [0, 100]];
        let hole = vec![[20, 20], [20, 40], [40, 40], [40, 20]];
        let out = repair(&[outer, hole]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].len(), 2);
        assert_eq!(area2(&out[0][0]), 20000);
        assert_eq!(area2(&out[0][1]), -800);
        assert_valid(&out);
    }

    #[test]
    fn twisted_ring_keeps_its_positive_lobe() {
        // A bow tie: one lobe winds positive (kept), the other negative (an inverted
        // fold, as over-simplification makes them: dropped).
        let bow = vec![[0, 0], [10, 10], [10, 0], [0, 10]];
        let out = repair(&[bow]);
        assert_eq!(out.len(), 1);
        assert_eq!(area2(&out[0][0]), 50);
        assert_valid(&out);
    }

    #[test]
    fn self_touching_ring_splits_into_two_polygons() {
        // Two squares joined at one vertex, walked as one ring (self-tangency is
        // invalid in MVT 2.1): two polygons come out.
        let eight = vec![
            [0, 0],
            [10, 0],
            [10, 10],
            [20, 10],
            [20, 20],
            [10, 20],
            [10, 10],
            [0, 10],
        ];
        let out = repair(&[eight]);
        assert_eq!(out.len(), 2);
        assert_valid(&out);
    }

    #[test]
    fn zero_width_runs_and_repeats_disappear() {
        // A square with a spike out along y = 0 and a doubled vertex, as Sutherland–
        // Hodgman leaves them along a clip edge.
        let spiky = vec![
            [0, 0],
            [50, 0],
            [90, 0],
            [50, 0],
            [50, 0],
            [100, 0],
            [100, 100],
            [0, 100],
        ];
        let out = repair(&[spiky]);
        assert_eq!(out.len(), 1);
        assert_eq!(area2(&out[0][0]), 20000);
        assert_valid(&out);
    }

    #[test]
    fn collapsed_and_tiny_rings_are_dropped() {
        assert!(repair(&[vec![[0, 0], [5, 0], [10, 0]]]).is_empty());
        let mut out = Vec::new();
        Repair::default().polygons(&[vec![[0, 0], [1, 0], [0, 1]]], 4, &mut out);
        assert!(out.is_empty(), "half a pixel is below a 2 px² threshold");
    }

    #[test]
    fn hole_outside_its_exterior_is_not_filled() {
        let outer = vec![[0, 0], [10, 0], [10, 10], [0, 10]];
        let stray = vec![[20, 20], [20, 30], [30, 30], [30, 20]];
        let out = repair(&[outer, stray]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].len(), 1);
        assert_eq!(area2(&out[0][0]), 200);
    }
}
