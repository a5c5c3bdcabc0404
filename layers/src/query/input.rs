//! Checking what callers send: coordinates, boxes, radii, and GeoJSON polygons.
//!
//! GeoJSON is read by hand from `serde_json` values so that every refusal names the
//! exact place (`geometry.coordinates[0][12]`), which the `geojson` crate's errors do
//! not.

use geo::{Coord, LineString, MultiPolygon, Point, Polygon, Rect, Validation};
use serde_json::Value as Json;

use super::error::{QueryError, QueryResult};
use super::limits::Limits;

/// A finite lon/lat inside [-180, 180] × [-90, 90].
pub fn lon_lat(lon: f64, lat: f64, lon_field: &str, lat_field: &str) -> QueryResult<Point<f64>> {
    if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
        return Err(QueryError::bad(
            lon_field,
            format!("longitude must be a finite number in [-180, 180], got {lon}"),
        ));
    }
    if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
        return Err(QueryError::bad(
            lat_field,
            format!("latitude must be a finite number in [-90, 90], got {lat}"),
        ));
    }
    Ok(Point::new(lon, lat))
}

/// `[min_lon, min_lat, max_lon, max_lat]` in range and ordered. Boxes across the
/// antimeridian are refused rather than misread.
pub fn bbox(b: [f64; 4], field: &str) -> QueryResult<Rect<f64>> {
    for (i, v) in b.iter().enumerate() {
        let (lo, hi) = if i % 2 == 0 {
            (-180.0, 180.0)
        } else {
            (-90.0, 90.0)
        };
        if !v.is_finite() || *v < lo || *v > hi {
            return Err(QueryError::bad(
                field,
                format!(
                    "value {} ({v}) must be a finite number in [{lo}, {hi}]",
                    i + 1
                ),
            ));
        }
    }
    if b[0] > b[2] || b[1] > b[3] {
        return Err(QueryError::bad(
            field,
            "expected min_lon,min_lat,max_lon,max_lat with min <= max (boxes across the antimeridian are not supported)",
        ));
    }
    Ok(Rect::new((b[0], b[1]), (b[2], b[3])))
}

/// A distance in metres: finite, positive and within the limit.
pub fn distance_m(v: f64, field: &str, limits: &Limits) -> QueryResult<f64> {
    if !v.is_finite() || v <= 0.0 || v > limits.max_radius_m {
        return Err(QueryError::bad(
            field,
            format!(
                "must be a distance in metres in (0, {}], got {v}",
                limits.max_radius_m
            ),
        ));
    }
    Ok(v)
}

/// A page: `limit` in [1, max_page_size] (default when absent), any `offset`.
pub fn page(limit: Option<usize>, offset: Option<usize>, limits: &Limits) -> QueryResult<Page> {
    let limit = limit.unwrap_or(limits.default_page_size);
    if limit == 0 || limit > limits.max_page_size {
        return Err(QueryError::bad(
            "limit",
            format!("must be in [1, {}], got {limit}", limits.max_page_size),
        ));
    }
    Ok(Page {
        limit,
        offset: offset.unwrap_or(0),
    })
}

/// One page of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: usize,
    pub offset: usize,
}

fn number(v: &Json, field: &str) -> QueryResult<f64> {
    v.as_f64()
        .ok_or_else(|| QueryError::bad(field, format!("expected a number, got {v}")))
}

fn position(v: &Json, field: &str) -> QueryResult<Coord<f64>> {
    let arr = v
        .as_array()
        .filter(|a| a.len() == 2 || a.len() == 3)
        .ok_or_else(|| QueryError::bad(field, "a position is an array [lon, lat]"))?;
    let lon = number(&arr[0], &format!("{field}[0]"))?;
    let lat = number(&arr[1], &format!("{field}[1]"))?;
    let p = lon_lat(lon, lat, &format!("{field}[0]"), &format!("{field}[1]"))?;
    Ok(p.0)
}

fn ring(v: &Json, field: &str, budget: &mut Budget) -> QueryResult<LineString<f64>> {
    let arr = v
        .as_array()
        .ok_or_else(|| QueryError::bad(field, "a linear ring is an array of positions"))?;
    if arr.len() > budget.left {
        return Err(QueryError::bad(
            field,
            format!("the polygon has more than {} vertices", budget.max),
        ));
    }
    budget.left -= arr.len();
    let coords = arr
        .iter()
        .enumerate()
        .map(|(i, p)| position(p, &format!("{field}[{i}]")))
        .collect::<QueryResult<Vec<_>>>()?;
    if coords.len() < 4 {
        return Err(QueryError::unprocessable(
            field,
            "a linear ring needs at least 4 positions",
        ));
    }
    if coords.first() != coords.last() {
        return Err(QueryError::unprocessable(
            field,
            "a linear ring must be closed (first position equal to the last)",
        ));
    }
    Ok(LineString(coords))
}

/// Vertices still allowed in the polygon being read.
struct Budget {
    max: usize,
    left: usize,
}

fn polygon(v: &Json, field: &str, budget: &mut Budget) -> QueryResult<Polygon<f64>> {
    let rings = v
        .as_array()
        .ok_or_else(|| QueryError::bad(field, "polygon coordinates are an array of rings"))?;
    if rings.is_empty() {
        return Err(QueryError::unprocessable(
            field,
            "a polygon needs an exterior ring",
        ));
    }
    let mut parsed = rings
        .iter()
        .enumerate()
        .map(|(i, r)| ring(r, &format!("{field}[{i}]"), budget))
        .collect::<QueryResult<Vec<_>>>()?;
    let exterior = parsed.remove(0);
    Ok(Polygon::new(exterior, parsed))
}

/// A GeoJSON Polygon or MultiPolygon (a bare geometry or a Feature holding one),
/// checked: positions in range, rings closed, at most `limits.max_polygon_vertices`
/// vertices, and valid in the OGC sense (no self-intersection, holes inside).
pub fn geojson_area(v: &Json, field: &str, limits: &Limits) -> QueryResult<MultiPolygon<f64>> {
    let obj = v
        .as_object()
        .ok_or_else(|| QueryError::bad(field, "expected a GeoJSON object"))?;
    let kind = obj
        .get("type")
        .and_then(Json::as_str)
        .ok_or_else(|| QueryError::bad(format!("{field}.type"), "missing GeoJSON \"type\""))?;
    if kind == "Feature" {
        let g = obj
            .get("geometry")
            .filter(|g| !g.is_null())
            .ok_or_else(|| {
                QueryError::bad(format!("{field}.geometry"), "the Feature has no geometry")
            })?;
        return geojson_area(g, &format!("{field}.geometry"), limits);
    }
    let coords_field = format!("{field}.coordinates");
    let coords = obj.get("coordinates");
    let mut budget = Budget {
        max: limits.max_polygon_vertices,
        left: limits.max_polygon_vertices,
    };
    let mp = match kind {
        "Polygon" => {
            let c = coords.ok_or_else(|| QueryError::bad(&coords_field, "missing coordinates"))?;
            MultiPolygon(vec![polygon(c, &coords_field, &mut budget)?])
        }
        "MultiPolygon" => {
            let c = coords
                .and_then(Json::as_array)
                .ok_or_else(|| QueryError::bad(&coords_field, "expected an array of polygons"))?;
            if c.is_empty() {
                return Err(QueryError::unprocessable(&coords_field, "no polygons"));
            }
            MultiPolygon(
                c.iter()
                    .enumerate()
                    .map(|(i, p)| polygon(p, &format!("{coords_field}[{i}]"), &mut budget))
                    .collect::<QueryResult<Vec<_>>>()?,
            )
        }
        "Point" | "MultiPoint" | "LineString" | "MultiLineString" | "GeometryCollection" => {
            return Err(QueryError::unprocessable(
                format!("{field}.type"),
                format!("expected a Polygon or MultiPolygon, got {kind}"),
            ));
        }
        other => {
            return Err(QueryError::bad(
                format!("{field}.type"),
                format!("{other:?} is not a GeoJSON geometry type"),
            ));
        }
    };
    if let Err(e) = mp.check_validation() {
        return Err(QueryError::unprocessable(
            field,
            format!("invalid polygon: {e}"),
        ));
    }
    Ok(mp)
}

#[cfg(test)]
mod tests {
    use super::super::error::ErrorKind;
    use super::*;
    use serde_json::json;

    fn parse(v: Json) -> QueryResult<MultiPolygon<f64>> {
        geojson_area(&v, "polygon", &Limits::STANDARD)
    }

    #[test]
    fn accepts_polygons_and_features() {
        let sq = json!({"type":"Polygon","coordinates":[[[101,25],[102,25],[102,26],[101,26],[101,25]]]});
        assert_eq!(parse(sq.clone()).unwrap().0.len(), 1);
        let f = json!({"type":"Feature","properties":{},"geometry":sq});
        assert_eq!(parse(f).unwrap().0.len(), 1);
    }

    #[test]
    fn names_the_place_of_each_fault() {
        let bowtie = json!({"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]});
        let e = parse(bowtie).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unprocessable);
        assert!(e.message.contains("self"), "{}", e.message);
        let far = json!({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,91],[0,0]]]});
        assert_eq!(
            parse(far).unwrap_err().field,
            "polygon.coordinates[0][2][1]"
        );
        let open = json!({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]});
        assert_eq!(parse(open).unwrap_err().field, "polygon.coordinates[0]");
        let point = json!({"type":"Point","coordinates":[0,0]});
        let e = parse(point).unwrap_err();
        assert_eq!(
            (e.kind, e.field.as_str()),
            (ErrorKind::Unprocessable, "polygon.type")
        );
        let text = json!({"type":"Polygon","coordinates":[[[0,"a"],[1,0],[1,1],[0,0]]]});
        assert_eq!(
            parse(text).unwrap_err().field,
            "polygon.coordinates[0][0][1]"
        );
    }

    #[test]
    fn refuses_too_many_vertices() {
        let n = Limits::STANDARD.max_polygon_vertices + 1;
        let mut ring: Vec<Json> = (0..n - 1)
            .map(|i| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                json!([a.cos(), a.sin()])
            })
            .collect();
        ring.push(ring[0].clone());
        let e = parse(json!({"type":"Polygon","coordinates":[ring]})).unwrap_err();
        assert!(e.message.contains("vertices"));
    }
}
