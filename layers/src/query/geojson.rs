//! GeoJSON out: geometries, and features with the attributes a caller may see.
//!
//! Written straight to `serde_json` values (no intermediate geometry model): the
//! output is small and the `geojson` crate would only add a conversion step.

use geo::{Coord, Geometry, LineString, Polygon};
use serde::Serialize;
use serde_json::{Map, Value as Json, json};

use crate::access::Access;
use crate::crs::Transformer;
use crate::schema::LayerSchema;
use crate::store::Layer;

/// Coordinates are written to 1e-7 degree (about 1 cm): more digits are noise.
pub(crate) fn round(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

fn coord(c: Coord<f64>) -> Json {
    json!([round(c.x), round(c.y)])
}

/// A geo geometry as a GeoJSON geometry object, in CRS84.
pub fn geometry(g: &Geometry<f64>) -> Json {
    geometry_with(g, &coord)
}

fn line(l: &LineString<f64>, c: &dyn Fn(Coord<f64>) -> Json) -> Json {
    Json::Array(l.0.iter().map(|p| c(*p)).collect())
}

fn polygon(p: &Polygon<f64>, c: &dyn Fn(Coord<f64>) -> Json) -> Json {
    let mut rings = vec![line(p.exterior(), c)];
    rings.extend(p.interiors().iter().map(|r| line(r, c)));
    Json::Array(rings)
}

/// A geo geometry as a GeoJSON geometry object, each position written by `c` (in
/// CRS84 by [`geometry`], in another CRS by [`crate::crs::geometry_in`]).
pub(crate) fn geometry_with(g: &Geometry<f64>, c: &dyn Fn(Coord<f64>) -> Json) -> Json {
    match g {
        Geometry::Point(p) => json!({"type": "Point", "coordinates": c(p.0)}),
        Geometry::MultiPoint(mp) => json!({"type": "MultiPoint",
            "coordinates": mp.0.iter().map(|p| c(p.0)).collect::<Vec<_>>()}),
        Geometry::Line(l) => json!({"type": "LineString",
            "coordinates": [c(l.start), c(l.end)]}),
        Geometry::LineString(l) => json!({"type": "LineString", "coordinates": line(l, c)}),
        Geometry::MultiLineString(ml) => json!({"type": "MultiLineString",
            "coordinates": ml.0.iter().map(|l| line(l, c)).collect::<Vec<_>>()}),
        Geometry::Polygon(p) => json!({"type": "Polygon", "coordinates": polygon(p, c)}),
        Geometry::MultiPolygon(mp) => json!({"type": "MultiPolygon",
            "coordinates": mp.0.iter().map(|p| polygon(p, c)).collect::<Vec<_>>()}),
        Geometry::Rect(r) => geometry_with(&Geometry::Polygon(r.to_polygon()), c),
        Geometry::Triangle(t) => geometry_with(&Geometry::Polygon(t.to_polygon()), c),
        Geometry::GeometryCollection(gc) => json!({"type": "GeometryCollection",
            "geometries": gc.0.iter().map(|g| geometry_with(g, c)).collect::<Vec<_>>()}),
    }
}

/// The attributes of feature `fid` that `access` may see, by name. Fields above its
/// clearance are absent (not null): their existence is not leaked through values. A
/// layer the caller may not see yields no attributes at all.
pub fn properties(layer: &Layer, fid: u32, access: &Access) -> Map<String, Json> {
    let schema: &LayerSchema = layer.schema();
    let mut out = Map::new();
    let Some(feature) = layer.feature(fid).filter(|_| access.may_see(layer.id())) else {
        return out;
    };
    for i in schema.visible_fields(access.clearance()) {
        let v = feature
            .properties
            .get(i)
            .map_or(Json::Null, super::super::value::Value::to_json);
        out.insert(schema.fields[i].name.clone(), v);
    }
    out
}

/// One GeoJSON feature of a layer, as a caller may see it.
#[derive(Debug, Clone, Serialize)]
pub struct GeoFeature {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: u32,
    pub geometry: Json,
    /// The geometry's extent in the response's CRS, when one was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bbox: Option<[f64; 4]>,
    pub properties: Map<String, Json>,
}

impl GeoFeature {
    pub fn new(layer: &Layer, fid: u32, access: &Access) -> Self {
        let geometry = layer
            .feature(fid)
            .map_or(Json::Null, |f| self::geometry(&f.geometry));
        GeoFeature {
            kind: "Feature",
            id: fid,
            geometry,
            bbox: None,
            properties: properties(layer, fid, access),
        }
    }

    /// The feature with its geometry and `bbox` in the CRS `t` writes.
    pub fn new_in(layer: &Layer, fid: u32, access: &Access, t: &Transformer) -> Self {
        let mut f = GeoFeature::new(layer, fid, access);
        if let Some(feature) = layer.feature(fid) {
            f.geometry = crate::crs::geometry_in(&feature.geometry, t);
            f.bbox = crate::crs::bbox_in(&feature.geometry, t);
        }
        f
    }

    /// Add a computed member to the properties (a distance, a share).
    pub fn with(mut self, key: &str, value: impl Into<Json>) -> Self {
        self.properties.insert(key.to_string(), value.into());
        self
    }
}
