//! Layer schemas: typed attributes with display names and a sensitivity class.
//!
//! A schema is plain data (serde) so that it travels inside the prepared dataset's
//! manifest: the server and the viewer read field names, types, labels and sensitivity
//! from the dataset they were given, not from a compiled-in table.

use serde::{Deserialize, Serialize};

/// The geometry a layer holds. Multi-geometries are stored under the same kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeometryKind {
    Point,
    Line,
    Polygon,
}

impl GeometryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GeometryKind::Point => "point",
            GeometryKind::Line => "line",
            GeometryKind::Polygon => "polygon",
        }
    }
}

/// Attribute types. Kept to what FlatGeobuf, GeoPackage, MVT and JSON all carry
/// without loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Int,
    Float,
    Text,
    Bool,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Int => "int",
            FieldType::Float => "float",
            FieldType::Text => "text",
            FieldType::Bool => "bool",
        }
    }
}

/// Who may see a field. Ordered: a caller cleared for a class sees every lower class.
///
/// `Personal` is personal data in the sense of PIPL (responsible persons, phone numbers,
/// counts of special-needs persons): never public, withheld by default everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    /// Open to anyone, including unauthenticated callers and wall screens.
    Public,
    /// Operational detail for bureau staff and partner systems (not personal).
    Internal,
    /// Personal data: names, phones, vulnerable-person counts.
    Personal,
}

/// One allowed value of a coded field, with its labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeLabel {
    /// The stored value, in its canonical text form (`"4"`, `"flood"`).
    pub value: String,
    pub zh: String,
    pub en: String,
}

/// One attribute of a layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDef {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    pub required: bool,
    pub zh: String,
    pub en: String,
    pub sensitivity: Sensitivity,
    /// Allowed values, when the field is coded. Empty means free.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<CodeLabel>,
    /// Inclusive numeric range, when the field is bounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

impl FieldDef {
    pub fn new(name: &str, ty: FieldType, zh: &str, en: &str) -> Self {
        FieldDef {
            name: name.to_string(),
            ty,
            required: false,
            zh: zh.to_string(),
            en: en.to_string(),
            sensitivity: Sensitivity::Public,
            values: Vec::new(),
            min: None,
            max: None,
        }
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn sensitivity(mut self, s: Sensitivity) -> Self {
        self.sensitivity = s;
        self
    }

    pub fn personal(self) -> Self {
        self.sensitivity(Sensitivity::Personal)
    }

    pub fn internal(self) -> Self {
        self.sensitivity(Sensitivity::Internal)
    }

    pub fn range(mut self, min: f64, max: f64) -> Self {
        self.min = Some(min);
        self.max = Some(max);
        self
    }

    pub fn codes(mut self, codes: &[(&str, &str, &str)]) -> Self {
        self.values = codes
            .iter()
            .map(|(v, zh, en)| CodeLabel {
                value: v.to_string(),
                zh: zh.to_string(),
                en: en.to_string(),
            })
            .collect();
        self
    }

    /// The label of a coded value, if the field is coded and knows it.
    pub fn label(&self, value: &str) -> Option<&CodeLabel> {
        self.values.iter().find(|c| c.value == value)
    }
}

/// Where a layer sits in the viewer's layer tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerGroup {
    /// 行政区划
    Admin,
    /// 风险普查
    RiskCensus,
    /// 转移避险
    Evacuation,
    /// 避难场所
    Shelters,
    /// 水源
    Water,
    /// 物资储备
    Depots,
    /// 参考
    Reference,
}

impl LayerGroup {
    pub fn zh(self) -> &'static str {
        match self {
            LayerGroup::Admin => "行政区划",
            LayerGroup::RiskCensus => "风险普查",
            LayerGroup::Evacuation => "转移避险",
            LayerGroup::Shelters => "避难场所",
            LayerGroup::Water => "水源",
            LayerGroup::Depots => "物资储备",
            LayerGroup::Reference => "参考",
        }
    }
}

/// The schema of one layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerSchema {
    /// Stable id: the tile layer name, the OGC collection id, the file stem.
    pub id: String,
    pub geometry: GeometryKind,
    pub zh: String,
    pub en: String,
    pub group: LayerGroup,
    /// Free-form context layer (faults, rivers, ...): fields come from the source.
    #[serde(default)]
    pub context: bool,
    pub fields: Vec<FieldDef>,
}

impl LayerSchema {
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// Indices of the fields a caller cleared up to `clearance` may see.
    pub fn visible_fields(&self, clearance: Sensitivity) -> impl Iterator<Item = usize> + '_ {
        self.fields
            .iter()
            .enumerate()
            .filter(move |(_, f)| f.sensitivity <= clearance)
            .map(|(i, _)| i)
    }
}
