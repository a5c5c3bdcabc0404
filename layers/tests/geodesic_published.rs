//! Distances against independently published geodesic values.
//!
//! Source: the worked examples of Charles Karney's GeographicLib (geodesic routines,
//! WGS84), as printed in its JavaScript package documentation (npm `geographiclib`,
//! README "Examples"):
//! - Inverse, Wellington NZ (41.32°S, 174.81°E) to Salamanca (40.96°N, 5.50°W):
//!   "The distance is 19959679.267 m." — a nearly antipodal pair, the hard case.
//! - Direct, from Perth (32.06°S, 115.74°E), azimuth 225°, 20 000 km:
//!   "The position is (32.11195529, -63.95925278)."
// Test support: a panic here is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use geo::{Destination, Geodesic, Geometry, Point};
use layers::manifest::ManifestLayer;
use layers::query::distance_to;
use layers::{Feature, Layer, Value, catalogue};

fn one_point_layer(p: Point<f64>) -> Layer {
    let schema = catalogue::core_layer("water_sources").unwrap();
    let meta = ManifestLayer {
        schema: schema.clone(),
        file: String::new(),
        feature_count: 1,
        bbox: None,
        synthetic: true,
        sha256: String::new(),
        sources: vec![],
    };
    let mut props = vec![Value::Null; schema.fields.len()];
    props[0] = "W".into();
    Layer::new(meta, vec![Feature::new(Geometry::Point(p), props)])
}

#[test]
fn wellington_to_salamanca() {
    let wellington = Point::new(174.81, -41.32);
    let salamanca = Point::new(-5.50, 40.96);
    let layer = one_point_layer(salamanca);
    let found = layers::knn::nearest(&layer, wellington, 1, None, |_| true);
    assert_eq!(found.len(), 1);
    assert!(
        (found[0].distance_m - 19_959_679.267).abs() < 0.001,
        "{}",
        found[0].distance_m
    );
    let d = distance_to(&Geometry::Point(salamanca), wellington);
    assert!((d - 19_959_679.267).abs() < 0.001, "{d}");
    // The search radius bound must admit it.
    let within = layers::query::matching(
        &layer,
        &layers::query::Region::Radius {
            centre: wellington,
            radius_m: 19_959_680.0,
        },
    );
    assert_eq!(within.len(), 1);
    let short = layers::query::matching(
        &layer,
        &layers::query::Region::Radius {
            centre: wellington,
            radius_m: 19_959_679.0,
        },
    );
    assert!(short.is_empty());
}

#[test]
fn perth_direct_20000_km() {
    let p = Geodesic.destination(Point::new(115.74, -32.06), 225.0, 20_000e3);
    assert!((p.y() - 32.11195529).abs() < 5e-9, "{p:?}");
    assert!((p.x() - -63.95925278).abs() < 5e-9, "{p:?}");
}
