//! Area of a polygon inside a small convex polygon (Sutherland–Hodgman clipping).
//!
//! The transfer analysis needs, for each grid crossing the warning polygon's boundary,
//! the share of the grid inside it. A general boolean intersection against a
//! county-size polygon costs O(n log n) in the polygon's thousands of vertices per
//! grid; clipping each ring of the polygon by the (convex) grid costs O(n · k) with k
//! the grid's few vertices, and the clipped ring's area is exact even where clipping
//! leaves zero-width bridges along the window edge (they add no area).

use geo::{Coord, LineString, MultiPolygon, Polygon};

fn cross(o: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
}

/// Shoelace area, signed (counter-clockwise positive).
fn signed_area(ring: &[Coord<f64>]) -> f64 {
    if ring.len() < 3 {
        return 0.0;
    }
    let mut s = 0.0;
    for i in 0..ring.len() {
        let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
        s += a.x * b.y - b.x * a.y;
    }
    s / 2.0
}

/// `ring` (open or closed) clipped by the convex, counter-clockwise `window` (open).
fn clip_ring(ring: &[Coord<f64>], window: &[Coord<f64>]) -> Vec<Coord<f64>> {
    let mut out: Vec<Coord<f64>> = ring.to_vec();
    if out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    for i in 0..window.len() {
        if out.is_empty() {
            break;
        }
        let (a, b) = (window[i], window[(i + 1) % window.len()]);
        let input = std::mem::take(&mut out);
        for j in 0..input.len() {
            let (p, q) = (input[j], input[(j + 1) % input.len()]);
            let (dp, dq) = (cross(a, b, p), cross(a, b, q));
            if dp >= 0.0 {
                out.push(p);
            }
            if (dp >= 0.0) != (dq >= 0.0) {
                let t = dp / (dp - dq);
                out.push(Coord {
                    x: p.x + t * (q.x - p.x),
                    y: p.y + t * (q.y - p.y),
                });
            }
        }
    }
    out
}

/// The convex window of `p` (its exterior, counter-clockwise, open), if `p` is a convex
/// polygon without holes.
pub fn convex_window(p: &Polygon<f64>) -> Option<Vec<Coord<f64>>> {
    use geo::IsConvex;
    if !p.interiors().is_empty() || !p.exterior().is_convex() {
        return None;
    }
    let mut w: Vec<Coord<f64>> = p.exterior().0.clone();
    if w.len() > 1 && w.first() == w.last() {
        w.pop();
    }
    if signed_area(&w) < 0.0 {
        w.reverse();
    }
    (w.len() >= 3).then_some(w)
}

/// Area (in squared degrees) of `area` inside the convex `window`.
pub fn area_inside(area: &MultiPolygon<f64>, window: &[Coord<f64>]) -> f64 {
    let ring_area = |r: &LineString<f64>| signed_area(&clip_ring(&r.0, window)).abs();
    area.0
        .iter()
        .map(|p| ring_area(p.exterior()) - p.interiors().iter().map(ring_area).sum::<f64>())
        .sum::<f64>()
        .max(0.0)
}

/// Planar area of the window.
pub fn window_area(window: &[Coord<f64>]) -> f64 {
    signed_area(window).abs()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, BooleanOps, polygon};

    #[test]
    fn agrees_with_boolean_intersection() {
        let u = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 6.0, y: 0.0), (x: 6.0, y: 6.0), (x: 4.0, y: 6.0), (x: 4.0, y: 2.0), (x: 2.0, y: 2.0), (x: 2.0, y: 6.0), (x: 0.0, y: 6.0)],
            interiors: [[(x: 0.5, y: 0.5), (x: 1.5, y: 0.5), (x: 1.5, y: 1.5), (x: 0.5, y: 1.5)]],
        );
        let area = MultiPolygon(vec![u]);
        for (x, y, d) in [
            (1.0, 1.0, 3.0),
            (3.0, 3.0, 0.5),
            (-1.0, -1.0, 10.0),
            (1.7, 4.0, 3.0),
            (5.5, 5.5, 2.0),
        ] {
            let grid =
                polygon![(x: x, y: y), (x: x + d, y: y), (x: x + d, y: y + d), (x: x, y: y + d)];
            let w = convex_window(&grid).unwrap();
            let want = MultiPolygon(vec![grid.clone()])
                .intersection(&area)
                .unsigned_area();
            let got = area_inside(&area, &w);
            assert!((got - want).abs() < 1e-9, "({x},{y},{d}): {got} vs {want}");
        }
    }
}
