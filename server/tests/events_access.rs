//! No personal field nor value reaches a public caller by any event path. On the
//! fixture dataset's real analyses (a warning moving persons from grids whose
//! responsible persons and phones are set, an earthquake, a fire), with 叫应 notes
//! written and a warning published to the wall, every event path is walked without a
//! key: the lists, one event, its history and progress, the SSE stream, the wall, the
//! events tiles and the composite tiles (their MVT properties decoded). Analysts read
//! but may not write; system and admin keys write.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::mvt::decode;
use common::{call, call_json, get, key, with_key};
use futures_util::StreamExt;
use layers::tiles::mercator::project;
use riskmap_server::access::Role;
use riskmap_server::{AppState, ServerConfig, app};
use serde_json::{Value as Json, json};
use tower::ServiceExt;

const ANALYST: &str = "analyst-secret";
const SYSTEM: &str = "system-secret";
const ADMIN: &str = "admin-secret";
/// Key names: who wrote is personal too.
const KEY_NAMES: [&str; 3] = ["gis-analyst-li", "warning-release-sys", "duty-admin-wang"];
const NOTES: [&str; 2] = ["王五电话已接通转移中", "村委李四回电确认"];

async fn state() -> AppState {
    let config = ServerConfig {
        keys: vec![
            key(KEY_NAMES[0], Role::Analyst, ANALYST),
            key(KEY_NAMES[1], Role::System, SYSTEM),
            key(KEY_NAMES[2], Role::Admin, ADMIN),
        ],
        ..ServerConfig::default()
    };
    let state = common::state_with_events(config).await;
    riskmap_server::events_tiles::spawn(&state);
    state
}

/// Every personal field name of the dataset and every text value of them.
fn personal_names_and_values() -> (Vec<String>, Vec<String>) {
    let store = layers::testdata::fixture_store(7);
    let (mut names, mut values) = (Vec::new(), Vec::new());
    for layer in store.layers() {
        for (i, f) in layer.schema().fields.iter().enumerate() {
            if f.sensitivity == layers::Sensitivity::Personal {
                names.push(f.name.clone());
                values.extend(
                    layer
                        .features
                        .iter()
                        .filter_map(|feat| match &feat.properties[i] {
                            layers::Value::Text(s) if s.chars().count() >= 3 => Some(s.clone()),
                            _ => None,
                        }),
                );
            }
        }
    }
    (names, values)
}

fn write(method: Method, uri: &str, body: &Json, k: Option<&str>) -> Request<Body> {
    with_key(
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
        k,
    )
}

async fn analysed(state: &AppState, id: &str) {
    for _ in 0..600 {
        let (_, _, v) = call_json(state, get(&format!("/api/v1/events/{id}"))).await;
        if v["properties"]["analysis"]["status"] == "done" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{id} was never analysed");
}

fn tile_at(lon: f64, lat: f64, z: u8) -> String {
    let w = project(lon, lat);
    format!("{z}/{}/{}.mvt", w[0] >> (32 - z), w[1] >> (32 - z))
}

#[tokio::test]
async fn no_personal_field_or_value_reaches_the_public_by_any_event_path() {
    let state = state().await;
    let stream = app(state.clone())
        .oneshot(get("/api/v1/events/stream"))
        .await
        .unwrap();
    let mut sse = stream.into_body().into_data_stream();

    let (lon, lat, d) = (101.35, 24.9, 0.2);
    let ring = json!([
        [lon, lat],
        [lon + d, lat],
        [lon + d, lat + d],
        [lon, lat + d],
        [lon, lat]
    ]);
    let warning = json!({"type": "warning", "hazard_type": "flood", "level": 3,
        "area": {"polygons": [ring]}, "headline": "洪水橙色预警"});
    // Analysts read only; the public may not write at all.
    let (s, _, _) = call_json(
        &state,
        write(Method::POST, "/api/v1/events", &warning, Some(ANALYST)),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = call_json(
        &state,
        write(Method::POST, "/api/v1/events", &warning, None),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let mut ids = Vec::new();
    for (body, k) in [
        (warning.clone(), SYSTEM),
        (
            json!({"type": "earthquake", "report_id": "CC20260712093000.00", "review": "automatic",
            "magnitude": 5.6, "depth_km": 10.0, "origin_time": "2026-07-12T01:30:00Z",
            "epicenter": [101.45, 25.02]}),
            ADMIN,
        ),
        (
            json!({"type": "fire", "point": [101.47, 25.03], "confidence": "h"}),
            SYSTEM,
        ),
    ] {
        let (s, _, v) = call_json(
            &state,
            write(Method::POST, "/api/v1/events", &body, Some(k)),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        ids.push(v["event"]["id"].as_str().unwrap().to_string());
    }
    for id in &ids {
        analysed(&state, id).await;
    }
    let wid = ids[0].clone();

    // The warning's grids, as a cleared analyst sees them: responsible persons set.
    let progress = format!("/api/v1/events/{wid}/progress");
    let (_, _, p) = call_json(&state, with_key(get(&progress), Some(ANALYST))).await;
    let grids = p["grids"].as_array().unwrap().clone();
    assert!(grids.len() >= 2, "{p}");
    assert!(
        grids.iter().any(|g| g["responsible_phone"].is_string()),
        "{p}"
    );
    let (g0, g1) = (
        grids[0]["grid_code"].as_str().unwrap(),
        grids[1]["grid_code"].as_str().unwrap(),
    );
    // 叫应 with notes: analysts may not, system and admin may.
    let one = format!("/api/v1/events/{wid}/grids/{g0}");
    let call0 = json!({"called": true, "note": NOTES[0]});
    let (s, _, _) = call_json(&state, write(Method::PATCH, &one, &call0, Some(ANALYST))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, v) = call_json(&state, write(Method::PATCH, &one, &call0, Some(SYSTEM))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let batch = json!([{"grid_code": g0, "answered": true, "persons_moved": 4},
        {"grid_code": g1, "called": true, "note": NOTES[1]}]);
    let uri = format!("/api/v1/events/{wid}/grids");
    let (s, _, v) = call_json(&state, write(Method::PATCH, &uri, &batch, Some(ADMIN))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The analyst does read the notes (so the test would see them if they leaked).
    let (_, _, p) = call_json(&state, with_key(get(&progress), Some(ANALYST))).await;
    assert!(p.to_string().contains(NOTES[1]), "{p}");

    // Published to the wall: admins only.
    let publish = json!({"title": "洪水转移", "kind": "transfer",
        "request": {"area": {"type": "Polygon", "coordinates": [ring]}, "hazard_type": "flood"}});
    let (s, _, _) = call_json(
        &state,
        write(
            Method::POST,
            "/api/v1/wall/publish",
            &publish,
            Some(ANALYST),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, v) = call_json(
        &state,
        write(Method::POST, "/api/v1/wall/publish", &publish, Some(ADMIN)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    // Every path, as the public.
    let mut bodies: Vec<(String, Vec<u8>)> = Vec::new();
    let mut paths = vec![
        "/api/v1/events".to_string(),
        "/api/v1/events?status=active".to_string(),
        "/api/v1/wall".to_string(),
        progress.clone(),
    ];
    for id in &ids {
        paths.push(format!("/api/v1/events/{id}"));
        paths.push(format!("/api/v1/events/{id}/history"));
    }
    for p in &paths {
        let (s, _, b) = call(&state, get(p)).await;
        assert_eq!(s, StatusCode::OK, "{p}");
        bodies.push((p.clone(), b));
    }
    let mut tiles_seen = 0;
    for tileset in ["events", "onemap"] {
        for (tlon, tlat) in [(lon + 0.05, lat + 0.05), (101.45, 25.02)] {
            for z in [8, 11] {
                let p = format!("/tiles/{tileset}/{}", tile_at(tlon, tlat, z));
                let mut found = None;
                for _ in 0..200 {
                    let (s, _, b) = call(&state, get(&p)).await;
                    if s == StatusCode::OK && decode(&b).contains_key("events") {
                        found = Some(b);
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                let b = found.unwrap_or_else(|| panic!("{p} has no events layer"));
                // Decoded, every property of every layer, as text.
                let props = json!(decode(&b)).to_string();
                tiles_seen += 1;
                bodies.push((format!("{p} (decoded)"), props.into_bytes()));
                bodies.push((p, b));
            }
        }
    }
    assert_eq!(tiles_seen, 8);
    // The stream's messages so far.
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !String::from_utf8_lossy(&seen).contains("event: wall") {
        let chunk = tokio::time::timeout_at(deadline, sse.next())
            .await
            .expect("the stream went quiet");
        seen.extend_from_slice(&chunk.unwrap().unwrap());
    }
    let text = String::from_utf8_lossy(&seen).to_string();
    assert!(
        text.contains("event: grids") && text.contains("event: revision"),
        "{text}"
    );
    bodies.push(("stream".into(), seen));

    let (names, values) = personal_names_and_values();
    assert!(names.iter().any(|n| n == "responsible_phone"), "{names:?}");
    let (_, _, cleared) = call_json(&state, with_key(get(&progress), Some(ANALYST))).await;
    let mut banned: Vec<String> = names;
    banned.extend(values);
    banned.extend(KEY_NAMES.iter().map(ToString::to_string));
    banned.extend(NOTES.iter().map(ToString::to_string));
    banned.push("call_list".to_string());
    // The responsible persons and phones of exactly these grids, as the analyst saw.
    for g in cleared["grids"].as_array().unwrap() {
        for f in ["responsible_person", "responsible_phone"] {
            if let Some(v) = g[f].as_str() {
                banned.push(v.to_string());
            }
        }
    }
    for (path, body) in &bodies {
        for b in &banned {
            assert!(
                !common::contains(body, b),
                "{b:?} reached the public at {path}"
            );
        }
    }
}
