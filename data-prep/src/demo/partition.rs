//! Dividing an area into parts: Voronoi partitions.
//!
//! A partition cuts the area by the Voronoi edges of its sites (computed in a local
//! metric frame) with [`slicing::slice`], then gives each piece to the site nearest its
//! interior point; a cell the area's boundary cuts in two becomes a multipolygon. The
//! parts cover the area exactly once, which is what the admin and grid levels need.

use geo::{BoundingRect, Coord, InteriorPoint, MultiPoint, MultiPolygon, Point, Rect, Voronoi};

use super::local::LocalFrame;
use super::slicing::{self, SliceError};

#[derive(Debug, thiserror::Error)]
pub enum PartitionError {
    #[error("{0}")]
    Slice(#[from] SliceError),
    #[error("Voronoi diagram failed: {0}")]
    Voronoi(String),
    #[error("area has no extent")]
    Empty,

    #[error("site {0} got no part of the area (is it outside?)")]
    SiteWithoutPart(usize),
}

/// One part of `area` per site (in site order): the site's Voronoi cell within the area.
pub fn voronoi_partition(
    area: &MultiPolygon,
    sites: &[Coord],
    frame: &LocalFrame,
) -> Result<Vec<MultiPolygon>, PartitionError> {
    if sites.len() <= 1 {
        return Ok(sites.iter().map(|_| area.clone()).collect());
    }
    let bbox = area.bounding_rect().ok_or(PartitionError::Empty)?;
    let local_sites: Vec<Coord> = sites.iter().map(|c| frame.to_local(*c)).collect();
    // Four far ghost sites bound every real cell, so no edge of a real cell is an
    // infinite ray clipped short of the area: a ghost is ≥ 2 area-diameters from any
    // point of the area, farther than every real site, so no ghost cell reaches it.
    let lb = Rect::new(frame.to_local(bbox.min()), frame.to_local(bbox.max()));
    let span = lb.width().max(lb.height()).max(1.0) * 3.0;
    let c = lb.center();
    let mut all: Vec<Point> = local_sites.iter().map(|c| Point(*c)).collect();
    for (dx, dy) in [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)] {
        all.push(Point::new(c.x + dx * span, c.y + dy * span));
    }
    let edges = MultiPoint::new(all)
        .voronoi_edges()
        .map_err(|e| PartitionError::Voronoi(e.to_string()))?;
    let clip = expand(bbox, (bbox.width().max(bbox.height())) * 0.01 + 1e-6);
    let lines: Vec<Vec<Coord>> = edges
        .iter()
        .filter_map(|l| clip_segment(frame.to_lonlat(l.start), frame.to_lonlat(l.end), &clip))
        .map(|(a, b)| vec![a, b])
        .collect();
    let pieces = slicing::slice(area, &lines)?;
    let mut parts: Vec<Vec<geo::Polygon>> = vec![Vec::new(); sites.len()];
    for piece in pieces {
        let Some(inner) = piece.interior_point() else {
            continue;
        };
        let p = frame.to_local(inner.0);
        let nearest = local_sites
            .iter()
            .enumerate()
            .min_by(|a, b| {
                let da = (a.1.x - p.x).powi(2) + (a.1.y - p.y).powi(2);
                let db = (b.1.x - p.x).powi(2) + (b.1.y - p.y).powi(2);
                da.total_cmp(&db)
            })
            .map(|(i, _)| i)
            .expect("at least two sites");
        parts[nearest].push(piece);
    }
    parts
        .into_iter()
        .enumerate()
        .map(|(i, polys)| {
            if polys.is_empty() {
                Err(PartitionError::SiteWithoutPart(i))
            } else {
                Ok(MultiPolygon::new(polys))
            }
        })
        .collect()
}

fn expand(r: Rect, by: f64) -> Rect {
    Rect::new(
        Coord {
            x: r.min().x - by,
            y: r.min().y - by,
        },
        Coord {
            x: r.max().x + by,
            y: r.max().y + by,
        },
    )
}

/// The part of segment a–b inside `r` (Liang–Barsky), if any.
pub fn clip_segment(a: Coord, b: Coord, r: &Rect) -> Option<(Coord, Coord)> {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let mut t0: f64 = 0.0;
    let mut t1: f64 = 1.0;
    for (p, q) in [
        (-dx, a.x - r.min().x),
        (dx, r.max().x - a.x),
        (-dy, a.y - r.min().y),
        (dy, r.max().y - a.y),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    (t0 < t1).then_some({
        (
            Coord {
                x: a.x + t0 * dx,
                y: a.y + t0 * dy,
            },
            Coord {
                x: a.x + t1 * dx,
                y: a.y + t1 * dy,
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::placement::sample_points;
    use crate::demo::random::stream;
    use geo::{Area, BooleanOps, Contains, polygon};

    fn l_shape() -> MultiPolygon {
        MultiPolygon::new(vec![polygon![
            (x: 101.0, y: 25.0), (x: 101.6, y: 25.0), (x: 101.6, y: 25.2),
            (x: 101.2, y: 25.2), (x: 101.2, y: 25.6), (x: 101.0, y: 25.6)
        ]])
    }

    #[test]
    fn parts_cover_the_area_once() {
        let area = l_shape();
        let frame = LocalFrame::new(101.3, 25.3);
        let mut rng = stream(3, "test", "");
        let sites = sample_points(&mut rng, &area, 12, 3_000.0, &[], &frame).unwrap();
        assert_eq!(sites.len(), 12);
        assert!(sites.iter().all(|s| area.contains(&Point(*s))));
        let parts = voronoi_partition(&area, &sites, &frame).unwrap();
        assert_eq!(parts.len(), 12);
        let total: f64 = parts.iter().map(geo::Area::unsigned_area).sum();
        assert!((total - area.unsigned_area()).abs() < 1e-9);
        for (i, p) in parts.iter().enumerate() {
            assert!(p.contains(&Point(sites[i])), "site {i} outside its part");
            for q in &parts[i + 1..] {
                assert!(p.intersection(q).unsigned_area() < 1e-12);
            }
        }
    }

    #[test]
    fn one_site_gets_everything() {
        let parts = voronoi_partition(
            &l_shape(),
            &[Coord { x: 101.1, y: 25.1 }],
            &LocalFrame::new(101.3, 25.3),
        )
        .unwrap();
        assert_eq!(parts, vec![l_shape()]);
    }

    #[test]
    fn segments_are_clipped_to_the_box() {
        let r = Rect::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 1.0, y: 1.0 });
        let (a, b) = clip_segment(Coord { x: -1.0, y: 0.5 }, Coord { x: 2.0, y: 0.5 }, &r).unwrap();
        assert_eq!((a.x, b.x), (0.0, 1.0));
        assert!(clip_segment(Coord { x: -1.0, y: 2.0 }, Coord { x: 2.0, y: 2.0 }, &r).is_none());
    }
}
