//! `riskmap-prep build` over sources as bureaus receive them in containers: a File
//! Geodatabase folder and a zipped Shapefile written by GDAL itself, and a GeoPackage
//! table narrowed by an SQL query.
// Test support: a panic here is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod fixtures;

use fixtures::{LayerSpec, V, build_err, build_ok, write};
use gdal::vector::{OGRFieldType as T, OGRwkbGeometryType as G};
use geo::Geometry;
use layers::Store;

const SHELTERS: &str =
    r#"fields = { shelter_id = "BH", name = "MC", capacity = "RL", status = "ZT", type = "LX" }"#;

fn shelters(path: &std::path::Path, driver: &str, name: &str) {
    // A Shapefile is written in UTF-8 with a .cpg saying so; the others are UTF-8 anyway.
    let options: &[&str] = if driver == "ESRI Shapefile" {
        &["ENCODING=UTF-8"]
    } else {
        &[]
    };
    write(
        path,
        LayerSpec {
            driver,
            name,
            epsg: Some(4490),
            geometry: G::wkbPoint,
            options,
            fields: &[
                ("BH", T::OFTString),
                ("MC", T::OFTString),
                ("RL", T::OFTInteger),
                ("ZT", T::OFTString),
                ("LX", T::OFTString),
            ],
            rows: vec![
                (
                    Some("POINT (101.52 25.04)"),
                    vec![
                        V::S("S1"),
                        V::S("楚雄市第一中学"),
                        V::I(1200),
                        V::S("可用"),
                        V::S("学校"),
                    ],
                ),
                (
                    Some("POINT (101.55 25.01)"),
                    vec![
                        V::S("S2"),
                        V::S("鹿城镇广场"),
                        V::I(300),
                        V::S("可用"),
                        V::S("广场"),
                    ],
                ),
            ],
        },
    );
}

fn ids(store: &Store) -> Vec<(String, [f64; 2])> {
    let l = store.layer("shelters").unwrap();
    let k = l.schema().field_index("shelter_id").unwrap();
    let mut out: Vec<_> = l
        .features
        .iter()
        .map(|f| {
            let Geometry::Point(p) = f.geometry else {
                panic!("not a point")
            };
            (f.properties[k].canonical(), [p.x(), p.y()])
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn file_geodatabase_folder() {
    let dir = tempfile::tempdir().unwrap();
    shelters(&dir.path().join("census.gdb"), "OpenFileGDB", "bncs");
    assert!(
        dir.path().join("census.gdb").is_dir(),
        "GDAL writes a .gdb folder"
    );
    let (_, store, _) = build_ok(
        dir.path(),
        &format!(
            "title = \"t\"\n[[layer]]\nid = \"shelters\"\nsource = \"census.gdb\"\nsource_layer = \"bncs\"\n{SHELTERS}"
        ),
    );
    let got = ids(&store);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].0, "S1");
    assert!((got[0].1[0] - 101.52).abs() < 1e-9 && (got[0].1[1] - 25.04).abs() < 1e-9);
    // Every file of the geodatabase is checksummed, under the folder's name.
    let sums: Vec<&str> = store
        .manifest
        .sources
        .iter()
        .map(|s| s.path.as_str())
        .collect();
    assert!(
        sums.len() > 1 && sums.iter().all(|p| p.starts_with("census.gdb/")),
        "{sums:?}"
    );
}

#[test]
fn zipped_shapefile() {
    let dir = tempfile::tempdir().unwrap();
    // GDAL writes a zipped Shapefile itself (`.shp.zip`); bureaus name theirs anyhow.
    let written = dir.path().join("bncs.shp.zip");
    shelters(&written, "ESRI Shapefile", "bncs");
    let zip_path = dir.path().join("避难场所.zip");
    std::fs::rename(&written, &zip_path).unwrap();

    let (_, store, _) = build_ok(
        dir.path(),
        &format!(
            "title = \"t\"\n[[layer]]\nid = \"shelters\"\nsource = \"避难场所.zip\"\n{SHELTERS}"
        ),
    );
    assert_eq!(ids(&store).len(), 2);
    let sums = &store.manifest.sources;
    assert_eq!(sums.len(), 1);
    assert_eq!(sums[0].path, "避难场所.zip");
    assert_eq!(
        sums[0].sha256,
        layers::dataset::sha256_file(&zip_path).unwrap(),
        "the archive itself is checksummed"
    );

    // A member path inside the archive works too.
    let (_, store, _) = build_ok(
        dir.path(),
        &format!(
            "title = \"t\"\n[[layer]]\nid = \"shelters\"\nsource = \"/vsizip/避难场所.zip/bncs.shp\"\n{SHELTERS}"
        ),
    );
    assert_eq!(ids(&store).len(), 2);
}

#[test]
fn geopackage_sql_query_and_its_errors() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("census.gpkg");
    shelters(&gpkg, "GPKG", "bncs");
    let (_, store, _) = build_ok(
        dir.path(),
        &format!(
            "title = \"t\"\n[[layer]]\nid = \"shelters\"\nsource = \"census.gpkg\"\nsql = \"SELECT * FROM bncs WHERE RL > 1000\"\n{SHELTERS}"
        ),
    );
    assert_eq!(
        ids(&store).iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
        ["S1"]
    );

    let e = build_err(
        dir.path(),
        &format!(
            "title = \"t\"\n[[layer]]\nid = \"shelters\"\nsource = \"census.gpkg\"\nsql = \"SELECT * FROM no_such_table\"\n{SHELTERS}"
        ),
    );
    let issue = fixtures::issue(&e.report, "sql");
    assert_eq!(issue.place.layer, "shelters");
    assert!(issue.message.contains("no_such_table"), "{}", issue.message);
}
