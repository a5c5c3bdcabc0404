//! The limits every query enforces, in one place: the HTTP layer states them in the
//! OpenAPI document and the core functions check them.

use serde::Serialize;

/// Upper bounds on what one request may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Limits {
    /// Largest `k` of a nearest query.
    pub max_k: usize,
    /// Largest search radius (`radius_m`, `max_distance_m`), metres.
    pub max_radius_m: f64,
    /// Most vertices in a request polygon (all rings together).
    pub max_polygon_vertices: usize,
    /// Largest request body, bytes.
    pub max_body_bytes: usize,
    /// Largest page (`limit`) of a feature listing.
    pub max_page_size: usize,
    /// Page size when the request gives none.
    pub default_page_size: usize,
    /// Candidate shelters considered per grid in a transfer analysis.
    pub transfer_candidates: usize,
    /// Default and largest travel distance from a grid to a shelter, metres.
    pub transfer_default_distance_m: f64,
    /// Earthquake magnitude range accepted (surface-wave magnitude Ms).
    pub min_magnitude: f64,
    pub max_magnitude: f64,
    /// Largest focal depth accepted, km.
    pub max_depth_km: f64,
}

impl Limits {
    pub const STANDARD: Limits = Limits {
        max_k: 100,
        max_radius_m: 200_000.0,
        max_polygon_vertices: 10_000,
        max_body_bytes: 1 << 20,
        max_page_size: 1_000,
        default_page_size: 100,
        transfer_candidates: 8,
        transfer_default_distance_m: 30_000.0,
        min_magnitude: 4.0,
        max_magnitude: 8.5,
        max_depth_km: 100.0,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::STANDARD
    }
}
