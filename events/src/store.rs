//! The durable store: SQLite (default, one file) or PostgreSQL (several replicas),
//! through sqlx's `Any` driver, so one SQL text serves both (`$n` parameters, which
//! SQLite reads too). Every write is one transaction, and a caller is answered only
//! after it commits.
//!
//! SQLite runs in WAL mode with `synchronous=FULL`: a committed event survives power
//! loss, not only a process crash (NORMAL in WAL mode may lose the last commits on
//! power loss, and an acknowledged warning must not be lost). One connection: SQLite
//! has one writer anyway, and a single connection never meets SQLITE_BUSY from
//! itself.

use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor, Row};

use crate::error::{ErrorKind, IngestError};
use crate::message::{Change, Message, Target};
use crate::model::{Action, Actor, Details, Event, EventState, Review, Revision, Status};
use crate::store_read::current;
use crate::times;

#[derive(Clone)]
pub struct EventStore {
    pub(crate) pool: AnyPool,
    postgres: bool,
    /// The connection string, for the replicas' LISTEN connection (PostgreSQL).
    pub(crate) url: std::sync::Arc<str>,
    /// Where grid writes go to share commits; `None` in the committing task's own
    /// copy, which writes directly.
    pub(crate) group: Option<crate::group_commit::GroupCommit>,
}

/// The outcome of an ingest.
#[derive(Debug, Clone, PartialEq)]
pub struct Ingested {
    pub event: Event,
    /// False for a resend (or a stale report): the event is as it was.
    pub added: bool,
}

/// A transaction that met a concurrent writer (unique key taken, revision moved on)
/// is retried from the start this many times.
const ATTEMPTS: usize = 3;

enum Failure {
    Refused(IngestError),
    Retry,
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => Failure::Retry,
            _ => Failure::Refused(IngestError::store(&e)),
        }
    }
}

fn expires_at(state: &EventState) -> Option<i64> {
    state
        .expires
        .as_deref()
        .and_then(times::parse)
        .map(time::OffsetDateTime::unix_timestamp)
}

fn new_id() -> String {
    format!("ev_{}", hex::encode(rand::random::<[u8; 8]>()))
}

/// A report that must not replace what is there: an automatic earthquake report
/// arriving after the reviewed one.
fn is_stale(current: &EventState, new: &EventState) -> bool {
    matches!(
        (&current.details, &new.details),
        (
            Details::Earthquake {
                review: Review::Reviewed,
                ..
            },
            Details::Earthquake {
                review: Review::Automatic,
                ..
            }
        )
    )
}

impl EventStore {
    /// Connect (`sqlite:///path/events.db`, `sqlite::memory:`, `postgres://...`) and
    /// run the migrations.
    pub async fn open(url: &str) -> Result<EventStore, sqlx::Error> {
        install_default_drivers();
        let postgres = url.starts_with("postgres:") || url.starts_with("postgresql:");
        let url =
            if url.starts_with("sqlite:") && !url.contains(":memory:") && !url.contains("mode=") {
                // Create the file on first start.
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            } else {
                url.to_string()
            };
        // An in-memory database lives as long as its one connection: never recycle it.
        let keep = url.contains(":memory:");
        let pool = AnyPoolOptions::new()
            .max_connections(if postgres { 8 } else { 1 })
            .idle_timeout((!keep).then_some(Duration::from_secs(600)))
            .max_lifetime((!keep).then_some(Duration::from_secs(1800)))
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if !postgres {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        crate::migrate::run(&pool, postgres).await?;
        let direct = EventStore {
            pool,
            postgres,
            url: url.into(),
            group: None,
        };
        Ok(EventStore {
            group: Some(crate::group_commit::GroupCommit::start(direct.clone())),
            ..direct
        })
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres
    }

    /// Apply a message: a new event, a revision of one, or (a resend) nothing. All or
    /// nothing: on any error no row is written.
    pub async fn ingest(&self, msg: &Message, actor: &Actor) -> Result<Ingested, IngestError> {
        for _ in 1..ATTEMPTS {
            match self.try_ingest(msg, actor).await {
                Err(Failure::Retry) => {}
                Err(Failure::Refused(e)) => return Err(e),
                Ok(done) => return Ok(done),
            }
        }
        match self.try_ingest(msg, actor).await {
            Ok(done) => Ok(done),
            Err(Failure::Refused(e)) => Err(e),
            Err(Failure::Retry) => Err(IngestError::new(
                ErrorKind::Conflict,
                "event",
                "the event changed concurrently; send again",
            )),
        }
    }

    async fn try_ingest(&self, msg: &Message, actor: &Actor) -> Result<Ingested, Failure> {
        let mut tx = self.pool.begin().await?;
        let src = &msg.source;
        let seen = sqlx::query(
            "SELECT event_id FROM event_messages WHERE sender = $1 AND identifier = $2 AND sent = $3",
        )
        .bind(&src.sender)
        .bind(&src.identifier)
        .bind(&src.sent)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = seen {
            let id: String = row.try_get("event_id")?;
            let event = current(&mut tx, &id).await?.ok_or(Failure::Retry)?;
            return Ok(Ingested {
                event,
                added: false,
            });
        }
        let (id, existing) = match &msg.target {
            Target::New { group: None } => (new_id(), None),
            Target::New { group: Some(g) } => {
                self.lock(&mut tx, g).await?;
                let row = sqlx::query("SELECT id FROM events WHERE group_key = $1")
                    .bind(g)
                    .fetch_optional(&mut *tx)
                    .await?;
                match row {
                    Some(r) => {
                        let id: String = r.try_get("id")?;
                        let cur = current(&mut tx, &id).await?;
                        (id, cur)
                    }
                    None => (new_id(), None),
                }
            }
            Target::References(refs) => {
                let id = referenced_event(&mut tx, refs).await?;
                self.lock(&mut tx, &id).await?;
                let cur = current(&mut tx, &id).await?;
                (id, cur)
            }
            Target::Event(id) => match self
                .lock(&mut tx, id)
                .await
                .and(current(&mut tx, id).await)?
            {
                Some(cur) => (id.clone(), Some(cur)),
                None => {
                    return Err(Failure::Refused(IngestError::new(
                        ErrorKind::NotFound,
                        "event_id",
                        format!("no event {id}"),
                    )));
                }
            },
        };
        let (action, state) = match (&msg.change, &existing) {
            (Change::Replace(s), None) => (Action::Created, (**s).clone()),
            (change, Some(cur)) => {
                let now = &cur.current.state;
                if now.status != Status::Active {
                    return Err(Failure::Refused(IngestError::new(
                        ErrorKind::Conflict,
                        "event",
                        format!(
                            "event {id} is {} and takes no more changes",
                            now.status.as_str()
                        ),
                    )));
                }
                match change {
                    Change::Replace(s) if s.kind != now.kind => {
                        return Err(Failure::Refused(IngestError::new(
                            ErrorKind::Conflict,
                            "type",
                            format!(
                                "event {id} is a {}, not a {}",
                                now.kind.as_str(),
                                s.kind.as_str()
                            ),
                        )));
                    }
                    Change::Replace(s) if is_stale(now, s) => {
                        // Remember the message (a resend finds it), change nothing.
                        record_message(&mut tx, msg, &id, cur.current.revision).await?;
                        let event = cur.clone();
                        tx.commit().await?;
                        return Ok(Ingested {
                            event,
                            added: false,
                        });
                    }
                    Change::Replace(s) => (Action::Updated, (**s).clone()),
                    Change::End(status) => {
                        let mut s = now.clone();
                        s.status = *status;
                        s.source = msg.source.clone();
                        let action = if *status == Status::Cancelled {
                            Action::Cancelled
                        } else {
                            Action::Closed
                        };
                        (action, s)
                    }
                }
            }
            (Change::End(_), None) => {
                return Err(Failure::Refused(IngestError::malformed(
                    "event",
                    "there is no event to end",
                )));
            }
        };
        let group = match &msg.target {
            Target::New { group } => group.clone(),
            _ => None,
        };
        let rev = self
            .write(
                &mut tx,
                &id,
                existing.as_ref(),
                group.as_deref(),
                action,
                actor,
                state,
            )
            .await?;
        record_message(&mut tx, msg, &id, rev.revision).await?;
        tx.commit().await?;
        Ok(Ingested {
            event: Event { id, current: rev },
            added: true,
        })
    }

    /// Serialise writers of one event (or group) on PostgreSQL for the rest of the
    /// transaction, so that concurrent revisions queue instead of failing and
    /// retrying. A statement after the lock sees what the previous holder committed
    /// (READ COMMITTED). SQLite needs none: its one writer is already serial.
    pub(crate) async fn lock(
        &self,
        tx: &mut sqlx::AnyConnection,
        key: &str,
    ) -> Result<(), sqlx::Error> {
        if self.postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        Ok(())
    }

    /// Write one revision and move the event row to it. An update that finds the
    /// event's revision moved on (another writer) asks for a retry.
    #[allow(clippy::too_many_arguments)]
    async fn write(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        id: &str,
        existing: Option<&Event>,
        group: Option<&str>,
        action: Action,
        actor: &Actor,
        state: EventState,
    ) -> Result<Revision, Failure> {
        let now = times::format(times::now());
        let number = existing.map_or(1, |e| e.current.revision + 1);
        let state_json = serde_json::to_string(&state)
            .map_err(|e| Failure::Refused(IngestError::malformed("event", e.to_string())))?;
        match existing {
            None => {
                sqlx::query(
                    "INSERT INTO events (id, kind, status, group_key, revision, expires_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id)
                .bind(state.kind.as_str())
                .bind(state.status.as_str())
                .bind(group)
                .bind(number)
                .bind(expires_at(&state))
                .bind(&now)
                .bind(&now)
                .execute(&mut **tx)
                .await?;
            }
            Some(e) => {
                let moved = sqlx::query(
                    "UPDATE events SET status = $1, revision = $2, expires_at = $3, updated_at = $4 \
                     WHERE id = $5 AND revision = $6",
                )
                .bind(state.status.as_str())
                .bind(number)
                .bind(expires_at(&state))
                .bind(&now)
                .bind(id)
                .bind(e.current.revision)
                .execute(&mut **tx)
                .await?;
                if moved.rows_affected() != 1 {
                    return Err(Failure::Retry);
                }
            }
        }
        sqlx::query(
            "INSERT INTO event_revisions (event_id, revision, action, actor_key, actor_role, recorded_at, state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(number)
        .bind(action.as_str())
        .bind(&actor.key_name)
        .bind(&actor.role)
        .bind(&now)
        .bind(&state_json)
        .execute(&mut **tx)
        .await?;
        Ok(Revision {
            event_id: id.to_string(),
            revision: number,
            action,
            actor: actor.clone(),
            recorded_at: now,
            state,
        })
    }

    /// Close every active event whose `expires` is at or before `now`, each by a
    /// revision of its own (action `expired`, status `closed`). Returns the events
    /// closed, as closed (their new revisions get analysed like any other).
    pub async fn close_expired(
        &self,
        now: time::OffsetDateTime,
    ) -> Result<Vec<Event>, IngestError> {
        let due = sqlx::query(
            "SELECT id FROM events WHERE status = $1 AND expires_at IS NOT NULL AND expires_at <= $2",
        )
        .bind(Status::Active.as_str())
        .bind(now.unix_timestamp())
        .fetch_all(&self.pool)
        .await
        .map_err(|e| IngestError::store(&e))?;
        let mut closed = Vec::new();
        for row in due {
            let id: String = row.try_get("id").map_err(|e| IngestError::store(&e))?;
            let mut tx = self
                .pool
                .begin()
                .await
                .map_err(|e| IngestError::store(&e))?;
            let cur = current(&mut tx, &id)
                .await
                .map_err(|e| IngestError::store(&e))?;
            // Skip one another writer ended meanwhile.
            let Some(cur) = cur.filter(|c| c.current.state.status == Status::Active) else {
                continue;
            };
            let mut state = cur.current.state.clone();
            state.status = Status::Closed;
            match self
                .write(
                    &mut tx,
                    &id,
                    Some(&cur),
                    None,
                    Action::Expired,
                    &Actor::expiry(),
                    state,
                )
                .await
            {
                Ok(rev) => {
                    tx.commit().await.map_err(|e| IngestError::store(&e))?;
                    closed.push(Event { id, current: rev });
                }
                Err(Failure::Retry) => {} // Changed meanwhile: the next sweep sees it.
                Err(Failure::Refused(e)) => return Err(e),
            }
        }
        Ok(closed)
    }
}

/// The one event the references of an Update or Cancel point at.
async fn referenced_event(
    conn: &mut sqlx::AnyConnection,
    refs: &[crate::model::SourceId],
) -> Result<String, Failure> {
    let mut found: Option<String> = None;
    for (i, r) in refs.iter().enumerate() {
        let row = sqlx::query(
            "SELECT event_id FROM event_messages WHERE sender = $1 AND identifier = $2 AND sent = $3",
        )
        .bind(&r.sender)
        .bind(&r.identifier)
        .bind(&r.sent)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else {
            return Err(Failure::Refused(IngestError::new(
                ErrorKind::UnknownReference,
                format!("references[{i}]"),
                format!(
                    "no message {},{},{} was ingested",
                    r.sender, r.identifier, r.sent
                ),
            )));
        };
        let id: String = row.try_get("event_id")?;
        match &found {
            Some(f) if *f != id => {
                return Err(Failure::Refused(IngestError::malformed(
                    format!("references[{i}]"),
                    format!(
                        "refers to event {id}, the others to {f}: one message revises one event"
                    ),
                )));
            }
            _ => found = Some(id),
        }
    }
    found.ok_or_else(|| Failure::Refused(IngestError::malformed("references", "empty")))
}

async fn record_message(
    conn: &mut sqlx::AnyConnection,
    msg: &Message,
    event_id: &str,
    revision: i64,
) -> Result<(), Failure> {
    sqlx::query(
        "INSERT INTO event_messages (sender, identifier, sent, event_id, revision) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&msg.source.sender)
    .bind(&msg.source.identifier)
    .bind(&msg.source.sent)
    .bind(event_id)
    .bind(revision)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
