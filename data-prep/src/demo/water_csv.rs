//! Water sources as a CSV exported from an AMap-based app: Chinese headers, lon/lat in
//! GCJ-02 to six decimals (≈ 0.1 m), yes/no as 是/否.

use std::path::Path;

use anyhow::Result;
use gdal::vector::OGRwkbGeometryType;

use super::config_file::{Entry, TomlVal};
use super::gdal_write::{Kind, LayerSpec, Val, col, create, write_layer};
use super::model::WaterSource;
use super::sources::{zh_label, zh_value_map};
use crate::gcj02::wgs84_to_gcj02;

pub const FILE: &str = "water_sources_amap.csv";

/// (header, schema field, kind)
const COLUMNS: [(&str, &str, Kind); 10] = [
    ("编号", "source_id", Kind::Text(20)),
    ("名称", "name", Kind::Text(64)),
    ("类型", "type", Kind::Text(16)),
    ("可用水量", "volume_m3", Kind::Real),
    ("车辆可达", "vehicle_access", Kind::Text(4)),
    ("可架泵", "pump_access", Kind::Text(4)),
    ("直升机取水", "helicopter_access", Kind::Text(4)),
    ("所属县代码", "county_code", Kind::Text(6)),
    ("经度", "", Kind::Real),
    ("纬度", "", Kind::Real),
];

fn yes_no(b: bool) -> Val {
    Val::from(if b { "是" } else { "否" })
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

pub fn write(dir: &Path, sources: &[WaterSource]) -> Result<Entry> {
    let columns: Vec<_> = COLUMNS.iter().map(|(c, _, k)| col(c, *k)).collect();
    let mut ds = create("CSV", &dir.join(FILE))?;
    let spec = LayerSpec {
        name: FILE.trim_end_matches(".csv"),
        srs: None,
        geometry: OGRwkbGeometryType::wkbNone,
        options: &["STRING_QUOTING=IF_NEEDED"],
        columns: &columns,
    };
    let rows = sources.iter().map(|w| {
        let (lon, lat) = wgs84_to_gcj02(w.at.x, w.at.y);
        let values = vec![
            Val::from(&w.id),
            Val::from(&w.name),
            Val::from(zh_label("water_sources", "type", w.kind)),
            Val::from(w.volume_m3),
            yes_no(w.vehicle_access),
            yes_no(w.pump_access),
            yes_no(w.helicopter_access),
            Val::from(&w.county_code),
            Val::Real(round6(lon)),
            Val::Real(round6(lat)),
        ];
        (None::<geo::Point>, values)
    });
    write_layer(&mut ds, &spec, rows)?;
    let yes_no_map = || {
        vec![
            ("是".to_string(), TomlVal::Bool(true)),
            ("否".to_string(), TomlVal::Bool(false)),
        ]
    };
    let mut values = vec![zh_value_map("water_sources", "type")];
    for f in ["vehicle_access", "pump_access", "helicopter_access"] {
        values.push((f.to_string(), yes_no_map()));
    }
    Ok(Entry {
        comment: vec![
            "Water sources from an AMap-based app: CSV with lon/lat in GCJ-02, which PROJ does not"
                .into(),
            "know; `crs = \"GCJ-02\"` converts them. Empty 可用水量 (hydrants) stays empty.".into(),
        ],
        id: "water_sources".into(),
        source: FILE.into(),
        crs: Some("GCJ-02".into()),
        lon_field: Some("经度".into()),
        lat_field: Some("纬度".into()),
        fields: COLUMNS
            .iter()
            .filter(|(_, f, _)| !f.is_empty())
            .map(|(c, f, _)| (f.to_string(), c.to_string()))
            .collect(),
        values,
        synthetic: true,
        ..Default::default()
    })
}
