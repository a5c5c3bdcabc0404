//! Cutting polygons into pieces by lines, on one fixed integer grid.
//!
//! Every generated polygon (townships, villages, grids, hazard zones) is made by cutting
//! a parent polygon with lines (Voronoi edges, buffer outlines, county borders). The
//! pieces of one cut come out of one planar graph, so where two pieces meet they have
//! exactly the same vertices: the hazard zones of a type form a true coverage, which
//! the tile builder relies on when it merges neighbouring zones.
//!
//! The cut is i_overlay's `slice` (the engine behind geo's `BooleanOps`, which does not
//! expose slicing). i_overlay works on integers; we give it one fixed float↔integer
//! grid ([`GRID_STEP`] degrees around a fixed origin) instead of the per-call grid it
//! would derive from each input's bounding box, and snap every input coordinate to that
//! grid first. Conversions are then exact, and separate cuts agree on every coordinate
//! they share.

use geo::{Coord, LineString, MultiPolygon, Polygon};
use i_float::adapter::FloatPointAdapter;
use i_float::float::rect::FloatRect;
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::ContourDirection;
use i_overlay::float::overlay::OverlayOptions;
use i_overlay::float::string_overlay::FloatStringOverlay;
use i_overlay::string::rule::StringRule;

/// Grid cells per degree: 2^24, about 6.6 mm at the equator.
const SCALE: f64 = (1u64 << 24) as f64;
/// The grid spacing in degrees.
pub const GRID_STEP: f64 = 1.0 / SCALE;
/// Grid origin: China's rough centre, so every Chinese coordinate is within ±2^26 steps
/// (i_overlay's integer arithmetic stays far from overflow).
const ORIGIN: [f64; 2] = [105.0, 30.0];
/// How far from the origin a coordinate may be, in degrees.
const REACH: f64 = 40.0;

/// Snap a coordinate to the grid. Idempotent; snapped values convert to i_overlay's
/// integers and back without any rounding.
pub fn snap(c: Coord) -> Coord {
    let f = |v: f64, o: f64| o + ((v - o) * SCALE).round() / SCALE;
    Coord {
        x: f(c.x, ORIGIN[0]),
        y: f(c.y, ORIGIN[1]),
    }
}

/// Is the coordinate inside the area the grid covers?
pub fn in_reach(c: Coord) -> bool {
    (c.x - ORIGIN[0]).abs() < REACH && (c.y - ORIGIN[1]).abs() < REACH
}

fn adapter() -> FloatPointAdapter<[f64; 2], f64> {
    // The rect only bounds i_overlay's debug-build range checks.
    let rect = FloatRect {
        min_x: ORIGIN[0] - REACH,
        max_x: ORIGIN[0] + REACH,
        min_y: ORIGIN[1] - REACH,
        max_y: ORIGIN[1] + REACH,
    };
    FloatPointAdapter {
        dir_scale: SCALE,
        inv_scale: 1.0 / SCALE,
        offset: ORIGIN,
        rect,
    }
}

fn snapped_ring(ring: &LineString) -> Vec<[f64; 2]> {
    let mut out: Vec<[f64; 2]> = Vec::with_capacity(ring.0.len());
    for c in &ring.0 {
        let s = snap(*c);
        let p = [s.x, s.y];
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    if out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    out
}

/// Why a cut could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SliceError {
    #[error("coordinate ({0}, {1}) is outside the area the demo grid covers")]
    OutOfReach(f64, f64),
}

/// Cut `shape` by `lines` into pieces. Pieces cover `shape` without overlap (up to the
/// grid step), and neighbouring pieces share their common vertices exactly. Lines
/// outside the shape are ignored; a line ending inside the shape cuts nothing.
pub fn slice(shape: &MultiPolygon, lines: &[Vec<Coord>]) -> Result<Vec<Polygon>, SliceError> {
    let mut shapes: Vec<Vec<Vec<[f64; 2]>>> = Vec::with_capacity(shape.0.len());
    let mut segments = 0;
    for poly in &shape.0 {
        let mut contours = vec![snapped_ring(poly.exterior())];
        contours.extend(poly.interiors().iter().map(snapped_ring));
        contours.retain(|c| c.len() >= 3);
        segments += contours.iter().map(Vec::len).sum::<usize>();
        if !contours.is_empty() {
            shapes.push(contours);
        }
    }
    let mut paths: Vec<Vec<[f64; 2]>> = Vec::with_capacity(lines.len());
    for line in lines {
        let mut path: Vec<[f64; 2]> = Vec::with_capacity(line.len());
        for c in line {
            let s = snap(*c);
            let p = [s.x, s.y];
            if path.last() != Some(&p) {
                path.push(p);
            }
        }
        if path.len() >= 2 {
            segments += path.len();
            paths.push(path);
        }
    }
    for p in shapes
        .iter()
        .flatten()
        .flatten()
        .chain(paths.iter().flatten())
    {
        let c = Coord { x: p[0], y: p[1] };
        if !in_reach(c) {
            return Err(SliceError::OutOfReach(c.x, c.y));
        }
    }
    if shapes.is_empty() {
        return Ok(Vec::new());
    }
    let mut overlay = FloatStringOverlay::with_adapter(adapter(), segments)
        .unsafe_add_shapes(&shapes)
        .unsafe_add_string_lines(&paths);
    let options = OverlayOptions {
        // Keep every graph vertex: a vertex one piece drops as collinear would leave a
        // T-junction against the neighbour that keeps it.
        preserve_input_collinear: true,
        preserve_output_collinear: true,
        output_direction: ContourDirection::CounterClockwise,
        min_output_area: 0.0,
        ogc: true,
        clean_result: false,
    };
    let Some(graph) = overlay.build_graph_view(FillRule::EvenOdd) else {
        return Ok(Vec::new());
    };
    let pieces = graph.extract_shapes_custom(StringRule::Slice, options);
    let mut out: Vec<Polygon> = pieces
        .into_iter()
        .filter_map(polygon_from_contours)
        .map(canonical)
        .collect();
    // Neighbours may share a first vertex but never the first edge (both run
    // counter-clockwise, so a shared edge is walked in opposite directions).
    out.sort_by_key(|p| {
        let e = &p.exterior().0;
        (key(e[0]), key(e[1]), e.len())
    });
    Ok(out)
}

fn polygon_from_contours(contours: Vec<Vec<[f64; 2]>>) -> Option<Polygon> {
    let mut rings = contours.into_iter().map(|c| {
        let mut coords: Vec<Coord> = c.into_iter().map(|[x, y]| Coord { x, y }).collect();
        if let Some(first) = coords.first().copied() {
            coords.push(first);
        }
        LineString::new(coords)
    });
    let exterior = rings.next()?;
    if exterior.0.len() < 4 {
        return None;
    }
    Some(Polygon::new(
        exterior,
        rings.filter(|r| r.0.len() >= 4).collect(),
    ))
}

/// The same polygon written one canonical way: each ring starts at its smallest vertex
/// (x, then y) and holes are sorted, so output bytes do not depend on the order the
/// overlay engine happened to walk the graph in.
pub fn canonical(p: Polygon) -> Polygon {
    fn ring(r: &LineString) -> LineString {
        let mut v: Vec<Coord> = r.0.clone();
        if v.len() > 1 && v.first() == v.last() {
            v.pop();
        }
        let start = (0..v.len())
            .min_by(|&a, &b| key(v[a]).cmp(&key(v[b])))
            .unwrap_or(0);
        v.rotate_left(start);
        if let Some(f) = v.first().copied() {
            v.push(f);
        }
        LineString::new(v)
    }
    let (exterior, interiors) = p.into_inner();
    let mut holes: Vec<LineString> = interiors.iter().map(ring).collect();
    holes.sort_by_key(|h| h.0.first().map(|c| key(*c)));
    Polygon::new(ring(&exterior), holes)
}

/// Total order on coordinates for canonical ordering.
pub fn key(c: Coord) -> (i64, i64) {
    (
        ((c.x - ORIGIN[0]) * SCALE).round() as i64,
        ((c.y - ORIGIN[1]) * SCALE).round() as i64,
    )
}

/// Snap every coordinate of a polygon to the grid (dropping repeats).
pub fn snap_polygon(p: &Polygon) -> Polygon {
    let ring = |r: &LineString| {
        let mut v = snapped_ring(r);
        if let Some(f) = v.first().copied() {
            v.push(f);
        }
        LineString::new(v.into_iter().map(|[x, y]| Coord { x, y }).collect())
    };
    Polygon::new(ring(p.exterior()), p.interiors().iter().map(ring).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Validation, coord, polygon};
    use std::collections::BTreeSet;

    fn square() -> MultiPolygon {
        MultiPolygon::new(vec![polygon![
            (x: 101.0, y: 25.0), (x: 102.0, y: 25.0), (x: 102.0, y: 26.0), (x: 101.0, y: 26.0)
        ]])
    }

    #[test]
    fn snapping_is_exact_and_idempotent() {
        let c = snap(coord! { x: 101.123456789, y: 25.987654321 });
        assert_eq!(snap(c), c);
        assert!((c.x - 101.123456789).abs() <= GRID_STEP / 2.0);
        assert_eq!(((c.x - ORIGIN[0]) * SCALE).fract(), 0.0);
    }

    #[test]
    fn pieces_cover_the_shape_and_share_vertices() {
        let lines = vec![
            vec![coord! { x: 100.0, y: 25.3 }, coord! { x: 103.0, y: 25.71 }],
            vec![coord! { x: 101.37, y: 24.0 }, coord! { x: 101.61, y: 27.0 }],
            // Ends inside: cuts nothing.
            vec![coord! { x: 101.8, y: 25.9 }, coord! { x: 101.9, y: 25.8 }],
        ];
        let pieces = slice(&square(), &lines).unwrap();
        assert_eq!(pieces.len(), 4);
        let total: f64 = pieces.iter().map(geo::Area::unsigned_area).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        for p in &pieces {
            assert!(p.is_valid(), "{p:?}");
        }
        // The crossing point of the two lines is a vertex of all four pieces.
        let vertex_sets: Vec<BTreeSet<(u64, u64)>> = pieces
            .iter()
            .map(|p| {
                p.exterior()
                    .0
                    .iter()
                    .map(|c| (c.x.to_bits(), c.y.to_bits()))
                    .collect()
            })
            .collect();
        let common = vertex_sets
            .iter()
            .skip(1)
            .fold(vertex_sets[0].clone(), |acc, s| &acc & s);
        assert_eq!(common.len(), 1);
    }

    #[test]
    fn far_coordinates_are_refused() {
        let lines = vec![vec![coord! { x: 0.0, y: 0.0 }, coord! { x: 1.0, y: 1.0 }]];
        assert!(matches!(
            slice(&square(), &lines),
            Err(SliceError::OutOfReach(..))
        ));
    }
}
