//! Shelters as the housing-and-construction or emergency bureau's Shapefile: projected
//! to CGCS2000 3-degree Gauss-Krüger (EPSG:4542–4544 for Yunnan, one file per zone as
//! the zones are separate projections), attributes GBK-encoded (a `.cpg` says so) under
//! pinyin-initial field codes, with Chinese coded values.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use gdal::vector::OGRwkbGeometryType;
use geo::Point;
use proj::Proj;

use super::config_file::Entry;
use super::gdal_write::{FIXED_DATE, Kind, LayerSpec, Val, col, create, srs, write_layer};
use super::model::Shelter;
use super::sources::{zh_label, zh_value_map};

/// The CGCS2000 3-degree Gauss-Krüger zone of a longitude: (central meridian, EPSG).
/// Zone 25 (CM 75°E) is EPSG:4534, each next zone one code up.
pub fn gk_zone(lon: f64) -> (u32, u32) {
    let zone = (lon / 3.0).round() as u32;
    (zone * 3, 4534 + zone - 25)
}

/// (pinyin code, schema field, kind)
const COLUMNS: [(&str, &str, Kind); 12] = [
    ("BH", "shelter_id", Kind::Text(20)),      // 编号
    ("MC", "name", Kind::Text(100)),           // 名称
    ("LB", "category", Kind::Text(20)),        // 类别
    ("LX", "type", Kind::Text(30)),            // 类型
    ("RL", "capacity", Kind::Int),             // 容量(人)
    ("MJ", "area_m2", Kind::Real),             // 面积(m²)
    ("ZT", "status", Kind::Text(10)),          // 状态
    ("DZ", "address", Kind::Text(120)),        // 地址
    ("GLR", "manager", Kind::Text(20)),        // 管理人
    ("LXDH", "manager_phone", Kind::Text(16)), // 联系电话
    ("XZQDM", "county_code", Kind::Text(6)),   // 行政区代码
    ("XZDM", "township_code", Kind::Text(9)),  // 乡镇代码
];

pub fn file_name(central_meridian: u32) -> String {
    format!("shelters_cm{central_meridian}e.shp")
}

pub fn write(dir: &Path, shelters: &[Shelter]) -> Result<Vec<Entry>> {
    let mut by_zone: BTreeMap<(u32, u32), Vec<&Shelter>> = BTreeMap::new();
    for s in shelters {
        by_zone.entry(gk_zone(s.at.x)).or_default().push(s);
    }
    let columns: Vec<_> = COLUMNS.iter().map(|(c, _, k)| col(c, *k)).collect();
    let date = format!("DBF_DATE_LAST_UPDATE={}", &FIXED_DATE[..10]);
    let options = ["ENCODING=GBK", date.as_str()];
    let mut entries = Vec::new();
    for ((cm, epsg), group) in by_zone {
        let to_gk = Proj::new_known_crs("EPSG:4326", &format!("EPSG:{epsg}"), None)
            .with_context(|| format!("PROJ: EPSG:4326 to EPSG:{epsg}"))?;
        let name = file_name(cm);
        let mut ds = create("ESRI Shapefile", &dir.join(&name))?;
        let spec = LayerSpec {
            name: name.trim_end_matches(".shp"),
            srs: Some(&srs(epsg)?),
            geometry: OGRwkbGeometryType::wkbPoint,
            options: &options,
            columns: &columns,
        };
        let mut rows = Vec::with_capacity(group.len());
        for s in group {
            let (e, n) = to_gk
                .convert((s.at.x, s.at.y))
                .with_context(|| format!("projecting shelter {}", s.id))?;
            // Survey coordinates to the millimetre.
            let at = Point::new((e * 1000.0).round() / 1000.0, (n * 1000.0).round() / 1000.0);
            let values = vec![
                Val::from(&s.id),
                Val::from(&s.name),
                Val::from(zh_label("shelters", "category", s.category)),
                Val::from(zh_label("shelters", "type", s.kind)),
                Val::from(s.capacity),
                Val::from(s.area_m2),
                Val::from(zh_label(
                    "shelters",
                    "status",
                    if s.open { "open" } else { "closed" },
                )),
                Val::from(&s.address),
                Val::from(&s.manager),
                Val::from(&s.manager_phone),
                Val::from(&s.county_code),
                Val::from(&s.township_code),
            ];
            rows.push((Some(at), values));
        }
        write_layer(&mut ds, &spec, rows.into_iter())?;
        let comment = if entries.is_empty() {
            vec![
                "Shelters as a GBK-encoded Shapefile in CGCS2000 Gauss-Kruger (the .prj gives the CRS".into(),
                "and the .cpg the encoding; `crs` and `encoding` would override them). Field codes are".into(),
                "pinyin initials (MC 名称, RL 容量, ...) mapped by `fields`; Chinese codes by `values`.".into(),
            ]
        } else {
            Vec::new()
        };
        entries.push(Entry {
            comment,
            id: "shelters".into(),
            source: name.clone(),
            fields: COLUMNS
                .iter()
                .map(|(c, f, _)| (f.to_string(), c.to_string()))
                .collect(),
            values: vec![
                zh_value_map("shelters", "category"),
                zh_value_map("shelters", "type"),
                zh_value_map("shelters", "status"),
            ],
            synthetic: true,
            ..Default::default()
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_of_yunnan() {
        assert_eq!(gk_zone(101.5), (102, 4543));
        assert_eq!(gk_zone(98.0), (99, 4542));
        assert_eq!(gk_zone(104.9), (105, 4544));
    }
}
