//! riskmap-prep: turns a bureau's GIS files into a prepared riskmap dataset.
//!
//! Sources are read through GDAL, reprojected through PROJ (GCJ-02 by [`gcj02`]),
//! mapped onto the layer catalogue by a [`config::PrepConfig`], validated, and written
//! atomically by `layers::dataset`. The binary is a thin shell over this library.

pub mod config;
pub mod gcj02;
pub mod demo;
