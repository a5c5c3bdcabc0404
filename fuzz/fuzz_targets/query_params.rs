//! Query-string parsing: `Params` and its typed accessors directly, then whole GET
//! endpoints through the real router. The first byte picks the endpoint; the rest is
//! the raw query string. Any answer but a 5xx or a non-JSON refusal is fine.

#![no_main]

mod common;

use axum::http::Method;
use libfuzzer_sys::fuzz_target;
use riskmap_server::api::extract::Params;

const ENDPOINTS: [&str; 10] = [
    "/api/v1/point",
    "/api/v1/nearest",
    "/api/v1/within",
    "/api/v1/areas/532301/summary",
    "/collections/shelters/items",
    "/collections/evacuation_grids/items",
    "/collections/water_sources/items/3",
    "/tiles/onemap/8/203/110.mvt",
    "/tiles/onemap.json",
    "/api/v1/wall",
];

const NAMES: [&str; 18] = [
    "layer",
    "lon",
    "lat",
    "k",
    "max_distance_m",
    "open",
    "min_capacity",
    "type",
    "helicopter_access",
    "level",
    "category",
    "min_quantity",
    "bbox",
    "radius_m",
    "limit",
    "offset",
    "f",
    "v",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let raw = common::uri_safe(rest);

    // The accessors never panic, and what they accept is what they promise.
    if let Ok(p) = Params::parse(Some(&raw), &NAMES) {
        for name in NAMES {
            if let Ok(Some(x)) = p.f64(name) {
                assert!(x.is_finite(), "{name}={x}");
            }
            if let Ok(Some(n)) = p.count(name, 500) {
                assert!((1..=500).contains(&n), "{name}={n}");
            }
            let _ = (p.i64(name), p.bool(name), p.bbox(name), p.required(name));
        }
        let _ = p.offset();
    }

    let uri = format!("{}?{raw}", ENDPOINTS[pick as usize % ENDPOINTS.len()]);
    let key = (pick & 0x80 != 0).then_some(common::ANALYST_KEY);
    if let Some((status, body)) = common::send(Method::GET, &uri, None, key) {
        common::assert_answered(&uri, status, &body);
    }
});
