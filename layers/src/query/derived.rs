//! Indexes derived from a dataset once, at load: the admin hierarchy, the grid
//! hierarchy with each grid's representative point and hazard exposure, shelters by id,
//! and prepared admin and hazard-zone polygons for fast exact point tests.

use std::collections::{HashMap, HashSet};

use geo::{Geometry, InteriorPoint, MultiPolygon, Point};

use super::prepared::PreparedArea;
use crate::catalogue::{ADMIN, EVACUATION_GRIDS, HAZARD_TYPES, HAZARD_ZONES, SHELTERS};
use crate::store::{Layer, Store};
use crate::value::Value;

/// Index of a named field in a layer's schema.
pub fn field(layer: &Layer, name: &str) -> Option<usize> {
    layer.schema().field_index(name)
}

pub fn value(layer: &Layer, fid: u32, idx: Option<usize>) -> Option<&Value> {
    layer
        .feature(fid)
        .and_then(|f| idx.and_then(|i| f.properties.get(i)))
}

pub fn text(layer: &Layer, fid: u32, idx: Option<usize>) -> Option<&str> {
    value(layer, fid, idx)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

pub fn int(layer: &Layer, fid: u32, idx: Option<usize>) -> Option<i64> {
    value(layer, fid, idx).and_then(Value::as_i64)
}

pub fn float(layer: &Layer, fid: u32, idx: Option<usize>) -> Option<f64> {
    value(layer, fid, idx).and_then(Value::as_f64)
}

pub fn boolean(layer: &Layer, fid: u32, idx: Option<usize>) -> Option<bool> {
    value(layer, fid, idx).and_then(Value::as_bool)
}

/// A polygon feature's area as a MultiPolygon (polygon layers hold MultiPolygon).
pub fn area_of(g: &Geometry<f64>) -> Option<MultiPolygon<f64>> {
    match g {
        Geometry::MultiPolygon(mp) => Some(mp.clone()),
        Geometry::Polygon(p) => Some(MultiPolygon(vec![p.clone()])),
        _ => None,
    }
}

/// Position of a hazard type in `catalogue::HAZARD_TYPES`.
pub fn hazard_index(kind: &str) -> Option<usize> {
    HAZARD_TYPES.iter().position(|(k, _, _)| *k == kind)
}

/// The admin hierarchy: units by code and by parent.
#[derive(Debug, Default)]
pub struct AdminIndex {
    pub by_code: HashMap<String, u32>,
    pub children: HashMap<String, Vec<u32>>,
    /// Prepared polygons, by fid.
    pub areas: Vec<PreparedArea>,
}

impl AdminIndex {
    fn new(layer: Option<&Layer>) -> Self {
        let Some(layer) = layer else {
            return AdminIndex::default();
        };
        let (code, parent) = (field(layer, "code"), field(layer, "parent_code"));
        let mut index = AdminIndex::default();
        for fid in 0..layer.features.len() as u32 {
            if let Some(c) = text(layer, fid, code) {
                index.by_code.insert(c.to_string(), fid);
            }
            if let Some(p) = text(layer, fid, parent) {
                index.children.entry(p.to_string()).or_default().push(fid);
            }
        }
        index.areas = prepare(layer);
        index
    }

    /// Codes of `code` and every unit below it.
    pub fn descendants(&self, layer: &Layer, code: &str) -> HashSet<String> {
        let code_idx = field(layer, "code");
        let mut out = HashSet::from([code.to_string()]);
        let mut stack = vec![code.to_string()];
        while let Some(c) = stack.pop() {
            for &child in self.children.get(&c).into_iter().flatten() {
                if let Some(cc) = text(layer, child, code_idx)
                    && out.insert(cc.to_string())
                {
                    stack.push(cc.to_string());
                }
            }
        }
        out
    }
}

fn prepare(layer: &Layer) -> Vec<PreparedArea> {
    layer
        .features
        .iter()
        .map(|f| PreparedArea::new(area_of(&f.geometry).unwrap_or(MultiPolygon(vec![]))))
        .collect()
}

/// The grid hierarchy and each grid's exposure.
#[derive(Debug, Default)]
pub struct GridIndex {
    pub by_code: HashMap<String, u32>,
    /// Grids no other grid names as parent: the finest level present at each place.
    /// Persons are counted on these only, so nested levels are not counted twice.
    pub is_leaf: Vec<bool>,
    pub leaves: Vec<u32>,
    /// A point inside each grid (geo's interior point), for "where is this grid".
    pub rep: Vec<Point<f64>>,
    /// Per grid: the highest grade (1-4, 0 none) of each hazard type at its
    /// representative point, indexed as `catalogue::HAZARD_TYPES`.
    pub exposure: Vec<[u8; HAZARD_TYPES.len()]>,
}

impl GridIndex {
    fn new(grids: Option<&Layer>, zones: Option<&Layer>, zone_areas: &[PreparedArea]) -> Self {
        let Some(layer) = grids else {
            return GridIndex::default();
        };
        let (code, parent) = (field(layer, "grid_code"), field(layer, "parent_code"));
        let n = layer.features.len();
        let mut by_code = HashMap::with_capacity(n);
        let mut parents = HashSet::new();
        for fid in 0..n as u32 {
            if let Some(c) = text(layer, fid, code) {
                by_code.insert(c.to_string(), fid);
            }
            if let Some(p) = text(layer, fid, parent) {
                parents.insert(p.to_string());
            }
        }
        let is_leaf: Vec<bool> = (0..n as u32)
            .map(|fid| text(layer, fid, code).is_none_or(|c| !parents.contains(c)))
            .collect();
        let leaves = (0..n as u32).filter(|&f| is_leaf[f as usize]).collect();
        let rep: Vec<Point<f64>> = layer
            .features
            .iter()
            .map(|f| {
                f.geometry
                    .interior_point()
                    .unwrap_or(Point::new(f64::NAN, f64::NAN))
            })
            .collect();
        let exposure = rep
            .iter()
            .map(|&p| zones.map_or([0; HAZARD_TYPES.len()], |z| exposure_at(z, zone_areas, p)))
            .collect();
        GridIndex {
            by_code,
            is_leaf,
            leaves,
            rep,
            exposure,
        }
    }
}

/// Highest grade of each hazard type among the zones covering `p`.
pub fn exposure_at(
    zones: &Layer,
    areas: &[PreparedArea],
    p: Point<f64>,
) -> [u8; HAZARD_TYPES.len()] {
    let (kind, grade) = (field(zones, "hazard_type"), field(zones, "grade"));
    let mut out = [0u8; HAZARD_TYPES.len()];
    for fid in zones_at(zones, areas, p) {
        if let (Some(k), Some(g)) = (
            text(zones, fid, kind).and_then(hazard_index),
            int(zones, fid, grade),
        ) {
            out[k] = out[k].max(g.clamp(0, 4) as u8);
        }
    }
    out
}

/// Fids of polygon features covering `p` (boundary included), through prepared areas.
pub fn zones_at<'a>(
    layer: &'a Layer,
    areas: &'a [PreparedArea],
    p: Point<f64>,
) -> impl Iterator<Item = u32> + 'a {
    layer
        .boxes
        .locate_all_at_point(&[p.x(), p.y()])
        .map(|e| e.data)
        .filter(move |&fid| areas.get(fid as usize).is_some_and(|a| a.covers_point(p)))
}

/// Everything derived from one dataset.
#[derive(Debug, Default)]
pub struct Derived {
    pub admin: AdminIndex,
    pub grids: GridIndex,
    /// Prepared hazard-zone polygons, by fid.
    pub zone_areas: Vec<PreparedArea>,
    pub shelters_by_id: HashMap<String, u32>,
}

impl Derived {
    pub fn new(store: &Store) -> Self {
        let zones = store.layer(HAZARD_ZONES);
        let zone_areas = zones.map(prepare).unwrap_or_default();
        let shelters_by_id = store
            .layer(SHELTERS)
            .map(|l| {
                let id = field(l, "shelter_id");
                (0..l.features.len() as u32)
                    .filter_map(|fid| text(l, fid, id).map(|s| (s.to_string(), fid)))
                    .collect()
            })
            .unwrap_or_default();
        Derived {
            admin: AdminIndex::new(store.layer(ADMIN)),
            grids: GridIndex::new(store.layer(EVACUATION_GRIDS), zones, &zone_areas),
            zone_areas,
            shelters_by_id,
        }
    }
}
