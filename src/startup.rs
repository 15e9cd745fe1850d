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
//! match state.require() {
//!     Ok(pool) => { /* serve the request with pool.get().await */ }
//!     Err(unavailable) => { /* answer 503 with unavailable.to_string() */ }
//! }
//! # }
//! ```
//!
//! - The pool connects exactly as the CLI does (one TLS decision, [`db::ConnectPlan`]),
//!   but its sessions keep the server's defaults (no `search_path` of the CLI's).
//! - The start-up migration goes through [`migrations::migrate_database`], the entry
//!   point of `brain-db migrate`: `DIRECT_URL` for the session (a transaction-mode pooler
//!   alone is refused and reported), the `brain-db.sum` check, the DDL lock timeout, the
//!   advisory lock on a dedicated connection (never a pooled session).
//! - No `DATABASE_URL`: state *disabled*, one warning, no pool.
//! - `DB_SKIP_MIGRATIONS=true`: connect but do not migrate (development with `push`).
//! - Server not answering: state *unreachable*; a background task retries with backoff
//!   and runs the start-up migration once the server answers, so health turns *ok*
//!   without a restart.
//! - A failing migration: state *migration_failed* with the error; the pool still serves
//!   the existing schema. A refusal (pooler without `DIRECT_URL`, sum mismatch, an edited
//!   applied file): *migration_refused* with the remedy.
//!
//! Messages go through the `log` facade (target `brain_db::startup`); the app picks the
//! logger.

use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};

use crate::db::pooler::{DIRECT_URL_VAR, DirectSource};
use crate::db::{self, DbError};
use crate::migrations::{
    self, MigrateOptions, MigrateRunError, MigrateSettings, MigrateTarget, MigrationCounts,
    MigrationStatus, Migrations,
};

/// How long the background task waits before its first retry, and at most between two.
pub const RETRY_INITIAL: Duration = Duration::from_millis(250);
pub const RETRY_MAX: Duration = Duration::from_secs(30);

/// What the app asks for at start-up.
#[derive(Clone)]
pub struct StartupOptions {
    /// `None`: database features are disabled.
    pub database_url: Option<String>,
    /// The direct (non-pooled) URL for the migration session (`DIRECT_URL`), needed when
    /// `database_url` goes through a transaction-mode pooler.
    pub direct_url: Option<String>,
    pub migrations: Migrations,
    /// Do not migrate at start-up (`DB_SKIP_MIGRATIONS=true`).
    pub skip_migrations: bool,
    /// How long to wait for another instance's migration lock.
    pub lock_timeout: Duration,
    /// PostgreSQL's `lock_timeout` for the migration's statements (`--ddl-lock-timeout`).
    pub ddl_lock_timeout: Duration,
    /// Maximum connections in the pool.
    pub pool_size: usize,
    /// The first wait of the retry task while the server does not answer (doubling up
    /// to [`RETRY_MAX`]).
    pub retry_initial: Duration,
}

impl std::fmt::Debug for StartupOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartupOptions")
            .field(
                "database_url",
                &self.database_url.as_deref().map(db::redact),
            )
            .field("direct_url", &self.direct_url.as_deref().map(db::redact))
            .field("migrations", &self.migrations.len())
            .field("skip_migrations", &self.skip_migrations)
            .field("lock_timeout", &self.lock_timeout)
            .field("ddl_lock_timeout", &self.ddl_lock_timeout)
            .field("pool_size", &self.pool_size)
            .finish()
    }
}

impl StartupOptions {
    /// The defaults for a database URL (`None`: disabled).
    pub fn new(database_url: Option<String>, migrations: Migrations) -> StartupOptions {
        StartupOptions {
            database_url,
            direct_url: None,
            migrations,
            skip_migrations: false,
            lock_timeout: migrations::DEFAULT_LOCK_TIMEOUT,
            ddl_lock_timeout: db::lock_timeout::DEFAULT_DDL_LOCK_TIMEOUT,
            pool_size: 8,
            retry_initial: RETRY_INITIAL,
        }
    }

    /// Reads `DATABASE_URL` and `DIRECT_URL` (empty counts as unset) and
    /// `DB_SKIP_MIGRATIONS` (`true`/`1`/`yes` skip; `false`, unset or anything else
    /// migrate).
    pub fn from_env(migrations: Migrations) -> StartupOptions {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut options = StartupOptions::new(var(db::DATABASE_URL_VAR), migrations);
        options.direct_url = var(DIRECT_URL_VAR);
        options.skip_migrations = var("DB_SKIP_MIGRATIONS")
            .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes"));
        options
    }
}

/// The database's state as the app reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Disabled,
    Ok,
    /// The server does not answer (retried in the background).
    Unreachable,
    MigrationFailed,
    /// The start-up migration was refused before anything ran (a transaction-mode
    /// pooler without `DIRECT_URL`, a `brain-db.sum` mismatch, an edited applied file).
    MigrationRefused,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Disabled => "disabled",
            Status::Ok => "ok",
            Status::Unreachable => "unreachable",
            Status::MigrationFailed => "migration_failed",
            Status::MigrationRefused => "migration_refused",
        })
    }
}

/// The health value (`GET /api/health`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Health {
    pub status: Status,
    /// How many migrations are applied, pending, modified, missing.
    #[serde(flatten)]
    pub counts: MigrationCounts,
    /// `server_version` of the database, when reachable.
    pub server_version: Option<String>,
    /// Start-up migration was skipped (`DB_SKIP_MIGRATIONS=true`).
    pub migrations_skipped: bool,
    /// What went wrong, with the remedy (no password in it).
    pub error: Option<String>,
}

impl Health {
    fn new(status: Status, skipped: bool, error: Option<String>) -> Health {
        Health {
            status,
            counts: MigrationCounts::default(),
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

/// The route guard's refusal: the database cannot serve requests. An app answers
/// 503 Service Unavailable with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("database unavailable ({status}){}", reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default())]
pub struct DatabaseUnavailable {
    pub status: Status,
    /// Why (no password in it).
    pub reason: Option<String>,
}

impl DatabaseUnavailable {
    /// The HTTP status an app answers with: 503.
    pub const HTTP_STATUS: u16 = 503;
}

/// What start-up produced: the pool (unless disabled) and the database's state, kept up
/// to date by the retry task while the server does not answer.
pub struct DatabaseState {
    pub pool: Option<Pool>,
    shared: Arc<Shared>,
}

struct Shared {
    startup: RwLock<Health>,
    migrations: Migrations,
    secrets: Vec<String>,
    /// How the pool connects (to describe its connection errors as `db::connect` does).
    plan: Option<db::ConnectPlan>,
}

impl Shared {
    fn get(&self) -> Health {
        match self.startup.read() {
            Ok(h) => h.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set(&self, health: Health) {
        match self.startup.write() {
            Ok(mut h) => *h = health,
            Err(poisoned) => *poisoned.into_inner() = health,
        }
    }

    fn clean(&self, text: &str) -> String {
        db::redact_text(text, &self.secrets)
    }
}

impl DatabaseState {
    /// The state start-up left (updated by the retry task once the server answers).
    pub fn startup_health(&self) -> Health {
        self.shared.get()
    }

    /// The health now: asks the server through the pool (read-only). A start-up
    /// migration failure or refusal stays reported until the app restarts; while the
    /// start-up migration waits for the server, the state stays *unreachable*.
    pub async fn health(&self) -> Health {
        let startup = self.shared.get();
        let Some(pool) = &self.pool else {
            return startup;
        };
        if startup.status == Status::Unreachable {
            return startup;
        }
        let mut health = match probe(pool, &self.shared).await {
            Ok(h) => h,
            Err(e) => Health::new(
                Status::Unreachable,
                startup.migrations_skipped,
                Some(self.shared.clean(&e.to_string())),
            ),
        };
        health.migrations_skipped = startup.migrations_skipped;
        if health.status == Status::Ok && startup.status != Status::Ok {
            health.status = startup.status;
            health.error = startup.error;
        }
        health
    }

    /// The route guard: the pool when the database is ready for requests (start-up
    /// state *ok*), else why not. Uses the state start-up left, without a query.
    pub fn require(&self) -> Result<&Pool, DatabaseUnavailable> {
        let health = self.shared.get();
        match (&self.pool, health.status) {
            (Some(pool), Status::Ok) => Ok(pool),
            (_, status) => Err(DatabaseUnavailable {
                status,
                reason: health.error.or_else(|| match status {
                    Status::Disabled => Some("DATABASE_URL is not set".to_string()),
                    _ => None,
                }),
            }),
        }
    }
}

/// Why a health probe failed.
#[derive(Debug, thiserror::Error)]
enum ProbeError {
    #[error(transparent)]
    Connect(DbError),
    #[error("cannot get a connection from the pool: {0}")]
    Pool(deadpool_postgres::PoolError),
    #[error("{}", db::error::describe(.0))]
    Query(#[source] tokio_postgres::Error),
}

async fn probe(pool: &Pool, shared: &Shared) -> Result<Health, ProbeError> {
    let client = pool.get().await.map_err(|e| match (e, &shared.plan) {
        (deadpool_postgres::PoolError::Backend(e), Some(plan)) => {
            ProbeError::Connect(plan.connect_error(e))
        }
        (other, _) => ProbeError::Pool(other),
    })?;
    let client: &tokio_postgres::Client = &client;
    counts(client, &shared.migrations)
        .await
        .map_err(ProbeError::Query)
}

async fn counts(
    client: &impl tokio_postgres::GenericClient,
    migrations: &Migrations,
) -> Result<Health, tokio_postgres::Error> {
    let version: String = client.query_one("SHOW server_version", &[]).await?.get(0);
    let status = MigrationStatus::read(client, migrations).await?;
    let mut h = Health::new(Status::Ok, false, None);
    h.counts = status.counts;
    h.server_version = Some(version);
    Ok(h)
}

/// Connects, migrates (unless skipped) and reports. Never fails: every problem becomes a
/// state the app can serve. While the server does not answer, a background task on the
/// current runtime retries (with backoff) until it does, or the state is dropped.
pub async fn run(options: StartupOptions) -> DatabaseState {
    let skipped = options.skip_migrations;
    let Some(url) = options.database_url.clone() else {
        log::warn!("DATABASE_URL is not set; database features are disabled");
        return DatabaseState {
            pool: None,
            shared: Arc::new(Shared {
                startup: RwLock::new(Health::new(Status::Disabled, skipped, None)),
                migrations: options.migrations,
                secrets: Vec::new(),
                plan: None,
            }),
        };
    };
    let mut secrets = db::secrets(&url);
    if let Some(direct) = &options.direct_url {
        secrets.extend(db::secrets(direct));
    }
    let built = db::ConnectPlan::new(&url, db::DEFAULT_CONNECT_TIMEOUT)
        .map_err(PoolSetupError::from)
        .and_then(|plan| Ok((build_pool(&plan, options.pool_size)?, plan)));
    let (pool, plan) = match built {
        Ok(built) => built,
        Err(e) => {
            let error = db::redact_text(&e.to_string(), &secrets);
            log::error!("database features are unavailable: {error}");
            return DatabaseState {
                pool: None,
                shared: Arc::new(Shared {
                    startup: RwLock::new(Health::new(Status::Unreachable, skipped, Some(error))),
                    migrations: options.migrations,
                    secrets,
                    plan: None,
                }),
            };
        }
    };
    let shared = Arc::new(Shared {
        startup: RwLock::new(Health::new(Status::Unreachable, skipped, None)),
        migrations: options.migrations.clone(),
        secrets,
        plan: Some(plan),
    });
    let health = attempt(&shared, &pool, &options).await;
    let unreachable = health.status == Status::Unreachable;
    shared.set(health);
    if unreachable {
        tokio::spawn(retry(Arc::downgrade(&shared), pool.clone(), options));
    }
    DatabaseState {
        pool: Some(pool),
        shared,
    }
}

/// The retry task: waits with backoff, tries start-up again, stops once the server
/// answered (whatever the outcome) or the state is gone.
async fn retry(shared: Weak<Shared>, pool: Pool, options: StartupOptions) {
    let mut wait = options.retry_initial.max(Duration::from_millis(10));
    loop {
        tokio::time::sleep(wait).await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let health = attempt(&shared, &pool, &options).await;
        let done = health.status != Status::Unreachable;
        if done {
            log::info!("the database answers now: {}", health.status);
        }
        shared.set(health);
        if done {
            return;
        }
        wait = (wait * 2).min(RETRY_MAX);
    }
}

/// One start-up attempt: migrate (unless skipped), then count through the pool.
async fn attempt(shared: &Shared, pool: &Pool, options: &StartupOptions) -> Health {
    let skipped = options.skip_migrations;
    let mut outcome: Option<(Status, String)> = None;
    if skipped {
        log::info!("DB_SKIP_MIGRATIONS=true: start-up migration skipped");
    } else {
        let target = MigrateTarget {
            database_url: options.database_url.clone().unwrap_or_default(),
            direct_url: options
                .direct_url
                .clone()
                .map(|url| (url, DirectSource::Env)),
        };
        let settings = MigrateSettings {
            lock: MigrateOptions {
                lock_timeout: options.lock_timeout,
                skip_if_locked: false,
            },
            ddl_lock_timeout: options.ddl_lock_timeout,
            command: "the start-up migration",
        };
        // Logged as each file commits, so that a process killed later still shows it.
        let mut log_progress = |step: migrations::Progress<'_>| {
            let migrations::Progress::Applied { file, ms } = step;
            log::info!("applied migration {file} ({ms} ms)");
        };
        let migrated = migrations::migrate_database_with_progress(
            &target,
            &options.migrations,
            settings,
            &std::sync::OnceLock::new(),
            &mut log_progress,
        )
        .await;
        match migrated {
            Ok(_) => {}
            Err(e) => {
                let text = shared.clean(&e.to_string());
                let status = match &e {
                    MigrateRunError::Connect(DbError::Connect { .. })
                    | MigrateRunError::Connect(DbError::ConnectTimeout { .. })
                    | MigrateRunError::Connect(DbError::Tls { .. }) => Status::Unreachable,
                    e if e.is_refusal() => Status::MigrationRefused,
                    _ => Status::MigrationFailed,
                };
                match status {
                    Status::Unreachable => {
                        log::warn!("the database does not answer; retrying: {text}")
                    }
                    _ => log::error!(
                        "start-up migration {}; serving the existing schema: {text}",
                        if status == Status::MigrationRefused {
                            "refused"
                        } else {
                            "failed"
                        }
                    ),
                }
                outcome = Some((status, text));
            }
        }
    }
    if let Some((Status::Unreachable, text)) = &outcome {
        return Health::new(Status::Unreachable, skipped, Some(text.clone()));
    }
    let mut health = match probe(pool, shared).await {
        Ok(h) => h,
        Err(e) => {
            let text = shared.clean(&e.to_string());
            if outcome.is_none() {
                log::warn!("the database does not answer; retrying: {text}");
            }
            return Health::new(Status::Unreachable, skipped, Some(text));
        }
    };
    health.migrations_skipped = skipped;
    if let Some((status, text)) = outcome {
        health.status = status;
        health.error = Some(text);
    }
    health
}

/// Why the pool cannot be built (the URL does not parse, sslrootcert cannot be read).
#[derive(Debug, thiserror::Error)]
enum PoolSetupError {
    #[error(transparent)]
    Url(#[from] DbError),
    #[error("cannot build the connection pool: {0}")]
    Build(#[from] deadpool_postgres::BuildError),
}

/// The app's pool: TLS and timeouts exactly as [`db::connect`] decides them (the same
/// [`db::ConnectPlan`]), and no session settings of its own.
fn build_pool(plan: &db::ConnectPlan, size: usize) -> Result<Pool, PoolSetupError> {
    let manager = Manager::from_config(
        plan.config.clone(),
        plan.tls.clone(),
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    let hosts = plan.config.get_hosts().len().max(1) as u32;
    Ok(Pool::builder(manager)
        .max_size(size.max(1))
        .runtime(deadpool_postgres::Runtime::Tokio1)
        // The driver bounds each socket connect; this also bounds a server that accepts
        // and then stalls in the start-up exchange.
        .create_timeout(Some(plan.timeout() * hosts))
        .wait_timeout(Some(plan.timeout() * hosts))
        .build()?)
}
