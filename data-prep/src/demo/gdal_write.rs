//! Writing vector source files through GDAL, the way a bureau's GIS would export them.
//!
//! Output is reproducible: GeoPackages get a fixed timestamp (`OGR_CURRENT_DATE`) and
//! DBF headers a fixed update date, so the same data gives byte-identical files.

// GDAL calls the `gdal` crate does not wrap go through `gdal_sys`; each block
// says what it relies on.
#![allow(unsafe_code)]

use std::path::Path;

use anyhow::{Context, Result, bail};
use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use gdal::vector::{
    Feature, FieldDefn, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType, ToGdal,
};
use gdal::{Dataset, DriverManager};

/// The fixed timestamp written into generated files (GeoPackage metadata, DBF header).
pub const FIXED_DATE: &str = "2024-06-30T00:00:00Z";

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Text(i32),
    Int,
    Real,
    /// GDAL's Integer with the Boolean subtype (JSON `true`/`false`, GeoPackage BOOLEAN).
    Bool,
}

/// One attribute column of a source file.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
}

pub fn col(name: &str, kind: Kind) -> Column {
    Column {
        name: name.to_string(),
        kind,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Text(String),
    Int(i64),
    Real(f64),
    Bool(bool),
    Null,
}

impl From<&str> for Val {
    fn from(s: &str) -> Val {
        Val::Text(s.to_string())
    }
}
impl From<String> for Val {
    fn from(s: String) -> Val {
        Val::Text(s)
    }
}
impl From<&String> for Val {
    fn from(s: &String) -> Val {
        Val::Text(s.clone())
    }
}
impl From<u64> for Val {
    fn from(v: u64) -> Val {
        Val::Int(v as i64)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(v)
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::Real(v)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::Bool(v)
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Val {
        v.map_or(Val::Null, Into::into)
    }
}

/// A spatial reference with lon/lat (easting/northing) axis order.
pub fn srs(epsg: u32) -> Result<SpatialRef> {
    let mut s = SpatialRef::from_epsg(epsg).with_context(|| format!("EPSG:{epsg}"))?;
    s.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    Ok(s)
}

/// A source file being written. GDAL stamps GeoPackages with the current time when it
/// closes them, so the fixed date stays set (for this thread) until the file is closed.
pub struct SourceFile {
    ds: Option<Dataset>,
}

impl std::ops::Deref for SourceFile {
    type Target = Dataset;
    fn deref(&self) -> &Dataset {
        self.ds.as_ref().expect("open until dropped")
    }
}

impl std::ops::DerefMut for SourceFile {
    fn deref_mut(&mut self) -> &mut Dataset {
        self.ds.as_mut().expect("open until dropped")
    }
}

impl Drop for SourceFile {
    fn drop(&mut self) {
        drop(self.ds.take());
        let _ = gdal::config::clear_thread_local_config_option("OGR_CURRENT_DATE");
    }
}

/// A new, empty vector dataset (an existing file is replaced).
pub fn create(driver: &str, path: &Path) -> Result<SourceFile> {
    if path.exists() {
        std::fs::remove_file(path)
            .with_context(|| format!("{}: cannot replace", path.display()))?;
    }
    let driver = DriverManager::get_driver_by_name(driver)?;
    gdal::config::set_thread_local_config_option("OGR_CURRENT_DATE", FIXED_DATE)?;
    // Clears the option again on every way out, failure included.
    let mut file = SourceFile { ds: None };
    file.ds = Some(
        driver
            .create_vector_only(path)
            .with_context(|| format!("{}: cannot create", path.display()))?,
    );
    Ok(file)
}

/// What to write into one layer.
pub struct LayerSpec<'a> {
    pub name: &'a str,
    pub srs: Option<&'a SpatialRef>,
    pub geometry: OGRwkbGeometryType::Type,
    pub options: &'a [&'a str],
    pub columns: &'a [Column],
}

/// Write one layer of `rows` (geometry, if the layer has one, and one value per
/// column) into `ds`.
pub fn write_layer<G: ToGdal>(
    ds: &mut Dataset,
    spec: &LayerSpec,
    rows: impl Iterator<Item = (Option<G>, Vec<Val>)>,
) -> Result<u64> {
    let written = if ds.driver().short_name() == "GPKG" {
        // One transaction per layer: row-by-row commits make SQLite crawl.
        let mut tx = ds.start_transaction()?;
        let n = write_rows(&mut tx, spec, rows);
        tx.commit()?;
        n
    } else {
        write_rows(ds, spec, rows)
    };
    written.with_context(|| format!("layer {}", spec.name))
}

fn write_rows<G: ToGdal>(
    ds: &mut Dataset,
    spec: &LayerSpec,
    rows: impl Iterator<Item = (Option<G>, Vec<Val>)>,
) -> Result<u64> {
    let layer = ds.create_layer(LayerOptions {
        name: spec.name,
        srs: spec.srs,
        ty: spec.geometry,
        options: Some(spec.options),
    })?;
    for c in spec.columns {
        let (ty, width) = match c.kind {
            Kind::Text(w) => (OGRFieldType::OFTString, w),
            Kind::Int => (OGRFieldType::OFTInteger64, 0),
            Kind::Real => (OGRFieldType::OFTReal, 0),
            Kind::Bool => (OGRFieldType::OFTInteger, 0),
        };
        if c.kind == Kind::Bool {
            add_boolean_field(&layer, &c.name).with_context(|| format!("field {}", c.name))?;
            continue;
        }
        let defn = FieldDefn::new(&c.name, ty)?;
        if width > 0 {
            defn.set_width(width);
        }
        defn.add_to_layer(&layer)
            .with_context(|| format!("field {}", c.name))?;
    }
    let defn = layer.defn();
    let mut n = 0u64;
    for (geometry, values) in rows {
        if values.len() != spec.columns.len() {
            bail!(
                "row {n} has {} values for {} columns",
                values.len(),
                spec.columns.len()
            );
        }
        let mut f = Feature::new(defn)?;
        for (i, v) in values.iter().enumerate() {
            match v {
                Val::Text(s) => f.set_field_string(i, s)?,
                Val::Int(x) => f.set_field_integer64(i, *x)?,
                Val::Real(x) => f.set_field_double(i, *x)?,
                Val::Bool(b) => f.set_field_integer(i, *b as i32)?,
                Val::Null => f.set_field_null(i)?,
            }
        }
        if let Some(g) = geometry {
            f.set_geometry(g.to_gdal()?)?;
        }
        f.create(&layer).with_context(|| format!("feature {n}"))?;
        n += 1;
    }
    Ok(n)
}

/// gdal 0.19 does not expose field subtypes; the C API does.
fn add_boolean_field(layer: &impl LayerAccess, name: &str) -> Result<()> {
    let c_name = std::ffi::CString::new(name)?;
    // SAFETY: the field definition is created, used and destroyed here; OGR_L_CreateField
    // copies it. The layer handle is live for the borrow of `layer`.
    let rv = unsafe {
        let defn = gdal_sys::OGR_Fld_Create(c_name.as_ptr(), OGRFieldType::OFTInteger);
        if defn.is_null() {
            bail!("cannot create field definition");
        }
        gdal_sys::OGR_Fld_SetSubType(defn, gdal_sys::OGRFieldSubType::OFSTBoolean);
        let rv = gdal_sys::OGR_L_CreateField(layer.c_layer(), defn, 1);
        gdal_sys::OGR_Fld_Destroy(defn);
        rv
    };
    if rv != gdal_sys::OGRErr::OGRERR_NONE {
        bail!("OGR_L_CreateField failed ({rv})");
    }
    Ok(())
}
