//! OGC API – Features Part 2 over HTTP (in process): `crs` and `bbox-crs` on the
//! items, `Content-Crs`, the collections' CRS lists, axis orders, and refusals that
//! name the parameter. The transformation's agreement with PROJ is checked in
//! `layers::crs` (a cs2cs table) and against cs2cs itself in tests/ogc_clients.
// Test support: a panic here is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::sync::OnceLock;

use axum::http::{HeaderMap, StatusCode};
use layers::crs::Crs;
use riskmap_server::access::Role;
use riskmap_server::{AppState, ServerConfig};
use serde_json::{Value, json};

mod common;
use common::key;

const OFFICER_KEY: &str = "officer-key-for-ogc-crs";
const GK102: &str = "http://www.opengis.net/def/crs/EPSG/0/4543";
const CGCS2000: &str = "http://www.opengis.net/def/crs/EPSG/0/4490";

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

async fn get_as(uri: &str, api_key: Option<&str>) -> (StatusCode, HeaderMap, Value) {
    let mut req = axum::http::Request::get(uri);
    if let Some(k) = api_key {
        req = req.header("x-api-key", k);
    }
    common::call_json(&state(), req.body(axum::body::Body::empty()).unwrap()).await
}

async fn get(uri: &str) -> (StatusCode, HeaderMap, Value) {
    get_as(uri, None).await
}

fn content_crs(h: &HeaderMap) -> &str {
    h.get("content-crs").unwrap().to_str().unwrap()
}

/// Every position of a GeoJSON geometry, in order.
fn positions(g: &Value) -> Vec<[f64; 2]> {
    fn walk(v: &Value, out: &mut Vec<[f64; 2]>) {
        match v.as_array() {
            Some(a) if a.len() >= 2 && a[0].is_number() => {
                out.push([a[0].as_f64().unwrap(), a[1].as_f64().unwrap()]);
            }
            Some(a) => a.iter().for_each(|x| walk(x, out)),
            None => {}
        }
    }
    let mut out = Vec::new();
    walk(&g["coordinates"], &mut out);
    out
}

fn refused(r: (StatusCode, HeaderMap, Value), field: &str) {
    assert_eq!(r.0, StatusCode::BAD_REQUEST, "{}", r.2);
    assert_eq!(r.2["error"]["field"], json!(field), "{}", r.2);
}

#[tokio::test]
async fn conformance_and_collections_declare_the_crss() {
    let (_, _, v) = get("/conformance").await;
    assert!(v["conformsTo"].as_array().unwrap().contains(&json!(
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"
    )));
    let (_, _, v) = get("/collections/shelters").await;
    let crs: Vec<&str> = v["crs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for c in [
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        "http://www.opengis.net/def/crs/EPSG/0/4326",
        CGCS2000,
        GK102,
        "http://www.opengis.net/def/crs/EPSG/0/4534",
        "http://www.opengis.net/def/crs/EPSG/0/4554",
        "http://www.opengis.net/def/crs/EPSG/0/4491",
        "http://www.opengis.net/def/crs/EPSG/0/4501",
    ] {
        assert!(crs.contains(&c), "{c} missing from {crs:?}");
    }
    assert_eq!(
        v["storageCrs"],
        json!("http://www.opengis.net/def/crs/OGC/1.3/CRS84")
    );
    // Every URI listed is one the items accept.
    for c in crs {
        let (s, h, _) = get(&format!("/collections/shelters/items?limit=1&crs={c}")).await;
        assert_eq!(s, StatusCode::OK, "{c}");
        assert_eq!(content_crs(&h), format!("<{c}>"));
    }
}

#[tokio::test]
async fn coordinates_come_in_the_crs_and_axis_order_asked_for() {
    // Polygons too: every vertex is checked.
    for layer in ["shelters", "admin"] {
        let base = format!("/collections/{layer}/items?limit=20");
        let (_, h, v84) = get(&base).await;
        assert_eq!(
            content_crs(&h),
            "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
        );
        let (s, h, v4490) = get(&format!("{base}&crs={CGCS2000}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(content_crs(&h), format!("<{CGCS2000}>"));
        let (_, h, vgk) = get(&format!("{base}&crs={GK102}")).await;
        assert_eq!(content_crs(&h), format!("<{GK102}>"));
        let gk = Crs::GaussKruger(4543).transformer();
        let features = v84["features"].as_array().unwrap();
        assert_eq!(features.len(), 20);
        for (i, f) in features.iter().enumerate() {
            let ll = positions(&f["geometry"]);
            let latlon = positions(&v4490["features"][i]["geometry"]);
            let ne = positions(&vgk["features"][i]["geometry"]);
            assert_eq!(v4490["features"][i]["id"], f["id"]);
            assert_eq!(
                (ll.len(), latlon.len(), ne.len()),
                (ll.len(), ll.len(), ll.len())
            );
            for k in 0..ll.len() {
                // EPSG:4490: the same numbers, latitude first.
                assert_eq!(latlon[k], [ll[k][1], ll[k][0]]);
                // EPSG:4543: northing first; the CRS84 position as written, projected.
                let [n, e] = gk.from_crs84(ll[k][0], ll[k][1]).unwrap();
                assert!(
                    (ne[k][0] - n).abs() < 1e-3 && (ne[k][1] - e).abs() < 1e-3,
                    "{layer} {i}: {:?} vs ({n}, {e})",
                    ne[k]
                );
                // Yunnan lies 2.3-3.2 thousand km north of the equator; eastings stay
                // near the false easting 500 km (Yunnan reaches ±4.5° off 102°E).
                assert!((2.3e6..3.3e6).contains(&ne[k][0]), "{:?}", ne[k]);
                assert!((0.0..1.0e6).contains(&ne[k][1]), "{:?}", ne[k]);
            }
            // The feature's bbox in the CRS encloses its positions, in axis order.
            let b: Vec<f64> = vgk["features"][i]["bbox"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            for p in &ne {
                assert!(b[0] <= p[0] && p[0] <= b[2] && b[1] <= p[1] && p[1] <= b[3]);
            }
            assert!(ne.iter().any(|p| p[0] == b[0]) && ne.iter().any(|p| p[1] == b[3]));
        }
    }
}

#[tokio::test]
async fn one_item_in_a_crs_and_links_keep_it() {
    let (_, _, page) = get(&format!("/collections/shelters/items?limit=3&crs={GK102}")).await;
    let fid = page["features"][1]["id"].as_u64().unwrap();
    let (s, h, one) = get(&format!("/collections/shelters/items/{fid}?crs={GK102}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(content_crs(&h), format!("<{GK102}>"));
    assert_eq!(one["geometry"], page["features"][1]["geometry"]);
    assert_eq!(one["bbox"], page["features"][1]["bbox"]);
    let next = page["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "next")
        .unwrap()["href"]
        .as_str()
        .unwrap()
        .to_string();
    let path = &next[next.find("/collections").unwrap()..];
    let (_, h, _) = get(path).await;
    assert_eq!(content_crs(&h), format!("<{GK102}>"));
}

fn ids(v: &Value) -> BTreeSet<u64> {
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn bbox_in_another_crs_selects_what_lies_in_it() {
    // Every shelter, projected: the expected answer is computed from the output.
    let (_, _, all) = get(&format!(
        "/collections/shelters/items?limit=1000&crs={GK102}"
    ))
    .await;
    assert!(all["numberMatched"].as_u64().unwrap() <= 1000);
    let b = [2_740_000.0, 420_000.0, 2_800_000.0, 480_000.0];
    let expected: BTreeSet<u64> = all["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            let [n, e] = positions(&f["geometry"])[0];
            (b[0]..=b[2]).contains(&n) && (b[1]..=b[3]).contains(&e)
        })
        .map(|f| f["id"].as_u64().unwrap())
        .collect();
    let (s, _, got) = get(&format!(
        "/collections/shelters/items?limit=1000&bbox={},{},{},{}&bbox-crs={GK102}",
        b[0], b[1], b[2], b[3]
    ))
    .await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert!(!expected.is_empty() && expected.len() < all["features"].as_array().unwrap().len());
    assert_eq!(ids(&got), expected);

    // EPSG:4490 boxes are lat,lon: the same features as the CRS84 box.
    let (_, _, v84) =
        get("/collections/shelters/items?limit=1000&bbox=101.3,24.8,101.8,25.3").await;
    let (_, _, v4490) = get(&format!(
        "/collections/shelters/items?limit=1000&bbox=24.8,101.3,25.3,101.8&bbox-crs={CGCS2000}"
    ))
    .await;
    assert!(!ids(&v84).is_empty());
    assert_eq!(ids(&v84), ids(&v4490));
}

#[tokio::test]
async fn unknown_crs_and_bad_boxes_are_refused_by_name() {
    refused(
        get("/collections/shelters/items?crs=EPSG:4490").await,
        "crs",
    );
    refused(
        get("/collections/shelters/items?crs=http://www.opengis.net/def/crs/EPSG/0/3857").await,
        "crs",
    );
    refused(get("/collections/shelters/items/1?crs=foo").await, "crs");
    refused(
        get("/collections/shelters/items?bbox=1,2,3,4&bbox-crs=urn:x").await,
        "bbox-crs",
    );
    // min > max, in metres.
    refused(
        get(&format!(
            "/collections/shelters/items?bbox=2800000,420000,2740000,480000&bbox-crs={GK102}"
        ))
        .await,
        "bbox",
    );
    // Beyond where the projection reaches: no panic, a 400.
    refused(
        get(&format!(
            "/collections/shelters/items?bbox=0,0,1,100000000&bbox-crs={GK102}"
        ))
        .await,
        "bbox",
    );
    // Lat,lon order: 101 is no latitude.
    refused(
        get(&format!(
            "/collections/shelters/items?bbox=101.3,24.8,101.8,25.3&bbox-crs={CGCS2000}"
        ))
        .await,
        "bbox",
    );
}

#[tokio::test]
async fn personal_fields_stay_hidden_in_every_crs() {
    let uri = format!("/collections/shelters/items?limit=50&crs={GK102}");
    let (_, _, public) = get(&uri).await;
    let (_, _, officer) = get_as(&uri, Some(OFFICER_KEY)).await;
    let has_manager = |v: &Value| {
        v["features"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["properties"].get("manager").is_some())
    };
    assert!(
        has_manager(&officer),
        "the field exists for a cleared caller"
    );
    assert!(!has_manager(&public));
}

#[tokio::test]
async fn openapi_documents_the_parameters_and_the_header() {
    let (_, _, doc) = get("/api/openapi.json").await;
    for (path, names) in [
        ("/collections/{layer}/items", &["crs", "bbox-crs"][..]),
        ("/collections/{layer}/items/{featureId}", &["crs"][..]),
    ] {
        let op = &doc["paths"][path]["get"];
        for name in names {
            let p = op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == *name)
                .unwrap_or_else(|| panic!("{path}: no {name}"));
            let uris = p["schema"]["enum"].as_array().unwrap();
            assert_eq!(uris.len(), Crs::all().count());
            assert!(uris.contains(&json!(GK102)));
        }
        assert!(op["responses"]["200"]["headers"]["Content-Crs"].is_object());
    }
}
