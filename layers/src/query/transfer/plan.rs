//! Where each grid's persons go: the shelter its transfer plan names first, then the
//! minimum-cost flow for the rest.

use foldhash::{HashMap, HashMapExt};
use geo::{Distance, Geodesic, Geometry, Point};
use serde::Serialize;

use super::super::derived::{Derived, field, text};
use super::super::flow::{Plan, Transport};
use super::exposure::Mover;
use super::shelters::ShelterState;
use crate::store::Layer;

/// Persons of a grid sent to one shelter.
#[derive(Debug, Clone, Serialize)]
pub struct Assignment {
    pub shelter_fid: u32,
    pub shelter_id: Option<String>,
    pub persons: i64,
    /// Geodesic metres from the grid's representative point.
    pub distance_m: i64,
    /// Sent by the plan (`true`) or by the optimisation.
    pub planned: bool,
}

/// A grid's planned shelter, as the plan names it.
#[derive(Debug, Clone)]
pub struct PlannedShelter {
    pub id: String,
    /// The shelter's fid, when the id names one.
    pub fid: Option<u32>,
    /// Named by a grid above (the grid has no plan of its own).
    pub inherited: bool,
}

/// The placement of every mover (indexed as the movers).
pub struct Placement {
    pub planned_shelter: Vec<Option<PlannedShelter>>,
    pub assignments: Vec<Vec<Assignment>>,
    pub planned: Vec<i64>,
    pub rerouted: Vec<i64>,
    pub unplaced: Vec<i64>,
    /// Why persons of the grid were not (all) sent to the planned shelter.
    pub reason: Vec<Option<&'static str>>,
    /// Persons assigned per shelter fid.
    pub used: HashMap<u32, i64>,
    pub person_metres: i64,
}

/// The solver the optimisation runs ([`super::super::flow::solve`] unless a benchmark
/// compares another).
pub type Solver = fn(&Transport, &[usize]) -> Plan;

/// The planned shelter of grid `fid`: its own `shelter_id`, else the nearest grid
/// above it that names one.
fn planned_of(grids: &Layer, derived: &Derived, fid: u32) -> Option<PlannedShelter> {
    let (sid, parent) = (field(grids, "shelter_id"), field(grids, "parent_code"));
    let mut at = fid;
    // Levels are 1-5: a longer chain is a cycle in the data.
    for depth in 0..8 {
        if let Some(id) = text(grids, at, sid) {
            return Some(PlannedShelter {
                id: id.to_string(),
                fid: derived.shelters_by_id.get(id).copied(),
                inherited: depth > 0,
            });
        }
        at = *derived.grids.by_code.get(text(grids, at, parent)?)?;
    }
    None
}

fn point_of(shelters: &Layer, fid: u32) -> Option<Point<f64>> {
    match shelters.features.get(fid as usize)?.geometry {
        Geometry::Point(p) => Some(p),
        _ => None,
    }
}

/// Place the movers: plans first, then the optimisation.
#[allow(clippy::too_many_arguments)]
pub fn place(
    grids: &Layer,
    shelters: &Layer,
    derived: &Derived,
    movers: &[Mover],
    state: &ShelterState,
    k: usize,
    max_d: f64,
    solver: Solver,
) -> Placement {
    let n = movers.len();
    let sid = field(shelters, "shelter_id");
    let id_of = |f: u32| text(shelters, f, sid).map(str::to_string);
    let mut out = Placement {
        planned_shelter: movers
            .iter()
            .map(|m| planned_of(grids, derived, m.fid))
            .collect(),
        assignments: vec![Vec::new(); n],
        planned: vec![0; n],
        rerouted: vec![0; n],
        unplaced: vec![0; n],
        reason: vec![None; n],
        used: HashMap::new(),
        person_metres: 0,
    };
    let mut room = state.capacity.clone();
    let rep = |m: &Mover| derived.grids.rep[m.fid as usize];

    // 1. The plan: grids nearest their planned shelter first, while it has room.
    let mut planned: Vec<(f64, usize, u32)> = Vec::new();
    for (i, m) in movers.iter().enumerate() {
        out.reason[i] = match &out.planned_shelter[i] {
            None => Some("no_plan"),
            Some(PlannedShelter { fid: None, .. }) => Some("planned_shelter_unknown"),
            Some(PlannedShelter { fid: Some(f), .. }) => match state.reason[*f as usize] {
                Some((why, _)) => Some(unusable_reason(why)),
                None => {
                    let d = point_of(shelters, *f)
                        .map_or(f64::INFINITY, |p| Geodesic.distance(rep(m), p));
                    planned.push((d, i, *f));
                    None
                }
            },
        };
    }
    planned.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut rest: Vec<i64> = movers.iter().map(|m| m.persons).collect();
    for (d, i, f) in planned {
        let take = rest[i].min(room[f as usize]);
        if take > 0 {
            room[f as usize] -= take;
            rest[i] -= take;
            out.planned[i] = take;
            out.person_metres += take * d.round() as i64;
            *out.used.entry(f).or_insert(0) += take;
            out.assignments[i].push(Assignment {
                shelter_fid: f,
                shelter_id: id_of(f),
                persons: take,
                distance_m: d.round() as i64,
                planned: true,
            });
        }
        if rest[i] > 0 {
            out.reason[i] = Some("planned_shelter_full");
        }
    }

    // 2. The rest: minimum person-metres over the k nearest usable shelters with room
    // left, within max_d; grids nearest a shelter first.
    let rerouted: Vec<usize> = (0..n).filter(|&i| rest[i] > 0).collect();
    let mut problem = Transport::default();
    let mut slot_of: HashMap<u32, usize> = HashMap::new();
    let mut slot_fid = Vec::new();
    let mut nearest_d = Vec::with_capacity(rerouted.len());
    for (gi, &i) in rerouted.iter().enumerate() {
        problem.supply.push(rest[i]);
        let found = crate::knn::nearest(shelters, rep(&movers[i]), k, Some(max_d), |f| {
            state.usable(f) && room[f as usize] > 0
        });
        nearest_d.push(found.first().map_or(f64::INFINITY, |x| x.distance_m));
        for x in found {
            let slot = *slot_of.entry(x.fid).or_insert_with(|| {
                slot_fid.push(x.fid);
                problem.capacity.push(room[x.fid as usize]);
                slot_fid.len() - 1
            });
            problem.arcs.push((gi, slot, x.distance_m.round() as i64));
        }
    }
    let mut order: Vec<usize> = (0..rerouted.len()).collect();
    order.sort_by(|&a, &b| nearest_d[a].total_cmp(&nearest_d[b]).then(a.cmp(&b)));
    let plan = solver(&problem, &order);
    let cost: HashMap<(usize, usize), i64> =
        problem.arcs.iter().map(|&(g, s, c)| ((g, s), c)).collect();
    for &(gi, slot, persons) in &plan.flows {
        let (i, f) = (rerouted[gi], slot_fid[slot]);
        out.rerouted[i] += persons;
        *out.used.entry(f).or_insert(0) += persons;
        out.assignments[i].push(Assignment {
            shelter_fid: f,
            shelter_id: id_of(f),
            persons,
            distance_m: cost[&(gi, slot)],
            planned: false,
        });
    }
    out.person_metres += plan.total_cost;
    for (gi, &i) in rerouted.iter().enumerate() {
        out.unplaced[i] = plan.unplaced[gi];
    }
    out
}

/// The reroute reason for a planned shelter judged unusable.
fn unusable_reason(why: &str) -> &'static str {
    match why {
        "closed" => "planned_shelter_closed",
        "no_capacity" => "planned_shelter_no_capacity",
        "in_hazard_zone" => "planned_shelter_in_hazard_zone",
        _ => "planned_shelter_unusable",
    }
}
