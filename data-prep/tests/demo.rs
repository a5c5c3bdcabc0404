//! The Chuxiong demo, generated and built through the real build path once and checked
//! against the prefecture's published figures and the properties the other parts of
//! riskmap rely on. Two more runs check determinism.
// Test support: a panic here is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod demo_support;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use geo::{
    Area, BooleanOps, BoundingRect, Contains, Coord, Distance, Euclidean, Geodesic, Geometry,
    InteriorPoint, Point, Polygon, Validation, unary_union,
};
use layers::dataset::sha256_file;
use layers::{Feature, Value};
use riskmap_prep::gcj02::wgs84_to_gcj02;

use demo_support::{Demo, SEED, chuxiong, coverage_defects, generate, multipolygon, point};

#[test]
fn counts_match_the_published_figures() {
    let d = chuxiong();
    let count = |id: &str| d.manifest.layer(id).unwrap().feature_count;
    assert_eq!(count("evacuation_grids"), 41_410);
    assert_eq!(count("water_sources"), 4_836);
    assert_eq!(count("hazard_points"), 1_500);
    let depots = d.layer("depots");
    let level = |f: &Feature| d.text("depots", f, "level").unwrap();
    let main: Vec<&Feature> = depots.iter().filter(|f| level(f) != "township").collect();
    assert_eq!(main.len(), 11);
    assert_eq!(main.iter().filter(|f| level(f) == "prefecture").count(), 1);
    assert_eq!(main.iter().filter(|f| level(f) == "county").count(), 10);
    let townships = d
        .layer("admin")
        .iter()
        .filter(|f| d.text("admin", f, "level").as_deref() == Some("township"))
        .count();
    assert_eq!(townships, 103);
    assert_eq!(
        depots.len() - main.len(),
        townships,
        "one storage point per township"
    );
    let items: i64 = main
        .iter()
        .flat_map(|f| {
            layers::catalogue::INVENTORY_CATEGORIES
                .iter()
                .map(|(s, _, _)| d.int("depots", f, &format!("inv_{s}")))
        })
        .sum();
    assert_eq!(items, 217_300);
    let zones = count("hazard_zones");
    assert!((200..=5_000).contains(&zones), "{zones} hazard zones");
}

#[test]
fn every_grid_level_sums_to_the_prefecture_totals() {
    let d = chuxiong();
    let grids = d.layer("evacuation_grids");
    for level in 1..=5 {
        let at: Vec<&Feature> = grids
            .iter()
            .filter(|f| d.int("evacuation_grids", f, "level") == level)
            .collect();
        assert!(!at.is_empty());
        let sum =
            |field: &str| -> i64 { at.iter().map(|f| d.int("evacuation_grids", f, field)).sum() };
        assert_eq!(sum("households"), 154_505, "level {level}");
        assert_eq!(sum("persons"), 515_030, "level {level}");
        let special = sum("special_needs");
        assert!(
            special > 515_030 / 100 && special < 515_030 / 10,
            "level {level}: {special}"
        );
    }
}

#[test]
fn grid_codes_are_unique_and_parents_hold_their_children() {
    let d = chuxiong();
    let grids = d.layer("evacuation_grids");
    let mut by_code: HashMap<String, &Feature> = HashMap::new();
    for f in grids {
        let code = d.text("evacuation_grids", f, "grid_code").unwrap();
        assert!(
            by_code.insert(code.clone(), f).is_none(),
            "duplicate grid code {code}"
        );
    }
    let shelters: BTreeSet<String> = d
        .layer("shelters")
        .iter()
        .map(|f| d.text("shelters", f, "shelter_id").unwrap())
        .collect();
    for f in grids {
        let level = d.int("evacuation_grids", f, "level");
        let code = d.text("evacuation_grids", f, "grid_code").unwrap();
        match d.text("evacuation_grids", f, "parent_code") {
            None => assert_eq!(level, 1, "{code} has no parent"),
            Some(p) => {
                let parent = by_code
                    .get(&p)
                    .unwrap_or_else(|| panic!("{code}: parent {p} missing"));
                assert_eq!(d.int("evacuation_grids", parent, "level"), level - 1);
                let inside = f.geometry.interior_point().unwrap();
                assert!(
                    multipolygon(&parent.geometry).contains(&inside),
                    "{code} outside its parent {p}"
                );
            }
        }
        let shelter = d.text("evacuation_grids", f, "shelter_id");
        if level >= 3 {
            let s = shelter.unwrap_or_else(|| panic!("{code} has no shelter"));
            assert!(shelters.contains(&s), "{code}: shelter {s} missing");
        }
    }
}

#[test]
fn admin_parents_exist_and_levels_partition_the_prefecture() {
    let d = chuxiong();
    let admin = d.layer("admin");
    let codes: BTreeSet<String> = admin
        .iter()
        .map(|f| d.text("admin", f, "code").unwrap())
        .collect();
    let pref_area = d.prefecture().unsigned_area();
    let mut area_of_level: BTreeMap<String, f64> = BTreeMap::new();
    for f in admin {
        let level = d.text("admin", f, "level").unwrap();
        let code = d.text("admin", f, "code").unwrap();
        let synthetic = f.get(d.schema("admin"), "synthetic") == Some(&Value::Bool(true));
        assert_eq!(
            synthetic,
            matches!(level.as_str(), "township" | "village"),
            "{code}"
        );
        let expected_len = match level.as_str() {
            "township" => 9,
            "village" => 12,
            _ => 6,
        };
        assert_eq!(code.len(), expected_len, "{code}");
        if level != "prefecture" {
            let parent = d.text("admin", f, "parent_code").unwrap();
            assert!(codes.contains(&parent), "{code}: parent {parent} missing");
            // Counties share the prefecture's first four digits; below, codes extend the parent's.
            let prefix = if level == "county" {
                &parent[..4]
            } else {
                &parent[..]
            };
            assert!(code.starts_with(prefix), "{code} under {parent}");
        }
        *area_of_level.entry(level).or_default() += f.geometry.unsigned_area();
    }
    for (level, area) in area_of_level {
        assert!(
            (area / pref_area - 1.0).abs() < 1e-6,
            "{level}: {area} vs {pref_area}"
        );
    }
}

#[test]
fn every_generated_feature_lies_in_the_prefecture() {
    let d = chuxiong();
    let pref = d.prefecture();
    let bbox = pref.bounding_rect().unwrap();
    // A point may sit on the border to within the source precision (CSV: 1e-6°).
    let inside = |c: Coord| pref.contains(&Point(c)) || Euclidean.distance(&Point(c), &pref) < 1e-5;
    for id in ["shelters", "water_sources", "depots", "hazard_points"] {
        for (i, f) in d.layer(id).iter().enumerate() {
            assert!(
                inside(point(&f.geometry)),
                "{id} #{i} outside the prefecture"
            );
        }
    }
    for id in ["admin", "evacuation_grids", "hazard_zones"] {
        for (i, f) in d.layer(id).iter().enumerate() {
            let b = f.geometry.bounding_rect().unwrap();
            let tol = 1e-9;
            assert!(
                b.min().x >= bbox.min().x - tol
                    && b.min().y >= bbox.min().y - tol
                    && b.max().x <= bbox.max().x + tol
                    && b.max().y <= bbox.max().y + tol,
                "{id} #{i} reaches outside the prefecture's box"
            );
            assert!(
                inside(f.geometry.interior_point().unwrap().0),
                "{id} #{i} outside the prefecture"
            );
        }
    }
}

#[test]
fn some_townships_lack_shelter_capacity_and_most_do_not() {
    let d = chuxiong();
    let mut capacity: BTreeMap<String, i64> = BTreeMap::new();
    for f in d.layer("shelters") {
        if d.text("shelters", f, "status").as_deref() == Some("open") {
            *capacity
                .entry(d.text("shelters", f, "township_code").unwrap())
                .or_default() += d.int("shelters", f, "capacity");
        }
        let area = match f.get(d.schema("shelters"), "area_m2") {
            Some(Value::Float(a)) => *a,
            other => panic!("area {other:?}"),
        };
        let cap = d.int("shelters", f, "capacity") as f64;
        assert!(
            area >= cap * 1.5 - 0.1 && area <= cap * 2.0 + 0.1,
            "area {area} for {cap}"
        );
    }
    let mut short = 0;
    let mut total = 0;
    for f in d.layer("evacuation_grids") {
        if d.int("evacuation_grids", f, "level") != 2 {
            continue;
        }
        total += 1;
        let code = d.text("evacuation_grids", f, "grid_code").unwrap();
        let persons = d.int("evacuation_grids", f, "persons");
        if capacity.get(&code).copied().unwrap_or(0) < persons {
            short += 1;
        }
    }
    assert_eq!(total, 103);
    assert!(
        short >= 1 && short * 3 < total,
        "{short} of {total} townships short"
    );
    let closed = d
        .layer("shelters")
        .iter()
        .filter(|f| d.text("shelters", f, "status").as_deref() == Some("closed"))
        .count();
    assert!(closed >= 1, "no closed shelter");
}

#[test]
fn hazard_zones_of_a_type_form_a_coverage() {
    let d = chuxiong();
    let zones = d.layer("hazard_zones");
    let pref_area = d.prefecture().unsigned_area();
    for ty in ["earthquake", "flood", "geological", "forest_fire"] {
        let of: Vec<&Polygon> = zones
            .iter()
            .filter(|f| d.text("hazard_zones", f, "hazard_type").as_deref() == Some(ty))
            .flat_map(|f| match &f.geometry {
                Geometry::MultiPolygon(m) => m.0.iter().collect::<Vec<_>>(),
                Geometry::Polygon(p) => vec![p],
                other => panic!("{other:?}"),
            })
            .collect();
        assert!(of.len() >= 20, "{ty}: {} zones", of.len());
        let grades: BTreeSet<i64> = zones
            .iter()
            .filter(|f| d.text("hazard_zones", f, "hazard_type").as_deref() == Some(ty))
            .map(|f| d.int("hazard_zones", f, "grade"))
            .collect();
        assert_eq!(grades, BTreeSet::from([1, 2, 3, 4]), "{ty}");
        for p in &of {
            assert!(p.is_valid(), "{ty}: invalid zone");
        }
        let sum: f64 = of.iter().map(|p| p.unsigned_area()).sum();
        let union = unary_union(of.iter().copied()).unsigned_area();
        assert!(
            (sum - union).abs() <= 1e-9 * sum,
            "{ty}: zones overlap ({sum} vs union {union})"
        );
        if ty == "earthquake" {
            assert!(
                (sum / pref_area - 1.0).abs() < 1e-6,
                "earthquake zoning covers the prefecture"
            );
        }
        assert_eq!(
            coverage_defects(&of),
            (0, 0),
            "{ty}: neighbours do not share vertices"
        );
    }
    // Different types do overlap (they are separate coverages).
    let first = |ty: &str| {
        zones
            .iter()
            .find(|f| {
                d.text("hazard_zones", f, "hazard_type").as_deref() == Some(ty)
                    && d.int("hazard_zones", f, "grade") == 4
            })
            .map(|f| multipolygon(&f.geometry))
            .unwrap()
    };
    let eq = first("earthquake");
    let any_overlap = zones
        .iter()
        .filter(|f| d.text("hazard_zones", f, "hazard_type").as_deref() == Some("geological"))
        .any(|f| multipolygon(&f.geometry).intersection(&eq).unsigned_area() > 0.0);
    assert!(any_overlap);
}

#[test]
fn shelters_source_is_a_gbk_shapefile_in_gauss_kruger_102e() {
    let d = chuxiong();
    let shp = d.sources.join("shelters_cm102e.shp");
    assert_eq!(
        std::fs::read_to_string(d.sources.join("shelters_cm102e.cpg"))
            .unwrap()
            .trim(),
        "GBK"
    );
    let ds = gdal::Dataset::open(&shp).unwrap();
    let mut layer = ds.layer(0).unwrap();
    use gdal::vector::LayerAccess;
    let mut srs = layer.spatial_ref().unwrap();
    srs.auto_identify_epsg().unwrap();
    assert_eq!(srs.auth_code().unwrap(), 4543);
    // The DBF holds GBK bytes, not UTF-8: look for a shelter name both ways.
    let dbf = std::fs::read(d.sources.join("shelters_cm102e.dbf")).unwrap();
    let name = d.text("shelters", &d.layer("shelters")[0], "name").unwrap();
    let (gbk, _, _) = encoding_rs::GBK.encode(&name);
    assert!(
        dbf.windows(gbk.len()).any(|w| w == &gbk[..]),
        "{name} not GBK-encoded in the DBF"
    );
    assert!(
        !dbf.windows(name.len()).any(|w| w == name.as_bytes()),
        "{name} found as UTF-8"
    );
    // Coordinates are Gauss-Kruger metres: the dataset's lon/lat projected through
    // PROJ land on the shapefile's points.
    let to_gk = proj::Proj::new_known_crs("EPSG:4326", "EPSG:4543", None).unwrap();
    let by_id: HashMap<String, Coord> = d
        .layer("shelters")
        .iter()
        .map(|f| {
            (
                d.text("shelters", f, "shelter_id").unwrap(),
                point(&f.geometry),
            )
        })
        .collect();
    let mut n = 0;
    for f in layer.features() {
        let id = f
            .field_as_string(f.field_index("BH").unwrap())
            .unwrap()
            .unwrap();
        let (x, y, _) = f.geometry().unwrap().get_point(0);
        assert!((300_000.0..700_000.0).contains(&x) && (2_600_000.0..3_000_000.0).contains(&y));
        let ll = by_id[&id];
        let (e, nn) = to_gk.convert((ll.x, ll.y)).unwrap();
        assert!(
            (e - x).abs() < 0.01 && (nn - y).abs() < 0.01,
            "{id}: {e},{nn} vs {x},{y}"
        );
        n += 1;
    }
    assert_eq!(n, d.layer("shelters").len());
}

#[test]
fn water_csv_is_in_gcj02() {
    let d = chuxiong();
    let text = std::fs::read_to_string(d.sources.join("water_sources_amap.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (id_col, lon_col, lat_col) = (col("编号"), col("经度"), col("纬度"));
    let by_id: HashMap<String, Coord> = d
        .layer("water_sources")
        .iter()
        .map(|f| {
            (
                d.text("water_sources", f, "source_id").unwrap(),
                point(&f.geometry),
            )
        })
        .collect();
    let mut n = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let csv = Coord {
            x: cells[lon_col].parse().unwrap(),
            y: cells[lat_col].parse().unwrap(),
        };
        let wgs = by_id[cells[id_col]];
        let offset_m = Geodesic.distance(Point(csv), Point(wgs));
        assert!(
            offset_m > 100.0 && offset_m < 1_000.0,
            "{}: GCJ offset {offset_m} m",
            cells[id_col]
        );
        let (gx, gy) = wgs84_to_gcj02(wgs.x, wgs.y);
        assert!(
            (gx - csv.x).abs() < 1e-6 && (gy - csv.y).abs() < 1e-6,
            "{}",
            cells[id_col]
        );
        n += 1;
    }
    assert_eq!(n, 4_836);
}

#[test]
fn generated_layers_are_flagged_synthetic_and_context_layers_are_not() {
    let d = chuxiong();
    for l in &d.manifest.layers {
        let generated = layers::catalogue::CORE_LAYERS.contains(&l.schema.id.as_str());
        assert_eq!(l.synthetic, generated, "{}", l.schema.id);
    }
    for id in [
        "faults",
        "rivers",
        "weather_stations",
        "places",
        "historic_earthquakes",
        "landslide_events",
    ] {
        assert!(
            d.manifest.layer(id).is_some_and(|l| l.feature_count > 0),
            "{id}"
        );
    }
}

fn source_checksums(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                sha256_file(&p).unwrap(),
            )
        })
        .collect()
}

fn layer_checksums(d: &Demo) -> BTreeMap<String, String> {
    d.manifest
        .layers
        .iter()
        .map(|l| (l.schema.id.clone(), l.sha256.clone()))
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    let a = chuxiong();
    let b = generate("b", SEED);
    let mut sa = source_checksums(&a.sources);
    let mut sb = source_checksums(&b.sources);
    // The config names its own directory nowhere, but compare it as text anyway.
    sa.remove("prep.toml");
    sb.remove("prep.toml");
    assert_eq!(
        sa, sb,
        "source files differ between runs with the same seed"
    );
    assert_eq!(
        std::fs::read_to_string(a.sources.join("prep.toml")).unwrap(),
        std::fs::read_to_string(b.sources.join("prep.toml")).unwrap()
    );
    assert_eq!(layer_checksums(a), layer_checksums(&b));
    drop(b);

    let c = generate("c", SEED + 1);
    let (la, lc) = (layer_checksums(a), layer_checksums(&c));
    for l in &a.manifest.layers {
        let id = &l.schema.id;
        if l.synthetic {
            assert_ne!(la[id], lc[id], "{id} did not change with the seed");
        } else {
            assert_eq!(la[id], lc[id], "context layer {id} changed with the seed");
        }
    }
}
