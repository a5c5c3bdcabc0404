//! Live events' analyses and change feed. After a revision commits, the analysis its
//! kind calls for runs on the blocking pool, twice: once with public access and once
//! with personal clearance, each stored with the revision and the dataset version
//! (a public view is computed public, never filtered from the personal one). Every
//! change is then announced on an in-process broadcast channel for the SSE stream;
//! its messages carry figures only, so any caller may receive them.

use std::sync::Arc;

use geo::{BooleanOps, MultiPolygon, Point};
use layers::catalogue::EVACUATION_GRIDS;
use layers::query::{self, EarthquakeRequest, FireRequest, Scope, TransferRequest};
use layers::{Access, Dataset, Sensitivity};
use riskmap_events::model::Details;
use riskmap_events::{AccessLevel, AdminAreas, Event, Status};
use serde_json::{Value as Json, json};

use crate::api::events_common::DatasetAdmin;
use crate::api::queries::LIMITS;
use crate::state::AppState;

pub use crate::state::FEED_CAPACITY;

/// Announce a change (after its commit) to this server's readers and, over
/// PostgreSQL, to the other replicas'. Nobody listening is not an error.
pub fn announce(state: &AppState, message: Json) {
    if let Some(out) = state.replica_out.get() {
        let _ = out.send(message.clone());
    }
    let _ = state.changes.send(message);
}

/// A revision was stored: announce it and analyse it in the background. The caller
/// has its answer already (the revision committed); the analysis follows in its own
/// transaction and says `analysis: pending` until then.
pub fn revision_stored(state: &AppState, event: &Event) {
    announce(
        state,
        json!({"type": "revision", "event_id": event.id, "revision": event.current.revision,
            "status": event.current.state.status, "action": event.current.action}),
    );
    let (state, event) = (state.clone(), event.clone());
    tokio::spawn(async move { analyse(&state, &event).await });
}

/// Analyse `event` at its current revision on the dataset being served, store both
/// access levels' outcomes, announce it.
pub async fn analyse(state: &AppState, event: &Event) {
    let (Ok(dataset), Ok(store)) = (state.dataset(), state.events()) else {
        return;
    };
    let version = dataset.version().to_string();
    let ev = event.clone();
    let run = state
        .run_blocking(move || {
            [
                (AccessLevel::Public, Access::public()),
                (
                    AccessLevel::Personal,
                    Access::with_clearance(Sensitivity::Personal),
                ),
            ]
            .map(|(level, access)| (level, run(&dataset, &access, &ev)))
        })
        .await;
    let outcomes = match run {
        Ok(o) => o.to_vec(),
        Err(e) => [AccessLevel::Public, AccessLevel::Personal]
            .map(|l| (l, Err(e.message.clone())))
            .to_vec(),
    };
    let status = if outcomes.iter().all(|(_, o)| o.is_ok()) {
        "done"
    } else {
        "failed"
    };
    let rev = event.current.revision;
    if let Err(e) = store
        .save_analyses(&event.id, rev, &version, &outcomes)
        .await
    {
        tracing::warn!(event = event.id, error = %e, "storing an event analysis failed");
        return;
    }
    announce(
        state,
        json!({"type": "analysis", "event_id": event.id, "revision": rev,
            "dataset_version": version, "analysis": status}),
    );
}

/// After a dataset reload: analyse every active event again on the new version.
/// Grid state is keyed by grid code, so 叫应 and feedback carry over.
pub fn recompute_active(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        let Ok(store) = state.events() else { return };
        let active = match store.list(Some(Status::Active), i64::MAX).await {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %e, "listing active events for a recompute failed");
                return;
            }
        };
        for event in &active {
            analyse(&state, event).await;
        }
        if !active.is_empty() {
            tracing::info!(events = active.len(), "re-analysed active events");
        }
    });
}

/// The analysis of an event's kind, as JSON, with `access`; an error as text.
pub fn run(dataset: &Arc<Dataset>, access: &Access, event: &Event) -> Result<Json, String> {
    let (store, derived) = (dataset.store(), dataset.derived());
    let s = &event.current.state;
    let out = match &s.details {
        Details::Warning { .. } => {
            let req = TransferRequest {
                area: warning_area(dataset, event)?,
                hazard_type: s.hazard_type.clone(),
                max_distance_m: None,
                include_geometry: false,
                scope: Scope::default(),
                min_grade: query::HIGH_GRADE,
            };
            let r = query::transfer(store, derived, access, &req, &LIMITS)
                .map_err(|e| e.to_string())?;
            let mut v = serde_json::to_value(&r).map_err(|e| e.to_string())?;
            v["moves"] = moves(dataset, access, &r);
            v
        }
        Details::Earthquake {
            magnitude,
            depth_km,
            epicenter,
            ..
        } => {
            let req = EarthquakeRequest {
                epicentre: Point::new(epicenter[0], epicenter[1]),
                magnitude: *magnitude,
                depth_km: *depth_km,
                strike_deg: None,
                reach_km: None,
            };
            let r = query::earthquake(store, derived, access, &req, &LIMITS)
                .map_err(|e| e.to_string())?;
            serde_json::to_value(&r).map_err(|e| e.to_string())?
        }
        Details::Fire { point, .. } => {
            let req = FireRequest {
                point: Point::new(point[0], point[1]),
                water_k: 5,
                depot_k: 3,
            };
            let r =
                query::fire(store, derived, access, &req, &LIMITS).map_err(|e| e.to_string())?;
            serde_json::to_value(&r).map_err(|e| e.to_string())?
        }
    };
    Ok(out)
}

/// A warning's area as one MultiPolygon: its polygons, circles and the admin units'
/// boundaries, unioned (parts may overlap, which a MultiPolygon may not).
fn warning_area(dataset: &Arc<Dataset>, event: &Event) -> Result<MultiPolygon<f64>, String> {
    let area = &event.current.state.area;
    let admin = DatasetAdmin(Some(dataset.clone()));
    let mut parts: Vec<Json> = Vec::new();
    for ring in &area.polygons {
        parts.push(json!({"type": "Polygon", "coordinates": [ring]}));
    }
    for c in &area.circles {
        let ring = riskmap_events::geojson::circle_ring(c);
        parts.push(json!({"type": "Polygon", "coordinates": [ring]}));
    }
    for code in &area.admin_codes {
        match admin.boundary(code) {
            Some(g) => parts.push(g),
            None => return Err(format!("admin code {code} is not in the dataset")),
        }
    }
    let mut out: Option<MultiPolygon<f64>> = None;
    for (i, p) in parts.iter().enumerate() {
        let mp =
            query::geojson_area(p, &format!("area[{i}]"), &LIMITS).map_err(|e| e.to_string())?;
        out = Some(match out {
            None => mp,
            Some(acc) => acc.union(&mp),
        });
    }
    out.ok_or_else(|| "the warning has no area".to_string())
}

/// The grids the warning moves persons from, with their county and township codes
/// (for the progress figures), as `access` may read those fields.
fn moves(dataset: &Dataset, access: &Access, r: &query::TransferResult) -> Json {
    let Some(layer) = dataset.store().layer(EVACUATION_GRIDS) else {
        return json!([]);
    };
    let schema = layer.schema();
    let text = |fid: u32, field: &str| -> Option<String> {
        let f = schema.field(field)?;
        if !access.may_read(f.sensitivity) {
            return None;
        }
        match layer.features.get(fid as usize)?.get(schema, field)? {
            layers::Value::Text(s) => Some(s.clone()),
            layers::Value::Int(i) => Some(i.to_string()),
            _ => None,
        }
    };
    r.grids
        .iter()
        .filter(|g| g.persons_to_move > 0)
        .map(|g| {
            json!({"grid_code": g.grid_code, "name": g.name, "persons_to_move": g.persons_to_move,
                "county_code": text(g.fid, "county_code"), "township_code": text(g.fid, "township_code")})
        })
        .collect()
}
