//! What the events handlers share: the dataset's admin layer as the events crate's
//! code resolver, who may write, and the uncached JSON reply. Its own module so the
//! handlers and the live analysis depend on it, not on each other.

use std::sync::Arc;

use axum::Json;
use axum::http::StatusCode;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Response};
use layers::Dataset;
use riskmap_events::{Actor, AdminAreas};

use crate::access::{Caller, Role};
use crate::error::{ApiError, ApiResult};

/// The dataset's admin layer as the events crate's code resolver. Without a dataset
/// (or without an admin layer) no code is known.
pub struct DatasetAdmin(pub Option<Arc<Dataset>>);

impl AdminAreas for DatasetAdmin {
    fn knows(&self, code: &str) -> bool {
        self.0
            .as_ref()
            .is_some_and(|d| d.derived().admin.by_code.contains_key(code))
    }

    fn boundary(&self, code: &str) -> Option<serde_json::Value> {
        let d = self.0.as_ref()?;
        let fid = *d.derived().admin.by_code.get(code)?;
        let layer = d.store().layer("admin")?;
        let f = layer.features.get(fid as usize)?;
        Some(layers::query::geometry(&f.geometry))
    }
}

pub(crate) fn may_write(caller: &Caller) -> ApiResult<Actor> {
    match caller.role {
        Role::System | Role::Admin => Ok(Actor {
            key_name: caller.key_name.clone().unwrap_or_default(),
            role: caller.role.as_str().to_string(),
        }),
        Role::Public => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "posting events needs a system or admin key",
        )
        .field("Authorization")),
        Role::Analyst => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "posting events needs a system or admin key",
        )
        .field("Authorization")),
    }
}

pub(crate) fn no_store(status: StatusCode, body: serde_json::Value) -> Response {
    (status, [(CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

pub(crate) fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("no event {id:?}")).field("id")
}
