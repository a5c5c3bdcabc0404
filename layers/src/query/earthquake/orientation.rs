//! Which way the isoseismals' long axis points: the request's strike, else the
//! local strike of the nearest active fault within [`FAULT_NEAR_KM`], else unknown.

use geo::{
    Bearing, Closest, Distance, Geodesic, Geometry, HaversineClosestPoint, LineString, Point,
};

use super::{FAULT_NEAR_KM, Orientation};
use crate::access::Access;
use crate::query::geojson::properties;
use crate::query::within::radius_bbox;
use crate::store::Store;

/// The orientation of the isoseismals around `at`.
pub(super) fn orient(
    store: &Store,
    access: &Access,
    at: Point<f64>,
    strike_deg: Option<f64>,
) -> Orientation {
    if let Some(s) = strike_deg {
        return Orientation {
            strike_deg: Some(s.rem_euclid(180.0)),
            source: "request",
            fault: None,
            fault_distance_m: None,
        };
    }
    match fault_strike(store, access, at) {
        Some((fid, d, s)) => Orientation {
            strike_deg: Some((s * 10.0).round() / 10.0),
            source: "fault",
            fault: store.layer("faults").map(|l| properties(l, fid, access)),
            fault_distance_m: Some(d.round()),
        },
        None => Orientation {
            strike_deg: None,
            source: "none",
            fault: None,
            fault_distance_m: None,
        },
    }
}

/// The nearest fault within `FAULT_NEAR_KM`: its fid, its distance (m) and the strike
/// of its segment nearest the epicentre.
fn fault_strike(store: &Store, access: &Access, at: Point<f64>) -> Option<(u32, f64, f64)> {
    let faults = store.layer("faults").filter(|_| access.may_see("faults"))?;
    let near_m = FAULT_NEAR_KM * 1000.0;
    let mut best: Option<(u32, f64, f64)> = None;
    for fid in faults.ids_in_bbox(radius_bbox(at, near_m)) {
        let lines: Vec<&LineString<f64>> = match &faults.features[fid as usize].geometry {
            Geometry::MultiLineString(ml) => ml.0.iter().collect(),
            Geometry::LineString(l) => vec![l],
            _ => continue,
        };
        for line in lines.into_iter().flat_map(geo::LineString::lines) {
            let (Closest::SinglePoint(q) | Closest::Intersection(q)) =
                line.haversine_closest_point(&at)
            else {
                continue;
            };
            let d = Geodesic.distance(at, q);
            if d <= near_m && best.is_none_or(|b| d < b.1) {
                let s = Geodesic.bearing(Point::from(line.start), Point::from(line.end));
                best = Some((fid, d, s.rem_euclid(180.0)));
            }
        }
    }
    best
}
