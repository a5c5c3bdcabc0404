//! TileJSON 3.0 for a selection of a dataset: what the server answers at
//! `/tiles/{name}.json` and what a PMTiles archive carries as its metadata, from one
//! place so the two cannot drift.

use serde_json::{Map, Value, json};

use super::Dataset;
use crate::tiles::{Selection, VectorLayerInfo};

fn vector_layer_json(v: &VectorLayerInfo) -> Value {
    let fields: Map<String, Value> = v
        .fields
        .iter()
        .map(|f| (f.name.clone(), Value::String(f.ty.to_string())))
        .collect();
    let labels: Map<String, Value> = v
        .fields
        .iter()
        .map(|f| (f.name.clone(), json!({"zh": f.zh, "en": f.en})))
        .collect();
    json!({
        "id": v.id,
        "description": format!("{} / {}", v.zh, v.en),
        "minzoom": v.minzoom,
        "maxzoom": v.maxzoom,
        "fields": fields,
        "geometry": v.geometry,
        "synthetic": v.synthetic,
        "field_labels": labels,
    })
}

impl Dataset {
    /// TileJSON 3.0 of `sel` (only the layers and fields its access may see), with
    /// `tiles` as the tile URL templates (none for an archive's own metadata).
    pub fn tilejson(&self, sel: &Selection, tiles: &[String]) -> Value {
        let m = &self.store().manifest;
        let infos = self.vector_layers(sel);
        let vector_layers: Vec<Value> = infos.iter().map(vector_layer_json).collect();
        let (name, description) = if sel.is_onemap() {
            (
                format!("{} 一张图", m.title),
                "All layers of the dataset, one MVT layer each".to_string(),
            )
        } else if let Some(&i) = sel.layers().first() {
            let s = self.store().layers()[i].schema();
            (s.zh.clone(), s.en.clone())
        } else {
            // The label layer alone.
            infos
                .first()
                .map_or_else(Default::default, |v| (v.zh.clone(), v.en.clone()))
        };
        let minzoom = infos.iter().map(|v| v.minzoom).min().unwrap_or(0);
        json!({
            "tilejson": "3.0.0",
            "name": name,
            "description": description,
            "version": "1.0.0",
            "attribution": m.attribution,
            "scheme": "xyz",
            "tiles": tiles,
            "minzoom": minzoom,
            "maxzoom": self.tile_options().max_zoom,
            "bounds": self.bounds(sel),
            "center": self.center(sel),
            "vector_layers": vector_layers,
            "dataset_version": self.version(),
        })
    }
}
