//! `GET /api/v1/wall` and `POST|DELETE /api/v1/wall/publish`: the analysis an admin
//! publishes to the command centre's wall screen ("publish to wall screen").
//!
//! The wall is a public page on a shared screen, so a publication is *computed* with
//! public access: the server runs the published request again as a public caller and
//! stores that result. Nothing is filtered after the fact: a derived figure (persons
//! with special needs to move, say) has no schema name a filter could match, and a
//! result computed without personal clearance never contains one. A `result` sent by
//! the client (older viewers send the one on screen) is not used.
//!
//! The publication lives in the events store (one transaction per publish or clear,
//! answered after commit, a revision that only grows), so it survives restarts and
//! every replica serves the same one; a `{"type":"wall"}` change is announced after
//! commit so walls redraw.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use layers::Access;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::access::Caller;
use crate::api::analysis::Analysis;
use crate::auth::require_admin;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

const MAX_TITLE_CHARS: usize = 200;

/// What the wall shows: only what a public caller may see (computed so, see above).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Published {
    pub title: String,
    /// `transfer`, `earthquake` or `fire`.
    pub kind: String,
    /// RFC 3339 UTC.
    pub published_at: String,
    /// The dataset version the result was computed on.
    pub dataset_version: String,
    /// The analysis request (warning polygon, epicentre, ...).
    pub request: Value,
    /// The result as a public caller gets it.
    pub result: Value,
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn body_of(rev: i64, p: Option<Value>) -> Json<Value> {
    Json(json!({"revision": rev, "published": p}))
}

/// `GET /api/v1/wall`: what is published (public; nothing personal is ever stored,
/// and the row's key name is not read).
pub async fn get_wall(State(state): State<AppState>) -> ApiResult<Response> {
    let (rev, p) = state.events()?.wall().await?;
    Ok((
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        body_of(rev, p),
    )
        .into_response())
}

/// Store a publication (or a clear), then tell walls and replicas.
async fn store(state: &AppState, caller: &Caller, p: Option<&Value>) -> ApiResult<i64> {
    let key = caller.key_name.as_deref().unwrap_or_default();
    let rev = state.events()?.set_wall(p, key).await?;
    crate::events_live::announce(state, json!({"type": "wall", "revision": rev}));
    Ok(rev)
}

fn member<'a>(body: &'a Map<String, Value>, name: &str) -> ApiResult<&'a Value> {
    body.get(name)
        .ok_or_else(|| ApiError::bad(name, "required member is missing"))
}

fn text(body: &Map<String, Value>, name: &str) -> ApiResult<String> {
    let s = member(body, name)?
        .as_str()
        .ok_or_else(|| ApiError::bad(name, "expected a string"))?
        .trim();
    if s.is_empty() || s.chars().count() > MAX_TITLE_CHARS {
        return Err(ApiError::bad(
            name,
            format!("expected 1 to {MAX_TITLE_CHARS} characters"),
        ));
    }
    Ok(s.to_string())
}

/// Prefix a request member's error with `request.`, so it names the publication's
/// member at fault.
fn in_request(mut e: ApiError) -> ApiError {
    e.field = Some(match e.field.take() {
        Some(f) => format!("request.{f}"),
        None => "request".into(),
    });
    e
}

/// `POST /api/v1/wall/publish` (admin): body `{"title", "kind", "request"}`, where
/// `request` is the body of `POST /api/v1/analysis/{kind}`.
pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<Value>, JsonRejection>,
) -> ApiResult<Response> {
    require_admin(&caller)?;
    let Json(body) = body?;
    let Value::Object(body) = body else {
        return Err(ApiError::bad("body", "expected a JSON object"));
    };
    for k in body.keys() {
        if !["title", "kind", "request", "result"].contains(&k.as_str()) {
            return Err(ApiError::bad(k.as_str(), "unknown member"));
        }
    }
    let (title, kind) = (text(&body, "title")?, text(&body, "kind")?);
    let request = member(&body, "request")?.clone();
    let analysis = Analysis::parse(&kind, &request).map_err(|e| {
        if e.field.as_deref() == Some("kind") {
            e
        } else {
            in_request(e)
        }
    })?;
    let dataset = state.dataset()?;
    let version = dataset.version().to_string();
    let result = state
        .run_blocking(move || analysis.run(&dataset, &Access::public()))
        .await?
        .map_err(in_request)?;
    let p = Published {
        title,
        kind,
        published_at: now_rfc3339(),
        dataset_version: version,
        request,
        result,
    };
    let p = serde_json::to_value(&p).map_err(|e| ApiError::internal(e.to_string()))?;
    let rev = store(&state, &caller, Some(&p)).await?;
    tracing::info!(revision = rev, key = ?caller.key_name, "published to the wall screen");
    Ok((StatusCode::CREATED, body_of(rev, Some(p))).into_response())
}

/// `DELETE /api/v1/wall/publish` (admin): clear the wall's publication.
pub async fn clear(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    require_admin(&caller)?;
    let rev = store(&state, &caller, None).await?;
    Ok(body_of(rev, None).into_response())
}
