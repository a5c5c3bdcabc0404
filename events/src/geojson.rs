//! Events as GeoJSON features: polygons as they are, circles as 64-gon rings on the
//! sphere, admin codes as the boundaries the caller resolves, and an earthquake's
//! epicentre or a fire's point when the event has no area.

use serde_json::{Value, json};

use crate::message::AdminAreas;
use crate::model::{Circle, Details, Event, Revision};

const EARTH_RADIUS_KM: f64 = 6371.0088;
const CIRCLE_VERTICES: usize = 64;

/// A circle as a closed ring, by the spherical destination formula.
pub fn circle_ring(c: &Circle) -> Vec<[f64; 2]> {
    let (lon0, lat0) = (c.center[0].to_radians(), c.center[1].to_radians());
    let d = c.radius_km / EARTH_RADIUS_KM;
    let mut ring: Vec<[f64; 2]> = (0..CIRCLE_VERTICES)
        .map(|i| {
            let b = (i as f64) * std::f64::consts::TAU / CIRCLE_VERTICES as f64;
            let lat = (lat0.sin() * d.cos() + lat0.cos() * d.sin() * b.cos()).asin();
            let lon =
                lon0 + (b.sin() * d.sin() * lat0.cos()).atan2(d.cos() - lat0.sin() * lat.sin());
            [lon.to_degrees(), lat.to_degrees()]
        })
        .collect();
    ring.push(ring[0]);
    ring
}

/// The event's geometry: one geometry, or a GeometryCollection of its parts; `null`
/// when it has none (admin codes the current admin layer no longer has).
pub fn geometry(rev: &Revision, admin: &dyn AdminAreas) -> Value {
    let s = &rev.state;
    let mut parts: Vec<Value> = Vec::new();
    for ring in &s.area.polygons {
        parts.push(json!({"type": "Polygon", "coordinates": [ring]}));
    }
    for c in &s.area.circles {
        parts.push(json!({"type": "Polygon", "coordinates": [circle_ring(c)]}));
    }
    for code in &s.area.admin_codes {
        if let Some(g) = admin.boundary(code) {
            parts.push(g);
        }
    }
    if parts.is_empty() {
        match &s.details {
            Details::Earthquake { epicenter, .. } => {
                parts.push(json!({"type": "Point", "coordinates": epicenter}));
            }
            Details::Fire { point, .. } => {
                parts.push(json!({"type": "Point", "coordinates": point}));
            }
            Details::Warning { .. } => {}
        }
    }
    match parts.len() {
        0 => Value::Null,
        1 => parts.remove(0),
        _ => json!({"type": "GeometryCollection", "geometries": parts}),
    }
}

/// Who made a revision, as a caller may see it: the role always, the key's name
/// only for cleared callers (it names a partner system or a person's key).
pub fn actor(rev: &Revision, show_key: bool) -> Value {
    if show_key {
        json!({"key_name": rev.actor.key_name, "role": rev.actor.role})
    } else {
        json!({"role": rev.actor.role})
    }
}

/// A revision's message identity. One riskmap generated (a JSON post without a
/// `source`) has the posting key's name as its sender: shown to cleared callers only,
/// like [`actor`]. A sending system's own identity (a CAP sender) is public.
fn source(rev: &Revision, show_key: bool) -> Value {
    let src = &rev.state.source;
    if show_key || !src.identifier.starts_with(crate::json::GENERATED_PREFIX) {
        json!(src)
    } else {
        json!({"identifier": src.identifier, "sent": src.sent})
    }
}

/// A revision's whole state as a caller may see it (its source as [`source`] says).
pub fn state(rev: &Revision, show_key: bool) -> Value {
    let mut v = json!(rev.state);
    v["source"] = source(rev, show_key);
    v
}

/// The properties of an event at a revision (everything but the geometry).
pub fn properties(event_id: &str, rev: &Revision, show_key: bool) -> Value {
    let s = &rev.state;
    let mut p = json!({
        "id": event_id,
        "kind": s.kind,
        "hazard_type": s.hazard_type,
        "status": s.status,
        "revision": rev.revision,
        "action": rev.action,
        "recorded_at": rev.recorded_at,
        "updated_by": actor(rev, show_key),
        "details": s.details,
        "area": s.area,
        "sent": s.sent,
        "effective": s.effective,
        "expires": s.expires,
        "source": source(rev, show_key),
        "headline": s.headline,
        "description": s.description,
    });
    if let Details::Warning { level } = s.details
        && let Some((en, zh)) = crate::model::level_colour(level)
    {
        p["level"] = json!(level);
        p["colour"] = json!(en);
        p["colour_zh"] = json!(zh);
    }
    p
}

pub fn feature(event: &Event, admin: &dyn AdminAreas, show_key: bool) -> Value {
    json!({
        "type": "Feature",
        "id": event.id,
        "geometry": geometry(&event.current, admin),
        "properties": properties(&event.id, &event.current, show_key),
    })
}

pub fn collection(events: &[Event], admin: &dyn AdminAreas, show_key: bool) -> Value {
    json!({
        "type": "FeatureCollection",
        "numberReturned": events.len(),
        "features": events.iter().map(|e| feature(e, admin, show_key)).collect::<Vec<_>>(),
    })
}
