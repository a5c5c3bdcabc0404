//! The viewer's server side: pages and assets from the configured directory, glyph
//! ranges (empty valid ranges where the font has none), the viewer configuration
//! filtered for the caller, and the wall's publication (admin only, nothing personal).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use geo::{Geometry, LineString, MultiPolygon, Polygon};
use http_body_util::BodyExt;
use layers::dataset::{DatasetMeta, LayerData, write_dataset};
use layers::{Feature, Sensitivity, Value, catalogue};
use riskmap_server::auth::{Role, sha256_hex};
use riskmap_server::config::KeyConfig;
use riskmap_server::{AppState, ServerConfig, app, reload};
use serde_json::{Value as Json, json};
use tower::ServiceExt;

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
        keys: vec![KeyConfig {
            name: "ops".into(),
            role: Role::Admin,
            sha256: sha256_hex("admin-key"),
        }],
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

async fn call(
    state: &AppState,
    req: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let r = app(state.clone()).oneshot(req).await.unwrap();
    let (parts, body) = r.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes().to_vec();
    (parts.status, parts.headers, bytes)
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn json_of(b: &[u8]) -> Json {
    serde_json::from_slice(b).unwrap_or(Json::Null)
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

fn publish(body: &Json, key: Option<&str>) -> Request<Body> {
    let mut r =
        Request::post("/api/v1/wall/publish").header(header::CONTENT_TYPE, "application/json");
    if let Some(k) = key {
        r = r.header(header::AUTHORIZATION, format!("Bearer {k}"));
    }
    r.body(Body::from(body.to_string())).unwrap()
}

#[tokio::test]
async fn the_wall_takes_publications_from_admins_only_and_strips_personal_data() {
    let f = fixture().await;
    let (s, _, b) = call(&f.state, get("/api/v1/wall")).await;
    assert_eq!(s, StatusCode::OK);
    let before = json_of(&b);
    assert_eq!(before["published"], Json::Null);

    let result = json!({
        "summary": {"persons": 12},
        "call_list": [{"grid_code": "G1", "responsible_phone": "13800000000"}],
        "grids": {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": null,
            "properties": {"grid_code": "G1", "responsible_person": "张三", "responsible_phone": "13800000000", "persons": 12}}]}
    });
    let body = json!({"title": "暴雨预警", "kind": "transfer", "result": result});
    assert_eq!(
        call(&f.state, publish(&body, None)).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, _, _) = call(&f.state, publish(&body, Some("admin-key"))).await;
    assert_eq!(s, StatusCode::CREATED);

    let (_, _, b) = call(&f.state, get("/api/v1/wall")).await;
    let wall = json_of(&b);
    assert!(wall["revision"].as_u64() > before["revision"].as_u64());
    let p = &wall["published"];
    assert_eq!(p["title"], "暴雨预警");
    assert_eq!(p["result"]["summary"]["persons"], 12);
    let text = wall.to_string();
    for gone in [
        "call_list",
        "responsible_person",
        "responsible_phone",
        "13800000000",
        "张三",
    ] {
        assert!(!text.contains(gone), "{gone} reached the wall: {text}");
    }
    assert_eq!(
        p["result"]["grids"]["features"][0]["properties"]["grid_code"],
        "G1"
    );

    // Bad bodies name the member at fault.
    for (bad, field) in [
        (json!({"kind": "transfer", "result": {}}), "title"),
        (
            json!({"title": "t", "kind": "transfer", "result": 3}),
            "result",
        ),
        (
            json!({"title": "t", "kind": "transfer", "result": {}, "extra": 1}),
            "extra",
        ),
    ] {
        let (s, _, b) = call(&f.state, publish(&bad, Some("admin-key"))).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(json_of(&b)["error"]["field"], field);
    }

    let clear = |key: Option<&str>| {
        let mut r = Request::delete("/api/v1/wall/publish");
        if let Some(k) = key {
            r = r.header(header::AUTHORIZATION, format!("Bearer {k}"));
        }
        r.body(Body::empty()).unwrap()
    };
    assert_eq!(call(&f.state, clear(None)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        call(&f.state, clear(Some("admin-key"))).await.0,
        StatusCode::OK
    );
    let (_, _, b) = call(&f.state, get("/api/v1/wall")).await;
    assert_eq!(json_of(&b)["published"], Json::Null);
}
