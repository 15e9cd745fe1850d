//! `brain-db db up | down | status | url`: the project's private PostgreSQL cluster, and
//! the no-URL default every database command falls back to.

use std::path::Path;

use clap::Subcommand;

use super::{Outcome, exit};
use crate::db::local::{LocalCluster, Status};

#[derive(Debug, Subcommand)]
pub enum DbAction {
    /// Create (first time) and start the project's local PostgreSQL in .brain-db/postgres.
    Up,
    /// Stop the local PostgreSQL (its data stays).
    Down,
    /// Say whether the local PostgreSQL exists and runs, and where.
    Status,
    /// Print the local PostgreSQL's connection URL.
    Url,
}

pub fn run(action: &DbAction) -> Outcome {
    let cwd = std::env::current_dir()?;
    let cluster = LocalCluster::for_project(&cwd);
    let data = shown_path(&cwd, &cluster.data_dir());
    match action {
        DbAction::Up => {
            let up = cluster.up()?;
            if up.created {
                eprintln!("created a PostgreSQL cluster in {data}");
            }
            let state = if up.started {
                "started"
            } else {
                "already running"
            };
            eprintln!(
                "local PostgreSQL {state} on port {} (data in {data})",
                up.port
            );
            println!("{}", up.url);
        }
        DbAction::Down => {
            if cluster.down()? {
                println!("local PostgreSQL stopped (data kept in {data})");
            } else {
                println!("local PostgreSQL is not running");
            }
        }
        DbAction::Status => match cluster.status() {
            Status::NotCreated => println!(
                "local PostgreSQL: not created (`brain-db db up` creates it in {})",
                shown_path(&cwd, cluster.dir())
            ),
            Status::Stopped { .. } => {
                println!("local PostgreSQL: stopped (data in {data}; `brain-db db up` starts it)")
            }
            Status::Running { port } => println!(
                "local PostgreSQL: running on port {port} (data in {data}): {}",
                LocalCluster::url_for(port)
            ),
        },
        DbAction::Url => match cluster.status() {
            Status::Running { port } => println!("{}", LocalCluster::url_for(port)),
            Status::Stopped { port: Some(port) } => {
                eprintln!("local PostgreSQL is not running; `brain-db db up` starts it");
                println!("{}", LocalCluster::url_for(port));
            }
            Status::Stopped { port: None } | Status::NotCreated => anyhow::bail!(
                "the local PostgreSQL has no URL yet: run `brain-db db up` to create and \
                 start it"
            ),
        },
    }
    Ok(exit::OK)
}

/// The URL of the local cluster, started if needed, for a command given no URL; says so
/// in one line on standard error.
pub fn local_default_url() -> anyhow::Result<String> {
    let cwd = std::env::current_dir()?;
    let cluster = LocalCluster::for_project(&cwd);
    let up = cluster.up().map_err(|e| {
        anyhow::anyhow!(
            "no database URL given (--database-url, DATABASE_URL, .env) and the local \
             PostgreSQL cannot start: {e}"
        )
    })?;
    let what = match (up.created, up.started) {
        (true, _) => "created and started",
        (false, true) => "started",
        (false, false) => "running",
    };
    eprintln!(
        "no database URL given: using the local PostgreSQL at {} ({what}; data in {}; \
         `brain-db db down` stops it)",
        up.url,
        shown_path(&cwd, &cluster.data_dir())
    );
    Ok(up.url)
}

/// `path` relative to `base` when inside it.
fn shown_path(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}
