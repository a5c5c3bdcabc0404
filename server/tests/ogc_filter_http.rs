//! OGC API – Features Part 3 over HTTP: queryables, simple and CQL2 filters (text and
//! JSON), filter-crs, sortby and properties, checked against a brute-force pass over
//! the fixture's features; personal fields can be neither filtered, sorted nor
//! selected by a caller not cleared for them.
// Test code: a panic is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::sync::OnceLock;

use axum::http::StatusCode;
use layers::tiles::TileOptions;
use layers::{Dataset, Store, Value};
use riskmap_server::access::Role;
use riskmap_server::{AppState, ServerConfig};
use serde_json::{Value as Json, json};

mod common;
use common::{assert_error, call_json, get, key, with_key};

const ANALYST: &str = "analyst-key";

fn store() -> &'static Store {
    static S: OnceLock<Store> = OnceLock::new();
    S.get_or_init(|| layers::testdata::fixture_store(7))
}

fn state() -> AppState {
    static S: OnceLock<AppState> = OnceLock::new();
    S.get_or_init(|| {
        let config = ServerConfig {
            dataset: "fixture".into(),
            keys: vec![key("gis", Role::Analyst, ANALYST)],
            ..Default::default()
        };
        let state = AppState::new(config);
        state.install(Dataset::new(
            layers::testdata::fixture_store(7),
            TileOptions::default(),
        ));
        state
    })
    .clone()
}

fn escape(s: &str) -> String {
    riskmap_server::urls::query_escape(s)
}

async fn items(query: &str, key: Option<&str>) -> (StatusCode, Json) {
    let limit = if query.contains("limit=") {
        ""
    } else {
        "limit=10000&"
    };
    let (s, _, v) = call_json(
        &state(),
        with_key(
            get(&format!("/collections/shelters/items?{limit}{query}")),
            key,
        ),
    )
    .await;
    (s, v)
}

fn ids(v: &Json) -> Vec<u64> {
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_u64().unwrap())
        .collect()
}

/// Fids of the fixture's shelters for which `pred(capacity, status, lon)` holds.
fn expected(pred: impl Fn(Option<i64>, Option<&str>, f64) -> bool) -> Vec<u64> {
    let layer = store().layer("shelters").unwrap();
    let s = layer.schema();
    let (cap, status) = (
        s.field_index("capacity").unwrap(),
        s.field_index("status").unwrap(),
    );
    layer
        .features
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            let geo::Geometry::Point(p) = f.geometry else {
                return false;
            };
            pred(
                f.properties[cap].as_i64(),
                f.properties[status].as_str(),
                p.x(),
            )
        })
        .map(|(i, _)| i as u64)
        .collect()
}

#[tokio::test]
async fn queryables_list_what_the_caller_may_read() {
    let (s, h, v) = call_json(&state(), get("/collections/shelters/queryables")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["content-type"], "application/schema+json");
    let props = v["properties"].as_object().unwrap();
    assert_eq!(props["capacity"]["type"], "integer");
    assert_eq!(props["status"]["enum"], json!(["open", "closed"]));
    assert!(props.contains_key("geometry"));
    assert!(!props.contains_key("manager_phone") && !props.contains_key("manager"));
    let (_, _, v) = call_json(
        &state(),
        with_key(get("/collections/shelters/queryables"), Some(ANALYST)),
    )
    .await;
    assert!(
        v["properties"]
            .as_object()
            .unwrap()
            .contains_key("manager_phone")
    );
}

#[tokio::test]
async fn filters_select_what_a_brute_force_pass_selects() {
    let open = expected(|_, st, _| st == Some("open"));
    assert!(!open.is_empty() && open.len() < store().layer("shelters").unwrap().features.len());
    let (s, v) = items("status=open", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(ids(&v), open);
    assert_eq!(v["numberMatched"], open.len());

    let want = expected(|c, st, _| c.is_some_and(|c| c >= 500) && st == Some("open"));
    let (_, v) = items(
        &format!("filter={}", escape("capacity >= 500 AND status = 'open'")),
        None,
    )
    .await;
    assert_eq!(ids(&v), want);
    let cql_json = json!({"op": "and", "args": [
        {"op": ">=", "args": [{"property": "capacity"}, 500]},
        {"op": "=", "args": [{"property": "status"}, "open"]}]});
    let (_, v) = items(
        &format!(
            "filter-lang=cql2-json&filter={}",
            escape(&cql_json.to_string())
        ),
        None,
    )
    .await;
    assert_eq!(ids(&v), want);

    let west = expected(|_, _, x| x <= 101.5);
    let (_, v) = items(
        &format!(
            "filter={}",
            escape("S_INTERSECTS(geometry, BBOX(-180, -90, 101.5, 90))")
        ),
        None,
    )
    .await;
    assert_eq!(ids(&v), west);
    // The same box with EPSG:4326's latitude-first axes.
    let (s, v) = items(
        &format!(
            "filter-crs={}&filter={}",
            escape("http://www.opengis.net/def/crs/EPSG/0/4326"),
            escape("S_INTERSECTS(geometry, BBOX(-90, -180, 90, 101.5))")
        ),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(ids(&v), west);
}

#[tokio::test]
async fn sortby_and_properties() {
    let (s, v) = items("sortby=-capacity&properties=name,capacity&limit=50", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let caps: Vec<Option<i64>> = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["capacity"].as_i64())
        .collect();
    let mut sorted = caps.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(caps, sorted);
    for f in v["features"].as_array().unwrap() {
        let keys: Vec<&String> = f["properties"].as_object().unwrap().keys().collect();
        assert!(
            keys.iter().all(|k| *k == "name" || *k == "capacity"),
            "{keys:?}"
        );
    }
    // Paging links carry the filter, sort and selection.
    let next = v["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "next")
        .unwrap();
    let href = next["href"].as_str().unwrap();
    assert!(
        href.contains("sortby=-capacity") && href.contains("properties=name%2Ccapacity"),
        "{href}"
    );
}

#[tokio::test]
async fn personal_fields_are_no_side_channel() {
    let layer = store().layer("shelters").unwrap();
    let phone = layer.schema().field_index("manager_phone").unwrap();
    let some_phone = layer
        .features
        .iter()
        .find_map(|f| match &f.properties[phone] {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        });
    let some_phone = some_phone.expect("the fixture's shelters have managers' phones");
    for q in [
        format!("manager_phone={}", escape(&some_phone)),
        format!(
            "filter={}",
            escape(&format!("manager_phone = '{some_phone}'"))
        ),
        "sortby=manager_phone".to_string(),
        "properties=manager_phone".to_string(),
    ] {
        let (s, v) = items(&q, None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}: {v}");
        assert!(!v.to_string().contains(&some_phone), "{q}: {v}");
    }
    let (s, v) = items(
        &format!(
            "filter={}",
            escape(&format!("manager_phone = '{some_phone}'"))
        ),
        Some(ANALYST),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(!ids(&v).is_empty());
}

#[tokio::test]
async fn bad_filters_are_400_naming_the_fault() {
    for (q, field) in [
        ("filter=capacity%20%3E%3D", "filter"),
        ("filter=capacity%20%3D%20%27x%27", "filter"),
        ("filter-lang=cql3&filter=true", "filter-lang"),
        ("filter-lang=cql2-text", "filter-lang"),
        ("filter-crs=EPSG%3A9999&filter=true", "filter-crs"),
        ("filter-lang=cql2-json&filter=%7B", "filter"),
        ("capacity=lots", "capacity"),
        ("sortby=nope", "sortby"),
        ("properties=nope", "properties"),
    ] {
        let (s, v) = items(q, None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}: {v}");
        assert_error(&v, "bad_parameter");
        assert_eq!(v["error"]["field"], field, "{q}: {v}");
    }
}
