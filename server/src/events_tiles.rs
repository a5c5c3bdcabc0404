//! The live `events` tile layer's snapshot: the active events' public geometry and
//! fields, held in memory ([`crate::state::Shared::events_overlay`]) and rebuilt from
//! the store at start and whenever a change arrives on `state.changes` (every
//! message but grid feedback, which moves no geometry; a lagged receiver re-reads
//! everything too). The tiles themselves are drawn by `layers::tiles::render_overlay`.
//!
//! Public by construction: only the fields listed in [`properties`] enter the
//! snapshot, never grid state (responsible persons, phones, notes) or analyses.

use std::sync::Arc;

use layers::tiles::{Overlay, OverlayFeature, OverlayGeometry, OverlayValue, overlay_generation};
use riskmap_events::model::{Details, level_colour};
use riskmap_events::{AdminAreas, Event, Status};
use serde_json::Value as Json;
use tokio::sync::broadcast::error::RecvError;

use crate::api::events_common::DatasetAdmin;
use crate::state::AppState;

/// Active events drawn at most (a bureau has a handful at once).
const MAX_EVENTS: i64 = 10_000;

/// Start keeping the snapshot current (call once the events store is attached).
/// Subscribes before the first read, so no change between the two is missed.
pub fn spawn(state: &AppState) {
    let mut rx = state.changes.subscribe();
    let state = state.clone();
    tokio::spawn(async move {
        refresh(&state).await;
        loop {
            let mut stale = match rx.recv().await {
                Ok(m) => moves_geometry(&m),
                Err(RecvError::Lagged(_)) => true,
                Err(RecvError::Closed) => return,
            };
            // Coalesce a burst into one re-read.
            loop {
                match rx.try_recv() {
                    Ok(m) => stale |= moves_geometry(&m),
                    Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) => stale = true,
                    Err(_) => break,
                }
            }
            if stale {
                refresh(&state).await;
            }
        }
    });
}

/// Grid feedback changes no event's area or public fields; anything else may
/// (revisions, analyses after a reload, a `resync` from another replica).
fn moves_geometry(m: &Json) -> bool {
    !matches!(m["type"].as_str(), Some("grids" | "grid" | "wall"))
}

/// Re-read the active events and swap in a new snapshot. On a store error the old
/// snapshot stays (and is logged): stale for a moment beats empty.
pub async fn refresh(state: &AppState) {
    let Ok(store) = state.events() else { return };
    let active = match store.list(Some(Status::Active), MAX_EVENTS).await {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(error = %e, "reading active events for the events tiles failed");
            return;
        }
    };
    let admin = DatasetAdmin(state.dataset().ok());
    state
        .events_overlay
        .store(Arc::new(snapshot(&active, &admin)));
}

/// The overlay of `events` (their areas resolved through `admin`).
pub fn snapshot(events: &[Event], admin: &DatasetAdmin) -> Overlay {
    let mut features = Vec::new();
    for e in events {
        let props = properties(e);
        for geometry in geometries(e, admin) {
            features.push(OverlayFeature {
                id: features.len() as u64 + 1,
                geometry,
                properties: props.clone(),
            });
        }
    }
    Overlay {
        generation: overlay_generation(events.iter().map(|e| (e.id.as_str(), e.current.revision))),
        features,
    }
}

fn properties(e: &Event) -> Vec<(String, OverlayValue)> {
    let s = &e.current.state;
    let text = |k: &str, v: &str| (k.to_string(), OverlayValue::Str(v.to_string()));
    let mut p = vec![
        text("event_id", &e.id),
        text("kind", s.kind.as_str()),
        text("hazard_type", &s.hazard_type),
        text("status", s.status.as_str()),
        ("revision".into(), OverlayValue::Int(e.current.revision)),
        text("effective", &s.effective),
    ];
    if let Some(h) = &s.headline {
        p.push(text("headline", h));
    }
    if let Some(x) = &s.expires {
        p.push(text("expires", x));
    }
    match &s.details {
        Details::Warning { level } => {
            p.push(("level".into(), OverlayValue::Int(i64::from(*level))));
            if let Some((colour, _)) = level_colour(*level) {
                p.push(text("colour", colour));
            }
        }
        Details::Earthquake {
            magnitude,
            depth_km,
            ..
        } => {
            p.push(("magnitude".into(), OverlayValue::Double(*magnitude)));
            p.push(("depth_km".into(), OverlayValue::Double(*depth_km)));
        }
        Details::Fire { confidence, .. } => {
            if let Some(c) = confidence {
                p.push(text("confidence", c));
            }
        }
    }
    p
}

/// An event's drawable parts: a warning's polygons, circles and admin units; an
/// earthquake's epicentre; a fire's point.
fn geometries(e: &Event, admin: &DatasetAdmin) -> Vec<OverlayGeometry> {
    let s = &e.current.state;
    match &s.details {
        Details::Earthquake { epicenter, .. } => return vec![OverlayGeometry::Point(*epicenter)],
        Details::Fire { point, .. } => return vec![OverlayGeometry::Point(*point)],
        Details::Warning { .. } => {}
    }
    let mut polys: Vec<Vec<Vec<[f64; 2]>>> = Vec::new();
    polys.extend(s.area.polygons.iter().map(|r| vec![r.clone()]));
    polys.extend(
        s.area
            .circles
            .iter()
            .map(|c| vec![riskmap_events::geojson::circle_ring(c)]),
    );
    for code in &s.area.admin_codes {
        if let Some(g) = admin.boundary(code) {
            polys.extend(geojson_polygons(&g));
        }
    }
    if polys.is_empty() {
        return Vec::new();
    }
    vec![OverlayGeometry::Polygons(polys)]
}

/// A GeoJSON Polygon or MultiPolygon's rings; anything else is nothing.
fn geojson_polygons(g: &Json) -> Vec<Vec<Vec<[f64; 2]>>> {
    let ring = |r: &Json| -> Vec<[f64; 2]> {
        r.as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| Some([p.get(0)?.as_f64()?, p.get(1)?.as_f64()?]))
            .collect()
    };
    let polygon =
        |p: &Json| -> Vec<Vec<[f64; 2]>> { p.as_array().into_iter().flatten().map(ring).collect() };
    let coords = &g["coordinates"];
    match g["type"].as_str() {
        Some("Polygon") => vec![polygon(coords)],
        Some("MultiPolygon") => coords
            .as_array()
            .into_iter()
            .flatten()
            .map(polygon)
            .collect(),
        _ => Vec::new(),
    }
}
