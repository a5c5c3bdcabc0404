//! The spatial queries: plain functions over a [`Store`](crate::Store) and the
//! [`Derived`] indexes built once per dataset, returning plain serde types.
//!
//! One question a file. Every function that emits attributes takes an [`Access`]
//! (the caller's clearance and the layers it may see) and emits only fields whose
//! sensitivity is at most the clearance, from layers the caller may see.

mod area;
mod attenuation;
mod convex_clip;
mod derived;
mod earthquake;
mod error;
pub mod filter;
mod fire;
mod flow;
pub(crate) mod geojson;
mod input;
mod limits;
mod nearest;
mod point;
mod prepared;
mod rules;
mod transfer;
mod within;

pub use crate::access::Access;

// The questions and analyses, with their requests and results.
pub use area::{AreaSummary, Figures, GradeRow, HazardRow, UnitSummary, area_summary};
pub use earthquake::{
    DEFAULT_REACH_KM, DepotAt, DepotInReach, EarthquakeRequest, EarthquakeResult, FAULT_NEAR_KM,
    MIN_DEGREE, Orientation, ShelterAt, UNUSABLE_FROM, ZoneCollection, ZoneFeature, ZoneFigures,
    earthquake,
};
pub use fire::{FireRequest, FireResult, NEIGHBOUR_TOLERANCE_M, fire};
pub use nearest::{
    Filter, NearestRequest, NearestResult, nearest_features, point_layer, predicate, visible_layer,
};
pub use point::{Facility, GridAt, HazardAt, NearestFacilities, PointProfile, point_profile};
pub use transfer::{
    Assignment, CallEntry, ExposureBasis, GridFeatures, GridRow, METHOD_ALL, METHOD_EXPOSED,
    METHOD_PLACE, Scope, ShelterUse, Solver, TransferRequest, TransferResult, TransferSummary,
    Unusable, grid_csv, transfer, transfer_with,
};
pub use within::{
    Region, WithinResult, distance_to, half_diagonal_m, matching, meets_area, radius_bbox, within,
};

// What they are built on: indexes, rules, geometry, the solver, input checks, output.
pub use attenuation::{Axis, GB18306_QINGHAI_TIBET, Relation, roman};
pub use convex_clip::{area_inside, convex_window, window_area};
pub use derived::{AdminIndex, Derived, GridIndex, area_of, exposure_at, hazard_index, zones_at};
pub use error::{ErrorKind, QueryError, QueryResult};
pub use flow::{Plan, Transport, solve, solve_full_graph};
pub use geojson::{GeoFeature, geometry, properties};
pub use input::{Page, bbox, distance_m, geojson_area, lon_lat, page};
pub use limits::Limits;
pub use prepared::{PreparedArea, RectRelation};
pub use rules::{
    GRADE_RANGE, HIGH_GRADE, ShelterClosed, ShelterFields, counts_as_exposed, is_high_grade,
};

/// Typed reads of a feature's attributes by field index.
pub mod attributes {
    pub use super::derived::{boolean, field, float, int, text, value};
}
