//! Geometry intake: repair invalid geometry (GDAL's MakeValid, i.e. GEOS), transform to
//! lon/lat, and normalise to the kind the layer stores (Point, MultiLineString or
//! MultiPolygon).

use anyhow::{Result, anyhow, bail};
use gdal::cpl::CslStringList;
use gdal::vector::Geometry as GdalGeometry;
use geo::{
    Area, Coord, Geometry, LineString, MapCoords, MultiLineString, MultiPolygon, Polygon,
    RemoveRepeatedPoints,
};
use layers::GeometryKind;

use crate::crs::SourceCrs;

/// A geometry ready to store, and whether it had to be repaired.
pub struct Intake {
    pub geometry: Geometry<f64>,
    pub repaired: Option<String>,
}

/// Take one source geometry into the dataset.
pub fn intake(geom: &GdalGeometry, kind: GeometryKind, crs: &SourceCrs) -> Result<Intake> {
    if geom.is_empty() {
        bail!("feature has no geometry (empty)");
    }
    let mut repaired = None;
    let source = if kind == GeometryKind::Polygon && !geom.is_valid() {
        let fixed = geom
            .make_valid(&CslStringList::new())
            .map_err(|e| anyhow!("invalid polygon that GEOS MakeValid cannot repair: {e}"))?;
        repaired = Some(
            "invalid polygon (e.g. self-intersecting ring) repaired with MakeValid".to_string(),
        );
        fixed
    } else {
        geom.clone()
    };
    let g = source
        .to_geo()
        .map_err(|e| anyhow!("unsupported geometry ({}): {e}", geom.geometry_name()))?;
    let g = g.try_map_coords(|c: Coord<f64>| -> Result<Coord<f64>> {
        let (x, y) = crs.to_lonlat(c.x, c.y)?;
        Ok(Coord { x, y })
    })?;
    let geometry = normalise(g, kind)?;
    Ok(Intake { geometry, repaired })
}

fn polygons_of(g: Geometry<f64>, out: &mut Vec<Polygon<f64>>, dropped: &mut usize) {
    match g {
        Geometry::Polygon(p) => out.push(p),
        Geometry::MultiPolygon(mp) => out.extend(mp.0),
        Geometry::GeometryCollection(gc) => {
            for g in gc.0 {
                polygons_of(g, out, dropped);
            }
        }
        _ => *dropped += 1,
    }
}

/// Bring a geometry to the layer's stored kind, or say why it cannot be.
pub fn normalise(g: Geometry<f64>, kind: GeometryKind) -> Result<Geometry<f64>> {
    let found = geometry_name(&g);
    match kind {
        GeometryKind::Point => match g {
            Geometry::Point(p) => Ok(Geometry::Point(p)),
            Geometry::MultiPoint(mp) if mp.0.len() == 1 => Ok(Geometry::Point(mp.0[0])),
            Geometry::MultiPoint(mp) => bail!(
                "a multipoint of {} points in a point layer: split it into one feature per point",
                mp.0.len()
            ),
            _ => bail!("{found} in a point layer"),
        },
        GeometryKind::Line => {
            let lines: Vec<LineString<f64>> = match g {
                Geometry::LineString(l) => vec![l],
                Geometry::MultiLineString(ml) => ml.0,
                _ => bail!("{found} in a line layer"),
            };
            let lines: Vec<LineString<f64>> = lines
                .into_iter()
                .map(|l| l.remove_repeated_points())
                .filter(|l| l.0.len() >= 2)
                .collect();
            if lines.is_empty() {
                bail!("line with fewer than two distinct points");
            }
            Ok(Geometry::MultiLineString(MultiLineString(lines)))
        }
        GeometryKind::Polygon => {
            if !matches!(
                g,
                Geometry::Polygon(_) | Geometry::MultiPolygon(_) | Geometry::GeometryCollection(_)
            ) {
                bail!("{found} in a polygon layer");
            }
            let mut polys = Vec::new();
            let mut dropped = 0;
            polygons_of(g, &mut polys, &mut dropped);
            let polys: Vec<Polygon<f64>> = polys
                .into_iter()
                .map(|p| p.remove_repeated_points())
                .filter(|p| p.exterior().0.len() >= 4 && p.unsigned_area() > 0.0)
                .collect();
            if polys.is_empty() {
                bail!("polygon with no area");
            }
            Ok(Geometry::MultiPolygon(MultiPolygon(polys)))
        }
    }
}

fn geometry_name(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "a point",
        Geometry::Line(_) | Geometry::LineString(_) => "a line",
        Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "a polygon",
        Geometry::MultiPoint(_) => "a multipoint",
        Geometry::MultiLineString(_) => "a multiline",
        Geometry::MultiPolygon(_) => "a multipolygon",
        Geometry::GeometryCollection(_) => "a geometry collection",
    }
}

/// Does the geometry's bounding box lie inside `[w, s, e, n]`?
pub fn within_bounds(g: &Geometry<f64>, bounds: [f64; 4]) -> bool {
    use geo::BoundingRect;
    g.bounding_rect().is_none_or(|r| {
        r.min().x >= bounds[0]
            && r.min().y >= bounds[1]
            && r.max().x <= bounds[2]
            && r.max().y <= bounds[3]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{line_string, point, polygon};

    #[test]
    fn normalises_to_the_layer_kind() {
        let p = normalise(Geometry::Point(point!(x: 1.0, y: 2.0)), GeometryKind::Point).unwrap();
        assert!(matches!(p, Geometry::Point(_)));
        let l = normalise(
            Geometry::LineString(
                line_string![(x: 0.0, y: 0.0), (x: 0.0, y: 0.0), (x: 1.0, y: 1.0)],
            ),
            GeometryKind::Line,
        )
        .unwrap();
        let Geometry::MultiLineString(ml) = l else {
            panic!()
        };
        assert_eq!(ml.0[0].0.len(), 2, "repeated point removed");
        let sq = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)];
        assert!(matches!(
            normalise(Geometry::Polygon(sq), GeometryKind::Polygon).unwrap(),
            Geometry::MultiPolygon(_)
        ));
        let e = normalise(
            Geometry::Point(point!(x: 1.0, y: 2.0)),
            GeometryKind::Polygon,
        )
        .unwrap_err();
        assert!(e.to_string().contains("a point in a polygon layer"));
        let flat = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 2.0, y: 0.0), (x: 0.0, y: 0.0)];
        assert!(normalise(Geometry::Polygon(flat), GeometryKind::Polygon).is_err());
        let dot = line_string![(x: 0.0, y: 0.0), (x: 0.0, y: 0.0)];
        assert!(normalise(Geometry::LineString(dot), GeometryKind::Line).is_err());
    }
}
