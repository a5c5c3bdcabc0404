//! A dataset written and read back is the same dataset; failed writes leave the old one.
// Test support: a panic here is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use geo::{Geometry, MultiPolygon, point, polygon};
use layers::dataset::{DatasetMeta, LayerData, read_dataset, read_manifest, write_dataset};
use layers::{Feature, Store, Value, catalogue};

fn shelters(n: usize) -> LayerData {
    let schema = catalogue::core_layer("shelters").unwrap();
    let features = (0..n)
        .map(|i| {
            let mut p = vec![Value::Null; schema.fields.len()];
            p[schema.field_index("shelter_id").unwrap()] = format!("S{i:04}").into();
            p[schema.field_index("name").unwrap()] = format!("避难场所{i}").into();
            p[schema.field_index("capacity").unwrap()] = Value::Int(100 + i as i64);
            p[schema.field_index("area_m2").unwrap()] = Value::Float(250.5 * i as f64);
            p[schema.field_index("status").unwrap()] = "open".into();
            Feature::new(
                Geometry::Point(
                    point!(x: 101.0 + i as f64 * 0.01, y: 25.0 + (i % 7) as f64 * 0.01),
                ),
                p,
            )
        })
        .collect();
    LayerData {
        schema,
        features,
        synthetic: true,
        sources: vec!["s.csv".into()],
    }
}

fn zones() -> LayerData {
    let schema = catalogue::core_layer("hazard_zones").unwrap();
    let mut p = vec![Value::Null; schema.fields.len()];
    p[schema.field_index("hazard_type").unwrap()] = "flood".into();
    p[schema.field_index("grade").unwrap()] = Value::Int(4);
    let poly = polygon![(x: 101.0, y: 25.0), (x: 101.1, y: 25.0), (x: 101.1, y: 25.1), (x: 101.0, y: 25.0)];
    LayerData {
        schema,
        features: vec![Feature::new(
            Geometry::MultiPolygon(MultiPolygon(vec![poly])),
            p,
        )],
        synthetic: false,
        sources: vec![],
    }
}

#[test]
fn round_trip_keeps_features_attributes_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let meta = DatasetMeta {
        title: "测试".into(),
        ..Default::default()
    };
    let written = write_dataset(&out, meta, &[shelters(50), zones()]).unwrap();
    let (manifest, layers) = read_dataset(&out).unwrap();
    assert_eq!(manifest, written);
    assert_eq!(manifest.layers[0].feature_count, 50);
    assert_eq!(manifest.layers[0].bbox, Some([101.0, 25.0, 101.49, 25.06]));
    assert!(manifest.layers[0].synthetic);
    // Features come back Hilbert-sorted: compare as sets keyed by id.
    let mut original: Vec<_> = shelters(50).features;
    let mut read = layers[0].clone();
    let key = |f: &Feature| f.properties[0].canonical();
    original.sort_by_key(key);
    read.sort_by_key(key);
    assert_eq!(original, read);
    assert_eq!(layers[1], zones().features);
    let store = Store::open(&out).unwrap();
    assert_eq!(store.layer("shelters").unwrap().features.len(), 50);
}

#[test]
fn rewrite_replaces_whole_dataset_and_failure_keeps_previous() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let first = write_dataset(&out, DatasetMeta::default(), &[shelters(3)]).unwrap();
    let second = write_dataset(&out, DatasetMeta::default(), &[zones()]).unwrap();
    assert_ne!(first.dataset_version, second.dataset_version);
    assert!(
        !out.join("layers/shelters.fgb").exists(),
        "old layer file left behind"
    );
    // A bad layer id fails before anything is touched.
    let mut bad = zones();
    bad.schema.id = "Bad Id".into();
    assert!(write_dataset(&out, DatasetMeta::default(), &[bad]).is_err());
    assert_eq!(read_manifest(&out).unwrap(), second);
    // No staging directories remain.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("ds")]);
}

#[test]
fn refuses_to_replace_a_directory_that_is_not_a_dataset() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("precious.txt"), "x").unwrap();
    let err = write_dataset(dir.path(), DatasetMeta::default(), &[zones()]).unwrap_err();
    assert!(err.to_string().contains("not a riskmap dataset"), "{err}");
    assert!(dir.path().join("precious.txt").exists());
}

#[test]
fn corrupted_layer_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    write_dataset(&out, DatasetMeta::default(), &[shelters(5)]).unwrap();
    let f = out.join("layers/shelters.fgb");
    let mut bytes = std::fs::read(&f).unwrap();
    let n = bytes.len();
    bytes[n - 3] ^= 0xff;
    std::fs::write(&f, bytes).unwrap();
    let err = Store::open(&out).unwrap_err().to_string();
    assert!(
        err.contains("shelters") && err.contains("checksum"),
        "{err}"
    );
}

#[test]
fn line_layers_round_trip_single_and_multi_part() {
    use geo::{MultiLineString, line_string};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let mut schema =
        catalogue::context_layer("faults", layers::GeometryKind::Line, "断层", "faults");
    schema.fields.push(layers::FieldDef::new(
        "name",
        layers::FieldType::Text,
        "name",
        "name",
    ));
    let one = MultiLineString(vec![line_string![(x: 101.0, y: 25.0), (x: 101.5, y: 25.5)]]);
    let two = MultiLineString(vec![
        line_string![(x: 100.0, y: 24.0), (x: 100.2, y: 24.2)],
        line_string![(x: 100.3, y: 24.3), (x: 100.4, y: 24.5)],
    ]);
    let features = vec![
        Feature::new(Geometry::MultiLineString(one), vec!["a".into()]),
        Feature::new(Geometry::MultiLineString(two), vec!["b".into()]),
    ];
    write_dataset(
        &out,
        DatasetMeta::default(),
        &[LayerData {
            schema,
            features: features.clone(),
            synthetic: false,
            sources: vec![],
        }],
    )
    .unwrap();
    let (_, layers) = read_dataset(&out).unwrap();
    let mut read = layers[0].clone();
    read.sort_by_key(|f| f.properties[0].canonical());
    assert_eq!(read, features);
    // GDAL itself (what QGIS uses) reads both lines, when it is installed.
    if let Ok(o) = std::process::Command::new("ogrinfo")
        .args(["-ro", "-al"])
        .arg(out.join("layers/faults.fgb"))
        .output()
    {
        let (text, err) = (
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr),
        );
        assert!(!err.contains("ERROR"), "ogrinfo: {err}");
        assert!(
            text.contains("LINESTRING (101 25,101.5 25.5)") && text.contains("MULTILINESTRING (("),
            "ogrinfo: {text}"
        );
    }
}
