//! The wall screen's publication: admins only, and computed with public access. A
//! real transfer result, as an analyst's screen holds it (personal clearance, so with
//! the call list and per-grid special-needs counts), is published; the public wall
//! never shows a personal field nor a figure derived from one.
#![allow(clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use riskmap_server::access::Role;
use riskmap_server::{AppState, ServerConfig};
use serde_json::{Value as Json, json};

mod common;
use common::{call_json, get, key, post_json, with_key};

const ADMIN: &str = "admin-key";
const ANALYST: &str = "analyst-key";

/// A server state whose events store (where the wall's publication lives) is at `url`.
async fn state_on(url: &str) -> AppState {
    let config = ServerConfig {
        keys: vec![
            key("ops", Role::Admin, ADMIN),
            key("gis", Role::Analyst, ANALYST),
        ],
        ..Default::default()
    };
    let s = AppState::with_store(config, layers::testdata::fixture_store(7));
    s.set_events(riskmap_events::EventStore::open(url).await.unwrap());
    s
}

async fn state() -> AppState {
    state_on("sqlite::memory:").await
}

/// A flood warning over part of the fixture's 楚雄市.
fn warning() -> Json {
    let (lon, lat, d) = (101.35, 24.9, 0.3);
    json!({
        "area": {"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]},
        "hazard_type": "flood",
        "include_geometry": true
    })
}

/// Every personal field of the fixture, and every value of them, as text.
fn personal_names_and_values() -> (Vec<String>, Vec<String>) {
    let store = layers::testdata::fixture_store(7);
    let (mut names, mut values) = (Vec::new(), Vec::new());
    for layer in store.layers() {
        for (i, f) in layer.schema().fields.iter().enumerate() {
            if f.sensitivity > layers::Sensitivity::Public {
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

#[tokio::test]
async fn a_published_transfer_is_computed_with_public_access() {
    let s = state().await;
    // The result on an analyst's screen: personal clearance.
    let (status, _, analysed) = call_json(
        &s,
        with_key(
            post_json("/api/v1/analysis/transfer", &warning()),
            Some(ANALYST),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{analysed}");
    let text = analysed.to_string();
    assert!(
        text.contains("special_needs_to_move"),
        "the analyst's result lacks the derived figure"
    );
    assert!(
        analysed["call_list"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );

    // Published as older viewers do: the request and the result on screen.
    let body =
        json!({"title": "暴雨预警", "kind": "transfer", "request": warning(), "result": analysed});
    let (status, _, _) = call_json(&s, post_json("/api/v1/wall/publish", &body)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = call_json(
        &s,
        with_key(post_json("/api/v1/wall/publish", &body), Some(ANALYST)),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "analysts may not publish");
    let (status, _, created) = call_json(
        &s,
        with_key(post_json("/api/v1/wall/publish", &body), Some(ADMIN)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");

    let (status, _, wall) = call_json(&s, get("/api/v1/wall")).await;
    assert_eq!(status, StatusCode::OK);
    let p = &wall["published"];
    assert_eq!(p["title"], "暴雨预警");
    assert_eq!(p["kind"], "transfer");
    // The same figures a public caller gets for the same request.
    let (_, _, public) = call_json(&s, post_json("/api/v1/analysis/transfer", &warning())).await;
    assert_eq!(p["result"], public);
    assert!(p["result"]["summary"]["persons"].as_i64().unwrap() > 0);
    let text = wall.to_string();
    let (names, values) = personal_names_and_values();
    for gone in names
        .iter()
        .map(String::as_str)
        .chain(["call_list", "special_needs_to_move", "special_needs"])
        .chain(values.iter().map(String::as_str))
    {
        assert!(!text.contains(gone), "{gone} reached the wall");
    }
}

#[tokio::test]
async fn bad_publications_name_the_member_and_clearing_is_admin_only() {
    let s = state().await;
    for (bad, field) in [
        (json!({"kind": "transfer", "request": warning()}), "title"),
        (
            json!({"title": "t", "kind": "flood", "request": {}}),
            "kind",
        ),
        (json!({"title": "t", "kind": "transfer"}), "request"),
        (
            json!({"title": "t", "kind": "transfer", "request": {"hazard_type": "flood"}}),
            "request.area",
        ),
        (
            json!({"title": "t", "kind": "transfer", "request": warning(), "extra": 1}),
            "extra",
        ),
    ] {
        let (status, _, b) = call_json(
            &s,
            with_key(post_json("/api/v1/wall/publish", &bad), Some(ADMIN)),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {b}");
        assert_eq!(b["error"]["field"], field, "{bad}: {b}");
    }
    let clear = |k: Option<&str>| {
        let r = Request::delete("/api/v1/wall/publish")
            .header(header::ACCEPT, "application/json")
            .body(Body::empty())
            .unwrap();
        with_key(r, k)
    };
    assert_eq!(call_json(&s, clear(None)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(call_json(&s, clear(Some(ADMIN))).await.0, StatusCode::OK);
    let (_, _, wall) = call_json(&s, get("/api/v1/wall")).await;
    assert_eq!(wall["published"], Json::Null);
}

#[tokio::test]
async fn a_publication_survives_a_restart_and_its_revision_keeps_growing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("events.db").display());
    let body = json!({"title": "暴雨预警", "kind": "transfer", "request": warning()});
    let first = state_on(&url).await;
    let mut feed = first.changes.subscribe();
    let (status, _, created) = call_json(
        &first,
        with_key(post_json("/api/v1/wall/publish", &body), Some(ADMIN)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let rev = created["revision"].as_i64().unwrap();
    // Announced after commit, for walls and other replicas.
    let msg = feed.recv().await.unwrap();
    assert_eq!(msg, json!({"type": "wall", "revision": rev}));
    drop(first);

    // A new process's state on the same file: the publication is there.
    let second = state_on(&url).await;
    let (_, _, wall) = call_json(&second, get("/api/v1/wall")).await;
    assert_eq!(wall["revision"], rev);
    assert_eq!(wall["published"]["title"], "暴雨预警");
    assert_eq!(wall["published"]["result"], created["published"]["result"]);
    // Who published is stored, never served.
    assert!(!wall.to_string().contains("ops"), "{wall}");
    let clear = with_key(
        Request::delete("/api/v1/wall/publish")
            .body(Body::empty())
            .unwrap(),
        Some(ADMIN),
    );
    let (_, _, cleared) = call_json(&second, clear).await;
    assert!(cleared["revision"].as_i64().unwrap() > rev, "{cleared}");
}
