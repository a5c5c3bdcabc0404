//! Emergency shelters (应急避难场所), several per township, and the assignment of each
//! level 3–5 grid to the nearest open shelter of its township.
//!
//! Shelter counts and capacities are not published, so they are drawn from the people
//! the township's grids cover: the township's total capacity is its grid persons times a
//! seeded factor, 1.15–1.9 for most townships and 0.45–0.9 for about one in seven (at
//! least one per prefecture) — the real gaps an analyst should find. A few shelters
//! are closed, only where the rest still cover the township, so the short townships are
//! exactly the ones drawn short.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use geo::{Contains, Coord, Distance, Geodesic, Point};
use rand::Rng;

use super::admin::{AdminTree, County, Township};
use super::apportion::apportion;
use super::local::LocalFrame;
use super::model::{Grid, Shelter};
use super::naming::{person, phone};
use super::placement::near;
use super::random::{DemoRng, lognormal, stream, weighted_index};

/// Probability that a township is drawn short of shelter capacity.
const SHORT_SHARE: f64 = 0.15;

/// (kind, category, facility-name suffix, capacity weight, draw weight)
const KINDS: [(&str, &str, &str, f64, f64); 5] = [
    ("school", "fixed", "小学", 2.0, 0.35),
    ("square", "emergency", "文化广场", 2.5, 0.2),
    ("park", "emergency", "公园", 2.0, 0.1),
    ("community_center", "fixed", "社区活动中心", 1.0, 0.1),
    ("village_hall", "emergency", "村委会活动场地", 0.7, 0.25),
];

pub fn generate(
    seed: u64,
    tree: &AdminTree,
    grids: &[Grid],
    frame: &LocalFrame,
) -> Result<Vec<Shelter>> {
    let persons: BTreeMap<&str, u64> = grids
        .iter()
        .filter(|g| g.level == 2)
        .map(|g| (g.code.as_str(), g.persons))
        .collect();
    let mut out = Vec::new();
    let mut any_short = false;
    let mut lowest: Option<(f64, usize, usize)> = None; // (factor, first shelter, count)
    for (county, township) in tree.townships() {
        let mut rng = stream(seed, "shelters", &township.unit.code);
        let people = persons
            .get(township.unit.code.as_str())
            .copied()
            .with_context(|| format!("no level-2 grid for township {}", township.unit.code))?;
        let short = rng.random_bool(SHORT_SHARE);
        any_short |= short;
        let factor = if short {
            rng.random_range(0.45..0.9)
        } else {
            rng.random_range(1.15..1.9)
        };
        let first = out.len();
        let shelters = township_shelters(&mut rng, county, township, people, factor, frame)?;
        if lowest.is_none_or(|l| factor < l.0) {
            lowest = Some((factor, first, shelters.len()));
        }
        out.extend(shelters);
    }
    if !any_short {
        // Every prefecture shows at least one gap: shrink the least-covered township.
        if let Some((factor, first, n)) = lowest {
            let shrink = 0.7 / factor;
            for s in &mut out[first..first + n] {
                s.capacity = ((s.capacity as f64 * shrink).floor() as u64).max(1);
                s.area_m2 = (s.area_m2 * shrink * 10.0).round() / 10.0;
                s.open = true;
            }
        }
    }
    Ok(out)
}

fn township_shelters(
    rng: &mut DemoRng,
    county: &County,
    township: &Township,
    people: u64,
    factor: f64,
    frame: &LocalFrame,
) -> Result<Vec<Shelter>> {
    let t = &township.unit;
    let n = (2 + people / 1_500).min(12) as usize;
    let county_town = t.seat == county.unit.seat;
    let mut drafts: Vec<(&str, &str, String, f64, Coord)> = Vec::with_capacity(n);
    // The first shelter is at the township town: the county's main site in the county
    // town, the central school elsewhere.
    let stem: String = t.name.chars().take(2).collect();
    let (kind, category, facility, weight) = if county_town {
        (
            "stadium",
            "comprehensive",
            format!("{}体育场", county.unit.name),
            5.0,
        )
    } else {
        ("school", "fixed", format!("{stem}中心学校"), 3.0)
    };
    drafts.push((
        kind,
        category,
        facility,
        weight,
        near(rng, t.seat, 1_500.0, &t.geometry, frame),
    ));
    for _ in 1..n {
        let village = &township.villages[rng.random_range(0..township.villages.len())];
        let (kind, category, suffix, weight, _) = KINDS[weighted_index(rng, &KINDS.map(|k| k.4))];
        let place: String = village.name.chars().take(2).collect();
        let facility = match kind {
            "community_center" => format!("{stem}{suffix}"),
            _ => format!("{place}{suffix}"),
        };
        drafts.push((
            kind,
            category,
            facility,
            weight,
            near(rng, village.seat, 800.0, &t.geometry, frame),
        ));
    }
    let target = (people as f64 * factor).round() as u64;
    let weights: Vec<f64> = drafts
        .iter()
        .map(|d| d.3 * lognormal(rng, 1.0, 0.3))
        .collect();
    let capacities = apportion(target, &weights, &vec![1; n]).context("shelter capacities")?;
    let mut open_capacity: u64 = capacities.iter().sum();
    let mut shelters = Vec::with_capacity(n);
    for (i, ((kind, category, facility, _, at), capacity)) in
        drafts.into_iter().zip(capacities).enumerate()
    {
        // Closing keeps the township covered: only where the others still hold everyone.
        let open = !(i > 0
            && rng.random_bool(0.04)
            && open_capacity - capacity >= (people as f64 * 1.05) as u64);
        if !open {
            open_capacity -= capacity;
        }
        let village = township
            .villages
            .iter()
            .find(|v| v.geometry.contains(&Point(at)))
            .map_or("", |v| v.name.as_str());
        shelters.push(Shelter {
            id: format!("BN{}{:02}", t.code, i + 1),
            name: format!("{facility}避难场所"),
            category,
            kind,
            capacity,
            area_m2: (capacity as f64 * rng.random_range(1.5..2.0) * 10.0).round() / 10.0,
            open,
            address: format!("{}{}{}", county.unit.name, t.name, village),
            manager: person(rng),
            manager_phone: phone(rng),
            county_code: county.unit.code.clone(),
            township_code: t.code.clone(),
            at,
        });
    }
    Ok(shelters)
}

/// Give every level 3–5 grid the nearest open shelter of its township (geodesic
/// distance from a point inside the grid).
pub fn assign(grids: &mut [Grid], shelters: &[Shelter]) {
    let mut by_township: BTreeMap<&str, Vec<&Shelter>> = BTreeMap::new();
    for s in shelters.iter().filter(|s| s.open) {
        by_township
            .entry(s.township_code.as_str())
            .or_default()
            .push(s);
    }
    for g in grids.iter_mut().filter(|g| g.level >= 3) {
        let Some(candidates) = g.township_code.as_deref().and_then(|t| by_township.get(t)) else {
            continue;
        };
        g.shelter_id = candidates
            .iter()
            .min_by(|a, b| {
                let da = Geodesic.distance(Point(g.anchor), Point(a.at));
                let db = Geodesic.distance(Point(g.anchor), Point(b.at));
                da.total_cmp(&db)
            })
            .map(|s| s.id.clone());
    }
}
