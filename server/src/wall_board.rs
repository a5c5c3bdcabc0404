//! What the wall screen shows beyond the dataset: the analysis an admin has published
//! to it, until cleared. Held here as state; [`crate::wall`] serves it.
//!
//! A publication holds only what a public caller may see: the server recomputes the
//! analysis with public access when it is published (see [`crate::wall`]), so nothing
//! personal, derived figures included, is ever stored here.

use std::sync::Mutex;

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub title: String,
    /// `transfer`, `earthquake` or `fire`.
    pub kind: String,
    /// RFC 3339 UTC.
    pub published_at: String,
    /// The dataset version the result was computed on.
    pub dataset_version: String,
    /// The analysis request (warning polygon, epicentre, ...).
    pub request: Value,
    /// The result as a public caller gets it.
    pub result: Value,
}

/// The wall's publication and a revision that changes with every publish and clear,
/// so a wall screen can tell that it must redraw.
#[derive(Debug, Default)]
pub struct WallBoard {
    inner: Mutex<(u64, Option<Published>)>,
}

impl WallBoard {
    pub fn snapshot(&self) -> (u64, Option<Published>) {
        self.inner.lock().map(|g| g.clone()).unwrap_or_default()
    }

    /// Publish (or clear, with `None`); returns the new revision.
    pub fn set(&self, p: Option<Published>) -> u64 {
        let mut g = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        g.0 += 1;
        g.1 = p;
        g.0
    }
}
