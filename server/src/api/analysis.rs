//! Thin handlers for the scenario analyses: transfer, earthquake, fire. A request is
//! parsed into an [`Analysis`] and run on the blocking pool with the caller's access:
//! an analysis takes milliseconds, not microseconds. The wall's publication runs the
//! same [`Analysis`] with public access.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use layers::query::earthquake::{EarthquakeRequest, earthquake};
use layers::query::fire::{FireRequest, fire};
use layers::query::input;
use layers::query::transfer::{TransferRequest, transfer};
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
        &["area", "hazard_type", "max_distance_m", "include_geometry"],
    )?;
    let area = input::geojson_area(m.required("area")?, "area", &LIMITS)?;
    let hazard_type = m
        .str("hazard_type")?
        .ok_or_else(|| ApiError::bad("hazard_type", "required member is missing"))?
        .to_string();
    Ok(TransferRequest {
        area,
        hazard_type,
        max_distance_m: m.f64("max_distance_m")?,
        include_geometry: m.bool("include_geometry")?.unwrap_or(true),
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

/// `POST /api/v1/analysis/transfer`
pub async fn transfer_handler(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    answer(&state, caller, "transfer", q.as_deref(), &body).await
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
