//! The five-level evacuation grids (五级避险转移网格).
//!
//! Level 1 is the county, 2 the township, 3 the village (same polygons as the admin
//! layer), 4 the village group (组, Voronoi parts of the village) and 5 the household
//! cluster (户联, Voronoi parts of the group). Each level partitions the prefecture.
//!
//! Counts and sums are exact: the grids of all five levels number exactly the quota
//! (41,410 for Chuxiong), and at EVERY level the households and persons sum exactly to
//! the prefecture's figures (154,505 / 515,030 for Chuxiong), because households and
//! persons are allotted to the level-5 grids only and each coarser grid holds the sum
//! of its children. Special-needs persons (a few % of persons) are summed the same way.
//!
//! Codes: level 1–3 use the admin code (6/9/12 digits), level 4 adds 3 digits to the
//! village code, level 5 three more to its group's.

use anyhow::{Context, Result, bail};
use geo::{Coord, InteriorPoint, MultiPolygon};
use rand::Rng;

use super::admin::{AdminTree, area_m2};
use super::apportion::apportion;
use super::local::LocalFrame;
use super::model::{AdminUnit, Grid};
use super::naming::{numeral, person, phone};
use super::partition::voronoi_partition;
use super::placement::sample_points;
use super::random::{DemoRng, lognormal, stream};
use super::sizing::{LEVEL4_SHARE, Quotas};

/// A level-4 group of a village with its level-5 clusters.
struct Group {
    geometry: MultiPolygon,
    clusters: Vec<Cluster>,
}

struct Cluster {
    geometry: MultiPolygon,
    households: u64,
    persons: u64,
    special_needs: u64,
}

/// Per-level grid counts `[l1, l2, l3, l4, l5]` for a tree and total.
pub fn level_counts(tree: &AdminTree, total: u64) -> Result<[u64; 5]> {
    let l1 = tree.counties.len() as u64;
    let l2 = tree.townships().count() as u64;
    let l3 = tree
        .townships()
        .map(|(_, t)| t.villages.len() as u64)
        .sum::<u64>();
    let Some(rest) = total.checked_sub(l1 + l2 + l3) else {
        bail!(
            "{total} grids is fewer than the {} admin units",
            l1 + l2 + l3
        );
    };
    let l4 = ((rest as f64 * LEVEL4_SHARE).round() as u64).max(l3);
    if rest < 2 * l4 {
        bail!("{total} grids leave too few for levels 4 and 5 over {l3} villages");
    }
    Ok([l1, l2, l3, l4, rest - l4])
}

pub fn generate(
    seed: u64,
    tree: &AdminTree,
    quotas: &Quotas,
    frame: &LocalFrame,
) -> Result<Vec<Grid>> {
    let counts = level_counts(tree, quotas.grids)?;
    let villages: Vec<&AdminUnit> = tree
        .townships()
        .flat_map(|(_, t)| t.villages.iter())
        .collect();
    let pops: Vec<f64> = villages
        .iter()
        .map(|v| v.population.max(1) as f64)
        .collect();
    let l4 = apportion(counts[3], &pops, &vec![1; villages.len()]).context("level-4 grids")?;
    let l5 = apportion(counts[4], &pops, &l4).context("level-5 grids")?;
    let households = apportion(quotas.grid_households, &pops, &l5).context("grid households")?;
    let extra_weights: Vec<f64> = households.iter().map(|h| *h as f64).collect();
    let extra_persons = apportion(
        quotas.grid_persons - quotas.grid_households,
        &extra_weights,
        &vec![0; villages.len()],
    )
    .context("grid persons")?;

    // Levels 4 and 5, village by village.
    let mut groups_of: Vec<Vec<Group>> = Vec::with_capacity(villages.len());
    for (i, village) in villages.iter().enumerate() {
        let mut rng = stream(seed, "grids", &village.code);
        let groups = village_groups(
            &mut rng,
            village,
            l4[i] as usize,
            l5[i],
            households[i],
            extra_persons[i],
            frame,
        )
        .with_context(|| format!("grids of village {} {}", village.code, village.name))?;
        groups_of.push(groups);
    }

    let mut rng = stream(seed, "grid-people", &tree.prefecture.code);
    let mut out: Vec<Grid> = Vec::with_capacity(quotas.grids as usize);
    let sum = |gs: &[&Group]| {
        gs.iter().flat_map(|g| &g.clusters).fold((0, 0, 0), |a, c| {
            (a.0 + c.households, a.1 + c.persons, a.2 + c.special_needs)
        })
    };
    let mut vi = 0;
    let mut l3_rows = Vec::new();
    let mut l2_rows = Vec::new();
    for county in &tree.counties {
        let mut county_groups: Vec<&Group> = Vec::new();
        for t in &county.townships {
            let mut township_groups: Vec<&Group> = Vec::new();
            for v in &t.villages {
                let groups: Vec<&Group> = groups_of[vi].iter().collect();
                vi += 1;
                l3_rows.push(grid(
                    &mut rng,
                    3,
                    &v.code,
                    &v.name,
                    &t.unit.code,
                    sum(&groups),
                    &v.geometry,
                    &county.unit.code,
                    Some(&t.unit.code),
                ));
                township_groups.extend(groups);
            }
            l2_rows.push(grid(
                &mut rng,
                2,
                &t.unit.code,
                &t.unit.name,
                &county.unit.code,
                sum(&township_groups),
                &t.unit.geometry,
                &county.unit.code,
                Some(&t.unit.code),
            ));
            county_groups.extend(township_groups);
        }
        let c = &county.unit;
        out.push(grid(
            &mut rng,
            1,
            &c.code,
            &c.name,
            "",
            sum(&county_groups),
            &c.geometry,
            &c.code,
            None,
        ));
    }
    out.extend(l2_rows);
    out.extend(l3_rows);
    // Levels 4 and 5.
    let mut l5_rows = Vec::new();
    let mut vi = 0;
    for (county, t) in tree.townships() {
        for v in &t.villages {
            for (gi, g) in groups_of[vi].iter().enumerate() {
                let code4 = format!("{}{:03}", v.code, gi + 1);
                let name4 = format!("{}{}组", v.name, numeral(gi + 1));
                let totals = sum(&[g]);
                out.push(grid(
                    &mut rng,
                    4,
                    &code4,
                    &name4,
                    &v.code,
                    totals,
                    &g.geometry,
                    &county.unit.code,
                    Some(&t.unit.code),
                ));
                for (ci, c) in g.clusters.iter().enumerate() {
                    let code5 = format!("{code4}{:03}", ci + 1);
                    let name5 = format!("{name4}第{}户联", numeral(ci + 1));
                    let totals = (c.households, c.persons, c.special_needs);
                    l5_rows.push(grid(
                        &mut rng,
                        5,
                        &code5,
                        &name5,
                        &code4,
                        totals,
                        &c.geometry,
                        &county.unit.code,
                        Some(&t.unit.code),
                    ));
                }
            }
            vi += 1;
        }
    }
    out.extend(l5_rows);
    debug_assert_eq!(out.len() as u64, quotas.grids);
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn grid(
    rng: &mut DemoRng,
    level: u8,
    code: &str,
    name: &str,
    parent: &str,
    (households, persons, special_needs): (u64, u64, u64),
    geometry: &MultiPolygon,
    county_code: &str,
    township_code: Option<&str>,
) -> Grid {
    let anchor = geometry.interior_point().map_or(Coord::zero(), |p| p.0);
    Grid {
        code: code.to_string(),
        level,
        name: format!("{name}网格"),
        parent_code: (!parent.is_empty()).then(|| parent.to_string()),
        households,
        persons,
        special_needs,
        shelter_id: None,
        responsible_person: person(rng),
        responsible_phone: phone(rng),
        county_code: county_code.to_string(),
        township_code: township_code.map(str::to_string),
        anchor,
        geometry: geometry.clone(),
    }
}

/// Split a village into `n4` groups and `n5` clusters in all, and share its households
/// and persons over the clusters (at least one household each).
fn village_groups(
    rng: &mut DemoRng,
    village: &AdminUnit,
    n4: usize,
    n5: u64,
    households: u64,
    extra_persons: u64,
    frame: &LocalFrame,
) -> Result<Vec<Group>> {
    let geometries = split(rng, &village.geometry, n4, frame)?;
    let weights: Vec<f64> = geometries
        .iter()
        .map(|g| area_m2(g, frame).sqrt() * lognormal(rng, 1.0, 0.3))
        .collect();
    let per_group = apportion(n5, &weights, &vec![1; n4]).context("clusters per group")?;
    let mut clusters_geometry = Vec::with_capacity(n5 as usize);
    let mut group_of = Vec::with_capacity(n5 as usize);
    for (gi, (g, k)) in geometries.iter().zip(&per_group).enumerate() {
        for c in split(rng, g, *k as usize, frame)? {
            clusters_geometry.push(c);
            group_of.push(gi);
        }
    }
    let weights: Vec<f64> = (0..clusters_geometry.len())
        .map(|_| lognormal(rng, 1.0, 0.35))
        .collect();
    let hh =
        apportion(households, &weights, &vec![1; weights.len()]).context("cluster households")?;
    let hh_weights: Vec<f64> = hh
        .iter()
        .map(|h| *h as f64 * lognormal(rng, 1.0, 0.15))
        .collect();
    let extra =
        apportion(extra_persons, &hh_weights, &vec![0; hh.len()]).context("cluster persons")?;
    let mut groups: Vec<Group> = geometries
        .into_iter()
        .map(|geometry| Group {
            geometry,
            clusters: Vec::new(),
        })
        .collect();
    for (((geometry, gi), h), e) in clusters_geometry
        .into_iter()
        .zip(group_of)
        .zip(hh)
        .zip(extra)
    {
        let persons = h + e;
        let share: f64 = rng.random_range(0.01..0.06);
        groups[gi].clusters.push(Cluster {
            geometry,
            households: h,
            persons,
            special_needs: ((persons as f64 * share).round() as u64).min(persons),
        });
    }
    Ok(groups)
}

/// `n` Voronoi parts of `area` around seeded points.
fn split(
    rng: &mut DemoRng,
    area: &MultiPolygon,
    n: usize,
    frame: &LocalFrame,
) -> Result<Vec<MultiPolygon>> {
    if n <= 1 {
        return Ok(vec![area.clone(); n]);
    }
    let spacing = 0.5 * (area_m2(area, frame) / n as f64).sqrt();
    let sites = sample_points(rng, area, n, spacing, &[], frame)?;
    Ok(voronoi_partition(area, &sites, frame)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::admin;
    use std::collections::BTreeSet;

    #[test]
    fn chuxiong_grids_have_exact_counts_and_sums() {
        let (_, q, frame, tree) = admin::chuxiong_fixture();
        let t0 = std::time::Instant::now();
        let grids = generate(7, &tree, &q, &frame).unwrap();
        eprintln!("grids in {:?}", t0.elapsed());
        assert_eq!(grids.len(), 41_410);
        for level in 1..=5 {
            let at: Vec<&Grid> = grids.iter().filter(|g| g.level == level).collect();
            assert_eq!(
                at.iter().map(|g| g.households).sum::<u64>(),
                154_505,
                "level {level}"
            );
            assert_eq!(
                at.iter().map(|g| g.persons).sum::<u64>(),
                515_030,
                "level {level}"
            );
        }
        let codes: BTreeSet<&str> = grids.iter().map(|g| g.code.as_str()).collect();
        assert_eq!(codes.len(), grids.len());
        for g in &grids {
            assert!(g.households >= 1 && g.persons >= g.households && g.special_needs <= g.persons);
            match &g.parent_code {
                None => assert_eq!(g.level, 1),
                Some(p) => assert!(codes.contains(p.as_str()) && g.code.starts_with(p.as_str())),
            }
        }
    }
}
