//! What a tileset holds, for TileJSON `vector_layers`, bounds and centre: only the
//! fields the caller is cleared to see are listed.

use crate::Sensitivity;
use crate::schema::FieldType;
use crate::store::Store;

use super::TileSet;
use super::labels::{ADMIN_LABELS, AdminLabels};
use super::prepare::Content;

/// One field as TileJSON lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldInfo {
    pub name: String,
    /// `String`, `Number` or `Boolean`.
    pub ty: &'static str,
    pub zh: String,
    pub en: String,
}

/// One MVT layer of a tileset.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorLayerInfo {
    pub id: String,
    pub zh: String,
    pub en: String,
    pub geometry: &'static str,
    pub minzoom: u8,
    pub maxzoom: u8,
    pub fields: Vec<FieldInfo>,
    pub synthetic: bool,
}

fn type_name(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Int | FieldType::Float => "Number",
        FieldType::Text => "String",
        FieldType::Bool => "Boolean",
    }
}

impl TileSet {
    /// The vector layer `index` as `clearance` may see it.
    pub(crate) fn vector_layer(
        &self,
        store: &Store,
        index: usize,
        clearance: Sensitivity,
    ) -> VectorLayerInfo {
        let layer = &store.layers()[index];
        let schema = layer.schema();
        let tl = self.layer(index);
        let mut fields: Vec<FieldInfo> = schema
            .visible_fields(clearance)
            .map(|i| {
                let f = &schema.fields[i];
                FieldInfo {
                    name: f.name.clone(),
                    ty: type_name(f.ty),
                    zh: f.zh.clone(),
                    en: f.en.clone(),
                }
            })
            .collect();
        let minzoom = match &tl.content {
            Content::Points(_) => 0,
            Content::Shapes { shapes, merged } => merged
                .as_ref()
                .map_or(shapes, |m| &m.shapes)
                .features()
                .iter()
                .map(|f| f.minzoom)
                .min()
                .unwrap_or(0),
        };
        if let Content::Points(_) = tl.content {
            fields.push(FieldInfo {
                name: "point_count".into(),
                ty: "Number",
                zh: "聚合点数(低缩放级别)".into(),
                en: "points in cluster (low zooms; numeric fields are cluster sums)".into(),
            });
            fields.push(FieldInfo {
                name: "cluster".into(),
                ty: "Boolean",
                zh: "聚合要素".into(),
                en: "cluster feature".into(),
            });
        }
        VectorLayerInfo {
            id: schema.id.clone(),
            zh: schema.zh.clone(),
            en: schema.en.clone(),
            geometry: schema.geometry.as_str(),
            minzoom,
            maxzoom: self.options.max_zoom,
            fields,
            synthetic: layer.meta.synthetic,
        }
    }

    /// The `admin_labels` layer as `clearance` may see it, if the dataset has labels.
    pub(crate) fn labels_layer(
        &self,
        store: &Store,
        clearance: Sensitivity,
    ) -> Option<VectorLayerInfo> {
        let labels = self.labels()?;
        let layer = &store.layers()[labels.layer];
        let schema = layer.schema();
        let fields = AdminLabels::fields(layer, clearance)
            .into_iter()
            .map(|i| {
                let f = &schema.fields[i];
                FieldInfo {
                    name: f.name.clone(),
                    ty: type_name(f.ty),
                    zh: f.zh.clone(),
                    en: f.en.clone(),
                }
            })
            .collect();
        Some(VectorLayerInfo {
            id: ADMIN_LABELS.to_string(),
            zh: format!("{}注记", schema.zh),
            en: format!("{} labels (one point per unit)", schema.en),
            geometry: "point",
            minzoom: labels.minzoom(),
            maxzoom: self.options.max_zoom,
            fields,
            synthetic: layer.meta.synthetic,
        })
    }

    /// `[west, south, east, north]` over the given layers' bboxes (the world if none).
    pub(crate) fn bounds(store: &Store, layers: &[usize]) -> [f64; 4] {
        layers
            .iter()
            .filter_map(|&i| store.layers()[i].meta.bbox)
            .reduce(|a, b| {
                [
                    a[0].min(b[0]),
                    a[1].min(b[1]),
                    a[2].max(b[2]),
                    a[3].max(b[3]),
                ]
            })
            .unwrap_or([-180.0, -85.051_128_779_806_59, 180.0, 85.051_128_779_806_59])
    }

    /// `[lon, lat, zoom]`: the bounds' centre, at the zoom where they fill about a tile.
    pub(crate) fn center(&self, store: &Store, layers: &[usize]) -> [f64; 3] {
        let b = Self::bounds(store, layers);
        let span = (b[2] - b[0]).max(b[3] - b[1]).max(1e-9);
        let zoom = (360.0 / span)
            .log2()
            .floor()
            .clamp(0.0, self.options.max_zoom as f64);
        [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0, zoom]
    }
}
