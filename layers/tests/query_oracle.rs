//! The indexed queries against brute force, on thousands of seeded random queries over
//! real Yunnan geography (counties, faults, weather stations, towns) plus the seeded
//! synthetic Chuxiong facilities and grids. With `RISKMAP_TEST_DATASET` set to a
//! prepared dataset directory (e.g. the generated demo), the same checks also run on it.

use std::sync::OnceLock;

use geo::{
    BoundingRect, Distance, Geodesic, Geometry, Intersects, MultiPolygon, Point, Polygon, Rect,
};
use layers::query::Derived;
use layers::query::zones_at;
use layers::query::{Filter, predicate};
use layers::query::{Region, distance_to, matching};
use layers::schema::GeometryKind;
use layers::testdata::{Rng, fixture_store};
use layers::{Layer, Store};

fn fixture() -> &'static (Store, Derived) {
    static F: OnceLock<(Store, Derived)> = OnceLock::new();
    F.get_or_init(|| {
        let s = fixture_store(7);
        let d = Derived::new(&s);
        (s, d)
    })
}

/// The stores to check: the fixture, and the dataset named by RISKMAP_TEST_DATASET.
fn stores() -> Vec<(String, &'static Store, &'static Derived)> {
    static EXTRA: OnceLock<Option<(Store, Derived)>> = OnceLock::new();
    let (s, d) = fixture();
    let mut out = vec![("fixture".to_string(), s, d)];
    if let Some((s, d)) = EXTRA.get_or_init(layers::testdata::env_dataset).as_ref() {
        out.push(("RISKMAP_TEST_DATASET".to_string(), s, d));
    }
    out
}

/// A random point near the data (the layer's bbox grown by a margin).
fn near(rng: &mut Rng, layer: &Layer) -> Point<f64> {
    let b = layer
        .features
        .iter()
        .filter_map(|f| f.geometry.bounding_rect())
        .reduce(|a, b| {
            Rect::new(
                (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
                (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
            )
        });
    let b = b.unwrap_or(Rect::new((97.0, 21.0), (106.0, 29.0)));
    Point::new(
        rng.range(b.min().x - 0.5, b.max().x + 0.5),
        rng.range(b.min().y - 0.5, b.max().y + 0.5),
    )
}

fn point_layers(store: &Store) -> Vec<&Layer> {
    store
        .layers()
        .iter()
        .filter(|l| l.schema().geometry == GeometryKind::Point && !l.features.is_empty())
        .collect()
}

#[test]
fn nearest_matches_brute_force_with_filters_and_max_distance() {
    for (name, store, _) in stores() {
        let mut rng = Rng::new(11);
        let mut checked = 0;
        for layer in point_layers(store) {
            let filters: Vec<Vec<Filter>> = match layer.id() {
                "shelters" => vec![
                    vec![],
                    vec![Filter::OpenOnly],
                    vec![Filter::OpenOnly, Filter::MinCapacity(1500)],
                ],
                "water_sources" => vec![
                    vec![],
                    vec![Filter::Helicopter(true)],
                    vec![Filter::WaterType("reservoir".into()), Filter::Vehicle(true)],
                ],
                "depots" => vec![
                    vec![],
                    vec![Filter::Holds {
                        category: "fire_tools".into(),
                        min: 1,
                    }],
                    vec![Filter::DepotLevel("county".into())],
                ],
                _ => vec![vec![]],
            };
            for fs in &filters {
                let accept = predicate(layer, fs);
                for q in 0..300 {
                    let origin = near(&mut rng, layer);
                    let k = 1 + (rng.next_u64() % 12) as usize;
                    let max_d = (q % 3 == 0).then(|| rng.range(500.0, 60_000.0));
                    let got = layers::knn::nearest(layer, origin, k, max_d, &accept);
                    let mut all: Vec<(f64, u32)> = (0..layer.features.len() as u32)
                        .filter(|&f| accept(f))
                        .filter_map(|f| match layer.features[f as usize].geometry {
                            Geometry::Point(p) => Some((Geodesic.distance(origin, p), f)),
                            _ => None,
                        })
                        .filter(|(d, _)| max_d.is_none_or(|m| *d <= m))
                        .collect();
                    all.sort_by(|a, b| a.0.total_cmp(&b.0));
                    all.truncate(k);
                    assert_eq!(
                        got.len(),
                        all.len(),
                        "{name} {}: k={k} at {origin:?}",
                        layer.id()
                    );
                    for (g, w) in got.iter().zip(&all) {
                        assert!(
                            (g.distance_m - w.0).abs() < 1e-6,
                            "{name} {}: {} vs {}",
                            layer.id(),
                            g.distance_m,
                            w.0
                        );
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked >= 2000, "{name}: only {checked} queries");
    }
}

fn random_polygon(rng: &mut Rng, c: Point<f64>) -> MultiPolygon<f64> {
    // A star-shaped polygon around c: valid (simple) by construction.
    let n = 3 + (rng.next_u64() % 20) as usize;
    let r = rng.range(0.02, 0.6);
    let mut pts: Vec<(f64, f64)> = (0..n)
        .map(|k| {
            let t = (k as f64 + rng.range(0.0, 0.8)) / n as f64 * std::f64::consts::TAU;
            let rr = r * rng.range(0.3, 1.0);
            (c.x() + rr * t.cos(), c.y() + rr * t.sin())
        })
        .collect();
    pts.push(pts[0]);
    MultiPolygon(vec![Polygon::new(pts.into(), vec![])])
}

fn brute(layer: &Layer, region: &Region) -> Vec<u32> {
    (0..layer.features.len() as u32)
        .filter(|&f| {
            let g = &layer.features[f as usize].geometry;
            match region {
                Region::BBox(r) => g.intersects(r),
                Region::Radius { centre, radius_m } => distance_to(g, *centre) <= *radius_m,
                Region::Area(mp) => g.intersects(mp),
            }
        })
        .collect()
}

#[test]
fn within_box_radius_and_polygon_match_brute_force() {
    for (name, store, _) in stores() {
        let mut rng = Rng::new(23);
        let mut checked = 0;
        for layer in store.layers().iter().filter(|l| !l.features.is_empty()) {
            // Large polygon layers get fewer queries: brute force is slow there.
            let per = if layer.features.len() > 20_000 {
                40
            } else {
                200
            };
            for q in 0..per {
                let c = near(&mut rng, layer);
                let region = match q % 3 {
                    0 => {
                        let (w, h) = (rng.range(0.01, 1.0), rng.range(0.01, 1.0));
                        Region::BBox(Rect::new((c.x(), c.y()), (c.x() + w, c.y() + h)))
                    }
                    1 => Region::Radius {
                        centre: c,
                        radius_m: rng.range(200.0, 50_000.0),
                    },
                    _ => Region::Area(random_polygon(&mut rng, c)),
                };
                let got: Vec<u32> = matching(layer, &region)
                    .into_iter()
                    .map(|(f, _)| f)
                    .collect();
                assert_eq!(
                    got,
                    brute(layer, &region),
                    "{name} {} query {q}: {region:?}",
                    layer.id()
                );
                checked += 1;
            }
        }
        assert!(checked >= 1000, "{name}: only {checked} queries");
    }
}

#[test]
fn point_in_polygon_matches_brute_force() {
    for (name, store, derived) in stores() {
        let mut rng = Rng::new(31);
        for id in ["admin", "hazard_zones", "evacuation_grids"] {
            let Some(layer) = store.layer(id) else {
                continue;
            };
            for _ in 0..1000 {
                let p = near(&mut rng, layer);
                let mut got: Vec<u32> = match id {
                    "admin" => zones_at(layer, &derived.admin.areas, p).collect(),
                    "hazard_zones" => zones_at(layer, &derived.zone_areas, p).collect(),
                    _ => layer.ids_at_point(p).collect(),
                };
                got.sort_unstable();
                let want: Vec<u32> = (0..layer.features.len() as u32)
                    .filter(|&f| layer.features[f as usize].geometry.intersects(&p))
                    .collect();
                assert_eq!(got, want, "{name} {id} at {p:?}");
            }
        }
    }
}
