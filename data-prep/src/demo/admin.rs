//! Admin divisions: the real prefecture and counties (census population and households)
//! with synthetic townships and villages partitioning each county.
//!
//! Townships are the Voronoi cells of their seats within the county (the county town
//! and real GeoNames towns first, seeded random points after), villages likewise within
//! their township. Codes follow the GB/T 2260 extension used by the statistics bureau:
//! county + 3 digits for townships (街道 001–099, 镇 100–199, 乡 200–399), township + 3
//! for villages (社区 001–199, 村 200–399). Population and households are the county's
//! census figures split exactly over townships, then villages.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use geo::{Area, Contains, Coord, InteriorPoint, MultiPolygon, Point};
use rand::Rng;

use super::apportion::apportion;
use super::local::LocalFrame;
use super::model::{AdminLevel, AdminUnit};
use super::naming::place_stem;
use super::partition::voronoi_partition;
use super::placement::sample_points;
use super::random::{lognormal, stream};
use super::reference::{RefCounty, RefPrefecture, Reference};
use super::sizing::Quotas;
use super::slicing::snap_polygon;

/// A township with its villages.
#[derive(Debug, Clone)]
pub struct Township {
    pub unit: AdminUnit,
    pub villages: Vec<AdminUnit>,
}

#[derive(Debug, Clone)]
pub struct County {
    pub unit: AdminUnit,
    pub townships: Vec<Township>,
}

/// A prefecture's admin tree.
#[derive(Debug, Clone)]
pub struct AdminTree {
    pub prefecture: AdminUnit,
    pub counties: Vec<County>,
}

impl AdminTree {
    /// Every unit, coarse to fine within each county: prefecture, then for each county
    /// the county, its townships, its villages.
    pub fn units(&self) -> Vec<AdminUnit> {
        let mut out = vec![self.prefecture.clone()];
        for c in &self.counties {
            out.push(c.unit.clone());
            out.extend(c.townships.iter().map(|t| t.unit.clone()));
            for t in &c.townships {
                out.extend(t.villages.iter().cloned());
            }
        }
        out
    }

    /// The county, township and village containing `c`, if any.
    pub fn locate(&self, c: Coord) -> Option<(&County, &Township, &AdminUnit)> {
        let p = Point(c);
        let county = self
            .counties
            .iter()
            .find(|k| k.unit.geometry.contains(&p))?;
        let township = county
            .townships
            .iter()
            .find(|t| t.unit.geometry.contains(&p))?;
        let village = township.villages.iter().find(|v| v.geometry.contains(&p))?;
        Some((county, township, village))
    }

    pub fn townships(&self) -> impl Iterator<Item = (&County, &Township)> {
        self.counties
            .iter()
            .flat_map(|c| c.townships.iter().map(move |t| (c, t)))
    }
}

pub fn snap_multi(m: &MultiPolygon) -> MultiPolygon {
    MultiPolygon::new(m.0.iter().map(snap_polygon).collect())
}

/// Ground area in m² (local frame).
pub fn area_m2(m: &MultiPolygon, frame: &LocalFrame) -> f64 {
    frame.geometry_to_local(m).unsigned_area()
}

/// The county town: a Natural Earth city inside the county, else the GeoNames town
/// nearest the source's label point, else the label point, else any interior point.
fn county_seat(county: &RefCounty, geometry: &MultiPolygon, reference: &Reference) -> Coord {
    let inside = |c: &Coord| geometry.contains(&Point(*c));
    let nearest = |city: bool| {
        reference
            .places
            .iter()
            .filter(|p| p.city == city && inside(&p.at))
            .min_by(|a, b| {
                let da = (a.at.x - county.label.x).hypot(a.at.y - county.label.y);
                let db = (b.at.x - county.label.x).hypot(b.at.y - county.label.y);
                da.total_cmp(&db)
            })
            .map(|p| p.at)
    };
    nearest(true)
        .or_else(|| nearest(false))
        .or_else(|| inside(&county.label).then_some(county.label))
        .or_else(|| geometry.interior_point().map(|p| p.0))
        .unwrap_or(county.label)
}

/// Build the admin tree of one prefecture.
pub fn generate(
    seed: u64,
    reference: &Reference,
    prefecture: &RefPrefecture,
    quotas: &Quotas,
    frame: &LocalFrame,
) -> Result<AdminTree> {
    let ref_counties: Vec<&RefCounty> = reference.counties_of(&prefecture.code).collect();
    let pref_geometry = snap_multi(&prefecture.geometry);
    let pref_seat = ref_counties.first().map_or_else(
        || {
            pref_geometry
                .interior_point()
                .map(|p| p.0)
                .unwrap_or_default()
        },
        |c| county_seat(c, &snap_multi(&c.geometry), reference),
    );
    let prefecture_unit = AdminUnit {
        code: prefecture.code.clone(),
        name: prefecture.name.clone(),
        level: AdminLevel::Prefecture,
        parent_code: Some(format!("{}0000", &prefecture.code[..2])),
        population: ref_counties.iter().map(|c| c.population).sum(),
        households: ref_counties.iter().map(|c| c.households).sum(),
        synthetic: false,
        seat: pref_seat,
        geometry: pref_geometry,
    };
    let populations: Vec<f64> = ref_counties.iter().map(|c| c.population as f64).collect();
    let township_counts = apportion(quotas.townships, &populations, &vec![2; populations.len()])
        .context("too few townships for the counties")?;

    let mut counties = Vec::with_capacity(ref_counties.len());
    for (county, n_townships) in ref_counties.iter().zip(township_counts) {
        let geometry = snap_multi(&county.geometry);
        let seat = county_seat(county, &geometry, reference);
        let unit = AdminUnit {
            code: county.code.clone(),
            name: county.name.clone(),
            level: AdminLevel::County,
            parent_code: Some(prefecture.code.clone()),
            population: county.population,
            households: county.households,
            synthetic: false,
            seat,
            geometry,
        };
        let townships = townships(seed, reference, &unit, n_townships as usize, frame)
            .with_context(|| format!("county {} {}", county.code, county.name))?;
        counties.push(County { unit, townships });
    }

    // Villages: the prefecture's quota over all townships by population.
    let all: Vec<(usize, usize)> = counties
        .iter()
        .enumerate()
        .flat_map(|(ci, c)| (0..c.townships.len()).map(move |ti| (ci, ti)))
        .collect();
    let weights: Vec<f64> = all
        .iter()
        .map(|&(ci, ti)| counties[ci].townships[ti].unit.population as f64)
        .collect();
    let village_counts = apportion(quotas.villages, &weights, &vec![3; all.len()])
        .context("too few villages for the townships")?;
    for (&(ci, ti), n) in all.iter().zip(village_counts) {
        let township = &counties[ci].townships[ti].unit;
        let villages = villages(seed, township, n as usize, frame)
            .with_context(|| format!("township {} {}", township.code, township.name))?;
        counties[ci].townships[ti].villages = villages;
    }
    Ok(AdminTree {
        prefecture: prefecture_unit,
        counties,
    })
}

fn townships(
    seed: u64,
    reference: &Reference,
    county: &AdminUnit,
    n: usize,
    frame: &LocalFrame,
) -> Result<Vec<Township>> {
    let mut rng = stream(seed, "townships", &county.code);
    let spacing = 0.6 * (area_m2(&county.geometry, frame) / n as f64).sqrt();
    // Seats: the county town, then real towns, then random points.
    let mut seats = vec![county.seat];
    for place in &reference.places {
        if seats.len() >= n {
            break;
        }
        if county.geometry.contains(&Point(place.at))
            && seats
                .iter()
                .all(|s| frame.distance(*s, place.at) >= spacing)
        {
            seats.push(place.at);
        }
    }
    let more = n - seats.len();
    let extra = sample_points(&mut rng, &county.geometry, more, spacing, &seats, frame)?;
    seats.extend(extra);
    let parts = voronoi_partition(&county.geometry, &seats, frame)?;

    let urban = county.name.ends_with('区') || county.name.ends_with('市');
    let mut used = BTreeSet::new();
    let (mut streets, mut towns, mut xiang) = (0, 0, 0);
    let mut units = Vec::with_capacity(n);
    let mut weights = Vec::with_capacity(n);
    for (i, (seat, geometry)) in seats.into_iter().zip(parts).enumerate() {
        let stem = place_stem(&mut rng, &mut used);
        let (name, code) = if i == 0 && urban || i > 0 && urban && rng.random_bool(0.1) {
            streets += 1;
            (format!("{stem}街道"), streets)
        } else if i == 0 || rng.random_bool(0.55) {
            towns += 1;
            (format!("{stem}镇"), 100 + towns)
        } else {
            xiang += 1;
            (format!("{stem}乡"), 200 + xiang)
        };
        let seat_bonus = if i == 0 { 3.0 } else { 1.0 };
        weights
            .push(lognormal(&mut rng, 1.0, 0.35) * area_m2(&geometry, frame).sqrt() * seat_bonus);
        units.push(AdminUnit {
            code: format!("{}{:03}", county.code, code),
            name,
            level: AdminLevel::Township,
            parent_code: Some(county.code.clone()),
            population: 0,
            households: 0,
            synthetic: true,
            seat,
            geometry,
        });
    }
    split_people(county, &mut units, &weights)?;
    Ok(units
        .into_iter()
        .map(|unit| Township {
            unit,
            villages: Vec::new(),
        })
        .collect())
}

fn villages(
    seed: u64,
    township: &AdminUnit,
    n: usize,
    frame: &LocalFrame,
) -> Result<Vec<AdminUnit>> {
    let mut rng = stream(seed, "villages", &township.code);
    let spacing = 0.6 * (area_m2(&township.geometry, frame) / n as f64).sqrt();
    let mut seats = vec![township.seat];
    seats.extend(sample_points(
        &mut rng,
        &township.geometry,
        n - 1,
        spacing,
        &seats,
        frame,
    )?);
    let parts = voronoi_partition(&township.geometry, &seats, frame)?;
    let stem_of_town: String = township.name.chars().take(2).collect();
    let mut used = BTreeSet::from([stem_of_town.clone()]);
    let mut units = Vec::with_capacity(n);
    let mut weights = Vec::with_capacity(n);
    for (i, (seat, geometry)) in seats.into_iter().zip(parts).enumerate() {
        let (name, code) = if i == 0 {
            (format!("{stem_of_town}社区"), 1)
        } else {
            (format!("{}村", place_stem(&mut rng, &mut used)), 199 + i)
        };
        weights.push(lognormal(&mut rng, 1.0, 0.5) * if i == 0 { 2.0 } else { 1.0 });
        units.push(AdminUnit {
            code: format!("{}{:03}", township.code, code),
            name,
            level: AdminLevel::Village,
            parent_code: Some(township.code.clone()),
            population: 0,
            households: 0,
            synthetic: true,
            seat,
            geometry,
        });
    }
    split_people(township, &mut units, &weights)?;
    Ok(units)
}

/// Give `children` the parent's population and households, split exactly by `weights`.
fn split_people(parent: &AdminUnit, children: &mut [AdminUnit], weights: &[f64]) -> Result<()> {
    let n = children.len();
    let min_pop = (parent.population / (n as u64 * 4)).min(100);
    let min_hh = (parent.households / (n as u64 * 4)).min(30);
    let pops =
        apportion(parent.population, weights, &vec![min_pop; n]).context("splitting population")?;
    let hhs =
        apportion(parent.households, weights, &vec![min_hh; n]).context("splitting households")?;
    for ((child, p), h) in children.iter_mut().zip(pops).zip(hhs) {
        child.population = p;
        child.households = h;
    }
    Ok(())
}

/// The Chuxiong admin tree (seed 7) that the generators' unit tests build on.
#[cfg(test)]
pub(crate) fn chuxiong_fixture() -> (Reference, Quotas, LocalFrame, AdminTree) {
    use crate::demo::reference::default_dir;
    use crate::demo::sizing::CHUXIONG;
    let r = Reference::read(&default_dir().unwrap()).unwrap();
    let pref = r.prefecture(CHUXIONG).unwrap();
    let pop: u64 = r.counties_of(CHUXIONG).map(|c| c.population).sum();
    let q = Quotas::for_population(pop, pop);
    let frame = LocalFrame::new(101.5, 25.3);
    let tree = generate(7, &r, pref, &q, &frame).unwrap();
    (r, q, frame, tree)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::reference::default_dir;
    use crate::demo::sizing::CHUXIONG;

    #[test]
    fn chuxiong_townships_and_villages_partition_the_counties() {
        let r = Reference::read(&default_dir().unwrap()).unwrap();
        let pref = r.prefecture(CHUXIONG).unwrap();
        let pop: u64 = r.counties_of(CHUXIONG).map(|c| c.population).sum();
        let q = Quotas::for_population(pop, pop);
        let frame = LocalFrame::new(101.5, 25.3);
        let t0 = std::time::Instant::now();
        let tree = generate(7, &r, pref, &q, &frame).unwrap();
        eprintln!("admin in {:?}", t0.elapsed());
        assert_eq!(tree.counties.len(), 10);
        assert_eq!(tree.townships().count(), 103);
        let villages: usize = tree.townships().map(|(_, t)| t.villages.len()).sum();
        assert_eq!(villages, 1_100);
        for c in &tree.counties {
            let a = area_m2(&c.unit.geometry, &frame);
            let ta: f64 = c
                .townships
                .iter()
                .map(|t| area_m2(&t.unit.geometry, &frame))
                .sum();
            assert!((ta / a - 1.0).abs() < 1e-6, "{}: {ta} vs {a}", c.unit.name);
            let tp: u64 = c.townships.iter().map(|t| t.unit.population).sum();
            assert_eq!(tp, c.unit.population);
            for t in &c.townships {
                assert_eq!(
                    t.villages.iter().map(|v| v.households).sum::<u64>(),
                    t.unit.households
                );
                assert!(t.unit.code.starts_with(&c.unit.code) && t.unit.code.len() == 9);
                assert!(t.villages.iter().all(|v| v.code.len() == 12 && v.synthetic));
            }
        }
    }
}
