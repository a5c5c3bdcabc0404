//! The PMTiles archives a server serves as tilesets (`[tiles.archives]`), opened at
//! start. No HTTP here: [`crate::archives`] serves them.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use pmtiles::{AsyncPmTilesReader, Compression, HashMapCache, MmapBackend, TileType};
use serde_json::Value;

use crate::error::{ApiError, ApiResult};

pub type Reader = AsyncPmTilesReader<MmapBackend, HashMapCache>;

/// One opened archive.
pub struct Archive {
    pub reader: Reader,
    /// The archive's own metadata (TileJSON from `riskmap-prep tiles`).
    pub metadata: Value,
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// Changes when the archive does: the ETag's prefix.
    pub tag: String,
}

/// Every configured archive, by name.
#[derive(Default)]
pub struct Archives(BTreeMap<String, Archive>);

impl Archives {
    /// Open every archive of the config; an archive that cannot be read is an error
    /// at start, naming it, rather than 404s later.
    pub async fn open(config: &BTreeMap<String, std::path::PathBuf>) -> Result<Archives> {
        let mut out = BTreeMap::new();
        for (name, path) in config {
            let a = open_one(path)
                .await
                .with_context(|| format!("tiles.archives.{name}: {}", path.display()))?;
            out.insert(name.clone(), a);
        }
        Ok(Archives(out))
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    pub fn get(&self, name: &str) -> ApiResult<&Archive> {
        self.0.get(name).ok_or_else(|| {
            ApiError::not_found(format!("no tile archive {name:?} is configured")).field("name")
        })
    }
}

async fn open_one(path: &Path) -> Result<Archive> {
    let meta = std::fs::metadata(path)?;
    let reader = Reader::new_with_cached_path(HashMapCache::default(), path).await?;
    let h = reader.get_header();
    if h.tile_type != TileType::Mvt || h.tile_compression != Compression::Gzip {
        bail!(
            "holds {:?} tiles compressed as {:?}; riskmap serves gzipped vector tiles",
            h.tile_type,
            h.tile_compression
        );
    }
    let (min_zoom, max_zoom) = (h.min_zoom, h.max_zoom);
    let metadata: Value =
        serde_json::from_str(&reader.get_metadata().await?).context("its metadata is not JSON")?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    Ok(Archive {
        reader,
        metadata,
        min_zoom,
        max_zoom,
        tag: format!("{:x}-{:x}", meta.len(), modified),
    })
}
