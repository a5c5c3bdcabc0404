//! `riskmap-prep build`: every configured source read, reprojected, validated and
//! mapped; then the dataset written atomically, or nothing written at all.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use layers::catalogue;
use layers::dataset::{DatasetMeta, LayerData, write_dataset};
use layers::manifest::{Region, SourceFile};
use layers::schema::{FieldDef, FieldType, LayerSchema};
use layers::{Feature, Value};

use crate::config::{LayerSource, PrepConfig};
use crate::crs::SourceCrs;
use crate::geometry::{intake, within_bounds};
use crate::mapping::Mapper;
use crate::report::{Place, Report, Severity};
use crate::source::{self, Raw, SourceType};
use geo::BoundingRect;

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

/// One layer being assembled from its sources.
struct Pending {
    schema: LayerSchema,
    features: Vec<Feature>,
    synthetic: bool,
    sources: Vec<String>,
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
        let path = config.source_path(entry);
        let label = relative_label(&path, &config.base_dir);
        let place = Place {
            file: label.clone(),
            layer: entry.id.clone(),
            ..Default::default()
        };
        match checksum_source(&path, &label) {
            Ok(files) => {
                for f in files {
                    if !sources.iter().any(|s| s.path == f.path) {
                        sources.push(f);
                    }
                }
            }
            Err(e) => {
                report.error(place, e);
                continue;
            }
        }
        if !order.contains(&entry.id) {
            order.push(entry.id.clone());
        }
        read_source(
            config,
            entry,
            &path,
            &label,
            options,
            &mut pending,
            &mut report,
        );
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

fn relative_label(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// SHA-256 of a source and its sidecar files (a Shapefile is several files).
fn checksum_source(path: &Path, label: &str) -> Result<Vec<SourceFile>, String> {
    if !path.exists() {
        return Err(format!("source file {} does not exist", path.display()));
    }
    let mut files = vec![(path.to_path_buf(), label.to_string())];
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("shp"))
    {
        for ext in ["shx", "dbf", "prj", "cpg"] {
            let side = path.with_extension(ext);
            if side.exists() {
                let side_label = Path::new(label).with_extension(ext).display().to_string();
                files.push((side, side_label));
            }
        }
    }
    files
        .into_iter()
        .filter(|(p, _)| p.is_file())
        .map(|(p, l)| {
            let sha256 = layers::dataset::sha256_file(&p).map_err(|e| e.to_string())?;
            let bytes = std::fs::metadata(&p).map_or(0, |m| m.len());
            Ok(SourceFile {
                path: l,
                sha256,
                bytes,
            })
        })
        .collect()
}

fn context_schema(
    entry: &LayerSource,
    fields: &[source::SourceField],
) -> Result<LayerSchema, String> {
    let geometry = entry.geometry.expect("checked by PrepConfig::check");
    let mut schema = catalogue::context_layer(
        &entry.id,
        geometry,
        entry.name_zh.as_deref().unwrap_or(&entry.id),
        entry.name_en.as_deref().unwrap_or(&entry.id),
    );
    let keep: Vec<&source::SourceField> = match &entry.keep_fields {
        Some(names) => names
            .iter()
            .map(|n| {
                fields
                    .iter()
                    .find(|f| &f.name == n)
                    .ok_or_else(|| format!("keep_fields: the source has no field {n:?}"))
            })
            .collect::<Result<_, _>>()?,
        None => fields.iter().collect(),
    };
    for f in keep {
        let ty = match f.ty {
            SourceType::Int => FieldType::Int,
            SourceType::Float => FieldType::Float,
            SourceType::Bool => FieldType::Bool,
            SourceType::Text | SourceType::Other => FieldType::Text,
        };
        schema
            .fields
            .push(FieldDef::new(&f.name, ty, &f.name, &f.name));
    }
    Ok(schema)
}

/// Merge a context schema read from a further source into the layer's schema so far.
fn merge_context(into: &mut LayerSchema, more: LayerSchema) -> Result<(), String> {
    for f in more.fields {
        match into.field(&f.name) {
            Some(existing) if existing.ty != f.ty => {
                return Err(format!(
                    "field {} is {} here but {} in an earlier source of this layer",
                    f.name,
                    f.ty.as_str(),
                    existing.ty.as_str()
                ));
            }
            Some(_) => {}
            None => into.fields.push(f),
        }
    }
    Ok(())
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

fn progress_bar(options: &BuildOptions, len: Option<u64>, label: &str) -> ProgressBar {
    if !options.progress {
        return ProgressBar::hidden();
    }
    let pb = match len {
        Some(n) => ProgressBar::new(n),
        None => ProgressBar::new_spinner(),
    };
    pb.set_style(
        ProgressStyle::with_template("{msg:28} {wide_bar} {pos}/{len} {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb.set_message(label.to_string());
    pb
}

fn read_source(
    config: &PrepConfig,
    entry: &LayerSource,
    path: &Path,
    label: &str,
    options: &BuildOptions,
    pending: &mut HashMap<String, Pending>,
    report: &mut Report,
) {
    let mut place = Place {
        file: label.to_string(),
        layer: entry.id.clone(),
        ..Default::default()
    };
    let mut src = match source::open(path, entry) {
        Ok(s) => s,
        Err(e) => return report.error(place, format!("{e:#}")),
    };
    place.source_layer = Some(src.layer_name.clone());
    let crs = match SourceCrs::resolve(entry.crs.as_deref(), src.spatial_ref()) {
        Ok(c) => c,
        Err(e) => return report.error(place, format!("{e:#}")),
    };
    let schema = match catalogue::core_layer(&entry.id) {
        Some(s) => s,
        None => match context_schema(entry, &src.fields) {
            Ok(s) => s,
            Err(e) => return report.error(place, e),
        },
    };
    let layer = match pending.get_mut(&entry.id) {
        Some(p) => {
            if schema.context
                && let Err(e) = merge_context(&mut p.schema, schema)
            {
                return report.error(place, e);
            }
            p.synthetic |= entry.synthetic;
            p
        }
        None => pending.entry(entry.id.clone()).or_insert(Pending {
            schema,
            features: Vec::new(),
            synthetic: entry.synthetic,
            sources: Vec::new(),
        }),
    };
    layer.sources.push(label.to_string());
    let schema = layer.schema.clone();
    let mapper = match Mapper::new(&schema, entry, &src.fields) {
        Ok(m) => m,
        Err(e) => return report.error(place, format!("{e:#}")),
    };
    let unfed = mapper.unfed_required(&schema);
    if !unfed.is_empty() {
        for f in unfed {
            report.error(
                Place { field: Some(f.to_string()), ..place.clone() },
                format!("required field has no source: the source has no field {f:?}; map one with `fields.{f} = \"...\"` or set `constants.{f}`"),
            );
        }
        return;
    }
    let check_encoding = source::shapefile_missing_cpg(path, entry);
    let mut encoding_warned = false;
    let pb = progress_bar(
        options,
        src.feature_count,
        &format!("{} ← {}", entry.id, label),
    );
    let mut read = 0u64;
    let mut repaired = 0u64;
    let mut skipped = 0u64;
    let mut features = Vec::new();
    let severity = if options.skip_invalid {
        Severity::Warning
    } else {
        Severity::Error
    };
    let skip_note = if options.skip_invalid {
        " (feature skipped)"
    } else {
        ""
    };
    let result = src.for_each(|f| {
        read += 1;
        pb.inc(1);
        let fplace = Place { feature: f.fid.map(|v| v as i64), ..place.clone() };
        if check_encoding && !encoding_warned
            && let Some(Raw::Text(t)) = f.values.iter().flatten().find(|v| matches!(v, Raw::Text(t) if source::looks_mis_decoded(t))) {
                encoding_warned = true;
                report.warning(
                    fplace.clone(),
                    format!("text {t:?} looks like GBK read as Latin-1 and the Shapefile has no .cpg: set `encoding = \"GBK\"` for this layer"),
                );
            }
        let Some(geom) = f.geometry else {
            report.push(severity, fplace, format!("feature has no geometry{skip_note}"));
            skipped += 1;
            return Ok(());
        };
        let intake = match intake(geom, schema.geometry, &crs) {
            Ok(i) => i,
            Err(e) => {
                report.push(severity, fplace, format!("{e:#}{skip_note}"));
                skipped += 1;
                return Ok(());
            }
        };
        if let Some(bounds) = config.bounds
            && !within_bounds(&intake.geometry, bounds) {
                let at = intake.geometry.bounding_rect().map(|r| format!(" (its extent is [{:.5}, {:.5}, {:.5}, {:.5}])", r.min().x, r.min().y, r.max().x, r.max().y)).unwrap_or_default();
                report.push(severity, fplace, format!("geometry lies outside the configured bounds {bounds:?}{at}{skip_note}"));
                skipped += 1;
                return Ok(());
            }
        let values = match mapper.map(&schema, &f.values) {
            Ok(v) => v,
            Err(errors) => {
                for e in errors {
                    report.push(severity, Place { field: Some(e.field), ..fplace.clone() }, format!("{}{skip_note}", e.message));
                }
                skipped += 1;
                return Ok(());
            }
        };
        if let Some(why) = intake.repaired {
            repaired += 1;
            report.warning(fplace, why);
        }
        features.push(Feature::new(intake.geometry, values));
        Ok(())
    });
    pb.finish_and_clear();
    if let Err(e) = result {
        report.error(place.clone(), format!("reading failed: {e:#}"));
    } else if read == 0 && entry.filter.is_some() {
        report.warning(place, "the `where` filter matched no features");
    }
    let counts = report.counts(&entry.id);
    counts.read += read;
    counts.repaired += repaired;
    counts.skipped += if options.skip_invalid { skipped } else { 0 };
    counts.written += features.len() as u64;
    if let Some(p) = pending.get_mut(&entry.id) {
        p.features.extend(features);
    }
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
