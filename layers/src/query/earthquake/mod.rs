//! `analysis/earthquake`: intensity zones of a scenario earthquake and what lies in
//! each — persons, grids, shelters (usable or not), depots — and the depots within
//! reach.
//!
//! - Isoseismals: ellipses from [`GB18306_QINGHAI_TIBET`], degree VI and
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

mod isoseismals;
mod orientation;
mod output;
mod tally;

use geo::Point;
use serde::Serialize;
use serde_json::{Map, Value as Json};

use super::Access;
use super::attenuation::{GB18306_QINGHAI_TIBET, Relation, roman};
use super::derived::Derived;
use super::error::{QueryError, QueryResult};
use super::limits::Limits;
use crate::store::Store;

pub use output::{ZoneCollection, ZoneFeature, ZoneFigures};
pub use tally::{DepotAt, DepotInReach, ShelterAt};

/// A fault trace this close to the epicentre sets the long axis.
pub const FAULT_NEAR_KM: f64 = 25.0;
/// The lowest degree drawn.
pub const MIN_DEGREE: u8 = 6;
/// Shelters at this degree or above are unusable.
pub const UNUSABLE_FROM: u8 = 9;
/// Default reach for depots, km.
pub const DEFAULT_REACH_KM: f64 = 150.0;
/// Focal depths beyond this are outside what the relation was fitted on.
const SHALLOW_KM: f64 = 40.0;

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
    pub zones: ZoneCollection,
    pub depots_in_reach: Vec<DepotInReach>,
    pub reach_km: f64,
    pub notes: Vec<String>,
}

/// The scenario earthquake `req`: its zones and what lies in each, as `access` may
/// see it. Steps: check the request; orient the isoseismals; draw them; tally what
/// each zone holds; list the depots within reach.
pub fn earthquake(
    store: &Store,
    derived: &Derived,
    access: &Access,
    req: &EarthquakeRequest,
    limits: &Limits,
) -> QueryResult<EarthquakeResult> {
    let reach_km = check(req, limits)?;
    let relation = GB18306_QINGHAI_TIBET;
    let (m, c) = (req.magnitude, req.epicentre);
    let orientation = orientation::orient(store, access, c, req.strike_deg);
    let zones = isoseismals::draw(&relation, m, c, orientation.strike_deg);
    let tally = tally::Tally::count(store, derived, access, &zones);
    let depots_in_reach = tally::depots_in_reach(store, access, &zones, c, reach_km);
    let i0 = relation.epicentral_intensity(m);
    let notes = notes(req, i0, zones.is_empty(), orientation.source);
    Ok(EarthquakeResult {
        epicentre: [c.x(), c.y()],
        magnitude: m,
        depth_km: req.depth_km,
        relation,
        epicentral_intensity: (i0 * 100.0).round() / 100.0,
        orientation,
        zones: output::collection(&zones, tally),
        depots_in_reach,
        reach_km,
        notes,
    })
}

/// Check the request's figures; the depots' reach in km.
fn check(req: &EarthquakeRequest, limits: &Limits) -> QueryResult<f64> {
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
    Ok(match req.reach_km {
        Some(r) => super::input::distance_m(r * 1000.0, "reach_km", limits)? / 1000.0,
        None => DEFAULT_REACH_KM.min(limits.max_radius_m / 1000.0),
    })
}

/// What the reader of the figures should know about their limits.
fn notes(req: &EarthquakeRequest, i0: f64, no_zone: bool, orientation: &str) -> Vec<String> {
    let mut notes = Vec::new();
    if no_zone {
        notes.push(format!(
            "epicentral intensity {i0:.1} is below degree {}: no zone to draw",
            roman(MIN_DEGREE)
        ));
    }
    if req.depth_km > SHALLOW_KM {
        notes.push(
            "the relation has no depth term and was fitted on shallow crustal events; \
             for a focal depth over 40 km it overstates intensities"
                .into(),
        );
    }
    if orientation == "none" {
        notes.push(format!(
            "no active fault within {FAULT_NEAR_KM} km and no strike_deg given: \
             isoseismals drawn as equal-area circles"
        ));
    }
    notes
}
