//! Reading the store: one event, the list, an event's history (and row counts for
//! tests). Every read joins an event to its current revision; nothing here writes.

use sqlx::Row;

use crate::error::IngestError;
use crate::model::{Actor, Event, Revision, Status};
use crate::store::EventStore;

pub(crate) const REVISION_COLUMNS: &str =
    "r.event_id, r.revision, r.action, r.actor_key, r.actor_role, r.recorded_at, r.state";

fn decode(row: &sqlx::any::AnyRow) -> Result<Revision, sqlx::Error> {
    let bad = |what: &str, e: String| sqlx::Error::Decode(format!("{what}: {e}").into());
    let action: String = row.try_get("action")?;
    let state: String = row.try_get("state")?;
    Ok(Revision {
        event_id: row.try_get("event_id")?,
        revision: row.try_get("revision")?,
        action: serde_json::from_value(serde_json::Value::String(action))
            .map_err(|e| bad("action", e.to_string()))?,
        actor: Actor {
            key_name: row.try_get("actor_key")?,
            role: row.try_get("actor_role")?,
        },
        recorded_at: row.try_get("recorded_at")?,
        state: serde_json::from_str(&state).map_err(|e| bad("state", e.to_string()))?,
    })
}

impl EventStore {
    pub async fn get(&self, id: &str) -> Result<Option<Event>, IngestError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|e| IngestError::store(&e))?;
        current(&mut conn, id)
            .await
            .map_err(|e| IngestError::store(&e))
    }

    /// Events, latest change first, optionally of one status.
    pub async fn list(
        &self,
        status: Option<Status>,
        limit: i64,
    ) -> Result<Vec<Event>, IngestError> {
        let base = format!(
            "SELECT {REVISION_COLUMNS} FROM events e JOIN event_revisions r \
             ON r.event_id = e.id AND r.revision = e.revision"
        );
        let rows = match status {
            Some(s) => {
                sqlx::query(&format!(
                    "{base} WHERE e.status = $1 ORDER BY e.updated_at DESC, e.id LIMIT $2"
                ))
                .bind(s.as_str())
                .bind(limit)
                .fetch_all(&self.pool)
                .await
            }
            None => {
                sqlx::query(&format!("{base} ORDER BY e.updated_at DESC, e.id LIMIT $1"))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(|e| IngestError::store(&e))?;
        rows.iter()
            .map(|r| {
                decode(r).map(|rev| Event {
                    id: rev.event_id.clone(),
                    current: rev,
                })
            })
            .collect::<Result<_, _>>()
            .map_err(|e| IngestError::store(&e))
    }

    /// Every revision of an event, oldest first; `None` if there is no such event.
    pub async fn history(&self, id: &str) -> Result<Option<Vec<Revision>>, IngestError> {
        let rows = sqlx::query(&format!(
            "SELECT {REVISION_COLUMNS} FROM event_revisions r WHERE r.event_id = $1 ORDER BY r.revision"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| IngestError::store(&e))?;
        if rows.is_empty() {
            return Ok(None);
        }
        rows.iter()
            .map(decode)
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
            .map_err(|e| IngestError::store(&e))
    }

    /// Rows per table (tests: proof that a refused message wrote nothing).
    pub async fn row_counts(&self) -> Result<[i64; 3], IngestError> {
        let mut out = [0; 3];
        for (i, t) in ["events", "event_revisions", "event_messages"]
            .iter()
            .enumerate()
        {
            out[i] = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {t}"))
                .fetch_one(&self.pool)
                .await
                .and_then(|r| r.try_get::<i64, _>("n"))
                .map_err(|e| IngestError::store(&e))?;
        }
        Ok(out)
    }
}

/// The event with its current revision.
pub(crate) async fn current(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<Option<Event>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {REVISION_COLUMNS} FROM events e JOIN event_revisions r \
         ON r.event_id = e.id AND r.revision = e.revision WHERE e.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        decode(&r).map(|rev| Event {
            id: id.to_string(),
            current: rev,
        })
    })
    .transpose()
}
