//! Cold tiles render off the async runtime: while a burst of tiles no cache holds is
//! being rendered at province scale (tens of ms each), `/health` still answers at
//! once. Rendered on the async workers instead, the health check would queue behind
//! the whole burst.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use layers::testdata::{fixture_layers_in, store_from};
use layers::tiles::mercator::tile_range;
use riskmap_server::access::Role;
use riskmap_server::{AppState, ServerConfig};

mod common;
use common::{call, get, key, with_key};

const ANALYST: &str = "analyst-key";
/// Yunnan, `[west, south, east, north]`.
const YUNNAN: [f64; 4] = [97.5, 21.1, 106.2, 29.3];
/// Far above a health check's cost (microseconds), far below a burst's length.
const HEALTH_BOUND: Duration = Duration::from_millis(250);

/// Two async workers, as on the two-core machines bureaus run this on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_cold_tiles_does_not_delay_health() {
    // Grids and facilities in every Yunnan county: the province-scale dataset.
    let store = store_from(fixture_layers_in(7, 0.02, None));
    let config = ServerConfig {
        keys: vec![key("gis", Role::Analyst, ANALYST)],
        ..Default::default()
    };
    let state = AppState::with_store(config, store);
    // The analyst's composite: personal clearance, so none of it is prebuilt, and
    // every tile is distinct, so each one is a cache miss rendered on request.
    let uris: Vec<String> = (8..=9)
        .flat_map(|z| {
            tile_range(YUNNAN, z).map(move |(x, y)| format!("/tiles/onemap/{z}/{x}/{y}.mvt"))
        })
        .collect();
    let done = Arc::new(AtomicUsize::new(0));
    let burst: Vec<_> = uris
        .iter()
        .map(|uri| {
            let (state, done, req) = (
                state.clone(),
                done.clone(),
                with_key(get(uri), Some(ANALYST)),
            );
            tokio::spawn(async move {
                let status = call(&state, req).await.0;
                done.fetch_add(1, Ordering::SeqCst);
                status
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(20)).await;

    let mut slowest = Duration::ZERO;
    for _ in 0..5 {
        let state = state.clone();
        let started = Instant::now();
        let status = tokio::spawn(async move { call(&state, get("/health")).await.0 })
            .await
            .unwrap();
        slowest = slowest.max(started.elapsed());
        assert_eq!(status, StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let finished = done.load(Ordering::SeqCst);
    assert!(
        slowest < HEALTH_BOUND,
        "/health took {slowest:?} during a burst of {} cold tiles ({finished} done)",
        uris.len()
    );
    // Measured during the burst, or the test proved nothing. (Rendered on the async
    // workers, the checks, and even the test's own timers, wait for the whole burst.)
    assert!(
        finished < uris.len(),
        "the health checks could not run until the burst of {} cold tiles was over",
        uris.len()
    );
    for task in burst {
        let status = task.await.unwrap();
        assert!(
            matches!(status, StatusCode::OK | StatusCode::NO_CONTENT),
            "{status}"
        );
    }
}
