//! Where tile time goes: load a dataset, prepare its tiles, render a tile list (lines
//! of z/x/y) once per layer and as the composite, and print mean/max milliseconds per
//! zoom and per layer. No HTTP, no gzip: the core alone.
//!
//! `cargo run --release -p riskmap-layers --example tile_timing -- DATASET_DIR LIST`
// A command-line tool for developers: a panic is its error report.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use layers::tiles::{Selection, TileId, TileOptions};
use layers::{Access, Dataset};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(list)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: tile_timing DATASET_DIR TILE_LIST");
        std::process::exit(2);
    };
    let dataset =
        Dataset::open(Path::new(dir), TileOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    println!("{:?}", dataset.timings());
    let store = dataset.store();
    let public = Access::public();
    let ids: Vec<TileId> = std::fs::read_to_string(list)
        .unwrap_or_else(|e| panic!("{list}: {e}"))
        .lines()
        .filter_map(|l| {
            let v: Vec<u32> = l.split('/').filter_map(|s| s.parse().ok()).collect();
            (v.len() == 3)
                .then(|| TileId::new(v[0] as u8, v[1], v[2]).ok())
                .flatten()
        })
        .collect();
    let onemap = dataset
        .select("onemap", &public)
        .unwrap_or_else(|e| panic!("{e}"));
    let one: Vec<Selection> = store
        .layers()
        .iter()
        .map(|l| {
            dataset
                .select(l.id(), &public)
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    let mut per_zoom: BTreeMap<u8, (f64, f64, usize, usize)> = BTreeMap::new();
    let mut per_layer = vec![0.0f64; one.len()];
    for id in &ids {
        let t = Instant::now();
        let bytes = dataset.render(&onemap, *id).unwrap();
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let e = per_zoom.entry(id.z).or_default();
        e.0 += ms;
        e.1 = e.1.max(ms);
        e.2 += 1;
        e.3 = e.3.max(bytes.map_or(0, |b| b.len()));
        for (k, layer) in one.iter().enumerate() {
            let t = Instant::now();
            let _ = dataset.render(layer, *id);
            per_layer[k] += t.elapsed().as_secs_f64() * 1000.0;
        }
    }
    println!("zoom  tiles  mean ms  max ms  largest bytes");
    for (z, (sum, max, n, big)) in &per_zoom {
        println!(
            "{z:>4} {n:>6} {:>8.2} {max:>7.2} {big:>14}",
            sum / *n as f64
        );
    }
    let total: f64 = per_layer.iter().sum();
    for (k, l) in store.layers().iter().enumerate() {
        println!(
            "{:>18}: {:5.1}% of layer time",
            l.id(),
            100.0 * per_layer[k] / total
        );
    }
}
