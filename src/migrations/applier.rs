//! Applies one migration file: in its own transaction together with its history row, or,
//! for a `-- brain-db:no-transaction` file, statement by statement outside a transaction
//! with the history row written after the last statement.
//!
//! Architecture invariant: depends on nothing but `files`, `split` and `history` (no diff,
//! plan or introspection), so an app embeds it cheaply.

use std::time::Instant;

use tokio_postgres::error::{ErrorPosition, SqlState};
use tokio_postgres::{Client, GenericClient};

use super::files::MigrationFile;
use super::history;
use super::split::{self, Statement};

/// A migration file failed.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.render())]
pub struct FileFailure {
    /// `0003_add_tags.sql`.
    pub file: String,
    /// The line of the file the server's error points at (the statement's first line when
    /// the server gives no position).
    pub line: usize,
    pub statement: String,
    /// The server's message (with detail and hint).
    pub message: String,
    /// The server's SQLSTATE, when the server answered.
    pub code: Option<SqlState>,
    /// The session was lost while the statement ran (the server closed it, or the network
    /// broke): the file itself is not at fault.
    pub connection_lost: bool,
    /// What state the file left behind, and the remedy.
    pub outcome: String,
}

impl FileFailure {
    fn render(&self) -> String {
        let head = if self.connection_lost {
            format!(
                "migration {}: the connection to the server was lost while running the statement \
                 at line {}: {}",
                self.file, self.line, self.message
            )
        } else {
            format!(
                "migration {} failed at line {}: {}",
                self.file, self.line, self.message
            )
        };
        format!(
            "{head}\n  statement: {}\n  {}",
            self.statement, self.outcome
        )
    }
}

/// Where a file stood when a statement failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Inside the file's transaction (BEGIN, a statement, the history row).
    InTransaction,
    /// At COMMIT: when the session is lost here, nobody knows whether it committed.
    Commit,
    /// A `-- brain-db:no-transaction` file.
    NoTransaction,
}

fn failure(
    file: &MigrationFile,
    statement: &Statement,
    e: &tokio_postgres::Error,
    stage: Stage,
) -> FileFailure {
    let connection_lost = crate::db::error::is_connection_lost(e);
    let outcome = match (stage, connection_lost) {
        (Stage::NoTransaction, false) => {
            "this file runs without a transaction (-- brain-db:no-transaction): the statements \
             before this one stay applied and the file is not recorded; fix it, make its \
             statements safe to re-run (IF NOT EXISTS), and migrate again"
        }
        (Stage::NoTransaction, true) => {
            "this file runs without a transaction (-- brain-db:no-transaction): the statements \
             before this one stay applied, this one may or may not have run, and the file is \
             not recorded; the file is not at fault: once the server is reachable again, make \
             its statements safe to re-run (IF NOT EXISTS) if they are not, and migrate again"
        }
        (Stage::InTransaction, false) => {
            "the file was rolled back and is not recorded; earlier migrations stay applied; \
             fix the file and migrate again"
        }
        (Stage::InTransaction, true) => {
            "the server rolls the file's transaction back, so it is not recorded; earlier \
             migrations stay applied; the file is not at fault: check why the session ended \
             (server restart, pg_terminate_backend, idle or network timeouts), then migrate again"
        }
        (Stage::Commit, false) => {
            "the commit failed: the file was rolled back and is not recorded; migrate again"
        }
        (Stage::Commit, true) => {
            "the session was lost during COMMIT, so the file may or may not be recorded: run \
             `brain-db status` to see, then migrate again (a recorded file is not re-run)"
        }
    };
    FileFailure {
        file: file.file_name(),
        line: error_line(statement, e),
        statement: statement.sql.clone(),
        message: describe(e),
        code: e.code().cloned(),
        connection_lost,
        outcome: outcome.to_string(),
    }
}

/// The file line the server's error position points at: the statement's first line plus
/// the line breaks before the position (a character offset, 1-based, into the statement).
fn error_line(statement: &Statement, e: &tokio_postgres::Error) -> usize {
    match e.as_db_error().and_then(|db| db.position()) {
        Some(ErrorPosition::Original(position)) => {
            let before = usize::try_from(*position).unwrap_or(0).saturating_sub(1);
            statement.line
                + statement
                    .sql
                    .chars()
                    .take(before)
                    .filter(|&c| c == '\n')
                    .count()
        }
        _ => statement.line,
    }
}

/// Runs one statement as one extended-protocol exchange (Parse, Bind, Execute, Sync in a
/// single round trip). Unlike a simple-protocol query string, a prepared statement holds
/// exactly one command: should a statement ever hold a second one (a splitter blind
/// spot), the server refuses it instead of running both, and the server's error position
/// is relative to this statement alone.
pub async fn run_statement(
    client: &impl GenericClient,
    statement: &Statement,
) -> Result<(), tokio_postgres::Error> {
    client.query_typed(&statement.sql, &[]).await.map(drop)
}

/// A pseudo-statement for the bookkeeping steps, so that failures there are reported alike.
fn bookkeeping(sql: &str) -> Statement {
    Statement {
        line: 0,
        sql: sql.to_string(),
    }
}

/// Applies one file and records it; returns its execution time in milliseconds.
pub async fn apply_file(client: &mut Client, file: &MigrationFile) -> Result<i64, FileFailure> {
    let started = Instant::now();
    let statements = split::split(&file.sql);
    if file.no_transaction {
        for s in &statements {
            run_statement(&*client, s)
                .await
                .map_err(|e| failure(file, s, &e, Stage::NoTransaction))?;
        }
        let ms = elapsed_ms(started);
        history::insert(&*client, file.version, &file.name, &file.sha256, ms)
            .await
            .map_err(|e| {
                let s = bookkeeping("INSERT INTO public.__migrations …");
                failure(file, &s, &e, Stage::NoTransaction)
            })?;
        return Ok(ms);
    }
    let tx = client
        .transaction()
        .await
        .map_err(|e| failure(file, &bookkeeping("BEGIN"), &e, Stage::InTransaction))?;
    for s in &statements {
        // On error, dropping `tx` rolls the whole file back.
        run_statement(&tx, s)
            .await
            .map_err(|e| failure(file, s, &e, Stage::InTransaction))?;
    }
    let ms = elapsed_ms(started);
    history::insert(&tx, file.version, &file.name, &file.sha256, ms)
        .await
        .map_err(|e| {
            let s = bookkeeping("INSERT INTO public.__migrations …");
            failure(file, &s, &e, Stage::InTransaction)
        })?;
    tx.commit()
        .await
        .map_err(|e| failure(file, &bookkeeping("COMMIT"), &e, Stage::Commit))?;
    Ok(ms)
}

fn elapsed_ms(started: Instant) -> i64 {
    i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)
}

/// Re-exported from [`crate::db::error`], the one description of a server error.
pub use crate::db::error::describe;
