//! Live events beyond ingest: every revision analysed and stored with the dataset
//! version, per clearance; 叫应 writes (single and batch) limited to the grids the
//! warning moves persons from; progress figures; who sees personal fields by any of
//! these paths; the SSE feed receiving a change.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{call_json, get, key, post_json, square, with_key};
use futures_util::StreamExt;
use riskmap_events::AccessLevel;
use riskmap_server::access::Role;
use riskmap_server::{AppState, ServerConfig, app};
use serde_json::{Value as Json, json};
use tower::ServiceExt;

const ANALYST: &str = "analyst-key";
const SYSTEM: &str = "system-key";
const ADMIN: &str = "admin-key";

async fn state() -> AppState {
    let config = ServerConfig {
        keys: vec![
            key("gis-analyst", Role::Analyst, ANALYST),
            key("warning-release", Role::System, SYSTEM),
            key("duty-admin", Role::Admin, ADMIN),
        ],
        ..ServerConfig::default()
    };
    common::state_with_events(config).await
}

fn warning(d: f64) -> Json {
    json!({"type": "warning", "hazard_type": "flood", "level": 3,
        "area": {"polygons": [square(101.35, 24.9, d)]}, "headline": "洪水橙色预警"})
}

async fn post_event(state: &AppState, body: &Json) -> Json {
    let (s, _, v) = call_json(
        state,
        with_key(post_json("/api/v1/events", body), Some(SYSTEM)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["event"].clone()
}

fn patch(uri: &str, body: &Json, key: Option<&str>) -> Request<Body> {
    with_key(
        Request::builder()
            .method(Method::PATCH)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
        key,
    )
}

/// The event as `key` sees it once the analysis of `revision` is done.
async fn analysed(state: &AppState, id: &str, revision: i64, key: Option<&str>) -> Json {
    for _ in 0..600 {
        let (s, _, v) = call_json(state, with_key(get(&format!("/api/v1/events/{id}")), key)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let a = &v["properties"]["analysis"];
        if a["revision"] == revision && a["status"] != "pending" {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the analysis of {id} revision {revision} never finished");
}

#[tokio::test]
async fn every_revision_is_analysed_and_stored_with_the_dataset_version() {
    let state = state().await;
    let ev = post_event(&state, &warning(0.2)).await;
    let id = ev["id"].as_str().unwrap().to_string();
    let v = analysed(&state, &id, 1, None).await;
    let a = &v["properties"]["analysis"];
    assert_eq!(a["status"], "done", "{a}");
    assert_eq!(a["dataset_version"], "fixture");
    let first = a["summary"]["figures"]["persons"].as_i64().unwrap();
    assert!(
        first > 0 && a["summary"]["grids_to_move"].as_u64().unwrap() > 0,
        "{a}"
    );
    // A larger area: revision 2, analysed on its own, more persons to move.
    let mut bigger = warning(0.3);
    bigger["event_id"] = json!(id);
    post_event(&state, &bigger).await;
    let v = analysed(&state, &id, 2, None).await;
    let second = v["properties"]["analysis"]["summary"]["figures"]["persons"]
        .as_i64()
        .unwrap();
    assert!(second > first, "{second} > {first}");
    let store = state.events().unwrap();
    for level in [AccessLevel::Public, AccessLevel::Personal] {
        let all = store.analyses(&id, level).await.unwrap();
        let revs: Vec<i64> = all.iter().map(|a| a.revision).collect();
        assert_eq!(revs, [1, 2], "{level:?}");
        assert!(
            all.iter()
                .all(|a| a.dataset_version == "fixture" && a.status == "done")
        );
    }
    // The public result was computed public: no call list, no special needs in it.
    let public = store
        .analysis(&id, 2, AccessLevel::Public)
        .await
        .unwrap()
        .unwrap();
    let personal = store
        .analysis(&id, 2, AccessLevel::Personal)
        .await
        .unwrap()
        .unwrap();
    assert!(public.result.as_ref().unwrap().get("call_list").is_none());
    assert!(
        !personal.result.as_ref().unwrap()["call_list"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Earthquakes and fires get their own analyses.
    let quake = post_event(&state, &json!({"type": "earthquake", "report_id": "CC1", "review": "automatic",
        "magnitude": 6.0, "depth_km": 10.0, "origin_time": "2026-07-12T09:30:00+08:00", "epicenter": [101.5, 25.0]})).await;
    let v = analysed(&state, quake["id"].as_str().unwrap(), 1, None).await;
    assert_eq!(v["properties"]["analysis"]["status"], "done", "{v}");
    assert!(
        v["properties"]["analysis"]["summary"]["epicentral_intensity"]
            .as_f64()
            .unwrap()
            > 6.0
    );
    let fire = post_event(&state, &json!({"type": "fire", "point": [101.5, 25.0]})).await;
    let v = analysed(&state, fire["id"].as_str().unwrap(), 1, None).await;
    assert_eq!(v["properties"]["analysis"]["status"], "done", "{v}");
    assert!(
        v["properties"]["analysis"]["summary"]["water_sources"]
            .as_u64()
            .unwrap()
            > 0,
        "{v}"
    );
}

#[tokio::test]
async fn grid_writes_progress_and_who_sees_what() {
    let state = state().await;
    let ev = post_event(&state, &warning(0.2)).await;
    let id = ev["id"].as_str().unwrap().to_string();
    analysed(&state, &id, 1, None).await;
    let store = state.events().unwrap();
    let personal = store
        .analysis(&id, 1, AccessLevel::Personal)
        .await
        .unwrap()
        .unwrap();
    let moves = personal.result.as_ref().unwrap()["moves"]
        .as_array()
        .unwrap()
        .clone();
    assert!(moves.len() >= 2);
    let (g0, g1) = (
        moves[0]["grid_code"].as_str().unwrap(),
        moves[1]["grid_code"].as_str().unwrap(),
    );
    let to_move_0 = moves[0]["persons_to_move"].as_i64().unwrap();
    let one = format!("/api/v1/events/{id}/grids/{g0}");
    // Who may write: analysts read only, the public not at all.
    let call = json!({"called": "2026-07-12T01:00:00Z", "note": "张三已接听前"});
    let (s, _, _) = call_json(&state, patch(&one, &call, Some(ANALYST))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = call_json(&state, patch(&one, &call, None)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // A grid the warning moves nobody from: 422 naming it; bad members: 400 naming them.
    let (s, _, v) = call_json(
        &state,
        patch(
            &format!("/api/v1/events/{id}/grids/NOPE"),
            &call,
            Some(SYSTEM),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("NOPE"));
    let (s, _, v) = call_json(
        &state,
        patch(&one, &json!({"persons_moved": -1}), Some(SYSTEM)),
    )
    .await;
    assert_eq!(
        (s, v["error"]["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("persons_moved"))
    );
    let (s, _, v) = call_json(&state, patch(&one, &json!({"colour": 1}), Some(SYSTEM))).await;
    assert_eq!(
        (s, v["error"]["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("colour"))
    );
    // 叫 the first grid; then a batch: 应 and feedback for it, 叫 for the second.
    let (s, _, v) = call_json(&state, patch(&one, &call, Some(SYSTEM))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["grid"]["called_at"], "2026-07-12T01:00:00Z");
    assert!(
        v["grid"].get("note").is_none(),
        "a system key is not personal-cleared: {v}"
    );
    let batch = format!("/api/v1/events/{id}/grids");
    let body = json!([{"grid_code": g0, "answered": true, "persons_moved": 3},
        {"grid_code": g1, "called": true}]);
    let (s, _, v) = call_json(&state, patch(&batch, &body, Some(ADMIN))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["grids"].as_array().unwrap().len(), 2);
    // A batch with one bad grid writes nothing.
    let before = store.grid_states(&id).await.unwrap();
    let body = json!([{"grid_code": g1, "answered": true}, {"grid_code": "NOPE", "called": true}]);
    let (s, _, v) = call_json(&state, patch(&batch, &body, Some(ADMIN))).await;
    assert_eq!(
        (s, v["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("[1].grid_code"))
    );
    assert_eq!(store.grid_states(&id).await.unwrap(), before);
    // Progress: the figures follow the writes.
    let progress = format!("/api/v1/events/{id}/progress");
    let (s, _, p) = call_json(&state, get(&progress)).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let t = &p["totals"];
    assert_eq!(t["grids"].as_u64().unwrap() as usize, moves.len());
    assert_eq!(
        (
            t["called"].clone(),
            t["answered"].clone(),
            t["silent"].clone()
        ),
        (json!(2), json!(1), json!(1))
    );
    assert_eq!(t["persons_moved"], 3);
    let to_move: i64 = moves
        .iter()
        .map(|m| m["persons_to_move"].as_i64().unwrap())
        .sum();
    assert_eq!(t["persons_to_move"], to_move);
    assert_eq!(t["persons_remaining"], to_move - 3.min(to_move_0));
    assert!(t["oldest_unanswered_call_age_s"].as_i64().is_some());
    let counties = p["counties"].as_array().unwrap();
    let county_grids: u64 = counties.iter().map(|c| c["grids"].as_u64().unwrap()).sum();
    assert_eq!(county_grids as usize, moves.len());
    assert!(
        counties
            .iter()
            .all(|c| c["county_code"].as_str().unwrap().len() == 6),
        "{p}"
    );
    // A revised count replaces the old one.
    call_json(
        &state,
        patch(&one, &json!({"persons_moved": 2}), Some(SYSTEM)),
    )
    .await;
    let (_, _, p) = call_json(&state, get(&progress)).await;
    assert_eq!(p["totals"]["persons_moved"], 2);
    // Personal fields: none for the public (nor for a system key) by any path; the
    // analyst sees responsible persons, phones and notes.
    for (key, cleared) in [(None, false), (Some(SYSTEM), false), (Some(ANALYST), true)] {
        for uri in [progress.clone(), format!("/api/v1/events/{id}")] {
            let (s, _, v) = call_json(&state, with_key(get(&uri), key)).await;
            assert_eq!(s, StatusCode::OK);
            let text = v.to_string();
            for personal in [
                "responsible_person",
                "responsible_phone",
                "张三已接听前",
                "call_list",
            ] {
                let shown = text.contains(personal);
                if !cleared {
                    assert!(!shown, "{key:?} saw {personal} at {uri}");
                }
            }
        }
        let (_, _, p) = call_json(&state, with_key(get(&progress), key)).await;
        assert_eq!(
            p["grids"][0].get("responsible_phone").is_some(),
            cleared,
            "{key:?}"
        );
        if cleared {
            assert_eq!(p["grids"][0]["note"], "张三已接听前");
            assert!(p["grids"][0]["responsible_phone"].is_string(), "{p}");
        }
    }
    // Progress is for warnings only.
    let fire = post_event(&state, &json!({"type": "fire", "point": [101.5, 25.0]})).await;
    let (s, _, _) = call_json(
        &state,
        get(&format!(
            "/api/v1/events/{}/progress",
            fire["id"].as_str().unwrap()
        )),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _, _) = call_json(&state, get("/api/v1/events/ev_none/progress")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_stream_pushes_a_change_after_commit() {
    let state = state().await;
    let r = app(state.clone())
        .oneshot(get("/api/v1/events/stream"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut body = r.into_body().into_data_stream();
    let ev = post_event(&state, &warning(0.2)).await;
    let id = ev["id"].as_str().unwrap();
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !(seen.contains("event: revision") && seen.contains("event: analysis")) {
        let chunk = tokio::time::timeout_at(deadline, body.next())
            .await
            .expect("no change arrived");
        seen.push_str(std::str::from_utf8(&chunk.unwrap().unwrap()).unwrap());
    }
    let data: Vec<Json> = seen
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    assert!(
        data.iter()
            .any(|d| d["type"] == "revision" && d["event_id"] == id && d["revision"] == 1)
    );
    assert!(data.iter().any(|d| d["type"] == "analysis"
        && d["analysis"] == "done"
        && d["dataset_version"] == "fixture"));
    assert!(
        !seen.contains("warning-release"),
        "no key names in the public feed"
    );
}

#[tokio::test]
async fn every_new_route_is_in_the_openapi_document() {
    let state = state().await;
    let (_, _, doc) = call_json(&state, get("/api/openapi.json")).await;
    for (path, method) in [
        ("/api/v1/events/{id}/grids/{grid_code}", "patch"),
        ("/api/v1/events/{id}/grids", "patch"),
        ("/api/v1/events/{id}/progress", "get"),
        ("/api/v1/events/stream", "get"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{path} {method}");
    }
}

#[tokio::test]
async fn a_new_dataset_version_recomputes_active_events_and_keeps_grid_state() {
    let state = state().await;
    let ev = post_event(&state, &warning(0.2)).await;
    let id = ev["id"].as_str().unwrap().to_string();
    analysed(&state, &id, 1, None).await;
    let (_, _, p) = call_json(&state, get(&format!("/api/v1/events/{id}/progress"))).await;
    let grid = p["grids"][0]["grid_code"].as_str().unwrap().to_string();
    let uri = format!("/api/v1/events/{id}/grids/{grid}");
    let (s, _, _) = call_json(&state, patch(&uri, &json!({"called": true}), Some(SYSTEM))).await;
    assert_eq!(s, StatusCode::OK);
    // What a reload does (reload::load installs, then recomputes).
    let mut store = layers::testdata::fixture_store(7);
    store.manifest.dataset_version = "fixture-2".into();
    state.install(layers::Dataset::new(
        store,
        layers::tiles::TileOptions::default(),
    ));
    riskmap_server::events_live::recompute_active(&state);
    let mut version = Json::Null;
    for _ in 0..600 {
        let (_, _, v) = call_json(&state, get(&format!("/api/v1/events/{id}"))).await;
        version = v["properties"]["analysis"]["dataset_version"].clone();
        if version == "fixture-2" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(version, "fixture-2");
    let all = state
        .events()
        .unwrap()
        .analyses(&id, AccessLevel::Public)
        .await
        .unwrap();
    let versions: Vec<&str> = all.iter().map(|a| a.dataset_version.as_str()).collect();
    assert_eq!(
        versions,
        ["fixture", "fixture-2"],
        "both kept, revision 1 each"
    );
    let (_, _, p) = call_json(&state, get(&format!("/api/v1/events/{id}/progress"))).await;
    assert_eq!(p["dataset_version"], "fixture-2");
    assert_eq!(p["totals"]["called"], 1, "the 叫应 state carried over: {p}");
}
