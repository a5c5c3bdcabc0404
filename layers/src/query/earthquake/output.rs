//! The zones between the isoseismals as GeoJSON, with what each holds.

use geo::{Geometry, LineString, Polygon};
use serde::Serialize;
use serde_json::Value as Json;

use super::isoseismals::Zone;
use super::tally::{DepotAt, ShelterAt, Tally};
use crate::query::attenuation::roman;
use crate::query::geojson::geometry;

/// The zones as a GeoJSON FeatureCollection.
#[derive(Debug, Clone, Serialize)]
pub struct ZoneCollection {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub features: Vec<ZoneFeature>,
}

/// One zone: its isoseismal minus the next higher one.
#[derive(Debug, Clone, Serialize)]
pub struct ZoneFeature {
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The degree.
    pub id: u8,
    /// GeoJSON Polygon.
    pub geometry: Json,
    pub properties: ZoneFigures,
}

/// What one zone holds.
#[derive(Debug, Clone, Serialize)]
pub struct ZoneFigures {
    pub intensity: u8,
    pub intensity_roman: &'static str,
    pub long_semi_axis_km: f64,
    pub short_semi_axis_km: f64,
    pub persons: i64,
    pub households: i64,
    pub grids: usize,
    pub shelters: usize,
    pub shelters_usable: usize,
    pub usable_shelter_capacity: i64,
    pub depots: usize,
    pub shelter_list: Vec<ShelterAt>,
    pub depot_list: Vec<DepotAt>,
}

/// The zones with their tallies (`tally` is per zone, in the same order).
pub(super) fn collection(zones: &[Zone], tally: Tally) -> ZoneCollection {
    let round1 = |v: f64| (v * 10.0).round() / 10.0;
    let features = zones
        .iter()
        .zip(tally.zones)
        .enumerate()
        .map(|(k, (z, t))| {
            let outer = z.area.shape.0[0].exterior().clone();
            let holes = match k {
                0 => vec![],
                _ => vec![reverse(zones[k - 1].area.shape.0[0].exterior())],
            };
            ZoneFeature {
                kind: "Feature",
                id: z.degree,
                geometry: geometry(&Geometry::Polygon(Polygon::new(outer, holes))),
                properties: ZoneFigures {
                    intensity: z.degree,
                    intensity_roman: roman(z.degree),
                    long_semi_axis_km: round1(z.a_km),
                    short_semi_axis_km: round1(z.b_km),
                    persons: t.persons,
                    households: t.households,
                    grids: t.grids,
                    shelters: t.shelters.len(),
                    shelters_usable: t.shelters.iter().filter(|s| s.usable).count(),
                    usable_shelter_capacity: t.usable_capacity,
                    depots: t.depots.len(),
                    shelter_list: t.shelters,
                    depot_list: t.depots,
                },
            }
        })
        .collect();
    ZoneCollection {
        kind: "FeatureCollection",
        features,
    }
}

fn reverse(l: &LineString<f64>) -> LineString<f64> {
    LineString(l.0.iter().rev().copied().collect())
}
