//! `analysis/transfer`: a warning area (落区) is issued — who must move, and to which
//! shelter, as a bureau plans it (转移避险).
//!
//! 1. Who moves ([`exposure`]): finest-level grids meeting the warning area. Scope
//!    `exposed` (default): a grid moves the persons of its part inside the warning area
//!    and in zones of the warned hazard graded ≥ `min_grade` (persons assumed spread
//!    evenly), or the persons threatened by hazard points of the types the warning
//!    threatens ([`exposure::POINT_THREATS`]) in the grid, whichever is larger. Scope
//!    `all`: everyone in the area.
//! 2. Usable shelters ([`shelters`]): open, with capacity, not in a danger zone of the
//!    warned hazard. Each unusable one near the area says why.
//! 3. The plan first, then the optimisation ([`plan`]).
//! 4. The compact result ([`output`]): one row per grid and per shelter; geometry on
//!    request; the per-grid table as CSV.

mod exposure;
mod output;
mod plan;
mod shelters;

use geo::MultiPolygon;
use serde::Serialize;

use super::Access;
use super::derived::{Derived, hazard_index};
use super::error::{QueryError, QueryResult};
use super::limits::Limits;
use super::prepared::PreparedArea;
use super::rules::{GRADE_RANGE, HIGH_GRADE};
use crate::catalogue::{EVACUATION_GRIDS, HAZARD_TYPES, SHELTERS};
use crate::store::Store;

pub use output::{
    CallEntry, ExposureBasis, GridFeatures, GridRow, ShelterUse, TransferResult, TransferSummary,
    grid_csv,
};
pub use plan::{Assignment, Solver};
pub use shelters::Unusable;

/// Who moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The persons in danger zones of the warned hazard and those hazard points threaten.
    #[default]
    Exposed,
    /// Everyone in the warning area (evacuations no hazard zone drives).
    All,
}

impl Scope {
    /// Parse `exposed` or `all`.
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "exposed" => Some(Scope::Exposed),
            "all" => Some(Scope::All),
            _ => None,
        }
    }
}

/// The rule of step 1, as the result's `method` states it.
pub const METHOD_EXPOSED: &str = "Who moves (scope exposed): persons of the finest-level grids in the part of each grid inside the warning area AND in zones of the warned hazard type graded >= min_grade (persons assumed spread evenly), or the persons threatened by hazard points of the types the warning threatens inside the area (attributed to the grid holding the point, at most its persons), whichever is larger per grid (the larger, not the sum, so no one is counted twice).";
/// The rule of step 1 under scope `all`.
pub const METHOD_ALL: &str = "Who moves (scope all): every person of the finest-level grids meeting the warning area, in proportion to the grid's area inside it (even spread assumed).";
/// Steps 2 and 3.
pub const METHOD_PLACE: &str = "Usable shelters: open, capacity > 0, and not in a zone of the warned hazard graded >= min_grade (lying inside the warning area is no reason). Each grid goes to its planned shelter (its shelter_id, else its parent grid's) while that has room, nearest grids first (planned); the overflow and grids whose planned shelter is unusable or missing are rerouted by a minimum-cost flow over their nearest usable shelters with room (minimum total person-metres, geodesic, capacities respected; nearest grids first, so unplaced persons are those farthest from any usable shelter).";

/// The request, its members checked by the caller's parser.
#[derive(Debug, Clone)]
pub struct TransferRequest {
    pub area: MultiPolygon<f64>,
    pub hazard_type: String,
    pub max_distance_m: Option<f64>,
    pub include_geometry: bool,
    pub scope: Scope,
    /// Lowest zone grade that counts as danger (1-4, default [`HIGH_GRADE`]).
    pub min_grade: i64,
}

impl TransferRequest {
    /// A request with the defaults: scope `exposed`, `min_grade` 3, no geometry.
    pub fn new(area: MultiPolygon<f64>, hazard_type: &str) -> Self {
        TransferRequest {
            area,
            hazard_type: hazard_type.to_string(),
            max_distance_m: None,
            include_geometry: false,
            scope: Scope::Exposed,
            min_grade: HIGH_GRADE,
        }
    }
}

/// Run the analysis.
pub fn transfer(
    store: &Store,
    derived: &Derived,
    access: &Access,
    req: &TransferRequest,
    limits: &Limits,
) -> QueryResult<TransferResult> {
    transfer_with(store, derived, access, req, limits, super::flow::solve)
}

/// [`transfer`] with a chosen min-cost-flow solver (the benchmark compares them).
pub fn transfer_with(
    store: &Store,
    derived: &Derived,
    access: &Access,
    req: &TransferRequest,
    limits: &Limits,
    solver: plan::Solver,
) -> QueryResult<TransferResult> {
    let hazard = hazard_index(&req.hazard_type).ok_or_else(|| {
        QueryError::bad(
            "hazard_type",
            format!(
                "unknown hazard type {:?}; one of {}",
                req.hazard_type,
                HAZARD_TYPES.map(|h| h.0).join(", ")
            ),
        )
    })?;
    if !GRADE_RANGE.contains(&req.min_grade) {
        return Err(QueryError::bad(
            "min_grade",
            format!("must be a grade 1-4, got {}", req.min_grade),
        ));
    }
    let max_d = match req.max_distance_m {
        Some(d) => super::input::distance_m(d, "max_distance_m", limits)?,
        None => limits.transfer_default_distance_m,
    };
    for id in [EVACUATION_GRIDS, SHELTERS] {
        if !access.may_see(id) {
            return Err(QueryError::bad(
                "hazard_type",
                format!("the transfer analysis needs layer {id}, which this caller may not see"),
            ));
        }
    }
    let grids = store.layer(EVACUATION_GRIDS).ok_or_else(|| {
        QueryError::not_found("layer", "the dataset has no evacuation_grids layer")
    })?;
    let shelters = store
        .layer(SHELTERS)
        .ok_or_else(|| QueryError::not_found("layer", "the dataset has no shelters layer"))?;
    let area = PreparedArea::new(req.area.clone());
    let zones = exposure::DangerZones::new(store, derived, hazard, req.min_grade);
    let exposed = exposure::who_moves(store, derived, &area, &req.hazard_type, req.scope, &zones);
    let state = shelters::judge(shelters, &zones);
    let placement = plan::place(
        grids,
        shelters,
        derived,
        &exposed.movers,
        &state,
        limits.transfer_candidates,
        max_d,
        solver,
    );
    let unusable = shelters::unusable_near(shelters, &state, &area, max_d);
    Ok(output::result(
        store, derived, access, req, &exposed, &placement, &state, unusable,
    ))
}
