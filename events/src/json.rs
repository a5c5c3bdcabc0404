//! JSON ingest: the same model as CAP, for systems that do not speak CAP, and the
//! earthquake and fire reports CAP has no shape for. One body, tagged by `type`:
//!
//! - `warning`: a new warning, or with `event_id` a revision of one;
//! - `earthquake`: a report keyed by `report_id` (and `network`): the reviewed
//!   report revises the automatic one, which is the same event;
//! - `fire`: a point with FIRMS-style fields, keyed by `source_id` when given;
//! - `end`: cancel or close an event by id.

use serde::Deserialize;

use crate::error::IngestError;
use crate::message::{
    AdminAreas, Change, Message, Target, check_admin_code, check_hazard_type, check_lon_lat,
    check_radius, check_ring,
};
use crate::model::{Area, Details, EventState, Kind, Review, SourceId, Status};
use crate::times;

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Body {
    Warning(WarningBody),
    Earthquake(EarthquakeBody),
    Fire(FireBody),
    End(EndBody),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarningBody {
    /// Revise this event instead of creating one.
    pub event_id: Option<String>,
    pub hazard_type: String,
    /// 1 蓝 blue … 4 红 red.
    pub level: u8,
    pub area: Area,
    pub headline: Option<String>,
    pub description: Option<String>,
    pub sent: Option<String>,
    pub effective: Option<String>,
    pub expires: Option<String>,
    /// The sending system's own message id; a resend with the same one is recognised.
    pub source: Option<SourceId>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarthquakeBody {
    /// The network's event id (CENC: `CC20260712093000.00`).
    pub report_id: String,
    #[serde(default = "default_network")]
    pub network: String,
    pub review: Review,
    pub magnitude: f64,
    pub depth_km: f64,
    pub origin_time: String,
    /// [lon, lat].
    pub epicenter: [f64; 2],
    pub place: Option<String>,
    /// When the report was issued; default the origin time.
    pub sent: Option<String>,
    pub expires: Option<String>,
}

fn default_network() -> String {
    "CENC".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FireBody {
    /// The reporting system's id for this fire; later reports with it revise it.
    pub source_id: Option<String>,
    #[serde(default = "default_fire_sender")]
    pub sender: String,
    /// [lon, lat].
    pub point: [f64; 2],
    pub acquired: Option<String>,
    /// Kept as sent: `l`/`n`/`h` or 0–100.
    pub confidence: Option<serde_json::Value>,
    pub frp_mw: Option<f64>,
    pub satellite: Option<String>,
    pub headline: Option<String>,
    pub expires: Option<String>,
}

fn default_fire_sender() -> String {
    "FIRMS".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndBody {
    pub event_id: String,
    /// `cancelled` (it was wrong) or `closed` (it is over).
    pub status: Status,
}

fn time(path: &str, s: &str) -> Result<String, IngestError> {
    times::normalise(s)
        .ok_or_else(|| IngestError::malformed(path, format!("`{s}` is not an RFC 3339 time")))
}

fn opt_time(path: &str, s: Option<&String>) -> Result<Option<String>, IngestError> {
    s.map(|s| time(path, s)).transpose()
}

/// The sender of a message that brought no source of its own. Not the caller's key
/// name: the source is public, while who made a revision is recorded in its actor,
/// which only cleared callers see.
pub const GENERATED_SENDER: &str = "riskmap";

/// How the identifier of a generated message identity starts.
pub const GENERATED_PREFIX: &str = "riskmap-";

/// A fresh message identity for a message that brought none: it can never be a
/// resend. Events stored before the sender was [`GENERATED_SENDER`] carry the
/// posting key's name there, so a generated source is still not shown to the public
/// (see [`crate::geojson::properties`]).
fn generated(sender: &str, sent: &str) -> SourceId {
    SourceId {
        identifier: format!(
            "{GENERATED_PREFIX}{}",
            hex::encode(rand::random::<[u8; 12]>())
        ),
        sender: sender.to_string(),
        sent: sent.to_string(),
    }
}

fn check_area(area: &Area, admin: &dyn AdminAreas) -> Result<(), IngestError> {
    for (i, ring) in area.polygons.iter().enumerate() {
        check_ring(&format!("area.polygons[{i}]"), ring)?;
    }
    for (i, c) in area.circles.iter().enumerate() {
        let path = format!("area.circles[{i}]");
        check_lon_lat(&format!("{path}.center"), c.center[0], c.center[1])?;
        check_radius(&format!("{path}.radius_km"), c.radius_km)?;
    }
    for (i, code) in area.admin_codes.iter().enumerate() {
        check_admin_code(&format!("area.admin_codes[{i}]"), code, admin)?;
    }
    Ok(())
}

/// Parse a JSON body. `now` is the sent time of messages that bring no source of
/// their own.
pub fn parse(body: &[u8], admin: &dyn AdminAreas, now: &str) -> Result<Message, IngestError> {
    let body: Body = serde_json::from_slice(body)
        .map_err(|e| IngestError::malformed("body", format!("not a valid event: {e}")))?;
    match body {
        Body::Warning(w) => warning(w, admin, now),
        Body::Earthquake(q) => earthquake(q),
        Body::Fire(f) => fire(f, now),
        Body::End(e) => {
            if e.status == Status::Active {
                return Err(IngestError::malformed(
                    "status",
                    "an end is `cancelled` or `closed`",
                ));
            }
            Ok(Message {
                source: generated(GENERATED_SENDER, now),
                target: Target::Event(e.event_id),
                change: Change::End(e.status),
            })
        }
    }
}

fn warning(w: WarningBody, admin: &dyn AdminAreas, now: &str) -> Result<Message, IngestError> {
    check_hazard_type("hazard_type", &w.hazard_type)?;
    if !(1..=4).contains(&w.level) {
        return Err(IngestError::malformed(
            "level",
            "a warning level is 1 (蓝) to 4 (红)",
        ));
    }
    if w.area.is_empty() {
        return Err(IngestError::malformed(
            "area",
            "a warning needs polygons, circles or admin_codes",
        ));
    }
    check_area(&w.area, admin)?;
    let sent = opt_time("sent", w.sent.as_ref())?.unwrap_or_else(|| now.to_string());
    let source = match w.source {
        Some(s) => SourceId {
            sent: time("source.sent", &s.sent)?,
            ..s
        },
        None => generated(GENERATED_SENDER, &sent),
    };
    let state = EventState {
        kind: Kind::Warning,
        hazard_type: w.hazard_type,
        details: Details::Warning { level: w.level },
        area: w.area,
        headline: w.headline,
        description: w.description,
        effective: opt_time("effective", w.effective.as_ref())?.unwrap_or_else(|| sent.clone()),
        expires: opt_time("expires", w.expires.as_ref())?,
        sent,
        source: source.clone(),
        status: Status::Active,
    };
    let target = match w.event_id {
        Some(id) => Target::Event(id),
        None => Target::New { group: None },
    };
    Ok(Message {
        source,
        target,
        change: Change::Replace(Box::new(state)),
    })
}

fn earthquake(q: EarthquakeBody) -> Result<Message, IngestError> {
    if q.report_id.trim().is_empty() {
        return Err(IngestError::malformed("report_id", "must not be empty"));
    }
    check_lon_lat("epicenter", q.epicenter[0], q.epicenter[1])?;
    if !q.magnitude.is_finite() || !(-2.0..=10.0).contains(&q.magnitude) {
        return Err(IngestError::malformed("magnitude", "expected -2 to 10"));
    }
    if !q.depth_km.is_finite() || !(0.0..=800.0).contains(&q.depth_km) {
        return Err(IngestError::malformed("depth_km", "expected 0 to 800 km"));
    }
    let origin_time = time("origin_time", &q.origin_time)?;
    let sent = opt_time("sent", q.sent.as_ref())?.unwrap_or_else(|| origin_time.clone());
    let review = match q.review {
        Review::Automatic => "automatic",
        Review::Reviewed => "reviewed",
    };
    // One message per report and review stage: a resend of either is recognised.
    let source = SourceId {
        identifier: format!("{}:{review}", q.report_id),
        sender: q.network.clone(),
        sent: sent.clone(),
    };
    let state = EventState {
        kind: Kind::Earthquake,
        hazard_type: "earthquake".into(),
        details: Details::Earthquake {
            magnitude: q.magnitude,
            depth_km: q.depth_km,
            review: q.review,
            origin_time: origin_time.clone(),
            epicenter: q.epicenter,
        },
        area: Area::default(),
        headline: q.place,
        description: None,
        sent,
        effective: origin_time,
        expires: opt_time("expires", q.expires.as_ref())?,
        source: source.clone(),
        status: Status::Active,
    };
    Ok(Message {
        source,
        target: Target::New {
            group: Some(format!("earthquake:{}:{}", q.network, q.report_id)),
        },
        change: Change::Replace(Box::new(state)),
    })
}

fn fire(f: FireBody, now: &str) -> Result<Message, IngestError> {
    check_lon_lat("point", f.point[0], f.point[1])?;
    if let Some(frp) = f.frp_mw
        && (!frp.is_finite() || frp < 0.0)
    {
        return Err(IngestError::malformed(
            "frp_mw",
            "expected a non-negative number",
        ));
    }
    let confidence = match f.confidence {
        None => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        Some(_) => {
            return Err(IngestError::malformed(
                "confidence",
                "expected a string or a number",
            ));
        }
    };
    let acquired = opt_time("acquired", f.acquired.as_ref())?;
    let sent = acquired.clone().unwrap_or_else(|| now.to_string());
    let source = match &f.source_id {
        Some(id) => SourceId {
            identifier: id.clone(),
            sender: f.sender.clone(),
            sent: sent.clone(),
        },
        None => generated(&f.sender, &sent),
    };
    let state = EventState {
        kind: Kind::Fire,
        hazard_type: "forest_fire".into(),
        details: Details::Fire {
            point: f.point,
            acquired,
            confidence,
            frp_mw: f.frp_mw,
            satellite: f.satellite,
        },
        area: Area::default(),
        headline: f.headline,
        description: None,
        effective: sent.clone(),
        sent,
        expires: opt_time("expires", f.expires.as_ref())?,
        source: source.clone(),
        status: Status::Active,
    };
    Ok(Message {
        source,
        target: Target::New {
            group: f.source_id.map(|s| format!("fire:{}:{s}", f.sender)),
        },
        change: Change::Replace(Box::new(state)),
    })
}
