//! The one way a database gets migrated: `brain-db migrate` and an app's start-up
//! (`startup::run`) both call [`migrate_database`], so the safeguards cannot drift
//! apart: the session URL (`DIRECT_URL`; a transaction-mode pooler alone is refused),
//! the `brain-db.sum` check, the DDL lock timeout, and the advisory lock polled with
//! backoff on a dedicated session.

use std::sync::OnceLock;
use std::time::Duration;

use tokio_postgres::error::SqlState;

use super::files::Migrations;
use super::sum::{self, SumMismatch};
use super::{FileFailure, MigrateError, MigrateOptions, MigrateReport, Progress};
use crate::db::lock_timeout::{self, DEFAULT_DDL_LOCK_TIMEOUT};
use crate::db::pooler::{self, DirectSource, PoolerError};
use crate::db::session::Canceller;
use crate::db::{self, DbError};

/// Where to migrate: the database URL, and the direct (non-pooled) URL when given.
#[derive(Clone)]
pub struct MigrateTarget {
    pub database_url: String,
    /// `--direct-url` / `DIRECT_URL`, with where it came from.
    pub direct_url: Option<(String, DirectSource)>,
}

impl std::fmt::Debug for MigrateTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MigrateTarget")
            .field("database_url", &db::redact(&self.database_url))
            .field(
                "direct_url",
                &self.direct_url.as_ref().map(|(u, s)| (db::redact(u), s)),
            )
            .finish()
    }
}

/// How to migrate.
#[derive(Debug, Clone, Copy)]
pub struct MigrateSettings {
    /// The wait for another migrator's advisory lock.
    pub lock: MigrateOptions,
    /// PostgreSQL's `lock_timeout` for the migration session (`--ddl-lock-timeout`).
    pub ddl_lock_timeout: Duration,
    /// The command named in messages (`migrate`, `start-up migration`).
    pub command: &'static str,
}

impl Default for MigrateSettings {
    fn default() -> Self {
        MigrateSettings {
            lock: MigrateOptions::default(),
            ddl_lock_timeout: DEFAULT_DDL_LOCK_TIMEOUT,
            command: "migrate",
        }
    }
}

/// Why [`migrate_database`] did not migrate. Messages hold no password.
#[derive(Debug, thiserror::Error)]
pub enum MigrateRunError {
    /// The URL goes through a transaction-mode pooler and no direct URL was given.
    #[error(transparent)]
    Pooler(#[from] PoolerError),
    /// The folder does not match its `brain-db.sum`.
    #[error("{0}")]
    Sum(SumMismatch),
    #[error(transparent)]
    Connect(#[from] DbError),
    #[error(
        "cannot set up the session (lock_timeout, client_connection_check_interval) on {url}: {message}"
    )]
    Session {
        url: String,
        message: String,
        #[source]
        error: tokio_postgres::Error,
    },
    #[error(transparent)]
    Migrate(MigrateError),
    /// A statement gave up waiting for a table lock (`lock_timeout`, SQLSTATE 55P03).
    #[error("migration {} stopped at line {}: {message}", failure.file, failure.line)]
    DdlLockTimeout {
        failure: FileFailure,
        /// Files applied by this run before it.
        applied: Vec<(String, i64)>,
        /// Which table, who holds it, and how to retry.
        message: String,
    },
}

impl MigrateRunError {
    /// A refusal (exit 2: nothing was tried) rather than an error (exit 1).
    pub fn is_refusal(&self) -> bool {
        match self {
            MigrateRunError::Pooler(_) | MigrateRunError::Sum(_) => true,
            MigrateRunError::Migrate(e) => e.is_refusal(),
            _ => false,
        }
    }

    /// Files applied by this run before it stopped.
    pub fn applied(&self) -> &[(String, i64)] {
        match self {
            MigrateRunError::Migrate(MigrateError::Failed { applied, .. })
            | MigrateRunError::DdlLockTimeout { applied, .. } => applied,
            _ => &[],
        }
    }

    /// The server's SQLSTATE, when a statement or the connection failed with one.
    pub fn code(&self) -> Option<&SqlState> {
        match self {
            MigrateRunError::Connect(e) => e.code(),
            MigrateRunError::Session { error, .. } => error.code(),
            MigrateRunError::Migrate(MigrateError::Failed { failure, .. })
            | MigrateRunError::DdlLockTimeout { failure, .. } => failure.code.as_ref(),
            MigrateRunError::Migrate(MigrateError::History(e)) => e.code(),
            _ => None,
        }
    }
}

/// Checks the folder against its sum, picks the session URL, connects (TLS as
/// [`db::connect`] decides), sets the DDL lock timeout and applies the pending files
/// under the advisory lock. A DDL lock timeout names the table and who holds it.
pub async fn migrate_database(
    target: &MigrateTarget,
    migrations: &Migrations,
    settings: MigrateSettings,
) -> Result<MigrateReport, MigrateRunError> {
    migrate_database_cancellable(target, migrations, settings, &OnceLock::new()).await
}

/// [`migrate_database`] that puts the session's [`Canceller`] in `canceller` once
/// connected, so that a signal handler can cancel the running statement.
pub async fn migrate_database_cancellable(
    target: &MigrateTarget,
    migrations: &Migrations,
    settings: MigrateSettings,
    canceller: &OnceLock<Canceller>,
) -> Result<MigrateReport, MigrateRunError> {
    migrate_database_with_progress(target, migrations, settings, canceller, &mut |_| {}).await
}

/// [`migrate_database_cancellable`], reporting each applied file as it happens (see
/// [`super::migrate_with_progress`]), so that a caller can print or log it at once.
pub async fn migrate_database_with_progress(
    target: &MigrateTarget,
    migrations: &Migrations,
    settings: MigrateSettings,
    canceller: &OnceLock<Canceller>,
    progress: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<MigrateReport, MigrateRunError> {
    if let sum::SumCheck::Mismatch(mismatch) = sum::check(migrations) {
        return Err(MigrateRunError::Sum(mismatch));
    }
    // The advisory lock is a session lock: never through a transaction-mode pooler.
    let url = pooler::session_url(
        &target.database_url,
        target.direct_url.clone(),
        settings.command,
    )?;
    let mut client = db::connect(&url).await?;
    let _ = canceller.set(Canceller::new(&url, &client)?);
    db::session::prepare_ddl_session(&client, settings.ddl_lock_timeout)
        .await
        .map_err(|error| MigrateRunError::Session {
            url: db::redact(&url),
            message: db::redact_text(&db::error::describe(&error), &db::secrets(&url)),
            error,
        })?;
    match super::migrate_with_progress(&mut client, migrations, settings.lock, progress).await {
        Ok(report) => Ok(report),
        Err(MigrateError::Failed { failure, applied })
            if failure.code == Some(SqlState::LOCK_NOT_AVAILABLE) =>
        {
            let holders = lock_timeout::lock_holders(&client, &failure.statement).await;
            let message = lock_timeout::lock_timeout_message(
                settings.command,
                settings.ddl_lock_timeout,
                &holders,
            );
            Err(MigrateRunError::DdlLockTimeout {
                failure,
                applied,
                message,
            })
        }
        Err(e) => Err(MigrateRunError::Migrate(e)),
    }
}
