//! Versioned migrations (`events/migrations/NNNN_name.sql`, compiled in), run at
//! start. Each is applied once, in its own transaction with its version recorded, so
//! a crash leaves the schema at one version or the next. On PostgreSQL an advisory
//! lock makes replicas starting together apply each migration once.

use sqlx::{AnyPool, Row};

/// (version, name, SQL), in order. Append only: an applied migration never changes.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "events", include_str!("../migrations/0001_events.sql")),
    (
        2,
        "analyses_grids",
        include_str!("../migrations/0002_analyses_grids.sql"),
    ),
    (3, "wall", include_str!("../migrations/0003_wall.sql")),
];

/// An arbitrary constant: the advisory lock key of riskmap's migrations.
const LOCK_KEY: i64 = 0x7269_736b_6d61_7031;

pub async fn run(pool: &AnyPool, postgres: bool) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS riskmap_migrations (
            version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .execute(pool)
    .await?;
    for &(version, name, sql) in MIGRATIONS {
        let mut tx = pool.begin().await?;
        if postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(LOCK_KEY)
                .execute(&mut *tx)
                .await?;
        }
        let done = sqlx::query("SELECT COUNT(*) AS n FROM riskmap_migrations WHERE version = $1")
            .bind(version)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("n")?;
        if done > 0 {
            continue;
        }
        sqlx::raw_sql(sql).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO riskmap_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(version)
        .bind(name)
        .bind(crate::times::format(crate::times::now()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(())
}
