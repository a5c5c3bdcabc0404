//! Which shelters can take persons in: open, with capacity, and not themselves in a
//! danger zone of the warned hazard. Lying inside the warning polygon is not by itself
//! a reason: a school on a hill inside a flood warning area is where people go.

use geo::{Distance, Geodesic, Geometry, Point};
use serde::Serialize;

use super::super::derived::{field, text};
use super::super::prepared::PreparedArea;
use super::super::rules::ShelterFields;
use super::super::within::half_diagonal_m;
use super::exposure::DangerZones;
use crate::store::Layer;

/// A shelter that cannot be used, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Unusable {
    pub fid: u32,
    pub shelter_id: Option<String>,
    pub name: Option<String>,
    /// `closed`, `no_capacity` or `in_hazard_zone`.
    pub reason: &'static str,
    /// For `in_hazard_zone`: the grade of the danger zone it lies in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone_grade: Option<i64>,
}

/// The shelters' standing for this warning.
pub struct ShelterState {
    /// Why shelter `fid` is unusable (None: usable).
    pub reason: Vec<Option<(&'static str, Option<i64>)>>,
    pub capacity: Vec<i64>,
}

impl ShelterState {
    pub fn usable(&self, fid: u32) -> bool {
        self.reason.get(fid as usize).is_some_and(Option::is_none)
    }
}

/// Judge every shelter.
pub fn judge(shelters: &Layer, zones: &DangerZones) -> ShelterState {
    let rule = ShelterFields::of(shelters);
    let n = shelters.features.len();
    let mut state = ShelterState {
        reason: vec![None; n],
        capacity: vec![0; n],
    };
    for fid in 0..n as u32 {
        state.capacity[fid as usize] = rule.capacity(shelters, fid);
        let Geometry::Point(p) = shelters.features[fid as usize].geometry else {
            state.reason[fid as usize] = Some(("no_location", None));
            continue;
        };
        state.reason[fid as usize] = match rule.check(shelters, fid) {
            Err(closed) => Some((closed.as_str(), None)),
            Ok(()) => zones.grade_at(p).map(|g| ("in_hazard_zone", Some(g))),
        };
    }
    state
}

/// The unusable shelters within reach of the warning area (`max_d` from its box),
/// for the report: the others could not have been used anyway.
pub fn unusable_near(
    shelters: &Layer,
    state: &ShelterState,
    area: &PreparedArea,
    max_d: f64,
) -> Vec<Unusable> {
    let Some(b) = area.bbox else {
        return Vec::new();
    };
    let centre = Point::new((b.min().x + b.max().x) / 2.0, (b.min().y + b.max().y) / 2.0);
    let reach = max_d + half_diagonal_m(b);
    let (sid, name) = (field(shelters, "shelter_id"), field(shelters, "name"));
    let mut out = Vec::new();
    for (fid, why) in state.reason.iter().enumerate() {
        let Some((reason, zone_grade)) = *why else {
            continue;
        };
        let fid = fid as u32;
        let near = match shelters.features[fid as usize].geometry {
            Geometry::Point(p) => Geodesic.distance(centre, p) <= reach,
            _ => false,
        };
        if near {
            out.push(Unusable {
                fid,
                shelter_id: text(shelters, fid, sid).map(str::to_string),
                name: text(shelters, fid, name).map(str::to_string),
                reason,
                zone_grade,
            });
        }
    }
    out
}
