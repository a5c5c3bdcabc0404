//! The query parameters of OGC API – Features Part 1 items requests, read as the
//! standard says: `limit` above the maximum serves the maximum
//! (/req/core/fc-limit-response-1), `bbox` takes 4 or 6 numbers and may cross the
//! antimeridian (/req/core/fc-bbox-definition), `datetime` is an RFC 3339 instant or
//! interval with `..` for an open end (/req/core/fc-time-definition). Part 2 adds
//! `crs` and `bbox-crs` (/req/crs/fc-bbox-crs-definition): a CRS URI from
//! [`layers::crs`], the box's numbers in that CRS's axis order.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

use geo::MultiPolygon;
use layers::crs::{Crs, projected_bbox_area};
use layers::query::{self, Region};

use super::extract::Params;
use crate::error::{ApiError, ApiResult};

/// `limit`: at least 1; above `max`, `max`.
pub fn limit(p: &Params, max: usize) -> ApiResult<Option<usize>> {
    match p.i64("limit")? {
        None => Ok(None),
        Some(n) if n >= 1 => Ok(Some(usize::try_from(n).unwrap_or(max).min(max))),
        Some(n) => Err(ApiError::bad(
            "limit",
            format!("must be at least 1, got {n}"),
        )),
    }
}

/// `bbox` as one or two `[west, south, east, north]` CRS84 boxes: two when it crosses
/// the antimeridian (west > east). The heights of a 6-number box are not used: the
/// layers are 2D.
pub fn bbox(p: &Params) -> ApiResult<Vec<[f64; 4]>> {
    match p.str("bbox") {
        None => Ok(Vec::new()),
        Some(v) => lon_lat_boxes(v, bbox_numbers(v)?),
    }
}

/// The 4 numbers of a `bbox` (of 6, heights dropped), in the order given.
fn bbox_numbers(v: &str) -> ApiResult<[f64; 4]> {
    let bad = |why: &str| ApiError::bad("bbox", format!("{why}, got {v:?}"));
    let nums: Vec<f64> = v
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad("expected numbers separated by commas"))?;
    let ([a, b, c, d] | [a, b, _, c, d, _]) = nums[..] else {
        return Err(bad(
            "expected 4 numbers (min, min, max, max in the bbox-crs axis order) or 6 (with heights)",
        ));
    };
    Ok([a, b, c, d])
}

fn lon_lat_boxes(v: &str, [w, s, e, n]: [f64; 4]) -> ApiResult<Vec<[f64; 4]>> {
    let bad = |why: &str| ApiError::bad("bbox", format!("{why}, got {v:?}"));
    if !(-180.0..=180.0).contains(&w) || !(-180.0..=180.0).contains(&e) {
        return Err(bad("longitudes must be in [-180, 180]"));
    }
    if !(-90.0..=90.0).contains(&s) || !(-90.0..=90.0).contains(&n) || s > n {
        return Err(bad("latitudes must be in [-90, 90], south <= north"));
    }
    Ok(if w <= e {
        vec![[w, s, e, n]]
    } else {
        vec![[w, s, 180.0, n], [-180.0, s, e, n]]
    })
}

/// `crs` or `bbox-crs` (named by `name`): one of the CRS URIs the collections list;
/// CRS84 when absent.
pub fn crs(p: &Params, name: &str) -> ApiResult<Crs> {
    match p.str(name) {
        None => Ok(Crs::Crs84),
        Some(v) => Crs::from_uri(v).ok_or_else(|| {
            ApiError::bad(
                name,
                format!(
                    "unsupported CRS {v:?}; supported: a URI listed in the collection's crs, e.g. {} or {}",
                    Crs::Crs84.uri(),
                    Crs::LatLon(4490).uri()
                ),
            )
        }),
    }
}

/// `bbox` read in `bbox_crs` as the regions to select by: lon/lat boxes for the
/// geographic CRSs (EPSG:4326/4490 in their lat, lon order), the covered lon/lat
/// polygon for a projected one.
pub fn bbox_regions(p: &Params, bbox_crs: Crs) -> ApiResult<Vec<Region>> {
    let Some(v) = p.str("bbox") else {
        return Ok(Vec::new());
    };
    let b = bbox_numbers(v)?;
    let boxes = match bbox_crs {
        Crs::Crs84 => lon_lat_boxes(v, b)?,
        Crs::LatLon(_) => lon_lat_boxes(v, [b[1], b[0], b[3], b[2]])?,
        Crs::GaussKruger(_) => {
            let area = projected_bbox_area(&bbox_crs.transformer(), b)
                .map_err(|why| ApiError::bad("bbox", format!("{why}, got {v:?}")))?;
            return Ok(vec![Region::Area(MultiPolygon(vec![area]))]);
        }
    };
    boxes
        .into_iter()
        .map(|b| Ok(Region::BBox(query::bbox(b, "bbox")?)))
        .collect()
}

/// `datetime`: checked, and returned as given for links. No layer carries a temporal
/// geometry, so it selects every feature (the standard's rule for collections
/// without temporal information).
pub fn datetime(p: &Params) -> ApiResult<Option<&str>> {
    let Some(v) = p.str("datetime") else {
        return Ok(None);
    };
    let ok = match v.split_once('/') {
        None => instant(v),
        Some((a, b)) => {
            let open = |x: &str| x.is_empty() || x == "..";
            (open(a) || instant(a))
                && (open(b) || instant(b))
                && !(open(a) && open(b) && a.is_empty() && b.is_empty())
        }
    };
    if ok {
        Ok(Some(v))
    } else {
        Err(ApiError::bad(
            "datetime",
            format!(
                "expected an RFC 3339 date-time, a date, or an interval a/b with .. for an open end, got {v:?}"
            ),
        ))
    }
}

fn instant(s: &str) -> bool {
    OffsetDateTime::parse(s, &Rfc3339).is_ok()
        || Date::parse(s, format_description!("[year]-[month]-[day]")).is_ok()
}

/// The collection `id` as `caller` may see it (404 naming `collectionId` otherwise).
pub fn layer_of<'a>(
    dataset: &'a layers::Dataset,
    caller: &crate::access::Caller,
    id: &str,
) -> ApiResult<&'a layers::Layer> {
    layers::query::visible_layer(dataset.store(), &caller.access, id, "collectionId")
        .map_err(|e| ApiError::not_found(e.message).field("collectionId"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &str) -> Params {
        Params::parse(Some(q), &["limit", "bbox", "datetime", "crs", "bbox-crs"]).unwrap()
    }

    #[test]
    fn limit_above_the_maximum_serves_the_maximum() {
        assert_eq!(limit(&params("limit=5000"), 1000).unwrap(), Some(1000));
        assert_eq!(limit(&params("limit=7"), 1000).unwrap(), Some(7));
        assert!(limit(&params("limit=0"), 1000).is_err());
    }

    #[test]
    fn bbox_of_six_numbers_and_across_the_antimeridian() {
        assert_eq!(
            bbox(&params("bbox=100,20,0,102,26,5000")).unwrap(),
            vec![[100.0, 20.0, 102.0, 26.0]]
        );
        assert_eq!(
            bbox(&params("bbox=170,-10,-170,10")).unwrap(),
            vec![[170.0, -10.0, 180.0, 10.0], [-180.0, -10.0, -170.0, 10.0]]
        );
        assert!(bbox(&params("bbox=1,2,3")).is_err());
        assert!(bbox(&params("bbox=0,10,1,5")).is_err());
    }

    #[test]
    fn datetime_instants_and_open_intervals() {
        for ok in [
            "2026-12-02T10:00:00Z",
            "2026-12-02",
            "../..",
            "../2026-01-01",
            "2025-01-01T00:00:00+08:00/..",
        ] {
            // In a query string `+` must be sent as %2B (a bare `+` means a space).
            let q = format!("datetime={}", ok.replace('+', "%2B"));
            assert!(datetime(&params(&q)).is_ok(), "{ok}");
        }
        for bad in ["yesterday", "2026-13-01", "a/b"] {
            assert!(
                datetime(&params(&format!("datetime={bad}"))).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn crs_by_uri_and_refused_by_name() {
        assert_eq!(crs(&params(""), "crs").unwrap(), Crs::Crs84);
        assert_eq!(
            crs(
                &params("crs=http://www.opengis.net/def/crs/EPSG/0/4543"),
                "crs"
            )
            .unwrap(),
            Crs::GaussKruger(4543)
        );
        let e = crs(&params("bbox-crs=EPSG:3857"), "bbox-crs").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("bbox-crs"));
    }

    #[test]
    fn bbox_in_lat_lon_order_and_in_metres() {
        let p = params("bbox=25,101,26,102");
        let Region::BBox(r) = &bbox_regions(&p, Crs::LatLon(4490)).unwrap()[0] else {
            panic!("a box")
        };
        assert_eq!(
            (r.min().x, r.min().y, r.max().x, r.max().y),
            (101.0, 25.0, 102.0, 26.0)
        );
        // Read as CRS84, latitude 101 is no latitude.
        assert!(bbox_regions(&p, Crs::Crs84).is_err());
        assert!(bbox_regions(&params("bbox=101,25,102,26"), Crs::LatLon(4326)).is_err());
        let p = params("bbox=2760000,430000,2790000,470000");
        assert!(matches!(
            bbox_regions(&p, Crs::GaussKruger(4543)).unwrap()[..],
            [Region::Area(_)]
        ));
        let e = bbox_regions(
            &params("bbox=2790000,430000,2760000,470000"),
            Crs::GaussKruger(4543),
        )
        .err()
        .unwrap();
        assert_eq!(e.field.as_deref(), Some("bbox"));
    }
}
