//! In-process query benchmark (run in release via bench/queries.sh; not a test).
//!
//! `bench_queries [--dataset DIR] [--scale chuxiong|yunnan] [--write-dataset DIR]`
//! - nearest-k (k = 10) over 1,000,000 random points in the Yunnan bbox;
//! - transfer analysis for a county-size warning polygon (楚雄市, 532301);
//! - an Ms 7 earthquake near Chuxiong.
//!
//! On the dataset at DIR (e.g. the generated demo) or on the data/yunnan fixture
//! (`--scale yunnan` puts grids and facilities in every county, about 1M grids).
//! `--write-dataset DIR` writes the fixture as a prepared dataset (for the HTTP bench).
// A command-line tool for developers: a panic is its error report.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use geo::{Geometry, MultiPolygon, Point};
use layers::dataset::{DatasetMeta, write_dataset};
use layers::manifest::ManifestLayer;
use layers::query::{Access, Derived, Limits};
use layers::query::{EarthquakeRequest, earthquake};
use layers::query::{Scope, TransferRequest, transfer_with};
use layers::query::{solve, solve_full_graph};
use layers::testdata::{Rng, fixture_layers_in, store_from};
use layers::{Feature, Layer, Store, Value, catalogue};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, mut us: Vec<f64>) {
    us.sort_by(f64::total_cmp);
    let mut wall = WALL.with(|w| std::mem::take(&mut *w.borrow_mut()));
    wall.sort_by(f64::total_cmp);
    let n = us.len();
    let wall = &wall[wall.len().saturating_sub(n)..];
    let mean = us.iter().sum::<f64>() / n as f64;
    println!(
        "{name}: n={n} CPU mean={mean:.1} µs p50={:.1} µs p99={:.1} µs | wall p50={:.1} µs p99={:.1} µs",
        percentile(&us, 0.5),
        percentile(&us, 0.99),
        percentile(wall, 0.5),
        percentile(wall, 0.99)
    );
}

/// This thread's CPU time, µs: unlike wall time it does not count the time other
/// processes (other builds on this shared 2-core machine) hold the CPU. std has no
/// thread CPU clock, hence the one libc call.
#[allow(unsafe_code)]
fn cpu_us() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e6 + ts.tv_nsec as f64 / 1e3
}

/// Run `f`; its thread CPU time in µs (wall time goes to WALL for the report).
fn time<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let (t, c) = (Instant::now(), cpu_us());
    let v = f();
    let (cpu, wall) = (cpu_us() - c, t.elapsed().as_secs_f64() * 1e6);
    WALL.with(|w| w.borrow_mut().push(wall));
    (v, cpu)
}

thread_local! {
    static WALL: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |k: &str| {
        args.iter()
            .position(|a| a == k)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let scale = arg("--scale").unwrap_or_else(|| "chuxiong".into());

    // 1. nearest-k over 1M points.
    let mut rng = Rng::new(1);
    let schema = catalogue::core_layer("water_sources").unwrap();
    let n = 1_000_000;
    let features: Vec<Feature> = (0..n)
        .map(|i| {
            let mut p = vec![Value::Null; schema.fields.len()];
            p[0] = format!("W{i}").into();
            Feature::new(
                Geometry::Point(Point::new(rng.range(97.5, 106.2), rng.range(21.1, 29.2))),
                p,
            )
        })
        .collect();
    let meta = ManifestLayer {
        schema,
        file: String::new(),
        feature_count: n as u64,
        bbox: None,
        synthetic: true,
        sha256: String::new(),
        sources: vec![],
    };
    let (layer, build_us) = time(|| Layer::new(meta, features));
    println!("index 1M points: {:.0} ms CPU", build_us / 1000.0);
    WALL.with(|w| w.borrow_mut().clear());
    let queries: Vec<Point<f64>> = (0..20_000)
        .map(|_| Point::new(rng.range(97.5, 106.2), rng.range(21.1, 29.2)))
        .collect();
    let mut us = Vec::with_capacity(queries.len());
    let mut sink = 0usize;
    for q in &queries {
        let (r, t) = time(|| layers::knn::nearest(&layer, *q, 10, None, |_| true));
        sink += r.len();
        us.push(t);
    }
    report("nearest k=10 over 1M points", us);
    drop(layer);

    // 2. The dataset for the analyses.
    let (store, t) = time(|| match arg("--dataset") {
        Some(dir) => Store::open(std::path::Path::new(&dir)).expect("dataset"),
        None => {
            let (cell, pref) = if scale == "yunnan" {
                (0.0065, None)
            } else {
                (0.02, Some("532300"))
            };
            let layers = fixture_layers_in(7, cell, pref);
            if let Some(out) = arg("--write-dataset") {
                let meta = DatasetMeta {
                    title: format!("bench fixture ({scale})"),
                    ..Default::default()
                };
                write_dataset(std::path::Path::new(&out), meta, &layers).expect("write dataset");
                println!("wrote {out}");
            }
            store_from(layers)
        }
    });
    let grids = store
        .layer("evacuation_grids")
        .map_or(0, |l| l.features.len());
    println!(
        "dataset: {grids} grids, loaded/built in {:.1} s CPU",
        t / 1e6
    );
    let (derived, t) = time(|| Derived::new(&store));
    println!(
        "derived indexes: {:.0} ms CPU ({} leaf grids)",
        t / 1000.0,
        derived.grids.leaves.len()
    );
    WALL.with(|w| w.borrow_mut().clear());
    let access = Access::public();
    let limits = Limits::STANDARD;

    // 3. The /point work (profile + JSON), without HTTP, at random places in Chuxiong.
    let mut us = Vec::new();
    for _ in 0..5_000 {
        let p = Point::new(rng.range(100.8, 102.3), rng.range(24.3, 26.4));
        let (bytes, t) = time(|| {
            serde_json::to_vec(&layers::query::point_profile(&store, &derived, &access, p)).unwrap()
        });
        sink += bytes.len();
        us.push(t);
    }
    report("point profile + JSON (no HTTP)", us);

    // 4. Transfer: a county (楚雄市, 532301) and the whole prefecture (楚雄州, 532300),
    // flood, default scope and min_grade; then everyone in the area (scope all), which
    // loads the optimisation most. Both solvers, same problems.
    let admin = store.layer("admin").unwrap();
    for (code, what) in [
        ("532301", "county"),
        ("532300", "prefecture"),
        ("530000", "province"),
    ] {
        let Some(&unit) = derived.admin.by_code.get(code) else {
            continue;
        };
        let area: MultiPolygon<f64> = match &admin.features[unit as usize].geometry {
            Geometry::MultiPolygon(mp) => mp.clone(),
            _ => unreachable!(),
        };
        for scope in [Scope::Exposed, Scope::All] {
            let req = TransferRequest {
                scope,
                ..TransferRequest::new(area.clone(), "flood")
            };
            for (name, solver) in [
                ("new solver", solve as layers::query::Solver),
                ("old solver", solve_full_graph),
            ] {
                let runs = if name == "old solver" && scope == Scope::All {
                    3
                } else {
                    10
                };
                let mut us = Vec::new();
                for _ in 0..runs {
                    let (r, t) = time(|| {
                        transfer_with(&store, &derived, &access, &req, &limits, solver)
                            .expect("transfer")
                    });
                    sink += r.summary.grids;
                    us.push(t);
                }
                let r = transfer_with(&store, &derived, &access, &req, &limits, solver).unwrap();
                let s = &r.summary;
                let bytes = serde_json::to_vec(&r).unwrap().len();
                println!(
                    "transfer {code} {scope:?}: {} grids in area, {} to move, {} persons, {} planned, {} rerouted, {} unplaced, {} shelters used, {} person-m, {bytes} B JSON",
                    s.grids_in_area,
                    s.grids,
                    s.persons,
                    s.persons_planned,
                    s.persons_rerouted,
                    s.persons_unplaced,
                    s.shelters_used,
                    s.person_metres
                );
                report(&format!("transfer {what} {scope:?}, {name}"), us);
            }
        }
    }

    // 5. Ms 7 earthquake near 楚雄市.
    let req = EarthquakeRequest {
        epicentre: Point::new(101.53, 25.03),
        magnitude: 7.0,
        depth_km: 10.0,
        strike_deg: None,
        reach_km: None,
    };
    let mut us = Vec::new();
    for _ in 0..20 {
        let (r, t) =
            time(|| earthquake(&store, &derived, &access, &req, &limits).expect("earthquake"));
        sink += r.depots_in_reach.len();
        us.push(t);
    }
    let r = earthquake(&store, &derived, &access, &req, &limits).unwrap();
    let zones = &r.zones.features;
    let persons: i64 = zones.iter().map(|z| z.properties.persons).sum();
    println!(
        "M7: {} zones, {persons} persons in VI+, orientation {}",
        zones.len(),
        r.orientation.source
    );
    report("earthquake Ms 7", us);
    println!("(checksum {sink})");
}
