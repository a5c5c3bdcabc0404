//! `riskmap-prep tiles`: the public composite map (`onemap`) of a prepared dataset as
//! one PMTiles v3 archive, the static form of the map for object storage behind a CDN
//! or an offline laptop.
//!
//! The tiles are rendered by the same core call the server makes for a public caller,
//! so an archive tile, once gunzipped, is byte for byte what the server sends. Tiles
//! are written in Hilbert order (a clustered archive); the writer stores identical
//! tiles once. The archive is written beside its destination and renamed into place:
//! a failed or interrupted export leaves the previous archive untouched.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use layers::tiles::mercator::{MAX_LAT, project};
use layers::tiles::{ONEMAP, PREBUILT_LEVEL, Selection, TileId, TileOptions, gzip};
use layers::{Access, Dataset};
use pmtiles::{Compression, PmTilesWriter, TileCoord, TileType};

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// `[west, south, east, north]` in degrees; default the dataset's bounds.
    pub bbox: Option<[f64; 4]>,
    pub progress: bool,
    /// Render threads; default the machine's cores.
    pub threads: Option<usize>,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct ExportSummary {
    /// Tiles looked at (the pyramid over the box).
    pub addressed: u64,
    /// Tiles with features, written (identical ones stored once by the writer).
    pub written: u64,
    pub bytes: u64,
}

/// Tiles rendered together before they are written in order: enough to keep every
/// thread busy, few enough that memory stays small at any scale.
const BATCH: usize = 1024;

/// Export the public composite of the dataset at `dataset_dir` to `out`.
pub fn export(dataset_dir: &Path, out: &Path, options: &ExportOptions) -> Result<ExportSummary> {
    if options.min_zoom > options.max_zoom {
        bail!(
            "--minzoom {} is above --maxzoom {}",
            options.min_zoom,
            options.max_zoom
        );
    }
    // The server's default tile options: what a tile holds at a zoom depends on them,
    // and the archive must hold the tiles the server serves.
    let tile_options = TileOptions::default();
    if options.max_zoom > tile_options.max_zoom {
        bail!(
            "--maxzoom {} is beyond the deepest zoom riskmap renders ({})",
            options.max_zoom,
            tile_options.max_zoom
        );
    }
    let dataset = Dataset::open(dataset_dir, tile_options)
        .with_context(|| format!("opening dataset {}", dataset_dir.display()))?;
    // The public view, computed with public access: the archive is for anyone.
    let sel = dataset.select(ONEMAP, &Access::public())?;
    let bbox = match options.bbox {
        Some(b) => check_bbox(b)?,
        None => dataset.bounds(&sel),
    };
    let tiles = pyramid(bbox, options.min_zoom, options.max_zoom);
    let [lon, lat, zoom] = dataset.center(&sel);
    let mut metadata = dataset.tilejson(&sel, &[]);
    // An archive has no URL of its own: whoever serves it adds `tiles`.
    if let Some(m) = metadata.as_object_mut() {
        m.remove("tiles");
    }

    let tmp = temp_path(out);
    let file = File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let result = (|| {
        let mut writer = PmTilesWriter::new(TileType::Mvt)
            .precompressed(Compression::Gzip)
            .internal_compression(Compression::Gzip)
            .min_zoom(options.min_zoom)
            .max_zoom(options.max_zoom)
            .bounds(bbox[0], bbox[1], bbox[2], bbox[3])
            .center(lon, lat)
            .center_zoom((zoom.round() as u8).clamp(options.min_zoom, options.max_zoom))
            .metadata(metadata.to_string())
            .create(BufWriter::new(file))?;
        let pb = progress(options.progress, tiles.len());
        let threads = options
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
        let mut summary = ExportSummary {
            addressed: tiles.len() as u64,
            ..ExportSummary::default()
        };
        for batch in tiles.chunks(BATCH) {
            for (coord, body) in render_batch(&dataset, &sel, batch, threads)? {
                if let Some(body) = body {
                    summary.written += 1;
                    writer.add_tile(coord, &body)?;
                }
            }
            pb.inc(batch.len() as u64);
        }
        writer.finalize()?;
        pb.finish_and_clear();
        Ok::<_, anyhow::Error>(summary)
    })();
    let mut summary = match result {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.context(format!("writing {}", out.display())));
        }
    };
    // Durable before it replaces the previous archive.
    File::open(&tmp)
        .and_then(|f| f.sync_all())
        .and_then(|()| std::fs::rename(&tmp, out))
        .with_context(|| format!("moving the archive into place at {}", out.display()))?;
    summary.bytes = std::fs::metadata(out).map_or(0, |m| m.len());
    Ok(summary)
}

/// Every tile of zooms `min..=max` over `bbox`, in PMTiles (Hilbert) order.
fn pyramid(bbox: [f64; 4], min: u8, max: u8) -> Vec<(u64, TileId)> {
    let lat = |v: f64| v.clamp(-MAX_LAT, MAX_LAT);
    let [x0, y0] = project(bbox[0], lat(bbox[3]));
    let [x1, y1] = project(bbox[2], lat(bbox[1]));
    let mut tiles: Vec<(u64, TileId)> = (min..=max)
        .flat_map(|z| TileId::covering(z, [x0.into(), y0.into(), x1.into(), y1.into()]))
        .filter_map(|t| Some((hilbert_id(t)?, t)))
        .collect();
    tiles.sort_unstable_by_key(|(id, _)| *id);
    tiles
}

fn hilbert_id(t: TileId) -> Option<u64> {
    let coord = TileCoord::new(t.z, t.x, t.y).ok()?;
    Some(pmtiles::TileId::from(coord).value())
}

type Rendered = (TileCoord, Option<Vec<u8>>);
/// A tile's gzipped body (`None`: empty), or why it could not be rendered.
type Body = Result<Option<Vec<u8>>>;

/// Render (and gzip) one batch on `threads` threads; results in the batch's order.
fn render_batch(
    dataset: &Dataset,
    sel: &Selection,
    batch: &[(u64, TileId)],
    threads: usize,
) -> Result<Vec<Rendered>> {
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<Body>> = Vec::new();
    slots.resize_with(batch.len(), || None);
    let chunks: Vec<Vec<(usize, Body)>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((_, tile)) = batch.get(i) else { break };
                        let body = dataset
                            .render(sel, *tile)
                            .map(|raw| raw.map(|r| gzip(&r, PREBUILT_LEVEL)))
                            .map_err(anyhow::Error::from);
                        done.push((i, body));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect()
    });
    for (i, body) in chunks.into_iter().flatten() {
        slots[i] = Some(body);
    }
    batch
        .iter()
        .zip(slots)
        .map(|((_, t), slot)| {
            let coord = TileCoord::new(t.z, t.x, t.y)?;
            let body = slot
                .with_context(|| format!("tile {}/{}/{} was not rendered", t.z, t.x, t.y))?
                .with_context(|| format!("rendering tile {}/{}/{}", t.z, t.x, t.y))?;
            Ok((coord, body))
        })
        .collect()
}

fn check_bbox(b: [f64; 4]) -> Result<[f64; 4]> {
    let [w, s, e, n] = b;
    if !(w < e && s < n && w >= -180.0 && e <= 180.0 && s >= -90.0 && n <= 90.0) {
        bail!("--bbox {b:?} is not west,south,east,north in degrees");
    }
    Ok(b)
}

fn temp_path(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "tiles".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.partial"))
}

fn progress(show: bool, len: usize) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} tiles {bar:40} {pos}/{len} ({per_sec}, {eta} left)")
    {
        pb.set_style(style);
    }
    pb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pyramid_is_in_hilbert_order_and_covers_the_box() {
        let tiles = pyramid([101.0, 24.5, 102.5, 26.5], 0, 10);
        assert!(
            tiles.windows(2).all(|w| w[0].0 < w[1].0),
            "strictly increasing ids"
        );
        let at = |z: u8| tiles.iter().filter(|(_, t)| t.z == z).count();
        assert_eq!((at(0), at(1)), (1, 1));
        // At z10 a tile is 360/1024 = 0.35 degrees wide: 1.5 degrees span 5 or 6.
        let xs: std::collections::BTreeSet<u32> = tiles
            .iter()
            .filter(|(_, t)| t.z == 10)
            .map(|(_, t)| t.x)
            .collect();
        assert!((5..=6).contains(&xs.len()), "{xs:?}");
    }

    #[test]
    fn a_failed_export_leaves_the_previous_archive() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("onemap.pmtiles");
        std::fs::write(&out, b"the previous archive").unwrap();
        let options = ExportOptions {
            min_zoom: 0,
            max_zoom: 3,
            bbox: None,
            progress: false,
            threads: Some(1),
        };
        let e = export(&dir.path().join("no-dataset"), &out, &options).unwrap_err();
        assert!(format!("{e:#}").contains("no-dataset"), "{e:#}");
        let deep = ExportOptions {
            max_zoom: 30,
            ..options.clone()
        };
        assert!(export(dir.path(), &out, &deep).is_err());
        let inverted = ExportOptions {
            min_zoom: 4,
            ..options
        };
        assert!(export(dir.path(), &out, &inverted).is_err());
        assert_eq!(std::fs::read(&out).unwrap(), b"the previous archive");
        assert!(check_bbox([102.0, 25.0, 101.0, 26.0]).is_err());
    }
}
