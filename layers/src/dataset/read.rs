//! Reading a dataset back: the manifest, then each layer file, checked against the
//! manifest's checksums and counts.

use std::path::Path;

use super::{DatasetError, fgb, sha256_file};
use crate::feature::Feature;
use crate::manifest::{FORMAT, FORMAT_VERSION, MANIFEST_FILE, Manifest};

/// Read and check `manifest.json` of the dataset at `dir`.
pub fn read_manifest(dir: &Path) -> Result<Manifest, DatasetError> {
    let path = dir.join(MANIFEST_FILE);
    let bytes = std::fs::read(&path).map_err(|e| DatasetError::io(&path, e))?;
    let manifest: Manifest =
        serde_json::from_slice(&bytes).map_err(|e| DatasetError::Manifest {
            path: path.clone(),
            message: e.to_string(),
        })?;
    let bad = |message: String| DatasetError::Manifest {
        path: path.clone(),
        message,
    };
    if manifest.format != FORMAT {
        return Err(bad(format!(
            "format is {:?}, expected {FORMAT:?}",
            manifest.format
        )));
    }
    if manifest.format_version != FORMAT_VERSION {
        return Err(bad(format!(
            "format version {} is not supported (this build reads {FORMAT_VERSION})",
            manifest.format_version
        )));
    }
    for layer in &manifest.layers {
        if !crate::catalogue::valid_layer_id(&layer.schema.id) {
            return Err(bad(format!("invalid layer id {:?}", layer.schema.id)));
        }
        let rel = Path::new(&layer.file);
        if rel.is_absolute()
            || rel
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(bad(format!(
                "layer {}: file {:?} is outside the dataset",
                layer.schema.id, layer.file
            )));
        }
    }
    Ok(manifest)
}

/// Read the whole dataset at `dir`: the manifest and every layer's features, in
/// manifest order. Each file's SHA-256 and feature count must match the manifest.
pub fn read_dataset(dir: &Path) -> Result<(Manifest, Vec<Vec<Feature>>), DatasetError> {
    let manifest = read_manifest(dir)?;
    let mut layers = Vec::with_capacity(manifest.layers.len());
    for layer in &manifest.layers {
        let path = dir.join(&layer.file);
        let sha = sha256_file(&path)?;
        if sha != layer.sha256 {
            return Err(DatasetError::Layer {
                layer: layer.schema.id.clone(),
                message: format!("{}: checksum does not match the manifest", path.display()),
            });
        }
        let features = fgb::read_layer(&path, &layer.schema)?;
        if features.len() as u64 != layer.feature_count {
            return Err(DatasetError::Layer {
                layer: layer.schema.id.clone(),
                message: format!(
                    "{}: {} features, manifest says {}",
                    path.display(),
                    features.len(),
                    layer.feature_count
                ),
            });
        }
        layers.push(features);
    }
    Ok((manifest, layers))
}
