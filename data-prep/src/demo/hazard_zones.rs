//! Hazard risk zones (风险区划), graded 1–4, for earthquake, flood, geological hazards
//! and forest fire, laid out on the real faults, rivers and landslide sites.
//!
//! Each type is a set of nested bands: grade 4 within the smallest distance of its
//! sources, grade 3 within the next, and so on (buffers built in a local metric frame).
//! The prefecture is cut in ONE slicing pass by all band outlines and the county
//! borders ([`slicing::slice`]); every piece gets the grade of the innermost band around
//! it and the county it lies in. So for each type the zones form a coverage: no two
//! overlap, and where two meet they share exactly the same vertices. Earthquake zoning
//! covers the whole prefecture (grade 1 beyond the bands); the others cover their bands.

use anyhow::{Context, Result};
use geo::{
    BooleanOps, Buffer, Contains, Coord, Geometry, InteriorPoint, LineString, MultiLineString,
    MultiPoint, MultiPolygon, Point, Polygon, Simplify, Validation,
};
use rand::Rng;

use super::admin::{AdminTree, area_m2};
use super::local::LocalFrame;
use super::model::HazardZone;
use super::placement::{random_inside, ridge};
use super::random::{DemoRng, stream};
use super::reference::Reference;
use super::slicing;

/// Census survey year given to the generated zones.
pub const SURVEY_YEAR: i64 = 2022;
/// Outlines are simplified to this many metres before cutting: buffer arcs carry far
/// more vertices than a 1:50,000 census map.
const SIMPLIFY_M: f64 = 40.0;

/// Things a band is measured from, with their band distances in metres for grades
/// 4, 3, 2, 1 (increasing; `f64::INFINITY` = no band of that grade).
struct BandSource {
    geometry: Geometry,
    distances: [f64; 4],
}

struct HazardSpec {
    hazard_type: &'static str,
    zh: &'static str,
    prefix: &'static str,
    basis: &'static str,
    sources: Vec<BandSource>,
    /// Grade of the rest of the prefecture (earthquake: 1), or none.
    background: Option<u8>,
    /// Areas left out (towns, for forest fire), in lon/lat.
    exclude: Option<MultiPolygon>,
}

const GRADE_ZH: [&str; 4] = ["低", "较低", "较高", "高"];

pub fn generate(
    seed: u64,
    reference: &Reference,
    tree: &AdminTree,
    frame: &LocalFrame,
) -> Result<Vec<HazardZone>> {
    let region = &tree.prefecture.geometry;
    let mut rng = stream(seed, "hazard-zones", &tree.prefecture.code);
    let specs = [
        earthquake(reference),
        flood(reference),
        geological(&mut rng, reference, tree, frame),
        forest_fire(&mut rng, tree, frame),
    ];
    let mut out = Vec::new();
    for spec in specs {
        let zones = zones_of(&spec, tree, region, frame)
            .with_context(|| format!("{} zones", spec.hazard_type))?;
        out.extend(zones);
    }
    Ok(out)
}

fn lines(reference_lines: impl Iterator<Item = LineString>) -> Geometry {
    Geometry::MultiLineString(MultiLineString::new(reference_lines.collect()))
}

fn earthquake(r: &Reference) -> HazardSpec {
    HazardSpec {
        hazard_type: "earthquake",
        zh: "地震",
        prefix: "DZ",
        basis: "活动断层(GEM 2017)距离分级",
        sources: vec![BandSource {
            geometry: lines(r.faults.iter().map(|f| f.geometry.clone())),
            distances: [5_000.0, 15_000.0, 30_000.0, f64::INFINITY],
        }],
        background: Some(1),
        exclude: None,
    }
}

fn flood(r: &Reference) -> HazardSpec {
    let main = r
        .rivers
        .iter()
        .filter(|l| l.rank <= 2)
        .map(|l| l.geometry.clone());
    let minor = r
        .rivers
        .iter()
        .filter(|l| l.rank > 2)
        .map(|l| l.geometry.clone());
    HazardSpec {
        hazard_type: "flood",
        zh: "洪水",
        prefix: "HS",
        basis: "国家1:400万河流沿岸距离分级",
        sources: vec![
            BandSource {
                geometry: lines(main),
                distances: [1_500.0, 3_000.0, 6_000.0, 10_000.0],
            },
            BandSource {
                geometry: lines(minor),
                distances: [800.0, 2_000.0, 4_000.0, 7_000.0],
            },
        ],
        background: None,
        exclude: None,
    }
}

fn geological(
    rng: &mut DemoRng,
    r: &Reference,
    tree: &AdminTree,
    frame: &LocalFrame,
) -> HazardSpec {
    // Steep ground is not in the reference data: seeded "steep slope" ridges stand in.
    let n_steep = (area_m2(&tree.prefecture.geometry, frame) / 800e6).ceil() as usize;
    let steep: Vec<LineString> = (0..n_steep)
        .map(|_| {
            let start = random_inside(rng, &tree.prefecture.geometry);
            ridge(rng, start, 3, 3_000.0, frame)
        })
        .collect();
    HazardSpec {
        hazard_type: "geological",
        zh: "地质灾害",
        prefix: "DZZH",
        basis: "NASA滑坡目录、活动断层与陡坡区距离分级",
        sources: vec![
            BandSource {
                geometry: Geometry::MultiPoint(MultiPoint::new(
                    r.landslides.iter().map(|c| Point(*c)).collect(),
                )),
                distances: [3_000.0, 8_000.0, 15_000.0, 25_000.0],
            },
            BandSource {
                geometry: lines(r.faults.iter().map(|f| f.geometry.clone())),
                distances: [1_000.0, 3_000.0, 6_000.0, 10_000.0],
            },
            BandSource {
                geometry: Geometry::MultiLineString(MultiLineString::new(steep)),
                distances: [1_500.0, 4_000.0, 8_000.0, 13_000.0],
            },
        ],
        background: None,
        exclude: None,
    }
}

fn forest_fire(rng: &mut DemoRng, tree: &AdminTree, frame: &LocalFrame) -> HazardSpec {
    let towns: Vec<Coord> = tree.townships().map(|(_, t)| t.unit.seat).collect();
    let area = &tree.prefecture.geometry;
    let n = (area_m2(area, frame) / 400e6).ceil() as usize;
    let mut sources = Vec::with_capacity(n);
    let mut attempts = 0;
    while sources.len() < n && attempts < n * 200 {
        attempts += 1;
        let c = random_inside(rng, area);
        if towns.iter().any(|t| frame.distance(*t, c) < 6_000.0) {
            continue;
        }
        // A forest belt along a ridge, widest bands for the largest forests.
        let (legs, leg_m) = (rng.random_range(1..5), rng.random_range(2_000.0..5_000.0));
        let belt = ridge(rng, c, legs, leg_m, frame);
        let d4 = rng.random_range(1_000.0..2_500.0);
        let d3 = d4 + rng.random_range(1_500.0..3_500.0);
        let d2 = d3 + rng.random_range(2_000.0..4_000.0);
        let d1 = d2 + rng.random_range(2_000.0..5_000.0);
        sources.push(BandSource {
            geometry: Geometry::LineString(belt),
            distances: [d4, d3, d2, d1],
        });
    }
    let town_areas: Vec<Polygon> = tree
        .townships()
        .flat_map(|(county, t)| {
            let r = if t.unit.seat == county.unit.seat {
                3_000.0
            } else {
                1_500.0
            };
            buffer_local(&Geometry::Point(Point(t.unit.seat)), r, frame).0
        })
        .collect();
    HazardSpec {
        hazard_type: "forest_fire",
        zh: "森林火灾",
        prefix: "SLHZ",
        basis: "林区分布(合成)距离分级，城镇除外",
        sources,
        background: None,
        exclude: Some(MultiPolygon::new(town_areas)),
    }
}

/// Buffer a lon/lat geometry by `metres` in the local frame, simplified, in lon/lat.
fn buffer_local(g: &Geometry, metres: f64, frame: &LocalFrame) -> MultiPolygon {
    let local = frame.geometry_to_local(g);
    let buffered = local.buffer(metres).simplify(SIMPLIFY_M);
    frame.geometry_to_lonlat(&buffered)
}

/// The band of each grade (index 0 = grade 4), as the union over sources.
fn bands(spec: &HazardSpec, region: &MultiPolygon, frame: &LocalFrame) -> [MultiPolygon; 4] {
    let reach = geo::BoundingRect::bounding_rect(region).map(|r| {
        let (a, b) = (frame.to_local(r.min()), frame.to_local(r.max()));
        (a, b)
    });
    let mut out: [MultiPolygon; 4] = std::array::from_fn(|_| MultiPolygon::new(vec![]));
    for (k, band) in out.iter_mut().enumerate() {
        let mut parts: Vec<MultiPolygon> = Vec::new();
        for s in &spec.sources {
            let d = s.distances[k];
            if !d.is_finite() {
                continue;
            }
            // Only what can reach the region matters (keeps Yunnan-wide faults cheap).
            let near = clip_to_reach(&s.geometry, reach, d, frame);
            if let Some(g) = near {
                parts.push(buffer_local(&g, d, frame));
            }
        }
        *band = parts
            .into_iter()
            .reduce(|a, b| a.union(&b))
            .unwrap_or_else(|| MultiPolygon::new(vec![]));
    }
    out
}

/// The parts of `g` within `d` metres of the region's box (whole lines/points kept).
fn clip_to_reach(
    g: &Geometry,
    reach: Option<(Coord, Coord)>,
    d: f64,
    frame: &LocalFrame,
) -> Option<Geometry> {
    let (min, max) = reach?;
    let near = |c: &Coord| {
        let l = frame.to_local(*c);
        l.x >= min.x - d && l.x <= max.x + d && l.y >= min.y - d && l.y <= max.y + d
    };
    match g {
        Geometry::MultiLineString(m) => {
            let kept: Vec<LineString> =
                m.0.iter()
                    .filter(|l| l.0.iter().any(near))
                    .cloned()
                    .collect();
            (!kept.is_empty()).then(|| Geometry::MultiLineString(MultiLineString::new(kept)))
        }
        Geometry::MultiPoint(m) => {
            let kept: Vec<Point> = m.0.iter().filter(|p| near(&p.0)).copied().collect();
            (!kept.is_empty()).then(|| Geometry::MultiPoint(MultiPoint::new(kept)))
        }
        Geometry::Point(p) => near(&p.0).then(|| g.clone()),
        Geometry::LineString(l) => l.0.iter().any(near).then(|| g.clone()),
        _ => Some(g.clone()),
    }
}

fn rings(m: &MultiPolygon) -> impl Iterator<Item = Vec<Coord>> + '_ {
    m.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .map(|r| r.0.clone())
}

fn zones_of(
    spec: &HazardSpec,
    tree: &AdminTree,
    region: &MultiPolygon,
    frame: &LocalFrame,
) -> Result<Vec<HazardZone>> {
    let bands = bands(spec, region, frame);
    let mut cut_lines: Vec<Vec<Coord>> = bands.iter().flat_map(rings).collect();
    if let Some(ex) = &spec.exclude {
        cut_lines.extend(rings(ex));
    }
    for county in &tree.counties {
        cut_lines.extend(rings(&county.unit.geometry));
    }
    let pieces = slicing::slice(region, &cut_lines)?;
    let mut out: Vec<HazardZone> = Vec::new();
    let mut seq_of_county: std::collections::BTreeMap<&str, usize> = Default::default();
    for piece in pieces {
        let Some(p) = piece.interior_point() else {
            continue;
        };
        if spec.exclude.as_ref().is_some_and(|ex| ex.contains(&p)) {
            continue;
        }
        let grade = match bands.iter().position(|b| b.contains(&p)) {
            Some(k) => 4 - k as u8,
            None => match spec.background {
                Some(g) => g,
                None => continue,
            },
        };
        let Some(county) = tree.counties.iter().find(|c| c.unit.geometry.contains(&p)) else {
            continue; // a sliver between the prefecture outline and its counties
        };
        if !piece.is_valid() {
            anyhow::bail!(
                "{} piece in county {} is not a valid polygon",
                spec.hazard_type,
                county.unit.code
            );
        }
        let seq = seq_of_county.entry(county.unit.code.as_str()).or_default();
        *seq += 1;
        out.push(HazardZone {
            zone_id: format!("{}{}{:04}", spec.prefix, county.unit.code, seq),
            hazard_type: spec.hazard_type,
            grade,
            name: format!(
                "{}{}{}风险区",
                county.unit.name,
                spec.zh,
                GRADE_ZH[grade as usize - 1]
            ),
            source: format!("合成演示数据：{}", spec.basis),
            survey_year: SURVEY_YEAR,
            county_code: county.unit.code.clone(),
            geometry: piece,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::admin;
    use geo::{Area, unary_union};

    #[test]
    fn chuxiong_zones_cover_without_overlap() {
        let (r, _, frame, tree) = admin::chuxiong_fixture();
        let t0 = std::time::Instant::now();
        let zones = generate(7, &r, &tree, &frame).unwrap();
        eprintln!("{} zones in {:?}", zones.len(), t0.elapsed());
        let region_area = tree.prefecture.geometry.unsigned_area();
        let county_area: f64 = tree
            .counties
            .iter()
            .map(|c| c.unit.geometry.unsigned_area())
            .sum();
        eprintln!("prefecture {region_area} counties {county_area}");
        for ty in ["earthquake", "flood", "geological", "forest_fire"] {
            let of: Vec<&HazardZone> = zones.iter().filter(|z| z.hazard_type == ty).collect();
            let grades: std::collections::BTreeSet<u8> = of.iter().map(|z| z.grade).collect();
            eprintln!("{ty}: {} zones, grades {grades:?}", of.len());
            assert!(grades.len() == 4, "{ty} grades {grades:?}");
            let sum: f64 = of.iter().map(|z| z.geometry.unsigned_area()).sum();
            let union = unary_union(of.iter().map(|z| &z.geometry));
            assert!(
                (union.unsigned_area() - sum).abs() < 1e-9 * sum.max(1.0),
                "{ty} overlaps: {sum} vs {}",
                union.unsigned_area()
            );
            if ty == "earthquake" {
                assert!(
                    (sum / region_area - 1.0).abs() < 1e-3,
                    "{sum} vs {region_area}"
                );
            }
        }
    }
}
