//! Source coordinate reference systems and the transform to EPSG:4326 lon/lat.
//!
//! Projected and geographic CRSs go through PROJ (EPSG codes including CGCS2000, 4490,
//! and its Gauss-Krüger zones 4491–4554; any WKT or PROJ definition). GCJ-02 is not a
//! CRS PROJ knows, so it goes through [`crate::gcj02`]. CGCS2000 geographic is treated
//! as equal to WGS84: they differ by centimetres, far below the data's accuracy.

use anyhow::{Context, Result, anyhow, bail};
use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};

use crate::gcj02;

/// Longitude/latitude box in degrees: `[west, south, east, north]`.
pub type Area = [f64; 4];

/// How source coordinates become EPSG:4326 lon/lat.
pub enum Transform {
    /// Already lon/lat on WGS84 or CGCS2000.
    Identity,
    /// Through PROJ.
    Proj(Box<proj::Proj>),
    /// GCJ-02 lon/lat, inverted numerically.
    Gcj02,
}

/// A resolved source CRS.
#[derive(Debug)]
pub struct SourceCrs {
    /// How it was named, for messages (`EPSG:4543`, `GCJ-02`, ...).
    pub label: String,
    pub geographic: bool,
    /// Where the CRS is valid, in degrees (from the EPSG database via PROJ).
    pub area: Option<Area>,
    pub transform: Transform,
}

/// Is `s` a name of GCJ-02?
pub fn is_gcj02(s: &str) -> bool {
    let norm: String = s
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase();
    norm == "GCJ02" || norm == "GCJ"
}

/// The area where GCJ-02 differs from WGS84 (mainland China's rough box).
const GCJ02_AREA: Area = [72.004, 0.8293, 137.8347, 55.8271];

impl SourceCrs {
    /// Resolve a CRS from an override string or the source layer's own SRS.
    pub fn resolve(overridden: Option<&str>, from_source: Option<SpatialRef>) -> Result<Self> {
        if let Some(s) = overridden.filter(|s| is_gcj02(s)) {
            return Ok(SourceCrs {
                label: s.to_string(),
                geographic: true,
                area: Some(GCJ02_AREA),
                transform: Transform::Gcj02,
            });
        }
        let mut srs = match overridden {
            Some(def) => SpatialRef::from_definition(def)
                .map_err(|e| anyhow!("crs {def:?} is not a CRS GDAL/PROJ understands: {e}"))?,
            None => from_source.ok_or_else(|| {
                anyhow!("the source declares no CRS; set `crs` for this layer in prep.toml (e.g. \"EPSG:4490\", or \"GCJ-02\" for AMap coordinates)")
            })?,
        };
        srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        if srs.auth_name().is_none() {
            // Shapefile .prj files carry ESRI WKT without codes; try to recognise them.
            let _ = srs.auto_identify_epsg();
        }
        let code = match (srs.auth_name(), srs.auth_code()) {
            (Some(name), Ok(code)) => Some(format!("{name}:{code}")),
            _ => None,
        };
        let label = code
            .clone()
            .or_else(|| srs.name())
            .unwrap_or_else(|| "unnamed CRS".into());
        let area = srs.area_of_use().map(|a| {
            [
                a.west_lon_degree,
                a.south_lat_degree,
                a.east_lon_degree,
                a.north_lat_degree,
            ]
        });
        let geographic = srs.is_geographic();
        let identity = matches!(
            code.as_deref(),
            Some("EPSG:4326" | "EPSG:4490" | "OGC:CRS84")
        );
        let transform = if identity {
            Transform::Identity
        } else {
            let def = match &code {
                Some(c) => c.clone(),
                None => srs.to_wkt().context("exporting the source CRS as WKT")?,
            };
            let p = proj::Proj::new_known_crs(&def, "EPSG:4326", None)
                .map_err(|e| anyhow!("PROJ cannot transform {label} to EPSG:4326: {e}"))?;
            Transform::Proj(Box::new(p))
        };
        Ok(SourceCrs {
            label,
            geographic,
            area,
            transform,
        })
    }

    /// Transform one coordinate to lon/lat, checking it lies where the CRS is valid.
    pub fn to_lonlat(&self, x: f64, y: f64) -> Result<(f64, f64)> {
        if !x.is_finite() || !y.is_finite() {
            bail!("coordinate ({x}, {y}) is not a finite number");
        }
        if self.geographic && !(lon_lat_in_range(x, y)) {
            if lon_lat_in_range(y, x) && self.area.is_none_or(|a| in_area(a, y, x, 0.0)) {
                bail!(
                    "coordinate ({x}, {y}) is not a valid longitude/latitude in {}; it looks like latitude and longitude are swapped",
                    self.label
                );
            }
            bail!(
                "coordinate ({x}, {y}) is outside the range of degrees in {}: projected metres declared as a geographic CRS?",
                self.label
            );
        }
        let (lon, lat) = match &self.transform {
            Transform::Identity => (x, y),
            Transform::Gcj02 => gcj02::gcj02_to_wgs84(x, y),
            Transform::Proj(p) => p.convert((x, y)).map_err(|e| {
                anyhow!("PROJ cannot transform ({x}, {y}) from {}: {e}", self.label)
            })?,
        };
        if !lon.is_finite() || !lat.is_finite() || !lon_lat_in_range(lon, lat) {
            bail!(
                "coordinate ({x}, {y}) in {} does not transform to a valid longitude/latitude",
                self.label
            );
        }
        if let Some(area) = self.area {
            // Gauss-Krüger zones are used a little beyond their nominal 3° or 6° band;
            // one degree of slack keeps real data while catching wrong-zone or
            // wrong-unit declarations, which land hundreds of kilometres away.
            if !in_area(area, lon, lat, 1.0) {
                let hint = if self.geographic && in_area(area, lat, lon, 1.0) {
                    "; it looks like latitude and longitude are swapped"
                } else if !self.geographic {
                    "; wrong zone or CRS declared, or degrees declared as a projected CRS?"
                } else {
                    ""
                };
                bail!(
                    "coordinate ({x}, {y}) in {} lies at ({lon:.5}, {lat:.5}), outside the CRS's area of use {:?}{hint}",
                    self.label,
                    area
                );
            }
        }
        Ok((lon, lat))
    }
}

impl std::fmt::Debug for Transform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Transform::Identity => "Identity",
            Transform::Proj(_) => "Proj",
            Transform::Gcj02 => "Gcj02",
        })
    }
}

fn lon_lat_in_range(lon: f64, lat: f64) -> bool {
    (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)
}

fn in_area(area: Area, lon: f64, lat: f64, slack: f64) -> bool {
    let [w, s, e, n] = area;
    let lon_ok = if w <= e {
        lon >= w - slack && lon <= e + slack
    } else {
        // Areas crossing the antimeridian.
        lon >= w - slack || lon <= e + slack
    };
    lon_ok && lat >= s - slack && lat <= n + slack
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_kruger_zone_102e_matches_cs2cs() {
        // Values from ../shared/DEPENDENCIES.md, checked there against cs2cs.
        let crs = SourceCrs::resolve(Some("EPSG:4543"), None).unwrap();
        assert!(!crs.geographic);
        let (lon, lat) = crs.to_lonlat(570522.0, 2770000.0).unwrap();
        assert!(
            (lon - 102.698764).abs() < 1e-6 && (lat - 25.033978).abs() < 1e-6,
            "{lon} {lat}"
        );
    }

    #[test]
    fn wrong_declarations_are_caught() {
        let gk = SourceCrs::resolve(Some("EPSG:4543"), None).unwrap();
        let e = gk.to_lonlat(101.5, 25.0).unwrap_err().to_string();
        assert!(e.contains("area of use"), "{e}");
        let geo = SourceCrs::resolve(Some("EPSG:4490"), None).unwrap();
        let e = geo.to_lonlat(570522.0, 2770000.0).unwrap_err().to_string();
        assert!(e.contains("projected metres"), "{e}");
        let e = geo.to_lonlat(25.03, 101.5).unwrap_err().to_string();
        assert!(e.contains("swapped"), "{e}");
        let wgs = SourceCrs::resolve(Some("EPSG:4326"), None).unwrap();
        assert!(wgs.to_lonlat(f64::NAN, 1.0).is_err());
        assert!(SourceCrs::resolve(Some("EPSG:999999"), None).is_err());
        assert!(
            SourceCrs::resolve(None, None)
                .unwrap_err()
                .to_string()
                .contains("no CRS")
        );
    }

    #[test]
    fn gcj02_is_recognised_by_its_common_spellings() {
        for s in ["GCJ-02", "gcj02", "GCJ_02"] {
            assert!(is_gcj02(s));
        }
        assert!(!is_gcj02("EPSG:4326"));
        let c = SourceCrs::resolve(Some("GCJ-02"), None).unwrap();
        let (lon, lat) = c.to_lonlat(121.531541859215, 31.17530398364597).unwrap();
        assert!((lon - 121.5272106).abs() < 1e-7 && (lat - 31.1774276).abs() < 1e-7);
    }
}
