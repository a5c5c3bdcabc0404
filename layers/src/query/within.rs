//! `within`: the features of a layer inside a box, a geodesic circle or a polygon,
//! tested exactly against each geometry, paged, with the total.

use geo::{
    Closest, Distance, Geodesic, Geometry, HaversineClosestPoint, Intersects, MultiPolygon, Point,
    Rect,
};
use rstar::AABB;
use serde::Serialize;

use super::Access;
use super::error::QueryResult;
use super::geojson::GeoFeature;
use super::input::Page;
use super::nearest::visible_layer;
use super::prepared::PreparedArea;
use crate::sphere::{MIN_METRES_PER_RADIAN, chord2_for_metres, unit_vector};
use crate::store::{Layer, Store};

/// Where to look.
#[derive(Debug, Clone)]
pub enum Region {
    /// Features meeting a lon/lat rectangle.
    BBox(Rect<f64>),
    /// Features within `radius_m` geodesic metres of `centre` (for lines and
    /// polygons: whose nearest point is).
    Radius { centre: Point<f64>, radius_m: f64 },
    /// Features meeting a polygon (boundary included).
    Area(MultiPolygon<f64>),
}

#[derive(Debug, Clone, Serialize)]
pub struct WithinResult {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub layer: String,
    /// How many features match in all.
    #[serde(rename = "numberMatched")]
    pub number_matched: usize,
    #[serde(rename = "numberReturned")]
    pub number_returned: usize,
    pub limit: usize,
    pub offset: usize,
    /// In fid order; with a radius, each carries `distance_m`.
    pub features: Vec<GeoFeature>,
}

/// Geodesic distance from `p` to the nearest point of `g`: zero when `g` covers `p`;
/// otherwise the geodesic length to the point of `g` nearest on the sphere (the
/// ellipsoidal and spherical nearest points differ by a hair, and the distance is flat
/// there, so the error is second order).
pub fn distance_to(g: &Geometry<f64>, p: Point<f64>) -> f64 {
    if let Geometry::Point(q) = g {
        return Geodesic.distance(p, *q);
    }
    if g.intersects(&p) {
        return 0.0;
    }
    match g.haversine_closest_point(&p) {
        Closest::Intersection(_) => 0.0,
        Closest::SinglePoint(q) => Geodesic.distance(p, q),
        Closest::Indeterminate => f64::INFINITY,
    }
}

/// A lon/lat box holding every point within `radius_m` of `centre`, from the bound
/// on metres per radian of central angle (see `sphere`).
pub fn radius_bbox(centre: Point<f64>, radius_m: f64) -> [f64; 4] {
    let angle = (radius_m / MIN_METRES_PER_RADIAN).to_degrees();
    let (lon, lat) = (centre.x(), centre.y());
    let (lat0, lat1) = ((lat - angle).max(-90.0), (lat + angle).min(90.0));
    if lat1 >= 90.0 || lat0 <= -90.0 || angle >= 90.0 {
        return [-180.0, lat0, 180.0, lat1];
    }
    let s = angle.to_radians().sin() / lat.to_radians().cos();
    if s >= 1.0 {
        return [-180.0, lat0, 180.0, lat1];
    }
    let dlon = s.asin().to_degrees() + 1e-9;
    [lon - dlon, lat0, lon + dlon, lat1]
}

/// Does `g` meet the prepared area? Exact: a vertex of a part of one inside the
/// other, or boundaries crossing. (Every part is tested: a multi-part feature may have
/// one part far away and another wholly inside.)
pub fn meets_area(g: &Geometry<f64>, area: &PreparedArea) -> bool {
    let paths: Vec<&[geo::Coord<f64>]> = match g {
        Geometry::Point(p) => return area.covers_point(*p),
        Geometry::MultiPolygon(mp) => {
            mp.0.iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .map(|r| r.0.as_slice())
                .collect()
        }
        Geometry::Polygon(p) => std::iter::once(p.exterior())
            .chain(p.interiors())
            .map(|r| r.0.as_slice())
            .collect(),
        Geometry::MultiLineString(ml) => ml.0.iter().map(|l| l.0.as_slice()).collect(),
        Geometry::LineString(l) => vec![l.0.as_slice()],
        other => return other.intersects(&area.shape),
    };
    if paths.iter().any(|p| {
        p.first()
            .is_some_and(|c| area.covers_point(Point::from(*c)))
    }) {
        return true;
    }
    if paths.iter().any(|p| area.boundary_meets_path(p)) {
        return true;
    }
    // No crossing and no part of g starting inside: g holds a whole part of the area,
    // or they are apart.
    area.shape
        .0
        .iter()
        .filter_map(|p| p.exterior().0.first())
        .any(|c| g.intersects(&Point::from(*c)))
}

/// Fids of `layer` in `region`, ascending, each with its distance for a radius.
pub fn matching(layer: &Layer, region: &Region) -> Vec<(u32, Option<f64>)> {
    let mut out: Vec<(u32, Option<f64>)> = match region {
        Region::BBox(rect) => layer
            .ids_intersecting_rect(*rect)
            .map(|f| (f, None))
            .collect(),
        Region::Radius { centre, radius_m } => {
            let candidates: Vec<u32> = match &layer.sphere {
                Some(tree) => tree
                    .locate_within_distance(unit_vector(*centre), chord2_for_metres(*radius_m))
                    .map(|e| e.data)
                    .collect(),
                None => layer.ids_in_bbox(radius_bbox(*centre, *radius_m)).collect(),
            };
            candidates
                .into_iter()
                .filter_map(|fid| {
                    let d = distance_to(&layer.features[fid as usize].geometry, *centre);
                    (d <= *radius_m).then_some((fid, Some(d)))
                })
                .collect()
        }
        Region::Area(mp) => {
            let area = PreparedArea::new(mp.clone());
            let Some(b) = area.bbox else {
                return Vec::new();
            };
            let env = AABB::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]);
            layer
                .boxes
                .locate_in_envelope_intersecting(&env)
                .map(|e| e.data)
                .filter(|&fid| meets_area(&layer.features[fid as usize].geometry, &area))
                .map(|f| (f, None))
                .collect()
        }
    };
    out.sort_unstable_by_key(|(f, _)| *f);
    out
}

/// One page of the features of `layer_id` in `region`.
pub fn within(
    store: &Store,
    access: &Access,
    layer_id: &str,
    region: &Region,
    page: Page,
) -> QueryResult<WithinResult> {
    let layer = visible_layer(store, access, layer_id, "layer")?;
    let all = matching(layer, region);
    let features: Vec<GeoFeature> = all
        .iter()
        .skip(page.offset)
        .take(page.limit)
        .map(|(fid, d)| {
            let f = GeoFeature::new(layer, *fid, access);
            match d {
                Some(d) => f.with("distance_m", (d * 10.0).round() / 10.0),
                None => f,
            }
        })
        .collect();
    Ok(WithinResult {
        kind: "FeatureCollection",
        layer: layer_id.to_string(),
        number_matched: all.len(),
        number_returned: features.len(),
        limit: page.limit,
        offset: page.offset,
        features,
    })
}

/// Half the geodesic diagonal of a lon/lat box, metres.
pub fn half_diagonal_m(b: Rect<f64>) -> f64 {
    Geodesic.distance(Point::from(b.min()), Point::from(b.max())) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Intersects, polygon};

    #[test]
    fn a_part_wholly_inside_counts_even_when_the_first_part_is_far() {
        let far = polygon![(x: 50.0, y: 50.0), (x: 51.0, y: 50.0), (x: 51.0, y: 51.0), (x: 50.0, y: 50.0)];
        let inside =
            polygon![(x: 1.0, y: 1.0), (x: 2.0, y: 1.0), (x: 2.0, y: 2.0), (x: 1.0, y: 1.0)];
        let g = Geometry::MultiPolygon(MultiPolygon(vec![far, inside]));
        let area = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)],
        ]);
        assert!(g.intersects(&area));
        assert!(meets_area(&g, &PreparedArea::new(area)));
    }
}
