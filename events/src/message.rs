//! A parsed, validated incoming message (from CAP or JSON), before the store applies
//! it: which event it is for ([`Target`]) and what it changes ([`Change`]). The
//! geometry checks both formats share live here too.

use crate::error::{ErrorKind, IngestError};
use crate::model::{EventState, SourceId, Status};

/// Resolves GB/T 2260 admin codes. The server implements it over the dataset's admin
/// layer; this crate knows no dataset.
pub trait AdminAreas {
    /// Whether an admin unit with this code exists.
    fn knows(&self, code: &str) -> bool;
    /// Its boundary as a GeoJSON geometry (Polygon or MultiPolygon), for display.
    fn boundary(&self, code: &str) -> Option<serde_json::Value>;
}

/// An [`AdminAreas`] over a fixed list of codes (tests, tools). Boundaries are
/// unknown.
pub struct KnownCodes(pub Vec<String>);

impl AdminAreas for KnownCodes {
    fn knows(&self, code: &str) -> bool {
        self.0.iter().any(|c| c == code)
    }
    fn boundary(&self, _code: &str) -> Option<serde_json::Value> {
        None
    }
}

/// Which event a message is for.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A new event, unless an event with this grouping key exists (an earthquake's
    /// report id, a fire's source id): then a revision of that one.
    New { group: Option<String> },
    /// The event of the messages referred to (CAP Update/Cancel `<references>`).
    References(Vec<SourceId>),
    /// An event by id (JSON updates).
    Event(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The event's whole new state.
    Replace(Box<EventState>),
    /// End the event (cancelled or closed), keeping its last state otherwise.
    End(Status),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The message's own identity (normalised `sent`), for resends and references.
    pub source: SourceId,
    pub target: Target,
    pub change: Change,
}

/// Longest circle radius accepted: a warning area larger than a province is a typo.
pub const MAX_RADIUS_KM: f64 = 1000.0;
/// Most vertices in one polygon (the API's limit on geometry size).
pub const MAX_VERTICES: usize = 10_000;

pub fn check_lon_lat(path: &str, lon: f64, lat: f64) -> Result<(), IngestError> {
    if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
        return Err(IngestError::malformed(
            path,
            format!("latitude {lat} is out of range -90..90"),
        ));
    }
    if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
        return Err(IngestError::malformed(
            path,
            format!("longitude {lon} is out of range -180..180"),
        ));
    }
    Ok(())
}

/// CAP 1.2's polygon rules, for any source: at least 4 points, the first equal to the
/// last, coordinates in range. `ring` is [lon, lat].
pub fn check_ring(path: &str, ring: &[[f64; 2]]) -> Result<(), IngestError> {
    if ring.len() < 4 {
        return Err(IngestError::malformed(
            path,
            format!("{} points, need at least 4", ring.len()),
        ));
    }
    if ring.len() > MAX_VERTICES {
        return Err(IngestError::malformed(
            path,
            format!("{} points, at most {MAX_VERTICES}", ring.len()),
        ));
    }
    for (i, p) in ring.iter().enumerate() {
        check_lon_lat(&format!("{path}[{i}]"), p[0], p[1])?;
    }
    if ring.first() != ring.last() {
        return Err(IngestError::malformed(
            path,
            "not closed: the first and last points differ",
        ));
    }
    Ok(())
}

pub fn check_radius(path: &str, radius_km: f64) -> Result<(), IngestError> {
    if !radius_km.is_finite() || radius_km <= 0.0 || radius_km > MAX_RADIUS_KM {
        return Err(IngestError::malformed(
            path,
            format!("radius {radius_km} km is outside 0 (exclusive) to {MAX_RADIUS_KM} km"),
        ));
    }
    Ok(())
}

/// A GB/T 2260 code: 6 digits (county and above), 9 (township) or 12 (village), and
/// one the admin layer has.
pub fn check_admin_code(path: &str, code: &str, admin: &dyn AdminAreas) -> Result<(), IngestError> {
    let digits = code.bytes().all(|b| b.is_ascii_digit());
    if !digits || ![6, 9, 12].contains(&code.len()) {
        return Err(IngestError::malformed(
            path,
            format!("`{code}` is not a GB/T 2260 code (6, 9 or 12 digits)"),
        ));
    }
    if !admin.knows(code) {
        return Err(IngestError::new(
            ErrorKind::UnknownAdminCode,
            path,
            format!("unknown admin code `{code}`"),
        ));
    }
    Ok(())
}

/// A hazard type outside the catalogue's (layers/src/catalogue.rs), for warnings
/// no census layer covers (a heat wave, a cold wave).
pub const OTHER_HAZARD: &str = "other";

pub fn check_hazard_type(path: &str, hazard: &str) -> Result<(), IngestError> {
    let known = layers::catalogue::HAZARD_TYPES.iter().map(|h| h.0);
    if hazard == OTHER_HAZARD || known.clone().any(|h| h == hazard) {
        Ok(())
    } else {
        let list: Vec<&str> = known.chain([OTHER_HAZARD]).collect();
        Err(IngestError::malformed(
            path,
            format!("unknown hazard type `{hazard}`; one of {}", list.join(", ")),
        ))
    }
}
