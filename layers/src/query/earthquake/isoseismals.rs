//! The isoseismals: one ellipse per degree from [`MIN_DEGREE`] up, drawn on the
//! ellipsoid, and the zones between them as GeoJSON with their figures.

use geo::{Destination, Geodesic, Geometry, LineString, MultiPolygon, Point, Polygon};
use serde::Serialize;
use serde_json::Value as Json;

use super::MIN_DEGREE;
use super::tally::{DepotAt, ShelterAt, Tally};
use crate::query::attenuation::{Relation, roman};
use crate::query::geojson::geometry;
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

/// The zones as a GeoJSON FeatureCollection.
#[derive(Debug, Clone, Serialize)]
pub struct ZoneCollection {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub features: Vec<ZoneFeature>,
}

/// One zone: its isoseismal minus the next higher one.
#[derive(Debug, Clone, Serialize)]
pub struct ZoneFeature {
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The degree.
    pub id: u8,
    /// GeoJSON Polygon.
    pub geometry: Json,
    pub properties: ZoneFigures,
}

/// What one zone holds.
#[derive(Debug, Clone, Serialize)]
pub struct ZoneFigures {
    pub intensity: u8,
    pub intensity_roman: &'static str,
    pub long_semi_axis_km: f64,
    pub short_semi_axis_km: f64,
    pub persons: i64,
    pub households: i64,
    pub grids: usize,
    pub shelters: usize,
    pub shelters_usable: usize,
    pub usable_shelter_capacity: i64,
    pub depots: usize,
    pub shelter_list: Vec<ShelterAt>,
    pub depot_list: Vec<DepotAt>,
}

/// The zones with their tallies (`tally` is per zone, in the same order).
pub(super) fn collection(zones: &[Zone], tally: Tally) -> ZoneCollection {
    let round1 = |v: f64| (v * 10.0).round() / 10.0;
    let features = zones
        .iter()
        .zip(tally.zones)
        .enumerate()
        .map(|(k, (z, t))| {
            let outer = z.area.shape.0[0].exterior().clone();
            let holes = match k {
                0 => vec![],
                _ => vec![reverse(zones[k - 1].area.shape.0[0].exterior())],
            };
            ZoneFeature {
                kind: "Feature",
                id: z.degree,
                geometry: geometry(&Geometry::Polygon(Polygon::new(outer, holes))),
                properties: ZoneFigures {
                    intensity: z.degree,
                    intensity_roman: roman(z.degree),
                    long_semi_axis_km: round1(z.a_km),
                    short_semi_axis_km: round1(z.b_km),
                    persons: t.persons,
                    households: t.households,
                    grids: t.grids,
                    shelters: t.shelters.len(),
                    shelters_usable: t.shelters.iter().filter(|s| s.usable).count(),
                    usable_shelter_capacity: t.usable_capacity,
                    depots: t.depots.len(),
                    shelter_list: t.shelters,
                    depot_list: t.depots,
                },
            }
        })
        .collect();
    ZoneCollection {
        kind: "FeatureCollection",
        features,
    }
}

fn reverse(l: &LineString<f64>) -> LineString<f64> {
    LineString(l.0.iter().rev().copied().collect())
}
