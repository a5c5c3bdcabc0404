//! Points as unit vectors, and the bound that turns sphere order into exact geodesic
//! order on the ellipsoid.

use geo::Point;

/// Geodetic lon/lat (degrees) as a unit vector.
pub fn unit_vector(p: Point<f64>) -> [f64; 3] {
    let (lon, lat) = (p.x().to_radians(), p.y().to_radians());
    let c = lat.cos();
    [c * lon.cos(), c * lon.sin(), lat.sin()]
}

/// Squared chord between two unit vectors to the central angle (radians).
pub fn chord2_to_angle(chord2: f64) -> f64 {
    2.0 * (chord2.max(0.0).sqrt() / 2.0).min(1.0).asin()
}

/// Metres of WGS84 / CGCS2000 geodesic per radian of central angle between the unit
/// vectors of two geodetic positions, at least. The ellipsoid's radius of curvature
/// never drops below the meridional radius at the equator, a(1-e²) = 6,335,439 m; we
/// keep a margin below it. `distance >= angle * MIN_METRES_PER_RADIAN` lets a search
/// in sphere order stop early and still be exact.
pub const MIN_METRES_PER_RADIAN: f64 = 6_330_000.0;

/// A lower bound, in metres, on the geodesic distance between points whose unit
/// vectors are `chord2` (squared chord) apart.
pub fn min_geodesic_m(chord2: f64) -> f64 {
    chord2_to_angle(chord2) * MIN_METRES_PER_RADIAN
}

/// The squared chord for a central angle, i.e. the search radius for `metres`.
pub fn chord2_for_metres(metres: f64) -> f64 {
    let angle = (metres / MIN_METRES_PER_RADIAN).min(std::f64::consts::PI);
    let chord = 2.0 * (angle / 2.0).sin();
    chord * chord
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Distance, Geodesic, point};

    #[test]
    fn lower_bound_holds_for_random_pairs() {
        // Deterministic pseudo-random pairs over the globe, including short hops.
        let mut s: u64 = 0x9e3779b97f4a7c15;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        for i in 0..20_000 {
            let a = point!(x: next() * 360.0 - 180.0, y: next() * 178.0 - 89.0);
            let scale = if i % 2 == 0 { 1.0 } else { 0.01 };
            let b = point!(
                x: (a.x() + (next() - 0.5) * 360.0 * scale).clamp(-180.0, 180.0),
                y: (a.y() + (next() - 0.5) * 178.0 * scale).clamp(-89.0, 89.0)
            );
            let (ua, ub) = (unit_vector(a), unit_vector(b));
            let c2: f64 = (0..3).map(|k| (ua[k] - ub[k]).powi(2)).sum();
            let d = Geodesic.distance(a, b);
            assert!(
                min_geodesic_m(c2) <= d + 1e-6,
                "{a:?} {b:?}: {} > {d}",
                min_geodesic_m(c2)
            );
        }
    }

    #[test]
    fn search_radius_round_trips() {
        for m in [1.0, 1000.0, 50_000.0, 2_000_000.0] {
            assert!((min_geodesic_m(chord2_for_metres(m)) - m).abs() < 1e-6 * m.max(1.0));
        }
    }
}
