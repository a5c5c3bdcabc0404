//! Every validation error path of `riskmap-prep build`: the build fails, writes
//! nothing, and the report names file, layer, feature and field.

mod fixtures;

use fixtures::{LayerSpec, V, build_err, build_ok, issue, write};
use gdal::vector::{OGRFieldType as T, OGRwkbGeometryType as G};
use riskmap_prep::build;

const SHELTER_FIELDS: &[(&str, T::Type)] = &[
    ("BH", T::OFTString),
    ("MC", T::OFTString),
    ("RL", T::OFTString),
    ("ZT", T::OFTString),
];
const SHELTER_MAP: &str =
    r#"fields = { shelter_id = "BH", name = "MC", capacity = "RL", status = "ZT" }"#;

fn shelters(
    dir: &std::path::Path,
    file: &str,
    epsg: Option<u32>,
    rows: Vec<(Option<&str>, Vec<V>)>,
) {
    let driver = if file.ends_with(".gpkg") {
        "GPKG"
    } else if file.ends_with(".csv") {
        "CSV"
    } else {
        "ESRI Shapefile"
    };
    let options: &[&str] = if driver == "CSV" {
        &["GEOMETRY=AS_XY"]
    } else {
        &[]
    };
    write(
        &dir.join(file),
        LayerSpec {
            driver,
            name: "shelters",
            epsg,
            geometry: G::wkbPoint,
            options,
            fields: SHELTER_FIELDS,
            rows,
        },
    );
}

fn row(
    wkt: &'static str,
    id: &'static str,
    name: V,
    cap: &'static str,
    status: &'static str,
) -> (Option<&'static str>, Vec<V>) {
    (Some(wkt), vec![V::S(id), name, V::S(cap), V::S(status)])
}

fn config_for(file: &str, extra: &str) -> String {
    format!(
        "title = \"t\"\n[[layer]]\nid = \"shelters\"\nsource = \"{file}\"\n{SHELTER_MAP}\n{extra}"
    )
}

#[test]
fn attribute_errors_name_feature_and_field() {
    let dir = tempfile::tempdir().unwrap();
    shelters(
        dir.path(),
        "s.gpkg",
        Some(4490),
        vec![
            row("POINT (101.5 25.0)", "S1", V::S("甲"), "100", "open"),
            row("POINT (101.6 25.0)", "S2", V::Null, "100", "open"),
            row("POINT (101.7 25.0)", "S3", V::S("丙"), "12.5", "open"),
            row("POINT (101.8 25.0)", "S4", V::S("丁"), "100", "半开放"),
            row("POINT (101.9 25.0)", "S5", V::S("戊"), "-3", "open"),
        ],
    );
    let e = build_err(dir.path(), &config_for("s.gpkg", ""));
    let r = &e.report;
    assert_eq!(r.errors, 4, "{}", r.summary());
    let missing = issue(r, "required value is missing");
    assert_eq!(
        (missing.place.feature, missing.place.field.as_deref()),
        (Some(2), Some("name"))
    );
    assert_eq!(missing.place.file, "s.gpkg");
    assert_eq!(missing.place.source_layer.as_deref(), Some("shelters"));
    assert_eq!(missing.place.layer, "shelters");
    let whole = issue(r, "not a whole number");
    assert_eq!(
        (whole.place.feature, whole.place.field.as_deref()),
        (Some(3), Some("capacity"))
    );
    let unmappable = issue(r, "cannot be mapped");
    assert_eq!(
        (unmappable.place.feature, unmappable.place.field.as_deref()),
        (Some(4), Some("status"))
    );
    assert!(
        unmappable.message.contains("values.status"),
        "{}",
        unmappable.message
    );
    let range = issue(r, "outside the allowed range");
    assert_eq!(
        (range.place.feature, range.place.field.as_deref()),
        (Some(5), Some("capacity"))
    );
    // The JSON report says the same.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(json["errors"], 4);
    assert!(
        json["issues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["field"] == "status" && i["feature"] == 4 && i["file"] == "s.gpkg")
    );
    assert!(!dir.path().join("dataset").exists());
}

#[test]
fn coordinate_errors_catch_swapped_axes_and_wrong_units() {
    let dir = tempfile::tempdir().unwrap();
    // Latitude first, as some spreadsheets have it.
    shelters(
        dir.path(),
        "swapped.csv",
        None,
        vec![row("POINT (25.03 101.55)", "S1", V::S("甲"), "1", "open")],
    );
    let e = build_err(
        dir.path(),
        &config_for("swapped.csv", "crs = \"EPSG:4490\""),
    );
    let i = issue(&e.report, "swapped");
    assert_eq!(i.place.feature, Some(1));
    // Gauss-Krüger metres declared as degrees.
    shelters(
        dir.path(),
        "metres.gpkg",
        Some(4490),
        vec![row(
            "POINT (570643.3 2770667.7)",
            "S1",
            V::S("甲"),
            "1",
            "open",
        )],
    );
    let e = build_err(dir.path(), &config_for("metres.gpkg", ""));
    assert!(issue(&e.report, "projected metres").place.feature.is_some());
    // Degrees declared as Gauss-Krüger zone 34 (CM 102E).
    shelters(
        dir.path(),
        "degrees.gpkg",
        Some(4490),
        vec![row("POINT (101.5 25.0)", "S1", V::S("甲"), "1", "open")],
    );
    let e = build_err(
        dir.path(),
        &config_for("degrees.gpkg", "crs = \"EPSG:4543\""),
    );
    assert!(
        issue(&e.report, "area of use")
            .message
            .contains("EPSG:4543")
    );
    // A CSV declares no CRS: we will not guess (it is as likely GCJ-02 as WGS84).
    shelters(
        dir.path(),
        "nocrs.csv",
        None,
        vec![row("POINT (101.5 25.0)", "S1", V::S("甲"), "1", "open")],
    );
    let e = build_err(dir.path(), &config_for("nocrs.csv", ""));
    assert!(issue(&e.report, "declares no CRS").place.feature.is_none());
}

#[test]
fn geometry_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("lines.gpkg"),
        LayerSpec {
            driver: "GPKG",
            name: "shelters",
            epsg: Some(4490),
            geometry: G::wkbUnknown,
            options: &[],
            fields: SHELTER_FIELDS,
            rows: vec![
                (
                    Some("LINESTRING (101.5 25.0, 101.6 25.1)"),
                    vec![V::S("S1"), V::S("甲"), V::S("1"), V::S("open")],
                ),
                (None, vec![V::S("S2"), V::S("乙"), V::S("1"), V::S("open")]),
                (
                    Some("MULTIPOINT ((101.5 25.0), (101.6 25.0))"),
                    vec![V::S("S3"), V::S("丙"), V::S("1"), V::S("open")],
                ),
                (
                    Some("POINT (120.0 25.0)"),
                    vec![V::S("S4"), V::S("丁"), V::S("1"), V::S("open")],
                ),
            ],
        },
    );
    let e = build_err(
        dir.path(),
        &config_for("lines.gpkg", "")
            .replace("title = \"t\"", "title = \"t\"\nbounds = [97, 21, 107, 30]"),
    );
    assert_eq!(
        issue(&e.report, "a line in a point layer").place.feature,
        Some(1)
    );
    assert_eq!(issue(&e.report, "no geometry").place.feature, Some(2));
    assert_eq!(
        issue(&e.report, "multipoint of 2 points").place.feature,
        Some(3)
    );
    assert_eq!(
        issue(&e.report, "outside the configured bounds")
            .place
            .feature,
        Some(4)
    );
}

#[test]
fn source_and_config_errors() {
    let dir = tempfile::tempdir().unwrap();
    shelters(
        dir.path(),
        "s.gpkg",
        Some(4490),
        vec![row("POINT (101.5 25.0)", "S1", V::S("甲"), "1", "open")],
    );
    let e = build_err(dir.path(), &config_for("missing.gpkg", ""));
    assert!(
        issue(&e.report, "does not exist")
            .place
            .file
            .ends_with("missing.gpkg")
    );
    let e = build_err(
        dir.path(),
        &config_for("s.gpkg", "source_layer = \"shelter\""),
    );
    assert!(
        issue(&e.report, "no layer \"shelter\"")
            .message
            .contains("shelters")
    );
    let e = build_err(
        dir.path(),
        &config_for("s.gpkg", "").replace("RL", "RONGLIANG"),
    );
    assert!(
        issue(&e.report, "RONGLIANG")
            .message
            .contains("fields.capacity")
    );
    let e = build_err(
        dir.path(),
        "title = \"t\"\n[[layer]]\nid = \"shelters\"\nsource = \"s.gpkg\"\nfields = { shelter_id = \"BH\", name = \"MC\", capacity = \"RL\" }",
    );
    assert_eq!(
        issue(&e.report, "required field has no source")
            .place
            .field
            .as_deref(),
        Some("status")
    );
    let e = build_err(dir.path(), &config_for("s.gpkg", "where = \"NO_SUCH = 1\""));
    assert!(
        issue(&e.report, "NO_SUCH")
            .message
            .contains("reading failed")
    );
}

#[test]
fn duplicate_keys_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    shelters(
        dir.path(),
        "s.gpkg",
        Some(4490),
        vec![
            row("POINT (101.5 25.0)", "S1", V::S("甲"), "1", "open"),
            row("POINT (101.6 25.0)", "S1", V::S("乙"), "1", "open"),
        ],
    );
    let e = build_err(dir.path(), &config_for("s.gpkg", ""));
    let i = issue(&e.report, "\"S1\" is used by 2 features");
    assert_eq!(i.place.field.as_deref(), Some("shelter_id"));
}

#[test]
fn skip_invalid_keeps_the_good_features() {
    let dir = tempfile::tempdir().unwrap();
    shelters(
        dir.path(),
        "s.gpkg",
        Some(4490),
        vec![
            row("POINT (101.5 25.0)", "S1", V::S("甲"), "10", "open"),
            row("POINT (101.6 25.0)", "S2", V::Null, "10", "open"),
        ],
    );
    let config = fixtures::config(dir.path(), &config_for("s.gpkg", ""));
    let mut options = fixtures::options(dir.path());
    options.skip_invalid = true;
    let report = build(&config, &dir.path().join("dataset"), &options).unwrap();
    assert_eq!((report.errors, report.warnings), (0, 1));
    assert_eq!(report.layers["shelters"].skipped, 1);
    assert!(issue(&report, "feature skipped").place.feature == Some(2));
    let store = layers::Store::open(&dir.path().join("dataset")).unwrap();
    assert_eq!(store.layer("shelters").unwrap().features.len(), 1);
}

#[test]
fn a_failed_build_leaves_the_previous_dataset_untouched() {
    let dir = tempfile::tempdir().unwrap();
    shelters(
        dir.path(),
        "good.gpkg",
        Some(4490),
        vec![row("POINT (101.5 25.0)", "S1", V::S("甲"), "10", "open")],
    );
    shelters(
        dir.path(),
        "bad.gpkg",
        Some(4490),
        vec![row("POINT (101.5 25.0)", "S1", V::Null, "10", "open")],
    );
    let (_, first, out) = build_ok(dir.path(), &config_for("good.gpkg", ""));
    let before = std::fs::read(out.join("manifest.json")).unwrap();
    build_err(dir.path(), &config_for("bad.gpkg", ""));
    assert_eq!(std::fs::read(out.join("manifest.json")).unwrap(), before);
    assert_eq!(
        layers::Store::open(&out).unwrap().version(),
        first.version()
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn command_line_exit_codes_and_help() {
    let exe = env!("CARGO_BIN_EXE_riskmap-prep");
    let help = std::process::Command::new(exe)
        .args(["build", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8(help.stdout).unwrap();
    for flag in [
        "--config",
        "--out",
        "--report",
        "--skip-invalid",
        "--no-progress",
    ] {
        assert!(text.contains(flag), "build --help lacks {flag}");
    }
    let dir = tempfile::tempdir().unwrap();
    shelters(
        dir.path(),
        "s.gpkg",
        Some(4490),
        vec![row("POINT (101.5 25.0)", "S1", V::S("甲"), "10", "open")],
    );
    std::fs::write(dir.path().join("prep.toml"), config_for("s.gpkg", "")).unwrap();
    let out = dir.path().join("ds");
    let run = |cfg: &str| {
        std::process::Command::new(exe)
            .args([
                "build",
                "--no-progress",
                "--config",
                cfg,
                "--out",
                out.to_str().unwrap(),
            ])
            .output()
            .unwrap()
    };
    let ok = run(dir.path().join("prep.toml").to_str().unwrap());
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("shelters"));
    assert!(
        dir.path().join("ds.report.json").exists(),
        "default report beside --out"
    );
    std::fs::write(
        dir.path().join("bad.toml"),
        config_for("s.gpkg", "").replace("MC", "NOPE"),
    )
    .unwrap();
    let bad = run(dir.path().join("bad.toml").to_str().unwrap());
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stdout).contains("NOPE"));
    let broken = run(dir.path().join("missing.toml").to_str().unwrap());
    assert_eq!(broken.status.code(), Some(2));
}

/// Found by `fuzz/run.sh` (prep_source, 2026-11-23): GDAL 3.6's CSV driver crashes
/// (null dereference while reading features) on a header that repeats column names.
/// The header is checked before GDAL opens the file.
#[test]
fn csv_with_repeated_column_names_is_refused_before_gdal_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz/prep_source_duplicate_columns.csv");
    std::fs::copy(&fixture, dir.path().join("in.csv")).unwrap();
    let e = build_err(
        dir.path(),
        "title = \"fuzz\"\n[[layer]]\nid = \"shelters\"\nsource = \"in.csv\"\ncrs = \"EPSG:4490\"\n",
    );
    let i = issue(&e.report, "more than once");
    assert!(i.place.file.ends_with("in.csv"), "{i:?}");
    assert!(i.message.contains("\"name\""), "{}", i.message);
    // A plain repeated column, too.
    std::fs::write(
        dir.path().join("in.csv"),
        "shelter_id,name,capacity,status,lon,lat,Name\nS1,甲,10,open,101.5,25.0,乙\n",
    )
    .unwrap();
    let e = build_err(
        dir.path(),
        "title = \"fuzz\"\n[[layer]]\nid = \"shelters\"\nsource = \"in.csv\"\ncrs = \"EPSG:4490\"\n",
    );
    assert!(
        issue(&e.report, "more than once")
            .message
            .contains("\"Name\"")
    );
}
