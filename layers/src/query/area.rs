//! `areas/{code}/summary`: for an admin unit and each unit directly below it — persons
//! and households in grids per hazard type and grade, shelter capacity against the
//! persons to move, depots with inventory totals, water sources.
//!
//! Membership: grids, shelters, water sources and depots carry `county_code` (and
//! grids and shelters `township_code`); units at county level and above take features
//! by county code (the unit's descendant counties, or the GB/T 2260 code prefix:
//! province 2 digits, prefecture 4), township units by township code, villages by
//! position (the grid's representative point or the facility's point inside the
//! village polygon). A feature without the code it needs is placed by position.
//! Persons count on the finest grids only. "Persons to move" are those in grids whose
//! representative point lies in a zone of grade 3 or 4 (较高/高) of any hazard type.

use std::collections::{BTreeMap, HashMap, HashSet};

use geo::{Geometry, Point};
use serde::Serialize;
use serde_json::{Map, Value as Json};

use super::Access;
use super::derived::{Derived, field, float, int, text, zones_at};
use super::error::{QueryError, QueryResult};
use super::geojson::properties;
use super::rules::{ShelterFields, is_high_grade};
use crate::catalogue::{
    ADMIN, DEPOTS, EVACUATION_GRIDS, GRADES, HAZARD_TYPES, INVENTORY_CATEGORIES, SHELTERS,
    WATER_SOURCES,
};
use crate::store::{Layer, Store};

#[derive(Debug, Clone, Default, Serialize)]
pub struct GradeRow {
    pub grade: u8,
    pub grade_zh: &'static str,
    pub grids: usize,
    pub households: i64,
    pub persons: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct HazardRow {
    pub hazard_type: &'static str,
    pub hazard_type_zh: &'static str,
    pub by_grade: Vec<GradeRow>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Figures {
    pub grids: usize,
    pub households: i64,
    pub persons: i64,
    pub exposure: Vec<HazardRow>,
    pub persons_to_move: i64,
    pub shelters: usize,
    pub shelters_open: usize,
    pub shelter_capacity_open: i64,
    /// Persons to move beyond the open shelter capacity (0 when capacity suffices).
    pub capacity_gap: i64,
    pub depots: usize,
    /// Sum per inventory category over the depots.
    pub inventory: BTreeMap<String, i64>,
    pub water_sources: usize,
    pub water_sources_by_type: BTreeMap<String, usize>,
    pub water_volume_m3: f64,
}

impl Figures {
    fn new() -> Self {
        Figures {
            exposure: HAZARD_TYPES
                .iter()
                .map(|(k, zh, _)| HazardRow {
                    hazard_type: k,
                    hazard_type_zh: zh,
                    by_grade: GRADES
                        .iter()
                        .enumerate()
                        .map(|(i, (_, gzh, _))| GradeRow {
                            grade: i as u8 + 1,
                            grade_zh: gzh,
                            ..Default::default()
                        })
                        .collect(),
                })
                .collect(),
            ..Default::default()
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitSummary {
    pub unit: Map<String, Json>,
    pub figures: Figures,
}

#[derive(Debug, Clone, Serialize)]
pub struct AreaSummary {
    #[serde(flatten)]
    pub this: UnitSummary,
    /// The units directly below, same figures each, by code.
    pub children: Vec<UnitSummary>,
}

#[derive(Clone, Copy, PartialEq)]
enum Key {
    County,
    Township,
    Position,
}

fn key_of(level: Option<&str>) -> Key {
    match level {
        Some("township") => Key::Township,
        Some("village") => Key::Position,
        _ => Key::County,
    }
}

fn prefix_len(level: Option<&str>) -> usize {
    match level {
        Some("province") => 2,
        Some("prefecture") => 4,
        _ => 6,
    }
}

/// Places features in the unit and in its children.
struct Placer<'a> {
    admin: &'a Layer,
    derived: &'a Derived,
    unit: u32,
    unit_code: String,
    unit_key: Key,
    unit_counties: HashSet<String>,
    unit_prefix: String,
    child_key: Key,
    child_by_code: HashMap<String, usize>,
    child_by_fid: HashMap<u32, usize>,
}

impl Placer<'_> {
    fn in_unit(&self, county: Option<&str>, township: Option<&str>, p: Point<f64>) -> bool {
        match (self.unit_key, county, township) {
            (Key::County, Some(c), _) => {
                self.unit_counties.contains(c) || c.starts_with(&self.unit_prefix)
            }
            (Key::Township, _, Some(t)) => t == self.unit_code,
            _ => self
                .derived
                .admin
                .areas
                .get(self.unit as usize)
                .is_some_and(|a| a.covers_point(p)),
        }
    }

    fn child(&self, county: Option<&str>, township: Option<&str>, p: Point<f64>) -> Option<usize> {
        match (self.child_key, county, township) {
            (Key::County, Some(c), _) => self.child_by_code.get(c).copied(),
            (Key::Township, _, Some(t)) => self.child_by_code.get(t).copied(),
            _ => zones_at(self.admin, &self.derived.admin.areas, p)
                .find_map(|f| self.child_by_fid.get(&f).copied()),
        }
    }
}

/// Visit every feature of `layer` in the unit with its child index.
fn each_member(
    layer: &Layer,
    placer: &Placer,
    point_of: impl Fn(u32) -> Option<Point<f64>>,
    mut visit: impl FnMut(u32, Option<usize>),
) {
    let (c_i, t_i) = (field(layer, "county_code"), field(layer, "township_code"));
    for fid in 0..layer.features.len() as u32 {
        let (c, t) = (text(layer, fid, c_i), text(layer, fid, t_i));
        let Some(p) = point_of(fid) else { continue };
        if placer.in_unit(c, t, p) {
            visit(fid, placer.child(c, t, p));
        }
    }
}

fn point(layer: &Layer, fid: u32) -> Option<Point<f64>> {
    match layer.features[fid as usize].geometry {
        Geometry::Point(p) => Some(p),
        _ => None,
    }
}

/// The summary of admin unit `code` and of each unit directly below it, as `access`
/// may see it. Steps: find the unit and its children; place every grid, shelter,
/// depot and water source in them, adding to their figures; derive the gaps.
pub fn area_summary(
    store: &Store,
    derived: &Derived,
    access: &Access,
    code: &str,
) -> QueryResult<AreaSummary> {
    let admin = store
        .layer(ADMIN)
        .filter(|_| access.may_see(ADMIN))
        .ok_or_else(|| QueryError::not_found("code", "the dataset has no admin layer"))?;
    let unit = *derived.admin.by_code.get(code).ok_or_else(|| {
        QueryError::not_found("code", format!("no admin unit with code {code:?}"))
    })?;
    let (placer, children) = Placer::new(admin, derived, unit, code);
    let mut tally = Tally {
        this: Figures::new(),
        kids: children.iter().map(|_| Figures::new()).collect(),
    };
    let visible = |id: &str| store.layer(id).filter(|_| access.may_see(id));
    if let Some(grids) = visible(EVACUATION_GRIDS) {
        tally.grids(grids, derived, &placer);
    }
    if let Some(shelters) = visible(SHELTERS) {
        tally.shelters(shelters, &placer);
    }
    if let Some(depots) = visible(DEPOTS) {
        tally.depots(depots, &placer);
    }
    if let Some(water) = visible(WATER_SOURCES) {
        tally.water_sources(water, &placer);
    }
    let Tally { mut this, mut kids } = tally;
    for fig in std::iter::once(&mut this).chain(kids.iter_mut()) {
        fig.capacity_gap = (fig.persons_to_move - fig.shelter_capacity_open).max(0);
        fig.water_volume_m3 = fig.water_volume_m3.round();
    }
    Ok(AreaSummary {
        this: UnitSummary {
            unit: properties(admin, unit, access),
            figures: this,
        },
        children: children
            .iter()
            .zip(kids)
            .map(|(&c, figures)| UnitSummary {
                unit: properties(admin, c, access),
                figures,
            })
            .collect(),
    })
}

impl<'a> Placer<'a> {
    /// The placer for `unit` (code `code`), and its children sorted by code.
    fn new(admin: &'a Layer, derived: &'a Derived, unit: u32, code: &str) -> (Self, Vec<u32>) {
        let (level_i, code_i) = (field(admin, "level"), field(admin, "code"));
        let unit_level = text(admin, unit, level_i);
        let mut children: Vec<u32> = derived
            .admin
            .children
            .get(code)
            .cloned()
            .unwrap_or_default();
        children.sort_by(|a, b| text(admin, *a, code_i).cmp(&text(admin, *b, code_i)));
        let child_key = children
            .first()
            .map_or(Key::Position, |&c| key_of(text(admin, c, level_i)));
        let mut child_by_code = HashMap::new();
        for (i, &c) in children.iter().enumerate() {
            let cc = text(admin, c, code_i).unwrap_or_default();
            if child_key == Key::County {
                for d in derived.admin.descendants(admin, cc) {
                    child_by_code.insert(d, i);
                }
            } else {
                child_by_code.insert(cc.to_string(), i);
            }
        }
        let placer = Placer {
            admin,
            derived,
            unit,
            unit_code: code.to_string(),
            unit_key: key_of(unit_level),
            unit_counties: derived.admin.descendants(admin, code),
            unit_prefix: code.chars().take(prefix_len(unit_level)).collect(),
            child_key,
            child_by_code,
            child_by_fid: children.iter().enumerate().map(|(i, &f)| (f, i)).collect(),
        };
        (placer, children)
    }
}

/// The figures of the unit and of each child, added to as features are placed.
struct Tally {
    this: Figures,
    kids: Vec<Figures>,
}

impl Tally {
    /// Apply `f` to the unit's figures and, when placed in one, the child's.
    fn add(&mut self, child: Option<usize>, f: impl Fn(&mut Figures)) {
        f(&mut self.this);
        if let Some(c) = child {
            f(&mut self.kids[c]);
        }
    }

    /// Finest grids, by their representative point: persons, and their exposure.
    fn grids(&mut self, grids: &Layer, derived: &Derived, placer: &Placer) {
        let (p_i, h_i) = (field(grids, "persons"), field(grids, "households"));
        let leaf = &derived.grids.is_leaf;
        each_member(
            grids,
            placer,
            |f| leaf[f as usize].then(|| derived.grids.rep[f as usize]),
            |fid, child| {
                let (persons, households) = (
                    int(grids, fid, p_i).unwrap_or(0),
                    int(grids, fid, h_i).unwrap_or(0),
                );
                let exposure = derived.grids.exposure[fid as usize];
                self.add(child, |fig| {
                    fig.grids += 1;
                    fig.persons += persons;
                    fig.households += households;
                    for (k, &g) in exposure.iter().enumerate() {
                        if g > 0 {
                            let row = &mut fig.exposure[k].by_grade[g as usize - 1];
                            row.grids += 1;
                            row.persons += persons;
                            row.households += households;
                        }
                    }
                    if exposure.iter().any(|&g| is_high_grade(i64::from(g))) {
                        fig.persons_to_move += persons;
                    }
                });
            },
        );
    }

    /// Shelters, and the capacity of the open ones.
    fn shelters(&mut self, shelters: &Layer, placer: &Placer) {
        let rule = ShelterFields::of(shelters);
        each_member(
            shelters,
            placer,
            |f| point(shelters, f),
            |fid, child| {
                let open = rule.is_open(shelters, fid);
                let capacity = rule.capacity(shelters, fid);
                self.add(child, |fig| {
                    fig.shelters += 1;
                    if open {
                        fig.shelters_open += 1;
                        fig.shelter_capacity_open += capacity;
                    }
                });
            },
        );
    }

    /// Depots, and their inventory per category.
    fn depots(&mut self, depots: &Layer, placer: &Placer) {
        let inv: Vec<(&str, Option<usize>)> = INVENTORY_CATEGORIES
            .iter()
            .map(|(c, ..)| (*c, field(depots, &format!("inv_{c}"))))
            .collect();
        each_member(
            depots,
            placer,
            |f| point(depots, f),
            |fid, child| {
                self.add(child, |fig| {
                    fig.depots += 1;
                    for (c, i) in &inv {
                        *fig.inventory.entry((*c).to_string()).or_insert(0) +=
                            int(depots, fid, *i).unwrap_or(0);
                    }
                });
            },
        );
    }

    /// Water sources by type, and their volume.
    fn water_sources(&mut self, water: &Layer, placer: &Placer) {
        let (ty, vol) = (field(water, "type"), field(water, "volume_m3"));
        each_member(
            water,
            placer,
            |f| point(water, f),
            |fid, child| {
                let t = text(water, fid, ty).unwrap_or("unknown");
                let v = float(water, fid, vol).unwrap_or(0.0);
                self.add(child, |fig| {
                    fig.water_sources += 1;
                    *fig.water_sources_by_type.entry(t.to_string()).or_insert(0) += 1;
                    fig.water_volume_m3 += v;
                });
            },
        );
    }
}
