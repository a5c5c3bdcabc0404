//! The events API over HTTP: who may post, JSON and CAP ingest with admin codes
//! resolved through the dataset's admin layer, resends, refusals that name the
//! element and store nothing, reads and history as each caller may see them.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{call_json, get, key, post_json, with_key};
use riskmap_server::access::Role;
use riskmap_server::{AppState, ServerConfig};
use serde_json::{Value as Json, json};

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

/// A county code the dataset's admin layer has (read from it, not assumed).
fn county(state: &AppState) -> String {
    let d = state.dataset().unwrap();
    let mut codes: Vec<&String> = d
        .derived()
        .admin
        .by_code
        .keys()
        .filter(|c| c.len() == 6)
        .collect();
    codes.sort();
    (*codes.last().unwrap()).clone()
}

fn cap_request(xml: &str, key: &str) -> Request<Body> {
    with_key(
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/events")
            .header(header::CONTENT_TYPE, "application/cap+xml")
            .body(Body::from(xml.to_string()))
            .unwrap(),
        Some(key),
    )
}

fn cap(identifier: &str, msg_type: &str, references: &str, code: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier><sender>53230000000000@12379.cn</sender>
  <sent>2026-07-12T08:30:00+08:00</sent><status>Actual</status><msgType>{msg_type}</msgType>
  <scope>Public</scope>{references}
  <info><language>zh-CN</language><category>Geo</category><event>地质灾害气象风险预警</event>
    <urgency>Expected</urgency><severity>Severe</severity><certainty>Likely</certainty>
    <headline>楚雄州地质灾害气象风险橙色预警</headline><contact>张三 13800000000</contact>
    <area><areaDesc>楚雄州</areaDesc><geocode><valueName>GB/T 2260</valueName><value>{code}</value></geocode></area>
    <area><areaDesc>东部</areaDesc><polygon>25.00,101.50 25.00,101.60 25.10,101.60 25.00,101.50</polygon></area>
  </info>
</alert>"#
    )
}

async fn count(state: &AppState) -> usize {
    let (_, _, body) = call_json(state, get("/api/v1/events?limit=1000")).await;
    body["features"].as_array().unwrap().len()
}

#[tokio::test]
async fn only_system_and_admin_post_and_the_public_sees_no_key_names() {
    let state = state().await;
    let body = json!({"type": "fire", "point": [101.5, 25.0], "confidence": "h", "frp_mw": 8.0});
    let (s, _, e) = call_json(&state, post_json("/api/v1/events", &body)).await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("Authorization"))
    );
    let (s, _, _) = call_json(
        &state,
        with_key(post_json("/api/v1/events", &body), Some(ANALYST)),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(count(&state).await, 0);
    let (s, h, created) = call_json(
        &state,
        with_key(post_json("/api/v1/events", &body), Some(SYSTEM)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["event"]["id"].as_str().unwrap().to_string();
    assert_eq!(h[header::LOCATION], format!("/api/v1/events/{id}").as_str());
    let (s, _, _) = call_json(
        &state,
        with_key(post_json("/api/v1/events", &body), Some(ADMIN)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);

    let history = format!("/api/v1/events/{id}/history");
    let (_, _, public) = call_json(&state, get(&history)).await;
    assert_eq!(public["revisions"][0]["actor"], json!({"role": "system"}));
    assert!(!public.to_string().contains("warning-release"));
    let (_, _, one) = call_json(&state, get(&format!("/api/v1/events/{id}"))).await;
    assert!(!one.to_string().contains("warning-release"));
    assert_eq!(
        one["geometry"],
        json!({"type": "Point", "coordinates": [101.5, 25.0]})
    );
    let (_, _, cleared) = call_json(&state, with_key(get(&history), Some(ANALYST))).await;
    assert_eq!(
        cleared["revisions"][0]["actor"]["key_name"],
        "warning-release"
    );
}

#[tokio::test]
async fn cap_alert_update_and_refusals_over_http() {
    let state = state().await;
    let code = county(&state);
    let (s, _, first) = call_json(
        &state,
        cap_request(&cap("CX-1", "Alert", "", &code), SYSTEM),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let ev = &first["event"];
    assert_eq!(ev["properties"]["level"], 3);
    assert_eq!(ev["properties"]["hazard_type"], "geological");
    assert_eq!(ev["properties"]["area"]["admin_codes"], json!([code]));
    // The admin unit's boundary from the dataset, next to the message's polygon.
    assert_eq!(ev["geometry"]["type"], "GeometryCollection");
    assert_eq!(ev["geometry"]["geometries"].as_array().unwrap().len(), 2);
    assert!(
        !first.to_string().contains("13800000000"),
        "CAP contact is not taken in"
    );

    let (s, _, again) = call_json(
        &state,
        cap_request(&cap("CX-1", "Alert", "", &code), SYSTEM),
    )
    .await;
    assert_eq!((s, again["added"].as_bool()), (StatusCode::OK, Some(false)));
    assert_eq!(again["event"]["properties"]["revision"], 1);

    let refs = "<references>53230000000000@12379.cn,CX-1,2026-07-12T08:30:00+08:00</references>";
    let (s, _, upd) = call_json(
        &state,
        cap_request(&cap("CX-2", "Update", refs, &code), SYSTEM),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{upd}");
    assert_eq!(upd["event"]["id"], ev["id"]);
    assert_eq!(upd["event"]["properties"]["revision"], 2);

    let before = count(&state).await;
    let bad_ref = "<references>53230000000000@12379.cn,NOPE,2026-07-12T08:30:00+08:00</references>";
    for (xml, status, field) in [
        (
            cap("CX-3", "Alert", "", "110101"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "info[0].area[0].geocode.value",
        ),
        (
            cap("CX-3", "Alert", "", &code).replace("</info>", ""),
            StatusCode::BAD_REQUEST,
            "alert",
        ),
        (
            cap("CX-3", "Alert", "", &code).replace(" 25.00,101.50</polygon>", "</polygon>"),
            StatusCode::BAD_REQUEST,
            "info[0].area[1].polygon",
        ),
        (
            cap("CX-3", "Update", bad_ref, &code),
            StatusCode::UNPROCESSABLE_ENTITY,
            "references[0]",
        ),
    ] {
        let (s, _, e) = call_json(&state, cap_request(&xml, SYSTEM)).await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (status, Some(field)),
            "{e}"
        );
    }
    assert_eq!(
        count(&state).await,
        before,
        "a refused message stored something"
    );
    let (_, _, h) = call_json(
        &state,
        get(&format!(
            "/api/v1/events/{}/history",
            ev["id"].as_str().unwrap()
        )),
    )
    .await;
    assert_eq!(h["revisions"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn reads_filter_and_refuse_bad_parameters() {
    let state = state().await;
    let code = county(&state);
    let w = json!({"type": "warning", "hazard_type": "flood", "level": 2, "area": {"admin_codes": [code]}});
    let (_, _, a) = call_json(
        &state,
        with_key(post_json("/api/v1/events", &w), Some(SYSTEM)),
    )
    .await;
    let (_, _, b) = call_json(
        &state,
        with_key(post_json("/api/v1/events", &w), Some(SYSTEM)),
    )
    .await;
    let end = json!({"type": "end", "event_id": b["event"]["id"], "status": "cancelled"});
    let (s, _, _) = call_json(
        &state,
        with_key(post_json("/api/v1/events", &end), Some(SYSTEM)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _, active) = call_json(&state, get("/api/v1/events?status=active")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(active["type"], "FeatureCollection");
    let ids: Vec<&Json> = active["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["id"])
        .collect();
    assert_eq!(ids, [&a["event"]["id"]]);
    let (_, _, again) = call_json(
        &state,
        with_key(post_json("/api/v1/events", &end), Some(SYSTEM)),
    )
    .await;
    assert_eq!(again["error"]["code"], "conflict");

    for (uri, field) in [
        ("/api/v1/events?status=open", "status"),
        ("/api/v1/events?limit=0", "limit"),
        ("/api/v1/events?colour=red", "colour"),
    ] {
        let (s, _, e) = call_json(&state, get(uri)).await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{uri}"
        );
    }
    let (s, _, _) = call_json(&state, get("/api/v1/events/ev_missing")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = call_json(&state, get("/api/v1/events/ev_missing/history")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let bad = json!({"type": "warning", "hazard_type": "flood", "level": 2, "area": {"admin_codes": ["999999"]}});
    let (s, _, e) = call_json(
        &state,
        with_key(post_json("/api/v1/events", &bad), Some(SYSTEM)),
    )
    .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("area.admin_codes[0]")
        )
    );
    let text = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/events")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("hello"))
        .unwrap();
    let (s, _, _) = call_json(&state, with_key(text, Some(SYSTEM))).await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn without_a_store_events_answer_503_and_the_openapi_lists_them() {
    let state = AppState::with_store(ServerConfig::default(), layers::testdata::fixture_store(7));
    let (s, _, e) = call_json(&state, get("/api/v1/events")).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("unavailable"))
    );
    let (_, _, doc) = call_json(&state, get("/api/openapi.json")).await;
    for p in [
        "/api/v1/events",
        "/api/v1/events/{id}",
        "/api/v1/events/{id}/history",
    ] {
        assert!(
            doc["paths"][p].is_object(),
            "{p} missing from the OpenAPI document"
        );
    }
    assert!(
        doc["paths"]["/api/v1/events"]["post"]["requestBody"]["content"]["application/cap+xml"]
            .is_object()
    );
}
