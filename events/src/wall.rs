//! The wall screen's publication in the store: one row per publish or clear, the
//! newest current. Each write is one transaction (a PostgreSQL advisory lock keeps
//! replicas' revisions in step) and returns only after commit.

use serde_json::Value as Json;
use sqlx::Row;

use crate::error::IngestError;
use crate::store::EventStore;
use crate::times;

/// The lock key of wall writes (PostgreSQL; SQLite has one writer).
const WALL_LOCK: &str = "riskmap:wall";

impl EventStore {
    /// The current publication: (revision, publication or `None` when cleared).
    /// Revision 0 and `None` before anything was ever published.
    pub async fn wall(&self) -> Result<(i64, Option<Json>), IngestError> {
        let row = sqlx::query(
            "SELECT revision, published FROM wall_publications ORDER BY revision DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| IngestError::store(&e))?;
        let Some(row) = row else {
            return Ok((0, None));
        };
        let get = |e: sqlx::Error| IngestError::store(&e);
        let revision: i64 = row.try_get("revision").map_err(get)?;
        let published: Option<String> = row.try_get("published").map_err(get)?;
        let published = published
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|e| IngestError::new(crate::ErrorKind::Store, "database", e.to_string()))?;
        Ok((revision, published))
    }

    /// Publish (`Some`) or clear (`None`); returns the new revision, once committed.
    pub async fn set_wall(
        &self,
        published: Option<&Json>,
        key_name: &str,
    ) -> Result<i64, IngestError> {
        let err = |e: sqlx::Error| IngestError::store(&e);
        let mut tx = self.pool.begin().await.map_err(err)?;
        self.lock(&mut tx, WALL_LOCK).await.map_err(err)?;
        let last: i64 =
            sqlx::query("SELECT COALESCE(MAX(revision), 0) AS last FROM wall_publications")
                .fetch_one(&mut *tx)
                .await
                .and_then(|r| r.try_get("last"))
                .map_err(err)?;
        let revision = last + 1;
        sqlx::query(
            "INSERT INTO wall_publications (revision, published, recorded_at, key_name) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(revision)
        .bind(published.map(Json::to_string))
        .bind(times::format(times::now()))
        .bind(key_name)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(revision)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn revisions_grow_and_a_clear_is_a_revision() {
        let s = EventStore::open("sqlite::memory:").await.unwrap();
        assert_eq!(s.wall().await.unwrap(), (0, None));
        let p = serde_json::json!({"title": "演练", "result": {"n": 1}});
        assert_eq!(s.set_wall(Some(&p), "duty-admin").await.unwrap(), 1);
        assert_eq!(s.wall().await.unwrap(), (1, Some(p)));
        assert_eq!(s.set_wall(None, "duty-admin").await.unwrap(), 2);
        assert_eq!(s.wall().await.unwrap(), (2, None));
    }
}
