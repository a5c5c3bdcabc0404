//! 叫应 and 实报反馈 over HTTP: `PATCH /api/v1/events/{id}/grids/{grid_code}`, the
//! batch `PATCH /api/v1/events/{id}/grids`, `GET /api/v1/events/{id}/progress`, and
//! the analysis summary `GET /api/v1/events/{id}` shows. Thin: the grid rule (only
//! grids the warning's analysis moves persons from), parsing, and the store.
//!
//! Writes: roles system and admin (analysts read). Reads: every caller gets the
//! analysis computed for its clearance; only personal-cleared callers see
//! responsible persons, phones, notes and who called.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use riskmap_events::model::Kind;
use riskmap_events::{AccessLevel, Event, GridPatch, times};
use serde_json::{Value as JsonValue, json};

use super::events_common::{may_write, no_store, not_found};
use super::extract::JsonBody;
use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::events_analysis_cache::ParsedAnalysis;
use crate::state::AppState;

/// Grids per batch: a county's warning has a few hundred.
pub const MAX_BATCH: usize = 5000;
pub const MAX_NOTE_CHARS: usize = 2000;
const MEMBERS: [&str; 4] = ["called", "answered", "persons_moved", "note"];

pub fn level(caller: &Caller) -> AccessLevel {
    if caller.access.personal() {
        AccessLevel::Personal
    } else {
        AccessLevel::Public
    }
}

/// The analysis of the event's current revision for `level`, if stored yet: the
/// parsed copy while it is still the latest, else read (and kept) from the store.
async fn current_analysis(
    state: &AppState,
    event: &Event,
    level: AccessLevel,
) -> ApiResult<Option<Arc<ParsedAnalysis>>> {
    let store = state.events()?;
    let rev = event.current.revision;
    let Some(stamp) = store.analysis_stamp(&event.id, rev, level).await? else {
        return Ok(None);
    };
    if let Some(hit) = state.analyses.get(&event.id, level, &stamp) {
        return Ok(Some(hit));
    }
    let Some(read) = store.analysis(&event.id, rev, level).await? else {
        return Ok(None);
    };
    let parsed = Arc::new(ParsedAnalysis::new(read));
    state.analyses.put(&event.id, level, parsed.clone());
    Ok(Some(parsed))
}

/// What `GET /api/v1/events/{id}` says of the analysis: pending, failed, or done with
/// its summary and the dataset version it was computed on.
pub async fn summary(state: &AppState, event: &Event, level: AccessLevel) -> ApiResult<JsonValue> {
    let rev = event.current.revision;
    let Some(parsed) = current_analysis(state, event, level).await? else {
        return Ok(json!({"status": "pending", "revision": rev}));
    };
    let a = &parsed.analysis;
    let mut out = json!({"status": a.status, "revision": rev, "dataset_version": a.dataset_version,
        "computed_at": a.computed_at});
    if let Some(e) = &a.error {
        out["error"] = json!(e);
    }
    if let Some(r) = &a.result {
        out["summary"] = match event.current.state.kind {
            Kind::Warning => json!({"figures": r["summary"],
                "grids_to_move": r["moves"].as_array().map_or(0, Vec::len)}),
            Kind::Earthquake => json!({"epicentral_intensity": r["epicentral_intensity"],
                "reach_km": r["reach_km"],
                "zones": r["zones"]["features"].as_array().map(|z| z.iter().map(|f| f["properties"].clone()).collect::<Vec<_>>()),
                "depots_in_reach": r["depots_in_reach"].as_array().map_or(0, Vec::len)}),
            Kind::Fire => json!({"nearest_water_source": r["water_sources"].get(0),
                "nearest_fire_depot": r["fire_depots"].get(0),
                "water_sources": r["water_sources"].as_array().map_or(0, Vec::len),
                "fire_depots": r["fire_depots"].as_array().map_or(0, Vec::len),
                "county": r["county"]}),
        };
    }
    Ok(out)
}

/// The warning's stored analysis that grid writes and progress rest on.
async fn warning_analysis(
    state: &AppState,
    id: &str,
    level: AccessLevel,
) -> ApiResult<(Event, Arc<ParsedAnalysis>)> {
    let store = state.events()?;
    let event = store.get(id).await?.ok_or_else(|| not_found(id))?;
    if event.current.state.kind != Kind::Warning {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "event {id} is a {}; only warnings have grids to call",
                event.current.state.kind.as_str()
            ),
        )
        .field("id"));
    }
    let analysis = current_analysis(state, &event, level).await?;
    match analysis {
        Some(p) if p.analysis.status == "done" && p.analysis.result.is_some() => Ok((event, p)),
        Some(p) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "analysis_failed",
            format!(
                "the analysis of revision {} failed: {}",
                p.analysis.revision,
                p.analysis.error.clone().unwrap_or_default()
            ),
        )
        .field("id")),
        None => Err(ApiError::new(
            StatusCode::CONFLICT,
            "analysis_pending",
            format!(
                "the analysis of revision {} is still running; retry shortly",
                event.current.revision
            ),
        )
        .field("id")),
    }
}

/// A time member: `true` (now) or an RFC 3339 time, stored in UTC.
fn time_member(v: &JsonValue, field: &str) -> ApiResult<String> {
    match v {
        JsonValue::Bool(true) => Ok(times::format(times::now())),
        JsonValue::String(s) => times::normalise(s).ok_or_else(|| {
            ApiError::bad(
                field,
                format!("expected an RFC 3339 time or true, got {s:?}"),
            )
        }),
        _ => Err(ApiError::bad(field, "expected true or an RFC 3339 time")),
    }
}

/// One grid's patch; `at` prefixes field names (`[3].`) in a batch.
fn parse_patch(v: &JsonValue, grid_code: Option<String>, at: &str) -> ApiResult<GridPatch> {
    let obj = v.as_object().ok_or_else(|| {
        let field = if at.is_empty() {
            "body"
        } else {
            at.trim_end_matches('.')
        };
        ApiError::bad(field, "expected a JSON object")
    })?;
    let allowed: &[&str] = if grid_code.is_some() {
        &MEMBERS
    } else {
        &["grid_code", "called", "answered", "persons_moved", "note"]
    };
    if let Some(k) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(ApiError::bad(
            format!("{at}{k}"),
            format!("unknown member; expected {}", allowed.join(", ")),
        ));
    }
    let grid_code = match grid_code {
        Some(c) => c,
        None => obj
            .get("grid_code")
            .and_then(JsonValue::as_str)
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                ApiError::bad(format!("{at}grid_code"), "required: a grid code (a string)")
            })?
            .to_string(),
    };
    if !obj.keys().any(|k| MEMBERS.contains(&k.as_str())) {
        return Err(ApiError::bad(
            format!("{at}body"),
            format!("nothing to change: give any of {}", MEMBERS.join(", ")),
        ));
    }
    let called = obj
        .get("called")
        .map(|v| time_member(v, &format!("{at}called")))
        .transpose()?;
    let answered = obj
        .get("answered")
        .map(|v| time_member(v, &format!("{at}answered")))
        .transpose()?;
    let persons_moved = obj
        .get("persons_moved")
        .map(|v| {
            v.as_i64()
                .filter(|n| (0..=10_000_000).contains(n))
                .ok_or_else(|| {
                    ApiError::bad(
                        format!("{at}persons_moved"),
                        "expected a count 0-10000000 (an integer)",
                    )
                })
        })
        .transpose()?;
    let note = match obj.get("note") {
        None => None,
        Some(JsonValue::Null) => Some(None),
        Some(JsonValue::String(s)) if s.chars().count() <= MAX_NOTE_CHARS => Some(Some(s.clone())),
        Some(_) => {
            return Err(ApiError::bad(
                format!("{at}note"),
                format!("expected a string of at most {MAX_NOTE_CHARS} characters, or null"),
            ));
        }
    };
    Ok(GridPatch {
        grid_code,
        called,
        answered,
        persons_moved,
        note,
    })
}

/// Check the grids against the analysis, write them in one transaction, announce.
async fn apply(
    state: &AppState,
    caller: &Caller,
    id: &str,
    patches: Vec<GridPatch>,
    fields: Vec<String>,
) -> ApiResult<Vec<riskmap_events::GridState>> {
    let actor = may_write(caller)?;
    let (event, analysis) = warning_analysis(state, id, AccessLevel::Public).await?;
    for (p, field) in patches.iter().zip(&fields) {
        if !analysis.grid_codes.contains(&p.grid_code) {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_grid",
                format!(
                    "grid {} is not one the warning moves persons from (revision {}, dataset {})",
                    p.grid_code, event.current.revision, analysis.analysis.dataset_version
                ),
            )
            .field(field.clone()));
        }
    }
    let done = state
        .events()?
        .patch_grids(id, &patches, &actor.key_name)
        .await?;
    let codes: Vec<&str> = done.iter().map(|s| s.grid_code.as_str()).collect();
    let progress = crate::events_progress::progress(
        analysis.moves(),
        &state.events()?.grid_states(id).await?,
        None,
        times::now(),
    );
    crate::events_live::announce(
        state,
        json!({"type": "grids", "event_id": id,
        "revision": event.current.revision, "grid_codes": codes, "progress": progress["totals"]}),
    );
    Ok(done)
}

/// What a writer gets back: the states as written, personal members for cleared keys only.
fn written(caller: &Caller, states: &[riskmap_events::GridState]) -> JsonValue {
    let personal = caller.access.personal();
    states
        .iter()
        .map(|s| {
            let mut v = json!({"grid_code": s.grid_code, "called_at": s.called_at, "answered_at": s.answered_at,
                "persons_moved": s.persons_moved, "updated_at": s.updated_at});
            if personal {
                v["called_by"] = json!(s.called_by);
                v["note"] = json!(s.note);
            }
            v
        })
        .collect()
}

/// `PATCH /api/v1/events/{id}/grids/{grid_code}`
pub async fn patch_grid(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, grid_code)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    may_write(&caller)?;
    let patch = parse_patch(&body, Some(grid_code), "")?;
    let done = apply(&state, &caller, &id, vec![patch], vec!["grid_code".into()]).await?;
    Ok(no_store(
        StatusCode::OK,
        json!({"event_id": id, "grid": written(&caller, &done)[0]}),
    ))
}

/// `PATCH /api/v1/events/{id}/grids`: an array of patches, each with its `grid_code`;
/// all or none.
pub async fn patch_grids(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    may_write(&caller)?;
    let items = body
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::bad("body", "expected a non-empty array of grid patches"))?;
    if items.len() > MAX_BATCH {
        return Err(ApiError::bad(
            "body",
            format!("at most {MAX_BATCH} grids per batch"),
        ));
    }
    let mut patches = Vec::with_capacity(items.len());
    let mut fields = Vec::with_capacity(items.len());
    let mut seen = HashSet::new();
    for (i, v) in items.iter().enumerate() {
        let p = parse_patch(v, None, &format!("[{i}]."))?;
        if !seen.insert(p.grid_code.clone()) {
            return Err(ApiError::bad(
                format!("[{i}].grid_code"),
                format!("grid {} appears twice", p.grid_code),
            ));
        }
        fields.push(format!("[{i}].grid_code"));
        patches.push(p);
    }
    let done = apply(&state, &caller, &id, patches, fields).await?;
    Ok(no_store(
        StatusCode::OK,
        json!({"event_id": id, "grids": written(&caller, &done)}),
    ))
}

/// `GET /api/v1/events/{id}/progress`: 叫应 and feedback figures per event, county and
/// township, from the analysis computed for the caller's clearance.
pub async fn progress(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let level = level(&caller);
    let (event, analysis) = warning_analysis(&state, &id, level).await?;
    let states = state.events()?.grid_states(&id).await?;
    let calls: Option<Vec<JsonValue>> = (level == AccessLevel::Personal).then(|| {
        analysis
            .analysis
            .result
            .as_ref()
            .and_then(|r| r["call_list"].as_array().cloned())
            .unwrap_or_default()
    });
    let mut out =
        crate::events_progress::progress(analysis.moves(), &states, calls.as_deref(), times::now());
    out["event_id"] = json!(id);
    out["revision"] = json!(event.current.revision);
    out["dataset_version"] = json!(analysis.analysis.dataset_version);
    Ok(no_store(StatusCode::OK, out))
}
