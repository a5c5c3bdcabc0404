//! JSON / GeoJSON request bodies: `geojson_area` directly, then the POST endpoints
//! through the real router. The first byte picks the endpoint (and the caller); the
//! rest is the body. A body is refused with a JSON 4xx or answered, never a 5xx.

#![no_main]

mod common;

use axum::http::Method;
use layers::query::Limits;
use layers::query::geojson_area;
use libfuzzer_sys::fuzz_target;

const ENDPOINTS: [&str; 4] = [
    "/api/v1/within?layer=shelters",
    "/api/v1/analysis/transfer",
    "/api/v1/analysis/earthquake",
    "/api/v1/analysis/fire",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };

    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        // An accepted area is a real place: finite, on the globe, closed rings.
        for candidate in [&v, &v["area"]] {
            if let Ok(area) = geojson_area(candidate, "area", &Limits::STANDARD) {
                for polygon in &area.0 {
                    for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                        assert!(ring.0.len() >= 4 && ring.is_closed(), "{ring:?}");
                        for c in &ring.0 {
                            assert!(c.x.abs() <= 180.0 && c.y.abs() <= 90.0, "{c:?}");
                        }
                    }
                }
            }
        }
    }

    let uri = ENDPOINTS[pick as usize % ENDPOINTS.len()];
    let key = (pick & 0x80 != 0).then_some(common::ANALYST_KEY);
    let content_type = if pick & 0x40 != 0 {
        "application/geo+json"
    } else {
        "application/json"
    };
    if let Some((status, resp)) =
        common::send(Method::POST, uri, Some((content_type, body.to_vec())), key)
    {
        common::assert_answered(uri, status, &resp);
    }
});
