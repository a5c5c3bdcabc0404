use super::*;

/// PROJ's values, written by `make_cs2cs_table.sh` (the command is in its first line).
const TABLE: &str = include_str!("cs2cs_table.txt");

fn table() -> Vec<(u16, f64, f64, f64, f64)> {
    TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let v: Vec<&str> = l.split_whitespace().collect();
            let n = |i: usize| v[i].parse::<f64>().unwrap();
            (v[0].parse().unwrap(), n(1), n(2), n(3), n(4))
        })
        .collect()
}

#[test]
fn gauss_kruger_forward_agrees_with_proj_within_a_millimetre() {
    let rows = table();
    assert!(rows.len() > 500, "the table was read: {} rows", rows.len());
    let mut worst = 0.0f64;
    for (code, lon, lat, north, east) in rows {
        let t = Crs::GaussKruger(code).transformer();
        let [n, e] = t.from_crs84(lon, lat).unwrap();
        let d = (n - north).hypot(e - east);
        worst = worst.max(d);
        assert!(
            d <= 1e-3,
            "EPSG:{code} ({lon}, {lat}): ours ({n}, {e}), PROJ ({north}, {east}), {d} m"
        );
    }
    // Not vacuous: the table's values are six-decimal, so agreement is near their
    // rounding.
    assert!(worst < 1e-4, "worst {worst} m");
}

#[test]
fn gauss_kruger_inverse_agrees_with_proj_within_1e9_degree() {
    for (code, lon, lat, north, east) in table() {
        let t = Crs::GaussKruger(code).transformer();
        let (x, y) = t.to_crs84(north, east).unwrap();
        // PROJ's metres are rounded to 1 µm, about 1e-11°: the inverse of them must
        // land on the input.
        assert!(
            (x - lon).abs() <= 1e-9 && (y - lat).abs() <= 1e-9,
            "EPSG:{code} ({north}, {east}) → ({x}, {y}), expected ({lon}, {lat})"
        );
    }
}

#[test]
fn uris_name_every_offered_crs_and_nothing_else() {
    let all: Vec<Crs> = Crs::all().collect();
    // CRS84, 4326, 4490, 11 six-degree zones, 21 + 21 three-degree zones.
    assert_eq!(all.len(), 3 + 11 + 42);
    for c in &all {
        assert_eq!(Crs::from_uri(&c.uri()), Some(*c), "{}", c.uri());
    }
    assert_eq!(
        Crs::from_uri("http://www.opengis.net/def/crs/EPSG/0/4490"),
        Some(Crs::LatLon(4490))
    );
    for bad in [
        "",
        "EPSG:4490",
        "[EPSG:4490]",
        " http://www.opengis.net/def/crs/EPSG/0/4490",
        "http://www.opengis.net/def/crs/EPSG/0/3857",
        "http://www.opengis.net/def/crs/EPSG/0/4502",
        "http://www.opengis.net/def/crs/EPSG/0/04490",
        "http://www.opengis.net/def/crs/EPSG/0/+4490",
        "http://www.opengis.net/def/crs/EPSG/0/4490x",
        "http://www.opengis.net/def/crs/EPSG/0/99999999",
        "http://www.opengis.net/def/crs/OGC/1.3/CRS83",
    ] {
        assert_eq!(Crs::from_uri(bad), None, "{bad:?}");
    }
}

#[test]
fn zone_parameters_follow_epsg() {
    // Spot checks against `projinfo EPSG:xxxx`: central meridian and false easting.
    for (code, lon0, fe) in [
        (4491, 75.0, 13_500_000.0),
        (4501, 135.0, 23_500_000.0),
        (4513, 75.0, 25_500_000.0),
        (4522, 102.0, 34_500_000.0),
        (4533, 135.0, 45_500_000.0),
        (4534, 75.0, 500_000.0),
        (4543, 102.0, 500_000.0),
        (4554, 135.0, 500_000.0),
    ] {
        assert_eq!(gauss_kruger(code), Some((lon0, fe)), "EPSG:{code}");
        // On the central meridian the easting is the false easting exactly.
        let [_, e] = Crs::GaussKruger(code)
            .transformer()
            .from_crs84(lon0, 25.0)
            .unwrap();
        assert!((e - fe).abs() < 1e-6, "EPSG:{code}: {e}");
    }
    for code in [4490, 4502, 4512, 4555] {
        assert_eq!(gauss_kruger(code), None);
    }
}

#[test]
fn axis_orders() {
    let p = (101.5, 25.0);
    assert_eq!(
        Crs::Crs84.transformer().from_crs84(p.0, p.1),
        Some([101.5, 25.0])
    );
    for c in [4326, 4490] {
        let t = Crs::LatLon(c).transformer();
        assert_eq!(t.from_crs84(p.0, p.1), Some([25.0, 101.5]));
        assert_eq!(t.to_crs84(25.0, 101.5), Some(p));
    }
    // Gauss-Krüger: northing first (about 2 766 km north of the equator at 25°N).
    let [n, e] = Crs::GaussKruger(4543)
        .transformer()
        .from_crs84(p.0, p.1)
        .unwrap();
    assert!(n > 2.7e6 && (4e5..5e5).contains(&e), "{n} {e}");
}

#[test]
fn far_from_the_zone_is_still_transformed_and_beyond_the_series_refused() {
    let t = Crs::GaussKruger(4543).transformer();
    // 20° off the central meridian: outside the zone, still a round trip.
    let [n, e] = t.from_crs84(122.0, 30.0).unwrap();
    let (lon, lat) = t.to_crs84(n, e).unwrap();
    assert!((lon - 122.0).abs() < 1e-9 && (lat - 30.0).abs() < 1e-9);
    // On the equator 90° away the easting is infinite: no value, not a panic.
    assert_eq!(t.from_crs84(102.0 + 90.0, 0.0), None);
    assert_eq!(t.to_crs84(0.0, 1e9), None);
}
