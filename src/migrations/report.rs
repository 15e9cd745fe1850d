//! The migration state of a database: which files are applied (and when), pending,
//! modified or missing. One type for `brain-db status` and an app's health.

use chrono::{DateTime, SecondsFormat, Utc};
use tokio_postgres::GenericClient;

use super::decide::{self, State};
use super::files::Migrations;
use super::history::{self, HistoryRow};

/// One migration, from the files and the history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MigrationEntry {
    /// `0003_add_tags`.
    pub name: String,
    pub state: State,
    /// When it was applied, printed as RFC 3339 in UTC (`2026-12-01T13:48:08.123456Z`)
    /// whatever the session's TimeZone and DateStyle.
    #[serde(serialize_with = "rfc3339_utc")]
    pub applied_at: Option<DateTime<Utc>>,
}

/// How many migrations are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct MigrationCounts {
    /// Recorded as applied.
    pub applied: usize,
    /// Files not applied yet.
    pub pending: usize,
    /// Applied, but the file changed since.
    pub modified: usize,
    /// Applied, but the file is gone.
    pub missing: usize,
}

/// The migration state of a database against a set of files.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MigrationStatus {
    pub migrations: Vec<MigrationEntry>,
    #[serde(flatten)]
    pub counts: MigrationCounts,
    /// Why `migrate` would refuse (an edited applied file, a gap, a shared number).
    pub problems: Vec<String>,
}

impl MigrationStatus {
    /// The state from the history rows and the files (pure).
    pub fn new(rows: &[HistoryRow], migrations: &Migrations) -> MigrationStatus {
        let applied: Vec<_> = rows.iter().map(HistoryRow::applied).collect();
        let problems = match decide::decide(&applied, &migrations.files) {
            Ok(_) => Vec::new(),
            Err(refusals) => refusals.iter().map(ToString::to_string).collect(),
        };
        // A map, not a search per file: linear over thousands of migrations.
        let applied_at: std::collections::HashMap<&str, _> = rows
            .iter()
            .map(|r| (r.name.as_str(), r.applied_at))
            .collect();
        let entries: Vec<MigrationEntry> = decide::states(&applied, &migrations.files)
            .into_iter()
            .map(|(name, _, state)| MigrationEntry {
                applied_at: applied_at.get(name.as_str()).copied(),
                name,
                state,
            })
            .collect();
        let count = |state: State| entries.iter().filter(|e| e.state == state).count();
        let counts = MigrationCounts {
            applied: rows.len(),
            pending: count(State::Pending),
            modified: count(State::Modified),
            missing: count(State::Missing),
        };
        MigrationStatus {
            migrations: entries,
            counts,
            problems,
        }
    }

    /// Reads the history (read-only: never creates the table) and compares it with the
    /// files.
    pub async fn read(
        client: &impl GenericClient,
        migrations: &Migrations,
    ) -> Result<MigrationStatus, tokio_postgres::Error> {
        let rows = history::read(client).await?;
        Ok(MigrationStatus::new(&rows, migrations))
    }

    /// Every file applied, none modified or missing, no problem.
    pub fn is_up_to_date(&self) -> bool {
        self.problems.is_empty() && self.migrations.iter().all(|e| e.state == State::Applied)
    }
}

/// RFC 3339 in UTC with microseconds (PostgreSQL's precision): `2026-12-01T13:48:08.123456Z`.
pub fn format_timestamp(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn rfc3339_utc<S: serde::Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serializer.serialize_str(&format_timestamp(at)),
        None => serializer.serialize_none(),
    }
}
