//! GeoJSON positions and bboxes in a requested CRS, in its axis order.
//!
//! A position is first rounded as CRS84 output writes it (1e-7°) and then
//! transformed, so every CRS describes the very point the CRS84 output shows: a
//! client transforming the CRS84 response itself gets the same numbers. Metres are
//! written to 0.1 mm, degrees to 1e-7° (about 1 cm) as in CRS84.

use geo::{Coord, CoordsIter, Geometry};
use serde_json::{Value as Json, json};

use super::Transformer;
use crate::query::geojson::{geometry_with, round};

fn round_m(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

/// One stored position in `t`'s CRS, rounded for output.
fn position(c: Coord<f64>, t: &Transformer) -> Option<[f64; 2]> {
    let [a, b] = t.from_crs84(round(c.x), round(c.y))?;
    Some(if t.crs().is_geographic() {
        [round(a), round(b)]
    } else {
        [round_m(a), round_m(b)]
    })
}

/// A geometry as GeoJSON in `t`'s CRS; `null` if any of its positions lies where the
/// CRS does not reach (more than about 150° of arc from a zone's central meridian).
pub fn geometry_in(g: &Geometry<f64>, t: &Transformer) -> Json {
    if g.coords_iter().any(|c| position(c, t).is_none()) {
        return Json::Null;
    }
    geometry_with(g, &|c| position(c, t).map_or(Json::Null, |p| json!(p)))
}

/// The extent of a geometry's positions in `t`'s CRS, as
/// `[min axis 1, min axis 2, max axis 1, max axis 2]` in the CRS's axis order.
pub fn bbox_in(g: &Geometry<f64>, t: &Transformer) -> Option<[f64; 4]> {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for c in g.coords_iter() {
        let [x, y] = position(c, t)?;
        b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
    }
    b[0].is_finite().then_some(b)
}
