//! Parsed copies of the warnings' current stored analyses. A 叫应 write checks its
//! grid against the analysis and every progress read sums over it; reading and
//! parsing the stored result each time (100–200 KB of JSON for a county's warning)
//! was most of a write's cost. A copy is used only while the store says it is still
//! the latest analysis of the revision asked for (its stamp: dataset version and
//! computation time), so a recompute after a reload, or one on another replica, is
//! picked up by the next request.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use riskmap_events::{AccessLevel, AnalysisStamp, StoredAnalysis};
use serde_json::Value as Json;

/// Copies kept at most; past that the cache starts again (a bureau has tens of
/// active warnings, not hundreds).
const MAX_ENTRIES: usize = 256;

/// One stored analysis, parsed, with the set of grid codes it moves persons from.
#[derive(Debug)]
pub struct ParsedAnalysis {
    pub analysis: StoredAnalysis,
    pub grid_codes: HashSet<String>,
}

impl ParsedAnalysis {
    pub fn new(analysis: StoredAnalysis) -> Self {
        let grid_codes = moves_of(&analysis)
            .iter()
            .filter_map(|m| m["grid_code"].as_str().map(str::to_string))
            .collect();
        Self {
            analysis,
            grid_codes,
        }
    }

    /// The warning's moves (one per grid), empty for other kinds.
    pub fn moves(&self) -> &[Json] {
        moves_of(&self.analysis)
    }
}

fn moves_of(a: &StoredAnalysis) -> &[Json] {
    a.result
        .as_ref()
        .and_then(|r| r["moves"].as_array())
        .map_or(&[], Vec::as_slice)
}

type Key = (String, AccessLevel);

#[derive(Debug, Default)]
pub struct AnalysisCache {
    entries: Mutex<HashMap<Key, Arc<ParsedAnalysis>>>,
}

impl AnalysisCache {
    /// The copy of event `id`'s analysis at `level`, if it carries `stamp`.
    pub fn get(
        &self,
        id: &str,
        level: AccessLevel,
        stamp: &AnalysisStamp,
    ) -> Option<Arc<ParsedAnalysis>> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries
            .get(&(id.to_string(), level))
            .filter(|p| p.analysis.stamp() == *stamp)
            .cloned()
    }

    pub fn put(&self, id: &str, level: AccessLevel, parsed: Arc<ParsedAnalysis>) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert((id.to_string(), level), parsed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn analysis(ns: i64) -> StoredAnalysis {
        StoredAnalysis {
            event_id: "e1".into(),
            revision: 2,
            dataset_version: "v1".into(),
            status: "done".into(),
            result: Some(json!({"moves": [{"grid_code": "g1"}, {"grid_code": "g2"}]})),
            error: None,
            computed_at: "2026-12-03T00:00:00Z".into(),
            computed_ns: ns,
        }
    }

    #[test]
    fn a_copy_serves_only_its_own_stamp() {
        let cache = AnalysisCache::default();
        let first = analysis(10);
        let stamp = first.stamp();
        cache.put(
            "e1",
            AccessLevel::Public,
            Arc::new(ParsedAnalysis::new(first)),
        );
        let hit = cache.get("e1", AccessLevel::Public, &stamp);
        assert_eq!(hit.map(|p| p.grid_codes.len()), Some(2));
        // Another level, or a recompute (a later stamp), is a miss.
        assert!(cache.get("e1", AccessLevel::Personal, &stamp).is_none());
        assert!(
            cache
                .get("e1", AccessLevel::Public, &analysis(11).stamp())
                .is_none()
        );
    }
}
