//! The prepared dataset: on disk, `manifest.json` plus one FlatGeobuf file per layer,
//! written atomically and read back whole; in memory, a [`Dataset`] built from it.

mod fgb;
mod loaded;
mod read;
mod tilejson;
mod write;

use std::path::{Path, PathBuf};

pub use fgb::{read_layer, write_layer};
pub use loaded::{Dataset, LIGHT_TILE_FEATURES, LoadTimings};
pub use read::{read_dataset, read_manifest};
pub use write::{DatasetMeta, LayerData, write_dataset};

/// Why a dataset could not be written or read. Every variant names the place.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("layer {layer}: {message}")]
    Layer { layer: String, message: String },
    #[error("{path}: {message}")]
    Manifest { path: PathBuf, message: String },
}

impl DatasetError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        DatasetError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String, DatasetError> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| DatasetError::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(|e| DatasetError::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
