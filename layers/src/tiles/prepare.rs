//! Everything a tile needs that can be computed once, at load: projection, coverage
//! arcs and their significance, merged low-zoom views, point clusters.

use geo::Geometry;
use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::cluster::{ClusterLevel, cluster_levels};
use super::dissolve::dissolve;
use super::mercator::{WPoint, project, units_per_pixel};
use super::profile::{GROUP_MIN_PIXELS, INDIVIDUAL_POINT_ZOOM, LayerProfile, profile_for};
use super::shapes::ShapeIndex;
use super::topology::{InputRing, build};
use crate::schema::GeometryKind;
use crate::store::Layer;
use crate::value::Value;

/// A layer's point features, individual and clustered.
#[derive(Debug)]
pub struct PointTiles {
    pub tree: RTree<GeomWithData<[i64; 2], u32>>,
    /// `clusters[z]` for zooms below `individual_zoom`.
    pub clusters: Vec<ClusterLevel>,
    pub individual_zoom: u8,
    /// Schema indices of the summed fields, in cluster-sum order.
    pub sum_fields: Vec<usize>,
}

/// A merged low-zoom view (hazard zones dissolved by type and grade).
#[derive(Debug)]
pub struct MergedView {
    pub shapes: ShapeIndex,
    /// Schema indices of the class fields, and each merged feature's values for them.
    pub fields: Vec<usize>,
    pub values: Vec<Vec<Value>>,
    /// The last zoom that shows this view instead of the source features.
    pub max_zoom: u8,
}

#[derive(Debug)]
pub enum Content {
    Points(PointTiles),
    Shapes {
        shapes: ShapeIndex,
        merged: Option<Box<MergedView>>,
    },
}

/// One layer ready for tiling.
#[derive(Debug)]
pub struct TileLayer {
    pub profile: LayerProfile,
    /// Schema indices of `profile.low_zoom_fields`.
    pub low_fields: Vec<usize>,
    pub content: Content,
}

fn rings_of(geom: &Geometry<f64>) -> Vec<InputRing> {
    let project_ring = |ls: &geo::LineString<f64>, hole: bool| InputRing {
        points: ls.0.iter().map(|c| project(c.x, c.y)).collect(),
        hole,
    };
    let polys: Vec<&geo::Polygon<f64>> = match geom {
        Geometry::Polygon(p) => vec![p],
        Geometry::MultiPolygon(mp) => mp.0.iter().collect(),
        _ => Vec::new(),
    };
    polys
        .into_iter()
        .flat_map(|p| {
            std::iter::once(project_ring(p.exterior(), false))
                .chain(p.interiors().iter().map(|h| project_ring(h, true)))
        })
        .collect()
}

fn lines_of(geom: &Geometry<f64>) -> Vec<Vec<WPoint>> {
    let proj = |ls: &geo::LineString<f64>| ls.0.iter().map(|c| project(c.x, c.y)).collect();
    match geom {
        Geometry::LineString(l) => vec![proj(l)],
        Geometry::MultiLineString(ml) => ml.0.iter().map(proj).collect(),
        _ => Vec::new(),
    }
}

/// Group fids by the canonical text of a field (one group for `None`), in order of
/// first appearance.
fn groups(layer: &Layer, key: Option<usize>) -> Vec<(String, Vec<u32>)> {
    let mut out: Vec<(String, Vec<u32>)> = Vec::new();
    for (fid, f) in layer.features.iter().enumerate() {
        let k = key.map(|i| f.properties[i].canonical()).unwrap_or_default();
        match out.iter_mut().find(|(g, _)| *g == k) {
            Some((_, v)) => v.push(fid as u32),
            None => out.push((k, vec![fid as u32])),
        }
    }
    out
}

/// Min zoom per group: from when a typical member spans GROUP_MIN_PIXELS, "typical"
/// being the lower quartile of extents. Not the median: members are small where they
/// are dense (town grids), and those places make the heaviest tiles; with the median the
/// Chuxiong demo's finest grid level arrived at z10 with 3,000 grids (400 KB) per tile.
/// The coarsest group shows from zoom 0; finer groups never before coarser ones.
fn group_minzooms(extents: &[Vec<u32>], max_zoom: u8) -> Vec<u8> {
    let medians: Vec<u32> = extents
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e.sort_unstable();
            e.get(e.len() / 4).copied().unwrap_or(0)
        })
        .collect();
    let mut order: Vec<usize> = (0..extents.len()).collect();
    order.sort_by_key(|&g| std::cmp::Reverse(medians[g]));
    let mut out = vec![0u8; extents.len()];
    let mut floor = 0u8;
    for (rank, &g) in order.iter().enumerate() {
        let z = (0..=max_zoom)
            .find(|&z| medians[g] as f64 / units_per_pixel(z) >= GROUP_MIN_PIXELS)
            .unwrap_or(max_zoom);
        let z = if rank == 0 { 0 } else { z.max(floor) };
        floor = z;
        out[g] = z;
    }
    out
}

fn extent(rings: &[InputRing]) -> u32 {
    let mut b = [u32::MAX, u32::MAX, 0, 0];
    for p in rings.iter().flat_map(|r| &r.points) {
        b = [
            b[0].min(p[0]),
            b[1].min(p[1]),
            b[2].max(p[0]),
            b[3].max(p[1]),
        ];
    }
    if b[0] > b[2] {
        0
    } else {
        (b[2] - b[0]).max(b[3] - b[1])
    }
}

fn prepare_polygons(layer: &Layer, profile: &LayerProfile, max_zoom: u8) -> Content {
    let schema = layer.schema();
    let key = profile
        .coverage_key
        .as_deref()
        .and_then(|k| schema.field_index(k));
    let groups = groups(layer, key);
    let rings: Vec<Vec<InputRing>> = layer
        .features
        .iter()
        .map(|f| rings_of(&f.geometry))
        .collect();
    let minzooms = if profile.group_minzoom {
        let extents: Vec<Vec<u32>> = groups
            .iter()
            .map(|(_, fids)| fids.iter().map(|&f| extent(&rings[f as usize])).collect())
            .collect();
        group_minzooms(&extents, max_zoom)
    } else {
        vec![0; groups.len()]
    };
    let dissolve_fields: Option<Vec<usize>> = profile.dissolve.as_ref().map(|(fields, _)| {
        fields
            .iter()
            .filter_map(|f| schema.field_index(f))
            .collect()
    });
    let merged_max = profile.dissolve.as_ref().map(|(_, z)| *z);
    let detail_min = merged_max.map_or(0, |z| z + 1);
    let mut rings: Vec<Option<Vec<InputRing>>> = rings.into_iter().map(Some).collect();
    let mut shapes = ShapeIndex::default();
    let mut merged_shapes = ShapeIndex::default();
    let mut merged_values: Vec<Vec<Value>> = Vec::new();
    for ((_, fids), group_min) in groups.iter().zip(minzooms) {
        let input: Vec<Vec<InputRing>> = fids
            .iter()
            .map(|&f| rings[f as usize].take().unwrap_or_default())
            .collect();
        let topo = build(input);
        if let Some(fields) = &dissolve_fields {
            // Classes: the distinct value tuples of the dissolve fields in this group.
            let mut classes: Vec<Vec<Value>> = Vec::new();
            let class_of: Vec<u32> = fids
                .iter()
                .map(|&f| {
                    let props = &layer.features[f as usize].properties;
                    let vals: Vec<Value> = fields.iter().map(|&i| props[i].clone()).collect();
                    match classes.iter().position(|c| *c == vals) {
                        Some(i) => i as u32,
                        None => {
                            classes.push(vals);
                            classes.len() as u32 - 1
                        }
                    }
                })
                .collect();
            let merged = dissolve(&topo, &class_of);
            let sources: Vec<u32> = (0..merged.len())
                .map(|i| (merged_values.len() + i) as u32)
                .collect();
            merged_values.extend(merged.iter().map(|m| classes[m.class as usize].clone()));
            let mtopo = build(merged.into_iter().map(|m| m.rings).collect());
            let zeros = vec![group_min; sources.len()];
            merged_shapes.add_topology(mtopo, &sources, &zeros, max_zoom);
        }
        let mins = vec![group_min.max(detail_min); fids.len()];
        shapes.add_topology(topo, fids, &mins, max_zoom);
    }
    shapes.finish();
    let merged = match (dissolve_fields, merged_max) {
        (Some(fields), Some(max)) => {
            merged_shapes.finish();
            Some(Box::new(MergedView {
                shapes: merged_shapes,
                fields,
                values: merged_values,
                max_zoom: max,
            }))
        }
        _ => None,
    };
    Content::Shapes { shapes, merged }
}

fn prepare_lines(layer: &Layer, max_zoom: u8) -> Content {
    let mut shapes = ShapeIndex::default();
    for (fid, f) in layer.features.iter().enumerate() {
        shapes.add_lines(fid as u32, &lines_of(&f.geometry), 0, max_zoom);
    }
    shapes.finish();
    Content::Shapes {
        shapes,
        merged: None,
    }
}

fn prepare_points(layer: &Layer, profile: &LayerProfile) -> Content {
    let schema = layer.schema();
    let sum_fields: Vec<usize> = profile
        .cluster_sums
        .iter()
        .filter_map(|n| schema.field_index(n))
        .collect();
    let positions: Vec<Option<WPoint>> = layer
        .features
        .iter()
        .map(|f| match &f.geometry {
            Geometry::Point(p) => Some(project(p.x(), p.y())),
            Geometry::MultiPoint(mp) => mp.0.first().map(|p| project(p.x(), p.y())),
            _ => None,
        })
        .collect();
    let pts: Vec<(WPoint, u32, Vec<f64>)> = positions
        .iter()
        .enumerate()
        .filter_map(|(fid, p)| {
            let props = &layer.features[fid].properties;
            let sums = sum_fields
                .iter()
                .map(|&i| props[i].as_f64().unwrap_or(f64::NAN))
                .collect();
            p.map(|p| (p, fid as u32, sums))
        })
        .collect();
    let tree = RTree::bulk_load(
        pts.iter()
            .map(|(p, fid, _)| GeomWithData::new([p[0] as i64, p[1] as i64], *fid))
            .collect(),
    );
    let clusters = cluster_levels(&pts, sum_fields.len(), INDIVIDUAL_POINT_ZOOM);
    Content::Points(PointTiles {
        tree,
        clusters,
        individual_zoom: INDIVIDUAL_POINT_ZOOM,
        sum_fields,
    })
}

/// Prepare one layer of the store for tiling.
pub fn prepare_layer(layer: &Layer, max_zoom: u8) -> TileLayer {
    let schema = layer.schema();
    let profile = profile_for(schema);
    let low_fields = profile
        .low_zoom_fields
        .iter()
        .filter_map(|n| schema.field_index(n))
        .collect();
    let content = match schema.geometry {
        GeometryKind::Point => prepare_points(layer, &profile),
        GeometryKind::Line => prepare_lines(layer, max_zoom),
        GeometryKind::Polygon => prepare_polygons(layer, &profile, max_zoom),
    };
    TileLayer {
        profile,
        low_fields,
        content,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_minzooms_order_coarse_before_fine() {
        // Extents of 2^26 (a county), 2^22 and 2^19 grid units (finer grid levels).
        let z = group_minzooms(&[vec![1 << 19; 5], vec![1 << 26; 3], vec![1 << 22; 4]], 14);
        assert_eq!(z[1], 0);
        assert!(z[2] > 0 && z[0] > z[2], "{z:?}");
        // 2^19 units span 128 pixels where a pixel is 2^12 units: zoom 8.
        assert_eq!(z[0], 8);
    }
}
