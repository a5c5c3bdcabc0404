//! The live `events` tile layer: an event posted appears in `/tiles/events/…` and in
//! the composite with public fields only; a revision or a cancel changes the ETag and
//! the tile (no 304 for the old ETag), and a cancelled event is gone.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use axum::http::{StatusCode, header};
use common::mvt::decode;
use common::{call, call_json, get, key, post_json, square, with_key};
use layers::tiles::mercator::project;
use riskmap_server::access::Role;
use riskmap_server::{AppState, ServerConfig};
use serde_json::{Value as Json, json};

const SYSTEM: &str = "system-key";

/// Every property the events layer may carry: all public.
const PUBLIC: &[&str] = &[
    "$type",
    "event_id",
    "kind",
    "hazard_type",
    "status",
    "revision",
    "level",
    "colour",
    "magnitude",
    "depth_km",
    "confidence",
    "headline",
    "effective",
    "expires",
];

async fn state() -> AppState {
    let config = ServerConfig {
        keys: vec![key("warning-release", Role::System, SYSTEM)],
        ..ServerConfig::default()
    };
    let state = common::state_with_events(config).await;
    riskmap_server::events_tiles::spawn(&state);
    state
}

/// The z10 tile path covering a lon/lat.
fn tile_at(lon: f64, lat: f64) -> String {
    let w = project(lon, lat);
    format!("10/{}/{}.mvt", w[0] >> 22, w[1] >> 22)
}

async fn post(state: &AppState, body: &Json) -> Json {
    let (s, _, v) = call_json(
        state,
        with_key(post_json("/api/v1/events", body), Some(SYSTEM)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["event"].clone()
}

struct Tile {
    status: StatusCode,
    etag: String,
    cache_control: String,
    events: Vec<Json>,
    bytes: Vec<u8>,
}

async fn fetch(state: &AppState, uri: &str, if_none_match: Option<&str>) -> Tile {
    let mut req = get(uri);
    if let Some(t) = if_none_match {
        req.headers_mut()
            .insert(header::IF_NONE_MATCH, t.parse().unwrap());
    }
    let (status, h, bytes) = call(state, req).await;
    let text = |n| h.get(n).map_or("", |v| v.to_str().unwrap()).to_string();
    let events = if status == StatusCode::OK {
        decode(&bytes).remove("events").unwrap_or_default()
    } else {
        Vec::new()
    };
    Tile {
        status,
        etag: text(header::ETAG),
        cache_control: text(header::CACHE_CONTROL),
        events,
        bytes,
    }
}

/// Poll `uri` until `done` holds (the snapshot refreshes in a background task).
async fn until(state: &AppState, uri: &str, done: impl Fn(&Tile) -> bool) -> Tile {
    for _ in 0..200 {
        let t = fetch(state, uri, None).await;
        if done(&t) {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{uri} never reached the expected state");
}

fn of<'a>(t: &'a Tile, id: &str) -> Option<&'a Json> {
    t.events.iter().find(|f| f["event_id"] == id)
}

#[tokio::test]
async fn events_tiles_follow_revisions_and_cancels() {
    let state = state().await;
    let (lon, lat) = (101.40, 24.95);
    let events_uri = format!("/tiles/events/{}", tile_at(lon, lat));
    let onemap_uri = format!("/tiles/onemap/{}", tile_at(lon, lat));
    let empty = fetch(&state, &events_uri, None).await;
    assert_eq!(empty.status, StatusCode::NO_CONTENT);

    let w = json!({"type": "warning", "hazard_type": "flood", "level": 3,
        "area": {"polygons": [square(101.35, 24.9, 0.1)]}, "headline": "洪水橙色预警"});
    let id = post(&state, &w).await["id"].as_str().unwrap().to_string();
    let first = until(&state, &events_uri, |t| of(t, &id).is_some()).await;
    let f = of(&first, &id).unwrap();
    assert_eq!(
        (
            &f["kind"],
            &f["level"],
            &f["revision"],
            &f["status"],
            &f["$type"]
        ),
        (
            &json!("warning"),
            &json!(3),
            &json!(1),
            &json!("active"),
            &json!(3)
        ),
        "{f}"
    );
    assert_eq!(
        (&f["headline"], &f["colour"]),
        (&json!("洪水橙色预警"), &json!("orange"))
    );
    for k in f.as_object().unwrap().keys() {
        assert!(PUBLIC.contains(&k.as_str()), "non-public property {k}");
    }
    assert!(
        first.cache_control.contains("no-cache"),
        "{}",
        first.cache_control
    );
    let not_modified = fetch(&state, &events_uri, Some(&first.etag)).await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);

    // The composite carries the same feature, revalidated every time too.
    let one = until(&state, &onemap_uri, |t| of(t, &id).is_some()).await;
    assert!(
        one.cache_control.contains("no-cache"),
        "{}",
        one.cache_control
    );
    let one_etag = one.etag.clone();
    let (_, _, tj) = call_json(&state, get("/tiles/onemap.json")).await;
    assert!(
        tj["vector_layers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == "events")
    );

    // A new revision: red now. The old ETag no longer matches, on either tileset.
    let mut w2 = w.clone();
    w2["event_id"] = json!(id);
    w2["level"] = json!(4);
    post(&state, &w2).await;
    let second = until(&state, &events_uri, |t| {
        of(t, &id).is_some_and(|f| f["revision"] == 2)
    })
    .await;
    assert_eq!(of(&second, &id).unwrap()["level"], 4);
    assert_ne!(second.etag, first.etag);
    let revalidated = fetch(&state, &events_uri, Some(&first.etag)).await;
    assert_eq!(revalidated.status, StatusCode::OK);
    let one2 = fetch(&state, &onemap_uri, Some(&one_etag)).await;
    assert_eq!(one2.status, StatusCode::OK);
    assert_eq!(of(&one2, &id).unwrap()["level"], 4);

    // Cancelled: gone from both.
    post(
        &state,
        &json!({"type": "end", "event_id": id, "status": "cancelled"}),
    )
    .await;
    let gone = until(&state, &events_uri, |t| t.status == StatusCode::NO_CONTENT).await;
    assert_ne!(gone.etag, second.etag);
    let one3 = fetch(&state, &onemap_uri, Some(&one2.etag)).await;
    assert_ne!(one3.status, StatusCode::NOT_MODIFIED);
    assert!(of(&one3, &id).is_none());
    assert!(!common::contains(&one3.bytes, &id));
}

#[tokio::test]
async fn earthquakes_and_fires_are_points() {
    let state = state().await;
    let quake = post(
        &state,
        &json!({"type": "earthquake", "report_id": "CC20260712093000.00", "review": "automatic",
            "magnitude": 5.1, "depth_km": 10.0, "origin_time": "2026-07-12T01:30:00Z",
            "epicenter": [101.45, 25.02]}),
    )
    .await;
    let fire = post(
        &state,
        &json!({"type": "fire", "point": [101.47, 25.03], "confidence": "h", "frp_mw": 8.0}),
    )
    .await;
    let uri = format!("/tiles/events/{}", tile_at(101.45, 25.02));
    let (q, f) = (quake["id"].as_str().unwrap(), fire["id"].as_str().unwrap());
    let t = until(&state, &uri, |t| of(t, q).is_some() && of(t, f).is_some()).await;
    let (qf, ff) = (of(&t, q).unwrap(), of(&t, f).unwrap());
    assert_eq!((&qf["$type"], &qf["magnitude"]), (&json!(1), &json!(5.1)));
    assert_eq!(
        (&ff["$type"], &ff["kind"], &ff["confidence"]),
        (&json!(1), &json!("fire"), &json!("h"))
    );
    // Bad coordinates are 400s naming the coordinate, as for every tileset.
    let (s, _, e) = call_json(&state, get("/tiles/events/3/9/0.mvt")).await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("x"))
    );
}
