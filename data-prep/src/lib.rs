//! riskmap-prep: turns a bureau's GIS files into a prepared riskmap dataset.
//!
//! Sources are read through GDAL ([`source`]), reprojected through PROJ ([`crs`];
//! GCJ-02 by [`gcj02`]), mapped onto the layer catalogue by a [`config::PrepConfig`]
//! ([`mapping`]), validated ([`geometry`]), and written atomically by
//! `layers::dataset` ([`build`]). The binary is a thin shell over this library.

pub mod build;
pub mod config;
pub mod crs;
pub mod gcj02;
pub mod geometry;
pub mod mapping;
pub mod report;
pub mod source;

pub use build::{BuildError, BuildOptions, build};
pub use config::PrepConfig;
pub use report::Report;
