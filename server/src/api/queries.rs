//! Thin handlers for the spatial queries: `/api/v1/point`, `/nearest`, `/within`,
//! `/areas/{code}/summary`.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use layers::query::{self, Limits, area_summary, point_profile};
use layers::query::{Filter, NearestRequest, nearest_features};
use layers::query::{Region, within as within_query};

use super::extract::{JsonBody, Params};
use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const LIMITS: Limits = Limits::STANDARD;

fn lon_lat(p: &Params) -> ApiResult<geo::Point<f64>> {
    let (lon, lat) = (p.req_f64("lon")?, p.req_f64("lat")?);
    Ok(query::lon_lat(lon, lat, "lon", "lat")?)
}

/// `GET /api/v1/point?lon=&lat=`
pub async fn point(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let p = Params::parse(q.as_deref(), &["lon", "lat"])?;
    let at = lon_lat(&p)?;
    let dataset = state.dataset()?;
    Ok(Json(point_profile(
        dataset.store(),
        dataset.derived(),
        &caller.access,
        at,
    ))
    .into_response())
}

const NEAREST_PARAMS: [&str; 13] = [
    "layer",
    "lon",
    "lat",
    "k",
    "max_distance_m",
    "open",
    "min_capacity",
    "type",
    "helicopter_access",
    "vehicle_access",
    "level",
    "category",
    "min_quantity",
];

/// `GET /api/v1/nearest?layer=&lon=&lat=&k=&max_distance_m=` and filters.
pub async fn nearest(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let p = Params::parse(q.as_deref(), &NEAREST_PARAMS)?;
    let layer = p.required("layer")?.to_string();
    let origin = lon_lat(&p)?;
    let k = p.count("k", LIMITS.max_k)?.unwrap_or(5);
    let mut filters = Vec::new();
    if p.bool("open")? == Some(true) {
        filters.push(Filter::OpenOnly);
    }
    if let Some(n) = p.i64("min_capacity")? {
        filters.push(Filter::MinCapacity(n));
    }
    if let Some(t) = p.str("type") {
        filters.push(Filter::WaterType(t.to_string()));
    }
    if let Some(b) = p.bool("helicopter_access")? {
        filters.push(Filter::Helicopter(b));
    }
    if let Some(b) = p.bool("vehicle_access")? {
        filters.push(Filter::Vehicle(b));
    }
    if let Some(l) = p.str("level") {
        filters.push(Filter::DepotLevel(l.to_string()));
    }
    match (p.str("category"), p.i64("min_quantity")?) {
        (Some(c), q) => filters.push(Filter::Holds {
            category: c.to_string(),
            min: q.unwrap_or(1),
        }),
        (None, Some(_)) => return Err(ApiError::bad("min_quantity", "needs category")),
        (None, None) => {}
    }
    let dataset = state.dataset()?;
    let req = NearestRequest {
        layer,
        origin,
        k,
        max_distance_m: p.f64("max_distance_m")?,
        filters,
    };
    Ok(Json(nearest_features(
        dataset.store(),
        &caller.access,
        &req,
        &LIMITS,
    )?)
    .into_response())
}

/// `GET /api/v1/within?layer=&bbox=` or `?layer=&lon=&lat=&radius_m=`, paged.
pub async fn within_get(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let p = Params::parse(
        q.as_deref(),
        &["layer", "bbox", "lon", "lat", "radius_m", "limit", "offset"],
    )?;
    let layer = p.required("layer")?;
    let region = match (p.bbox("bbox")?, p.str("radius_m")) {
        (Some(b), None) => {
            if p.str("lon").is_some() || p.str("lat").is_some() {
                return Err(ApiError::bad(
                    "bbox",
                    "give either bbox, or lon, lat and radius_m",
                ));
            }
            Region::BBox(query::bbox(b, "bbox")?)
        }
        (None, Some(_)) => Region::Radius {
            centre: lon_lat(&p)?,
            radius_m: query::distance_m(p.req_f64("radius_m")?, "radius_m", &LIMITS)?,
        },
        (Some(_), Some(_)) => {
            return Err(ApiError::bad(
                "bbox",
                "give either bbox, or lon, lat and radius_m, not both",
            ));
        }
        (None, None) => return Err(ApiError::bad("bbox", "give bbox, or lon, lat and radius_m")),
    };
    let page = query::page(
        p.count("limit", LIMITS.max_page_size)?,
        p.offset()?,
        &LIMITS,
    )?;
    let dataset = state.dataset()?;
    Ok(Json(within_query(
        dataset.store(),
        &caller.access,
        layer,
        &region,
        page,
    )?)
    .into_response())
}

/// `POST /api/v1/within?layer=&limit=&offset=` with a GeoJSON Polygon, MultiPolygon or
/// Feature holding one as the body.
pub async fn within_post(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let p = Params::parse(q.as_deref(), &["layer", "limit", "offset"])?;
    let layer = p.required("layer")?;
    let page = query::page(
        p.count("limit", LIMITS.max_page_size)?,
        p.offset()?,
        &LIMITS,
    )?;
    let area = query::geojson_area(&body, "body", &LIMITS)?;
    let dataset = state.dataset()?;
    Ok(Json(within_query(
        dataset.store(),
        &caller.access,
        layer,
        &Region::Area(area),
        page,
    )?)
    .into_response())
}

/// `GET /api/v1/areas/{code}/summary`
pub async fn area(
    State(state): State<AppState>,
    caller: Caller,
    code: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    Params::parse(q.as_deref(), &[])?;
    let Path(code) = code?;
    if code.is_empty() || code.len() > 12 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::bad(
            "code",
            format!("an admin code is 6, 9 or 12 digits, got {code:?}"),
        ));
    }
    let dataset = state.dataset()?;
    Ok(Json(area_summary(
        dataset.store(),
        dataset.derived(),
        &caller.access,
        &code,
    )?)
    .into_response())
}
