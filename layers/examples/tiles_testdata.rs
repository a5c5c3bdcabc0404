//! A tile-test dataset from the real Yunnan data plus small synthetic coverages:
//!
//! `cargo run -p riskmap-layers --example tiles_testdata -- DATA_DIR OUT_DIR`
//!
//! Real: Chuxiong prefecture and its counties (admin, per level), faults and rivers
//! (context lines), weather stations (context points). Synthetic, over Chuxiong: a
//! jittered lattice cut into five nested levels of evacuation grids whose shared
//! borders repeat the same vertices, hazard zones of two types graded by a smooth
//! field (so same-grade neighbours exist to merge), and facility points carrying
//! Personal fields (to check that public tiles never show them). The project's demo
//! (`riskmap-prep demo`) supersedes this; the tile checker runs on either.
// A command-line tool for developers: a panic is its error report.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPolygon, Point, Polygon};
use layers::catalogue::{self, context_layer, core_layer};
use layers::dataset::{DatasetMeta, LayerData, write_dataset};
use layers::schema::{FieldDef, FieldType, GeometryKind, LayerSchema};
use layers::{Feature, Value};
use serde_json::Value as Json;

fn read(path: &Path) -> Vec<Json> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: Json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    v["features"].as_array().cloned().unwrap_or_default()
}

fn ring(v: &Json) -> LineString<f64> {
    LineString(
        v.as_array()
            .into_iter()
            .flatten()
            .map(|c| Coord {
                x: c[0].as_f64().unwrap_or(0.0),
                y: c[1].as_f64().unwrap_or(0.0),
            })
            .collect(),
    )
}

fn polygon(v: &Json) -> Polygon<f64> {
    let rings: Vec<LineString<f64>> = v.as_array().into_iter().flatten().map(ring).collect();
    let mut it = rings.into_iter();
    Polygon::new(
        it.next().unwrap_or_else(|| LineString(vec![])),
        it.collect(),
    )
}

fn geometry(g: &Json) -> Option<Geometry<f64>> {
    let c = &g["coordinates"];
    Some(match g["type"].as_str()? {
        "Point" => Geometry::Point(Point::new(c[0].as_f64()?, c[1].as_f64()?)),
        "LineString" => Geometry::MultiLineString(MultiLineString(vec![ring(c)])),
        "MultiLineString" => {
            Geometry::MultiLineString(MultiLineString(c.as_array()?.iter().map(ring).collect()))
        }
        "Polygon" => Geometry::MultiPolygon(MultiPolygon(vec![polygon(c)])),
        "MultiPolygon" => {
            Geometry::MultiPolygon(MultiPolygon(c.as_array()?.iter().map(polygon).collect()))
        }
        _ => return None,
    })
}

fn text(v: &Json) -> Value {
    match v {
        Json::String(s) => Value::Text(s.clone()),
        Json::Number(n) => Value::Text(n.to_string()),
        _ => Value::Null,
    }
}

fn props(schema: &LayerSchema, set: &[(&str, Value)]) -> Vec<Value> {
    let mut p = vec![Value::Null; schema.fields.len()];
    for (k, v) in set {
        let i = schema
            .field_index(k)
            .unwrap_or_else(|| panic!("{}.{k}", schema.id));
        p[i] = v.clone();
    }
    p
}

fn admin(data: &Path) -> LayerData {
    let schema = core_layer(catalogue::ADMIN).unwrap();
    let mut features = Vec::new();
    for (file, level, code, name, parent) in [
        (
            "admin_prefecture",
            "prefecture",
            "city_adcode",
            "city_name",
            "province_adcode",
        ),
        (
            "admin_county_census2020",
            "county",
            "district_adcode",
            "district_name",
            "city_adcode",
        ),
    ] {
        for f in read(&data.join(format!("{file}.geojson"))) {
            let Some(g) = geometry(&f["geometry"]) else {
                continue;
            };
            let p = &f["properties"];
            // Chuxiong prefecture (532300) and its counties.
            if !area().province && p["city_adcode"].as_i64() != Some(532300) {
                continue;
            }
            let pop = p["census2020_人口数_合计"]
                .as_i64()
                .map_or(Value::Null, Value::Int);
            let hh = p["census2020_家庭户数"]
                .as_i64()
                .map_or(Value::Null, Value::Int);
            let parent = if parent.is_empty() {
                Value::Null
            } else {
                text(&p[parent])
            };
            features.push(Feature::new(
                g,
                props(
                    &schema,
                    &[
                        ("code", text(&p[code])),
                        ("name", text(&p[name])),
                        ("level", level.into()),
                        ("parent_code", parent),
                        ("population", pop),
                        ("households", hh),
                    ],
                ),
            ));
        }
    }
    LayerData {
        schema,
        features,
        synthetic: false,
        sources: vec![],
    }
}

fn context(
    data: &Path,
    file: &str,
    id: &str,
    kind: GeometryKind,
    zh: &str,
    fields: &[(&str, FieldType)],
) -> LayerData {
    let mut schema = context_layer(id, kind, zh, id);
    schema.fields = fields
        .iter()
        .map(|(n, t)| FieldDef::new(n, *t, n, n))
        .collect();
    let features = read(&data.join(format!("{file}.geojson")))
        .iter()
        .filter_map(|f| {
            let g = geometry(&f["geometry"])?;
            if !near_chuxiong(&g) {
                return None;
            }
            let p = &f["properties"];
            let values = fields
                .iter()
                .map(|(n, t)| match t {
                    FieldType::Int => p[n].as_i64().map_or(Value::Null, Value::Int),
                    FieldType::Float => p[n].as_f64().map_or(Value::Null, Value::Float),
                    _ => p[n].as_str().map_or(Value::Null, Value::from),
                })
                .collect();
            Some(Feature::new(g, values))
        })
        .collect();
    LayerData {
        schema,
        features,
        synthetic: false,
        sources: vec![],
    }
}

/// Does the geometry come within the synthetic area (Chuxiong's bbox)?
fn near_chuxiong(g: &Geometry<f64>) -> bool {
    use geo::BoundingRect;
    g.bounding_rect().is_some_and(|r| {
        let a = area();
        r.max().x >= a.west
            && r.min().x <= a.west + a.span
            && r.max().y >= a.south
            && r.min().y <= a.south + a.span
    })
}

/// Deterministic noise in [0, 1).
fn noise(a: u64, b: u64) -> f64 {
    let mut z = a.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ b.wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
    z = (z ^ (z >> 31)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// The synthetic area: Chuxiong's bbox with a 128-cell lattice, or (`yunnan`) the
/// province's bbox at the same cell size (a 1024-cell lattice, about 1.4M grids).
struct Area {
    n: usize,
    west: f64,
    south: f64,
    span: f64,
    /// Facility counts relative to Chuxiong's.
    points: usize,
    /// Admin: every prefecture and county of Yunnan instead of Chuxiong's.
    province: bool,
}

static AREA: std::sync::OnceLock<Area> = std::sync::OnceLock::new();

fn area() -> &'static Area {
    AREA.get().expect("area set in main")
}

fn vertex(i: usize, j: usize) -> Coord<f64> {
    let (n, d) = (area().n, area().span / area().n as f64);
    let inner = |k: usize| k > 0 && k < n;
    let jx = if inner(i) && inner(j) {
        (noise(i as u64, j as u64) - 0.5) * 0.6 * d
    } else {
        0.0
    };
    let jy = if inner(i) && inner(j) {
        (noise(j as u64 + 7, i as u64) - 0.5) * 0.6 * d
    } else {
        0.0
    };
    Coord {
        x: area().west + i as f64 * d + jx,
        y: area().south + j as f64 * d + jy,
    }
}

/// The lattice block `size` cells wide at (i, j), walking every lattice vertex on its
/// border so neighbours share them exactly.
fn block(i: usize, j: usize, size: usize) -> MultiPolygon<f64> {
    let mut pts = Vec::new();
    for k in 0..size {
        pts.push(vertex(i + k, j));
    }
    for k in 0..size {
        pts.push(vertex(i + size, j + k));
    }
    for k in 0..size {
        pts.push(vertex(i + size - k, j + size));
    }
    for k in 0..size {
        pts.push(vertex(i, j + size - k));
    }
    pts.push(pts[0]);
    MultiPolygon(vec![Polygon::new(LineString(pts), vec![])])
}

fn grids() -> LayerData {
    let schema = core_layer(catalogue::EVACUATION_GRIDS).unwrap();
    let mut features = Vec::new();
    for (level, size) in [(1, 64), (2, 16), (3, 8), (4, 2), (5, 1)] {
        for j in (0..area().n).step_by(size) {
            for i in (0..area().n).step_by(size) {
                let persons = (size * size) as i64 * 12;
                features.push(Feature::new(
                    Geometry::MultiPolygon(block(i, j, size)),
                    props(
                        &schema,
                        &[
                            ("grid_code", format!("G{level}-{i:03}-{j:03}").into()),
                            ("level", Value::Int(level)),
                            ("name", format!("网格{level}-{i}-{j}").into()),
                            ("households", Value::Int(persons / 3)),
                            ("persons", Value::Int(persons)),
                            ("special_needs", Value::Int((size * size) as i64)),
                            ("responsible_person", "张三".into()),
                            ("responsible_phone", "13800000000".into()),
                        ],
                    ),
                ));
            }
        }
    }
    LayerData {
        schema,
        features,
        synthetic: true,
        sources: vec![],
    }
}

fn hazard_zones() -> LayerData {
    let schema = core_layer(catalogue::HAZARD_ZONES).unwrap();
    let mut features = Vec::new();
    for (t, (kind, scale)) in [("flood", 0.7), ("geological", 0.35)]
        .into_iter()
        .enumerate()
    {
        for j in (0..area().n).step_by(4) {
            for i in (0..area().n).step_by(4) {
                let v =
                    ((i as f64 * 0.05 * scale).sin() + (j as f64 * 0.04 / scale).cos() + 2.0) / 4.0;
                let grade = 1 + ((v * 4.0) as i64).clamp(0, 3);
                features.push(Feature::new(
                    Geometry::MultiPolygon(block(i, j, 4)),
                    props(
                        &schema,
                        &[
                            ("zone_id", format!("Z{t}-{i}-{j}").into()),
                            ("hazard_type", kind.into()),
                            ("grade", Value::Int(grade)),
                            ("survey_year", Value::Int(2021)),
                        ],
                    ),
                ));
            }
        }
    }
    LayerData {
        schema,
        features,
        synthetic: true,
        sources: vec![],
    }
}

fn points(id: &str, n: usize, fill: impl Fn(usize) -> Vec<(&'static str, Value)>) -> LayerData {
    let schema = core_layer(id).unwrap();
    let features = (0..n)
        .map(|k| {
            let x = area().west + noise(k as u64, 1) * area().span;
            let y = area().south + noise(k as u64, 2) * area().span;
            Feature::new(Geometry::Point(Point::new(x, y)), props(&schema, &fill(k)))
        })
        .collect();
    LayerData {
        schema,
        features,
        synthetic: true,
        sources: vec![],
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(data), Some(out)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: tiles_testdata DATA_DIR OUT_DIR [chuxiong|yunnan]");
        std::process::exit(2);
    };
    let yunnan = args.get(3).is_some_and(|s| s == "yunnan");
    let chuxiong = Area {
        n: 128,
        west: 100.7,
        south: 24.2,
        span: 1.8,
        points: 1,
        province: false,
    };
    let _ = AREA.set(if yunnan {
        Area {
            n: 1024,
            west: 97.6,
            south: 21.2,
            span: 8.0,
            points: 14,
            province: true,
        }
    } else {
        chuxiong
    });
    let data = Path::new(data);
    let layers = vec![
        admin(data),
        hazard_zones(),
        grids(),
        context(
            data,
            "faults_gem2017",
            "faults",
            GeometryKind::Line,
            "断层",
            &[("name", FieldType::Text), ("slip_type", FieldType::Text)],
        ),
        context(
            data,
            "rivers_ngcc4m",
            "rivers",
            GeometryKind::Line,
            "河流",
            &[("NAME", FieldType::Text), ("LEVEL_RIVE", FieldType::Int)],
        ),
        context(
            data,
            "weather_stations",
            "stations",
            GeometryKind::Point,
            "气象站",
            &[("name", FieldType::Text), ("alti_m", FieldType::Float)],
        ),
        points(catalogue::WATER_SOURCES, 4836 * area().points, |k| {
            vec![
                ("source_id", format!("W{k:05}").into()),
                (
                    "type",
                    ["pond", "reservoir", "stream", "tank", "hydrant"][k % 5].into(),
                ),
                ("volume_m3", Value::Float((k % 97) as f64 * 10.5)),
            ]
        }),
        points(catalogue::SHELTERS, 600 * area().points, |k| {
            vec![
                ("shelter_id", format!("S{k:04}").into()),
                ("name", format!("避难场所{k}").into()),
                ("capacity", Value::Int(100 + (k % 50) as i64 * 20)),
                ("status", if k % 9 == 0 { "closed" } else { "open" }.into()),
                ("manager", "李四".into()),
                ("manager_phone", "13900000000".into()),
            ]
        }),
        points(catalogue::DEPOTS, 40 * area().points, |k| {
            vec![
                ("depot_id", format!("D{k:02}").into()),
                ("name", format!("储备库{k}").into()),
                ("level", if k == 0 { "prefecture" } else { "county" }.into()),
                ("inv_tents", Value::Int(100 + k as i64)),
                ("keeper", "王五".into()),
                ("keeper_phone", "13700000000".into()),
            ]
        }),
        points(catalogue::HAZARD_POINTS, 900 * area().points, |k| {
            vec![
                ("point_id", format!("H{k:04}").into()),
                (
                    "type",
                    ["landslide", "debris_flow", "collapse"][k % 3].into(),
                ),
                ("threatened_persons", Value::Int((k % 40) as i64)),
                ("responsible_person", "赵六".into()),
            ]
        }),
    ];
    let meta = DatasetMeta {
        title: "tile test: Yunnan admin + Chuxiong synthetic".into(),
        attribution: "Boundaries: Tianditu; faults: GEM (CC BY-SA 4.0)".into(),
        ..Default::default()
    };
    let m = write_dataset(Path::new(out), meta, &layers).unwrap_or_else(|e| panic!("{e}"));
    for l in &m.layers {
        println!("{} {}", l.schema.id, l.feature_count);
    }
}
