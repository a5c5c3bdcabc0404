//! riskmap-prep reading untrusted source files: whatever the bytes, `build` returns a
//! report (or a dataset), never a panic. The first byte picks the format.

#![no_main]

use libfuzzer_sys::fuzz_target;
use riskmap_prep::{BuildOptions, PrepConfig, build};

const FORMATS: [(&str, &str); 3] = [
    ("geojson", ""),
    ("csv", "crs = \"EPSG:4490\""),
    ("csv", "crs = \"GCJ-02\""),
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let (ext, extra) = FORMATS[pick as usize % FORMATS.len()];
    let dir = tempfile::tempdir().expect("temp dir");
    let source = dir.path().join(format!("in.{ext}"));
    std::fs::write(&source, body).expect("write source");
    let toml =
        format!("title = \"fuzz\"\n[[layer]]\nid = \"shelters\"\nsource = \"in.{ext}\"\n{extra}\n");
    let config_path = dir.path().join("prep.toml");
    std::fs::write(&config_path, toml).expect("write config");
    let config = PrepConfig::from_file(&config_path).expect("static config parses");
    let options = BuildOptions {
        skip_invalid: pick & 0x80 != 0,
        progress: false,
        report_path: None,
    };
    let _ = build(&config, &dir.path().join("out"), &options);
});
