//! `point`: the risk profile of a place — which admin units and evacuation grids hold
//! it, every hazard zone there, and the nearest shelter, water source and depot.

use geo::{Distance, Geodesic, Geometry, Point};
use serde::Serialize;
use serde_json::{Map, Value as Json};

use super::Access;
use super::derived::{Derived, field, int, text, zones_at};
use super::geojson::properties;
use super::rules::ShelterFields;
use crate::catalogue::{
    ADMIN, ADMIN_LEVELS, DEPOTS, EVACUATION_GRIDS, GRADES, HAZARD_TYPES, HAZARD_ZONES, SHELTERS,
    WATER_SOURCES,
};
use crate::store::{Layer, Store};

#[derive(Debug, Clone, Serialize)]
pub struct PointProfile {
    pub lon: f64,
    pub lat: f64,
    /// Admin units holding the point, coarse to fine (province … village).
    pub admin: Vec<Map<String, Json>>,
    /// Evacuation grids holding the point, level 1 to 5, each with its assigned shelter.
    pub grids: Vec<GridAt>,
    /// Every hazard zone holding the point, highest grade first.
    pub hazards: Vec<HazardAt>,
    pub nearest: NearestFacilities,
}

#[derive(Debug, Clone, Serialize)]
pub struct GridAt {
    pub fid: u32,
    pub properties: Map<String, Json>,
    /// The grid's assigned shelter (`shelter_id`), where the dataset has it.
    pub assigned_shelter: Option<Facility>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HazardAt {
    pub fid: u32,
    pub hazard_type: String,
    pub hazard_type_zh: String,
    pub grade: i64,
    pub grade_zh: String,
    pub properties: Map<String, Json>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Facility {
    pub fid: u32,
    pub lon: f64,
    pub lat: f64,
    /// Geodesic metres from the queried point.
    pub distance_m: f64,
    pub properties: Map<String, Json>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct NearestFacilities {
    /// Nearest open shelter.
    pub shelter: Option<Facility>,
    pub water_source: Option<Facility>,
    pub depot: Option<Facility>,
}

fn facility(layer: &Layer, fid: u32, from: Point<f64>, access: &Access) -> Option<Facility> {
    let Geometry::Point(p) = layer.feature(fid)?.geometry else {
        return None;
    };
    Some(Facility {
        fid,
        lon: p.x(),
        lat: p.y(),
        distance_m: (Geodesic.distance(from, p) * 10.0).round() / 10.0,
        properties: properties(layer, fid, access),
    })
}

fn nearest_of(store: &Store, access: &Access, id: &str, p: Point<f64>) -> Option<Facility> {
    let layer = store.layer(id).filter(|_| access.may_see(id))?;
    // The nearest shelter that can take persons in, by the shared rule.
    let shelter = ShelterFields::of(layer);
    let usable = |fid: u32| id != SHELTERS || shelter.check(layer, fid).is_ok();
    let n = crate::knn::nearest(layer, p, 1, None, usable);
    n.first().and_then(|n| facility(layer, n.fid, p, access))
}

fn admin_rank(level: Option<&str>) -> usize {
    ADMIN_LEVELS
        .iter()
        .position(|(l, ..)| Some(*l) == level)
        .unwrap_or(ADMIN_LEVELS.len())
}

/// The risk profile at `p` (lon/lat already checked).
pub fn point_profile(
    store: &Store,
    derived: &Derived,
    access: &Access,
    p: Point<f64>,
) -> PointProfile {
    let mut admin = Vec::new();
    if let Some(layer) = store.layer(ADMIN).filter(|_| access.may_see(ADMIN)) {
        let level = field(layer, "level");
        let mut fids: Vec<u32> = zones_at(layer, &derived.admin.areas, p).collect();
        fids.sort_by_key(|&f| (admin_rank(text(layer, f, level)), f));
        admin = fids
            .into_iter()
            .map(|f| properties(layer, f, access))
            .collect();
    }

    let mut grids = Vec::new();
    if let Some(layer) = store
        .layer(EVACUATION_GRIDS)
        .filter(|_| access.may_see(EVACUATION_GRIDS))
    {
        let (level, shelter_id) = (field(layer, "level"), field(layer, "shelter_id"));
        let shelters = store.layer(SHELTERS).filter(|_| access.may_see(SHELTERS));
        let mut fids: Vec<u32> = layer.ids_at_point(p).collect();
        fids.sort_by_key(|&f| (int(layer, f, level), f));
        grids = fids
            .into_iter()
            .map(|fid| GridAt {
                fid,
                properties: properties(layer, fid, access),
                assigned_shelter: text(layer, fid, shelter_id).and_then(|sid| {
                    let s = shelters?;
                    facility(s, *derived.shelters_by_id.get(sid)?, p, access)
                }),
            })
            .collect();
    }

    let mut hazards = Vec::new();
    if let Some(layer) = store
        .layer(HAZARD_ZONES)
        .filter(|_| access.may_see(HAZARD_ZONES))
    {
        let (kind, grade) = (field(layer, "hazard_type"), field(layer, "grade"));
        for fid in zones_at(layer, &derived.zone_areas, p) {
            let k = text(layer, fid, kind).unwrap_or_default().to_string();
            let g = int(layer, fid, grade).unwrap_or(0);
            hazards.push(HazardAt {
                fid,
                hazard_type_zh: HAZARD_TYPES
                    .iter()
                    .find(|(c, ..)| *c == k)
                    .map_or(String::new(), |(_, zh, _)| zh.to_string()),
                grade_zh: GRADES
                    .iter()
                    .find(|(c, ..)| *c == g.to_string())
                    .map_or(String::new(), |(_, zh, _)| zh.to_string()),
                hazard_type: k,
                grade: g,
                properties: properties(layer, fid, access),
            });
        }
        hazards.sort_by(|a, b| b.grade.cmp(&a.grade).then(a.fid.cmp(&b.fid)));
    }

    PointProfile {
        lon: p.x(),
        lat: p.y(),
        admin,
        grids,
        hazards,
        nearest: NearestFacilities {
            shelter: nearest_of(store, access, SHELTERS, p),
            water_source: nearest_of(store, access, WATER_SOURCES, p),
            depot: nearest_of(store, access, DEPOTS, p),
        },
    }
}
