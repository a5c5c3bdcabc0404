//! `prep.toml`: which source files feed which catalogue layers, and how their fields
//! and values map onto the layer schemas.
//!
//! ```toml
//! title = "楚雄州自然灾害风险一张图"
//! attribution = "楚雄州应急管理局"
//! [region]
//! code = "532300"
//! name = "楚雄彝族自治州"
//!
//! [[layer]]
//! id = "hazard_zones"             # a catalogue layer, or a new context layer id
//! source = "census/flood.shp"     # relative to this file
//! crs = "EPSG:4543"               # override the source's own CRS; "GCJ-02" for AMap data
//! encoding = "GBK"                # override a Shapefile's .cpg
//! constants = { hazard_type = "flood", source = "2022 census" }
//! fields = { grade = "FXDJ", zone_id = "BH" }
//! values.grade = { "高" = 4, "较高" = 3, "较低" = 2, "低" = 1 }
//!
//! [[layer]]
//! id = "evacuation_grids"         # a PostGIS table; the password is never printed
//! source = "PG:host=db dbname=census user=prep"   # PGPASSWORD / PGSERVICE, or password=
//! source_layer = "public.grids"
//!
//! [[layer]]
//! id = "shelters"                 # a query (PostGIS SQL here) instead of a table
//! source = "PG:service=census"
//! sql = "SELECT * FROM shelters WHERE status <> '撤销'"
//! ```
//! Sources are anything GDAL opens: files, File Geodatabase folders (`census.gdb`),
//! zip archives (`grids.zip`, `/vsizip/a.zip/b.shp`) and connection strings.
//! Several `[[layer]]` entries may feed the same layer; their features are appended.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use layers::GeometryKind;
use serde::Deserialize;

use crate::location::SourceLocation;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrepConfig {
    /// Dataset title shown in the viewer.
    pub title: String,
    #[serde(default)]
    pub attribution: String,
    #[serde(default)]
    pub region: Option<RegionConfig>,
    /// Longitude/latitude box every feature must fall in, `[w, s, e, n]`: catches data
    /// from the wrong zone or with swapped axes that still lands on Earth.
    #[serde(default)]
    pub bounds: Option<[f64; 4]>,
    #[serde(rename = "layer", default)]
    pub layers: Vec<LayerSource>,
    /// Directory the config was read from; sources are relative to it.
    #[serde(skip)]
    pub base_dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionConfig {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerSource {
    /// Catalogue layer id (`hazard_zones`, ...) or a context layer id (`faults`, ...).
    pub id: String,
    /// Source file (or any GDAL connection string), relative to the config file.
    pub source: String,
    /// Layer inside the source (GeoPackage or PostGIS table, ...); default: the
    /// only/first layer.
    #[serde(default)]
    pub source_layer: Option<String>,
    /// An SQL query whose result is the layer (in the source's own SQL, e.g. PostGIS
    /// for `PG:`; OGR SQL for files), instead of `source_layer`.
    #[serde(default)]
    pub sql: Option<String>,
    /// CRS override: `EPSG:nnnn`, any PROJ-understood definition, or `GCJ-02`.
    #[serde(default)]
    pub crs: Option<String>,
    /// Character encoding override for Shapefile attributes (`GBK`, `UTF-8`, ...).
    #[serde(default)]
    pub encoding: Option<String>,
    /// CSV: the longitude and latitude columns (default: GDAL's guesses plus
    /// lon/lng/longitude/x/经度 and lat/latitude/y/纬度).
    #[serde(default)]
    pub lon_field: Option<String>,
    #[serde(default)]
    pub lat_field: Option<String>,
    /// OGR SQL attribute filter applied to the source (`"city_adcode = 532300"`).
    #[serde(default, rename = "where")]
    pub filter: Option<String>,
    /// Schema field = source field. Unlisted schema fields are taken from a source
    /// field of the same name, when there is one.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Schema field = { source value = schema value }.
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, toml::Value>>,
    /// Schema field = value given to every feature of this source.
    #[serde(default)]
    pub constants: BTreeMap<String, toml::Value>,
    /// Generated data, labelled as such wherever the layer is shown.
    #[serde(default)]
    pub synthetic: bool,
    /// Context layers only: geometry kind, names, and which source fields to keep
    /// (default all).
    #[serde(default)]
    pub geometry: Option<GeometryKind>,
    #[serde(default)]
    pub name_zh: Option<String>,
    #[serde(default)]
    pub name_en: Option<String>,
    #[serde(default)]
    pub keep_fields: Option<Vec<String>>,
}

impl PrepConfig {
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config {}", path.display()))?;
        let mut config: PrepConfig =
            toml::from_str(&text).with_context(|| format!("config {}", path.display()))?;
        config.base_dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        config
            .check()
            .with_context(|| format!("config {}", path.display()))?;
        Ok(config)
    }

    /// Structural checks that need no source file.
    pub fn check(&self) -> Result<()> {
        if self.layers.is_empty() {
            bail!("no [[layer]] entries");
        }
        if let Some(b @ [w, s, e, n]) = self.bounds
            && !(w < e && s < n && w >= -180.0 && e <= 180.0 && s >= -90.0 && n <= 90.0)
        {
            bail!("bounds {b:?} is not a [west, south, east, north] box in degrees");
        }
        for (i, l) in self.layers.iter().enumerate() {
            let at = format!("layer #{} ({})", i + 1, l.id);
            if !layers::catalogue::valid_layer_id(&l.id) {
                bail!("{at}: id must be lower-case ASCII letters, digits and _ (and not 'onemap')");
            }
            if l.sql.is_some() && l.source_layer.is_some() {
                bail!("{at}: give `source_layer` or `sql`, not both");
            }
            let core = layers::catalogue::core_layer(&l.id);
            match &core {
                Some(schema) => {
                    if l.geometry.is_some_and(|g| g != schema.geometry) {
                        bail!(
                            "{at}: geometry of a catalogue layer is fixed ({})",
                            schema.geometry.as_str()
                        );
                    }
                    if l.keep_fields.is_some() {
                        bail!("{at}: keep_fields applies to context layers only");
                    }
                    for name in l
                        .fields
                        .keys()
                        .chain(l.values.keys())
                        .chain(l.constants.keys())
                    {
                        if schema.field(name).is_none() {
                            bail!("{at}: {name:?} is not a field of layer {}", l.id);
                        }
                    }
                }
                None => {
                    if l.geometry.is_none() {
                        bail!(
                            "{at}: not a catalogue layer, so `geometry` (point, line or polygon) is required"
                        );
                    }
                }
            }
        }
        Ok(())
    }

    /// Where `source` is: a file relative to the config file, an absolute path, or
    /// a GDAL connection string (`PG:...`) taken as written.
    pub fn location(&self, source: &LayerSource) -> SourceLocation {
        SourceLocation::locate(&self.base_dir, &source.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<PrepConfig> {
        let c: PrepConfig = toml::from_str(s)?;
        c.check()?;
        Ok(c)
    }

    #[test]
    fn parses_a_full_entry() {
        let c = parse(
            r#"
            title = "t"
            [[layer]]
            id = "hazard_zones"
            source = "flood.shp"
            crs = "EPSG:4543"
            encoding = "GBK"
            constants = { hazard_type = "flood" }
            fields = { grade = "FXDJ" }
            values.grade = { "高" = 4, "较高" = 3 }
            "#,
        )
        .unwrap();
        let l = &c.layers[0];
        assert_eq!(l.fields["grade"], "FXDJ");
        assert_eq!(l.values["grade"]["高"].as_integer(), Some(4));
    }

    #[test]
    fn a_query_or_a_table_not_both() {
        let e = parse(
            "title='t'\n[[layer]]\nid='shelters'\nsource='PG:dbname=x'\nsource_layer='a'\nsql='SELECT 1'",
        )
        .unwrap_err();
        assert!(format!("{e:#}").contains("not both"), "{e:#}");
        assert!(
            parse("title='t'\n[[layer]]\nid='shelters'\nsource='PG:dbname=x'\nsql='SELECT 1'")
                .is_ok()
        );
    }

    #[test]
    fn rejects_unknown_fields_and_keys() {
        let e =
            parse("title='t'\n[[layer]]\nid='shelters'\nsource='s.gpkg'\nfields={ capcity='RL' }")
                .unwrap_err();
        assert!(e.to_string().contains("capcity"), "{e}");
        assert!(parse("title='t'\n[[layer]]\nid='shelters'\nsource='s'\ncolour='red'").is_err());
        let e = parse("title='t'\n[[layer]]\nid='faults'\nsource='f.geojson'").unwrap_err();
        assert!(e.to_string().contains("geometry"), "{e}");
        assert!(
            parse(
                "title='t'\nbounds=[10,0,5,1]\n[[layer]]\nid='faults'\nsource='f'\ngeometry='line'"
            )
            .is_err()
        );
    }
}
