//! Our MVT encoder against the mvt 0.15 crate on the same features (a busy zoom-12
//! tile: 3,000 grid polygons of 9 vertices with 5 attributes, 2,000 points with 4).
//!
//! `cargo run --release -p riskmap-layers --example mvt_encoders`
// A command-line tool for developers: a panic is its error report.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Instant;

use layers::tiles::{EncodedGeometry as Geometry, GeomType, LayerEncoder, TileValue};
use mvt::{GeomEncoder, GeomType as MvtGeomType, Tile};

struct Poly {
    ring: Vec<[i32; 2]>,
    code: String,
    name: String,
    level: i64,
    persons: i64,
    households: i64,
}

type Pt = ([i32; 2], String, i64);

fn features() -> (Vec<Poly>, Vec<Pt>) {
    let polys = (0..3000)
        .map(|i| {
            let (x, y) = ((i % 60) * 68, (i / 60) * 80);
            let ring = vec![
                [x, y],
                [x + 30, y + 1],
                [x + 60, y],
                [x + 61, y + 40],
                [x + 60, y + 78],
                [x + 30, y + 77],
                [x, y + 78],
                [x + 1, y + 40],
                [x + 2, y + 20],
            ];
            Poly {
                ring,
                code: format!("5323010010{i:05}"),
                name: format!("网格{i}"),
                level: 5,
                persons: (i % 97) as i64,
                households: (i % 31) as i64,
            }
        })
        .collect();
    let points = (0..2000)
        .map(|i| {
            (
                [(i * 37) % 4096, (i * 91) % 4096],
                format!("W{i:05}"),
                (i % 5) as i64,
            )
        })
        .collect();
    (polys, points)
}

fn ours(polys: &[Poly], points: &[Pt]) -> usize {
    let mut tile = Vec::new();
    let mut g = Geometry::default();
    let mut grids = LayerEncoder::new("evacuation_grids");
    for (i, p) in polys.iter().enumerate() {
        g.clear();
        g.ring(&p.ring);
        grids.feature(
            Some(i as u64),
            GeomType::Polygon,
            &g,
            [
                ("grid_code", TileValue::Str(&p.code)),
                ("name", TileValue::Str(&p.name)),
                ("level", TileValue::Int(p.level)),
                ("persons", TileValue::Int(p.persons)),
                ("households", TileValue::Int(p.households)),
            ],
        );
    }
    grids.finish_into(&mut tile);
    let mut water = LayerEncoder::new("water_sources");
    for (i, (p, id, t)) in points.iter().enumerate() {
        g.clear();
        g.points(&[*p]);
        water.feature(
            Some(i as u64),
            GeomType::Point,
            &g,
            [
                ("source_id", TileValue::Str(id)),
                ("type", TileValue::Int(*t)),
                ("volume_m3", TileValue::Double(*t as f64 * 10.5)),
                ("vehicle_access", TileValue::Bool(i % 2 == 0)),
            ],
        );
    }
    water.finish_into(&mut tile);
    tile.len()
}

fn theirs(polys: &[Poly], points: &[Pt]) -> usize {
    let mut tile = Tile::new(4096);
    let mut layer = tile.create_layer("evacuation_grids");
    for (i, p) in polys.iter().enumerate() {
        let mut enc = GeomEncoder::new(MvtGeomType::Polygon);
        for q in &p.ring {
            enc.add_point(q[0] as f64, q[1] as f64).unwrap();
        }
        enc.complete_geom().unwrap();
        let mut f = layer.into_feature(enc.encode().unwrap());
        f.set_id(i as u64);
        f.add_tag_string("grid_code", &p.code);
        f.add_tag_string("name", &p.name);
        f.add_tag_sint("level", p.level);
        f.add_tag_sint("persons", p.persons);
        f.add_tag_sint("households", p.households);
        layer = f.into_layer();
    }
    tile.add_layer(layer).unwrap();
    let mut layer = tile.create_layer("water_sources");
    for (i, (p, id, t)) in points.iter().enumerate() {
        let enc = GeomEncoder::new(MvtGeomType::Point)
            .point(p[0] as f64, p[1] as f64)
            .unwrap();
        let mut f = layer.into_feature(enc.encode().unwrap());
        f.set_id(i as u64);
        f.add_tag_string("source_id", id);
        f.add_tag_sint("type", *t);
        f.add_tag_double("volume_m3", *t as f64 * 10.5);
        f.add_tag_bool("vehicle_access", i % 2 == 0);
        layer = f.into_layer();
    }
    tile.add_layer(layer).unwrap();
    tile.to_bytes().unwrap().len()
}

fn time(name: &str, runs: u32, f: impl Fn() -> usize) -> f64 {
    let bytes = f();
    let t = Instant::now();
    for _ in 0..runs {
        black_box(f());
    }
    let ms = t.elapsed().as_secs_f64() * 1000.0 / runs as f64;
    println!("{name:>12}: {ms:7.3} ms per tile, {bytes} bytes");
    ms
}

fn main() {
    let (polys, points) = features();
    let runs = 50;
    let a = time("ours", runs, || ours(&polys, &points));
    let b = time("mvt 0.15", runs, || theirs(&polys, &points));
    println!("mvt 0.15 / ours: {:.2}x", b / a);
}
