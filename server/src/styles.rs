//! MapLibre styles from the `styles/` directory, served at `/styles/{name}.json` (the
//! handler is [`crate::tilejson::style`]).
//!
//! Any `NAME.json` in the directory is a style. Style files write their URLs as
//! `{origin}/tiles/onemap.json`, `{origin}/fonts/{fontstack}/{range}.pbf`: the
//! `{origin}` token becomes the server's own origin when served, so the same file
//! works behind any host name and never points outside this server.

use std::collections::BTreeMap;
use std::path::Path;

/// The token style files use for the server's origin.
pub const ORIGIN_TOKEN: &str = "{origin}";

/// Styles loaded at start-up: name → JSON text.
#[derive(Debug, Default)]
pub struct Styles {
    by_name: BTreeMap<String, String>,
}

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 64
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Styles {
    /// Read every `*.json` style in `dir`. A missing directory gives no styles; a file
    /// that is not JSON is skipped with a warning naming it.
    pub fn load(dir: &Path) -> Self {
        let mut by_name = BTreeMap::new();
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(dir = %dir.display(), error = %e, "no styles directory; /styles serves nothing");
                return Styles { by_name };
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(name) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".json"))
                .filter(|n| valid_name(n))
                .map(str::to_string)
            else {
                continue;
            };
            match std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|t| {
                    serde_json::from_str::<serde_json::Value>(&t)
                        .map(|_| t)
                        .map_err(|e| e.to_string())
                }) {
                Ok(text) => {
                    by_name.insert(name, text);
                }
                Err(e) => tracing::warn!(file = %path.display(), error = %e, "style skipped"),
            }
        }
        Styles { by_name }
    }

    pub fn from_texts(styles: impl IntoIterator<Item = (String, String)>) -> Self {
        Styles {
            by_name: styles.into_iter().collect(),
        }
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// Style `name` with `{origin}` replaced.
    pub fn render(&self, name: &str, origin: &str) -> Option<String> {
        self.by_name
            .get(name)
            .map(|t| t.replace(ORIGIN_TOKEN, origin))
    }
}
