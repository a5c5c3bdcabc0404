//! `analysis/transfer`: a warning polygon (落区) is issued — which grids and persons
//! are in it, and which shelter each grid's persons go to.
//!
//! Method (stated in the API document too):
//! - Grids: the finest level present (grids no other grid names as parent) that meet
//!   the polygon. A grid partly inside moves `share` = (area inside) / (grid area) of
//!   its persons, households and special-needs persons, rounded: persons are assumed
//!   spread evenly over the grid.
//! - Usable shelters: status `open`, capacity > 0, not inside the warning polygon,
//!   and not inside a zone of the warned hazard type graded 3 or 4 (较高/高).
//! - Assignment: minimum-cost flow (see `flow`) on grids × their
//!   `limits.transfer_candidates` nearest usable shelters within `max_distance_m`,
//!   minimising total person-metres (geodesic, grid representative point to shelter)
//!   while never exceeding a shelter's capacity; a grid may be split between shelters.
//!   Grids are added nearest-first, so when capacity is short the persons left without
//!   a place are those farthest from any usable shelter; they are reported per grid.

use std::collections::HashSet;

use geo::{
    BooleanOps, BoundingRect, ChamberlainDuquetteArea, Distance, Geodesic, Geometry, MultiPolygon,
    Point,
};
use rstar::AABB;
use serde::Serialize;
use serde_json::json;

use super::Access;
use super::derived::{Derived, area_of, field, hazard_index, int, text, zones_at};
use super::error::{QueryError, QueryResult};
use super::flow::{Transport, solve};
use super::geojson::GeoFeature;
use super::limits::Limits;
use super::prepared::{PreparedArea, RectRelation};
use crate::catalogue::{EVACUATION_GRIDS, HAZARD_TYPES, HAZARD_ZONES, SHELTERS};
use crate::schema::Sensitivity;
use crate::store::Store;

pub const METHOD: &str = "Minimum-cost flow on grids x their nearest usable shelters: minimises total person-metres (geodesic) with every shelter's capacity respected; grids are added nearest-first, so unplaced persons are those farthest from usable shelters. Partly covered grids move persons in proportion to the area inside (even spread assumed).";

#[derive(Debug, Clone)]
pub struct TransferRequest {
    pub area: MultiPolygon<f64>,
    pub hazard_type: String,
    pub max_distance_m: Option<f64>,
    pub include_geometry: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Assignment {
    pub shelter_fid: u32,
    pub shelter_id: Option<String>,
    pub shelter_name: Option<String>,
    pub persons: i64,
    pub distance_m: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ShelterUse {
    pub fid: u32,
    pub shelter_id: Option<String>,
    pub name: Option<String>,
    pub capacity: i64,
    pub assigned: i64,
    pub remaining: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Unusable {
    pub fid: u32,
    pub shelter_id: Option<String>,
    pub name: Option<String>,
    /// `inside_warning_area`, `closed`, `no_capacity` or `in_hazard_zone`.
    pub reason: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct CallEntry {
    pub grid_code: String,
    pub grid_name: Option<String>,
    pub level: Option<i64>,
    pub responsible_person: Option<String>,
    pub responsible_phone: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TransferSummary {
    pub grids: usize,
    pub grids_partly_inside: usize,
    pub households: i64,
    pub persons: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub special_needs: Option<i64>,
    pub persons_placed: i64,
    pub persons_unplaced: i64,
    pub shelters_used: usize,
    pub shelters_unusable: usize,
    pub person_metres: i64,
    pub mean_distance_m: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TransferResult {
    pub hazard_type: String,
    pub method: &'static str,
    pub summary: TransferSummary,
    /// GeoJSON FeatureCollection of the grids with `share`, `persons_to_move`,
    /// `assignments` and `unplaced` added to their properties.
    pub grids: serde_json::Value,
    pub shelters: Vec<ShelterUse>,
    pub unusable_shelters: Vec<Unusable>,
    /// 叫应: responsible persons of the grids and the grids above them. Personal data:
    /// absent for callers not cleared for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_list: Option<Vec<CallEntry>>,
}

/// A grid in the warning area.
struct Hit {
    fid: u32,
    share: f64,
    persons: i64,
    households: i64,
    special: i64,
}

fn share_inside(g: &Geometry<f64>, area: &PreparedArea) -> f64 {
    let Some(rect) = g.bounding_rect() else {
        return 0.0;
    };
    match area.rect_relation(rect) {
        RectRelation::Inside => 1.0,
        RectRelation::Outside => 0.0,
        RectRelation::Crosses => {
            let Some(mp) = area_of(g) else { return 0.0 };
            if !super::within::meets_area(g, area) {
                return 0.0;
            }
            // Convex single-part grids (the usual case): clip the warning polygon by the
            // grid, in lon/lat (over a grid a few km across the ratio of planar lon/lat
            // areas equals the ratio of ellipsoidal areas to well under 0.1%).
            if let [single] = mp.0.as_slice()
                && let Some(w) = super::convex_clip::convex_window(single)
            {
                let whole = super::convex_clip::window_area(&w);
                return if whole > 0.0 {
                    (super::convex_clip::area_inside(&area.shape, &w) / whole).clamp(0.0, 1.0)
                } else {
                    1.0
                };
            }
            let whole = mp.chamberlain_duquette_unsigned_area();
            if whole <= 0.0 {
                return 1.0;
            }
            let inside = mp
                .intersection(&area.shape)
                .chamberlain_duquette_unsigned_area();
            (inside / whole).clamp(0.0, 1.0)
        }
    }
}

pub fn transfer(
    store: &Store,
    derived: &Derived,
    access: &Access,
    req: &TransferRequest,
    limits: &Limits,
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
    let area = PreparedArea::new(req.area.clone());
    let grids = store.layer(EVACUATION_GRIDS).ok_or_else(|| {
        QueryError::not_found("layer", "the dataset has no evacuation_grids layer")
    })?;
    let gf = |n: &str| field(grids, n);
    let (persons_i, households_i, special_i) =
        (gf("persons"), gf("households"), gf("special_needs"));

    // 1. Grids of the finest level meeting the polygon, with their share.
    let mut hits = Vec::new();
    if let Some(b) = area.bbox {
        let env = AABB::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]);
        let mut cands: Vec<u32> = grids
            .boxes
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.data)
            .collect();
        cands.sort_unstable();
        for fid in cands {
            if !derived
                .grids
                .is_leaf
                .get(fid as usize)
                .copied()
                .unwrap_or(false)
            {
                continue;
            }
            let share = share_inside(&grids.features[fid as usize].geometry, &area);
            if share <= 0.0 {
                continue;
            }
            let part = |v: Option<i64>| (v.unwrap_or(0).max(0) as f64 * share).round() as i64;
            hits.push(Hit {
                fid,
                share,
                persons: part(int(grids, fid, persons_i)),
                households: part(int(grids, fid, households_i)),
                special: part(int(grids, fid, special_i)),
            });
        }
    }

    // 2. Usable shelters.
    let shelters = store
        .layer(SHELTERS)
        .ok_or_else(|| QueryError::not_found("layer", "the dataset has no shelters layer"))?;
    let sf = |n: &str| field(shelters, n);
    let (status_i, cap_i, sid_i, name_i) =
        (sf("status"), sf("capacity"), sf("shelter_id"), sf("name"));
    let zones = store.layer(HAZARD_ZONES);
    let (zkind, zgrade) = zones.map_or((None, None), |z| {
        (field(z, "hazard_type"), field(z, "grade"))
    });
    let n_shelters = shelters.features.len();
    let mut usable = vec![false; n_shelters];
    let mut unusable = Vec::new();
    let sid = |fid: u32| text(shelters, fid, sid_i).map(str::to_string);
    let sname = |fid: u32| text(shelters, fid, name_i).map(str::to_string);
    for fid in 0..n_shelters as u32 {
        let Geometry::Point(p) = shelters.features[fid as usize].geometry else {
            continue;
        };
        let reason = if area.covers_point(p) {
            Some("inside_warning_area")
        } else if text(shelters, fid, status_i) != Some("open") {
            Some("closed")
        } else if int(shelters, fid, cap_i).unwrap_or(0) <= 0 {
            Some("no_capacity")
        } else if zones.is_some_and(|z| {
            zones_at(z, &derived.zone_areas, p).any(|zf| {
                text(z, zf, zkind).and_then(hazard_index) == Some(hazard)
                    && int(z, zf, zgrade).unwrap_or(0) >= 3
            })
        }) {
            Some("in_hazard_zone")
        } else {
            None
        };
        match reason {
            None => usable[fid as usize] = true,
            // Report the unusable ones near the warning area only: those within reach.
            Some(reason) => {
                let near = area.bbox.is_some_and(|b| {
                    let c =
                        Point::new((b.min().x + b.max().x) / 2.0, (b.min().y + b.max().y) / 2.0);
                    reason == "inside_warning_area"
                        || Geodesic.distance(c, p) <= max_d + super::within::half_diagonal_m(b)
                });
                if near {
                    unusable.push(Unusable {
                        fid,
                        shelter_id: sid(fid),
                        name: sname(fid),
                        reason,
                    });
                }
            }
        }
    }

    // 3. Candidate arcs and the order grids are added in.
    let mut problem = Transport {
        supply: Vec::new(),
        capacity: Vec::new(),
        arcs: Vec::new(),
    };
    let mut shelter_slot = std::collections::HashMap::new();
    let mut slot_fid = Vec::new();
    let mut nearest_d = Vec::new();
    let mut arc_start = Vec::with_capacity(hits.len() + 1);
    for (gi, hit) in hits.iter().enumerate() {
        arc_start.push(problem.arcs.len());
        problem.supply.push(hit.persons);
        let from = derived.grids.rep[hit.fid as usize];
        let found = crate::knn::nearest(
            shelters,
            from,
            limits.transfer_candidates,
            Some(max_d),
            |f| usable[f as usize],
        );
        nearest_d.push(found.first().map_or(f64::INFINITY, |n| n.distance_m));
        for n in found {
            let slot = *shelter_slot.entry(n.fid).or_insert_with(|| {
                slot_fid.push(n.fid);
                problem
                    .capacity
                    .push(int(shelters, n.fid, cap_i).unwrap_or(0));
                slot_fid.len() - 1
            });
            problem.arcs.push((gi, slot, n.distance_m.round() as i64));
        }
    }
    arc_start.push(problem.arcs.len());
    let mut order: Vec<usize> = (0..hits.len()).collect();
    order.sort_by(|&a, &b| nearest_d[a].total_cmp(&nearest_d[b]).then(a.cmp(&b)));
    let plan = solve(&problem, &order);

    // 4. Results.
    let mut per_grid: Vec<Vec<Assignment>> = vec![Vec::new(); hits.len()];
    let mut used = vec![0i64; slot_fid.len()];
    let cost_of = |gi: usize, si: usize| {
        problem.arcs[arc_start[gi]..arc_start[gi + 1]]
            .iter()
            .find(|a| a.1 == si)
            .map_or(0, |a| a.2)
    };
    for &(gi, si, persons) in &plan.flows {
        used[si] += persons;
        let fid = slot_fid[si];
        per_grid[gi].push(Assignment {
            shelter_fid: fid,
            shelter_id: sid(fid),
            shelter_name: sname(fid),
            persons,
            distance_m: cost_of(gi, si) as f64,
        });
    }
    let personal = access.personal();
    let show_special = grids
        .schema()
        .field("special_needs")
        .is_some_and(|f| access.may_read(f.sensitivity));
    let features: Vec<GeoFeature> = hits
        .iter()
        .zip(per_grid)
        .enumerate()
        .map(|(gi, (hit, assignments))| {
            let mut f = GeoFeature::new(grids, hit.fid, access)
                .with("share", (hit.share * 1e4).round() / 1e4)
                .with("persons_to_move", hit.persons)
                .with("households_to_move", hit.households)
                .with(
                    "assignments",
                    serde_json::to_value(assignments).unwrap_or_default(),
                )
                .with("unplaced", plan.unplaced[gi]);
            if show_special {
                f = f.with("special_needs_to_move", hit.special);
            }
            if !req.include_geometry {
                f.geometry = serde_json::Value::Null;
            }
            f
        })
        .collect();
    let placed: i64 = plan.flows.iter().map(|f| f.2).sum();
    let summary = TransferSummary {
        grids: hits.len(),
        grids_partly_inside: hits.iter().filter(|h| h.share < 1.0).count(),
        households: hits.iter().map(|h| h.households).sum(),
        persons: hits.iter().map(|h| h.persons).sum(),
        special_needs: show_special.then(|| hits.iter().map(|h| h.special).sum()),
        persons_placed: placed,
        persons_unplaced: plan.unplaced.iter().sum(),
        shelters_used: used.iter().filter(|&&u| u > 0).count(),
        shelters_unusable: unusable.len(),
        person_metres: plan.total_cost,
        mean_distance_m: (placed > 0).then(|| (plan.total_cost as f64 / placed as f64).round()),
    };
    let shelters_out = slot_fid
        .iter()
        .zip(&used)
        .filter(|(_, u)| **u > 0)
        .map(|(&fid, &u)| {
            let capacity = int(shelters, fid, cap_i).unwrap_or(0);
            ShelterUse {
                fid,
                shelter_id: sid(fid),
                name: sname(fid),
                capacity,
                assigned: u,
                remaining: capacity - u,
            }
        })
        .collect();
    let call_list = personal.then(|| call_list(store, derived, &hits));
    Ok(TransferResult {
        hazard_type: req.hazard_type.clone(),
        method: METHOD,
        summary,
        grids: json!({"type": "FeatureCollection", "features": features}),
        shelters: shelters_out,
        unusable_shelters: unusable,
        call_list,
    })
}

/// Responsible persons of the grids hit and of every grid above them, coarse first.
fn call_list(store: &Store, derived: &Derived, hits: &[Hit]) -> Vec<CallEntry> {
    let Some(grids) = store.layer(EVACUATION_GRIDS) else {
        return Vec::new();
    };
    debug_assert!(
        grids
            .schema()
            .field("responsible_person")
            .is_none_or(|f| f.sensitivity == Sensitivity::Personal)
    );
    let f = |n: &str| field(grids, n);
    let (code, parent, name, level, person, phone) = (
        f("grid_code"),
        f("parent_code"),
        f("name"),
        f("level"),
        f("responsible_person"),
        f("responsible_phone"),
    );
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for hit in hits {
        let mut fid = Some(hit.fid);
        while let Some(g) = fid {
            if !seen.insert(g) {
                break;
            }
            out.push(CallEntry {
                grid_code: text(grids, g, code).unwrap_or_default().to_string(),
                grid_name: text(grids, g, name).map(str::to_string),
                level: int(grids, g, level),
                responsible_person: text(grids, g, person).map(str::to_string),
                responsible_phone: text(grids, g, phone).map(str::to_string),
            });
            fid = text(grids, g, parent).and_then(|p| derived.grids.by_code.get(p).copied());
        }
    }
    out.sort_by(|a, b| {
        a.level
            .cmp(&b.level)
            .then_with(|| a.grid_code.cmp(&b.grid_code))
    });
    out
}
