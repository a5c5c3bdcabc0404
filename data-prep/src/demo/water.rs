//! Fire-fighting water sources (消防水源点): 4,836 for Chuxiong, shared over counties by
//! area and population. Streams lie on the real rivers, reservoirs near them, ponds and
//! tanks by villages and in the hills, hydrants in township towns.

use anyhow::{Context, Result};
use geo::{
    BoundingRect, Contains, Coord, Euclidean, InterpolateLine, Intersects, Length, LineString,
};
use rand::Rng;

use super::admin::{AdminTree, County, area_m2};
use super::apportion::apportion;
use super::local::LocalFrame;
use super::model::WaterSource;
use super::placement::{near, random_inside};
use super::random::{DemoRng, lognormal, stream, weighted_index};
use super::reference::RefLine;

/// (kind, draw weight)
const KINDS: [(&str, f64); 5] = [
    ("pond", 0.35),
    ("tank", 0.27),
    ("stream", 0.25),
    ("hydrant", 0.08),
    ("reservoir", 0.05),
];

pub fn generate(
    seed: u64,
    tree: &AdminTree,
    rivers: &[RefLine],
    total: u64,
    frame: &LocalFrame,
) -> Result<Vec<WaterSource>> {
    let areas: Vec<f64> = tree
        .counties
        .iter()
        .map(|c| area_m2(&c.unit.geometry, frame))
        .collect();
    let area_sum: f64 = areas.iter().sum();
    let pop_sum: f64 = tree.counties.iter().map(|c| c.unit.population as f64).sum();
    let weights: Vec<f64> = tree
        .counties
        .iter()
        .zip(&areas)
        .map(|(c, a)| 0.7 * a / area_sum + 0.3 * c.unit.population as f64 / pop_sum)
        .collect();
    let counts =
        apportion(total, &weights, &vec![1; weights.len()]).context("water sources per county")?;
    let mut out = Vec::with_capacity(total as usize);
    for (county, n) in tree.counties.iter().zip(counts) {
        let mut rng = stream(seed, "water", &county.unit.code);
        let bbox = county
            .unit
            .geometry
            .bounding_rect()
            .context("county without extent")?;
        let local_rivers: Vec<&LineString> = rivers
            .iter()
            .map(|r| &r.geometry)
            .filter(|l| l.bounding_rect().is_some_and(|b| b.intersects(&bbox)))
            .collect();
        for i in 0..n {
            out.push(source(
                &mut rng,
                county,
                &local_rivers,
                i as usize + 1,
                frame,
            ));
        }
    }
    Ok(out)
}

fn source(
    rng: &mut DemoRng,
    county: &County,
    rivers: &[&LineString],
    seq: usize,
    frame: &LocalFrame,
) -> WaterSource {
    let area = &county.unit.geometry;
    let kind = KINDS[weighted_index(rng, &KINDS.map(|k| k.1))].0;
    let township = &county.townships[rng.random_range(0..county.townships.len())];
    let village = &township.villages[rng.random_range(0..township.villages.len())];
    let stem: String = village.name.chars().take(2).collect();
    let on_river = |rng: &mut DemoRng, offset_m: f64| {
        river_point(rng, rivers, area)
            .map(|c| near(rng, c, offset_m, area, frame))
            .unwrap_or_else(|| random_inside(rng, area))
    };
    let (at, name, volume) = match kind {
        "hydrant" => (
            near(rng, township.unit.seat, 1_500.0, area, frame),
            format!("{}消火栓{seq}号", township.unit.name),
            None,
        ),
        "stream" => (
            on_river(rng, 150.0),
            format!("{stem}河段取水点"),
            Some(lognormal(rng, 800.0, 0.8).clamp(50.0, 20_000.0)),
        ),
        "reservoir" => (
            on_river(rng, 3_000.0),
            format!("{stem}水库"),
            Some(lognormal(rng, 100_000.0, 1.2).clamp(10_000.0, 5.0e7)),
        ),
        "pond" => (
            near(rng, village.seat, 2_000.0, area, frame),
            format!("{stem}坝塘"),
            Some(lognormal(rng, 3_000.0, 0.8).clamp(200.0, 50_000.0)),
        ),
        _ => (
            random_inside(rng, area),
            format!("{stem}蓄水池"),
            Some(rng.random_range(50.0..600.0)),
        ),
    };
    let volume = volume.map(|v: f64| v.round());
    let big = volume.unwrap_or(0.0);
    WaterSource {
        id: format!("SY{}{:04}", county.unit.code, seq),
        name,
        kind,
        volume_m3: volume,
        vehicle_access: match kind {
            "hydrant" => true,
            "reservoir" => rng.random_bool(0.85),
            "tank" => rng.random_bool(0.7),
            "pond" => rng.random_bool(0.6),
            _ => rng.random_bool(0.5),
        },
        pump_access: match kind {
            "hydrant" => false,
            "tank" => rng.random_bool(0.6),
            _ => rng.random_bool(0.9),
        },
        helicopter_access: match kind {
            "reservoir" if big > 50_000.0 => rng.random_bool(0.8),
            "pond" if big > 8_000.0 => rng.random_bool(0.3),
            _ => false,
        },
        county_code: county.unit.code.clone(),
        at,
    }
}

/// A point on a river inside `area`, chosen by length, if a few draws find one.
fn river_point(
    rng: &mut DemoRng,
    rivers: &[&LineString],
    area: &geo::MultiPolygon,
) -> Option<Coord> {
    if rivers.is_empty() {
        return None;
    }
    let lengths: Vec<f64> = rivers.iter().map(|l| Euclidean.length(*l)).collect();
    for _ in 0..30 {
        let line = rivers[weighted_index(rng, &lengths)];
        let p = Euclidean.point_at_ratio_from_start(line, rng.random::<f64>())?;
        if area.contains(&p) {
            return Some(p.0);
        }
    }
    None
}
