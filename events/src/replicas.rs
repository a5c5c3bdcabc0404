//! Replicas over one PostgreSQL: the changes one server announces are published with
//! `pg_notify` on one channel, and every server LISTENs on it. Only the transport
//! lives here (sqlx stays inside this crate); which messages go out and what a
//! server does with those that come in is the server's business.
//!
//! SQLite has no replicas: both calls refuse it.

use sqlx::postgres::PgListener;

use crate::store::EventStore;

/// The one channel every replica publishes and listens on.
pub const CHANNEL: &str = "riskmap_events";

/// PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; leave room.
pub const MAX_PAYLOAD: usize = 7900;

fn not_postgres() -> sqlx::Error {
    sqlx::Error::Configuration("replicas need a PostgreSQL events store".into())
}

impl EventStore {
    /// Publish `payloads` on [`CHANNEL`], in order, in one round trip (one
    /// transaction: delivered together, after it commits). A payload over
    /// [`MAX_PAYLOAD`] is refused before anything is sent.
    pub async fn notify(&self, payloads: &[String]) -> Result<(), sqlx::Error> {
        if !self.is_postgres() {
            return Err(not_postgres());
        }
        if let Some(p) = payloads.iter().find(|p| p.len() > MAX_PAYLOAD) {
            return Err(sqlx::Error::Protocol(format!(
                "a notification of {} bytes is over the {MAX_PAYLOAD}-byte limit",
                p.len()
            )));
        }
        if payloads.is_empty() {
            return Ok(());
        }
        let all = serde_json::to_string(payloads).map_err(|e| sqlx::Error::Encode(e.into()))?;
        // pg_notify returns void, which the Any driver cannot decode: count instead.
        // The call is volatile, so the planner keeps it although nothing reads it.
        sqlx::query(
            "SELECT count(*) AS n FROM (SELECT pg_notify($1, value) \
             FROM json_array_elements_text($2::json) WITH ORDINALITY AS p(value, i) ORDER BY i) AS sent",
        )
        .bind(CHANNEL)
        .bind(all)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A connection LISTENing on [`CHANNEL`]; it is not taken from the pool, so a
    /// burst of writes never starves it.
    pub async fn listen(&self) -> Result<Listener, sqlx::Error> {
        if !self.is_postgres() {
            return Err(not_postgres());
        }
        let mut l = PgListener::connect(&self.url).await?;
        l.listen(CHANNEL).await?;
        Ok(Listener(l))
    }
}

pub struct Listener(PgListener);

impl Listener {
    /// The next payload; `Ok(None)` when the connection was lost (notifications sent
    /// meanwhile are gone: listen again and re-read).
    pub async fn next(&mut self) -> Result<Option<String>, sqlx::Error> {
        Ok(self.0.try_recv().await?.map(|n| n.payload().to_string()))
    }
}
