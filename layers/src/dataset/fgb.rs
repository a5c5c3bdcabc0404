//! One layer as a FlatGeobuf file: Hilbert-sorted with its packed R-tree, so QGIS and
//! GDAL open it directly and read it by bbox.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use flatgeobuf::{
    ColumnType, FallibleStreamingIterator, FeatureProperties, FgbCrs, FgbReader, FgbWriter,
    FgbWriterOptions, GeometryType,
};
use geozero::{ColumnValue, PropertyProcessor, ToGeo};

use super::DatasetError;
use crate::feature::Feature;
use crate::schema::{FieldType, GeometryKind, LayerSchema};
use crate::value::Value;

fn geometry_type(kind: GeometryKind) -> GeometryType {
    match kind {
        GeometryKind::Point => GeometryType::Point,
        // Mixed per feature: the flatgeobuf crate writes a one-part MultiLineString
        // without its `ends` array, which GDAL 3.6 (and so QGIS on Debian 12) refuses;
        // one-part lines therefore go out as LineString (see `write_layer`).
        GeometryKind::Line => GeometryType::Unknown,
        GeometryKind::Polygon => GeometryType::MultiPolygon,
    }
}

fn column_type(ty: FieldType) -> ColumnType {
    match ty {
        FieldType::Int => ColumnType::Long,
        FieldType::Float => ColumnType::Double,
        FieldType::Text => ColumnType::String,
        FieldType::Bool => ColumnType::Bool,
    }
}

/// Write `features` of `schema` to `path`. Features come out Hilbert-sorted: the fid a
/// reader sees is the position in the written file, not in `features`.
pub fn write_layer(
    path: &Path,
    schema: &LayerSchema,
    features: &[Feature],
) -> Result<(), DatasetError> {
    let err = |e: &dyn std::fmt::Display| DatasetError::Layer {
        layer: schema.id.clone(),
        message: e.to_string(),
    };
    let options = FgbWriterOptions {
        write_index: true,
        detect_type: false,
        promote_to_multi: schema.geometry != GeometryKind::Line,
        crs: FgbCrs {
            code: 4326,
            ..Default::default()
        },
        title: Some(&schema.zh),
        description: Some(&schema.en),
        ..Default::default()
    };
    let mut fgb =
        FgbWriter::create_with_options(&schema.id, geometry_type(schema.geometry), options)
            .map_err(|e| err(&e))?;
    for field in &schema.fields {
        fgb.add_column(&field.name, column_type(field.ty), |fbb, col| {
            col.nullable = !field.required;
            col.title = Some(fbb.create_string(&field.zh));
            col.description = Some(fbb.create_string(&field.en));
        });
    }
    for (i, feature) in features.iter().enumerate() {
        let mut failure = None;
        let geometry = match &feature.geometry {
            geo::Geometry::MultiLineString(ml) if ml.0.len() == 1 => {
                geo::Geometry::LineString(ml.0[0].clone())
            }
            g => g.clone(),
        };
        fgb.add_feature_geom(geometry, |w| {
            for (col, (field, value)) in schema.fields.iter().zip(&feature.properties).enumerate() {
                let cv = match value {
                    Value::Null => continue,
                    Value::Int(v) => ColumnValue::Long(*v),
                    Value::Float(v) => ColumnValue::Double(*v),
                    Value::Text(s) => ColumnValue::String(s),
                    Value::Bool(b) => ColumnValue::Bool(*b),
                };
                if let Err(e) = w.property(col, &field.name, &cv) {
                    failure = Some(e);
                }
            }
        })
        .map_err(|e| err(&format!("feature {i}: {e}")))?;
        if let Some(e) = failure {
            return Err(err(&format!("feature {i}: {e}")));
        }
    }
    let file = File::create(path).map_err(|e| DatasetError::io(path, e))?;
    let mut out = BufWriter::new(file);
    fgb.write(&mut out).map_err(|e| err(&e))?;
    out.flush().map_err(|e| DatasetError::io(path, e))?;
    out.into_inner()
        .map_err(|e| DatasetError::io(path, e.into_error()))?
        .sync_all()
        .map_err(|e| DatasetError::io(path, e))?;
    Ok(())
}

/// Collects one feature's properties into schema order.
struct Row<'a> {
    schema: &'a LayerSchema,
    values: Vec<Value>,
    error: Option<String>,
}

impl PropertyProcessor for Row<'_> {
    fn property(
        &mut self,
        _i: usize,
        name: &str,
        value: &ColumnValue,
    ) -> geozero::error::Result<bool> {
        let Some(idx) = self.schema.field_index(name) else {
            return Ok(false);
        };
        let field = &self.schema.fields[idx];
        let v = match (field.ty, value) {
            (FieldType::Int, ColumnValue::Long(v)) => Value::Int(*v),
            (FieldType::Int, ColumnValue::Int(v)) => Value::Int(*v as i64),
            (FieldType::Float, ColumnValue::Double(v)) => Value::Float(*v),
            (FieldType::Float, ColumnValue::Float(v)) => Value::Float(*v as f64),
            (FieldType::Text, ColumnValue::String(s)) => Value::Text(s.to_string()),
            (FieldType::Bool, ColumnValue::Bool(b)) => Value::Bool(*b),
            (ty, other) => {
                self.error = Some(format!(
                    "field {name}: expected {}, found {other:?}",
                    ty.as_str()
                ));
                Value::Null
            }
        };
        self.values[idx] = v;
        Ok(false)
    }
}

/// Read every feature of a layer file, in file order, into `schema`'s field order.
pub fn read_layer(path: &Path, schema: &LayerSchema) -> Result<Vec<Feature>, DatasetError> {
    let err = |message: String| DatasetError::Layer {
        layer: schema.id.clone(),
        message: format!("{}: {message}", path.display()),
    };
    let file = File::open(path).map_err(|e| DatasetError::io(path, e))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let fgb = FgbReader::open(&mut reader).map_err(|e| err(e.to_string()))?;
    let count = fgb.header().features_count() as usize;
    let mut iter = fgb.select_all().map_err(|e| err(e.to_string()))?;
    let mut features = Vec::with_capacity(count);
    while let Some(f) = iter.next().map_err(|e| err(e.to_string()))? {
        let fid = features.len();
        let geometry = match f
            .to_geo()
            .map_err(|e| err(format!("feature {fid}: geometry: {e}")))?
        {
            // One-part lines are stored as LineString; in memory every line is multi.
            geo::Geometry::LineString(l) => {
                geo::Geometry::MultiLineString(geo::MultiLineString(vec![l]))
            }
            g => g,
        };
        let mut row = Row {
            schema,
            values: vec![Value::Null; schema.fields.len()],
            error: None,
        };
        f.process_properties(&mut row)
            .map_err(|e| err(format!("feature {fid}: {e}")))?;
        if let Some(e) = row.error {
            return Err(err(format!("feature {fid}: {e}")));
        }
        features.push(Feature::new(geometry, row.values));
    }
    if features.len() != count {
        return Err(err(format!(
            "header says {count} features, file holds {}",
            features.len()
        )));
    }
    Ok(features)
}
