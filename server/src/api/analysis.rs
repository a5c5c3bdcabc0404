//! Thin handlers for the scenario analyses: transfer, earthquake, fire. The work runs
//! on the blocking pool: an analysis takes milliseconds, not microseconds.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use layers::query::earthquake::{EarthquakeRequest, earthquake as run_earthquake};
use layers::query::fire::{FireRequest, fire as run_fire};
use layers::query::input;
use layers::query::transfer::{TransferRequest, transfer as run_transfer};

use super::extract::{JsonBody, Members, Params};
use super::queries::{LIMITS, access};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f).await.map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the analysis was interrupted",
        )
    })?
}

/// `POST /api/v1/analysis/transfer`
pub async fn transfer(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    Params::parse(q.as_deref(), &[])?;
    let m = Members::new(
        &body,
        &["area", "hazard_type", "max_distance_m", "include_geometry"],
    )?;
    let area = input::geojson_area(m.required("area")?, "area", &LIMITS)?;
    let hazard_type = m
        .str("hazard_type")?
        .ok_or_else(|| ApiError::bad("hazard_type", "required member is missing"))?
        .to_string();
    let req = TransferRequest {
        area,
        hazard_type,
        max_distance_m: m.f64("max_distance_m")?,
        include_geometry: m.bool("include_geometry")?.unwrap_or(true),
    };
    let loaded = state.loaded()?;
    let out = blocking(move || {
        Ok(run_transfer(
            &loaded.store,
            &loaded.derived,
            &access(&caller),
            &req,
            &LIMITS,
        )?)
    })
    .await?;
    Ok(Json(out).into_response())
}

/// `POST /api/v1/analysis/earthquake`
pub async fn earthquake(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    Params::parse(q.as_deref(), &[])?;
    let m = Members::new(
        &body,
        &[
            "epicentre",
            "magnitude",
            "depth_km",
            "strike_deg",
            "reach_km",
        ],
    )?;
    let req = EarthquakeRequest {
        epicentre: m.point("epicentre")?,
        magnitude: m.req_f64("magnitude")?,
        depth_km: m.f64("depth_km")?.unwrap_or(10.0),
        strike_deg: m.f64("strike_deg")?,
        reach_km: m.f64("reach_km")?,
    };
    let loaded = state.loaded()?;
    let out = blocking(move || {
        Ok(run_earthquake(
            &loaded.store,
            &loaded.derived,
            &access(&caller),
            &req,
            &LIMITS,
        )?)
    })
    .await?;
    Ok(Json(out).into_response())
}

/// `POST /api/v1/analysis/fire`
pub async fn fire(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    Params::parse(q.as_deref(), &[])?;
    let m = Members::new(&body, &["point", "water_k", "depot_k"])?;
    let req = FireRequest {
        point: m.point("point")?,
        water_k: m.count("water_k", LIMITS.max_k)?.unwrap_or(5),
        depot_k: m.count("depot_k", LIMITS.max_k)?.unwrap_or(3),
    };
    let loaded = state.loaded()?;
    Ok(Json(run_fire(
        &loaded.store,
        &loaded.derived,
        &access(&caller),
        &req,
        &LIMITS,
    )?)
    .into_response())
}
