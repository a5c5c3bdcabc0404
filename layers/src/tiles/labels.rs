//! `admin_labels`: one label point per admin unit, at its pole of inaccessibility.
//!
//! Polygon labels placed by the client repeat once per tile piece (a county cut by
//! three tiles shows its name three times). A point layer placed once, at load, and
//! written only into the one tile whose (unbuffered) square holds it, shows each name
//! exactly once per zoom, from the zoom its admin level appears.

use geo::{Area, Geometry, MapCoords, Polygon};
use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::EXTENT;
use super::encode::{GeomType, Geometry as TileGeometry, LayerEncoder, TileValue};
use super::mercator::project;
use super::prepare::{Content, TileLayer};
use super::tile_id::TileId;
use crate::Sensitivity;
use crate::catalogue;
use crate::store::Layer;
use crate::value::Value;

/// The label layer's name, in the composite and as its own tileset.
pub const ADMIN_LABELS: &str = "admin_labels";

/// The admin fields a label carries (those a label needs; all public in the catalogue).
pub const LABEL_FIELDS: [&str; 3] = ["code", "name", "level"];

/// Polylabel stops refining once a cell could improve the distance by less than this
/// share of the polygon's extent: far below a pixel at the zoom the unit appears.
const TOLERANCE_SHARE: f64 = 1.0 / 1000.0;

/// The label points of the admin layer.
#[derive(Debug)]
pub struct AdminLabels {
    /// Store index of the admin layer.
    pub layer: usize,
    /// Entries: label position on the world grid, and the index into `minzoom`/`fids`.
    tree: RTree<GeomWithData<[i64; 2], u32>>,
    fids: Vec<u32>,
    minzoom: Vec<u8>,
}

/// The largest polygon of a (multi)polygon: a label belongs on the main body, not on
/// an exclave.
fn main_polygon(geom: &Geometry<f64>) -> Option<&Polygon<f64>> {
    match geom {
        Geometry::Polygon(p) => Some(p),
        Geometry::MultiPolygon(mp) => {
            mp.0.iter()
                .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))
        }
        _ => None,
    }
}

/// The pole of inaccessibility of `geom` on the world grid. Computed in Web Mercator,
/// where the map is drawn, so the label sits where it looks most central.
pub fn label_point(geom: &Geometry<f64>) -> Option<[i64; 2]> {
    let poly = main_polygon(geom)?;
    let projected = poly.map_coords(|c| {
        let w = project(c.x, c.y);
        geo::coord! { x: w[0] as f64, y: w[1] as f64 }
    });
    let rect = geo::BoundingRect::bounding_rect(&projected)?;
    let extent = rect.width().max(rect.height());
    let tolerance = (extent * TOLERANCE_SHARE).max(1.0);
    let p = polylabel::polylabel(&projected, &tolerance).ok()?;
    Some([p.x().round() as i64, p.y().round() as i64])
}

impl AdminLabels {
    /// Labels for the admin layer (store index `index`, prepared as `tl`), each
    /// appearing from the zoom its polygon does. `None` if the layer has no polygons.
    pub fn build(layer: &Layer, index: usize, tl: &TileLayer) -> Option<AdminLabels> {
        if layer.id() != catalogue::ADMIN {
            return None;
        }
        let Content::Shapes { shapes, .. } = &tl.content else {
            return None;
        };
        // A unit's first zoom: the least over its prepared pieces.
        let mut first = vec![u8::MAX; layer.features.len()];
        for f in shapes.features() {
            let m = &mut first[f.source as usize];
            *m = (*m).min(f.minzoom);
        }
        let (mut entries, mut fids, mut minzoom) = (Vec::new(), Vec::new(), Vec::new());
        for (fid, f) in layer.features.iter().enumerate() {
            if first[fid] == u8::MAX {
                continue;
            }
            let Some(p) = label_point(&f.geometry) else {
                continue;
            };
            entries.push(GeomWithData::new(p, fids.len() as u32));
            fids.push(fid as u32);
            minzoom.push(first[fid]);
        }
        if fids.is_empty() {
            return None;
        }
        Some(AdminLabels {
            layer: index,
            tree: RTree::bulk_load(entries),
            fids,
            minzoom,
        })
    }

    /// The first zoom any label shows at.
    pub fn minzoom(&self) -> u8 {
        self.minzoom.iter().copied().min().unwrap_or(0)
    }

    /// Schema indices of the label fields `clearance` may see.
    pub fn fields(layer: &Layer, clearance: Sensitivity) -> Vec<usize> {
        let schema = layer.schema();
        LABEL_FIELDS
            .iter()
            .filter_map(|n| schema.field_index(n))
            .filter(|&i| schema.fields[i].sensitivity <= clearance)
            .collect()
    }

    /// Encode the labels whose point lies in `tile`'s own square (no buffer: a label
    /// near an edge must not show twice), into `out`.
    pub fn render(&self, layer: &Layer, tile: TileId, clearance: Sensitivity, out: &mut Vec<u8>) {
        let schema = layer.schema();
        let fields = Self::fields(layer, clearance);
        let [x0, y0, x1, y1] = tile.world_bounds(0);
        let env = rstar::AABB::from_corners([x0, y0], [x1 - 1, y1 - 1]);
        let mut hits: Vec<(u32, [i64; 2])> = self
            .tree
            .locate_in_envelope(&env)
            .map(|e| (e.data, *e.geom()))
            .filter(|(k, _)| self.minzoom[*k as usize] <= tile.z)
            .collect();
        if hits.is_empty() {
            return;
        }
        hits.sort_unstable_by_key(|h| h.0);
        let shift = tile.shift();
        let max = EXTENT as i64 - 1;
        let mut enc = LayerEncoder::new(ADMIN_LABELS);
        let mut geom = TileGeometry::default();
        for (k, p) in hits {
            let fid = self.fids[k as usize];
            // Floor, not round: the point stays inside the tile it was selected for.
            let snap = |v: i64, o: i64| ((v - o) >> shift).clamp(0, max) as i32;
            geom.clear();
            geom.points(&[[snap(p[0], x0), snap(p[1], y0)]]);
            let f = &layer.features[fid as usize];
            let attrs = fields.iter().filter_map(|&i| match &f.properties[i] {
                Value::Text(s) => Some((schema.fields[i].name.as_str(), TileValue::Str(s))),
                Value::Int(v) => Some((schema.fields[i].name.as_str(), TileValue::Int(*v))),
                _ => None,
            });
            enc.feature(Some(fid as u64), GeomType::Point, &geom, attrs);
        }
        enc.finish_into(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, MultiPolygon, polygon};

    #[test]
    fn label_point_is_inside_and_on_the_main_body() {
        // An L-shape (whose centroid is outside the thick part) and a small exclave.
        let l = polygon![
            (x: 101.0, y: 25.0), (x: 101.4, y: 25.0), (x: 101.4, y: 25.1),
            (x: 101.1, y: 25.1), (x: 101.1, y: 25.4), (x: 101.0, y: 25.4),
        ];
        let exclave = polygon![
            (x: 102.0, y: 25.0), (x: 102.01, y: 25.0), (x: 102.01, y: 25.01), (x: 102.0, y: 25.01),
        ];
        let g = Geometry::MultiPolygon(MultiPolygon(vec![exclave, l.clone()]));
        let w = label_point(&g).unwrap();
        let (lon, lat) = super::super::mercator::unproject([w[0] as u32, w[1] as u32]);
        assert!(l.contains(&geo::point!(x: lon, y: lat)), "{lon},{lat}");
        assert!(label_point(&Geometry::Point(geo::point!(x: 1.0, y: 1.0))).is_none());
    }
}
