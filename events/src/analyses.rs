//! Analysis results stored with the revision and dataset version they were computed
//! for, one per access level (`public`, `personal`). The server computes them (the
//! core's analyses); this module only keeps them. Absent for the current revision
//! means the analysis is still pending.

use serde::Serialize;
use sqlx::Row;

use crate::error::IngestError;
use crate::store::EventStore;
use crate::times;

/// Which caller a stored result is for: computed with that access, not filtered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessLevel {
    Public,
    Personal,
}

impl AccessLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::Public => "public",
            AccessLevel::Personal => "personal",
        }
    }
}

/// One stored analysis: the result on success, the error on failure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredAnalysis {
    pub event_id: String,
    pub revision: i64,
    pub dataset_version: String,
    /// `done` or `failed`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub computed_at: String,
    /// When it was computed, in ns: tells two computations of one revision apart.
    #[serde(skip)]
    pub computed_ns: i64,
}

/// Which analysis is the latest for a revision and level, without its result: lets a
/// holder of a parsed copy tell cheaply whether that copy is still the current one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisStamp {
    pub revision: i64,
    pub dataset_version: String,
    pub computed_ns: i64,
}

impl StoredAnalysis {
    pub fn stamp(&self) -> AnalysisStamp {
        AnalysisStamp {
            revision: self.revision,
            dataset_version: self.dataset_version.clone(),
            computed_ns: self.computed_ns,
        }
    }
}

fn store_err(e: sqlx::Error) -> IngestError {
    IngestError::store(&e)
}

impl EventStore {
    /// Record the outcome of one analysis (a recompute for the same revision and
    /// dataset version replaces it). One transaction for both access levels, so a
    /// reader never sees one without the other.
    pub async fn save_analyses(
        &self,
        event_id: &str,
        revision: i64,
        dataset_version: &str,
        outcomes: &[(AccessLevel, Result<serde_json::Value, String>)],
    ) -> Result<(), IngestError> {
        let t = times::now();
        let now = times::format(t);
        let ns = i64::try_from(t.unix_timestamp_nanos()).unwrap_or(i64::MAX);
        let mut tx = self.pool.begin().await.map_err(store_err)?;
        for (level, outcome) in outcomes {
            sqlx::query(
                "DELETE FROM event_analyses WHERE event_id = $1 AND revision = $2 \
                 AND dataset_version = $3 AND access = $4",
            )
            .bind(event_id)
            .bind(revision)
            .bind(dataset_version)
            .bind(level.as_str())
            .execute(&mut *tx)
            .await
            .map_err(store_err)?;
            let (status, result, error) = match outcome {
                Ok(v) => ("done", Some(v.to_string()), None),
                Err(e) => ("failed", None, Some(e.clone())),
            };
            sqlx::query(
                "INSERT INTO event_analyses (event_id, revision, dataset_version, access, status, result, error, computed_at, computed_ns) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(event_id)
            .bind(revision)
            .bind(dataset_version)
            .bind(level.as_str())
            .bind(status)
            .bind(result)
            .bind(error)
            .bind(&now)
            .bind(ns)
            .execute(&mut *tx)
            .await
            .map_err(store_err)?;
        }
        tx.commit().await.map_err(store_err)
    }

    /// The latest analysis of `revision` for `level` (the most recently computed, so
    /// after a reload the one on the new dataset version).
    pub async fn analysis(
        &self,
        event_id: &str,
        revision: i64,
        level: AccessLevel,
    ) -> Result<Option<StoredAnalysis>, IngestError> {
        let row = sqlx::query(
            "SELECT event_id, revision, dataset_version, status, result, error, computed_at, computed_ns \
             FROM event_analyses WHERE event_id = $1 AND revision = $2 AND access = $3 \
             ORDER BY computed_ns DESC LIMIT 1",
        )
        .bind(event_id)
        .bind(revision)
        .bind(level.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_err)?;
        row.map(|r| decode(&r)).transpose().map_err(store_err)
    }

    /// The stamp of what [`EventStore::analysis`] would return, without reading or
    /// parsing the result.
    pub async fn analysis_stamp(
        &self,
        event_id: &str,
        revision: i64,
        level: AccessLevel,
    ) -> Result<Option<AnalysisStamp>, IngestError> {
        let row = sqlx::query(
            "SELECT revision, dataset_version, computed_ns \
             FROM event_analyses WHERE event_id = $1 AND revision = $2 AND access = $3 \
             ORDER BY computed_ns DESC LIMIT 1",
        )
        .bind(event_id)
        .bind(revision)
        .bind(level.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_err)?;
        row.map(|r| {
            Ok(AnalysisStamp {
                revision: r.try_get("revision")?,
                dataset_version: r.try_get("dataset_version")?,
                computed_ns: r.try_get("computed_ns")?,
            })
        })
        .transpose()
        .map_err(store_err)
    }

    /// Every analysis stored for an event and level, oldest revision first (tests,
    /// audits: one per revision and dataset version).
    pub async fn analyses(
        &self,
        event_id: &str,
        level: AccessLevel,
    ) -> Result<Vec<StoredAnalysis>, IngestError> {
        let rows = sqlx::query(
            "SELECT event_id, revision, dataset_version, status, result, error, computed_at, computed_ns \
             FROM event_analyses WHERE event_id = $1 AND access = $2 \
             ORDER BY revision, computed_ns",
        )
        .bind(event_id)
        .bind(level.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(store_err)?;
        rows.iter()
            .map(decode)
            .collect::<Result<_, _>>()
            .map_err(store_err)
    }
}

fn decode(r: &sqlx::any::AnyRow) -> Result<StoredAnalysis, sqlx::Error> {
    let result: Option<String> = r.try_get("result")?;
    let result = result
        .map(|s| serde_json::from_str(&s))
        .transpose()
        .map_err(|e| sqlx::Error::Decode(format!("result: {e}").into()))?;
    Ok(StoredAnalysis {
        event_id: r.try_get("event_id")?,
        revision: r.try_get("revision")?,
        dataset_version: r.try_get("dataset_version")?,
        status: r.try_get("status")?,
        result,
        error: r.try_get("error")?,
        computed_at: r.try_get("computed_at")?,
        computed_ns: r.try_get("computed_ns")?,
    })
}
