//! Generating the whole demo: one prefecture, or every prefecture of the province on
//! worker threads (each prefecture draws from its own seeded streams, so the result
//! does not depend on the thread count or finishing order).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use geo::{BoundingRect, Coord};

use super::admin::{self, AdminTree, snap_multi};
use super::local::LocalFrame;
use super::model::{AdminLevel, AdminUnit, DemoData};
use super::reference::{RefPrefecture, Reference};
use super::sizing::{CHUXIONG, Quotas};
use super::{depots, grids, hazard_points, hazard_zones, shelters, water};

/// Which area to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// 楚雄彝族自治州 (532300) and its 10 counties.
    Chuxiong,
    /// All 16 prefectures and 129 counties of Yunnan at Chuxiong's density.
    Yunnan,
}

/// One prefecture's admin tree and generated layers.
type Generated = (AdminTree, DemoData);

/// Share of the prefectures' depot items held in the province's own depot (Yunnan).
const PROVINCE_DEPOT_SHARE: f64 = 0.25;

pub fn population_of(reference: &Reference, prefecture: &str) -> u64 {
    reference
        .counties_of(prefecture)
        .map(|c| c.population)
        .sum()
}

/// One prefecture's admin tree and layers.
pub fn prefecture(
    seed: u64,
    reference: &Reference,
    pref: &RefPrefecture,
) -> Result<(AdminTree, DemoData)> {
    let started = Instant::now();
    let quotas = Quotas::for_population(
        population_of(reference, &pref.code),
        population_of(reference, CHUXIONG),
    );
    let bbox = pref
        .geometry
        .bounding_rect()
        .context("prefecture without extent")?;
    let centre: Coord = bbox.center();
    let frame = LocalFrame::new(centre.x, centre.y);
    let tree = admin::generate(seed, reference, pref, &quotas, &frame)?;
    let mut grids = grids::generate(seed, &tree, &quotas, &frame)?;
    let shelters = shelters::generate(seed, &tree, &grids, &frame)?;
    shelters::assign(&mut grids, &shelters);
    let data = DemoData {
        admin: tree.units(),
        water_sources: water::generate(
            seed,
            &tree,
            &reference.rivers,
            quotas.water_sources,
            &frame,
        )?,
        depots: depots::generate(seed, &tree, quotas.depot_items, &frame)?,
        hazard_zones: hazard_zones::generate(seed, reference, &tree, &frame)?,
        hazard_points: hazard_points::generate(
            seed,
            reference,
            &tree,
            quotas.hazard_points,
            &frame,
        )?,
        grids,
        shelters,
    };
    tracing::info!(
        prefecture = %pref.code,
        name = %pref.name,
        grids = data.grids.len(),
        zones = data.hazard_zones.len(),
        seconds = started.elapsed().as_secs_f64(),
        "generated"
    );
    Ok((tree, data))
}

/// The demo data for `scale`.
pub fn generate(seed: u64, reference: &Reference, scale: Scale) -> Result<DemoData> {
    match scale {
        Scale::Chuxiong => {
            let pref = reference
                .prefecture(CHUXIONG)
                .ok_or_else(|| anyhow!("reference data has no prefecture {CHUXIONG}"))?;
            let (_, data) = prefecture(seed, reference, pref)
                .with_context(|| format!("prefecture {CHUXIONG}"))?;
            Ok(data)
        }
        Scale::Yunnan => yunnan(seed, reference),
    }
}

fn yunnan(seed: u64, reference: &Reference) -> Result<DemoData> {
    let mut prefs: Vec<&RefPrefecture> = reference.prefectures.iter().collect();
    prefs.sort_by(|a, b| a.code.cmp(&b.code));
    let results: Vec<Mutex<Option<Result<Generated>>>> =
        prefs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(prefs.len());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(pref) = prefs.get(i) else { break };
                    let r = prefecture(seed, reference, pref)
                        .with_context(|| format!("prefecture {} {}", pref.code, pref.name));
                    *results[i]
                        .lock()
                        .expect("no worker panics while holding it") = Some(r);
                }
            });
        }
    });
    let mut trees = Vec::with_capacity(prefs.len());
    let mut data = DemoData::default();
    let province = province_unit(reference);
    data.admin.push(province.clone());
    for cell in results {
        let (tree, d) = cell
            .into_inner()
            .expect("workers are done")
            .ok_or_else(|| anyhow!("a prefecture was not generated"))??;
        trees.push(tree);
        data.append(d);
    }
    // The province's own depot, in the capital's town.
    let capital = trees
        .iter()
        .find(|t| t.prefecture.code == "530100")
        .or(trees.first())
        .context("no prefectures")?;
    let items: u64 = data
        .depots
        .iter()
        .filter(|d| d.level != "township")
        .flat_map(|d| &d.inventory)
        .sum();
    let bbox = capital
        .prefecture
        .geometry
        .bounding_rect()
        .context("capital without extent")?;
    let frame = LocalFrame::new(bbox.center().x, bbox.center().y);
    let depot = depots::province_depot(
        seed,
        &province.code,
        &province.name,
        capital,
        (items as f64 * PROVINCE_DEPOT_SHARE).round() as u64,
        &frame,
    )?;
    data.depots.insert(0, depot);
    Ok(data)
}

fn province_unit(reference: &Reference) -> AdminUnit {
    let geometry = snap_multi(&reference.province);
    let seat = reference
        .places
        .iter()
        .find(|p| p.city && p.name == "Kunming")
        .map_or_else(
            || {
                geometry
                    .bounding_rect()
                    .map_or(Coord::zero(), geo::Rect::center)
            },
            |p| p.at,
        );
    AdminUnit {
        code: "530000".into(),
        name: "云南省".into(),
        level: AdminLevel::Province,
        parent_code: None,
        population: reference.counties.iter().map(|c| c.population).sum(),
        households: reference.counties.iter().map(|c| c.households).sum(),
        synthetic: false,
        seat,
        geometry,
    }
}
