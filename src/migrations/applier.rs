//! Applies one migration file: in its own transaction together with its history row, or,
//! for a `-- brain-db:no-transaction` file, statement by statement outside a transaction
//! with the history row written after the last statement.
//!
//! Architecture invariant: depends on nothing but `files`, `split` and `history` (no diff,
//! plan or introspection), so an app embeds it cheaply.

use std::time::Instant;

use tokio_postgres::Client;

use super::files::MigrationFile;
use super::history;
use super::split;

/// A migration file failed.
#[derive(Debug, thiserror::Error)]
#[error("migration {file} failed at line {line}: {message}\n  statement: {statement}\n  {outcome}")]
pub struct FileFailure {
    /// `0003_add_tags.sql`.
    pub file: String,
    pub line: usize,
    pub statement: String,
    /// The server's message (with detail and hint).
    pub message: String,
    /// What state the file left behind, and the remedy.
    pub outcome: String,
    /// The server's SQLSTATE (`None`: the connection failed).
    pub code: Option<tokio_postgres::error::SqlState>,
}

fn failure(
    file: &MigrationFile,
    line: usize,
    statement: &str,
    e: &tokio_postgres::Error,
    no_tx: bool,
) -> FileFailure {
    let outcome = if no_tx {
        "this file runs without a transaction (-- brain-db:no-transaction): the statements \
         before this one stay applied and the file is not recorded; fix it, make its \
         statements safe to re-run (IF NOT EXISTS), and migrate again"
    } else {
        "the file was rolled back and is not recorded; earlier migrations stay applied; \
         fix the file and migrate again"
    };
    FileFailure {
        file: file.file_name(),
        line,
        statement: statement.to_string(),
        message: describe(e),
        outcome: outcome.to_string(),
        code: e.code().cloned(),
    }
}

/// Applies one file and records it; returns its execution time in milliseconds.
pub async fn apply_file(client: &mut Client, file: &MigrationFile) -> Result<i64, FileFailure> {
    let started = Instant::now();
    let statements = split::split(&file.sql);
    if file.no_transaction {
        for s in &statements {
            client
                .batch_execute(&s.sql)
                .await
                .map_err(|e| failure(file, s.line, &s.sql, &e, true))?;
        }
        let ms = elapsed_ms(started);
        history::insert(client, file.version, &file.name, &file.sha256, ms)
            .await
            .map_err(|e| failure(file, 0, "INSERT INTO public.__migrations …", &e, true))?;
        return Ok(ms);
    }
    let tx = client
        .transaction()
        .await
        .map_err(|e| failure(file, 0, "BEGIN", &e, false))?;
    for s in &statements {
        // On error, dropping `tx` rolls the whole file back.
        tx.batch_execute(&s.sql)
            .await
            .map_err(|e| failure(file, s.line, &s.sql, &e, false))?;
    }
    let ms = elapsed_ms(started);
    history::insert(&tx, file.version, &file.name, &file.sha256, ms)
        .await
        .map_err(|e| failure(file, 0, "INSERT INTO public.__migrations …", &e, false))?;
    tx.commit()
        .await
        .map_err(|e| failure(file, 0, "COMMIT", &e, false))?;
    Ok(ms)
}

fn elapsed_ms(started: Instant) -> i64 {
    i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)
}

/// Re-exported from [`crate::db::error`], the one description of a server error.
pub use crate::db::error::describe;
