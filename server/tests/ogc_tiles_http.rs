//! OGC API – Tiles over HTTP: the tiling scheme served locally, the dataset's and the
//! collections' tilesets, their links from the landing page and collections, the tile
//! URL templates followed to real tiles, and what a public or restricted caller sees.
// Test support: a panic here is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use axum::http::StatusCode;
use geo::{Geometry, LineString, MultiPolygon, Point, Polygon};
use layers::catalogue::core_layer;
use layers::manifest::{FORMAT, FORMAT_VERSION, Manifest, ManifestLayer};
use layers::tiles::TileOptions;
use layers::{Dataset, Feature, Layer, Sensitivity, Store, Value};
use riskmap_server::access::{Role, RoleConfig};
use riskmap_server::{AppState, ServerConfig};
use serde_json::Value as Json;

mod common;
use common::{call, call_json, contains, get, key, with_key};

const ANALYST: &str = "analyst-key";
const ZONES_ONLY: &str = "zones-key";
const ORIGIN: &str = "http://localhost"; // what `origin` makes of a request without Host
const MAX_ZOOM: u8 = 12;

fn layer(id: &str, features: Vec<Feature>) -> Layer {
    let meta = ManifestLayer {
        schema: core_layer(id).unwrap(),
        file: format!("layers/{id}.fgb"),
        feature_count: features.len() as u64,
        bbox: Some([101.0, 25.0, 101.2, 25.2]),
        synthetic: true,
        sha256: String::new(),
        sources: vec![],
    };
    Layer::new(meta, features)
}

fn props(id: &str, set: &[(&str, Value)]) -> Vec<Value> {
    let schema = core_layer(id).unwrap();
    let mut p = vec![Value::Null; schema.fields.len()];
    for (k, v) in set {
        p[schema.field_index(k).unwrap()] = v.clone();
    }
    p
}

fn square(x: f64, y: f64, s: f64) -> Geometry<f64> {
    let ring = LineString::from(vec![(x, y), (x + s, y), (x + s, y + s), (x, y + s), (x, y)]);
    Geometry::MultiPolygon(MultiPolygon(vec![Polygon::new(ring, vec![])]))
}

fn state() -> AppState {
    let admin = layer(
        "admin",
        vec![Feature::new(
            square(101.0, 25.0, 0.2),
            props(
                "admin",
                &[
                    ("code", "532301".into()),
                    ("name", "楚雄市".into()),
                    ("level", "county".into()),
                ],
            ),
        )],
    );
    let shelters = layer(
        "shelters",
        vec![Feature::new(
            Geometry::Point(Point::new(101.05, 25.1)),
            props(
                "shelters",
                &[
                    ("shelter_id", "S1".into()),
                    ("name", "避难场所".into()),
                    ("manager_phone", "13912345678".into()),
                ],
            ),
        )],
    );
    let zones = layer(
        "hazard_zones",
        vec![Feature::new(
            square(101.0, 25.0, 0.1),
            props(
                "hazard_zones",
                &[("hazard_type", "flood".into()), ("grade", Value::Int(4))],
            ),
        )],
    );
    let layers = vec![admin, zones, shelters];
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        dataset_version: "v1".into(),
        created: "2025-01-01T00:00:00Z".into(),
        title: "测试".into(),
        region: None,
        attribution: "test data".into(),
        layers: layers.iter().map(|l| l.meta.clone()).collect(),
        sources: vec![],
    };
    let mut config = ServerConfig {
        keys: vec![
            key("analyst", Role::Analyst, ANALYST),
            key("zones-only", Role::System, ZONES_ONLY),
        ],
        ..ServerConfig::default()
    };
    config.roles.insert(
        Role::System,
        RoleConfig {
            layers: vec!["hazard_zones".into()],
            clearance: Sensitivity::Internal,
        },
    );
    let state = AppState::new(config);
    let options = TileOptions {
        max_zoom: MAX_ZOOM,
        ..TileOptions::default()
    };
    state.install(Dataset::new(Store::from_layers(manifest, layers), options));
    state
}

async fn json(state: &AppState, uri: &str, k: Option<&str>) -> Json {
    let (status, _, v) = call_json(state, with_key(get(uri), k)).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {v}");
    v
}

/// The href of the first link with `rel`.
fn link(v: &Json, rel: &str) -> String {
    v["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == rel)
        .unwrap_or_else(|| panic!("no {rel} link in {v}"))["href"]
        .as_str()
        .unwrap()
        .to_string()
}

fn path_of(href: &str) -> &str {
    href.strip_prefix(ORIGIN)
        .unwrap_or_else(|| panic!("{href} is not absolute at {ORIGIN}"))
}

const TILESETS: &str = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector";

#[tokio::test]
async fn landing_page_leads_to_the_tiling_scheme_and_the_tiles() {
    let s = state();
    let landing = json(&s, "/", None).await;
    let tms_list = json(
        &s,
        path_of(&link(
            &landing,
            "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
        )),
        None,
    )
    .await;
    assert_eq!(tms_list["tileMatrixSets"][0]["id"], "WebMercatorQuad");
    let tms = json(
        &s,
        path_of(&link(&tms_list["tileMatrixSets"][0], "self")),
        None,
    )
    .await;
    assert_eq!(
        tms["uri"],
        "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    );
    let m = tms["tileMatrices"].as_array().unwrap();
    assert_eq!(m.len(), MAX_ZOOM as usize + 1, "zooms 0..=max served");
    assert_eq!(m[3]["matrixWidth"], 8);
    assert_eq!(m[3]["cornerOfOrigin"], "topLeft");

    // /tiles → the composite's tileset → a tile by its template, as the XYZ tile.
    let list = json(&s, path_of(&link(&landing, TILESETS)), None).await;
    let entry = &list["tilesets"][0];
    assert_eq!(entry["dataType"], "vector");
    let meta = json(&s, path_of(&link(entry, "self")), None).await;
    let template = link(&meta, "item");
    assert!(
        template.ends_with("/{tileMatrix}/{tileRow}/{tileCol}"),
        "{template}"
    );
    let scheme = link(
        &meta,
        "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
    );
    assert_eq!(path_of(&scheme), "/tileMatrixSets/WebMercatorQuad");
    let url = template
        .replace("{tileMatrix}", "10")
        .replace("{tileRow}", "438")
        .replace("{tileCol}", "799");
    let (status, h, ogc) = call(&s, get(path_of(&url))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h["content-type"], "application/vnd.mapbox-vector-tile");
    let (_, _, xyz) = call(&s, get("/tiles/onemap/10/799/438.mvt")).await;
    assert_eq!(ogc, xyz);
    assert!(contains(&ogc, "admin_labels") && contains(&ogc, "楚雄市"));

    let ids: Vec<&str> = meta["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["admin", "hazard_zones", "shelters", "admin_labels"]);
    assert_eq!(meta["maxTileMatrix"], MAX_ZOOM.to_string());
    let limits = meta["tileMatrixSetLimits"].as_array().unwrap();
    let z10 = limits.iter().find(|l| l["tileMatrix"] == "10").unwrap();
    assert!(
        z10["minTileCol"].as_u64().unwrap() <= 799 && z10["maxTileCol"].as_u64().unwrap() >= 799
    );
}

#[tokio::test]
async fn conformance_declares_ogc_api_tiles() {
    let v = json(&state(), "/conformance", None).await;
    let classes: Vec<&str> = v["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for c in [
        "core",
        "tileset",
        "tilesets-list",
        "dataset-tilesets",
        "mvt",
        "oas30",
    ] {
        let uri = format!("http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/{c}");
        assert!(classes.contains(&uri.as_str()), "{uri}");
    }
    assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"));
    // Not claimed while collections carry no tilesets link (GDAL 3.6, see api/ogc.rs).
    assert!(!classes.iter().any(|c| c.ends_with("/geodata-tilesets")));
}

#[tokio::test]
async fn collections_link_their_tilesets_with_only_visible_fields() {
    let s = state();
    let list = json(&s, "/collections/shelters/tiles", None).await;
    let meta_href = link(&list["tilesets"][0], "self");
    assert_eq!(
        path_of(&meta_href),
        "/collections/shelters/tiles/WebMercatorQuad"
    );
    let fields = |m: &Json| m["layers"][0]["propertiesSchema"]["properties"].clone();
    let public = json(&s, path_of(&meta_href), None).await;
    assert!(fields(&public).get("name").is_some());
    assert!(fields(&public).get("manager_phone").is_none());
    let cleared = json(&s, path_of(&meta_href), Some(ANALYST)).await;
    assert!(fields(&cleared).get("manager_phone").is_some());
    let item = link(&public, "item");
    let url = item
        .replace("{tileMatrix}", "12")
        .replace("{tileRow}", "1752")
        .replace("{tileCol}", "3197");
    let (status, _, tile) = call(&s, get(path_of(&url))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(contains(&tile, "避难场所") && !contains(&tile, "13912345678"));

    // Collections do not link their tilesets: GDAL 3.6 would read them as tiles only.
    let col = json(&s, "/collections/shelters", None).await;
    let links = col["links"].as_array().unwrap();
    assert!(links.iter().all(|l| l["rel"] != TILESETS));
}

#[tokio::test]
async fn unseen_unknown_and_bad_requests_are_refused_by_name() {
    let s = state();
    // A role restricted to hazard zones sees neither shelters' tiles nor their labels.
    for uri in [
        "/collections/shelters/tiles",
        "/collections/shelters/tiles/WebMercatorQuad",
    ] {
        let (status, _, v) = call_json(&s, with_key(get(uri), Some(ZONES_ONLY))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {v}");
    }
    let meta = json(&s, "/tiles/WebMercatorQuad", Some(ZONES_ONLY)).await;
    let ids: Vec<&str> = meta["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["hazard_zones"]);
    // Neither the composite nor the label layer is a collection.
    for uri in [
        "/collections/onemap/tiles",
        "/collections/admin_labels/tiles/WebMercatorQuad",
    ] {
        let (status, _, v) = call_json(&s, get(uri)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {v}");
    }
    let (status, _, v) = call_json(&s, get("/tileMatrixSets/WorldCRS84Quad")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["field"], "tileMatrixSetId");
    let (status, _, v) = call_json(&s, get("/tiles?bogus=1")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["field"], "bogus");
    let (status, _, v) = call_json(&s, get("/tiles/WebMercatorQuad/x/0/0")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["field"], "z");
    let (status, _, _) = call_json(&s, get("/tiles/WebMercatorQuad/13/0/0")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "beyond the max zoom served");
}
