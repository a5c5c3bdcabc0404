//! Signed distance fields from coverage bitmaps, the way MapLibre's TinySDF makes them
//! (so our pre-built glyphs look like the ones MapLibre draws itself): two exact
//! Euclidean distance transforms (Felzenszwalb & Huttenlocher), one outside the shape,
//! one inside, with partially covered pixels placed at a sub-pixel edge.

const INF: f64 = 1e20;

/// Glyph bitmaps carry this many pixels of border (MapLibre's `GLYPH_PBF_BORDER`).
pub const BUFFER: usize = 3;
/// Distance in pixels that spans the whole 0..255 range.
pub const RADIUS: f64 = 8.0;
/// Share of the range spent inside the shape: the edge lands at 255 * (1 - CUTOFF).
pub const CUTOFF: f64 = 0.25;

/// SDF of a `width` × `height` coverage bitmap (0..255 per pixel), returned with a
/// `BUFFER`-pixel border on every side.
pub fn sdf(coverage: &[u8], width: usize, height: usize) -> Vec<u8> {
    let (w, h) = (width + 2 * BUFFER, height + 2 * BUFFER);
    let mut outer = vec![INF; w * h];
    let mut inner = vec![0.0; w * h];
    for y in 0..height {
        for x in 0..width {
            let a = f64::from(coverage[y * width + x]) / 255.0;
            if a == 0.0 {
                continue;
            }
            let j = (y + BUFFER) * w + x + BUFFER;
            if a == 1.0 {
                outer[j] = 0.0;
                inner[j] = INF;
            } else {
                let d = 0.5 - a;
                outer[j] = if d > 0.0 { d * d } else { 0.0 };
                inner[j] = if d < 0.0 { d * d } else { 0.0 };
            }
        }
    }
    let mut scratch = Scratch::new(w.max(h));
    edt(&mut outer, 0, 0, w, h, w, &mut scratch);
    edt(&mut inner, BUFFER, BUFFER, width, height, w, &mut scratch);
    outer
        .iter()
        .zip(&inner)
        .map(|(o, i)| {
            let d = o.sqrt() - i.sqrt();
            (255.0 - 255.0 * (d / RADIUS + CUTOFF))
                .round()
                .clamp(0.0, 255.0) as u8
        })
        .collect()
}

struct Scratch {
    f: Vec<f64>,
    v: Vec<usize>,
    z: Vec<f64>,
}

impl Scratch {
    fn new(n: usize) -> Self {
        Scratch {
            f: vec![0.0; n],
            v: vec![0; n],
            z: vec![0.0; n + 1],
        }
    }
}

/// 2-D squared distance transform of a sub-rectangle of `grid` (row stride `stride`).
fn edt(grid: &mut [f64], x0: usize, y0: usize, w: usize, h: usize, stride: usize, s: &mut Scratch) {
    for x in x0..x0 + w {
        edt_1d(grid, y0 * stride + x, stride, h, s);
    }
    for y in y0..y0 + h {
        edt_1d(grid, y * stride + x0, 1, w, s);
    }
}

/// 1-D squared distance transform: lower envelope of parabolas.
fn edt_1d(grid: &mut [f64], offset: usize, step: usize, len: usize, s: &mut Scratch) {
    if len == 0 {
        return;
    }
    s.v[0] = 0;
    s.z[0] = -INF;
    s.z[1] = INF;
    s.f[0] = grid[offset];
    let mut k: usize = 0;
    for q in 1..len {
        s.f[q] = grid[offset + q * step];
        let qf = q as f64;
        let mut sep;
        loop {
            let r = s.v[k];
            let rf = r as f64;
            sep = (s.f[q] - s.f[r] + qf * qf - rf * rf) / (qf - rf) / 2.0;
            if sep <= s.z[k] && k > 0 {
                k -= 1;
            } else {
                break;
            }
        }
        // TinySDF's do/while lets k reach -1 and then overwrites slot 0.
        if sep <= s.z[k] {
            s.v[k] = q;
            s.z[k] = sep;
            s.z[k + 1] = INF;
            continue;
        }
        k += 1;
        s.v[k] = q;
        s.z[k] = sep;
        s.z[k + 1] = INF;
    }
    let mut k = 0;
    for q in 0..len {
        while s.z[k + 1] < q as f64 {
            k += 1;
        }
        let r = s.v[k];
        let d = q as f64 - r as f64;
        grid[offset + q * step] = s.f[r] + d * d;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_inside_and_outside_take_the_expected_values() {
        // A 10x10 filled square: centre deep inside, far corner outside, edge ~191.
        let sq = vec![255u8; 100];
        let out = sdf(&sq, 10, 10);
        let w = 10 + 2 * BUFFER;
        let at = |x: usize, y: usize| out[y * w + x];
        assert_eq!(at(w / 2, w / 2), 255, "5 px inside saturates");
        assert!(at(0, 0) < 140, "outside corner is low: {}", at(0, 0));
        // Outside the edge by half a pixel on average: between outside and edge value.
        let edge = at(BUFFER - 1, w / 2);
        assert!((150..=191).contains(&edge), "just outside the edge: {edge}");
        assert!(at(BUFFER, w / 2) > 191, "first inside pixel");
        // Monotone from outside to inside along the middle row.
        let row: Vec<u8> = (0..w / 2).map(|x| at(x, w / 2)).collect();
        assert!(row.windows(2).all(|p| p[0] <= p[1]), "{row:?}");
    }

    #[test]
    fn empty_bitmap_is_all_outside() {
        let out = sdf(&[0u8; 16], 4, 4);
        assert!(out.iter().all(|&v| v < 191));
    }
}
