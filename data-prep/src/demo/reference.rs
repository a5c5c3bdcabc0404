//! The real Yunnan reference data (`data/yunnan/*.geojson`, see data/README.md), read
//! through GDAL: the geography the synthetic layers are laid out on.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use gdal::Dataset;
use gdal::vector::{Feature, LayerAccess};
use geo::{Coord, Geometry, LineString, MultiPolygon};

pub const PROVINCE_FILE: &str = "admin_province.geojson";
pub const PREFECTURE_FILE: &str = "admin_prefecture.geojson";
pub const COUNTY_FILE: &str = "admin_county_census2020.geojson";
pub const FAULT_FILE: &str = "faults_gem2017.geojson";
pub const RIVER_FILE: &str = "rivers_ngcc4m.geojson";
pub const LANDSLIDE_FILE: &str = "landslides_nasa_glc.geojson";
pub const PLACE_FILE: &str = "places_geonames.geojson";
pub const CITY_FILE: &str = "places_naturalearth.geojson";
pub const STATION_FILE: &str = "weather_stations.geojson";
pub const EARTHQUAKE_FILE: &str = "earthquakes_noaa_significant.geojson";

#[derive(Debug, Clone)]
pub struct RefPrefecture {
    pub code: String,
    pub name: String,
    pub geometry: MultiPolygon,
}

#[derive(Debug, Clone)]
pub struct RefCounty {
    pub code: String,
    pub name: String,
    pub prefecture_code: String,
    /// 2020 census resident population and family households.
    pub population: u64,
    pub households: u64,
    /// The label point the source gives (not always the seat, not always inside).
    pub label: Coord,
    pub geometry: MultiPolygon,
}

#[derive(Debug, Clone)]
pub struct RefLine {
    pub name: String,
    /// Rivers: the source's river level (1 = main stream); faults: 1.
    pub rank: i64,
    pub geometry: LineString,
}

#[derive(Debug, Clone)]
pub struct RefPlace {
    pub name: String,
    pub at: Coord,
    /// From Natural Earth's populated places (cities), not only GeoNames towns.
    pub city: bool,
}

/// Everything the generator reads from the reference directory.
#[derive(Debug, Clone)]
pub struct Reference {
    pub dir: PathBuf,
    pub province: MultiPolygon,
    pub prefectures: Vec<RefPrefecture>,
    pub counties: Vec<RefCounty>,
    pub faults: Vec<RefLine>,
    pub rivers: Vec<RefLine>,
    pub landslides: Vec<Coord>,
    pub places: Vec<RefPlace>,
}

impl Reference {
    pub fn read(dir: &Path) -> Result<Reference> {
        if !dir.join(COUNTY_FILE).is_file() {
            bail!(
                "{}: no {COUNTY_FILE} here; point --reference-data (or RISKMAP_REFERENCE_DATA) at the repository's data/yunnan",
                dir.display()
            );
        }
        let province = read_features(&dir.join(PROVINCE_FILE), |_, g| polygons(g))?
            .into_iter()
            .flat_map(|m| m.0)
            .collect();
        let prefectures = read_features(&dir.join(PREFECTURE_FILE), |f, g| {
            Ok(RefPrefecture {
                code: int_field(f, "city_adcode")?.to_string(),
                name: text_field(f, "city_name")?,
                geometry: polygons(g)?,
            })
        })?;
        let counties = read_features(&dir.join(COUNTY_FILE), |f, g| {
            Ok(RefCounty {
                code: int_field(f, "district_adcode")?.to_string(),
                name: text_field(f, "district_name")?,
                prefecture_code: int_field(f, "city_adcode")?.to_string(),
                population: non_negative(int_field(f, "census2020_人口数_合计")?)?,
                households: non_negative(int_field(f, "census2020_家庭户数")?)?,
                label: Coord {
                    x: real_field(f, "lon")?,
                    y: real_field(f, "lat")?,
                },
                geometry: polygons(g)?,
            })
        })?;
        let faults = read_features(&dir.join(FAULT_FILE), |f, g| {
            let name = text_field(f, "name")
                .or_else(|_| text_field(f, "fz_name"))
                .unwrap_or_default();
            Ok(lines(g)?
                .into_iter()
                .map(|l| RefLine {
                    name: name.clone(),
                    rank: 1,
                    geometry: l,
                })
                .collect::<Vec<_>>())
        })?
        .into_iter()
        .flatten()
        .collect();
        let rivers = read_features(&dir.join(RIVER_FILE), |f, g| {
            let name = text_field(f, "NAME").unwrap_or_default();
            let rank = int_field(f, "LEVEL_RIVE").unwrap_or(3);
            Ok(lines(g)?
                .into_iter()
                .map(|l| RefLine {
                    name: name.clone(),
                    rank,
                    geometry: l,
                })
                .collect::<Vec<_>>())
        })?
        .into_iter()
        .flatten()
        .collect();
        let landslides = read_features(&dir.join(LANDSLIDE_FILE), |_, g| point(g))?;
        let mut places = read_features(&dir.join(CITY_FILE), |f, g| {
            Ok(RefPlace {
                name: text_field(f, "NAME")?,
                at: point(g)?,
                city: true,
            })
        })?;
        places.extend(read_features(&dir.join(PLACE_FILE), |f, g| {
            Ok(RefPlace {
                name: text_field(f, "name")?,
                at: point(g)?,
                city: false,
            })
        })?);
        Ok(Reference {
            dir: dir.to_path_buf(),
            province,
            prefectures,
            counties,
            faults,
            rivers,
            landslides,
            places,
        })
    }

    pub fn prefecture(&self, code: &str) -> Option<&RefPrefecture> {
        self.prefectures.iter().find(|p| p.code == code)
    }

    pub fn counties_of<'a>(&'a self, prefecture: &'a str) -> impl Iterator<Item = &'a RefCounty> {
        self.counties
            .iter()
            .filter(move |c| c.prefecture_code == prefecture)
    }
}

/// Read every feature of the first layer of `path`, naming file and feature in errors.
fn read_features<T>(
    path: &Path,
    mut f: impl FnMut(&Feature, Geometry) -> Result<T>,
) -> Result<Vec<T>> {
    let ds = Dataset::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let mut layer = ds
        .layer(0)
        .with_context(|| format!("{}: no layer", path.display()))?;
    let mut out = Vec::new();
    for (i, feature) in layer.features().enumerate() {
        let at = || {
            format!(
                "{}: feature {}",
                path.display(),
                feature.fid().unwrap_or(i as u64)
            )
        };
        let gdal_geom = feature
            .geometry()
            .ok_or_else(|| anyhow!("no geometry"))
            .with_context(at)?;
        let geom = Geometry::try_from(gdal_geom).with_context(at)?;
        out.push(f(&feature, geom).with_context(at)?);
    }
    Ok(out)
}

fn field_index(f: &Feature, name: &str) -> Result<usize> {
    f.field_index(name)
        .map_err(|_| anyhow!("no field {name:?}"))
}

fn int_field(f: &Feature, name: &str) -> Result<i64> {
    let i = field_index(f, name)?;
    f.field_as_integer64(i)?
        .ok_or_else(|| anyhow!("field {name:?} is empty"))
}

fn real_field(f: &Feature, name: &str) -> Result<f64> {
    let i = field_index(f, name)?;
    f.field_as_double(i)?
        .filter(|v| v.is_finite())
        .ok_or_else(|| anyhow!("field {name:?} is empty"))
}

fn text_field(f: &Feature, name: &str) -> Result<String> {
    let i = field_index(f, name)?;
    f.field_as_string(i)?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| anyhow!("field {name:?} is empty"))
}

fn non_negative(v: i64) -> Result<u64> {
    u64::try_from(v).map_err(|_| anyhow!("negative count {v}"))
}

fn polygons(g: Geometry) -> Result<MultiPolygon> {
    match g {
        Geometry::Polygon(p) => Ok(MultiPolygon::new(vec![p])),
        Geometry::MultiPolygon(m) => Ok(m),
        other => bail!("expected a polygon, found {}", kind(&other)),
    }
}

fn lines(g: Geometry) -> Result<Vec<LineString>> {
    match g {
        Geometry::LineString(l) => Ok(vec![l]),
        Geometry::MultiLineString(m) => Ok(m.0),
        other => bail!("expected a line, found {}", kind(&other)),
    }
}

fn point(g: Geometry) -> Result<Coord> {
    match g {
        Geometry::Point(p) => Ok(p.0),
        other => bail!("expected a point, found {}", kind(&other)),
    }
}

fn kind(g: &Geometry) -> &'static str {
    match g {
        Geometry::Point(_) => "a point",
        Geometry::Line(_) | Geometry::LineString(_) | Geometry::MultiLineString(_) => "a line",
        Geometry::Polygon(_) | Geometry::MultiPolygon(_) => "a polygon",
        Geometry::MultiPoint(_) => "a multipoint",
        _ => "another geometry type",
    }
}

/// The repository's reference data directory, when it can be found: `data/yunnan`
/// below the working directory or an ancestor of the executable, else the source
/// checkout this binary was built from.
pub fn default_dir() -> Option<PathBuf> {
    let rel = Path::new("data").join("yunnan");
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Ok(cwd) = std::env::current_dir() {
        candidates.push(cwd.join(&rel));
    }
    if let Ok(exe) = std::env::current_exe() {
        candidates.extend(exe.ancestors().skip(1).map(|a| a.join(&rel)));
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(&rel));
    candidates
        .into_iter()
        .find(|c| c.join(COUNTY_FILE).is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_chuxiong_and_its_ten_counties() {
        let dir = default_dir().expect("data/yunnan in the checkout");
        let r = Reference::read(&dir).unwrap();
        assert_eq!(r.prefectures.len(), 16);
        assert_eq!(r.counties.len(), 129);
        let cx = r.prefecture("532300").unwrap();
        assert_eq!(cx.name, "楚雄彝族自治州");
        let counties: Vec<_> = r.counties_of("532300").collect();
        assert_eq!(counties.len(), 10);
        let pop: u64 = counties.iter().map(|c| c.population).sum();
        assert_eq!(pop, 2_416_747);
        assert!(r.faults.len() >= 71 && r.rivers.len() >= 107);
        assert_eq!(r.landslides.len(), 145);
        assert!(r.places.iter().any(|p| p.city && p.name == "Chuxiong"));
    }

    #[test]
    fn a_missing_directory_is_named() {
        let e = Reference::read(Path::new("/nonexistent/ref")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/ref"), "{e}");
    }
}
