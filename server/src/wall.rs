//! `GET /api/v1/wall` and `POST|DELETE /api/v1/wall/publish`: the analysis an admin
//! publishes to the command centre's wall screen ("publish to wall screen").
//!
//! The wall is a public page on a shared screen, so a publication is *computed* with
//! public access: the server runs the published request again as a public caller and
//! stores that result. Nothing is filtered after the fact: a derived figure (persons
//! with special needs to move, say) has no schema name a filter could match, and a
//! result computed without personal clearance never contains one. A `result` sent by
//! the client (older viewers send the one on screen) is not used.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use layers::Access;
use serde_json::{Map, Value, json};

use crate::access::Caller;
use crate::api::analysis::Analysis;
use crate::auth::require_admin;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wall_board::Published;

const MAX_TITLE_CHARS: usize = 200;

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn body_of(rev: u64, p: Option<Published>) -> Json<Value> {
    Json(json!({"revision": rev, "published": p}))
}

/// `GET /api/v1/wall`: what is published (public; nothing personal is ever stored).
pub async fn get_wall(State(state): State<AppState>) -> Response {
    let (rev, p) = state.wall.snapshot();
    (
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        body_of(rev, p),
    )
        .into_response()
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
    let rev = state.wall.set(Some(p.clone()));
    tracing::info!(revision = rev, key = ?caller.key_name, "published to the wall screen");
    Ok((StatusCode::CREATED, body_of(rev, Some(p))).into_response())
}

/// `DELETE /api/v1/wall/publish` (admin): clear the wall's publication.
pub async fn clear(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    require_admin(&caller)?;
    let rev = state.wall.set(None);
    Ok(body_of(rev, None).into_response())
}
