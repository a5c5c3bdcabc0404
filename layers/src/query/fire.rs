//! `analysis/fire`: a forest fire at a point — the nearest water sources (distance
//! and access), the nearest depots holding fire-fighting material, and the county
//! holding the point with its neighbouring counties to notify (联防联控).
//!
//! Neighbouring counties are those whose polygon overlaps the county's or comes
//! within [`NEIGHBOUR_TOLERANCE_M`] of its boundary: independently digitised
//! boundaries leave slivers and gaps of that order, so "touching" is tested with a
//! tolerance.

use geo::{Closest, Distance, Geodesic, Geometry, HaversineClosestPoint, Point};
use rstar::AABB;
use serde::Serialize;
use serde_json::{Map, Value as Json};

use super::Access;
use super::derived::{Derived, field, text, zones_at};
use super::error::{QueryError, QueryResult};
use super::geojson::properties;
use super::limits::Limits;
use super::nearest::{Filter, predicate};
use super::point::Facility;
use super::prepared::PreparedArea;
use crate::catalogue::{ADMIN, DEPOTS, FIRE_CATEGORIES, WATER_SOURCES};
use crate::store::{Layer, Store};

pub const NEIGHBOUR_TOLERANCE_M: f64 = 500.0;

#[derive(Debug, Clone)]
pub struct FireRequest {
    pub point: Point<f64>,
    pub water_k: usize,
    pub depot_k: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FireResult {
    pub lon: f64,
    pub lat: f64,
    /// Nearest water sources, nearest first (type, volume and access in properties).
    pub water_sources: Vec<Facility>,
    /// Nearest depots holding fire-fighting material (inventory categories
    /// `catalogue::FIRE_CATEGORIES`), nearest first.
    pub fire_depots: Vec<Facility>,
    pub county: Option<Map<String, Json>>,
    pub neighbouring_counties: Vec<Map<String, Json>>,
    pub neighbour_tolerance_m: f64,
}

fn facilities(
    layer: &Layer,
    access: &Access,
    p: Point<f64>,
    k: usize,
    accept: impl FnMut(u32) -> bool,
) -> Vec<Facility> {
    crate::knn::nearest(layer, p, k, None, accept)
        .into_iter()
        .filter_map(|n| match layer.features[n.fid as usize].geometry {
            Geometry::Point(q) => Some(Facility {
                fid: n.fid,
                lon: q.x(),
                lat: q.y(),
                distance_m: (n.distance_m * 10.0).round() / 10.0,
                properties: properties(layer, n.fid, access),
            }),
            _ => None,
        })
        .collect()
}

/// Do two prepared areas overlap or come within `tol_m` of each other?
fn near_each_other(a: &PreparedArea, b: &PreparedArea, tol_m: f64) -> bool {
    let (Some(ab), Some(bb)) = (a.bbox, b.bbox) else {
        return false;
    };
    let lat = (ab.min().y + ab.max().y) / 2.0;
    let tol_deg = tol_m / (111_000.0 * lat.to_radians().cos().max(0.05));
    let grown = geo::Rect::new(
        (ab.min().x - tol_deg, ab.min().y - tol_deg),
        (ab.max().x + tol_deg, ab.max().y + tol_deg),
    );
    if !geo::Intersects::intersects(&grown, &bb) {
        return false;
    }
    a.shape
        .0
        .iter()
        .flat_map(|p| p.exterior().0.iter())
        .any(|&c| {
            let v = Point::from(c);
            if b.covers_point(v) {
                return true;
            }
            let env = AABB::from_corners(
                [c.x - tol_deg, c.y - tol_deg],
                [c.x + tol_deg, c.y + tol_deg],
            );
            b.edges_in(&env)
                .any(|l| match l.haversine_closest_point(&v) {
                    Closest::SinglePoint(q) | Closest::Intersection(q) => {
                        Geodesic.distance(v, q) <= tol_m
                    }
                    Closest::Indeterminate => false,
                })
        })
}

pub fn fire(
    store: &Store,
    derived: &Derived,
    access: &Access,
    req: &FireRequest,
    limits: &Limits,
) -> QueryResult<FireResult> {
    for (k, name) in [(req.water_k, "water_k"), (req.depot_k, "depot_k")] {
        if k == 0 || k > limits.max_k {
            return Err(QueryError::bad(
                name,
                format!("must be in [1, {}], got {k}", limits.max_k),
            ));
        }
    }
    let p = req.point;
    let water_sources = store
        .layer(WATER_SOURCES)
        .filter(|_| access.may_see(WATER_SOURCES))
        .map(|l| facilities(l, access, p, req.water_k, |_| true))
        .unwrap_or_default();
    let fire_depots = store
        .layer(DEPOTS)
        .filter(|_| access.may_see(DEPOTS))
        .map(|l| {
            let any_fire: Vec<Vec<Filter>> = FIRE_CATEGORIES
                .iter()
                .map(|c| {
                    vec![Filter::Holds {
                        category: c.to_string(),
                        min: 1,
                    }]
                })
                .collect();
            let preds: Vec<_> = any_fire.iter().map(|f| predicate(l, f)).collect();
            facilities(l, access, p, req.depot_k, |fid| {
                preds.iter().any(|pr| pr(fid))
            })
        })
        .unwrap_or_default();

    let mut county = None;
    let mut neighbouring_counties = Vec::new();
    if let Some(admin) = store.layer(ADMIN).filter(|_| access.may_see(ADMIN)) {
        let level = field(admin, "level");
        let is_county = |fid: u32| text(admin, fid, level) == Some("county");
        if let Some(cf) = zones_at(admin, &derived.admin.areas, p).find(|&f| is_county(f)) {
            county = Some(properties(admin, cf, access));
            let area = &derived.admin.areas[cf as usize];
            if let Some(b) = area.bbox {
                let pad = 0.05;
                let mut cands: Vec<u32> = admin
                    .ids_in_bbox([
                        b.min().x - pad,
                        b.min().y - pad,
                        b.max().x + pad,
                        b.max().y + pad,
                    ])
                    .filter(|&f| f != cf && is_county(f))
                    .collect();
                cands.sort_unstable();
                for f in cands {
                    if near_each_other(
                        area,
                        &derived.admin.areas[f as usize],
                        NEIGHBOUR_TOLERANCE_M,
                    ) {
                        neighbouring_counties.push(properties(admin, f, access));
                    }
                }
            }
        }
    }
    Ok(FireResult {
        lon: p.x(),
        lat: p.y(),
        water_sources,
        fire_depots,
        county,
        neighbouring_counties,
        neighbour_tolerance_m: NEIGHBOUR_TOLERANCE_M,
    })
}
