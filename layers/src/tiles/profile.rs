//! How each layer is tiled: which polygons form coverages, what merges at low zoom,
//! which attributes low zooms carry (those the styles need), what clusters sum.

use crate::catalogue;
use crate::schema::{GeometryKind, LayerSchema};

/// Points show one by one from this zoom; below it they are clustered.
pub const INDIVIDUAL_POINT_ZOOM: u8 = 12;
/// Hazard zones of one type and grade are merged up to this zoom.
pub const MERGE_MAX_ZOOM: u8 = 9;
/// A coverage group (a grid level, an admin level) appears once its typical feature
/// is this many tile pixels (of 4096) across: 16 screen pixels on a 512-pixel tile.
pub const GROUP_MIN_PIXELS: f64 = 128.0;

/// Tiling rules for one layer.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerProfile {
    /// Polygon layers: the field whose values split the layer into coverages whose
    /// shared borders are simplified once (None: one coverage).
    pub coverage_key: Option<String>,
    /// Whether coverage groups appear zoom by zoom by feature size (grid levels).
    pub group_minzoom: bool,
    /// Fields whose equal values merge neighbours at low zoom, and the last such zoom.
    pub dissolve: Option<(Vec<String>, u8)>,
    /// Fields carried below `detail_zoom` (all visible fields from it on).
    pub low_zoom_fields: Vec<String>,
    pub detail_zoom: u8,
    /// Point layers: numeric fields summed over a cluster.
    pub cluster_sums: Vec<String>,
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(std::string::ToString::to_string).collect()
}

/// The profile of a layer, from its id and schema.
pub fn profile_for(schema: &LayerSchema) -> LayerProfile {
    let mut p = LayerProfile {
        coverage_key: None,
        group_minzoom: false,
        dissolve: None,
        low_zoom_fields: Vec::new(),
        detail_zoom: 10,
        cluster_sums: Vec::new(),
    };
    if schema.geometry == GeometryKind::Point {
        p.detail_zoom = INDIVIDUAL_POINT_ZOOM;
    }
    match schema.id.as_str() {
        catalogue::ADMIN => {
            p.coverage_key = Some("level".into());
            p.group_minzoom = true;
            p.low_zoom_fields = names(&["code", "name", "level", "parent_code", "synthetic"]);
        }
        catalogue::HAZARD_ZONES => {
            p.coverage_key = Some("hazard_type".into());
            p.dissolve = Some((names(&["hazard_type", "grade"]), MERGE_MAX_ZOOM));
            p.low_zoom_fields = names(&["zone_id", "hazard_type", "grade", "name"]);
            p.detail_zoom = 12;
        }
        catalogue::EVACUATION_GRIDS => {
            p.coverage_key = Some("level".into());
            p.group_minzoom = true;
            p.low_zoom_fields = names(&["grid_code", "level", "name", "households", "persons"]);
            p.detail_zoom = 12;
        }
        catalogue::HAZARD_POINTS => {
            p.low_zoom_fields = names(&["point_id", "type", "name", "scale"]);
            p.cluster_sums = names(&["threatened_persons", "threatened_property"]);
        }
        catalogue::SHELTERS => {
            p.low_zoom_fields = names(&[
                "shelter_id",
                "name",
                "category",
                "type",
                "status",
                "capacity",
            ]);
            p.cluster_sums = names(&["capacity", "area_m2"]);
        }
        catalogue::WATER_SOURCES => {
            p.low_zoom_fields = names(&["source_id", "name", "type"]);
            p.cluster_sums = names(&["volume_m3"]);
        }
        catalogue::DEPOTS => {
            p.low_zoom_fields = names(&["depot_id", "name", "level"]);
            p.cluster_sums = catalogue::INVENTORY_CATEGORIES
                .iter()
                .map(|(s, _, _)| format!("inv_{s}"))
                .collect();
        }
        _ => {
            // Context layers: names and classes label and style them at low zoom.
            p.low_zoom_fields = schema
                .fields
                .iter()
                .map(|f| f.name.clone())
                .filter(|n| {
                    let l = n.to_ascii_lowercase();
                    l.contains("name") || ["level", "type", "class", "grade"].contains(&l.as_str())
                })
                .collect();
        }
    }
    // Only fields the schema has (a dataset may carry a reduced core schema).
    let has = |n: &String| schema.field(n).is_some();
    p.low_zoom_fields.retain(has);
    p.cluster_sums.retain(has);
    if let Some(k) = &p.coverage_key
        && !has(k)
    {
        p.coverage_key = None;
        p.group_minzoom = false;
    }
    if let Some((fields, _)) = &p.dissolve
        && !fields.iter().all(has)
    {
        p.dissolve = None;
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Sensitivity;

    #[test]
    fn low_zoom_and_cluster_fields_exist_and_are_not_personal() {
        for schema in catalogue::core_layers() {
            let p = profile_for(&schema);
            for name in p.low_zoom_fields.iter().chain(&p.cluster_sums) {
                let f = schema
                    .field(name)
                    .unwrap_or_else(|| panic!("{}.{name}", schema.id));
                assert!(
                    f.sensitivity < Sensitivity::Personal,
                    "{}.{name}",
                    schema.id
                );
            }
        }
    }

    #[test]
    fn hazard_zones_merge_by_type_and_grade() {
        let p = profile_for(&catalogue::core_layer("hazard_zones").unwrap());
        assert_eq!(p.coverage_key.as_deref(), Some("hazard_type"));
        let (fields, z) = p.dissolve.unwrap();
        assert_eq!(fields, vec!["hazard_type", "grade"]);
        assert!(z < INDIVIDUAL_POINT_ZOOM);
    }

    #[test]
    fn context_layers_keep_their_name_fields() {
        use crate::schema::{FieldDef, FieldType};
        let mut s = catalogue::context_layer("rivers", GeometryKind::Line, "河流", "rivers");
        s.fields = vec![
            FieldDef::new("NAME", FieldType::Text, "名称", "name"),
            FieldDef::new("LENGTH", FieldType::Float, "长度", "length"),
        ];
        assert_eq!(profile_for(&s).low_zoom_fields, vec!["NAME"]);
    }
}
