//! Versioned migrations: files on disk (or embedded), the `brain-db.sum` integrity file,
//! the pure decision of what to apply, the advisory lock, the history table and the
//! applier.
//!
//! - [`files`]: discover `NNNN_name.sql`, canonical text (no BOM, LF) and its sha256.
//! - [`sum`]: the `migrations/brain-db.sum` file.
//! - [`decide`]: applied rows × files → files to apply, or typed refusals (pure).
//! - [`lock`]: `pg_try_advisory_lock` polled with backoff on a dedicated connection.
//! - [`history`]: the `__migrations` table.
//! - [`report`]: [`MigrationStatus`], the state `status` prints and an app's health counts.
//! - [`applier`]: one file per transaction, or statement by statement for
//!   `-- brain-db:no-transaction` files.
//! - [`migrate`]: all of the above in order, the lock released on every path.
//! - [`entry`]: [`migrate_database`], the one entry point of `brain-db migrate` and of an
//!   app's start-up: session URL, sum check, DDL lock timeout, then [`migrate`].
//!
//! Architecture invariant: nothing here depends on `diff`, `plan` or `introspect`; the
//! generator (which does) lives in `generate`.

pub mod applier;
pub mod decide;
pub mod entry;
pub mod files;
#[cfg(feature = "schema")]
pub mod generate;
pub mod history;
pub mod lock;
pub mod report;
pub mod split;
pub mod sum;

use std::time::Duration;

use tokio_postgres::Client;

pub use applier::FileFailure;
pub use decide::{AppliedRow, Refusal, State};
pub use entry::{
    MigrateRunError, MigrateSettings, MigrateTarget, migrate_database,
    migrate_database_cancellable, migrate_database_with_progress,
};
pub use files::{MigrationFile, Migrations};
pub use lock::LockError;
pub use report::{MigrationCounts, MigrationEntry, MigrationStatus};

/// The default time `migrate` waits for another migrator's lock.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);

/// How to wait for the lock.
#[derive(Debug, Clone, Copy)]
pub struct MigrateOptions {
    /// How long to poll for the lock before giving up.
    pub lock_timeout: Duration,
    /// Return at once (with [`MigrateReport::skipped_locked`]) when another instance holds
    /// the lock.
    pub skip_if_locked: bool,
}

impl Default for MigrateOptions {
    fn default() -> Self {
        MigrateOptions {
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            skip_if_locked: false,
        }
    }
}

/// What a migrate run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MigrateReport {
    /// Files applied by this run, with their execution time in ms.
    pub applied: Vec<(String, i64)>,
    /// Migrations that were already applied.
    pub already_applied: usize,
    /// Another instance held the lock and `skip_if_locked` was set: nothing was done.
    pub skipped_locked: bool,
}

/// Why a migrate run stopped.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("cannot read or create the migration history (public.__migrations): {0}")]
    History(#[source] tokio_postgres::Error),
    #[error("refused to migrate; nothing was applied:\n{}", list(.0))]
    Refused(Vec<Refusal>),
    /// A file failed; `applied` lists those applied by this run before it.
    #[error("{failure}{}", applied_note(.applied))]
    Failed {
        failure: FileFailure,
        applied: Vec<(String, i64)>,
    },
}

impl MigrateError {
    /// A refusal (exit 2) rather than an error (exit 1).
    pub fn is_refusal(&self) -> bool {
        matches!(self, MigrateError::Refused(_))
    }
}

fn list(refusals: &[Refusal]) -> String {
    refusals
        .iter()
        .map(|r| format!("  - {r}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn applied_note(applied: &[(String, i64)]) -> String {
    if applied.is_empty() {
        String::new()
    } else {
        format!(
            "\n  applied by this run before the failure: {}",
            applied
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// Applies the pending migrations under the advisory lock. `client` must be a dedicated
/// session (not one shared with other work): the lock is session-level. The lock is
/// released on every path; a failed release is reported when nothing else failed.
pub async fn migrate(
    client: &mut Client,
    migrations: &Migrations,
    options: MigrateOptions,
) -> Result<MigrateReport, MigrateError> {
    migrate_with_progress(client, migrations, options, &mut |_| {}).await
}

/// One step of a migrate run, reported as it happens (see [`migrate_with_progress`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress<'a> {
    /// A file was applied and recorded (committed, for a file in a transaction).
    Applied { file: &'a str, ms: i64 },
}

/// [`migrate`], calling `progress` after each file is recorded, so that a caller can
/// print (and flush) each line at once: a run killed later still leaves the lines of
/// what it applied.
pub async fn migrate_with_progress(
    client: &mut Client,
    migrations: &Migrations,
    options: MigrateOptions,
    progress: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<MigrateReport, MigrateError> {
    let key = lock::lock_key(history::TABLE);
    if options.skip_if_locked {
        if !lock::try_lock(client, key).await? {
            return Ok(MigrateReport {
                skipped_locked: true,
                ..MigrateReport::default()
            });
        }
    } else {
        lock::lock(client, key, options.lock_timeout).await?;
    }
    let result = migrate_locked(client, migrations, progress).await;
    let unlocked = lock::unlock(client, key).await;
    match (result, unlocked) {
        (Ok(report), Ok(())) => Ok(report),
        (Ok(_), Err(e)) => Err(e.into()),
        (Err(e), _) => Err(e),
    }
}

/// The work done while holding the lock: read the history (only now, so that an instance
/// that waited finds the work done), decide, apply.
async fn migrate_locked(
    client: &mut Client,
    migrations: &Migrations,
    progress: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<MigrateReport, MigrateError> {
    history::ensure(&*client)
        .await
        .map_err(MigrateError::History)?;
    let rows = history::read(&*client)
        .await
        .map_err(MigrateError::History)?;
    let applied: Vec<AppliedRow> = rows.iter().map(history::HistoryRow::applied).collect();
    let pending = decide::decide(&applied, &migrations.files).map_err(MigrateError::Refused)?;
    let mut report = MigrateReport {
        already_applied: applied.len(),
        ..MigrateReport::default()
    };
    for i in pending {
        let file = &migrations.files[i];
        match applier::apply_file(client, file).await {
            Ok(ms) => {
                let name = file.file_name();
                progress(Progress::Applied { file: &name, ms });
                report.applied.push((name, ms));
            }
            Err(failure) => {
                return Err(MigrateError::Failed {
                    failure,
                    applied: report.applied,
                });
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    /// Architecture invariant: the applier side never reaches for the diff engine, the
    /// planner, introspection or push's apply module.
    #[test]
    fn applier_side_does_not_depend_on_the_diff_engine() {
        let sources = [
            ("applier.rs", include_str!("applier.rs")),
            ("decide.rs", include_str!("decide.rs")),
            ("files.rs", include_str!("files.rs")),
            ("history.rs", include_str!("history.rs")),
            ("lock.rs", include_str!("lock.rs")),
            ("entry.rs", include_str!("entry.rs")),
            ("report.rs", include_str!("report.rs")),
            ("split.rs", include_str!("split.rs")),
            ("sum.rs", include_str!("sum.rs")),
            ("../startup.rs", include_str!("../startup.rs")),
        ];
        for (name, text) in sources {
            for forbidden in [
                "crate::diff",
                "crate::plan",
                "crate::introspect",
                "crate::apply",
                "crate::schema_file",
            ] {
                assert!(!text.contains(forbidden), "{name} uses {forbidden}");
            }
        }
    }
}
