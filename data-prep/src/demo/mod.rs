//! `riskmap-prep demo`: a seeded, reproducible demo dataset on real geography.
//!
//! The demo goes through the same path as a bureau's data: it generates the synthetic
//! layers on the real Yunnan reference geography ([`reference`]), writes them as the
//! source files a bureau would hand over ([`sources`], [`shelter_shapefile`],
//! [`water_csv`]) with a `prep.toml` describing them ([`config_file`]), and then runs
//! the ordinary build on that config. The sources stay beside the dataset as a worked
//! example.
//!
//! Same seed, same output: every random draw comes from a ChaCha stream keyed by the
//! seed ([`random`]), polygons are cut on one fixed grid and written canonically
//! ([`slicing`]), and the writers pin the timestamps GDAL would otherwise embed.

pub mod admin;
pub mod apportion;
pub mod config_file;
pub mod context;
pub mod depots;
pub mod gdal_write;
pub mod generate;
pub mod grids;
pub mod hazard_points;
pub mod hazard_zones;
pub mod local;
pub mod model;
pub mod naming;
pub mod partition;
pub mod placement;
pub mod random;
pub mod reference;
pub mod shelter_shapefile;
pub mod shelters;
pub mod sizing;
pub mod slicing;
pub mod sources;
pub mod water;
pub mod water_csv;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::build::{BuildOptions, build};
use crate::config::PrepConfig;
use crate::report::Report;

pub use generate::Scale;
use model::DemoData;

/// Default seed of `riskmap-prep demo`.
pub const DEFAULT_SEED: u64 = 20240630;
/// Name of the config written among the sources.
pub const CONFIG_FILE: &str = "prep.toml";

/// `riskmap-prep demo`: generate the demo sources, then build them like any dataset.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Directory of the prepared dataset to write (replaced atomically if it exists).
    #[arg(long)]
    pub out: PathBuf,
    /// Seed of the generator: the same seed gives byte-identical sources and the same
    /// layer checksums.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Area to generate: Chuxiong prefecture (about 41k grids), or all of Yunnan at the
    /// same density (about 0.8M grids, for scale tests and benchmarks).
    #[arg(long, value_enum, default_value_t = Scale::Chuxiong)]
    pub scale: Scale,
    /// Where the generated source files and their prep.toml go [default: <out>.sources
    /// beside --out]. They are kept as a worked example of preparing real data.
    #[arg(long)]
    pub sources: Option<PathBuf>,
    /// The real reference data (the repository's data/yunnan).
    #[arg(long, env = "RISKMAP_REFERENCE_DATA")]
    pub reference_data: Option<PathBuf>,
    /// Do not draw progress bars while building.
    #[arg(long)]
    pub no_progress: bool,
}

impl DemoArgs {
    pub fn sources_dir(&self) -> PathBuf {
        self.sources.clone().unwrap_or_else(|| {
            let mut name = self
                .out
                .file_name()
                .map_or_else(|| "demo".into(), std::ffi::OsStr::to_os_string);
            name.push(".sources");
            self.out.with_file_name(name)
        })
    }

    pub fn reference_dir(&self) -> Result<PathBuf> {
        match &self.reference_data {
            Some(d) => Ok(d.clone()),
            None => reference::default_dir().context(
                "cannot find the reference data (data/yunnan); pass --reference-data or set RISKMAP_REFERENCE_DATA",
            ),
        }
    }
}

/// What [`write_sources`] produced.
#[derive(Debug)]
pub struct Sources {
    pub dir: PathBuf,
    pub config: PathBuf,
    pub data: DemoData,
}

/// Generate the demo data and write its source files and prep.toml.
pub fn write_sources(args: &DemoArgs) -> Result<Sources> {
    let reference_dir = args.reference_dir()?;
    let reference_dir = reference_dir
        .canonicalize()
        .with_context(|| format!("reference data {}", reference_dir.display()))?;
    let reference = reference::Reference::read(&reference_dir)?;
    let started = Instant::now();
    let data = generate::generate(args.seed, &reference, args.scale)?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "demo data generated"
    );

    let dir = args.sources_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let started = Instant::now();
    let mut entries = vec![sources::write_admin(&dir, &data)?];
    entries.extend(sources::write_hazard_zones(&dir, &data)?);
    entries.push(sources::write_grids(&dir, &data)?);
    entries.push(sources::write_hazard_points(&dir, &data)?);
    entries.push(water_csv::write(&dir, &data.water_sources)?);
    entries.extend(shelter_shapefile::write(&dir, &data.shelters)?);
    entries.push(sources::write_depots(&dir, &data)?);
    entries.extend(context::entries(&reference_dir));
    let (code, name) = match args.scale {
        Scale::Chuxiong => ("532300", "楚雄彝族自治州"),
        Scale::Yunnan => ("530000", "云南省"),
    };
    let header = config_file::Header {
        comment: vec![
            format!(
                "Demo dataset written by `riskmap-prep demo --seed {} --scale {}`.",
                args.seed,
                clap::ValueEnum::to_possible_value(&args.scale)
                    .map(|v| v.get_name().to_string())
                    .unwrap_or_default()
            ),
            "Every layer marked `synthetic` is generated (plausible, not real) on real geography;".into(),
            "the context layers are the real reference files. Build it with".into(),
            "  riskmap-prep build --config prep.toml --out DIR".into(),
        ],
        title: format!("{name}自然灾害综合风险一张图（演示数据）"),
        attribution: "Boundaries: Tianditu; faults: GEM (CC BY-SA 4.0); earthquakes: NOAA/USGS; places: GeoNames (CC BY); demo layers: synthetic".into(),
        region_code: code.into(),
        region_name: name.into(),
        bounds: context::REFERENCE_BOUNDS,
    };
    let config = dir.join(CONFIG_FILE);
    std::fs::write(&config, config_file::render(&header, &entries))
        .with_context(|| format!("writing {}", config.display()))?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), dir = %dir.display(), "demo sources written");
    Ok(Sources { dir, config, data })
}

/// The whole demo: generate, write the sources and prep.toml, then build them into
/// `--out` exactly as `riskmap-prep build --config <sources>/prep.toml` would (the JSON
/// report goes beside the dataset, as there).
pub fn run(args: &DemoArgs) -> Result<(Sources, Report)> {
    check_paths(args)?;
    let sources = write_sources(args)?;
    let config = PrepConfig::from_file(&sources.config)?;
    let options = BuildOptions {
        skip_invalid: false,
        progress: !args.no_progress,
        report_path: Some(report_path(&args.out)),
    };
    let started = Instant::now();
    let report = build(&config, &args.out, &options).map_err(|e| {
        anyhow::anyhow!(
            "building the demo sources failed: {}\n{}",
            e.message,
            e.report.summary()
        )
    })?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), out = %args.out.display(), "demo dataset built");
    Ok((sources, report))
}

fn report_path(out: &Path) -> PathBuf {
    let mut name = out
        .file_name()
        .map_or_else(|| "dataset".into(), std::ffi::OsStr::to_os_string);
    name.push(".report.json");
    out.with_file_name(name)
}

/// Refuse to write the sources into the dataset directory (the build replaces it, and
/// the worked example with it).
pub fn check_paths(args: &DemoArgs) -> Result<()> {
    let sources = absolute(&args.sources_dir());
    let out = absolute(&args.out);
    if sources.starts_with(&out) {
        bail!(
            "--sources {} is inside --out {}: the build replaces that directory",
            sources.display(),
            out.display()
        );
    }
    Ok(())
}

/// `p` made absolute and `..`-free (lexically), with symlinks resolved in the part of
/// it that exists.
fn absolute(p: &Path) -> PathBuf {
    use std::path::Component;
    let p = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut lexical = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                lexical.pop();
            }
            Component::CurDir => {}
            other => lexical.push(other),
        }
    }
    let mut existing = lexical.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return lexical.clone(),
        }
    }
    let mut resolved = existing
        .canonicalize()
        .unwrap_or_else(|_| existing.to_path_buf());
    resolved.extend(rest.iter().rev());
    resolved
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        demo: DemoArgs,
    }

    fn args(line: &[&str]) -> DemoArgs {
        Cli::try_parse_from(std::iter::once("demo").chain(line.iter().copied()))
            .unwrap()
            .demo
    }

    #[test]
    fn sources_default_beside_the_dataset() {
        let a = args(&["--out", "/tmp/x/chuxiong"]);
        assert_eq!(a.sources_dir(), Path::new("/tmp/x/chuxiong.sources"));
        assert_eq!(a.seed, DEFAULT_SEED);
        assert_eq!(a.scale, Scale::Chuxiong);
        assert_eq!(
            args(&["--out", "o", "--scale", "yunnan"]).scale,
            Scale::Yunnan
        );
    }

    #[test]
    fn sources_inside_the_dataset_are_refused() {
        let inside = args(&["--out", "/tmp/x/ds", "--sources", "/tmp/x/ds/src"]);
        let e = check_paths(&inside).unwrap_err();
        assert!(e.to_string().contains("inside --out"), "{e}");
        let same = args(&["--out", "/tmp/x/ds", "--sources", "/tmp/x/../x/ds"]);
        assert!(check_paths(&same).is_err());
        assert!(check_paths(&args(&["--out", "/tmp/x/ds"])).is_ok());
    }
}
