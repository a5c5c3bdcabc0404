//! The query parameters of OGC API – Features Part 1 items requests, read as the
//! standard says: `limit` above the maximum serves the maximum
//! (/req/core/fc-limit-response-1), `bbox` takes 4 or 6 numbers and may cross the
//! antimeridian (/req/core/fc-bbox-definition), `datetime` is an RFC 3339 instant or
//! interval with `..` for an open end (/req/core/fc-time-definition).

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

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

/// `bbox` as one or two `[west, south, east, north]` boxes: two when it crosses the
/// antimeridian (west > east). The heights of a 6-number box are not used: the
/// layers are 2D.
pub fn bbox(p: &Params) -> ApiResult<Vec<[f64; 4]>> {
    let Some(v) = p.str("bbox") else {
        return Ok(Vec::new());
    };
    let bad = |why: &str| ApiError::bad("bbox", format!("{why}, got {v:?}"));
    let nums: Vec<f64> = v
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad("expected numbers separated by commas"))?;
    let ([w, s, e, n] | [w, s, _, e, n, _]) = nums[..] else {
        return Err(bad(
            "expected 4 numbers (west,south,east,north) or 6 (with heights)",
        ));
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &str) -> Params {
        Params::parse(Some(q), &["limit", "bbox", "datetime"]).unwrap()
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
}
