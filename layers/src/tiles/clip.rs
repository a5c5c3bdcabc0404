//! Clipping to the buffered tile square, on snapped integer tile coordinates.
//!
//! Polygons: Sutherland–Hodgman against each side. Where a concave polygon leaves and
//! re-enters the square this leaves zero-width runs along the clip edge; the repair step
//! that follows removes them (and they lie in the buffer, outside the drawn tile).
//! Lines: Liang–Barsky per segment, splitting a line into parts where it leaves.

/// A snapped tile-coordinate vertex.
pub type TPoint = [i64; 2];

#[derive(Clone, Copy)]
enum Side {
    Left,
    Right,
    Top,
    Bottom,
}

impl Side {
    fn inside(self, p: TPoint, lo: i64, hi: i64) -> bool {
        match self {
            Side::Left => p[0] >= lo,
            Side::Right => p[0] <= hi,
            Side::Top => p[1] >= lo,
            Side::Bottom => p[1] <= hi,
        }
    }

    /// Where segment a–b crosses this side's line (a and b on opposite sides).
    fn cut(self, a: TPoint, b: TPoint, lo: i64, hi: i64) -> TPoint {
        let (axis, at) = match self {
            Side::Left => (0, lo),
            Side::Right => (0, hi),
            Side::Top => (1, lo),
            Side::Bottom => (1, hi),
        };
        let other = 1 - axis;
        let t = (at - a[axis]) as f64 / (b[axis] - a[axis]) as f64;
        let v = (a[other] as f64 + t * (b[other] - a[other]) as f64).round() as i64;
        let mut p = [0; 2];
        p[axis] = at;
        p[other] = v;
        p
    }
}

const SIDES: [Side; 4] = [Side::Left, Side::Right, Side::Top, Side::Bottom];

/// Clip an open ring to the square `lo..=hi` on both axes; the result is open and may
/// be empty. `scratch` is reused between calls.
///
/// ```
/// use layers::tiles::clip_ring;
/// let tri = vec![[-100, 0], [100, 0], [0, 100]];
/// let mut out = Vec::new();
/// clip_ring(&tri, 0, 4096, &mut out, &mut Vec::new());
/// assert_eq!(out, vec![[0, 100], [0, 0], [100, 0]]);
/// ```
pub fn clip_ring(
    ring: &[TPoint],
    lo: i64,
    hi: i64,
    out: &mut Vec<TPoint>,
    scratch: &mut Vec<TPoint>,
) {
    out.clear();
    out.extend_from_slice(ring);
    for side in SIDES {
        if out.is_empty() {
            return;
        }
        if out.iter().all(|&p| side.inside(p, lo, hi)) {
            continue;
        }
        std::mem::swap(out, scratch);
        out.clear();
        let n = scratch.len();
        for i in 0..n {
            let cur = scratch[i];
            let prev = scratch[(i + n - 1) % n];
            let (cin, pin) = (side.inside(cur, lo, hi), side.inside(prev, lo, hi));
            if cin {
                if !pin {
                    push_new(out, side.cut(prev, cur, lo, hi));
                }
                push_new(out, cur);
            } else if pin {
                push_new(out, side.cut(prev, cur, lo, hi));
            }
        }
        while out.len() > 1 && out.first() == out.last() {
            out.pop();
        }
    }
}

/// Push unless it repeats the last vertex (a cut can land on an existing vertex).
fn push_new(out: &mut Vec<TPoint>, p: TPoint) {
    if out.last() != Some(&p) {
        out.push(p);
    }
}

/// Clip a polyline to the square `lo..=hi`, appending its parts inside to `parts`.
pub fn clip_line(line: &[TPoint], lo: i64, hi: i64, parts: &mut Vec<Vec<TPoint>>) {
    let inside = |p: TPoint| p[0] >= lo && p[0] <= hi && p[1] >= lo && p[1] <= hi;
    if line.iter().all(|&p| inside(p)) {
        if line.len() >= 2 {
            parts.push(line.to_vec());
        }
        return;
    }
    let mut cur: Vec<TPoint> = Vec::new();
    for w in line.windows(2) {
        let (a, b) = (w[0], w[1]);
        match liang_barsky(a, b, lo as f64, hi as f64) {
            Some((p, q)) => {
                if cur.last() != Some(&p) {
                    if cur.len() >= 2 {
                        parts.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                    cur.push(p);
                }
                cur.push(q);
                if q != b {
                    // Left the square: this part ends here.
                    if cur.len() >= 2 {
                        parts.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                }
            }
            None => {
                if cur.len() >= 2 {
                    parts.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
        }
    }
    if cur.len() >= 2 {
        parts.push(cur);
    }
}

/// The part of segment a–b inside the square, rounded to the grid.
fn liang_barsky(a: TPoint, b: TPoint, lo: f64, hi: f64) -> Option<(TPoint, TPoint)> {
    let (x0, y0) = (a[0] as f64, a[1] as f64);
    let (dx, dy) = (b[0] as f64 - x0, b[1] as f64 - y0);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [(-dx, x0 - lo), (dx, hi - x0), (-dy, y0 - lo), (dy, hi - y0)] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| -> TPoint {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            b
        } else {
            [(x0 + t * dx).round() as i64, (y0 + t * dy).round() as i64]
        }
    };
    Some((at(t0), at(t1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area2(r: &[TPoint]) -> i64 {
        let n = r.len();
        (0..n)
            .map(|i| r[i][0] * r[(i + 1) % n][1] - r[(i + 1) % n][0] * r[i][1])
            .sum()
    }

    #[test]
    fn ring_inside_is_untouched_and_outside_vanishes() {
        let sq = vec![[10, 10], [20, 10], [20, 20], [10, 20]];
        let (mut out, mut s) = (Vec::new(), Vec::new());
        clip_ring(&sq, 0, 100, &mut out, &mut s);
        assert_eq!(out, sq);
        let far: Vec<TPoint> = sq.iter().map(|p| [p[0] + 500, p[1]]).collect();
        clip_ring(&far, 0, 100, &mut out, &mut s);
        assert!(out.is_empty());
    }

    #[test]
    fn ring_covering_the_square_becomes_the_square() {
        let big = vec![[-9000, -9000], [9000, -9000], [9000, 9000], [-9000, 9000]];
        let (mut out, mut s) = (Vec::new(), Vec::new());
        clip_ring(&big, -64, 4160, &mut out, &mut s);
        assert_eq!(area2(&out), 2 * 4224 * 4224);
        assert!(out.iter().all(|p| p[0].abs() <= 4160 && p[1].abs() <= 4160));
        assert!(area2(&out) > 0, "orientation is kept");
    }

    #[test]
    fn clipped_area_is_the_intersection() {
        // A diamond centred on the square's corner: a quarter of it lies inside.
        let d = vec![[0, -100], [100, 0], [0, 100], [-100, 0]];
        let (mut out, mut s) = (Vec::new(), Vec::new());
        clip_ring(&d, 0, 4096, &mut out, &mut s);
        assert_eq!(area2(&out), area2(&d) / 4);
    }

    #[test]
    fn lines_split_where_they_leave_and_reenter() {
        let line = vec![[-50, 10], [50, 10], [150, 10], [150, 50], [50, 50]];
        let mut parts = Vec::new();
        clip_line(&line, 0, 100, &mut parts);
        assert_eq!(
            parts,
            vec![
                vec![[0, 10], [50, 10], [100, 10]],
                vec![[100, 50], [50, 50]]
            ]
        );
    }

    #[test]
    fn lines_outside_give_nothing() {
        let mut parts = Vec::new();
        clip_line(&[[200, 200], [300, 300]], 0, 100, &mut parts);
        clip_line(&[[-5, 200], [-5, -300]], 0, 100, &mut parts);
        assert!(parts.is_empty());
    }
}
