//! Where the database is and how to reach it: URL resolution, redaction, connecting.
//!
//! - [`resolve_database_url`]: `--database-url`, then `DATABASE_URL`, then `.env` (the
//!   CLI falls back to the project's local cluster, [`local`]).
//! - [`redact`] / [`redact_text`]: no password ever reaches output; every message that
//!   names a URL goes through them.
//! - [`ConnectPlan`]: the single place that decides TLS ([`tls`]) and opens a
//!   connection, for [`connect`] (the CLI's sessions) and an app's pool (`startup`);
//!   [`error`]: the one description of a server error.
//! - [`local`]: the private PostgreSQL of `brain-db db up`; [`pooler`]: transaction
//!   poolers and `DIRECT_URL`; [`lock_timeout`]: `--ddl-lock-timeout`.

mod conn_string;
mod dotenv;
pub mod error;
pub mod local;
pub mod lock_timeout;
pub mod pipeline;
pub mod pooler;
mod redact;
pub mod scratch;
pub mod server_version;
pub mod session;
pub mod tls;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio_postgres::Client;
use tokio_postgres_rustls::MakeRustlsConnect;

pub use tls::SslMode;

pub use conn_string::{ConnSpec, UrlProblem, parse as parse_connection_string};
pub use dotenv::parse_dotenv;
pub use redact::{MASK, redact, redact_text, secrets};

/// The environment variable and `.env` key that hold the database URL.
pub const DATABASE_URL_VAR: &str = "DATABASE_URL";

/// How long [`connect`] waits for a server before giving up.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The `application_name` brain-db's sessions carry unless the URL names another.
pub const APPLICATION_NAME: &str = "brain-db";

/// Errors of this module. Every message is redacted: none holds a password.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "the database URL given by {given_by} is empty; pass a postgres:// URL or leave it out"
    )]
    EmptyUrl { given_by: UrlSource },

    #[error("cannot read {}: {cause}; check the file's permissions or remove it", path.display())]
    ReadDotEnv {
        path: PathBuf,
        cause: std::io::Error,
    },

    #[error(
        "invalid database URL {url}: {cause}; expected postgres://user:password@host:port/database"
    )]
    InvalidUrl { url: String, cause: String },

    #[error(
        "invalid database URL {url} (from {given_by}): {problem}; expected \
         postgres://user:password@host:port/database"
    )]
    UnparsableUrl {
        url: String,
        given_by: UrlSource,
        problem: UrlProblem,
    },

    #[error(
        "cannot connect to {url}: {cause}; check that the PostgreSQL server is running and \
         accepts connections, and that the URL (host, port, database, user, password) is right"
    )]
    Connect {
        url: String,
        cause: String,
        /// The driver's error (SQLSTATE, source); `cause` already carries its text.
        error: tokio_postgres::Error,
    },

    #[error(
        "timed out after {} s connecting to {url}; check that the host is reachable \
         (network, firewall, VPN) and that the server is running",
        timeout.as_secs_f64()
    )]
    ConnectTimeout { url: String, timeout: Duration },

    #[error("cannot set up the session on {url}: {cause}; check the user's rights on the database")]
    SessionSetup {
        url: String,
        cause: String,
        error: tokio_postgres::Error,
    },

    #[error(
        "cannot set up TLS for {url}: {cause}; fix sslrootcert, or drop it to use the public web roots"
    )]
    TlsConfig { url: String, cause: String },

    #[error("TLS with {url} failed (sslmode={mode}): {cause}; {remedy}")]
    Tls {
        url: String,
        mode: SslMode,
        cause: String,
        remedy: &'static str,
    },

    #[error(
        "{url} refuses unencrypted connections: {cause}; remove sslmode=disable (or use \
         sslmode=require) to connect over TLS"
    )]
    TlsRequired {
        url: String,
        cause: String,
        error: tokio_postgres::Error,
    },
}

impl DbError {
    /// The server's SQLSTATE, when the server answered with an error.
    pub fn code(&self) -> Option<&tokio_postgres::error::SqlState> {
        match self {
            DbError::Connect { error, .. }
            | DbError::SessionSetup { error, .. }
            | DbError::TlsRequired { error, .. } => error.code(),
            _ => None,
        }
    }
}

/// Where a database URL came from, for messages ("from DATABASE_URL").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlSource {
    /// The `--database-url` flag.
    Flag,
    /// The `DATABASE_URL` environment variable.
    Env,
    /// A `DATABASE_URL=` line of this `.env` file.
    DotEnv(PathBuf),
}

impl fmt::Display for UrlSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlSource::Flag => f.write_str("--database-url"),
            UrlSource::Env => f.write_str(DATABASE_URL_VAR),
            UrlSource::DotEnv(path) => write!(f, "{DATABASE_URL_VAR} in {}", path.display()),
        }
    }
}

/// A database URL and where it came from. `Debug` and `Display` show it redacted; read
/// [`ResolvedUrl::url`] only to connect.
#[derive(Clone, PartialEq, Eq)]
pub struct ResolvedUrl {
    pub url: String,
    pub source: UrlSource,
}

impl ResolvedUrl {
    /// The URL with its password replaced by `***`.
    pub fn redacted(&self) -> String {
        redact(&self.url)
    }
}

impl fmt::Display for ResolvedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (from {})", self.redacted(), self.source)
    }
}

impl fmt::Debug for ResolvedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolvedUrl")
            .field("url", &self.redacted())
            .field("source", &self.source)
            .finish()
    }
}

/// The database URL to use: the `--database-url` flag, else the `DATABASE_URL`
/// environment variable, else `DATABASE_URL` in `cwd/.env`; `None` when none is set.
/// An empty environment variable or `.env` value counts as unset.
pub fn resolve_database_url(
    flag: Option<&str>,
    cwd: &Path,
) -> Result<Option<ResolvedUrl>, DbError> {
    resolve_database_url_from(flag, std::env::var(DATABASE_URL_VAR).ok(), cwd)
}

/// [`resolve_database_url`] with the environment variable's value passed in. A URL that
/// does not parse is an error naming where it came from, before anything connects.
pub fn resolve_database_url_from(
    flag: Option<&str>,
    env_value: Option<String>,
    cwd: &Path,
) -> Result<Option<ResolvedUrl>, DbError> {
    let resolved = resolve_unchecked(flag, env_value, cwd)?;
    if let Some(resolved) = &resolved
        && let Err(problem) = conn_string::parse(&resolved.url)
    {
        return Err(DbError::UnparsableUrl {
            url: resolved.redacted(),
            given_by: resolved.source.clone(),
            problem,
        });
    }
    Ok(resolved)
}

fn resolve_unchecked(
    flag: Option<&str>,
    env_value: Option<String>,
    cwd: &Path,
) -> Result<Option<ResolvedUrl>, DbError> {
    if let Some(flag) = flag {
        let url = flag.trim();
        if url.is_empty() {
            return Err(DbError::EmptyUrl {
                given_by: UrlSource::Flag,
            });
        }
        return Ok(Some(ResolvedUrl {
            url: url.to_string(),
            source: UrlSource::Flag,
        }));
    }
    if let Some(url) = env_value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    {
        return Ok(Some(ResolvedUrl {
            url,
            source: UrlSource::Env,
        }));
    }
    let path = cwd.join(".env");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(cause) => return Err(DbError::ReadDotEnv { path, cause }),
    };
    let url = parse_dotenv(&text)
        .into_iter()
        .filter(|(key, _)| key == DATABASE_URL_VAR)
        .map(|(_, value)| value)
        .next_back()
        .filter(|v| !v.trim().is_empty());
    Ok(url.map(|url| ResolvedUrl {
        url: url.trim().to_string(),
        source: UrlSource::DotEnv(path),
    }))
}

/// Opens a session on `url` with the default connect timeout. See [`connect_with_timeout`].
pub async fn connect(url: &str) -> Result<Client, DbError> {
    connect_with_timeout(url, DEFAULT_CONNECT_TIMEOUT).await
}

/// How to reach a server: the driver's configuration and the TLS connector, decided
/// once by [`ConnectPlan::new`] for the CLI's sessions ([`connect`]) and for every
/// connection of an app's pool (`startup`) alike. It carries no session settings.
#[derive(Clone)]
pub struct ConnectPlan {
    /// The driver's configuration (without `sslmode`/`sslrootcert`, which it cannot
    /// parse in their libpq meaning; its own `ssl_mode` set from them).
    pub config: tokio_postgres::Config,
    /// The rustls connector for the effective mode.
    pub tls: MakeRustlsConnect,
    /// The effective sslmode (the URL's, else by host: see [`tls`]).
    pub mode: SslMode,
    /// The URL as it may be shown.
    pub shown: String,
    secrets: Vec<String>,
}

impl ConnectPlan {
    /// Parses `url` and decides TLS: as its `sslmode` / `sslrootcert` say, else none for
    /// local hosts and required for any other; `timeout` unless the URL sets
    /// `connect_timeout`; `application_name = 'brain-db'` unless the URL sets one.
    pub fn new(url: &str, timeout: Duration) -> Result<ConnectPlan, DbError> {
        let shown = redact(url);
        let hidden = secrets(url);
        let clean = |text: String| redact_text(&text, &hidden);
        // brain-db's own parser: its problems never quote the user info.
        let ConnSpec {
            mut config,
            tls: tls_params,
        } = conn_string::parse(url).map_err(|problem| DbError::InvalidUrl {
            url: shown.clone(),
            cause: problem.to_string(),
        })?;
        let timeout = match config.get_connect_timeout() {
            Some(t) if !t.is_zero() => *t,
            _ => timeout,
        };
        config.connect_timeout(timeout);
        if config.get_application_name().is_none() {
            config.application_name(APPLICATION_NAME);
        }
        let mode = tls_params.effective_mode(is_local_config(&config));
        config.ssl_mode(mode.driver_mode());
        let tls_config =
            tls::client_config(mode, tls_params.root_cert.as_deref()).map_err(|e| {
                DbError::TlsConfig {
                    url: shown.clone(),
                    cause: clean(e.to_string()),
                }
            })?;
        Ok(ConnectPlan {
            config,
            tls: MakeRustlsConnect::new(tls_config),
            mode,
            shown,
            secrets: hidden,
        })
    }

    /// The connect timeout in force.
    pub fn timeout(&self) -> Duration {
        self.config
            .get_connect_timeout()
            .copied()
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT)
    }

    /// A driver error met while connecting, as a [`DbError`] with the remedy: TLS
    /// failures by the rustls error they carry, a refused plain connection by its
    /// SQLSTATE, anything else as a connect failure. Redacted.
    pub fn connect_error(&self, e: tokio_postgres::Error) -> DbError {
        let cause = redact_text(&error::describe(&e), &self.secrets);
        let url = self.shown.clone();
        let mode = self.mode;
        if let Some(rustls_error) = find_rustls_error(&e) {
            return DbError::Tls {
                url,
                mode,
                remedy: tls::remedy(mode, Some(rustls_error)),
                cause,
            };
        }
        // A TLS-only server rejects a plain start-up packet in pg_hba (28000).
        if mode == SslMode::Disable
            && e.code()
                == Some(&tokio_postgres::error::SqlState::INVALID_AUTHORIZATION_SPECIFICATION)
        {
            return DbError::TlsRequired {
                url,
                cause,
                error: e,
            };
        }
        // The driver's own TLS refusal ("server does not support TLS") carries neither
        // a server error nor an I/O error.
        if mode != SslMode::Disable && e.as_db_error().is_none() && !has_io_error(&e) {
            return DbError::Tls {
                url,
                mode,
                remedy: tls::remedy(mode, None),
                cause,
            };
        }
        DbError::Connect {
            url,
            cause,
            error: e,
        }
    }

    /// Opens a connection (no session settings), bounded by the connect timeout: each
    /// socket connect by the driver's, and the start-up and authentication exchange with
    /// a server that accepts and then stalls by an outer one.
    pub async fn open(&self) -> Result<Client, DbError> {
        let timeout = self.timeout();
        let hosts = self.config.get_hosts().len().max(1) as u32;
        let connecting = self.config.connect(self.tls.clone());
        // Saturating: the URL's connect_timeout may be any number of seconds.
        let (client, connection) = tokio::time::timeout(timeout.saturating_mul(hosts), connecting)
            .await
            .map_err(|_| DbError::ConnectTimeout {
                url: self.shown.clone(),
                timeout,
            })?
            .map_err(|e| self.connect_error(e))?;
        tokio::spawn(async move {
            // A broken connection surfaces as an error on the client's next call.
            let _ = connection.await;
        });
        Ok(client)
    }
}

/// The rustls error inside a driver error (tokio-rustls wraps it in an `io::Error`).
fn find_rustls_error(e: &tokio_postgres::Error) -> Option<&rustls::Error> {
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if let Some(found) = cause.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        if let Some(found) = cause
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(found);
        }
        source = cause.source();
    }
    None
}

fn has_io_error(e: &tokio_postgres::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if cause.is::<std::io::Error>() {
            return true;
        }
        source = cause.source();
    }
    false
}

/// Opens a session: TLS and timeouts as [`ConnectPlan::new`] decides, and
/// `search_path = public` (introspection relies on it; an app's pooled sessions do not
/// get it).
/// The connection task is spawned on the current tokio runtime, which must have its
/// time driver enabled (`#[tokio::main]` does; a current-thread runtime is fine).
pub async fn connect_with_timeout(url: &str, timeout: Duration) -> Result<Client, DbError> {
    let plan = ConnectPlan::new(url, timeout)?;
    let client = plan.open().await?;
    client
        .batch_execute("SET search_path = public")
        .await
        .map_err(|e| DbError::SessionSetup {
            url: plan.shown.clone(),
            cause: redact_text(&error::describe(&e), &plan.secrets),
            error: e,
        })?;
    Ok(client)
}

/// Whether every host of a parsed configuration is local (no host: the Unix socket).
fn is_local_config(config: &tokio_postgres::Config) -> bool {
    config.get_hosts().iter().all(tls::is_local_host)
}

/// Whether a connection string names only local hosts ([`tls::is_local_host`]), so that
/// it gets no TLS unless it asks. `false` when it does not parse.
pub fn is_local_url(url: &str) -> bool {
    conn_string::parse(url).is_ok_and(|spec| is_local_config(&spec.config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with_env(contents: Option<&str>) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        if let Some(contents) = contents {
            std::fs::write(dir.path().join(".env"), contents).unwrap();
        }
        dir
    }

    fn resolve(flag: Option<&str>, env: Option<&str>, dir: &Path) -> Option<ResolvedUrl> {
        resolve_database_url_from(flag, env.map(str::to_string), dir).unwrap()
    }

    #[test]
    fn flag_beats_env_beats_dotenv() {
        let dir = dir_with_env(Some("DATABASE_URL=postgres://dotenv/db\n"));
        let r = resolve(
            Some("postgres://flag/db"),
            Some("postgres://env/db"),
            dir.path(),
        )
        .unwrap();
        assert_eq!(
            (r.url.as_str(), r.source),
            ("postgres://flag/db", UrlSource::Flag)
        );
        let r = resolve(None, Some("postgres://env/db"), dir.path()).unwrap();
        assert_eq!(
            (r.url.as_str(), r.source),
            ("postgres://env/db", UrlSource::Env)
        );
        let r = resolve(None, None, dir.path()).unwrap();
        assert_eq!(r.url, "postgres://dotenv/db");
        assert_eq!(r.source, UrlSource::DotEnv(dir.path().join(".env")));
    }

    #[test]
    fn nothing_set_is_none() {
        let dir = dir_with_env(None);
        assert_eq!(resolve(None, None, dir.path()), None);
        let dir = dir_with_env(Some("# only a comment\nOTHER=1\n"));
        assert_eq!(resolve(None, None, dir.path()), None);
    }

    #[test]
    fn empty_values_count_as_unset_but_an_empty_flag_is_an_error() {
        let dir = dir_with_env(Some("DATABASE_URL=postgres://dotenv/db\n"));
        assert_eq!(
            resolve(None, Some(""), dir.path()).unwrap().url,
            "postgres://dotenv/db"
        );
        let dir = dir_with_env(Some("DATABASE_URL=\n"));
        assert_eq!(resolve(None, Some("  "), dir.path()), None);
        let err = resolve_database_url_from(Some(""), None, dir.path()).unwrap_err();
        assert!(
            matches!(
                err,
                DbError::EmptyUrl {
                    given_by: UrlSource::Flag
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn dotenv_forms() {
        let dir = dir_with_env(Some(
            "# comment\n\
             export DATABASE_URL=\"postgres://u:p@quoted/db\"  # trailing\n",
        ));
        assert_eq!(
            resolve(None, None, dir.path()).unwrap().url,
            "postgres://u:p@quoted/db"
        );
        let dir = dir_with_env(Some("DATABASE_URL = 'postgres://single/db#x'\r\n"));
        assert_eq!(
            resolve(None, None, dir.path()).unwrap().url,
            "postgres://single/db#x"
        );
        let dir = dir_with_env(Some(
            "DATABASE_URL=postgres://first/db\nDATABASE_URL=postgres://last/db\n",
        ));
        assert_eq!(
            resolve(None, None, dir.path()).unwrap().url,
            "postgres://last/db"
        );
    }

    #[test]
    fn unreadable_dotenv_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".env")).unwrap();
        let err = resolve_database_url_from(None, None, dir.path()).unwrap_err();
        assert!(matches!(err, DbError::ReadDotEnv { .. }), "{err}");
    }

    #[test]
    fn resolved_url_shows_redacted() {
        let r = ResolvedUrl {
            url: "postgres://u:hunter2@h/db".into(),
            source: UrlSource::Env,
        };
        assert_eq!(r.to_string(), "postgres://u:***@h/db (from DATABASE_URL)");
        assert!(!format!("{r:?}").contains("hunter2"));
    }

    #[test]
    fn invalid_url_error_is_redacted() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let err = rt
            .block_on(connect("postgres://u:hunter2@h:notaport/db"))
            .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, DbError::InvalidUrl { .. }), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("postgres://***@h:notaport/db"), "{text}");
        assert!(
            text.contains("the port of a host is not a number"),
            "{text}"
        );
    }

    #[test]
    fn a_server_that_never_answers_times_out() {
        // The kernel accepts the TCP connection; nobody ever answers the start-up message.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let url = format!("postgres://u:hunter2@127.0.0.1:{port}/db");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let started = std::time::Instant::now();
        let err = rt
            .block_on(connect_with_timeout(&url, Duration::from_millis(300)))
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        let text = err.to_string();
        assert!(matches!(err, DbError::ConnectTimeout { .. }), "{text}");
        assert!(
            text.contains(&format!("postgres://u:***@127.0.0.1:{port}/db")),
            "{text}"
        );
        assert!(!text.contains("hunter2"), "{text}");
        drop(listener);
    }
}
