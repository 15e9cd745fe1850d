//! The command line: the only code that prints.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod baseline;
mod check;
mod db;
mod drift;
mod generate;
mod hash;
mod interrupt;
mod migrate;
mod pull;
mod push;
mod status;
#[cfg(feature = "studio")]
mod studio;
#[cfg(feature = "types")]
mod types;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes, as documented in the README.
pub mod exit {
    pub const OK: u8 = 0;
    pub const ERROR: u8 = 1;
    /// Refused: a destructive step without --force.
    pub const REFUSED: u8 = 2;
    /// `types --check`: the generated file differs from what schema.toml gives.
    pub const STALE: u8 = 2;
}

/// Parses the command line. A usage error (unknown flag or command, bad value) exits
/// with [`exit::ERROR`], not clap's 2, which brain-db keeps for "refused"; `--help` and
/// `--version` exit 0.
fn parse_args() -> Result<Cli, ExitCode> {
    Cli::try_parse().map_err(|e| {
        // Printing can fail only when stdout/stderr is closed; nothing is left to tell.
        let _ = e.print();
        if e.use_stderr() {
            ExitCode::from(exit::ERROR)
        } else {
            ExitCode::from(exit::OK)
        }
    })
}

#[derive(Debug, Parser)]
#[command(
    name = "brain-db",
    version,
    about = "Schema as code for PostgreSQL",
    propagate_version = true
)]
pub struct Cli {
    /// Database URL (falls back to DATABASE_URL, then a .env file, then the project's
    /// local PostgreSQL in .brain-db/postgres, started if needed).
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Direct (non-pooled) database URL for commands that hold a session lock, such as
    /// migrate (falls back to DIRECT_URL, then a .env file).
    #[arg(long, global = true, value_name = "URL")]
    pub direct_url: Option<String>,
    /// How long a schema change (push, migrate) waits for a table lock before giving up
    /// (PostgreSQL's lock_timeout; 500ms, 10s, 2m, or seconds; 0 waits forever; at most
    /// 2147483647ms, about 24 days).
    #[arg(
        long,
        global = true,
        value_name = "DURATION",
        default_value = "10s",
        value_parser = crate::db::lock_timeout::parse_duration
    )]
    pub ddl_lock_timeout: std::time::Duration,
    /// Path of the schema file.
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        default_value = "schema.toml"
    )]
    pub schema: PathBuf,
    /// Folder of versioned migrations.
    #[arg(long, global = true, value_name = "DIR", default_value = "migrations")]
    pub migrations: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make the live database match schema.toml (prints the SQL, then applies it).
    Push {
        /// Apply destructive steps too (drop table, drop column, narrowing type change...).
        #[arg(long)]
        force: bool,
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write schema.toml from the live database.
    Pull {
        /// Where to write (default: standard output).
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
    /// Write the next migration file, from migrations/meta/snapshot.toml to schema.toml
    /// (offline: the target database is not read; expressions are compared in a scratch
    /// database on the server).
    Generate {
        /// Name of the file (NNNN_<name>.sql); default: a slug of the first change.
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// Write an empty file for hand-written SQL (needs --name).
        #[arg(long, requires = "name")]
        empty: bool,
    },
    /// Rewrite migrations/brain-db.sum after a deliberate edit of an unapplied file.
    Hash,
    /// Apply pending migrations under an advisory lock, each file in its own transaction.
    Migrate {
        /// How long to wait for another migrator's lock (500ms, 10s, 2m, or seconds; 0
        /// fails at once if it is taken; at most 2147483647ms, about 24 days).
        #[arg(
            long,
            value_name = "DURATION",
            default_value = "60s",
            value_parser = crate::db::lock_timeout::parse_duration
        )]
        lock_timeout: std::time::Duration,
        /// Return at once (exit 0) when another instance holds the lock.
        #[arg(long)]
        skip_if_locked: bool,
        /// Record every file up to FILE (default: all) as applied without running it, only
        /// when the live schema equals what those files produce (for a database built by push).
        #[arg(
            long,
            value_name = "FILE",
            num_args = 0..=1,
            conflicts_with = "skip_if_locked"
        )]
        baseline: Option<Option<String>>,
    },
    /// Show each migration's state and whether the live schema drifts (read-only).
    Status {
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
    },
    /// Verify the migrations folder: sum file, and a replay into a scratch database equals schema.toml.
    Check,
    /// Browse and edit the data in a local web page (serves until Ctrl-C).
    #[cfg(feature = "studio")]
    Studio {
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 4983)]
        port: u16,
        /// Address to listen on (a non-loopback address prints a warning).
        #[arg(long, default_value = "127.0.0.1")]
        host: std::net::IpAddr,
        /// Refuse every write (enforced by PostgreSQL with read-only transactions).
        #[arg(long)]
        read_only: bool,
        /// Open the address in the system's browser.
        #[arg(long)]
        open: bool,
    },
    /// Print or write TypeScript or Rust types for the tables and enums of schema.toml
    /// (offline: no database).
    #[cfg(feature = "types")]
    Types {
        /// The language to generate.
        #[arg(long, value_enum)]
        lang: types::LangArg,
        /// Where to write (default: standard output).
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
        /// Write nothing; exit 2 when PATH differs from what would be generated.
        #[arg(long, requires = "out")]
        check: bool,
    },
    /// The project's local PostgreSQL (used when no database URL is given).
    Db {
        #[command(subcommand)]
        action: db::DbAction,
    },
}

/// The outcome of a command: an exit code, or an error to print.
pub type Outcome = anyhow::Result<u8>;

pub fn main() -> ExitCode {
    let cli = match parse_args() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::ERROR);
        }
    };
    // Whatever an error says, the password of the database URL never reaches output.
    let mut secrets = std::env::current_dir()
        .ok()
        .and_then(|cwd| crate::db::resolve_database_url(cli.database_url.as_deref(), &cwd).ok())
        .flatten()
        .map(|resolved| crate::db::secrets(&resolved.url))
        .unwrap_or_default();
    if let Some((direct, _)) = std::env::current_dir()
        .ok()
        .and_then(|cwd| crate::db::pooler::resolve_direct_url(cli.direct_url.as_deref(), &cwd))
    {
        secrets.extend(crate::db::secrets(&direct));
    }
    let outcome = runtime.block_on(run(cli));
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!(
                "error: {}",
                crate::db::redact_text(&format_error(&e), &secrets)
            );
            ExitCode::from(exit::ERROR)
        }
    }
}

async fn run(cli: Cli) -> Outcome {
    match &cli.command {
        Command::Push { force, dry_run } => push::run(&cli, *force, *dry_run).await,
        Command::Pull { out } => pull::run(&cli, out.as_deref()).await,
        Command::Generate { name, empty } => generate::run(&cli, name.as_deref(), *empty).await,
        Command::Hash => hash::run(&cli),
        Command::Migrate {
            lock_timeout,
            baseline: Some(upto),
            ..
        } => baseline::run(&cli, upto.as_deref(), *lock_timeout).await,
        Command::Migrate {
            lock_timeout,
            skip_if_locked,
            baseline: None,
        } => migrate::run(&cli, *lock_timeout, *skip_if_locked).await,
        Command::Status { json } => status::run(&cli, *json).await,
        Command::Check => check::run(&cli).await,
        #[cfg(feature = "studio")]
        Command::Studio {
            port,
            host,
            read_only,
            open,
        } => studio::run(&cli, *host, *port, *read_only, *open).await,
        #[cfg(feature = "types")]
        Command::Types { lang, out, check } => types::run(&cli, *lang, out.as_deref(), *check),
        Command::Db { action } => db::run(action),
    }
}

/// The error chain, each cause once, with any password removed.
fn format_error(e: &anyhow::Error) -> String {
    let mut out = e.to_string();
    for cause in e.chain().skip(1) {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(&format!(": {text}"));
        }
    }
    out
}

/// Resolves the database URL (the local PostgreSQL when none is given) and connects.
async fn connect(cli: &Cli) -> anyhow::Result<tokio_postgres::Client> {
    let url = database_url(cli)?;
    let client = crate::db::connect(&url).await?;
    warn_if_unsupported(&client).await;
    Ok(client)
}

/// Says on stderr when the server is a major brain-db is not tested on (it refuses
/// nothing for that). A server that cannot say its version gets no warning: the command
/// itself reports what goes wrong.
pub(crate) async fn warn_if_unsupported(client: &tokio_postgres::Client) {
    if let Ok(num) = crate::db::server_version::version_num(client).await
        && let Some(warning) = crate::db::server_version::support_warning(num)
    {
        eprintln!("{warning}");
    }
}

/// Connects for a schema change (push): the direct URL (`--direct-url`, `DIRECT_URL`)
/// when given, so that the session settings (lock_timeout) hold, else the database URL.
/// Also returns that URL.
async fn connect_for_changes(
    cli: &Cli,
) -> anyhow::Result<(
    tokio_postgres::Client,
    crate::db::session::Canceller,
    String,
)> {
    let cwd = std::env::current_dir()?;
    let url = match crate::db::pooler::resolve_direct_url(cli.direct_url.as_deref(), &cwd) {
        Some((direct, _)) => direct,
        None => database_url(cli)?,
    };
    let (client, canceller) = ddl_session(cli, &url).await?;
    Ok((client, canceller, url))
}

/// A second session on `url` (TLS and timeouts as the first) that introspection reads on
/// besides the first ([`crate::introspect::introspect_split`]); `None`, logged at debug
/// level, when it cannot be opened (a connection limit, a pooler's pool size): the read
/// then runs on the first session alone.
async fn introspection_helper(url: &str) -> Option<tokio_postgres::Client> {
    match crate::db::connect(url).await {
        Ok(client) => Some(client),
        Err(e) => {
            log::debug!("introspection on one connection: cannot open a second one: {e}");
            None
        }
    }
}

/// The one way a command that changes the schema (push, migrate) opens its session:
/// [`crate::db::session::prepare_ddl_session`], and a canceller for SIGINT / SIGTERM.
async fn ddl_session(
    cli: &Cli,
    url: &str,
) -> anyhow::Result<(tokio_postgres::Client, crate::db::session::Canceller)> {
    use anyhow::Context;
    let client = crate::db::connect(url).await?;
    warn_if_unsupported(&client).await;
    crate::db::session::prepare_ddl_session(&client, cli.ddl_lock_timeout)
        .await
        .context("setting up the session (lock_timeout, client_connection_check_interval)")?;
    let canceller = crate::db::session::Canceller::new(url, &client)?;
    Ok((client, canceller))
}

/// Where migrate goes: `--direct-url` / `DIRECT_URL` when given (then the database URL
/// is not needed), else the database URL; `migrate_database` refuses a transaction-mode
/// pooler without a direct URL.
fn migrate_target(cli: &Cli) -> anyhow::Result<crate::migrations::MigrateTarget> {
    let cwd = std::env::current_dir()?;
    let direct_url = crate::db::pooler::resolve_direct_url(cli.direct_url.as_deref(), &cwd);
    let database_url = match &direct_url {
        Some(_) => String::new(),
        None => database_url(cli)?,
    };
    Ok(crate::migrations::MigrateTarget {
        database_url,
        direct_url,
    })
}

/// `--database-url`, `DATABASE_URL`, `.env`, else the project's local PostgreSQL
/// (started if needed, saying so).
fn database_url(cli: &Cli) -> anyhow::Result<String> {
    let cwd = std::env::current_dir()?;
    match crate::db::resolve_database_url(cli.database_url.as_deref(), &cwd)? {
        Some(resolved) => Ok(resolved.url),
        None => db::local_default_url(),
    }
}
