//! Tile rendering through the public API: byte budget, clearance, empty tiles, zoom limits.

use geo::{Geometry, Point};
use layers::catalogue::core_layer;
use layers::manifest::{FORMAT, FORMAT_VERSION, Manifest, ManifestLayer};
use layers::tiles::{TileError, TileId, TileOptions, TileSet};
use layers::{Feature, Layer, Sensitivity, Store, Value};

/// `n` shelters packed into a few hundred metres around (101.5, 25.0).
fn store(n: usize) -> Store {
    let schema = core_layer("shelters").unwrap();
    let features = (0..n)
        .map(|i| {
            let mut p = vec![Value::Null; schema.fields.len()];
            p[schema.field_index("shelter_id").unwrap()] = format!("S{i:06}").into();
            p[schema.field_index("name").unwrap()] =
                format!("一个相当长的避难场所名称用来占字节{i}").into();
            p[schema.field_index("capacity").unwrap()] = Value::Int(i as i64);
            p[schema.field_index("status").unwrap()] = "open".into();
            p[schema.field_index("manager").unwrap()] = "管理员".into();
            let (dx, dy) = ((i % 100) as f64 * 3e-5, (i / 100) as f64 * 3e-5);
            Feature::new(Geometry::Point(Point::new(101.5 + dx, 25.0 + dy)), p)
        })
        .collect();
    let meta = ManifestLayer {
        schema,
        file: String::new(),
        feature_count: n as u64,
        bbox: None,
        synthetic: true,
        sha256: String::new(),
        sources: vec![],
    };
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        dataset_version: "t".into(),
        created: String::new(),
        title: String::new(),
        region: None,
        attribution: String::new(),
        layers: vec![meta.clone()],
        sources: vec![],
    };
    Store::from_layers(manifest, vec![Layer::new(meta, features)])
}

fn tile_at(z: u8) -> TileId {
    let n = (1u32 << z) as f64;
    let x = ((101.5 + 180.0) / 360.0 * n) as u32;
    let lat = 25.0f64.to_radians();
    let y = ((1.0 - lat.tan().asinh() / std::f64::consts::PI) / 2.0 * n) as u32;
    TileId::new(z, x, y).unwrap()
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn tiles_stay_within_the_byte_budget() {
    let store = store(5000);
    let unlimited = TileSet::build(
        &store,
        TileOptions {
            budget_bytes: usize::MAX,
            ..Default::default()
        },
    );
    let full = unlimited
        .render(&store, &[0], tile_at(14), Sensitivity::Public)
        .unwrap()
        .unwrap();
    assert!(
        full.len() > 100_000,
        "the test needs a heavy tile, got {}",
        full.len()
    );
    let budget = 40_000;
    let tiles = TileSet::build(
        &store,
        TileOptions {
            budget_bytes: budget,
            ..Default::default()
        },
    );
    let small = tiles
        .render(&store, &[0], tile_at(14), Sensitivity::Public)
        .unwrap()
        .unwrap();
    assert!(small.len() <= budget, "{} > {budget}", small.len());
    assert!(
        small.len() > budget / 10,
        "coarsening should not empty the tile: {}",
        small.len()
    );
}

#[test]
fn fields_follow_clearance_and_zoom() {
    let store = store(50);
    let tiles = TileSet::build(&store, TileOptions::default());
    let public = tiles
        .render(&store, &[0], tile_at(14), Sensitivity::Public)
        .unwrap()
        .unwrap();
    assert!(contains(&public, "capacity") && !contains(&public, "manager"));
    let personal = tiles
        .render(&store, &[0], tile_at(14), Sensitivity::Personal)
        .unwrap()
        .unwrap();
    assert!(contains(&personal, "manager") && contains(&personal, "管理员"));
    // Clustered at low zoom: counts and capacity sums, no personal data at any clearance.
    let low = tiles
        .render(&store, &[0], tile_at(6), Sensitivity::Personal)
        .unwrap()
        .unwrap();
    assert!(
        contains(&low, "point_count") && contains(&low, "capacity") && !contains(&low, "manager")
    );
}

#[test]
fn empty_and_out_of_range_tiles() {
    let store = store(10);
    let tiles = TileSet::build(&store, TileOptions::default());
    let far = TileId::new(10, 0, 0).unwrap();
    assert_eq!(
        tiles
            .render(&store, &[0], far, Sensitivity::Public)
            .unwrap(),
        None
    );
    let deep = TileId::new(15, 0, 0).unwrap();
    assert_eq!(
        tiles.render(&store, &[0], deep, Sensitivity::Public),
        Err(TileError::ZoomOutOfRange { z: 15, max: 14 })
    );
}
