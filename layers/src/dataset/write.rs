//! Writing a dataset atomically: everything goes into a staging directory beside the
//! target, is synced, and then replaces the target in one rename. A failed or
//! interrupted run leaves the previous dataset as it was.

use std::fs;
use std::path::{Path, PathBuf};

use geo::BoundingRect;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{DatasetError, fgb, sha256_file};
use crate::catalogue::valid_layer_id;
use crate::feature::Feature;
use crate::manifest::{
    FORMAT, FORMAT_VERSION, MANIFEST_FILE, Manifest, ManifestLayer, Region, SourceFile,
};
use crate::schema::LayerSchema;

/// Dataset-level facts supplied by whoever builds it.
#[derive(Debug, Clone, Default)]
pub struct DatasetMeta {
    pub title: String,
    pub region: Option<Region>,
    pub attribution: String,
    pub sources: Vec<SourceFile>,
}

/// One layer ready to be written.
#[derive(Debug, Clone)]
pub struct LayerData {
    pub schema: LayerSchema,
    pub features: Vec<Feature>,
    pub synthetic: bool,
    pub sources: Vec<String>,
}

fn bbox_of(features: &[Feature]) -> Option<[f64; 4]> {
    features
        .iter()
        .filter_map(|f| f.geometry.bounding_rect())
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
        .reduce(|a, b| {
            [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]
        })
}

fn staging_dir(out: &Path) -> Result<PathBuf, DatasetError> {
    let name = out
        .file_name()
        .ok_or_else(|| DatasetError::Manifest {
            path: out.to_path_buf(),
            message: "output path has no directory name".into(),
        })?
        .to_string_lossy()
        .into_owned();
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| DatasetError::io(&parent, e))?;
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
    Ok(parent.join(format!(".{name}.staging-{}-{nanos}", std::process::id())))
}

/// The staging directory, removed on drop: after a failure it holds the partial new
/// dataset, after an exchange the previous one.
struct Staging {
    path: PathBuf,
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

fn sync_dir(path: &Path) -> Result<(), DatasetError> {
    fs::File::open(path)
        .and_then(|d| d.sync_all())
        .map_err(|e| DatasetError::io(path, e))
}

/// Swap `staged` into `out`. With an existing `out` the two are exchanged in one
/// `renameat2(RENAME_EXCHANGE)`, so readers never see a missing or partial dataset;
/// the previous one is left at `staged` for the caller to remove.
fn publish(staged: &Path, out: &Path) -> Result<(), DatasetError> {
    if out.exists() {
        if !out.join(MANIFEST_FILE).exists()
            && fs::read_dir(out).map_or(true, |mut d| d.next().is_some())
        {
            return Err(DatasetError::Manifest {
                path: out.to_path_buf(),
                message:
                    "exists, is not empty and is not a riskmap dataset; refusing to replace it"
                        .into(),
            });
        }
        rustix::fs::renameat_with(
            rustix::fs::CWD,
            staged,
            rustix::fs::CWD,
            out,
            rustix::fs::RenameFlags::EXCHANGE,
        )
        .map_err(|e| DatasetError::io(out, e.into()))?;
    } else {
        fs::rename(staged, out).map_err(|e| DatasetError::io(out, e))?;
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        sync_dir(parent)?;
    }
    Ok(())
}

/// Write a complete dataset to `out`, replacing any dataset there only once the new
/// one is complete on disk. Returns the manifest written.
pub fn write_dataset(
    out: &Path,
    meta: DatasetMeta,
    layers: &[LayerData],
) -> Result<Manifest, DatasetError> {
    let mut seen = std::collections::HashSet::new();
    for l in layers {
        if !valid_layer_id(&l.schema.id) {
            return Err(DatasetError::Layer {
                layer: l.schema.id.clone(),
                message: "invalid layer id (lower-case ASCII letters, digits and _; not 'onemap')"
                    .into(),
            });
        }
        if !seen.insert(l.schema.id.as_str()) {
            return Err(DatasetError::Layer {
                layer: l.schema.id.clone(),
                message: "layer given twice".into(),
            });
        }
    }
    let staging = Staging {
        path: staging_dir(out)?,
    };
    let layer_dir = staging.path.join("layers");
    fs::create_dir_all(&layer_dir).map_err(|e| DatasetError::io(&layer_dir, e))?;

    let mut entries = Vec::with_capacity(layers.len());
    let mut digest = Sha256::new();
    for l in layers {
        let rel = format!("layers/{}.fgb", l.schema.id);
        let path = staging.path.join(&rel);
        fgb::write_layer(&path, &l.schema, &l.features)?;
        let sha256 = sha256_file(&path)?;
        digest.update(l.schema.id.as_bytes());
        digest.update(sha256.as_bytes());
        entries.push(ManifestLayer {
            schema: l.schema.clone(),
            file: rel,
            feature_count: l.features.len() as u64,
            bbox: bbox_of(&l.features),
            synthetic: l.synthetic,
            sha256,
            sources: l.sources.clone(),
        });
    }
    sync_dir(&layer_dir)?;

    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or(OffsetDateTime::now_utc());
    let created = now.format(&Rfc3339).unwrap_or_default();
    let stamp: String = created
        .chars()
        .filter(char::is_ascii_digit)
        .take(14)
        .collect();
    let digest = hex::encode(digest.finalize());
    let manifest = Manifest {
        format: FORMAT.to_string(),
        format_version: FORMAT_VERSION,
        dataset_version: format!("{stamp}-{}", &digest[..8]),
        created,
        title: meta.title,
        region: meta.region,
        attribution: meta.attribution,
        layers: entries,
        sources: meta.sources,
    };
    let manifest_path = staging.path.join(MANIFEST_FILE);
    let json = serde_json::to_vec_pretty(&manifest).expect("manifest serialises");
    fs::write(&manifest_path, json).map_err(|e| DatasetError::io(&manifest_path, e))?;
    fs::File::open(&manifest_path)
        .and_then(|f| f.sync_all())
        .map_err(|e| DatasetError::io(&manifest_path, e))?;
    sync_dir(&staging.path)?;

    publish(&staging.path, out)?;
    Ok(manifest)
}
