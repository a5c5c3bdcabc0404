//! 叫应 and 实报反馈: per grid of a warning, whether its responsible person was called
//! (叫) and answered (应), and how many persons were reported moved. Keyed by grid
//! code so a revision or a dataset reload keeps it. Which grids may be written is
//! the server's rule (those the analysis moves persons from); this module keeps
//! the state, each batch in one transaction.

use serde::Serialize;
use sqlx::Row;

use crate::error::IngestError;
use crate::store::EventStore;
use crate::times;

/// One write: patches of one event's grids by one key.
#[derive(Debug, Clone)]
pub(crate) struct GridWrite {
    pub event_id: String,
    pub patches: Vec<GridPatch>,
    pub key_name: String,
}

/// Apply one write inside `tx`; the states after it.
async fn apply(
    tx: &mut sqlx::AnyConnection,
    w: &GridWrite,
    now: &str,
) -> Result<Vec<GridState>, sqlx::Error> {
    let (event_id, key_name) = (w.event_id.as_str(), w.key_name.as_str());
    let mut out = Vec::with_capacity(w.patches.len());
    for p in &w.patches {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM grid_state WHERE event_id = $1 AND grid_code = $2"
        ))
        .bind(event_id)
        .bind(&p.grid_code)
        .fetch_optional(&mut *tx)
        .await?;
        let mut s = match row {
            Some(r) => decode(&r)?,
            None => GridState {
                grid_code: p.grid_code.clone(),
                called_at: None,
                called_by: None,
                answered_at: None,
                persons_moved: None,
                note: None,
                updated_at: now.to_string(),
                updated_by: key_name.to_string(),
            },
        };
        if let Some(t) = &p.called {
            s.called_at = Some(t.clone());
            s.called_by = Some(key_name.to_string());
        }
        if let Some(t) = &p.answered {
            s.answered_at = Some(t.clone());
        }
        if let Some(n) = p.persons_moved {
            s.persons_moved = Some(n);
        }
        if let Some(n) = &p.note {
            s.note = n.clone();
        }
        s.updated_at = now.to_string();
        s.updated_by = key_name.to_string();
        sqlx::query("DELETE FROM grid_state WHERE event_id = $1 AND grid_code = $2")
            .bind(event_id)
            .bind(&s.grid_code)
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!(
            "INSERT INTO grid_state (event_id, {COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(event_id)
        .bind(&s.grid_code)
        .bind(&s.called_at)
        .bind(&s.called_by)
        .bind(&s.answered_at)
        .bind(s.persons_moved)
        .bind(&s.note)
        .bind(&s.updated_at)
        .bind(&s.updated_by)
        .execute(&mut *tx)
        .await?;
        out.push(s);
    }
    Ok(out)
}

/// A change to one grid's state; `None` members stay as they are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GridPatch {
    pub grid_code: String,
    /// RFC 3339 UTC: when the call was made.
    pub called: Option<String>,
    pub answered: Option<String>,
    pub persons_moved: Option<i64>,
    /// `Some(None)` clears the note.
    pub note: Option<Option<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridState {
    pub grid_code: String,
    pub called_at: Option<String>,
    /// The key name that recorded the call.
    pub called_by: Option<String>,
    pub answered_at: Option<String>,
    pub persons_moved: Option<i64>,
    pub note: Option<String>,
    pub updated_at: String,
    pub updated_by: String,
}

fn store_err(e: sqlx::Error) -> IngestError {
    IngestError::store(&e)
}

const COLUMNS: &str =
    "grid_code, called_at, called_by, answered_at, persons_moved, note, updated_at, updated_by";

fn decode(r: &sqlx::any::AnyRow) -> Result<GridState, sqlx::Error> {
    Ok(GridState {
        grid_code: r.try_get("grid_code")?,
        called_at: r.try_get("called_at")?,
        called_by: r.try_get("called_by")?,
        answered_at: r.try_get("answered_at")?,
        persons_moved: r.try_get("persons_moved")?,
        note: r.try_get("note")?,
        updated_at: r.try_get("updated_at")?,
        updated_by: r.try_get("updated_by")?,
    })
}

impl EventStore {
    /// Apply `patches` to event `event_id`'s grids as `key_name`, all or none; the
    /// states after the change, in the patches' order. Acknowledged (returned) only
    /// after the commit; writes that arrive together share one commit (see
    /// [`crate::group_commit`]).
    pub async fn patch_grids(
        &self,
        event_id: &str,
        patches: &[GridPatch],
        key_name: &str,
    ) -> Result<Vec<GridState>, IngestError> {
        let write = GridWrite {
            event_id: event_id.to_string(),
            patches: patches.to_vec(),
            key_name: key_name.to_string(),
        };
        match &self.group {
            Some(queue) => queue.submit(write).await,
            None => self
                .commit_grid_writes(std::slice::from_ref(&write))
                .await
                .map(|mut done| done.remove(0)),
        }
    }

    /// Apply several writes in one transaction, all or none; each write's states.
    pub(crate) async fn commit_grid_writes(
        &self,
        writes: &[GridWrite],
    ) -> Result<Vec<Vec<GridState>>, IngestError> {
        let now = times::format(times::now());
        let mut tx = self.pool.begin().await.map_err(store_err)?;
        // Writers of one event's grids queue (PostgreSQL; SQLite is serial anyway),
        // the locks taken in one order so that two replicas' groups cannot deadlock.
        let mut events: Vec<&str> = writes.iter().map(|w| w.event_id.as_str()).collect();
        events.sort_unstable();
        events.dedup();
        for id in events {
            self.lock(&mut tx, &format!("grids:{id}"))
                .await
                .map_err(store_err)?;
        }
        let mut out = Vec::with_capacity(writes.len());
        for w in writes {
            out.push(apply(&mut tx, w, &now).await.map_err(store_err)?);
        }
        tx.commit().await.map_err(store_err)?;
        Ok(out)
    }
    /// Every grid state of an event, by grid code.
    pub async fn grid_states(&self, event_id: &str) -> Result<Vec<GridState>, IngestError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM grid_state WHERE event_id = $1 ORDER BY grid_code"
        ))
        .bind(event_id)
        .fetch_all(&self.pool)
        .await
        .map_err(store_err)?;
        rows.iter()
            .map(decode)
            .collect::<Result<_, _>>()
            .map_err(store_err)
    }
}
