//! Geological hazard sites (地质灾害隐患点): clustered around the real landslide events
//! and along the real faults, the rest scattered, each with the persons and property
//! it threatens and a (synthetic) monitoring person.

use anyhow::Result;
use geo::{Coord, Euclidean, InterpolateLine, Length, LineString};
use rand::Rng;

use super::admin::AdminTree;
use super::local::LocalFrame;
use super::model::HazardPoint;
use super::naming::{person, phone};
use super::placement::{jitter, random_inside};
use super::random::{lognormal, stream, weighted_index};
use super::reference::Reference;

/// (kind, zh, draw weight)
const KINDS: [(&str, &str, f64); 6] = [
    ("landslide", "滑坡", 0.45),
    ("debris_flow", "泥石流", 0.2),
    ("collapse", "崩塌", 0.2),
    ("unstable_slope", "不稳定斜坡", 0.12),
    ("ground_subsidence", "地面塌陷", 0.02),
    ("ground_fissure", "地裂缝", 0.01),
];
/// (scale, persons multiplier, draw weight)
const SCALES: [(&str, f64, f64); 4] = [
    ("small", 1.0, 0.7),
    ("medium", 2.0, 0.22),
    ("large", 4.0, 0.07),
    ("huge", 8.0, 0.01),
];

pub fn generate(
    seed: u64,
    reference: &Reference,
    tree: &AdminTree,
    total: u64,
    frame: &LocalFrame,
) -> Result<Vec<HazardPoint>> {
    let mut rng = stream(seed, "hazard-points", &tree.prefecture.code);
    let region = &tree.prefecture.geometry;
    let inside = |c: &Coord| tree.locate(*c).is_some();
    let slides: Vec<Coord> = reference
        .landslides
        .iter()
        .copied()
        .filter(inside)
        .collect();
    let faults: Vec<&LineString> = reference
        .faults
        .iter()
        .map(|f| &f.geometry)
        .filter(|l| l.0.iter().any(inside))
        .collect();
    let fault_lengths: Vec<f64> = faults.iter().map(|l| Euclidean.length(*l)).collect();
    let mut seq: std::collections::BTreeMap<String, usize> = Default::default();
    let mut out = Vec::with_capacity(total as usize);
    while (out.len() as u64) < total {
        let draw: f64 = rng.random();
        let candidate = if draw < 0.4 && !slides.is_empty() {
            let s = slides[rng.random_range(0..slides.len())];
            jitter(&mut rng, s, 12_000.0, frame)
        } else if draw < 0.75 && !faults.is_empty() {
            let l = faults[weighted_index(&mut rng, &fault_lengths)];
            match Euclidean.point_at_ratio_from_start(l, rng.random::<f64>()) {
                Some(p) => jitter(&mut rng, p.0, 3_000.0, frame),
                None => continue,
            }
        } else {
            random_inside(&mut rng, region)
        };
        let Some((county, _, village)) = tree.locate(candidate) else {
            continue;
        };
        let (kind, zh, _) = KINDS[weighted_index(&mut rng, &KINDS.map(|k| k.2))];
        let (scale, mult, _) = SCALES[weighted_index(&mut rng, &SCALES.map(|s| s.2))];
        let persons = (lognormal(&mut rng, 25.0, 0.9) * mult).round().min(5_000.0);
        let n = seq.entry(county.unit.code.clone()).or_default();
        *n += 1;
        let stem: String = village.name.chars().take(2).collect();
        out.push(HazardPoint {
            point_id: format!("ZH{}{:04}", county.unit.code, n),
            kind,
            name: format!("{stem}{zh}"),
            threatened_persons: persons as u64,
            threatened_property: (persons * rng.random_range(0.8..4.0) * 10.0).round() / 10.0,
            scale,
            responsible_person: person(&mut rng),
            responsible_phone: phone(&mut rng),
            county_code: county.unit.code.clone(),
            at: candidate,
        });
    }
    Ok(out)
}
