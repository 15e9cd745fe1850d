//! The history table `public.__migrations`: one row per applied migration.

use chrono::{DateTime, Utc};
use tokio_postgres::GenericClient;

use super::decide::AppliedRow;

/// The history table's name (in schema `public`).
pub const TABLE: &str = "__migrations";

const CREATE: &str = "CREATE TABLE IF NOT EXISTS public.__migrations (\n\
    id bigint PRIMARY KEY,\n\
    name text NOT NULL UNIQUE,\n\
    sha256 text NOT NULL,\n\
    applied_at timestamptz NOT NULL DEFAULT now(),\n\
    execution_ms bigint NOT NULL\n)";

/// One row of the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    pub id: i64,
    pub name: String,
    pub sha256: String,
    /// Read as a timestamp (binary protocol), so the session's TimeZone and DateStyle
    /// do not change it.
    pub applied_at: DateTime<Utc>,
    pub execution_ms: i64,
}

impl HistoryRow {
    pub fn applied(&self) -> AppliedRow {
        AppliedRow {
            version: self.id,
            name: self.name.clone(),
            sha256: self.sha256.clone(),
        }
    }
}

/// Whether the history table exists (read-only).
pub async fn exists(client: &impl GenericClient) -> Result<bool, tokio_postgres::Error> {
    let row = client
        .query_one("SELECT to_regclass('public.__migrations') IS NOT NULL", &[])
        .await?;
    Ok(row.get(0))
}

/// Creates the history table unless it exists. Call only while holding the lock.
pub async fn ensure(client: &impl GenericClient) -> Result<(), tokio_postgres::Error> {
    if !exists(client).await? {
        client.batch_execute(CREATE).await?;
    }
    Ok(())
}

/// The history, oldest first; empty when the table does not exist (never creates it).
pub async fn read(client: &impl GenericClient) -> Result<Vec<HistoryRow>, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT id, name, sha256, applied_at, execution_ms FROM public.__migrations \
             WHERE to_regclass('public.__migrations') IS NOT NULL ORDER BY id, name",
            &[],
        )
        .await;
    let rows = match rows {
        Ok(rows) => rows,
        // The table does not exist: the statement fails at parse time.
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE) => {
            return Ok(Vec::new());
        }
        Err(e) => return Err(e),
    };
    Ok(rows
        .iter()
        .map(|r| HistoryRow {
            id: r.get(0),
            name: r.get(1),
            sha256: r.get(2),
            applied_at: r.get(3),
            execution_ms: r.get(4),
        })
        .collect())
}

/// Records an applied migration.
pub async fn insert(
    client: &impl GenericClient,
    id: i64,
    name: &str,
    sha256: &str,
    execution_ms: i64,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            "INSERT INTO public.__migrations (id, name, sha256, execution_ms) VALUES ($1, $2, $3, $4)",
            &[&id, &name, &sha256, &execution_ms],
        )
        .await?;
    Ok(())
}

/// Records `files` as applied without running them (`migrate --baseline`), in one
/// transaction, creating the table if needed. Call only while holding the lock.
pub async fn record_baseline(
    client: &mut tokio_postgres::Client,
    files: &[&super::MigrationFile],
) -> Result<(), tokio_postgres::Error> {
    ensure(&*client).await?;
    let tx = client.transaction().await?;
    for f in files {
        insert(&tx, f.version, &f.name, &f.sha256, 0).await?;
    }
    tx.commit().await
}
