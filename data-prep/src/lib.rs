//! riskmap-prep: turns a bureau's GIS files into a prepared riskmap dataset.
//!
//! Sources are read through GDAL ([`source`]), reprojected through PROJ ([`crs`];
//! GCJ-02 by [`gcj02`]), mapped onto the layer catalogue by a [`config::PrepConfig`]
//! ([`mapping`]), validated ([`geometry`]), and written atomically by
//! `layers::dataset` ([`build`]). The binary is a thin shell over this library.

pub mod build;
pub mod config;
pub mod crs;
pub mod demo;
pub mod gcj02;
pub mod geometry;
pub mod location;
pub mod mapping;
pub mod pg_export;
pub mod pmtiles_export;
mod read_layer;
pub mod report;
pub mod source;

pub use build::{BuildError, BuildOptions, build};
pub use config::PrepConfig;
pub use report::Report;

/// Send GDAL's own messages through `tracing` instead of raw stderr. GEOS validity
/// notes ("Self-intersection at ...") are expected while checking polygons and are
/// reported by us, with their place, so they go to debug level.
pub fn route_gdal_messages() {
    use gdal::errors::CplErrType;
    gdal::config::set_error_handler(|class, number, message| match class {
        CplErrType::Fatal | CplErrType::Failure => {
            tracing::error!(target: "gdal", number, "{message}");
        }
        CplErrType::Warning => tracing::debug!(target: "gdal", number, "{message}"),
        _ => tracing::trace!(target: "gdal", number, "{message}"),
    });
}
