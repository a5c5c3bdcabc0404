//! The build report: per-layer counts, and every error and warning with its place
//! (file, layer, feature, field). Printed for people and written as JSON for machines.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// Where a problem is. Every field that is known is filled in.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Place {
    pub file: String,
    /// Layer inside the source file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_layer: Option<String>,
    /// Catalogue layer being built.
    pub layer: String,
    /// Source feature id (GDAL FID).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = &self.source_layer {
            write!(f, " [{l}]")?;
        }
        write!(f, " → {}", self.layer)?;
        if let Some(fid) = self.feature {
            write!(f, ", feature {fid}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field {field}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    pub severity: Severity,
    #[serde(flatten)]
    pub place: Place,
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{tag}: {}: {}", self.place, self.message)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LayerCounts {
    /// Features read from the sources.
    pub read: u64,
    /// Features written to the dataset.
    pub written: u64,
    /// Features whose geometry was repaired.
    pub repaired: u64,
    /// Features left out (only with --skip-invalid).
    pub skipped: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub config: String,
    pub out: String,
    /// Set when the dataset was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset_version: Option<String>,
    pub layers: BTreeMap<String, LayerCounts>,
    pub errors: usize,
    pub warnings: usize,
    pub issues: Vec<Issue>,
}

/// At most this many issues of one kind per source are kept in full; beyond it they
/// are counted (a broken source should not produce a gigabyte report).
pub const MAX_ISSUES_PER_SOURCE: usize = 1000;

impl Report {
    pub fn push(&mut self, severity: Severity, place: Place, message: impl Into<String>) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
        }
        let same_file = self
            .issues
            .iter()
            .filter(|i| i.severity == severity && i.place.file == place.file)
            .count();
        if same_file < MAX_ISSUES_PER_SOURCE {
            self.issues.push(Issue {
                severity,
                place,
                message: message.into(),
            });
        }
    }

    pub fn error(&mut self, place: Place, message: impl Into<String>) {
        self.push(Severity::Error, place, message);
    }

    pub fn warning(&mut self, place: Place, message: impl Into<String>) {
        self.push(Severity::Warning, place, message);
    }

    pub fn counts(&mut self, layer: &str) -> &mut LayerCounts {
        self.layers.entry(layer.to_string()).or_default()
    }

    /// The human summary printed at the end of a build.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        for issue in &self.issues {
            s.push_str(&issue.to_string());
            s.push('\n');
        }
        let listed = self.issues.len();
        if listed < self.errors + self.warnings {
            s.push_str(&format!(
                "({} further issues counted but not listed)\n",
                self.errors + self.warnings - listed
            ));
        }
        s.push_str(&format!(
            "{:<24} {:>10} {:>10} {:>9} {:>8}\n",
            "layer", "read", "written", "repaired", "skipped"
        ));
        for (id, c) in &self.layers {
            s.push_str(&format!(
                "{id:<24} {:>10} {:>10} {:>9} {:>8}\n",
                c.read, c.written, c.repaired, c.skipped
            ));
        }
        s.push_str(&format!(
            "{} errors, {} warnings",
            self.errors, self.warnings
        ));
        if let Some(v) = &self.dataset_version {
            s.push_str(&format!("; dataset {v} written to {}", self.out));
        } else {
            s.push_str("; no dataset written");
        }
        s
    }
}
