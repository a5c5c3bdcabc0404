//! Overlay layers: a handful of live features (the server's active events) drawn as
//! one MVT layer per tile, without a dataset rebuild. The caller builds plain lon/lat
//! geometries and properties; this module projects, clips, snaps, orients and encodes
//! them with the same [`LayerEncoder`] the dataset's layers use.
//!
//! An [`Overlay`] carries a `generation` (a hash of what it holds), so that ETags and
//! cache keys change whenever a feature does.

use std::hash::BuildHasher;

use super::clip::{TPoint, clip_ring};
use super::encode::{GeomType, Geometry, LayerEncoder, TileValue};
use super::mercator::project;
use super::{BUFFER, EXTENT, TileId};

/// The live events layer's name, as a tileset (`/tiles/events/…`) and in `onemap`.
pub const EVENTS: &str = "events";

/// A geometry in lon/lat degrees.
#[derive(Debug, Clone, PartialEq)]
pub enum OverlayGeometry {
    /// Polygons, each a list of rings (the first the exterior), each ring a list of
    /// `[lon, lat]`, closed or not.
    Polygons(Vec<Vec<Vec<[f64; 2]>>>),
    Point([f64; 2]),
}

/// A property value (owned: the overlay outlives the request).
#[derive(Debug, Clone, PartialEq)]
pub enum OverlayValue {
    Str(String),
    Int(i64),
    Double(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct OverlayFeature {
    pub id: u64,
    pub geometry: OverlayGeometry,
    pub properties: Vec<(String, OverlayValue)>,
}

/// The features of one overlay layer and their generation.
#[derive(Debug, Clone, Default)]
pub struct Overlay {
    pub generation: u64,
    pub features: Vec<OverlayFeature>,
}

/// A generation for a set of versioned items (e.g. event id and revision): the same
/// in every process, so replicas agree on ETags.
pub fn generation<'a>(items: impl IntoIterator<Item = (&'a str, i64)>) -> u64 {
    let mut items: Vec<_> = items.into_iter().collect();
    items.sort_unstable();
    foldhash::quality::FixedState::with_seed(0x0e7e_4757).hash_one(&items)
}

/// A lon/lat position in tile units of `tile` (may lie outside 0..EXTENT).
fn to_tile(tile: TileId, [lon, lat]: [f64; 2]) -> TPoint {
    let w = project(lon, lat);
    let [x0, y0] = tile.origin();
    let s = tile.shift();
    [(w[0] as i64 - x0) >> s, (w[1] as i64 - y0) >> s]
}

/// Twice the signed area in tile units (y down): positive is an MVT exterior ring.
fn area2(ring: &[[i32; 2]]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            a[0] as i64 * b[1] as i64 - b[0] as i64 * a[1] as i64
        })
        .sum()
}

/// A ring clipped to the buffered tile, snapped, deduplicated and wound as MVT wants
/// (`exterior` positive area); `None` if nothing with area is left.
fn tile_ring(tile: TileId, ring: &[[f64; 2]], exterior: bool) -> Option<Vec<[i32; 2]>> {
    let mut pts: Vec<TPoint> = ring.iter().map(|&p| to_tile(tile, p)).collect();
    pts.dedup();
    while pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    let (lo, hi) = (-(BUFFER as i64), (EXTENT + BUFFER) as i64);
    let mut out = Vec::new();
    clip_ring(&pts, lo, hi, &mut out, &mut Vec::new());
    let mut r: Vec<[i32; 2]> = out.iter().map(|p| [p[0] as i32, p[1] as i32]).collect();
    r.dedup();
    let a = area2(&r);
    if r.len() < 3 || a == 0 {
        return None;
    }
    if (a > 0) != exterior {
        r.reverse();
    }
    Some(r)
}

/// The overlay's features in `tile`, as one encoded MVT layer named `name` (bytes to
/// append to a tile: a tile is a sequence of layers). Empty if no feature reaches it.
pub fn render_overlay(name: &str, overlay: &Overlay, tile: TileId) -> Vec<u8> {
    let mut enc = LayerEncoder::new(name);
    let mut geom = Geometry::default();
    let inside = |p: TPoint| {
        let (lo, hi) = (-(BUFFER as i64), (EXTENT + BUFFER) as i64);
        (lo..=hi).contains(&p[0]) && (lo..=hi).contains(&p[1])
    };
    for f in &overlay.features {
        geom.clear();
        let ty = match &f.geometry {
            OverlayGeometry::Point(p) => {
                let t = to_tile(tile, *p);
                if inside(t) {
                    geom.points(&[[t[0] as i32, t[1] as i32]]);
                }
                GeomType::Point
            }
            OverlayGeometry::Polygons(polys) => {
                for poly in polys {
                    let Some((outer, holes)) = poly.split_first() else {
                        continue;
                    };
                    let Some(ext) = tile_ring(tile, outer, true) else {
                        continue;
                    };
                    geom.ring(&ext);
                    for h in holes {
                        if let Some(r) = tile_ring(tile, h, false) {
                            geom.ring(&r);
                        }
                    }
                }
                GeomType::Polygon
            }
        };
        let props = f.properties.iter().map(|(k, v)| {
            let v = match v {
                OverlayValue::Str(s) => TileValue::Str(s),
                OverlayValue::Int(i) => TileValue::Int(*i),
                OverlayValue::Double(d) => TileValue::Double(*d),
            };
            (k.as_str(), v)
        });
        enc.feature(Some(f.id), ty, &geom, props);
    }
    let mut out = Vec::new();
    enc.finish_into(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(lon: f64, lat: f64, d: f64) -> Vec<[f64; 2]> {
        vec![
            [lon, lat],
            [lon + d, lat],
            [lon + d, lat + d],
            [lon, lat + d],
            [lon, lat],
        ]
    }

    fn overlay() -> Overlay {
        Overlay {
            generation: generation([("ev_a", 1)]),
            features: vec![
                OverlayFeature {
                    id: 1,
                    geometry: OverlayGeometry::Polygons(vec![vec![square(101.3, 24.9, 0.1)]]),
                    properties: vec![("event_id".into(), OverlayValue::Str("ev_a".into()))],
                },
                OverlayFeature {
                    id: 2,
                    geometry: OverlayGeometry::Point([101.5, 25.0]),
                    properties: vec![("level".into(), OverlayValue::Int(3))],
                },
            ],
        }
    }

    fn covering(z: u8, lon: f64, lat: f64) -> TileId {
        let w = project(lon, lat);
        let s = 32 - z as u32;
        TileId::new(z, w[0] >> s, w[1] >> s).unwrap()
    }

    #[test]
    fn features_reach_only_the_tiles_they_cover() {
        let o = overlay();
        let t = covering(10, 101.35, 24.95);
        let bytes = render_overlay("events", &o, t);
        assert!(!bytes.is_empty());
        assert!(bytes.windows(4).any(|w| w == b"ev_a"));
        // Far away (Beijing): nothing.
        assert!(render_overlay("events", &o, covering(10, 116.4, 39.9)).is_empty());
    }

    #[test]
    fn exterior_rings_are_wound_positive_whatever_the_input() {
        let mut ccw = square(0.0, 0.0, 1.0);
        let t = covering(6, 0.5, 0.5);
        let a = tile_ring(t, &ccw, true).unwrap();
        ccw.reverse();
        let b = tile_ring(t, &ccw, true).unwrap();
        assert!(area2(&a) > 0 && area2(&b) > 0);
        assert!(area2(&tile_ring(t, &ccw, false).unwrap()) < 0);
    }

    #[test]
    fn generation_follows_revisions_not_order() {
        let a = generation([("x", 1), ("y", 2)]);
        assert_eq!(a, generation([("y", 2), ("x", 1)]));
        assert_ne!(a, generation([("x", 2), ("y", 2)]));
        assert_ne!(a, generation([("x", 1)]));
    }
}
