//! `manifest.json`: what a prepared dataset holds, and where it came from.

use serde::{Deserialize, Serialize};

use crate::schema::LayerSchema;

/// The format tag every manifest carries.
pub const FORMAT: &str = "riskmap-dataset";
/// Bumped when a reader of the previous version could misread the dataset.
pub const FORMAT_VERSION: u32 = 1;
pub const MANIFEST_FILE: &str = "manifest.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// Unique per build: creation time plus a digest of the layer files. Caches,
    /// ETags and tile URLs are keyed by it.
    pub dataset_version: String,
    /// RFC 3339, UTC.
    pub created: String,
    pub title: String,
    /// The area the dataset is for (a GB/T 2260 code and name), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
    /// Attribution to show wherever the layers appear.
    #[serde(default)]
    pub attribution: String,
    pub layers: Vec<ManifestLayer>,
    /// Every source file read, with its checksum.
    #[serde(default)]
    pub sources: Vec<SourceFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Region {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestLayer {
    pub schema: LayerSchema,
    /// Path of the layer file, relative to the dataset directory.
    pub file: String,
    pub feature_count: u64,
    /// `[min_lon, min_lat, max_lon, max_lat]`, absent for an empty layer.
    pub bbox: Option<[f64; 4]>,
    /// Generated data (the demo), to be labelled as such wherever shown.
    #[serde(default)]
    pub synthetic: bool,
    /// SHA-256 of the layer file.
    pub sha256: String,
    /// Source files this layer was built from (paths as in `Manifest::sources`).
    #[serde(default)]
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceFile {
    /// The file as the config names it, or a connection string with its password
    /// redacted.
    pub path: String,
    /// SHA-256 of the file's bytes, or for a database source of its content as read
    /// (geometry and values of each row, in order).
    pub sha256: String,
    pub bytes: u64,
    /// Rows read, for a source checksummed by content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
}

impl Manifest {
    pub fn layer(&self, id: &str) -> Option<&ManifestLayer> {
        self.layers.iter().find(|l| l.schema.id == id)
    }
}
