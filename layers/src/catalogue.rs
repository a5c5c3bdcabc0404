//! The layer catalogue: the layers an emergency bureau's 一张图 is made of.
//!
//! Core layers have fixed schemas (what the queries and styles rely on); context layers
//! (faults, rivers, stations, ...) are free-form and take their fields from the source.

use crate::schema::{FieldDef, FieldType, GeometryKind, LayerGroup, LayerSchema};

pub const ADMIN: &str = "admin";
pub const HAZARD_ZONES: &str = "hazard_zones";
pub const HAZARD_POINTS: &str = "hazard_points";
pub const EVACUATION_GRIDS: &str = "evacuation_grids";
pub const SHELTERS: &str = "shelters";
pub const WATER_SOURCES: &str = "water_sources";
pub const DEPOTS: &str = "depots";

/// Ids of the core layers, in drawing order (bottom first).
pub const CORE_LAYERS: [&str; 7] = [
    ADMIN,
    HAZARD_ZONES,
    EVACUATION_GRIDS,
    HAZARD_POINTS,
    WATER_SOURCES,
    SHELTERS,
    DEPOTS,
];

/// Admin levels, coarse to fine, with the length of their GB/T 2260 (+ extension) code.
pub const ADMIN_LEVELS: [(&str, &str, &str, usize); 5] = [
    ("province", "省", "province", 6),
    ("prefecture", "市/州", "prefecture", 6),
    ("county", "县/市/区", "county", 6),
    ("township", "乡/镇/街道", "township", 9),
    ("village", "村/社区", "village", 12),
];

/// The four-colour risk grades of the national census.
pub const GRADES: [(&str, &str, &str); 4] = [
    ("1", "低", "low"),
    ("2", "较低", "moderately low"),
    ("3", "较高", "moderately high"),
    ("4", "高", "high"),
];

pub const HAZARD_TYPES: [(&str, &str, &str); 6] = [
    ("earthquake", "地震", "earthquake"),
    ("geological", "地质灾害", "geological hazard"),
    ("flood", "洪水", "flood"),
    ("forest_fire", "森林火灾", "forest fire"),
    ("drought", "干旱", "drought"),
    ("meteorological", "气象灾害", "meteorological hazard"),
];

/// Relief-material categories held by depots: (field suffix, zh, en, unit zh).
/// Stored as `inv_<suffix>` integer fields.
pub const INVENTORY_CATEGORIES: [(&str, &str, &str); 10] = [
    ("tents", "帐篷", "tents"),
    ("quilts", "棉被", "quilts"),
    ("clothing", "棉衣", "winter clothing"),
    ("folding_beds", "折叠床", "folding beds"),
    ("rice", "大米(袋)", "rice (bags)"),
    ("edible_oil", "食用油(桶)", "edible oil (drums)"),
    ("drinking_water", "饮用水(箱)", "drinking water (cases)"),
    ("instant_food", "方便食品(箱)", "instant food (cases)"),
    ("lighting", "照明灯具", "lighting"),
    ("fire_tools", "灭火器材", "fire-fighting tools"),
];

/// Inventory categories that count as fire-fighting material.
pub const FIRE_CATEGORIES: [&str; 1] = ["fire_tools"];

fn f(name: &str, ty: FieldType, zh: &str, en: &str) -> FieldDef {
    FieldDef::new(name, ty, zh, en)
}

fn county_code() -> FieldDef {
    f(
        "county_code",
        FieldType::Text,
        "所属县(市、区)代码",
        "county code",
    )
}

fn township_code() -> FieldDef {
    f(
        "township_code",
        FieldType::Text,
        "所属乡镇代码",
        "township code",
    )
}

fn schema(
    id: &str,
    geometry: GeometryKind,
    zh: &str,
    en: &str,
    group: LayerGroup,
    fields: Vec<FieldDef>,
) -> LayerSchema {
    LayerSchema {
        id: id.to_string(),
        geometry,
        zh: zh.to_string(),
        en: en.to_string(),
        group,
        context: false,
        fields,
    }
}

/// The core layer schemas.
pub fn core_layers() -> Vec<LayerSchema> {
    use FieldType::*;
    let levels: Vec<(&str, &str, &str)> = ADMIN_LEVELS
        .iter()
        .map(|(v, zh, en, _)| (*v, *zh, *en))
        .collect();
    let admin = schema(
        ADMIN,
        GeometryKind::Polygon,
        "行政区划",
        "Administrative divisions",
        LayerGroup::Admin,
        vec![
            f("code", Text, "行政区划代码", "code").required(),
            f("name", Text, "名称", "name").required(),
            f("level", Text, "级别", "level").required().codes(&levels),
            f("parent_code", Text, "上级代码", "parent code"),
            f("population", Int, "常住人口", "population").range(0.0, 2e9),
            f("households", Int, "户数", "households").range(0.0, 1e9),
            f("synthetic", Bool, "合成数据(演示)", "synthetic (demo)"),
        ],
    );
    let hazard_zones = schema(
        HAZARD_ZONES,
        GeometryKind::Polygon,
        "风险区划",
        "Hazard risk zones",
        LayerGroup::RiskCensus,
        vec![
            f("zone_id", Text, "区划编号", "zone id"),
            f("hazard_type", Text, "灾种", "hazard type")
                .required()
                .codes(&HAZARD_TYPES),
            f("grade", Int, "风险等级", "risk grade")
                .required()
                .range(1.0, 4.0)
                .codes(&GRADES),
            f("name", Text, "名称", "name"),
            f("source", Text, "数据来源", "source"),
            f("survey_year", Int, "调查年份", "survey year").range(1900.0, 2100.0),
            county_code(),
        ],
    );
    let hazard_points = schema(
        HAZARD_POINTS,
        GeometryKind::Point,
        "隐患点",
        "Hazard sites",
        LayerGroup::RiskCensus,
        vec![
            f("point_id", Text, "隐患点编号", "site id").required(),
            f("type", Text, "类型", "type").required().codes(&[
                ("landslide", "滑坡", "landslide"),
                ("debris_flow", "泥石流", "debris flow"),
                ("collapse", "崩塌", "rockfall / collapse"),
                ("unstable_slope", "不稳定斜坡", "unstable slope"),
                ("ground_subsidence", "地面塌陷", "ground subsidence"),
                ("ground_fissure", "地裂缝", "ground fissure"),
            ]),
            f("name", Text, "名称", "name"),
            f("threatened_persons", Int, "威胁人数", "persons threatened").range(0.0, 1e7),
            f(
                "threatened_property",
                Float,
                "威胁财产(万元)",
                "property threatened (10k CNY)",
            )
            .range(0.0, 1e9),
            f("scale", Text, "规模", "scale").codes(&[
                ("small", "小型", "small"),
                ("medium", "中型", "medium"),
                ("large", "大型", "large"),
                ("huge", "特大型", "huge"),
            ]),
            f(
                "responsible_person",
                Text,
                "监测责任人",
                "responsible person",
            )
            .personal(),
            f(
                "responsible_phone",
                Text,
                "责任人电话",
                "responsible person's phone",
            )
            .personal(),
            county_code(),
        ],
    );
    let evacuation_grids = schema(
        EVACUATION_GRIDS,
        GeometryKind::Polygon,
        "避险转移网格",
        "Evacuation grids",
        LayerGroup::Evacuation,
        vec![
            f("grid_code", Text, "网格编码", "grid code").required(),
            f("level", Int, "网格级别", "grid level")
                .required()
                .range(1.0, 5.0)
                .codes(&[
                    ("1", "一级(县)", "level 1 (county)"),
                    ("2", "二级(乡镇)", "level 2 (township)"),
                    ("3", "三级(村)", "level 3 (village)"),
                    ("4", "四级(组)", "level 4 (group)"),
                    ("5", "五级(户联)", "level 5 (household cluster)"),
                ]),
            f("name", Text, "网格名称", "grid name"),
            f("parent_code", Text, "上级网格", "parent grid"),
            f("households", Int, "户数", "households")
                .required()
                .range(0.0, 1e8),
            f("persons", Int, "人数", "persons")
                .required()
                .range(0.0, 1e9),
            f(
                "special_needs",
                Int,
                "特殊群体人数",
                "special-needs persons",
            )
            .range(0.0, 1e9)
            .personal(),
            f("shelter_id", Text, "指定避难场所", "assigned shelter"),
            f(
                "responsible_person",
                Text,
                "包保责任人",
                "responsible person",
            )
            .personal(),
            f(
                "responsible_phone",
                Text,
                "责任人电话",
                "responsible person's phone",
            )
            .personal(),
            county_code(),
            township_code(),
        ],
    );
    let shelters = schema(
        SHELTERS,
        GeometryKind::Point,
        "应急避难场所",
        "Emergency shelters",
        LayerGroup::Shelters,
        vec![
            f("shelter_id", Text, "场所编号", "shelter id").required(),
            f("name", Text, "名称", "name").required(),
            f("category", Text, "类别", "category").codes(&[
                ("comprehensive", "综合性", "comprehensive"),
                ("fixed", "固定", "fixed (long stay)"),
                ("emergency", "紧急", "emergency (short stay)"),
            ]),
            f("type", Text, "场所类型", "site type").codes(&[
                ("school", "学校", "school"),
                ("park", "公园绿地", "park"),
                ("square", "广场", "square"),
                ("stadium", "体育场馆", "stadium"),
                ("community_center", "社区活动中心", "community centre"),
                ("village_hall", "村委会活动场地", "village hall"),
            ]),
            f("capacity", Int, "容纳人数", "capacity (persons)")
                .required()
                .range(0.0, 1e7),
            f("area_m2", Float, "有效面积(m²)", "usable area (m²)").range(0.0, 1e9),
            f("status", Text, "状态", "status")
                .required()
                .codes(&[("open", "可用", "open"), ("closed", "停用", "closed")]),
            f("address", Text, "地址", "address"),
            f("manager", Text, "管理人", "manager").personal(),
            f("manager_phone", Text, "管理人电话", "manager's phone").personal(),
            county_code(),
            township_code(),
        ],
    );
    let water_sources = schema(
        WATER_SOURCES,
        GeometryKind::Point,
        "消防水源点",
        "Fire-fighting water sources",
        LayerGroup::Water,
        vec![
            f("source_id", Text, "水源编号", "source id").required(),
            f("name", Text, "名称", "name"),
            f("type", Text, "类型", "type").required().codes(&[
                ("pond", "坝塘", "pond"),
                ("reservoir", "水库", "reservoir"),
                ("stream", "河流溪沟", "stream"),
                ("tank", "蓄水池", "tank"),
                ("hydrant", "消火栓", "hydrant"),
            ]),
            f("volume_m3", Float, "可用水量(m³)", "usable volume (m³)").range(0.0, 1e12),
            f("vehicle_access", Bool, "车辆可达", "vehicle access"),
            f("pump_access", Bool, "可架泵取水", "pump access"),
            f("helicopter_access", Bool, "直升机取水", "helicopter access"),
            county_code(),
        ],
    );
    let mut depot_fields = vec![
        f("depot_id", Text, "仓库编号", "depot id").required(),
        f("name", Text, "名称", "name").required(),
        f("level", Text, "级别", "level").required().codes(&[
            ("province", "省级", "province"),
            ("prefecture", "州(市)级", "prefecture"),
            ("county", "县级", "county"),
            ("township", "乡镇级", "township"),
        ]),
        f("address", Text, "地址", "address"),
    ];
    for (suffix, zh, en) in INVENTORY_CATEGORIES {
        depot_fields.push(f(&format!("inv_{suffix}"), Int, zh, en).range(0.0, 1e9));
    }
    depot_fields.extend([
        f("keeper", Text, "保管员", "keeper").personal(),
        f("keeper_phone", Text, "保管员电话", "keeper's phone").personal(),
        county_code(),
    ]);
    let depots = schema(
        DEPOTS,
        GeometryKind::Point,
        "救灾物资储备库",
        "Relief-material depots",
        LayerGroup::Depots,
        depot_fields,
    );
    vec![
        admin,
        hazard_zones,
        hazard_points,
        evacuation_grids,
        shelters,
        water_sources,
        depots,
    ]
}

/// The schema of a core layer.
pub fn core_layer(id: &str) -> Option<LayerSchema> {
    core_layers().into_iter().find(|l| l.id == id)
}

/// A free-form context layer schema; fields are filled in from the source.
pub fn context_layer(id: &str, geometry: GeometryKind, zh: &str, en: &str) -> LayerSchema {
    LayerSchema {
        id: id.to_string(),
        geometry,
        zh: zh.to_string(),
        en: en.to_string(),
        group: LayerGroup::Reference,
        context: true,
        fields: Vec::new(),
    }
}

/// The field that identifies a feature of a core layer to the bureau (unique per
/// layer): what cross-references (a grid's `shelter_id`) and reports use.
pub fn key_field(layer_id: &str) -> Option<&'static str> {
    Some(match layer_id {
        ADMIN => "code",
        HAZARD_POINTS => "point_id",
        EVACUATION_GRIDS => "grid_code",
        SHELTERS => "shelter_id",
        WATER_SOURCES => "source_id",
        DEPOTS => "depot_id",
        _ => return None,
    })
}

/// Is `id` usable as a layer id (tile layer name, URL segment, file stem)?
pub fn valid_layer_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && id != "onemap"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Sensitivity;

    #[test]
    fn core_layers_are_unique_and_well_formed() {
        let layers = core_layers();
        let mut ids: Vec<_> = layers.iter().map(|l| l.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), CORE_LAYERS.len());
        for l in &layers {
            assert!(valid_layer_id(&l.id), "{}", l.id);
            let mut names: Vec<_> = l.fields.iter().map(|f| f.name.as_str()).collect();
            names.sort();
            let n = names.len();
            names.dedup();
            assert_eq!(n, names.len(), "duplicate field in {}", l.id);
            assert!(l.fields.iter().any(|f| f.required), "{} has no key", l.id);
        }
    }

    #[test]
    fn personal_data_is_marked_personal() {
        for l in core_layers() {
            for f in &l.fields {
                let looks_personal = f.name.contains("phone")
                    || f.name.contains("person") && f.ty == FieldType::Text
                    || ["keeper", "manager", "special_needs"].contains(&f.name.as_str());
                if looks_personal {
                    assert_eq!(f.sensitivity, Sensitivity::Personal, "{}.{}", l.id, f.name);
                }
            }
        }
    }

    #[test]
    fn layer_ids_are_checked() {
        assert!(valid_layer_id("hazard_zones"));
        assert!(!valid_layer_id("onemap"));
        assert!(!valid_layer_id("../etc"));
        assert!(!valid_layer_id("Faults"));
        assert!(!valid_layer_id(""));
    }
}
