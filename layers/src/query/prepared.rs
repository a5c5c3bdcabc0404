//! A polygon prepared for many exact tests: its edges in an R-tree.
//!
//! Warning polygons and isoseismals are tested against thousands of grids and points.
//! geo's `Intersects` walks every edge per test; with the edges indexed, a point test
//! touches only the edges level with the point, and "does this rectangle cross the
//! boundary" only the edges inside the rectangle. (geo's `IntervalTreeMultiPolygon`
//! answers points only and treats the boundary as outside; we need both tests and the
//! boundary counted as inside, like `Intersects`.)

use geo::{BoundingRect, Coord, Intersects, Line, MultiPolygon, Point, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

type Edge = GeomWithData<Rectangle<[f64; 2]>, Line<f64>>;

/// A (multi)polygon with its edges indexed.
#[derive(Debug, Clone)]
pub struct PreparedArea {
    pub shape: MultiPolygon<f64>,
    pub bbox: Option<Rect<f64>>,
    edges: RTree<Edge>,
}

impl PreparedArea {
    pub fn new(shape: MultiPolygon<f64>) -> Self {
        let edges = shape
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(geo::LineString::lines)
            .filter(|l| l.start != l.end)
            .map(|l| {
                GeomWithData::new(
                    Rectangle::from_corners(
                        [l.start.x.min(l.end.x), l.start.y.min(l.end.y)],
                        [l.start.x.max(l.end.x), l.start.y.max(l.end.y)],
                    ),
                    l,
                )
            })
            .collect();
        PreparedArea {
            bbox: shape.bounding_rect(),
            shape,
            edges: RTree::bulk_load(edges),
        }
    }

    /// Is `p` inside the area or on its boundary (same answer as geo's `Intersects`)?
    pub fn covers_point(&self, p: Point<f64>) -> bool {
        let Some(bbox) = self.bbox else {
            return false;
        };
        if !bbox.intersects(&p) {
            return false;
        }
        let c = p.0;
        // On an edge: boundary counts as inside.
        let here = AABB::from_point([c.x, c.y]);
        if self
            .edges
            .locate_in_envelope_intersecting(&here)
            .any(|e| e.data.intersects(&c))
        {
            return true;
        }
        // Even-odd crossings of a ray towards +x; half-open in y so a vertex on the ray
        // is counted once. Valid multipolygons make even-odd equal to inside/outside.
        let ray = AABB::from_corners([c.x, c.y], [bbox.max().x + 1.0, c.y]);
        let mut inside = false;
        for e in self.edges.locate_in_envelope_intersecting(&ray) {
            let (a, b) = (e.data.start, e.data.end);
            if (a.y > c.y) != (b.y > c.y) {
                let x = a.x + (c.y - a.y) * (b.x - a.x) / (b.y - a.y);
                if x > c.x {
                    inside = !inside;
                }
            }
        }
        inside
    }

    /// Does any boundary edge meet `rect`? If not, `rect` lies wholly inside or wholly
    /// outside the area, and one corner decides which.
    pub fn boundary_meets_rect(&self, rect: Rect<f64>) -> bool {
        let env = AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        self.edges
            .locate_in_envelope_intersecting(&env)
            .any(|e| e.data.intersects(&rect))
    }

    /// Where `rect` lies relative to the area.
    pub fn rect_relation(&self, rect: Rect<f64>) -> RectRelation {
        match self.bbox {
            Some(b) if b.intersects(&rect) => {}
            _ => return RectRelation::Outside,
        }
        if self.boundary_meets_rect(rect) {
            RectRelation::Crosses
        } else if self.covers_point(Point::from(rect.min())) {
            RectRelation::Inside
        } else {
            RectRelation::Outside
        }
    }

    /// Boundary edges whose box meets `env`.
    pub fn edges_in<'a>(&'a self, env: &AABB<[f64; 2]>) -> impl Iterator<Item = Line<f64>> + 'a {
        self.edges
            .locate_in_envelope_intersecting(env)
            .map(|e| e.data)
    }

    /// Does the boundary meet any segment of `coords` (a ring or line)?
    pub fn boundary_meets_path(&self, coords: &[Coord<f64>]) -> bool {
        coords.windows(2).any(|w| {
            let l = Line::new(w[0], w[1]);
            let env = AABB::from_corners(
                [l.start.x.min(l.end.x), l.start.y.min(l.end.y)],
                [l.start.x.max(l.end.x), l.start.y.max(l.end.y)],
            );
            self.edges
                .locate_in_envelope_intersecting(&env)
                .any(|e| e.data.intersects(&l))
        })
    }
}

/// A rectangle against an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RectRelation {
    Inside,
    Outside,
    Crosses,
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, polygon};

    #[test]
    fn agrees_with_geo_on_a_polygon_with_a_hole() {
        let p = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 5.0, y: 6.0), (x: 0.0, y: 10.0)],
            interiors: [[(x: 2.0, y: 2.0), (x: 4.0, y: 2.0), (x: 4.0, y: 4.0), (x: 2.0, y: 4.0)]],
        );
        let mp = MultiPolygon(vec![p]);
        let prepared = PreparedArea::new(mp.clone());
        for i in 0..=120 {
            for j in 0..=120 {
                // Off the vertices and edges: exactly-on-boundary floats are a coin toss for both.
                let pt = Point::new(i as f64 / 10.0 - 0.47, j as f64 / 10.0 - 0.53);
                assert_eq!(prepared.covers_point(pt), mp.intersects(&pt), "{pt:?}");
            }
        }
        assert!(prepared.covers_point(Point::new(5.0, 6.0)));
        assert!(!mp.contains(&Point::new(3.0, 3.0)));
        assert_eq!(
            prepared.rect_relation(Rect::new((6.0, 1.0), (7.0, 2.0))),
            RectRelation::Inside
        );
        assert_eq!(
            prepared.rect_relation(Rect::new((2.5, 2.5), (3.0, 3.0))),
            RectRelation::Outside
        );
        assert_eq!(
            prepared.rect_relation(Rect::new((9.0, 9.0), (11.0, 11.0))),
            RectRelation::Crosses
        );
    }
}
