//! `riskmap-prep build`: every configured source read, reprojected, validated and
//! mapped; then the dataset written atomically, or nothing written at all.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use layers::Value;
use layers::catalogue;
use layers::dataset::{DatasetMeta, LayerData, write_dataset};
use layers::manifest::{Region, SourceFile};

use crate::config::PrepConfig;
use crate::read_layer::{Pending, ReadOptions, read_source};
use crate::report::{Place, Report, Severity};

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Leave out features with errors (reported as warnings) instead of failing.
    pub skip_invalid: bool,
    /// Show progress bars (only drawn on a terminal).
    pub progress: bool,
    /// Where to write the JSON report.
    pub report_path: Option<PathBuf>,
}

/// A build that wrote nothing, with the report saying why.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct BuildError {
    pub message: String,
    pub report: Box<Report>,
}

/// Build the dataset described by `config` into `out`.
pub fn build(
    config: &PrepConfig,
    out: &Path,
    options: &BuildOptions,
) -> Result<Report, BuildError> {
    crate::route_gdal_messages();
    let mut report = Report {
        config: config.base_dir.display().to_string(),
        out: out.display().to_string(),
        ..Default::default()
    };
    let mut order: Vec<String> = Vec::new();
    let mut pending: HashMap<String, Pending> = HashMap::new();
    let mut sources: Vec<SourceFile> = Vec::new();

    for entry in &config.layers {
        let loc = config.location(entry);
        let place = Place {
            file: loc.label.clone(),
            layer: entry.id.clone(),
            ..Default::default()
        };
        match loc.checksum() {
            Some(Ok(files)) => add_sources(&mut sources, files),
            Some(Err(e)) => {
                report.error(place, e);
                continue;
            }
            None => {}
        }
        if !order.contains(&entry.id) {
            order.push(entry.id.clone());
        }
        let digest = read_source(
            config,
            entry,
            &loc,
            ReadOptions {
                skip_invalid: options.skip_invalid,
                progress: options.progress,
            },
            &mut pending,
            &mut report,
        );
        if let Some(d) = digest {
            // A database has no file: its checksum is what the query returned.
            let what = entry
                .sql
                .as_deref()
                .map(|q| format!(" sql: {q}"))
                .or_else(|| {
                    entry
                        .source_layer
                        .as_deref()
                        .map(|l| format!(" layer: {l}"))
                })
                .unwrap_or_default();
            add_sources(
                &mut sources,
                vec![SourceFile {
                    path: format!("{}{what}", loc.label),
                    sha256: d.sha256(),
                    bytes: 0,
                    rows: Some(d.rows),
                }],
            );
        }
    }

    check_keys(&order, &pending, options, &mut report);
    check_references(&pending, &mut report);

    if report.errors > 0 {
        let message = format!(
            "{} errors in the sources; no dataset written (an existing dataset at {} is untouched)",
            report.errors,
            out.display()
        );
        return Err(fail(report, message, options));
    }
    let layers: Vec<LayerData> = order
        .iter()
        .filter_map(|id| pending.remove(id))
        .map(|p| LayerData {
            schema: p.schema,
            features: p.features,
            synthetic: p.synthetic,
            sources: p.sources,
        })
        .collect();
    let meta = DatasetMeta {
        title: config.title.clone(),
        region: config.region.as_ref().map(|r| Region {
            code: r.code.clone(),
            name: r.name.clone(),
        }),
        attribution: config.attribution.clone(),
        sources,
    };
    let spinner = progress_spinner(options, "writing dataset");
    match write_dataset(out, meta, &layers) {
        Ok(manifest) => {
            spinner.finish_and_clear();
            report.dataset_version = Some(manifest.dataset_version);
            write_report(&report, options);
            Ok(report)
        }
        Err(e) => {
            spinner.finish_and_clear();
            let message = format!("writing the dataset failed: {e}");
            report.error(
                Place {
                    file: out.display().to_string(),
                    ..Default::default()
                },
                message.clone(),
            );
            Err(fail(report, message, options))
        }
    }
}

fn fail(report: Report, message: String, options: &BuildOptions) -> BuildError {
    write_report(&report, options);
    BuildError {
        message,
        report: Box::new(report),
    }
}

fn write_report(report: &Report, options: &BuildOptions) {
    if let Some(path) = &options.report_path {
        let json = serde_json::to_vec_pretty(report).expect("report serialises");
        // Same rule as the dataset: a reader never sees half a report.
        let tmp = path.with_extension("json.tmp");
        if let Err(e) = std::fs::write(&tmp, json).and_then(|_| std::fs::rename(&tmp, path)) {
            tracing::warn!("cannot write report {}: {e}", path.display());
        }
    }
}

fn add_sources(sources: &mut Vec<SourceFile>, files: Vec<SourceFile>) {
    for f in files {
        if !sources.iter().any(|s| s.path == f.path) {
            sources.push(f);
        }
    }
}

fn progress_spinner(options: &BuildOptions, msg: &'static str) -> ProgressBar {
    if !options.progress {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_message(msg);
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

/// Key fields (shelter_id, grid_code, ...) must be unique within a layer.
fn check_keys(
    order: &[String],
    pending: &HashMap<String, Pending>,
    options: &BuildOptions,
    report: &mut Report,
) {
    for id in order {
        let Some(p) = pending.get(id) else { continue };
        let Some(key) = catalogue::key_field(id) else {
            continue;
        };
        let Some(idx) = p.schema.field_index(key) else {
            continue;
        };
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &p.features {
            if let Some(k) = f.properties[idx].as_str() {
                *seen.entry(k).or_default() += 1;
            }
        }
        for (k, n) in seen.into_iter().filter(|(_, n)| *n > 1) {
            let sev = if options.skip_invalid {
                Severity::Warning
            } else {
                Severity::Error
            };
            report.push(
                sev,
                Place {
                    file: p.sources.join(", "),
                    layer: id.clone(),
                    field: Some(key.into()),
                    ..Default::default()
                },
                format!("{key} {k:?} is used by {n} features; it must be unique"),
            );
        }
    }
}

/// A grid's assigned shelter must exist: a dangling reference would send people nowhere.
fn check_references(pending: &HashMap<String, Pending>, report: &mut Report) {
    let (Some(grids), Some(shelters)) = (
        pending.get(catalogue::EVACUATION_GRIDS),
        pending.get(catalogue::SHELTERS),
    ) else {
        return;
    };
    let (Some(gi), Some(si)) = (
        grids.schema.field_index("shelter_id"),
        shelters.schema.field_index("shelter_id"),
    ) else {
        return;
    };
    let known: std::collections::HashSet<&str> = shelters
        .features
        .iter()
        .filter_map(|f| f.properties[si].as_str())
        .collect();
    let code = grids.schema.field_index("grid_code");
    let dangling: Vec<String> = grids
        .features
        .iter()
        .filter(|f| matches!(&f.properties[gi], Value::Text(s) if !known.contains(s.as_str())))
        .map(|f| {
            code.map(|c| f.properties[c].canonical())
                .unwrap_or_default()
        })
        .collect();
    if !dangling.is_empty() {
        report.warning(
            Place {
                file: grids.sources.join(", "),
                layer: catalogue::EVACUATION_GRIDS.into(),
                field: Some("shelter_id".into()),
                ..Default::default()
            },
            format!(
                "{} grids name a shelter_id that no shelter has (first: {})",
                dangling.len(),
                dangling
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
}
