//! App start-up: connect, migrate under the lock, and report a health value, degrading
//! gracefully instead of taking the app down.
//!
//! ```no_run
//! # async fn f() {
//! use brain_db::migrations::Migrations;
//! use brain_db::startup::{self, StartupOptions};
//! static DIR: brain_db::include_dir::Dir<'_> =
//!     brain_db::include_dir::include_dir!("$CARGO_MANIFEST_DIR/migrations");
//! let migrations = Migrations::from_include_dir(&DIR).expect("migration names");
//! let state = startup::run(StartupOptions::from_env(migrations)).await;
//! let health = state.health().await; // serialise with serde_json for /api/health
//! # }
//! ```
//!
//! - No `DATABASE_URL`: state *disabled*, one warning on stderr, no pool.
//! - `DB_SKIP_MIGRATIONS=true`: connect but do not migrate (development with `push`).
//! - A failing migration: state *migration_failed* with the error; the pool still serves
//!   the existing schema.
//! - Migrations run on a dedicated connection (the advisory lock is session-level and
//!   must never stay behind in a pooled session); the app's queries use the pool.

#![allow(clippy::print_stderr)]

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use crate::db;
use crate::migrations::{self, MigrateOptions, Migrations, State, decide, history};

/// What the app asks for at start-up.
#[derive(Debug, Clone)]
pub struct StartupOptions {
    /// `None`: database features are disabled.
    pub database_url: Option<String>,
    pub migrations: Migrations,
    /// Do not migrate at start-up (`DB_SKIP_MIGRATIONS=true`).
    pub skip_migrations: bool,
    /// How long to wait for another instance's migration lock.
    pub lock_timeout: Duration,
    /// Maximum connections in the pool.
    pub pool_size: usize,
}

impl StartupOptions {
    /// Reads `DATABASE_URL` (empty counts as unset) and `DB_SKIP_MIGRATIONS`
    /// (`true`/`1`/`yes` skip; `false`, unset or anything else migrate).
    pub fn from_env(migrations: Migrations) -> StartupOptions {
        let database_url = std::env::var(db::DATABASE_URL_VAR)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        let skip_migrations = std::env::var("DB_SKIP_MIGRATIONS")
            .map(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
            .unwrap_or(false);
        StartupOptions {
            database_url,
            migrations,
            skip_migrations,
            lock_timeout: migrations::DEFAULT_LOCK_TIMEOUT,
            pool_size: 8,
        }
    }
}

/// The database's state as the app reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Disabled,
    Ok,
    Unreachable,
    MigrationFailed,
}

/// The health value (`GET /api/health`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Health {
    pub status: Status,
    /// Migrations recorded as applied.
    pub applied: usize,
    /// Migrations of the app not applied yet.
    pub pending: usize,
    /// `server_version` of the database, when reachable.
    pub server_version: Option<String>,
    /// Start-up migration was skipped (`DB_SKIP_MIGRATIONS=true`).
    pub migrations_skipped: bool,
    /// What went wrong (no password in it).
    pub error: Option<String>,
}

impl Health {
    fn new(status: Status, skipped: bool, error: Option<String>) -> Health {
        Health {
            status,
            applied: 0,
            pending: 0,
            server_version: None,
            migrations_skipped: skipped,
            error,
        }
    }

    /// Whether the app should report itself healthy (HTTP 200): ok or disabled.
    pub fn is_healthy(&self) -> bool {
        matches!(self.status, Status::Ok | Status::Disabled)
    }
}

/// What start-up produced: the pool (unless disabled) and the start-up health.
pub struct DatabaseState {
    pub pool: Option<Pool>,
    startup: Health,
    migrations: Migrations,
    secrets: Vec<String>,
}

impl DatabaseState {
    /// The health as start-up left it.
    pub fn startup_health(&self) -> &Health {
        &self.startup
    }

    /// The health now: asks the server through the pool (read-only). A start-up migration
    /// failure stays reported until the app restarts.
    pub async fn health(&self) -> Health {
        let Some(pool) = &self.pool else {
            return self.startup.clone();
        };
        let mut health = match probe(pool, &self.migrations).await {
            Ok(h) => h,
            Err(e) => Health::new(
                Status::Unreachable,
                self.startup.migrations_skipped,
                Some(db::redact_text(&e, &self.secrets)),
            ),
        };
        health.migrations_skipped = self.startup.migrations_skipped;
        if self.startup.status == Status::MigrationFailed && health.status == Status::Ok {
            health.status = Status::MigrationFailed;
            health.error.clone_from(&self.startup.error);
        }
        health
    }
}

async fn probe(pool: &Pool, migrations: &Migrations) -> Result<Health, String> {
    let client = pool.get().await.map_err(|e| e.to_string())?;
    let client: &tokio_postgres::Client = &client;
    counts(client, migrations)
        .await
        .map_err(|e| migrations::applier::describe(&e))
}

async fn counts(
    client: &impl tokio_postgres::GenericClient,
    migrations: &Migrations,
) -> Result<Health, tokio_postgres::Error> {
    let version: String = client.query_one("SHOW server_version", &[]).await?.get(0);
    let rows = history::read(client).await?;
    let applied: Vec<_> = rows.iter().map(history::HistoryRow::applied).collect();
    let states = decide::states(&applied, &migrations.files);
    let mut h = Health::new(Status::Ok, false, None);
    h.applied = rows.len();
    h.pending = states
        .iter()
        .filter(|(_, _, s)| *s == State::Pending)
        .count();
    h.server_version = Some(version);
    Ok(h)
}

/// Connects, migrates (unless skipped) and reports. Never fails: every problem becomes a
/// state the app can serve.
pub async fn run(options: StartupOptions) -> DatabaseState {
    let Some(url) = options.database_url.clone() else {
        eprintln!("warning: DATABASE_URL is not set; database features are disabled");
        return DatabaseState {
            pool: None,
            startup: Health::new(Status::Disabled, options.skip_migrations, None),
            migrations: options.migrations,
            secrets: Vec::new(),
        };
    };
    let secrets = db::secrets(&url);
    let clean = |text: String| db::redact_text(&text, &secrets);
    let skipped = options.skip_migrations;
    let failed = |status: Status, error: String| DatabaseState {
        pool: None,
        startup: Health::new(status, skipped, Some(error)),
        migrations: options.migrations.clone(),
        secrets: secrets.clone(),
    };

    let pool = match build_pool(&url, options.pool_size) {
        Ok(pool) => pool,
        Err(e) => return failed(Status::Unreachable, clean(e)),
    };
    let mut client = match db::connect(&url).await {
        Ok(c) => c,
        Err(e) => {
            let mut state = failed(Status::Unreachable, e.to_string());
            // Keep the pool: the server may come back, and health() will notice.
            state.pool = Some(pool);
            return state;
        }
    };
    let mut error = None;
    if skipped {
        eprintln!("info: DB_SKIP_MIGRATIONS=true: start-up migration skipped");
    } else {
        let opts = MigrateOptions {
            lock_timeout: options.lock_timeout,
            skip_if_locked: false,
        };
        match migrations::migrate(&mut client, &options.migrations, opts).await {
            Ok(report) => {
                for (name, ms) in &report.applied {
                    eprintln!("info: applied migration {name} ({ms} ms)");
                }
            }
            Err(e) => {
                let text = clean(e.to_string());
                eprintln!("error: start-up migration failed; serving the existing schema: {text}");
                error = Some(text);
            }
        }
    }
    let mut startup = match counts(&client, &options.migrations).await {
        Ok(h) => h,
        Err(e) => Health::new(Status::Unreachable, skipped, Some(clean(e.to_string()))),
    };
    startup.migrations_skipped = skipped;
    if let Some(error) = error {
        startup.status = Status::MigrationFailed;
        startup.error = Some(error);
    }
    DatabaseState {
        pool: Some(pool),
        startup,
        migrations: options.migrations,
        secrets,
    }
}

fn build_pool(url: &str, size: usize) -> Result<Pool, String> {
    let mut config = db::parse_connection_string(url)
        .map_err(|problem| format!("invalid database URL {}: {problem}", db::redact(url)))?
        .config;
    if config.get_application_name().is_none() {
        config.application_name(db::APPLICATION_NAME);
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(db::DEFAULT_CONNECT_TIMEOUT);
    }
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size.max(1))
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .build()
        .map_err(|e| e.to_string())
}
