//! Access control across every output path: a public caller never obtains a personal
//! (or internal) field, by name or by value, from any endpoint; a role limited to some
//! layers sees exactly those; hostile requests get 4xx, never 5xx.

use std::collections::HashSet;
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use layers::tiles::TileOptions;
use layers::{Dataset, Sensitivity, Store, Value};
use riskmap_server::access::{Role, RoleConfig};
use riskmap_server::{AppState, ServerConfig};
use serde_json::json;

mod common;
use common::{contains, get, key};

const ANALYST: &str = "analyst-key";
const SYSTEM: &str = "system-key";
const LON: f64 = 101.55;
const LAT: f64 = 25.03;

fn store() -> Store {
    layers::testdata::fixture_store(7)
}

fn state() -> AppState {
    static S: OnceLock<AppState> = OnceLock::new();
    S.get_or_init(|| {
        let mut roles = std::collections::BTreeMap::new();
        // The system role (a dispatch platform) sees shelters and water only.
        roles.insert(
            Role::System,
            RoleConfig {
                layers: vec!["shelters".into(), "water_sources".into()],
                clearance: Sensitivity::Internal,
            },
        );
        let config = ServerConfig {
            dataset: "fixture".into(),
            roles,
            keys: vec![
                key("gis", Role::Analyst, ANALYST),
                key("dispatch", Role::System, SYSTEM),
            ],
            ..Default::default()
        };
        let state = AppState::new(config);
        state.install(Dataset::new(store(), TileOptions::default()));
        state
    })
    .clone()
}

/// Every personal or internal field name, and every non-trivial value they hold.
fn secrets() -> (HashSet<String>, HashSet<String>) {
    let store = store();
    let mut names = HashSet::new();
    let mut values = HashSet::new();
    for layer in store.layers() {
        for (i, f) in layer.schema().fields.iter().enumerate() {
            if f.sensitivity > Sensitivity::Public {
                names.insert(f.name.clone());
                for feat in &layer.features {
                    if let Value::Text(s) = &feat.properties[i]
                        && s.chars().count() >= 3
                    {
                        values.insert(s.clone());
                    }
                }
            }
        }
    }
    assert!(
        !names.is_empty() && !values.is_empty(),
        "fixture has no personal data to protect"
    );
    (names, values)
}

fn post(uri: &str, body: serde_json::Value) -> Request<Body> {
    common::post_json(uri, &body)
}

async fn send(req: Request<Body>, key: Option<&str>) -> (StatusCode, Vec<u8>) {
    let (status, _, body) = common::call(&state(), common::with_key(req, key)).await;
    (status, body)
}

fn tile_xy(lon: f64, lat: f64, z: u32) -> (u32, u32) {
    let n = 2f64.powi(z as i32);
    let x = ((lon + 180.0) / 360.0 * n) as u32;
    let y = ((1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n) as u32;
    (x, y)
}

/// Every read path of the server, with data-bearing parameters.
fn all_requests() -> Vec<Request<Body>> {
    let store = store();
    let mut reqs = vec![
        get("/"),
        get("/collections"),
        get("/catalog"),
        get("/tiles/onemap.json"),
        get(&format!("/api/v1/point?lon={LON}&lat={LAT}")),
        get("/api/v1/areas/532300/summary"),
        get("/api/v1/areas/532301/summary"),
        get("/api/openapi.json"),
        get("/health"),
        post(
            "/api/v1/analysis/transfer",
            json!({"area": {"type": "Polygon", "coordinates": [[[101.2, 24.8], [101.9, 24.8], [101.9, 25.3], [101.2, 25.3], [101.2, 24.8]]]}, "hazard_type": "flood"}),
        ),
        post(
            "/api/v1/analysis/earthquake",
            json!({"epicentre": [LON, LAT], "magnitude": 6.5, "depth_km": 10}),
        ),
        post(
            "/api/v1/analysis/fire",
            json!({"point": {"type": "Point", "coordinates": [LON, LAT]}}),
        ),
        post(
            "/api/v1/within?layer=evacuation_grids",
            json!({"type": "Polygon", "coordinates": [[[101.4, 24.9], [101.7, 24.9], [101.7, 25.2], [101.4, 25.2], [101.4, 24.9]]]}),
        ),
    ];
    for layer in store.layers() {
        let id = layer.id();
        reqs.push(get(&format!("/collections/{id}")));
        reqs.push(get(&format!("/collections/{id}/items?limit=1000")));
        reqs.push(get(&format!("/collections/{id}/items/0")));
        reqs.push(get(&format!("/tiles/{id}.json")));
        reqs.push(get(&format!(
            "/api/v1/within?layer={id}&bbox=100,24,103,27&limit=1000"
        )));
        reqs.push(get(&format!(
            "/api/v1/within?layer={id}&lon={LON}&lat={LAT}&radius_m=50000&limit=1000"
        )));
        if layer.sphere.is_some() {
            reqs.push(get(&format!(
                "/api/v1/nearest?layer={id}&lon={LON}&lat={LAT}&k=50"
            )));
        }
        for z in [6, 10, 14] {
            let (x, y) = tile_xy(LON, LAT, z);
            reqs.push(get(&format!("/tiles/{id}/{z}/{x}/{y}.mvt")));
        }
    }
    for z in [4, 8, 12, 14] {
        let (x, y) = tile_xy(LON, LAT, z);
        reqs.push(get(&format!("/tiles/onemap/{z}/{x}/{y}.mvt")));
    }
    reqs
}

#[tokio::test]
async fn public_callers_never_see_personal_or_internal_fields() {
    let (names, values) = secrets();
    // One automaton over every secret: a substring search per secret per response
    // took minutes over thousands of values and whole tiles.
    let needles: Vec<String> = names
        .iter()
        .map(|n| format!("\"{n}\""))
        .chain(values.iter().cloned())
        .collect();
    let secrets = aho_corasick::AhoCorasick::new(&needles).unwrap();
    let mut checked = 0;
    for req in all_requests() {
        let uri = req.uri().to_string();
        let (status, body) = send(req, None).await;
        assert!(status.as_u16() < 500, "{uri}: {status}");
        if let Some(m) = secrets.find(&body) {
            panic!("{uri} leaks {:?}", needles[m.pattern().as_usize()]);
        }
        if status == StatusCode::OK {
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} endpoints answered 200");
}

#[tokio::test]
async fn analysts_see_personal_data_where_it_belongs() {
    let (_, values) = secrets();
    let (status, body) = send(
        get("/collections/evacuation_grids/items?limit=1000"),
        Some(ANALYST),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        values.iter().any(|v| contains(&body, v)),
        "analyst sees no personal values"
    );
    assert!(contains(&body, "\"responsible_phone\""));
}

#[tokio::test]
async fn a_role_sees_exactly_its_layers() {
    let allowed: HashSet<&str> = ["shelters", "water_sources"].into();
    let (status, body) = send(get("/collections"), Some(SYSTEM)).await;
    assert_eq!(status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let ids: HashSet<&str> = v["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, allowed);
    let (_, body) = send(get("/catalog"), Some(SYSTEM)).await;
    let text = String::from_utf8_lossy(&body);
    assert!(
        !text.contains("evacuation_grids") && text.contains("shelters"),
        "{text}"
    );
    for layer in store().layers() {
        let id = layer.id();
        let see = allowed.contains(id);
        for uri in [
            format!("/collections/{id}/items?limit=1"),
            format!("/tiles/{id}.json"),
            format!("/api/v1/within?layer={id}&bbox=100,24,103,27&limit=1"),
        ] {
            let (status, _) = send(get(&uri), Some(SYSTEM)).await;
            if see {
                assert_eq!(status, StatusCode::OK, "{uri}");
            } else {
                // Hidden layers are treated as absent: a 4xx naming no data.
                assert!(
                    matches!(status.as_u16(), 400 | 403 | 404),
                    "{uri}: {status}"
                );
            }
        }
    }
    // The composite tile carries only the visible layers.
    let (x, y) = tile_xy(LON, LAT, 12);
    let (_, tile) = send(get(&format!("/tiles/onemap/12/{x}/{y}.mvt")), Some(SYSTEM)).await;
    for hidden in ["evacuation_grids", "hazard_zones", "depots", "admin"] {
        assert!(!contains(&tile, hidden), "composite tile carries {hidden}");
    }
    // And the profile at a point names no hidden layer's features.
    let (_, body) = send(
        get(&format!("/api/v1/point?lon={LON}&lat={LAT}")),
        Some(SYSTEM),
    )
    .await;
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(v["nearest"]["depot"].is_null(), "{v}");
    assert!(v["nearest"]["shelter"].is_object(), "{v}");
    assert!(
        v["grids"].as_array().is_none_or(std::vec::Vec::is_empty),
        "{v}"
    );
    assert!(
        v["hazards"].as_array().is_none_or(std::vec::Vec::is_empty),
        "{v}"
    );
}

#[tokio::test]
async fn hostile_requests_get_4xx_never_5xx() {
    let long = "9".repeat(5000);
    let cases = vec![
        get("/tiles/onemap/99/0/0.mvt"),
        get("/tiles/onemap/3/100/0.mvt"),
        get("/tiles/../../etc/passwd"),
        get("/tiles/onemap/1/0/0.png"),
        get("/tiles/%00/1/0/0.mvt"),
        get(&format!("/tiles/onemap/{long}/0/0.mvt")),
        get("/collections/shelters/items?limit=-1"),
        get("/collections/shelters/items?bbox=1,2,3"),
        get("/collections/shelters/items/99999999999999999999"),
        get("/api/v1/point?lon=NaN&lat=1"),
        get("/api/v1/point?lon=1e309&lat=1"),
        get(&format!("/api/v1/point?lon={long}&lat=1")),
        get("/api/v1/nearest?layer=shelters&lon=101&lat=25&k=0"),
        get("/api/v1/nearest?layer=shelters&lon=101&lat=25&k=100000000"),
        get("/api/v1/within?layer=shelters&lon=101&lat=25&radius_m=-5"),
        get("/api/v1/areas/%E4%B8%AD/summary"),
        Request::builder()
            .method(Method::DELETE)
            .uri("/api/v1/point")
            .body(Body::empty())
            .unwrap(),
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/analysis/transfer")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{\"area\": ["))
            .unwrap(),
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/analysis/earthquake")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from("M7"))
            .unwrap(),
        post(
            "/api/v1/analysis/fire",
            json!({"point": {"type": "Point", "coordinates": [500.0, 0]}}),
        ),
        post(
            "/api/v1/analysis/earthquake",
            json!({"epicentre": [LON, LAT], "magnitude": 6, "depth_km": -4}),
        ),
        post("/admin/reload", json!({})),
    ];
    for req in cases {
        let uri = req.uri().to_string();
        let (status, body) = send(req, None).await;
        assert!(
            status.is_client_error(),
            "{uri}: {status} {}",
            String::from_utf8_lossy(&body)
        );
        let v: serde_json::Value = serde_json::from_slice(&body)
            .unwrap_or_else(|_| panic!("{uri}: not JSON: {}", String::from_utf8_lossy(&body)));
        assert!(v["error"]["code"].is_string(), "{uri}: {v}");
    }
}
