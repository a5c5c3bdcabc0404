//! Simplifying a coverage through shared arcs keeps it gap-free and overlap-free;
//! simplifying a polygon on its own (what tile servers without topology do) does not.

use geo::{Area, BooleanOps, Coord, LineString, MultiPolygon, Polygon, Simplify};
use layers::tiles::mercator::WPoint;
use layers::tiles::significance;
use layers::tiles::{InputRing, build_topology as build};

const N: u32 = 12;
const CELL: u32 = 10_000;
const STEPS: u32 = 25;

fn noise(a: u32, b: u32) -> i64 {
    let mut z = (a as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        ^ (b as u64).wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
    z = (z ^ (z >> 31)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    (z >> 40) as i64 % 700 - 350
}

/// A point on the wiggly lattice edge from corner (i, j) along x (horizontal) or y.
fn edge_point(i: u32, j: u32, k: u32, horizontal: bool) -> WPoint {
    let base = [100_000 + i * CELL, 100_000 + j * CELL];
    // Edges on the outline stay straight; inner edges wiggle by up to 350 units.
    let inner = if horizontal {
        j > 0 && j < N
    } else {
        i > 0 && i < N
    };
    let w = if inner && k > 0 && k < STEPS {
        noise(i * 1000 + j, k + horizontal as u32 * 100)
    } else {
        0
    };
    let t = k * CELL / STEPS;
    if horizontal {
        [base[0] + t, (base[1] as i64 + w) as u32]
    } else {
        [(base[0] as i64 + w) as u32, base[1] + t]
    }
}

fn cell_ring(i: u32, j: u32) -> Vec<WPoint> {
    let mut r = Vec::new();
    for k in 0..STEPS {
        r.push(edge_point(i, j, k, true));
    }
    for k in 0..STEPS {
        r.push(edge_point(i + 1, j, k, false));
    }
    for k in (1..=STEPS).rev() {
        r.push(edge_point(i, j + 1, k, true));
    }
    for k in (1..=STEPS).rev() {
        r.push(edge_point(i, j, k, false));
    }
    r
}

fn to_polygon(ring: &[WPoint]) -> Polygon<f64> {
    let mut cs: Vec<Coord<f64>> = ring
        .iter()
        .map(|p| Coord {
            x: p[0] as f64,
            y: p[1] as f64,
        })
        .collect();
    cs.push(cs[0]);
    Polygon::new(LineString(cs), vec![])
}

fn union_all(polys: &[Polygon<f64>]) -> MultiPolygon<f64> {
    polys.iter().fold(MultiPolygon(vec![]), |acc, p| {
        acc.union(&MultiPolygon(vec![p.clone()]))
    })
}

#[test]
fn shared_arc_simplification_leaves_no_gaps_or_overlaps() {
    let cells: Vec<Vec<WPoint>> = (0..N)
        .flat_map(|j| (0..N).map(move |i| cell_ring(i, j)))
        .collect();
    let topo = build(
        cells
            .iter()
            .map(|r| {
                vec![InputRing {
                    points: r.clone(),
                    hole: false,
                }]
            })
            .collect(),
    );
    let mut sig = Vec::new();
    let mut offsets = vec![0];
    for arc in &topo.arcs {
        significance(arc, &mut sig);
        offsets.push(sig.len());
    }
    let full = (N * CELL) as f64 * (N * CELL) as f64;
    for tolerance in [100.0f32, 400.0, 2000.0] {
        let faces: Vec<Polygon<f64>> = (0..cells.len())
            .map(|f| {
                let ring = topo.feature_rings(f).next().unwrap();
                let mut pts: Vec<WPoint> = Vec::new();
                for r in ring {
                    let arc = &topo.arcs[r.arc()];
                    let s = &sig[offsets[r.arc()]..offsets[r.arc() + 1]];
                    let mut kept: Vec<WPoint> = (0..arc.len())
                        .filter(|&k| s[k] > tolerance)
                        .map(|k| arc[k])
                        .collect();
                    if r.reversed() {
                        kept.reverse();
                    }
                    pts.extend(kept.into_iter().skip(usize::from(!pts.is_empty())));
                }
                pts.pop(); // the ring's closing vertex
                to_polygon(&pts)
            })
            .collect();
        let removed = cells.iter().map(Vec::len).sum::<usize>()
            - faces
                .iter()
                .map(|p| p.exterior().0.len() - 1)
                .sum::<usize>();
        assert!(
            removed > 1000,
            "tolerance {tolerance}: simplification removed only {removed} vertices"
        );
        let sum: f64 = faces.iter().map(geo::Area::unsigned_area).sum();
        let union = union_all(&faces);
        let holes: usize = union.0.iter().map(|p| p.interiors().len()).sum();
        assert_eq!(union.0.len(), 1, "tolerance {tolerance}");
        assert_eq!(holes, 0, "tolerance {tolerance}: gaps between neighbours");
        assert!(
            (union.unsigned_area() - sum).abs() < 1.0,
            "tolerance {tolerance}: overlaps"
        );
        assert!(
            (sum - full).abs() < 1.0,
            "tolerance {tolerance}: the outline is straight, area must stay {full}, got {sum}"
        );
    }

    // The check is sharp: simplifying one face more coarsely on its own (as a tile
    // server without shared arcs does to neighbours at different moments) is caught.
    let mut broken: Vec<Polygon<f64>> = cells.iter().map(|r| to_polygon(r)).collect();
    let centre = (N / 2 * N + N / 2) as usize;
    broken[centre] = broken[centre].simplify(2000.0);
    let sum: f64 = broken.iter().map(geo::Area::unsigned_area).sum();
    let union = union_all(&broken);
    let holes: usize = union.0.iter().map(|p| p.interiors().len()).sum();
    assert!(
        holes > 0 || (union.unsigned_area() - sum).abs() > 1.0,
        "a face simplified alone must open gaps or overlaps"
    );
}
