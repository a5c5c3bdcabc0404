//! Reading one source layer through GDAL: any vector format GDAL opens (GeoPackage,
//! Shapefile, GeoJSON, CSV with lon/lat columns, FlatGeobuf, ...).

// GDAL calls the `gdal` crate does not wrap go through `gdal_sys`; each block
// says what it relies on.
#![allow(unsafe_code)]

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use gdal::vector::sql::{Dialect, ResultSet};
use gdal::vector::{Feature, Geometry, Layer, LayerAccess, OGRFieldType};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use sha2::{Digest, Sha256};

use crate::config::LayerSource;
use crate::location::{SourceKind, SourceLocation};

/// The type of a source attribute, as GDAL reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceType {
    Int,
    Float,
    Text,
    Bool,
    /// Dates, lists, binary: read as text.
    Other,
}

#[derive(Debug, Clone)]
pub struct SourceField {
    pub name: String,
    pub ty: SourceType,
}

/// One attribute value as read; `None` for null or unset.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    Int(i64),
    Float(f64),
    Text(String),
    Bool(bool),
}

impl Raw {
    /// Text form used to look values up in `values` maps and code lists.
    pub fn canonical(&self) -> String {
        match self {
            Raw::Int(v) => v.to_string(),
            Raw::Float(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{}", *v as i64),
            Raw::Float(v) => v.to_string(),
            Raw::Text(s) => s.trim().to_string(),
            Raw::Bool(b) => b.to_string(),
        }
    }
}

/// An opened source layer.
pub struct Source {
    dataset: Dataset,
    layer_index: usize,
    /// The query whose result is the layer, run again for each pass (its result set
    /// borrows the dataset, so it cannot be kept beside it).
    sql: Option<String>,
    filter: Option<String>,
    /// Rows and SHA-256 of what was read, for sources with no file to checksum.
    digest: Option<ContentDigest>,
    pub layer_name: String,
    pub fields: Vec<SourceField>,
    pub feature_count: Option<u64>,
    /// Driver short name (`ESRI Shapefile`, `GPKG`, `CSV`, ...).
    pub driver: String,
}

fn is_csv(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

fn is_shapefile(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("shp") || e.eq_ignore_ascii_case("dbf"))
}

/// What a source without files is checksummed by: its content as read.
#[derive(Debug, Clone, Default)]
pub struct ContentDigest {
    pub rows: u64,
    hasher: Sha256,
}

impl ContentDigest {
    fn add(&mut self, feature: &Feature, values: &[Option<Raw>]) {
        self.rows += 1;
        let wkb = feature
            .geometry()
            .and_then(|g| g.wkb().ok())
            .unwrap_or_default();
        self.hasher.update((wkb.len() as u64).to_le_bytes());
        self.hasher.update(&wkb);
        for v in values {
            // Type tag and length before each value, so no two rows hash alike by
            // shifting text between fields.
            let (tag, text) = match v {
                None => (0u8, String::new()),
                Some(Raw::Int(i)) => (1, i.to_string()),
                Some(Raw::Float(f)) => (2, f.to_bits().to_string()),
                Some(Raw::Text(t)) => (3, t.clone()),
                Some(Raw::Bool(b)) => (4, b.to_string()),
            };
            self.hasher.update([tag]);
            self.hasher.update((text.len() as u64).to_le_bytes());
            self.hasher.update(text.as_bytes());
        }
    }

    /// Hex SHA-256 of the rows so far.
    pub fn sha256(&self) -> String {
        hex::encode(self.hasher.clone().finalize())
    }
}

/// The layer a pass reads: a layer of the dataset, or the result of the query.
enum Pass<'a> {
    Table(Layer<'a>),
    Query(ResultSet<'a>),
}

impl<'a> Pass<'a> {
    fn layer(&mut self) -> &mut Layer<'a> {
        match self {
            Pass::Table(l) => l,
            Pass::Query(r) => r,
        }
    }
}

/// Open the source of `entry` at `loc`, pick its layer (or run its query) and apply
/// its attribute filter.
pub fn open(loc: &SourceLocation, entry: &LayerSource) -> Result<Source> {
    open_located(loc, entry).map_err(|e| anyhow!(loc.scrub(&format!("{e:#}"))))
}

fn open_located(loc: &SourceLocation, entry: &LayerSource) -> Result<Source> {
    let mut open_options: Vec<String> = Vec::new();
    if let Some(path) = loc.file().filter(|p| is_csv(p)) {
        check_csv_header(path)?;
        let lon = entry
            .lon_field
            .clone()
            .unwrap_or_else(|| "lon,lng,long,longitude,x,经度,LON,LNG,LONGITUDE,X".to_string());
        let lat = entry
            .lat_field
            .clone()
            .unwrap_or_else(|| "lat,latitude,y,纬度,LAT,LATITUDE,Y".to_string());
        open_options.push(format!("X_POSSIBLE_NAMES={lon}"));
        open_options.push(format!("Y_POSSIBLE_NAMES={lat}"));
        open_options.push("AUTODETECT_TYPE=YES".into());
        open_options.push("KEEP_GEOM_COLUMNS=NO".into());
    }
    if let Some(enc) = &entry.encoding {
        if !loc.file().is_some_and(is_shapefile) && !matches!(loc.kind, SourceKind::Zip(_)) {
            bail!(
                "`encoding` applies to Shapefiles only (GDAL reads {} as UTF-8)",
                loc.label
            );
        }
        open_options.push(format!("ENCODING={enc}"));
    }
    let opts: Vec<&str> = open_options.iter().map(String::as_str).collect();
    let dataset = Dataset::open_ex(
        &loc.gdal,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
            open_options: (!opts.is_empty()).then_some(opts.as_slice()),
            ..Default::default()
        },
    )
    .map_err(|e| anyhow!("GDAL cannot open it as a vector source: {e}"))?;
    let driver = dataset.driver().short_name();
    let names: Vec<String> = dataset.layers().map(|l| l.name()).collect();
    let layer_index = match (&entry.source_layer, &entry.sql) {
        (_, Some(_)) => 0,
        (Some(want), None) => names.iter().position(|n| n == want).ok_or_else(|| {
            anyhow!(
                "no layer {want:?} in the source (it has: {})",
                names.join(", ")
            )
        })?,
        (None, None) if names.is_empty() => bail!("the source has no vector layers"),
        (None, None) => 0,
    };
    let mut src = Source {
        dataset,
        layer_index,
        sql: entry.sql.clone(),
        filter: entry.filter.clone(),
        digest: (loc.kind == SourceKind::Connection).then(ContentDigest::default),
        layer_name: if entry.sql.is_some() {
            "(sql)".to_string()
        } else {
            names.get(layer_index).cloned().unwrap_or_default()
        },
        fields: Vec::new(),
        feature_count: None,
        driver,
    };
    let mut pass = src.pass()?;
    let layer = pass.layer();
    let fields = layer
        .defn()
        .fields()
        .map(|f| SourceField {
            name: f.name(),
            ty: match f.field_type() {
                OGRFieldType::OFTInteger | OGRFieldType::OFTInteger64 => SourceType::Int,
                OGRFieldType::OFTReal => SourceType::Float,
                OGRFieldType::OFTString => SourceType::Text,
                _ => SourceType::Other,
            },
        })
        .collect::<Vec<_>>();
    let fields = mark_boolean_fields(layer, fields);
    let feature_count = layer.try_feature_count();
    drop(pass);
    src.fields = fields;
    src.feature_count = feature_count;
    Ok(src)
}

/// Refuse a CSV header that names a column twice (compared as GDAL does, ignoring
/// case): GDAL 3.6's CSV driver can crash reading such a file (found by fuzzing).
fn check_csv_header(path: &Path) -> Result<()> {
    use std::io::{BufRead, Read};
    let file = std::fs::File::open(path).map_err(|e| anyhow!("cannot read it: {e}"))?;
    let mut line = Vec::new();
    // A header longer than 1 MiB is not a header; GDAL will say what it makes of it.
    std::io::BufReader::new(file)
        .take(1 << 20)
        .read_until(b'\n', &mut line)
        .map_err(|e| anyhow!("cannot read it: {e}"))?;
    let text = String::from_utf8_lossy(&line);
    let header = text
        .trim_start_matches('\u{feff}')
        .trim_end_matches(['\r', '\n']);
    let columns = csv_columns(header);
    if let Some((i, j)) = repeated_column(&columns) {
        bail!(
            "the CSV header names column {:?} more than once (columns {} and {}); rename one",
            columns[j],
            i + 1,
            j + 1
        );
    }
    Ok(())
}

/// The first pair of columns with the same name, ignoring case. Blank names do not
/// count: GDAL names those `field_N` itself (trailing commas in spreadsheet exports).
fn repeated_column(columns: &[String]) -> Option<(usize, usize)> {
    columns.iter().enumerate().find_map(|(j, name)| {
        (!name.is_empty())
            .then(|| {
                columns[..j]
                    .iter()
                    .position(|n| n.eq_ignore_ascii_case(name))
            })
            .flatten()
            .map(|i| (i, j))
    })
}

/// Column names of a CSV header line, with GDAL's separator choice (comma, else
/// semicolon, else tab) and double-quoted names.
fn csv_columns(header: &str) -> Vec<String> {
    let sep = [',', ';', '\t']
        .into_iter()
        .find(|c| header.contains(*c))
        .unwrap_or(',');
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = header.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            '"' => quoted = !quoted,
            c if c == sep && !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().map(|n| n.trim().to_string()).collect()
}

/// GDAL reports booleans as integers with subtype OFSTBoolean; the safe API does not
/// expose subtypes, so ask the C API directly.
fn mark_boolean_fields<L: LayerAccess>(
    layer: &L,
    mut fields: Vec<SourceField>,
) -> Vec<SourceField> {
    // SAFETY: the layer definition and its field definitions live as long as `layer`;
    // the indices are within the field count GDAL reported.
    unsafe {
        let defn = gdal_sys::OGR_L_GetLayerDefn(layer.c_layer());
        for (i, f) in fields.iter_mut().enumerate() {
            let fd = gdal_sys::OGR_FD_GetFieldDefn(defn, i as i32);
            if !fd.is_null()
                && gdal_sys::OGR_Fld_GetSubType(fd) == gdal_sys::OGRFieldSubType::OFSTBoolean
            {
                f.ty = SourceType::Bool;
            }
        }
    }
    fields
}

/// Is the field set and not null? gdal 0.19's `Feature::field` reports unset fields
/// as `Some(0)` / `Some("")`, which would turn a missing value into a wrong one.
fn is_set(feature: &Feature, idx: usize) -> bool {
    // SAFETY: `feature` is a live OGR feature and `idx` is below its field count.
    unsafe { gdal_sys::OGR_F_IsFieldSetAndNotNull(feature.c_feature(), idx as i32) != 0 }
}

fn read_value(feature: &Feature, idx: usize, ty: SourceType) -> Result<Option<Raw>> {
    if !is_set(feature, idx) {
        return Ok(None);
    }
    Ok(match ty {
        SourceType::Int | SourceType::Bool => {
            let v = feature.field_as_integer64(idx)?;
            v.map(|v| {
                if ty == SourceType::Bool {
                    Raw::Bool(v != 0)
                } else {
                    Raw::Int(v)
                }
            })
        }
        SourceType::Float => feature.field_as_double(idx)?.map(Raw::Float),
        SourceType::Text | SourceType::Other => feature
            .field_as_string(idx)?
            .filter(|s| !s.trim().is_empty())
            .map(Raw::Text),
    })
}

/// One source feature handed to the caller.
pub struct SourceFeature<'a> {
    /// GDAL's FID: what the user sees in QGIS / ogrinfo for this feature.
    pub fid: Option<u64>,
    pub geometry: Option<&'a Geometry>,
    pub values: Vec<Option<Raw>>,
}

impl Source {
    /// The layer to read, with the attribute filter set.
    fn pass(&self) -> Result<Pass<'_>> {
        let mut pass = match &self.sql {
            None => Pass::Table(self.dataset.layer(self.layer_index)?),
            Some(q) => Pass::Query(
                self.dataset
                    .execute_sql(q, None, Dialect::DEFAULT)
                    .map_err(|e| anyhow!("the `sql` query failed: {e}"))?
                    .ok_or_else(|| anyhow!("the `sql` query returned no layer"))?,
            ),
        };
        if let Some(filter) = &self.filter {
            pass.layer()
                .set_attribute_filter(filter)
                .map_err(|e| anyhow!("`where` filter {filter:?} is not valid OGR SQL here: {e}"))?;
        }
        Ok(pass)
    }

    /// Rows and content hash of what `for_each` read, for a source with no file.
    pub fn digest(&self) -> Option<&ContentDigest> {
        self.digest.as_ref()
    }

    /// Visit every feature (after the attribute filter), in source order.
    pub fn for_each(&mut self, mut f: impl FnMut(SourceFeature<'_>) -> Result<()>) -> Result<()> {
        let mut digest = self.digest.take();
        let result = self.visit(&mut digest, &mut f);
        self.digest = digest;
        result
    }

    fn visit(
        &self,
        digest: &mut Option<ContentDigest>,
        f: &mut impl FnMut(SourceFeature<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut pass = self.pass()?;
        let layer = pass.layer();
        let fields = self.fields.clone();
        // Drivers report some failures (a bad filter in SQLite, a truncated file) only
        // through CPLError while iterating, and then simply stop: catch them, or a
        // broken source would pass as a short one.
        // SAFETY: plain calls into GDAL's thread-local error state.
        unsafe { gdal_sys::CPLErrorReset() };
        for feature in layer.features() {
            let fid = feature.fid();
            let mut values = Vec::with_capacity(fields.len());
            for (i, field) in fields.iter().enumerate() {
                let v = read_value(&feature, i, field.ty).with_context(|| {
                    format!(
                        "feature {}, field {}",
                        fid.map_or(-1, |f| f as i64),
                        field.name
                    )
                })?;
                values.push(v);
            }
            if let Some(d) = digest.as_mut() {
                d.add(&feature, &values);
            }
            f(SourceFeature {
                fid,
                geometry: feature.geometry(),
                values,
            })?;
        }
        // SAFETY: as above; the message pointer is valid until the next GDAL call.
        unsafe {
            if gdal_sys::CPLGetLastErrorType() >= gdal_sys::CPLErr::CE_Failure {
                let msg = std::ffi::CStr::from_ptr(gdal_sys::CPLGetLastErrorMsg())
                    .to_string_lossy()
                    .into_owned();
                bail!("GDAL failed while reading: {msg}");
            }
        }
        Ok(())
    }

    /// The layer's own spatial reference, if it declares one.
    pub fn spatial_ref(&self) -> Option<gdal::spatial_ref::SpatialRef> {
        self.pass().ok()?.layer().spatial_ref()
    }

    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name).or_else(|| {
            self.fields
                .iter()
                .position(|f| f.name.eq_ignore_ascii_case(name))
        })
    }
}

/// A Shapefile without a `.cpg` whose text looks like GBK bytes read as Latin-1:
/// the commonest cause of garbled Chinese attributes.
pub fn shapefile_missing_cpg(path: &Path, entry: &LayerSource) -> bool {
    is_shapefile(path)
        && entry.encoding.is_none()
        && !path.with_extension("cpg").exists()
        && !path.with_extension("CPG").exists()
}

/// Does text look like multibyte Chinese read with the wrong encoding? Without a code
/// page GDAL passes the bytes through: GBK is then invalid UTF-8 (replacement
/// characters), or, when recoded as Latin-1, a run of U+0080–U+00FF characters.
pub fn looks_mis_decoded(s: &str) -> bool {
    let replaced = s.contains('\u{fffd}');
    let high = s
        .chars()
        .filter(|c| ('\u{80}'..='\u{ff}').contains(c))
        .count();
    let cjk = s
        .chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .count();
    replaced || (high >= 2 && cjk == 0)
}

#[cfg(test)]
mod tests {
    use super::{csv_columns, repeated_column};

    #[test]
    fn csv_header_columns() {
        assert_eq!(csv_columns("a,b , c"), ["a", "b", "c"]);
        assert_eq!(csv_columns("a;b;\"c;d\""), ["a", "b", "c;d"]);
        assert_eq!(csv_columns("\"say \"\"hi\"\"\",x"), ["say \"hi\"", "x"]);
        assert_eq!(csv_columns("a\tb"), ["a", "b"]);
    }

    #[test]
    fn repeated_columns_ignore_case_but_not_blanks() {
        let cols = |h: &str| csv_columns(h);
        assert_eq!(repeated_column(&cols("id,name,lon,lat")), None);
        assert_eq!(repeated_column(&cols("id,name,lon,lat,,")), None);
        assert_eq!(repeated_column(&cols("id,Name,lon,NAME")), Some((1, 3)));
        assert_eq!(repeated_column(&cols("lon,lat,id,lon,lat")), Some((0, 3)));
    }
}
