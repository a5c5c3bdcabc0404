//! What each zone holds (persons and grids, shelters usable or not, depots) and the
//! depots within reach of the epicentre.

use geo::{Geometry, Point};
use rstar::AABB;
use serde::Serialize;
use serde_json::{Map, Value as Json};

use super::UNUSABLE_FROM;
use super::isoseismals::{Zone, degree_at};
use crate::access::Access;
use crate::catalogue::{DEPOTS, EVACUATION_GRIDS, SHELTERS};
use crate::query::derived::{Derived, field, int};
use crate::query::geojson::properties;
use crate::query::rules::ShelterFields;
use crate::store::{Layer, Store};

/// A shelter in a zone.
#[derive(Debug, Clone, Serialize)]
pub struct ShelterAt {
    pub fid: u32,
    pub lon: f64,
    pub lat: f64,
    pub usable: bool,
    /// `closed`, `no_capacity` or `intensity_ix_or_above`; null when usable.
    pub unusable_reason: Option<&'static str>,
    pub properties: Map<String, Json>,
}

/// A depot in a zone.
#[derive(Debug, Clone, Serialize)]
pub struct DepotAt {
    pub fid: u32,
    pub lon: f64,
    pub lat: f64,
    pub properties: Map<String, Json>,
}

/// A depot within reach of the epicentre.
#[derive(Debug, Clone, Serialize)]
pub struct DepotInReach {
    pub fid: u32,
    pub lon: f64,
    pub lat: f64,
    pub distance_m: f64,
    /// The degree at the depot, if inside a zone.
    pub intensity: Option<u8>,
    /// At degree IX or above.
    pub possibly_damaged: bool,
    pub properties: Map<String, Json>,
}

/// One zone's figures.
#[derive(Debug, Default)]
pub(super) struct ZoneTally {
    pub persons: i64,
    pub households: i64,
    pub grids: usize,
    pub usable_capacity: i64,
    pub shelters: Vec<ShelterAt>,
    pub depots: Vec<DepotAt>,
}

/// Every zone's figures, in the zones' order.
pub(super) struct Tally {
    pub zones: Vec<ZoneTally>,
}

impl Tally {
    pub fn count(store: &Store, derived: &Derived, access: &Access, zones: &[Zone]) -> Tally {
        let mut tally = Tally {
            zones: zones.iter().map(|_| ZoneTally::default()).collect(),
        };
        let visible = |id: &str| store.layer(id).filter(|_| access.may_see(id));
        if let Some(grids) = visible(EVACUATION_GRIDS) {
            tally.grids(grids, derived, zones);
        }
        if let Some(shelters) = visible(SHELTERS) {
            tally.shelters(shelters, access, zones);
        }
        if let Some(depots) = visible(DEPOTS) {
            for (fid, p, d) in points_in(depots, zones) {
                tally.zone(zones, d).depots.push(DepotAt {
                    fid,
                    lon: p.x(),
                    lat: p.y(),
                    properties: properties(depots, fid, access),
                });
            }
        }
        tally
    }

    fn zone(&mut self, zones: &[Zone], degree: u8) -> &mut ZoneTally {
        let k = zones.iter().position(|z| z.degree == degree).unwrap_or(0);
        &mut self.zones[k]
    }

    /// Finest-level grids, each in the zone of its representative point.
    fn grids(&mut self, grids: &Layer, derived: &Derived, zones: &[Zone]) {
        let Some(env) = outer_envelope(zones) else {
            return;
        };
        let (p_i, h_i) = (field(grids, "persons"), field(grids, "households"));
        for e in grids.boxes.locate_in_envelope_intersecting(&env) {
            let fid = e.data;
            if !derived.grids.is_leaf[fid as usize] {
                continue;
            }
            if let Some(d) = degree_at(zones, derived.grids.rep[fid as usize]) {
                let z = self.zone(zones, d);
                z.persons += int(grids, fid, p_i).unwrap_or(0);
                z.households += int(grids, fid, h_i).unwrap_or(0);
                z.grids += 1;
            }
        }
    }

    /// Shelters: usable when open with capacity (the shared rule) and shaking below IX.
    fn shelters(&mut self, shelters: &Layer, access: &Access, zones: &[Zone]) {
        let rule = ShelterFields::of(shelters);
        for (fid, p, d) in points_in(shelters, zones) {
            let reason = match rule.check(shelters, fid) {
                Err(closed) => Some(closed.as_str()),
                Ok(()) if d >= UNUSABLE_FROM => Some("intensity_ix_or_above"),
                Ok(()) => None,
            };
            let z = self.zone(zones, d);
            if reason.is_none() {
                z.usable_capacity += rule.capacity(shelters, fid);
            }
            z.shelters.push(ShelterAt {
                fid,
                lon: p.x(),
                lat: p.y(),
                usable: reason.is_none(),
                unusable_reason: reason,
                properties: properties(shelters, fid, access),
            });
        }
    }
}

/// The depots within `reach_km` of `c`, nearest first, with the degree at each.
pub(super) fn depots_in_reach(
    store: &Store,
    access: &Access,
    zones: &[Zone],
    c: Point<f64>,
    reach_km: f64,
) -> Vec<DepotInReach> {
    let Some(depots) = store.layer(DEPOTS).filter(|_| access.may_see(DEPOTS)) else {
        return Vec::new();
    };
    let all = depots.features.len().max(1);
    crate::knn::nearest(depots, c, all, Some(reach_km * 1000.0), |_| true)
        .into_iter()
        .filter_map(|nb| {
            let Geometry::Point(p) = depots.features[nb.fid as usize].geometry else {
                return None;
            };
            let intensity = degree_at(zones, p);
            Some(DepotInReach {
                fid: nb.fid,
                lon: p.x(),
                lat: p.y(),
                distance_m: nb.distance_m.round(),
                intensity,
                possibly_damaged: intensity.is_some_and(|d| d >= UNUSABLE_FROM),
                properties: properties(depots, nb.fid, access),
            })
        })
        .collect()
}

/// The bounding envelope of the outermost isoseismal.
fn outer_envelope(zones: &[Zone]) -> Option<AABB<[f64; 2]>> {
    let b = zones.last()?.area.bbox?;
    Some(AABB::from_corners(
        [b.min().x, b.min().y],
        [b.max().x, b.max().y],
    ))
}

/// The point features of `layer` inside the zones, with the degree at each.
fn points_in<'a>(
    layer: &'a Layer,
    zones: &'a [Zone],
) -> impl Iterator<Item = (u32, Point<f64>, u8)> + 'a {
    outer_envelope(zones)
        .into_iter()
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
