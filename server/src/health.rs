//! `GET /health`: 200 with the dataset version once a dataset is loaded, 503 before;
//! the last load or reload attempt, failed ones included.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::state::AppState;

pub async fn health(State(state): State<AppState>) -> Response {
    let last_load = state.last_load();
    match state.current.load_full() {
        Some(dataset) => {
            let m = &dataset.store().manifest;
            Json(json!({
                "status": "ok",
                "dataset_version": m.dataset_version,
                "dataset_created": m.created,
                "title": m.title,
                "load_ms": dataset.store().load_time.as_millis() as u64,
                "last_load": last_load,
                "layers": dataset.store().layers().iter().map(|l| json!({
                    "id": l.id(),
                    "features": l.features.len(),
                    "bbox": l.meta.bbox,
                    "synthetic": l.meta.synthetic,
                })).collect::<Vec<_>>(),
            }))
            .into_response()
        }
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "loading", "last_load": last_load})),
        )
            .into_response(),
    }
}
