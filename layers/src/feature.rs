//! A feature: a geometry in EPSG:4326 lon/lat plus attribute values in schema order.

use geo::{BoundingRect, Geometry, Rect};

use crate::schema::LayerSchema;
use crate::value::Value;

/// One feature. Its id (fid) is its position in the layer: stable within a dataset
/// version, and equal to the FID GDAL and QGIS show for the layer file.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    pub geometry: Geometry<f64>,
    /// One value per schema field, in schema order.
    pub properties: Vec<Value>,
}

impl Feature {
    pub fn new(geometry: Geometry<f64>, properties: Vec<Value>) -> Self {
        Feature {
            geometry,
            properties,
        }
    }

    /// The value of a named field.
    pub fn get<'a>(&'a self, schema: &LayerSchema, field: &str) -> Option<&'a Value> {
        schema
            .field_index(field)
            .and_then(|i| self.properties.get(i))
    }

    pub fn bbox(&self) -> Option<Rect<f64>> {
        self.geometry.bounding_rect()
    }
}
