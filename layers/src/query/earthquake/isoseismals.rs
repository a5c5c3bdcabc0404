//! The isoseismals: one ellipse per degree from [`MIN_DEGREE`] up, drawn on the
//! ellipsoid.

use geo::{Destination, Geodesic, LineString, MultiPolygon, Point, Polygon};

use super::MIN_DEGREE;
use crate::query::attenuation::Relation;
use crate::query::prepared::PreparedArea;

/// Vertices per isoseismal.
const VERTICES: usize = 96;

/// One isoseismal: the area shaking at `degree` or more.
pub(super) struct Zone {
    pub degree: u8,
    pub a_km: f64,
    pub b_km: f64,
    /// The whole isoseismal (for membership tests).
    pub area: PreparedArea,
}

/// The isoseismals of an `m` earthquake at `c`, highest degree first (so nested).
pub(super) fn draw(relation: &Relation, m: f64, c: Point<f64>, strike: Option<f64>) -> Vec<Zone> {
    (MIN_DEGREE..=12u8)
        .rev()
        .filter_map(|degree| {
            let (a, b) = relation.semi_axes_km(m, f64::from(degree))?;
            let ring = ellipse_ring(c, a, b, strike);
            Some(Zone {
                degree,
                a_km: a,
                b_km: b,
                area: PreparedArea::new(MultiPolygon(vec![Polygon::new(ring, vec![])])),
            })
        })
        .collect()
}

/// The ellipse of semi-axes `a_km` × `b_km` around `c`, the long axis along `strike`;
/// the equal-area circle when the strike is unknown. Each vertex is the geodesic
/// destination from `c` at the ellipse's radius in that direction.
fn ellipse_ring(c: Point<f64>, a_km: f64, b_km: f64, strike: Option<f64>) -> LineString<f64> {
    let (a, b, strike) = match strike {
        Some(s) => (a_km, b_km, s),
        None => {
            let r = (a_km * b_km).sqrt();
            (r, r, 0.0)
        }
    };
    // Walk counter-clockwise (bearing decreasing) so exteriors are CCW as RFC 7946 asks.
    let mut pts: Vec<geo::Coord<f64>> = (0..VERTICES)
        .map(|k| {
            let t = -(k as f64) / VERTICES as f64 * std::f64::consts::TAU;
            let (x, y) = (a * t.cos(), b * t.sin());
            let bearing = strike + y.atan2(x).to_degrees();
            Geodesic
                .destination(c, bearing, (x * x + y * y).sqrt() * 1000.0)
                .0
        })
        .collect();
    pts.push(pts[0]);
    LineString(pts)
}

/// The highest degree whose isoseismal covers `p`.
pub(super) fn degree_at(zones: &[Zone], p: Point<f64>) -> Option<u8> {
    // zones are highest degree first, nested: the first covering one is it.
    zones
        .iter()
        .find(|z| z.area.covers_point(p))
        .map(|z| z.degree)
}
