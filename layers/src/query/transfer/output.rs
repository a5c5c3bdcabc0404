//! The result: a summary, one row per grid and per shelter used, no geometry unless
//! asked; the per-grid table as CSV.

use std::collections::HashSet;
use std::fmt::Write;

use serde::Serialize;

use super::super::Access;
use super::super::derived::{Derived, field, int, text};
use super::super::geojson::GeoFeature;
use super::exposure::{Exposure, threatened_point_types};
use super::plan::{Assignment, Placement};
use super::shelters::{ShelterState, Unusable};
use super::{METHOD_ALL, METHOD_EXPOSED, METHOD_PLACE, Scope, TransferRequest};
use crate::catalogue::{EVACUATION_GRIDS, SHELTERS};
use crate::schema::Sensitivity;
use crate::store::{Layer, Store};

/// What made persons move, as the request set it.
#[derive(Debug, Clone, Serialize)]
pub struct ExposureBasis {
    pub scope: Scope,
    /// Zones of this hazard type, graded at least `min_grade`, are danger zones.
    pub zone_hazard_type: String,
    pub min_grade: i64,
    /// Hazard-point types the warning threatens (empty under scope `all`).
    pub hazard_point_types: Vec<&'static str>,
}

/// One grid with persons to move.
#[derive(Debug, Clone, Serialize)]
pub struct GridRow {
    pub fid: u32,
    pub grid_code: String,
    pub name: Option<String>,
    /// Share of the grid inside the warning area, and inside it in danger zones.
    pub share: f64,
    pub exposed_share: f64,
    /// Persons threatened by hazard points in the grid (0: none).
    pub threatened_persons: i64,
    /// `zone`, `hazard_points` (the larger of the two moved the grid) or `area`.
    pub basis: &'static str,
    pub persons_to_move: i64,
    pub households_to_move: i64,
    /// Derived from a personal field: only for callers cleared for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub special_needs_to_move: Option<i64>,
    /// The shelter the grid's plan names (its own or, `plan_inherited`, its parent's).
    pub planned_shelter_id: Option<String>,
    pub plan_inherited: bool,
    /// `planned` (all placed persons at the planned shelter), `rerouted` (none) or
    /// `partly_rerouted`.
    pub route: &'static str,
    pub planned: i64,
    pub rerouted: i64,
    /// Why persons were rerouted: `no_plan`, `planned_shelter_unknown`,
    /// `planned_shelter_closed`, `planned_shelter_no_capacity`,
    /// `planned_shelter_in_hazard_zone`, `planned_shelter_full`.
    pub reroute_reason: Option<&'static str>,
    pub assignments: Vec<Assignment>,
    pub unplaced: i64,
}

/// One shelter used.
#[derive(Debug, Clone, Serialize)]
pub struct ShelterUse {
    pub fid: u32,
    pub shelter_id: Option<String>,
    pub name: Option<String>,
    pub capacity: i64,
    pub assigned: i64,
    pub planned: i64,
    pub remaining: i64,
}

/// 叫应: a grid's responsible person (personal data).
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
    /// Finest-level grids meeting the warning area, and their persons inside it.
    pub grids_in_area: usize,
    pub persons_in_area: i64,
    /// Grids with persons to move, and those only partly inside the area.
    pub grids: usize,
    pub grids_partly_inside: usize,
    pub households: i64,
    /// Persons to move.
    pub persons: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub special_needs: Option<i64>,
    /// Hazard points of matching types in the area; threatened persons in no grid.
    pub hazard_points: usize,
    pub threatened_outside_grids: i64,
    pub persons_planned: i64,
    pub persons_rerouted: i64,
    pub persons_placed: i64,
    pub persons_unplaced: i64,
    pub grids_planned: usize,
    pub grids_rerouted: usize,
    pub shelters_used: usize,
    pub shelters_unusable: usize,
    pub person_metres: i64,
    pub mean_distance_m: Option<f64>,
}

/// The grids' GeoJSON, with the result's figures in their properties.
#[derive(Debug, Clone, Serialize)]
pub struct GridFeatures {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub features: Vec<GeoFeature>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TransferResult {
    pub hazard_type: String,
    pub method: String,
    pub exposure: ExposureBasis,
    pub summary: TransferSummary,
    pub grids: Vec<GridRow>,
    pub shelters: Vec<ShelterUse>,
    pub unusable_shelters: Vec<Unusable>,
    /// With `include_geometry`: the grids as GeoJSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geometry: Option<GridFeatures>,
    /// 叫应: responsible persons of the grids and the grids above them. Personal data:
    /// absent for callers not cleared for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_list: Option<Vec<CallEntry>>,
}

fn round4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

/// Assemble the result.
#[allow(clippy::too_many_arguments)]
pub fn result(
    store: &Store,
    derived: &Derived,
    access: &Access,
    req: &TransferRequest,
    exposed: &Exposure,
    placement: &Placement,
    state: &ShelterState,
    unusable: Vec<Unusable>,
) -> TransferResult {
    let grids = store.layer(EVACUATION_GRIDS).expect("checked by transfer");
    let shelters = store.layer(SHELTERS).expect("checked by transfer");
    let show_special = grids
        .schema()
        .field("special_needs")
        .is_some_and(|f| access.may_read(f.sensitivity));
    let rows = grid_rows(grids, exposed, placement, show_special);
    let summary = summary(exposed, placement, &rows, unusable.len(), show_special);
    let method = match req.scope {
        Scope::Exposed => format!("{METHOD_EXPOSED} {METHOD_PLACE}"),
        Scope::All => format!("{METHOD_ALL} {METHOD_PLACE}"),
    };
    let geometry = req.include_geometry.then(|| geometry(grids, access, &rows));
    let call_list = access.personal().then(|| call_list(grids, derived, &rows));
    TransferResult {
        hazard_type: req.hazard_type.clone(),
        method,
        exposure: ExposureBasis {
            scope: req.scope,
            zone_hazard_type: req.hazard_type.clone(),
            min_grade: req.min_grade,
            hazard_point_types: match req.scope {
                Scope::Exposed => threatened_point_types(&req.hazard_type).to_vec(),
                Scope::All => Vec::new(),
            },
        },
        summary,
        grids: rows,
        shelters: shelter_rows(shelters, placement, state),
        unusable_shelters: unusable,
        geometry,
        call_list,
    }
}

fn grid_rows(
    grids: &Layer,
    exposed: &Exposure,
    placement: &Placement,
    show_special: bool,
) -> Vec<GridRow> {
    let (code, name) = (field(grids, "grid_code"), field(grids, "name"));
    exposed
        .movers
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let (planned, rerouted) = (placement.planned[i], placement.rerouted[i]);
            let plan = placement.planned_shelter[i].as_ref();
            GridRow {
                fid: m.fid,
                grid_code: text(grids, m.fid, code).unwrap_or_default().to_string(),
                name: text(grids, m.fid, name).map(str::to_string),
                share: round4(m.share),
                exposed_share: round4(m.exposed_share),
                threatened_persons: m.threatened,
                basis: m.basis,
                persons_to_move: m.persons,
                households_to_move: m.households,
                special_needs_to_move: show_special.then_some(m.special),
                planned_shelter_id: plan.map(|p| p.id.clone()),
                plan_inherited: plan.is_some_and(|p| p.inherited),
                route: match (planned > 0, rerouted > 0 || placement.unplaced[i] > 0) {
                    (true, false) => "planned",
                    (true, true) => "partly_rerouted",
                    _ => "rerouted",
                },
                planned,
                rerouted,
                reroute_reason: placement.reason[i],
                assignments: placement.assignments[i].clone(),
                unplaced: placement.unplaced[i],
            }
        })
        .collect()
}

fn summary(
    exposed: &Exposure,
    placement: &Placement,
    rows: &[GridRow],
    unusable: usize,
    show_special: bool,
) -> TransferSummary {
    let placed: i64 = rows.iter().map(|r| r.planned + r.rerouted).sum();
    TransferSummary {
        grids_in_area: exposed.grids_in_area,
        persons_in_area: exposed.persons_in_area,
        grids: rows.len(),
        grids_partly_inside: rows.iter().filter(|r| r.share < 1.0).count(),
        households: rows.iter().map(|r| r.households_to_move).sum(),
        persons: rows.iter().map(|r| r.persons_to_move).sum(),
        special_needs: show_special.then(|| exposed.movers.iter().map(|m| m.special).sum()),
        hazard_points: exposed.hazard_points,
        threatened_outside_grids: exposed.threatened_outside_grids,
        persons_planned: rows.iter().map(|r| r.planned).sum(),
        persons_rerouted: rows.iter().map(|r| r.rerouted).sum(),
        persons_placed: placed,
        persons_unplaced: rows.iter().map(|r| r.unplaced).sum(),
        grids_planned: rows.iter().filter(|r| r.route == "planned").count(),
        grids_rerouted: rows.iter().filter(|r| r.route != "planned").count(),
        shelters_used: placement.used.len(),
        shelters_unusable: unusable,
        person_metres: placement.person_metres,
        mean_distance_m: (placed > 0)
            .then(|| (placement.person_metres as f64 / placed as f64).round()),
    }
}

fn shelter_rows(shelters: &Layer, placement: &Placement, state: &ShelterState) -> Vec<ShelterUse> {
    let (sid, name) = (field(shelters, "shelter_id"), field(shelters, "name"));
    let mut planned = foldhash::HashMap::<u32, i64>::default();
    for a in placement.assignments.iter().flatten().filter(|a| a.planned) {
        *planned.entry(a.shelter_fid).or_insert(0) += a.persons;
    }
    let mut out: Vec<ShelterUse> = placement
        .used
        .iter()
        .map(|(&fid, &assigned)| {
            let capacity = state.capacity[fid as usize];
            ShelterUse {
                fid,
                shelter_id: text(shelters, fid, sid).map(str::to_string),
                name: text(shelters, fid, name).map(str::to_string),
                capacity,
                assigned,
                planned: planned.get(&fid).copied().unwrap_or(0),
                remaining: capacity - assigned,
            }
        })
        .collect();
    out.sort_by_key(|s| s.fid);
    out
}

fn geometry(grids: &Layer, access: &Access, rows: &[GridRow]) -> GridFeatures {
    let features = rows
        .iter()
        .map(|r| {
            GeoFeature::new(grids, r.fid, access)
                .with("persons_to_move", r.persons_to_move)
                .with("route", r.route)
                .with("unplaced", r.unplaced)
        })
        .collect();
    GridFeatures {
        kind: "FeatureCollection",
        features,
    }
}

/// Responsible persons of the grids moved and of every grid above them, coarse first.
fn call_list(grids: &Layer, derived: &Derived, rows: &[GridRow]) -> Vec<CallEntry> {
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
    for row in rows {
        let mut fid = Some(row.fid);
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

/// The per-grid table as CSV, UTF-8 with a byte-order mark (so that spreadsheet
/// programs read the Chinese names as UTF-8), CRLF line ends.
pub fn grid_csv(r: &TransferResult) -> String {
    let mut out = String::from("\u{feff}");
    let special = r.summary.special_needs.is_some();
    out.push_str("grid_code,name,basis,persons_to_move,households_to_move");
    if special {
        out.push_str(",special_needs_to_move");
    }
    out.push_str(
        ",planned_shelter_id,route,planned,rerouted,reroute_reason,assignments,unplaced\r\n",
    );
    for g in &r.grids {
        let to = g
            .assignments
            .iter()
            .map(|a| {
                format!(
                    "{}:{}:{}m",
                    a.shelter_id.as_deref().unwrap_or("?"),
                    a.persons,
                    a.distance_m
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let _ = write!(
            out,
            "{},{},{},{},{}",
            cell(&g.grid_code),
            cell(g.name.as_deref().unwrap_or("")),
            g.basis,
            g.persons_to_move,
            g.households_to_move
        );
        if special {
            let _ = write!(out, ",{}", g.special_needs_to_move.unwrap_or(0));
        }
        let _ = write!(
            out,
            ",{},{},{},{},{},{},{}\r\n",
            cell(g.planned_shelter_id.as_deref().unwrap_or("")),
            g.route,
            g.planned,
            g.rerouted,
            g.reroute_reason.unwrap_or(""),
            cell(&to),
            g.unplaced
        );
    }
    out
}

/// A CSV cell: quoted when it holds a separator, a quote or a line break; a leading
/// `=`, `+`, `-` or `@` is defused so a spreadsheet does not run it as a formula.
fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}
