//! Live events over HTTP: `POST /api/v1/events` (JSON or CAP 1.2), `GET
//! /api/v1/events`, `GET /api/v1/events/{id}` and `GET /api/v1/events/{id}/history`.
//! Thin: parsing, rules and storage are riskmap-events'; admin codes resolve through
//! the served dataset's admin layer ([`DatasetAdmin`](super::events_common::DatasetAdmin)).
//!
//! Only `system` and `admin` keys write (401 without a key, 403 for others). Every
//! event field is public (no personal data is taken in); the name of the key that
//! made a revision is shown to cleared callers only (internal and above): it names a
//! partner system or a person's key, which is operational detail, not for the public
//! or the wall.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use layers::Sensitivity;
use riskmap_events::{Status, cap, geojson, json, times};
use serde_json::json;

use super::events_common::{DatasetAdmin, may_write, no_store, not_found};
use super::extract::Params;
use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

fn admin_of(state: &AppState) -> DatasetAdmin {
    DatasetAdmin(state.current.load_full())
}

/// Key names are shown to callers cleared for internal detail.
fn shows_keys(caller: &Caller) -> bool {
    caller.clearance() >= Sensitivity::Internal
}

/// `POST /api/v1/events`: a JSON event or a CAP 1.2 alert, by Content-Type. 201 with
/// the event for a new revision, 200 with it unchanged for a resend.
pub async fn post_event(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let actor = may_write(&caller)?;
    let store = state.events()?;
    let admin = admin_of(&state);
    let media = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let message = match media.as_str() {
        "application/json" => json::parse(&body, &admin, &times::format(times::now()))?,
        "application/cap+xml" | "application/xml" | "text/xml" => {
            let text = std::str::from_utf8(&body)
                .map_err(|_| ApiError::bad("body", "a CAP message must be UTF-8"))?;
            cap::parse(text, &admin)?
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send application/json or a CAP 1.2 message as application/cap+xml",
            )
            .field("Content-Type"));
        }
    };
    let done = store.ingest(&message, &actor).await?;
    if done.added {
        crate::events_live::revision_stored(&state, &done.event);
    }
    let status = if done.added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let location = format!("/api/v1/events/{}", done.event.id);
    let body = json!({
        "added": done.added,
        "event": geojson::feature(&done.event, &admin, shows_keys(&caller)),
    });
    let mut response = no_store(status, body);
    if let Ok(v) = location.parse() {
        response.headers_mut().insert(LOCATION, v);
    }
    Ok(response)
}

/// `GET /api/v1/events?status=active&limit=100`: a GeoJSON FeatureCollection, the
/// latest change first.
pub async fn list_events(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let p = Params::parse(q.as_deref(), &["status", "limit"])?;
    let status = p
        .str("status")
        .map(|s| {
            Status::parse(s).ok_or_else(|| {
                ApiError::bad(
                    "status",
                    format!("expected active, closed or cancelled, got {s:?}"),
                )
            })
        })
        .transpose()?;
    let limit = p.i64("limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad("limit", format!("expected 1 to {MAX_LIMIT}")));
    }
    let events = state.events()?.list(status, limit).await?;
    let admin = admin_of(&state);
    Ok(no_store(
        StatusCode::OK,
        geojson::collection(&events, &admin, shows_keys(&caller)),
    ))
}

/// `GET /api/v1/events/{id}`: the event at its latest revision, as a GeoJSON Feature.
pub async fn get_event(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let event = state
        .events()?
        .get(&id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    let admin = admin_of(&state);
    let mut feature = geojson::feature(&event, &admin, shows_keys(&caller));
    let level = super::events_grids::level(&caller);
    feature["properties"]["analysis"] = super::events_grids::summary(&state, &event, level).await?;
    Ok(no_store(StatusCode::OK, feature))
}

/// `GET /api/v1/events/{id}/history`: every revision in order, each with who made it
/// and when, and the whole state after it.
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let revisions = state
        .events()?
        .history(&id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    let show = shows_keys(&caller);
    let list: Vec<serde_json::Value> = revisions
        .iter()
        .map(|r| {
            json!({
                "revision": r.revision,
                "action": r.action,
                "recorded_at": r.recorded_at,
                "actor": geojson::actor(r, show),
                "state": geojson::state(r, show),
            })
        })
        .collect();
    Ok(no_store(
        StatusCode::OK,
        json!({"id": id, "revisions": list}),
    ))
}

/// Close expired events every `every`, for as long as the server runs.
pub fn spawn_expiry(state: AppState, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let Ok(store) = state.events() else { continue };
            match store.close_expired(times::now()).await {
                Ok(closed) if closed.is_empty() => {}
                Ok(closed) => {
                    tracing::info!(closed = closed.len(), "closed expired events");
                    for e in &closed {
                        crate::events_live::revision_stored(&state, e);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "closing expired events failed"),
            }
        }
    });
}
