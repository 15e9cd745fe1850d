#![allow(dead_code, clippy::print_stderr)]

//! Test support: a fresh database per test on a real PostgreSQL server, and a runner for
//! the brain-db binary.
//!
//! The server comes from `BRAIN_DB_TEST_URL`, else `DATABASE_URL`, else
//! `postgres://postgres@127.0.0.1:5432/postgres`. When that URL names this machine and
//! nothing answers there, the tests use the repository's local PostgreSQL
//! (`.brain-db/postgres`, the `brain-db db up` cluster), starting it if needed, so a fresh
//! clone with PostgreSQL binaries but no running server passes. Otherwise, if it does not
//! answer, the test fails with instructions: tests never skip.

use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Duration;

use brain_db::db::local::LocalCluster;
use tokio_postgres::{Client, NoTls};

/// The URL the tests start from: configured, else the default, else (nothing answers)
/// the repository's local cluster. Decided once per process.
pub fn admin_url() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let url = std::env::var("BRAIN_DB_TEST_URL")
            .or_else(|_| std::env::var("DATABASE_URL"))
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
        with_local_fallback(url, Path::new(env!("CARGO_MANIFEST_DIR")))
    })
    .clone()
}

/// `url` if a server answers there or it is not local; else the URL of `project`'s
/// local cluster, started if needed (saying so on stderr).
pub fn with_local_fallback(url: String, project: &Path) -> String {
    if !brain_db::db::is_local_url(&url) || answers_tcp(&url) {
        return url;
    }
    let cluster = LocalCluster::for_project(project);
    match cluster.up() {
        Ok(up) => {
            eprintln!(
                "no PostgreSQL answers at {}: the tests use the local cluster at {} ({})",
                brain_db::db::redact(&url),
                up.url,
                cluster.dir().display()
            );
            up.url
        }
        Err(e) => panic!(
            "no PostgreSQL answers at {} and the local cluster cannot start: {e}",
            brain_db::db::redact(&url)
        ),
    }
}

/// Whether something accepts TCP connections at the URL's host and port.
fn answers_tcp(url: &str) -> bool {
    let Ok(config) = url.parse::<tokio_postgres::Config>() else {
        return true; // let the connection report what is wrong
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    config.get_hosts().iter().any(|host| match host {
        tokio_postgres::config::Host::Tcp(name) => (name.as_str(), port)
            .to_socket_addrs()
            .into_iter()
            .flatten()
            .any(|addr| TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok()),
        tokio_postgres::config::Host::Unix(dir) => dir.join(format!(".s.PGSQL.{port}")).exists(),
    })
}

/// Replaces the database name in a `postgres://` URL.
pub fn url_with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host_part = match path_start {
        Some(i) => &base[..i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{database}?{q}"),
        None => format!("{host_part}/{database}"),
    }
}

/// Replaces the user name in a `postgres://` URL (the URL has no password).
pub fn url_with_user(url: &str, user: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[scheme_end..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let host_start = rest[..authority_end].rfind('@').map_or(0, |i| i + 1);
    format!("{}{user}@{}", &url[..scheme_end], &rest[host_start..])
}

pub async fn connect(url: &str) -> Client {
    let (client, connection) = match tokio_postgres::connect(url, NoTls).await {
        Ok(pair) => pair,
        Err(e) => panic!(
            "cannot connect to the test PostgreSQL at {url}: {e}\n\
             Start one (e.g. `pg_ctlcluster 15 main start`, or `docker compose --profile local up -d db`)\n\
             or point BRAIN_DB_TEST_URL at a server where this user may create databases."
        ),
    };
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// A database created from template0 for one test; dropped when the test passes, kept
/// (and its name printed) when it fails, so the state can be inspected.
pub struct TestDb {
    pub name: String,
    pub url: String,
    admin_url: String,
}

impl TestDb {
    /// `label` must be unique per test (use the test's name).
    pub async fn new(label: &str) -> TestDb {
        TestDb::new_on(admin_url(), label).await
    }

    /// Like [`TestDb::new`], on the server of `admin_url` (another server than the
    /// suite's, such as the pgvector tests' one).
    pub async fn new_on(admin_url: String, label: &str) -> TestDb {
        let name = format!("bdt_{}", sanitize(label));
        let admin = connect(&admin_url).await;
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await
            .expect("drop stale test database");
        admin
            .batch_execute(&format!(
                "CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'"
            ))
            .await
            .expect("create test database");
        let url = url_with_database(&admin_url, &name);
        TestDb {
            name,
            url,
            admin_url,
        }
    }

    /// Like [`TestDb::new`], but the URL logs in as a superuser role of this test's own
    /// (`bdr_<label>`), so that what the test's commands create on the shared server
    /// (scratch databases) can be told apart from other tests' by owner.
    pub async fn with_own_role(label: &str) -> TestDb {
        let mut db = TestDb::new(label).await;
        let role = format!("bdr_{}", sanitize(label));
        let admin = connect(&db.admin_url).await;
        admin
            .batch_execute(&format!(
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') \
                 THEN CREATE ROLE \"{role}\" LOGIN SUPERUSER; END IF; END $$"
            ))
            .await
            .expect("create the test's own role");
        db.url = url_with_user(&db.url, &role);
        db
    }

    /// Scratch databases (`brain_db_scratch_*`) that this database's login role owns:
    /// those its commands left behind. Meaningful for [`TestDb::with_own_role`] only.
    pub async fn scratch_databases_left(&self) -> String {
        self.value(
            "SELECT count(*)::text FROM pg_database \
             WHERE datname LIKE 'brain\\_db\\_scratch\\_%' AND datdba = \
             (SELECT oid FROM pg_roles WHERE rolname = current_user)",
        )
        .await
    }

    pub async fn client(&self) -> Client {
        connect(&self.url).await
    }

    /// Runs SQL (several statements allowed) and panics on error.
    pub async fn exec(&self, sql: &str) {
        let client = self.client().await;
        if let Err(e) = client.batch_execute(sql).await {
            panic!("test setup SQL failed: {e}\n{sql}");
        }
    }

    /// The server's message for SQL that must fail; panics if it succeeds.
    pub async fn error_of(&self, sql: &str) -> String {
        let client = self.client().await;
        match client.batch_execute(sql).await {
            Ok(()) => panic!("expected this SQL to fail: {sql}"),
            Err(e) => e
                .as_db_error()
                .map_or_else(|| e.to_string(), |db| db.message().to_string()),
        }
    }

    /// The first column of every row of a query, as text.
    pub async fn column(&self, sql: &str) -> Vec<Option<String>> {
        let client = self.client().await;
        let rows = client.simple_query(sql).await.expect("query");
        rows.into_iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => Some(r.get(0).map(str::to_string)),
                _ => None,
            })
            .collect()
    }

    /// One text value.
    pub async fn value(&self, sql: &str) -> String {
        self.column(sql)
            .await
            .into_iter()
            .next()
            .flatten()
            .expect("one non-null value")
    }

    /// The server's major version (`server_version_num` / 10000).
    pub async fn server_major(&self) -> u32 {
        let num: u32 = self
            .value("SHOW server_version_num")
            .await
            .parse()
            .expect("server_version_num is a number");
        num / 10000
    }

    /// `pg_dump --schema-only`, without comments, SET lines and blank lines. The pg_dump is
    /// `BRAIN_DB_TEST_PG_DUMP` when set (pg_dump refuses a server newer than itself:
    /// `cargo xtask test --pg N` points it at one at least as new as the server).
    pub fn dump(&self) -> String {
        let pg_dump = std::env::var_os("BRAIN_DB_TEST_PG_DUMP")
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "pg_dump".into());
        self.dump_with(Path::new(&pg_dump), &[])
    }

    /// [`TestDb::dump`] with the given `pg_dump` (it refuses a server newer than itself)
    /// and further arguments (`--exclude-table=...`).
    pub fn dump_with(&self, pg_dump: &Path, args: &[&str]) -> String {
        let out = Command::new(pg_dump)
            .args([
                "--schema-only",
                "--no-owner",
                "--no-privileges",
                "-d",
                &self.url,
            ])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", pg_dump.display()));
        assert!(
            out.status.success(),
            "pg_dump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter(|l| {
                !l.is_empty()
                    && !l.starts_with("--")
                    && !l.starts_with("SET ")
                    && !l.starts_with("SELECT pg_catalog.set_config")
                    && !l.starts_with('\\')
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Panics with a unified diff (- expected, + actual) when the two databases' schema dumps
/// differ. `context` is printed after the diff (e.g. the schema file involved).
pub fn assert_same_schema(expected: &TestDb, actual: &TestDb, context: &str) {
    let want = expected.dump();
    let got = actual.dump();
    if want != got {
        let diff = similar::TextDiff::from_lines(&want, &got);
        panic!(
            "schemas differ (- {}, + {}):\n{}\n{context}",
            expected.name,
            actual.name,
            diff.unified_diff()
        );
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("test database kept for inspection: {}", self.url);
            return;
        }
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime; use a separate thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let admin = connect(&admin_url).await;
                let _ = admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await;
            });
        })
        .join();
    }
}

fn sanitize(label: &str) -> String {
    let s: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    s.chars().take(50).collect()
}

/// The result of one brain-db invocation.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Exit code 0 and exactly `no changes` on stdout: the push settled.
    pub fn assert_no_changes(&self) -> &Self {
        self.assert_code(0);
        assert_eq!(
            self.stdout.trim(),
            "no changes",
            "expected a no-op\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn assert_code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// A scratch project folder (schema.toml, migrations/) for CLI tests.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Project {
        Project {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn schema_path(&self) -> PathBuf {
        self.dir.path().join("schema.toml")
    }

    pub fn write_schema(&self, text: &str) {
        std::fs::write(self.schema_path(), text).expect("write schema.toml");
    }

    /// Runs `brain-db` in the project folder against `db` with the given arguments.
    /// `DATABASE_URL` is cleared so that only the explicit URL counts.
    pub fn run(&self, db: &TestDb, args: &[&str]) -> Run {
        Command::new(env!("CARGO_BIN_EXE_brain-db"))
            .current_dir(self.path())
            .env_remove("DATABASE_URL")
            .arg("--database-url")
            .arg(&db.url)
            .args(args)
            .output()
            .expect("run brain-db")
            .into()
    }

    /// Runs `brain-db` in the project folder against `url` (any URL, such as a TLS one).
    pub fn run_with_url(&self, url: &str, args: &[&str]) -> Run {
        Command::new(env!("CARGO_BIN_EXE_brain-db"))
            .current_dir(self.path())
            .env_remove("DATABASE_URL")
            .arg("--database-url")
            .arg(url)
            .args(args)
            .output()
            .expect("run brain-db")
            .into()
    }

    /// Runs `brain-db` without any database URL.
    pub fn run_offline(&self, args: &[&str]) -> Run {
        Command::new(env!("CARGO_BIN_EXE_brain-db"))
            .current_dir(self.path())
            .env_remove("DATABASE_URL")
            .args(args)
            .output()
            .expect("run brain-db")
            .into()
    }
}
