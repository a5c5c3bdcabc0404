//! Tile rendering through the public API: byte budget, clearance, empty tiles, zoom limits.
// Test support: a panic here is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use geo::{Geometry, LineString, MultiPolygon, Point, Polygon};
use layers::catalogue::core_layer;
use layers::manifest::{FORMAT, FORMAT_VERSION, Manifest, ManifestLayer};
use layers::tiles::{TileError, TileId, TileOptions};
use layers::{Access, Dataset, Feature, Layer, Sensitivity, Store, Value};

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
    one_layer_store(schema, features)
}

/// Evacuation grids: one level-1 square of 0.1 degrees at (101.5, 25.0), and a 40 × 40
/// lattice of level-2 squares tiling it, names "大格" and "细格{i}".
fn grid_store() -> Store {
    let schema = core_layer("evacuation_grids").unwrap();
    let square = |x: f64, y: f64, s: f64| {
        let ring = LineString::from(vec![(x, y), (x + s, y), (x + s, y + s), (x, y + s), (x, y)]);
        Geometry::MultiPolygon(MultiPolygon(vec![Polygon::new(ring, vec![])]))
    };
    let grid = |code: String, level: i64, name: String, g: Geometry<f64>| {
        let mut p = vec![Value::Null; schema.fields.len()];
        p[schema.field_index("grid_code").unwrap()] = code.into();
        p[schema.field_index("level").unwrap()] = Value::Int(level);
        p[schema.field_index("name").unwrap()] = name.into();
        Feature::new(g, p)
    };
    let n = 40;
    let cell = 0.1 / n as f64;
    let mut features = vec![grid("G".into(), 1, "大格".into(), square(101.5, 25.0, 0.1))];
    for i in 0..n * n {
        let (x, y) = (101.5 + (i % n) as f64 * cell, 25.0 + (i / n) as f64 * cell);
        features.push(grid(
            format!("G{i:04}"),
            2,
            format!("细格{i}"),
            square(x, y, cell),
        ));
    }
    one_layer_store(schema, features)
}

/// A store holding one layer.
fn one_layer_store(schema: layers::LayerSchema, features: Vec<Feature>) -> Store {
    let meta = ManifestLayer {
        schema,
        file: String::new(),
        feature_count: features.len() as u64,
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

/// The tile at `z` holding (101.55, 25.05), the lattice's centre.
fn centre_tile(z: u8) -> TileId {
    let n = (1u32 << z) as f64;
    let x = ((101.55 + 180.0) / 360.0 * n) as u32;
    let lat = 25.05f64.to_radians();
    let y = ((1.0 - lat.tan().asinh() / std::f64::consts::PI) / 2.0 * n) as u32;
    TileId::new(z, x, y).unwrap()
}

fn tile_at(z: u8) -> TileId {
    let n = (1u32 << z) as f64;
    let x = ((101.5 + 180.0) / 360.0 * n) as u32;
    let lat = 25.0f64.to_radians();
    let y = ((1.0 - lat.tan().asinh() / std::f64::consts::PI) / 2.0 * n) as u32;
    TileId::new(z, x, y).unwrap()
}

/// Render `tile` of the dataset's only layer for a caller of `clearance`.
fn render(
    ds: &Dataset,
    tile: TileId,
    clearance: Sensitivity,
) -> Result<Option<Vec<u8>>, TileError> {
    let layer = ds.store().layers()[0].schema().id.clone();
    let selection = ds.select(&layer, &Access::with_clearance(clearance))?;
    ds.render(&selection, tile)
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn tiles_stay_within_the_byte_budget() {
    let store = || store(5000);
    let unlimited = Dataset::new(
        store(),
        TileOptions {
            budget_bytes: usize::MAX,
            ..Default::default()
        },
    );
    let full = render(&unlimited, tile_at(14), Sensitivity::Public)
        .unwrap()
        .unwrap();
    assert!(
        full.len() > 100_000,
        "the test needs a heavy tile, got {}",
        full.len()
    );
    let budget = 40_000;
    let tiles = Dataset::new(
        store(),
        TileOptions {
            budget_bytes: budget,
            ..Default::default()
        },
    );
    let small = render(&tiles, tile_at(14), Sensitivity::Public)
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
    let store = || store(50);
    let tiles = Dataset::new(store(), TileOptions::default());
    let public = render(&tiles, tile_at(14), Sensitivity::Public)
        .unwrap()
        .unwrap();
    assert!(contains(&public, "capacity") && !contains(&public, "manager"));
    let personal = render(&tiles, tile_at(14), Sensitivity::Personal)
        .unwrap()
        .unwrap();
    assert!(contains(&personal, "manager") && contains(&personal, "管理员"));
    // Clustered at low zoom: counts and capacity sums, no personal data at any clearance.
    let low = render(&tiles, tile_at(6), Sensitivity::Personal)
        .unwrap()
        .unwrap();
    assert!(
        contains(&low, "point_count") && contains(&low, "capacity") && !contains(&low, "manager")
    );
}

#[test]
fn empty_and_out_of_range_tiles() {
    let store = || store(10);
    let tiles = Dataset::new(store(), TileOptions::default());
    let far = TileId::new(10, 0, 0).unwrap();
    assert_eq!(render(&tiles, far, Sensitivity::Public).unwrap(), None);
    let deep = TileId::new(15, 0, 0).unwrap();
    assert_eq!(
        render(&tiles, deep, Sensitivity::Public),
        Err(TileError::ZoomOutOfRange { z: 15, max: 14 })
    );
}

#[test]
fn crowded_tiles_hold_new_arrivals_back_one_zoom() {
    let store = grid_store;
    let tile = |tiles: &Dataset, z: u8| {
        render(tiles, centre_tile(z), Sensitivity::Public)
            .unwrap()
            .unwrap_or_default()
    };
    let unlimited = Dataset::new(
        store(),
        TileOptions {
            dense_features: usize::MAX,
            ..Default::default()
        },
    );
    // The zoom where the fine level arrives, and how many of it the tile then holds.
    let arrival = (0..14)
        .find(|&z| contains(&tile(&unlimited, z), "细格"))
        .expect("the fine level shows below the max zoom");
    let crowded = Dataset::new(
        store(),
        TileOptions {
            dense_features: 100,
            ..Default::default()
        },
    );
    let at_arrival = tile(&crowded, arrival);
    assert!(contains(&at_arrival, "大格"), "the coarse level stays");
    assert!(
        !contains(&at_arrival, "细格"),
        "over 100 features, the fine level waits at z{arrival}"
    );
    // One zoom later it shows, however crowded: nothing waits more than one zoom.
    let next = tile(&crowded, arrival + 1);
    assert!(contains(&next, "细格"));
    assert_eq!(next, tile(&unlimited, arrival + 1));
    // Below the threshold nothing changes.
    assert_eq!(tile(&unlimited, arrival), {
        let roomy = Dataset::new(
            store(),
            TileOptions {
                dense_features: 1_601,
                ..Default::default()
            },
        );
        tile(&roomy, arrival)
    });
}
