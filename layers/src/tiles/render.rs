//! Building one tile: select, simplify (by filtering), clip, snap, repair, encode, and
//! keep it under the byte budget.

use crate::Sensitivity;
use crate::feature::Feature;
use crate::schema::{GeometryKind, LayerSchema};
use crate::store::Layer;
use crate::value::Value;

use super::clip::{TPoint, clip_line, clip_ring};
use super::encode::{GeomType, Geometry, LayerEncoder, TileValue};
use super::prepare::{Content, PointTiles, TileLayer};
use super::repair::{Repair, TilePolygon};
use super::shapes::ShapeIndex;
use super::significance::tolerance;
use super::tile_id::TileId;
use super::{BUFFER, EXTENT};

/// Simplification tolerance in tile pixels below the max zoom, and at it (finer, so
/// clients can overzoom the last level).
pub const TOLERANCE_PX: f64 = 0.25;
pub const MAX_ZOOM_TOLERANCE_PX: f64 = 1.0 / 16.0;

/// The default [`super::TileOptions::dense_features`]: the Yunnan demo's town tiles at
/// z12 otherwise carry 4,300 grids (455 KB, 39 ms to build).
pub const DENSE_FEATURES: usize = 2_000;

/// Level of detail for one rendering attempt: 0 is normal; each step up (only for a
/// tile over its byte budget) simplifies 4× harder, drops 4× larger slivers, carries
/// only the low-zoom attributes and, at the last resort, keeps every `stride`-th feature.
#[derive(Debug, Clone, Copy)]
pub struct Detail {
    pub lod: u32,
    pub stride: usize,
}

impl Detail {
    pub const NORMAL: Detail = Detail { lod: 0, stride: 1 };
}

/// What one tile request asks for.
pub struct RenderContext<'a> {
    pub tile: TileId,
    pub max_zoom: u8,
    pub dense_features: usize,
    pub clearance: Sensitivity,
    pub detail: Detail,
    pub repair: &'a mut Repair,
}

fn tile_value(v: &Value) -> Option<TileValue<'_>> {
    match v {
        Value::Null => None,
        Value::Int(i) => Some(TileValue::Int(*i)),
        Value::Float(f) => Some(TileValue::Double(*f)),
        Value::Text(s) => Some(TileValue::Str(s)),
        Value::Bool(b) => Some(TileValue::Bool(*b)),
    }
}

/// Schema indices of the fields this tile carries for this layer.
pub fn carried_fields(
    schema: &LayerSchema,
    tl: &TileLayer,
    z: u8,
    clearance: Sensitivity,
    detail: Detail,
) -> Vec<usize> {
    let low = z < tl.profile.detail_zoom || detail.lod > 0;
    schema
        .visible_fields(clearance)
        .filter(|i| !low || tl.low_fields.contains(i))
        .collect()
}

fn attrs<'a, 'f>(
    schema: &'a LayerSchema,
    feature: &'a Feature,
    fields: &'f [usize],
) -> impl Iterator<Item = (&'a str, TileValue<'a>)> + use<'a, 'f> {
    fields.iter().filter_map(move |&i| {
        tile_value(&feature.properties[i]).map(|v| (schema.fields[i].name.as_str(), v))
    })
}

/// Encode one layer of a tile.
pub fn render_layer<'a>(
    layer: &'a Layer,
    tl: &'a TileLayer,
    ctx: &mut RenderContext<'_>,
    enc: &mut LayerEncoder<'a>,
) {
    let schema = layer.schema();
    let fields = carried_fields(schema, tl, ctx.tile.z, ctx.clearance, ctx.detail);
    match &tl.content {
        Content::Points(pts) => render_points(layer, pts, &fields, ctx, enc),
        Content::Shapes { shapes, merged } => {
            if let Some(m) = merged.as_ref().filter(|m| ctx.tile.z <= m.max_zoom) {
                let class_fields: Vec<(usize, usize)> = m
                    .fields
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| schema.fields[**i].sensitivity <= ctx.clearance)
                    .map(|(k, &i)| (k, i))
                    .collect();
                render_shapes(&m.shapes, schema.geometry, ctx, enc, |src| {
                    let values = &m.values[src as usize];
                    let a: Vec<(&'a str, TileValue<'a>)> = class_fields
                        .iter()
                        .filter_map(|&(k, i)| {
                            tile_value(&values[k]).map(|v| (schema.fields[i].name.as_str(), v))
                        })
                        .collect();
                    (None, a)
                });
            } else {
                render_shapes(shapes, schema.geometry, ctx, enc, |fid| {
                    let f = &layer.features[fid as usize];
                    (Some(fid as u64), attrs(schema, f, &fields).collect())
                });
            }
        }
    }
}

type Attrs<'a> = (Option<u64>, Vec<(&'a str, TileValue<'a>)>);

fn render_shapes<'a>(
    shapes: &ShapeIndex,
    kind: GeometryKind,
    ctx: &mut RenderContext<'_>,
    enc: &mut LayerEncoder<'a>,
    attrs_of: impl Fn(u32) -> Attrs<'a>,
) {
    let tile = ctx.tile;
    let z = tile.z;
    let at_max = z >= ctx.max_zoom;
    let px = if at_max {
        MAX_ZOOM_TOLERANCE_PX
    } else {
        TOLERANCE_PX
    };
    let boost = 4f64.powi(ctx.detail.lod as i32);
    let threshold = tolerance(z, px * boost);
    let min_area2 = if at_max {
        1
    } else {
        2 * 4i64.pow(ctx.detail.lod)
    };
    let clip = tile.buffered_bounds();
    let (lo, hi) = (-(BUFFER as i64), (EXTENT + BUFFER) as i64);
    let mut candidates = Vec::new();
    shapes.candidates(z, clip, &mut candidates);
    if !at_max && candidates.len() > ctx.dense_features {
        // Density control: in a crowded tile, features first showing at this zoom wait
        // one zoom, where the tile covers a quarter of the ground. Whole arrivals go
        // (a grid level, the smallest zones), so what stays still tiles seamlessly.
        let features = shapes.features();
        candidates.retain(|&i| features[i as usize].minzoom < z);
    }
    let mut parts: Vec<Vec<TPoint>> = Vec::new();
    let mut clipped: Vec<Vec<TPoint>> = Vec::new();
    let (mut out, mut scratch) = (Vec::new(), Vec::new());
    let mut polys: Vec<TilePolygon> = Vec::new();
    let mut lines: Vec<Vec<TPoint>> = Vec::new();
    let mut geom = Geometry::default();
    for (n, &i) in candidates.iter().enumerate() {
        if n % ctx.detail.stride != 0 {
            continue;
        }
        let feature = &shapes.features()[i as usize];
        shapes.tile_parts(i as usize, &tile, threshold, clip, &mut parts);
        geom.clear();
        match kind {
            GeometryKind::Polygon => {
                clipped.clear();
                for ring in &parts {
                    clip_ring(ring, lo, hi, &mut out, &mut scratch);
                    if out.len() >= 3 {
                        clipped.push(out.clone());
                    }
                }
                polys.clear();
                ctx.repair.polygons(&clipped, min_area2, &mut polys);
                if polys.is_empty()
                    && at_max
                    && feature.tiny
                    && let Some(c) = placeholder_centre(feature.bbox, &tile)
                {
                    // A one-pixel square stands for a feature too small to draw.
                    let square = vec![c, [c[0] + 1, c[1]], [c[0] + 1, c[1] + 1], [c[0], c[1] + 1]];
                    polys.push(vec![square]);
                }
                geom.polygons(&polys);
                if !geom.is_empty() {
                    let (id, a) = attrs_of(feature.source);
                    enc.feature(id, GeomType::Polygon, &geom, a);
                }
            }
            _ => {
                lines.clear();
                for part in &parts {
                    clip_line(part, lo, hi, &mut lines);
                }
                let mut any = false;
                for l in &lines {
                    let mut v: Vec<[i32; 2]> =
                        l.iter().map(|p| [p[0] as i32, p[1] as i32]).collect();
                    v.dedup();
                    if v.len() >= 2 {
                        geom.line(&v);
                        any = true;
                    }
                }
                if !any
                    && at_max
                    && feature.tiny
                    && let Some(c) = placeholder_centre(feature.bbox, &tile)
                {
                    geom.line(&[c, [c[0] + 1, c[1]]]);
                }
                if !geom.is_empty() {
                    let (id, a) = attrs_of(feature.source);
                    enc.feature(id, GeomType::LineString, &geom, a);
                }
            }
        }
    }
}

/// The snapped centre of a tiny feature's bbox, if it falls inside this tile (so the
/// placeholder appears in exactly one max-zoom tile).
fn placeholder_centre(bbox: [u32; 4], tile: &TileId) -> Option<[i32; 2]> {
    let [ox, oy] = tile.origin();
    let s = tile.shift();
    let cx = ((bbox[0] as i64 + bbox[2] as i64) / 2 - ox) >> s;
    let cy = ((bbox[1] as i64 + bbox[3] as i64) / 2 - oy) >> s;
    let inside = (0..EXTENT as i64).contains(&cx) && (0..EXTENT as i64).contains(&cy);
    inside.then_some([
        cx.min(EXTENT as i64 - 2) as i32,
        cy.min(EXTENT as i64 - 2) as i32,
    ])
}

fn render_points<'a>(
    layer: &'a Layer,
    pts: &'a PointTiles,
    fields: &[usize],
    ctx: &mut RenderContext<'_>,
    enc: &mut LayerEncoder<'a>,
) {
    let schema = layer.schema();
    let tile = ctx.tile;
    let clip = tile.buffered_bounds();
    let env = rstar::AABB::from_corners([clip[0], clip[1]], [clip[2], clip[3]]);
    let [ox, oy] = tile.origin();
    let shift = tile.shift();
    let half = 1i64 << (shift - 1);
    let snap = |p: [i64; 2]| {
        [
            ((p[0] - ox + half) >> shift) as i32,
            ((p[1] - oy + half) >> shift) as i32,
        ]
    };
    let mut geom = Geometry::default();
    if tile.z >= pts.individual_zoom {
        let mut hits: Vec<(u32, [i64; 2])> = pts
            .tree
            .locate_in_envelope(&env)
            .map(|e| (e.data, *e.geom()))
            .collect();
        hits.sort_unstable_by_key(|h| h.0);
        for (n, (fid, p)) in hits.into_iter().enumerate() {
            if n % ctx.detail.stride != 0 {
                continue;
            }
            geom.clear();
            geom.points(&[snap(p)]);
            let f = &layer.features[fid as usize];
            enc.feature(
                Some(fid as u64),
                GeomType::Point,
                &geom,
                attrs(schema, f, fields),
            );
        }
        return;
    }
    let Some(level) = pts.clusters.get(tile.z as usize) else {
        return;
    };
    let sums: Vec<(usize, usize)> = pts
        .sum_fields
        .iter()
        .enumerate()
        .filter(|(_, i)| schema.fields[**i].sensitivity <= ctx.clearance)
        .map(|(k, &i)| (k, i))
        .collect();
    let mut hits: Vec<u32> = level
        .tree
        .locate_in_envelope(&env)
        .map(|e| e.data)
        .collect();
    hits.sort_unstable();
    for (n, ci) in hits.into_iter().enumerate() {
        if n % ctx.detail.stride != 0 {
            continue;
        }
        let c = &level.clusters[ci as usize];
        geom.clear();
        geom.points(&[snap([c.pos[0] as i64, c.pos[1] as i64])]);
        if c.count == 1 {
            let f = &layer.features[c.fid as usize];
            let a = attrs(schema, f, fields).chain([("point_count", TileValue::Int(1))]);
            enc.feature(Some(c.fid as u64), GeomType::Point, &geom, a);
        } else {
            let s = level.sums_of(ci as usize);
            let mut a: Vec<(&'a str, TileValue<'a>)> = vec![
                ("cluster", TileValue::Bool(true)),
                ("point_count", TileValue::Int(c.count as i64)),
            ];
            for &(k, i) in &sums {
                if s[k].is_nan() {
                    continue;
                }
                let f = &schema.fields[i];
                let v = if f.ty == crate::FieldType::Int {
                    TileValue::Int(s[k] as i64)
                } else {
                    TileValue::Double(s[k])
                };
                a.push((f.name.as_str(), v));
            }
            enc.feature(None, GeomType::Point, &geom, a);
        }
    }
}
