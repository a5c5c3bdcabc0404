//! A `bbox` given in a projected CRS (`bbox-crs`) as the lon/lat area it covers.
//!
//! A rectangle of northings and eastings is not a rectangle in lon/lat: its edges are
//! curves. They are densified to at most 1 km per segment before the inverse
//! projection, so the polygon departs from the true edge by centimetres (a chord's
//! sagitta on a curve of thousands of kilometres' radius), and a feature is selected
//! when it meets that polygon, as a CRS84 bbox selects by meeting the box.

use geo::{Coord, LineString, Polygon};

use super::Transformer;

/// Edges longer than this are split.
const MAX_SEGMENT_M: f64 = 1000.0;
/// At most this many segments per edge (a 1 000 km box edge).
const MAX_SEGMENTS: usize = 1000;

/// The lon/lat polygon covered by `[min northing, min easting, max northing, max
/// easting]` in a projected CRS (its axis order). An error says why the box cannot
/// be used.
pub fn projected_bbox_area(t: &Transformer, b: [f64; 4]) -> Result<Polygon<f64>, String> {
    if t.crs().is_geographic() {
        return Err("is not in a projected CRS".into());
    }
    if b.iter().any(|v| !v.is_finite()) {
        return Err("values must be finite numbers".into());
    }
    let [n0, e0, n1, e1] = b;
    if n0 > n1 || e0 > e1 {
        return Err(
            "expected min northing, min easting, max northing, max easting with min <= max".into(),
        );
    }
    // Corners counter-clockwise in (easting, northing): SW, SE, NE, NW.
    let corners = [(e0, n0), (e1, n0), (e1, n1), (e0, n1)];
    let mut ring: Vec<Coord<f64>> = Vec::new();
    for k in 0..4 {
        let (ea, na) = corners[k];
        let (eb, nb) = corners[(k + 1) % 4];
        let len = (eb - ea).hypot(nb - na);
        let segments = ((len / MAX_SEGMENT_M).ceil() as usize).clamp(1, MAX_SEGMENTS);
        for i in 0..segments {
            let s = i as f64 / segments as f64;
            let (e, n) = (ea + (eb - ea) * s, na + (nb - na) * s);
            let (lon, lat) = t
                .to_crs84(n, e)
                .ok_or_else(|| format!("the point ({n}, {e}) lies beyond where the CRS reaches"))?;
            if !(-90.0..=90.0).contains(&lat) {
                return Err(format!("the point ({n}, {e}) is beyond a pole"));
            }
            ring.push(Coord { x: lon, y: lat });
        }
    }
    Ok(Polygon::new(LineString::from(ring), Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::Crs;
    use geo::{Contains, Point};

    #[test]
    fn a_gauss_kruger_box_covers_exactly_its_points() {
        let t = Crs::GaussKruger(4543).transformer();
        let b = [2_760_000.0, 430_000.0, 2_790_000.0, 470_000.0];
        let area = projected_bbox_area(&t, b).unwrap();
        // Points on a lon/lat grid around the box: inside the polygon exactly when
        // their projection is inside the box (away from the edge by more than 1 m).
        let mut checked = 0;
        for i in 0..60 {
            for j in 0..60 {
                let (lon, lat) = (101.0 + i as f64 * 0.02, 24.8 + j as f64 * 0.01);
                let [n, e] = t.from_crs84(lon, lat).unwrap();
                let margin = (n - b[0])
                    .abs()
                    .min((n - b[2]).abs())
                    .min((e - b[1]).abs())
                    .min((e - b[3]).abs());
                if margin < 1.0 {
                    continue;
                }
                let inside = (b[0]..=b[2]).contains(&n) && (b[1]..=b[3]).contains(&e);
                assert_eq!(area.contains(&Point::new(lon, lat)), inside, "{lon} {lat}");
                checked += usize::from(inside);
            }
        }
        assert!(checked > 100, "{checked} points inside");
    }

    #[test]
    fn bad_boxes_are_refused() {
        let t = Crs::GaussKruger(4543).transformer();
        assert!(projected_bbox_area(&t, [2.0, 1.0, 1.0, 2.0]).is_err());
        assert!(projected_bbox_area(&t, [f64::NAN, 1.0, 1.0, 2.0]).is_err());
        assert!(projected_bbox_area(&t, [0.0, 0.0, 1.0, 1e12]).is_err());
        assert!(projected_bbox_area(&Crs::Crs84.transformer(), [0.0, 0.0, 1.0, 1.0]).is_err());
    }
}
