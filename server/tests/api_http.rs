//! The HTTP API end to end (in process, `tower::ServiceExt::oneshot` on `app`): every
//! endpoint's happy path, every class of bad input answered 4xx in the JSON error shape
//! naming the field, and no personal field ever reaching a public caller.
// Test support: a panic here is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use riskmap_server::access::Role;
use riskmap_server::{AppState, ServerConfig};
use serde_json::{Value, json};

mod common;
use common::key;

fn state() -> AppState {
    static S: OnceLock<AppState> = OnceLock::new();
    S.get_or_init(|| {
        let config = ServerConfig {
            keys: vec![key("officer", Role::Analyst, OFFICER_KEY)],
            ..Default::default()
        };
        AppState::with_store(config, layers::testdata::fixture_store(7))
    })
    .clone()
}

/// An analyst's key: cleared for personal data.
const OFFICER_KEY: &str = "officer-key-for-tests";

fn officer() -> Option<&'static str> {
    Some(OFFICER_KEY)
}

async fn send(
    method: Method,
    uri: &str,
    body: Option<Value>,
    key: Option<&str>,
) -> (StatusCode, Value, String) {
    let mut req = Request::builder().method(method).uri(uri);
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    if let Some(k) = key {
        req = req.header("x-api-key", k);
    }
    let req = req
        .body(body.map_or(Body::empty(), |b| Body::from(b.to_string())))
        .unwrap();
    let (status, _, bytes) = common::call(&state(), req).await;
    let text = String::from_utf8_lossy(&bytes).to_string();
    let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{uri}: not JSON ({e}): {text}"));
    (status, v, text)
}

async fn get(uri: &str) -> (StatusCode, Value, String) {
    send(Method::GET, uri, None, None).await
}

/// Assert a 4xx JSON error naming `field`.
fn refused(r: (StatusCode, Value, String), status: u16, field: &str) {
    assert_eq!(r.0.as_u16(), status, "{}", r.2);
    assert!(
        r.1["error"]["code"].is_string() && r.1["error"]["message"].is_string(),
        "{}",
        r.2
    );
    assert_eq!(r.1["error"]["field"], json!(field), "{}", r.2);
}

// 楚雄市 (532301), inside Chuxiong.
const LON: f64 = 101.53;
const LAT: f64 = 25.03;

fn square(lon: f64, lat: f64, d: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]})
}

#[tokio::test]
async fn point_profile() {
    let (s, v, _) = get(&format!("/api/v1/point?lon={LON}&lat={LAT}")).await;
    assert_eq!(s, StatusCode::OK);
    let codes: Vec<&str> = v["admin"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["code"].as_str())
        .collect();
    assert_eq!(codes, ["530000", "532300", "532301"], "{v}");
    assert!(!v["grids"].as_array().unwrap().is_empty());
    for k in ["shelter", "water_source", "depot"] {
        assert!(v["nearest"][k]["distance_m"].as_f64().unwrap() > 0.0, "{k}");
    }
    assert_eq!(v["nearest"]["shelter"]["properties"]["status"], "open");
}

#[tokio::test]
async fn nearest_with_filters() {
    let (s, v, t) = get(&format!(
        "/api/v1/nearest?layer=water_sources&lon={LON}&lat={LAT}&k=4&helicopter_access=true"
    ))
    .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let f = v["features"].as_array().unwrap();
    assert_eq!(f.len(), 4);
    let d: Vec<f64> = f
        .iter()
        .map(|x| x["properties"]["distance_m"].as_f64().unwrap())
        .collect();
    assert!(d.windows(2).all(|w| w[0] <= w[1]));
    assert!(
        f.iter()
            .all(|x| x["properties"]["helicopter_access"] == true)
    );
    let (s, v, _) = get(&format!(
        "/api/v1/nearest?layer=depots&lon={LON}&lat={LAT}&k=3&category=fire_tools&min_quantity=100"
    ))
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        v["features"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["properties"]["inv_fire_tools"].as_i64().unwrap() >= 100)
    );
    let (_, v, _) = get(&format!("/api/v1/nearest?layer=shelters&lon={LON}&lat={LAT}&k=5&open=true&min_capacity=2000&max_distance_m=50000")).await;
    for x in v["features"].as_array().unwrap() {
        assert_eq!(x["properties"]["status"], "open");
        assert!(x["properties"]["capacity"].as_i64().unwrap() >= 2000);
        assert!(x["properties"]["distance_m"].as_f64().unwrap() <= 50000.0);
    }
}

#[tokio::test]
async fn within_box_radius_polygon_paged() {
    let (s, v, _) =
        get("/api/v1/within?layer=water_sources&bbox=101.3,24.8,101.8,25.3&limit=10&offset=5")
            .await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["numberMatched"].as_u64().unwrap() > 15);
    assert_eq!(v["numberReturned"], 10);
    let (_, v, _) = get(&format!(
        "/api/v1/within?layer=shelters&lon={LON}&lat={LAT}&radius_m=20000"
    ))
    .await;
    assert!(
        v["features"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["properties"]["distance_m"].as_f64().unwrap() <= 20000.0)
    );
    let (s, v, t) = send(
        Method::POST,
        "/api/v1/within?layer=evacuation_grids&limit=5",
        Some(square(101.4, 24.9, 0.1)),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert!(v["numberMatched"].as_u64().unwrap() > 5);
    assert_eq!(v["features"][0]["type"], "Feature");
}

#[tokio::test]
async fn area_summary_drills_down() {
    let (s, v, t) = get("/api/v1/areas/532300/summary").await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let kids = v["children"].as_array().unwrap();
    assert_eq!(kids.len(), 10);
    let sum: i64 = kids
        .iter()
        .map(|k| k["figures"]["persons"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, v["figures"]["persons"].as_i64().unwrap());
    assert!(sum > 0);
    let depots: u64 = kids
        .iter()
        .map(|k| k["figures"]["depots"].as_u64().unwrap())
        .sum();
    assert_eq!(depots, v["figures"]["depots"].as_u64().unwrap());
    let (s, v, _) = get("/api/v1/areas/532301/summary").await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["figures"]["shelters"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn transfer_respects_capacity_and_hides_the_call_list_from_the_public() {
    let body = json!({"area": square(101.35, 24.9, 0.3), "hazard_type": "flood", "include_geometry": false});
    let (s, v, t) = send(
        Method::POST,
        "/api/v1/analysis/transfer",
        Some(body.clone()),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let sum = &v["summary"];
    assert!(sum["grids"].as_u64().unwrap() > 50);
    assert_eq!(
        sum["persons_placed"].as_i64().unwrap() + sum["persons_unplaced"].as_i64().unwrap(),
        sum["persons"].as_i64().unwrap()
    );
    for sh in v["shelters"].as_array().unwrap() {
        assert!(sh["assigned"].as_i64().unwrap() <= sh["capacity"].as_i64().unwrap());
    }
    assert!(v.get("call_list").is_none());
    assert!(sum.get("special_needs").is_none());
    let (_, v, _) = send(
        Method::POST,
        "/api/v1/analysis/transfer",
        Some(body),
        officer(),
    )
    .await;
    let calls = v["call_list"].as_array().unwrap();
    assert!(!calls.is_empty() && calls[0]["responsible_phone"].is_string());
    assert!(v["summary"]["special_needs"].is_i64());
}

#[tokio::test]
async fn earthquake_and_fire() {
    let (s, v, t) = send(
        Method::POST,
        "/api/v1/analysis/earthquake",
        Some(json!({"epicentre": [LON, LAT], "magnitude": 7.0, "depth_km": 10})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let zones = v["zones"]["features"].as_array().unwrap();
    let degrees: Vec<i64> = zones
        .iter()
        .map(|z| z["properties"]["intensity"].as_i64().unwrap())
        .collect();
    assert_eq!(degrees, [9, 8, 7, 6]);
    assert!(
        zones
            .iter()
            .map(|z| z["properties"]["persons"].as_i64().unwrap())
            .sum::<i64>()
            > 0
    );
    assert!(v["relation"]["citation"].as_str().unwrap().contains("2013"));
    let (s, v, t) = send(
        Method::POST,
        "/api/v1/analysis/fire",
        Some(json!({"point": {"type": "Point", "coordinates": [LON, LAT]}})),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert_eq!(v["county"]["code"], "532301");
    assert_eq!(v["water_sources"].as_array().unwrap().len(), 5);
    assert!(
        v["fire_depots"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["properties"]["inv_fire_tools"].as_i64().unwrap() > 0)
    );
    let neighbours: Vec<&str> = v["neighbouring_counties"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["code"].as_str())
        .collect();
    assert!(
        neighbours.len() >= 3 && !neighbours.contains(&"532301"),
        "{neighbours:?}"
    );
}

#[tokio::test]
async fn ogc_api_features() {
    let (s, v, _) = get("/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        v["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["rel"] == "conformance")
    );
    let (_, v, _) = get("/conformance").await;
    assert!(
        v["conformsTo"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c.as_str().unwrap().ends_with("/conf/core"))
    );
    let (_, v, _) = get("/collections").await;
    assert!(
        v["collections"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "shelters")
    );
    let (s, _, _) = get("/collections/shelters").await;
    assert_eq!(s, StatusCode::OK);
    let (s, v, _) = get("/collections/shelters/items?limit=2&offset=1").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["numberReturned"], 2);
    assert!(v["numberMatched"].as_u64().unwrap() > 3);
    let next = v["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "next")
        .unwrap()["href"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, v2, _) = get(&next).await;
    assert_eq!(s, StatusCode::OK);
    assert_ne!(v2["features"][0]["id"], v["features"][0]["id"]);
    let (_, v, _) =
        get("/collections/water_sources/items?bbox=101.3,24.8,101.8,25.3&limit=1000").await;
    assert_eq!(v["numberMatched"], v["numberReturned"]);
    let (s, v, _) = get("/collections/shelters/items/3").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["id"], 3);
}

#[tokio::test]
async fn openapi_documents_every_endpoint_and_the_limits() {
    let (s, v, _) = get("/api/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    for p in [
        "/api/v1/point",
        "/api/v1/nearest",
        "/api/v1/within",
        "/api/v1/areas/{code}/summary",
        "/api/v1/analysis/transfer",
        "/api/v1/analysis/earthquake",
        "/api/v1/analysis/fire",
        "/collections/{layer}/items",
        "/collections/{layer}/items/{featureId}",
        "/tiles/{layer}/{z}/{x}/{y}.mvt",
        "/tiles/onemap/{z}/{x}/{y}.mvt",
        "/tiles/{layer}.json",
        "/collections/{layer}/tiles/WebMercatorQuad/{z}/{row}/{col}",
        "/collections/{layer}/tiles",
        "/collections/{layer}/tiles/WebMercatorQuad",
        "/tileMatrixSets",
        "/tileMatrixSets/{tileMatrixSetId}",
        "/tiles",
        "/tiles/WebMercatorQuad",
        "/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}",
        "/catalog",
        "/styles/{name}.json",
        "/health",
        "/conformance",
        "/",
    ] {
        assert!(v["paths"].get(p).is_some(), "{p} undocumented");
    }
    assert_eq!(v["info"]["x-limits"]["max_k"], 100);
    assert!(v["paths"]["/api/v1/within"]["post"]["requestBody"].is_object());
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_named() {
    refused(
        get(&format!("/api/v1/point?lon=NaN&lat={LAT}")).await,
        400,
        "lon",
    );
    refused(
        get(&format!("/api/v1/point?lon=inf&lat={LAT}")).await,
        400,
        "lon",
    );
    refused(
        get(&format!("/api/v1/point?lon={LON}&lat=91")).await,
        400,
        "lat",
    );
    refused(
        get(&format!("/api/v1/point?lon=181&lat={LAT}")).await,
        400,
        "lon",
    );
    refused(get(&format!("/api/v1/point?lon={LON}")).await, 400, "lat");
    refused(
        get(&format!("/api/v1/point?lon={LON}&lat={LAT}&foo=1")).await,
        400,
        "foo",
    );
    let base = format!("/api/v1/nearest?lon={LON}&lat={LAT}");
    refused(get(&format!("{base}&layer=nope")).await, 400, "layer");
    refused(get(&format!("{base}&layer=admin")).await, 400, "layer");
    refused(get(&format!("{base}&layer=shelters&k=0")).await, 400, "k");
    refused(get(&format!("{base}&layer=shelters&k=-3")).await, 400, "k");
    refused(get(&format!("{base}&layer=shelters&k=101")).await, 400, "k");
    refused(get(&format!("{base}&layer=shelters&k=two")).await, 400, "k");
    refused(
        get(&format!("{base}&layer=shelters&max_distance_m=0")).await,
        400,
        "max_distance_m",
    );
    refused(
        get(&format!("{base}&layer=shelters&helicopter_access=true")).await,
        400,
        "helicopter_access",
    );
    refused(
        get(&format!("{base}&layer=depots&category=gold")).await,
        400,
        "category",
    );
    refused(
        get("/api/v1/within?layer=shelters&bbox=1,2,3").await,
        400,
        "bbox",
    );
    refused(
        get("/api/v1/within?layer=shelters&bbox=102,25,101,26").await,
        400,
        "bbox",
    );
    refused(
        get(&format!(
            "/api/v1/within?layer=shelters&lon={LON}&lat={LAT}&radius_m=500000"
        ))
        .await,
        400,
        "radius_m",
    );
    refused(
        get("/api/v1/within?layer=shelters&bbox=101,25,102,26&limit=0").await,
        400,
        "limit",
    );
    refused(
        get("/api/v1/within?layer=shelters&bbox=101,25,102,26&limit=5000").await,
        400,
        "limit",
    );
    let post = |body: Value| {
        send(
            Method::POST,
            "/api/v1/within?layer=shelters",
            Some(body),
            None,
        )
    };
    refused(
        post(json!({"type": "Point", "coordinates": [LON, LAT]})).await,
        422,
        "body.type",
    );
    refused(
        post(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}))
            .await,
        422,
        "body",
    );
    // GeoJSON allows foreign members: accepted.
    assert_eq!(
        post(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]], "x": 1}))
            .await
            .0,
        StatusCode::OK
    );
    refused(
        post(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 95], [0, 0]]]})).await,
        400,
        "body.coordinates[0][2][1]",
    );
    refused(
        post(json!({"type": "Polygonal", "coordinates": []})).await,
        400,
        "body.type",
    );
    // Malformed JSON, wrong media type, oversized body.
    let raw = |ct: &str, body: Vec<u8>| {
        let req = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/within?layer=shelters")
            .header("content-type", ct)
            .body(Body::from(body))
            .unwrap();
        async move {
            let (status, _, bytes) = common::call(&state(), req).await;
            let text = String::from_utf8_lossy(&bytes).to_string();
            (
                status,
                serde_json::from_str::<Value>(&text).unwrap_or_else(|_| panic!("not JSON: {text}")),
                text,
            )
        }
    };
    refused(
        raw("application/json", b"{\"type\": \"Polygon\",".to_vec()).await,
        400,
        "body",
    );
    refused(raw("text/plain", b"{}".to_vec()).await, 415, "Content-Type");
    let mut big = b"{\"type\":\"Polygon\",\"coordinates\":[[".to_vec();
    big.extend(std::iter::repeat_n(b' ', 2 << 20));
    refused(raw("application/json", big).await, 413, "body");
    // Analyses.
    let eq = |b: Value| send(Method::POST, "/api/v1/analysis/earthquake", Some(b), None);
    refused(
        eq(json!({"epicentre": [LON, LAT], "magnitude": 12})).await,
        400,
        "magnitude",
    );
    refused(eq(json!({"magnitude": 6})).await, 400, "epicentre");
    refused(
        eq(json!({"epicentre": [LON, 100], "magnitude": 6})).await,
        400,
        "epicentre[1]",
    );
    refused(
        eq(json!({"epicentre": [LON, LAT], "magnitude": 6, "depth": 10})).await,
        400,
        "depth",
    );
    refused(
        send(
            Method::POST,
            "/api/v1/analysis/transfer",
            Some(json!({"area": square(101.4, 25.0, 0.1), "hazard_type": "volcano"})),
            None,
        )
        .await,
        400,
        "hazard_type",
    );
    refused(send(Method::POST, "/api/v1/analysis/transfer", Some(json!({"area": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "hazard_type": "flood"})), None).await, 422, "area.type");
    refused(
        send(
            Method::POST,
            "/api/v1/analysis/fire",
            Some(json!({"point": [LON, LAT], "water_k": 0})),
            None,
        )
        .await,
        400,
        "water_k",
    );
    refused(
        send(
            Method::POST,
            "/api/v1/analysis/fire",
            Some(json!([1, 2])),
            None,
        )
        .await,
        400,
        "body",
    );
    // Areas, OGC, routing.
    refused(get("/api/v1/areas/53x/summary").await, 400, "code");
    refused(get("/api/v1/areas/999999/summary").await, 404, "code");
    refused(get("/collections/shelters/items?foo=bar").await, 400, "foo");
    refused(get("/collections/nope/items").await, 404, "collectionId");
    refused(
        get("/collections/shelters/items/999999").await,
        404,
        "featureId",
    );
    refused(
        get("/collections/shelters/items/abc").await,
        404,
        "featureId",
    );
    refused(
        get("/collections/shelters/items?limit=-1").await,
        400,
        "limit",
    );
    refused(get("/no/such/path").await, 404, "path");
    refused(
        send(Method::DELETE, "/api/v1/point", None, None).await,
        405,
        "method",
    );
}

const PERSONAL: [&str; 7] = [
    "responsible_person",
    "responsible_phone",
    "special_needs",
    "keeper",
    "manager",
    "网格员",
    "保管员",
];

#[tokio::test]
async fn public_callers_never_see_personal_fields() {
    let mut bodies = Vec::new();
    for (lon, lat) in [(LON, LAT), (101.2, 25.5), (101.9, 24.7), (102.0, 25.6)] {
        bodies.push(get(&format!("/api/v1/point?lon={lon}&lat={lat}")).await.2);
        bodies.push(
            get(&format!(
                "/api/v1/nearest?layer=depots&lon={lon}&lat={lat}&k=10"
            ))
            .await
            .2,
        );
        bodies.push(
            get(&format!(
                "/api/v1/nearest?layer=shelters&lon={lon}&lat={lat}&k=10"
            ))
            .await
            .2,
        );
        bodies.push(
            send(
                Method::POST,
                "/api/v1/analysis/fire",
                Some(json!({"point": [lon, lat]})),
                None,
            )
            .await
            .2,
        );
        bodies.push(
            send(
                Method::POST,
                "/api/v1/analysis/earthquake",
                Some(json!({"epicentre": [lon, lat], "magnitude": 6.5})),
                None,
            )
            .await
            .2,
        );
    }
    bodies.push(
        send(
            Method::POST,
            "/api/v1/analysis/transfer",
            Some(json!({"area": square(101.35, 24.9, 0.3), "hazard_type": "flood"})),
            None,
        )
        .await
        .2,
    );
    bodies.push(
        get("/api/v1/within?layer=evacuation_grids&bbox=101.3,24.8,101.8,25.3&limit=1000")
            .await
            .2,
    );
    bodies.push(
        get("/collections/evacuation_grids/items?limit=1000")
            .await
            .2,
    );
    bodies.push(get("/collections/depots/items?limit=1000").await.2);
    bodies.push(get("/collections/evacuation_grids/items/100").await.2);
    bodies.push(get("/api/v1/areas/532300/summary").await.2);
    for b in &bodies {
        for word in PERSONAL {
            assert!(
                !b.contains(word),
                "{word} reached a public caller: {}",
                &b[..b.len().min(400)]
            );
        }
    }
    // The same paths do carry them for a caller cleared for personal data.
    let (_, _, t) = send(
        Method::GET,
        "/collections/evacuation_grids/items?limit=1000",
        None,
        officer(),
    )
    .await;
    assert!(t.contains("responsible_phone") && t.contains("网格员"));
}

#[tokio::test]
async fn transfer_scope_min_grade_and_csv() {
    let area = square(101.35, 24.9, 0.3);
    let run = |extra: Value| {
        let mut body = json!({"area": area, "hazard_type": "flood"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        async move { send(Method::POST, "/api/v1/analysis/transfer", Some(body), None).await }
    };
    let (s, exposed, t) = run(json!({})).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let (_, all, _) = run(json!({"scope": "all"})).await;
    let (_, grade4, _) = run(json!({"min_grade": 4})).await;
    let persons = |v: &Value| v["summary"]["persons"].as_i64().unwrap();
    // Everyone in the area moves under `all`; the exposed rule moves a subset, and a
    // higher grade threshold a subset of that.
    assert_eq!(
        persons(&all),
        all["summary"]["persons_in_area"].as_i64().unwrap()
    );
    assert!(
        persons(&exposed) <= persons(&all),
        "{} > {}",
        persons(&exposed),
        persons(&all)
    );
    assert!(persons(&grade4) <= persons(&exposed));
    assert_ne!(exposed["method"], all["method"]);
    // Compact by default: no geometry.
    assert!(
        exposed.get("grid_features").is_none_or(Value::is_null),
        "{}",
        &t[..200.min(t.len())]
    );
    for (bad, field) in [
        (json!({"scope": "everyone"}), "scope"),
        (json!({"min_grade": 7}), "min_grade"),
        (json!({"min_grade": "high"}), "min_grade"),
    ] {
        refused(run(bad).await, 400, field);
    }

    // The per-grid table as CSV, for a spreadsheet: BOM, header, one row per grid.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/analysis/transfer")
        .header("content-type", "application/json")
        .header("accept", "text/csv")
        .body(Body::from(
            json!({"area": area, "hazard_type": "flood"}).to_string(),
        ))
        .unwrap();
    let (s, h, bytes) = common::call(&state(), req).await;
    assert_eq!(s, StatusCode::OK);
    assert!(h["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(bytes.starts_with("\u{feff}grid_code,".as_bytes()));
    let text = String::from_utf8(bytes).unwrap();
    let rows = text.trim_end().split("\r\n").count() - 1;
    assert_eq!(rows, exposed["grids"].as_array().unwrap().len());
    // A public caller's table has no personal column.
    assert!(!text.lines().next().unwrap().contains("special_needs"));
}
