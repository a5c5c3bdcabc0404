//! The viewer's server side: pages and assets from the configured directory, glyph
//! ranges (empty valid ranges where the font has none), the viewer configuration
//! filtered for the caller. The wall's publication is tested in `wall.rs`.
// Test support: a panic here is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use geo::{Geometry, LineString, MultiPolygon, Polygon};
use layers::dataset::{DatasetMeta, LayerData, write_dataset};
use layers::{Feature, Sensitivity, Value, catalogue};
use riskmap_server::access::Role;
use riskmap_server::{AppState, ServerConfig, reload};
use serde_json::{Value as Json, json};

mod common;
use common::{call, get, json_of, key};

struct Fixture {
    _dir: tempfile::TempDir,
    state: AppState,
    assets: std::path::PathBuf,
}

/// A dataset with evacuation grids (which have personal fields) and built "assets".
async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let schema = catalogue::core_layer("evacuation_grids").unwrap();
    let mut props = vec![Value::Null; schema.fields.len()];
    props[schema.field_index("grid_code").unwrap()] = "G1".into();
    props[schema.field_index("level").unwrap()] = Value::Int(5);
    let ring = LineString::from(vec![
        (101.0, 25.0),
        (101.1, 25.0),
        (101.1, 25.1),
        (101.0, 25.1),
        (101.0, 25.0),
    ]);
    let sq = Polygon::new(ring, vec![]);
    let features = vec![Feature::new(
        Geometry::MultiPolygon(MultiPolygon(vec![sq])),
        props,
    )];
    let data = dir.path().join("data");
    write_dataset(
        &data,
        DatasetMeta {
            title: "t".into(),
            ..Default::default()
        },
        &[LayerData {
            schema,
            features,
            synthetic: true,
            sources: vec![],
        }],
    )
    .unwrap();
    let assets = dir.path().join("dist");
    let font = assets.join("fonts/Test Font");
    std::fs::create_dir_all(&font).unwrap();
    std::fs::create_dir_all(assets.join("assets/app")).unwrap();
    std::fs::write(assets.join("index.html"), "<html>analyst</html>").unwrap();
    std::fs::write(assets.join("wall.html"), "<html>wall</html>").unwrap();
    std::fs::write(assets.join("assets/app/a.js"), "export {}").unwrap();
    std::fs::write(font.join("0-255.pbf"), b"glyphs").unwrap();
    let mut config = ServerConfig {
        dataset: data,
        keys: vec![key("ops", Role::Admin, "admin-key")],
        ..Default::default()
    };
    config.viewer.assets_dir = Some(assets.clone());
    let state = AppState::new(config);
    reload::load(&state).await;
    Fixture {
        _dir: dir,
        state,
        assets,
    }
}

#[tokio::test]
async fn pages_assets_and_glyphs_are_served_from_the_assets_directory() {
    let f = fixture().await;
    let html = Request::get("/")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .body(Body::empty())
        .unwrap();
    let (s, h, b) = call(&f.state, html).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        h[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(b, b"<html>analyst</html>");
    let (s, _, b) = call(&f.state, get("/wall")).await;
    assert_eq!(
        (s, b.as_slice()),
        (StatusCode::OK, b"<html>wall</html>".as_slice())
    );
    let (s, _, b) = call(&f.state, get("/assets/app/a.js")).await;
    assert_eq!((s, b.as_slice()), (StatusCode::OK, b"export {}".as_slice()));
    assert_eq!(
        call(&f.state, get("/assets/app/none.js")).await.0,
        StatusCode::NOT_FOUND
    );
    assert!(f.assets.is_dir());

    // The named font, a stack naming an unknown font first, and a range with no glyphs.
    let (s, h, b) = call(&f.state, get("/fonts/Test%20Font/0-255.pbf")).await;
    assert_eq!((s, b.as_slice()), (StatusCode::OK, b"glyphs".as_slice()));
    assert_eq!(h[header::CONTENT_TYPE], "application/x-protobuf");
    let (s, _, b) = call(&f.state, get("/fonts/Other,Test%20Font/0-255.pbf")).await;
    assert_eq!((s, b.as_slice()), (StatusCode::OK, b"glyphs".as_slice()));
    let (s, _, b) = call(&f.state, get("/fonts/Test%20Font/256-511.pbf")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        b.windows(7).any(|w| w == b"256-511"),
        "an empty range names itself"
    );
    for bad in [
        "/fonts/Test%20Font/1-256.pbf",
        "/fonts/Test%20Font/x.pbf",
        "/fonts/Test%20Font/65536-65791.pbf",
    ] {
        let (s, _, b) = call(&f.state, get(bad)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(json_of(&b)["error"]["field"], "range");
    }
}

#[tokio::test]
async fn viewer_config_shows_only_the_fields_the_caller_may_see() {
    let f = fixture().await;
    let fields = |c: &Json| -> Vec<String> {
        c["layers"][0]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["name"].as_str().unwrap().to_string())
            .collect()
    };
    let (s, _, b) = call(&f.state, get("/viewer/config.json")).await;
    assert_eq!(s, StatusCode::OK);
    let public = json_of(&b);
    let schema = catalogue::core_layer("evacuation_grids").unwrap();
    let personal: Vec<&str> = schema
        .fields
        .iter()
        .filter(|x| x.sensitivity == Sensitivity::Personal)
        .map(|x| x.name.as_str())
        .collect();
    assert!(!personal.is_empty());
    for p in &personal {
        assert!(
            !fields(&public).iter().any(|n| n == p),
            "{p} shown to the public"
        );
    }
    let admin = Request::get("/viewer/config.json")
        .header(header::AUTHORIZATION, "Bearer admin-key")
        .body(Body::empty())
        .unwrap();
    let full = json_of(&call(&f.state, admin).await.2);
    assert_eq!(fields(&full).len(), schema.fields.len());
    assert_eq!(public["bbox"], json!([101.0, 25.0, 101.1, 25.1]));
    assert_eq!(public["role"], "public");
}
