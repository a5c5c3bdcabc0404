//! The demo's source files, each in a format and style a bureau really hands over, and
//! the `prep.toml` entry that describes it:
//!
//! | layer | file | style |
//! |---|---|---|
//! | admin | `admin.geojson` | GeoJSON, EPSG:4326, schema field names |
//! | evacuation_grids | `evacuation_grids.gpkg` | GeoPackage, CGCS2000 (EPSG:4490) |
//! | hazard_zones | `hazard_zones.gpkg` | one table per hazard type, pinyin field codes, grades as 高/较高/较低/低 |
//! | hazard_points | `hazard_points.gpkg` | Chinese column names and values |
//! | depots | `depots.geojson` | GeoJSON, schema field names |
//! | shelters | `shelters_cm<E>.shp` | see [`super::shelter_shapefile`] |
//! | water_sources | `water_sources_amap.csv` | see [`super::water_csv`] |

use std::path::Path;

use anyhow::Result;
use gdal::vector::OGRwkbGeometryType;
use geo::{MultiPolygon, Point};
use layers::catalogue::{INVENTORY_CATEGORIES, core_layer};

use super::config_file::{Entry, TomlVal};
use super::gdal_write::{Kind, LayerSpec, Val, col, create, srs, write_layer};
use super::model::DemoData;

pub const ADMIN_FILE: &str = "admin.geojson";
pub const GRIDS_FILE: &str = "evacuation_grids.gpkg";
pub const ZONES_FILE: &str = "hazard_zones.gpkg";
pub const POINTS_FILE: &str = "hazard_points.gpkg";
pub const DEPOTS_FILE: &str = "depots.geojson";

/// The Chinese label of a coded value in the catalogue (`shelters.status` `open` → 可用).
pub fn zh_label(layer: &str, field: &str, value: &str) -> String {
    core_layer(layer)
        .and_then(|l| l.field(field).cloned())
        .and_then(|f| f.values.into_iter().find(|v| v.value == value))
        .map_or_else(|| value.to_string(), |v| v.zh)
}

/// `values.<field>` mapping every Chinese label of a coded field back to its code.
pub fn zh_value_map(layer: &str, field: &str) -> (String, Vec<(String, TomlVal)>) {
    let map = core_layer(layer)
        .and_then(|l| l.field(field).cloned())
        .map(|f| {
            f.values
                .into_iter()
                .map(|v| (v.zh, TomlVal::Str(v.value)))
                .collect()
        })
        .unwrap_or_default();
    (field.to_string(), map)
}

fn polygon_type() -> OGRwkbGeometryType::Type {
    OGRwkbGeometryType::wkbMultiPolygon
}

pub fn write_admin(dir: &Path, data: &DemoData) -> Result<Entry> {
    let columns = [
        col("code", Kind::Text(12)),
        col("name", Kind::Text(64)),
        col("level", Kind::Text(16)),
        col("parent_code", Kind::Text(12)),
        col("population", Kind::Int),
        col("households", Kind::Int),
        col("synthetic", Kind::Bool),
    ];
    let mut ds = create("GeoJSON", &dir.join(ADMIN_FILE))?;
    let spec = LayerSpec {
        name: "admin",
        srs: Some(&srs(4326)?),
        geometry: polygon_type(),
        options: &[],
        columns: &columns,
    };
    let rows = data.admin.iter().map(|a| {
        let values = vec![
            Val::from(&a.code),
            Val::from(&a.name),
            Val::from(a.level.as_str()),
            Val::from(a.parent_code.as_ref()),
            Val::from(a.population),
            Val::from(a.households),
            Val::from(a.synthetic),
        ];
        (Some(a.geometry.clone()), values)
    });
    write_layer(&mut ds, &spec, rows)?;
    Ok(Entry {
        comment: vec![
            "Real prefecture and counties (2020 census) with generated townships and villages;"
                .into(),
            "the `synthetic` column marks which is which. Field names already match the schema."
                .into(),
        ],
        id: "admin".into(),
        source: ADMIN_FILE.into(),
        synthetic: true,
        ..Default::default()
    })
}

pub fn write_grids(dir: &Path, data: &DemoData) -> Result<Entry> {
    let columns = [
        col("grid_code", Kind::Text(20)),
        col("level", Kind::Int),
        col("name", Kind::Text(80)),
        col("parent_code", Kind::Text(20)),
        col("households", Kind::Int),
        col("persons", Kind::Int),
        col("special_needs", Kind::Int),
        col("shelter_id", Kind::Text(20)),
        col("responsible_person", Kind::Text(16)),
        col("responsible_phone", Kind::Text(16)),
        col("county_code", Kind::Text(6)),
        col("township_code", Kind::Text(9)),
    ];
    let mut ds = create("GPKG", &dir.join(GRIDS_FILE))?;
    let spec = LayerSpec {
        name: "evacuation_grids",
        srs: Some(&srs(4490)?),
        geometry: polygon_type(),
        options: &[],
        columns: &columns,
    };
    let rows = data.grids.iter().map(|g| {
        let values = vec![
            Val::from(&g.code),
            Val::Int(g.level as i64),
            Val::from(&g.name),
            Val::from(g.parent_code.as_ref()),
            Val::from(g.households),
            Val::from(g.persons),
            Val::from(g.special_needs),
            Val::from(g.shelter_id.as_ref()),
            Val::from(&g.responsible_person),
            Val::from(&g.responsible_phone),
            Val::from(&g.county_code),
            Val::from(g.township_code.as_ref()),
        ];
        (Some(g.geometry.clone()), values)
    });
    write_layer(&mut ds, &spec, rows)?;
    Ok(Entry {
        comment: vec![
            "Five-level evacuation grids in CGCS2000 (EPSG:4490, taken from the GeoPackage)."
                .into(),
            "At every level, households and persons sum to the prefecture's published totals."
                .into(),
        ],
        id: "evacuation_grids".into(),
        source: GRIDS_FILE.into(),
        synthetic: true,
        ..Default::default()
    })
}

/// (hazard type, table name)
pub const ZONE_TABLES: [(&str, &str); 4] = [
    ("earthquake", "dz_fxqh"),
    ("flood", "hs_fxqh"),
    ("geological", "dzzh_fxqh"),
    ("forest_fire", "slhz_fxqh"),
];

pub fn write_hazard_zones(dir: &Path, data: &DemoData) -> Result<Vec<Entry>> {
    // Field codes in the style of the census deliverables: 区划编号, 风险等级, 名称,
    // 数据来源, 调查年份, 行政区代码.
    let columns = [
        col("QHBH", Kind::Text(20)),
        col("FXDJ", Kind::Text(8)),
        col("MC", Kind::Text(64)),
        col("SJLY", Kind::Text(64)),
        col("DCNF", Kind::Int),
        col("XZQDM", Kind::Text(6)),
    ];
    let fields: Vec<(String, String)> = [
        ("zone_id", "QHBH"),
        ("grade", "FXDJ"),
        ("name", "MC"),
        ("source", "SJLY"),
        ("survey_year", "DCNF"),
        ("county_code", "XZQDM"),
    ]
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .to_vec();
    let grade_map: Vec<(String, TomlVal)> = layers::catalogue::GRADES
        .iter()
        .rev()
        .map(|(v, zh, _)| (zh.to_string(), TomlVal::Int(v.parse().unwrap_or(0))))
        .collect();
    let srs = srs(4490)?;
    let mut ds = create("GPKG", &dir.join(ZONES_FILE))?;
    let mut entries = Vec::new();
    for (i, (hazard_type, table)) in ZONE_TABLES.into_iter().enumerate() {
        let spec = LayerSpec {
            name: table,
            srs: Some(&srs),
            geometry: polygon_type(),
            options: &[],
            columns: &columns,
        };
        let rows = data
            .hazard_zones
            .iter()
            .filter(|z| z.hazard_type == hazard_type)
            .map(|z| {
                let values = vec![
                    Val::from(&z.zone_id),
                    Val::from(zh_label("hazard_zones", "grade", &z.grade.to_string())),
                    Val::from(&z.name),
                    Val::from(&z.source),
                    Val::Int(z.survey_year),
                    Val::from(&z.county_code),
                ];
                (Some(MultiPolygon::new(vec![z.geometry.clone()])), values)
            });
        write_layer(&mut ds, &spec, rows)?;
        let mut comment = Vec::new();
        if i == 0 {
            comment = vec![
                "Risk zoning, one GeoPackage table per hazard type as the census delivers it: the".into(),
                "type comes from `constants`, the Chinese grade labels are mapped by `values.grade`.".into(),
            ];
        }
        entries.push(Entry {
            comment,
            id: "hazard_zones".into(),
            source: ZONES_FILE.into(),
            source_layer: Some(table.into()),
            fields: fields.clone(),
            values: vec![("grade".into(), grade_map.clone())],
            constants: vec![("hazard_type".into(), TomlVal::from(hazard_type))],
            synthetic: true,
            ..Default::default()
        });
    }
    Ok(entries)
}

pub fn write_hazard_points(dir: &Path, data: &DemoData) -> Result<Entry> {
    let columns = [
        col("编号", Kind::Text(20)),
        col("类型", Kind::Text(16)),
        col("名称", Kind::Text(64)),
        col("威胁人数", Kind::Int),
        col("威胁财产万元", Kind::Real),
        col("规模", Kind::Text(8)),
        col("监测责任人", Kind::Text(16)),
        col("联系电话", Kind::Text(16)),
        col("县代码", Kind::Text(6)),
    ];
    let mut ds = create("GPKG", &dir.join(POINTS_FILE))?;
    let spec = LayerSpec {
        name: "dzzh_yhd",
        srs: Some(&srs(4490)?),
        geometry: OGRwkbGeometryType::wkbPoint,
        options: &[],
        columns: &columns,
    };
    let rows = data.hazard_points.iter().map(|h| {
        let values = vec![
            Val::from(&h.point_id),
            Val::from(zh_label("hazard_points", "type", h.kind)),
            Val::from(&h.name),
            Val::from(h.threatened_persons),
            Val::from(h.threatened_property),
            Val::from(zh_label("hazard_points", "scale", h.scale)),
            Val::from(&h.responsible_person),
            Val::from(&h.responsible_phone),
            Val::from(&h.county_code),
        ];
        (Some(Point(h.at)), values)
    });
    write_layer(&mut ds, &spec, rows)?;
    let fields = [
        ("point_id", "编号"),
        ("type", "类型"),
        ("name", "名称"),
        ("threatened_persons", "威胁人数"),
        ("threatened_property", "威胁财产万元"),
        ("scale", "规模"),
        ("responsible_person", "监测责任人"),
        ("responsible_phone", "联系电话"),
        ("county_code", "县代码"),
    ];
    Ok(Entry {
        comment: vec![
            "Geological hazard sites with Chinese column names and Chinese coded values.".into(),
        ],
        id: "hazard_points".into(),
        source: POINTS_FILE.into(),
        fields: fields.map(|(a, b)| (a.to_string(), b.to_string())).to_vec(),
        values: vec![
            zh_value_map("hazard_points", "type"),
            zh_value_map("hazard_points", "scale"),
        ],
        synthetic: true,
        ..Default::default()
    })
}

pub fn write_depots(dir: &Path, data: &DemoData) -> Result<Entry> {
    let mut columns = vec![
        col("depot_id", Kind::Text(16)),
        col("name", Kind::Text(64)),
        col("level", Kind::Text(16)),
        col("address", Kind::Text(64)),
    ];
    columns.extend(
        INVENTORY_CATEGORIES
            .iter()
            .map(|(suffix, _, _)| col(&format!("inv_{suffix}"), Kind::Int)),
    );
    columns.extend([
        col("keeper", Kind::Text(16)),
        col("keeper_phone", Kind::Text(16)),
        col("county_code", Kind::Text(6)),
    ]);
    let mut ds = create("GeoJSON", &dir.join(DEPOTS_FILE))?;
    let spec = LayerSpec {
        name: "depots",
        srs: Some(&srs(4326)?),
        geometry: OGRwkbGeometryType::wkbPoint,
        options: &[],
        columns: &columns,
    };
    let rows = data.depots.iter().map(|d| {
        let mut values = vec![
            Val::from(&d.id),
            Val::from(&d.name),
            Val::from(d.level),
            Val::from(&d.address),
        ];
        values.extend(d.inventory.iter().map(|n| Val::from(*n)));
        values.extend([
            Val::from(&d.keeper),
            Val::from(&d.keeper_phone),
            Val::from(&d.county_code),
        ]);
        (Some(Point(d.at)), values)
    });
    write_layer(&mut ds, &spec, rows)?;
    Ok(Entry {
        comment: vec![
            "Relief depots: the prefecture and county depots hold the published item total;".into(),
            "township storage points (level = township) hold stock on top of it.".into(),
        ],
        id: "depots".into(),
        source: DEPOTS_FILE.into(),
        synthetic: true,
        ..Default::default()
    })
}
