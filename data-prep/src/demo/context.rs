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

struct ContextLayer {
    id: &'static str,
    file: &'static str,
    geometry: &'static str,
    zh: &'static str,
    en: &'static str,
    keep: &'static [&'static str],
}

const LAYERS: [ContextLayer; 6] = [
    ContextLayer {
        id: "faults",
        file: FAULT_FILE,
        geometry: "line",
        zh: "活动断层",
        en: "Active faults (GEM 2017)",
        keep: &[
            "name",
            "fz_name",
            "slip_type",
            "net_slip_rate",
            "average_dip",
            "catalog_name",
        ],
    },
    ContextLayer {
        id: "rivers",
        file: RIVER_FILE,
        geometry: "line",
        zh: "河流",
        en: "Rivers (1:4M)",
        keep: &["NAME", "LEVEL_RIVE"],
    },
    ContextLayer {
        id: "weather_stations",
        file: STATION_FILE,
        geometry: "point",
        zh: "气象站",
        en: "Weather stations",
        keep: &["name", "alti_m"],
    },
    ContextLayer {
        id: "places",
        file: PLACE_FILE,
        geometry: "point",
        zh: "城镇",
        en: "Towns (GeoNames)",
        keep: &["name"],
    },
    ContextLayer {
        id: "historic_earthquakes",
        file: EARTHQUAKE_FILE,
        geometry: "point",
        zh: "历史地震",
        en: "Historic earthquakes (NOAA)",
        keep: &[
            "year",
            "eq_mag_mw",
            "eq_mag_ms",
            "intensity",
            "focal_depth",
            "location_name",
            "deaths",
        ],
    },
    ContextLayer {
        id: "landslide_events",
        file: LANDSLIDE_FILE,
        geometry: "point",
        zh: "滑坡事件",
        en: "Landslide events (NASA GLC)",
        keep: &[
            "event_date",
            "landslide_category",
            "landslide_trigger",
            "landslide_size",
            "fatality_count",
            "location_description",
        ],
    },
];

pub fn entries(reference_dir: &Path) -> Vec<Entry> {
    LAYERS
        .iter()
        .enumerate()
        .map(|(i, l)| Entry {
            comment: if i == 0 {
                vec![
                    "Context layers: the real reference files, as they are (free-form fields, so the".into(),
                    "geometry kind, names and kept fields are given here).".into(),
                ]
            } else {
                Vec::new()
            },
            id: l.id.into(),
            source: reference_dir.join(l.file).to_string_lossy().into_owned(),
            geometry: Some(l.geometry),
            name_zh: Some(l.zh.into()),
            name_en: Some(l.en.into()),
            keep_fields: Some(l.keep.iter().map(std::string::ToString::to_string).collect()),
            ..Default::default()
        })
        .collect()
}
