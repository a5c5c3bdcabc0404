//! Context layers taken straight from the real reference files: the prep.toml points at
//! them, nothing is copied. They are kept whole (all of Yunnan, and faults a little
//! beyond): they are small, and the region's surroundings matter when reading a
//! prefecture's risk (a fault or a river just over the border).

use std::path::Path;

use super::config_file::Entry;
use super::reference::{
    EARTHQUAKE_FILE, FAULT_FILE, LANDSLIDE_FILE, PLACE_FILE, RIVER_FILE, STATION_FILE,
};

/// `[west, south, east, north]` that every reference file falls in (faults reach 32°N).
pub const REFERENCE_BOUNDS: [f64; 4] = [96.0, 20.0, 107.5, 32.5];

pub fn entries(reference_dir: &Path) -> Vec<Entry> {
    // (id, file, geometry, zh, en, fields kept)
    let layers: [(&str, &str, &str, &str, &str, &[&str]); 6] = [
        (
            "faults",
            FAULT_FILE,
            "line",
            "活动断层",
            "Active faults (GEM 2017)",
            &[
                "name",
                "fz_name",
                "slip_type",
                "net_slip_rate",
                "average_dip",
                "catalog_name",
            ],
        ),
        (
            "rivers",
            RIVER_FILE,
            "line",
            "河流",
            "Rivers (1:4M)",
            &["NAME", "LEVEL_RIVE"],
        ),
        (
            "weather_stations",
            STATION_FILE,
            "point",
            "气象站",
            "Weather stations",
            &["name", "alti_m"],
        ),
        (
            "places",
            PLACE_FILE,
            "point",
            "城镇",
            "Towns (GeoNames)",
            &["name"],
        ),
        (
            "historic_earthquakes",
            EARTHQUAKE_FILE,
            "point",
            "历史地震",
            "Historic earthquakes (NOAA)",
            &[
                "year",
                "eq_mag_mw",
                "eq_mag_ms",
                "intensity",
                "focal_depth",
                "location_name",
                "deaths",
            ],
        ),
        (
            "landslide_events",
            LANDSLIDE_FILE,
            "point",
            "滑坡事件",
            "Landslide events (NASA GLC)",
            &[
                "event_date",
                "landslide_category",
                "landslide_trigger",
                "landslide_size",
                "fatality_count",
                "location_description",
            ],
        ),
    ];
    layers
        .into_iter()
        .enumerate()
        .map(|(i, (id, file, geometry, zh, en, keep))| Entry {
            comment: if i == 0 {
                vec![
                    "Context layers: the real reference files, as they are (free-form fields, so the".into(),
                    "geometry kind, names and kept fields are given here).".into(),
                ]
            } else {
                Vec::new()
            },
            id: id.into(),
            source: reference_dir.join(file).to_string_lossy().into_owned(),
            geometry: Some(geometry),
            name_zh: Some(zh.into()),
            name_en: Some(en.into()),
            keep_fields: Some(keep.iter().map(|k| k.to_string()).collect()),
            ..Default::default()
        })
        .collect()
}
