//! Who moves: the finest-level grids meeting the warning area, and how many of each
//! grid's persons the warned hazard threatens.

use geo::{
    BooleanOps, BoundingRect, ChamberlainDuquetteArea, Coord, Geometry, Intersects, Point, Rect,
};
use rstar::AABB;

use super::super::convex_clip as clip;
use super::super::derived::{Derived, area_of, field, hazard_index, int, text, zones_at};
use super::super::prepared::{PreparedArea, RectRelation};
use super::super::rules::counts_as_exposed;
use super::super::within::meets_area;
use super::Scope;
use crate::catalogue::{EVACUATION_GRIDS, HAZARD_POINTS, HAZARD_ZONES};
use crate::store::{Layer, Store};

/// Rain-triggered geological sites: a rainstorm's flood or meteorological warning
/// threatens them, since heavy rain sets slopes and gullies moving.
const RAIN_TRIGGERED: &[&str] = &["landslide", "debris_flow", "collapse", "unstable_slope"];

/// Every geological site type of the census (the `type` codes of `hazard_points`).
const ALL_GEOLOGICAL: &[&str] = &[
    "landslide",
    "debris_flow",
    "collapse",
    "unstable_slope",
    "ground_subsidence",
    "ground_fissure",
];

/// Which hazard-point (隐患点) types a warning of each hazard type threatens.
///
/// - `flood`, `meteorological`: the rain-triggered sites (landslide, debris flow,
///   collapse, unstable slope);
/// - `geological`: every geological site type;
/// - `earthquake`, `forest_fire`, `drought`: none — no advance warning area of these
///   is issued for the sites, and their threat is not the sites' own.
pub const POINT_THREATS: [(&str, &[&str]); 6] = [
    ("flood", RAIN_TRIGGERED),
    ("meteorological", RAIN_TRIGGERED),
    ("geological", ALL_GEOLOGICAL),
    ("earthquake", &[]),
    ("forest_fire", &[]),
    ("drought", &[]),
];

/// The hazard-point types a warning of `hazard_type` threatens.
pub fn threatened_point_types(hazard_type: &str) -> &'static [&'static str] {
    POINT_THREATS
        .iter()
        .find(|(h, _)| *h == hazard_type)
        .map_or(&[], |(_, t)| t)
}

/// The danger zones of the warned hazard: zones of its type graded ≥ `min_grade`.
pub struct DangerZones<'a> {
    layer: Option<&'a Layer>,
    areas: &'a [PreparedArea],
    counts: Vec<bool>,
}

impl<'a> DangerZones<'a> {
    pub fn new(store: &'a Store, derived: &'a Derived, hazard: usize, min_grade: i64) -> Self {
        let layer = store.layer(HAZARD_ZONES);
        let counts = layer.map_or_else(Vec::new, |z| {
            let (kind, grade) = (field(z, "hazard_type"), field(z, "grade"));
            (0..z.features.len() as u32)
                .map(|f| {
                    text(z, f, kind).and_then(hazard_index) == Some(hazard)
                        && counts_as_exposed(int(z, f, grade).unwrap_or(0), min_grade)
                })
                .collect()
        });
        DangerZones {
            layer,
            areas: &derived.zone_areas,
            counts,
        }
    }

    /// Is `p` in a danger zone? The highest such grade there.
    pub fn grade_at(&self, p: Point<f64>) -> Option<i64> {
        let z = self.layer?;
        let grade = field(z, "grade");
        zones_at(z, self.areas, p)
            .filter(|&f| self.counts[f as usize])
            .filter_map(|f| int(z, f, grade))
            .max()
    }

    /// Danger zones whose box meets `rect`, with where `rect` lies against each.
    fn near(&self, rect: Rect<f64>) -> Vec<(u32, RectRelation)> {
        let Some(z) = self.layer else {
            return Vec::new();
        };
        let env = AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        z.boxes
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.data)
            .filter(|&f| self.counts[f as usize])
            .map(|f| (f, self.areas[f as usize].rect_relation(rect)))
            .filter(|(_, r)| *r != RectRelation::Outside)
            .collect()
    }
}

/// A grid of the warning area whose persons move.
#[derive(Debug, Clone)]
pub struct Mover {
    pub fid: u32,
    /// Share of the grid's area inside the warning area.
    pub share: f64,
    /// Share of the grid's area inside the warning area and in a danger zone (equal to
    /// `share` under scope `all`).
    pub exposed_share: f64,
    /// Persons threatened by hazard points of matching types in the grid and the area
    /// (at most the grid's persons).
    pub threatened: i64,
    pub persons: i64,
    pub households: i64,
    pub special: i64,
    /// What moves them: `zone`, `hazard_points` or `area` (scope `all`).
    pub basis: &'static str,
}

/// Grids meeting the warning area and what they hold there.
pub struct Exposure {
    /// Grids with persons to move.
    pub movers: Vec<Mover>,
    /// Finest-level grids meeting the area, and their persons inside it.
    pub grids_in_area: usize,
    pub persons_in_area: i64,
    /// Hazard points of matching types in the area, their threatened persons, and the
    /// persons of points in no grid (counted, not routed).
    pub hazard_points: usize,
    pub threatened_outside_grids: i64,
}

/// Find the grids and the persons that move.
pub fn who_moves(
    store: &Store,
    derived: &Derived,
    area: &PreparedArea,
    hazard_type: &str,
    scope: Scope,
    zones: &DangerZones,
) -> Exposure {
    let mut out = Exposure {
        movers: Vec::new(),
        grids_in_area: 0,
        persons_in_area: 0,
        hazard_points: 0,
        threatened_outside_grids: 0,
    };
    let (Some(grids), Some(b)) = (store.layer(EVACUATION_GRIDS), area.bbox) else {
        return out;
    };
    let gf = |n: &str| field(grids, n);
    let (persons_i, households_i, special_i) =
        (gf("persons"), gf("households"), gf("special_needs"));
    let threatened = if scope == Scope::Exposed {
        point_threats(store, derived, area, hazard_type, &mut out)
    } else {
        Default::default()
    };
    let env = AABB::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]);
    let mut cands: Vec<u32> = grids
        .boxes
        .locate_in_envelope_intersecting(&env)
        .map(|e| e.data)
        .filter(|&f| derived.grids.is_leaf.get(f as usize).copied() == Some(true))
        .collect();
    cands.sort_unstable();
    for fid in cands {
        let geometry = &grids.features[fid as usize].geometry;
        let share = share_inside(geometry, area);
        if share <= 0.0 {
            continue;
        }
        let all = int(grids, fid, persons_i).unwrap_or(0).max(0);
        out.grids_in_area += 1;
        out.persons_in_area += (all as f64 * share).round() as i64;
        let (exposed_share, points, persons, basis) = match scope {
            Scope::All => (share, 0, (all as f64 * share).round() as i64, "area"),
            Scope::Exposed => {
                let e = exposed_share(geometry, area, share, zones);
                let from_zones = (all as f64 * e).round() as i64;
                let points = threatened.get(&fid).copied().unwrap_or(0).min(all);
                // The larger of the two, not their sum: the persons a hazard point
                // threatens mostly live in the zones around it.
                if points > from_zones {
                    (e, points, points, "hazard_points")
                } else {
                    (e, points, from_zones, "zone")
                }
            }
        };
        if persons <= 0 {
            continue;
        }
        let ratio = if all > 0 {
            persons as f64 / all as f64
        } else {
            0.0
        };
        let part = |v: Option<i64>| (v.unwrap_or(0).max(0) as f64 * ratio).round() as i64;
        out.movers.push(Mover {
            fid,
            share,
            exposed_share,
            threatened: points,
            persons,
            households: part(int(grids, fid, households_i)),
            special: part(int(grids, fid, special_i)),
            basis,
        });
    }
    out
}

/// Persons threatened by hazard points of the types the warning threatens, inside
/// the area, per finest-level grid holding the point.
fn point_threats(
    store: &Store,
    derived: &Derived,
    area: &PreparedArea,
    hazard_type: &str,
    out: &mut Exposure,
) -> foldhash::HashMap<u32, i64> {
    let mut per_grid = foldhash::HashMap::default();
    let types = threatened_point_types(hazard_type);
    let (Some(points), Some(grids), Some(b)) = (
        store.layer(HAZARD_POINTS),
        store.layer(EVACUATION_GRIDS),
        area.bbox,
    ) else {
        return per_grid;
    };
    if types.is_empty() {
        return per_grid;
    }
    let (kind, persons) = (field(points, "type"), field(points, "threatened_persons"));
    let env = AABB::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]);
    for fid in points
        .boxes
        .locate_in_envelope_intersecting(&env)
        .map(|e| e.data)
    {
        let Geometry::Point(p) = points.features[fid as usize].geometry else {
            continue;
        };
        if !text(points, fid, kind).is_some_and(|k| types.contains(&k)) || !area.covers_point(p) {
            continue;
        }
        out.hazard_points += 1;
        let n = int(points, fid, persons).unwrap_or(0).max(0);
        let holder = grids
            .boxes
            .locate_all_at_point(&[p.x(), p.y()])
            .map(|e| e.data)
            .filter(|&g| derived.grids.is_leaf.get(g as usize).copied() == Some(true))
            .find(|&g| grids.features[g as usize].geometry.intersects(&p));
        match holder {
            Some(g) => *per_grid.entry(g).or_insert(0) += n,
            None => out.threatened_outside_grids += n,
        }
    }
    per_grid
}

/// Share of grid `g`'s area inside the warning area (exact; see `clip`).
pub fn share_inside(g: &Geometry<f64>, area: &PreparedArea) -> f64 {
    let Some(rect) = g.bounding_rect() else {
        return 0.0;
    };
    match area.rect_relation(rect) {
        RectRelation::Inside => 1.0,
        RectRelation::Outside => 0.0,
        RectRelation::Crosses => {
            let Some(mp) = area_of(g) else { return 0.0 };
            if !meets_area(g, area) {
                return 0.0;
            }
            // Convex single-part grids (the usual case): clip the warning polygon by the
            // grid, in lon/lat (over a grid a few km across the ratio of planar lon/lat
            // areas equals the ratio of ellipsoidal areas to well under 0.1%).
            if let Some(w) = window(g) {
                let whole = clip::window_area(&w);
                return if whole > 0.0 {
                    (clip::area_inside(&area.shape, &w) / whole).clamp(0.0, 1.0)
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

fn window(g: &Geometry<f64>) -> Option<Vec<Coord<f64>>> {
    match area_of(g)?.0.as_slice() {
        [single] => clip::convex_window(single),
        _ => None,
    }
}

/// Points per side of the lattice `exposed_share` samples when neither shortcut
/// applies (grid on both the warning's and a zone's boundary): 24 × 24 points, so
/// the share is good to about 2% of the grid, for grids that are a thin minority.
const LATTICE: usize = 24;

/// Share of grid `g` in (warning area ∩ danger zones). Zones of one hazard type form
/// a coverage (no two overlap), so their parts add up.
fn exposed_share(g: &Geometry<f64>, area: &PreparedArea, share: f64, zones: &DangerZones) -> f64 {
    let Some(rect) = g.bounding_rect() else {
        return 0.0;
    };
    let near = zones.near(rect);
    if near.iter().any(|(_, r)| *r == RectRelation::Inside) {
        return share;
    }
    if near.is_empty() {
        return 0.0;
    }
    // The grid wholly in the warning area: clip each zone by the grid, exactly.
    if share >= 1.0
        && let Some(w) = window(g)
    {
        let whole = clip::window_area(&w);
        if whole <= 0.0 {
            return 0.0;
        }
        let inside: f64 = near
            .iter()
            .map(|(f, _)| clip::area_inside(&zones.areas[*f as usize].shape, &w))
            .sum();
        return (inside / whole).clamp(0.0, share);
    }
    // On both boundaries: count lattice points of the grid in both.
    let (mut in_grid, mut hit) = (0usize, 0usize);
    let (w, h) = (rect.width(), rect.height());
    for i in 0..LATTICE {
        for j in 0..LATTICE {
            let p = Point::new(
                rect.min().x + w * (i as f64 + 0.5) / LATTICE as f64,
                rect.min().y + h * (j as f64 + 0.5) / LATTICE as f64,
            );
            if !g.intersects(&p) {
                continue;
            }
            in_grid += 1;
            if area.covers_point(p)
                && near
                    .iter()
                    .any(|(f, _)| zones.areas[*f as usize].covers_point(p))
            {
                hit += 1;
            }
        }
    }
    if in_grid == 0 {
        0.0
    } else {
        (hit as f64 / in_grid as f64).min(share)
    }
}
