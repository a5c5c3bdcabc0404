//! A realistic in-memory dataset for tests and benchmarks, until (and beside) the
//! generated Chuxiong demo: real Yunnan boundaries, faults, weather stations and towns
//! from `data/yunnan`, plus seeded synthetic facilities and grids in Chuxiong
//! (532300). Compiled only with the `testdata` feature.

use std::path::{Path, PathBuf};

use geo::{
    Contains, Coord, Geometry, LineString, MultiLineString, MultiPolygon, Point, Polygon, Rect,
};
use serde_json::Value as Json;

use crate::catalogue;
use crate::dataset::LayerData;
use crate::feature::Feature;
use crate::manifest::{FORMAT, FORMAT_VERSION, Manifest, ManifestLayer};
use crate::schema::{FieldDef, FieldType, GeometryKind, LayerSchema};
use crate::store::{Layer, Store};
use crate::value::Value;

/// `data/yunnan` in this repository.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/yunnan")
}

/// A small, seeded xorshift generator: reproducible without pulling a crate in.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }
}

fn coords(v: &Json) -> Vec<Coord<f64>> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some(Coord {
                x: p.get(0)?.as_f64()?,
                y: p.get(1)?.as_f64()?,
            })
        })
        .collect()
}

fn polygon(v: &Json) -> Polygon<f64> {
    let mut rings = v
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| LineString(coords(r)));
    let ext = rings.next().unwrap_or(LineString(vec![]));
    Polygon::new(ext, rings.collect())
}

/// Read a GeoJSON geometry into the kind a layer stores.
pub fn geometry(v: &Json) -> Option<Geometry<f64>> {
    let c = v.get("coordinates")?;
    Some(match v.get("type")?.as_str()? {
        "Point" => Geometry::Point(Point(*coords(&Json::Array(vec![c.clone()])).first()?)),
        "LineString" => Geometry::MultiLineString(MultiLineString(vec![LineString(coords(c))])),
        "MultiLineString" => Geometry::MultiLineString(MultiLineString(
            c.as_array()?
                .iter()
                .map(|l| LineString(coords(l)))
                .collect(),
        )),
        "Polygon" => Geometry::MultiPolygon(MultiPolygon(vec![polygon(c)])),
        "MultiPolygon" => {
            Geometry::MultiPolygon(MultiPolygon(c.as_array()?.iter().map(polygon).collect()))
        }
        _ => return None,
    })
}

/// Features of a GeoJSON file in `data/yunnan`: (geometry, properties).
pub fn read_geojson(name: &str) -> Vec<(Geometry<f64>, serde_json::Map<String, Json>)> {
    let path = data_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: Json =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    doc["features"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| {
            Some((
                geometry(&f["geometry"])?,
                f["properties"].as_object()?.clone(),
            ))
        })
        .collect()
}

fn row(schema: &LayerSchema, values: &[(&str, Value)]) -> Vec<Value> {
    let mut p = vec![Value::Null; schema.fields.len()];
    for (name, v) in values {
        let i = schema
            .field_index(name)
            .unwrap_or_else(|| panic!("{}.{name}", schema.id));
        p[i] = v.clone();
    }
    p
}

fn code_of(v: Option<&Json>) -> String {
    match v {
        Some(Json::Number(n)) => n.to_string(),
        Some(Json::String(s)) => s.clone(),
        _ => String::new(),
    }
}

/// A random point inside `area` (rejection sampling in its bbox).
fn point_in(rng: &mut Rng, area: &MultiPolygon<f64>, bbox: Rect<f64>) -> Point<f64> {
    loop {
        let p = Point::new(
            rng.range(bbox.min().x, bbox.max().x),
            rng.range(bbox.min().y, bbox.max().y),
        );
        if area.contains(&p) {
            return p;
        }
    }
}

fn square(x: f64, y: f64, d: f64) -> Geometry<f64> {
    let r = Rect::new((x, y), (x + d, y + d)).to_polygon();
    Geometry::MultiPolygon(MultiPolygon(vec![r]))
}

fn circle(c: Point<f64>, r_deg: f64, n: usize) -> Geometry<f64> {
    let mut pts: Vec<Coord<f64>> = (0..n)
        .map(|k| {
            let t = k as f64 / n as f64 * std::f64::consts::TAU;
            Coord {
                x: c.x() + r_deg * t.cos() / c.y().to_radians().cos(),
                y: c.y() + r_deg * t.sin(),
            }
        })
        .collect();
    pts.push(pts[0]);
    Geometry::MultiPolygon(MultiPolygon(vec![Polygon::new(LineString(pts), vec![])]))
}

/// Every layer of the fixture. Cell size of the finest grids: `cell_deg`.
pub fn fixture_layers(seed: u64, cell_deg: f64) -> Vec<LayerData> {
    fixture_layers_in(seed, cell_deg, Some("532300"))
}

/// The fixture with grids and facilities in the counties of `prefecture` (a city
/// adcode), or in every Yunnan county with `None` (the province-scale benchmark).
pub fn fixture_layers_in(seed: u64, cell_deg: f64, prefecture: Option<&str>) -> Vec<LayerData> {
    use geo::BoundingRect;
    let mut rng = Rng::new(seed);
    let core = |id: &str| catalogue::core_layer(id).expect("core layer");

    // Admin: province, prefectures, counties (real), with census population.
    let admin_s = core(catalogue::ADMIN);
    let mut admin = Vec::new();
    for (g, p) in read_geojson("admin_province.geojson") {
        admin.push(Feature::new(
            g,
            row(
                &admin_s,
                &[
                    ("code", code_of(p.get("province_adcode")).into()),
                    ("name", code_of(p.get("province_name")).into()),
                    ("level", "province".into()),
                ],
            ),
        ));
    }
    for (g, p) in read_geojson("admin_prefecture.geojson") {
        admin.push(Feature::new(
            g,
            row(
                &admin_s,
                &[
                    ("code", code_of(p.get("city_adcode")).into()),
                    ("name", code_of(p.get("city_name")).into()),
                    ("level", "prefecture".into()),
                    ("parent_code", code_of(p.get("province_adcode")).into()),
                ],
            ),
        ));
    }
    let mut chuxiong: Vec<(String, MultiPolygon<f64>)> = Vec::new();
    for (g, p) in read_geojson("admin_county_census2020.geojson") {
        let code = code_of(p.get("district_adcode"));
        let pop = p.get("census2020_人口数_合计").and_then(Json::as_i64);
        if prefecture.is_none_or(|pf| code_of(p.get("city_adcode")) == pf)
            && let Geometry::MultiPolygon(mp) = &g
        {
            chuxiong.push((code.clone(), mp.clone()));
        }
        admin.push(Feature::new(
            g,
            row(
                &admin_s,
                &[
                    ("code", code.into()),
                    ("name", code_of(p.get("district_name")).into()),
                    ("level", "county".into()),
                    ("parent_code", code_of(p.get("city_adcode")).into()),
                    ("population", pop.into()),
                ],
            ),
        ));
    }

    // Grids in Chuxiong: level 1 = county, level 3 = 5x cells, level 5 = cells whose
    // centre lies in the county.
    let grid_s = core(catalogue::EVACUATION_GRIDS);
    let mut grids = Vec::new();
    // Facility counts per county: Chuxiong's 10 counties get 400 shelters, 4,836 water
    // sources (the prefecture's real count), 60 depots and 240 hazard zones.
    let n_counties = chuxiong.len().max(1) as i64;
    let shelters_planned = 40 * n_counties;
    for (ci, (county, mp)) in chuxiong.iter().enumerate() {
        let county_grid = format!("G{county}");
        grids.push(Feature::new(
            Geometry::MultiPolygon(mp.clone()),
            row(
                &grid_s,
                &[
                    ("grid_code", county_grid.clone().into()),
                    ("level", Value::Int(1)),
                    ("households", Value::Int(0)),
                    ("persons", Value::Int(0)),
                    ("county_code", county.clone().into()),
                    ("responsible_person", format!("县责任人{ci}").into()),
                    ("responsible_phone", format!("1380000{ci:04}").into()),
                ],
            ),
        ));
        let b = mp.bounding_rect().expect("county bbox");
        let big = cell_deg * 5.0;
        let (nx, ny) = (
            ((b.max().x - b.min().x) / big).ceil() as i64,
            ((b.max().y - b.min().y) / big).ceil() as i64,
        );
        for i in 0..nx {
            for j in 0..ny {
                let (x0, y0) = (b.min().x + i as f64 * big, b.min().y + j as f64 * big);
                let village = format!("{county_grid}-{i:03}{j:03}");
                let mut leaves = Vec::new();
                for a in 0..5 {
                    for c in 0..5 {
                        let (x, y) = (x0 + a as f64 * cell_deg, y0 + c as f64 * cell_deg);
                        if mp.contains(&Point::new(x + cell_deg / 2.0, y + cell_deg / 2.0)) {
                            let persons = rng.int(5, 90);
                            leaves.push(Feature::new(
                                square(x, y, cell_deg),
                                row(
                                    &grid_s,
                                    &[
                                        ("grid_code", format!("{village}-{a}{c}").into()),
                                        ("level", Value::Int(5)),
                                        ("parent_code", village.clone().into()),
                                        ("households", Value::Int((persons + 2) / 3)),
                                        ("persons", Value::Int(persons)),
                                        ("special_needs", Value::Int(rng.int(0, 4))),
                                        (
                                            "shelter_id",
                                            format!("S{:04}", rng.int(0, shelters_planned - 1))
                                                .into(),
                                        ),
                                        (
                                            "responsible_person",
                                            format!("网格员{}", rng.int(1000, 9999)).into(),
                                        ),
                                        (
                                            "responsible_phone",
                                            format!("139{:08}", rng.int(0, 99_999_999)).into(),
                                        ),
                                        ("county_code", county.clone().into()),
                                        ("township_code", format!("{county}{:03}", i % 12).into()),
                                    ],
                                ),
                            ));
                        }
                    }
                }
                if !leaves.is_empty() {
                    let p: i64 = leaves
                        .iter()
                        .map(|f| {
                            f.properties[grid_s.field_index("persons").expect("grids have persons")]
                                .as_i64()
                                .unwrap_or(0)
                        })
                        .sum();
                    grids.push(Feature::new(
                        square(x0, y0, big),
                        row(
                            &grid_s,
                            &[
                                ("grid_code", village.clone().into()),
                                ("level", Value::Int(3)),
                                ("parent_code", county_grid.clone().into()),
                                ("households", Value::Int(p / 3)),
                                ("persons", Value::Int(p)),
                                ("county_code", county.clone().into()),
                                ("responsible_person", format!("村责任人{i}{j}").into()),
                                (
                                    "responsible_phone",
                                    format!("137{:08}", rng.int(0, 99_999_999)).into(),
                                ),
                            ],
                        ),
                    ));
                    grids.extend(leaves);
                }
            }
        }
    }

    // Facilities placed in Chuxiong counties.
    let pick = |rng: &mut Rng| {
        let (code, mp) = &chuxiong[(rng.next_u64() % chuxiong.len() as u64) as usize];
        (
            code.clone(),
            point_in(rng, mp, mp.bounding_rect().expect("bbox")),
        )
    };
    let shel_s = core(catalogue::SHELTERS);
    let shelters = (0..shelters_planned)
        .map(|i| {
            let (county, p) = pick(&mut rng);
            let status = if rng.unit() < 0.9 { "open" } else { "closed" };
            Feature::new(
                Geometry::Point(p),
                row(
                    &shel_s,
                    &[
                        ("shelter_id", format!("S{i:04}").into()),
                        ("name", format!("避难场所{i}").into()),
                        ("capacity", Value::Int(rng.int(100, 2500))),
                        ("status", status.into()),
                        ("type", "school".into()),
                        ("manager", format!("管理员{i}").into()),
                        (
                            "manager_phone",
                            format!("136{:08}", rng.int(0, 99_999_999)).into(),
                        ),
                        ("county_code", county.into()),
                    ],
                ),
            )
        })
        .collect();
    let water_s = core(catalogue::WATER_SOURCES);
    let types = ["pond", "reservoir", "stream", "tank", "hydrant"];
    let water = (0..(4836 * n_counties / 10) as usize)
        .map(|i| {
            let (county, p) = pick(&mut rng);
            Feature::new(
                Geometry::Point(p),
                row(
                    &water_s,
                    &[
                        ("source_id", format!("W{i:05}").into()),
                        ("type", types[i % 5].into()),
                        ("volume_m3", Value::Float(rng.range(10.0, 50_000.0).round())),
                        ("vehicle_access", (rng.unit() < 0.7).into()),
                        ("pump_access", (rng.unit() < 0.8).into()),
                        ("helicopter_access", (rng.unit() < 0.2).into()),
                        ("county_code", county.into()),
                    ],
                ),
            )
        })
        .collect();
    let depot_s = core(catalogue::DEPOTS);
    let depots = (0..6 * n_counties)
        .map(|i| {
            let (county, p) = pick(&mut rng);
            let level = if i == 0 {
                "prefecture"
            } else if i <= 10 {
                "county"
            } else {
                "township"
            };
            let mut vals: Vec<(String, Value)> = vec![
                ("depot_id".into(), format!("D{i:03}").into()),
                ("name".into(), format!("储备库{i}").into()),
                ("level".into(), level.into()),
                ("keeper".into(), format!("保管员{i}").into()),
                (
                    "keeper_phone".into(),
                    format!("135{:08}", rng.int(0, 99_999_999)).into(),
                ),
                ("county_code".into(), county.into()),
            ];
            for (c, ..) in catalogue::INVENTORY_CATEGORIES {
                let q = if c == "fire_tools" && i % 3 == 0 {
                    0
                } else {
                    rng.int(0, 3000)
                };
                vals.push((format!("inv_{c}"), Value::Int(q)));
            }
            let refs: Vec<(&str, Value)> =
                vals.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
            Feature::new(Geometry::Point(p), row(&depot_s, &refs))
        })
        .collect();
    let zone_s = core(catalogue::HAZARD_ZONES);
    let zones = (0..(24 * n_counties) as usize)
        .map(|i| {
            let (county, p) = pick(&mut rng);
            let kind = catalogue::HAZARD_TYPES[i % 4].0;
            Feature::new(
                circle(p, rng.range(0.02, 0.15), 48),
                row(
                    &zone_s,
                    &[
                        ("zone_id", format!("Z{i:04}").into()),
                        ("hazard_type", kind.into()),
                        ("grade", Value::Int(rng.int(1, 4))),
                        ("county_code", county.into()),
                    ],
                ),
            )
        })
        .collect();

    // Real context layers.
    let text_field = |n: &str| FieldDef::new(n, FieldType::Text, n, n);
    let mut faults_s =
        catalogue::context_layer("faults", GeometryKind::Line, "活动断层", "Active faults");
    faults_s.fields = vec![text_field("name"), text_field("slip_type")];
    let faults = read_geojson("faults_gem2017.geojson")
        .into_iter()
        .map(|(g, p)| {
            Feature::new(
                g,
                vec![
                    code_of(p.get("fz_name")).into(),
                    code_of(p.get("slip_type")).into(),
                ],
            )
        })
        .collect();
    let mut stations_s = catalogue::context_layer(
        "stations",
        GeometryKind::Point,
        "气象站",
        "Weather stations",
    );
    stations_s.fields = vec![text_field("name")];
    let stations = read_geojson("weather_stations.geojson")
        .into_iter()
        .map(|(g, p)| Feature::new(g, vec![code_of(p.get("name")).into()]))
        .collect();
    let mut places_s = catalogue::context_layer("places", GeometryKind::Point, "城镇", "Places");
    places_s.fields = vec![text_field("name")];
    let places = read_geojson("places_geonames.geojson")
        .into_iter()
        .map(|(g, p)| Feature::new(g, vec![code_of(p.get("name")).into()]))
        .collect();

    let layer = |schema: LayerSchema, features: Vec<Feature>, synthetic: bool| LayerData {
        schema,
        features,
        synthetic,
        sources: vec![],
    };
    vec![
        layer(admin_s, admin, false),
        layer(zone_s, zones, true),
        layer(grid_s, grids, true),
        layer(shel_s, shelters, true),
        layer(water_s, water, true),
        layer(depot_s, depots, true),
        layer(faults_s, faults, false),
        layer(stations_s, stations, false),
        layer(places_s, places, false),
    ]
}

/// The prepared dataset `RISKMAP_TEST_DATASET` names (`scripts/test.sh` sets it to
/// the Chuxiong demo), with its derived indexes; `None` when the variable is unset.
/// Panics when it names no prepared dataset: a test run asked for it.
pub fn env_dataset() -> Option<(Store, crate::query::Derived)> {
    let dir = std::env::var_os("RISKMAP_TEST_DATASET")?;
    let store =
        Store::open(Path::new(&dir)).expect("RISKMAP_TEST_DATASET must be a prepared dataset");
    let derived = crate::query::Derived::new(&store);
    Some((store, derived))
}

/// The fixture as a store (grid cells of 0.02°, about 2 km).
pub fn fixture_store(seed: u64) -> Store {
    store_from(fixture_layers(seed, 0.02))
}

/// A store from layers in memory, with a manifest describing them.
pub fn store_from(layers: Vec<LayerData>) -> Store {
    let metas: Vec<ManifestLayer> = layers
        .iter()
        .map(|l| ManifestLayer {
            schema: l.schema.clone(),
            file: format!("{}.fgb", l.schema.id),
            feature_count: l.features.len() as u64,
            bbox: None,
            synthetic: l.synthetic,
            sha256: String::new(),
            sources: vec![],
        })
        .collect();
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        dataset_version: "fixture".into(),
        created: "2025-01-01T00:00:00Z".into(),
        title: "riskmap test fixture".into(),
        region: None,
        attribution: String::new(),
        layers: metas.clone(),
        sources: vec![],
    };
    let built = layers
        .into_iter()
        .zip(metas)
        .map(|(l, m)| Layer::new(m, l.features))
        .collect();
    Store::from_layers(manifest, built)
}
