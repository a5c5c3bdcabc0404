//! Thin handlers for the scenario analyses: transfer, earthquake, fire. A request is
//! parsed into an [`Analysis`] and run on the blocking pool with the caller's access:
//! an analysis takes milliseconds, not microseconds. The wall's publication runs the
//! same [`Analysis`] with public access.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use layers::query;
use layers::query::HIGH_GRADE;
use layers::query::grid_csv;
use layers::query::{EarthquakeRequest, earthquake};
use layers::query::{FireRequest, fire};
use layers::query::{Scope, TransferRequest, transfer};
use layers::{Access, Dataset};
use serde_json::Value as JsonValue;

use super::extract::{JsonBody, Members, Params};
use super::queries::LIMITS;
use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// One analysis, its request checked.
#[derive(Debug, Clone)]
pub enum Analysis {
    Transfer(TransferRequest),
    Earthquake(EarthquakeRequest),
    Fire(FireRequest),
}

/// The analyses by name, as `kind` in a wall publication names them.
pub const KINDS: [&str; 3] = ["transfer", "earthquake", "fire"];

impl Analysis {
    /// Parse the request body of analysis `kind`; errors name the member at fault.
    pub fn parse(kind: &str, body: &JsonValue) -> ApiResult<Analysis> {
        match kind {
            "transfer" => parse_transfer(body).map(Analysis::Transfer),
            "earthquake" => parse_earthquake(body).map(Analysis::Earthquake),
            "fire" => parse_fire(body).map(Analysis::Fire),
            _ => Err(ApiError::bad(
                "kind",
                format!("expected one of {}", KINDS.join(", ")),
            )),
        }
    }

    /// Run on `dataset` for `access`; the result as JSON.
    pub fn run(&self, dataset: &Dataset, access: &Access) -> ApiResult<JsonValue> {
        let (store, derived) = (dataset.store(), dataset.derived());
        let value = match self {
            Analysis::Transfer(r) => to_json(transfer(store, derived, access, r, &LIMITS)?),
            Analysis::Earthquake(r) => to_json(earthquake(store, derived, access, r, &LIMITS)?),
            Analysis::Fire(r) => to_json(fire(store, derived, access, r, &LIMITS)?),
        };
        value.map_err(|e| ApiError::unavailable(format!("the result could not be encoded: {e}")))
    }
}

fn to_json<T: serde::Serialize>(v: T) -> serde_json::Result<JsonValue> {
    serde_json::to_value(v)
}

fn parse_transfer(body: &JsonValue) -> ApiResult<TransferRequest> {
    let m = Members::new(
        body,
        &[
            "area",
            "hazard_type",
            "max_distance_m",
            "include_geometry",
            "scope",
            "min_grade",
        ],
    )?;
    let scope = match m.str("scope")? {
        None => Scope::default(),
        Some(s) => Scope::parse(s)
            .ok_or_else(|| ApiError::bad("scope", format!("expected exposed or all, got {s:?}")))?,
    };
    let min_grade = match m.get("min_grade") {
        None => HIGH_GRADE,
        Some(v) => v
            .as_i64()
            .filter(|g| (1..=4).contains(g))
            .ok_or_else(|| ApiError::bad("min_grade", "expected a grade 1-4 (an integer)"))?,
    };
    let area = query::geojson_area(m.required("area")?, "area", &LIMITS)?;
    let hazard_type = m
        .str("hazard_type")?
        .ok_or_else(|| ApiError::bad("hazard_type", "required member is missing"))?
        .to_string();
    Ok(TransferRequest {
        area,
        hazard_type,
        max_distance_m: m.f64("max_distance_m")?,
        include_geometry: m.bool("include_geometry")?.unwrap_or(false),
        scope,
        min_grade,
    })
}

fn parse_earthquake(body: &JsonValue) -> ApiResult<EarthquakeRequest> {
    let m = Members::new(
        body,
        &[
            "epicentre",
            "magnitude",
            "depth_km",
            "strike_deg",
            "reach_km",
        ],
    )?;
    Ok(EarthquakeRequest {
        epicentre: m.point("epicentre")?,
        magnitude: m.req_f64("magnitude")?,
        depth_km: m.f64("depth_km")?.unwrap_or(10.0),
        strike_deg: m.f64("strike_deg")?,
        reach_km: m.f64("reach_km")?,
    })
}

fn parse_fire(body: &JsonValue) -> ApiResult<FireRequest> {
    let m = Members::new(body, &["point", "water_k", "depot_k"])?;
    Ok(FireRequest {
        point: m.point("point")?,
        water_k: m.count("water_k", LIMITS.max_k)?.unwrap_or(5),
        depot_k: m.count("depot_k", LIMITS.max_k)?.unwrap_or(3),
    })
}

/// Parse, run off the async runtime with the caller's access, answer JSON.
async fn answer(
    state: &AppState,
    caller: Caller,
    kind: &str,
    q: Option<&str>,
    body: &JsonValue,
) -> ApiResult<Response> {
    Params::parse(q, &[])?;
    let analysis = Analysis::parse(kind, body)?;
    let dataset = state.dataset()?;
    let out = state
        .run_blocking(move || analysis.run(&dataset, &caller.access))
        .await??;
    Ok(Json(out).into_response())
}

/// Does the client ask for CSV (`Accept: text/csv`) rather than JSON?
fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|m| m.split(';').next().unwrap_or("").trim() == "text/csv")
}

/// `POST /api/v1/analysis/transfer`; with `Accept: text/csv`, the per-grid table as
/// CSV (UTF-8 with a BOM).
pub async fn transfer_handler(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    if !wants_csv(&headers) {
        return answer(&state, caller, "transfer", q.as_deref(), &body).await;
    }
    Params::parse(q.as_deref(), &[])?;
    let req = parse_transfer(&body)?;
    let dataset = state.dataset()?;
    let csv = state
        .run_blocking(move || {
            let r = transfer(
                dataset.store(),
                dataset.derived(),
                &caller.access,
                &req,
                &LIMITS,
            )?;
            Ok::<_, ApiError>(grid_csv(&r))
        })
        .await??;
    let mut resp = csv.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"transfer.csv\""),
    );
    Ok(resp)
}

/// `POST /api/v1/analysis/earthquake`
pub async fn earthquake_handler(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    answer(&state, caller, "earthquake", q.as_deref(), &body).await
}

/// `POST /api/v1/analysis/fire`
pub async fn fire_handler(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    answer(&state, caller, "fire", q.as_deref(), &body).await
}
