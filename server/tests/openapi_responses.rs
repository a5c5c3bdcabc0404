//! The OpenAPI document against the answers the server really gives: every documented
//! operation is requested on the fixture dataset (happy paths and errors, public and
//! cleared callers), and each answer's status must be documented for it, its media type
//! listed, and its JSON body valid against that status' schema. So the document cannot
//! drift from the serialized shapes.
// Test support: a panic here is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, header};
use common::{call, key, square};
use riskmap_server::access::Role;
use riskmap_server::{AppState, ServerConfig};
use serde_json::{Value as Json, json};

const ANALYST: &str = "analyst-key";
const SYSTEM: &str = "system-key";

async fn state() -> AppState {
    let mut config = ServerConfig {
        keys: vec![
            key("gis-analyst", Role::Analyst, ANALYST),
            key("warning-release", Role::System, SYSTEM),
        ],
        ..ServerConfig::default()
    };
    config.tiles.styles_dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../styles"));
    common::state_with_events(config).await
}

/// OpenAPI 3.0's `nullable: true` as JSON Schema: `anyOf` the schema and null.
fn nullable_to_any_of(v: &mut Json) {
    match v {
        Json::Array(a) => a.iter_mut().for_each(nullable_to_any_of),
        Json::Object(o) => {
            o.values_mut().for_each(nullable_to_any_of);
            if o.remove("nullable") == Some(json!(true)) {
                let inner = Json::Object(std::mem::take(o));
                o.insert("anyOf".into(), json!([inner, {"type": "null"}]));
            }
        }
        _ => {}
    }
}

struct Checker {
    state: AppState,
    doc: Json,
    /// (method, path template) of every operation requested.
    seen: BTreeSet<(String, String)>,
    /// Every mismatch found, reported together at the end.
    faults: Vec<String>,
}

impl Checker {
    fn new(state: AppState, doc: Json) -> Self {
        Checker {
            state,
            doc,
            seen: BTreeSet::new(),
            faults: vec![],
        }
    }

    /// `$ref`s of `components.responses` followed.
    fn resolve(&self, v: &Json) -> Json {
        match v["$ref"].as_str() {
            Some(r) => self
                .doc
                .pointer(r.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("unresolvable {r}"))
                .clone(),
            None => v.clone(),
        }
    }

    /// Send `req` (documented under `template`) and check the answer against the
    /// document; the answer's status and JSON body are returned.
    async fn check(&mut self, template: &str, req: Request<Body>) -> (u16, Json) {
        let method = req.method().as_str().to_lowercase();
        let uri = req.uri().to_string();
        let (status, headers, body) = call(&self.state, req).await;
        let op = self.doc["paths"][template][&method].clone();
        assert!(op.is_object(), "{method} {template} is not in the document");
        self.seen.insert((method.clone(), template.to_string()));
        let code = status.as_u16();
        let text = String::from_utf8_lossy(&body).to_string();
        let json: Json = serde_json::from_slice(&body).unwrap_or(Json::Null);
        let responses = &op["responses"];
        let Some(documented) = responses.get(code.to_string()) else {
            self.faults.push(format!(
                "{method} {uri}: status {code} is not documented for {template}: {text}"
            ));
            return (code, json);
        };
        let response = self.resolve(documented);
        let Some(content) = response["content"].as_object() else {
            if !body.is_empty() {
                self.faults
                    .push(format!("{method} {uri}: {code} documents no body"));
            }
            return (code, json);
        };
        let media = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap_or("")
            .trim()
            .to_string();
        // Media types compared without their parameters (`;version=3.0`).
        let entry = content
            .iter()
            .find(|(k, _)| k.split(';').next().unwrap_or("").trim() == media)
            .map(|(_, v)| v);
        let Some(entry) = entry else {
            self.faults.push(format!(
                "{method} {uri}: {code} answered {media:?}, documented {:?}",
                content.keys()
            ));
            return (code, json);
        };
        if media.ends_with("json") {
            let mut root =
                json!({"components": self.doc["components"], "allOf": [entry["schema"]]});
            nullable_to_any_of(&mut root);
            let validator = jsonschema::draft4::new(&root).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&json)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .take(5)
                .collect();
            if !errors.is_empty() {
                let end = text.char_indices().nth(600).map_or(text.len(), |(i, _)| i);
                self.faults.push(format!(
                    "{method} {uri}: the {code} body does not match the document's schema: {errors:?}\n{}",
                    &text[..end]
                ));
            }
        }
        (code, json)
    }

    fn finish(&self) {
        assert!(self.faults.is_empty(), "{}", self.faults.join("\n\n"));
    }

    async fn get(&mut self, template: &str, uri: &str, key: Option<&str>) -> (u16, Json) {
        self.check(template, request(Method::GET, uri, None, key))
            .await
    }
}

fn request(method: Method, uri: &str, body: Option<&Json>, key: Option<&str>) -> Request<Body> {
    let mut r = Request::builder().method(method).uri(uri);
    if let Some(k) = key {
        r = r.header(header::AUTHORIZATION, format!("Bearer {k}"));
    }
    match body {
        Some(b) => r
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => r.body(Body::empty()),
    }
    .unwrap()
}

/// A county code of the fixture's admin layer (read from it, not assumed).
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
    (*codes[0]).clone()
}

async fn ogc(c: &mut Checker) {
    for (t, uri) in [
        ("/", "/"),
        ("/conformance", "/conformance"),
        ("/health", "/health"),
        ("/api/openapi.json", "/api/openapi.json"),
        ("/collections", "/collections"),
        ("/collections/{layer}", "/collections/shelters"),
        ("/collections/{layer}", "/collections/nope"),
        (
            "/collections/{layer}/queryables",
            "/collections/shelters/queryables",
        ),
        (
            "/collections/{layer}/items",
            "/collections/shelters/items?limit=3",
        ),
        (
            "/collections/{layer}/items",
            "/collections/evacuation_grids/items?limit=2&crs=http://www.opengis.net/def/crs/EPSG/0/4490",
        ),
        (
            "/collections/{layer}/items",
            "/collections/shelters/items?bbox=1,2",
        ),
        ("/collections/{layer}/items", "/collections/nope/items"),
        (
            "/collections/{layer}/items/{featureId}",
            "/collections/shelters/items/0",
        ),
        (
            "/collections/{layer}/items/{featureId}",
            "/collections/shelters/items/999999",
        ),
        ("/collections/{layer}/tiles", "/collections/shelters/tiles"),
        (
            "/collections/{layer}/tiles/WebMercatorQuad",
            "/collections/shelters/tiles/WebMercatorQuad",
        ),
        (
            "/collections/{layer}/tiles/WebMercatorQuad/{z}/{row}/{col}",
            "/collections/admin/tiles/WebMercatorQuad/8/110/200",
        ),
        (
            "/collections/{layer}/tiles/WebMercatorQuad/{z}/{row}/{col}",
            "/collections/admin/tiles/WebMercatorQuad/20/0/0",
        ),
        ("/tileMatrixSets", "/tileMatrixSets"),
        (
            "/tileMatrixSets/{tileMatrixSetId}",
            "/tileMatrixSets/WebMercatorQuad",
        ),
        ("/tileMatrixSets/{tileMatrixSetId}", "/tileMatrixSets/Nope"),
        ("/tiles", "/tiles"),
        ("/tiles/WebMercatorQuad", "/tiles/WebMercatorQuad"),
        (
            "/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}",
            "/tiles/WebMercatorQuad/8/110/200",
        ),
        (
            "/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}",
            "/tiles/WebMercatorQuad/3/9/0",
        ),
        (
            "/tiles/{layer}/{z}/{x}/{y}.mvt",
            "/tiles/admin/8/200/110.mvt",
        ),
        ("/tiles/{layer}/{z}/{x}/{y}.mvt", "/tiles/admin/20/0/0.mvt"),
        ("/tiles/{layer}/{z}/{x}/{y}.mvt", "/tiles/admin/21/0/0.mvt"),
        (
            "/tiles/onemap/{z}/{x}/{y}.mvt",
            "/tiles/onemap/8/200/110.mvt",
        ),
        ("/tiles/onemap/{z}/{x}/{y}.mvt", "/tiles/onemap/3/0/8.mvt"),
        ("/tiles/{layer}.json", "/tiles/shelters.json"),
        ("/tiles/{layer}.json", "/tiles/onemap.json"),
        ("/catalog", "/catalog"),
        ("/styles/{name}.json", "/styles/onemap.json"),
        ("/styles/{name}.json", "/styles/nope.json"),
    ] {
        c.get(t, uri, None).await;
    }
    // Every per-collection items path (they list the queryables) answers its schema.
    let per_layer: Vec<String> = c.doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|p| p.starts_with("/collections/") && p.ends_with("/items") && !p.contains('{'))
        .cloned()
        .collect();
    assert!(!per_layer.is_empty());
    for p in per_layer {
        for key in [None, Some(ANALYST)] {
            let (s, _) = c.get(&p, &format!("{p}?limit=2"), key).await;
            assert_eq!(s, 200, "{p}");
        }
    }
}

async fn queries(c: &mut Checker) {
    let code = county(&c.state);
    let area = json!({"type": "Polygon", "coordinates": [square(101.35, 24.9, 0.3)]});
    for key in [None, Some(ANALYST)] {
        for (t, uri) in [
            (
                "/api/v1/point",
                "/api/v1/point?lon=101.5&lat=25.05".to_string(),
            ),
            ("/api/v1/point", "/api/v1/point?lon=200&lat=25".to_string()),
            (
                "/api/v1/nearest",
                "/api/v1/nearest?layer=shelters&lon=101.5&lat=25&k=3".to_string(),
            ),
            (
                "/api/v1/nearest",
                "/api/v1/nearest?layer=depots&lon=101.5&lat=25&max_distance_m=1".to_string(),
            ),
            (
                "/api/v1/within",
                "/api/v1/within?layer=shelters&bbox=100,24,103,27&limit=2".to_string(),
            ),
            (
                "/api/v1/within",
                "/api/v1/within?layer=evacuation_grids&lon=101.5&lat=25&radius_m=5000".to_string(),
            ),
            (
                "/api/v1/areas/{code}/summary",
                format!("/api/v1/areas/{code}/summary"),
            ),
            (
                "/api/v1/areas/{code}/summary",
                "/api/v1/areas/999999/summary".to_string(),
            ),
        ] {
            c.get(t, &uri, key).await;
        }
        let posts = [
            (
                "/api/v1/within",
                "/api/v1/within?layer=shelters&limit=2",
                area.clone(),
            ),
            (
                "/api/v1/within",
                "/api/v1/within?layer=shelters",
                json!({"type": "Point", "coordinates": [1, 2]}),
            ),
            (
                "/api/v1/analysis/transfer",
                "/api/v1/analysis/transfer",
                json!({"area": area, "hazard_type": "flood", "scope": "all", "include_geometry": true}),
            ),
            (
                "/api/v1/analysis/transfer",
                "/api/v1/analysis/transfer",
                json!({"area": {}, "hazard_type": "flood"}),
            ),
            (
                "/api/v1/analysis/earthquake",
                "/api/v1/analysis/earthquake",
                json!({"epicentre": [101.5, 25.0], "magnitude": 6.5}),
            ),
            (
                "/api/v1/analysis/earthquake",
                "/api/v1/analysis/earthquake",
                json!({"epicentre": {"type": "Point", "coordinates": [101.5, 25.0]}, "magnitude": 5, "strike_deg": 30}),
            ),
            (
                "/api/v1/analysis/fire",
                "/api/v1/analysis/fire",
                json!({"point": [101.5, 25.0]}),
            ),
            (
                "/api/v1/analysis/fire",
                "/api/v1/analysis/fire",
                json!({"point": null}),
            ),
        ];
        for (t, uri, body) in posts {
            c.check(t, request(Method::POST, uri, Some(&body), key))
                .await;
        }
    }
}

async fn events(c: &mut Checker) {
    let warning = json!({"type": "warning", "hazard_type": "flood", "level": 3,
        "area": {"polygons": [square(101.35, 24.9, 0.2)]}, "headline": "洪水橙色预警",
        "source": {"identifier": "W-1", "sender": "test", "sent": "2026-07-12T08:00:00+08:00"}});
    let post = |key| request(Method::POST, "/api/v1/events", Some(&warning), key);
    let (s, _) = c.check("/api/v1/events", post(None)).await;
    assert_eq!(s, 401);
    let (s, _) = c.check("/api/v1/events", post(Some(ANALYST))).await;
    assert_eq!(s, 403);
    let (s, v) = c.check("/api/v1/events", post(Some(SYSTEM))).await;
    assert_eq!(s, 201, "{v}");
    let (s, _) = c.check("/api/v1/events", post(Some(SYSTEM))).await;
    assert_eq!(s, 200, "a resend");
    let id = v["event"]["id"].as_str().unwrap().to_string();
    // The analysis runs in the background: wait for it.
    for _ in 0..600 {
        let (_, v) = c
            .get("/api/v1/events/{id}", &format!("/api/v1/events/{id}"), None)
            .await;
        if v["properties"]["analysis"]["status"] == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for key in [None, Some(ANALYST)] {
        for (t, uri) in [
            ("/api/v1/events", "/api/v1/events?limit=5".to_string()),
            ("/api/v1/events", "/api/v1/events?limit=0".to_string()),
            ("/api/v1/events/{id}", format!("/api/v1/events/{id}")),
            ("/api/v1/events/{id}", "/api/v1/events/ev_nope".to_string()),
            (
                "/api/v1/events/{id}/history",
                format!("/api/v1/events/{id}/history"),
            ),
            (
                "/api/v1/events/{id}/progress",
                format!("/api/v1/events/{id}/progress"),
            ),
            (
                "/api/v1/events/{id}/progress",
                "/api/v1/events/ev_nope/progress".to_string(),
            ),
        ] {
            c.get(t, &uri, key).await;
        }
    }
    // The live events tiles: the warning's tile, an empty one, a zoom out of range, a
    // zoom beyond the dataset's (404).
    for uri in [
        "/tiles/events/8/200/109.mvt",
        "/tiles/events/3/0/0.mvt",
        "/tiles/events/21/0/0.mvt",
        "/tiles/events/19/0/0.mvt",
    ] {
        c.get("/tiles/events/{z}/{x}/{y}.mvt", uri, None).await;
    }
    let (_, p) = c
        .get(
            "/api/v1/events/{id}/progress",
            &format!("/api/v1/events/{id}/progress"),
            None,
        )
        .await;
    let grid = p["grids"][0]["grid_code"].as_str().unwrap().to_string();
    let patch = |uri: &str, body: &Json, key| {
        let mut r = request(Method::PATCH, uri, Some(body), key);
        *r.method_mut() = Method::PATCH;
        r
    };
    let one = format!("/api/v1/events/{id}/grids/{grid}");
    let many = format!("/api/v1/events/{id}/grids");
    let t1 = "/api/v1/events/{id}/grids/{grid_code}";
    let tn = "/api/v1/events/{id}/grids";
    let (s, _) = c
        .check(t1, patch(&one, &json!({"called": true}), None))
        .await;
    assert_eq!(s, 401);
    let (s, v) = c
        .check(
            t1,
            patch(&one, &json!({"called": true, "note": "已叫"}), Some(SYSTEM)),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = c
        .check(
            tn,
            patch(
                &many,
                &json!([{"grid_code": grid, "answered": true, "persons_moved": 3}]),
                Some(SYSTEM),
            ),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, _) = c.check(tn, patch(&many, &json!([]), Some(SYSTEM))).await;
    assert_eq!(s, 400);
    let no_json = Request::builder()
        .method(Method::PATCH)
        .uri(&many)
        .header(header::AUTHORIZATION, format!("Bearer {SYSTEM}"))
        .body(Body::from("x"))
        .unwrap();
    c.check(tn, no_json).await;
    for key in [None, Some(ANALYST)] {
        c.get(
            "/api/v1/events/{id}/progress",
            &format!("/api/v1/events/{id}/progress"),
            key,
        )
        .await;
    }
}

#[tokio::test]
async fn every_documented_operation_answers_as_the_document_says() {
    let state = state().await;
    let (_, _, doc) = common::call_json(&state, common::get("/api/openapi.json")).await;
    let mut c = Checker::new(state, doc);
    ogc(&mut c).await;
    queries(&mut c).await;
    events(&mut c).await;
    // Every operation of the document was requested, but the never-ending SSE stream
    // (tests/events_live.rs reads it).
    let mut missing = vec![];
    for (p, ops) in c.doc["paths"].as_object().unwrap() {
        for m in ops.as_object().unwrap().keys() {
            if !c.seen.contains(&(m.clone(), p.clone())) && p != "/api/v1/events/stream" {
                missing.push(format!("{m} {p}"));
            }
        }
    }
    assert!(missing.is_empty(), "operations never checked: {missing:?}");
    c.finish();
}

/// The checker itself: a body that breaks its schema, or a status the document does not
/// list, fails (so the test above can fail).
#[tokio::test]
#[should_panic(expected = "is not documented")]
async fn an_undocumented_status_fails_the_check() {
    let state = state().await;
    let (_, _, mut doc) = common::call_json(&state, common::get("/api/openapi.json")).await;
    doc["paths"]["/collections/{layer}"]["get"]["responses"]
        .as_object_mut()
        .unwrap()
        .remove("404");
    let mut c = Checker::new(state, doc);
    c.get("/collections/{layer}", "/collections/nope", None)
        .await;
    c.finish();
}

#[tokio::test]
#[should_panic(expected = "does not match the document's schema")]
async fn a_body_off_its_schema_fails_the_check() {
    let state = state().await;
    let (_, _, mut doc) = common::call_json(&state, common::get("/api/openapi.json")).await;
    doc["components"]["schemas"]["Conformance"]["required"] = json!(["conformsTo", "notThere"]);
    let mut c = Checker::new(state, doc);
    c.get("/conformance", "/conformance", None).await;
    c.finish();
}
