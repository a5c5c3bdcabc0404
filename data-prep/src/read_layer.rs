//! Reading one source into the layer it feeds: open it, resolve its CRS and schema,
//! map its fields, then take each feature in (geometry checked and reprojected,
//! values mapped), recording every problem in the report with its place.

use std::collections::HashMap;

use geo::BoundingRect;
use indicatif::{ProgressBar, ProgressStyle};
use layers::Feature;
use layers::catalogue;
use layers::schema::{FieldDef, FieldType, LayerSchema};

use crate::config::{LayerSource, PrepConfig};
use crate::crs::SourceCrs;
use crate::geometry::{intake, within_bounds};
use crate::location::SourceLocation;
use crate::mapping::Mapper;
use crate::report::{Place, Report, Severity};
use crate::source::{self, ContentDigest, Raw, Source, SourceFeature, SourceType};

/// How to read: what the build's options say about one source.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadOptions {
    /// Skip invalid features with a warning instead of failing the build.
    pub skip_invalid: bool,
    /// Show a progress bar.
    pub progress: bool,
}

/// One layer being assembled from its sources.
pub(crate) struct Pending {
    pub schema: LayerSchema,
    pub features: Vec<Feature>,
    pub synthetic: bool,
    pub sources: Vec<String>,
}

/// Read the source at `loc` into its pending layer; problems go to `report`, and a
/// source that cannot be opened or mapped adds nothing. For a source with no file to
/// checksum (a database), returns the digest of what was read.
pub(crate) fn read_source(
    config: &PrepConfig,
    entry: &LayerSource,
    loc: &SourceLocation,
    options: ReadOptions,
    pending: &mut HashMap<String, Pending>,
    report: &mut Report,
) -> Option<ContentDigest> {
    let label = loc.label.as_str();
    let Opened {
        mut src,
        crs,
        schema,
        mapper,
        place,
    } = open(entry, loc, pending, report)?;
    let mut check = FeatureCheck {
        schema: &schema,
        crs: &crs,
        mapper: &mapper,
        bounds: config.bounds,
        skip_invalid: options.skip_invalid,
        check_encoding: loc
            .file()
            .is_some_and(|p| source::shapefile_missing_cpg(p, entry)),
    };
    let pb = progress_bar(
        options,
        src.feature_count,
        &format!("{} ← {label}", entry.id),
    );
    let (mut read, mut repaired, mut skipped) = (0u64, 0u64, 0u64);
    let mut features = Vec::new();
    let result = src.for_each(|f| {
        read += 1;
        pb.inc(1);
        let at = Place {
            feature: f.fid.map(|v| v as i64),
            ..place.clone()
        };
        match check.take(f, at, report) {
            Taken::Kept {
                feature,
                repaired: r,
            } => {
                repaired += u64::from(r);
                features.push(feature);
            }
            Taken::Skipped => skipped += 1,
        }
        Ok(())
    });
    pb.finish_and_clear();
    if let Err(e) = result {
        report.error(place.clone(), loc.scrub(&format!("reading failed: {e:#}")));
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
    src.digest().cloned()
}

/// A source opened and understood: its CRS, the layer's schema, the field mapping.
struct Opened {
    src: Source,
    crs: SourceCrs,
    schema: LayerSchema,
    mapper: Mapper,
    place: Place,
}

/// Open the source, resolve its CRS, find or start its layer and map its fields.
fn open(
    entry: &LayerSource,
    loc: &SourceLocation,
    pending: &mut HashMap<String, Pending>,
    report: &mut Report,
) -> Option<Opened> {
    let label = loc.label.as_str();
    let mut place = Place {
        file: label.to_string(),
        layer: entry.id.clone(),
        ..Default::default()
    };
    let src = match source::open(loc, entry) {
        Ok(s) => s,
        Err(e) => {
            report.error(place, format!("{e:#}"));
            return None;
        }
    };
    place.source_layer = Some(src.layer_name.clone());
    let crs = match SourceCrs::resolve(entry.crs.as_deref(), src.spatial_ref()) {
        Ok(c) => c,
        Err(e) => {
            report.error(place, format!("{e:#}"));
            return None;
        }
    };
    let schema = match layer_schema(entry, label, &src, pending) {
        Ok(s) => s,
        Err(e) => {
            report.error(place, e);
            return None;
        }
    };
    let mapper = match Mapper::new(&schema, entry, &src.fields) {
        Ok(m) => m,
        Err(e) => {
            report.error(place, format!("{e:#}"));
            return None;
        }
    };
    let unfed = mapper.unfed_required(&schema);
    if !unfed.is_empty() {
        for f in unfed {
            report.error(
                Place {
                    field: Some(f.to_string()),
                    ..place.clone()
                },
                format!(
                    "required field has no source: the source has no field {f:?}; \
                     map one with `fields.{f} = \"...\"` or set `constants.{f}`"
                ),
            );
        }
        return None;
    }
    Some(Opened {
        src,
        crs,
        schema,
        mapper,
        place,
    })
}

/// The schema of the layer `entry` feeds, as far as this source extends it; the
/// layer is started when this is its first source.
fn layer_schema(
    entry: &LayerSource,
    label: &str,
    src: &Source,
    pending: &mut HashMap<String, Pending>,
) -> Result<LayerSchema, String> {
    let schema = match catalogue::core_layer(&entry.id) {
        Some(s) => s,
        None => context_schema(entry, &src.fields)?,
    };
    let layer = match pending.get_mut(&entry.id) {
        Some(p) => {
            if schema.context {
                merge_context(&mut p.schema, schema)?;
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
    Ok(layer.schema.clone())
}

/// What became of one source feature.
enum Taken {
    Kept { feature: Feature, repaired: bool },
    Skipped,
}

/// The checks every feature of a source passes on its way in.
struct FeatureCheck<'a> {
    schema: &'a LayerSchema,
    crs: &'a SourceCrs,
    mapper: &'a Mapper,
    bounds: Option<[f64; 4]>,
    skip_invalid: bool,
    /// A Shapefile without .cpg: warn (once) when text looks mis-decoded.
    check_encoding: bool,
}

impl FeatureCheck<'_> {
    fn take(&mut self, f: SourceFeature<'_>, at: Place, report: &mut Report) -> Taken {
        let (severity, skip_note) = if self.skip_invalid {
            (Severity::Warning, " (feature skipped)")
        } else {
            (Severity::Error, "")
        };
        if self.check_encoding
            && let Some(Raw::Text(t)) = f
                .values
                .iter()
                .flatten()
                .find(|v| matches!(v, Raw::Text(t) if source::looks_mis_decoded(t)))
        {
            self.check_encoding = false;
            report.warning(
                at.clone(),
                format!(
                    "text {t:?} looks like GBK read as Latin-1 and the Shapefile has no .cpg: \
                     set `encoding = \"GBK\"` for this layer"
                ),
            );
        }
        let Some(geom) = f.geometry else {
            report.push(severity, at, format!("feature has no geometry{skip_note}"));
            return Taken::Skipped;
        };
        let intake = match intake(geom, self.schema.geometry, self.crs) {
            Ok(i) => i,
            Err(e) => {
                report.push(severity, at, format!("{e:#}{skip_note}"));
                return Taken::Skipped;
            }
        };
        if let Some(bounds) = self.bounds
            && !within_bounds(&intake.geometry, bounds)
        {
            let extent = intake
                .geometry
                .bounding_rect()
                .map(|r| {
                    let (lo, hi) = (r.min(), r.max());
                    format!(
                        " (its extent is [{:.5}, {:.5}, {:.5}, {:.5}])",
                        lo.x, lo.y, hi.x, hi.y
                    )
                })
                .unwrap_or_default();
            report.push(
                severity,
                at,
                format!(
                    "geometry lies outside the configured bounds {bounds:?}{extent}{skip_note}"
                ),
            );
            return Taken::Skipped;
        }
        let values = match self.mapper.map(self.schema, &f.values) {
            Ok(v) => v,
            Err(errors) => {
                for e in errors {
                    let place = Place {
                        field: Some(e.field),
                        ..at.clone()
                    };
                    report.push(severity, place, format!("{}{skip_note}", e.message));
                }
                return Taken::Skipped;
            }
        };
        let repaired = intake.repaired.is_some();
        if let Some(why) = intake.repaired {
            report.warning(at, why);
        }
        Taken::Kept {
            feature: Feature::new(intake.geometry, values),
            repaired,
        }
    }
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

fn progress_bar(options: ReadOptions, len: Option<u64>, label: &str) -> ProgressBar {
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
