//! Douglas–Peucker once per arc, for every zoom at once.
//!
//! Each vertex gets the largest tolerance at which Douglas–Peucker still keeps it,
//! capped by the tolerance of the vertex that split its range (so the values are
//! monotone down the recursion). Keeping the vertices whose significance exceeds a
//! tolerance `t` then gives exactly the Douglas–Peucker result for `t`, so one pass at
//! load serves every zoom, and a tile only filters.

use super::mercator::WPoint;

/// Significance of endpoints: kept at every zoom.
pub const ALWAYS: f32 = f32::INFINITY;

/// Distance from `p` to the segment `a`–`b`, in world grid units.
fn segment_distance(p: WPoint, a: WPoint, b: WPoint) -> f64 {
    let (px, py) = (p[0] as f64, p[1] as f64);
    let (ax, ay) = (a[0] as f64, a[1] as f64);
    let (dx, dy) = (b[0] as f64 - ax, b[1] as f64 - ay);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((px - ax) * dx + (py - ay) * dy) / len2).clamp(0.0, 1.0)
    };
    let (cx, cy) = (ax + t * dx - px, ay + t * dy - py);
    (cx * cx + cy * cy).sqrt()
}

/// Append the significance of every vertex of `points` to `out`. The first and last
/// vertices are [`ALWAYS`] kept: they are arc endpoints shared with neighbours. A closed
/// arc (first == last) works too: its farthest vertex from the start splits it first.
///
/// ```
/// use layers::tiles::{significance, ALWAYS};
/// let line = [[0, 0], [10, 1], [20, 0], [30, 50], [40, 0]];
/// let mut sig = Vec::new();
/// significance(&line, &mut sig);
/// assert_eq!(sig[0], ALWAYS);
/// assert_eq!(sig[4], ALWAYS);
/// assert!(sig[3] > sig[1]); // the big bump outlives the small one
/// ```
pub fn significance(points: &[WPoint], out: &mut Vec<f32>) {
    let base = out.len();
    let n = points.len();
    out.resize(base + n, 0.0);
    if n == 0 {
        return;
    }
    out[base] = ALWAYS;
    out[base + n - 1] = ALWAYS;
    // (first, last, cap): work on the open range first+1..last.
    let mut stack = vec![(0usize, n - 1, f32::INFINITY)];
    while let Some((first, last, cap)) = stack.pop() {
        if last <= first + 1 {
            continue;
        }
        let (a, b) = (points[first], points[last]);
        let mut best = first + 1;
        let mut best_d = -1.0f64;
        for (i, &p) in points.iter().enumerate().take(last).skip(first + 1) {
            let d = segment_distance(p, a, b);
            if d > best_d {
                best_d = d;
                best = i;
            }
        }
        let s = (best_d as f32).min(cap);
        out[base + best] = s;
        stack.push((first, best, s));
        stack.push((best, last, s));
    }
}

/// Tolerance in world grid units for zoom `z`: `pixels` tile pixels (of 4096).
pub fn tolerance(z: u8, pixels: f64) -> f32 {
    (super::mercator::units_per_pixel(z) * pixels) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain recursive Douglas–Peucker, to check the one-pass version against.
    fn dp(points: &[WPoint], t: f64) -> Vec<usize> {
        fn rec(points: &[WPoint], first: usize, last: usize, t: f64, keep: &mut Vec<usize>) {
            if last <= first + 1 {
                return;
            }
            let (mut best, mut best_d) = (first + 1, -1.0);
            for i in first + 1..last {
                let d = segment_distance(points[i], points[first], points[last]);
                if d > best_d {
                    best_d = d;
                    best = i;
                }
            }
            if best_d > t {
                keep.push(best);
                rec(points, first, best, t, keep);
                rec(points, best, last, t, keep);
            }
        }
        let mut keep = vec![0, points.len() - 1];
        rec(points, 0, points.len() - 1, t, &mut keep);
        keep.sort();
        keep
    }

    #[test]
    fn filtering_by_significance_equals_douglas_peucker_at_every_tolerance() {
        // A deterministic wiggly line (LCG noise).
        let mut s = 12345u64;
        let points: Vec<WPoint> = (0..400)
            .map(|i| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                [
                    i * 100,
                    100_000 + ((s >> 33) % 5000) as u32 + (i % 37) * 300,
                ]
            })
            .collect();
        let mut sig = Vec::new();
        significance(&points, &mut sig);
        for t in [0.5, 10.0, 100.0, 700.0, 2000.0, 6000.0, 1e6] {
            let kept: Vec<usize> = (0..points.len()).filter(|&i| sig[i] as f64 > t).collect();
            assert_eq!(kept, dp(&points, t), "tolerance {t}");
        }
    }

    #[test]
    fn closed_arcs_keep_their_far_side() {
        let ring = [[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]];
        let mut sig = Vec::new();
        significance(&ring, &mut sig);
        // The far corner splits the ring first, with its distance from the start.
        assert!((sig[2] - 141.42).abs() < 0.01, "{sig:?}");
        assert!(sig[1] > 0.0 && sig[3] > 0.0);
    }

    #[test]
    fn tolerance_halves_per_zoom() {
        assert_eq!(tolerance(14, 1.0), 64.0);
        assert_eq!(tolerance(13, 0.25), 32.0);
    }
}
