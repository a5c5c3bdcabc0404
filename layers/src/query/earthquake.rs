//! `analysis/earthquake`: intensity zones of a scenario earthquake and what lies in
//! each — persons, grids, shelters (usable or not), depots — and the depots within
//! reach.
//!
//! - Isoseismals: ellipses from [`attenuation::GB18306_QINGHAI_TIBET`], degree VI and
//!   up (below VI there is little damage to plan for), drawn on the ellipsoid: each
//!   vertex is the geodesic destination from the epicentre at the ellipse's radius in
//!   that direction.
//! - Orientation: the long axis follows the local strike of the nearest active fault
//!   (layer `faults`) when its trace passes within [`FAULT_NEAR_KM`] of the epicentre
//!   (a fault that close is the likely source: an Ms 7 rupture is tens of km long);
//!   a `strike_deg` in the request overrides it. With no fault near and no strike
//!   given, the orientation is unknown, and each isoseismal is drawn as the circle of
//!   the same area (radius √(ab)) rather than an ellipse pointing a guessed way.
//! - Zone membership: a grid (finest level) or facility belongs to the highest degree
//!   whose isoseismal covers its point (grid: representative point).
//! - Shelters in degree IX or above are unusable (heavy damage to ordinary buildings
//!   from IX on, GB/T 17742-2020); closed shelters are unusable everywhere.
//! - Depots within reach: within `reach_km` (geodesic) of the epicentre, with the
//!   degree at each (a depot at IX or above is flagged as possibly damaged).

use geo::{
    Bearing, Closest, Destination, Distance, Geodesic, Geometry, HaversineClosestPoint, LineString,
    MultiPolygon, Point, Polygon,
};
use rstar::AABB;
use serde::Serialize;
use serde_json::{Map, Value as Json, json};

use super::Access;
use super::attenuation::{GB18306_QINGHAI_TIBET, Relation, roman};
use super::derived::{Derived, field, int, text};
use super::error::{QueryError, QueryResult};
use super::geojson::{geometry, properties};
use super::limits::Limits;
use super::prepared::PreparedArea;
use super::within::radius_bbox;
use crate::catalogue::{DEPOTS, EVACUATION_GRIDS, SHELTERS};
use crate::store::{Layer, Store};

/// A fault trace this close to the epicentre sets the long axis.
pub const FAULT_NEAR_KM: f64 = 25.0;
/// The lowest degree drawn.
pub const MIN_DEGREE: u8 = 6;
/// Shelters at this degree or above are unusable.
pub const UNUSABLE_FROM: u8 = 9;
/// Vertices per isoseismal.
const VERTICES: usize = 96;
/// Default reach for depots, km.
pub const DEFAULT_REACH_KM: f64 = 150.0;

#[derive(Debug, Clone)]
pub struct EarthquakeRequest {
    pub epicentre: Point<f64>,
    pub magnitude: f64,
    pub depth_km: f64,
    pub strike_deg: Option<f64>,
    pub reach_km: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Orientation {
    /// Azimuth of the long axis, degrees clockwise from north in [0, 180); `None`
    /// when unknown (circles drawn).
    pub strike_deg: Option<f64>,
    /// `fault`, `request` or `none`.
    pub source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<Map<String, Json>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault_distance_m: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EarthquakeResult {
    pub epicentre: [f64; 2],
    pub magnitude: f64,
    pub depth_km: f64,
    pub relation: Relation,
    pub epicentral_intensity: f64,
    pub orientation: Orientation,
    /// GeoJSON FeatureCollection, highest degree first; each zone is its isoseismal
    /// minus the next higher one, with per-zone figures in its properties.
    pub zones: Json,
    pub depots_in_reach: Vec<Json>,
    pub reach_km: f64,
    pub notes: Vec<String>,
}

/// The nearest fault within `FAULT_NEAR_KM`, with the strike of its segment nearest
/// the epicentre.
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

struct Zone {
    degree: u8,
    a_km: f64,
    b_km: f64,
    /// The whole isoseismal (for membership tests).
    area: PreparedArea,
}

/// The highest degree whose isoseismal covers `p`.
fn degree_at(zones: &[Zone], p: Point<f64>) -> Option<u8> {
    // zones are highest degree first, nested: the first covering one is it.
    zones
        .iter()
        .find(|z| z.area.covers_point(p))
        .map(|z| z.degree)
}

fn points_in<'a>(
    layer: &'a Layer,
    zones: &'a [Zone],
) -> impl Iterator<Item = (u32, Point<f64>, u8)> + 'a {
    let outer = zones.last().and_then(|z| z.area.bbox);
    let env = outer.map(|b| AABB::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]));
    env.into_iter()
        .flat_map(move |env| {
            layer
                .boxes
                .locate_in_envelope_intersecting(&env)
                .map(|e| e.data)
        })
        .filter_map(move |fid| match layer.features[fid as usize].geometry {
            Geometry::Point(p) => degree_at(zones, p).map(|d| (fid, p, d)),
            _ => None,
        })
}

pub fn earthquake(
    store: &Store,
    derived: &Derived,
    access: &Access,
    req: &EarthquakeRequest,
    limits: &Limits,
) -> QueryResult<EarthquakeResult> {
    let m = req.magnitude;
    if !m.is_finite() || m < limits.min_magnitude || m > limits.max_magnitude {
        return Err(QueryError::bad(
            "magnitude",
            format!(
                "must be a surface-wave magnitude in [{}, {}], got {m}",
                limits.min_magnitude, limits.max_magnitude
            ),
        ));
    }
    if !req.depth_km.is_finite() || req.depth_km < 0.0 || req.depth_km > limits.max_depth_km {
        return Err(QueryError::bad(
            "depth_km",
            format!(
                "must be in [0, {}] km, got {}",
                limits.max_depth_km, req.depth_km
            ),
        ));
    }
    if let Some(s) = req.strike_deg
        && (!s.is_finite() || !(0.0..=360.0).contains(&s))
    {
        return Err(QueryError::bad(
            "strike_deg",
            format!("must be an azimuth in [0, 360], got {s}"),
        ));
    }
    let reach_km = match req.reach_km {
        Some(r) => super::input::distance_m(r * 1000.0, "reach_km", limits)? / 1000.0,
        None => DEFAULT_REACH_KM.min(limits.max_radius_m / 1000.0),
    };
    let relation = GB18306_QINGHAI_TIBET;
    let c = req.epicentre;
    let fault = if req.strike_deg.is_none() {
        fault_strike(store, access, c)
    } else {
        None
    };
    let orientation = match (req.strike_deg, fault) {
        (Some(s), _) => Orientation {
            strike_deg: Some(s.rem_euclid(180.0)),
            source: "request",
            fault: None,
            fault_distance_m: None,
        },
        (None, Some((fid, d, s))) => Orientation {
            strike_deg: Some((s * 10.0).round() / 10.0),
            source: "fault",
            fault: store.layer("faults").map(|l| properties(l, fid, access)),
            fault_distance_m: Some(d.round()),
        },
        (None, None) => Orientation {
            strike_deg: None,
            source: "none",
            fault: None,
            fault_distance_m: None,
        },
    };
    let strike = orientation.strike_deg;

    let i0 = relation.epicentral_intensity(m);
    let mut zones: Vec<Zone> = Vec::new();
    for degree in (MIN_DEGREE..=12u8).rev() {
        if let Some((a, b)) = relation.semi_axes_km(m, degree as f64) {
            let ring = ellipse_ring(c, a, b, strike);
            zones.push(Zone {
                degree,
                a_km: a,
                b_km: b,
                area: PreparedArea::new(MultiPolygon(vec![Polygon::new(ring, vec![])])),
            });
        }
    }

    // Per-zone tallies.
    let n = zones.len();
    let idx = |d: u8| zones.iter().position(|z| z.degree == d).unwrap_or(0);
    let mut persons = vec![0i64; n];
    let mut households = vec![0i64; n];
    let mut grid_count = vec![0usize; n];
    if let Some(grids) = store
        .layer(EVACUATION_GRIDS)
        .filter(|_| access.may_see(EVACUATION_GRIDS))
        && let Some(outer) = zones.last().and_then(|z| z.area.bbox)
    {
        let (p_i, h_i) = (field(grids, "persons"), field(grids, "households"));
        let env = AABB::from_corners(
            [outer.min().x, outer.min().y],
            [outer.max().x, outer.max().y],
        );
        for e in grids.boxes.locate_in_envelope_intersecting(&env) {
            let fid = e.data;
            if !derived.grids.is_leaf[fid as usize] {
                continue;
            }
            if let Some(d) = degree_at(&zones, derived.grids.rep[fid as usize]) {
                let z = idx(d);
                persons[z] += int(grids, fid, p_i).unwrap_or(0);
                households[z] += int(grids, fid, h_i).unwrap_or(0);
                grid_count[z] += 1;
            }
        }
    }
    let mut shelter_lists: Vec<Vec<Json>> = vec![Vec::new(); n];
    let mut usable_capacity = vec![0i64; n];
    if let Some(sh) = store.layer(SHELTERS).filter(|_| access.may_see(SHELTERS)) {
        let (st, cap) = (field(sh, "status"), field(sh, "capacity"));
        for (fid, p, d) in points_in(sh, &zones) {
            let open = text(sh, fid, st) == Some("open");
            let usable = open && d < UNUSABLE_FROM;
            let reason = if !open {
                Some("closed")
            } else if !usable {
                Some("intensity_ix_or_above")
            } else {
                None
            };
            if usable {
                usable_capacity[idx(d)] += int(sh, fid, cap).unwrap_or(0);
            }
            shelter_lists[idx(d)].push(
                json!({"fid": fid, "lon": p.x(), "lat": p.y(), "usable": usable,
                "unusable_reason": reason, "properties": properties(sh, fid, access)}),
            );
        }
    }
    let mut depot_lists: Vec<Vec<Json>> = vec![Vec::new(); n];
    let mut depots_in_reach = Vec::new();
    if let Some(dp) = store.layer(DEPOTS).filter(|_| access.may_see(DEPOTS)) {
        for (fid, p, d) in points_in(dp, &zones) {
            depot_lists[idx(d)].push(json!({"fid": fid, "lon": p.x(), "lat": p.y(), "properties": properties(dp, fid, access)}));
        }
        let reach = crate::nearest::nearest(
            dp,
            c,
            dp.features.len().max(1),
            Some(reach_km * 1000.0),
            |_| true,
        );
        for nb in reach {
            let Geometry::Point(p) = dp.features[nb.fid as usize].geometry else {
                continue;
            };
            let d = degree_at(&zones, p);
            depots_in_reach.push(json!({"fid": nb.fid, "lon": p.x(), "lat": p.y(), "distance_m": nb.distance_m.round(),
                "intensity": d, "possibly_damaged": d.is_some_and(|d| d >= UNUSABLE_FROM),
                "properties": properties(dp, nb.fid, access)}));
        }
    }

    let features: Vec<Json> = zones
        .iter()
        .enumerate()
        .map(|(k, z)| {
            let outer = z.area.shape.0[0].exterior().clone();
            let holes = if k > 0 { vec![reverse(zones[k - 1].area.shape.0[0].exterior())] } else { vec![] };
            let shape = Geometry::Polygon(Polygon::new(outer, holes));
            json!({"type": "Feature", "id": z.degree, "geometry": geometry(&shape), "properties": {
                "intensity": z.degree, "intensity_roman": roman(z.degree),
                "long_semi_axis_km": (z.a_km * 10.0).round() / 10.0, "short_semi_axis_km": (z.b_km * 10.0).round() / 10.0,
                "persons": persons[k], "households": households[k], "grids": grid_count[k],
                "shelters": shelter_lists[k].len(), "shelters_usable": shelter_lists[k].iter().filter(|s| s["usable"] == true).count(),
                "usable_shelter_capacity": usable_capacity[k], "depots": depot_lists[k].len(),
                "shelter_list": shelter_lists[k], "depot_list": depot_lists[k]}})
        })
        .collect();
    let mut notes = Vec::new();
    if zones.is_empty() {
        notes.push(format!(
            "epicentral intensity {i0:.1} is below degree {}: no zone to draw",
            roman(MIN_DEGREE)
        ));
    }
    if req.depth_km > 40.0 {
        notes.push("the relation has no depth term and was fitted on shallow crustal events; for a focal depth over 40 km it overstates intensities".into());
    }
    if orientation.source == "none" {
        notes.push(format!("no active fault within {FAULT_NEAR_KM} km and no strike_deg given: isoseismals drawn as equal-area circles"));
    }
    Ok(EarthquakeResult {
        epicentre: [c.x(), c.y()],
        magnitude: m,
        depth_km: req.depth_km,
        relation,
        epicentral_intensity: (i0 * 100.0).round() / 100.0,
        orientation,
        zones: json!({"type": "FeatureCollection", "features": features}),
        depots_in_reach,
        reach_km,
        notes,
    })
}

fn reverse(l: &LineString<f64>) -> LineString<f64> {
    LineString(l.0.iter().rev().copied().collect())
}
