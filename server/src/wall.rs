//! What the wall screen shows beyond the dataset: one analysis result an admin has
//! published to it ("publish to wall screen"), until cleared.
//!
//! The wall is a public page on a shared screen, so whatever is published is stripped
//! of every field the dataset's schemas mark above public (responsible persons,
//! phones, special-needs counts), and of the call list, before it is stored: nothing
//! personal can come back out of `GET /api/v1/wall`, whoever asks.

use std::collections::HashSet;
use std::sync::Mutex;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use layers::{Sensitivity, Store};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::auth::{Caller, require_admin};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Result members that are personal by construction, whatever the schemas say.
const PERSONAL_MEMBERS: &[&str] = &["call_list"];
const MAX_TITLE_CHARS: usize = 200;

#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub title: String,
    /// `transfer`, `earthquake`, `fire` or another analysis name.
    pub kind: String,
    /// RFC 3339 UTC.
    pub published_at: String,
    /// The analysis request (warning polygon, epicentre, ...), stripped like the result.
    pub request: Value,
    pub result: Value,
}

/// The wall's publication and a revision that changes with every publish and clear,
/// so a wall screen can tell that it must redraw.
#[derive(Debug, Default)]
pub struct WallState {
    inner: Mutex<(u64, Option<Published>)>,
}

impl WallState {
    fn snapshot(&self) -> (u64, Option<Published>) {
        self.inner.lock().map(|g| g.clone()).unwrap_or_default()
    }

    fn set(&self, p: Option<Published>) -> u64 {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.0 += 1;
        g.1 = p;
        g.0
    }
}

/// Names of the fields any layer of `store` classes above public.
pub fn non_public_fields(store: &Store) -> HashSet<String> {
    let mut names: HashSet<String> = PERSONAL_MEMBERS.iter().map(|s| s.to_string()).collect();
    for l in store.layers() {
        for f in &l.schema().fields {
            if f.sensitivity > Sensitivity::Public {
                names.insert(f.name.clone());
            }
        }
    }
    names
}

/// Removes, at any depth, every object member named in `drop`.
pub fn strip(value: &mut Value, drop: &HashSet<String>) {
    match value {
        Value::Object(map) => {
            map.retain(|k, _| !drop.contains(k));
            map.values_mut().for_each(|v| strip(v, drop));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| strip(v, drop)),
        _ => {}
    }
}

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

/// `POST /api/v1/wall/publish` (admin): body `{"title", "kind", "result", "request"?}`.
pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Response> {
    require_admin(&caller)?;
    let Json(body) = body.map_err(|e| ApiError::bad("body", e.body_text()))?;
    let Value::Object(body) = body else {
        return Err(ApiError::bad("body", "expected a JSON object"));
    };
    for k in body.keys() {
        if !["title", "kind", "result", "request"].contains(&k.as_str()) {
            return Err(ApiError::bad(k.as_str(), "unknown member"));
        }
    }
    let text = |name: &str| -> ApiResult<String> {
        let s = member(&body, name)?
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
    };
    let (title, kind) = (text("title")?, text("kind")?);
    let mut result = member(&body, "result")?.clone();
    if !result.is_object() {
        return Err(ApiError::bad(
            "result",
            "expected the analysis result object",
        ));
    }
    let mut request = body.get("request").cloned().unwrap_or(Value::Null);
    let drop = non_public_fields(&state.loaded()?.store);
    strip(&mut result, &drop);
    strip(&mut request, &drop);
    let p = Published {
        title,
        kind,
        published_at: now_rfc3339(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_removes_named_members_at_any_depth() {
        let drop: HashSet<String> = ["responsible_phone", "call_list"].map(String::from).into();
        let mut v = json!({
            "summary": {"persons": 5},
            "call_list": [{"responsible_phone": "1"}],
            "grids": {"features": [{"properties": {"grid_code": "a", "responsible_phone": "138"}}]}
        });
        strip(&mut v, &drop);
        assert_eq!(
            v,
            json!({"summary": {"persons": 5}, "grids": {"features": [{"properties": {"grid_code": "a"}}]}})
        );
    }
}
