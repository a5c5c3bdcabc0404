//! The tile path parsers: `/tiles/{layer}/{z}/{x}/{y}.mvt` and the OGC
//! `/collections/{id}/tiles/WebMercatorQuad/{z}/{row}/{col}`, through the real router.
//! Whatever the path, the answer is a tile, 204, 304 or a JSON 4xx; and `TileId::new`
//! accepts exactly the addresses inside the zoom's grid.

#![no_main]

mod common;

use axum::http::Method;
use layers::tiles::{MAX_ADDRESSABLE_ZOOM, TileId};
use libfuzzer_sys::fuzz_target;

const PREFIXES: [&str; 6] = [
    "/tiles/",
    "/tiles/onemap/",
    "/tiles/hazard_zones/",
    "/collections/shelters/tiles/WebMercatorQuad/",
    "/collections/",
    "/tiles/evacuation_grids/",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    if rest.len() >= 9 {
        let z = rest[0];
        let x = u32::from_le_bytes(rest[1..5].try_into().unwrap());
        let y = u32::from_le_bytes(rest[5..9].try_into().unwrap());
        let inside = z <= MAX_ADDRESSABLE_ZOOM && x < (1u32 << z) && y < (1u32 << z);
        assert_eq!(TileId::new(z, x, y).is_ok(), inside, "z={z} x={x} y={y}");
    }
    let uri = format!(
        "{}{}",
        PREFIXES[pick as usize % PREFIXES.len()],
        common::uri_safe(rest)
    );
    let key = (pick & 0x80 != 0).then_some(common::ANALYST_KEY);
    if let Some((status, body)) = common::send(Method::GET, &uri, None, key) {
        common::assert_answered(&uri, status, &body);
    }
});
