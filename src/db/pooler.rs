//! Transaction-mode poolers, and the direct connection migrate needs instead.
//!
//! A session advisory lock (migrate's guard against concurrent runs) lives in one server
//! session; through a transaction-mode pooler (Supabase's Supavisor on port 6543, Neon's
//! PgBouncer on `-pooler` hosts) consecutive transactions may run in different sessions,
//! so the lock would guard nothing and could leak to another client. [`session_url`]
//! picks `DIRECT_URL` / `--direct-url` when given and refuses a pooler otherwise.

use std::fmt;
use std::path::{Path, PathBuf};

use super::{parse_dotenv, redact};

/// The environment variable and `.env` key of the direct (non-pooled) URL.
pub const DIRECT_URL_VAR: &str = "DIRECT_URL";

/// A transaction-mode pooler recognised from a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooler {
    /// Port 6543: Supabase's transaction pooler (Supavisor).
    SupabaseTransaction,
    /// A host name containing `-pooler`: Neon's PgBouncer (transaction mode).
    Neon,
}

impl Pooler {
    /// Where the direct connection is, for the refusal message.
    pub fn direct_hint(self) -> &'static str {
        match self {
            Pooler::SupabaseTransaction => {
                "on Supabase, use port 5432 (the session pooler) or the direct host \
                 db.<project-ref>.supabase.co:5432"
            }
            Pooler::Neon => "on Neon, use the same host without `-pooler`",
        }
    }
}

impl fmt::Display for Pooler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Pooler::SupabaseTransaction => "port 6543, Supabase's transaction pooler",
            Pooler::Neon => "a `-pooler` host, Neon's transaction pooler",
        })
    }
}

/// The transaction-mode pooler a connection string goes through, if it looks like one.
pub fn detect_pooler(url: &str) -> Option<Pooler> {
    let config = super::conn_string::parse(url).ok()?.config;
    if config.get_ports().contains(&6543) {
        return Some(Pooler::SupabaseTransaction);
    }
    let neon = config.get_hosts().iter().any(|host| match host {
        tokio_postgres::config::Host::Tcp(name) => name.to_ascii_lowercase().contains("-pooler"),
        tokio_postgres::config::Host::Unix(_) => false,
    });
    neon.then_some(Pooler::Neon)
}

/// Where the direct URL came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectSource {
    Flag,
    Env,
    DotEnv(PathBuf),
}

impl fmt::Display for DirectSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DirectSource::Flag => f.write_str("--direct-url"),
            DirectSource::Env => f.write_str(DIRECT_URL_VAR),
            DirectSource::DotEnv(path) => write!(f, "{DIRECT_URL_VAR} in {}", path.display()),
        }
    }
}

/// `--direct-url`, else `DIRECT_URL`, else `DIRECT_URL` in `cwd/.env`; empty counts as
/// unset. An unreadable `.env` counts as no `.env` here (the database URL's resolution
/// reports it).
pub fn resolve_direct_url(flag: Option<&str>, cwd: &Path) -> Option<(String, DirectSource)> {
    resolve_direct_url_from(flag, std::env::var(DIRECT_URL_VAR).ok(), cwd)
}

/// [`resolve_direct_url`] with the environment variable's value passed in.
pub fn resolve_direct_url_from(
    flag: Option<&str>,
    env_value: Option<String>,
    cwd: &Path,
) -> Option<(String, DirectSource)> {
    let nonempty = |v: &str| {
        let v = v.trim();
        (!v.is_empty()).then(|| v.to_string())
    };
    if let Some(url) = flag.and_then(nonempty) {
        return Some((url, DirectSource::Flag));
    }
    if let Some(url) = env_value.as_deref().and_then(nonempty) {
        return Some((url, DirectSource::Env));
    }
    let path = cwd.join(".env");
    let text = std::fs::read_to_string(&path).ok()?;
    parse_dotenv(&text)
        .into_iter()
        .filter(|(key, _)| key == DIRECT_URL_VAR)
        .map(|(_, value)| value)
        .next_back()
        .and_then(|v| nonempty(&v))
        .map(|url| (url, DirectSource::DotEnv(path)))
}

/// Why a session-level lock cannot be taken. Messages are redacted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolerError {
    #[error(
        "{url} goes through a transaction-mode pooler ({pooler}): a session advisory lock \
         cannot be held through it, so {command} cannot guard against concurrent runs; \
         set DIRECT_URL (or pass --direct-url) to a direct connection ({})",
        pooler.direct_hint()
    )]
    Pooled {
        url: String,
        pooler: Pooler,
        command: &'static str,
    },

    #[error(
        "the direct URL {url} (from {given_by}) also goes through a transaction-mode pooler \
         ({pooler}); {}",
        pooler.direct_hint()
    )]
    DirectIsPooled {
        url: String,
        given_by: DirectSource,
        pooler: Pooler,
    },
}

/// The URL a command that needs a real session (migrate's advisory lock) must use: the
/// direct URL when given, else `database_url` unless it goes through a transaction
/// pooler, which is refused with the way out.
pub fn session_url(
    database_url: &str,
    direct: Option<(String, DirectSource)>,
    command: &'static str,
) -> Result<String, PoolerError> {
    if let Some((url, source)) = direct {
        if let Some(pooler) = detect_pooler(&url) {
            return Err(PoolerError::DirectIsPooled {
                url: redact(&url),
                given_by: source,
                pooler,
            });
        }
        return Ok(url);
    }
    match detect_pooler(database_url) {
        Some(pooler) => Err(PoolerError::Pooled {
            url: redact(database_url),
            pooler,
            command,
        }),
        None => Ok(database_url.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEON_POOLED: &str = "postgresql://app:hunter2@ep-cool-name-123456-pooler.eu-central-1.aws.neon.tech/app?sslmode=require";
    const NEON_DIRECT: &str = "postgresql://app:hunter2@ep-cool-name-123456.eu-central-1.aws.neon.tech/app?sslmode=require";
    const SUPABASE_TX: &str =
        "postgresql://postgres.ref:hunter2@aws-0-eu-central-1.pooler.supabase.com:6543/postgres";
    const SUPABASE_SESSION: &str =
        "postgresql://postgres.ref:hunter2@aws-0-eu-central-1.pooler.supabase.com:5432/postgres";

    #[test]
    fn poolers_are_recognised() {
        assert_eq!(detect_pooler(NEON_POOLED), Some(Pooler::Neon));
        assert_eq!(
            detect_pooler(SUPABASE_TX),
            Some(Pooler::SupabaseTransaction)
        );
        assert_eq!(
            detect_pooler("host=h port=6543 user=u"),
            Some(Pooler::SupabaseTransaction)
        );
        for url in [
            NEON_DIRECT,
            SUPABASE_SESSION,
            "postgres://postgres@127.0.0.1:5432/postgres",
            "not a url",
        ] {
            assert_eq!(detect_pooler(url), None, "{url}");
        }
    }

    #[test]
    fn direct_url_wins_and_a_pooler_alone_is_refused_without_the_password() {
        assert_eq!(
            session_url(NEON_DIRECT, None, "migrate").unwrap(),
            NEON_DIRECT
        );
        let direct = Some((NEON_DIRECT.to_string(), DirectSource::Env));
        assert_eq!(
            session_url(NEON_POOLED, direct, "migrate").unwrap(),
            NEON_DIRECT
        );

        for (url, hint) in [
            (NEON_POOLED, "without `-pooler`"),
            (SUPABASE_TX, "port 5432"),
        ] {
            let err = session_url(url, None, "migrate").unwrap_err();
            let text = err.to_string();
            assert!(text.contains("transaction-mode pooler"), "{text}");
            assert!(
                text.contains("set DIRECT_URL (or pass --direct-url)"),
                "{text}"
            );
            assert!(text.contains("migrate cannot guard"), "{text}");
            assert!(text.contains(hint), "{text}");
            assert!(text.contains(":***@"), "{text}");
            assert!(!text.contains("hunter2") && !format!("{err:?}").contains("hunter2"));
        }

        let pooled_direct = Some((SUPABASE_TX.to_string(), DirectSource::Flag));
        let err = session_url(NEON_POOLED, pooled_direct, "migrate").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("(from --direct-url) also goes through"),
            "{text}"
        );
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[test]
    fn direct_url_resolution() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(resolve_direct_url_from(None, None, dir.path()), None);
        std::fs::write(dir.path().join(".env"), "DIRECT_URL=postgres://dotenv/db\n").unwrap();
        assert_eq!(
            resolve_direct_url_from(None, None, dir.path()),
            Some((
                "postgres://dotenv/db".to_string(),
                DirectSource::DotEnv(dir.path().join(".env"))
            ))
        );
        assert_eq!(
            resolve_direct_url_from(None, Some("postgres://env/db".into()), dir.path()),
            Some(("postgres://env/db".to_string(), DirectSource::Env))
        );
        assert_eq!(
            resolve_direct_url_from(Some("postgres://flag/db"), Some("x".into()), dir.path()),
            Some(("postgres://flag/db".to_string(), DirectSource::Flag))
        );
        assert_eq!(
            resolve_direct_url_from(None, Some(" ".into()), dir.path()).map(|(_, s)| s),
            Some(DirectSource::DotEnv(dir.path().join(".env")))
        );
    }
}
