//! Shared by the demo tests: one generated dataset read back, typed accessors, and a
//! coverage checker for polygon layers.
// Test support: a panic here is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use geo::{Coord, Distance, Euclidean, Geometry, MultiPolygon, Point, Polygon};
use layers::dataset::read_dataset;
use layers::manifest::Manifest;
use layers::{Feature, Value};
use riskmap_prep::demo::{self, DemoArgs, Scale};
use rstar::{AABB, RTree};

pub const SEED: u64 = 7;

pub struct Demo {
    pub sources: PathBuf,
    pub manifest: Manifest,
    pub layers: BTreeMap<String, Vec<Feature>>,
}

impl Demo {
    pub fn layer(&self, id: &str) -> &[Feature] {
        &self.layers[id]
    }

    pub fn schema(&self, id: &str) -> &layers::LayerSchema {
        &self.manifest.layer(id).unwrap().schema
    }

    pub fn text(&self, id: &str, f: &Feature, field: &str) -> Option<String> {
        match f.get(self.schema(id), field) {
            Some(Value::Text(s)) => Some(s.clone()),
            Some(Value::Null) | None => None,
            Some(other) => panic!("{id}.{field} is {other:?}"),
        }
    }

    pub fn int(&self, id: &str, f: &Feature, field: &str) -> i64 {
        match f.get(self.schema(id), field) {
            Some(Value::Int(i)) => *i,
            other => panic!("{id}.{field} is {other:?}"),
        }
    }

    pub fn prefecture(&self) -> MultiPolygon {
        let admin = self.layer("admin");
        let f = admin
            .iter()
            .find(|f| self.text("admin", f, "code").as_deref() == Some("532300"))
            .expect("prefecture feature");
        multipolygon(&f.geometry)
    }
}

pub fn multipolygon(g: &Geometry) -> MultiPolygon {
    match g {
        Geometry::MultiPolygon(m) => m.clone(),
        Geometry::Polygon(p) => MultiPolygon::new(vec![p.clone()]),
        other => panic!("not a polygon: {other:?}"),
    }
}

pub fn point(g: &Geometry) -> Coord {
    match g {
        Geometry::Point(p) => p.0,
        other => panic!("not a point: {other:?}"),
    }
}

pub fn workdir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("demo-test")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn generate(name: &str, seed: u64) -> Demo {
    let dir = workdir(name);
    let args = DemoArgs {
        out: dir.join("dataset"),
        seed,
        scale: Scale::Chuxiong,
        sources: None,
        reference_data: Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/yunnan")),
        no_progress: true,
    };
    let (sources, report) = demo::run(&args).expect("demo builds");
    assert_eq!(
        (report.errors, report.warnings),
        (0, 0),
        "{}",
        report.summary()
    );
    assert_eq!(sources.dir, dir.join("dataset.sources"));
    let (manifest, features) = read_dataset(&args.out).unwrap();
    let layers = manifest
        .layers
        .iter()
        .map(|l| l.schema.id.clone())
        .zip(features)
        .collect();
    Demo {
        sources: sources.dir,
        manifest,
        layers,
    }
}

pub fn chuxiong() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| generate("a", SEED))
}

/// Vertices of other zones lying on an edge's interior (T-junctions), and distinct
/// vertices closer than a millimetre (near misses): a true coverage has neither.
pub fn coverage_defects(polys: &[&Polygon]) -> (usize, usize) {
    let key = |c: &Coord| (c.x.to_bits(), c.y.to_bits());
    let mut vertices: BTreeMap<(u64, u64), Coord> = BTreeMap::new();
    for p in polys {
        for r in std::iter::once(p.exterior()).chain(p.interiors()) {
            for c in &r.0 {
                vertices.insert(key(c), *c);
            }
        }
    }
    let tree = RTree::bulk_load(vertices.values().map(|c| [c.x, c.y]).collect::<Vec<_>>());
    let mut t_junctions = 0;
    for p in polys {
        for r in std::iter::once(p.exterior()).chain(p.interiors()) {
            for l in r.lines() {
                let env = AABB::from_corners(
                    [l.start.x.min(l.end.x), l.start.y.min(l.end.y)],
                    [l.start.x.max(l.end.x), l.start.y.max(l.end.y)],
                );
                for v in tree.locate_in_envelope(&env) {
                    let c = Coord { x: v[0], y: v[1] };
                    if c == l.start || c == l.end {
                        continue;
                    }
                    if Euclidean.distance(&Point(c), &l) < 1e-10 {
                        t_junctions += 1;
                    }
                }
            }
        }
    }
    let mut near_misses = 0;
    for c in vertices.values() {
        let env = AABB::from_corners([c.x - 1e-8, c.y - 1e-8], [c.x + 1e-8, c.y + 1e-8]);
        near_misses += tree
            .locate_in_envelope(&env)
            .filter(|v| v[0] != c.x || v[1] != c.y)
            .count();
    }
    (t_junctions, near_misses)
}
