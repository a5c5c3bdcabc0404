//! `riskmap-prep build` over sources written by GDAL: formats, encodings, CRSs and the
//! attribute mapping, checked against independently known coordinates.
// Test support: a panic here is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod fixtures;

use fixtures::{LayerSpec, V, build_ok, write};
use gdal::vector::{OGRFieldType as T, OGRwkbGeometryType as G};
use geo::{Distance, Geodesic, Geometry, Point, point};
use layers::{Store, Value};

fn point_of(store: &Store, layer: &str, key: &str, id: &str) -> (Point<f64>, Vec<Value>) {
    let l = store.layer(layer).unwrap();
    let k = l.schema().field_index(key).unwrap();
    let f = l
        .features
        .iter()
        .find(|f| f.properties[k].as_str() == Some(id))
        .unwrap_or_else(|| panic!("{layer} has no {key} {id}"));
    let Geometry::Point(p) = f.geometry else {
        panic!("not a point")
    };
    (p, f.properties.clone())
}

fn get(store: &Store, layer: &str, props: &[Value], field: &str) -> Value {
    props[store
        .layer(layer)
        .unwrap()
        .schema()
        .field_index(field)
        .unwrap()]
    .clone()
}

#[test]
fn gbk_shapefile_in_gauss_kruger_102e() {
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("避难场所.shp");
    write(
        &shp,
        LayerSpec {
            driver: "ESRI Shapefile",
            name: "shelters",
            epsg: Some(4543),
            geometry: G::wkbPoint,
            options: &["ENCODING=GBK"],
            fields: &[
                ("BH", T::OFTString),
                ("MC", T::OFTString),
                ("RL", T::OFTInteger),
                ("ZT", T::OFTString),
                ("LX", T::OFTString),
            ],
            rows: vec![
                // E/N of EPSG:4490 (102.7, 25.04) in EPSG:4543, per cs2cs (DEPENDENCIES.md).
                (
                    Some("POINT (570643.304 2770667.750)"),
                    vec![
                        V::S("S001"),
                        V::S("楚雄市第一中学"),
                        V::I(1200),
                        V::S("可用"),
                        V::S("学校"),
                    ],
                ),
                // EPSG:4543 (570522, 2770000) is EPSG:4326 (102.698764, 25.033978), per cs2cs.
                (
                    Some("POINT (570522 2770000)"),
                    vec![
                        V::S("S002"),
                        V::S("鹿城镇广场"),
                        V::I(800),
                        V::S("停用"),
                        V::S("广场"),
                    ],
                ),
            ],
        },
    );
    // The file really is GBK, with a .cpg saying so.
    let cpg = std::fs::read_to_string(shp.with_extension("cpg")).unwrap();
    assert!(cpg.contains("GBK") || cpg.contains("936"), "cpg: {cpg}");
    let dbf = std::fs::read(shp.with_extension("dbf")).unwrap();
    let (gbk, _, _) = encoding_rs::GBK.encode("楚雄市第一中学");
    assert!(
        dbf.windows(gbk.len()).any(|w| w == &gbk[..]),
        "dbf does not hold GBK bytes"
    );
    assert!(
        !dbf.windows(3).any(|w| w == "楚".as_bytes()),
        "dbf holds UTF-8"
    );

    let (report, store, _) = build_ok(
        dir.path(),
        r#"title = "t"
           [[layer]]
           id = "shelters"
           source = "避难场所.shp"
           fields = { shelter_id = "BH", name = "MC", capacity = "RL", status = "ZT", type = "LX" }"#,
    );
    assert_eq!(report.errors, 0);
    assert_eq!(report.layers["shelters"].written, 2);
    let (p, props) = point_of(&store, "shelters", "shelter_id", "S001");
    let d = Geodesic.distance(p, point!(x: 102.7, y: 25.04));
    assert!(d < 0.01, "S001 is {d} m from the cs2cs position");
    assert_eq!(
        get(&store, "shelters", &props, "name"),
        Value::Text("楚雄市第一中学".into())
    );
    assert_eq!(
        get(&store, "shelters", &props, "capacity"),
        Value::Int(1200)
    );
    assert_eq!(
        get(&store, "shelters", &props, "status"),
        Value::Text("open".into())
    );
    assert_eq!(
        get(&store, "shelters", &props, "type"),
        Value::Text("school".into())
    );
    let (p, props) = point_of(&store, "shelters", "shelter_id", "S002");
    assert!(
        (p.x() - 102.698764).abs() < 1e-6 && (p.y() - 25.033978).abs() < 1e-6,
        "{p:?}"
    );
    assert_eq!(
        get(&store, "shelters", &props, "status"),
        Value::Text("closed".into())
    );
    let source = &store.manifest.sources;
    assert!(
        source.iter().any(|s| s.path.ends_with(".dbf")),
        "sidecar checksums recorded"
    );
}

#[test]
fn shapefile_without_cpg_gets_encoding_override_or_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("s.shp");
    write(
        &shp,
        LayerSpec {
            driver: "ESRI Shapefile",
            name: "s",
            epsg: Some(4490),
            geometry: G::wkbPoint,
            options: &["ENCODING=GBK"],
            fields: &[
                ("BH", T::OFTString),
                ("MC", T::OFTString),
                ("RL", T::OFTInteger),
                ("ZT", T::OFTString),
            ],
            rows: vec![(
                Some("POINT (101.5 25.0)"),
                vec![V::S("S1"), V::S("紫溪镇中学"), V::I(300), V::S("open")],
            )],
        },
    );
    // Bureaus' files often come without a .cpg and with no code page in the .dbf
    // header (language driver id, byte 29, zero): GDAL then cannot know it is GBK.
    std::fs::remove_file(shp.with_extension("cpg")).unwrap();
    let dbf = shp.with_extension("dbf");
    let mut bytes = std::fs::read(&dbf).unwrap();
    bytes[29] = 0;
    std::fs::write(&dbf, bytes).unwrap();
    let base = r#"title = "t"
        [[layer]]
        id = "shelters"
        source = "s.shp"
        fields = { shelter_id = "BH", name = "MC", capacity = "RL", status = "ZT" }"#;
    let (report, store, _) = build_ok(dir.path(), base);
    let w = fixtures::issue(&report, "encoding = \"GBK\"");
    assert_eq!(w.place.layer, "shelters");
    let (_, props) = point_of(&store, "shelters", "shelter_id", "S1");
    assert_ne!(
        get(&store, "shelters", &props, "name"),
        Value::Text("紫溪镇中学".into())
    );

    let (report, store, _) = build_ok(dir.path(), &format!("{base}\nencoding = \"GBK\""));
    assert_eq!(report.warnings, 0, "{}", report.summary());
    let (_, props) = point_of(&store, "shelters", "shelter_id", "S1");
    assert_eq!(
        get(&store, "shelters", &props, "name"),
        Value::Text("紫溪镇中学".into())
    );
}

#[test]
fn geopackage_tables_with_chinese_grades_and_repair() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("census.gpkg");
    for (table, grades) in [("flood", ["高", "较高"]), ("geological", ["极高", "低"])] {
        write(
            &gpkg,
            LayerSpec {
                driver: "GPKG",
                name: table,
                epsg: Some(4490),
                geometry: G::wkbPolygon,
                options: &[],
                fields: &[("BH", T::OFTString), ("FXDJ", T::OFTString)],
                rows: vec![
                    (
                        Some(
                            "POLYGON ((101.0 25.0, 101.1 25.0, 101.1 25.1, 101.0 25.1, 101.0 25.0))",
                        ),
                        vec![V::S("Z1"), V::S(grades[0])],
                    ),
                    // A bow-tie: self-intersecting, invalid; MakeValid splits it in two.
                    (
                        Some(
                            "POLYGON ((101.2 25.0, 101.3 25.1, 101.3 25.0, 101.2 25.1, 101.2 25.0))",
                        ),
                        vec![V::S("Z2"), V::S(grades[1])],
                    ),
                ],
            },
        );
    }
    let (report, store, _) = build_ok(
        dir.path(),
        r#"title = "t"
           [[layer]]
           id = "hazard_zones"
           source = "census.gpkg"
           source_layer = "flood"
           constants = { hazard_type = "flood" }
           fields = { zone_id = "BH", grade = "FXDJ" }
           [[layer]]
           id = "hazard_zones"
           source = "census.gpkg"
           source_layer = "geological"
           constants = { hazard_type = "geological" }
           fields = { zone_id = "BH", grade = "FXDJ" }
           values.grade = { "极高" = 4 }"#,
    );
    let zones = store.layer("hazard_zones").unwrap();
    assert_eq!(zones.features.len(), 4);
    let s = zones.schema();
    let mut got: Vec<(String, i64)> = zones
        .features
        .iter()
        .map(|f| {
            (
                f.properties[s.field_index("hazard_type").unwrap()].canonical(),
                f.properties[s.field_index("grade").unwrap()]
                    .as_i64()
                    .unwrap(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("flood".into(), 3),
            ("flood".into(), 4),
            ("geological".into(), 1),
            ("geological".into(), 4)
        ]
    );
    assert_eq!(report.layers["hazard_zones"].repaired, 2);
    let w = fixtures::issue(&report, "MakeValid");
    assert_eq!(
        (w.place.feature, w.place.source_layer.as_deref()),
        (Some(2), Some("flood"))
    );
    use geo::Validation;
    assert!(zones.features.iter().all(|f| f.geometry.is_valid()));
}

/// The eviltransform project's published WGS84 / GCJ-02 pairs (lat, lon order there).
const GCJ_VECTORS: [((f64, f64), (f64, f64)); 3] = [
    (
        (31.1774276, 121.5272106),
        (31.17530398364597, 121.531541859215),
    ),
    (
        (22.543847, 113.912316),
        (22.540796131694766, 113.9171764808363),
    ),
    (
        (39.911954, 116.377817),
        (39.91334545536069, 116.38404722455657),
    ),
];

#[test]
fn csv_and_geojson_in_gcj02() {
    let dir = tempfile::tempdir().unwrap();
    // CSV through GDAL's own CSV driver, coordinates as X/Y columns.
    let wkts: Vec<String> = GCJ_VECTORS
        .iter()
        .map(|(_, (lat, lon))| format!("POINT ({lon} {lat})"))
        .collect();
    write(
        &dir.path().join("water.csv"),
        LayerSpec {
            driver: "CSV",
            name: "water",
            epsg: None,
            geometry: G::wkbPoint,
            options: &["GEOMETRY=AS_XY"],
            fields: &[
                ("BH", T::OFTString),
                ("LX", T::OFTString),
                ("SL", T::OFTReal),
                ("ZSJ", T::OFTString),
            ],
            rows: wkts
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let id = ["W1", "W2", "W3"][i];
                    (
                        Some(w.as_str()),
                        vec![
                            V::S(id),
                            V::S("水库"),
                            V::F(1200.5),
                            V::S(["是", "否", "1"][i]),
                        ],
                    )
                })
                .collect(),
        },
    );
    // GeoJSON depots as if exported from AMap: GCJ-02 numbers in a 4326-looking file.
    write(
        &dir.path().join("depots.geojson"),
        LayerSpec {
            driver: "GeoJSON",
            name: "depots",
            epsg: Some(4326),
            geometry: G::wkbPoint,
            options: &[],
            fields: &[
                ("depot_id", T::OFTString),
                ("name", T::OFTString),
                ("level", T::OFTString),
                ("inv_tents", T::OFTInteger),
            ],
            rows: vec![(
                Some(wkts[1].as_str()),
                vec![V::S("D1"), V::S("州级储备库"), V::S("州(市)级"), V::I(500)],
            )],
        },
    );
    let (_, store, _) = build_ok(
        dir.path(),
        r#"title = "t"
           [[layer]]
           id = "water_sources"
           source = "water.csv"
           crs = "GCJ-02"
           fields = { source_id = "BH", type = "LX", volume_m3 = "SL", helicopter_access = "ZSJ" }
           [[layer]]
           id = "depots"
           source = "depots.geojson"
           crs = "GCJ-02""#,
    );
    for (i, ((lat, lon), _)) in GCJ_VECTORS.iter().enumerate() {
        let (p, props) = point_of(&store, "water_sources", "source_id", ["W1", "W2", "W3"][i]);
        let d = Geodesic.distance(p, point!(x: *lon, y: *lat));
        assert!(
            d < 0.01,
            "W{} is {d} m from the published WGS84 position",
            i + 1
        );
        assert_eq!(
            get(&store, "water_sources", &props, "type"),
            Value::Text("reservoir".into())
        );
        assert_eq!(
            get(&store, "water_sources", &props, "volume_m3"),
            Value::Float(1200.5)
        );
        assert_eq!(
            get(&store, "water_sources", &props, "helicopter_access"),
            Value::Bool(i != 1)
        );
    }
    let (p, props) = point_of(&store, "depots", "depot_id", "D1");
    let ((lat, lon), _) = GCJ_VECTORS[1];
    assert!(Geodesic.distance(p, point!(x: lon, y: lat)) < 0.01);
    assert_eq!(
        get(&store, "depots", &props, "level"),
        Value::Text("prefecture".into())
    );
    assert_eq!(get(&store, "depots", &props, "inv_tents"), Value::Int(500));
}

#[test]
fn real_census_counties_with_a_filter_and_context_layers() {
    let dir = tempfile::tempdir().unwrap();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/yunnan");
    let (report, store, _) = build_ok(
        dir.path(),
        &format!(
            r#"title = "楚雄州"
               bounds = [90, 15, 110, 35]
               [region]
               code = "532300"
               name = "楚雄彝族自治州"
               [[layer]]
               id = "admin"
               source = "{d}/admin_county_census2020.geojson"
               where = "city_adcode = 532300"
               constants = {{ level = "county", synthetic = false }}
               fields = {{ code = "district_adcode", name = "district_name", parent_code = "city_adcode", population = "census2020_人口数_合计", households = "census2020_家庭户数" }}
               [[layer]]
               id = "faults"
               source = "{d}/faults_gem2017.geojson"
               geometry = "line"
               name_zh = "活动断层"
               name_en = "Active faults"
               keep_fields = ["name", "slip_type"]"#,
            d = data.display()
        ),
    );
    assert_eq!(report.errors, 0);
    let admin = store.layer("admin").unwrap();
    assert_eq!(admin.features.len(), 10, "Chuxiong has 10 counties");
    let s = admin.schema();
    let chuxiong = admin
        .features
        .iter()
        .find(|f| f.properties[s.field_index("code").unwrap()].as_str() == Some("532301"))
        .expect("楚雄市 532301");
    assert_eq!(
        chuxiong.properties[s.field_index("name").unwrap()].as_str(),
        Some("楚雄市")
    );
    // The census figure of the source file, read independently of GDAL.
    let raw: serde_json::Value = serde_json::from_slice(
        &std::fs::read(data.join("admin_county_census2020.geojson")).unwrap(),
    )
    .unwrap();
    let census = raw["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["district_adcode"] == 532301)
        .unwrap()["properties"]["census2020_人口数_合计"]
        .as_i64()
        .unwrap();
    assert_eq!(
        chuxiong.properties[s.field_index("population").unwrap()],
        Value::Int(census)
    );
    let faults = store.layer("faults").unwrap();
    assert!(faults.schema().context);
    let names: Vec<_> = faults
        .schema()
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names, ["name", "slip_type"]);
    assert_eq!(faults.features.len(), 71);
    assert_eq!(store.manifest.region.as_ref().unwrap().code, "532300");
}
