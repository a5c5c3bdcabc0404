//! Loading and reloading the dataset. A new dataset loads and is checked in the
//! background while the old one serves; then one atomic swap. A dataset that fails to
//! load leaves the old one serving, with the error on /health and in the logs.

use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use layers::Dataset;
use layers::tiles::TileOptions;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::access::Caller;
use crate::auth::require_admin;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, LoadStatus};

/// Load the configured dataset and swap it in. Reloads are serialised; the previous
/// dataset serves until the new one is complete.
pub async fn load(state: &AppState) -> LoadStatus {
    let mut last = state.last_load.lock().await;
    let started = Instant::now();
    let dir = state.config.dataset.clone();
    let result =
        tokio::task::spawn_blocking(move || Dataset::open(&dir, TileOptions::default())).await;
    let duration = started.elapsed();
    let at = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default();
    let status = match result {
        Ok(Ok(dataset)) => {
            let version = dataset.version().to_string();
            let t = dataset.timings();
            tracing::info!(
                version,
                load_ms = duration.as_millis() as u64,
                layers = dataset.store().layers().len(),
                derived_ms = t.derived.as_millis() as u64,
                tiles_ms = t.tiles.as_millis() as u64,
                prebuilt_ms = t.prebuilt.as_millis() as u64,
                prebuilt_tiles = dataset.prebuilt().len(),
                "dataset loaded"
            );
            for l in dataset.store().layers() {
                tracing::info!(layer = l.id(), features = l.features.len(), bbox = ?l.meta.bbox, "layer");
            }
            crate::metrics::dataset_loaded(&version, duration);
            state.install(dataset);
            // Active events' figures follow the data they are computed on.
            crate::events_live::recompute_active(state);
            LoadStatus {
                at,
                ok: true,
                dataset_version: Some(version),
                error: None,
                duration_ms: duration.as_millis() as u64,
            }
        }
        Ok(Err(e)) => failed(at, duration, e.to_string()),
        Err(join) => failed(at, duration, format!("loader crashed: {join}")),
    };
    *last = Some(status.clone());
    if let Ok(mut seen) = state.last_load_seen.lock() {
        *seen = Some(status.clone());
    }
    status
}

fn failed(at: String, duration: Duration, error: String) -> LoadStatus {
    tracing::error!(
        error,
        "dataset load failed; the previous dataset (if any) keeps serving"
    );
    crate::metrics::dataset_load_failed();
    LoadStatus {
        at,
        ok: false,
        dataset_version: None,
        error: Some(error),
        duration_ms: duration.as_millis() as u64,
    }
}

/// `POST /admin/reload` (admin only): reload now and say how it went.
pub async fn reload(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<(StatusCode, Json<Value>)> {
    require_admin(&caller)?;
    let status = load(&state).await;
    if status.ok {
        Ok((
            StatusCode::OK,
            Json(json!({ "reloaded": true, "load": status })),
        ))
    } else {
        Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "dataset_invalid",
            format!(
                "the dataset at {} cannot be loaded ({}); the previous dataset keeps serving",
                state.config.dataset.display(),
                status.error.unwrap_or_default()
            ),
        ))
    }
}

/// Watch the dataset directory: reload when its manifest names a new version.
///
/// Polling the manifest, not inotify: `riskmap-prep` replaces the dataset directory by
/// an atomic exchange, which a watch on the old directory would not see; reading one
/// small file every few seconds costs nothing.
pub fn spawn_watcher(state: AppState) {
    let every = Duration::from_millis(state.config.watch_interval_ms.max(200));
    tokio::spawn(async move {
        let mut failed_version: Option<String> = None;
        loop {
            tokio::time::sleep(every).await;
            let dir = state.config.dataset.clone();
            let on_disk = tokio::task::spawn_blocking(move || layers::dataset::read_manifest(&dir))
                .await
                .ok()
                .and_then(Result::ok)
                .map(|m| m.dataset_version);
            let Some(on_disk) = on_disk else { continue };
            let serving = state.current.load_full().map(|l| l.version().to_string());
            if serving.as_deref() == Some(on_disk.as_str())
                || failed_version.as_deref() == Some(on_disk.as_str())
            {
                continue;
            }
            tracing::info!(version = on_disk, "dataset changed on disk; reloading");
            let status = load(&state).await;
            failed_version = (!status.ok).then_some(on_disk);
        }
    });
}
