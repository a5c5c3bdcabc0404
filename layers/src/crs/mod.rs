//! Coordinate reference systems by reference (OGC API – Features Part 2): the CRSs a
//! caller may ask coordinates in, named by their OGC URIs, and the transformations
//! from and to the stored CRS84 lon/lat. Pure Rust, no PROJ.
//!
//! - `CRS84`: lon, lat (the storage CRS).
//! - `EPSG:4326` (WGS 84) and `EPSG:4490` (CGCS2000): lat, lon, the EPSG axis order.
//!   CGCS2000 is taken equal to WGS 84, as the rest of riskmap does (they differ by
//!   centimetres, below what the sources hold) and as PROJ's own CRS84 → EPSG:4490
//!   operation does (an axis swap).
//! - The CGCS2000 Gauss-Krüger zones: EPSG:4534–4554 (3°, central meridians 75°E to
//!   135°E, false easting 500 000 m), EPSG:4513–4533 (3° zones 25–45, false easting
//!   zone × 1 000 000 + 500 000) and EPSG:4491–4501 (6° zones 13–23, false easting
//!   zone × 1 000 000 + 500 000). Axes northing (X), easting (Y), in that order, as
//!   EPSG defines them (`projinfo EPSG:4543`). Points outside a zone's area of use are
//!   still transformed, as PROJ does: the series hold far beyond the zone.

mod bbox;
mod geojson;
mod tmerc;

pub use bbox::projected_bbox_area;
pub use geojson::{bbox_in, geometry_in};
pub use tmerc::TransverseMercator;

/// The CGCS2000 ellipsoid (GRS 80's shape): semi-major axis and inverse flattening.
pub const CGCS2000_A: f64 = 6_378_137.0;
pub const CGCS2000_RF: f64 = 298.257_222_101;

const OGC_CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const EPSG_PREFIX: &str = "http://www.opengis.net/def/crs/EPSG/0/";

/// A CRS a caller may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    /// OGC CRS84: lon, lat in degrees (the storage CRS).
    Crs84,
    /// A geographic CRS with EPSG's lat, lon order: 4326 or 4490.
    LatLon(u16),
    /// A CGCS2000 Gauss-Krüger zone by its EPSG code.
    GaussKruger(u16),
}

/// The parameters of a Gauss-Krüger EPSG code: central meridian and false easting.
fn gauss_kruger(code: u16) -> Option<(f64, f64)> {
    let c = f64::from(code);
    match code {
        // 6° zones 13–23: central meridian 6·zone − 3.
        4491..=4501 => {
            let zone = c - 4491.0 + 13.0;
            Some((6.0 * zone - 3.0, zone * 1e6 + 5e5))
        }
        // 3° zones 25–45 with the zone number in the easting: central meridian 3·zone.
        4513..=4533 => {
            let zone = c - 4513.0 + 25.0;
            Some((3.0 * zone, zone * 1e6 + 5e5))
        }
        // 3° zones by central meridian, no zone prefix.
        4534..=4554 => Some((75.0 + 3.0 * (c - 4534.0), 5e5)),
        _ => None,
    }
}

impl Crs {
    /// Every CRS offered, CRS84 first (the storage CRS).
    pub fn all() -> impl Iterator<Item = Crs> {
        [Crs::Crs84, Crs::LatLon(4326), Crs::LatLon(4490)]
            .into_iter()
            .chain((4491..=4501).chain(4513..=4554).map(Crs::GaussKruger))
    }

    /// Reads a CRS URI (`http://www.opengis.net/def/crs/EPSG/0/4490`); `None` for
    /// anything not offered. Only the URIs the collections list are accepted, so the
    /// OpenAPI document's enumeration is exactly what the server takes.
    pub fn from_uri(s: &str) -> Option<Crs> {
        if s == OGC_CRS84 {
            return Some(Crs::Crs84);
        }
        let code = s.strip_prefix(EPSG_PREFIX)?;
        // Digits only: no sign, spaces or leading zeros to alias a code.
        if code.is_empty() || code.starts_with('0') || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let code: u16 = code.parse().ok()?;
        match code {
            4326 | 4490 => Some(Crs::LatLon(code)),
            _ => gauss_kruger(code).map(|_| Crs::GaussKruger(code)),
        }
    }

    /// The CRS's OGC URI, as `Content-Crs` and the collections name it.
    pub fn uri(&self) -> String {
        match self {
            Crs::Crs84 => OGC_CRS84.to_string(),
            Crs::LatLon(c) | Crs::GaussKruger(c) => format!("{EPSG_PREFIX}{c}"),
        }
    }

    /// True for CRSs in degrees.
    pub fn is_geographic(&self) -> bool {
        !matches!(self, Crs::GaussKruger(_))
    }

    /// The projection of a Gauss-Krüger CRS.
    pub fn projection(&self) -> Option<TransverseMercator> {
        let Crs::GaussKruger(code) = self else {
            return None;
        };
        let (lon0, fe) = gauss_kruger(*code)?;
        Some(TransverseMercator::new(
            CGCS2000_A,
            CGCS2000_RF,
            lon0,
            1.0,
            fe,
            0.0,
        ))
    }

    /// A transformer from CRS84 into this CRS (the projection set up once).
    pub fn transformer(&self) -> Transformer {
        Transformer {
            crs: *self,
            tm: self.projection(),
        }
    }
}

/// Transforms between CRS84 lon/lat and one [`Crs`], coordinates in the CRS's axis
/// order.
#[derive(Debug, Clone)]
pub struct Transformer {
    crs: Crs,
    tm: Option<TransverseMercator>,
}

impl Transformer {
    pub fn crs(&self) -> Crs {
        self.crs
    }

    /// CRS84 (lon, lat) → the CRS's two axes in its order; `None` where the
    /// projection does not reach (more than about 150° of arc from the central
    /// meridian: never for China's zones and data).
    pub fn from_crs84(&self, lon: f64, lat: f64) -> Option<[f64; 2]> {
        match (&self.crs, &self.tm) {
            (Crs::Crs84, _) => Some([lon, lat]),
            (Crs::LatLon(_), _) => Some([lat, lon]),
            (Crs::GaussKruger(_), Some(tm)) => tm.forward(lon, lat).map(|(e, n)| [n, e]),
            (Crs::GaussKruger(_), None) => None,
        }
    }

    /// The CRS's two axes in its order → CRS84 (lon, lat).
    pub fn to_crs84(&self, a: f64, b: f64) -> Option<(f64, f64)> {
        match (&self.crs, &self.tm) {
            (Crs::Crs84, _) => Some((a, b)),
            (Crs::LatLon(_), _) => Some((b, a)),
            (Crs::GaussKruger(_), Some(tm)) => tm.inverse(b, a),
            (Crs::GaussKruger(_), None) => None,
        }
    }
}

#[cfg(test)]
mod tests;
