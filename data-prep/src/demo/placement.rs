//! Placing things: seeded random points in an area, near a place, or spread about one.

use geo::{BoundingRect, Contains, Coord, LineString, MultiPolygon, Point};
use rand::Rng;

use super::local::LocalFrame;
use super::random::{DemoRng, normal};

#[derive(Debug, thiserror::Error)]
#[error("could not place {0} points inside the area")]
pub struct NoRoom(pub usize);

/// `n` random points inside `area`, each at least `spacing_m` from the others and from
/// `taken` where that can be had (the spacing is relaxed step by step when the area is
/// too crowded for it). Deterministic for a given stream.
pub fn sample_points(
    rng: &mut DemoRng,
    area: &MultiPolygon,
    n: usize,
    spacing_m: f64,
    taken: &[Coord],
    frame: &LocalFrame,
) -> Result<Vec<Coord>, NoRoom> {
    let bbox = area.bounding_rect().ok_or(NoRoom(n))?;
    let mut out: Vec<Coord> = Vec::with_capacity(n);
    let mut spacing = spacing_m;
    let mut misses = 0usize;
    let mut attempts = 0usize;
    while out.len() < n {
        attempts += 1;
        if attempts > 200_000 + 2_000 * n {
            return Err(NoRoom(n));
        }
        let c = Coord {
            x: rng.random_range(bbox.min().x..=bbox.max().x),
            y: rng.random_range(bbox.min().y..=bbox.max().y),
        };
        if !area.contains(&Point(c)) {
            continue;
        }
        let crowded = out
            .iter()
            .chain(taken)
            .any(|o| frame.distance(*o, c) < spacing);
        if crowded {
            misses += 1;
            if misses > 60 {
                spacing *= 0.8;
                misses = 0;
            }
            continue;
        }
        out.push(c);
    }
    Ok(out)
}

/// A point within `radius_m` of `at` and inside `area` (`at` itself when the draws miss).
pub fn near(
    rng: &mut DemoRng,
    at: Coord,
    radius_m: f64,
    area: &MultiPolygon,
    frame: &LocalFrame,
) -> Coord {
    let centre = frame.to_local(at);
    for _ in 0..20 {
        let r = radius_m * rng.random::<f64>().sqrt();
        let a = rng.random_range(0.0..std::f64::consts::TAU);
        let c = frame.to_lonlat(Coord {
            x: centre.x + r * a.cos(),
            y: centre.y + r * a.sin(),
        });
        if area.contains(&Point(c)) {
            return c;
        }
    }
    at
}

/// A uniformly random point inside `area`.
pub fn random_inside(rng: &mut DemoRng, area: &MultiPolygon) -> Coord {
    let Some(b) = area.bounding_rect() else {
        return Coord::zero();
    };
    loop {
        let c = Coord {
            x: rng.random_range(b.min().x..=b.max().x),
            y: rng.random_range(b.min().y..=b.max().y),
        };
        if area.contains(&Point(c)) {
            return c;
        }
    }
}

/// A point within `radius_m` of `c` (normal spread, so sites cluster).
pub fn jitter(rng: &mut DemoRng, c: Coord, radius_m: f64, frame: &LocalFrame) -> Coord {
    let l = frame.to_local(c);
    frame.to_lonlat(Coord {
        x: l.x + normal(rng) * radius_m / 2.0,
        y: l.y + normal(rng) * radius_m / 2.0,
    })
}

/// A wandering line from `start` (a ridge or a forest belt): `segments` legs of
/// `leg_m` metres, each turning a little from the last.
pub fn ridge(
    rng: &mut DemoRng,
    start: Coord,
    segments: usize,
    leg_m: f64,
    frame: &LocalFrame,
) -> LineString {
    let mut at = frame.to_local(start);
    let mut heading = rng.random_range(0.0..std::f64::consts::TAU);
    let mut coords = vec![start];
    for _ in 0..segments {
        heading += normal(rng) * 0.5;
        at = Coord {
            x: at.x + leg_m * heading.cos(),
            y: at.y + leg_m * heading.sin(),
        };
        coords.push(frame.to_lonlat(at));
    }
    LineString::new(coords)
}
