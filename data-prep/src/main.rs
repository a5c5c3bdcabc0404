//! `riskmap-prep`: prepare a riskmap dataset from GIS sources, or generate the demo.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use riskmap_prep::{BuildOptions, PrepConfig, build};

/// Prepare datasets for riskmap, the unified risk map (一张图) of emergency bureaus.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read the sources a prep.toml names (any GDAL vector format, any CRS PROJ knows, or
    /// GCJ-02), validate them against the layer schemas, and write a prepared dataset.
    ///
    /// The dataset is written atomically: on any error nothing is written and an
    /// existing dataset at --out stays as it was. A report (counts per layer, every
    /// error and warning with file, layer, feature and field) is printed and written
    /// as JSON.
    Build {
        /// The prep.toml describing sources, field mappings and value mappings.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// Dataset directory to create or replace.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Where to write the JSON report [default: <out>.report.json beside --out].
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Leave out features that fail validation (reported as warnings) instead of
        /// failing the build. Source-level errors still fail it.
        #[arg(long)]
        skip_invalid: bool,
        /// Do not draw progress bars.
        #[arg(long)]
        no_progress: bool,
    },
    /// Generate the demo dataset on the real Yunnan geography (data/yunnan), seeded and
    /// reproducible: townships, villages, five-level evacuation grids, shelters, water
    /// sources, depots, hazard zones and sites, all marked synthetic. The generator
    /// writes them as the source files a bureau would hand over (GeoJSON, GeoPackage, a
    /// GBK Shapefile in Gauss-Kruger, an AMap CSV in GCJ-02) with a prep.toml, then
    /// builds that config like any other, into --out.
    Demo(riskmap_prep::demo::DemoArgs),
    /// Write a prepared dataset into PostgreSQL/PostGIS as typed tables (schema field
    /// types, Chinese/English labels and sensitivity as column comments, GiST indexes,
    /// the version and manifest in `riskmap_dataset`), in one transaction that replaces
    /// the previous version whole, keeping the grants readers had on it.
    Export {
        /// The prepared dataset directory.
        dataset: PathBuf,
        /// `PG:host=... dbname=... user=...` (password from PGPASSWORD, or in the string:
        /// it is never printed).
        #[arg(long, value_name = "PG:...")]
        to: String,
        #[arg(long, default_value = "riskmap")]
        schema: String,
        /// Put personal columns in tables of this schema instead, keyed by fid.
        #[arg(long, value_name = "SCHEMA")]
        personal_schema: Option<String>,
    },
    /// Write the public composite map (every layer, public fields only) of a prepared
    /// dataset as a PMTiles v3 archive: the tiles riskmap-server serves a public
    /// caller, gzipped, clustered, identical tiles stored once, TileJSON as metadata.
    /// Written beside --out and renamed into place.
    Tiles {
        /// The prepared dataset directory.
        dataset: PathBuf,
        /// The archive to write (`onemap.pmtiles`).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[arg(long, default_value_t = 0)]
        minzoom: u8,
        #[arg(long, default_value_t = layers::tiles::TileOptions::default().max_zoom)]
        maxzoom: u8,
        /// `west,south,east,north` in degrees [default: the dataset's bounds].
        #[arg(long, value_name = "W,S,E,N", value_parser = parse_bbox)]
        bbox: Option<[f64; 4]>,
        /// Do not draw a progress bar.
        #[arg(long)]
        no_progress: bool,
    },
}

fn default_report_path(out: &std::path::Path) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "dataset".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!("{name}.report.json"))
}

fn parse_bbox(s: &str) -> Result<[f64; 4], String> {
    let v: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{s:?}: {e}"))?;
    <[f64; 4]>::try_from(v).map_err(|v| format!("expected 4 numbers, got {}", v.len()))
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            config,
            out,
            report,
            skip_invalid,
            no_progress,
        } => {
            let config = match PrepConfig::from_file(&config) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    return ExitCode::from(2);
                }
            };
            let options = BuildOptions {
                skip_invalid,
                progress: !no_progress,
                report_path: Some(report.unwrap_or_else(|| default_report_path(&out))),
            };
            match build(&config, &out, &options) {
                Ok(r) => {
                    println!("{}", r.summary());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    println!("{}", e.report.summary());
                    eprintln!("error: {}", e.message);
                    ExitCode::FAILURE
                }
            }
        }
        Command::Tiles {
            dataset,
            out,
            minzoom,
            maxzoom,
            bbox,
            no_progress,
        } => {
            let options = riskmap_prep::pmtiles_export::ExportOptions {
                min_zoom: minzoom,
                max_zoom: maxzoom,
                bbox,
                progress: !no_progress,
                threads: None,
            };
            let started = std::time::Instant::now();
            match riskmap_prep::pmtiles_export::export(&dataset, &out, &options) {
                Ok(s) => {
                    println!(
                        "{}: z{minzoom}–{maxzoom}, {} tiles looked at, {} written, {} bytes, {:.1} s",
                        out.display(),
                        s.addressed,
                        s.written,
                        s.bytes,
                        started.elapsed().as_secs_f64()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Export {
            dataset,
            to,
            schema,
            personal_schema,
        } => {
            let options = riskmap_prep::pg_export::ExportOptions {
                schema,
                personal_schema,
            };
            match riskmap_prep::pg_export::export(&dataset, &to, &options) {
                Ok(s) => {
                    println!(
                        "dataset {} exported to {}: {} tables, {} rows",
                        s.dataset_version,
                        riskmap_prep::location::redact(&to),
                        s.tables,
                        s.rows
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Demo(args) => match riskmap_prep::demo::run(&args) {
            Ok((sources, report)) => {
                println!("{}", report.summary());
                println!(
                    "demo sources and their prep.toml: {}\ndataset: {}",
                    sources.dir.display(),
                    args.out.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}
