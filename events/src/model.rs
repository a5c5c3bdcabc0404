//! The event model: what an event is at one revision ([`EventState`]), the revision
//! that recorded it ([`Revision`]), and who made it ([`Actor`]). A change is always a
//! new revision holding the whole new state; nothing is edited in place, so the
//! history is the list of revisions and any state can be shown as it was.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Warning,
    Earthquake,
    Fire,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Warning => "warning",
            Kind::Earthquake => "earthquake",
            Kind::Fire => "fire",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    Closed,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Closed => "closed",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "active" => Some(Status::Active),
            "closed" => Some(Status::Closed),
            "cancelled" => Some(Status::Cancelled),
            _ => None,
        }
    }
}

/// Whether an earthquake report is the automatic quick report (自动速报, about 2
/// minutes after origin) or the reviewed one (正式速报) that revises it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Review {
    Automatic,
    Reviewed,
}

/// Kind-specific figures: the event's "level".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Details {
    /// Warning level 1–4: 蓝 blue, 黄 yellow, 橙 orange, 红 red.
    Warning { level: u8 },
    Earthquake {
        magnitude: f64,
        depth_km: f64,
        review: Review,
        /// RFC 3339, UTC.
        origin_time: String,
        /// [lon, lat].
        epicenter: [f64; 2],
    },
    Fire {
        /// [lon, lat].
        point: [f64; 2],
        /// RFC 3339, UTC: when the satellite (or observer) saw it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        acquired: Option<String>,
        /// FIRMS confidence: `l`/`n`/`h` (VIIRS) or 0–100 (MODIS), kept as sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confidence: Option<String>,
        /// Fire radiative power, MW.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        frp_mw: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        satellite: Option<String>,
    },
}

impl Details {
    pub fn kind(&self) -> Kind {
        match self {
            Details::Warning { .. } => Kind::Warning,
            Details::Earthquake { .. } => Kind::Earthquake,
            Details::Fire { .. } => Kind::Fire,
        }
    }
}

/// The warning colour of a level 1–4.
pub fn level_colour(level: u8) -> Option<(&'static str, &'static str)> {
    match level {
        1 => Some(("blue", "蓝")),
        2 => Some(("yellow", "黄")),
        3 => Some(("orange", "橙")),
        4 => Some(("red", "红")),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Circle {
    /// [lon, lat].
    pub center: [f64; 2],
    pub radius_km: f64,
}

/// Where an event applies: any mix of polygons, circles and admin units. Coordinates
/// are [lon, lat] (EPSG:4326) here whatever order the source used (CAP: lat first).
/// Admin codes are kept as codes and resolved to boundaries by the caller
/// ([`crate::AdminAreas`]) when shown, so a new admin layer redraws old events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Area {
    /// Closed rings (first point = last point), one polygon each.
    pub polygons: Vec<Vec<[f64; 2]>>,
    pub circles: Vec<Circle>,
    /// GB/T 2260 codes (6 digits; 9 for townships, 12 for villages).
    pub admin_codes: Vec<String>,
    /// Free text naming the area (CAP `areaDesc`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Area {
    pub fn is_empty(&self) -> bool {
        self.polygons.is_empty() && self.circles.is_empty() && self.admin_codes.is_empty()
    }
}

/// The message an event (or its revision) came from. For CAP: identifier, sender
/// and sent; together they identify a message, so a resend is recognised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceId {
    pub identifier: String,
    pub sender: String,
    /// As sent (RFC 3339); compared as normalised UTC.
    pub sent: String,
}

/// An event as it is at one revision. Every field is public: warnings are public
/// messages, and no personal data (CAP `contact`, `note`) is taken in at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventState {
    pub kind: Kind,
    /// One of the catalogue's hazard types (flood, geological, earthquake, ...).
    pub hazard_type: String,
    pub details: Details,
    pub area: Area,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// RFC 3339 UTC times.
    pub sent: String,
    pub effective: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    pub source: SourceId,
    pub status: Status,
}

/// Who made a revision: the API key's name and role, or the server itself
/// (`system:expiry` for expiry closes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub key_name: String,
    pub role: String,
}

impl Actor {
    /// The server closing expired events on its own.
    pub fn expiry() -> Actor {
        Actor {
            key_name: "riskmap-server:expiry".into(),
            role: "system".into(),
        }
    }
}

/// What a revision did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Created,
    Updated,
    Cancelled,
    Closed,
    Expired,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Cancelled => "cancelled",
            Action::Closed => "closed",
            Action::Expired => "expired",
        }
    }
}

/// One revision: the whole state after it, who made it, when, and from which message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    pub event_id: String,
    /// 1, 2, 3, ... per event.
    pub revision: i64,
    pub action: Action,
    pub actor: Actor,
    /// RFC 3339 UTC: when the revision was recorded.
    pub recorded_at: String,
    pub state: EventState,
}

/// An event: its id and its latest revision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub id: String,
    pub current: Revision,
}
